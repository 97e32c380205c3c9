//! Demand forecasts over the REST API: forecast a machine's or a factory's energy per bucket for a
//! horizon, with intervals and each local day's peak and hours at risk; backtest a model on the
//! stored history.
//!
//! The server only turns stored readings into the series to forecast (the core's rollup and
//! `forecast::energy_series`; a factory's series is the sum of its machines'), maps regressor
//! names to the factory's environment (time-weighted means per bucket, the core's
//! `mean_by_period`) and converts JSON. The model (`ForecastSpec`, default `auto`: the horizon
//! picks ARIMA or the seasonal regression), the backtest, the peak forecast and every default
//! are the core's. A model JSON without a calendar time zone gets the factory's.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use enms_core::baseline::dataset::{mean_by_period, Periods};
use enms_core::bucket::{time_bucket, Bucketing};
use enms_core::forecast::{
    backtest, energy_series, fit_forecaster, local_day, monitor_drift, peak_forecast,
    BacktestOptions, DriftOptions, Forecast, ForecastSpec, PeakOptions,
};
use enms_core::model::EnergyCarrier;
use enms_core::rollup::rollup_power;
use enms_core::series::PowerView;
use enms_core::time::{
    format_rfc3339, parse_rfc3339, parse_tz, to_local, TimeRange, Timestamp, MICROS_PER_DAY,
};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::baselines::{bad, Body};
use super::{blocking, find_factory, machines_of, AppState};
use crate::store::Store;
use crate::ApiError;

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Regressor names and the environment column each stands for.
pub const REGRESSORS: [&str; 4] = [
    "outdoor_temp_c",
    "indoor_temp_c",
    "humidity_pct",
    "pressure_hpa",
];

/// Default history when `start` is missing: this many days before `end`.
const DEFAULT_HISTORY_DAYS: i64 = 365;
/// Buckets whose readings cover less than this share are gaps.
const DEFAULT_MIN_COVERAGE: f64 = 0.9;

const FORECAST_FIELDS: [&str; 13] = [
    "machine_id",
    "factory_id",
    "carrier",
    "start",
    "end",
    "bucket",
    "horizon",
    "model",
    "regressors",
    "future",
    "levels",
    "threshold",
    "min_coverage",
];

const BACKTEST_FIELDS: [&str; 14] = [
    "machine_id",
    "factory_id",
    "carrier",
    "start",
    "end",
    "bucket",
    "horizon",
    "model",
    "regressors",
    "windows",
    "stride",
    "levels",
    "season_length",
    "min_coverage",
];

/// The fields every forecast request shares: what to forecast and from which history.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct TargetFields {
    /// Machine whose energy is forecast (or `factory_id`).
    pub machine_id: Option<String>,
    /// Factory whose total energy is forecast (or `machine_id`): the sum of its machines
    /// metering `carrier`.
    pub factory_id: Option<String>,
    /// Energy carrier (`electricity`, `natural_gas`, ...) of a factory's series (default
    /// `electricity`: carriers are never added up); for a machine, when given, the machine's.
    pub carrier: Option<String>,
    /// Start of the history (inclusive), RFC 3339; default: a year before `end`, never before
    /// the first whole bucket of readings.
    pub start: Option<String>,
    /// End of the history (exclusive), RFC 3339; default: the start of the bucket of the last
    /// reading (the last whole bucket). A forecast starts here.
    pub end: Option<String>,
    /// Fixed bucket width of the series (`15m`, `1h`, ...); default `1h`.
    pub bucket: Option<String>,
    /// The model, as enms-core's `ForecastSpec` JSON; default `{"model": "auto"}`.
    #[schema(value_type = Option<Object>)]
    pub model: Option<Value>,
    /// Regressors from the factory's environment: `outdoor_temp_c`, `indoor_temp_c`,
    /// `humidity_pct`, `pressure_hpa` (time-weighted means per bucket).
    pub regressors: Option<Vec<String>>,
    /// Smallest covered share of a bucket still used (0..1); default 0.9.
    pub min_coverage: Option<f64>,
}

