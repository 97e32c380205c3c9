//! The enms half of `benches/ols_statsmodels.py`: writes the regression data set (1 M rows x 5
//! drivers by default) for the script, or times enms' OLS with full statistics on it and prints
//! one JSON line.
//!
//! `ols_side_by_side write DIR [ROWS]` | `ols_side_by_side fit DIR [REPEATS]`

use std::time::Instant;

use enms_core::stats::{ols, OlsOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("usage: ols_side_by_side write|fit DIR [ROWS|REPEATS]");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    let count: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    if cmd == "write" {
        let (y, x) = enms_benches::regression_data(if count > 0 { count } else { 1_000_000 });
        let res = enms_benches::write_f64(dir, "y", &y).and_then(|_| {
            x.iter()
                .enumerate()
                .try_for_each(|(k, c)| enms_benches::write_f64(dir, &format!("x{k}"), c))
        });
        if let Err(e) = res {
            eprintln!("cannot write {}: {e}", dir.display());
            std::process::exit(1);
        }
        return;
    }
    let read = |name: &str| -> Vec<f64> {
        enms_benches::read_f64(dir, name).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let y = read("y");
    let x: Vec<Vec<f64>> = (0..5).map(|k| read(&format!("x{k}"))).collect();
    let names = ["production", "degree_days", "hours", "moisture", "pressure"];
    let drivers: Vec<(&str, &[f64])> = names
        .iter()
        .zip(&x)
        .map(|(n, c)| (*n, c.as_slice()))
        .collect();
    let repeats = if count > 0 { count } else { 5 };
    let mut best = f64::INFINITY;
    let mut r2 = 0.0;
    for _ in 0..repeats {
        let t0 = Instant::now();
        let fit = ols(&y, &drivers, &OlsOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        best = best.min(t0.elapsed().as_secs_f64());
        r2 = fit.r_squared;
    }
    println!(
        "{{\"tool\":\"enms\",\"rows\":{},\"r_squared\":{r2},\"seconds\":{best}}}",
        y.len()
    );
}
