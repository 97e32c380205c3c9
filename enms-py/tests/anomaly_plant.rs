//! The Rust side of the Python face's anomaly check: enms-core's `anomaly::detect` on the plant
//! of its own unit test (five weeks of an hourly machine with a weekly pattern, production,
//! outdoor temperature and noise, and a six-hour fault of +40 % energy in the last week), written
//! with its input to `tests/fixtures/anomaly_plant.json`, which `tests/test_anomaly_detect.py`
//! compares with what `enms.detect_anomalies` and `enms.AnomalyDetector` return for the same data.
//!
//! `cargo test -p enms-py --test anomaly_plant` checks that the committed file is the core's
//! current output; `ENMS_WRITE_FIXTURES=1 cargo test -p enms-py --test anomaly_plant` rewrites it.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use enms_core::anomaly::{detect, DetectConfig};
use enms_core::time::{TimeRange, MICROS_PER_HOUR};
use serde_json::{json, Value};

/// The plant of `enms-core/src/anomaly/detect.rs`'s unit tests (the same file).
#[path = "../../enms-core/tests/common/plant.rs"]
mod test_plant;
use test_plant::plant;

/// The configs the fixture covers: the core's defaults, and a lenient one that also reports
/// warnings (so the comparison covers more than one event).
fn configs() -> Vec<Value> {
    vec![
        json!({}),
        json!({"min_event_severity": "warning", "min_event_score": 2.5, "min_critical_columns": 1}),
    ]
}

fn compute() -> Value {
    let (ts, energy, production, temp) = plant();
    let cols: Vec<(&str, &[f64])> = vec![
        ("energy_kwh", &energy),
        ("production", &production),
        ("outdoor_temp_c", &temp),
    ];
    let training = TimeRange::new(ts[0], ts[4 * 168]).unwrap();
    let detection = TimeRange::new(ts[4 * 168], ts[ts.len() - 1] + MICROS_PER_HOUR).unwrap();
    let cases: Vec<Value> = configs()
        .into_iter()
        .map(|c| {
            let config: DetectConfig = serde_json::from_value(c.clone()).unwrap();
            let events = detect("m-1", &ts, &cols, training, detection, &config).unwrap();
            json!({"config": c, "events": events})
        })
        .collect();
    json!({
        "machine_id": "m-1",
        "time_us": ts,
        "energy_kwh": energy,
        "production": production,
        "outdoor_temp_c": temp,
        "training_us": [training.start, training.end],
        "detection_us": [detection.start, detection.end],
        "cases": cases,
    })
}

#[test]
fn anomaly_plant_fixture_is_the_cores_output() {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/anomaly_plant.json");
    let now = compute();
    if std::env::var_os("ENMS_WRITE_FIXTURES").is_some() {
        std::fs::create_dir_all(fixture.parent().unwrap()).unwrap();
        std::fs::write(&fixture, serde_json::to_string(&now).unwrap() + "\n").unwrap();
    }
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    assert_eq!(now, saved);
}