/// `POST /api/v1/forecast`: what to forecast.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct ForecastRequest {
    /// Target and history.
    #[serde(flatten)]
    pub target: TargetFields,
    /// Number of buckets to forecast.
    pub horizon: u32,
    /// Future values of each regressor, `horizon` numbers each.
    #[schema(value_type = Option<Object>)]
    pub future: Option<Value>,
    /// Interval levels; default `[0.8, 0.95]`.
    pub levels: Option<Vec<f64>>,
    /// Demand threshold in kWh per bucket for the hours at risk of each day's peak.
    pub threshold: Option<f64>,
}

const MONITOR_FIELDS: [&str; 16] = [
    "machine_id",
    "factory_id",
    "carrier",
    "start",
    "end",
    "until",
    "bucket",
    "model",
    "regressors",
    "window",
    "max_ratio",
    "max_bias",
    "patience",
    "reference_windows",
    "min_coverage",
    "levels",
];

/// `POST /api/v1/forecast/monitor`: which deployed model to check. `end` (in the target
/// fields) is required: when the model was deployed.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct MonitorRequest {
    /// Target and training history (up to `end`).
    #[serde(flatten)]
    pub target: TargetFields,
    /// End of the monitored period, RFC 3339; default: the last whole bucket of readings.
    pub until: Option<String>,
    /// Buckets per monitoring window; default the core's (24).
    pub window: Option<u32>,
    /// Largest tolerated MAE ratio to the reference; default the core's.
    pub max_ratio: Option<f64>,
    /// Largest tolerated bias in reference MAEs; default the core's.
    pub max_bias: Option<f64>,
    /// Drifting windows in a row that flag the model; default the core's.
    pub patience: Option<u32>,
    /// Backtest windows (of `window` buckets) before `end` that give the reference MAE; default 4.
    pub reference_windows: Option<u32>,
}

/// One monitoring window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DriftWindowDto {
    /// First step, RFC 3339.
    pub start: String,
    /// Observed steps.
    pub n: usize,
    /// MAE of the window.
    pub mae: Option<f64>,
    /// MAE over the reference MAE.
    pub ratio: Option<f64>,
    /// Mean error over the reference MAE.
    pub bias: Option<f64>,
    /// Whether the window drifts.
    pub drifted: bool,
}

/// The monitor's verdict on a deployed model.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonitorDto {
    /// The machine or factory.
    pub target: String,
    /// Energy carrier of the series (a factory's sums the machines metering it).
    pub carrier: String,
    /// The model fitted at `end`.
    pub model: String,
    /// Out-of-sample MAE before deployment (backtest).
    pub reference_mae: f64,
    /// The monitored windows.
    pub windows: Vec<DriftWindowDto>,
    /// True when the model should be retrained.
    pub retrain: bool,
    /// Start of the drifting run, RFC 3339.
    pub since: Option<String>,
    /// Why, in words.
    pub reason: Option<String>,
}

/// `POST /api/v1/forecast/backtest`: what to backtest.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct BacktestRequest {
    /// Target and history (regressors take their actual values in the windows).
    #[serde(flatten)]
    pub target: TargetFields,
    /// Buckets forecast from each origin.
    pub horizon: u32,
    /// Number of windows; default the core's.
    pub windows: Option<u32>,
    /// Buckets between origins; default the horizon.
    pub stride: Option<u32>,
    /// Interval levels whose coverage is reported.
    pub levels: Option<Vec<f64>>,
    /// MASE's season length in buckets; default one day.
    pub season_length: Option<u32>,
}

/// A prediction interval.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntervalDto {
    /// Nominal level.
    pub level: f64,
    /// Lower bound per step.
    pub lower: Vec<f64>,
    /// Upper bound per step.
    pub upper: Vec<f64>,
}

