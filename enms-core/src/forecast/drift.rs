//! Model monitoring: is a deployed forecast model still as good as when it was trained?
//!
//! The reference is the model's out-of-sample error at training time (the backtest MAE). The
//! live errors `e = forecast - actual` are cut into consecutive windows of `window` steps; each
//! window reports
//!
//! ```text
//! ratio = MAE_window / MAE_reference          bias = mean(e) / MAE_reference
//! ```
//!
//! A window drifts when `ratio > max_ratio` (the model got less accurate) or `|bias| > max_bias`
//! (it is systematically off: a new machine, a changed process). The model is flagged for
//! retraining when the last `patience` windows all drift; `since` is the start of that run of
//! drifting windows. Windows with fewer than half their steps observed are reported but never
//! drift.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::Timestamp;

/// Options of the drift monitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DriftOptions {
    /// Steps per monitoring window (e.g. 24 for a day of hourly forecasts).
    pub window: usize,
    /// Largest tolerated MAE ratio to the reference.
    pub max_ratio: f64,
    /// Largest tolerated |mean error| as a share of the reference MAE.
    pub max_bias: f64,
    /// Consecutive drifting windows that flag the model.
    pub patience: usize,
}

impl Default for DriftOptions {
    fn default() -> Self {
        DriftOptions {
            window: 24,
            max_ratio: 1.5,
            max_bias: 0.75,
            patience: 3,
        }
    }
}

/// One monitoring window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftWindow {
    /// Timestamp of the window's first step.
    pub start: Timestamp,
    /// Observed steps in the window.
    pub n: usize,
    /// MAE of the window.
    #[serde(with = "crate::stats::nonfinite")]
    pub mae: f64,
    /// MAE over the reference MAE.
    #[serde(with = "crate::stats::nonfinite")]
    pub ratio: f64,
    /// Mean error over the reference MAE.
    #[serde(with = "crate::stats::nonfinite")]
    pub bias: f64,
    /// Whether the window drifts.
    pub drifted: bool,
}

/// The monitor's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// The reference MAE the windows are compared with.
    pub reference_mae: f64,
    /// The windows, oldest first.
    pub windows: Vec<DriftWindow>,
    /// True when the last `patience` windows all drift: retrain the model.
    pub retrain: bool,
    /// Start of the current run of drifting windows, if the model is flagged.
    pub since: Option<Timestamp>,
    /// Why the model is flagged, in words.
    pub reason: Option<String>,
}

/// Compare live forecast errors with the model's reference error.
pub fn monitor_drift(
    ts: &[Timestamp],
    actual: &[f64],
    predicted: &[f64],
    reference_mae: f64,
    options: &DriftOptions,
) -> Result<DriftReport> {
    crate::series::check_len("actual", ts.len(), actual.len())?;
    crate::series::check_len("predicted", ts.len(), predicted.len())?;
    crate::series::check_sorted("timestamps", ts)?;
    crate::series::check_finite("predicted", predicted)?;
    if !(reference_mae > 0.0 && reference_mae.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "reference_mae".to_string(),
            reason: format!("must be positive and finite, got {reference_mae}"),
        });
    }
    if options.window == 0 || options.patience == 0 {
        return Err(Error::InvalidParameter {
            name: if options.window == 0 {
                "window"
            } else {
                "patience"
            }
            .to_string(),
            reason: "must be at least 1".to_string(),
        });
    }
    let mut windows = Vec::new();
    for start in (0..ts.len()).step_by(options.window) {
        let end = (start + options.window).min(ts.len());
        let (mut n, mut abs, mut sum) = (0usize, 0.0, 0.0);
        for i in start..end {
            if actual[i].is_finite() {
                let e = predicted[i] - actual[i];
                n += 1;
                abs += e.abs();
                sum += e;
            }
        }
        let (mae, bias) = if n > 0 {
            (abs / n as f64, sum / n as f64 / reference_mae)
        } else {
            (f64::NAN, f64::NAN)
        };
        let ratio = mae / reference_mae;
        let enough = 2 * n >= options.window;
        let drifted = enough && (ratio > options.max_ratio || bias.abs() > options.max_bias);
        windows.push(DriftWindow {
            start: ts[start],
            n,
            mae,
            ratio,
            bias,
            drifted,
        });
    }
    let run = windows.iter().rev().take_while(|w| w.drifted).count();
    let retrain = run >= options.patience;
    let (since, reason) = if retrain {
        let first = &windows[windows.len() - run];
        let last = &windows[windows.len() - 1];
        let why = if last.ratio > options.max_ratio {
            format!(
                "the last {run} windows' error is {:.2}x the reference MAE (limit {:.2}x)",
                last.ratio, options.max_ratio
            )
        } else {
            format!(
                "the last {run} windows are biased by {:+.2} reference MAEs (limit {:.2})",
                last.bias, options.max_bias
            )
        };
        (Some(first.start), Some(why))
    } else {
        (None, None)
    };
    Ok(DriftReport {
        reference_mae,
        windows,
        retrain,
        since,
        reason,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn flags_a_level_shift_after_patience_windows() {
        let n = 24 * 10;
        let ts: Vec<Timestamp> = (0..n as i64).collect();
        let predicted = vec![100.0; n];
        // Errors alternate +-5 (MAE 5) for 6 days, then the load rises by 20.
        let actual: Vec<f64> = (0..n)
            .map(|i| {
                100.0 + if i % 2 == 0 { 5.0 } else { -5.0 } + if i >= 24 * 6 { 20.0 } else { 0.0 }
            })
            .collect();
        let r = monitor_drift(&ts, &actual, &predicted, 5.0, &DriftOptions::default()).unwrap();
        assert_eq!(r.windows.len(), 10);
        assert!(!r.windows[5].drifted && r.windows[6].drifted);
        assert!(r.retrain);
        assert_eq!(r.since, Some(24 * 6));
        let healthy = monitor_drift(
            &ts[..144],
            &actual[..144],
            &predicted[..144],
            5.0,
            &Default::default(),
        )
        .unwrap();
        assert!(!healthy.retrain && healthy.reason.is_none());
    }

    #[test]
    fn bad_input() {
        assert!(monitor_drift(&[0, 1], &[1.0, 2.0], &[1.0], 1.0, &Default::default()).is_err());
        assert!(
            monitor_drift(&[0, 1], &[1.0, 2.0], &[1.0, 2.0], 0.0, &Default::default()).is_err()
        );
        let o = DriftOptions {
            window: 0,
            ..Default::default()
        };
        assert!(monitor_drift(&[0, 1], &[1.0, 2.0], &[1.0, 2.0], 1.0, &o).is_err());
        // Missing actuals are fine.
        let r = monitor_drift(
            &[0, 1],
            &[f64::NAN, f64::NAN],
            &[1.0, 2.0],
            1.0,
            &Default::default(),
        )
        .unwrap();
        assert!(!r.retrain);
    }
}
