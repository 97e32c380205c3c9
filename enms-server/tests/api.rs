//! End to end: a simulated day written as Parquet, imported by the real binary, served on a free
//! loopback port and asked over HTTP. Every number the API returns is compared with enms-core
//! computing it directly on the same data set (`enms_sim::read_dir` of the imported directory).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::{assert_num, close, import, Server, TempDir};
use enms_core::bucket::Bucketing;
use enms_core::kpi::{kpi_report, CarbonFactors, KpiReport, KpiSettings, MachineInput, Tariff};
use enms_core::model::EnergyCarrier;
use enms_core::rollup::{rollup_power, RollupOptions};
use enms_core::time::{format_rfc3339, parse_rfc3339, TimeRange};
use serde_json::Value;

const CONFIG: &str = r#"
[log]
level = "info"

[kpi.carbon_kg_per_kwh]
electricity = 0.38

[kpi.tariff]
name = "flat"
currency = "EUR"
timezone = "Europe/Berlin"

[[kpi.tariff.versions]]
valid_from = "2025-01-01"
base_rate_per_kwh = 0.21
"#;

/// The settings the configuration above stands for, built directly with the core.
fn settings(range: Option<TimeRange>) -> KpiSettings {
    KpiSettings {
        range,
        carbon: CarbonFactors::default()
            .with(EnergyCarrier::Electricity, 0.38)
            .unwrap(),
        tariff: Some(
            Tariff::flat(
                "EUR",
                0.21,
                "Europe/Berlin",
                NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            )
            .unwrap(),
        ),
        ..KpiSettings::default()
    }
}

fn check_report(json: &Value, expected: &KpiReport) {
    assert_eq!(json["start"], format_rfc3339(expected.range.start));
    assert_eq!(json["end"], format_rfc3339(expected.range.end));
    let machines = json["machines"].as_array().unwrap();
    assert_eq!(machines.len(), expected.machines.len());
    for m in &expected.machines {
        let got = machines
            .iter()
            .find(|j| j["machine_id"] == m.machine_id.as_str())
            .unwrap_or_else(|| panic!("{} missing", m.machine_id));
        let id = &m.machine_id;
        assert_eq!(got["carrier"], m.carrier.as_str());
        assert_num(
            &got["energy_kwh"],
            Some(m.energy_kwh),
            &format!("{id} energy"),
        );
        assert_num(
            &got["mean_power_kw"],
            Some(m.mean_power_kw),
            &format!("{id} mean"),
        );
        assert_num(
            &got["peak_demand"]["peak_demand_kw"],
            m.peak_demand.map(|p| p.peak_demand_kw),
            &format!("{id} peak"),
        );
        if let Some(p) = m.peak_demand {
            assert_eq!(got["peak_demand"]["start"], format_rfc3339(p.start));
        }
        assert_num(
            &got["max_instantaneous_power_kw"],
            Some(m.max_instantaneous_power_kw),
            &format!("{id} max"),
        );
        assert_eq!(
            got["max_instantaneous_at"],
            format_rfc3339(m.max_instantaneous_at)
        );
        assert_num(
            &got["load_factor"],
            m.load_factor,
            &format!("{id} load factor"),
        );
        assert_num(
            &got["production"],
            m.production,
            &format!("{id} production"),
        );
        assert_num(
            &got["sec_kwh_per_unit"],
            m.sec_kwh_per_unit,
            &format!("{id} SEC"),
        );
        assert_num(
            &got["carbon_kg"],
            Some(m.carbon_kg),
            &format!("{id} carbon"),
        );
        assert_num(&got["energy_cost"], m.energy_cost, &format!("{id} cost"));
        assert_num(
            &got["reactive_kvarh"],
            m.reactive_kvarh,
            &format!("{id} kvarh"),
        );
        assert_num(&got["power_factor"], m.power_factor, &format!("{id} PF"));
        assert_num(
            &got["coverage"],
            Some(m.coverage),
            &format!("{id} coverage"),
        );
    }
    let factories = json["factories"].as_array().unwrap();
    assert_eq!(factories.len(), expected.factories.len());
    for (got, f) in factories.iter().zip(&expected.factories) {
        assert_eq!(got["factory_id"], f.factory_id.as_str());
        assert_eq!(got["machine_count"], f.machine_count);
        assert_num(&got["carbon_kg"], Some(f.carbon_kg), "factory carbon");
        let carriers = got["by_carrier"].as_array().unwrap();
        assert_eq!(carriers.len(), f.by_carrier.len());
        for (g, c) in carriers.iter().zip(&f.by_carrier) {
            assert_eq!(g["carrier"], c.carrier.as_str());
            let what = format!("{} {}", f.factory_id, c.carrier);
            assert_num(&g["energy_kwh"], Some(c.energy_kwh), &what);
            assert_num(
                &g["peak_demand"]["peak_demand_kw"],
                c.peak_demand.map(|p| p.peak_demand_kw),
                &format!("{what} coincident peak"),
            );
            assert_num(&g["load_factor"], c.load_factor, &format!("{what} LF"));
            assert_num(
                &g["cost"]["total_cost"],
                c.cost.as_ref().map(|c| c.total_cost),
                &format!("{what} cost"),
            );
        }
    }
    assert_num(
        &json["total_carbon_kg"],
        Some(expected.total_carbon_kg),
        "total carbon",
    );
    for (g, c) in json["total_by_carrier"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&expected.total_by_carrier)
    {
        assert_eq!(g["carrier"], c.carrier.as_str());
        assert_num(&g["energy_kwh"], Some(c.energy_kwh), "total energy");
    }
}

