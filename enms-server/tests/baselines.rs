//! Energy baselines end to end, and on simulated physics.
//!
//! - Over the real binary: four simulated weeks of the injection moulding machine and the HVAC are
//!   imported; a daily baseline of the moulding machine's energy on its production is trained
//!   over weeks 1-2 through `POST /api/v1/baselines`, and its coefficients equal a direct
//!   `ModellingTable::build` + `Baseline::fit` on the same files; gate reports, listing, fetching,
//!   performance over weeks 3-4 (equal to the core's `performance`), prediction, and 400s naming
//!   the field.
//! - In process, on the simulator's physics: the daily baseline of the moulding machine on
//!   production has a positive, significant production coefficient and R² > 0.8; the HVAC's daily
//!   energy on heating degree-days has a positive slope, and qualifies for a heating change-point
//!   model.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;

use common::{
    close, import, modelling_table as table, numbers, weather_until, Server, Tap, TempDir,
};
use enms_core::baseline::dataset::{Aggregation, PeriodDriver, TableSpec};
use enms_core::baseline::{
    fit_change_point, performance, Baseline, BaselineOptions, ChangePointKind, ChangePointOptions,
    Gates, PerformanceOptions,
};
use enms_core::bucket::Bucketing;
use enms_core::time::{format_rfc3339, parse_rfc3339, TimeRange, Timestamp, MICROS_PER_DAY};
use enms_sim::{FactoryConfig, SimOutput, Simulator};
use serde_json::{json, Value};

const MOULDING: &str = "injection-molding-1";
const HVAC: &str = "hvac-1";
const DAYS: i64 = 28;

fn start() -> Timestamp {
    // local midnight of Monday 2025-01-06 in Europe/Berlin
    parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap()
}

fn day(n: i64) -> Timestamp {
    start() + n * MICROS_PER_DAY
}

/// Four weeks of the demo plant's moulding machine and HVAC, without random faults (the physics
/// under test), with the simulator's sensor dropouts.
fn simulated() -> &'static SimOutput {
    static DATA: OnceLock<SimOutput> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut config = FactoryConfig::default();
        config.machines.retain(|m| m.id == MOULDING || m.id == HVAC);
        config.fault_rate_per_machine_day = 0.0;
        Simulator::new(config, 11)
            .unwrap()
            .generate(start(), day(DAYS))
            .unwrap()
    })
}

fn days() -> Bucketing {
    Bucketing::parse("1d")
        .unwrap()
        .with_timezone("Europe/Berlin")
        .unwrap()
}

fn assert_400(r: (u16, Value), field: &str) {
    let (status, body) = r;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], field, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn simulated_physics_is_recovered() {
    let data = simulated();
    let range = TimeRange::new(day(0), day(DAYS)).unwrap();
    let spec = TableSpec::new(
        days(),
        vec![PeriodDriver::new("production", Aggregation::Sum)],
    );
    let t = table(data, MOULDING, &spec, range);
    assert!(t.len() >= DAYS as usize - 3, "{:?}", t.dropped);
    let m = t.fit(&BaselineOptions::default()).unwrap();
    let prod = &m.fit.coefficients[1];
    assert_eq!(prod.name, "production");
    assert!(prod.estimate > 0.0 && prod.p_value < 0.05, "{prod:?}");
    assert!(m.fit.r_squared > 0.8, "R² = {}", m.fit.r_squared);

    // HVAC: daily energy on heating degree-days (base 12 °C, the simulator's balance point)
    let spec = TableSpec::new(
        days(),
        vec![
            PeriodDriver::new("hdd", Aggregation::HeatingDegreeDays { base_c: 12.0 }),
            PeriodDriver::new("outdoor_temp_c", Aggregation::Mean),
        ],
    );
    let t = table(data, HVAC, &spec, range);
    let col = |i: usize| match &t.drivers[i].values {
        enms_core::baseline::DriverValues::Numeric(v) => v.clone(),
        other => panic!("{other:?}"),
    };
    let (hdd, temp) = (col(0), col(1));
    let m = Baseline::fit(
        &t.energy_kwh,
        &[enms_core::baseline::Driver::numeric("hdd", hdd)],
        &BaselineOptions::default(),
    )
    .unwrap();
    let slope = &m.fit.coefficients[1];
    assert!(slope.estimate > 0.0 && slope.p_value < 0.05, "{slope:?}");
    let cp = fit_change_point(&temp, &t.energy_kwh, &ChangePointOptions::default()).unwrap();
    assert!(
        matches!(
            cp.kind,
            ChangePointKind::Heating3p | ChangePointKind::FourP | ChangePointKind::FiveP
        ),
        "{:?}",
        cp.candidates
    );
    let heating = cp
        .fit
        .coefficients
        .iter()
        .find(|c| c.name == "hdd")
        .unwrap();
    assert!(
        heating.estimate > 0.0 && heating.p_value < 0.1,
        "{heating:?}"
    );
}

