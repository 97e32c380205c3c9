//! Energy performance against a baseline over a reporting period (ISO 50006, ISO 50015, ASHRAE
//! Guideline 14, IPMVP "avoided energy"):
//!
//! - expected (adjusted baseline) `Ê_t` = the baseline's prediction for the reporting period's
//!   drivers; deviation `d_t = E_t - Ê_t`; CUSUM `C_t = Σ_{s<=t} d_s` (energy units: a falling
//!   CUSUM is energy saved);
//! - EnPI as a regression-based index `Σ E_t / Σ Ê_t` (below 1: better than the baseline);
//! - savings (avoided energy) `S = Σ Ê_t - Σ E_t` and the savings fraction `F = S / Σ Ê_t`;
//! - uncertainty of the savings (ASHRAE Guideline 14-2014, Annex B, eq. B-14), at a confidence
//!   level with Student's t on the baseline's residual degrees of freedom:
//!   `ΔS = t · 1.26 · CV · Σ Ê_t · sqrt((n / n') (1 + 2 / n) / m)`, where CV is the baseline's
//!   CV(RMSE) as a fraction, `n` its observations, `m` the reporting observations, and
//!   `n' = n (1 - ρ) / (1 + ρ)` the effective number of observations for residuals with lag-1
//!   autocorrelation `ρ > 0` (`n' = n` otherwise). The fractional savings uncertainty is
//!   `FSU = ΔS / S`; the savings interval is `S ± ΔS`.
//!
//! The same report comes from every kind of baseline: the regression [`Baseline`] ([`performance`]),
//! and the weather-normalised models through their own `performance` methods
//! ([`ChangePointModel`](crate::baseline::ChangePointModel),
//! [`DailyModel`](crate::baseline::DailyModel), [`TowtModel`](crate::baseline::TowtModel): the
//! [`TimeTempBaseline`] trait), all through [`report`] with the model's [`FitSummary`].

use serde::{Deserialize, Serialize};

use crate::baseline::model::{Baseline, Driver};
use crate::error::{Error, Result};
use crate::stats::dist::t_quantile;
use crate::time::Timestamp;

/// Options of a performance report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerformanceOptions {
    /// Confidence level of the savings interval (default 0.90, the usual M&V level).
    pub confidence: f64,
    /// Use a baseline that failed its gates (the failures are still reported). Default `false`.
    pub allow_failed_gates: bool,
}

impl Default for PerformanceOptions {
    fn default() -> Self {
        PerformanceOptions {
            confidence: 0.90,
            allow_failed_gates: false,
        }
    }
}

/// Performance over a reporting period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformanceReport {
    /// Expected energy per period (adjusted baseline).
    pub expected: Vec<f64>,
    /// Actual energy per period.
    pub actual: Vec<f64>,
    /// Actual - expected per period.
    pub deviation: Vec<f64>,
    /// Running sum of the deviations.
    pub cusum: Vec<f64>,
    /// Σ actual.
    pub total_actual: f64,
    /// Σ expected.
    pub total_expected: f64,
    /// Regression-based EnPI: Σ actual / Σ expected.
    pub enpi_index: f64,
    /// Avoided energy: Σ expected - Σ actual.
    pub savings: f64,
    /// Savings / Σ expected.
    pub savings_fraction: f64,
    /// Absolute uncertainty of the savings at `confidence`.
    pub savings_uncertainty: f64,
    /// Fractional savings uncertainty (ΔS / S); `None` when there are no savings.
    pub fractional_savings_uncertainty: Option<f64>,
    /// Lower end of the savings interval.
    pub savings_low: f64,
    /// Upper end of the savings interval.
    pub savings_high: f64,
    /// Confidence level.
    pub confidence: f64,
    /// Whether the baseline passed its gates.
    pub baseline_passed: bool,
}

/// Compares `actual` energy per period with the baseline's expectation for `drivers`.
pub fn performance(
    baseline: &Baseline,
    actual: &[f64],
    drivers: &[Driver],
    options: &PerformanceOptions,
) -> Result<PerformanceReport> {
    if !options.allow_failed_gates {
        baseline.ensure_usable()?;
    }
    if drivers.is_empty() && !baseline.drivers.is_empty() {
        return Err(Error::invalid(
            "drivers",
            "the reporting period has no driver data: the baseline needs its drivers to adjust",
        ));
    }
    check_confidence(options)?;
    let expected = baseline.predict(drivers, options.confidence)?.mean;
    let fit = &baseline.fit;
    let summary = FitSummary {
        n: fit.n,
        df_resid: fit.df_resid,
        cv_rmse_pct: fit.cv_rmse_pct,
        resid_autocorr_lag1: fit.resid_autocorr_lag1,
    };
    report(expected, actual, &summary, baseline.passed(), options)
}

/// What the savings uncertainty needs from a baseline's fit (ASHRAE Guideline 14, Annex B).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitSummary {
    /// Observations the baseline was fitted on.
    pub n: usize,
    /// Residual degrees of freedom (`n - p`).
    pub df_resid: f64,
    /// CV(RMSE) of the fit, percent.
    pub cv_rmse_pct: f64,
    /// Lag-1 autocorrelation of the fit's residuals in time order.
    pub resid_autocorr_lag1: f64,
}

impl FitSummary {
    /// The summary of a model fitted on `n` periods with `p` parameters (`n - p` residual degrees
    /// of freedom).
    pub fn from_parts(n: usize, p: usize, cv_rmse_pct: f64, resid_autocorr_lag1: f64) -> Self {
        FitSummary {
            n,
            df_resid: n as f64 - p as f64,
            cv_rmse_pct,
            resid_autocorr_lag1,
        }
    }

