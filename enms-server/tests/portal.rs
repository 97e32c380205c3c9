//! The portal's server side: the page and its assets at `/` and `/portal/`, and the two endpoints
//! added for it, checked over the real binary against enms-core on the same data.
//!
//! - `GET /api/v1/review`: a week of three machines of the demo plant; each machine's energy equals
//!   its `GET /api/v1/kpis` energy, and the ranking, shares and SEU flags equal the core's
//!   `energy_review` on those energies.
//! - `POST /api/v1/baselines/candidates`: hourly candidate driver sets of the moulding machine
//!   equal the core's `select_drivers` on a `ModellingTable::build` of the same files, in the same
//!   order; bad fields are 400s naming the field.
//!
//! The browser test of the portal itself is `enms-server/portal-test` (headless Chromium).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{close, import, modelling_table, Server, TempDir};
use enms_core::baseline::dataset::{Aggregation, PeriodDriver, TableSpec};
use enms_core::baseline::model::{select_drivers, SelectionOptions};
use enms_core::baseline::{energy_review, MachineEnergy};
use enms_core::bucket::Bucketing;
use enms_core::time::{parse_rfc3339, TimeRange, Timestamp, MICROS_PER_DAY};
use enms_sim::{FactoryConfig, SimOutput, Simulator};
use serde_json::{json, Value};

const MOULDING: &str = "injection-molding-1";

fn start() -> Timestamp {
    parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap()
}

fn simulated() -> SimOutput {
    let mut config = FactoryConfig::default();
    config
        .machines
        .retain(|m| ["injection-molding-1", "hvac-1", "conveyor-1"].contains(&m.id.as_str()));
    config.fault_rate_per_machine_day = 0.0;
    Simulator::new(config, 7)
        .unwrap()
        .generate(start(), start() + 7 * MICROS_PER_DAY)
        .unwrap()
}

/// `GET path` returning the status, the headers and the body as text.
fn get_raw(addr: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_string())
}

