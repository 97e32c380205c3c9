//! Forecasting on the real steel plant load: week-ahead backtest of the seasonal model against the
//! figures statsforecast and Prophet reach on the same windows, peak forecast and drift monitor.
//!
//! Reference figures from `benches/forecast_side_by_side.py --only steel` (statsforecast 2.1.1
//! MSTL(season_length=[24, 168], trend_forecaster=AutoARIMA()), Prophet 1.5.0 with daily and weekly
//! seasonality and the same days off as holidays), last 4 weeks of 2018, 168 h windows, MASE with
//! m = 24 averaged over windows: MSTL+AutoARIMA 0.649, Prophet 0.993.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::NaiveDate;
use enms_core::forecast::{
    backtest, fit_forecaster, local_day, monitor_drift, peak_forecast, BacktestOptions,
    DriftOptions, ForecastSpec, PeakOptions, SeasonalOptions,
};
use enms_core::time::MICROS_PER_HOUR;

const MSTL_AUTOARIMA_MASE: f64 = 0.649;
const PROPHET_MASE: f64 = 0.993;

fn spec() -> ForecastSpec {
    let mut o = SeasonalOptions::default();
    o.calendar.time_zone = "Asia/Seoul".to_string();
    o.calendar.holidays = common::STEEL_DAYS_OFF
        .iter()
        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap())
        .collect();
    ForecastSpec::Seasonal(o)
}

#[test]
fn week_ahead_beats_mstl_and_prophet_on_the_steel_plant() {
    let (ts, y) = common::steel_hourly();
    assert_eq!(ts.len(), 8760);
    let options = BacktestOptions {
        horizon: 168,
        windows: 4,
        ..Default::default()
    };
    let bt = backtest(&ts, &y, &[], &spec(), &options).unwrap();
    let o = &bt.overall;
    println!(
        "steel week-ahead: MAE {:.1} RMSE {:.1} MASE {:.3} coverage80 {:.2} coverage95 {:.2}",
        o.mae, o.rmse, o.mase, o.coverage[0].coverage, o.coverage[1].coverage
    );
    assert_eq!(bt.windows.len(), 4);
    assert_eq!(o.n, 4 * 168);
    assert!(o.mase < MSTL_AUTOARIMA_MASE, "MASE {}", o.mase);
    assert!(o.mase < PROPHET_MASE, "MASE {}", o.mase);
    assert!(
        o.coverage[1].coverage > 0.85,
        "95 % coverage {}",
        o.coverage[1].coverage
    );
    assert!(o.coverage[0].coverage < o.coverage[1].coverage);
}

