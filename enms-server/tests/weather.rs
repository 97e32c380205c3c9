//! Weather-normalised models over the real binary: six simulated winter weeks of the HVAC and the
//! injection moulding machine are imported (without weather after day 35); `POST
//! /api/v1/weather-models` fits the core's change-point and daily models of daily energy against
//! the mean outdoor temperature, and each answer equals the core's model on the daily table the
//! core builds directly from the same files (`ModellingTable::build` with `1d` local days and
//! `outdoor_temp_c` as a time-weighted mean, as `tests/common` builds it for the baselines
//! tests); a factory's table is the sum of its machines' of one energy carrier (electricity unless
//! `carrier` names another: the gas boiler is modelled on its own). Bad input gets a 4xx naming
//! the field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    close, import, modelling_table as table, numbers, weather_until, Server, Tap, TempDir,
};
use enms_core::baseline::dataset::{Aggregation, ModellingTable, PeriodDriver, TableSpec};
use enms_core::baseline::{
    fit_change_point, fit_daily, ChangePointOptions, DailyOptions, DriverValues, PerformanceOptions,
};
use enms_core::bucket::Bucketing;
use enms_core::time::{format_rfc3339, parse_rfc3339, TimeRange, Timestamp, MICROS_PER_DAY};
use enms_sim::{FactoryConfig, Measure, SimOutput, Simulator};
use serde_json::{json, Value};

const MOULDING: &str = "injection-molding-1";
const HVAC: &str = "hvac-1";
const BOILER: &str = "boiler-1";
const DAYS: i64 = 42;
/// The last day with weather.
const WEATHER_DAYS: i64 = 35;

fn start() -> Timestamp {
    // local midnight of Monday 2025-01-06 in Europe/Berlin
    parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap()
}

fn day(n: i64) -> Timestamp {
    start() + n * MICROS_PER_DAY
}

/// Six weeks of the HVAC, the moulding machine and the gas boiler, no random faults, no weather
/// after day 35.
fn simulated() -> SimOutput {
    simulated_with(&[])
}

/// [`simulated`] with energy-saving measures (the same seed without them is the counterfactual).
fn simulated_with(measures: &[Measure]) -> SimOutput {
    let mut config = FactoryConfig {
        measures: measures.to_vec(),
        ..FactoryConfig::default()
    };
    config
        .machines
        .retain(|m| m.id == MOULDING || m.id == HVAC || m.id == BOILER);
    config.fault_rate_per_machine_day = 0.0;
    let mut data = Simulator::new(config, 17)
        .unwrap()
        .generate(start(), day(DAYS))
        .unwrap();
    weather_until(&mut data, day(WEATHER_DAYS));
    data
}

fn spec() -> TableSpec {
    TableSpec::new(
        Bucketing::parse("1d")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap(),
        vec![PeriodDriver::new("outdoor_temp_c", Aggregation::Mean)],
    )
}

fn temps(t: &ModellingTable) -> Vec<f64> {
    match &t.drivers[0].values {
        DriverValues::Numeric(v) => v.clone(),
        other => panic!("{other:?}"),
    }
}

