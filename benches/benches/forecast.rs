//! Forecasting: the week-ahead seasonal model fitted to a year of hourly factory load (with an
//! outdoor temperature regressor), and its week-ahead forecast.
//!
//! `cargo bench -p enms-benches --bench forecast`

// `criterion_group!` expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use enms_core::forecast::{SeasonalModel, SeasonalOptions};
use enms_core::time::MICROS_PER_HOUR;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("forecast");
    g.sample_size(20);
    let n = 8760;
    let ts: Vec<i64> = (0..n as i64)
        .map(|h| enms_benches::START + h * MICROS_PER_HOUR)
        .collect();
    let temp: Vec<f64> = (0..n)
        .map(|h| {
            let d = h as f64 / 24.0;
            10.0 - 9.0 * (d / 365.0 * std::f64::consts::TAU).cos()
                + 4.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin()
        })
        .collect();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let y: Vec<f64> = (0..n)
        .map(|h| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let noise = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let day = (h / 24) % 7; // START is a Monday
            let hour = h % 24;
            let shift = day < 5 && (6..22).contains(&hour);
            (if shift { 480.0 } else { 130.0 }) + 5.0 * (16.0 - temp[h]).max(0.0) + 30.0 * noise
        })
        .collect();
    let regs: [(&str, &[f64]); 1] = [("outdoor_temp_c", &temp)];
    let options = SeasonalOptions::default();
    g.bench_function("seasonal_fit_year_hourly", |b| {
        b.iter(|| SeasonalModel::fit(&ts, &y, &regs, &options).map(|m| m.n_obs()))
    });
    let model = SeasonalModel::fit(&ts, &y, &regs, &options).unwrap_or_else(|e| panic!("{e}"));
    let future = vec![8.0; 168];
    g.bench_function("seasonal_forecast_week", |b| {
        b.iter(|| {
            model
                .forecast(168, &[("outdoor_temp_c", &future)], &[0.8, 0.95])
                .map(|f| f.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
