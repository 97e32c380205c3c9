//! The enms half of `benches/polars_rollup.py`: reads the raw arrays the script wrote, times the
//! 15-minute rollup (count, energy, mean/min/max power) and prints one JSON line.
//!
//! `rollup_side_by_side DIR [REPEATS]`

use std::time::Instant;

use enms_core::bucket::Bucketing;
use enms_core::rollup::{rollup_power, RollupOptions};
use enms_core::series::PowerView;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: rollup_side_by_side DIR [REPEATS]");
        std::process::exit(2);
    };
    let repeats: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let (ts, p) = match enms_benches::read_raw(std::path::Path::new(&dir)) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("cannot read {dir}: {e}");
            std::process::exit(2);
        }
    };
    let n = ts.len();
    let q = Bucketing::parse("15m").unwrap_or_else(|e| panic!("{e}"));
    let mut best = f64::INFINITY;
    let mut energy = 0.0;
    let mut buckets = 0;
    for _ in 0..repeats {
        let t0 = Instant::now();
        // validation (sorted, finite) of the borrowed columns is part of the measured work
        let s = PowerView::new(&ts, &p).unwrap_or_else(|e| panic!("{e}"));
        let r = rollup_power(s, &q, &RollupOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let dt = t0.elapsed().as_secs_f64();
        best = best.min(dt);
        energy = r.total_energy_kwh();
        buckets = r.len();
    }
    println!("{{\"tool\":\"enms\",\"rows\":{n},\"buckets\":{buckets},\"energy_kwh\":{energy},\"seconds\":{best}}}");
}