/// A step at risk of exceeding the threshold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskStepDto {
    /// Start of the step, RFC 3339.
    pub time: String,
    /// Point forecast.
    pub forecast: f64,
    /// Upper bound of the 95 % (or highest) interval.
    pub upper: f64,
    /// Probability of exceeding the threshold.
    pub probability: f64,
}

/// The forecast peak of one local day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayPeakDto {
    /// The local date.
    pub date: String,
    /// Largest point forecast of the day (kWh per bucket).
    pub peak: f64,
    /// When it falls, RFC 3339.
    pub peak_at: String,
    /// Upper interval bound there.
    pub peak_upper: f64,
    /// Steps at risk of exceeding the threshold (only with a threshold).
    pub at_risk: Vec<RiskStepDto>,
    /// Expected number of steps above the threshold.
    pub expected_exceedances: f64,
}

/// The history a model was fitted on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryDto {
    /// Start, RFC 3339.
    pub start: String,
    /// End (exclusive), RFC 3339.
    pub end: String,
    /// Buckets in the history.
    pub steps: usize,
    /// Buckets without enough readings (gaps).
    pub missing: usize,
}

/// A forecast.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastDto {
    /// The machine or factory forecast.
    pub target: String,
    /// Energy carrier of the series (a factory's sums the machines metering it).
    pub carrier: String,
    /// Bucket width.
    pub bucket: String,
    /// The fitted model, e.g. `ARIMA(2,0,1)(1,1,0)[24]` or `seasonal(daily 11, weekly 3, yearly 0)`.
    pub model: String,
    /// The history it was fitted on.
    pub history: HistoryDto,
    /// Start of each forecast bucket, RFC 3339.
    pub time: Vec<String>,
    /// Point forecast, kWh per bucket.
    pub forecast: Vec<f64>,
    /// Prediction intervals.
    pub intervals: Vec<IntervalDto>,
    /// Each local day the forecast covers fully: its peak (and hours at risk with a threshold).
    pub peaks: Vec<DayPeakDto>,
}

/// Accuracy of a forecast window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccuracyDto {
    /// Scored steps.
    pub n: usize,
    /// Mean absolute error.
    pub mae: Option<f64>,
    /// Root mean squared error.
    pub rmse: Option<f64>,
    /// Mean absolute scaled error.
    pub mase: Option<f64>,
    /// Mean of forecast minus actual.
    pub bias: Option<f64>,
    /// Coverage of each interval: `[level, share]`.
    pub coverage: Vec<[f64; 2]>,
}

/// One backtest window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacktestWindowDto {
    /// First forecast step, RFC 3339.
    pub origin: String,
    /// Buckets of history before it.
    pub train_len: usize,
    /// The model fitted.
    pub model: String,
    /// Its accuracy.
    pub accuracy: AccuracyDto,
}

/// A backtest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacktestDto {
    /// The machine or factory.
    pub target: String,
    /// Energy carrier of the series (a factory's sums the machines metering it).
    pub carrier: String,
    /// Bucket width.
    pub bucket: String,
    /// The history.
    pub history: HistoryDto,
    /// The windows, oldest first.
    pub windows: Vec<BacktestWindowDto>,
    /// Pooled accuracy (MASE: mean of the windows').
    pub overall: AccuracyDto,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

impl From<&enms_core::forecast::Accuracy> for AccuracyDto {
    fn from(a: &enms_core::forecast::Accuracy) -> Self {
        AccuracyDto {
            n: a.n,
            mae: finite(a.mae),
            rmse: finite(a.rmse),
            mase: finite(a.mase),
            bias: finite(a.bias),
            coverage: a.coverage.iter().map(|c| [c.level, c.coverage]).collect(),
        }
    }
}