fn sorted_inputs(data: &enms_sim::SimOutput) -> Vec<MachineInput> {
    let mut inputs = data.kpi_inputs().unwrap();
    inputs.sort_by(|a, b| a.machine.id.cmp(&b.machine.id));
    inputs
}

fn assert_400(server: &Server, path: &str, field: &str) {
    let (status, body) = server.get(path);
    assert_eq!(status, 400, "{path}: {body}");
    assert_eq!(body["field"], field, "{path}: {body}");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[test]
fn serves_imported_data_and_core_kpis() {
    let tmp = TempDir::new("api");
    let sim_dir = tmp.join("day");
    let data_dir = tmp.join("data");
    common::simulate_day().write_parquet(&sim_dir).unwrap();
    // the reference: the same files the server imports, read back by the same reader
    let data = enms_sim::read_dir(&sim_dir).unwrap();

    let summary = import(&sim_dir, &data_dir, &[]);
    assert_eq!(
        summary["rows_read"]["energy_readings"],
        data.energy_reading_count()
    );
    assert_eq!(
        summary["rows_changed"]["energy_readings"],
        data.energy_reading_count()
    );

    std::fs::write(tmp.join("enms-server.toml"), CONFIG).unwrap();
    let config = tmp.join("enms-server.toml");
    let data_dir_s = data_dir.to_str().unwrap();
    let mut server = Server::start(
        &["--config", config.to_str().unwrap()],
        &["--data-dir", data_dir_s],
        &[],
    );

    // health
    let (status, health) = server.get("/api/v1/health");
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["backend"], "sqlite");

    // factories and machines
    let (status, factories) = server.get("/api/v1/factories");
    assert_eq!(status, 200);
    assert_eq!(factories[0]["id"], data.factory.id.as_str());
    assert_eq!(factories[0]["timezone"], data.factory.timezone.as_str());
    let (status, machines) = server.get("/api/v1/machines");
    assert_eq!(status, 200);
    let machines = machines.as_array().unwrap();
    assert_eq!(machines.len(), data.machines.len());
    for m in &data.machines {
        let j = machines.iter().find(|j| j["id"] == m.id.as_str()).unwrap();
        assert_eq!(j["factory_id"], m.factory_id.as_str());
        assert_eq!(j["machine_type"], m.machine_type.as_str());
        assert_eq!(j["carrier"], m.carrier.as_str());
        assert_eq!(j["rated_power_kw"].as_f64(), Some(m.rated_power_kw));
        // the span of its stored readings
        let e = data.energy_of(&m.id).unwrap();
        assert_eq!(j["first_reading"], format_rfc3339(e.ts[0]));
        assert_eq!(j["last_reading"], format_rfc3339(*e.ts.last().unwrap()));
    }
    let (_, by_factory) = server.get(&format!("/api/v1/factories/{}/machines", data.factory.id));
    assert_eq!(by_factory.as_array().unwrap().len(), data.machines.len());
    let (status, one) = server.get("/api/v1/machines/compressor-1");
    assert_eq!((status, &one["id"]), (200, &Value::from("compressor-1")));

    // raw readings, paged
    let table = data.energy_of("compressor-1").unwrap();
    let (status, page) = server.get("/api/v1/machines/compressor-1/readings?limit=1000");
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["count"], 1000);
    let rows = page["readings"].as_array().unwrap();
    assert_eq!(rows.len(), 1000);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["ts"], format_rfc3339(table.ts[i]));
        assert_eq!(r["power_kw"].as_f64(), Some(table.power_kw[i]));
        assert_eq!(r["energy_kwh"].as_f64(), Some(table.energy_kwh[i]));
    }
    assert_eq!(page["next_start"], format_rfc3339(table.ts[1000]));
    let next = page["next_start"].as_str().unwrap();
    let (_, page2) = server.get(&format!(
        "/api/v1/machines/compressor-1/readings?start={next}&limit=3"
    ));
    assert_eq!(page2["readings"][0]["ts"], format_rfc3339(table.ts[1000]));
    // a machine without reactive/electrical measurements has nulls, not numbers
    let (_, boiler) = server.get("/api/v1/machines/boiler-1/readings?limit=1");
    assert!(boiler["readings"][0]["voltage_v"].is_null(), "{boiler}");

    // bucketed readings: equal to the core's rollup of the same data
    let start = parse_rfc3339("2025-01-06T02:00:00Z").unwrap();
    let end = parse_rfc3339("2025-01-06T20:00:00Z").unwrap();
    let range = TimeRange::new(start, end).unwrap();
    let (s, e) = (format_rfc3339(start), format_rfc3339(end));
    for (machine, width) in [
        ("compressor-1", "1m"),
        ("compressor-1", "15m"),
        ("hvac-1", "1h"),
        ("boiler-1", "1d"),
        ("conveyor-1", "7m"),
    ] {
        let (status, r) = server.get(&format!(
            "/api/v1/machines/{machine}/rollup?bucket={width}&start={s}&end={e}"
        ));
        assert_eq!(status, 200, "{r}");
        let t = data.energy_of(machine).unwrap();
        let bucketing = Bucketing::parse(width)
            .unwrap()
            .with_timezone(&data.factory.timezone)
            .unwrap();
        let expected = rollup_power(
            enms_core::PowerView::new(&t.ts, &t.power_kw).unwrap(),
            &bucketing,
            &RollupOptions::default().with_range(range),
        )
        .unwrap();
        let buckets = r["buckets"].as_array().unwrap();
        assert_eq!(buckets.len(), expected.len(), "{machine} {width}");
        let coverage = expected.coverage();
        for (i, b) in buckets.iter().enumerate() {
            assert_eq!(b["start"], format_rfc3339(expected.start[i]));
            assert_eq!(b["end"], format_rfc3339(expected.end[i]));
            assert_eq!(b["sample_count"], expected.sample_count[i]);
            let what = format!("{machine} {width} bucket {i}");
            assert_num(&b["energy_kwh"], Some(expected.energy_kwh[i]), &what);
            assert_num(
                &b["max_power_kw"],
                Some(expected.max_power_kw[i]).filter(|v| v.is_finite()),
                &what,
            );
            assert_num(&b["coverage"], Some(coverage[i]), &what);
        }
        assert!(close(
            r["energy_kwh"].as_f64().unwrap(),
            expected.total_energy_kwh()
        ));
    }

    // KPIs for a period: every machine, one factory, one machine
    let inputs = sorted_inputs(&data);
    let expected = kpi_report(&inputs, &settings(Some(range))).unwrap();
    let (status, all) = server.get(&format!("/api/v1/kpis?start={s}&end={e}"));
    assert_eq!(status, 200, "{all}");
    check_report(&all, &expected);
    let (status, factory) = server.get(&format!(
        "/api/v1/factories/{}/kpis?start={s}&end={e}",
        data.factory.id
    ));
    assert_eq!(status, 200);
    check_report(&factory, &expected);
    let conveyor: Vec<MachineInput> = inputs
        .iter()
        .filter(|m| m.machine.id == "conveyor-1")
        .cloned()
        .collect();
    let expected_one = kpi_report(&conveyor, &settings(Some(range))).unwrap();
    assert!(expected_one.machines[0].production.is_some_and(|p| p > 0.0));
    let (status, one) = server.get(&format!(
        "/api/v1/machines/conveyor-1/kpis?start={s}&end={e}"
    ));
    assert_eq!(status, 200);
    check_report(&one, &expected_one);
    let (_, filtered) = server.get(&format!(
        "/api/v1/kpis?machine_id=conveyor-1&start={s}&end={e}"
    ));
    check_report(&filtered, &expected_one);
    // no period: the core's default period over all readings
    let expected_whole = kpi_report(&inputs, &settings(None)).unwrap();
    let (status, whole) = server.get("/api/v1/kpis");
    assert_eq!(status, 200);
    check_report(&whole, &expected_whole);

    // bad input: 400 naming the parameter; unknown things: 404
    let m = "/api/v1/machines/compressor-1";
    assert_400(&server, &format!("{m}/readings?start=yesterday"), "start");
    assert_400(&server, &format!("{m}/readings?limit=0"), "limit");
    assert_400(&server, &format!("{m}/rollup"), "bucket");
    assert_400(&server, &format!("{m}/rollup?bucket=7q"), "bucket");
    assert_400(&server, &format!("{m}/rollup?bucket=0m"), "bucket");
    assert_400(&server, &format!("{m}/rollup?bucket=1h&tz=Mars/Base"), "tz");
    assert_400(
        &server,
        &format!("{m}/rollup?bucket=1h&max_gap_s=-5"),
        "max_gap_s",
    );
    assert_400(
        &server,
        &format!("{m}/rollup?bucket=1h&max_gap_s=soon"),
        "max_gap_s",
    );
    assert_400(&server, &format!("/api/v1/kpis?start={e}&end={s}"), "end");
    assert_400(&server, "/api/v1/kpis?end=2025-13-01T00:00:00Z", "end");
    let (status, body) = server.get("/api/v1/machines/nope/readings");
    assert_eq!((status, &body["error"]), (404, &Value::from("NOT_FOUND")));
    let (status, _) = server.get("/api/v1/factories/nope/kpis");
    assert_eq!(status, 404);
    let (status, _) = server.get("/api/v1/nothing-here");
    assert_eq!(status, 404);
    let (status, body) = server.get(&format!(
        "{m}/rollup?bucket=1h&start=2030-01-01T00:00:00Z&end=2030-01-02T00:00:00Z"
    ));
    // a range without readings has buckets without coverage, not invented numbers
    assert_eq!(status, 200, "{body}");
    let empty = body["buckets"].as_array().unwrap();
    assert_eq!(empty.len(), 24);
    assert!(empty
        .iter()
        .all(|b| b["coverage"] == 0.0 && b["sample_count"] == 0 && b["mean_power_kw"].is_null()));

    // OpenAPI: valid JSON listing every route
    let (status, doc) = server.get("/api/v1/openapi.json");
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/health",
        "/api/v1/openapi.json",
        "/api/v1/factories",
        "/api/v1/factories/{factory_id}",
        "/api/v1/factories/{factory_id}/machines",
        "/api/v1/factories/{factory_id}/kpis",
        "/api/v1/machines",
        "/api/v1/machines/{machine_id}",
        "/api/v1/machines/{machine_id}/readings",
        "/api/v1/machines/{machine_id}/rollup",
        "/api/v1/machines/{machine_id}/kpis",
        "/api/v1/kpis",
    ] {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["ApiError"].is_object());
    let params = doc["paths"]["/api/v1/machines/{machine_id}/rollup"]["get"]["parameters"]
        .as_array()
        .unwrap();
    assert!(params.iter().any(|p| p["name"] == "bucket"));

    // re-importing while serving changes nothing
    let again = import(&sim_dir, &data_dir, &[]);
    assert_eq!(again["rows_read"], summary["rows_read"]);
    for (table, n) in again["rows_changed"].as_object().unwrap() {
        assert_eq!(n, 0, "re-import changed {table}");
    }
    let (_, all_again) = server.get(&format!("/api/v1/kpis?start={s}&end={e}"));
    assert_eq!(all_again, all);

    // graceful shutdown on SIGTERM
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let logs = server.log_lines();
    let events: Vec<Value> = logs
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not a JSON log line: {l}")))
        .collect();
    assert!(events
        .iter()
        .any(|e| e["message"] == "request" && e["path"] == "/api/v1/kpis" && e["status"] == 200));
    assert!(events.iter().any(
        |e| e["message"] == "shutting down: finishing requests in flight"
            && e["signal"] == "SIGTERM"
    ));
    assert!(events.iter().any(|e| e["message"] == "stopped"));
}