fn assert_status(r: (u16, Value), status: u16, field: &str) {
    let (got, body) = r;
    assert_eq!(got, status, "{body}");
    assert_eq!(body["field"], field, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

/// The per-day table of an answer against the core's table and predictions.
fn assert_days(body: &Value, start: &[Timestamp], temp: &[f64], energy: &[f64], pred: &[f64]) {
    let days = body["days"].as_array().unwrap();
    assert_eq!(days.len(), start.len());
    assert_eq!(body["table"]["periods_used"], start.len());
    for (k, d) in days.iter().enumerate() {
        assert_eq!(d["start"], format_rfc3339(start[k]));
        assert_eq!(d["outdoor_temp_c"].as_f64().unwrap(), temp[k]);
        assert_eq!(d["actual_kwh"].as_f64().unwrap(), energy[k]);
        assert!(close(d["predicted_kwh"].as_f64().unwrap(), pred[k]), "{d}");
    }
}

#[test]
fn weather_models_over_http() {
    let tmp = TempDir::new("weather");
    let sim_dir = tmp.join("sim");
    let data_dir = tmp.join("data");
    simulated().write_parquet(&sim_dir).unwrap();
    // what the server imports, read back: the core's tables are built from the same files
    let data = enms_sim::read_dir(&sim_dir).unwrap();
    import(&sim_dir, &data_dir, &[]);
    let server = Server::start(&[], &["--data-dir", data_dir.to_str().unwrap()], &[]);
    let range = TimeRange::new(day(0), day(DAYS)).unwrap();
    let fit = |body: Value| server.post("/api/v1/weather-models", &body);
    let base = json!({
        "machine_id": HVAC,
        "start": format_rfc3339(range.start),
        "end": format_rfc3339(range.end),
        "model": "change_point",
    });

    // the change-point model of the HVAC equals the core's on the same daily table
    let (status, cp) = fit(base.clone());
    assert_eq!(status, 200, "{cp}");
    let t = table(&data, HVAC, &spec(), range);
    let temp = temps(&t);
    let direct = fit_change_point(&temp, &t.energy_kwh, &ChangePointOptions::default()).unwrap();
    assert_eq!(cp["kind"], "change_point");
    assert_eq!(cp["target_kind"], "machine");
    assert_eq!(cp["timezone"], "Europe/Berlin");
    assert_eq!(cp["model"], serde_json::to_value(&direct).unwrap());
    assert_eq!(cp["segments"][0]["kind"], direct.kind.as_str());
    assert!(
        direct.heating_balance_c.is_some(),
        "the HVAC heats: {:?}",
        direct.candidates
    );
    assert_eq!(
        cp["segments"][0]["heating"]["balance_c"].as_f64(),
        direct.heating_balance_c
    );
    let stats = &cp["statistics"];
    assert_eq!(stats["n"], direct.fit.n);
    assert_eq!(
        stats["p"].as_u64().unwrap() as f64,
        direct.fit.n as f64 - direct.fit.df_resid
    );
    for (key, v) in [
        ("r_squared", direct.fit.r_squared),
        ("adj_r_squared", direct.fit.adj_r_squared),
        ("cv_rmse_pct", direct.fit.cv_rmse_pct),
        ("nmbe_pct", direct.fit.nmbe_pct),
    ] {
        assert_eq!(stats[key].as_f64().unwrap(), v, "{key}");
    }
    assert_eq!(
        cp["coefficients"].as_array().unwrap().len(),
        direct.fit.coefficients.len()
    );
    let pred = direct.predict(&temp).unwrap();
    assert_days(&cp, &t.start, &temp, &t.energy_kwh, &pred);
    // the days without weather are dropped, and say why
    assert_eq!(cp["table"]["periods_total"], DAYS);
    assert_eq!(
        cp["table"]["dropped_by_column"]["outdoor_temp_c"],
        DAYS - WEATHER_DAYS
    );
    // the curve is the model's
    let curve = &cp["curves"][0];
    let (ct, cy) = (
        numbers(&curve["outdoor_temp_c"]),
        numbers(&curve["predicted_kwh"]),
    );
    assert!(ct.len() >= 61 && ct.windows(2).all(|w| w[0] < w[1]));
    for (a, b) in cy.iter().zip(direct.predict(&ct).unwrap()) {
        assert!(close(*a, b));
    }

    // the daily model (default options, the factory's time zone) equals the core's
    let (status, daily) = fit(json!({
        "machine_id": HVAC,
        "start": format_rfc3339(range.start),
        "end": format_rfc3339(range.end),
        "model": "daily",
    }));
    assert_eq!(status, 200, "{daily}");
    let options = DailyOptions {
        timezone: "Europe/Berlin".into(),
        ..DailyOptions::default()
    };
    let direct = fit_daily(&t.start, &temp, &t.energy_kwh, &options).unwrap();
    assert_eq!(daily["model"], serde_json::to_value(&direct).unwrap());
    assert_eq!(daily["statistics"]["n"], direct.n);
    assert_eq!(daily["statistics"]["p"], direct.n_params);
    for (key, v) in [
        ("r_squared", direct.r_squared),
        ("cv_rmse_pct", direct.cv_rmse_pct),
        ("nmbe_pct", direct.nmbe_pct),
    ] {
        assert_eq!(daily["statistics"][key].as_f64().unwrap(), v, "{key}");
    }
    assert_eq!(
        daily["segments"].as_array().unwrap().len(),
        direct.segments.len()
    );
    let pred = direct.predict(&t.start, &temp).unwrap();
    assert_days(&daily, &t.start, &temp, &t.energy_kwh, &pred);
    for (d, &ts) in daily["days"].as_array().unwrap().iter().zip(&t.start) {
        assert_eq!(d["segment"], direct.segment_of(ts).unwrap().name.as_str());
    }
    assert_eq!(daily["days"][0]["date"], "2025-01-06");

    // options: the core's, strictly; the ones left out keep the core's defaults
    let (status, tuned) = fit(json!({
        "machine_id": HVAC,
        "start": format_rfc3339(range.start),
        "end": format_rfc3339(range.end),
        "model": "daily",
        "options": {"min_segment_days": 10, "smoothing_c": [0.0, 2.0], "split_seasons": false},
    }));
    assert_eq!(status, 200, "{tuned}");
    let options = DailyOptions {
        min_segment_days: 10,
        smoothing_c: vec![0.0, 2.0],
        split_seasons: false,
        ..options
    };
    let direct = fit_daily(&t.start, &temp, &t.energy_kwh, &options).unwrap();
    assert_eq!(tuned["model"], serde_json::to_value(&direct).unwrap());

    // the factory: the sum of its electric machines on the days both cover (the gas boiler's
    // energy is never added to electricity)
    let (status, plant) = fit(json!({
        "factory_id": "plant-1",
        "start": format_rfc3339(range.start),
        "end": format_rfc3339(range.end),
        "model": "change_point",
    }));
    assert_eq!(status, 200, "{plant}");
    assert_eq!(plant["target_kind"], "factory");
    assert_eq!(plant["carrier"], "electricity");
    assert_eq!(plant["machines"], json!([HVAC, MOULDING]));
    let m = table(&data, MOULDING, &spec(), range);
    let (mut start, mut temp_f, mut energy) = (Vec::new(), Vec::new(), Vec::new());
    for (k, d) in t.start.iter().enumerate() {
        if let Ok(j) = m.start.binary_search(d) {
            start.push(*d);
            temp_f.push(temp[k]);
            energy.push(t.energy_kwh[k] + m.energy_kwh[j]);
        }
    }
    let direct = fit_change_point(&temp_f, &energy, &ChangePointOptions::default()).unwrap();
    assert_eq!(plant["model"], serde_json::to_value(&direct).unwrap());
    assert_days(
        &plant,
        &start,
        &temp_f,
        &energy,
        &direct.predict(&temp_f).unwrap(),
    );

    // the factory's gas: the boiler alone, its heating against the outdoor temperature
    let (status, gas) = fit(json!({
        "factory_id": "plant-1",
        "carrier": "natural_gas",
        "start": format_rfc3339(range.start),
        "end": format_rfc3339(range.end),
        "model": "change_point",
    }));
    assert_eq!(status, 200, "{gas}");
    assert_eq!(
        (&gas["carrier"], &gas["machines"]),
        (&json!("natural_gas"), &json!([BOILER]))
    );
    let b = table(&data, BOILER, &spec(), range);
    let b_temp = temps(&b);
    let direct = fit_change_point(&b_temp, &b.energy_kwh, &ChangePointOptions::default()).unwrap();
    assert_eq!(gas["model"], serde_json::to_value(&direct).unwrap());
    assert!(direct.heating_balance_c.is_some(), "{:?}", direct.kind);
    // a machine's own carrier may be named; another is refused
    let (status, named) = fit(json!({
        "machine_id": BOILER, "carrier": "natural_gas",
        "start": format_rfc3339(range.start), "end": format_rfc3339(range.end),
        "model": "change_point",
    }));
    assert_eq!(status, 200, "{named}");
    assert_eq!(named["model"], gas["model"]);

    // bad input: a 4xx naming the field
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    assert_status(fit(with("machine_id", json!("nope"))), 404, "machine_id");
    assert_status(
        fit(
            json!({"factory_id": "nowhere", "start": format_rfc3339(day(0)),
                   "end": format_rfc3339(day(7)), "model": "daily"}),
        ),
        404,
        "factory_id",
    );
    assert_status(fit(with("factory_id", json!("plant-1"))), 400, "factory_id");
    assert_status(
        fit(
            json!({"start": format_rfc3339(day(0)), "end": format_rfc3339(day(7)), "model": "daily"}),
        ),
        400,
        "machine_id",
    );
    // an empty period, and one without readings
    assert_status(fit(with("end", json!(format_rfc3339(day(0))))), 400, "end");
    assert_status(fit(with("start", json!("yesterday"))), 400, "start");
    let (status, body) = fit(with("start", json!(format_rfc3339(day(60))))
        .tap(|b| b["end"] = json!(format_rfc3339(day(70)))));
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("NO_DATA")),
        "{body}"
    );
    assert_eq!(body["field"], "machine_id");
    // readings but no temperature in the period
    assert_status(
        fit(with("start", json!(format_rfc3339(day(WEATHER_DAYS))))
            .tap(|b| b["end"] = json!(format_rfc3339(day(DAYS))))),
        400,
        "outdoor_temp_c",
    );
    // too few days for the daily model's segments
    assert_status(
        fit(with("model", json!("daily")).tap(|b| b["end"] = json!(format_rfc3339(day(10))))),
        400,
        "energy_kwh",
    );
    assert_status(fit(with("carrier", json!("natural_gas"))), 400, "carrier");
    assert_status(fit(with("carrier", json!("plutonium"))), 400, "carrier");
    assert_status(
        fit(json!({"factory_id": "plant-1", "carrier": "steam",
                   "start": format_rfc3339(day(0)), "end": format_rfc3339(day(7)),
                   "model": "change_point"})),
        404,
        "carrier",
    );
    assert_status(fit(with("model", json!("towt"))), 400, "model");
    assert_status(fit(with("model", Value::Null)), 400, "model");
    assert_status(
        fit(with("options", json!({"step_cc": 1.0}))),
        400,
        "options.step_cc",
    );
    assert_status(
        fit(with("options", json!({"step_c": -1.0}))),
        400,
        "options.step_c",
    );
    assert_status(
        fit(with("options", json!({"step_c": "fine"}))),
        400,
        "options",
    );
    assert_status(fit(with("options", json!([1]))), 400, "options");
    assert_status(
        fit(with("model", json!("daily")).tap(|b| b["options"] = json!({"timezone": "Mars/Base"}))),
        400,
        "options.timezone",
    );
    assert_status(
        fit(with("model", json!("daily")).tap(|b| b["options"] = json!({"min_segment_days": 0}))),
        400,
        "options.min_segment_days",
    );
    assert_status(fit(with("min_coverage", json!(2.0))), 400, "min_coverage");
    assert_status(fit(with("colour", json!("red"))), 400, "colour");

    // the endpoint and its schemas are in the API document
    let (_, doc) = server.get("/api/v1/openapi.json");
    assert!(doc["paths"]["/api/v1/weather-models"].get("post").is_some());
    for s in ["WeatherModelRequest", "WeatherModelDto", "SegmentDto"] {
        assert!(doc["components"]["schemas"].get(s).is_some(), "{s}");
    }
}

