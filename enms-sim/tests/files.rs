//! CSV and Parquet round trips, and the real-time stream.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::path::PathBuf;

use arrow_array::{Array, Float64Array, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, TimeUnit};
use enms_core::time::{parse_rfc3339, MICROS_PER_DAY, MICROS_PER_MINUTE};
use enms_sim::write::columns;
use enms_sim::{FactoryConfig, Record, SimOutput, Simulator, TABLES};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "enms-sim-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn output() -> SimOutput {
    let cfg = FactoryConfig {
        dropout_rate_per_machine_day: 3.0,
        fault_rate_per_machine_day: 1.0,
        ..Default::default()
    };
    let start = parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap();
    Simulator::new(cfg, 42)
        .unwrap()
        .generate(start, start + MICROS_PER_DAY / 2)
        .unwrap()
}

fn row_counts(out: &SimOutput) -> [usize; 8] {
    [
        1,
        out.machines.len(),
        out.energy_reading_count(),
        out.production.iter().map(|t| t.len()).sum(),
        out.environment.len(),
        out.status.iter().map(|t| t.len()).sum(),
        out.events.len(),
        out.process.iter().map(|s| s.len()).sum(),
    ]
}

fn header(table: &str) -> Vec<&'static str> {
    match table {
        "factories" => columns::FACTORIES.to_vec(),
        "machines" => columns::MACHINES.to_vec(),
        "energy_readings" => columns::ENERGY_READINGS.to_vec(),
        "production_data" => columns::PRODUCTION_DATA.to_vec(),
        "environmental_data" => columns::ENVIRONMENTAL_DATA.to_vec(),
        "machine_status" => columns::MACHINE_STATUS.to_vec(),
        "events" => columns::EVENTS.to_vec(),
        _ => columns::PROCESS_DATA.to_vec(),
    }
}

#[test]
fn csv_round_trip() {
    let out = output();
    let dir = temp_dir("csv");
    let files = out.write_csv(&dir).unwrap();
    assert_eq!(files.len(), 8);
    let counts = row_counts(&out);
    for (k, table) in TABLES.iter().enumerate() {
        let text = std::fs::read_to_string(dir.join(format!("{table}.csv"))).unwrap();
        let mut lines = text.lines();
        let head: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(head, header(table), "{table}");
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), counts[k], "{table}");
        if table == &"energy_readings" {
            let first: Vec<&str> = rows[0].split(',').collect();
            assert_eq!(first[0], "2025-01-05T23:00:00Z");
            assert_eq!(first[1], "compressor-1");
            let p: f64 = first[2].parse().unwrap();
            assert!((p - out.energy[0].power_kw[0]).abs() < 1e-3);
            // Timestamps parse back exactly; the gas meter has empty electric fields.
            for r in rows.iter().step_by(997) {
                let f: Vec<&str> = r.split(',').collect();
                assert_eq!(f.len(), 9);
                parse_rfc3339(f[0]).unwrap();
                if f[1] == "boiler-1" {
                    assert_eq!(&f[4..], &["", "", "", "", ""]);
                }
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parquet_round_trip() {
    let out = output();
    let dir = temp_dir("parquet");
    out.write_parquet(&dir).unwrap();
    let counts = row_counts(&out);
    for (k, table) in TABLES.iter().enumerate() {
        let f = File::open(dir.join(format!("{table}.parquet"))).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(f)
            .unwrap()
            .build()
            .unwrap();
        let mut n = 0;
        let mut first = true;
        for batch in reader {
            let batch = batch.unwrap();
            let names: Vec<String> = batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            assert_eq!(names, header(table), "{table}");
            if first && table == &"energy_readings" {
                first = false;
                let field = batch.schema().field(0).clone();
                assert_eq!(
                    field.data_type(),
                    &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
                );
                let ts = batch
                    .column(0)
                    .as_any()
                    .downcast_ref::<TimestampMicrosecondArray>()
                    .unwrap();
                assert_eq!(ts.value(0), out.energy[0].ts[0]);
                let id = batch
                    .column(1)
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .unwrap();
                assert_eq!(id.value(0), "compressor-1");
                let p = batch
                    .column(2)
                    .as_any()
                    .downcast_ref::<Float64Array>()
                    .unwrap();
                assert_eq!(p.value(0), out.energy[0].power_kw[0]);
            }
            if table == &"energy_readings" {
                let id = batch
                    .column(1)
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .unwrap();
                let v = batch.column(4);
                for i in 0..batch.num_rows() {
                    assert_eq!(v.is_null(i), id.value(i) == "boiler-1");
                }
            }
            n += batch.num_rows();
        }
        assert_eq!(n, counts[k], "{table}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn realtime_stream_yields_records_in_time_order() {
    let sim = Simulator::demo(42);
    let start = parse_rfc3339("2025-01-06T06:00:00+01:00").unwrap();
    // 20 simulated minutes at 100 000x: about 12 ms of wall time.
    let stream = sim
        .realtime(start, 100_000.0)
        .unwrap()
        .until(start + 20 * MICROS_PER_MINUTE);
    let recs: Vec<Record> = stream.map(|r| r.unwrap()).collect();
    assert!(recs
        .windows(2)
        .all(|w| w[0].ts() <= w[1].ts() || w[1].table() == "events"));
    let energy = recs
        .iter()
        .filter(|r| r.table() == "energy_readings")
        .count();
    // 1200 compressor, 120 HVAC, 120 conveyor, 3 x 40 thirty-second meters (less dropouts).
    assert!(energy > 1400 && energy <= 1560, "{energy}");
    let same: Vec<Record> = {
        let out = sim.generate(start, start + 20 * MICROS_PER_MINUTE).unwrap();
        enms_sim::realtime::records(&out)
    };
    assert_eq!(recs.len(), same.len());
    let j = recs[0].to_json();
    assert_eq!(j["table"], "energy_readings");
    assert_eq!(j["time"], "2025-01-06T05:00:00Z");
    assert!(j["power_kw"].is_number());
    assert!(recs.iter().any(|r| r.table() == "production_data"));
    assert!(recs.iter().any(|r| r.table() == "environmental_data"));
    // Clock: speed must be positive.
    assert!(enms_sim::RealtimeClock::new(start, 0.0).is_err());
}

#[test]
fn record_batches_hold_every_row_with_the_file_schemas() {
    let out = output();
    let tables = enms_sim::write::record_batches(&out).unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.0).collect();
    assert_eq!(names, TABLES);
    for ((name, schema, batches), rows) in tables.iter().zip(row_counts(&out)) {
        assert_eq!(*schema, enms_sim::write::schema(name).unwrap(), "{name}");
        assert!(batches.iter().all(|b| b.schema() == *schema), "{name}");
        assert_eq!(
            batches.iter().map(|b| b.num_rows()).sum::<usize>(),
            rows,
            "{name}"
        );
    }
}
