//! Weather-normalised models of daily energy over the REST API: a machine's (or a factory's, the
//! sum of its machines') energy per local day against the day's mean outdoor temperature, fitted
//! with one of the core's temperature models:
//!
//! - `change_point`: `enms_core::baseline::fit_change_point`, the 3P/4P/5P change-point models of
//!   ASHRAE RP-1050 / Guideline 14 with balance-point search and CalTRACK-style selection;
//! - `daily`: `enms_core::baseline::fit_daily`, eemeter 4's daily model by season and day type
//!   with smoothed change points.
//!
//! The daily table is the core's `ModellingTable` with `1d` periods in the factory's time zone
//! and one driver, `outdoor_temp_c` aggregated as a time-weighted mean (`Aggregation::Mean`); the
//! same table `POST /api/v1/baselines` builds with `period: "1d"` and `drivers:
//! ["outdoor_temp_c"]`. A factory's table holds the days every machine with readings covers, its
//! energy the sum of theirs. Options are the core's `ChangePointOptions` / `DailyOptions` read
//! strictly (`enms_core::options::from_json_value`); the options left out keep the core's
//! defaults, and the daily model's `timezone` defaults to the factory's. With `save: true` the
//! model is stored (`weather_models`): listed, fetched, and reporting later periods against it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use enms_core::baseline::dataset::{Aggregation, ModellingTable, PeriodDriver, TableSpec};
use enms_core::baseline::{
    fit_change_point, fit_daily, ChangePointModel, ChangePointOptions, DailyModel, DailyOptions,
    DegreeTerm, DriverValues, PerformanceOptions, PerformanceReport, TimeTempBaseline,
};
use enms_core::bucket::Bucketing;
use enms_core::model::Machine;
use enms_core::time::{format_rfc3339, parse_tz, to_local, TimeRange, Timestamp};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::baselines::{
    bad, deleted, max_gap_us, now_us, opt, parse_range, table_for, to_json, Body, CoefficientDto,
    DroppedPeriodDto, SavingsDto, ShortfallDto, TableSummaryDto,
};
use super::{blocking, find_factory, machines_of, AppState};
use crate::store::{Store, WeatherModelRecord};
use crate::ApiError;

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The models `POST /api/v1/weather-models` fits.
pub const MODELS: [&str; 2] = ["daily", "change_point"];

/// Name of the temperature column of the daily table.
const TEMP: &str = "outdoor_temp_c";

const FIELDS: [&str; 13] = [
    "save",
    "machine_id",
    "factory_id",
    "carrier",
    "start",
    "end",
    "reporting_start",
    "reporting_end",
    "confidence",
    "model",
    "options",
    "min_coverage",
    "max_gap_s",
];

/// Points of each fitted curve between the coldest and the warmest day (balance points added).
const CURVE_POINTS: usize = 61;

/// `POST /api/v1/weather-models`: whose daily energy to model, over which days, with which model.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct WeatherModelRequest {
    /// Store the model (default false): it gets an `id`, is listed by `GET
    /// /api/v1/weather-models`, and reports later periods by `POST
    /// /api/v1/weather-models/{id}/performance` (an energy baseline that stays fixed).
    pub save: Option<bool>,
    /// Machine whose daily energy is modelled (or `factory_id`).
    pub machine_id: Option<String>,
    /// Factory whose daily energy (the sum of its machines') is modelled (or `machine_id`).
    pub factory_id: Option<String>,
    /// Energy carrier (`electricity`, `natural_gas`, ...): a factory's model sums the machines
    /// metering this carrier only (default `electricity`; carriers are never added up); for a
    /// machine, when given, it must be the machine's.
    pub carrier: Option<String>,
    /// Start of the period (inclusive), RFC 3339; days are local days of the factory (of
    /// `options.timezone` for the daily model).
    pub start: String,
    /// End of the period (exclusive), RFC 3339.
    pub end: String,
    /// Start of a reporting period (inclusive), RFC 3339: with `reporting_end`, the answer
    /// reports the energy performance of those days against the model (`performance`).
    pub reporting_start: Option<String>,
    /// End of the reporting period (exclusive), RFC 3339.
    pub reporting_end: Option<String>,
    /// Confidence level of the savings interval, in (0, 1) (default 0.9).
    pub confidence: Option<f64>,
    /// `daily` (eemeter 4's daily model by season and day type) or `change_point`
    /// (3P/4P/5P change-point models).
    pub model: String,
    /// The core's options of the model (`ChangePointOptions` or `DailyOptions`), each left out
    /// taking the core's default; an unknown key is a 400 naming `options.<key>`.
    #[schema(value_type = Option<Object>)]
    pub options: Option<Value>,
    /// Least coverage of energy and temperature for a day to be used, in (0, 1] (default: the
    /// core's, 0.9).
    pub min_coverage: Option<f64>,
    /// Longest interval between power readings still integrated, s (default: the server's).
    pub max_gap_s: Option<f64>,
}

/// A temperature-dependent term of a segment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DegreeTermDto {
    /// Balance point, °C.
    pub balance_c: f64,
    /// Slope, kWh per day and °C beyond the balance point.
    pub slope: f64,
    /// Smoothing width, °C (0: a plain hinge; always 0 in a change-point model).
    pub smoothing_c: f64,
}

