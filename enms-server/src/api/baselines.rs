//! Energy baselines (ISO 50006) over the REST API: train a regression of a machine's energy per
//! period on its drivers from stored data, keep the model, and report performance against it.
//!
//! The server only maps driver names to stored series and converts JSON; the modelling table
//! (`enms_core::baseline::dataset`), the fit, the gates and the performance report are the
//! core's, with the core's defaults.
//!
//! Driver names and their series: `production` (the machine's production counts, summed),
//! `hdd` / `cdd` (degree-days from the factory's outdoor temperature over local days),
//! `outdoor_temp_c`, `indoor_temp_c`, `humidity_pct`, `pressure_hpa` (time-weighted means of the
//! factory's environment), `operating_hours` (the machine's running flag), `day_type`
//! (`weekday` / `weekend`), `shift` (`shift_1`, `shift_2`, ... of the local hour).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use enms_core::baseline::dataset::{
    Aggregation, DriverData, ModellingTable, PeriodDriver, TableSpec, DEFAULT_COOLING_BASE_C,
    DEFAULT_HEATING_BASE_C, DEFAULT_PERIOD, DEFAULT_SHIFT_HOURS, DEFAULT_SHIFT_START_H,
};
use enms_core::baseline::{
    performance, Baseline, BaselineOptions, Driver, DriverSpec, Gates, PerformanceOptions,
    PerformanceReport,
};
use enms_core::bucket::Bucketing;
use enms_core::series::PowerView;
use enms_core::time::{format_rfc3339, parse_rfc3339, TimeRange, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::{blocking, find_factory, find_machine, query, AppState};
use crate::store::{BaselineRecord, Store};
use crate::ApiError;

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The driver names the server knows, with the stored series each stands for.
pub const DRIVERS: [&str; 10] = [
    "production",
    "hdd",
    "cdd",
    "outdoor_temp_c",
    "indoor_temp_c",
    "humidity_pct",
    "pressure_hpa",
    "operating_hours",
    "day_type",
    "shift",
];

pub(crate) fn bad(name: &str, reason: impl Into<String>) -> ApiError {
    ApiError::from(&enms_core::Error::InvalidParameter {
        name: name.to_string(),
        reason: reason.into(),
    })
}

/// The answer of a `DELETE`: 204 when something was deleted, else the 404 `missing` makes.
pub(crate) fn deleted(
    found: bool,
    missing: impl FnOnce() -> ApiError,
) -> Result<axum::http::StatusCode, ApiError> {
    if found {
        Ok(axum::http::StatusCode::NO_CONTENT)
    } else {
        Err(missing())
    }
}

pub(crate) fn core(e: enms_core::Error) -> ApiError {
    ApiError::from(&e)
}

pub(crate) fn opt(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// A JSON object body, its fields read one by one so a bad value is a 400 naming its field.
pub(crate) struct Body(Map<String, Value>);

impl Body {
    pub(crate) fn parse(bytes: &[u8], known: &[&str]) -> Result<Self, ApiError> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| ApiError {
            status: 400,
            error: "INVALID_BODY",
            field: None,
            message: format!("the body is not JSON: {e}"),
        })?;
        let Value::Object(map) = v else {
            return Err(ApiError {
                status: 400,
                error: "INVALID_BODY",
                field: None,
                message: "the body must be a JSON object".into(),
            });
        };
        if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(bad(
                k,
                format!("unknown field; expected one of: {}", known.join(", ")),
            ));
        }
        Ok(Body(map))
    }

    pub(crate) fn get<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|e| bad(name, e.to_string())),
        }
    }

    /// Whether the body has the field (even `null`).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub(crate) fn require<T: DeserializeOwned>(&self, name: &str) -> Result<T, ApiError> {
        self.get(name)?.ok_or_else(|| bad(name, "is required"))
    }
}

/// `POST /api/v1/baselines`: what to train.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TrainRequest {
    /// Machine whose energy is modelled.
    pub machine_id: String,
    /// Start of the training period (inclusive), RFC 3339.
    pub start: String,
    /// End of the training period (exclusive), RFC 3339.
    pub end: String,
    /// Model period: any bucket width (`1d` default, `1h`, `1w`, `1mo`, ...), in `timezone`.
    pub period: Option<String>,
    /// IANA time zone of the periods; default: the factory's.
    pub timezone: Option<String>,
    /// Drivers: `production`, `hdd`, `cdd`, `outdoor_temp_c`, `indoor_temp_c`, `humidity_pct`,
    /// `pressure_hpa`, `operating_hours`, `day_type`, `shift`.
    pub drivers: Vec<String>,
    /// Local hour the first shift of `shift` starts (default: the core's, 6).
    pub shift_start_h: Option<u8>,
    /// Hours per shift of `shift`, dividing 24 (default: the core's, 8).
    pub shift_hours: Option<u8>,
    /// Base temperature of `hdd`, °C (default: the core's, 18).
    pub hdd_base_c: Option<f64>,
    /// Base temperature of `cdd`, °C (default: the core's, 21).
    pub cdd_base_c: Option<f64>,
    /// Gate sets: `charter` (default), `sep`, `ashrae14-monthly`, `ashrae14-daily`,
    /// `ashrae14-hourly`.
    pub gates: Option<Vec<String>>,
    /// Least coverage of every column for a period to be used, in (0, 1] (default: the core's, 0.9).
    pub min_coverage: Option<f64>,
    /// Longest interval between power readings still integrated, s (default: the server's).
    pub max_gap_s: Option<f64>,
    /// Confidence level of the coefficient intervals (default: the core's, 0.95).
    pub confidence: Option<f64>,
}

