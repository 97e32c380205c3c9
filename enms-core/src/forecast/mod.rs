//! Demand forecasting: the shared result type and the checks every forecaster applies.
//!
//! Two model families live here, and one result type serves both:
//! - [`arima`]: ARIMA(p,d,q)(P,D,Q)s with exogenous regressors, exact Gaussian maximum likelihood
//!   through the state-space (Kalman filter) form, and automatic order selection in the manner of
//!   Hyndman and Khandakar's `auto.arima` (statsforecast `AutoARIMA`): the next-hour model.
//! - [`seasonal`]: a decomposable regression for day- and week-ahead horizons (trend with change
//!   points, several Fourier seasonalities, day types from a shift calendar and holidays, regressors),
//!   fitted by penalised least squares, with a short autoregressive correction of its residuals.
//!
//! A forecast is a value: [`Forecast`] holds the future timestamps, the point forecast and one
//! [`PredictionInterval`] per requested level. Every model works on a regular grid (one step between
//! consecutive timestamps); [`regular_step`] checks it and names the first gap.

pub mod arima;
pub mod drift;
pub mod evaluate;
pub mod model;
pub mod peak;
pub mod seasonal;

pub use drift::{monitor_drift, DriftOptions, DriftReport};
pub use evaluate::{backtest, Accuracy, Backtest, BacktestOptions};
pub use model::{fit_forecaster, ForecastSpec, Forecaster};
pub use peak::{local_day, peak_forecast, PeakForecast, PeakOptions};
pub use seasonal::{SeasonalModel, SeasonalOptions, WorkCalendar};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::{format_rfc3339, Timestamp};

/// A prediction interval at one confidence level (e.g. 0.8 or 0.95).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionInterval {
    /// Nominal coverage in (0, 1).
    pub level: f64,
    /// Lower bound for each forecast step.
    pub lower: Vec<f64>,
    /// Upper bound for each forecast step.
    pub upper: Vec<f64>,
}

/// A forecast over the steps following the end of the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Start of each forecast step (UTC microseconds), on the training grid.
    pub timestamps: Vec<Timestamp>,
    /// Point forecast (the conditional mean) for each step.
    pub mean: Vec<f64>,
    /// One interval per requested level, in the order requested.
    pub intervals: Vec<PredictionInterval>,
}

impl Forecast {
    /// Number of forecast steps.
    pub fn len(&self) -> usize {
        self.mean.len()
    }

    /// True when the forecast has no steps.
    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }

    /// The interval at `level`, if it was requested.
    pub fn interval(&self, level: f64) -> Option<&PredictionInterval> {
        self.intervals
            .iter()
            .find(|i| (i.level - level).abs() < 1e-12)
    }
}

/// The step of a regular grid of timestamps, in microseconds.
///
/// Errors: fewer than two timestamps, timestamps out of order, or a gap or irregular step (named
/// with its index and both timestamps).
pub fn regular_step(column: &str, ts: &[Timestamp]) -> Result<i64> {
    crate::series::check_non_empty(column, ts.len(), 2)?;
    crate::series::check_sorted(column, ts)?;
    let step = ts[1] - ts[0];
    if step <= 0 {
        return Err(Error::DuplicateTimestamp {
            column: column.to_string(),
            index: 1,
            timestamp: format_rfc3339(ts[1]),
        });
    }
    for i in 2..ts.len() {
        if ts[i] - ts[i - 1] != step {
            return Err(Error::InvalidParameter {
                name: column.to_string(),
                reason: format!(
                    "timestamps must be a regular grid with step {} s: index {} ({}) follows index {} ({}); fill or drop the gap first",
                    step / 1_000_000,
                    i,
                    format_rfc3339(ts[i]),
                    i - 1,
                    format_rfc3339(ts[i - 1]),
                ),
            });
        }
    }
    Ok(step)
}

/// The energy per bucket of a rollup as a series to forecast: bucket starts and kWh, NaN where
/// the readings cover less than `min_coverage` (0..1) of the bucket, so a meter outage is a gap
/// and not a dip in demand.
pub fn energy_series(
    rollup: &crate::rollup::Rollup,
    min_coverage: f64,
) -> (Vec<Timestamp>, Vec<f64>) {
    let y = rollup
        .energy_kwh
        .iter()
        .zip(&rollup.covered_us)
        .zip(rollup.start.iter().zip(&rollup.end))
        .map(|((e, c), (s, t))| {
            let len = (t - s).max(1) as f64;
            if (*c as f64) / len >= min_coverage {
                *e
            } else {
                f64::NAN
            }
        })
        .collect();
    (rollup.start.clone(), y)
}

/// Check interval levels: each in (0, 1).
pub(crate) fn check_levels(levels: &[f64]) -> Result<()> {
    for &l in levels {
        if !(l > 0.0 && l < 1.0) {
            return Err(Error::InvalidParameter {
                name: "levels".to_string(),
                reason: format!("every interval level must lie in (0, 1), got {l}"),
            });
        }
    }
    Ok(())
}

/// The longest horizon a forecast takes, in steps (a year of 1-minute steps is 525,600). A
/// longer one is no forecast but a mistake, e.g. `-1` wrapped to an unsigned count on its way in.
pub const MAX_HORIZON: usize = 1_000_000;

/// Check a forecast horizon: at least one step, at most [`MAX_HORIZON`].
pub(crate) fn check_horizon(horizon: usize) -> Result<()> {
    if horizon == 0 {
        return Err(Error::InvalidParameter {
            name: "horizon".to_string(),
            reason: "the horizon must be at least one step".to_string(),
        });
    }
    if horizon > MAX_HORIZON {
        return Err(Error::InvalidParameter {
            name: "horizon".to_string(),
            reason: format!("at most {MAX_HORIZON} steps, got {horizon}"),
        });
    }
    Ok(())
}

/// Future timestamps: `horizon` steps after `last`.
pub(crate) fn future_timestamps(last: Timestamp, step: i64, horizon: usize) -> Vec<Timestamp> {
    (1..=horizon as i64).map(|k| last + k * step).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn regular_step_names_the_gap() {
        let h = 3_600_000_000;
        assert_eq!(regular_step("ts", &[0, h, 2 * h]).unwrap(), h);
        let err = regular_step("ts", &[0, h, 3 * h]).unwrap_err();
        assert!(err.to_string().contains("index 2"), "{err}");
        assert!(regular_step("ts", &[0]).is_err());
        assert!(regular_step("ts", &[0, 0]).is_err());
    }

    #[test]
    fn horizon_and_levels_are_checked() {
        assert!(check_horizon(0).is_err());
        assert!(check_horizon(MAX_HORIZON).is_ok());
        assert!(check_horizon(u32::MAX as usize).is_err());
        assert!(check_levels(&[0.8, 0.95]).is_ok());
        assert!(check_levels(&[1.0]).is_err());
        assert!(check_levels(&[f64::NAN]).is_err());
    }
}
