//! Isolation forest: growing 100 trees of 256 rows, and scoring 100 k rows x 4 columns with them,
//! on one thread and on all cores (the side-by-side with scikit-learn on 1 M rows is
//! `benches/iforest_sklearn.py`).
//!
//! `cargo bench -p enms-benches --bench anomaly`

// `criterion_group!` expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use enms_core::anomaly::{IsolationForest, IsolationForestParams};

const ROWS: usize = 100_000;

fn bench_iforest(c: &mut Criterion) {
    let (_, x) = enms_benches::regression_data(ROWS);
    let cols = enms_benches::named_columns(&["x0", "x1", "x2", "x3"], &x);
    let mut g = c.benchmark_group("iforest");
    for (label, n_jobs) in [("one_thread", Some(1)), ("all_cores", None)] {
        let params = IsolationForestParams {
            random_state: 0,
            n_jobs,
            ..IsolationForestParams::default()
        };
        g.throughput(Throughput::Elements(100));
        g.bench_function(format!("fit_100_trees_{label}"), |b| {
            b.iter(|| IsolationForest::fit(&cols, &params).expect("fit"))
        });
        let forest = IsolationForest::fit(&cols, &params).expect("fit");
        g.throughput(Throughput::Elements(ROWS as u64));
        g.bench_function(format!("score_100k_x4_{label}"), |b| {
            b.iter(|| forest.score_samples(&cols).expect("score"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_iforest);
criterion_main!(benches);
