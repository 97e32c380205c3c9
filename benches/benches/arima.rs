//! ARIMA on three weeks of the steel plant's hourly load (from the ARIMA test fixture): automatic
//! order selection, a fixed-order CSS-ML fit, a 24-hour forecast, and an hourly update.
//!
//! `cargo bench -p enms-benches --bench arima`

// `criterion_group!` expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use enms_core::forecast::arima::{auto_arima, ArimaModel, ArimaOrder, ArimaSpec, AutoArimaOptions};
use serde_json::Value;

fn steel_window() -> (Vec<i64>, Vec<f64>) {
    let doc: Value = serde_json::from_str(include_str!(
        "../../enms-core/tests/fixtures/arima_statsforecast.json"
    ))
    .unwrap_or(Value::Null);
    let empty = Vec::new();
    let s = doc["series"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .find(|s| s["name"] == "steel_jan_3w")
        .cloned()
        .unwrap_or(Value::Null);
    let y: Vec<f64> = s["y"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    let t0 = s["t0"].as_i64().unwrap_or(0);
    let ts = (0..y.len() as i64)
        .map(|i| t0 + i * 3_600_000_000)
        .collect();
    (ts, y)
}

fn bench(c: &mut Criterion) {
    let (ts, y) = steel_window();
    let mut g = c.benchmark_group("arima");
    g.sample_size(20);
    let opts = AutoArimaOptions {
        season_length: 24,
        ..Default::default()
    };
    g.bench_function("auto_arima steel 504 h s=24", |b| {
        b.iter(|| auto_arima(&ts, &y, &[], &opts).map(|m| m.aicc()))
    });
    let spec = ArimaSpec::new(ArimaOrder::new(1, 0, 1).with_seasonal(0, 1, 1, 24));
    g.bench_function("fit ARIMA(1,0,1)(0,1,1)[24] 504 h", |b| {
        b.iter(|| ArimaModel::fit(&ts, &y, &[], &spec).map(|m| m.loglik()))
    });
    if let Ok(model) = ArimaModel::fit(&ts, &y, &[], &spec) {
        g.bench_function("forecast 24 h, 2 levels", |b| {
            b.iter(|| model.forecast(24, &[], &[0.8, 0.95]).map(|f| f.mean[0]))
        });
        let next = [ts[ts.len() - 1] + 3_600_000_000];
        g.bench_function("update 1 h", |b| {
            b.iter(|| {
                model
                    .update(&next, &[150.0], &[])
                    .map(|m| m.last_timestamp())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