/// The series to forecast, its regressors and where it comes from.
struct Prepared {
    target: String,
    carrier: EnergyCarrier,
    bucket: String,
    tz: String,
    ts: Vec<Timestamp>,
    y: Vec<f64>,
    regressors: Vec<(String, Vec<f64>)>,
    range: TimeRange,
    spec: ForecastSpec,
}

/// Fields shared by both requests.
struct Common {
    machine_id: Option<String>,
    factory_id: Option<String>,
    carrier: Option<String>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    bucket: String,
    model: Option<Value>,
    regressors: Vec<String>,
    min_coverage: f64,
}

fn common(b: &Body) -> Result<Common, ApiError> {
    let machine_id: Option<String> = b.get("machine_id")?;
    let factory_id: Option<String> = b.get("factory_id")?;
    match (&machine_id, &factory_id) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "factory_id",
                "give either machine_id or factory_id, not both",
            ));
        }
        (None, None) => return Err(bad("machine_id", "machine_id or factory_id is required")),
        _ => {}
    }
    let time = |name: &str| -> Result<Option<Timestamp>, ApiError> {
        b.get::<String>(name)?
            .map(|s| parse_rfc3339(&s).map_err(|e| ApiError::param(&e, name)))
            .transpose()
    };
    let regressors: Vec<String> = b.get("regressors")?.unwrap_or_default();
    for r in &regressors {
        if !REGRESSORS.contains(&r.as_str()) {
            return Err(bad(
                "regressors",
                format!("unknown regressor `{r}`; known: {}", REGRESSORS.join(", ")),
            ));
        }
    }
    let min_coverage: f64 = b.get("min_coverage")?.unwrap_or(DEFAULT_MIN_COVERAGE);
    if !(0.0..=1.0).contains(&min_coverage) {
        return Err(bad(
            "min_coverage",
            format!("must lie in [0, 1], got {min_coverage}"),
        ));
    }
    Ok(Common {
        machine_id,
        factory_id,
        carrier: b.get("carrier")?,
        start: time("start")?,
        end: time("end")?,
        bucket: b.get("bucket")?.unwrap_or_else(|| "1h".to_string()),
        model: b.get("model")?,
        regressors,
        min_coverage,
    })
}

/// The model spec from its JSON, with the factory's time zone where the calendar has none.
fn spec_for(model: Option<Value>, tz: &str) -> Result<ForecastSpec, ApiError> {
    let mut v = model.unwrap_or_else(|| serde_json::json!({"model": "auto"}));
    let Value::Object(map) = &mut v else {
        return Err(bad(
            "model",
            "must be a JSON object such as {\"model\": \"auto\"}",
        ));
    };
    let kind = map.get("model").and_then(Value::as_str).unwrap_or("");
    if kind == "auto" || kind == "seasonal" {
        let cal = map
            .entry("calendar")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(cal) = cal {
            cal.entry("time_zone")
                .or_insert_with(|| Value::String(tz.to_string()));
        }
    }
    ForecastSpec::from_json_value(&v).map_err(|e| match e.field() {
        Some(f) if f != "model" => ApiError::param(&e, &format!("model.{f}")),
        _ => ApiError::param(&e, "model"),
    })
}

