//! Demand forecasting (enms-core `forecast`): fit a model on a regular series, forecast a horizon
//! with prediction intervals, backtest a model with rolling origins, find a forecast day's peak and
//! the hours at risk of exceeding a threshold, and watch a deployed model for drift.
//!
//! The model and its options are enms-core's `ForecastSpec` as a plain object in its serde form
//! (snake_case keys): `{ model: 'auto' }`, `{ model: 'seasonal', calendar: { time_zone:
//! 'Europe/Berlin', holidays: ['2025-12-25'] }, daily_order: 8 }`, and the models the core adds,
//! without a change here. An option the model does not have is refused (`ENMS_INVALID_PARAMETER`,
//! `field` naming it). Times are ms since the epoch; regressors are an object of named columns.

use std::sync::Arc;

use enms_core::forecast::{
    backtest as core_backtest, fit_forecaster, local_day as core_local_day, monitor_drift,
    peak_forecast as core_peak_forecast, Accuracy, Backtest, BacktestOptions, DriftOptions,
    DriftReport, Forecast, ForecastSpec, Forecaster as CoreForecaster, PeakForecast, PeakOptions,
    PredictionInterval,
};
use enms_core::Error;
use napi::bindgen_prelude::{AsyncTask, Float64Array, Object};
use napi::{Env, JsUnknown};
use napi_derive::napi;

use crate::baseline::numeric_columns_of;
use crate::convert::{
    json_of, ms_column, number_column, time, time_column, us_to_ms, NumberColumn, TimeColumn,
    TimeJs,
};
use crate::error::{run, Fallible, JsErrorParts};
use crate::task::Job;

fn invalid(name: &str, reason: impl Into<String>) -> JsErrorParts {
    Error::InvalidParameter {
        name: name.into(),
        reason: reason.into(),
    }
    .into()
}

/// A horizon from JS: a JS number arrives as a signed integer here, so that `-1` is refused as
/// what it is (an unsigned conversion would wrap it to 4294967295); the core checks the range.
fn horizon_of(h: i64) -> Fallible<usize> {
    usize::try_from(h)
        .map_err(|_| invalid("horizon", format!("a number of steps, at least 1; got {h}")))
}

/// The core's [`ForecastSpec`] from its serde form (absent: the core's default, `auto`); the core
/// fills defaults and refuses unknown options, naming them.
fn spec_of(given: Option<serde_json::Value>) -> Fallible<ForecastSpec> {
    match given.filter(|v| !v.is_null()) {
        None => Ok(ForecastSpec::default()),
        Some(v) => Ok(ForecastSpec::from_json_value(&v)?),
    }
}

fn rename(e: Error) -> JsErrorParts {
    let mut e = e;
    e.rename_field("timestamps", "ts");
    e.into()
}

fn levels_of(levels: Option<Vec<f64>>) -> Vec<f64> {
    // The core's default levels are those of its backtest options.
    levels.unwrap_or_else(|| BacktestOptions::default().levels)
}

fn regressors_of(obj: Option<&Object>) -> napi::Result<Vec<(String, Vec<f64>)>> {
    match obj {
        Some(o) => numeric_columns_of(o),
        None => Ok(Vec::new()),
    }
}

