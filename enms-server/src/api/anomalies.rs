//! Anomaly events over the REST API: run a detector over a machine's stored data for a period,
//! keep the events it finds, and take them through their lifecycle (open -> acknowledged ->
//! resolved).
//!
//! Detection is the core's, by one of two methods:
//!
//! - `baseline_residual`: the residuals `actual - expected` of the machine's energy per period
//!   against a stored baseline (`enms_core::baseline::performance` on the modelling table the
//!   baseline's recipe builds for the period), judged by `enms_core::anomaly::sigma_flags`
//!   (warning beyond 2σ, critical beyond 3σ of a rolling window of normal residuals, or of the
//!   baseline's residual standard error), and merged into events by
//!   `enms_core::anomaly::merge_events`;
//! - `reference_model`: the core's one-call pipeline `enms_core::anomaly::detect` on the
//!   machine's features per bucket (`enms_core::anomaly::build_features`: energy, power,
//!   production, SEC, outdoor temperature, process quantities, calendar): an expectation per
//!   monitored column trained on a reference period (time of week, production, temperature),
//!   standardised residuals judged by sigma rules, events with the features that stood out.
//!
//! The server loads the data, calls the core and stores the events by the upsert rule of
//! [`crate::store::Store::upsert_anomaly_events`], so running the same detector over the same
//! window again creates no duplicate and a resolved event stays resolved.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use enms_core::anomaly::{
    build_features, detect as detect_events, merge_events, sigma_flags, AnomalyEvent, DetectConfig,
    FeatureInputs, FeatureSpec, SigmaRule,
};
use enms_core::baseline::dataset::DriverData;
use enms_core::baseline::{performance, PerformanceOptions};
use enms_core::bucket::Bucketing;
use enms_core::model::Machine;
use enms_core::time::{format_rfc3339, TimeRange, Timestamp, MICROS_PER_SECOND};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::baselines::{bad, core, find as find_baseline, now_us, parse_range, table_for, Body};
use super::{blocking, find_factory, find_machine, parse_time, query, AppState};
use crate::store::{
    severity_name, AnomalyEventRecord, AnomalyFilter, DetectorRecord, EventStatus, Store,
    Transition, TransitionOutcome, UpsertAction,
};
use crate::ApiError;

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Detection methods the server runs.
pub const METHODS: [&str; 2] = ["baseline_residual", "reference_model"];

/// Units of process quantities that are categorical codes (e.g. a cycle phase): not averaged
/// into features.
pub const CODE_UNITS: [&str; 1] = ["code"];

/// The body fields each method takes (besides `start`, `end`, `method`).
fn method_fields(method: &str) -> &'static [&'static str] {
    match method {
        "baseline_residual" => &[
            "baseline_id",
            "allow_failed_gates",
            "sigma",
            "window",
            "min_periods",
            "warning_sigma",
            "critical_sigma",
            "max_gap",
        ],
        _ => &[
            "reference_start",
            "reference_end",
            "bucket",
            "targets",
            "window",
            "min_periods",
            "warning_sigma",
            "critical_sigma",
            "max_gap",
        ],
    }
}

/// `POST /api/v1/machines/{machine_id}/anomalies/detect`: what to run over which period.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DetectRequest {
    /// Start of the period to examine (inclusive), RFC 3339.
    pub start: String,
    /// End of the period to examine (exclusive), RFC 3339.
    pub end: String,
    /// `baseline_residual`: residuals of the machine's energy per period against a stored
    /// baseline, judged by sigma rules; `reference_model`: the core's pipeline, an expectation
    /// per monitored column trained on a reference period.
    pub method: String,
    /// Stored baseline of this machine whose expectation the energy is compared with (its period,
    /// e.g. `1h`, is the period of the residuals).
    pub baseline_id: Option<i64>,
    /// Use a baseline that failed its gates (default false).
    pub allow_failed_gates: Option<bool>,
    /// `rolling` (default): the mean and standard deviation of the last `window` normal residuals;
    /// `residual_std_error`: a fixed σ, the baseline's residual standard error, and mean 0.
    pub sigma: Option<String>,
    /// Residuals in the rolling window (default: the core's, 96).
    pub window: Option<usize>,
    /// Residuals needed before a period is judged (default: the core's, 24).
    pub min_periods: Option<usize>,
    /// Warning limit in standard deviations (default: the core's, 2).
    pub warning_sigma: Option<f64>,
    /// Critical limit in standard deviations (default: the core's, 3).
    pub critical_sigma: Option<f64>,
    /// Unflagged periods bridged inside one event (default: the core's, 1).
    pub max_gap: Option<usize>,
    /// `reference_model`: start of the reference (training) period, RFC 3339.
    pub reference_start: Option<String>,
    /// `reference_model`: end of the reference period, RFC 3339.
    pub reference_end: Option<String>,
    /// `reference_model`: bucket width within a day (`1h` default, `15m`, ...), local to the
    /// factory.
    pub bucket: Option<String>,
    /// `reference_model`: the columns to monitor (default: the core's, `energy_kwh` and every
    /// measured process quantity).
    pub targets: Option<Vec<String>>,
}

