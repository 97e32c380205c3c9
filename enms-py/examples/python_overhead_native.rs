//! The Rust-native side of `benches/python_overhead.py`: the same KPI call on the same data, timed
//! in Rust, so the Python face's overhead can be read as a ratio.
//!
//! Data: `n` one-second power readings (default 10 million), `p_i = 100 + 50 sin(i / 600) +
//! (i * 7919 mod 1000) / 100` kW from 2025-01-06T00:00:00Z, the formula the Python script uses.
//! Timed: validating the borrowed columns, the 15-minute rollup and the peak demand (fixed
//! blocks), i.e. everything `enms.peak_demand(df)` runs in the core. Prints one JSON line with
//! the time of each call.
//!
//! `cargo run --release -p enms-py --example python_overhead_native -- [n] [repeats]`

use std::time::Instant;

use enms_core::bucket::Bucketing;
use enms_core::kpi::{peak_demand, DemandOptions};
use enms_core::rollup::{rollup_power, RollupOptions};
use enms_core::PowerView;

const T0: i64 = 1_736_121_600_000_000; // 2025-01-06T00:00:00Z

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000_000);
    let repeats: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(7);
    let ts: Vec<i64> = (0..n as i64).map(|i| T0 + i * 1_000_000).collect();
    let p: Vec<f64> = (0..n as u64)
        .map(|i| 100.0 + 50.0 * (i as f64 / 600.0).sin() + ((i * 7919) % 1000) as f64 / 100.0)
        .collect();
    let mut times = Vec::with_capacity(repeats);
    let mut peak = 0.0;
    for _ in 0..repeats {
        let t = Instant::now();
        let d = DemandOptions::default();
        let view = PowerView::new(&ts, &p)?;
        let r = rollup_power(
            view,
            &Bucketing::new(d.resolution()?)?,
            &RollupOptions::default(),
        )?;
        peak = peak_demand(&r, &d)?.map_or(f64::NAN, |x| x.peak_demand_kw);
        times.push(t.elapsed().as_secs_f64());
    }
    let list: Vec<String> = times.iter().map(|t| t.to_string()).collect();
    println!(
        "{{\"rows\": {n}, \"times_s\": [{}], \"peak_demand_kw\": {peak}}}",
        list.join(", ")
    );
    Ok(())
}
