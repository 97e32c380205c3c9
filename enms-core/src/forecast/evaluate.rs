//! Forecast accuracy and the rolling-origin backtest.
//!
//! Metrics follow Hyndman and Koehler (2006) and the conventions of statsforecast's
//! `utilsforecast.losses`:
//!
//! ```text
//! MAE  = mean |y - yhat|            RMSE = sqrt(mean (y - yhat)^2)       bias = mean (yhat - y)
//! MASE = MAE / MAE_naive,  MAE_naive = mean over the training data of |y(t) - y(t - m)|
//! coverage(level) = share of actual values inside the level's prediction interval
//! ```
//!
//! where `m` is the season length (one day of steps by default), so a MASE below 1 beats the
//! seasonal naive forecast made in-sample. Missing actual values (NaN) are left out.
//!
//! The backtest (time-series cross-validation with a rolling origin) fits the model on the
//! history up to each origin, forecasts the next `horizon` steps, and scores them against what
//! happened. The last window ends at the end of the data; earlier windows step back by `stride`.
//! Regressors take their actual values in the forecast windows (as in statsforecast's
//! `cross_validation` with `X_df`): the score measures the model, not the regressors' forecasts.
//! The overall MAE, RMSE, bias and coverage pool all windows' steps; the overall MASE is the mean
//! of the windows' MASEs (each scaled by its own training data).

use serde::{Deserialize, Serialize};

use super::model::{fit_forecaster, ForecastSpec};
use super::{check_horizon, check_levels, regular_step, Forecast};
use crate::error::{Error, Result};
use crate::time::{Timestamp, MICROS_PER_DAY};

/// Share of actual values inside one prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalCoverage {
    /// Nominal level of the interval.
    pub level: f64,
    /// Observed share of actual values inside it.
    pub coverage: f64,
}

/// Accuracy of a forecast against what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    /// Number of scored steps (actual values present).
    pub n: usize,
    /// Mean absolute error.
    #[serde(with = "crate::stats::nonfinite")]
    pub mae: f64,
    /// Root mean squared error.
    #[serde(with = "crate::stats::nonfinite")]
    pub rmse: f64,
    /// Mean absolute scaled error (MAE over the in-sample seasonal naive MAE).
    #[serde(with = "crate::stats::nonfinite")]
    pub mase: f64,
    /// Mean of forecast minus actual (positive: the forecast was too high).
    #[serde(with = "crate::stats::nonfinite")]
    pub bias: f64,
    /// Coverage of each prediction interval.
    pub coverage: Vec<IntervalCoverage>,
}

/// Mean absolute difference between values `season` steps apart (NaN pairs skipped): the
/// in-sample error of the seasonal naive forecast, MASE's scale.
pub fn seasonal_naive_mae(train: &[f64], season: usize) -> Result<f64> {
    if season == 0 {
        return Err(Error::InvalidParameter {
            name: "season_length".to_string(),
            reason: "must be at least 1".to_string(),
        });
    }
    let (mut sum, mut n) = (0.0, 0usize);
    for i in season..train.len() {
        let d = train[i] - train[i - season];
        if d.is_finite() {
            sum += d.abs();
            n += 1;
        }
    }
    if n == 0 {
        return Err(Error::EmptySeries {
            column: "y".to_string(),
            needed: season + 1,
        });
    }
    Ok(sum / n as f64)
}

/// Score a forecast against the actual values of its steps. `scale` is MASE's denominator
/// (see [`seasonal_naive_mae`]).
pub fn accuracy(actual: &[f64], forecast: &Forecast, scale: f64) -> Result<Accuracy> {
    crate::series::check_len("actual", forecast.len(), actual.len())?;
    let mut st = Pooled::new(forecast);
    st.add(actual, forecast);
    let mut acc = st.finish();
    acc.mase = acc.mae / scale;
    Ok(acc)
}

/// Running sums for pooled metrics.
struct Pooled {
    n: usize,
    abs: f64,
    sq: f64,
    err: f64,
    inside: Vec<(f64, usize)>,
}

impl Pooled {
    fn new(f: &Forecast) -> Self {
        Pooled {
            n: 0,
            abs: 0.0,
            sq: 0.0,
            err: 0.0,
            inside: f.intervals.iter().map(|i| (i.level, 0)).collect(),
        }
    }

    fn add(&mut self, actual: &[f64], f: &Forecast) {
        for (i, (&a, &m)) in actual.iter().zip(&f.mean).enumerate() {
            if !a.is_finite() {
                continue;
            }
            let e = m - a;
            self.n += 1;
            self.abs += e.abs();
            self.sq += e * e;
            self.err += e;
            for (slot, iv) in self.inside.iter_mut().zip(&f.intervals) {
                if iv.lower[i] <= a && a <= iv.upper[i] {
                    slot.1 += 1;
                }
            }
        }
    }

    fn finish(&self) -> Accuracy {
        let n = self.n as f64;
        let div = |x: f64| if self.n > 0 { x / n } else { f64::NAN };
        Accuracy {
            n: self.n,
            mae: div(self.abs),
            rmse: div(self.sq).sqrt(),
            mase: f64::NAN,
            bias: div(self.err),
            coverage: self
                .inside
                .iter()
                .map(|&(level, k)| IntervalCoverage {
                    level,
                    coverage: div(k as f64),
                })
                .collect(),
        }
    }
}