const DETECT_FIELDS: [&str; 15] = [
    "start",
    "end",
    "method",
    "baseline_id",
    "allow_failed_gates",
    "sigma",
    "window",
    "min_periods",
    "warning_sigma",
    "critical_sigma",
    "max_gap",
    "reference_start",
    "reference_end",
    "bucket",
    "targets",
];

/// The detector that found an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DetectorDto {
    /// Identity of the detector, part of the event's key (`baseline_residual:{baseline_id}`, or
    /// `reference_model:{bucket}:{reference_start}/{reference_end}`).
    pub key: String,
    /// Method.
    pub method: String,
    /// Baseline whose residuals were judged.
    pub baseline_id: Option<i64>,
    /// Parameters of the latest run that changed the event (sigma rule, gap bridging, ...).
    #[schema(value_type = Object)]
    pub params: Value,
}

/// A stored anomaly event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnomalyEventDto {
    /// Id, stable for the event's life (also when a later run extends it).
    pub id: i64,
    /// Machine.
    pub machine_id: String,
    /// Start of the first flagged period, RFC 3339.
    pub start: String,
    /// End of the last flagged period, RFC 3339.
    pub end: String,
    /// Highest severity among its periods: `warning` or `critical`.
    pub severity: String,
    /// Start of the period with the largest score.
    pub peak_at: String,
    /// Largest score: the residual's distance from the mean in standard deviations (for
    /// `reference_model`, the largest over the monitored columns); null when none was scored.
    pub peak_score: Option<f64>,
    /// Flagged periods in it.
    pub points: usize,
    /// Features that stood out at the peak, largest first.
    pub features: Vec<String>,
    /// The detector.
    pub detector: DetectorDto,
    /// `open`, `acknowledged` or `resolved`.
    pub status: String,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When, RFC 3339.
    pub acknowledged_at: Option<String>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// When, RFC 3339.
    pub resolved_at: Option<String>,
    /// Note of the people who handled it.
    pub note: Option<String>,
    /// When it was first stored, RFC 3339.
    pub created_at: String,
    /// When it last changed, RFC 3339.
    pub updated_at: String,
}

impl AnomalyEventDto {
    fn from_record(r: &AnomalyEventRecord) -> Result<Self, ApiError> {
        let e = &r.event;
        let params = serde_json::from_str(&r.detector.params_json).map_err(|err| {
            ApiError::internal(format!("stored anomaly event {}: bad params: {err}", r.id))
        })?;
        Ok(AnomalyEventDto {
            id: r.id,
            machine_id: e.machine_id.clone(),
            start: format_rfc3339(e.start),
            end: format_rfc3339(e.end),
            severity: severity_name(e.severity).to_string(),
            peak_at: format_rfc3339(e.peak_at),
            peak_score: e.peak_score.is_finite().then_some(e.peak_score),
            points: e.points,
            features: e.features.clone(),
            detector: DetectorDto {
                key: r.detector.key.clone(),
                method: r.detector.method.clone(),
                baseline_id: r.detector.baseline_id,
                params,
            },
            status: r.status.as_str().to_string(),
            acknowledged_by: r.acknowledged_by.clone(),
            acknowledged_at: r.acknowledged_at.map(format_rfc3339),
            resolved_by: r.resolved_by.clone(),
            resolved_at: r.resolved_at.map(format_rfc3339),
            note: r.note.clone(),
            created_at: format_rfc3339(r.created_at),
            updated_at: format_rfc3339(r.updated_at),
        })
    }
}

