//! Energy baselines: OLS with full statistics on 1 M rows x 5 drivers, and the daily
//! change-point search and selection over 365 days.
//!
//! `cargo bench -p enms-benches --bench baseline`

// `criterion_group!` expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use enms_core::baseline::{fit_change_point, ChangePointOptions};
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
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