pub(crate) const TRAIN_FIELDS: [&str; 14] = [
    "machine_id",
    "start",
    "end",
    "period",
    "timezone",
    "drivers",
    "hdd_base_c",
    "cdd_base_c",
    "shift_start_h",
    "shift_hours",
    "gates",
    "min_coverage",
    "max_gap_s",
    "confidence",
];

/// A driver of a model.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DriverDto {
    /// Name.
    pub name: String,
    /// `sum`, `mean`, `heating_degree_days`, `cooling_degree_days`, `operating_hours`,
    /// `day_type`, `shift`.
    pub aggregation: String,
    /// Base temperature of degree-days, °C.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_c: Option<f64>,
    /// Local hour the first shift starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift_start_h: Option<u8>,
    /// Hours per shift.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift_hours: Option<u8>,
    /// Levels of a categorical driver (the first is the reference level, without a coefficient).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<String>>,
}

/// One estimated parameter.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoefficientDto {
    /// `const` for the intercept, the driver's name, or `driver=level` for an indicator column.
    pub name: String,
    /// Estimate.
    pub estimate: f64,
    /// Standard error.
    pub std_error: Option<f64>,
    /// t statistic.
    pub t: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
    /// Lower bound of the confidence interval.
    pub ci_low: Option<f64>,
    /// Upper bound of the confidence interval.
    pub ci_high: Option<f64>,
    /// Variance inflation factor.
    pub vif: Option<f64>,
}

impl From<&enms_core::stats::Coefficient> for CoefficientDto {
    fn from(c: &enms_core::stats::Coefficient) -> Self {
        CoefficientDto {
            name: c.name.clone(),
            estimate: c.estimate,
            std_error: opt(c.std_error),
            t: opt(c.t),
            p_value: opt(c.p_value),
            ci_low: opt(c.ci_low),
            ci_high: opt(c.ci_high),
            vif: c.vif.and_then(opt),
        }
    }
}

/// The regression's statistics (statsmodels' names; ASHRAE Guideline 14 for CV(RMSE), NMBE).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatisticsDto {
    /// Periods used.
    pub n: usize,
    /// Model degrees of freedom.
    pub df_model: f64,
    /// Residual degrees of freedom.
    pub df_resid: f64,
    /// R².
    pub r_squared: Option<f64>,
    /// Adjusted R².
    pub adj_r_squared: Option<f64>,
    /// F statistic.
    pub f_statistic: Option<f64>,
    /// p-value of F.
    pub f_p_value: Option<f64>,
    /// Residual standard error.
    pub residual_std_error: Option<f64>,
    /// Log-likelihood.
    pub log_likelihood: Option<f64>,
    /// AIC.
    pub aic: Option<f64>,
    /// BIC.
    pub bic: Option<f64>,
    /// Durbin-Watson.
    pub durbin_watson: Option<f64>,
    /// CV(RMSE), %.
    pub cv_rmse_pct: Option<f64>,
    /// NMBE, %.
    pub nmbe_pct: Option<f64>,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Parameters.
    pub coefficients: Vec<CoefficientDto>,
}

/// A failing gate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GateFailureDto {
    /// Gate name.
    pub gate: String,
    /// Why it failed.
    pub reason: String,
}

/// The outcome of one gate set.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GateReportDto {
    /// Set name.
    pub set: String,
    /// Whether every gate passed.
    pub passed: bool,
    /// Every failing gate.
    pub failures: Vec<GateFailureDto>,
}

/// A column that kept a period out of the table.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ShortfallDto {
    /// `energy_kwh` or a driver.
    pub column: String,
    /// Its coverage of the period, 0..1.
    pub coverage: f64,
}

/// A period left out of the modelling table.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DroppedPeriodDto {
    /// Period start.
    pub start: String,
    /// Period end.
    pub end: String,
    /// Columns with too little data.
    pub shortfalls: Vec<ShortfallDto>,
}

