//! Energy baselines (ISO 50001 / ISO 50006, enms-core `stats::ols` and `baseline`): OLS with
//! statsmodels' statistics, regression baselines with categorical drivers and validation gates,
//! deviation / CUSUM / EnPI / savings with their uncertainty, driver selection, temperature
//! change-point models and the hourly time-of-week-and-temperature model.
//!
//! Drivers come as a JS object of named columns, in the object's key order: numbers
//! (`Float64Array` or `number[]`) are numeric drivers, strings (`string[]`) categorical ones.
//! Options are plain objects whose absent fields keep enms-core's defaults. Fitted models are
//! classes holding the core value; `toJSON()` gives enms-core's serde form (the one the server and
//! the Python face save), which `fromJSON` loads.

use std::collections::BTreeMap;
use std::sync::Arc;

use enms_core::baseline::model::{select_drivers, DriverCandidate, SelectionOptions};
use enms_core::baseline::{
    self as core_baseline, fit_change_point, fit_towt, Baseline as CoreBaseline, BaselineOptions,
    ChangePointKind, ChangePointModel as CoreChangePointModel, ChangePointOptions, Driver,
    DriverSpec, GateReport, Gates, PerformanceOptions, PerformanceReport, TimeTempBaseline,
    TowtModel as CoreTowtModel, TowtOptions,
};
use enms_core::stats::{ols, OlsFit as CoreOlsFit, OlsOptions, Prediction};
use enms_core::Error;
use napi::bindgen_prelude::{AsyncTask, Either, Either3, Float64Array, Object};
use napi::{Env, Status};
use napi_derive::napi;
use serde::Serialize;

use crate::convert::{
    from_json, number_column, range, time_column, us_to_ms, NumberColumn, RangeJs, TimeColumn,
};
use crate::error::{run, Fallible};
use crate::task::Job;

// ---------------------------------------------------------------------------------------------
// Drivers in

/// One driver column: numbers (numeric driver) or strings (categorical driver).
pub type DriverColumn = Either3<Float64Array, Vec<f64>, Vec<String>>;

fn bad_driver(name: &str, what: &str) -> napi::Error {
    napi::Error::new(
        Status::InvalidArg,
        format!("driver `{name}`: expected {what}"),
    )
}

/// A JS object of named columns to enms drivers, in the object's key order.
pub fn drivers_of(obj: &Object) -> napi::Result<Vec<Driver>> {
    let mut out = Vec::new();
    for name in Object::keys(obj)? {
        let col = obj
            .get::<_, DriverColumn>(&name)
            .map_err(|_| {
                bad_driver(
                    &name,
                    "numbers (Float64Array, number[]) or strings (string[])",
                )
            })?
            .ok_or_else(|| bad_driver(&name, "a column"))?;
        out.push(match col {
            Either3::A(a) => Driver::numeric(&name, a.to_vec()),
            Either3::B(v) => Driver::numeric(&name, v),
            Either3::C(v) => Driver::categorical(&name, v),
        });
    }
    Ok(out)
}

/// A JS object of named numeric columns, in the object's key order.
pub fn numeric_columns_of(obj: &Object) -> napi::Result<Vec<(String, Vec<f64>)>> {
    let mut out = Vec::new();
    for name in Object::keys(obj)? {
        let col = obj
            .get::<_, NumberColumn>(&name)
            .map_err(|_| bad_driver(&name, "numbers (Float64Array or number[])"))?
            .ok_or_else(|| bad_driver(&name, "a column"))?;
        out.push((name, number_column(&col)));
    }
    Ok(out)
}

fn to_json<T: Serialize>(v: &T) -> Fallible<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| invalid("json", e.to_string()).into())
}

/// A saved model from its JSON text (what `JSON.stringify(model)` wrote), checked by the core
/// (format version, consistency). Text, not the parsed object: JS numbers lose the integer type
/// of enms' microsecond times.
pub(crate) fn parse_json<T: enms_core::options::Saved>(text: &str) -> Fallible<T> {
    Ok(enms_core::options::load(text, "json")?)
}

fn invalid(name: &str, reason: String) -> Error {
    Error::InvalidParameter {
        name: name.into(),
        reason,
    }
}

// ---------------------------------------------------------------------------------------------
// Options in

/// Options of an OLS fit; absent fields keep enms' defaults (intercept, 95 % intervals).
#[napi(object, js_name = "OlsOptions")]
pub struct OlsOptionsJs {
    /// Add an intercept (a column of ones named `const`, first).
    pub intercept: Option<bool>,
    /// Confidence level of the coefficient intervals, in (0, 1).
    pub confidence: Option<f64>,
}

fn ols_options(o: Option<&OlsOptionsJs>) -> OlsOptions {
    let mut out = OlsOptions::default();
    if let Some(o) = o {
        apply_ols(&mut out, o.intercept, o.confidence);
    }
    out
}

fn apply_ols(out: &mut OlsOptions, intercept: Option<bool>, confidence: Option<f64>) {
    if let Some(i) = intercept {
        out.intercept = i;
    }
    if let Some(c) = confidence {
        out.confidence = c;
    }
}

/// A gate set of one's own; an absent threshold is not checked.
#[napi(object, js_name = "GateSet")]
pub struct GatesJs {
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
    pub min_observations: Option<u32>,
    /// The training period spans at most this many days.
    pub max_span_days: Option<f64>,
    /// CV(RMSE) at most this, percent.
    pub max_cv_rmse_pct: Option<f64>,
    /// |NMBE| at most this, percent.
    pub max_abs_nmbe_pct: Option<f64>,
}

impl From<&GatesJs> for Gates {
    fn from(g: &GatesJs) -> Self {
        Gates {
            name: g.name.clone(),
            min_r_squared_exclusive: g.min_r_squared_exclusive,
            min_r_squared: g.min_r_squared,
            max_driver_p: g.max_driver_p,
            one_driver_p_below: g.one_driver_p_below,
            max_model_p: g.max_model_p,
            min_observations: g.min_observations.map(|n| n as usize),
            max_span_days: g.max_span_days,
            max_cv_rmse_pct: g.max_cv_rmse_pct,
            max_abs_nmbe_pct: g.max_abs_nmbe_pct,
        }
    }
}

/// Options of a baseline fit; absent fields keep enms' defaults (target `energy_kwh`, intercept,
/// 95 % intervals, the `charter` gates, no training period).
#[napi(object, js_name = "BaselineOptions")]
pub struct BaselineOptionsJs {
    /// Name of the modelled quantity.
    pub target: Option<String>,
    /// Add an intercept.
    pub intercept: Option<bool>,
    /// Confidence level of the coefficient intervals, in (0, 1).
    pub confidence: Option<f64>,
    /// Gate sets to check: built-in names (`charter`, `sep`, `ashrae14-monthly`,
    /// `ashrae14-daily`, `ashrae14-hourly`) or sets of one's own.
    #[napi(ts_type = "Array<string | GateSet>")]
    pub gates: Option<Vec<Either<String, GatesJs>>>,
    /// Training period (for the span gate and the record).
    pub training: Option<RangeJs>,
}

