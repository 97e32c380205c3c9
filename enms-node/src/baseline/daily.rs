//! The daily model by season and day type with smoothed change points (enms-core
//! `baseline::daily`, eemeter 4's daily model; formulas in docs/baselines.md): `fitDaily(time,
//! tempC, energy, options?)` and the `DailyModel` it returns.
//!
//! The options are enms-core's `DailyOptions` in camelCase, read strictly: the JS object becomes
//! JSON (`convert::json_of`) and enms-core's `options::from_json_value` refuses a key it does not
//! know, naming it with the keys that exist there; each value is then read into the core's type,
//! an error naming the core's parameter (`step_c`, `seasons`). Absent options keep the core's
//! defaults. `time` is the start of each day (its local date in `timezone` gives the season and
//! day type), in the package's time forms; errors about it name `time`.

use std::sync::Arc;

use enms_core::baseline::{
    fit_daily as core_fit_daily, DailyModel as CoreDailyModel, DailyOptions, DailySegment,
    DegreeTerm, PerformanceReport, SplitCriterion,
};
use enms_core::options::from_json_value;
use enms_core::Error;
use napi::bindgen_prelude::{AsyncTask, Float64Array};
use napi::{Env, JsUnknown};
use napi_derive::napi;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    parse_json, time_temp_performance_sync, time_temp_performance_task, time_temp_predict_sync,
    time_temp_predict_task, to_json, PerformanceOptionsJs, PerformanceReportJs, PeriodJs,
};
use crate::convert::{
    from_json, json_of, number_column, time as time_of, time_column, us_to_ms, NumberColumn,
    TimeColumn, TimeJs,
};
use crate::error::{run, Fallible, JsErrorParts};
use crate::task::Job;

// ---------------------------------------------------------------------------------------------
// Options in (and out, as the model's `options`)

/// Options of `fitDaily`: enms-core's `DailyOptions` in camelCase. Absent fields keep the core's
/// defaults (eemeter's: UTC, winter November-February, shoulder March-May and October, summer
/// June-September, Saturday and Sunday off, both splits allowed, 30 days per segment, 6 days beyond
/// each balance point, 0.5 °C steps, smoothing widths 0, 1, 2, 3, 5, 8, 12, 20 and 30 °C, every
/// shape, eemeter's split penalty, adjusted R²); an option the core does not have is refused.
///
/// Only a type for TypeScript and for the strict reading: the values stay JSON until each is read
/// into the core's type, so an error names the option it is about.
#[napi(
    object,
    js_name = "DailyOptions",
    object_to_js = false,
    object_from_js = false
)]
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyOptionsJs {
    /// IANA time zone of the site: each day's local date gives its season and day type.
    #[napi(ts_type = "string")]
    pub timezone: Option<Value>,
    /// The season of each month, January first (twelve names).
    #[napi(ts_type = "Array<'summer' | 'shoulder' | 'winter'>")]
    pub seasons: Option<Value>,
    /// Which weekdays are weekend days, Monday first (seven flags).
    #[napi(ts_type = "boolean[]")]
    pub weekend: Option<Value>,
    /// Allow segments that hold some seasons only.
    #[napi(ts_type = "boolean")]
    pub split_seasons: Option<Value>,
    /// Allow separate weekday and weekend segments.
    #[napi(ts_type = "boolean")]
    pub split_weekday_weekend: Option<Value>,
    /// Days a segment must hold.
    #[napi(ts_type = "number")]
    pub min_segment_days: Option<Value>,
    /// Days that must lie beyond each balance point.
    #[napi(ts_type = "number")]
    pub min_days_beyond: Option<Value>,
    /// Balance point grid step, °C.
    #[napi(ts_type = "number")]
    pub step_c: Option<Value>,
    /// Smoothing widths searched, °C (0 is the plain hinge).
    #[napi(ts_type = "number[]")]
    pub smoothing_c: Option<Value>,
    /// Shapes considered in each segment.
    #[napi(ts_type = "Array<'mean' | 'heating_3p' | 'cooling_3p' | 'four_p' | 'five_p'>")]
    pub kinds: Option<Value>,
    /// How segmentations are compared: eemeter's penalty `2 multiplier (ln N)^power` per segment,
    /// or Schwarz's BIC (`ln N` per fitted parameter).
    #[napi(ts_type = "'bic' | { penalisedBic: { multiplier: number; power: number } }")]
    pub split_criterion: Option<Value>,
    /// How each segment's shape is chosen: highest adjusted R² (CalTRACK) or lowest BIC.
    #[napi(ts_type = "'adjusted_r2' | 'bic'")]
    pub shape_criterion: Option<Value>,
}