impl From<&DegreeTerm> for DegreeTermDto {
    fn from(d: &DegreeTerm) -> Self {
        DegreeTermDto {
            balance_c: d.balance_c,
            slope: d.slope,
            smoothing_c: d.smoothing_c,
        }
    }
}

/// One segment of a model: the days it covers and its change-point model. A change-point model
/// has one segment, `all`, covering every day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SegmentDto {
    /// Name: the daily model's (eemeter notation, e.g. `wd-su_sh`), or `all`.
    pub name: String,
    /// `all`, `weekday` or `weekend`.
    pub day_type: String,
    /// Seasons covered (`summer`, `shoulder`, `winter`); empty for a change-point model (the
    /// whole year).
    pub seasons: Vec<String>,
    /// Shape: `mean`, `heating_3p`, `cooling_3p`, `four_p`, `five_p`.
    pub kind: String,
    /// Base load, kWh per day.
    pub intercept: f64,
    /// Heating term (below its balance point).
    pub heating: Option<DegreeTermDto>,
    /// Cooling term (above its balance point).
    pub cooling: Option<DegreeTermDto>,
    /// Days in the segment.
    pub n: usize,
    /// R² within the segment.
    pub r_squared: Option<f64>,
}

/// Goodness of fit (ASHRAE Guideline 14).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeatherStatisticsDto {
    /// Days used.
    pub n: usize,
    /// Parameters counted in CV(RMSE) and NMBE (the daily model counts intercepts, slopes,
    /// balance points and smoothing widths; the change-point model its regression's
    /// coefficients).
    pub p: usize,
    /// R².
    pub r_squared: Option<f64>,
    /// Adjusted R² (change-point model only).
    pub adj_r_squared: Option<f64>,
    /// CV(RMSE), %.
    pub cv_rmse_pct: Option<f64>,
    /// NMBE, %.
    pub nmbe_pct: Option<f64>,
}

/// One day of the table, with the model's prediction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeatherDayDto {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// Start of the local day, RFC 3339.
    pub start: String,
    /// End of the local day, RFC 3339.
    pub end: String,
    /// Time-weighted mean outdoor temperature, °C.
    pub outdoor_temp_c: f64,
    /// Energy, kWh.
    pub actual_kwh: f64,
    /// The model's energy, kWh.
    pub predicted_kwh: f64,
    /// Name of the segment the day falls in.
    pub segment: String,
}

/// A segment's fitted curve, for charts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CurveDto {
    /// Segment name.
    pub segment: String,
    /// Temperatures from the segment's coldest to its warmest day, with its balance points, °C.
    pub outdoor_temp_c: Vec<f64>,
    /// The model's daily energy there, kWh.
    pub predicted_kwh: Vec<f64>,
}

/// A fitted weather model with its daily table.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeatherModelDto {
    /// Id of the stored model (`save: true`, or fetched from the store); null when not stored.
    pub id: Option<i64>,
    /// When the stored model was fitted, RFC 3339; null when not stored.
    pub created_at: Option<String>,
    /// The machine or factory modelled.
    pub target: String,
    /// `machine` or `factory`.
    pub target_kind: String,
    /// Energy carrier of the modelled energy.
    pub carrier: String,
    /// Machines whose energy is in the table.
    pub machines: Vec<String>,
    /// `daily` or `change_point`.
    pub kind: String,
    /// Start of the period, RFC 3339.
    pub start: String,
    /// End of the period, RFC 3339.
    pub end: String,
    /// Time zone of the local days.
    pub timezone: String,
    /// Days in the period, used and dropped (with the columns that fell short).
    pub table: TableSummaryDto,
    /// Goodness of fit.
    pub statistics: WeatherStatisticsDto,
    /// The segments.
    pub segments: Vec<SegmentDto>,
    /// The change-point model's regression coefficients (`const`, `hdd`, `cdd`) with their
    /// statistics; empty for the daily model.
    pub coefficients: Vec<CoefficientDto>,
    /// Per used day: temperature, actual and predicted energy.
    pub days: Vec<WeatherDayDto>,
    /// Per segment, the fitted curve of energy against temperature.
    pub curves: Vec<CurveDto>,
    /// The model as enms-core serialises it (`ChangePointModel` or `DailyModel`).
    #[schema(value_type = Object)]
    pub model: Value,
    /// The reporting period's performance against the model, when one was asked for.
    pub performance: Option<WeatherPerformanceDto>,
}

/// One day of a reporting period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeatherPerformanceDayDto {
    /// Local date.
    pub date: String,
    /// Start of the day, RFC 3339.
    pub start: String,
    /// Mean outdoor temperature, °C.
    pub outdoor_temp_c: f64,
    /// Expected energy (the model at the day's temperature: the adjusted baseline), kWh.
    pub expected_kwh: f64,
    /// Actual energy, kWh.
    pub actual_kwh: f64,
    /// Actual - expected, kWh.
    pub deviation_kwh: f64,
    /// Running sum of the deviations, kWh (falling: energy saved).
    pub cusum_kwh: f64,
}