/// Options of a rolling-origin backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BacktestOptions {
    /// Steps forecast from each origin.
    pub horizon: usize,
    /// Number of forecast windows.
    pub windows: usize,
    /// Steps between consecutive origins (0 = the horizon: windows side by side).
    pub stride: usize,
    /// Interval levels whose coverage is reported.
    pub levels: Vec<f64>,
    /// MASE's season length in steps (0 = one day of steps, or 1 for daily or coarser data).
    pub season_length: usize,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            horizon: 24,
            windows: 4,
            stride: 0,
            levels: vec![0.8, 0.95],
            season_length: 0,
        }
    }
}

/// One backtest window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestWindow {
    /// Timestamp of the first forecast step.
    pub origin: Timestamp,
    /// Training observations (steps) before the origin.
    pub train_len: usize,
    /// Which model was fitted (e.g. `seasonal`, `arima(1,0,1)(1,1,0)[24]`).
    pub model: String,
    /// The window's accuracy.
    pub accuracy: Accuracy,
    /// The window's forecast.
    pub forecast: Forecast,
}

/// The result of a backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// The windows, oldest first.
    pub windows: Vec<BacktestWindow>,
    /// Pooled accuracy over all windows (MASE: mean of the windows').
    pub overall: Accuracy,
}

/// Season length in steps for a grid step: one day, or 1 for daily or coarser data.
pub fn default_season_length(step_us: i64) -> usize {
    if step_us >= MICROS_PER_DAY || step_us <= 0 {
        1
    } else {
        (MICROS_PER_DAY / step_us) as usize
    }
}

/// Rolling-origin backtest of a forecasting model on a regular series.
pub fn backtest(
    ts: &[Timestamp],
    y: &[f64],
    regressors: &[(&str, &[f64])],
    spec: &ForecastSpec,
    options: &BacktestOptions,
) -> Result<Backtest> {
    check_horizon(options.horizon)?;
    check_levels(&options.levels)?;
    let step = regular_step("timestamps", ts)?;
    crate::series::check_len("y", ts.len(), y.len())?;
    if options.windows == 0 {
        return Err(Error::InvalidParameter {
            name: "windows".to_string(),
            reason: "at least one backtest window is needed".to_string(),
        });
    }
    let stride = if options.stride == 0 {
        options.horizon
    } else {
        options.stride
    };
    let season = if options.season_length == 0 {
        default_season_length(step)
    } else {
        options.season_length
    };
    let n = ts.len();
    let back = options.horizon + (options.windows - 1) * stride;
    if back + season + 1 > n {
        return Err(Error::InvalidParameter {
            name: "windows".to_string(),
            reason: format!(
                "{} windows of {} steps (stride {stride}) need more than {back} steps of data plus history to train on; the series has {n}",
                options.windows, options.horizon
            ),
        });
    }
    let mut windows = Vec::with_capacity(options.windows);
    let mut mases = Vec::with_capacity(options.windows);
    let mut pooled: Option<Pooled> = None;
    for w in 0..options.windows {
        let origin = n - back + w * stride;
        let end = origin + options.horizon;
        let train_regs: Vec<(&str, &[f64])> =
            regressors.iter().map(|(k, v)| (*k, &v[..origin])).collect();
        for (k, v) in regressors {
            crate::series::check_len(k, n, v.len())?;
        }
        let model = fit_forecaster(
            &ts[..origin],
            &y[..origin],
            &train_regs,
            spec,
            options.horizon,
        )?;
        let future: Vec<(&str, &[f64])> = regressors
            .iter()
            .map(|(k, v)| (*k, &v[origin..end]))
            .collect();
        let forecast = model.forecast(options.horizon, &future, &options.levels)?;
        let scale = seasonal_naive_mae(&y[..origin], season)?;
        let accuracy = accuracy(&y[origin..end], &forecast, scale)?;
        if accuracy.mase.is_finite() {
            mases.push(accuracy.mase);
        }
        pooled
            .get_or_insert_with(|| Pooled::new(&forecast))
            .add(&y[origin..end], &forecast);
        windows.push(BacktestWindow {
            origin: ts[origin],
            train_len: origin,
            model: model.describe(),
            accuracy,
            forecast,
        });
    }
    let mut overall = pooled
        .map(|p| p.finish())
        .ok_or_else(|| Error::EmptySeries {
            column: "windows".to_string(),
            needed: 1,
        })?;
    overall.mase = if mases.is_empty() {
        f64::NAN
    } else {
        mases.iter().sum::<f64>() / mases.len() as f64
    };
    Ok(Backtest { windows, overall })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::forecast::PredictionInterval;

    #[test]
    fn metrics_by_hand() {
        let f = Forecast {
            timestamps: vec![0, 1, 2, 3],
            mean: vec![1.0, 2.0, 3.0, 4.0],
            intervals: vec![PredictionInterval {
                level: 0.8,
                lower: vec![0.0, 1.5, 3.5, 3.0],
                upper: vec![2.0, 2.5, 4.0, 5.0],
            }],
        };
        let actual = [2.0, 2.0, 1.0, f64::NAN];
        let a = accuracy(&actual, &f, 2.0).unwrap();
        assert_eq!(a.n, 3);
        assert!((a.mae - 1.0).abs() < 1e-12);
        assert!((a.rmse - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((a.mase - 0.5).abs() < 1e-12);
        assert!((a.bias - 1.0 / 3.0).abs() < 1e-12);
        assert!((a.coverage[0].coverage - 2.0 / 3.0).abs() < 1e-12);
        assert!((seasonal_naive_mae(&[1.0, 2.0, 4.0, 4.0], 2).unwrap() - 2.5).abs() < 1e-12);
        assert!(seasonal_naive_mae(&[1.0], 2).is_err());
        assert!(seasonal_naive_mae(&[1.0, 2.0], 0).is_err());
        assert!(accuracy(&[1.0], &f, 1.0).is_err());
    }
}