/// The face's cross-check on the week every face is compared on (seed 42, from local midnight of
/// 2025-01-06, 7 days): the server's KPI report over its whole import equals the core's
/// `kpi_report` on the same data, machine by machine, factory and total.
#[test]
fn kpis_of_the_simulated_week_equal_the_core_report() {
    let tmp = TempDir::new("week");
    let sim_dir = tmp.join("week");
    let data_dir = tmp.join("data");
    let sim = enms_sim::Simulator::new(enms_sim::FactoryConfig::default(), 42).unwrap();
    let start = parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap();
    sim.generate(start, start + 7 * enms_core::time::MICROS_PER_DAY)
        .unwrap()
        .write_parquet(&sim_dir)
        .unwrap();
    let data = enms_sim::read_dir(&sim_dir).unwrap();
    import(&sim_dir, &data_dir, &[]);
    std::fs::write(tmp.join("enms-server.toml"), CONFIG).unwrap();
    let config = tmp.join("enms-server.toml");
    let server = Server::start(
        &["--config", config.to_str().unwrap()],
        &["--data-dir", data_dir.to_str().unwrap()],
        &[],
    );
    let expected = kpi_report(&sorted_inputs(&data), &settings(None)).unwrap();
    assert_eq!(expected.range.hours(), 168.0);
    let (status, week) = server.get("/api/v1/kpis");
    assert_eq!(status, 200, "{week}");
    check_report(&week, &expected);
}