/// Energy performance of a reporting period against a weather model (`enms_core`'s performance
/// report: deviation, CUSUM, EnPI, savings with the ASHRAE Guideline 14 uncertainty).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeatherPerformanceDto {
    /// Start of the reporting period, RFC 3339.
    pub start: String,
    /// End of the reporting period, RFC 3339.
    pub end: String,
    /// Per used day.
    pub days: Vec<WeatherPerformanceDayDto>,
    /// Totals, EnPI and savings.
    #[serde(flatten)]
    pub savings: SavingsDto,
    /// Days in the reporting period, used and dropped.
    pub table: TableSummaryDto,
}

/// The machine or factory of a request.
enum Target {
    Machine(String),
    Factory(String),
}

/// The model and its options, parsed.
enum Spec {
    ChangePoint(ChangePointOptions),
    Daily(DailyOptions),
}

/// Energy and mean temperature per used local day.
struct DailyTable {
    start: Vec<Timestamp>,
    end: Vec<Timestamp>,
    temp_c: Vec<f64>,
    energy_kwh: Vec<f64>,
    summary: TableSummaryDto,
    machines: Vec<String>,
}

/// `T` from the given options (left-out options keep the core's defaults: the option types are
/// `#[serde(default)]`), strictly: an unknown key is an error naming `options.<key>`.
fn options_from<T>(given: Option<&Value>) -> Result<T, ApiError>
where
    T: Serialize + serde::de::DeserializeOwned,
{
    let empty = Value::Object(serde_json::Map::new());
    let given = match given {
        None | Some(Value::Null) => &empty,
        Some(v @ Value::Object(_)) => v,
        Some(_) => {
            return Err(bad(
                "options",
                "must be a JSON object of the model's options",
            ))
        }
    };
    enms_core::options::from_json_value(given, "options", &[]).map_err(|e| option_error(&e))
}

/// A core error about the options: its field as `options.<field>`.
fn option_error(e: &enms_core::Error) -> ApiError {
    match e.field() {
        Some("options") | None => ApiError::param(e, "options"),
        Some(f) => ApiError::param(e, &format!("options.{f}")),
    }
}

/// A core error of a fit: the core's column names as the table's, option names as
/// `options.<name>`.
fn fit_error(mut e: enms_core::Error, options: &Value) -> ApiError {
    e.rename_field("energy", "energy_kwh");
    e.rename_field("temp_c", TEMP);
    match e.field() {
        Some(f) if options.get(f).is_some() => option_error(&e),
        _ => ApiError::from(&e),
    }
}

/// The fields of a request, parsed and checked.
struct Request {
    save: bool,
    target: Target,
    carrier: Option<String>,
    range: TimeRange,
    reporting: Option<TimeRange>,
    confidence: Option<f64>,
    spec: Spec,
    /// Whether the options name a time zone.
    timezone_given: bool,
    min_coverage: Option<f64>,
    max_gap_s: Option<f64>,
}

fn parse(b: &Body) -> Result<Request, ApiError> {
    let machine_id: Option<String> = b.get("machine_id")?;
    let factory_id: Option<String> = b.get("factory_id")?;
    let target = match (machine_id, factory_id) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "factory_id",
                "give either machine_id or factory_id, not both",
            ));
        }
        (Some(m), None) => Target::Machine(m),
        (None, Some(f)) => Target::Factory(f),
        (None, None) => return Err(bad("machine_id", "machine_id or factory_id is required")),
    };
    let start: String = b.require("start")?;
    let end: String = b.require("end")?;
    let range = parse_range(&start, &end)?;
    let model: String = b.require("model")?;
    let options: Option<Value> = b.get("options")?;
    let spec = match model.as_str() {
        "change_point" => Spec::ChangePoint(options_from::<ChangePointOptions>(options.as_ref())?),
        "daily" => Spec::Daily(options_from::<DailyOptions>(options.as_ref())?),
        other => {
            return Err(bad(
                "model",
                format!(
                    "unknown model `{other}`; expected one of: {}",
                    MODELS.join(", ")
                ),
            ));
        }
    };
    let timezone_given = matches!(&options, Some(Value::Object(o)) if o.contains_key("timezone"));
    let reporting_start: Option<String> = b.get("reporting_start")?;
    let reporting_end: Option<String> = b.get("reporting_end")?;
    let reporting = match (reporting_start, reporting_end) {
        (Some(s), Some(e)) => Some(reporting_range(&s, &e)?),
        (None, None) => None,
        (Some(_), None) => {
            return Err(bad("reporting_end", "a reporting period needs both ends"));
        }
        (None, Some(_)) => {
            return Err(bad("reporting_start", "a reporting period needs both ends"));
        }
    };
    Ok(Request {
        save: b.get("save")?.unwrap_or(false),
        target,
        carrier: b.get("carrier")?,
        range,
        reporting,
        confidence: b.get("confidence")?,
        spec,
        timezone_given,
        min_coverage: b.get("min_coverage")?,
        max_gap_s: b.get("max_gap_s")?,
    })
}

/// A reporting period, its errors naming `reporting_start` or `reporting_end`.
fn reporting_range(start: &str, end: &str) -> Result<TimeRange, ApiError> {
    parse_range(start, end).map_err(|e| ApiError {
        field: e.field.map(|f| format!("reporting_{f}")),
        ..e
    })
}

