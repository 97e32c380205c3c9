//! The `enms-sim` binary: generate, run, and bad input.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_enms-sim"))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("enms-sim-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn generate_one_day_csv_and_parquet() {
    for format in ["csv", "parquet"] {
        let dir = temp_dir(format);
        let out = bin()
            .args([
                "generate",
                "--start",
                "2025-01-06",
                "--days",
                "1",
                "--seed",
                "42",
                "--format",
                format,
                "--out",
            ])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for t in enms_sim::TABLES {
            assert!(dir.join(format!("{t}.{format}")).is_file(), "{t}.{format}");
        }
        if format == "csv" {
            let text = std::fs::read_to_string(dir.join("energy_readings.csv")).unwrap();
            let second = text.lines().nth(1).unwrap();
            // Local midnight in Berlin is 23:00Z the day before.
            assert!(
                second.starts_with("2025-01-05T23:00:00Z,compressor-1,"),
                "{second}"
            );
            assert!(text.lines().count() > 86_400 + 8_640);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn bad_input_exits_with_2() {
    let dir = temp_dir("bad");
    let cases: [&[&str]; 7] = [
        &["generate", "--days", "0", "--out"],
        &["generate", "--start", "2025-13-45", "--out"],
        &["generate", "--format", "xlsx", "--out"],
        &["generate", "--timezone", "Mars/Olympus", "--out"],
        &["generate", "--fault-rate", "-1", "--out"],
        &["run", "--speed", "0", "--start", "2025-01-06", "--out"],
        &["frobnicate", "--out"],
    ];
    for args in cases {
        let out = bin().args(args).arg(&dir).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
    let out = bin().args(["run", "--speed", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("speed"));
    assert!(!dir.exists());
}

#[test]
fn run_streams_json_lines() {
    let out = bin()
        .args([
            "run",
            "--speed",
            "1000",
            "--duration-s",
            "5",
            "--seed",
            "42",
            "--start",
            "2025-01-06T08:00:00Z",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut tables = std::collections::HashSet::new();
    let mut n = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        tables.insert(v["table"].as_str().unwrap().to_string());
        n += 1;
    }
    // 5000 simulated seconds: ~5000 compressor readings alone.
    assert!(n > 5000, "{n}");
    for t in [
        "energy_readings",
        "production_data",
        "machine_status",
        "process_data",
        "environmental_data",
    ] {
        assert!(tables.contains(t), "{t}");
    }
}

#[test]
fn run_exits_cleanly_on_broken_pipe() {
    let mut child = bin()
        .args([
            "run",
            "--speed",
            "100000",
            "--start",
            "2025-01-06",
            "--tables",
            "energy_readings",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        for _ in 0..10 {
            let l = lines.next().unwrap().unwrap();
            assert!(l.contains("\"energy_readings\""));
        }
        // Dropping the reader closes the pipe.
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn kpis_of_a_data_set_and_of_a_simulated_span() {
    let dir = temp_dir("kpis");
    let gen = bin()
        .args(["generate", "--days", "1", "--format", "parquet", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(gen.status.success());
    let from_files = bin()
        .args(["kpis", "--json", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        from_files.status.success(),
        "{}",
        String::from_utf8_lossy(&from_files.stderr)
    );
    let in_memory = bin()
        .args(["kpis", "--json", "--days", "1"])
        .output()
        .unwrap();
    assert!(in_memory.status.success());
    // Parquet keeps every bit, so both paths give the same report.
    let a: serde_json::Value = serde_json::from_slice(&from_files.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&in_memory.stdout).unwrap();
    assert_eq!(a, b);
    assert_eq!(a["machines"].as_array().unwrap().len(), 6);
    assert!(a["machines"][0]["energy_kwh"].as_f64().unwrap() > 0.0);

    let table = bin().args(["kpis", "--data"]).arg(&dir).output().unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("compressor-1") && text.contains("total carbon"),
        "{text}"
    );

    // a directory without a data set, and a settings file that is not JSON: exit 2, named
    let missing = bin()
        .args(["kpis", "--data", "/nonexistent/enms"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("energy_readings"));
    let bad = dir.join("settings.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let out = bin()
        .args(["kpis", "--days", "1", "--settings"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("settings"));
    std::fs::remove_dir_all(&dir).unwrap();
}
