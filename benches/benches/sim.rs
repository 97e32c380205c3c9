//! Generation speed of enms-sim: a year of the demo plant (~41 M energy readings, plus
//! production, status, environment and process tables), and one day for comparison.
//!
//! `cargo bench -p enms-benches --bench sim`

// `criterion_group!` expands to an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use enms_core::time::{parse_rfc3339, MICROS_PER_DAY};
use enms_sim::Simulator;

fn bench_sim(c: &mut Criterion) {
    let sim = Simulator::demo(42);
    let start = parse_rfc3339("2025-01-01T00:00:00+01:00").expect("valid timestamp");
    let readings = sim
        .generate(start, start + 365 * MICROS_PER_DAY)
        .expect("year")
        .energy_reading_count();

    let mut g = c.benchmark_group("sim");
    g.sample_size(10);
    // One generation per sample: a year takes seconds.
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(readings as u64));
    g.bench_function("generate_year_demo_plant", |b| {
        b.iter(|| {
            sim.generate(start, start + 365 * MICROS_PER_DAY)
                .expect("year")
        })
    });
    g.finish();

    let mut g = c.benchmark_group("sim_day");
    g.bench_function("generate_day_demo_plant", |b| {
        b.iter(|| sim.generate(start, start + MICROS_PER_DAY).expect("day"))
    });
    g.finish();
}

criterion_group!(benches, bench_sim);
criterion_main!(benches);