/// Which periods a table used.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TableSummaryDto {
    /// Periods in the range.
    pub periods_total: usize,
    /// Periods used.
    pub periods_used: usize,
    /// Periods dropped per column that fell short.
    pub dropped_by_column: BTreeMap<String, usize>,
    /// Periods left out and why.
    pub dropped: Vec<DroppedPeriodDto>,
}

impl From<&ModellingTable> for TableSummaryDto {
    fn from(t: &ModellingTable) -> Self {
        TableSummaryDto {
            periods_total: t.periods_total,
            periods_used: t.len(),
            dropped_by_column: t.dropped_by_column(),
            dropped: t
                .dropped
                .iter()
                .map(|p| DroppedPeriodDto {
                    start: format_rfc3339(p.start),
                    end: format_rfc3339(p.end),
                    shortfalls: p
                        .shortfalls
                        .iter()
                        .map(|s| ShortfallDto {
                            column: s.column.clone(),
                            coverage: s.coverage,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A stored baseline with its statistics and gate reports.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BaselineDto {
    /// Id.
    pub id: i64,
    /// Machine whose energy it models.
    pub machine_id: String,
    /// When it was trained.
    pub created_at: String,
    /// Start of the training period.
    pub start: String,
    /// End of the training period.
    pub end: String,
    /// Model period (bucket width).
    pub period: String,
    /// Time zone of the periods.
    pub timezone: Option<String>,
    /// Modelled quantity (`energy_kwh` per period).
    pub target: String,
    /// Drivers.
    pub drivers: Vec<DriverDto>,
    /// Whether every gate passed. A model that failed is kept but only used on request
    /// (`allow_failed_gates=true`).
    pub passed: bool,
    /// Every failing gate as one sentence.
    pub failures: Vec<String>,
    /// The outcome of each gate set.
    pub gates: Vec<GateReportDto>,
    /// The regression's statistics.
    pub statistics: StatisticsDto,
    /// Periods used and dropped in training.
    pub table: TableSummaryDto,
    /// The model as enms-core serialises it (with `format_version`), loadable by every face.
    #[schema(value_type = Object)]
    pub model: Value,
}

fn aggregation_name(a: &Aggregation) -> (&'static str, Option<f64>) {
    match a {
        Aggregation::Sum => ("sum", None),
        Aggregation::Mean => ("mean", None),
        Aggregation::HeatingDegreeDays { base_c } => ("heating_degree_days", Some(*base_c)),
        Aggregation::CoolingDegreeDays { base_c } => ("cooling_degree_days", Some(*base_c)),
        Aggregation::OperatingHours => ("operating_hours", None),
        Aggregation::DayType => ("day_type", None),
        Aggregation::Shift { .. } => ("shift", None),
    }
}

/// A stored record decoded into the core's types.
pub(crate) struct Loaded {
    pub(crate) rec: BaselineRecord,
    pub(crate) spec: TableSpec,
    pub(crate) model: Baseline,
    table: TableSummaryDto,
}

fn load(rec: BaselineRecord) -> Result<Loaded, ApiError> {
    let corrupt = |what: &str, e: serde_json::Error| {
        ApiError::internal(format!("stored baseline {}: bad {what}: {e}", rec.id))
    };
    let spec: TableSpec = serde_json::from_str(&rec.spec_json).map_err(|e| corrupt("spec", e))?;
    let model: Baseline = serde_json::from_str(&rec.model_json).map_err(|e| corrupt("model", e))?;
    let table: TableSummaryDto =
        serde_json::from_str(&rec.table_json).map_err(|e| corrupt("table", e))?;
    Ok(Loaded {
        rec,
        spec,
        model,
        table,
    })
}

impl Loaded {
    fn dto(&self) -> Result<BaselineDto, ApiError> {
        let m = &self.model;
        let f = &m.fit;
        let drivers = self
            .spec
            .drivers
            .iter()
            .map(|d| {
                let (aggregation, base_c) = aggregation_name(&d.aggregation);
                let levels = m.drivers.iter().find_map(|s| match s {
                    DriverSpec::Categorical {
                        name,
                        reference,
                        levels,
                    } if *name == d.name => Some(
                        std::iter::once(reference.clone())
                            .chain(levels.iter().cloned())
                            .collect(),
                    ),
                    _ => None,
                });
                let (shift_start_h, shift_hours) = match d.aggregation {
                    Aggregation::Shift { start_h, shift_h } => (Some(start_h), Some(shift_h)),
                    _ => (None, None),
                };
                DriverDto {
                    name: d.name.clone(),
                    aggregation: aggregation.into(),
                    base_c,
                    shift_start_h,
                    shift_hours,
                    levels,
                }
            })
            .collect();
        Ok(BaselineDto {
            id: self.rec.id,
            machine_id: self.rec.machine_id.clone(),
            created_at: format_rfc3339(self.rec.created_at),
            start: format_rfc3339(self.rec.range.start),
            end: format_rfc3339(self.rec.range.end),
            period: self.spec.period.width().to_string(),
            timezone: self.spec.period.timezone().map(str::to_string),
            target: m.target.clone(),
            drivers,
            passed: m.passed(),
            failures: m.failures(),
            gates: m
                .gates
                .iter()
                .map(|g| GateReportDto {
                    set: g.set.clone(),
                    passed: g.passed,
                    failures: g
                        .failures
                        .iter()
                        .map(|x| GateFailureDto {
                            gate: x.gate.clone(),
                            reason: x.reason.clone(),
                        })
                        .collect(),
                })
                .collect(),
            statistics: StatisticsDto {
                n: f.n,
                df_model: f.df_model,
                df_resid: f.df_resid,
                r_squared: opt(f.r_squared),
                adj_r_squared: opt(f.adj_r_squared),
                f_statistic: opt(f.f_statistic),
                f_p_value: opt(f.f_p_value),
                residual_std_error: opt(f.residual_std_error),
                log_likelihood: opt(f.log_likelihood),
                aic: opt(f.aic),
                bic: opt(f.bic),
                durbin_watson: opt(f.durbin_watson),
                cv_rmse_pct: opt(f.cv_rmse_pct),
                nmbe_pct: opt(f.nmbe_pct),
                confidence: f.options.confidence,
                coefficients: f.coefficients.iter().map(CoefficientDto::from).collect(),
            },
            table: self.table.clone(),
            model: serde_json::from_str(&self.rec.model_json)
                .map_err(|e| ApiError::internal(e.to_string()))?,
        })
    }
}

/// Parameters of the drivers of a training request (`None`: the core's defaults).
#[derive(Debug, Clone, Copy)]
struct DriverParams {
    hdd_base_c: Option<f64>,
    cdd_base_c: Option<f64>,
    shift_start_h: Option<u8>,
    shift_hours: Option<u8>,
}

/// The driver of the server's vocabulary called `name`.
fn driver_for(name: &str, p: DriverParams) -> Result<PeriodDriver, ApiError> {
    let DriverParams {
        hdd_base_c,
        cdd_base_c,
        shift_start_h,
        shift_hours,
    } = p;
    let aggregation = match name {
        "production" => Aggregation::Sum,
        "hdd" => Aggregation::HeatingDegreeDays {
            base_c: hdd_base_c.unwrap_or(DEFAULT_HEATING_BASE_C),
        },
        "cdd" => Aggregation::CoolingDegreeDays {
            base_c: cdd_base_c.unwrap_or(DEFAULT_COOLING_BASE_C),
        },
        "outdoor_temp_c" | "indoor_temp_c" | "humidity_pct" | "pressure_hpa" => Aggregation::Mean,
        "operating_hours" => Aggregation::OperatingHours,
        "day_type" => Aggregation::DayType,
        "shift" => Aggregation::Shift {
            start_h: shift_start_h.unwrap_or(DEFAULT_SHIFT_START_H),
            shift_h: shift_hours.unwrap_or(DEFAULT_SHIFT_HOURS),
        },
        other => {
            return Err(bad(
                "drivers",
                format!(
                    "unknown driver `{other}`; expected one of: {}",
                    DRIVERS.join(", ")
                ),
            ));
        }
    };
    Ok(PeriodDriver::new(name, aggregation))
}

/// Timestamps and values of one driver's readings.
type Series = (Vec<Timestamp>, Vec<f64>);

/// Owned series of the drivers of `spec` for a machine and range.
fn driver_series(
    store: &dyn Store,
    machine_id: &str,
    factory_id: &str,
    spec: &TableSpec,
    range: TimeRange,
) -> Result<Vec<Series>, ApiError> {
    let mut env = None;
    let mut out = Vec::with_capacity(spec.drivers.len());
    for d in &spec.drivers {
        let env_column = |env: &crate::store::EnvironmentSeries, name: &str| {
            let v = match name {
                "hdd" | "cdd" | "outdoor_temp_c" => &env.outdoor_temp_c,
                "indoor_temp_c" => &env.indoor_temp_c,
                "humidity_pct" => &env.humidity_pct,
                _ => &env.pressure_hpa,
            };
            // a NULL in the store is a missing sample, not a value
            env.ts
                .iter()
                .zip(v)
                .filter(|(_, x)| !x.is_nan())
                .map(|(t, x)| (*t, *x))
                .unzip()
        };
        out.push(match d.name.as_str() {
            "production" => {
                let p = store.production(machine_id, Some(range), true)?;
                (p.ts, p.production_count)
            }
            "operating_hours" => {
                let r = store.running(machine_id, range, true)?;
                (r.ts, r.running)
            }
            "day_type" | "shift" => (Vec::new(), Vec::new()),
            name @ ("hdd" | "cdd" | "outdoor_temp_c" | "indoor_temp_c" | "humidity_pct"
            | "pressure_hpa") => {
                if env.is_none() {
                    env = Some(store.environment(factory_id, range, true)?);
                }
                match &env {
                    Some(e) => env_column(e, name),
                    None => (Vec::new(), Vec::new()),
                }
            }
            other => {
                return Err(ApiError::internal(format!(
                    "stored model has an unknown driver `{other}`"
                )));
            }
        });
    }
    Ok(out)
}

/// Reads the stored data of `machine_id` over `range` and builds the modelling table of `spec`.
pub(crate) fn table_for(
    store: &dyn Store,
    machine_id: &str,
    spec: &TableSpec,
    range: TimeRange,
) -> Result<ModellingTable, ApiError> {
    let machine = find_machine(store, machine_id)?;
    let readings = store.readings(machine_id, Some(range), None, true)?;
    if !readings.ts.iter().any(|t| range.contains(*t)) {
        return Err(ApiError::no_data(format!(
            "machine `{machine_id}` has no readings from {} to {}",
            format_rfc3339(range.start),
            format_rfc3339(range.end)
        )));
    }
    let power = PowerView::new(&readings.ts, &readings.power_kw).map_err(core)?;
    let series = driver_series(store, machine_id, &machine.factory_id, spec, range)?;
    let data: Vec<DriverData<'_>> = series
        .iter()
        .map(|(ts, v)| DriverData::new(ts, v))
        .collect();
    ModellingTable::build(spec, range, power, &data).map_err(core)
}

/// The longest gap integrated, in microseconds: a request's `max_gap_s` (checked by the core), or
/// the server's setting.
pub(crate) fn max_gap_us(given_s: Option<f64>, server_us: i64) -> Result<i64, ApiError> {
    match given_s {
        Some(g) => Ok(enms_core::rollup::RollupOptions::default()
            .with_max_gap_s(g)
            .map_err(|e| ApiError::param(&e, "max_gap_s"))?
            .max_gap_us),
        None => Ok(server_us),
    }
}

pub(crate) fn parse_range(start: &str, end: &str) -> Result<TimeRange, ApiError> {
    let s = parse_rfc3339(start).map_err(|e| ApiError::param(&e, "start"))?;
    let e = parse_rfc3339(end).map_err(|e| ApiError::param(&e, "end"))?;
    TimeRange::new(s, e).map_err(|e| ApiError::param(&e, "end"))
}

pub(crate) fn now_us() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Trains a baseline on a machine's stored data and stores it (also when it fails its gates:
/// it is then flagged `passed: false` and only used on request).
#[utoipa::path(post, path = "/api/v1/baselines", tag = "baselines", request_body = TrainRequest,
    responses((status = 201, description = "Trained and stored", body = BaselineDto),
              (status = 400, description = "A field is invalid, or the data cannot make a model (the body names the field)", body = ApiError),
              (status = 404, body = ApiError)))]
pub async fn train(
    State(s): State<AppState>,
    body: Bytes,
) -> Result<(axum::http::StatusCode, Json<BaselineDto>), ApiError> {
    let b = Body::parse(&body, &TRAIN_FIELDS)?;
    let training = Training::parse(&b, &s)?;
    let store = s.store.clone();
    let dto = blocking(move || {
        let (spec, table) = training.table(store.as_ref())?;
        let model = table.fit(&training.options).map_err(core)?;
        let mut rec = BaselineRecord {
            id: 0,
            machine_id: training.machine_id.clone(),
            created_at: now_us(),
            range: training.range,
            passed: model.passed(),
            spec_json: to_json(&spec)?,
            model_json: to_json(&model)?,
            table_json: to_json(&TableSummaryDto::from(&table))?,
        };
        rec.id = store.insert_baseline(&rec)?;
        load(rec)?.dto()
    })
    .await?;
    Ok((axum::http::StatusCode::CREATED, Json(dto)))
}

/// The fields of a training request, parsed and checked (the fields of [`TrainRequest`]).
pub(crate) struct Training {
    /// Machine whose energy is modelled.
    pub(crate) machine_id: String,
    /// Training period.
    pub(crate) range: TimeRange,
    bucketing: Bucketing,
    timezone: Option<String>,
    drivers: Vec<PeriodDriver>,
    /// Options of the fit (gates, confidence).
    pub(crate) options: BaselineOptions,
    min_coverage: Option<f64>,
    max_gap_us: i64,
}

impl Training {
    /// Reads the fields of [`TrainRequest`] from `b`, each bad value a 400 naming its field.
    pub(crate) fn parse(b: &Body, s: &AppState) -> Result<Self, ApiError> {
        let machine_id: String = b.require("machine_id")?;
        let start: String = b.require("start")?;
        let end: String = b.require("end")?;
        let range = parse_range(&start, &end)?;
        let period: String = b
            .get("period")?
            .unwrap_or_else(|| DEFAULT_PERIOD.to_string());
        let bucketing = Bucketing::parse(&period).map_err(|e| ApiError::param(&e, "period"))?;
        let timezone: Option<String> = b.get("timezone")?;
        let names: Vec<String> = b.require("drivers")?;
        let params = DriverParams {
            hdd_base_c: b.get("hdd_base_c")?,
            cdd_base_c: b.get("cdd_base_c")?,
            shift_start_h: b.get("shift_start_h")?,
            shift_hours: b.get("shift_hours")?,
        };
        let drivers = names
            .iter()
            .map(|n| driver_for(n, params))
            .collect::<Result<Vec<_>, _>>()?;
        let mut options = BaselineOptions::default();
        if let Some(gates) = b.get::<Vec<String>>("gates")? {
            options.gates = gates
                .iter()
                .map(|g| Gates::named(g))
                .collect::<Result<_, _>>()
                .map_err(|e| ApiError::param(&e, "gates"))?;
        }
        if let Some(c) = b.get::<f64>("confidence")? {
            options.ols.confidence = c;
        }
        let min_coverage: Option<f64> = b.get("min_coverage")?;
        let max_gap_s: Option<f64> = b.get("max_gap_s")?;
        let max_gap_us = max_gap_us(max_gap_s, s.rollup.max_gap_us)?;
        Ok(Training {
            machine_id,
            range,
            bucketing,
            timezone,
            drivers,
            options,
            min_coverage,
            max_gap_us,
        })
    }

    /// The table recipe (in the factory's time zone unless one was given) and the modelling
    /// table built from the stored data.
    pub(crate) fn table(&self, store: &dyn Store) -> Result<(TableSpec, ModellingTable), ApiError> {
        let machine = find_machine(store, &self.machine_id)?;
        let tz = match &self.timezone {
            Some(tz) => tz.clone(),
            None => find_factory(store, &machine.factory_id)?.timezone,
        };
        let bucketing = self
            .bucketing
            .clone()
            .with_timezone(&tz)
            .map_err(|e| ApiError::param(&e, "timezone"))?;
        let mut spec = TableSpec::new(bucketing, self.drivers.clone());
        spec.max_gap_us = self.max_gap_us;
        if let Some(c) = self.min_coverage {
            spec.min_coverage = c;
        }
        spec.validate().map_err(core)?;
        let table = table_for(store, &self.machine_id, &spec, self.range)?;
        Ok((spec, table))
    }
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::internal(e.to_string()))
}

/// Filter of `GET /api/v1/baselines`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BaselinesQuery {
    /// Only the baselines of this machine.
    pub machine_id: Option<String>,
}

/// Stored baselines (optionally of one machine), oldest first.
#[utoipa::path(get, path = "/api/v1/baselines", tag = "baselines", params(BaselinesQuery),
    responses((status = 200, body = Vec<BaselineDto>), (status = 400, body = ApiError)))]
pub async fn list(
    State(s): State<AppState>,
    q: Result<Query<BaselinesQuery>, QueryRejection>,
) -> ApiResult<Vec<BaselineDto>> {
    let q = query(q)?;
    let store = s.store.clone();
    let out = blocking(move || {
        store
            .baselines(q.machine_id.as_deref())?
            .into_iter()
            .map(|r| load(r)?.dto())
            .collect()
    })
    .await?;
    Ok(Json(out))
}

fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.trim()
        .parse::<i64>()
        .map_err(|_| bad("id", format!("a baseline id is an integer, got `{id}`")))
}