fn temperatures(t: &ModellingTable) -> Result<Vec<f64>, ApiError> {
    match t.drivers.first().map(|d| &d.values) {
        Some(DriverValues::Numeric(v)) => Ok(v.clone()),
        _ => Err(ApiError::internal(
            "the daily table has no temperature column".into(),
        )),
    }
}

/// The table of one machine, or of a factory: the days every machine with readings covers, the
/// energy summed over them.
fn daily_table(
    store: &dyn Store,
    target: &Target,
    machines: &[Machine],
    spec: &TableSpec,
    range: TimeRange,
) -> Result<DailyTable, ApiError> {
    let mut tables: Vec<(String, ModellingTable)> = Vec::with_capacity(machines.len());
    for m in machines {
        match table_for(store, &m.id, spec, range) {
            Ok(t) => tables.push((m.id.clone(), t)),
            // a factory's machine without readings in the period adds nothing
            Err(e) if e.error == "NO_DATA" && matches!(target, Target::Factory(_)) => {}
            Err(e) => {
                let field = match target {
                    Target::Machine(_) => "machine_id",
                    Target::Factory(_) => "factory_id",
                };
                return Err(match (&e.field, target) {
                    (None, _) if e.error == "NO_DATA" => ApiError {
                        field: Some(field.into()),
                        ..e
                    },
                    // which of the factory's machines fell short
                    (_, Target::Factory(_)) => ApiError {
                        message: format!("machine `{}`: {}", m.id, e.message),
                        ..e
                    },
                    _ => e,
                });
            }
        }
    }
    let Some((_, first)) = tables.first() else {
        let (field, id) = match target {
            Target::Machine(id) => ("machine_id", id),
            Target::Factory(id) => ("factory_id", id),
        };
        return Err(ApiError {
            field: Some(field.into()),
            ..ApiError::no_data(format!(
                "`{id}` has no readings from {} to {}",
                format_rfc3339(range.start),
                format_rfc3339(range.end)
            ))
        });
    };
    if tables.len() == 1 {
        let (id, t) = &tables[0];
        return Ok(DailyTable {
            start: t.start.clone(),
            end: t.end.clone(),
            temp_c: temperatures(t)?,
            energy_kwh: t.energy_kwh.clone(),
            summary: TableSummaryDto::from(t),
            machines: vec![id.clone()],
        });
    }
    // a factory: the days every table kept; the sum of the machines' energy
    let temps = tables
        .iter()
        .map(|(_, t)| temperatures(t))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = DailyTable {
        start: Vec::new(),
        end: Vec::new(),
        temp_c: Vec::new(),
        energy_kwh: Vec::new(),
        summary: TableSummaryDto {
            periods_total: first.periods_total,
            periods_used: 0,
            dropped_by_column: Default::default(),
            dropped: Vec::new(),
        },
        machines: tables.iter().map(|(id, _)| id.clone()).collect(),
    };
    for (k, &day) in first.start.iter().enumerate() {
        let rows: Vec<usize> = tables
            .iter()
            .filter_map(|(_, t)| t.start.binary_search(&day).ok())
            .collect();
        if rows.len() != tables.len() {
            continue;
        }
        out.start.push(day);
        out.end.push(first.end[k]);
        out.temp_c.push(temps[0][k]);
        out.energy_kwh.push(
            tables
                .iter()
                .zip(&rows)
                .map(|((_, t), &r)| t.energy_kwh[r])
                .sum(),
        );
    }
    // the days left out, with every machine's shortfalls (`energy_kwh:<machine>`)
    let mut dropped: std::collections::BTreeMap<Timestamp, DroppedPeriodDto> = Default::default();
    for (id, t) in &tables {
        for p in &t.dropped {
            let entry = dropped.entry(p.start).or_insert_with(|| DroppedPeriodDto {
                start: format_rfc3339(p.start),
                end: format_rfc3339(p.end),
                shortfalls: Vec::new(),
            });
            for s in &p.shortfalls {
                let column = if s.column == TEMP {
                    s.column.clone()
                } else {
                    format!("{}:{id}", s.column)
                };
                if !entry.shortfalls.iter().any(|x| x.column == column) {
                    entry.shortfalls.push(ShortfallDto {
                        column,
                        coverage: s.coverage,
                    });
                }
            }
        }
    }
    for p in dropped.values() {
        for s in &p.shortfalls {
            *out.summary
                .dropped_by_column
                .entry(s.column.clone())
                .or_default() += 1;
        }
    }
    out.summary.dropped = dropped.into_values().collect();
    out.summary.periods_used = out.start.len();
    if out.start.is_empty() {
        return Err(bad(
            "factory_id",
            "no day of the period has complete data from every machine with readings",
        ));
    }
    Ok(out)
}

/// Temperatures from `lo` to `hi` in `CURVE_POINTS` steps, with the balance points inside.
fn curve_grid(lo: f64, hi: f64, balance: &[f64]) -> Vec<f64> {
    let steps = (CURVE_POINTS - 1) as f64;
    let mut g: Vec<f64> = (0..CURVE_POINTS)
        .map(|i| lo + (hi - lo) * i as f64 / steps)
        .collect();
    g.extend(balance.iter().copied().filter(|b| *b > lo && *b < hi));
    g.sort_by(f64::total_cmp);
    g.dedup();
    g
}