fn refs(regs: &[(String, Vec<f64>)]) -> Vec<(&str, &[f64])> {
    regs.iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Results out

/// A prediction interval at one level.
#[napi(object, js_name = "PredictionInterval")]
pub struct IntervalJs {
    /// Nominal coverage in (0, 1), e.g. 0.8.
    pub level: f64,
    /// Lower bound of each step.
    pub lower: Float64Array,
    /// Upper bound of each step.
    pub upper: Float64Array,
}

/// A forecast: the steps after the training data, the point forecast and one interval per level.
#[napi(object, js_name = "Forecast")]
pub struct ForecastJs {
    /// Start of each step, ms since the epoch.
    pub ts: Float64Array,
    /// Point forecast (the conditional mean) of each step.
    pub mean: Float64Array,
    /// One interval per requested level, in the order requested.
    pub intervals: Vec<IntervalJs>,
}

fn forecast_js(f: Forecast) -> ForecastJs {
    ForecastJs {
        ts: ms_column(&f.timestamps),
        mean: Float64Array::new(f.mean),
        intervals: f
            .intervals
            .into_iter()
            .map(|i| IntervalJs {
                level: i.level,
                lower: Float64Array::new(i.lower),
                upper: Float64Array::new(i.upper),
            })
            .collect(),
    }
}

/// Share of actual values inside one interval.
#[napi(object, js_name = "IntervalCoverage")]
pub struct CoverageJs {
    /// Nominal level.
    pub level: f64,
    /// Observed share inside.
    pub coverage: f64,
}

/// Accuracy of forecasts against what happened.
#[napi(object, js_name = "ForecastAccuracy")]
pub struct AccuracyJs {
    /// Scored steps (actual values present).
    pub n: u32,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute scaled error (MAE over the in-sample seasonal naive MAE).
    pub mase: f64,
    /// Mean of forecast minus actual (positive: too high).
    pub bias: f64,
    /// Coverage of each interval.
    pub coverage: Vec<CoverageJs>,
}

fn accuracy_js(a: Accuracy) -> AccuracyJs {
    AccuracyJs {
        n: a.n as u32,
        mae: a.mae,
        rmse: a.rmse,
        mase: a.mase,
        bias: a.bias,
        coverage: a
            .coverage
            .into_iter()
            .map(|c| CoverageJs {
                level: c.level,
                coverage: c.coverage,
            })
            .collect(),
    }
}

/// One backtest window.
#[napi(object, js_name = "BacktestWindow")]
pub struct BacktestWindowJs {
    /// First forecast step, ms.
    pub origin: f64,
    /// Training steps before the origin.
    pub train_len: u32,
    /// The fitted model in words.
    pub model: String,
    /// The window's accuracy.
    pub accuracy: AccuracyJs,
    /// The window's forecast.
    pub forecast: ForecastJs,
}

/// A rolling-origin backtest: the windows, oldest first, and the pooled accuracy.
#[napi(object, js_name = "Backtest")]
pub struct BacktestJs {
    /// The windows.
    pub windows: Vec<BacktestWindowJs>,
    /// Pooled accuracy over all windows (MASE: the mean of the windows').
    pub overall: AccuracyJs,
}

fn backtest_js(b: Backtest) -> BacktestJs {
    BacktestJs {
        windows: b
            .windows
            .into_iter()
            .map(|w| BacktestWindowJs {
                origin: us_to_ms(w.origin),
                train_len: w.train_len as u32,
                model: w.model,
                accuracy: accuracy_js(w.accuracy),
                forecast: forecast_js(w.forecast),
            })
            .collect(),
        overall: accuracy_js(b.overall),
    }
}

/// A forecast step at risk of exceeding the threshold.
#[napi(object, js_name = "RiskStep")]
pub struct RiskStepJs {
    /// Start of the step, ms.
    pub ts: f64,
    /// Point forecast.
    pub mean: f64,
    /// Upper bound of the interval at the options' level.
    pub upper: f64,
    /// Probability that the actual value exceeds the threshold.
    pub probability: f64,
}

/// The forecast peak of a period and the steps at risk.
#[napi(object, js_name = "PeakForecast")]
pub struct PeakForecastJs {
    /// Start of the period, ms.
    pub start: f64,
    /// End of the period (exclusive), ms.
    pub end: f64,
    /// Largest point forecast in the period.
    pub peak: f64,
    /// Start of its step, ms.
    pub peak_at: f64,
    /// Upper bound of the interval at that step.
    pub peak_upper: f64,
    /// The threshold the risks refer to.
    pub threshold: Option<f64>,
    /// Steps whose exceedance probability reaches `minProbability`, in time order.
    pub at_risk: Vec<RiskStepJs>,
    /// Expected number of steps above the threshold.
    pub expected_exceedances: f64,
}

fn peak_js(p: PeakForecast) -> PeakForecastJs {
    PeakForecastJs {
        start: us_to_ms(p.start),
        end: us_to_ms(p.end),
        peak: p.peak,
        peak_at: us_to_ms(p.peak_at),
        peak_upper: p.peak_upper,
        threshold: p.threshold,
        at_risk: p
            .at_risk
            .into_iter()
            .map(|r| RiskStepJs {
                ts: us_to_ms(r.timestamp),
                mean: r.mean,
                upper: r.upper,
                probability: r.probability,
            })
            .collect(),
        expected_exceedances: p.expected_exceedances,
    }
}

/// One drift monitoring window.
#[napi(object, js_name = "DriftWindow")]
pub struct DriftWindowJs {
    /// First step of the window, ms.
    pub start: f64,
    /// Observed steps.
    pub n: u32,
    /// MAE of the window.
    pub mae: f64,
    /// MAE over the reference MAE.
    pub ratio: f64,
    /// Mean error over the reference MAE.
    pub bias: f64,
    /// Whether the window drifts.
    pub drifted: bool,
}

/// The drift monitor's verdict.
#[napi(object, js_name = "DriftReport")]
pub struct DriftReportJs {
    /// The reference MAE.
    pub reference_mae: f64,
    /// The windows, oldest first.
    pub windows: Vec<DriftWindowJs>,
    /// The last `patience` windows all drift: retrain the model.
    pub retrain: bool,
    /// Start of the current run of drifting windows (ms), when flagged.
    pub since: Option<f64>,
    /// Why the model is flagged, in words.
    pub reason: Option<String>,
}

fn drift_js(r: DriftReport) -> DriftReportJs {
    DriftReportJs {
        reference_mae: r.reference_mae,
        windows: r
            .windows
            .into_iter()
            .map(|w| DriftWindowJs {
                start: us_to_ms(w.start),
                n: w.n as u32,
                mae: w.mae,
                ratio: w.ratio,
                bias: w.bias,
                drifted: w.drifted,
            })
            .collect(),
        retrain: r.retrain,
        since: r.since.map(us_to_ms),
        reason: r.reason,
    }
}

// ---------------------------------------------------------------------------------------------
// Options in

/// Options of a backtest; absent fields keep enms' defaults (24 steps, 4 windows, stride = the
/// horizon, levels 0.8 and 0.95, MASE season of one day).
#[napi(object, js_name = "BacktestOptions")]
pub struct BacktestOptionsJs {
    /// Steps forecast from each origin.
    pub horizon: Option<i64>,
    /// Number of windows.
    pub windows: Option<u32>,
    /// Steps between origins (0: the horizon).
    pub stride: Option<u32>,
    /// Interval levels whose coverage is reported.
    pub levels: Option<Vec<f64>>,
    /// MASE's season length in steps (0: one day of steps).
    pub season_length: Option<u32>,
}

fn backtest_options(o: Option<&BacktestOptionsJs>) -> Fallible<BacktestOptions> {
    let mut out = BacktestOptions::default();
    if let Some(o) = o {
        if let Some(h) = o.horizon {
            out.horizon = horizon_of(h)?;
        }
        if let Some(w) = o.windows {
            out.windows = w as usize;
        }
        if let Some(s) = o.stride {
            out.stride = s as usize;
        }
        if let Some(l) = &o.levels {
            out.levels = l.clone();
        }
        if let Some(s) = o.season_length {
            out.season_length = s as usize;
        }
    }
    Ok(out)
}

/// Options of a peak forecast; absent fields keep enms' defaults (level 0.95, no threshold,
/// minimum probability 0.1).
#[napi(object, js_name = "PeakForecastOptions")]
pub struct PeakOptionsJs {
    /// Level of the forecast interval giving the predictive spread (must be in the forecast).
    pub level: Option<f64>,
    /// Demand threshold (a contracted capacity, the month's peak so far).
    pub threshold: Option<f64>,
    /// Smallest exceedance probability that puts a step at risk.
    pub min_probability: Option<f64>,
}

/// Options of the drift monitor; absent fields keep enms' defaults (window 24, maxRatio 1.5,
/// maxBias 0.75, patience 3).
#[napi(object, js_name = "DriftOptions")]
pub struct DriftOptionsJs {
    /// Steps per window.
    pub window: Option<u32>,
    /// Largest tolerated MAE ratio to the reference.
    pub max_ratio: Option<f64>,
    /// Largest tolerated |mean error| as a share of the reference MAE.
    pub max_bias: Option<f64>,
    /// Consecutive drifting windows that flag the model.
    pub patience: Option<u32>,
}

/// A forecast given back to enms (what `forecast()` returned, or plain arrays).
#[napi(object, js_name = "ForecastInput")]
pub struct ForecastInputJs {
    /// Start of each step (ms, or microseconds in a `BigInt64Array`).
    #[napi(ts_type = "Float64Array | BigInt64Array | Array<number | string>")]
    pub ts: TimeColumn,
    /// Point forecast.
    #[napi(ts_type = "Float64Array | number[]")]
    pub mean: NumberColumn,
    /// Intervals.
    pub intervals: Vec<IntervalInputJs>,
}

/// An interval given back to enms.
#[napi(object, js_name = "PredictionIntervalInput")]
pub struct IntervalInputJs {
    /// Nominal level.
    pub level: f64,
    /// Lower bounds.
    #[napi(ts_type = "Float64Array | number[]")]
    pub lower: NumberColumn,
    /// Upper bounds.
    #[napi(ts_type = "Float64Array | number[]")]
    pub upper: NumberColumn,
}

// ---------------------------------------------------------------------------------------------
// The fitted model

/// A fitted forecasting model (enms-core `Forecaster`): forecasts any horizon after its training
/// data; `JSON.stringify(model)` saves it and `Forecaster.fromJSON(text)` loads it.
#[napi]
pub struct Forecaster {
    inner: Arc<CoreForecaster>,
    horizon: Option<u32>,
}

struct ForecastArgs {
    horizon: usize,
    regressors: Vec<(String, Vec<f64>)>,
    levels: Vec<f64>,
}

impl Forecaster {
    fn args(
        &self,
        horizon: Option<i64>,
        future: Option<&Object>,
        levels: Option<Vec<f64>>,
    ) -> napi::Result<Fallible<ForecastArgs>> {
        let regressors = regressors_of(future)?;
        Ok(match horizon.or(self.horizon.map(i64::from)) {
            Some(h) => horizon_of(h).map(|horizon| ForecastArgs {
                horizon,
                regressors,
                levels: levels_of(levels),
            }),
            None => Err(invalid(
                "horizon",
                "give the number of steps to forecast (a loaded model has no default horizon)",
            )),
        })
    }
}

fn forecast_run(m: &CoreForecaster, a: &ForecastArgs) -> Fallible<Forecast> {
    Ok(m.forecast(a.horizon, &refs(&a.regressors), &a.levels)?)
}

#[napi]
impl Forecaster {
    /// The fitted model in words, e.g. `seasonal(daily 11, weekly 3, yearly 0)`.
    #[napi(getter)]
    pub fn description(&self) -> String {
        self.inner.describe()
    }

    /// The regressors the model needs (in `futureRegressors`) to forecast.
    #[napi(getter)]
    pub fn regressor_names(&self) -> Vec<String> {
        self.inner.regressor_names()
    }

    /// The horizon the model was fitted for (the default of `forecast`), if known.
    #[napi(getter)]
    pub fn horizon(&self) -> Option<u32> {
        self.horizon
    }

    /// The forecast of `horizon` steps (default: the fit's) after the training data, with
    /// intervals at `levels` (default: enms', 0.8 and 0.95); `futureRegressors` holds each
    /// regressor's values for the horizon. On the calling thread.
    #[napi(
        ts_args_type = "horizon?: number | null, futureRegressors?: Record<string, Float64Array | number[]> | null, levels?: number[] | null"
    )]
    pub fn forecast_sync(
        &self,
        env: Env,
        horizon: Option<i64>,
        future_regressors: Option<Object>,
        levels: Option<Vec<f64>>,
    ) -> napi::Result<ForecastJs> {
        let a = self.args(horizon, future_regressors.as_ref(), levels)?;
        run(env, || Ok(forecast_js(forecast_run(&self.inner, &a?)?)))
    }

    /// The forecast off the main thread.
    #[napi(
        ts_args_type = "horizon?: number | null, futureRegressors?: Record<string, Float64Array | number[]> | null, levels?: number[] | null",
        ts_return_type = "Promise<Forecast>"
    )]
    pub fn forecast(
        &self,
        env: Env,
        horizon: Option<i64>,
        future_regressors: Option<Object>,
        levels: Option<Vec<f64>>,
    ) -> napi::Result<AsyncTask<Job<Forecast, ForecastJs>>> {
        let a = self.args(horizon, future_regressors.as_ref(), levels)?;
        let a = run(env, || a)?;
        let m = Arc::clone(&self.inner);
        Ok(AsyncTask::new(Job::new(
            move || forecast_run(&m, &a),
            forecast_js,
        )))
    }

    /// The model as enms-core serialises it (snake_case keys, `model` names its kind):
    /// `JSON.stringify(model)` saves it, in the form the server and the Python face read too.
    #[napi(js_name = "toJSON", ts_return_type = "Record<string, any>")]
    pub fn to_json(&self, env: Env) -> napi::Result<serde_json::Value> {
        run(env, || {
            serde_json::to_value(&*self.inner).map_err(|e| invalid("json", e.to_string()))
        })
    }

    /// Loads a model from the text `JSON.stringify(model)` wrote.
    #[napi(factory, js_name = "fromJSON")]
    pub fn from_json(env: Env, json: String) -> napi::Result<Self> {
        run(env, || {
            let inner: CoreForecaster = crate::baseline::parse_json(&json)?;
            Ok(Forecaster {
                inner: Arc::new(inner),
                horizon: None,
            })
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Fit and backtest

struct SeriesInput {
    ts: Vec<i64>,
    y: Vec<f64>,
    regressors: Vec<(String, Vec<f64>)>,
    spec: ForecastSpec,
}

fn series_input(
    env: Env,
    ts: &TimeColumn,
    y: &NumberColumn,
    regressors: Option<&Object>,
    spec: Option<JsUnknown>,
) -> napi::Result<SeriesInput> {
    let regs = regressors_of(regressors)?;
    run(env, || {
        Ok(SeriesInput {
            ts: time_column(ts, "ts")?,
            y: number_column(y),
            regressors: regs,
            // read by enms, not napi: napi's conversion panics on a BigInt
            spec: spec_of(spec.map(|v| json_of(v, "spec")).transpose()?)?,
        })
    })
}

fn fit_run(s: SeriesInput, horizon: i64) -> Fallible<Forecaster> {
    let h = horizon_of(horizon)?;
    let inner = fit_forecaster(&s.ts, &s.y, &refs(&s.regressors), &s.spec, h).map_err(rename)?;
    Ok(Forecaster {
        inner: Arc::new(inner),
        // the core accepted it: at most MAX_HORIZON steps
        horizon: u32::try_from(h).ok(),
    })
}

fn identity<T>(t: T) -> T {
    t
}

/// Fits the model `spec` (enms-core's `ForecastSpec`, default `{ model: 'auto' }`) to a regular
/// series (`ts`, one step apart; NaN in `y` for gaps) with `regressors` (an object of named
/// columns, finite everywhere), for forecasts `horizon` steps ahead; on the calling thread.
#[napi(
    ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, y: Float64Array | number[], regressors: Record<string, Float64Array | number[]> | null | undefined, spec: Record<string, any> | null | undefined, horizon: number"
)]
pub fn fit_forecaster_sync(
    env: Env,
    ts: TimeColumn,
    y: NumberColumn,
    regressors: Option<Object>,
    spec: Option<JsUnknown>,
    horizon: i64,
) -> napi::Result<Forecaster> {
    let s = series_input(env, &ts, &y, regressors.as_ref(), spec)?;
    run(env, || fit_run(s, horizon))
}

/// The fit off the main thread.
#[napi(
    ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, y: Float64Array | number[], regressors: Record<string, Float64Array | number[]> | null | undefined, spec: Record<string, any> | null | undefined, horizon: number",
    js_name = "fitForecaster",
    ts_return_type = "Promise<Forecaster>"
)]
pub fn fit_forecaster_async(
    env: Env,
    ts: TimeColumn,
    y: NumberColumn,
    regressors: Option<Object>,
    spec: Option<JsUnknown>,
    horizon: i64,
) -> napi::Result<AsyncTask<Job<Forecaster, Forecaster>>> {
    let s = series_input(env, &ts, &y, regressors.as_ref(), spec)?;
    Ok(AsyncTask::new(Job::new(
        move || fit_run(s, horizon),
        identity,
    )))
}