pub(crate) fn find(store: &dyn Store, id: &str) -> Result<Loaded, ApiError> {
    let n = parse_id(id)?;
    load(
        store
            .baseline(n)?
            .ok_or_else(|| ApiError::not_found("baseline", id))?,
    )
}

/// Deletes a stored baseline (204). Anomaly events found against its residuals keep their
/// record; a detection naming it afterwards is a 404.
#[utoipa::path(delete, path = "/api/v1/baselines/{id}", tag = "baselines",
    params(("id" = i64, Path, description = "Baseline id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    let store = s.store.clone();
    blocking(move || {
        let found = store.delete_baseline(parse_id(&id)?)?;
        deleted(found, || ApiError::not_found("baseline", &id))
    })
    .await
}

/// One stored baseline with its statistics and gate reports.
#[utoipa::path(get, path = "/api/v1/baselines/{id}", tag = "baselines",
    params(("id" = i64, Path, description = "Baseline id")),
    responses((status = 200, body = BaselineDto), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<BaselineDto> {
    let store = s.store.clone();
    let out = blocking(move || find(store.as_ref(), &id)?.dto()).await?;
    Ok(Json(out))
}

/// Parameters of `GET /api/v1/baselines/{id}/performance`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PerformanceQuery {
    /// Start of the reporting period (inclusive), RFC 3339.
    pub start: Option<String>,
    /// End of the reporting period (exclusive), RFC 3339.
    pub end: Option<String>,
    /// Use a model that failed its gates (`true`/`false`, default false).
    pub allow_failed_gates: Option<String>,
    /// Confidence level of the savings interval (default: the core's, 0.90).
    #[param(value_type = Option<f64>)]
    pub confidence: Option<String>,
}

/// One reporting period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PerformancePeriodDto {
    /// Period start.
    pub start: String,
    /// Period end.
    pub end: String,
    /// Expected energy (adjusted baseline), kWh.
    pub expected_kwh: f64,
    /// Actual energy, kWh.
    pub actual_kwh: f64,
    /// Actual - expected, kWh.
    pub deviation_kwh: f64,
    /// Running sum of the deviations, kWh (falling: energy saved).
    pub cusum_kwh: f64,
}