    /// The summary of a fit from its observed and predicted values (in time order) and its
    /// number of parameters `p`, with the goodness of fit: `(summary, r², nmbe %)`. CV(RMSE) and
    /// NMBE use `n - p` degrees of freedom (ASHRAE Guideline 14); NaN where `n <= p`.
    pub fn of(actual: &[f64], predicted: &[f64], p: usize) -> (FitSummary, f64, f64) {
        let n = actual.len();
        let nf = n as f64;
        let mean = actual.iter().sum::<f64>() / nf;
        let resid: Vec<f64> = actual.iter().zip(predicted).map(|(a, f)| a - f).collect();
        let sse: f64 = resid.iter().map(|e| e * e).sum();
        let tss: f64 = actual.iter().map(|y| (y - mean) * (y - mean)).sum();
        let df = nf - p as f64;
        let (cv, nmbe) = if df > 0.0 {
            (
                100.0 * (sse / df).sqrt() / mean,
                100.0 * resid.iter().sum::<f64>() / (df * mean),
            )
        } else {
            (f64::NAN, f64::NAN)
        };
        let rho = if sse > 0.0 {
            resid.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / sse
        } else {
            0.0
        };
        let summary = FitSummary {
            n,
            df_resid: df,
            cv_rmse_pct: cv,
            resid_autocorr_lag1: rho,
        };
        (summary, 1.0 - sse / tss, nmbe)
    }
}

/// A baseline that expects energy from the periods' start times and outdoor temperatures: the
/// daily model and TOWT. One implementation of the reporting-period report serves both (and
/// every face).
pub trait TimeTempBaseline {
    /// Expected energy of the periods starting at `ts` with mean outdoor temperatures `temp_c`.
    fn expected(&self, ts: &[Timestamp], temp_c: &[f64]) -> Result<Vec<f64>>;

    /// What the savings uncertainty needs from the fit.
    fn fit_summary(&self) -> FitSummary;

    /// Energy performance over a reporting period (deviation, CUSUM, EnPI, savings with their
    /// uncertainty): the model's expectation for the periods starting at `ts` with temperatures
    /// `temp_c` against their `actual` energy. The model has no gates: `baseline_passed` is
    /// always true.
    fn performance(
        &self,
        ts: &[Timestamp],
        temp_c: &[f64],
        actual: &[f64],
        options: &PerformanceOptions,
    ) -> Result<PerformanceReport> {
        let expected = self.expected(ts, temp_c)?;
        report(expected, actual, &self.fit_summary(), true, options)
    }
}

fn check_confidence(options: &PerformanceOptions) -> Result<()> {
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(Error::invalid(
            "confidence",
            format!("must lie in (0, 1), got {}", options.confidence),
        ));
    }
    Ok(())
}

/// The report from a baseline's expectation for the reporting period (`expected`, the adjusted
/// baseline), the `actual` energy of the same periods and the baseline's fit; `passed`: whether
/// the baseline passed its gates (always for models without gates).
pub fn report(
    expected: Vec<f64>,
    actual: &[f64],
    fit: &FitSummary,
    passed: bool,
    options: &PerformanceOptions,
) -> Result<PerformanceReport> {
    check_confidence(options)?;
    if actual.is_empty() {
        return Err(Error::EmptySeries {
            column: "actual".into(),
            needed: 1,
        });
    }
    crate::series::check_finite("actual", actual)?;
    if expected.len() != actual.len() {
        return Err(Error::LengthMismatch {
            column: "actual".into(),
            expected: expected.len(),
            got: actual.len(),
        });
    }
    if !(fit.df_resid > 0.0 && fit.cv_rmse_pct.is_finite()) {
        return Err(Error::invalid(
            "baseline",
            "the baseline has no residual degrees of freedom or no CV(RMSE): its savings have no uncertainty",
        ));
    }
    let deviation: Vec<f64> = actual.iter().zip(&expected).map(|(a, e)| a - e).collect();
    let mut run = 0.0;
    let cusum = deviation
        .iter()
        .map(|d| {
            run += d;
            run
        })
        .collect();
    let total_actual: f64 = actual.iter().sum();
    let total_expected: f64 = expected.iter().sum();
    let savings = total_expected - total_actual;
    let n = fit.n as f64;
    let rho = fit.resid_autocorr_lag1;
    let n_eff = if rho > 0.0 {
        n * (1.0 - rho) / (1.0 + rho)
    } else {
        n
    };
    let m = actual.len() as f64;
    let t = t_quantile(0.5 + options.confidence / 2.0, fit.df_resid);
    let cv = fit.cv_rmse_pct / 100.0;
    let du = t * 1.26 * cv * total_expected.abs() * ((n / n_eff) * (1.0 + 2.0 / n) / m).sqrt();
    Ok(PerformanceReport {
        expected,
        actual: actual.to_vec(),
        deviation,
        cusum,
        total_actual,
        total_expected,
        enpi_index: total_actual / total_expected,
        savings,
        savings_fraction: savings / total_expected,
        savings_uncertainty: du,
        fractional_savings_uncertainty: (savings != 0.0).then(|| du / savings.abs()),
        savings_low: savings - du,
        savings_high: savings + du,
        confidence: options.confidence,
        baseline_passed: passed,
    })
}
