//! Configuration through `ENMS_*` variables, CSV import and its idempotency, text logs, and
//! configuration errors that stop the binary with status 2 naming the key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::{import, Server, TempDir, BIN};

#[test]
fn csv_import_is_idempotent_and_env_configures_the_server() {
    let tmp = TempDir::new("env");
    let sim_dir = tmp.join("day-csv");
    let out = common::simulate_day();
    out.write_csv(&sim_dir).unwrap();
    let data_dir = tmp.join("data");
    let envs = [
        ("ENMS_DATA_DIR", data_dir.to_str().unwrap()),
        ("ENMS_LOG_FORMAT", "text"),
    ];

    // no --data-dir: the store goes where ENMS_DATA_DIR says
    let first = Command::new(BIN)
        .arg("import")
        .arg(&sim_dir)
        .envs(envs)
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert!(data_dir.join("enms.sqlite3").is_file());
    let read = &first["rows_read"];
    assert_eq!(read["energy_readings"], out.energy_reading_count());
    assert_eq!(read["machines"], out.machines.len());
    assert_eq!(
        read["production_data"],
        out.production.iter().map(|p| p.len()).sum::<usize>()
    );
    assert_eq!(
        read["machine_status"],
        out.status.iter().map(|p| p.len()).sum::<usize>()
    );
    assert_eq!(read["environmental_data"], out.environment.len());
    assert_eq!(read["events"], out.events.len());
    assert_eq!(
        first["rows_changed"], first["rows_read"],
        "a fresh store takes every row"
    );

    let second = import(&sim_dir, &data_dir, &envs);
    assert_eq!(second["rows_read"], first["rows_read"]);
    for (table, n) in second["rows_changed"].as_object().unwrap() {
        assert_eq!(n, 0, "re-import changed {table}");
    }

    // served from ENMS_DATA_DIR, text logs
    let mut server = Server::start(&[], &[], &envs);
    let (status, machines) = server.get("/api/v1/machines");
    assert_eq!(status, 200);
    assert_eq!(machines.as_array().unwrap().len(), out.machines.len());
    let (status, rollup) = server.get("/api/v1/machines/hvac-1/rollup?bucket=1d");
    assert_eq!(status, 200, "{rollup}");
    // one local day of data: one day bucket in the factory's zone, fully covered but for the
    // last meter interval
    assert_eq!(rollup["timezone"], "Europe/Berlin");
    assert_eq!(rollup["buckets"].as_array().unwrap().len(), 1);
    assert!(rollup["buckets"][0]["coverage"].as_f64().unwrap() > 0.99);
    let exit = server.terminate();
    assert!(exit.success());
    std::thread::sleep(std::time::Duration::from_millis(200));
    let logs = server.log_lines();
    assert!(logs
        .iter()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_err()));
    assert!(logs.iter().any(|l| l.contains("stopped")), "{logs:#?}");
}

#[test]
fn bad_configuration_stops_with_status_2_naming_the_key() {
    let tmp = TempDir::new("badconf");
    let run = |args: &[&str], envs: &[(&str, &str)]| {
        let out = Command::new(BIN)
            .args(args)
            .envs(envs.iter().copied())
            .env("ENMS_DATA_DIR", tmp.join("data"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run(&["serve"], &[("ENMS_LOG_LEVEL", "loud")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("log.level"), "{err}");

    let (code, err) = run(&["serve"], &[("ENMS_LISTEN", "not-an-address")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("server.listen"), "{err}");

    let conf = tmp.join("bad.toml");
    std::fs::write(&conf, "[kpi.tariff]\nname = \"x\"\ncurrency = \"euro\"\ntimezone = \"UTC\"\n[[kpi.tariff.versions]]\nvalid_from = \"2025-01-01\"\nbase_rate_per_kwh = 0.2\n").unwrap();
    let (code, err) = run(&["--config", conf.to_str().unwrap(), "serve"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("kpi.currency"), "{err}");

    std::fs::write(&conf, "[server]\nlisen = \"127.0.0.1:1\"\n").unwrap();
    let (code, err) = run(&["--config", conf.to_str().unwrap(), "serve"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("lisen"), "{err}");

    let (code, err) = run(&["import", tmp.join("missing").to_str().unwrap()], &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("missing"), "{err}");
}