pub(crate) fn baseline_options(o: Option<&BaselineOptionsJs>) -> Fallible<BaselineOptions> {
    let mut out = BaselineOptions::default();
    let Some(o) = o else { return Ok(out) };
    if let Some(t) = &o.target {
        out.target = t.clone();
    }
    apply_ols(&mut out.ols, o.intercept, o.confidence);
    if let Some(gates) = &o.gates {
        out.gates = gates
            .iter()
            .map(|g| match g {
                Either::A(name) => Gates::named(name),
                Either::B(own) => Ok(own.into()),
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(r) = &o.training {
        out.training = Some(range(r)?);
    }
    Ok(out)
}

/// Options of a performance report; absent fields keep enms' defaults (90 % confidence, a
/// baseline that failed its gates refused).
#[napi(object, js_name = "PerformanceOptions")]
pub struct PerformanceOptionsJs {
    /// Confidence level of the savings interval, in (0, 1).
    pub confidence: Option<f64>,
    /// Use a baseline that failed its gates (the report says so in `baselinePassed`).
    pub allow_failed_gates: Option<bool>,
}

pub(crate) fn performance_options(o: Option<&PerformanceOptionsJs>) -> PerformanceOptions {
    let mut out = PerformanceOptions::default();
    if let Some(o) = o {
        if let Some(c) = o.confidence {
            out.confidence = c;
        }
        if let Some(a) = o.allow_failed_gates {
            out.allow_failed_gates = a;
        }
    }
    out
}

/// A core error about the timestamps, named as the face's argument `time_name`.
fn time_named(mut e: Error, time_name: &str) -> Error {
    e.rename_field("ts", time_name);
    e
}

/// Expected energy of a model that predicts from the periods' start times and temperatures
/// (TOWT, daily: the core's `TimeTempBaseline`) on the calling thread; `time_name` names the
/// time argument in errors.
pub(crate) fn time_temp_predict_sync<M: TimeTempBaseline>(
    env: Env,
    model: &M,
    time: &TimeColumn,
    time_name: &str,
    temp_c: &NumberColumn,
) -> napi::Result<Float64Array> {
    run(env, || {
        let ts = time_column(time, time_name)?;
        let p = model
            .expected(&ts, &number_column(temp_c))
            .map_err(|e| time_named(e, time_name))?;
        Ok(Float64Array::new(p))
    })
}

/// [`time_temp_predict_sync`] off the main thread.
pub(crate) fn time_temp_predict_task<M: TimeTempBaseline + Send + Sync + 'static>(
    env: Env,
    model: &Arc<M>,
    time: &TimeColumn,
    time_name: &str,
    temp_c: &NumberColumn,
) -> napi::Result<AsyncTask<Job<Vec<f64>, Float64Array>>> {
    let ts = run(env, || time_column(time, time_name))?;
    let t = number_column(temp_c);
    let (m, name) = (Arc::clone(model), time_name.to_string());
    Ok(AsyncTask::new(Job::new(
        move || Ok(m.expected(&ts, &t).map_err(|e| time_named(e, &name))?),
        Float64Array::new,
    )))
}

/// The reporting-period report of such a model on the calling thread.
pub(crate) fn time_temp_performance_sync<M: TimeTempBaseline>(
    env: Env,
    model: &M,
    time: &TimeColumn,
    time_name: &str,
    temp_c: &NumberColumn,
    actual: &NumberColumn,
    options: Option<&PerformanceOptionsJs>,
) -> napi::Result<PerformanceReportJs> {
    let o = performance_options(options);
    run(env, || {
        let ts = time_column(time, time_name)?;
        let (t, a) = (number_column(temp_c), number_column(actual));
        let r = model
            .performance(&ts, &t, &a, &o)
            .map_err(|e| time_named(e, time_name))?;
        Ok(r.into())
    })
}

/// [`time_temp_performance_sync`] off the main thread.
pub(crate) fn time_temp_performance_task<M: TimeTempBaseline + Send + Sync + 'static>(
    env: Env,
    model: &Arc<M>,
    time: &TimeColumn,
    time_name: &str,
    temp_c: &NumberColumn,
    actual: &NumberColumn,
    options: Option<&PerformanceOptionsJs>,
) -> napi::Result<AsyncTask<Job<PerformanceReport, PerformanceReportJs>>> {
    let o = performance_options(options);
    let ts = run(env, || time_column(time, time_name))?;
    let (t, a) = (number_column(temp_c), number_column(actual));
    let (m, name) = (Arc::clone(model), time_name.to_string());
    Ok(AsyncTask::new(Job::new(
        move || {
            Ok(m.performance(&ts, &t, &a, &o)
                .map_err(|e| time_named(e, &name))?)
        },
        PerformanceReportJs::from,
    )))
}

/// Options of a driver search; absent fields keep enms' defaults (subsets of up to 3 drivers, VIF
/// at most 5, no expected signs, the baseline defaults).
#[napi(object, js_name = "SelectionOptions")]
pub struct SelectionOptionsJs {
    /// Largest number of drivers in a candidate.
    pub max_drivers: Option<u32>,
    /// Expected sign of each driver's coefficients (`1` or `-1`, by driver name).
    pub expected_signs: Option<BTreeMap<String, f64>>,
    /// Largest acceptable variance inflation factor.
    pub max_vif: Option<f64>,
    /// Options of each candidate's fit.
    pub baseline: Option<BaselineOptionsJs>,
}

fn selection_options(o: Option<&SelectionOptionsJs>) -> Fallible<SelectionOptions> {
    let mut out = SelectionOptions::default();
    let Some(o) = o else { return Ok(out) };
    if let Some(m) = o.max_drivers {
        out.max_drivers = m as usize;
    }
    if let Some(s) = &o.expected_signs {
        out.expected_signs = s.iter().map(|(k, v)| (k.clone(), *v)).collect();
    }
    if let Some(v) = o.max_vif {
        out.max_vif = v;
    }
    if o.baseline.is_some() {
        out.baseline = baseline_options(o.baseline.as_ref())?;
    }
    Ok(out)
}

/// Options of the change-point search; absent fields keep enms' defaults (heating 0-25 °C,
/// cooling 5-30 °C, 0.5 °C steps, 10 periods beyond each balance point, slopes with p < 0.1, every
/// shape, 95 % intervals).
#[napi(object, js_name = "ChangePointOptions")]
pub struct ChangePointOptionsJs {
    /// Heating balance points searched, °C: `[low, high]`.
    pub heating_range_c: Option<Vec<f64>>,
    /// Cooling balance points searched, °C: `[low, high]`.
    pub cooling_range_c: Option<Vec<f64>>,
    /// Grid step, °C.
    pub step_c: Option<f64>,
    /// Periods that must lie beyond each balance point.
    pub min_points_beyond: Option<u32>,
    /// A slope qualifies when its p-value is below this.
    pub max_slope_p: Option<f64>,
    /// Shapes to consider: `mean`, `heating_3p`, `cooling_3p`, `four_p`, `five_p`.
    pub kinds: Option<Vec<String>>,
    /// Confidence level of the final fit's intervals.
    pub confidence: Option<f64>,
}

fn change_point_options(o: Option<&ChangePointOptionsJs>) -> Fallible<ChangePointOptions> {
    let mut out = ChangePointOptions::default();
    let Some(o) = o else { return Ok(out) };
    if let Some(r) = &o.heating_range_c {
        out.heating_range_c = from_json("heating_range_c", r.clone().into())?;
    }
    if let Some(r) = &o.cooling_range_c {
        out.cooling_range_c = from_json("cooling_range_c", r.clone().into())?;
    }
    if let Some(s) = o.step_c {
        out.step_c = s;
    }
    if let Some(m) = o.min_points_beyond {
        out.min_points_beyond = m as usize;
    }
    if let Some(p) = o.max_slope_p {
        out.max_slope_p = p;
    }
    if let Some(k) = &o.kinds {
        out.kinds = from_json::<Vec<ChangePointKind>>("kinds", k.clone().into())?;
    }
    if let Some(c) = o.confidence {
        out.confidence = c;
    }
    Ok(out)
}

/// Options of a TOWT fit; absent fields keep enms' defaults (knots 0, 5, ..., 25 °C, occupancy
/// above 65 % positive residuals, UTC hours of the week).
#[napi(object, js_name = "TowtOptions")]
pub struct TowtOptionsJs {
    /// Temperature knots, °C, increasing.
    pub knots_c: Option<Vec<f64>>,
    /// Share of positive first-pass residuals above which an hour of the week is occupied.
    pub occupancy_threshold: Option<f64>,
    /// IANA time zone of the site (hours of the week are local).
    pub timezone: Option<String>,
}

fn towt_options(o: Option<&TowtOptionsJs>) -> TowtOptions {
    let mut out = TowtOptions::default();
    if let Some(o) = o {
        if let Some(k) = &o.knots_c {
            out.knots_c = k.clone();
        }
        if let Some(t) = o.occupancy_threshold {
            out.occupancy_threshold = t;
        }
        if let Some(tz) = &o.timezone {
            out.timezone = tz.clone();
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Results out

/// One estimated parameter.
#[napi(object, js_name = "Coefficient")]
pub struct CoefficientJs {
    /// Driver column name (`const` for the intercept, `driver=level` for a categorical level).
    pub name: String,
    /// Estimate.
    pub estimate: f64,
    /// Standard error.
    pub std_error: f64,
    /// t statistic.
    pub t: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower bound of the confidence interval.
    pub ci_low: f64,
    /// Upper bound of the confidence interval.
    pub ci_high: f64,
    /// Variance inflation factor (`null` for the intercept or a single driver).
    pub vif: Option<f64>,
}

/// Predictions with their intervals, one value per row.
#[napi(object, js_name = "Prediction")]
pub struct PredictionJs {
    /// Predicted values.
    pub mean: Float64Array,
    /// Lower bound of the prediction interval (a new observation).
    pub pi_low: Float64Array,
    /// Upper bound of the prediction interval.
    pub pi_high: Float64Array,
    /// Lower bound of the confidence interval of the mean.
    pub ci_low: Float64Array,
    /// Upper bound of the confidence interval of the mean.
    pub ci_high: Float64Array,
}

impl From<Prediction> for PredictionJs {
    fn from(p: Prediction) -> Self {
        PredictionJs {
            mean: Float64Array::new(p.mean),
            pi_low: Float64Array::new(p.pi_low),
            pi_high: Float64Array::new(p.pi_high),
            ci_low: Float64Array::new(p.ci_low),
            ci_high: Float64Array::new(p.ci_high),
        }
    }
}

/// One failed gate.
#[napi(object, js_name = "GateFailure")]
pub struct GateFailureJs {
    /// Which test: `r_squared`, `driver_p`, `one_driver_p`, `model_p`, `observations`, `span`,
    /// `cv_rmse`, `nmbe`.
    pub gate: String,
    /// What was found and what was required.
    pub reason: String,
}

/// The outcome of one gate set.
#[napi(object, js_name = "GateReport")]
pub struct GateReportJs {
    /// Name of the set.
    pub set: String,
    /// Whether every gate passed.
    pub passed: bool,
    /// Every failing gate.
    pub failures: Vec<GateFailureJs>,
}

impl From<&GateReport> for GateReportJs {
    fn from(g: &GateReport) -> Self {
        GateReportJs {
            set: g.set.clone(),
            passed: g.passed,
            failures: g
                .failures
                .iter()
                .map(|f| GateFailureJs {
                    gate: f.gate.clone(),
                    reason: f.reason.clone(),
                })
                .collect(),
        }
    }
}

/// How a driver enters a baseline.
#[napi(object, js_name = "DriverSpec")]
pub struct DriverSpecJs {
    /// Driver name.
    pub name: String,
    /// `numeric` or `categorical`.
    pub kind: String,
    /// Reference level of a categorical driver (no column of its own).
    pub reference: Option<String>,
    /// Levels of a categorical driver with a column each, in column order.
    pub levels: Option<Vec<String>>,
}

impl From<&DriverSpec> for DriverSpecJs {
    fn from(d: &DriverSpec) -> Self {
        match d {
            DriverSpec::Numeric { name } => DriverSpecJs {
                name: name.clone(),
                kind: "numeric".into(),
                reference: None,
                levels: None,
            },
            DriverSpec::Categorical {
                name,
                reference,
                levels,
            } => DriverSpecJs {
                name: name.clone(),
                kind: "categorical".into(),
                reference: Some(reference.clone()),
                levels: Some(levels.clone()),
            },
        }
    }
}

/// A training period, ms.
#[napi(object, js_name = "Period")]
pub struct PeriodJs {
    /// First instant, ms.
    pub start: f64,
    /// First instant after the period, ms.
    pub end: f64,
}

/// Energy performance over a reporting period.
#[napi(object, js_name = "PerformanceReport")]
pub struct PerformanceReportJs {
    /// Expected energy per period (the adjusted baseline).
    pub expected: Float64Array,
    /// Actual energy per period.
    pub actual: Float64Array,
    /// Actual - expected per period.
    pub deviation: Float64Array,
    /// Running sum of the deviations (falling: energy saved).
    pub cusum: Float64Array,
    /// Σ actual.
    pub total_actual: f64,
    /// Σ expected.
    pub total_expected: f64,
    /// Regression-based EnPI: Σ actual / Σ expected (below 1: better than the baseline).
    pub enpi_index: f64,
    /// Avoided energy: Σ expected - Σ actual.
    pub savings: f64,
    /// Savings / Σ expected.
    pub savings_fraction: f64,
    /// Absolute uncertainty of the savings at `confidence` (ASHRAE Guideline 14, Annex B).
    pub savings_uncertainty: f64,
    /// Fractional savings uncertainty (ΔS / S); `null` without savings.
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

impl From<PerformanceReport> for PerformanceReportJs {
    fn from(r: PerformanceReport) -> Self {
        PerformanceReportJs {
            expected: Float64Array::new(r.expected),
            actual: Float64Array::new(r.actual),
            deviation: Float64Array::new(r.deviation),
            cusum: Float64Array::new(r.cusum),
            total_actual: r.total_actual,
            total_expected: r.total_expected,
            enpi_index: r.enpi_index,
            savings: r.savings,
            savings_fraction: r.savings_fraction,
            savings_uncertainty: r.savings_uncertainty,
            fractional_savings_uncertainty: r.fractional_savings_uncertainty,
            savings_low: r.savings_low,
            savings_high: r.savings_high,
            confidence: r.confidence,
            baseline_passed: r.baseline_passed,
        }
    }
}

/// One candidate set of drivers of `selectDrivers`.
#[napi(object, js_name = "DriverCandidate")]
pub struct DriverCandidateJs {
    /// Drivers of the candidate.
    pub drivers: Vec<String>,
    /// Adjusted R² (NaN when it could not be fitted).
    pub adj_r_squared: f64,
    /// Akaike information criterion (NaN when it could not be fitted).
    pub aic: f64,
    /// Largest VIF among its columns (`null` with a single column).
    pub max_vif: Option<f64>,
    /// Whether every gate set passed.
    pub gates_passed: bool,
    /// Whether every coefficient has its expected sign.
    pub signs_ok: bool,
    /// Whether the VIFs are acceptable.
    pub vif_ok: bool,
    /// Every reason the candidate is not recommended.
    pub problems: Vec<String>,
    /// Usable: gates passed, signs as expected, no collinearity.
    pub recommended: bool,
}

impl From<DriverCandidate> for DriverCandidateJs {
    fn from(c: DriverCandidate) -> Self {
        DriverCandidateJs {
            recommended: c.recommended(),
            drivers: c.drivers,
            adj_r_squared: c.adj_r_squared,
            aic: c.aic,
            max_vif: c.max_vif,
            gates_passed: c.gates_passed,
            signs_ok: c.signs_ok,
            vif_ok: c.vif_ok,
            problems: c.problems,
        }
    }
}

fn candidates_js(c: Vec<DriverCandidate>) -> Vec<DriverCandidateJs> {
    c.into_iter().map(Into::into).collect()
}

/// The best candidate of one change-point shape.
#[napi(object, js_name = "ChangePointCandidate")]
pub struct ChangePointCandidateJs {
    /// Shape: `mean`, `heating_3p`, `cooling_3p`, `four_p`, `five_p`.
    pub kind: String,
    /// Heating balance point, °C.
    pub heating_balance_c: Option<f64>,
    /// Cooling balance point, °C.
    pub cooling_balance_c: Option<f64>,
    /// Adjusted R².
    pub adj_r_squared: f64,
    /// Whether its slopes are positive and significant.
    pub qualified: bool,
}

// ---------------------------------------------------------------------------------------------
// The statistics of a fit, as getters of every class holding one

/// Getters for the statistics of the core fit that the class's `ols_fit()` returns.
macro_rules! ols_statistics {
    ($class:ident) => {
        #[napi]
        impl $class {
            /// Parameters in design order (the intercept first), with their statistics.
            #[napi(getter)]
            pub fn coefficients(&self) -> Vec<CoefficientJs> {
                self.ols_fit()
                    .coefficients
                    .iter()
                    .map(|c| CoefficientJs {
                        name: c.name.clone(),
                        estimate: c.estimate,
                        std_error: c.std_error,
                        t: c.t,
                        p_value: c.p_value,
                        ci_low: c.ci_low,
                        ci_high: c.ci_high,
                        vif: c.vif,
                    })
                    .collect()
            }

            /// Names of the design columns without the intercept (`driver=level` for
            /// categorical levels).
            #[napi(getter)]
            pub fn column_names(&self) -> Vec<String> {
                self.ols_fit()
                    .driver_names()
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            }

            /// Observations.
            #[napi(getter)]
            pub fn n(&self) -> f64 {
                self.ols_fit().n as f64
            }

            /// Whether the model has an intercept.
            #[napi(getter)]
            pub fn intercept(&self) -> bool {
                self.ols_fit().options.intercept
            }

            /// Confidence level of the coefficient intervals.
            #[napi(getter)]
            pub fn confidence(&self) -> f64 {
                self.ols_fit().options.confidence
            }

            /// Model degrees of freedom.
            #[napi(getter)]
            pub fn df_model(&self) -> f64 {
                self.ols_fit().df_model
            }

            /// Residual degrees of freedom.
            #[napi(getter)]
            pub fn df_resid(&self) -> f64 {
                self.ols_fit().df_resid
            }

            /// Sum of squared residuals.
            #[napi(getter)]
            pub fn ssr(&self) -> f64 {
                self.ols_fit().ssr
            }

            /// Total sum of squares (centred with an intercept).
            #[napi(getter)]
            pub fn tss(&self) -> f64 {
                self.ols_fit().tss
            }

            /// Mean of the target.
            #[napi(getter)]
            pub fn mean_y(&self) -> f64 {
                self.ols_fit().mean_y
            }

            /// Coefficient of determination R².
            #[napi(getter)]
            pub fn r_squared(&self) -> f64 {
                self.ols_fit().r_squared
            }

            /// Adjusted R².
            #[napi(getter)]
            pub fn adj_r_squared(&self) -> f64 {
                self.ols_fit().adj_r_squared
            }

            /// F statistic against the intercept-only model.
            #[napi(getter)]
            pub fn f_statistic(&self) -> f64 {
                self.ols_fit().f_statistic
            }

            /// p-value of F.
            #[napi(getter)]
            pub fn f_p_value(&self) -> f64 {
                self.ols_fit().f_p_value
            }

            /// Residual standard error σ.
            #[napi(getter)]
            pub fn residual_std_error(&self) -> f64 {
                self.ols_fit().residual_std_error
            }

            /// Log-likelihood.
            #[napi(getter)]
            pub fn log_likelihood(&self) -> f64 {
                self.ols_fit().log_likelihood
            }

            /// Akaike information criterion.
            #[napi(getter)]
            pub fn aic(&self) -> f64 {
                self.ols_fit().aic
            }

            /// Bayesian information criterion.
            #[napi(getter)]
            pub fn bic(&self) -> f64 {
                self.ols_fit().bic
            }

            /// Durbin-Watson statistic of the residuals.
            #[napi(getter)]
            pub fn durbin_watson(&self) -> f64 {
                self.ols_fit().durbin_watson
            }

            /// Lag-1 autocorrelation of the residuals.
            #[napi(getter)]
            pub fn resid_autocorr_lag1(&self) -> f64 {
                self.ols_fit().resid_autocorr_lag1
            }

            /// CV(RMSE), percent (ASHRAE Guideline 14, `n - p` degrees of freedom).
            #[napi(getter)]
            pub fn cv_rmse_pct(&self) -> f64 {
                self.ols_fit().cv_rmse_pct
            }

            /// Normalised mean bias error, percent (ASHRAE Guideline 14).
            #[napi(getter)]
            pub fn nmbe_pct(&self) -> f64 {
                self.ols_fit().nmbe_pct
            }

            /// A statsmodels-like text summary (enms-core's).
            #[napi]
            pub fn summary(&self) -> String {
                self.ols_fit().summary()
            }
        }
    };
}

/// `toJSON()` and `Baseline.fromJSON(text)`-style loading for a class holding a core model in
/// `inner`.
macro_rules! json_methods {
    ($class:ident, $core:ty) => {
        #[napi]
        impl $class {
            /// The model as enms-core serialises it (snake_case keys; a baseline with its
            /// `format_version`): `JSON.stringify(model)` saves it, in the form the server and
            /// the Python face read too.
            #[napi(js_name = "toJSON", ts_return_type = "Record<string, any>")]
            pub fn to_json(&self, env: Env) -> napi::Result<serde_json::Value> {
                run(env, || to_json(&*self.inner))
            }

            /// Loads a model from the text `JSON.stringify(model)` wrote.
            #[napi(factory, js_name = "fromJSON")]
            pub fn from_json(env: Env, json: String) -> napi::Result<Self> {
                run(env, || Ok(parse_json::<$core>(&json)?.into()))
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// OLS

/// A fitted ordinary least squares regression with its statistics.
#[napi]
pub struct OlsFit {
    inner: Arc<CoreOlsFit>,
}

impl OlsFit {
    fn ols_fit(&self) -> &CoreOlsFit {
        &self.inner
    }
}

impl From<CoreOlsFit> for OlsFit {
    fn from(f: CoreOlsFit) -> Self {
        OlsFit { inner: Arc::new(f) }
    }
}

ols_statistics!(OlsFit);
json_methods!(OlsFit, CoreOlsFit);

fn ols_predict(
    fit: &CoreOlsFit,
    columns: &[(String, Vec<f64>)],
    level: f64,
) -> Fallible<Prediction> {
    let mut ordered = Vec::with_capacity(columns.len());
    for name in fit.driver_names() {
        let col = columns
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| invalid(name, "the model needs this driver".into()))?;
        ordered.push(col.1.as_slice());
    }
    Ok(fit.predict_interval(&ordered, level)?)
}

#[napi]
impl OlsFit {
    /// Predictions with prediction and confidence intervals at `level` (e.g. 0.95) for new
    /// driver columns given by name, on the calling thread.
    #[napi(ts_args_type = "drivers: Record<string, Float64Array | number[]>, level: number")]
    pub fn predict_sync(
        &self,
        env: Env,
        drivers: Object,
        level: f64,
    ) -> napi::Result<PredictionJs> {
        let cols = numeric_columns_of(&drivers)?;
        run(env, || Ok(ols_predict(&self.inner, &cols, level)?.into()))
    }

    /// Predictions with intervals off the main thread.
    #[napi(
        ts_args_type = "drivers: Record<string, Float64Array | number[]>, level: number",
        ts_return_type = "Promise<Prediction>"
    )]
    pub fn predict(
        &self,
        drivers: Object,
        level: f64,
    ) -> napi::Result<AsyncTask<Job<Prediction, PredictionJs>>> {
        let cols = numeric_columns_of(&drivers)?;
        let fit = Arc::clone(&self.inner);
        Ok(AsyncTask::new(Job::new(
            move || ols_predict(&fit, &cols, level),
            PredictionJs::from,
        )))
    }
}

struct OlsInput {
    y: Vec<f64>,
    columns: Vec<(String, Vec<f64>)>,
    options: OlsOptions,
}

fn ols_input(
    y: &NumberColumn,
    drivers: &Object,
    o: Option<&OlsOptionsJs>,
) -> napi::Result<OlsInput> {
    Ok(OlsInput {
        y: number_column(y),
        columns: numeric_columns_of(drivers)?,
        options: ols_options(o),
    })
}

fn ols_run(i: OlsInput) -> Fallible<CoreOlsFit> {
    let refs: Vec<(&str, &[f64])> = i
        .columns
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    Ok(ols(&i.y, &refs, &i.options)?)
}

/// Ordinary least squares of `y` on named numeric columns (QR, statsmodels' statistics), on the
/// calling thread.
#[napi(
    ts_args_type = "y: Float64Array | number[], drivers: Record<string, Float64Array | number[]>, options?: OlsOptions"
)]
pub fn ols_sync(
    env: Env,
    y: NumberColumn,
    drivers: Object,
    options: Option<OlsOptionsJs>,
) -> napi::Result<OlsFit> {
    let input = ols_input(&y, &drivers, options.as_ref())?;
    run(env, || Ok(ols_run(input)?.into()))
}

/// Ordinary least squares off the main thread.
#[napi(
    js_name = "ols",
    ts_args_type = "y: Float64Array | number[], drivers: Record<string, Float64Array | number[]>, options?: OlsOptions",
    ts_return_type = "Promise<OlsFit>"
)]
pub fn ols_async(
    y: NumberColumn,
    drivers: Object,
    options: Option<OlsOptionsJs>,
) -> napi::Result<AsyncTask<Job<CoreOlsFit, OlsFit>>> {
    let input = ols_input(&y, &drivers, options.as_ref())?;
    Ok(AsyncTask::new(Job::new(
        move || ols_run(input),
        OlsFit::from,
    )))
}

// ---------------------------------------------------------------------------------------------
// Regression baselines

/// A fitted energy baseline (ISO 50006): the regression with its statistics, its drivers (with
/// categorical levels), its training period and its gate reports. Made by `fitBaseline` or
/// `Baseline.fromJSON`.
#[napi]
pub struct Baseline {
    inner: Arc<CoreBaseline>,
}

impl Baseline {
    fn ols_fit(&self) -> &CoreOlsFit {
        &self.inner.fit
    }
}

impl From<CoreBaseline> for Baseline {
    fn from(b: CoreBaseline) -> Self {
        Baseline { inner: Arc::new(b) }
    }
}

ols_statistics!(Baseline);
json_methods!(Baseline, CoreBaseline);

struct PerformanceInput {
    baseline: Arc<CoreBaseline>,
    actual: Vec<f64>,
    drivers: Vec<Driver>,
    options: PerformanceOptions,
}

fn performance_run(i: PerformanceInput) -> Fallible<PerformanceReport> {
    Ok(core_baseline::performance(
        &i.baseline,
        &i.actual,
        &i.drivers,
        &i.options,
    )?)
}

#[napi]
impl Baseline {
    /// Version of enms' serialised form the model was written with.
    #[napi(getter)]
    pub fn format_version(&self) -> u32 {
        self.inner.format_version
    }

    /// Name of the modelled quantity.
    #[napi(getter)]
    pub fn target(&self) -> String {
        self.inner.target.clone()
    }

    /// The drivers, in input order, with the levels of categorical ones.
    #[napi(getter)]
    pub fn drivers(&self) -> Vec<DriverSpecJs> {
        self.inner.drivers.iter().map(Into::into).collect()
    }

    /// Training period (ms), when given.
    #[napi(getter)]
    pub fn training(&self) -> Option<PeriodJs> {
        self.inner.training.map(|r| PeriodJs {
            start: us_to_ms(r.start),
            end: us_to_ms(r.end),
        })
    }

    /// The outcome of each gate set.
    #[napi(getter)]
    pub fn gates(&self) -> Vec<GateReportJs> {
        self.inner.gates.iter().map(Into::into).collect()
    }

    /// Every failing gate as one sentence (`set gate: reason`).
    #[napi(getter)]
    pub fn failures(&self) -> Vec<String> {
        self.inner.failures()
    }

    /// Whether every gate set passed (a model that did not is refused by `performance`).
    #[napi(getter)]
    pub fn passed(&self) -> bool {
        self.inner.passed()
    }

    /// The regression alone, as an `OlsFit`.
    #[napi(getter)]
    pub fn fit(&self) -> OlsFit {
        self.inner.fit.clone().into()
    }

    /// Predictions with prediction and confidence intervals at `level` (e.g. 0.95) for new driver
    /// values (every driver of the model, by name), on the calling thread.
    #[napi(
        ts_args_type = "drivers: Record<string, Float64Array | number[] | string[]>, level: number"
    )]
    pub fn predict_sync(
        &self,
        env: Env,
        drivers: Object,
        level: f64,
    ) -> napi::Result<PredictionJs> {
        let d = drivers_of(&drivers)?;
        run(env, || Ok(self.inner.predict(&d, level)?.into()))
    }

    /// Predictions with intervals off the main thread.
    #[napi(
        ts_args_type = "drivers: Record<string, Float64Array | number[] | string[]>, level: number",
        ts_return_type = "Promise<Prediction>"
    )]
    pub fn predict(
        &self,
        drivers: Object,
        level: f64,
    ) -> napi::Result<AsyncTask<Job<Prediction, PredictionJs>>> {
        let d = drivers_of(&drivers)?;
        let b = Arc::clone(&self.inner);
        Ok(AsyncTask::new(Job::new(
            move || Ok(b.predict(&d, level)?),
            PredictionJs::from,
        )))
    }

    /// Deviation, CUSUM, EnPI and savings with their uncertainty over a reporting period
    /// (`actual` energy per period and the period's drivers), on the calling thread. A model
    /// that failed its gates is refused unless `allowFailedGates`.
    #[napi(
        ts_args_type = "actual: Float64Array | number[], drivers: Record<string, Float64Array | number[] | string[]>, options?: PerformanceOptions"
    )]
    pub fn performance_sync(
        &self,
        env: Env,
        actual: NumberColumn,
        drivers: Object,
        options: Option<PerformanceOptionsJs>,
    ) -> napi::Result<PerformanceReportJs> {
        let input = self.performance_input(&actual, &drivers, options.as_ref())?;
        run(env, || Ok(performance_run(input)?.into()))
    }

    /// The performance report off the main thread.
    #[napi(
        ts_args_type = "actual: Float64Array | number[], drivers: Record<string, Float64Array | number[] | string[]>, options?: PerformanceOptions",
        ts_return_type = "Promise<PerformanceReport>"
    )]
    pub fn performance(
        &self,
        actual: NumberColumn,
        drivers: Object,
        options: Option<PerformanceOptionsJs>,
    ) -> napi::Result<AsyncTask<Job<PerformanceReport, PerformanceReportJs>>> {
        let input = self.performance_input(&actual, &drivers, options.as_ref())?;
        Ok(AsyncTask::new(Job::new(
            move || performance_run(input),
            PerformanceReportJs::from,
        )))
    }
}

