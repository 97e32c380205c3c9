//! Demand forecasts over the real binary: five simulated weeks of two machines are imported; the
//! server's week-ahead forecast of a machine equals the core's forecast of the same rollup, a
//! factory forecast takes the outdoor temperature as a regressor, a next-hours forecast picks
//! ARIMA, a backtest reports its windows, and bad requests get 4xx errors naming the field.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{import, numbers, Server, TempDir};
use enms_core::bucket::Bucketing;
use enms_core::forecast::{energy_series, fit_forecaster, ForecastSpec, SeasonalOptions};
use enms_core::rollup::{rollup_power, RollupOptions};
use enms_core::series::PowerView;
use enms_core::time::{format_rfc3339, parse_rfc3339, TimeRange, Timestamp, MICROS_PER_DAY};
use enms_sim::{FactoryConfig, SimOutput, Simulator};
use serde_json::{json, Value};

const MOULDING: &str = "injection-molding-1";
const HVAC: &str = "hvac-1";
const DAYS: i64 = 35;

fn start() -> Timestamp {
    parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap()
}

fn simulated() -> SimOutput {
    let mut config = FactoryConfig::default();
    config.machines.retain(|m| m.id == MOULDING || m.id == HVAC);
    config.fault_rate_per_machine_day = 0.0;
    Simulator::new(config, 5)
        .unwrap()
        .generate(start(), start() + DAYS * MICROS_PER_DAY)
        .unwrap()
}

fn assert_400(r: (u16, Value), field: &str) {
    let (status, body) = r;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["field"], field, "{body}");
}

