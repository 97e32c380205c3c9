//! Validation gates of an energy baseline: named, configurable sets of statistical tests a model
//! must pass before it may be used, with every failing gate reported with its reason.
//!
//! Built-in sets:
//! - `charter`: R² > 0.80, every driver p < 0.05, at least 1000 observations over at most 90 days.
//! - `sep` (US DOE Superior Energy Performance, measurement and verification protocol): model
//!   (F) p < 0.1, every driver p < 0.2, at least one driver p < 0.1, R² >= 0.5.
//! - `ashrae14-monthly`, `ashrae14-daily`, `ashrae14-hourly` (ASHRAE Guideline 14-2014, 4.3.2.4
//!   and 5.2.11.3): CV(RMSE) <= 15 / 25 / 30 % and |NMBE| <= 5 / 10 / 10 %. Guideline 14 states
//!   monthly and hourly limits; the daily pair is the common practice between them.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::OlsFit;

/// Thresholds of one gate set; a `None` threshold is not checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gates {
    /// Name of the set (reported with each failure).
    pub name: String,
    /// R² must be strictly above this.
    pub min_r_squared_exclusive: Option<f64>,
    /// R² must be at least this.
    pub min_r_squared: Option<f64>,
    /// Every driver's p-value must be below this.
    pub max_driver_p: Option<f64>,
    /// At least one driver's p-value must be below this.
    pub one_driver_p_below: Option<f64>,
    /// The model's F-test p-value must be below this.
    pub max_model_p: Option<f64>,
    /// At least this many observations.
    pub min_observations: Option<usize>,
    /// The training period spans at most this many days.
    pub max_span_days: Option<f64>,
    /// CV(RMSE) at most this, percent.
    pub max_cv_rmse_pct: Option<f64>,
    /// |NMBE| at most this, percent.
    pub max_abs_nmbe_pct: Option<f64>,
}

impl Gates {
    fn empty(name: &str) -> Self {
        Gates {
            name: name.to_string(),
            min_r_squared_exclusive: None,
            min_r_squared: None,
            max_driver_p: None,
            one_driver_p_below: None,
            max_model_p: None,
            min_observations: None,
            max_span_days: None,
            max_cv_rmse_pct: None,
            max_abs_nmbe_pct: None,
        }
    }

    /// The project charter's gates.
    pub fn charter() -> Self {
        Gates {
            min_r_squared_exclusive: Some(0.80),
            max_driver_p: Some(0.05),
            min_observations: Some(1000),
            max_span_days: Some(90.0),
            ..Gates::empty("charter")
        }
    }

    /// US DOE Superior Energy Performance.
    pub fn sep() -> Self {
        Gates {
            max_model_p: Some(0.1),
            max_driver_p: Some(0.2),
            one_driver_p_below: Some(0.1),
            min_r_squared: Some(0.5),
            ..Gates::empty("sep")
        }
    }

    /// ASHRAE Guideline 14 for data of `granularity` (`monthly`, `daily` or `hourly`).
    pub fn ashrae14(granularity: &str) -> Result<Self> {
        let (cv, nmbe) = match granularity {
            "monthly" => (15.0, 5.0),
            "daily" => (25.0, 10.0),
            "hourly" => (30.0, 10.0),
            other => {
                return Err(Error::invalid(
                    "granularity",
                    format!("`{other}`: expected monthly, daily or hourly"),
                ))
            }
        };
        Ok(Gates {
            max_cv_rmse_pct: Some(cv),
            max_abs_nmbe_pct: Some(nmbe),
            ..Gates::empty(&format!("ashrae14-{granularity}"))
        })
    }

    /// A built-in set by name: `charter`, `sep`, `ashrae14-monthly`, `ashrae14-daily`,
    /// `ashrae14-hourly`.
    pub fn named(name: &str) -> Result<Self> {
        match name {
            "charter" => Ok(Gates::charter()),
            "sep" => Ok(Gates::sep()),
            _ => match name.strip_prefix("ashrae14-") {
                Some(g) => Gates::ashrae14(g),
                None => Err(Error::invalid(
                    "gates",
                    format!("unknown gate set `{name}`; expected charter, sep, ashrae14-monthly, ashrae14-daily or ashrae14-hourly"),
                )),
            },
        }
    }

    /// Checks a fit (trained over `span_days`) against the gates.
    pub fn check(&self, fit: &OlsFit, span_days: Option<f64>) -> GateReport {
        let mut failures = Vec::new();
        let mut fail = |gate: &str, reason: String| {
            failures.push(GateFailure {
                gate: gate.to_string(),
                reason,
            })
        };
        if let Some(t) = self.min_r_squared_exclusive {
            if fit.r_squared.is_nan() || fit.r_squared <= t {
                fail(
                    "r_squared",
                    format!("R² = {:.4}, must be above {t}", fit.r_squared),
                );
            }
        }
        if let Some(t) = self.min_r_squared {
            if fit.r_squared.is_nan() || fit.r_squared < t {
                fail(
                    "r_squared",
                    format!("R² = {:.4}, must be at least {t}", fit.r_squared),
                );
            }
        }
        let skip = usize::from(fit.options.intercept);
        let drivers = &fit.coefficients[skip..];
        if let Some(t) = self.max_driver_p {
            for c in drivers {
                if c.p_value.is_nan() || c.p_value >= t {
                    fail(
                        "driver_p",
                        format!("`{}` has p = {:.4}, must be below {t}", c.name, c.p_value),
                    );
                }
            }
        }
        if let Some(t) = self.one_driver_p_below {
            if !drivers.iter().any(|c| c.p_value < t) {
                fail("one_driver_p", format!("no driver has p below {t}"));
            }
        }
        if let Some(t) = self.max_model_p {
            if fit.f_p_value.is_nan() || fit.f_p_value >= t {
                fail(
                    "model_p",
                    format!(
                        "the model's F-test p = {:.4}, must be below {t}",
                        fit.f_p_value
                    ),
                );
            }
        }
        if let Some(t) = self.min_observations {
            if fit.n < t {
                fail(
                    "observations",
                    format!("{} observations, at least {t} are needed", fit.n),
                );
            }
        }
        if let (Some(t), Some(days)) = (self.max_span_days, span_days) {
            if days > t {
                fail(
                    "span",
                    format!("the training period spans {days:.1} days, at most {t} are allowed"),
                );
            }
        }
        if let Some(t) = self.max_cv_rmse_pct {
            if fit.cv_rmse_pct.is_nan() || fit.cv_rmse_pct > t {
                fail(
                    "cv_rmse",
                    format!(
                        "CV(RMSE) = {:.2} %, at most {t} % is allowed",
                        fit.cv_rmse_pct
                    ),
                );
            }
        }
        if let Some(t) = self.max_abs_nmbe_pct {
            if fit.nmbe_pct.is_nan() || fit.nmbe_pct.abs() > t {
                fail(
                    "nmbe",
                    format!("NMBE = {:.3} %, at most ±{t} % is allowed", fit.nmbe_pct),
                );
            }
        }
        GateReport {
            set: self.name.clone(),
            passed: failures.is_empty(),
            failures,
        }
    }
}

/// One failed gate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateFailure {
    /// Which test (`r_squared`, `driver_p`, `one_driver_p`, `model_p`, `observations`, `span`,
    /// `cv_rmse`, `nmbe`).
    pub gate: String,
    /// What was found and what was required.
    pub reason: String,
}

/// The outcome of one gate set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReport {
    /// Name of the set.
    pub set: String,
    /// Whether every gate passed.
    pub passed: bool,
    /// Every failing gate.
    pub failures: Vec<GateFailure>,
}