/// One event of a detection run and what storing it did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DetectedEventDto {
    /// `created` (new open event), `updated` (an open or acknowledged event it overlapped was
    /// extended or raised), `unchanged` (it overlapped an event that already said as much),
    /// `kept_resolved` (it overlapped a resolved event, which stays resolved and unchanged).
    pub action: String,
    /// The stored event after the run.
    pub event: AnomalyEventDto,
}

/// The outcome of a detection run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DetectionDto {
    /// Machine.
    pub machine_id: String,
    /// Method.
    pub method: String,
    /// Identity of the detector (part of each event's key).
    pub detector: String,
    /// Start of the period examined.
    pub start: String,
    /// End of the period examined.
    pub end: String,
    /// Periods (buckets) in the period: with complete data for `baseline_residual`, all buckets
    /// for `reference_model` (where missing data leaves a column unjudged).
    pub periods: usize,
    /// `baseline_residual`: periods judged (the first `min_periods` of a rolling window only
    /// seed the limits); null for `reference_model`.
    pub periods_judged: Option<usize>,
    /// `baseline_residual`: periods flagged as warning or critical; null for `reference_model`
    /// (which reports critical events only, by the core's default).
    pub periods_flagged: Option<usize>,
    /// Events created.
    pub created: usize,
    /// Events updated.
    pub updated: usize,
    /// Events found again unchanged.
    pub unchanged: usize,
    /// Events that fell on resolved events.
    pub kept_resolved: usize,
    /// Every event found, with what storing it did, in time order.
    pub events: Vec<DetectedEventDto>,
}

fn action_name(a: UpsertAction) -> &'static str {
    match a {
        UpsertAction::Created => "created",
        UpsertAction::Updated => "updated",
        UpsertAction::Unchanged => "unchanged",
        UpsertAction::KeptResolved => "kept_resolved",
    }
}

/// The parameters of a `baseline_residual` run, as stored with its events.
#[derive(Debug, Clone, Serialize)]
struct ResidualParams {
    baseline_id: i64,
    sigma: &'static str,
    rule: SigmaRule,
    max_gap: usize,
    allow_failed_gates: bool,
}

/// The parameters of a `reference_model` run, as stored with its events.
#[derive(Debug, Clone, Serialize)]
struct ReferenceParams {
    reference_start: String,
    reference_end: String,
    bucket: String,
    quantities: Vec<String>,
    config: DetectConfig,
}

/// What a detector found: periods, judged, flagged, events.
type Found = (usize, Option<usize>, Option<usize>, Vec<AnomalyEvent>);

/// Residuals of the machine's energy against the baseline, sigma rules, events.
fn baseline_residual_events(
    store: &dyn Store,
    machine_id: &str,
    l: &super::baselines::Loaded,
    range: TimeRange,
    rule: &SigmaRule,
    max_gap: usize,
    allow_failed_gates: bool,
) -> Result<Found, ApiError> {
    let table = table_for(store, machine_id, &l.spec, range)?;
    let options = PerformanceOptions {
        allow_failed_gates,
        ..PerformanceOptions::default()
    };
    let report =
        performance(&l.model, &table.energy_kwh, &table.drivers, &options).map_err(|e| match e
            .field()
        {
            Some("baseline") => ApiError::param(&e, "allow_failed_gates"),
            _ => core(e),
        })?;
    let (severity, z) = sigma_flags(&report.deviation, rule).map_err(|e| match e.field() {
        // the fixed sigma is the baseline's residual standard error, asked for by `sigma`
        Some("fixed_sigma") => ApiError::param(&e, "sigma"),
        _ => core(e),
    })?;
    // the shortest period as the step of the time line (local days of 23 h, months of 28 days);
    // each event then ends where its last period ends
    let period_us = table
        .start
        .iter()
        .zip(&table.end)
        .map(|(s, e)| e - s)
        .min()
        .unwrap_or(1);
    let mut events = merge_events(
        machine_id,
        &table.start,
        period_us,
        &severity,
        &z,
        max_gap,
        &[("energy_kwh", &z)],
        rule.warning_sigma,
    )
    .map_err(core)?;
    for e in &mut events {
        if let Ok(k) = table.start.binary_search(&(e.end - period_us)) {
            e.end = table.end[k];
        }
    }
    let judged = z.iter().filter(|v| v.is_finite()).count();
    let flagged = severity
        .iter()
        .filter(|s| **s != enms_core::anomaly::Severity::Normal)
        .count();
    Ok((table.len(), Some(judged), Some(flagged), events))
}