/// enms-core's `SplitCriterion` with camelCase names.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum SplitCriterionJs {
    PenalisedBic { multiplier: f64, power: f64 },
    Bic,
}

impl From<SplitCriterionJs> for SplitCriterion {
    fn from(c: SplitCriterionJs) -> Self {
        match c {
            SplitCriterionJs::PenalisedBic { multiplier, power } => {
                SplitCriterion::PenalisedBic { multiplier, power }
            }
            SplitCriterionJs::Bic => SplitCriterion::Bic,
        }
    }
}

impl From<SplitCriterion> for SplitCriterionJs {
    fn from(c: SplitCriterion) -> Self {
        match c {
            SplitCriterion::PenalisedBic { multiplier, power } => {
                SplitCriterionJs::PenalisedBic { multiplier, power }
            }
            SplitCriterion::Bic => SplitCriterionJs::Bic,
        }
    }
}

fn split_criterion(v: &Value) -> Fallible<SplitCriterion> {
    let c: SplitCriterionJs = from_json_value(v, "split_criterion", &[]).map_err(|mut e| {
        // an unknown key inside is named by its whole path
        if let Some(key) = e.field().filter(|f| *f != "split_criterion") {
            let key = key.to_string();
            e.rename_field(&key, &format!("splitCriterion.{key}"));
        }
        e
    })?;
    Ok(c.into())
}

/// The core's options from the JS options object (absent: the core's defaults).
fn daily_options(given: Option<JsUnknown>) -> Fallible<DailyOptions> {
    let mut o = DailyOptions::default();
    let Some(given) = given else { return Ok(o) };
    let given = json_of(given, "options")?;
    if !given.is_object() {
        // serde would read a struct from an array of its fields too
        return Err(Error::InvalidParameter {
            name: "options".into(),
            reason: format!(
                "expected an object of options, got {}",
                match given {
                    Value::Array(_) => "an array",
                    Value::String(_) => "a string",
                    Value::Number(_) => "a number",
                    Value::Bool(_) => "a boolean",
                    _ => "null",
                }
            ),
        }
        .into());
    }
    let js: DailyOptionsJs = from_json_value(&given, "options", &[])?;
    // each value into the core's type, an error naming the core's field
    macro_rules! read {
        ($($field:ident),*) => {$(
            if let Some(v) = js.$field {
                o.$field = from_json(stringify!($field), v)?;
            }
        )*};
    }
    read!(
        timezone,
        seasons,
        weekend,
        split_seasons,
        split_weekday_weekend,
        min_segment_days,
        min_days_beyond,
        step_c,
        smoothing_c,
        kinds,
        shape_criterion
    );
    if let Some(v) = js.split_criterion {
        o.split_criterion = split_criterion(&v)?;
    }
    Ok(o)
}

/// Every option of a model, in the form `fitDaily` reads.
fn options_js(o: &DailyOptions) -> Fallible<Value> {
    macro_rules! write {
        ($($field:ident),*) => {
            DailyOptionsJs {
                $($field: Some(to_json(&o.$field)?),)*
                split_criterion: Some(to_json(&SplitCriterionJs::from(o.split_criterion))?),
            }
        };
    }
    to_json(&write!(
        timezone,
        seasons,
        weekend,
        split_seasons,
        split_weekday_weekend,
        min_segment_days,
        min_days_beyond,
        step_c,
        smoothing_c,
        kinds,
        shape_criterion
    ))
}