#[test]
fn baselines_over_the_api() {
    let tmp = TempDir::new("baselines");
    let sim_dir = tmp.join("weeks");
    let data_dir = tmp.join("data");
    // no weather after day 21: a reporting period without driver data
    let mut data = simulated().clone();
    weather_until(&mut data, day(21));
    data.write_parquet(&sim_dir).unwrap();
    let data = enms_sim::read_dir(&sim_dir).unwrap();
    import(&sim_dir, &data_dir, &[]);
    let server = Server::start(&[], &["--data-dir", data_dir.to_str().unwrap()], &[]);

    // train on weeks 1-2
    let training = TimeRange::new(day(0), day(14)).unwrap();
    let (status, model) = server.post(
        "/api/v1/baselines",
        &json!({
            "machine_id": MOULDING,
            "start": format_rfc3339(training.start),
            "end": format_rfc3339(training.end),
            "drivers": ["production"],
            "gates": ["charter", "sep"],
        }),
    );
    assert_eq!(status, 201, "{model}");
    assert_eq!(model["period"], "1d");
    assert_eq!(model["timezone"], "Europe/Berlin");
    assert_eq!(model["drivers"][0]["aggregation"], "sum");
    assert_eq!(model["model"]["format_version"], 1);

    // the same table and fit, directly in the core
    let spec = TableSpec::new(
        days(),
        vec![PeriodDriver::new("production", Aggregation::Sum)],
    );
    let t = table(&data, MOULDING, &spec, training);
    let direct = t
        .fit(&BaselineOptions {
            gates: vec![Gates::charter(), Gates::sep()],
            ..BaselineOptions::default()
        })
        .unwrap();
    assert_eq!(model["table"]["periods_total"], 14);
    assert_eq!(model["table"]["periods_used"], t.len());
    let stats = &model["statistics"];
    assert_eq!(stats["n"], direct.fit.n);
    let coefs = stats["coefficients"].as_array().unwrap();
    assert_eq!(coefs.len(), 2);
    for (got, c) in coefs.iter().zip(&direct.fit.coefficients) {
        assert_eq!(got["name"], c.name.as_str());
        for (key, v) in [
            ("estimate", c.estimate),
            ("std_error", c.std_error),
            ("t", c.t),
            ("p_value", c.p_value),
            ("ci_low", c.ci_low),
            ("ci_high", c.ci_high),
        ] {
            assert!(
                close(got[key].as_f64().unwrap(), v),
                "{key}: {got} vs {c:?}"
            );
        }
    }
    for (key, v) in [
        ("r_squared", direct.fit.r_squared),
        ("adj_r_squared", direct.fit.adj_r_squared),
        ("f_statistic", direct.fit.f_statistic),
        ("cv_rmse_pct", direct.fit.cv_rmse_pct),
        ("nmbe_pct", direct.fit.nmbe_pct),
    ] {
        assert!(close(stats[key].as_f64().unwrap(), v), "{key}");
    }
    assert!(coefs[1]["estimate"].as_f64().unwrap() > 0.0);
    // two gate sets reported; the charter asks for 1000 observations, so the model is flagged
    assert_eq!(model["gates"][0]["set"], "charter");
    assert_eq!(model["gates"][1]["set"], "sep");
    assert_eq!(model["passed"], false);
    assert_eq!(model["passed"], direct.passed());
    assert!(model["failures"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f.as_str().unwrap().contains("charter")));
    let flagged = model["id"].as_i64().unwrap();

    // a failed model is not used unless asked
    let perf = |id: i64, extra: &str| {
        server.get(&format!(
            "/api/v1/baselines/{id}/performance?start={}&end={}{extra}",
            format_rfc3339(day(14)),
            format_rfc3339(day(DAYS))
        ))
    };
    assert_400(perf(flagged, ""), "allow_failed_gates");
    let (status, report) = perf(flagged, "&allow_failed_gates=true");
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["baseline_passed"], false);

    // the same model under the SEP gates only passes, and is used without the flag
    let (status, sep) = server.post(
        "/api/v1/baselines",
        &json!({
            "machine_id": MOULDING,
            "start": format_rfc3339(training.start),
            "end": format_rfc3339(training.end),
            "period": "1d",
            "drivers": ["production"],
            "gates": ["sep"],
        }),
    );
    assert_eq!(status, 201, "{sep}");
    assert_eq!(sep["passed"], true, "{sep}");
    let sep_id = sep["id"].as_i64().unwrap();
    let (status, report) = perf(sep_id, "");
    assert_eq!(status, 200, "{report}");

    // performance equals the core's over the same reporting table
    let reporting = TimeRange::new(day(14), day(DAYS)).unwrap();
    let rt = table(&data, MOULDING, &spec, reporting);
    let sep_model = t
        .fit(&BaselineOptions {
            gates: vec![Gates::sep()],
            ..BaselineOptions::default()
        })
        .unwrap();
    let expected = performance(
        &sep_model,
        &rt.energy_kwh,
        &rt.drivers,
        &PerformanceOptions::default(),
    )
    .unwrap();
    let periods = report["periods"].as_array().unwrap();
    assert_eq!(periods.len(), rt.len());
    for (k, p) in periods.iter().enumerate() {
        assert_eq!(p["start"], format_rfc3339(rt.start[k]));
        assert!(close(
            p["expected_kwh"].as_f64().unwrap(),
            expected.expected[k]
        ));
        assert!(close(p["actual_kwh"].as_f64().unwrap(), expected.actual[k]));
        assert!(close(p["cusum_kwh"].as_f64().unwrap(), expected.cusum[k]));
    }
    for (key, v) in [
        ("enpi_index", expected.enpi_index),
        ("savings_kwh", expected.savings),
        ("savings_uncertainty_kwh", expected.savings_uncertainty),
    ] {
        assert!(close(report[key].as_f64().unwrap(), v), "{key}");
    }
    // the same machine, the same physics: no real savings
    let enpi = report["enpi_index"].as_f64().unwrap();
    assert!((0.9..1.1).contains(&enpi), "EnPI {enpi}");

    // a reporting period after the data: no readings
    let (status, body) = server.get(&format!(
        "/api/v1/baselines/{sep_id}/performance?start={}&end={}",
        format_rfc3339(day(40)),
        format_rfc3339(day(41))
    ));
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("NO_DATA")),
        "{body}"
    );
    assert_400(
        server.get(&format!(
            "/api/v1/baselines/{sep_id}/performance?start={}",
            format_rfc3339(day(14))
        )),
        "end",
    );
    assert_400(
        server.get(&format!(
            "/api/v1/baselines/{sep_id}/performance?start={}&end={}&allow_failed_gates=maybe",
            format_rfc3339(day(14)),
            format_rfc3339(day(21))
        )),
        "allow_failed_gates",
    );

    // list, filter, fetch
    let (status, all) = server.get("/api/v1/baselines");
    assert_eq!(status, 200);
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[0]["id"], flagged);
    let (_, none) = server.get(&format!("/api/v1/baselines?machine_id={HVAC}"));
    assert_eq!(none.as_array().unwrap().len(), 0);
    let (status, one) = server.get(&format!("/api/v1/baselines/{sep_id}"));
    assert_eq!(status, 200);
    assert_eq!(one["statistics"], sep["statistics"]);
    assert_eq!(server.get("/api/v1/baselines/999").0, 404);
    assert_400(server.get("/api/v1/baselines/abc"), "id");

    // predict
    let b = numbers(&json!(sep["statistics"]["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["estimate"].clone())
        .collect::<Vec<_>>()));
    let (status, pred) = server.post(
        &format!("/api/v1/baselines/{sep_id}/predict"),
        &json!({"drivers": {"production": [1000.0, 2500.0]}}),
    );
    assert_eq!(status, 200, "{pred}");
    let mean = numbers(&pred["mean"]);
    assert!(close(mean[0], b[0] + 1000.0 * b[1]));
    assert!(close(mean[1], b[0] + 2500.0 * b[1]));
    assert!(numbers(&pred["pi_low"])[0] < mean[0] && numbers(&pred["pi_high"])[0] > mean[0]);
    let predict = |body: Value| server.post(&format!("/api/v1/baselines/{sep_id}/predict"), &body);
    assert_400(predict(json!({"drivers": {}})), "production");
    assert_400(
        predict(json!({"drivers": {"production": ["a"]}})),
        "production",
    );
    assert_400(
        predict(json!({"drivers": {"production": [1.0], "hdd": [2.0]}})),
        "hdd",
    );

    // a HVAC model on degree-days and weekday/weekend, trained while there is weather ...
    let (status, hvac) = server.post(
        "/api/v1/baselines",
        &json!({
            "machine_id": HVAC,
            "start": format_rfc3339(day(0)),
            "end": format_rfc3339(day(14)),
            "drivers": ["hdd", "day_type"],
            "hdd_base_c": 12.0,
            "gates": ["sep"],
        }),
    );
    assert_eq!(status, 201, "{hvac}");
    assert_eq!(hvac["drivers"][0]["base_c"], 12.0);
    assert_eq!(hvac["drivers"][1]["levels"], json!(["weekday", "weekend"]));
    let hvac_id = hvac["id"].as_i64().unwrap();
    // ... has no driver data in week 4: a 400 naming the driver
    assert_400(
        server.get(&format!(
            "/api/v1/baselines/{hvac_id}/performance?start={}&end={}&allow_failed_gates=true",
            format_rfc3339(day(21)),
            format_rfc3339(day(DAYS))
        )),
        "hdd",
    );
    // deleted, it is gone: not fetched, not listed, not deleted twice
    let path = format!("/api/v1/baselines/{hvac_id}");
    assert_eq!(server.delete(&path).0, 204);
    assert_eq!(server.get(&path).0, 404);
    assert_eq!(server.delete(&path).0, 404);
    assert_400(server.delete("/api/v1/baselines/abc"), "id");
    let (_, listed) = server.get("/api/v1/baselines");
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["id"] != hvac_id));

    // an hourly model of the moulding machine on production and the shift of the hour
    let (status, hourly) = server.post(
        "/api/v1/baselines",
        &json!({
            "machine_id": MOULDING,
            "start": format_rfc3339(day(0)),
            "end": format_rfc3339(day(7)),
            "period": "1h",
            "drivers": ["production", "shift"],
            "gates": ["ashrae14-hourly"],
        }),
    );
    assert_eq!(status, 201, "{hourly}");
    assert_eq!(hourly["period"], "1h");
    assert_eq!(
        hourly["drivers"][1]["levels"],
        json!(["shift_1", "shift_2", "shift_3"])
    );
    assert_eq!(hourly["drivers"][1]["shift_hours"], 8);
    let spec_h = TableSpec::new(
        Bucketing::parse("1h")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap(),
        vec![
            PeriodDriver::new("production", Aggregation::Sum),
            PeriodDriver::new("shift", Aggregation::shift()),
        ],
    );
    let th = table(
        &data,
        MOULDING,
        &spec_h,
        TimeRange::new(day(0), day(7)).unwrap(),
    );
    assert_eq!(hourly["table"]["periods_used"], th.len());
    assert_eq!(
        hourly["statistics"]["coefficients"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let direct_h = th.fit(&BaselineOptions::default()).unwrap();
    for (got, c) in hourly["statistics"]["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&direct_h.fit.coefficients)
    {
        assert_eq!(got["name"], c.name.as_str());
        assert!(close(got["estimate"].as_f64().unwrap(), c.estimate));
    }

    // operating hours and a mean temperature: the server's series equal the files'
    let (status, ops) = server.post(
        "/api/v1/baselines",
        &json!({
            "machine_id": MOULDING,
            "start": format_rfc3339(day(0)),
            "end": format_rfc3339(day(21)),
            "drivers": ["operating_hours", "outdoor_temp_c"],
            "gates": ["sep"],
        }),
    );
    assert_eq!(status, 201, "{ops}");
    let spec_o = TableSpec::new(
        days(),
        vec![
            PeriodDriver::new("operating_hours", Aggregation::OperatingHours),
            PeriodDriver::new("outdoor_temp_c", Aggregation::Mean),
        ],
    );
    let to = table(
        &data,
        MOULDING,
        &spec_o,
        TimeRange::new(day(0), day(21)).unwrap(),
    );
    let direct_o = to.fit(&BaselineOptions::default()).unwrap();
    assert_eq!(ops["table"]["periods_used"], to.len());
    assert_eq!(
        ops["statistics"]["coefficients"].as_array().unwrap().len(),
        3
    );
    for (got, c) in ops["statistics"]["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&direct_o.fit.coefficients)
    {
        assert_eq!(got["name"], c.name.as_str());
        assert!(
            close(got["estimate"].as_f64().unwrap(), c.estimate),
            "{got} {c:?}"
        );
        assert!(close(got["std_error"].as_f64().unwrap(), c.std_error));
    }

    // bad requests name the field
    let train = |body: Value| server.post("/api/v1/baselines", &body);
    let base = json!({
        "machine_id": MOULDING,
        "start": format_rfc3339(day(0)),
        "end": format_rfc3339(day(14)),
        "drivers": ["production"],
    });
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    assert_400(train(with("drivers", json!(["sunshine"]))), "drivers");
    assert_400(train(with("period", json!("7q"))), "period");
    assert_400(
        train(with("period", json!("1h")).tap(|b| b["drivers"] = json!(["hdd"]))),
        "period",
    );
    assert_400(train(with("start", json!("yesterday"))), "start");
    assert_400(train(with("end", json!(format_rfc3339(day(0))))), "end");
    assert_400(train(with("gates", json!(["strict"]))), "gates");
    assert_400(train(with("min_coverage", json!(2.0))), "min_coverage");
    assert_400(train(with("hdd_base_c", json!("warm"))), "hdd_base_c");
    assert_400(train(with("timezone", json!("Mars/Base"))), "timezone");
    assert_400(train(with("drivers", json!(["shift"]))), "period");
    assert_400(
        train(
            with("shift_hours", json!(7))
                .tap(|b| b["drivers"] = json!(["shift"]))
                .tap(|b| b["period"] = json!("1h")),
        ),
        "shift_hours",
    );
    assert_400(train(with("colour", json!("red"))), "colour");
    assert_400(
        train(
            json!({"start": "2025-01-06T00:00:00Z", "end": "2025-01-07T00:00:00Z", "drivers": []}),
        ),
        "machine_id",
    );
    // the HVAC has no production: no period has the driver
    assert_400(train(with("machine_id", json!(HVAC))), "production");
    assert_eq!(train(with("machine_id", json!("nope"))).0, 404);

    // the endpoints are in the API document
    let (_, doc) = server.get("/api/v1/openapi.json");
    for p in [
        "/api/v1/baselines",
        "/api/v1/baselines/{id}",
        "/api/v1/baselines/{id}/performance",
        "/api/v1/baselines/{id}/predict",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
    assert!(doc["paths"]["/api/v1/baselines"].get("post").is_some());
}