fn backtest_run(s: SeriesInput, o: BacktestOptions) -> Fallible<Backtest> {
    core_backtest(&s.ts, &s.y, &refs(&s.regressors), &s.spec, &o).map_err(rename)
}

/// Rolling-origin backtest of the model `spec` on a series (as for `fitForecaster`): the last
/// `windows` windows of `horizon` steps, each forecast by a model fitted on everything before it
/// (regressors take their actual values); per-window and pooled MAE, RMSE, MASE, bias and
/// interval coverage. On the calling thread.
#[napi(
    ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, y: Float64Array | number[], regressors?: Record<string, Float64Array | number[]> | null, spec?: Record<string, any> | null, options?: BacktestOptions | null"
)]
pub fn backtest_sync(
    env: Env,
    ts: TimeColumn,
    y: NumberColumn,
    regressors: Option<Object>,
    spec: Option<JsUnknown>,
    options: Option<BacktestOptionsJs>,
) -> napi::Result<BacktestJs> {
    let s = series_input(env, &ts, &y, regressors.as_ref(), spec)?;
    run(env, || {
        Ok(backtest_js(backtest_run(
            s,
            backtest_options(options.as_ref())?,
        )?))
    })
}

/// The backtest off the main thread.
#[napi(
    ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, y: Float64Array | number[], regressors?: Record<string, Float64Array | number[]> | null, spec?: Record<string, any> | null, options?: BacktestOptions | null",
    js_name = "backtest",
    ts_return_type = "Promise<Backtest>"
)]
pub fn backtest_async(
    env: Env,
    ts: TimeColumn,
    y: NumberColumn,
    regressors: Option<Object>,
    spec: Option<JsUnknown>,
    options: Option<BacktestOptionsJs>,
) -> napi::Result<AsyncTask<Job<Backtest, BacktestJs>>> {
    let s = series_input(env, &ts, &y, regressors.as_ref(), spec)?;
    let o = run(env, || backtest_options(options.as_ref()))?;
    Ok(AsyncTask::new(Job::new(
        move || backtest_run(s, o),
        backtest_js,
    )))
}