impl Baseline {
    fn performance_input(
        &self,
        actual: &NumberColumn,
        drivers: &Object,
        options: Option<&PerformanceOptionsJs>,
    ) -> napi::Result<PerformanceInput> {
        Ok(PerformanceInput {
            baseline: Arc::clone(&self.inner),
            actual: number_column(actual),
            drivers: drivers_of(drivers)?,
            options: performance_options(options),
        })
    }
}

struct FitInput {
    y: Vec<f64>,
    drivers: Vec<Driver>,
    options: BaselineOptions,
}

fn fit_input(
    env: Env,
    y: &NumberColumn,
    drivers: &Object,
    o: Option<&BaselineOptionsJs>,
) -> napi::Result<FitInput> {
    let drivers = drivers_of(drivers)?;
    let options = run(env, || baseline_options(o))?;
    Ok(FitInput {
        y: number_column(y),
        drivers,
        options,
    })
}

fn fit_run(i: FitInput) -> Fallible<CoreBaseline> {
    Ok(CoreBaseline::fit(&i.y, &i.drivers, &i.options)?)
}

/// Fits an energy baseline of `y` (energy per period) on named driver columns (numbers: numeric,
/// strings: categorical) and checks its gates, on the calling thread.
#[napi(
    ts_args_type = "y: Float64Array | number[], drivers: Record<string, Float64Array | number[] | string[]>, options?: BaselineOptions"
)]
pub fn fit_baseline_sync(
    env: Env,
    y: NumberColumn,
    drivers: Object,
    options: Option<BaselineOptionsJs>,
) -> napi::Result<Baseline> {
    let input = fit_input(env, &y, &drivers, options.as_ref())?;
    run(env, || Ok(fit_run(input)?.into()))
}

