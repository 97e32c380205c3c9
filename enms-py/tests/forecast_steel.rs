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

use std::collections::BTreeMap;
use std::path::PathBuf;

use enms_core::forecast::{backtest, fit_forecaster, BacktestOptions, ForecastSpec};
use enms_core::time::parse_rfc3339;
use serde_json::{json, Value};

/// Days off of the steel plant in 2018 (as in `benches/forecast_side_by_side.py`).
const HOLIDAYS: [&str; 23] = [
    "2018-01-01",
    "2018-02-15",
    "2018-02-16",
    "2018-02-17",
    "2018-03-01",
    "2018-05-01",
    "2018-05-05",
    "2018-05-07",
    "2018-05-22",
    "2018-06-06",
    "2018-06-13",
    "2018-08-01",
    "2018-08-02",
    "2018-08-03",
    "2018-08-15",
    "2018-09-23",
    "2018-09-24",
    "2018-09-25",
    "2018-09-26",
    "2018-10-03",
    "2018-10-09",
    "2018-12-25",
    "2018-12-31",
];
const HORIZON: usize = 168;

fn steel_hourly() -> (Vec<i64>, Vec<f64>) {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/steel_industry_2018.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (c_date, c_kwh, c_nsm) = (col("date"), col("Usage_kWh"), col("NSM"));
    let mut hours: BTreeMap<i64, f64> = BTreeMap::new();
    let hour_us = 3_600_000_000i64;
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        // dd/mm/yyyy HH:MM, local (UTC+9 all year: Korea has no daylight saving time).
        let (d, t) = f[c_date].split_once(' ').unwrap();
        let dmy: Vec<&str> = d.split('/').collect();
        let rfc = format!("{}-{}-{}T{}:00+09:00", dmy[2], dmy[1], dmy[0], t);
        let mut end = parse_rfc3339(&rfc).unwrap();
        if f[c_nsm].trim() == "0" {
            end += 24 * hour_us;
        }
        let start = end - 15 * 60_000_000;
        // Local hours and UTC hours coincide (a whole-hour offset).
        let hour = start.div_euclid(hour_us) * hour_us;
        *hours.entry(hour).or_insert(0.0) += f[c_kwh].parse::<f64>().unwrap();
    }
    hours.into_iter().unzip()
}

fn spec() -> ForecastSpec {
    serde_json::from_value(json!({
        "model": "seasonal",
        "calendar": {"time_zone": "Asia/Seoul", "holidays": HOLIDAYS},
    }))
    .unwrap()
}

fn compute() -> Value {
    let (ts, y) = steel_hourly();
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
        "holidays": HOLIDAYS,
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
