//! Times the generation of a year of the demo plant: `cargo run --release -p enms-sim --example year -- 2`
//! (arguments: threads, default 2, and runs, default 3).

use enms_core::time::{parse_rfc3339, MICROS_PER_DAY};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let threads: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let mut sim = enms_sim::Simulator::demo(42);
    sim.set_threads(threads);
    let start = parse_rfc3339("2025-01-01T00:00:00+01:00")?;
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    for _ in 0..runs {
        let t0 = std::time::Instant::now();
        let out = sim.generate(start, start + 365 * MICROS_PER_DAY)?;
        let secs = t0.elapsed().as_secs_f64();
        let production: usize = out.production.iter().map(|t| t.len()).sum();
        let status: usize = out.status.iter().map(|t| t.len()).sum();
        let process: usize = out.process.iter().map(|s| s.len()).sum();
        println!(
            "{} energy readings, {production} production, {status} status, {} environment, \
             {process} process rows in {secs:.3} s ({threads} threads)",
            out.energy_reading_count(),
            out.environment.len()
        );
    }
    Ok(())
}