fn prepare(
    store: &dyn Store,
    rollup: enms_core::rollup::RollupOptions,
    c: Common,
) -> Result<Prepared, ApiError> {
    let (carrier, machines) = machines_of(
        store,
        c.machine_id.as_deref(),
        c.factory_id.as_deref(),
        c.carrier.as_deref(),
    )?;
    // (never empty: `machines_of` refuses a factory without machines of the carrier)
    let factory_id = machines
        .first()
        .map(|m| m.factory_id.clone())
        .unwrap_or_default();
    let target = c.machine_id.clone().unwrap_or_else(|| factory_id.clone());
    let tz = find_factory(store, &factory_id)?.timezone;
    let bucketing = Bucketing::parse(&c.bucket)
        .map_err(|e| ApiError::param(&e, "bucket"))?
        .with_timezone(&tz)
        .map_err(|e| ApiError::param(&e, "bucket"))?;
    let width = bucketing
        .width()
        .as_micros()
        .filter(|w| *w > 0 && *w <= MICROS_PER_DAY / 2)
        .ok_or_else(|| {
            bad(
                "bucket",
                format!(
                    "forecasts need a fixed bucket width of at most 12 h (e.g. 15m, 1h), got `{}`",
                    c.bucket
                ),
            )
        })?;
    // History: default to the whole buckets of the readings, at most a year.
    let mut span: Option<(Timestamp, Timestamp)> = None;
    for m in &machines {
        if let Some((a, b)) = store.reading_span(&m.id)? {
            span = Some(match span {
                Some((x, y)) => (x.min(a), y.max(b)),
                None => (a, b),
            });
        }
    }
    let floor = |t: Timestamp| time_bucket(width, t).map_err(|e| ApiError::from(&e));
    let end = match c.end {
        Some(e) => e,
        None => {
            let (_, last) =
                span.ok_or_else(|| ApiError::no_data(format!("`{target}` has no readings")))?;
            floor(last)?
        }
    };
    // A history never starts before the first whole bucket of readings (before it there is
    // nothing to learn from, only gaps).
    let first_whole = match span {
        Some((first, _)) => {
            let f = floor(first)?;
            Some(if f == first { first } else { f + width })
        }
        None => None,
    };
    let start = c
        .start
        .unwrap_or(end - DEFAULT_HISTORY_DAYS * MICROS_PER_DAY)
        .max(first_whole.unwrap_or(i64::MIN));
    let range = TimeRange::new(start, end).map_err(|e| ApiError::param(&e, "end"))?;
    let options = rollup.with_range(range);
    let mut ts: Vec<Timestamp> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    for m in &machines {
        let t = store.readings(&m.id, Some(range), None, true)?;
        if t.is_empty() {
            continue;
        }
        let view = PowerView::new(&t.ts, &t.power_kw).map_err(|e| ApiError::from(&e))?;
        let r = rollup_power(view, &bucketing, &options).map_err(|e| ApiError::from(&e))?;
        let (mts, my) = energy_series(&r, c.min_coverage);
        if ts.is_empty() {
            ts = mts;
            y = my;
        } else {
            for (a, b) in y.iter_mut().zip(&my) {
                *a += b;
            }
        }
    }
    if ts.is_empty() {
        return Err(ApiError::no_data(format!(
            "`{target}` has no readings between {} and {}",
            format_rfc3339(start),
            format_rfc3339(end)
        )));
    }
    let mut regressors = Vec::new();
    if !c.regressors.is_empty() {
        let env = store.environment(&factory_id, range, true)?;
        let periods = Periods::new(&bucketing, range).map_err(|e| ApiError::from(&e))?;
        for name in &c.regressors {
            let col = match name.as_str() {
                "outdoor_temp_c" => &env.outdoor_temp_c,
                "indoor_temp_c" => &env.indoor_temp_c,
                "humidity_pct" => &env.humidity_pct,
                _ => &env.pressure_hpa,
            };
            let (ets, ev): (Vec<Timestamp>, Vec<f64>) = env
                .ts
                .iter()
                .zip(col)
                .filter(|(_, v)| v.is_finite())
                .map(|(a, b)| (*a, *b))
                .unzip();
            if ets.is_empty() {
                return Err(ApiError::no_data(format!(
                    "factory `{factory_id}` has no {name} in the history"
                )));
            }
            let agg = mean_by_period(
                name,
                &ets,
                &ev,
                &periods,
                options.max_gap_us.max(MICROS_PER_DAY / 24),
            )
            .map_err(|e| ApiError::from(&e))?;
            regressors.push((name.clone(), agg.values));
        }
    }
    let spec = spec_for(c.model, &tz)?;
    Ok(Prepared {
        target,
        carrier,
        bucket: c.bucket,
        tz,
        ts,
        y,
        regressors,
        range,
        spec,
    })
}

