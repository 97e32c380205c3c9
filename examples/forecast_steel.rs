//! Tomorrow's and next week's demand of a real plant: the UCI steel industry data (2018, hourly
//! energy from 15-minute readings), forecast with enms's seasonal model and the plant's calendar,
//! backtested over the last four weeks, with tomorrow's peak and the hours at risk of exceeding a
//! contracted 350 kWh per hour.
//!
//! `cargo run -p enms-core --example forecast_steel`

#[path = "../enms-core/tests/common/mod.rs"]
mod common;

use chrono::NaiveDate;
use enms_core::forecast::{
    backtest, fit_forecaster, local_day, peak_forecast, BacktestOptions, ForecastSpec, PeakOptions,
    SeasonalOptions,
};
use enms_core::time::{format_rfc3339, MICROS_PER_HOUR};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (ts, kwh) = common::steel_hourly();
    let mut options = SeasonalOptions::default();
    options.calendar.time_zone = "Asia/Seoul".into();
    for d in common::STEEL_DAYS_OFF {
        options
            .calendar
            .holidays
            .push(NaiveDate::parse_from_str(d, "%Y-%m-%d")?);
    }
    let spec = ForecastSpec::Seasonal(options);

    // How good is it a week ahead? Four rolling windows at the end of the year.
    let week = BacktestOptions {
        horizon: 168,
        windows: 4,
        ..Default::default()
    };
    let bt = backtest(&ts, &kwh, &[], &spec, &week)?;
    println!(
        "week ahead, last 4 weeks: MAE {:.1} kWh, MASE {:.3}, 95 % interval coverage {:.2}",
        bt.overall.mae, bt.overall.mase, bt.overall.coverage[1].coverage
    );

    // Tomorrow, seen from Wednesday 2018-11-14 at midnight.
    let tomorrow = NaiveDate::from_ymd_opt(2018, 11, 15).ok_or("date")?;
    let (start, end) = local_day(tomorrow, "Asia/Seoul")?;
    let origin = ts
        .iter()
        .position(|&t| t == start - 24 * MICROS_PER_HOUR)
        .ok_or("origin")?;
    let model = fit_forecaster(&ts[..origin], &kwh[..origin], &[], &spec, 48)?;
    let fc = model.forecast(48, &[], &[0.8, 0.95])?;
    let peak = peak_forecast(
        &fc,
        start,
        end,
        &PeakOptions {
            threshold: Some(350.0),
            ..Default::default()
        },
    )?;
    println!(
        "{tomorrow}: peak {:.0} kWh/h at {} (95 % bound {:.0}); {} hours at risk above 350:",
        peak.peak,
        format_rfc3339(peak.peak_at),
        peak.peak_upper,
        peak.at_risk.len()
    );
    for r in &peak.at_risk {
        println!(
            "  {}  forecast {:>5.0}  P(> 350) = {:.2}",
            format_rfc3339(r.timestamp),
            r.mean,
            r.probability
        );
    }
    Ok(())
}