fn range_of(v: impl Iterator<Item = f64>) -> (f64, f64) {
    v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    })
}

fn local_dates(ts: &[Timestamp], tz: &str) -> Result<Vec<String>, ApiError> {
    let zone = parse_tz(tz).map_err(|e| ApiError::from(&e))?;
    ts.iter()
        .map(|&t| {
            to_local(t, zone)
                .map(|d| d.date().to_string())
                .map_err(|e| ApiError::from(&e))
        })
        .collect()
}

/// Everything of the answer but the target's names.
struct Fitted {
    fitted: WeatherModel,
    statistics: WeatherStatisticsDto,
    segments: Vec<SegmentDto>,
    coefficients: Vec<CoefficientDto>,
    predicted: Vec<f64>,
    day_segment: Vec<String>,
    curves: Vec<CurveDto>,
    model: Value,
}

/// The fitted core model, for a reporting period.
enum WeatherModel {
    ChangePoint(ChangePointModel),
    Daily(DailyModel),
}

impl WeatherModel {
    /// The core's performance report of the days of `t` against the model.
    fn performance(
        &self,
        t: &DailyTable,
        options: &PerformanceOptions,
    ) -> enms_core::Result<PerformanceReport> {
        match self {
            WeatherModel::ChangePoint(m) => m.performance(&t.temp_c, &t.energy_kwh, options),
            WeatherModel::Daily(m) => m.performance(&t.start, &t.temp_c, &t.energy_kwh, options),
        }
    }
}

fn change_point(t: &DailyTable, o: &ChangePointOptions) -> Result<Fitted, ApiError> {
    let given = serde_json::to_value(o).map_err(|e| ApiError::internal(e.to_string()))?;
    let m: ChangePointModel =
        fit_change_point(&t.temp_c, &t.energy_kwh, o).map_err(|e| fit_error(e, &given))?;
    let predicted = m.predict(&t.temp_c).map_err(|e| fit_error(e, &given))?;
    let f = &m.fit;
    let coef = |name: &str| f.coefficients.iter().find(|c| c.name == name);
    let term = |balance: Option<f64>, name: &str| {
        balance.zip(coef(name)).map(|(balance_c, c)| DegreeTermDto {
            balance_c,
            slope: c.estimate,
            smoothing_c: 0.0,
        })
    };
    let (lo, hi) = range_of(t.temp_c.iter().copied());
    let balance: Vec<f64> = [m.heating_balance_c, m.cooling_balance_c]
        .into_iter()
        .flatten()
        .collect();
    let grid = curve_grid(lo, hi, &balance);
    let curve = m.predict(&grid).map_err(|e| fit_error(e, &given))?;
    let n = f.n;
    Ok(Fitted {
        statistics: WeatherStatisticsDto {
            n,
            // the regression's coefficients: n - df_resid
            p: n.saturating_sub(f.df_resid.round().max(0.0) as usize),
            r_squared: opt(f.r_squared),
            adj_r_squared: opt(f.adj_r_squared),
            cv_rmse_pct: opt(f.cv_rmse_pct),
            nmbe_pct: opt(f.nmbe_pct),
        },
        segments: vec![SegmentDto {
            name: "all".into(),
            day_type: "all".into(),
            seasons: Vec::new(),
            kind: m.kind.as_str().into(),
            intercept: coef("const").map_or(f64::NAN, |c| c.estimate),
            heating: term(m.heating_balance_c, "hdd"),
            cooling: term(m.cooling_balance_c, "cdd"),
            n,
            r_squared: opt(f.r_squared),
        }],
        coefficients: f.coefficients.iter().map(CoefficientDto::from).collect(),
        day_segment: vec!["all".into(); predicted.len()],
        predicted,
        curves: vec![CurveDto {
            segment: "all".into(),
            outdoor_temp_c: grid,
            predicted_kwh: curve,
        }],
        model: serde_json::to_value(&m).map_err(|e| ApiError::internal(e.to_string()))?,
        fitted: WeatherModel::ChangePoint(m),
    })
}

