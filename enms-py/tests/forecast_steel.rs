//! The Rust side of the Python face's forecast check: enms-core's week-ahead forecast and
//! backtest of the steel plant's hourly load, written to `tests/fixtures/forecast_steel.json`,
//! which `tests/test_forecast.py` compares with what `enms.Forecaster` and `enms.backtest`
//! return for the same data (and the Node face's `test/forecast.test.mjs` likewise).
//!
//! `cargo test -p enms-py --test forecast_steel` checks that the committed file is the core's
//! current output; `ENMS_WRITE_FIXTURES=1 cargo test -p enms-py --test forecast_steel` rewrites it.
//!
//! The series: the 15-minute `Usage_kWh` of `../shared/data/steel_industry_2018.csv` (beside the
//! repository; times are local Asia/Seoul interval ends, midnight rows carry the ending day's date)
//! summed into local hours, each stamped with its start in UTC: 8760 hours of 2018.

#![allow(clippy::unwrap_used)]

// The steel plant's hourly series and days off, shared with enms-core's tests.
#[path = "../../enms-core/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;

use enms_core::forecast::{backtest, fit_forecaster, BacktestOptions, ForecastSpec};
use serde_json::{json, Value};

const HORIZON: usize = 168;

fn spec() -> ForecastSpec {
    serde_json::from_value(json!({
        "model": "seasonal",
        "calendar": {"time_zone": "Asia/Seoul", "holidays": common::STEEL_DAYS_OFF},
    }))
    .unwrap()
}

fn compute() -> Value {
    let (ts, y) = common::steel_hourly();
    assert_eq!(ts.len(), 8760);
    let n = ts.len() - HORIZON;
    let spec = spec();
    let model = fit_forecaster(&ts[..n], &y[..n], &[], &spec, HORIZON).unwrap();
    let levels = BacktestOptions::default().levels;
    let forecast = model.forecast(HORIZON, &[], &levels).unwrap();
    let options = BacktestOptions {
        horizon: 24,
        windows: 3,
        ..BacktestOptions::default()
    };
    let bt = backtest(&ts, &y, &[], &spec, &options).unwrap();
    let windows: Vec<Value> = bt
        .windows
        .iter()
        .map(|w| json!({"origin": w.origin, "train_len": w.train_len, "model": w.model, "accuracy": w.accuracy}))
        .collect();
    json!({
        "source": "enms-py/tests/forecast_steel.rs (enms-core fit_forecaster, forecast, backtest)",
        "holidays": common::STEEL_DAYS_OFF,
        "train_len": n,
        "horizon": HORIZON,
        "description": model.describe(),
        "forecast": forecast,
        "backtest": {"options": options, "windows": windows, "overall": bt.overall},
    })
}

fn close(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                "{path}: {x} != {y}"
            );
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: keys differ");
            for (k, v) in x {
                close(v, &y[k], &format!("{path}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: lengths differ");
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                close(u, v, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

#[test]
fn steel_forecast_fixture_is_the_cores_output() {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/forecast_steel.json");
    let now = compute();
    if std::env::var_os("ENMS_WRITE_FIXTURES").is_some() {
        std::fs::create_dir_all(fixture.parent().unwrap()).unwrap();
        std::fs::write(&fixture, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    close(&now, &saved, "");
}