/// Fits an energy baseline off the main thread.
#[napi(
    ts_args_type = "y: Float64Array | number[], drivers: Record<string, Float64Array | number[] | string[]>, options?: BaselineOptions",
    ts_return_type = "Promise<Baseline>"
)]
pub fn fit_baseline(
    env: Env,
    y: NumberColumn,
    drivers: Object,
    options: Option<BaselineOptionsJs>,
) -> napi::Result<AsyncTask<Job<CoreBaseline, Baseline>>> {
    let input = fit_input(env, &y, &drivers, options.as_ref())?;
    Ok(AsyncTask::new(Job::new(
        move || fit_run(input),
        Baseline::from,
    )))
}

// ---------------------------------------------------------------------------------------------
// Driver selection

struct SelectInput {
    y: Vec<f64>,
    drivers: Vec<Driver>,
    options: SelectionOptions,
}

fn select_input(
    env: Env,
    y: &NumberColumn,
    drivers: &Object,
    o: Option<&SelectionOptionsJs>,
) -> napi::Result<SelectInput> {
    let drivers = drivers_of(drivers)?;
    let options = run(env, || selection_options(o))?;
    Ok(SelectInput {
        y: number_column(y),
        drivers,
        options,
    })
}

fn select_run(i: SelectInput) -> Fallible<Vec<DriverCandidate>> {
    Ok(select_drivers(&i.y, &i.drivers, &i.options)?)
}