/// Totals, EnPI and savings with their uncertainty over a reporting period (the scalars of
/// `enms_core::baseline::PerformanceReport`), for every kind of baseline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavingsDto {
    /// Σ actual, kWh.
    pub total_actual_kwh: f64,
    /// Σ expected, kWh.
    pub total_expected_kwh: f64,
    /// Regression-based EnPI: Σ actual / Σ expected.
    pub enpi_index: Option<f64>,
    /// Avoided energy Σ expected - Σ actual, kWh.
    pub savings_kwh: f64,
    /// Savings / Σ expected.
    pub savings_fraction: Option<f64>,
    /// Absolute uncertainty of the savings at `confidence`, kWh (ASHRAE Guideline 14).
    pub savings_uncertainty_kwh: Option<f64>,
    /// Fractional savings uncertainty.
    pub fractional_savings_uncertainty: Option<f64>,
    /// Lower end of the savings interval, kWh.
    pub savings_low_kwh: Option<f64>,
    /// Upper end of the savings interval, kWh.
    pub savings_high_kwh: Option<f64>,
    /// Confidence level.
    pub confidence: f64,
    /// Whether the baseline passed its gates (always, for a model without gates).
    pub baseline_passed: bool,
}

impl From<&PerformanceReport> for SavingsDto {
    fn from(r: &PerformanceReport) -> Self {
        SavingsDto {
            total_actual_kwh: r.total_actual,
            total_expected_kwh: r.total_expected,
            enpi_index: opt(r.enpi_index),
            savings_kwh: r.savings,
            savings_fraction: opt(r.savings_fraction),
            savings_uncertainty_kwh: opt(r.savings_uncertainty),
            fractional_savings_uncertainty: r.fractional_savings_uncertainty.and_then(opt),
            savings_low_kwh: opt(r.savings_low),
            savings_high_kwh: opt(r.savings_high),
            confidence: r.confidence,
            baseline_passed: r.baseline_passed,
        }
    }
}