fn history(p: &Prepared) -> HistoryDto {
    HistoryDto {
        start: format_rfc3339(p.range.start),
        end: format_rfc3339(p.range.end),
        steps: p.ts.len(),
        missing: p.y.iter().filter(|v| !v.is_finite()).count(),
    }
}

/// Peaks of each local day that the forecast covers fully.
fn day_peaks(
    fc: &Forecast,
    tz: &str,
    threshold: Option<f64>,
    levels: &[f64],
) -> Result<Vec<DayPeakDto>, ApiError> {
    let (Some(&first), Some(&last)) = (fc.timestamps.first(), fc.timestamps.last()) else {
        return Ok(Vec::new());
    };
    let Some(level) = levels.iter().copied().reduce(f64::max) else {
        return Ok(Vec::new());
    };
    let zone = parse_tz(tz).map_err(|e| ApiError::from(&e))?;
    let mut date = to_local(first, zone)
        .map_err(|e| ApiError::from(&e))?
        .date();
    let last_date = to_local(last, zone).map_err(|e| ApiError::from(&e))?.date();
    let step = fc.timestamps.get(1).map_or(0, |b| b - first);
    let mut out = Vec::new();
    while date <= last_date {
        let (s, e) = local_day(date, tz).map_err(|e| ApiError::from(&e))?;
        if s >= first && e <= last + step {
            let options = PeakOptions {
                level,
                threshold,
                ..Default::default()
            };
            let p =
                peak_forecast(fc, s, e, &options).map_err(|e| ApiError::param(&e, "threshold"))?;
            out.push(DayPeakDto {
                date: date.to_string(),
                peak: p.peak,
                peak_at: format_rfc3339(p.peak_at),
                peak_upper: p.peak_upper,
                at_risk: p
                    .at_risk
                    .iter()
                    .map(|r| RiskStepDto {
                        time: format_rfc3339(r.timestamp),
                        forecast: r.mean,
                        upper: r.upper,
                        probability: r.probability,
                    })
                    .collect(),
                expected_exceedances: p.expected_exceedances,
            });
        }
        date = match date.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    Ok(out)
}

/// Forecasts a machine's or a factory's energy per bucket after its stored history.
#[utoipa::path(post, path = "/api/v1/forecast", tag = "forecasts", request_body = ForecastRequest,
    responses((status = 200, body = ForecastDto),
              (status = 400, description = "A field is invalid, or the history cannot make a model (the body names the field)", body = ApiError),
              (status = 404, body = ApiError)))]
