//! Rollups and KPIs over one-second readings (10 M and 100 M rows).
#![allow(missing_docs)]
//!
//! `cargo bench -p enms-benches --bench rollup` (add `-- 100M` for the large size only).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use enms_benches::one_second_power;
use enms_core::bucket::Bucketing;
use enms_core::kpi::{kpi_report, KpiSettings, MachineInput};
use enms_core::model::{EnergyCarrier, Machine, MachineType};
use enms_core::rollup::{rollup_power, standard_rollups, RollupOptions};
use enms_core::series::{PowerSeries, PowerView};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("rollup");
    g.sample_size(10);
    for (label, n) in [("10M", 10_000_000usize), ("100M", 100_000_000usize)] {
        let (ts, p) = one_second_power(n);
        // input bytes: 8 (timestamp) + 8 (power) per reading
        g.throughput(Throughput::Bytes(16 * n as u64));
        let series = PowerSeries::new(ts.clone(), p.clone()).unwrap_or_else(|e| panic!("{e}"));
        let q = Bucketing::parse("15m").unwrap_or_else(|e| panic!("{e}"));
        // validation of borrowed columns (sorted, finite): what a zero-copy face pays per call
        g.bench_with_input(BenchmarkId::new("validate", label), &n, |b, _| {
            b.iter(|| PowerView::new(&ts, &p).map(|s| s.len()))
        });
        g.bench_with_input(BenchmarkId::new("rollup_15m", label), &n, |b, _| {
            b.iter(|| rollup_power(&series, &q, &RollupOptions::default()).map(|r| r.len()))
        });
        g.bench_with_input(
            BenchmarkId::new("standard_1m_15m_1h_1d_local", label),
            &n,
            |b, _| {
                b.iter(|| {
                    standard_rollups(&series, Some("Europe/Berlin"), &RollupOptions::default())
                        .map(|r| r.day.len())
                })
            },
        );
        let input = vec![MachineInput {
            machine: Machine {
                id: "compressor-1".into(),
                factory_id: "plant-1".into(),
                name: "Compressor".into(),
                machine_type: MachineType::Compressor,
                rated_power_kw: 75.0,
                carrier: EnergyCarrier::Electricity,
                interval_s: 1.0,
            },
            power: series.clone(),
            production: None,
            reactive_kvarh: None,
        }];
        g.bench_with_input(BenchmarkId::new("kpi_report", label), &n, |b, _| {
            b.iter(|| kpi_report(&input, &KpiSettings::default()).map(|r| r.machines.len()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