/// Fits every subset of the candidate drivers up to `maxDrivers` and ranks them (recommended
/// first, then adjusted R², then AIC); subsets that cannot be fitted are listed with their
/// reason. On the calling thread.
#[napi(
    ts_args_type = "y: Float64Array | number[], drivers: Record<string, Float64Array | number[] | string[]>, options?: SelectionOptions"
)]
pub fn select_drivers_sync(
    env: Env,
    y: NumberColumn,
    drivers: Object,
    options: Option<SelectionOptionsJs>,
) -> napi::Result<Vec<DriverCandidateJs>> {
    let input = select_input(env, &y, &drivers, options.as_ref())?;
    run(env, || Ok(candidates_js(select_run(input)?)))
}

/// The driver search off the main thread.
#[napi(
    ts_args_type = "y: Float64Array | number[], drivers: Record<string, Float64Array | number[] | string[]>, options?: SelectionOptions",
    js_name = "selectDrivers",
    ts_return_type = "Promise<DriverCandidate[]>"
)]
pub fn select_drivers_async(
    env: Env,
    y: NumberColumn,
    drivers: Object,
    options: Option<SelectionOptionsJs>,
) -> napi::Result<AsyncTask<Job<Vec<DriverCandidate>, Vec<DriverCandidateJs>>>> {
    let input = select_input(env, &y, &drivers, options.as_ref())?;
    Ok(AsyncTask::new(Job::new(
        move || select_run(input),
        candidates_js,
    )))
}

