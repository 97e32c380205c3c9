//! Anomaly events end to end, over the real binary.
//!
//! Three simulated weeks of the injection moulding machine without random faults, with a barrel
//! heater stuck on (injected) on the third Saturday afternoon, are imported; an hourly baseline
//! of its energy on production, shift and day type is trained on weeks 1-2; detection over week 3
//! (`baseline_residual`: residuals against the baseline, sigma rules, events) finds a critical
//! event overlapping the injected fault, and its events equal the core's pipeline run directly on
//! the same files with the model the server returned. Then: a window cut in the middle of the
//! fault and the full window give the same event (same id, extended); re-running gives the same
//! ids and count; acknowledge, resolve, invalid transitions (409), a resolved event is not
//! reopened by a re-run; filters. The core's reference-period pipeline (`reference_model`,
//! trained on weeks 1-2) finds a critical event on the fault too, with the features that stood
//! out, equal to `enms_core::anomaly::detect` on features built from the same files, as events of
//! a detector of its own. Bad input gives typed 4xx errors naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{import, modelling_table, Server, Tap, TempDir};
use enms_core::anomaly::{
    build_features, detect as core_detect, merge_events, sigma_flags, AnomalyEvent, DetectConfig,
    FeatureInputs, FeatureSpec, SigmaRule,
};
use enms_core::baseline::dataset::{Aggregation, DriverData, PeriodDriver, TableSpec};
use enms_core::baseline::{performance, Baseline, PerformanceOptions};
use enms_core::bucket::Bucketing;
use enms_core::model::EventKind;
use enms_core::time::{
    format_rfc3339, parse_rfc3339, TimeRange, Timestamp, MICROS_PER_DAY, MICROS_PER_HOUR,
};
use enms_sim::{FactoryConfig, SimOutput, Simulator};
use serde_json::{json, Value};

const MOULDING: &str = "injection-molding-1";
const DAYS: i64 = 21;
/// Days of the training (baseline) and reference (core pipeline) period; detection runs over the
/// rest.
const TRAIN: i64 = 14;

fn start() -> Timestamp {
    // local midnight of Monday 2025-01-06 in Europe/Berlin
    parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap()
}

fn day(n: i64) -> Timestamp {
    start() + n * MICROS_PER_DAY
}

/// The injected fault: Saturday 2025-01-25, 14:00-22:00 local, barrel heater stuck on (the
/// machine is off then, so +30 % of rated power).
fn fault() -> TimeRange {
    let s = day(19) + 14 * MICROS_PER_HOUR;
    TimeRange::new(s, s + 8 * MICROS_PER_HOUR).unwrap()
}

fn simulated() -> SimOutput {
    let mut config = FactoryConfig::default();
    config.machines.retain(|m| m.id == MOULDING);
    config.fault_rate_per_machine_day = 0.0;
    let mut sim = Simulator::new(config, 5).unwrap();
    let f = fault();
    sim.inject_fault(MOULDING, EventKind::StuckOn, f.start, f.end - f.start)
        .unwrap();
    sim.generate(start(), day(DAYS)).unwrap()
}

/// The core's pipeline on the files: residuals against the model, default sigma rule, events
/// bridged over one period.
fn core_events(data: &SimOutput, model: &Baseline, range: TimeRange) -> Vec<AnomalyEvent> {
    let spec = TableSpec::new(
        Bucketing::parse("1h")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap(),
        vec![
            PeriodDriver::new("production", Aggregation::Sum),
            PeriodDriver::new("shift", Aggregation::shift()),
            PeriodDriver::new("day_type", Aggregation::DayType),
        ],
    );
    let t = modelling_table(data, MOULDING, &spec, range);
    let r = performance(
        model,
        &t.energy_kwh,
        &t.drivers,
        &PerformanceOptions {
            allow_failed_gates: true,
            ..PerformanceOptions::default()
        },
    )
    .unwrap();
    let rule = SigmaRule::default();
    let (sev, z) = sigma_flags(&r.deviation, &rule).unwrap();
    merge_events(
        MOULDING,
        &t.start,
        MICROS_PER_HOUR,
        &sev,
        &z,
        1,
        &[("energy_kwh", &z)],
        rule.warning_sigma,
    )
    .unwrap()
}