#[test]
fn forecasts_and_backtests_over_http() {
    let data = simulated();
    let tmp = TempDir::new("forecast");
    let sim_dir = tmp.join("sim");
    let data_dir = tmp.join("data");
    data.write_parquet(&sim_dir).unwrap();
    import(&sim_dir, &data_dir, &[]);
    let server = Server::start(&[], &["--data-dir", data_dir.to_str().unwrap()], &[]);

    // Week ahead of the moulding machine over the whole history (default range).
    let history_end = start() + DAYS * MICROS_PER_DAY;
    let (status, body) = server.post(
        "/api/v1/forecast",
        &json!({"machine_id": MOULDING, "horizon": 168, "end": format_rfc3339(history_end),
                "start": format_rfc3339(start())}),
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body["model"].as_str().unwrap().starts_with("seasonal"),
        "{body}"
    );
    let times = body["time"].as_array().unwrap();
    assert_eq!(times.len(), 168);
    assert_eq!(
        parse_rfc3339(times[0].as_str().unwrap()).unwrap(),
        history_end
    );
    let mean = numbers(&body["forecast"]);
    let lo95 = numbers(&body["intervals"][1]["lower"]);
    let hi95 = numbers(&body["intervals"][1]["upper"]);
    let lo80 = numbers(&body["intervals"][0]["lower"]);
    for i in 0..168 {
        assert!(lo95[i] <= lo80[i] && lo80[i] <= mean[i] && mean[i] <= hi95[i]);
    }
    assert_eq!(
        body["peaks"].as_array().unwrap().len(),
        7,
        "{}",
        body["peaks"]
    );
    assert_eq!(body["history"]["steps"], DAYS * 24);

    // The same forecast from the core on the simulated files.
    let table = data
        .energy
        .iter()
        .find(|t| t.machine_id == MOULDING)
        .unwrap();
    let range = TimeRange::new(start(), history_end).unwrap();
    let bucketing = Bucketing::parse("1h")
        .unwrap()
        .with_timezone("Europe/Berlin")
        .unwrap();
    let r = rollup_power(
        PowerView::new(&table.ts, &table.power_kw).unwrap(),
        &bucketing,
        &RollupOptions::default().with_range(range),
    )
    .unwrap();
    let (ts, y) = energy_series(&r, 0.9);
    let mut options = SeasonalOptions::default();
    options.calendar.time_zone = "Europe/Berlin".to_string();
    let core = fit_forecaster(&ts, &y, &[], &ForecastSpec::Seasonal(options), 168)
        .unwrap()
        .forecast(168, &[], &[0.8, 0.95])
        .unwrap();
    for (a, b) in mean.iter().zip(&core.mean) {
        assert!(
            (a - b).abs() <= 1e-9 * b.abs().max(1.0),
            "server {a} core {b}"
        );
    }

    // The factory's total, day ahead, with the outdoor temperature and a threshold.
    let (status, body) = server.post(
        "/api/v1/forecast",
        &json!({"factory_id": "plant-1", "horizon": 24, "regressors": ["outdoor_temp_c"],
                "future": {"outdoor_temp_c": vec![2.0; 24]}, "threshold": 1.0}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["carrier"], "electricity");
    assert_eq!(body["time"].as_array().unwrap().len(), 24);
    let factory_mean: f64 = numbers(&body["forecast"]).iter().sum();
    assert!(
        factory_mean > mean[..24].iter().sum::<f64>(),
        "the factory draws more than one machine"
    );

    // The next three hours: ARIMA.
    let (status, body) = server.post(
        "/api/v1/forecast",
        &json!({"machine_id": HVAC, "horizon": 3, "start": format_rfc3339(history_end - 21 * MICROS_PER_DAY),
                "end": format_rfc3339(history_end)}),
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body["model"].as_str().unwrap().starts_with("ARIMA"),
        "{body}"
    );

    // Backtest, three day-ahead windows.
    let (status, body) = server.post(
        "/api/v1/forecast/backtest",
        &json!({"machine_id": MOULDING, "horizon": 24, "windows": 3, "model": {"model": "seasonal"}}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["windows"].as_array().unwrap().len(), 3);
    let mase = body["overall"]["mase"].as_f64().unwrap();
    assert!(mase > 0.0 && mase < 1.0, "day-ahead MASE {mase}");
    assert_eq!(body["overall"]["n"], 72);

    // Bad requests.
    let (status, _) = server.post(
        "/api/v1/forecast",
        &json!({"machine_id": "nope", "horizon": 3}),
    );
    assert_eq!(status, 404);
    assert_400(
        server.post("/api/v1/forecast", &json!({"horizon": 3})),
        "machine_id",
    );
    // carriers are never added up: a factory's series is one carrier's, a machine's its own
    let (status, body) = server.post(
        "/api/v1/forecast",
        &json!({"factory_id": "plant-1", "carrier": "natural_gas", "horizon": 3}),
    );
    assert_eq!((status, &body["field"]), (404, &json!("carrier")), "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("electricity"),
        "{body}"
    );
    assert_400(
        server.post(
            "/api/v1/forecast",
            &json!({"machine_id": HVAC, "carrier": "natural_gas", "horizon": 3}),
        ),
        "carrier",
    );
    assert_400(
        server.post(
            "/api/v1/forecast/backtest",
            &json!({"factory_id": "plant-1", "carrier": "coal", "horizon": 3}),
        ),
        "carrier",
    );
    assert_400(
        server.post(
            "/api/v1/forecast",
            &json!({"machine_id": HVAC, "factory_id": "plant-1", "horizon": 3}),
        ),
        "factory_id",
    );
    assert_400(
        server.post(
            "/api/v1/forecast",
            &json!({"machine_id": HVAC, "horizon": 0}),
        ),
        "horizon",
    );
    assert_400(
        server.post(
            "/api/v1/forecast",
            &json!({"machine_id": HVAC, "horizon": 3, "bucket": "1d"}),
        ),
        "bucket",
    );
    assert_400(
        server.post(
            "/api/v1/forecast",
            &json!({"machine_id": HVAC, "horizon": 3, "regressors": ["wind"]}),
        ),
        "regressors",
    );
    assert_400(
        server.post(
            "/api/v1/forecast",
            &json!({"machine_id": HVAC, "horizon": 30, "regressors": ["outdoor_temp_c"]}),
        ),
        "future",
    );
    assert_400(
        server.post(
            "/api/v1/forecast",
            &json!({"machine_id": HVAC, "horizon": 30, "model": {"model": "prophet"}}),
        ),
        "model",
    );
    assert_400(
        server.post(
            "/api/v1/forecast",
            &json!({"machine_id": HVAC, "horizon": 30, "model": {"model": "seasonal", "dayly_order": 3}}),
        ),
        "model.dayly_order",
    );
    assert_400(
        server.post(
            "/api/v1/forecast",
            &json!({"machine_id": HVAC, "horizon": 3, "colour": 1}),
        ),
        "colour",
    );
    assert_400(
        server.post(
            "/api/v1/forecast/backtest",
            &json!({"machine_id": HVAC, "horizon": 168, "windows": 50}),
        ),
        "windows",
    );
}

#[test]
fn monitor_flags_a_changed_machine() {
    // Four weeks of the moulding machine; from day 21 on its power is 40 % higher (an energy
    // conservation measure with a negative gain stands for a degraded machine).
    let mut config = FactoryConfig::default();
    config.machines.retain(|m| m.id == MOULDING);
    config.fault_rate_per_machine_day = 0.0;
    let clean = Simulator::new(config, 8)
        .unwrap()
        .generate(start(), start() + 28 * MICROS_PER_DAY)
        .unwrap();
    let mut worse = clean.clone();
    let change = start() + 21 * MICROS_PER_DAY;
    for table in &mut worse.energy {
        for (t, p) in table.ts.iter().zip(table.power_kw.iter_mut()) {
            if *t >= change {
                *p *= 1.4;
            }
        }
    }
    let tmp = TempDir::new("forecast-monitor");
    let mut verdicts = Vec::new();
    for (name, data) in [("clean", &clean), ("worse", &worse)] {
        let sim_dir = tmp.join(&format!("sim-{name}"));
        let data_dir = tmp.join(&format!("data-{name}"));
        data.write_parquet(&sim_dir).unwrap();
        import(&sim_dir, &data_dir, &[]);
        let server = Server::start(&[], &["--data-dir", data_dir.to_str().unwrap()], &[]);
        let (status, body) = server.post(
            "/api/v1/forecast/monitor",
            &json!({"machine_id": MOULDING, "end": format_rfc3339(change),
                    "model": {"model": "seasonal"}, "window": 24, "patience": 3, "reference_windows": 7}),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["windows"].as_array().unwrap().len(), 7, "{body}");
        println!("{name}: {}", body);
        verdicts.push(body["retrain"].as_bool().unwrap());
        // Bad deployment time.
        assert_400(
            server.post(
                "/api/v1/forecast/monitor",
                &json!({"machine_id": MOULDING, "end": format_rfc3339(start() + 60 * MICROS_PER_DAY)}),
            ),
            "end",
        );
    }
    assert_eq!(verdicts, vec![false, true]);
}