// ---------------------------------------------------------------------------------------------
// Peak, local day, drift

fn forecast_of(f: &ForecastInputJs) -> Fallible<Forecast> {
    Ok(Forecast {
        timestamps: time_column(&f.ts, "ts")?,
        mean: number_column(&f.mean),
        intervals: f
            .intervals
            .iter()
            .map(|i| PredictionInterval {
                level: i.level,
                lower: number_column(&i.lower),
                upper: number_column(&i.upper),
            })
            .collect(),
    })
}

/// The peak of `forecast` (what `forecast()` returned) within `[start, end)` and, with a
/// `threshold`, each step's probability of exceeding it under the forecast's normal predictive
/// distribution (read from the interval at `level`): the hours at risk.
#[napi(
    ts_args_type = "forecast: Forecast | ForecastInput, start: number | string, end: number | string, options?: PeakForecastOptions | null"
)]
pub fn peak_forecast(
    env: Env,
    forecast: ForecastInputJs,
    start: TimeJs,
    end: TimeJs,
    options: Option<PeakOptionsJs>,
) -> napi::Result<PeakForecastJs> {
    run(env, || {
        let f = forecast_of(&forecast)?;
        let mut o = PeakOptions::default();
        if let Some(js) = &options {
            if let Some(l) = js.level {
                o.level = l;
            }
            if js.threshold.is_some() {
                o.threshold = js.threshold;
            }
            if let Some(p) = js.min_probability {
                o.min_probability = p;
            }
        }
        let (s, e) = (time(&start, "start", 0)?, time(&end, "end", 0)?);
        Ok(peak_js(core_peak_forecast(&f, s, e, &o)?))
    })
}

