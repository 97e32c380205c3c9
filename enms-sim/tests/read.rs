//! Reading a data set back: Parquet exactly, CSV to its printed precision, KPIs the same either
//! way, and bad files reported with the table, column and row.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use enms_core::kpi::{kpi_report, KpiSettings};
use enms_core::time::{parse_rfc3339, MICROS_PER_DAY};
use enms_sim::{read_dir, FactoryConfig, SimOutput, Simulator};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("enms-sim-read-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn output() -> SimOutput {
    let cfg = FactoryConfig {
        dropout_rate_per_machine_day: 3.0,
        fault_rate_per_machine_day: 2.0,
        ..Default::default()
    };
    let start = parse_rfc3339("2025-07-07T00:00:00+02:00").unwrap();
    Simulator::new(cfg, 7)
        .unwrap()
        .generate(start, start + MICROS_PER_DAY / 2)
        .unwrap()
}

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() <= tol)
}

#[test]
fn parquet_reads_back_exactly() {
    let out = output();
    let dir = temp_dir("pq");
    out.write_parquet(&dir).unwrap();
    let back = read_dir(&dir).unwrap();
    assert_eq!(back.factory, out.factory);
    assert_eq!(back.machines, out.machines);
    assert_eq!(back.start, out.start);
    for (a, b) in back.energy.iter().zip(&out.energy) {
        assert_eq!(a.machine_id, b.machine_id);
        assert_eq!(a.ts, b.ts);
        assert!(close(&a.power_kw, &b.power_kw, 0.0));
        assert!(close(
            &a.reactive_energy_kvarh,
            &b.reactive_energy_kvarh,
            0.0
        ));
        assert!(close(&a.voltage_v, &b.voltage_v, 0.0));
    }
    assert_eq!(back.events, out.events);
    assert_eq!(back.environment, out.environment);
    assert_eq!(back.status, out.status);
    assert_eq!(back.process, out.process);
    for (a, b) in back.production.iter().zip(&out.production) {
        assert_eq!(a.ts, b.ts);
        assert_eq!(a.production_count, b.production_count);
        assert_eq!(a.operating_mode, b.operating_mode);
        for i in 0..a.len() {
            assert_eq!(a.material_name(i), b.material_name(i));
        }
    }
    let settings = KpiSettings::default();
    let r1 = kpi_report(&out.kpi_inputs().unwrap(), &settings).unwrap();
    let r2 = kpi_report(&back.kpi_inputs().unwrap(), &settings).unwrap();
    assert_eq!(r1, r2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn csv_reads_back_to_its_precision() {
    let out = output();
    let dir = temp_dir("csv");
    out.write_csv(&dir).unwrap();
    let back = read_dir(&dir).unwrap();
    assert_eq!(back.factory, out.factory);
    assert_eq!(back.machines, out.machines);
    assert_eq!(back.events, out.events);
    for (a, b) in back.energy.iter().zip(&out.energy) {
        assert_eq!(a.ts, b.ts);
        // power is written with 3 decimals
        assert!(close(&a.power_kw, &b.power_kw, 0.000_501));
        assert!(close(&a.energy_kwh, &b.energy_kwh, 0.000_051));
    }
    for (a, b) in back.status.iter().zip(&out.status) {
        assert_eq!(a.ts, b.ts);
        assert_eq!(a.is_running, b.is_running);
        assert_eq!(a.alert_level, b.alert_level);
    }
    assert_eq!(back.process.len(), out.process.len());
    let settings = KpiSettings::default();
    let r1 = kpi_report(&out.kpi_inputs().unwrap(), &settings).unwrap();
    let r2 = kpi_report(&back.kpi_inputs().unwrap(), &settings).unwrap();
    for (a, b) in r1.machines.iter().zip(&r2.machines) {
        assert!((a.energy_kwh - b.energy_kwh).abs() < 1e-3 * a.energy_kwh.max(1.0));
        assert_eq!(a.production, b.production);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn rewrite(dir: &Path, table: &str, f: impl Fn(&str) -> String) {
    let p = dir.join(format!("{table}.csv"));
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, f(&text)).unwrap();
}

#[test]
fn bad_files_name_table_column_and_row() {
    let out = output();
    let dir = temp_dir("bad");
    out.write_csv(&dir).unwrap();

    // a number that is not one, in the third data row
    rewrite(&dir, "energy_readings", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        let mut f: Vec<String> = lines[3].split(',').map(str::to_string).collect();
        f[2] = "12,5".replace(',', ";");
        lines[3] = f.join(",");
        lines.join("\n") + "\n"
    });
    let e = read_dir(&dir).unwrap_err().to_string();
    assert!(e.contains("energy_readings.power_kw"), "{e}");
    assert!(e.contains("index 2"), "{e}");
    assert!(e.contains("12;5"), "{e}");

    // a missing column
    out.write_csv(&dir).unwrap();
    rewrite(&dir, "production_data", |t| {
        t.replacen("production_count", "parts", 1)
    });
    let e = read_dir(&dir).unwrap_err().to_string();
    assert!(e.contains("production_data.csv"), "{e}");
    assert!(e.contains("production_count"), "{e}");

    // an unknown machine type and an unknown machine
    out.write_csv(&dir).unwrap();
    rewrite(&dir, "machines", |t| t.replacen(",hvac,", ",heat_pump,", 1));
    let e = read_dir(&dir).unwrap_err().to_string();
    assert!(
        e.contains("machines.machine_type") && e.contains("heat_pump"),
        "{e}"
    );
    out.write_csv(&dir).unwrap();
    rewrite(&dir, "events", |t| {
        let mut lines: Vec<&str> = t.lines().collect();
        let extra = "ghost-1,breakdown,2025-07-07T01:00:00Z,,lost";
        lines.push(extra);
        lines.join("\n") + "\n"
    });
    let e = read_dir(&dir).unwrap_err().to_string();
    assert!(
        e.contains("ghost-1") && e.contains("events.machine_id"),
        "{e}"
    );

    // no data set at all
    let empty = temp_dir("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = read_dir(&empty).unwrap_err().to_string();
    assert!(e.contains("energy_readings.csv"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn rows_in_any_order_are_grouped_and_sorted() {
    let out = output();
    let dir = temp_dir("shuffled");
    out.write_csv(&dir).unwrap();
    rewrite(&dir, "energy_readings", |t| {
        let mut lines: Vec<&str> = t.lines().collect();
        let header = lines.remove(0);
        lines.reverse();
        std::iter::once(header)
            .chain(lines)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    });
    let back = read_dir(&dir).unwrap();
    for (a, b) in back.energy.iter().zip(&out.energy) {
        assert_eq!(a.ts, b.ts, "{}", a.machine_id);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