/// A core error with the core's `ts` named as the JS argument, `time`.
fn rename(mut e: Error) -> JsErrorParts {
    e.rename_field("ts", "time");
    e.into()
}

// ---------------------------------------------------------------------------------------------
// Results out

/// The temperature term of one side of a segment: `slope · h(x; k)` for `x` °C beyond the
/// balance point, `h(x; 0) = x`, `h(x; k) = x - k (1 - e^(-x/k))` for `x > 0`.
#[napi(object, js_name = "DailyDegreeTerm")]
pub struct DegreeTermJs {
    /// Balance point, °C: the load starts here.
    pub balance_c: f64,
    /// Slope far from the balance point, energy per °C (positive).
    pub slope: f64,
    /// Smoothing width `k`, °C (0: a plain hinge).
    pub smoothing_c: f64,
}

fn term_js(t: &DegreeTerm) -> DegreeTermJs {
    DegreeTermJs {
        balance_c: t.balance_c,
        slope: t.slope,
        smoothing_c: t.smoothing_c,
    }
}

/// One segment of a daily model: the days it covers and its change-point model.
#[napi(object, js_name = "DailySegment")]
pub struct DailySegmentJs {
    /// Name in eemeter's notation: day type (`fw` all, `wd` weekday, `we` weekend), then the
    /// seasons (`su`, `sh`, `wi`), e.g. `wd-su_sh`.
    pub name: String,
    /// Days it covers.
    #[napi(ts_type = "'all' | 'weekday' | 'weekend'")]
    pub day_type: String,
    /// Seasons it covers.
    #[napi(ts_type = "Array<'summer' | 'shoulder' | 'winter'>")]
    pub seasons: Vec<String>,
    /// Shape.
    #[napi(ts_type = "'mean' | 'heating_3p' | 'cooling_3p' | 'four_p' | 'five_p'")]
    pub kind: String,
    /// Base load per day.
    pub intercept: f64,
    /// Heating term, below its balance point (absent without one).
    pub heating: Option<DegreeTermJs>,
    /// Cooling term, above its balance point (absent without one).
    pub cooling: Option<DegreeTermJs>,
    /// Training days.
    pub n: f64,
    /// Fitted parameters (intercept, slopes, balance points, non-zero smoothing widths).
    pub n_params: f64,
    /// Sum of squared residuals.
    pub sse: f64,
    /// R² within the segment.
    pub r_squared: f64,
}

fn segment_js(s: &DailySegment) -> DailySegmentJs {
    DailySegmentJs {
        name: s.name.clone(),
        day_type: s.day_type.as_str().into(),
        seasons: s.seasons.iter().map(|x| x.as_str().to_string()).collect(),
        kind: s.kind.as_str().into(),
        intercept: s.intercept,
        heating: s.heating.as_ref().map(term_js),
        cooling: s.cooling.as_ref().map(term_js),
        n: s.n as f64,
        n_params: s.n_params as f64,
        sse: s.sse,
        r_squared: s.r_squared,
    }
}

/// A segmentation considered, with its criterion.
#[napi(object, js_name = "DailySegmentation")]
pub struct SegmentationJs {
    /// Segment names, e.g. `['fw-su', 'fw-sh_wi']`.
    pub segments: Vec<String>,
    /// Pooled sum of squared residuals.
    pub sse: f64,
    /// The selection criterion `N ln(SSE/N) + penalty` (lower is better).
    pub criterion: f64,
}

// ---------------------------------------------------------------------------------------------
// The model

/// A fitted daily model: segments by season and day type, each a change-point model (mean, 3P,
/// 4P, 5P) with optionally smoothed change points. Made by `fitDaily` or `DailyModel.fromJSON`.
#[napi]
pub struct DailyModel {
    inner: Arc<CoreDailyModel>,
}