pub async fn forecast(State(s): State<AppState>, body: Bytes) -> ApiResult<ForecastDto> {
    let b = Body::parse(&body, &FORECAST_FIELDS)?;
    let c = common(&b)?;
    let horizon: u32 = b.require("horizon")?;
    let levels: Vec<f64> = b.get("levels")?.unwrap_or_else(|| vec![0.8, 0.95]);
    let threshold: Option<f64> = b.get("threshold")?;
    let future: Map<String, Value> = b.get("future")?.unwrap_or_default();
    let store = s.store.clone();
    let rollup = s.rollup;
    let out = blocking(move || {
        let regs = c.regressors.clone();
        let p = prepare(store.as_ref(), rollup, c)?;
        let mut future_cols: Vec<(String, Vec<f64>)> = Vec::new();
        for name in future.keys() {
            if !regs.contains(name) {
                return Err(bad(
                    "future",
                    format!("`{name}` is not among the requested regressors"),
                ));
            }
        }
        for name in &regs {
            let v = future.get(name).cloned().ok_or_else(|| {
                bad(
                    "future",
                    format!(
                        "the future values of regressor `{name}` are needed ({horizon} numbers)"
                    ),
                )
            })?;
            let v: Vec<f64> =
                serde_json::from_value(v).map_err(|e| bad("future", format!("`{name}`: {e}")))?;
            future_cols.push((name.clone(), v));
        }
        let reg_refs: Vec<(&str, &[f64])> = p
            .regressors
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let model = fit_forecaster(&p.ts, &p.y, &reg_refs, &p.spec, horizon as usize)
            .map_err(|e| ApiError::from(&e))?;
        let fut_refs: Vec<(&str, &[f64])> = future_cols
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let fc = model
            .forecast(horizon as usize, &fut_refs, &levels)
            .map_err(|e| match e.field() {
                Some("horizon") => ApiError::param(&e, "horizon"),
                Some("levels") => ApiError::param(&e, "levels"),
                _ => ApiError::param(&e, "future"),
            })?;
        let peaks = day_peaks(&fc, &p.tz, threshold, &levels)?;
        Ok(ForecastDto {
            target: p.target.clone(),
            carrier: p.carrier.as_str().into(),
            bucket: p.bucket.clone(),
            model: model.describe(),
            history: history(&p),
            time: fc.timestamps.iter().map(|t| format_rfc3339(*t)).collect(),
            forecast: fc.mean.clone(),
            intervals: fc
                .intervals
                .iter()
                .map(|i| IntervalDto {
                    level: i.level,
                    lower: i.lower.clone(),
                    upper: i.upper.clone(),
                })
                .collect(),
            peaks,
        })
    })
    .await?;
    Ok(Json(out))
}