// ---------------------------------------------------------------------------------------------
// Temperature change-point models

/// A fitted temperature change-point model (mean, 3P heating or cooling, 4P, 5P).
#[napi]
pub struct ChangePointModel {
    inner: Arc<CoreChangePointModel>,
}

impl ChangePointModel {
    fn ols_fit(&self) -> &CoreOlsFit {
        &self.inner.fit
    }
}

impl From<CoreChangePointModel> for ChangePointModel {
    fn from(m: CoreChangePointModel) -> Self {
        ChangePointModel { inner: Arc::new(m) }
    }
}

ols_statistics!(ChangePointModel);
json_methods!(ChangePointModel, CoreChangePointModel);

fn predict_temps(m: &CoreChangePointModel, temp_c: &[f64]) -> Fallible<Float64Array> {
    Ok(Float64Array::new(m.predict(temp_c)?))
}

#[napi]
impl ChangePointModel {
    /// Shape: `mean`, `heating_3p`, `cooling_3p`, `four_p` or `five_p`.
    #[napi(getter)]
    pub fn kind(&self) -> String {
        self.inner.kind.as_str().into()
    }

    /// Heating balance point, °C (`null` without a heating slope).
    #[napi(getter)]
    pub fn heating_balance_c(&self) -> Option<f64> {
        self.inner.heating_balance_c
    }