/// Energy performance against a baseline over a reporting period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PerformanceDto {
    /// Baseline id.
    pub baseline_id: i64,
    /// Machine.
    pub machine_id: String,
    /// Start of the reporting period.
    pub start: String,
    /// End of the reporting period.
    pub end: String,
    /// Per period.
    pub periods: Vec<PerformancePeriodDto>,
    /// Totals, EnPI and savings with their uncertainty.
    #[serde(flatten)]
    pub savings: SavingsDto,
    /// The baseline's failing gates.
    pub baseline_failures: Vec<String>,
    /// Periods used and dropped in the reporting period.
    pub table: TableSummaryDto,
}

fn parse_bool(v: Option<&str>, name: &str) -> Result<bool, ApiError> {
    match v.map(str::trim) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(bad(name, format!("expected true or false, got `{other}`"))),
    }
}

/// Expected, actual, deviation and CUSUM per period, EnPI and savings with their uncertainty over
/// a reporting period, from the stored data and the baseline.
#[utoipa::path(get, path = "/api/v1/baselines/{id}/performance", tag = "baselines",
    params(("id" = i64, Path, description = "Baseline id"), PerformanceQuery),
    responses((status = 200, body = PerformanceDto),
              (status = 400, description = "A parameter is invalid, the model failed its gates, or the reporting period lacks driver data (the body names the field)", body = ApiError),
              (status = 404, body = ApiError)))]