/// Times and values of a series.
type Samples = (Vec<Timestamp>, Vec<f64>);

/// Samples without the missing ones (NaN): the core takes finite readings.
fn finite_samples(ts: &[Timestamp], v: &[f64]) -> Samples {
    ts.iter()
        .zip(v)
        .filter(|(_, x)| x.is_finite())
        .map(|(t, x)| (*t, *x))
        .unzip()
}

/// The machine's features per bucket over the reference and detection periods, and the core's
/// pipeline on them. Returns what was found and the quantities used.
fn reference_model_events(
    store: &dyn Store,
    machine: &Machine,
    spec: &FeatureSpec,
    reference: TimeRange,
    detection: TimeRange,
    config: &DetectConfig,
) -> Result<(Found, Vec<String>), ApiError> {
    let hull = TimeRange::new(
        reference.start.min(detection.start),
        reference.end.max(detection.end),
    )
    .map_err(core)?;
    let id = machine.id.as_str();
    let readings = store.readings(id, Some(hull), None, true)?;
    if !readings.ts.iter().any(|t| detection.contains(*t)) {
        return Err(ApiError::no_data(format!(
            "machine `{id}` has no readings from {} to {}",
            format_rfc3339(detection.start),
            format_rfc3339(detection.end)
        )));
    }
    let production = store.production(id, Some(hull), true)?;
    let env = store.environment(&machine.factory_id, hull, true)?;
    let outdoor = finite_samples(&env.ts, &env.outdoor_temp_c);
    let process: Vec<(String, Samples)> = store
        .process(id, hull, true)?
        .into_iter()
        .filter(|q| !CODE_UNITS.contains(&q.unit.as_str()))
        .map(|q| {
            let s = finite_samples(&q.ts, &q.value);
            (q.quantity, s)
        })
        .filter(|(_, (ts, _))| !ts.is_empty())
        .collect();
    let mut quantities: Vec<(&str, DriverData<'_>)> = Vec::new();
    if !outdoor.0.is_empty() {
        quantities.push(("outdoor_temp_c", DriverData::new(&outdoor.0, &outdoor.1)));
    }
    for (name, (ts, v)) in &process {
        quantities.push((name.as_str(), DriverData::new(ts, v)));
    }
    let used: Vec<String> = quantities.iter().map(|(n, _)| n.to_string()).collect();
    let inputs = FeatureInputs {
        power: DriverData::new(&readings.ts, &readings.power_kw),
        production: (!production.ts.is_empty())
            .then(|| DriverData::new(&production.ts, &production.production_count)),
        quantities,
        ..FeatureInputs::default()
    };
    let table = build_features(spec, hull, &inputs).map_err(|e| match e.field() {
        Some("period") => ApiError::param(&e, "bucket"),
        _ => core(e),
    })?;
    let events = detect_events(
        id,
        &table.start,
        &table.as_columns(),
        reference,
        detection,
        config,
    )
    .map_err(core)?;
    let periods = table
        .start
        .iter()
        .filter(|t| detection.contains(**t))
        .count();
    Ok(((periods, None, None, events), used))
}

/// Runs a detector over a machine's stored data for a period and stores the events it finds
/// (upserted: the same detector over the same window again creates no duplicates, and resolved
/// events stay resolved).
#[utoipa::path(post, path = "/api/v1/machines/{machine_id}/anomalies/detect", tag = "anomalies",
    params(("machine_id" = String, Path, description = "Machine id")), request_body = DetectRequest,
    responses((status = 200, description = "Events found and what storing each did", body = DetectionDto),
              (status = 400, description = "A field is invalid, or the data cannot be judged (the body names the field)", body = ApiError),
              (status = 404, description = "Unknown machine or baseline, or no readings in the period", body = ApiError)))]
