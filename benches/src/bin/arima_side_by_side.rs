//! The enms half of `benches/arima_statsforecast.py`: automatic ARIMA order selection (and the
//! fit of the chosen model) on every series of the ARIMA fixture, one JSON line per series.
//!
//! `arima_side_by_side FIXTURE_JSON [REPEATS] [THREADS]` (default 5 repeats, the best time is
//! reported; all cores unless THREADS is given)

use std::time::Instant;

use enms_core::forecast::arima::{auto_arima, AutoArimaOptions};
use serde_json::Value;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: arima_side_by_side FIXTURE_JSON [REPEATS] [THREADS]");
        std::process::exit(2);
    };
    let repeats: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let threads: Option<usize> = args.get(2).and_then(|s| s.parse().ok());
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let floats = |v: &Value| -> Vec<f64> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    let empty = Vec::new();
    for s in doc["series"].as_array().unwrap_or(&empty) {
        let name = s["name"].as_str().unwrap_or("?");
        let y = floats(&s["y"]);
        let t0 = s["t0"].as_i64().unwrap_or(0);
        let step = s["step"].as_i64().unwrap_or(3_600_000_000);
        let ts: Vec<i64> = (0..y.len() as i64).map(|i| t0 + i * step).collect();
        let xcol = floats(&s["xreg"]);
        let xname = s["xreg_name"].as_str().unwrap_or("x");
        let xreg: Vec<(&str, &[f64])> = if xcol.is_empty() {
            vec![]
        } else {
            vec![(xname, xcol.as_slice())]
        };
        let opts = AutoArimaOptions {
            season_length: s["s"].as_u64().unwrap_or(1) as usize,
            n_jobs: threads,
            ..Default::default()
        };
        let mut best = f64::INFINITY;
        let mut order = String::new();
        for _ in 0..repeats.max(1) {
            let t = Instant::now();
            let m = auto_arima(&ts, &y, &xreg, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
            best = best.min(t.elapsed().as_secs_f64());
            order = m.order().to_string();
        }
        println!(
            "{{\"series\":\"{name}\",\"n\":{},\"order\":\"{order}\",\"seconds\":{best}}}",
            y.len()
        );
    }
}