#[test]
fn savings_of_a_reporting_period_against_a_weather_model() {
    // a new boiler burns 25 % less gas from day 21 on; the same seed without the measure is what it
    // would have burnt (the IPMVP counterfactual)
    let measure = Measure::efficiency_gain(BOILER, day(21), 0.25);
    let tmp = TempDir::new("weather-savings");
    let (sim_dir, data_dir) = (tmp.join("sim"), tmp.join("data"));
    simulated_with(&[measure]).write_parquet(&sim_dir).unwrap();
    let data = enms_sim::read_dir(&sim_dir).unwrap();
    let counterfactual = simulated();
    import(&sim_dir, &data_dir, &[]);
    let server = Server::start(&[], &["--data-dir", data_dir.to_str().unwrap()], &[]);
    let fit = |body: Value| server.post("/api/v1/weather-models", &body);
    let (training, reporting) = (
        TimeRange::new(day(0), day(21)).unwrap(),
        TimeRange::new(day(21), day(WEATHER_DAYS)).unwrap(),
    );
    let base = json!({
        "machine_id": BOILER,
        "start": format_rfc3339(training.start),
        "end": format_rfc3339(training.end),
        "model": "change_point",
        "reporting_start": format_rfc3339(reporting.start),
        "reporting_end": format_rfc3339(reporting.end),
    });
    let (status, body) = fit(base.clone());
    assert_eq!(status, 200, "{body}");
    let perf = &body["performance"];
    // the core's report on the core's tables of the same files
    let t0 = table(&data, BOILER, &spec(), training);
    let m = fit_change_point(&temps(&t0), &t0.energy_kwh, &ChangePointOptions::default()).unwrap();
    assert_eq!(body["model"], serde_json::to_value(&m).unwrap());
    let t1 = table(&data, BOILER, &spec(), reporting);
    let core = m
        .performance(&temps(&t1), &t1.energy_kwh, &PerformanceOptions::default())
        .unwrap();
    let days = perf["days"].as_array().unwrap();
    assert_eq!(days.len(), t1.start.len());
    for (k, d) in days.iter().enumerate() {
        assert_eq!(d["start"], format_rfc3339(t1.start[k]));
        assert!(close(d["expected_kwh"].as_f64().unwrap(), core.expected[k]));
        assert!(close(d["cusum_kwh"].as_f64().unwrap(), core.cusum[k]));
    }
    assert!(close(perf["savings_kwh"].as_f64().unwrap(), core.savings));
    assert!(close(
        perf["savings_low_kwh"].as_f64().unwrap(),
        core.savings_low
    ));
    assert_eq!(perf["confidence"], 0.9);
    assert_eq!(perf["baseline_passed"], true);
    // the gas saved, found within the stated uncertainty
    let before = table(&counterfactual, BOILER, &spec(), reporting);
    let truth: f64 = before.energy_kwh.iter().sum::<f64>() - t1.energy_kwh.iter().sum::<f64>();
    let (low, high) = (
        perf["savings_low_kwh"].as_f64().unwrap(),
        perf["savings_high_kwh"].as_f64().unwrap(),
    );
    assert!(
        low <= truth && truth <= high,
        "true {truth} outside [{low}, {high}]"
    );
    assert!(
        low > 0.0,
        "a quarter of the gas must be a significant saving: [{low}, {high}]"
    );
    // the daily model reports the same way, at another confidence
    let (status, daily) = fit(base.clone().tap(|b| {
        b["model"] = json!("daily");
        b["options"] = json!({"min_segment_days": 7});
        b["confidence"] = json!(0.95);
    }));
    assert_eq!(status, 200, "{daily}");
    assert_eq!(daily["performance"]["confidence"], 0.95);
    assert_eq!(
        daily["performance"]["days"].as_array().unwrap().len(),
        t1.start.len()
    );
    // without a reporting period there is no report
    let (status, plain) = fit(base.clone().tap(|b| {
        b.as_object_mut().unwrap().remove("reporting_start");
        b.as_object_mut().unwrap().remove("reporting_end");
    }));
    assert_eq!(status, 200, "{plain}");
    assert!(plain["performance"].is_null());
    // bad input: a 4xx naming the field
    let without = |k: &str| {
        base.clone()
            .tap(|b| drop(b.as_object_mut().unwrap().remove(k)))
    };
    assert_status(fit(without("reporting_end")), 400, "reporting_end");
    assert_status(fit(without("reporting_start")), 400, "reporting_start");
    assert_status(
        fit(base.clone().tap(|b| b["reporting_end"] = json!("soon"))),
        400,
        "reporting_end",
    );
    assert_status(
        fit(base.clone().tap(|b| b["confidence"] = json!(1.5))),
        400,
        "confidence",
    );
    // a reporting period without weather: the temperature is named
    assert_status(
        fit(base.clone().tap(|b| {
            b["reporting_start"] = json!(format_rfc3339(day(WEATHER_DAYS)));
            b["reporting_end"] = json!(format_rfc3339(day(DAYS)));
        })),
        400,
        "outdoor_temp_c",
    );

    // saved, the model is an energy baseline that stays: listed, fetched, reporting later periods
    assert!(body["id"].is_null(), "not stored unless asked");
    let (status, saved) = fit(base.clone().tap(|b| b["save"] = json!(true)));
    assert_eq!(status, 200, "{saved}");
    let id = saved["id"].as_i64().expect("an id");
    assert!(saved["created_at"].is_string());
    assert_eq!(saved["performance"], body["performance"]);
    let (status, list) = server.get("/api/v1/weather-models");
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["target"], BOILER);
    assert_eq!(list[0]["target_kind"], "machine");
    assert_eq!(list[0]["carrier"], "natural_gas");
    assert_eq!(list[0]["kind"], "change_point");
    assert_eq!(list[0]["start"], format_rfc3339(training.start));
    assert_eq!(list[0]["statistics"], body["statistics"]);
    let (status, got) = server.get(&format!("/api/v1/weather-models/{id}"));
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["id"], id);
    assert_eq!(got["created_at"], saved["created_at"]);
    for k in [
        "model",
        "days",
        "segments",
        "curves",
        "statistics",
        "machines",
        "timezone",
    ] {
        assert_eq!(got[k], body[k], "{k}");
    }
    assert!(got["performance"].is_null());
    let report = |b: Value| server.post(&format!("/api/v1/weather-models/{id}/performance"), &b);
    let period = json!({
        "reporting_start": format_rfc3339(reporting.start),
        "reporting_end": format_rfc3339(reporting.end),
    });
    let (status, later) = report(period.clone());
    assert_eq!(status, 200, "{later}");
    assert_eq!(
        later, body["performance"],
        "the stored model reports as the fit did"
    );
    let (status, week) = report(period.clone().tap(|b| {
        b["reporting_end"] = json!(format_rfc3339(day(28)));
        b["confidence"] = json!(0.95);
    }));
    assert_eq!(status, 200, "{week}");
    assert_eq!(week["days"].as_array().unwrap().len(), 7);
    assert_eq!(week["confidence"], 0.95);
    // bad input: a 4xx naming the field
    assert_status(
        report(
            period
                .clone()
                .tap(|b| drop(b.as_object_mut().unwrap().remove("reporting_end"))),
        ),
        400,
        "reporting_end",
    );
    assert_status(
        report(period.clone().tap(|b| b["confidence"] = json!(2))),
        400,
        "confidence",
    );
    assert_status(
        report(period.clone().tap(|b| b["extra"] = json!(1))),
        400,
        "extra",
    );
    assert_status(
        server.post(
            &format!("/api/v1/weather-models/{}/performance", id + 1),
            &period,
        ),
        404,
        "id",
    );
    assert_status(server.get("/api/v1/weather-models/first"), 400, "id");
    assert_status(
        report(period.tap(|b| {
            b["reporting_start"] = json!(format_rfc3339(day(WEATHER_DAYS)));
            b["reporting_end"] = json!(format_rfc3339(day(DAYS)));
        })),
        400,
        "outdoor_temp_c",
    );
    // deleted, it is gone: not listed, not found, not deleted twice
    let path = format!("/api/v1/weather-models/{id}");
    assert_eq!(server.delete(&path).0, 204);
    assert_status(server.get(&path), 404, "id");
    assert_status(server.delete(&path), 404, "id");
    assert_status(server.delete("/api/v1/weather-models/first"), 400, "id");
    assert_eq!(server.get("/api/v1/weather-models"), (200, json!([])));
}
