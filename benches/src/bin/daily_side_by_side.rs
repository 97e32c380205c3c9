//! The enms half of `benches/eemeter_changepoint.py` for the daily model: fits
//! `enms_core::baseline::fit_daily` to the raw arrays `DIR/ts_us.i64` (start of each day, UTC
//! microseconds), `DIR/temp_c.f64` and `DIR/energy.f64`, writes the in-sample predictions to
//! `DIR/pred.f64` and prints the fitted model as one JSON line, with the best-of-N fit time in
//! `seconds`.
//!
//! `daily_side_by_side DIR [REPEATS]`

use std::time::Instant;

use enms_core::baseline::{fit_daily, DailyOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: daily_side_by_side DIR [REPEATS]");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    let repeats: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20);
    let temp = enms_benches::read_f64(dir, "temp_c").unwrap_or_else(|e| panic!("temp_c: {e}"));
    let energy = enms_benches::read_f64(dir, "energy").unwrap_or_else(|e| panic!("energy: {e}"));
    let ts = enms_benches::read_i64(dir, "ts_us").unwrap_or_else(|e| panic!("ts_us: {e}"));
    let options = DailyOptions::default();
    let mut best = f64::INFINITY;
    let mut model = None;
    for _ in 0..repeats.max(1) {
        let t0 = Instant::now();
        let m = fit_daily(&ts, &temp, &energy, &options).unwrap_or_else(|e| panic!("{e}"));
        best = best.min(t0.elapsed().as_secs_f64());
        model = Some(m);
    }
    let Some(mut m) = model else { return };
    let pred = m.predict(&ts, &temp).unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = enms_benches::write_f64(dir, "pred", &pred) {
        eprintln!("cannot write predictions: {e}");
        std::process::exit(1);
    }
    m.candidates.truncate(40);
    let mut json = serde_json::to_value(&m).unwrap_or_else(|e| panic!("{e}"));
    json["seconds"] = serde_json::json!(best);
    println!("{json}");
}
