//! The enms half of `benches/eemeter_changepoint.py`: fits the daily change-point model to the
//! raw arrays `DIR/temp_c.f64` and `DIR/energy.f64`, writes the in-sample predictions to
//! `DIR/pred.f64` and prints one JSON line (model, balance points, best-of-N seconds).
//!
//! `changepoint_side_by_side DIR [REPEATS]`

use std::time::Instant;

use enms_core::baseline::{fit_change_point, ChangePointOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: changepoint_side_by_side DIR [REPEATS]");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    let repeats: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20);
    let read = |name: &str| -> Vec<f64> {
        enms_benches::read_f64(dir, name).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let (temp, energy) = (read("temp_c"), read("energy"));
    let mut best = f64::INFINITY;
    let mut model = None;
    for _ in 0..repeats {
        let t0 = Instant::now();
        let m = fit_change_point(&temp, &energy, &ChangePointOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        best = best.min(t0.elapsed().as_secs_f64());
        model = Some(m);
    }
    let Some(m) = model else { return };
    let pred = m.predict(&temp).unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = enms_benches::write_f64(dir, "pred", &pred) {
        eprintln!("cannot write predictions: {e}");
        std::process::exit(1);
    }
    let opt = |v: Option<f64>| v.map_or_else(|| "null".to_string(), |x| x.to_string());
    println!(
        "{{\"model\":\"{}\",\"heating_balance_c\":{},\"cooling_balance_c\":{},\"cv_rmse_pct\":{},\"seconds\":{best}}}",
        m.kind.as_str(),
        opt(m.heating_balance_c),
        opt(m.cooling_balance_c),
        m.fit.cv_rmse_pct
    );
}