type Samples = (Vec<Timestamp>, Vec<f64>);

/// The core's one-call pipeline on the files: hourly features (energy, power, production, SEC,
/// outdoor temperature, process quantities other than codes, calendar), trained on `reference`.
fn core_reference_events(
    data: &SimOutput,
    reference: TimeRange,
    detection: TimeRange,
) -> Vec<AnomalyEvent> {
    let power = data
        .energy
        .iter()
        .find(|t| t.machine_id == MOULDING)
        .unwrap();
    let prod = data.production_of(MOULDING).unwrap();
    let finite = |ts: &[Timestamp], v: &[f64]| -> Samples {
        ts.iter()
            .zip(v)
            .filter(|(_, x)| x.is_finite())
            .map(|(t, x)| (*t, *x))
            .unzip()
    };
    let outdoor = finite(&data.environment.ts, &data.environment.outdoor_temp_c);
    let mut process: Vec<(String, Samples)> = data
        .process
        .iter()
        .filter(|p| p.machine_id == MOULDING && p.unit != "code")
        .map(|p| (p.quantity.clone(), finite(&p.ts, &p.value)))
        .collect();
    process.sort_by(|a, b| a.0.cmp(&b.0));
    let mut quantities = vec![("outdoor_temp_c", DriverData::new(&outdoor.0, &outdoor.1))];
    for (n, (ts, v)) in &process {
        quantities.push((n.as_str(), DriverData::new(ts, v)));
    }
    let inputs = FeatureInputs {
        power: DriverData::new(&power.ts, &power.power_kw),
        production: Some(DriverData::new(&prod.ts, &prod.production_count)),
        quantities,
        ..FeatureInputs::default()
    };
    let hull = TimeRange::new(reference.start, detection.end).unwrap();
    let t = build_features(
        &FeatureSpec::hourly("Europe/Berlin").unwrap(),
        hull,
        &inputs,
    )
    .unwrap();
    core_detect(
        MOULDING,
        &t.start,
        &t.as_columns(),
        reference,
        detection,
        &DetectConfig::for_timezone("Europe/Berlin"),
    )
    .unwrap()
}