pub async fn detect(
    State(s): State<AppState>,
    Path(machine_id): Path<String>,
    body: Bytes,
) -> ApiResult<DetectionDto> {
    let b = Body::parse(&body, &DETECT_FIELDS)?;
    let start: String = b.require("start")?;
    let end: String = b.require("end")?;
    let range = parse_range(&start, &end)?;
    let method: String = b.require("method")?;
    if !METHODS.contains(&method.as_str()) {
        return Err(bad(
            "method",
            format!(
                "unknown method `{method}`; expected one of: {}",
                METHODS.join(", ")
            ),
        ));
    }
    // the fields after `start`, `end`, `method` belong to one method or both
    if let Some(k) = DETECT_FIELDS[3..]
        .iter()
        .find(|k| b.has(k) && !method_fields(&method).contains(*k))
    {
        return Err(bad(k, format!("does not apply to method `{method}`")));
    }
    let mut rule = if method == "baseline_residual" {
        SigmaRule::default()
    } else {
        DetectConfig::default().sigma
    };
    if let Some(v) = b.get("window")? {
        rule.window = v;
    }
    if let Some(v) = b.get("min_periods")? {
        rule.min_periods = v;
    }
    if let Some(v) = b.get("warning_sigma")? {
        rule.warning_sigma = v;
    }
    if let Some(v) = b.get("critical_sigma")? {
        rule.critical_sigma = v;
    }
    let max_gap = b
        .get::<usize>("max_gap")?
        .unwrap_or(DetectConfig::default().max_gap);
    let store = s.store.clone();
    let out = if method == "baseline_residual" {
        let baseline_id: i64 = b.require("baseline_id")?;
        let allow_failed_gates = b.get::<bool>("allow_failed_gates")?.unwrap_or(false);
        let sigma = match b.get::<String>("sigma")?.as_deref() {
            None | Some("rolling") => "rolling",
            Some("residual_std_error") => "residual_std_error",
            Some(other) => {
                return Err(bad(
                    "sigma",
                    format!("expected `rolling` or `residual_std_error`, got `{other}`"),
                ));
            }
        };
        blocking(move || {
            find_machine(store.as_ref(), &machine_id)?;
            let l = find_baseline(store.as_ref(), &baseline_id.to_string())?;
            if l.rec.machine_id != machine_id {
                return Err(bad(
                    "baseline_id",
                    format!(
                        "baseline {baseline_id} models machine `{}`, not `{machine_id}`",
                        l.rec.machine_id
                    ),
                ));
            }
            if sigma == "residual_std_error" {
                rule.fixed_sigma = Some(l.model.fit.residual_std_error);
            }
            let found = baseline_residual_events(
                store.as_ref(),
                &machine_id,
                &l,
                range,
                &rule,
                max_gap,
                allow_failed_gates,
            )?;
            let params = ResidualParams {
                baseline_id,
                sigma,
                rule,
                max_gap,
                allow_failed_gates,
            };
            let detector = DetectorRecord {
                key: format!("{method}:{baseline_id}"),
                method: method.clone(),
                baseline_id: Some(baseline_id),
                params_json: serde_json::to_string(&params)
                    .map_err(|e| ApiError::internal(e.to_string()))?,
            };
            store_run(store.as_ref(), &machine_id, &method, range, detector, found)
        })
        .await?
    } else {
        let reference_start: String = b.require("reference_start")?;
        let reference_end: String = b.require("reference_end")?;
        let reference = parse_range(&reference_start, &reference_end).map_err(|e| ApiError {
            field: e.field.map(|f| format!("reference_{f}")),
            ..e
        })?;
        let bucket: String = b.get("bucket")?.unwrap_or_else(|| "1h".to_string());
        let bucketing = Bucketing::parse(&bucket).map_err(|e| ApiError::param(&e, "bucket"))?;
        let period_s = bucketing
            .width()
            .as_micros()
            .map(|us| us / MICROS_PER_SECOND)
            .filter(|s| *s > 0 && !bucketing.width().is_calendar())
            .ok_or_else(|| {
                bad(
                    "bucket",
                    format!("a bucket within a day (e.g. 15m or 1h), got {bucket}"),
                )
            })?;
        let targets: Option<Vec<String>> = b.get("targets")?;
        let max_gap_us = s.rollup.max_gap_us;
        blocking(move || {
            let machine = find_machine(store.as_ref(), &machine_id)?;
            let tz = find_factory(store.as_ref(), &machine.factory_id)?.timezone;
            let mut spec = FeatureSpec::new(
                bucketing
                    .with_timezone(&tz)
                    .map_err(|e| ApiError::param(&e, "bucket"))?,
            );
            spec.max_gap_us = max_gap_us;
            let config = DetectConfig {
                period_s,
                targets,
                sigma: rule,
                max_gap,
                ..DetectConfig::for_timezone(&tz)
            };
            let (found, quantities) =
                reference_model_events(store.as_ref(), &machine, &spec, reference, range, &config)?;
            let params = ReferenceParams {
                reference_start: format_rfc3339(reference.start),
                reference_end: format_rfc3339(reference.end),
                bucket: bucket.clone(),
                quantities,
                config,
            };
            let detector = DetectorRecord {
                key: format!(
                    "{method}:{bucket}:{}/{}",
                    params.reference_start, params.reference_end
                ),
                method: method.clone(),
                baseline_id: None,
                params_json: serde_json::to_string(&params)
                    .map_err(|e| ApiError::internal(e.to_string()))?,
            };
            store_run(store.as_ref(), &machine_id, &method, range, detector, found)
        })
        .await?
    };
    Ok(Json(out))
}