#[test]
fn tomorrow_peak_and_drift_on_the_steel_plant() {
    let (ts, y) = common::steel_hourly();
    // Train until Wednesday 2018-11-14 00:00 local, forecast Thursday.
    let (day_start, day_end) =
        local_day(NaiveDate::from_ymd_opt(2018, 11, 15).unwrap(), "Asia/Seoul").unwrap();
    let origin = ts
        .iter()
        .position(|&t| t == day_start - 24 * MICROS_PER_HOUR)
        .unwrap();
    let model = fit_forecaster(&ts[..origin], &y[..origin], &[], &spec(), 48).unwrap();
    let fc = model.forecast(48, &[], &[0.8, 0.95]).unwrap();
    // A contracted demand of 350 kWh/h: which hours are at risk, and were the hours that did
    // exceed it among them?
    let actual = &y[origin + 24..origin + 48];
    let actual_peak = actual.iter().cloned().fold(f64::MIN, f64::max);
    let threshold = 350.0;
    let peak = peak_forecast(
        &fc,
        day_start,
        day_end,
        &PeakOptions {
            threshold: Some(threshold),
            ..Default::default()
        },
    )
    .unwrap();
    let upper_max = fc.interval(0.95).unwrap().upper[24..48]
        .iter()
        .cloned()
        .fold(f64::MIN, f64::max);
    println!(
        "peak {:.1} at {} (actual {actual_peak:.1}, highest 95 % bound {upper_max:.1}); {} steps at risk",
        peak.peak,
        enms_core::time::format_rfc3339(peak.peak_at),
        peak.at_risk.len()
    );
    // The peak falls in the day shift (08:00-18:00 local = 23:00-09:00 UTC).
    let local_hour = (peak.peak_at - day_start) / MICROS_PER_HOUR;
    assert!(
        (8..18).contains(&local_hour),
        "peak at local hour {local_hour}"
    );
    assert!(actual_peak <= upper_max);
    for (h, v) in actual.iter().enumerate() {
        if *v > threshold {
            let t = day_start + h as i64 * MICROS_PER_HOUR;
            assert!(
                peak.at_risk.iter().any(|r| r.timestamp == t),
                "hour {h} exceeded {threshold} ({v}) but was not flagged"
            );
        }
    }
    assert!(peak.at_risk.iter().all(|r| r.probability >= 0.1));
    assert!(peak.expected_exceedances > 0.0);

    // Drift, with weekly windows: the reference is the week-ahead backtest error before the
    // origin; the next two weeks are in line with it, the same weeks with the plant's load 40 %
    // higher are not.
    let weekly = BacktestOptions {
        horizon: 168,
        windows: 4,
        ..Default::default()
    };
    let bt = backtest(&ts[..origin], &y[..origin], &[], &spec(), &weekly).unwrap();
    let two_weeks = fit_forecaster(&ts[..origin], &y[..origin], &[], &spec(), 336)
        .unwrap()
        .forecast(336, &[], &[0.9])
        .unwrap();
    let actual = &y[origin..origin + 336];
    let options = DriftOptions {
        window: 168,
        patience: 2,
        ..Default::default()
    };
    let ok = monitor_drift(
        &two_weeks.timestamps,
        actual,
        &two_weeks.mean,
        bt.overall.mae,
        &options,
    )
    .unwrap();
    let ratios: Vec<String> = ok
        .windows
        .iter()
        .map(|w| format!("{:.2}/{:+.2}", w.ratio, w.bias))
        .collect();
    println!(
        "reference MAE {:.1}; weekly MAE ratio/bias {}",
        bt.overall.mae,
        ratios.join(" ")
    );
    assert!(!ok.retrain, "{:?}", ok.reason);
    let shifted: Vec<f64> = actual.iter().map(|v| v * 1.4).collect();
    let bad = monitor_drift(
        &two_weeks.timestamps,
        &shifted,
        &two_weeks.mean,
        bt.overall.mae,
        &options,
    )
    .unwrap();
    println!("shifted: {:?}", bad.reason);
    assert!(bad.retrain);
    assert_eq!(bad.since, Some(two_weeks.timestamps[0]));
}

#[test]
fn bad_input_is_typed() {
    let (ts, y) = common::steel_hourly();
    // A regressor with NaN.
    let mut temp = vec![10.0; 24 * 30];
    temp[17] = f64::NAN;
    let err = fit_forecaster(&ts[..720], &y[..720], &[("temp_c", &temp)], &spec(), 24).unwrap_err();
    assert!(
        matches!(err, enms_core::Error::NonFinite { index: 17, .. }),
        "{err}"
    );
    // Too short for an explicit weekly seasonality.
    let short = ForecastSpec::Seasonal(SeasonalOptions {
        weekly_order: Some(3),
        ..Default::default()
    });
    let err = fit_forecaster(&ts[..24 * 10], &y[..24 * 10], &[], &short, 24).unwrap_err();
    assert!(err.to_string().contains("weekly"), "{err}");
    // Horizon zero.
    let m = fit_forecaster(&ts[..720], &y[..720], &[], &spec(), 24).unwrap();
    assert!(m.forecast(0, &[], &[0.9]).is_err());
    // More windows than data.
    let o = BacktestOptions {
        horizon: 168,
        windows: 60,
        ..Default::default()
    };
    assert!(backtest(&ts, &y, &[], &spec(), &o).is_err());
}

#[test]
fn next_hour_picks_arima_and_beats_seasonal_naive() {
    let (ts, y) = common::steel_hourly();
    // The last five weeks, hour-ahead forecasts over the last six hours (each window runs the
    // whole automatic selection; debug builds make it slow).
    let n = ts.len();
    let (ts, y) = (&ts[n - 840..], &y[n - 840..]);
    let options = BacktestOptions {
        horizon: 1,
        windows: 6,
        stride: 1,
        ..Default::default()
    };
    let bt = backtest(ts, y, &[], &ForecastSpec::default(), &options).unwrap();
    let models: std::collections::BTreeSet<&str> =
        bt.windows.iter().map(|w| w.model.as_str()).collect();
    println!(
        "next hour: MAE {:.1} MASE {:.3} coverage95 {:.2}; models {models:?}",
        bt.overall.mae, bt.overall.mase, bt.overall.coverage[1].coverage
    );
    assert!(models.iter().all(|m| m.starts_with("ARIMA")), "{models:?}");
    assert!(bt.overall.mase < 1.0, "MASE {}", bt.overall.mase);
}