fn daily(t: &DailyTable, o: &DailyOptions) -> Result<Fitted, ApiError> {
    let given = serde_json::to_value(o).map_err(|e| ApiError::internal(e.to_string()))?;
    let m: DailyModel = fit_daily(&t.start, &t.temp_c, &t.energy_kwh, o).map_err(|mut e| {
        e.rename_field("ts", "start");
        fit_error(e, &given)
    })?;
    let predicted = m
        .predict(&t.start, &t.temp_c)
        .map_err(|e| fit_error(e, &given))?;
    let day_segment = t
        .start
        .iter()
        .map(|&d| m.segment_of(d).map(|s| s.name.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fit_error(e, &given))?;
    let curves = m
        .segments
        .iter()
        .filter_map(|s| {
            let (lo, hi) = range_of(
                t.temp_c
                    .iter()
                    .zip(&day_segment)
                    .filter(|(_, n)| **n == s.name)
                    .map(|(t, _)| *t),
            );
            if lo > hi {
                return None;
            }
            let balance: Vec<f64> = [s.heating, s.cooling]
                .iter()
                .flatten()
                .map(|d| d.balance_c)
                .collect();
            let grid = curve_grid(lo, hi, &balance);
            let y = grid.iter().map(|&x| s.predict_one(x)).collect();
            Some(CurveDto {
                segment: s.name.clone(),
                outdoor_temp_c: grid,
                predicted_kwh: y,
            })
        })
        .collect();
    Ok(Fitted {
        statistics: WeatherStatisticsDto {
            n: m.n,
            p: m.n_params,
            r_squared: opt(m.r_squared),
            adj_r_squared: None,
            cv_rmse_pct: opt(m.cv_rmse_pct),
            nmbe_pct: opt(m.nmbe_pct),
        },
        segments: m
            .segments
            .iter()
            .map(|s| SegmentDto {
                name: s.name.clone(),
                day_type: s.day_type.as_str().into(),
                seasons: s.seasons.iter().map(|x| x.as_str().to_string()).collect(),
                kind: s.kind.as_str().into(),
                intercept: s.intercept,
                heating: s.heating.as_ref().map(DegreeTermDto::from),
                cooling: s.cooling.as_ref().map(DegreeTermDto::from),
                n: s.n,
                r_squared: opt(s.r_squared),
            })
            .collect(),
        coefficients: Vec::new(),
        predicted,
        day_segment,
        curves,
        model: serde_json::to_value(&m).map_err(|e| ApiError::internal(e.to_string()))?,
        fitted: WeatherModel::Daily(m),
    })
}

/// Fits a weather-normalised model of a machine's or a factory's energy per local day against the
/// day's mean outdoor temperature (the core's change-point or daily model) and returns it with
/// its statistics, segments, per-day table and fitted curves; stored when `save` is true (then
/// the answer carries its `id`).
#[utoipa::path(post, path = "/api/v1/weather-models", tag = "baselines",
    request_body = WeatherModelRequest,
    responses((status = 200, body = WeatherModelDto),
              (status = 400, description = "A field or option is invalid (`options.<key>` for an option), the period has no temperature data (`outdoor_temp_c`), or too few days for the model (`energy_kwh`)", body = ApiError),
              (status = 404, description = "Unknown machine or factory, or no readings in the period (the body names `machine_id` or `factory_id`), or no machine of the factory meters the carrier (`carrier`)", body = ApiError)))]
pub async fn fit(State(s): State<AppState>, body: Bytes) -> ApiResult<WeatherModelDto> {
    let b = Body::parse(&body, &FIELDS)?;
    let Request {
        save,
        target,
        carrier,
        range,
        reporting,
        confidence,
        spec,
        timezone_given,
        min_coverage,
        max_gap_s,
    } = parse(&b)?;
    let max_gap_us = max_gap_us(max_gap_s, s.rollup.max_gap_us)?;
    let store = s.store.clone();
    let out = blocking(move || {
        let store = store.as_ref();
        let (carrier, machines) = match &target {
            Target::Machine(id) => machines_of(store, Some(id), None, carrier.as_deref())?,
            Target::Factory(id) => machines_of(store, None, Some(id), carrier.as_deref())?,
        };
        let factory_id = machines
            .first()
            .map(|m| m.factory_id.clone())
            .unwrap_or_default();
        let factory_tz = find_factory(store, &factory_id)
            .map_err(|e| ApiError {
                field: Some("factory_id".into()),
                ..e
            })?
            .timezone;
        // the daily model's days are local to its time zone (the factory's unless given)
        let (spec, tz_field) = match spec {
            Spec::Daily(mut o) => {
                if !timezone_given {
                    o.timezone = factory_tz.clone();
                }
                (Spec::Daily(o), "options.timezone")
            }
            other => (other, "factory_id"),
        };
        let tz = match &spec {
            Spec::Daily(o) => o.timezone.clone(),
            Spec::ChangePoint(_) => factory_tz,
        };
        let days = Bucketing::parse("1d")
            .and_then(|b| b.with_timezone(&tz))
            .map_err(|e| ApiError::param(&e, tz_field))?;
        let mut table_spec = TableSpec::new(days, vec![PeriodDriver::new(TEMP, Aggregation::Mean)]);
        table_spec.max_gap_us = max_gap_us;
        if let Some(c) = min_coverage {
            table_spec.min_coverage = c;
        }
        table_spec.validate().map_err(|e| ApiError::from(&e))?;
        let t = daily_table(store, &target, &machines, &table_spec, range)?;
        let (kind, fitted) = match &spec {
            Spec::ChangePoint(o) => ("change_point", change_point(&t, o)?),
            Spec::Daily(o) => ("daily", daily(&t, o)?),
        };
        let dates = local_dates(&t.start, &tz)?;
        let days = (0..t.start.len())
            .map(|k| WeatherDayDto {
                date: dates[k].clone(),
                start: format_rfc3339(t.start[k]),
                end: format_rfc3339(t.end[k]),
                outdoor_temp_c: t.temp_c[k],
                actual_kwh: t.energy_kwh[k],
                predicted_kwh: fitted.predicted[k],
                segment: fitted.day_segment[k].clone(),
            })
            .collect();
        let performance = match reporting {
            None => None,
            Some(r) => Some(report(
                store,
                &target,
                &machines,
                &table_spec,
                &tz,
                &fitted.fitted,
                r,
                confidence,
            )?),
        };
        let (target_name, target_kind) = match &target {
            Target::Machine(id) => (id.clone(), "machine"),
            Target::Factory(id) => (id.clone(), "factory"),
        };
        let mut answer = WeatherModelDto {
            id: None,
            created_at: None,
            target: target_name,
            target_kind: target_kind.into(),
            carrier: carrier.as_str().into(),
            machines: t.machines.clone(),
            kind: kind.into(),
            start: format_rfc3339(range.start),
            end: format_rfc3339(range.end),
            timezone: tz,
            table: t.summary,
            statistics: fitted.statistics,
            segments: fitted.segments,
            coefficients: fitted.coefficients,
            days,
            curves: fitted.curves,
            model: fitted.model,
            performance: None,
        };
        if save {
            let created_at = now_us();
            let record = WeatherModelRecord {
                id: 0,
                target_kind: answer.target_kind.clone(),
                target: answer.target.clone(),
                carrier: answer.carrier.clone(),
                created_at,
                range,
                kind: kind.into(),
                spec_json: to_json(&table_spec)?,
                model_json: to_json(&answer.model)?,
                answer_json: to_json(&answer)?,
            };
            answer.id = Some(store.insert_weather_model(&record)?);
            answer.created_at = Some(format_rfc3339(created_at));
        }
        answer.performance = performance;
        Ok(answer)
    })
    .await?;
    Ok(Json(out))
}