pub async fn performance_report(
    State(s): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<PerformanceQuery>, QueryRejection>,
) -> ApiResult<PerformanceDto> {
    let q = query(q)?;
    let start = q
        .start
        .as_deref()
        .ok_or_else(|| bad("start", "the start of the reporting period is required"))?;
    let end = q
        .end
        .as_deref()
        .ok_or_else(|| bad("end", "the end of the reporting period is required"))?;
    let range = parse_range(start, end)?;
    let mut options = PerformanceOptions {
        allow_failed_gates: parse_bool(q.allow_failed_gates.as_deref(), "allow_failed_gates")?,
        ..PerformanceOptions::default()
    };
    if let Some(text) = q.confidence.as_deref() {
        options.confidence = text.trim().parse().map_err(|e| {
            bad(
                "confidence",
                format!("expected a number, got `{text}`: {e}"),
            )
        })?;
    }
    let store = s.store.clone();
    let out = blocking(move || {
        let l = find(store.as_ref(), &id)?;
        if !options.allow_failed_gates {
            l.model
                .ensure_usable()
                .map_err(|e| ApiError::param(&e, "allow_failed_gates"))?;
        }
        let table = table_for(store.as_ref(), &l.rec.machine_id, &l.spec, range)?;
        let r = performance(&l.model, &table.energy_kwh, &table.drivers, &options).map_err(core)?;
        let periods = (0..table.len())
            .map(|k| PerformancePeriodDto {
                start: format_rfc3339(table.start[k]),
                end: format_rfc3339(table.end[k]),
                expected_kwh: r.expected[k],
                actual_kwh: r.actual[k],
                deviation_kwh: r.deviation[k],
                cusum_kwh: r.cusum[k],
            })
            .collect();
        Ok(PerformanceDto {
            baseline_id: l.rec.id,
            machine_id: l.rec.machine_id.clone(),
            start: format_rfc3339(range.start),
            end: format_rfc3339(range.end),
            periods,
            savings: SavingsDto::from(&r),
            baseline_failures: l.model.failures(),
            table: TableSummaryDto::from(&table),
        })
    })
    .await?;
    Ok(Json(out))
}