#[test]
fn portal_review_and_candidates() {
    let data = simulated();
    let tmp = TempDir::new("portal");
    let sim_dir = tmp.join("sim");
    let data_dir = tmp.join("data");
    data.write_parquet(&sim_dir).unwrap();
    import(&sim_dir, &data_dir, &[]);
    let server = Server::start(&[], &["--data-dir", data_dir.to_str().unwrap()], &[]);

    // the page and its assets, from the binary
    let (status, head, body) = get_raw(&server.addr, "/");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    assert!(body.contains("/portal/js/main.js"));
    let (status, head, body) = get_raw(&server.addr, "/portal/js/api.js");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/javascript"), "{head}");
    assert!(body.contains("/api/v1"));
    let (status, _, _) = get_raw(&server.addr, "/portal/style.css");
    assert_eq!(status, 200);
    let (_, doc) = server.get("/api/v1/openapi.json");
    for p in ["/api/v1/review", "/api/v1/baselines/candidates"] {
        assert!(doc["paths"].get(p).is_some(), "{p} is documented");
    }
    let (status, err) = server.get("/portal/js/nothing.js");
    assert_eq!(status, 404);
    assert_eq!(err["error"], "NOT_FOUND");

    // the review: energies of the KPI report, ranked by the core
    let q = "start=2025-01-06T00:00:00%2B01:00&end=2025-01-13T00:00:00%2B01:00";
    let (status, kpis) = server.get(&format!("/api/v1/kpis?{q}"));
    assert_eq!(status, 200, "{kpis}");
    let (status, review) = server.get(&format!("/api/v1/review?{q}&seu_share=0.7"));
    assert_eq!(status, 200, "{review}");
    assert_eq!(review["start"], kpis["start"]);
    assert_eq!(review["seu_share"], 0.7);
    let energies: Vec<MachineEnergy> = data
        .machines
        .iter()
        .map(|m| MachineEnergy {
            machine: m.clone(),
            energy_kwh: vec![kpis["machines"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["machine_id"] == m.id.as_str())
                .unwrap()["energy_kwh"]
                .as_f64()
                .unwrap()],
        })
        .collect();
    let expected = energy_review(&energies, &[], 0.7).unwrap();
    let got = review["machines"].as_array().unwrap();
    assert_eq!(got.len(), expected.machines.len());
    for (g, e) in got.iter().zip(&expected.machines) {
        assert_eq!(g["machine_id"], e.machine_id.as_str());
        assert_eq!(g["carrier"], e.carrier.as_str());
        assert!(close(g["energy_kwh"].as_f64().unwrap(), e.energy_kwh));
        assert!(close(g["share"].as_f64().unwrap(), e.share));
        assert!(close(
            g["cumulative_share"].as_f64().unwrap(),
            e.cumulative_share
        ));
        assert_eq!(g["seu"], e.seu);
    }
    assert!(got.iter().any(|m| m["seu"] == true) && got.iter().any(|m| m["seu"] == false));
    for (q, field) in [
        ("seu_share=1.5", "seu_share"),
        ("seu_share=lots", "seu_share"),
        ("start=yesterday", "start"),
    ] {
        let (status, err) = server.get(&format!("/api/v1/review?{q}"));
        assert_eq!(status, 400, "{q}: {err}");
        assert_eq!(err["field"], field, "{q}: {err}");
    }
    let (status, _) = server.get("/api/v1/review?factory_id=nowhere");
    assert_eq!(status, 404);

    // candidates: the core's ranking on the same table
    let drivers = [
        "production",
        "operating_hours",
        "outdoor_temp_c",
        "day_type",
    ];
    let (status, cands) = server.post(
        "/api/v1/baselines/candidates",
        &json!({"machine_id": MOULDING, "start": "2025-01-06T00:00:00+01:00",
                "end": "2025-01-13T00:00:00+01:00", "period": "1h", "drivers": drivers,
                "gates": ["ashrae14-hourly"], "max_drivers": 2}),
    );
    assert_eq!(status, 200, "{cands}");
    let spec = TableSpec::new(
        Bucketing::parse("1h")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap(),
        vec![
            PeriodDriver::new("production", Aggregation::Sum),
            PeriodDriver::new("operating_hours", Aggregation::OperatingHours),
            PeriodDriver::new("outdoor_temp_c", Aggregation::Mean),
            PeriodDriver::new("day_type", Aggregation::DayType),
        ],
    );
    let range = TimeRange::new(start(), start() + 7 * MICROS_PER_DAY).unwrap();
    let table = modelling_table(&data, MOULDING, &spec, range);
    let mut options = SelectionOptions {
        max_drivers: 2,
        ..SelectionOptions::default()
    };
    options.baseline.gates = vec![enms_core::baseline::Gates::named("ashrae14-hourly").unwrap()];
    let expected = select_drivers(&table.energy_kwh, &table.drivers, &options).unwrap();
    assert_eq!(cands["periods_used"], table.len());
    let got = cands["candidates"].as_array().unwrap();
    assert_eq!(got.len(), expected.len());
    assert_eq!(got.len(), 4 + 6, "every set of one or two of four drivers");
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g["drivers"], json!(e.drivers));
        assert_eq!(g["recommended"], e.recommended());
        assert_eq!(g["problems"], json!(e.problems));
        match g["adj_r_squared"].as_f64() {
            Some(v) => assert!(close(v, e.adj_r_squared)),
            None => assert!(e.adj_r_squared.is_nan()),
        }
    }
    assert_eq!(got[0]["recommended"], true, "{}", got[0]);
    for (body, field) in [
        (
            json!({"machine_id": MOULDING, "start": "2025-01-06T00:00:00Z", "end": "2025-01-13T00:00:00Z",
                "drivers": ["production"], "max_drivers": 0}),
            "max_drivers",
        ),
        (
            json!({"machine_id": MOULDING, "start": "2025-01-06T00:00:00Z", "end": "2025-01-13T00:00:00Z",
                "drivers": ["sunshine"]}),
            "drivers",
        ),
        (
            json!({"machine_id": MOULDING, "start": "2025-01-06T00:00:00Z", "end": "2025-01-13T00:00:00Z",
                "drivers": ["production"], "colour": "red"}),
            "colour",
        ),
    ] {
        let (status, err) = server.post("/api/v1/baselines/candidates", &body);
        assert_eq!(status, 400, "{body}: {err}");
        assert_eq!(err["field"], field, "{body}: {err}");
    }
    let (status, listed): (u16, Value) = server.get("/api/v1/baselines");
    assert_eq!(status, 200);
    assert_eq!(listed, json!([]), "ranking candidates stores nothing");
}