impl From<CoreDailyModel> for DailyModel {
    fn from(m: CoreDailyModel) -> Self {
        DailyModel { inner: Arc::new(m) }
    }
}

json_methods!(DailyModel, CoreDailyModel);

#[napi]
impl DailyModel {
    /// Version of enms' serialised form the model was written with.
    #[napi(getter)]
    pub fn format_version(&self) -> u32 {
        self.inner.format_version
    }

    /// Every option it was fitted with (defaults filled in), in the form `fitDaily` reads.
    #[napi(getter, ts_return_type = "DailyOptions")]
    pub fn options(&self, env: Env) -> napi::Result<Value> {
        run(env, || options_js(&self.inner.options))
    }

    /// Training period (ms): from the first day's start to the end of the last local day.
    #[napi(getter)]
    pub fn training(&self) -> PeriodJs {
        PeriodJs {
            start: us_to_ms(self.inner.training.start),
            end: us_to_ms(self.inner.training.end),
        }
    }

    /// The chosen segments; together they cover every season and day type.
    #[napi(getter)]
    pub fn segments(&self) -> Vec<DailySegmentJs> {
        self.inner.segments.iter().map(segment_js).collect()
    }

    /// Criterion of the chosen segmentation (lower is better).
    #[napi(getter)]
    pub fn criterion(&self) -> f64 {
        self.inner.criterion
    }

    /// Every segmentation considered, best first.
    #[napi(getter)]
    pub fn candidates(&self) -> Vec<SegmentationJs> {
        self.inner
            .candidates
            .iter()
            .map(|c| SegmentationJs {
                segments: c.segments.clone(),
                sse: c.sse,
                criterion: c.criterion,
            })
            .collect()
    }

    /// Training days.
    #[napi(getter)]
    pub fn n(&self) -> f64 {
        self.inner.n as f64
    }

    /// Fitted parameters over all segments.
    #[napi(getter)]
    pub fn n_params(&self) -> f64 {
        self.inner.n_params as f64
    }

    /// Coefficient of determination.
    #[napi(getter)]
    pub fn r_squared(&self) -> f64 {
        self.inner.r_squared
    }

    /// CV(RMSE), percent, with `n - p` degrees of freedom (ASHRAE Guideline 14).
    #[napi(getter)]
    pub fn cv_rmse_pct(&self) -> f64 {
        self.inner.cv_rmse_pct
    }

    /// NMBE, percent, with `n - p` degrees of freedom (ASHRAE Guideline 14).
    #[napi(getter)]
    pub fn nmbe_pct(&self) -> f64 {
        self.inner.nmbe_pct
    }

    /// The segment that covers the day starting at `time` (its local date in the model's time
    /// zone).
    #[napi(ts_args_type = "time: number | string")]
    pub fn segment_of(&self, env: Env, time: TimeJs) -> napi::Result<DailySegmentJs> {
        run(env, || {
            let t = time_of(&time, "time", 0)?;
            Ok(segment_js(self.inner.segment_of(t).map_err(rename)?))
        })
    }