    /// Cooling balance point, °C (`null` without a cooling slope).
    #[napi(getter)]
    pub fn cooling_balance_c(&self) -> Option<f64> {
        self.inner.cooling_balance_c
    }

    /// The best candidate of every shape considered.
    #[napi(getter)]
    pub fn candidates(&self) -> Vec<ChangePointCandidateJs> {
        self.inner
            .candidates
            .iter()
            .map(|c| ChangePointCandidateJs {
                kind: c.kind.as_str().into(),
                heating_balance_c: c.heating_balance_c,
                cooling_balance_c: c.cooling_balance_c,
                adj_r_squared: c.adj_r_squared,
                qualified: c.qualified,
            })
            .collect()
    }

    /// The regression on the degree terms (`hdd`, `cdd`), as an `OlsFit`.
    #[napi(getter)]
    pub fn fit(&self) -> OlsFit {
        self.inner.fit.clone().into()
    }

    /// Predicted energy per period for mean temperatures `tempC`.
    #[napi(ts_args_type = "tempC: Float64Array | number[]")]
    pub fn predict(&self, env: Env, temp_c: NumberColumn) -> napi::Result<Float64Array> {
        let t = number_column(&temp_c);
        run(env, || predict_temps(&self.inner, &t))
    }

    /// Deviation, CUSUM, EnPI and savings with their uncertainty over a reporting period: the
    /// `actual` energy per period against the model's expectation at the periods' mean
    /// temperatures `tempC` (`allowFailedGates` does not apply: the model has no gates).
    #[napi(
        ts_args_type = "tempC: Float64Array | number[], actual: Float64Array | number[], options?: PerformanceOptions"
    )]
    pub fn performance(
        &self,
        env: Env,
        temp_c: NumberColumn,
        actual: NumberColumn,
        options: Option<PerformanceOptionsJs>,
    ) -> napi::Result<PerformanceReportJs> {
        let o = performance_options(options.as_ref());
        let (t, a) = (number_column(&temp_c), number_column(&actual));
        run(env, || Ok(self.inner.performance(&t, &a, &o)?.into()))
    }
}

struct ChangePointInput {
    temp_c: Vec<f64>,
    energy: Vec<f64>,
    options: ChangePointOptions,
}

fn change_point_input(
    t: &NumberColumn,
    e: &NumberColumn,
    o: Option<&ChangePointOptionsJs>,
) -> Fallible<ChangePointInput> {
    Ok(ChangePointInput {
        temp_c: number_column(t),
        energy: number_column(e),
        options: change_point_options(o)?,
    })
}

fn change_point_run(i: ChangePointInput) -> Fallible<CoreChangePointModel> {
    Ok(fit_change_point(&i.temp_c, &i.energy, &i.options)?)
}

/// Searches every change-point shape and balance point (CalTRACK-style selection) for energy
/// per period against the period's mean outdoor temperature, on the calling thread.
#[napi(
    ts_args_type = "tempC: Float64Array | number[], energy: Float64Array | number[], options?: ChangePointOptions"
)]
pub fn fit_change_point_sync(
    env: Env,
    temp_c: NumberColumn,
    energy: NumberColumn,
    options: Option<ChangePointOptionsJs>,
) -> napi::Result<ChangePointModel> {
    run(env, || {
        Ok(change_point_run(change_point_input(&temp_c, &energy, options.as_ref())?)?.into())
    })
}

/// The change-point search off the main thread.
#[napi(
    ts_args_type = "tempC: Float64Array | number[], energy: Float64Array | number[], options?: ChangePointOptions",
    js_name = "fitChangePoint",
    ts_return_type = "Promise<ChangePointModel>"
)]
pub fn fit_change_point_async(
    env: Env,
    temp_c: NumberColumn,
    energy: NumberColumn,
    options: Option<ChangePointOptionsJs>,
) -> napi::Result<AsyncTask<Job<CoreChangePointModel, ChangePointModel>>> {
    let input = run(env, || {
        change_point_input(&temp_c, &energy, options.as_ref())
    })?;
    Ok(AsyncTask::new(Job::new(
        move || change_point_run(input),
        ChangePointModel::from,
    )))
}

// ---------------------------------------------------------------------------------------------
// Time of week and temperature

/// A fitted hourly time-of-week-and-temperature model.
#[napi]
pub struct TowtModel {
    inner: Arc<CoreTowtModel>,
}

