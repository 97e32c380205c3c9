//! Energy baselines: OLS with full statistics on 1 M rows x 5 drivers, and the daily
//! change-point search and selection over 365 days, the daily model by season and day type with
//! smoothed change points over 365 days, and the hourly TOWT model over a year.
//!
//! `cargo bench -p enms-benches --bench baseline`

// `criterion_group!` expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use enms_core::baseline::{
    fit_change_point, fit_daily, fit_towt, ChangePointOptions, DailyOptions, TowtOptions,
};
use enms_core::stats::{ols, OlsOptions};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("baseline");
    g.sample_size(10);
    let (y, x) = enms_benches::regression_data(1_000_000);
    let names = ["production", "degree_days", "hours", "moisture", "pressure"];
    let drivers: Vec<(&str, &[f64])> = names
        .iter()
        .zip(&x)
        .map(|(n, c)| (*n, c.as_slice()))
        .collect();
    g.bench_function("ols_full_statistics_1M_x5", |b| {
        b.iter(|| ols(&y, &drivers, &OlsOptions::default()).map(|f| f.r_squared))
    });
    // a year of daily mean temperatures and a 5-parameter load
    let temp: Vec<f64> = (0..365)
        .map(|d| {
            11.0 - 12.0 * (f64::from(d) / 365.0 * std::f64::consts::TAU).cos()
                + 3.0 * ((f64::from(d) * 1.7).sin())
        })
        .collect();
    let energy: Vec<f64> = temp
        .iter()
        .enumerate()
        .map(|(i, t)| {
            200.0
                + 12.0 * (14.0 - t).max(0.0)
                + 18.0 * (t - 22.0).max(0.0)
                + 10.0 * ((i as f64) * 2.3).sin()
        })
        .collect();
    g.sample_size(50);
    g.bench_function("change_point_search_daily_365", |b| {
        b.iter(|| fit_change_point(&temp, &energy, &ChangePointOptions::default()).map(|m| m.kind))
    });
    // the same year as days with a weekend: segments by season and day type, smoothed change
    // points (every segmentation of the six cells, 21 segment fits)
    let day_ts: Vec<i64> = (0..365i64)
        .map(|d| enms_benches::START + d * enms_core::time::MICROS_PER_DAY)
        .collect();
    let daily_energy: Vec<f64> = energy
        .iter()
        .enumerate()
        .map(|(i, e)| if i % 7 >= 5 { 0.6 * e } else { *e })
        .collect();
    let daily_options = DailyOptions::default();
    g.bench_function("daily_model_365", |b| {
        b.iter(|| fit_daily(&day_ts, &temp, &daily_energy, &daily_options).map(|m| m.criterion))
    });
    // a year of hours: time-of-week-and-temperature with occupancy detection
    let start = 1_736_118_000_000_000i64; // 2025-01-06T00:00 Europe/Berlin
    let ts: Vec<i64> = (0..8760).map(|h| start + h * 3_600_000_000).collect();
    let hourly_temp: Vec<f64> = (0..8760)
        .map(|h| {
            let d = f64::from(h / 24);
            10.0 - 10.0 * (d / 365.0 * std::f64::consts::TAU).cos()
                + 5.0 * (f64::from(h % 24) / 24.0 * std::f64::consts::TAU).sin()
        })
        .collect();
    let hourly: Vec<f64> = (0..8760usize)
        .map(|h| {
            let busy = (h / 24) % 7 < 5 && (8..18).contains(&(h % 24));
            let cool = (hourly_temp[h] - 20.0).max(0.0);
            let load = if busy {
                100.0 + 4.0 * cool
            } else {
                30.0 + cool
            };
            load + 2.0 * (h as f64 * 0.37).sin()
        })
        .collect();
    let towt_options = TowtOptions {
        timezone: "Europe/Berlin".into(),
        ..TowtOptions::default()
    };
    g.sample_size(20);
    g.bench_function("towt_hourly_year", |b| {
        b.iter(|| fit_towt(&ts, &hourly_temp, &hourly, &towt_options).map(|m| m.r_squared))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