/// UTC bounds of a local day.
#[napi(object, js_name = "LocalDay")]
pub struct LocalDayJs {
    /// Local midnight starting the day, ms.
    pub start: f64,
    /// Local midnight ending it, ms (23 or 25 hours later on daylight saving changes).
    pub end: f64,
}

/// The UTC bounds of the local calendar day `date` (`YYYY-MM-DD`) in `timeZone`.
#[napi]
pub fn local_day(env: Env, date: String, time_zone: String) -> napi::Result<LocalDayJs> {
    run(env, || {
        let d = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|e| {
            JsErrorParts::from(Error::Parse {
                column: "date".into(),
                index: 0,
                value: date.clone(),
                reason: e.to_string(),
            })
        })?;
        let (s, e) = core_local_day(d, &time_zone)?;
        Ok(LocalDayJs {
            start: us_to_ms(s),
            end: us_to_ms(e),
        })
    })
}

/// Compares live forecast errors (`predicted - actual` at `ts`; NaN actuals are skipped) with the
/// model's reference MAE (its backtest MAE), window by window, and flags the model for retraining
/// when the last `patience` windows all drift.
#[napi(
    ts_args_type = "ts: Float64Array | BigInt64Array | Array<number | string>, actual: Float64Array | number[], predicted: Float64Array | number[], referenceMae: number, options?: DriftOptions | null",
    js_name = "monitorDrift"
)]
pub fn monitor_drift_js(
    env: Env,
    ts: TimeColumn,
    actual: NumberColumn,
    predicted: NumberColumn,
    reference_mae: f64,
    options: Option<DriftOptionsJs>,
) -> napi::Result<DriftReportJs> {
    run(env, || {
        let mut o = DriftOptions::default();
        if let Some(js) = &options {
            if let Some(w) = js.window {
                o.window = w as usize;
            }
            if let Some(r) = js.max_ratio {
                o.max_ratio = r;
            }
            if let Some(b) = js.max_bias {
                o.max_bias = b;
            }
            if let Some(p) = js.patience {
                o.patience = p as usize;
            }
        }
        let ts = time_column(&ts, "ts")?;
        let r = monitor_drift(
            &ts,
            &number_column(&actual),
            &number_column(&predicted),
            reference_mae,
            &o,
        )
        .map_err(rename)?;
        Ok(drift_js(r))
    })
}