    /// Predicted energy of the days starting at `time` with mean outdoor temperatures `tempC`,
    /// on the calling thread.
    #[napi(
        ts_args_type = "time: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[]"
    )]
    pub fn predict_sync(
        &self,
        env: Env,
        time: TimeColumn,
        temp_c: NumberColumn,
    ) -> napi::Result<Float64Array> {
        time_temp_predict_sync(env, self.inner.as_ref(), &time, "time", &temp_c)
    }

    /// Lag-1 autocorrelation of the training residuals (it widens the savings uncertainty).
    #[napi(getter)]
    pub fn resid_autocorr_lag1(&self) -> f64 {
        self.inner.resid_autocorr_lag1
    }

    /// Deviation, CUSUM, EnPI and savings with their uncertainty over a reporting period: the
    /// `actual` energy of the days starting at `time` against the model's expectation at their
    /// mean outdoor temperatures `tempC`, on the calling thread.
    #[napi(
        ts_args_type = "time: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[], actual: Float64Array | number[], options?: PerformanceOptions"
    )]
    pub fn performance_sync(
        &self,
        env: Env,
        time: TimeColumn,
        temp_c: NumberColumn,
        actual: NumberColumn,
        options: Option<PerformanceOptionsJs>,
    ) -> napi::Result<PerformanceReportJs> {
        time_temp_performance_sync(
            env,
            self.inner.as_ref(),
            &time,
            "time",
            &temp_c,
            &actual,
            options.as_ref(),
        )
    }

    /// The performance report off the main thread.
    #[napi(
        ts_args_type = "time: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[], actual: Float64Array | number[], options?: PerformanceOptions",
        ts_return_type = "Promise<PerformanceReport>"
    )]
    pub fn performance(
        &self,
        env: Env,
        time: TimeColumn,
        temp_c: NumberColumn,
        actual: NumberColumn,
        options: Option<PerformanceOptionsJs>,
    ) -> napi::Result<AsyncTask<Job<PerformanceReport, PerformanceReportJs>>> {
        time_temp_performance_task(
            env,
            &self.inner,
            &time,
            "time",
            &temp_c,
            &actual,
            options.as_ref(),
        )
    }

    /// Predictions off the main thread.
    #[napi(
        ts_args_type = "time: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[]",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn predict(
        &self,
        env: Env,
        time: TimeColumn,
        temp_c: NumberColumn,
    ) -> napi::Result<AsyncTask<Job<Vec<f64>, Float64Array>>> {
        time_temp_predict_task(env, &self.inner, &time, "time", &temp_c)
    }
}

// ---------------------------------------------------------------------------------------------
// The fit

struct DailyInput {
    ts: Vec<i64>,
    temp_c: Vec<f64>,
    energy: Vec<f64>,
    options: DailyOptions,
}

fn daily_input(
    time: &TimeColumn,
    temp_c: &NumberColumn,
    energy: &NumberColumn,
    options: Option<JsUnknown>,
) -> Fallible<DailyInput> {
    Ok(DailyInput {
        ts: time_column(time, "time")?,
        temp_c: number_column(temp_c),
        energy: number_column(energy),
        options: daily_options(options)?,
    })
}

fn daily_run(i: DailyInput) -> Fallible<CoreDailyModel> {
    core_fit_daily(&i.ts, &i.temp_c, &i.energy, &i.options).map_err(rename)
}

/// Fits the daily model by season and day type (eemeter 4's method) on one row per day: `time`
/// the start of each day (its local date in `options.timezone` gives the season and day type),
/// `tempC` the day's mean outdoor temperature, `energy` the day's energy; on the calling thread.
#[napi(
    ts_args_type = "time: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[], energy: Float64Array | number[], options?: DailyOptions"
)]
pub fn fit_daily_sync(
    env: Env,
    time: TimeColumn,
    temp_c: NumberColumn,
    energy: NumberColumn,
    options: Option<JsUnknown>,
) -> napi::Result<DailyModel> {
    run(env, || {
        Ok(daily_run(daily_input(&time, &temp_c, &energy, options)?)?.into())
    })
}

/// The daily model's fit off the main thread.
#[napi(
    ts_args_type = "time: Float64Array | BigInt64Array | Array<number | string>, tempC: Float64Array | number[], energy: Float64Array | number[], options?: DailyOptions",
    js_name = "fitDaily",
    ts_return_type = "Promise<DailyModel>"
)]
pub fn fit_daily_async(
    env: Env,
    time: TimeColumn,
    temp_c: NumberColumn,
    energy: NumberColumn,
    options: Option<JsUnknown>,
) -> napi::Result<AsyncTask<Job<CoreDailyModel, DailyModel>>> {
    let input = run(env, || daily_input(&time, &temp_c, &energy, options))?;
    Ok(AsyncTask::new(Job::new(
        move || daily_run(input),
        DailyModel::from,
    )))
}