/// The energy performance of the days of `r` against `model`: the same machines, days and
/// coverage rules as its training table (`spec`).
#[allow(clippy::too_many_arguments)]
fn report(
    store: &dyn Store,
    target: &Target,
    machines: &[Machine],
    spec: &TableSpec,
    tz: &str,
    model: &WeatherModel,
    r: TimeRange,
    confidence: Option<f64>,
) -> Result<WeatherPerformanceDto, ApiError> {
    let mut options = PerformanceOptions::default();
    if let Some(c) = confidence {
        options.confidence = c;
    }
    let rt = daily_table(store, target, machines, spec, r).map_err(|e| ApiError {
        message: format!("reporting period: {}", e.message),
        ..e
    })?;
    let rep = model
        .performance(&rt, &options)
        .map_err(|e| match e.field() {
            Some("confidence") => ApiError::param(&e, "confidence"),
            _ => ApiError::param(&e, "reporting_start"),
        })?;
    let dates = local_dates(&rt.start, tz)?;
    Ok(WeatherPerformanceDto {
        start: format_rfc3339(r.start),
        end: format_rfc3339(r.end),
        days: (0..rt.start.len())
            .map(|k| WeatherPerformanceDayDto {
                date: dates[k].clone(),
                start: format_rfc3339(rt.start[k]),
                outdoor_temp_c: rt.temp_c[k],
                expected_kwh: rep.expected[k],
                actual_kwh: rep.actual[k],
                deviation_kwh: rep.deviation[k],
                cusum_kwh: rep.cusum[k],
            })
            .collect(),
        savings: SavingsDto::from(&rep),
        table: rt.summary,
    })
}

/// A stored weather model in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeatherModelSummaryDto {
    /// Id.
    pub id: i64,
    /// When it was fitted, RFC 3339.
    pub created_at: String,
    /// The machine or factory modelled.
    pub target: String,
    /// `machine` or `factory`.
    pub target_kind: String,
    /// Energy carrier.
    pub carrier: String,
    /// `daily` or `change_point`.
    pub kind: String,
    /// Start of the training period, RFC 3339.
    pub start: String,
    /// End of the training period, RFC 3339.
    pub end: String,
    /// Goodness of fit, as the fit reported it.
    #[schema(value_type = Object)]
    pub statistics: Value,
}

/// A stored model, loaded: its record, the fit's answer, its daily table's recipe, the core model.
struct Stored {
    record: WeatherModelRecord,
    answer: Value,
    spec: TableSpec,
    model: WeatherModel,
}

/// The error of a stored model whose JSON cannot be read back.
fn unreadable(id: i64) -> impl Fn(serde_json::Error) -> ApiError + Copy {
    move |e| ApiError::internal(format!("stored weather model {id} cannot be read: {e}"))
}

fn parse_model_id(id: &str) -> Result<i64, ApiError> {
    id.trim().parse().map_err(|_| {
        bad(
            "id",
            format!("a weather model id is an integer, got `{id}`"),
        )
    })
}

/// 404 naming `id`.
fn unknown_model(id: &str) -> ApiError {
    ApiError {
        field: Some("id".into()),
        ..ApiError::not_found("weather model", id)
    }
}

/// The stored record of `id` (400 when not an integer, 404 when unknown, naming `id`).
fn record_of(store: &dyn Store, id: &str) -> Result<WeatherModelRecord, ApiError> {
    store
        .weather_model(parse_model_id(id)?)?
        .ok_or_else(|| unknown_model(id))
}

/// The answer the record's fit gave, with its `id` and `created_at`.
fn answer_of(record: &WeatherModelRecord) -> Result<Value, ApiError> {
    let mut answer: Value =
        serde_json::from_str(&record.answer_json).map_err(unreadable(record.id))?;
    if let Some(o) = answer.as_object_mut() {
        o.insert("id".into(), Value::from(record.id));
        o.insert(
            "created_at".into(),
            Value::from(format_rfc3339(record.created_at)),
        );
    }
    Ok(answer)
}

