//! The enms half of `benches/forecast_side_by_side.py`: a rolling-origin backtest of an enms
//! forecasting model on a regular series given as raw arrays.
//!
//! `forecast_side_by_side DIR HORIZON WINDOWS [MODEL] [SPEC_JSON]`
//!
//! Reads `DIR/ts_us.i64` (UTC microseconds), `DIR/y.f64` and every `DIR/reg_<name>.f64` as a
//! regressor; `MODEL` is a `ForecastSpec` tag (`auto`, `seasonal`; default `seasonal`) and
//! `SPEC_JSON` optional options for it (e.g. a calendar with holidays). Writes the windows'
//! forecasts to `DIR/enms_mean.f64`, `DIR/enms_lo80.f64`, `DIR/enms_hi80.f64`, `DIR/enms_lo95.f64`,
//! `DIR/enms_hi95.f64` (windows x horizon, oldest window first) and prints one JSON line with the
//! backtest's accuracy and the time of one fit on the longest window's history (best of 5).

use std::time::Instant;

use enms_core::forecast::{backtest, fit_forecaster, BacktestOptions, ForecastSpec};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: forecast_side_by_side DIR HORIZON WINDOWS [MODEL] [SPEC_JSON]");
        std::process::exit(2);
    }
    let dir = std::path::Path::new(&args[0]);
    let horizon: usize = args[1].parse().unwrap_or_else(|e| panic!("HORIZON: {e}"));
    let windows: usize = args[2].parse().unwrap_or_else(|e| panic!("WINDOWS: {e}"));
    let model = args.get(3).map_or("seasonal", String::as_str);
    let options = args.get(4).map_or("{}", String::as_str);
    let spec_json = if options.trim() == "{}" || model == "auto" {
        format!("{{\"model\":\"{model}\"}}")
    } else {
        let body = options.trim().trim_start_matches('{');
        format!("{{\"model\":\"{model}\",{body}")
    };
    let spec: ForecastSpec =
        serde_json::from_str(&spec_json).unwrap_or_else(|e| panic!("spec {spec_json}: {e}"));
    let ts = enms_benches::read_i64(dir, "ts_us").unwrap_or_else(|e| panic!("ts_us.i64: {e}"));
    let y = enms_benches::read_f64(dir, "y").unwrap_or_else(|e| panic!("y.f64: {e}"));
    let mut regs: Vec<(String, Vec<f64>)> = Vec::new();
    for entry in std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(n) = name
            .strip_prefix("reg_")
            .and_then(|n| n.strip_suffix(".f64"))
        {
            let values = enms_benches::read_f64(dir, &format!("reg_{n}"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            regs.push((n.to_string(), values));
        }
    }
    regs.sort_by(|a, b| a.0.cmp(&b.0));
    let reg_refs: Vec<(&str, &[f64])> = regs.iter().map(|(n, v)| (n.as_str(), &v[..])).collect();
    let options = BacktestOptions {
        horizon,
        windows,
        ..Default::default()
    };
    let bt = backtest(&ts, &y, &reg_refs, &spec, &options).unwrap_or_else(|e| panic!("{e}"));
    let mut out: [Vec<f64>; 5] = Default::default();
    for w in &bt.windows {
        out[0].extend(&w.forecast.mean);
        for (k, level) in [0.8, 0.95].iter().enumerate() {
            if let Some(iv) = w.forecast.interval(*level) {
                out[1 + 2 * k].extend(&iv.lower);
                out[2 + 2 * k].extend(&iv.upper);
            }
        }
    }
    for (name, v) in [
        "enms_mean",
        "enms_lo80",
        "enms_hi80",
        "enms_lo95",
        "enms_hi95",
    ]
    .iter()
    .zip(&out)
    {
        if let Err(e) = enms_benches::write_f64(dir, name, v) {
            eprintln!("cannot write {name}: {e}");
            std::process::exit(1);
        }
    }
    // Time one fit on the last window's history.
    let origin = bt.windows.last().map_or(0, |w| w.train_len);
    let train_regs: Vec<(&str, &[f64])> = regs
        .iter()
        .map(|(n, v)| (n.as_str(), &v[..origin]))
        .collect();
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t0 = Instant::now();
        let m = fit_forecaster(&ts[..origin], &y[..origin], &train_regs, &spec, horizon)
            .unwrap_or_else(|e| panic!("{e}"));
        best = best.min(t0.elapsed().as_secs_f64());
        std::hint::black_box(m);
    }
    let models: Vec<String> = bt.windows.iter().map(|w| w.model.clone()).collect();
    println!(
        "{{\"mae\":{},\"rmse\":{},\"mase\":{},\"coverage80\":{},\"coverage95\":{},\"fit_seconds\":{best},\"train_len\":{origin},\"models\":{:?}}}",
        bt.overall.mae,
        bt.overall.rmse,
        bt.overall.mase,
        bt.overall.coverage.first().map_or(f64::NAN, |c| c.coverage),
        bt.overall.coverage.get(1).map_or(f64::NAN, |c| c.coverage),
        models
    );
}