fn assert_error(r: (u16, Value), status: u16, error: &str, field: Option<&str>) {
    let (got, body) = r;
    assert_eq!(got, status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    match field {
        Some(f) => assert_eq!(body["field"], f, "{body}"),
        None => assert!(body.get("field").is_none(), "{body}"),
    }
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

fn ids(events: &Value) -> Vec<i64> {
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

fn overlaps(e: &Value, r: TimeRange) -> bool {
    let s = parse_rfc3339(e["start"].as_str().unwrap()).unwrap();
    let t = parse_rfc3339(e["end"].as_str().unwrap()).unwrap();
    s < r.end && r.start < t
}

#[test]
fn anomaly_events_over_the_api() {
    let tmp = TempDir::new("anomalies");
    let sim_dir = tmp.join("weeks");
    let data_dir = tmp.join("data");
    simulated().write_parquet(&sim_dir).unwrap();
    let data = enms_sim::read_dir(&sim_dir).unwrap();
    import(&sim_dir, &data_dir, &[]);
    let server = Server::start(&[], &["--data-dir", data_dir.to_str().unwrap()], &[]);

    // an hourly baseline of weeks 1-2
    let (status, model) = server.post(
        "/api/v1/baselines",
        &json!({
            "machine_id": MOULDING,
            "start": format_rfc3339(day(0)),
            "end": format_rfc3339(day(TRAIN)),
            "period": "1h",
            "drivers": ["production", "shift", "day_type"],
            "gates": ["ashrae14-hourly"],
        }),
    );
    assert_eq!(status, 201, "{model}");
    let baseline_id = model["id"].as_i64().unwrap();
    let baseline: Baseline = serde_json::from_value(model["model"].clone()).unwrap();

    let detect = |body: Value| {
        server.post(
            &format!("/api/v1/machines/{MOULDING}/anomalies/detect"),
            &body,
        )
    };
    let window = |end: Timestamp| {
        json!({
            "start": format_rfc3339(day(TRAIN)),
            "end": format_rfc3339(end),
            "method": "baseline_residual",
            "baseline_id": baseline_id,
            "allow_failed_gates": true,
        })
    };
    let f = fault();

    // a window that ends in the middle of the fault
    let mid = f.start + 4 * MICROS_PER_HOUR;
    let (status, cut) = detect(window(mid));
    assert_eq!(status, 200, "{cut}");
    assert_eq!(cut["detector"], format!("baseline_residual:{baseline_id}"));
    let cut_events = cut["events"].as_array().unwrap();
    assert!(cut_events.iter().all(|e| e["action"] == "created"), "{cut}");
    let cut_fault = cut_events
        .iter()
        .find(|e| overlaps(&e["event"], f))
        .unwrap_or_else(|| panic!("no event overlaps the fault: {cut}"));
    let fault_id = cut_fault["event"]["id"].as_i64().unwrap();
    assert_eq!(cut_fault["event"]["end"], format_rfc3339(mid));

    // the whole week: the same event, extended; events equal the core's pipeline
    let (status, run) = detect(window(day(DAYS)));
    assert_eq!(status, 200, "{run}");
    let week = TimeRange::new(day(TRAIN), day(DAYS)).unwrap();
    let expected = core_events(&data, &baseline, week);
    let events = run["events"].as_array().unwrap();
    assert_eq!(events.len(), expected.len(), "{run}");
    assert!(run["periods_flagged"].as_u64().unwrap() >= expected.len() as u64);
    assert_eq!(run["periods"], 7 * 24);
    for (got, want) in events.iter().zip(&expected) {
        let e = &got["event"];
        assert_eq!(e["start"], format_rfc3339(want.start), "{e}");
        assert_eq!(e["end"], format_rfc3339(want.end), "{e}");
        assert_eq!(
            e["severity"],
            serde_json::to_value(want.severity).unwrap(),
            "{e}"
        );
        assert_eq!(e["peak_at"], format_rfc3339(want.peak_at));
        assert_eq!(e["points"], want.points);
        assert_eq!(e["features"], json!(want.features));
        assert!(common::close(
            e["peak_score"].as_f64().unwrap(),
            want.peak_score
        ));
        assert_eq!(e["status"], "open");
        assert_eq!(e["machine_id"], MOULDING);
        assert_eq!(e["detector"]["baseline_id"], baseline_id);
        assert_eq!(e["detector"]["params"]["rule"]["warning_sigma"], 2.0);
    }
    let on_fault: Vec<&Value> = events.iter().filter(|e| overlaps(&e["event"], f)).collect();
    assert_eq!(on_fault.len(), 1, "{run}");
    let ev = &on_fault[0]["event"];
    assert_eq!(
        ev["id"], fault_id,
        "the cut event is extended, not duplicated"
    );
    assert_eq!(on_fault[0]["action"], "updated");
    assert_eq!(ev["severity"], "critical");
    assert_eq!(ev["features"], json!(["energy_kwh"]));
    let ev_end = parse_rfc3339(ev["end"].as_str().unwrap()).unwrap();
    assert!(ev_end > mid, "{ev}");
    assert!(ev["points"].as_u64().unwrap() >= 4, "{ev}");
    let peak = parse_rfc3339(ev["peak_at"].as_str().unwrap()).unwrap();
    assert!(f.contains(peak), "peak {ev}");

    // re-running over the same window: same ids and count, nothing changed
    let (_, all_before) = server.get(&format!("/api/v1/anomalies?machine_id={MOULDING}"));
    let (status, again) = detect(window(day(DAYS)));
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["created"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(again["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action"] == "unchanged"));
    let again_ids: Vec<i64> = again["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["id"].as_i64().unwrap())
        .collect();
    let run_ids: Vec<i64> = events
        .iter()
        .map(|e| e["event"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(again_ids, run_ids);
    let (status, all) = server.get(&format!("/api/v1/anomalies?machine_id={MOULDING}"));
    assert_eq!(status, 200);
    assert_eq!(ids(&all), ids(&all_before));
    assert_eq!(all, all_before, "a re-run changes no stored event");
    assert!(ids(&all).len() >= expected.len());

    // one event; filters
    let (status, one) = server.get(&format!("/api/v1/anomalies/{fault_id}"));
    assert_eq!(status, 200, "{one}");
    assert_eq!(&one, ev);
    let (_, open) = server.get("/api/v1/anomalies?status=open");
    assert_eq!(ids(&open), ids(&all));
    let (_, in_fault) = server.get(&format!(
        "/api/v1/anomalies?from={}&to={}",
        format_rfc3339(f.start),
        format_rfc3339(f.end)
    ));
    assert_eq!(ids(&in_fault), vec![fault_id]);
    let (_, before) = server.get(&format!(
        "/api/v1/anomalies?to={}",
        format_rfc3339(day(TRAIN))
    ));
    assert_eq!(ids(&before), Vec::<i64>::new());
    assert_error(
        server.get("/api/v1/anomalies?machine_id=hvac-1"),
        404,
        "NOT_FOUND",
        None,
    );

    // lifecycle: open -> acknowledged -> resolved; anything else is a 409
    let path = |step: &str| format!("/api/v1/anomalies/{fault_id}/{step}");
    let (status, acked) = server.post(
        &path("acknowledge"),
        &json!({"by": "maria", "note": "heater relay checked"}),
    );
    assert_eq!(status, 200, "{acked}");
    assert_eq!(acked["status"], "acknowledged");
    assert_eq!(acked["acknowledged_by"], "maria");
    assert_eq!(acked["note"], "heater relay checked");
    assert!(acked["acknowledged_at"].is_string());
    assert!(acked["resolved_at"].is_null());
    assert_error(
        server.post(&path("acknowledge"), &json!({"by": "maria"})),
        409,
        "INVALID_TRANSITION",
        Some("status"),
    );
    let (status, resolved) = server.post(&path("resolve"), &json!({"by": "jon"}));
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["resolved_by"], "jon");
    assert_eq!(
        resolved["note"], "heater relay checked",
        "no note keeps the note"
    );
    assert!(resolved["resolved_at"].is_string());
    assert_eq!(resolved["acknowledged_by"], "maria");
    let (status, conflict) = server.post(&path("resolve"), &json!({}));
    assert_error(
        (status, conflict.clone()),
        409,
        "INVALID_TRANSITION",
        Some("status"),
    );
    assert!(conflict["message"].as_str().unwrap().contains("resolved"));
    assert_error(
        server.post(&path("acknowledge"), &json!({"by": "maria"})),
        409,
        "INVALID_TRANSITION",
        Some("status"),
    );
    // an open event resolved straight away, with an empty body
    if let Some(other_id) = ids(&all).into_iter().find(|i| *i != fault_id) {
        let (status, r) = common::http_request(
            &server.addr,
            "POST",
            &format!("/api/v1/anomalies/{other_id}/resolve"),
            None,
        );
        assert_eq!((status, &r["status"]), (200, &json!("resolved")), "{r}");
    }

    // a re-run does not reopen or duplicate a resolved event
    let (status, after) = detect(window(day(DAYS)));
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["created"], 0, "{after}");
    let kept = after["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["id"] == fault_id)
        .unwrap();
    assert_eq!(kept["action"], "kept_resolved");
    assert_eq!(kept["event"]["status"], "resolved");
    let (_, all_after) = server.get(&format!("/api/v1/anomalies?machine_id={MOULDING}"));
    assert_eq!(ids(&all_after), ids(&all));
    let (_, resolved_list) = server.get("/api/v1/anomalies?status=resolved");
    assert!(ids(&resolved_list).contains(&fault_id));
    let (_, one) = server.get(&format!("/api/v1/anomalies/{fault_id}"));
    assert_eq!(one, resolved);

    // a fixed sigma (the baseline's residual standard error) is another run of the same detector
    let mut fixed = window(day(DAYS));
    fixed["sigma"] = json!("residual_std_error");
    let (status, fixed_run) = detect(fixed);
    assert_eq!(status, 200, "{fixed_run}");
    assert_eq!(fixed_run["periods_judged"], 7 * 24);
    assert!(fixed_run["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["event"]["id"] == fault_id && e["action"] == "kept_resolved"));

    // the core's reference-period pipeline: a detector of its own, trained on weeks 1-2
    let reference = json!({
        "start": format_rfc3339(day(TRAIN)),
        "end": format_rfc3339(day(DAYS)),
        "method": "reference_model",
        "reference_start": format_rfc3339(day(0)),
        "reference_end": format_rfc3339(day(TRAIN)),
    });
    let (status, refrun) = detect(reference.clone());
    assert_eq!(status, 200, "{refrun}");
    assert!(refrun["detector"]
        .as_str()
        .unwrap()
        .starts_with("reference_model:1h:"));
    assert!(refrun["periods_judged"].is_null());
    assert_eq!(refrun["periods"], 7 * 24);
    let expected = core_reference_events(
        &data,
        TimeRange::new(day(0), day(TRAIN)).unwrap(),
        TimeRange::new(day(TRAIN), day(DAYS)).unwrap(),
    );
    let ref_events = refrun["events"].as_array().unwrap();
    assert_eq!(ref_events.len(), expected.len(), "{refrun}");
    for (got, want) in ref_events.iter().zip(&expected) {
        let e = &got["event"];
        assert_eq!(got["action"], "created");
        assert_eq!(e["start"], format_rfc3339(want.start), "{e}");
        assert_eq!(e["end"], format_rfc3339(want.end), "{e}");
        assert_eq!(e["peak_at"], format_rfc3339(want.peak_at));
        assert_eq!(e["features"], json!(want.features));
        assert_eq!(e["detector"]["method"], "reference_model");
        assert!(e["detector"]["baseline_id"].is_null());
    }
    let ref_fault: Vec<&Value> = ref_events
        .iter()
        .filter(|e| overlaps(&e["event"], f))
        .collect();
    assert_eq!(ref_fault.len(), 1, "{refrun}");
    let rf = &ref_fault[0]["event"];
    assert_eq!(rf["severity"], "critical");
    assert_ne!(rf["id"], fault_id, "another detector, another event");
    assert_eq!(rf["status"], "open");
    assert!(!rf["features"].as_array().unwrap().is_empty(), "{rf}");
    let (status, refagain) = detect(reference.clone());
    assert_eq!(status, 200, "{refagain}");
    assert!(refagain["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["action"] == "unchanged"));
    assert_eq!(
        refagain["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"]["id"].clone())
            .collect::<Vec<_>>(),
        ref_events
            .iter()
            .map(|e| e["event"]["id"].clone())
            .collect::<Vec<_>>()
    );
    let with_ref = |k: &str, v: Value| {
        let mut b = reference.clone();
        b[k] = v;
        b
    };
    assert_error(
        detect(with_ref("baseline_id", json!(baseline_id))),
        400,
        "INVALID_PARAMETER",
        Some("baseline_id"),
    );
    assert_error(
        detect(with_ref("bucket", json!("1d"))),
        400,
        "INVALID_PARAMETER",
        Some("bucket"),
    );
    assert_error(
        detect(with_ref("reference_end", json!(format_rfc3339(day(-1))))),
        400,
        "INVALID_PARAMETER",
        Some("reference_end"),
    );
    let mut no_reference = reference.clone();
    no_reference
        .as_object_mut()
        .unwrap()
        .remove("reference_start");
    assert_error(
        detect(no_reference),
        400,
        "INVALID_PARAMETER",
        Some("reference_start"),
    );

    // bad input: typed 4xx errors naming the field
    assert_error(
        server.post("/api/v1/machines/nope/anomalies/detect", &window(day(DAYS))),
        404,
        "NOT_FOUND",
        None,
    );
    let with = |k: &str, v: Value| {
        let mut b = window(day(DAYS));
        b[k] = v;
        b
    };
    assert_error(
        detect(with("end", json!(format_rfc3339(day(TRAIN - 1))))),
        400,
        "INVALID_PARAMETER",
        Some("end"),
    );
    assert_error(
        detect(with("start", json!("last tuesday"))),
        400,
        "PARSE",
        Some("start"),
    );
    assert_error(
        detect(with("baseline_id", json!(9999))),
        404,
        "NOT_FOUND",
        None,
    );
    assert_error(
        detect(with("baseline_id", json!("one"))),
        400,
        "INVALID_PARAMETER",
        Some("baseline_id"),
    );
    assert_error(
        detect(with("method", json!("crystal_ball"))),
        400,
        "INVALID_PARAMETER",
        Some("method"),
    );
    assert_error(
        detect(with("sigma", json!("wide"))),
        400,
        "INVALID_PARAMETER",
        Some("sigma"),
    );
    assert_error(
        detect(with("critical_sigma", json!(1.0))),
        400,
        "INVALID_PARAMETER",
        Some("critical_sigma"),
    );
    assert_error(
        detect(with("colour", json!("red"))),
        400,
        "INVALID_PARAMETER",
        Some("colour"),
    );
    let mut no_baseline = window(day(DAYS));
    no_baseline.as_object_mut().unwrap().remove("baseline_id");
    assert_error(
        detect(no_baseline),
        400,
        "INVALID_PARAMETER",
        Some("baseline_id"),
    );
    // the hourly model fails the strict gates unless allowed
    if model["passed"] == false {
        let mut strict = window(day(DAYS));
        strict.as_object_mut().unwrap().remove("allow_failed_gates");
        assert_error(
            detect(strict),
            400,
            "INVALID_PARAMETER",
            Some("allow_failed_gates"),
        );
    }
    // no readings in the period
    assert_error(
        detect(
            with("start", json!(format_rfc3339(day(40))))
                .tap(|b| b["end"] = json!(format_rfc3339(day(41)))),
        ),
        404,
        "NO_DATA",
        None,
    );
    assert_error(
        server.get("/api/v1/anomalies?status=closed"),
        400,
        "INVALID_PARAMETER",
        Some("status"),
    );
    assert_error(
        server.get("/api/v1/anomalies?from=yesterday"),
        400,
        "PARSE",
        Some("from"),
    );
    assert_error(
        server.get("/api/v1/anomalies/abc"),
        400,
        "INVALID_PARAMETER",
        Some("id"),
    );
    assert_error(server.get("/api/v1/anomalies/9999"), 404, "NOT_FOUND", None);
    assert_error(
        server.post("/api/v1/anomalies/9999/resolve", &json!({})),
        404,
        "NOT_FOUND",
        None,
    );
    assert_error(
        server.post(&path("acknowledge"), &json!({"note": "who?"})),
        400,
        "INVALID_PARAMETER",
        Some("by"),
    );

    // the endpoints are in the API document
    let (_, doc) = server.get("/api/v1/openapi.json");
    for p in [
        "/api/v1/machines/{machine_id}/anomalies/detect",
        "/api/v1/anomalies",
        "/api/v1/anomalies/{id}",
        "/api/v1/anomalies/{id}/acknowledge",
        "/api/v1/anomalies/{id}/resolve",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing");
    }
}