/// Stores the events of a run and says what storing each did.
fn store_run(
    store: &dyn Store,
    machine_id: &str,
    method: &str,
    range: TimeRange,
    detector: DetectorRecord,
    found: Found,
) -> Result<DetectionDto, ApiError> {
    let (periods, judged, flagged, events) = found;
    let stored = store.upsert_anomaly_events(&detector, &events, now_us())?;
    let count = |a: UpsertAction| stored.iter().filter(|(_, x)| *x == a).count();
    Ok(DetectionDto {
        machine_id: machine_id.to_string(),
        method: method.to_string(),
        detector: detector.key.clone(),
        start: format_rfc3339(range.start),
        end: format_rfc3339(range.end),
        periods,
        periods_judged: judged,
        periods_flagged: flagged,
        created: count(UpsertAction::Created),
        updated: count(UpsertAction::Updated),
        unchanged: count(UpsertAction::Unchanged),
        kept_resolved: count(UpsertAction::KeptResolved),
        events: stored
            .iter()
            .map(|(r, a)| {
                Ok(DetectedEventDto {
                    action: action_name(*a).to_string(),
                    event: AnomalyEventDto::from_record(r)?,
                })
            })
            .collect::<Result<_, ApiError>>()?,
    })
}

/// Filter of `GET /api/v1/anomalies`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnomaliesQuery {
    /// Only this machine's events.
    pub machine_id: Option<String>,
    /// Only events in this status: `open`, `acknowledged`, `resolved`.
    pub status: Option<String>,
    /// Only events that end after this time, RFC 3339.
    pub from: Option<String>,
    /// Only events that start before this time, RFC 3339.
    pub to: Option<String>,
}

/// Stored anomaly events (optionally of one machine, in one status, overlapping `[from, to)`),
/// by start.
#[utoipa::path(get, path = "/api/v1/anomalies", tag = "anomalies", params(AnomaliesQuery),
    responses((status = 200, body = Vec<AnomalyEventDto>),
              (status = 400, description = "A parameter is invalid (the body names it)", body = ApiError),
              (status = 404, description = "Unknown machine", body = ApiError)))]
pub async fn list(
    State(s): State<AppState>,
    q: Result<Query<AnomaliesQuery>, QueryRejection>,
) -> ApiResult<Vec<AnomalyEventDto>> {
    let q = query(q)?;
    let status = q
        .status
        .as_deref()
        .map(|v| {
            EventStatus::parse(v.trim()).ok_or_else(|| {
                bad(
                    "status",
                    format!("expected `open`, `acknowledged` or `resolved`, got `{v}`"),
                )
            })
        })
        .transpose()?;
    let from = parse_time(q.from.as_deref(), "from")?;
    let to = parse_time(q.to.as_deref(), "to")?;
    if let (Some(f), Some(t)) = (from, to) {
        TimeRange::new(f, t).map_err(|e| ApiError::param(&e, "to"))?;
    }
    let filter = AnomalyFilter {
        machine_id: q.machine_id,
        status,
        from,
        to,
    };
    let store = s.store.clone();
    let out = blocking(move || {
        if let Some(m) = &filter.machine_id {
            find_machine(store.as_ref(), m)?;
        }
        store
            .anomaly_events(&filter)?
            .iter()
            .map(AnomalyEventDto::from_record)
            .collect()
    })
    .await?;
    Ok(Json(out))
}

fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.trim().parse::<i64>().map_err(|_| {
        bad(
            "id",
            format!("an anomaly event id is an integer, got `{id}`"),
        )
    })
}

/// One stored anomaly event.
#[utoipa::path(get, path = "/api/v1/anomalies/{id}", tag = "anomalies",
    params(("id" = i64, Path, description = "Anomaly event id")),
    responses((status = 200, body = AnomalyEventDto), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<AnomalyEventDto> {
    let n = parse_id(&id)?;
    let store = s.store.clone();
    let out = blocking(move || {
        let r = store
            .anomaly_event(n)?
            .ok_or_else(|| ApiError::not_found("anomaly event", &id))?;
        AnomalyEventDto::from_record(&r)
    })
    .await?;
    Ok(Json(out))
}

/// `POST /api/v1/anomalies/{id}/acknowledge` and `.../resolve`: who, and a note.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TransitionRequest {
    /// Who acknowledges or resolves (required to acknowledge).
    pub by: Option<String>,
    /// A note (replaces the stored note when given).
    pub note: Option<String>,
}

async fn transition(
    s: AppState,
    id: String,
    body: Bytes,
    to: EventStatus,
) -> ApiResult<AnomalyEventDto> {
    let n = parse_id(&id)?;
    let b = if body.iter().all(u8::is_ascii_whitespace) {
        Body::parse(b"{}", &["by", "note"])?
    } else {
        Body::parse(&body, &["by", "note"])?
    };
    let by: Option<String> = match to {
        EventStatus::Acknowledged => Some(b.require("by")?),
        _ => b.get("by")?,
    };
    if by.as_deref().is_some_and(|v| v.trim().is_empty()) {
        return Err(bad("by", "must name someone"));
    }
    let step = Transition {
        to,
        by,
        note: b.get("note")?,
        at: now_us(),
    };
    let store = s.store.clone();
    let out = blocking(move || match store.transition_anomaly_event(n, &step)? {
        TransitionOutcome::Done(r) => AnomalyEventDto::from_record(&r),
        TransitionOutcome::NotFound => Err(ApiError::not_found("anomaly event", &id)),
        TransitionOutcome::Refused(r) => Err(ApiError::conflict(
            "INVALID_TRANSITION",
            "status",
            format!(
                "anomaly event {n} is {}; it cannot become {} (allowed: open -> acknowledged, \
                 open -> resolved, acknowledged -> resolved)",
                r.status.as_str(),
                step.to.as_str()
            ),
        )),
    })
    .await?;
    Ok(Json(out))
}

/// Acknowledges an open event (`by` required, `note` optional).
#[utoipa::path(post, path = "/api/v1/anomalies/{id}/acknowledge", tag = "anomalies",
    params(("id" = i64, Path, description = "Anomaly event id")), request_body = TransitionRequest,
    responses((status = 200, description = "The event, now acknowledged", body = AnomalyEventDto),
              (status = 400, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "The event is not open", body = ApiError)))]
pub async fn acknowledge(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<AnomalyEventDto> {
    transition(s, id, body, EventStatus::Acknowledged).await
}

/// Resolves an open or acknowledged event (`by` and `note` optional; an empty body is fine).
#[utoipa::path(post, path = "/api/v1/anomalies/{id}/resolve", tag = "anomalies",
    params(("id" = i64, Path, description = "Anomaly event id")), request_body = TransitionRequest,
    responses((status = 200, description = "The event, now resolved", body = AnomalyEventDto),
              (status = 400, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "The event is already resolved", body = ApiError)))]
pub async fn resolve(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<AnomalyEventDto> {
    transition(s, id, body, EventStatus::Resolved).await
}
