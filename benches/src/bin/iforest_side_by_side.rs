//! The enms half of `benches/iforest_sklearn.py`: writes a 4-column data set (1 M rows by
//! default) for the script, or times enms' isolation forest fit + score_samples on it and prints
//! one JSON line.
//!
//! `iforest_side_by_side write DIR [ROWS]` | `iforest_side_by_side fit DIR [REPEATS] [THREADS]`

use std::time::Instant;

use enms_core::anomaly::{IsolationForest, IsolationForestParams};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cmd), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("usage: iforest_side_by_side write|fit DIR [ROWS|REPEATS] [THREADS]");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    let count: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    if cmd == "write" {
        // the regression generator's drivers: four columns of mixed scale
        let (_, x) = enms_benches::regression_data(if count > 0 { count } else { 1_000_000 });
        let res = x
            .iter()
            .take(4)
            .enumerate()
            .try_for_each(|(k, c)| enms_benches::write_f64(dir, &format!("x{k}"), c));
        if let Err(e) = res {
            eprintln!("cannot write {}: {e}", dir.display());
            std::process::exit(1);
        }
        return;
    }
    let read = |name: &str| -> Vec<f64> {
        enms_benches::read_f64(dir, name).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let x: Vec<Vec<f64>> = (0..4).map(|k| read(&format!("x{k}"))).collect();
    let cols = enms_benches::named_columns(&["x0", "x1", "x2", "x3"], &x);
    let repeats = if count > 0 { count } else { 3 };
    let threads: Option<usize> = args.get(3).and_then(|s| s.parse().ok());
    let params = IsolationForestParams {
        random_state: 0,
        n_jobs: threads,
        ..IsolationForestParams::default()
    };
    let mut best = f64::INFINITY;
    let mut mean = 0.0;
    for _ in 0..repeats {
        let t0 = Instant::now();
        let f = IsolationForest::fit(&cols, &params).unwrap_or_else(|e| panic!("{e}"));
        let s = f.score_samples(&cols).unwrap_or_else(|e| panic!("{e}"));
        best = best.min(t0.elapsed().as_secs_f64());
        mean = s.iter().sum::<f64>() / s.len() as f64;
    }
    let t = threads.map_or_else(|| "all".to_string(), |t| t.to_string());
    println!(
        "{{\"tool\":\"enms\",\"threads\":\"{t}\",\"rows\":{},\"mean_score\":{mean},\"seconds\":{best}}}",
        x[0].len()
    );
}