/// `POST /api/v1/baselines/{id}/predict`: driver values, one array per driver of the model.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PredictRequest {
    /// Driver name -> values (numbers, or level names for a categorical driver).
    #[schema(value_type = Object)]
    pub drivers: BTreeMap<String, Value>,
    /// Level of the intervals (default: the model's confidence).
    pub level: Option<f64>,
}

/// Predictions with intervals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PredictionDto {
    /// Predicted energy per period, kWh.
    pub mean: Vec<f64>,
    /// Lower bound of the prediction interval (a new period).
    pub pi_low: Vec<f64>,
    /// Upper bound of the prediction interval.
    pub pi_high: Vec<f64>,
    /// Lower bound of the confidence interval of the mean.
    pub ci_low: Vec<f64>,
    /// Upper bound of the confidence interval of the mean.
    pub ci_high: Vec<f64>,
    /// Level of the intervals.
    pub level: f64,
    /// Whether the baseline passed its gates.
    pub baseline_passed: bool,
}

/// Predicts energy per period for given driver values (e.g. planned production), with
/// prediction and confidence intervals.
#[utoipa::path(post, path = "/api/v1/baselines/{id}/predict", tag = "baselines",
    params(("id" = i64, Path, description = "Baseline id")), request_body = PredictRequest,
    responses((status = 200, body = PredictionDto),
              (status = 400, description = "A driver is missing or has bad values (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
pub async fn predict(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<PredictionDto> {
    let b = Body::parse(&body, &["drivers", "level"])?;
    let values: BTreeMap<String, Value> = b.require("drivers")?;
    let level: Option<f64> = b.get("level")?;
    let store = s.store.clone();
    let out = blocking(move || {
        let l = find(store.as_ref(), &id)?;
        if let Some(k) = values
            .keys()
            .find(|k| !l.model.drivers.iter().any(|d| d.name() == k.as_str()))
        {
            return Err(bad(k, "the model has no such driver"));
        }
        let mut drivers = Vec::with_capacity(l.model.drivers.len());
        for spec in &l.model.drivers {
            let name = spec.name();
            let v = values
                .get(name)
                .ok_or_else(|| bad(name, "the model needs this driver"))?;
            drivers.push(match spec {
                DriverSpec::Numeric { .. } => Driver::numeric(
                    name,
                    serde_json::from_value::<Vec<f64>>(v.clone())
                        .map_err(|e| bad(name, format!("expected an array of numbers: {e}")))?,
                ),
                DriverSpec::Categorical { .. } => Driver::categorical(
                    name,
                    serde_json::from_value::<Vec<String>>(v.clone())
                        .map_err(|e| bad(name, format!("expected an array of levels: {e}")))?,
                ),
            });
        }
        let level = level.unwrap_or(l.model.fit.options.confidence);
        let p = l.model.predict(&drivers, level).map_err(core)?;
        Ok(PredictionDto {
            mean: p.mean,
            pi_low: p.pi_low,
            pi_high: p.pi_high,
            ci_low: p.ci_low,
            ci_high: p.ci_high,
            level,
            baseline_passed: l.model.passed(),
        })
    })
    .await?;
    Ok(Json(out))
}