/// Rolling-origin backtest of a forecasting model on a machine's or a factory's stored history.
#[utoipa::path(post, path = "/api/v1/forecast/backtest", tag = "forecasts", request_body = BacktestRequest,
    responses((status = 200, body = BacktestDto),
              (status = 400, description = "A field is invalid (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
pub async fn backtest_history(State(s): State<AppState>, body: Bytes) -> ApiResult<BacktestDto> {
    let b = Body::parse(&body, &BACKTEST_FIELDS)?;
    let c = common(&b)?;
    let defaults = BacktestOptions::default();
    let options = BacktestOptions {
        horizon: b.require::<u32>("horizon")? as usize,
        windows: b
            .get::<u32>("windows")?
            .map_or(defaults.windows, |w| w as usize),
        stride: b
            .get::<u32>("stride")?
            .map_or(defaults.stride, |w| w as usize),
        levels: b.get("levels")?.unwrap_or(defaults.levels),
        season_length: b
            .get::<u32>("season_length")?
            .map_or(defaults.season_length, |w| w as usize),
    };
    let store = s.store.clone();
    let rollup = s.rollup;
    let out = blocking(move || {
        let p = prepare(store.as_ref(), rollup, c)?;
        let reg_refs: Vec<(&str, &[f64])> = p
            .regressors
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let bt =
            backtest(&p.ts, &p.y, &reg_refs, &p.spec, &options).map_err(|e| ApiError::from(&e))?;
        Ok(BacktestDto {
            target: p.target.clone(),
            carrier: p.carrier.as_str().into(),
            bucket: p.bucket.clone(),
            history: history(&p),
            windows: bt
                .windows
                .iter()
                .map(|w| BacktestWindowDto {
                    origin: format_rfc3339(w.origin),
                    train_len: w.train_len,
                    model: w.model.clone(),
                    accuracy: (&w.accuracy).into(),
                })
                .collect(),
            overall: (&bt.overall).into(),
        })
    })
    .await?;
    Ok(Json(out))
}

/// Checks a deployed model: fitted on the history up to `end`, its forecasts of the period up to
/// `until` are compared with what happened, window by window, against its backtest error before
/// deployment (the core's `monitor_drift`).
#[utoipa::path(post, path = "/api/v1/forecast/monitor", tag = "forecasts", request_body = MonitorRequest,
    responses((status = 200, body = MonitorDto),
              (status = 400, description = "A field is invalid (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
pub async fn monitor(State(s): State<AppState>, body: Bytes) -> ApiResult<MonitorDto> {
    let b = Body::parse(&body, &MONITOR_FIELDS)?;
    let mut c = common(&b)?;
    let deployed = c
        .end
        .ok_or_else(|| bad("end", "is required: when the model was deployed"))?;
    c.end = b
        .get::<String>("until")?
        .map(|u| parse_rfc3339(&u).map_err(|e| ApiError::param(&e, "until")))
        .transpose()?;
    if c.start.is_none() {
        c.start = Some(deployed - DEFAULT_HISTORY_DAYS * MICROS_PER_DAY);
    }
    let defaults = DriftOptions::default();
    let options = DriftOptions {
        window: b
            .get::<u32>("window")?
            .map_or(defaults.window, |w| w as usize),
        max_ratio: b.get("max_ratio")?.unwrap_or(defaults.max_ratio),
        max_bias: b.get("max_bias")?.unwrap_or(defaults.max_bias),
        patience: b
            .get::<u32>("patience")?
            .map_or(defaults.patience, |w| w as usize),
    };
    let reference_windows = b.get::<u32>("reference_windows")?.unwrap_or(4) as usize;
    let store = s.store.clone();
    let rollup = s.rollup;
    let out = blocking(move || {
        let p = prepare(store.as_ref(), rollup, c)?;
        let split = p.ts.partition_point(|t| *t < deployed);
        if split == 0 || split >= p.ts.len() {
            return Err(bad(
                "end",
                format!(
                    "the deployment time {} must fall inside the data ({} to {})",
                    format_rfc3339(deployed),
                    format_rfc3339(p.range.start),
                    format_rfc3339(p.range.end)
                ),
            ));
        }
        let train_regs: Vec<(&str, &[f64])> = p
            .regressors
            .iter()
            .map(|(n, v)| (n.as_str(), &v[..split]))
            .collect();
        let horizon = p.ts.len() - split;
        let reference = backtest(
            &p.ts[..split],
            &p.y[..split],
            &train_regs,
            &p.spec,
            &BacktestOptions {
                horizon: options.window,
                windows: reference_windows,
                ..Default::default()
            },
        )
        .map_err(|e| match e.field() {
            Some("windows") => ApiError::param(&e, "reference_windows"),
            Some("horizon") => ApiError::param(&e, "window"),
            _ => ApiError::from(&e),
        })?;
        let model = fit_forecaster(&p.ts[..split], &p.y[..split], &train_regs, &p.spec, horizon)
            .map_err(|e| ApiError::from(&e))?;
        let future: Vec<(&str, &[f64])> = p
            .regressors
            .iter()
            .map(|(n, v)| (n.as_str(), &v[split..]))
            .collect();
        let fc = model
            .forecast(horizon, &future, &[0.95])
            .map_err(|e| ApiError::from(&e))?;
        let report = monitor_drift(
            &p.ts[split..],
            &p.y[split..],
            &fc.mean,
            reference.overall.mae,
            &options,
        )
        .map_err(|e| match e.field() {
            Some("window") => ApiError::param(&e, "window"),
            Some("patience") => ApiError::param(&e, "patience"),
            _ => ApiError::from(&e),
        })?;
        Ok(MonitorDto {
            target: p.target.clone(),
            carrier: p.carrier.as_str().into(),
            model: model.describe(),
            reference_mae: report.reference_mae,
            windows: report
                .windows
                .iter()
                .map(|w| DriftWindowDto {
                    start: format_rfc3339(w.start),
                    n: w.n,
                    mae: finite(w.mae),
                    ratio: finite(w.ratio),
                    bias: finite(w.bias),
                    drifted: w.drifted,
                })
                .collect(),
            retrain: report.retrain,
            since: report.since.map(format_rfc3339),
            reason: report.reason,
        })
    })
    .await?;
    Ok(Json(out))
}