/// A stored model with what reporting against it needs: its table's recipe and the core model.
fn stored(store: &dyn Store, id: &str) -> Result<Stored, ApiError> {
    let record = record_of(store, id)?;
    let corrupt = unreadable(record.id);
    let answer = answer_of(&record)?;
    let spec: TableSpec = serde_json::from_str(&record.spec_json).map_err(corrupt)?;
    let model = match record.kind.as_str() {
        "change_point" => {
            WeatherModel::ChangePoint(serde_json::from_str(&record.model_json).map_err(corrupt)?)
        }
        _ => WeatherModel::Daily(serde_json::from_str(&record.model_json).map_err(corrupt)?),
    };
    Ok(Stored {
        record,
        answer,
        spec,
        model,
    })
}

/// The stored weather models, oldest first.
#[utoipa::path(get, path = "/api/v1/weather-models", tag = "baselines",
    responses((status = 200, body = [WeatherModelSummaryDto])))]
pub async fn list(State(s): State<AppState>) -> ApiResult<Vec<WeatherModelSummaryDto>> {
    let store = s.store.clone();
    let out = blocking(move || {
        store
            .weather_models()?
            .into_iter()
            .map(|r| {
                let answer: Value =
                    serde_json::from_str(&r.answer_json).map_err(unreadable(r.id))?;
                Ok(WeatherModelSummaryDto {
                    id: r.id,
                    created_at: format_rfc3339(r.created_at),
                    target: r.target,
                    target_kind: r.target_kind,
                    carrier: r.carrier,
                    kind: r.kind,
                    start: format_rfc3339(r.range.start),
                    end: format_rfc3339(r.range.end),
                    statistics: answer.get("statistics").cloned().unwrap_or(Value::Null),
                })
            })
            .collect()
    })
    .await?;
    Ok(Json(out))
}

/// One stored weather model: the answer its fit gave, with its id.
#[utoipa::path(get, path = "/api/v1/weather-models/{id}", tag = "baselines",
    params(("id" = i64, Path, description = "Weather model id")),
    responses((status = 200, body = WeatherModelDto), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Value> {
    let store = s.store.clone();
    let out = blocking(move || answer_of(&record_of(store.as_ref(), &id)?)).await?;
    Ok(Json(out))
}

/// Deletes a stored weather model (204); its reports made so far are not affected.
#[utoipa::path(delete, path = "/api/v1/weather-models/{id}", tag = "baselines",
    params(("id" = i64, Path, description = "Weather model id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let store = s.store.clone();
    blocking(move || {
        let found = store.delete_weather_model(parse_model_id(&id)?)?;
        deleted(found, || unknown_model(&id))
    })
    .await
}

/// `POST /api/v1/weather-models/{id}/performance`: the reporting period.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
pub struct WeatherReportRequest {
    /// Start of the reporting period (inclusive), RFC 3339.
    pub reporting_start: String,
    /// End of the reporting period (exclusive), RFC 3339.
    pub reporting_end: String,
    /// Confidence level of the savings interval, in (0, 1) (default 0.9).
    pub confidence: Option<f64>,
}

/// The energy performance of a reporting period against a stored weather model: the same
/// machines, local days and coverage rules as its training period, the model as stored (it does
/// not change when later data arrive).
#[utoipa::path(post, path = "/api/v1/weather-models/{id}/performance", tag = "baselines",
    params(("id" = i64, Path, description = "Weather model id")),
    request_body = WeatherReportRequest,
    responses((status = 200, body = WeatherPerformanceDto),
              (status = 400, description = "A field is invalid, or the reporting period has no usable day", body = ApiError),
              (status = 404, description = "Unknown model, or a machine of the model is no longer known", body = ApiError)))]
pub async fn performance(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<WeatherPerformanceDto> {
    let b = Body::parse(&body, &["reporting_start", "reporting_end", "confidence"])?;
    let start: String = b.require("reporting_start")?;
    let end: String = b.require("reporting_end")?;
    let r = reporting_range(&start, &end)?;
    let confidence: Option<f64> = b.get("confidence")?;
    let store = s.store.clone();
    let out = blocking(move || {
        let store = store.as_ref();
        let m = stored(store, &id)?;
        let target = match m.record.target_kind.as_str() {
            "factory" => Target::Factory(m.record.target.clone()),
            _ => Target::Machine(m.record.target.clone()),
        };
        // the machines summed at training time, as they are known now
        let known = store.machines()?;
        let names: Vec<String> = m
            .answer
            .get("machines")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let machines = names
            .iter()
            .map(|n| {
                known
                    .iter()
                    .find(|k| &k.id == n)
                    .cloned()
                    .ok_or_else(|| ApiError::not_found("machine", n))
            })
            .collect::<Result<Vec<Machine>, ApiError>>()?;
        let tz = m
            .answer
            .get("timezone")
            .and_then(Value::as_str)
            .unwrap_or("UTC")
            .to_string();
        report(
            store, &target, &machines, &m.spec, &tz, &m.model, r, confidence,
        )
    })
    .await?;
    Ok(Json(out))
}