impl From<CoreTowtModel> for TowtModel {
    fn from(m: CoreTowtModel) -> Self {
        TowtModel { inner: Arc::new(m) }
    }
}

#[napi]
impl TowtModel {
    /// Level of each local hour of the week (Monday 00:00 = 0, ..., 167; NaN where the training
    /// data had no such hour).
    #[napi(getter)]
    pub fn tow_levels(&self) -> Float64Array {
        Float64Array::new(self.inner.tow_levels.clone())
    }

    /// Whether each hour of the week is occupied.
    #[napi(getter)]
    pub fn occupied(&self) -> Vec<bool> {
        self.inner.occupied.clone()
    }

    /// Temperature segment slopes in occupied hours.
    #[napi(getter)]
    pub fn occupied_slopes(&self) -> Float64Array {
        Float64Array::new(self.inner.occupied_slopes.clone())
    }

    /// Temperature segment slopes in unoccupied hours.
    #[napi(getter)]
    pub fn unoccupied_slopes(&self) -> Float64Array {
        Float64Array::new(self.inner.unoccupied_slopes.clone())
    }

    /// Temperature knots, °C.
    #[napi(getter)]
    pub fn knots_c(&self) -> Vec<f64> {
        self.inner.options.knots_c.clone()
    }

    /// IANA time zone of the hours of the week.
    #[napi(getter)]
    pub fn timezone(&self) -> String {
        self.inner.options.timezone.clone()
    }

    /// Observations.
    #[napi(getter)]
    pub fn n(&self) -> f64 {
        self.inner.n as f64
    }

    /// Parameters (levels present plus slopes).
    #[napi(getter)]
    pub fn n_params(&self) -> f64 {
        self.inner.n_params as f64
    }

    /// Coefficient of determination.
    #[napi(getter)]
    pub fn r_squared(&self) -> f64 {
        self.inner.r_squared
    }

    /// CV(RMSE), percent (ASHRAE Guideline 14).
    #[napi(getter)]
    pub fn cv_rmse_pct(&self) -> f64 {
        self.inner.cv_rmse_pct
    }

    /// NMBE, percent (ASHRAE Guideline 14).
    #[napi(getter)]
    pub fn nmbe_pct(&self) -> f64 {
        self.inner.nmbe_pct
    }

    /// Lag-1 autocorrelation of the training residuals (it widens the savings uncertainty).
    #[napi(getter)]
    pub fn resid_autocorr_lag1(&self) -> f64 {
        self.inner.resid_autocorr_lag1
    }

    /// Deviation, CUSUM, EnPI and savings with their uncertainty over a reporting period: the
    /// `actual` energy of the hours starting at `ts` against the model's expectation at their
    /// temperatures `tempC`, on the calling thread.
    #[napi(
        ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[], actual: Float64Array | number[], options?: PerformanceOptions"
    )]
    pub fn performance_sync(
        &self,
        env: Env,
        ts: TimeColumn,
        temp_c: NumberColumn,
        actual: NumberColumn,
        options: Option<PerformanceOptionsJs>,
    ) -> napi::Result<PerformanceReportJs> {
        time_temp_performance_sync(
            env,
            self.inner.as_ref(),
            &ts,
            "ts",
            &temp_c,
            &actual,
            options.as_ref(),
        )
    }

    /// The performance report off the main thread.
    #[napi(
        ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[], actual: Float64Array | number[], options?: PerformanceOptions",
        ts_return_type = "Promise<PerformanceReport>"
    )]
    pub fn performance(
        &self,
        env: Env,
        ts: TimeColumn,
        temp_c: NumberColumn,
        actual: NumberColumn,
        options: Option<PerformanceOptionsJs>,
    ) -> napi::Result<AsyncTask<Job<PerformanceReport, PerformanceReportJs>>> {
        time_temp_performance_task(
            env,
            &self.inner,
            &ts,
            "ts",
            &temp_c,
            &actual,
            options.as_ref(),
        )
    }

    /// Predicted energy for hours starting at `ts` with mean temperatures `tempC`, on the calling
    /// thread.
    #[napi(
        ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[]"
    )]
    pub fn predict_sync(
        &self,
        env: Env,
        ts: TimeColumn,
        temp_c: NumberColumn,
    ) -> napi::Result<Float64Array> {
        time_temp_predict_sync(env, self.inner.as_ref(), &ts, "ts", &temp_c)
    }

    /// Predictions off the main thread.
    #[napi(
        ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[]",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn predict(
        &self,
        env: Env,
        ts: TimeColumn,
        temp_c: NumberColumn,
    ) -> napi::Result<AsyncTask<Job<Vec<f64>, Float64Array>>> {
        time_temp_predict_task(env, &self.inner, &ts, "ts", &temp_c)
    }
}

struct TowtInput {
    ts: Vec<i64>,
    temp_c: Vec<f64>,
    energy: Vec<f64>,
    options: TowtOptions,
}

fn towt_input(
    ts: &TimeColumn,
    t: &NumberColumn,
    e: &NumberColumn,
    o: Option<&TowtOptionsJs>,
) -> Fallible<TowtInput> {
    Ok(TowtInput {
        ts: time_column(ts, "ts")?,
        temp_c: number_column(t),
        energy: number_column(e),
        options: towt_options(o),
    })
}

fn towt_run(i: TowtInput) -> Fallible<CoreTowtModel> {
    Ok(fit_towt(&i.ts, &i.temp_c, &i.energy, &i.options)?)
}

/// Fits the hourly time-of-week-and-temperature model (LBNL / CalTRACK hourly) on hourly energy
/// and the hour's mean outdoor temperature, at the hours starting at `ts`; on the calling thread.
#[napi(
    ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[], energy: Float64Array | number[], options?: TowtOptions"
)]
pub fn fit_towt_sync(
    env: Env,
    ts: TimeColumn,
    temp_c: NumberColumn,
    energy: NumberColumn,
    options: Option<TowtOptionsJs>,
) -> napi::Result<TowtModel> {
    run(env, || {
        Ok(towt_run(towt_input(&ts, &temp_c, &energy, options.as_ref())?)?.into())
    })
}

/// The TOWT fit off the main thread.
#[napi(
    ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[], energy: Float64Array | number[], options?: TowtOptions",
    js_name = "fitTowt",
    ts_return_type = "Promise<TowtModel>"
)]
pub fn fit_towt_async(
    env: Env,
    ts: TimeColumn,
    temp_c: NumberColumn,
    energy: NumberColumn,
    options: Option<TowtOptionsJs>,
) -> napi::Result<AsyncTask<Job<CoreTowtModel, TowtModel>>> {
    let input = run(env, || towt_input(&ts, &temp_c, &energy, options.as_ref()))?;
    Ok(AsyncTask::new(Job::new(
        move || towt_run(input),
        TowtModel::from,
    )))
}

// ---------------------------------------------------------------------------------------------
// The daily model by season and day type (after the macros it uses)

mod daily;
