//! The REST API under `/api/v1`, and its OpenAPI document (generated from these handlers and the
//! types in [`dto`] by utoipa, served at `/api/v1/openapi.json`).
//!
//! Handlers parse and check the request's parameters, read from the [`Store`] off the async
//! runtime, and hand the data to the core (rollups, KPI report, baselines). Every parameter is optional text
//! parsed here, so a bad value is a 400 [`ApiError`] naming that parameter.

pub mod anomalies;
pub mod baselines;
pub mod dto;
pub mod forecast;
pub mod review;
pub mod weather;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use enms_core::bucket::Bucketing;
use enms_core::kpi::{kpi_report, KpiSettings, MachineInput};
use enms_core::model::{EnergyCarrier, Factory, Machine};
use enms_core::rollup::{rollup_power, RollupOptions};
use enms_core::series::{PowerView, QuantitySeries};
use enms_core::time::{format_rfc3339, parse_rfc3339, TimeRange, Timestamp};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use crate::store::Store;
use crate::ApiError;
use dto::*;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// KPI settings (the core's defaults with the configuration's `[kpi]` keys), validated.
    pub kpi: Arc<KpiSettings>,
    /// Rollup options for bucketed readings.
    pub rollup: RollupOptions,
    /// Most raw readings per response.
    pub max_raw_rows: usize,
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Runs blocking store and maths work off the async runtime.
async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("worker failed: {e}")))?
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(v)| v)
        .map_err(|e| ApiError::invalid_query(e.body_text()))
}

fn parse_time(v: Option<&str>, param: &str) -> Result<Option<Timestamp>, ApiError> {
    v.map(|s| parse_rfc3339(s).map_err(|e| ApiError::param(&e, param)))
        .transpose()
}

/// `start`/`end` of the request, the missing ones taken from `span` (first and last reading).
fn resolve_range(
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    span: Option<(Timestamp, Timestamp)>,
    what: &str,
) -> Result<TimeRange, ApiError> {
    let (start, end) = match (start, end, span) {
        (Some(s), Some(e), _) => (s, e),
        (s, e, Some((first, last))) => (s.unwrap_or(first), e.unwrap_or(last.saturating_add(1))),
        (_, _, None) => return Err(ApiError::no_data(format!("{what} has no readings"))),
    };
    TimeRange::new(start, end).map_err(|e| ApiError::param(&e, "end"))
}

fn find_machine(store: &dyn Store, id: &str) -> Result<Machine, ApiError> {
    store
        .machines()?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| ApiError::not_found("machine", id))
}

/// The machine and the range of a request about it (missing ends from its first and last
/// reading).
fn machine_and_range(
    store: &dyn Store,
    machine_id: &str,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
) -> Result<(Machine, TimeRange), ApiError> {
    let machine = find_machine(store, machine_id)?;
    let span = match (start, end) {
        (Some(_), Some(_)) => None,
        _ => store.reading_span(machine_id)?,
    };
    let range = resolve_range(start, end, span, &format!("machine `{machine_id}`"))?;
    Ok((machine, range))
}

fn find_factory(store: &dyn Store, id: &str) -> Result<Factory, ApiError> {
    store
        .factories()?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or_else(|| ApiError::not_found("factory", id))
}

/// The machines whose energy one series adds up, and their carrier: one machine (`carrier`, when
/// given, must be its meter's), or the machines of a factory metering one carrier (`carrier`,
/// default electricity). Energy of two carriers is never added up (see `enms_core::model`). Errors
/// name `machine_id`, `factory_id` or `carrier`.
fn machines_of(
    store: &dyn Store,
    machine_id: Option<&str>,
    factory_id: Option<&str>,
    carrier: Option<&str>,
) -> Result<(EnergyCarrier, Vec<Machine>), ApiError> {
    let named = |e: ApiError, field: &str| ApiError {
        field: Some(field.into()),
        ..e
    };
    let wanted = carrier
        .map(|c| {
            c.parse::<EnergyCarrier>()
                .map_err(|e| ApiError::param(&e, "carrier"))
        })
        .transpose()?;
    if let Some(id) = machine_id {
        let m = find_machine(store, id).map_err(|e| named(e, "machine_id"))?;
        if let Some(c) = wanted.filter(|c| *c != m.carrier) {
            return Err(baselines::bad(
                "carrier",
                format!("machine `{id}` meters {}, not {c}", m.carrier),
            ));
        }
        return Ok((m.carrier, vec![m]));
    }
    let Some(id) = factory_id else {
        return Err(baselines::bad(
            "machine_id",
            "machine_id or factory_id is required",
        ));
    };
    find_factory(store, id).map_err(|e| named(e, "factory_id"))?;
    let carrier = wanted.unwrap_or(EnergyCarrier::Electricity);
    let all: Vec<Machine> = store
        .machines()?
        .into_iter()
        .filter(|m| m.factory_id == id)
        .collect();
    let mut metered: Vec<&str> = all.iter().map(|m| m.carrier.as_str()).collect();
    metered.sort_unstable();
    metered.dedup();
    let machines: Vec<Machine> = all.into_iter().filter(|m| m.carrier == carrier).collect();
    if machines.is_empty() {
        return Err(if metered.is_empty() {
            named(
                ApiError::no_data(format!("factory `{id}` has no machines")),
                "factory_id",
            )
        } else {
            named(
                ApiError::no_data(format!(
                    "factory `{id}` has no machine metering {carrier}; its machines meter {}",
                    metered.join(", ")
                )),
                "carrier",
            )
        });
    }
    Ok((carrier, machines))
}

/// Builds the router of the API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/factories", get(list_factories))
        .route("/api/v1/factories/{factory_id}", get(get_factory))
        .route(
            "/api/v1/factories/{factory_id}/machines",
            get(factory_machines),
        )
        .route("/api/v1/factories/{factory_id}/kpis", get(factory_kpis))
        .route("/api/v1/machines", get(list_machines))
        .route("/api/v1/machines/{machine_id}", get(get_machine))
        .route("/api/v1/machines/{machine_id}/readings", get(readings))
        .route("/api/v1/machines/{machine_id}/rollup", get(rollup))
        .route("/api/v1/machines/{machine_id}/kpis", get(machine_kpis))
        .route("/api/v1/kpis", get(kpis))
        .route("/api/v1/review", get(review::review))
        .route(
            "/api/v1/baselines",
            post(baselines::train).get(baselines::list),
        )
        .route("/api/v1/baselines/candidates", post(review::candidates))
        .route(
            "/api/v1/baselines/{id}",
            get(baselines::get).delete(baselines::delete),
        )
        .route(
            "/api/v1/baselines/{id}/performance",
            get(baselines::performance_report),
        )
        .route("/api/v1/baselines/{id}/predict", post(baselines::predict))
        .route(
            "/api/v1/machines/{machine_id}/anomalies/detect",
            post(anomalies::detect),
        )
        .route("/api/v1/anomalies", get(anomalies::list))
        .route("/api/v1/anomalies/{id}", get(anomalies::get))
        .route(
            "/api/v1/anomalies/{id}/acknowledge",
            post(anomalies::acknowledge),
        )
        .route("/api/v1/anomalies/{id}/resolve", post(anomalies::resolve))
        .route("/api/v1/forecast", post(forecast::forecast))
        .route(
            "/api/v1/forecast/backtest",
            post(forecast::backtest_history),
        )
        .route("/api/v1/forecast/monitor", post(forecast::monitor))
        .route(
            "/api/v1/weather-models",
            get(weather::list).post(weather::fit),
        )
        .route(
            "/api/v1/weather-models/{id}",
            get(weather::get).delete(weather::delete),
        )
        .route(
            "/api/v1/weather-models/{id}/performance",
            post(weather::performance),
        )
        .merge(crate::portal::routes())
        .fallback(fallback)
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let t0 = Instant::now();
    let res = next.run(req).await;
    tracing::info!(
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        elapsed_ms = t0.elapsed().as_secs_f64() * 1e3,
        "request"
    );
    res
}

async fn fallback(req: Request) -> ApiError {
    ApiError::not_found("route", req.uri().path())
}

/// The OpenAPI document of this API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "enms-server",
        description = "REST API of the enms reference server: factories, machines, meter readings \
                       (raw and in buckets), energy KPIs, energy baselines, anomaly events and demand forecasts. Timestamps are RFC 3339; ranges are \
                       half-open [start, end). Errors are JSON bodies naming the field at fault."
    ),
    paths(
        health,
        openapi,
        list_factories,
        get_factory,
        factory_machines,
        factory_kpis,
        list_machines,
        get_machine,
        readings,
        rollup,
        machine_kpis,
        kpis,
        review::review,
        review::candidates,
        baselines::train,
        baselines::list,
        baselines::get,
        baselines::delete,
        baselines::performance_report,
        baselines::predict,
        anomalies::detect,
        anomalies::list,
        anomalies::get,
        anomalies::acknowledge,
        anomalies::resolve,
        forecast::forecast,
        forecast::backtest_history,
        forecast::monitor,
        weather::fit,
        weather::list,
        weather::get,
        weather::delete,
        weather::performance
    ),
    components(schemas(
        ApiError,
        Health,
        FactoryDto,
        MachineDto,
        ReadingDto,
        ReadingsResponse,
        BucketDto,
        RollupResponse,
        PeakDemandDto,
        MachineKpisDto,
        PeriodCostDto,
        DemandChargeDto,
        FixedChargeDto,
        CostDto,
        CarrierKpisDto,
        FactoryKpisDto,
        KpiReportDto,
        review::ReviewCarrierDto,
        review::ReviewMachineDto,
        review::ReviewDto,
        review::CandidatesRequest,
        review::CandidateDto,
        review::CandidatesDto,
        baselines::TrainRequest,
        baselines::BaselineDto,
        baselines::DriverDto,
        baselines::CoefficientDto,
        baselines::StatisticsDto,
        baselines::GateFailureDto,
        baselines::GateReportDto,
        baselines::ShortfallDto,
        baselines::DroppedPeriodDto,
        baselines::TableSummaryDto,
        baselines::PerformancePeriodDto,
        baselines::PerformanceDto,
        baselines::SavingsDto,
        baselines::PredictRequest,
        baselines::PredictionDto,
        anomalies::DetectRequest,
        anomalies::DetectorDto,
        anomalies::AnomalyEventDto,
        anomalies::DetectedEventDto,
        anomalies::DetectionDto,
        anomalies::TransitionRequest,
        forecast::TargetFields,
        forecast::ForecastRequest,
        forecast::BacktestRequest,
        forecast::IntervalDto,
        forecast::RiskStepDto,
        forecast::DayPeakDto,
        forecast::HistoryDto,
        forecast::ForecastDto,
        forecast::AccuracyDto,
        forecast::BacktestWindowDto,
        forecast::BacktestDto,
        forecast::MonitorRequest,
        forecast::DriftWindowDto,
        forecast::MonitorDto,
        weather::WeatherModelRequest,
        weather::DegreeTermDto,
        weather::SegmentDto,
        weather::WeatherStatisticsDto,
        weather::WeatherDayDto,
        weather::CurveDto,
        weather::WeatherModelDto,
        weather::WeatherPerformanceDto,
        weather::WeatherPerformanceDayDto,
        weather::WeatherModelSummaryDto,
        weather::WeatherReportRequest
    )),
    tags(
        (name = "system", description = "Health and the API document"),
        (name = "assets", description = "Factories and machines"),
        (name = "readings", description = "Meter readings, raw and in buckets"),
        (name = "kpis", description = "Energy KPIs computed by enms-core"),
        (name = "baselines", description = "ISO 50006 energy baselines: train on stored data, statistics, gates, performance (deviation, CUSUM, EnPI, savings), prediction; weather-normalised models of daily energy against outdoor temperature (change-point and daily models)"),
        (name = "forecasts", description = "Demand forecasts of a machine or a factory (ARIMA for the next hours, the seasonal regression for days and weeks), each day's peak and hours at risk, rolling-origin backtests, and drift monitoring of deployed models"),
        (name = "anomalies", description = "Anomaly events: detection over a period (baseline residuals judged by sigma rules, merged into events), listing, and the lifecycle open -> acknowledged -> resolved")
    )
)]
pub struct ApiDoc;

/// Health of the server and its store.
#[utoipa::path(get, path = "/api/v1/health", tag = "system",
    responses((status = 200, description = "The store answers", body = Health),
              (status = 500, description = "The store fails", body = ApiError)))]
async fn health(State(s): State<AppState>) -> ApiResult<Health> {
    let store = s.store.clone();
    let backend = store.backend();
    blocking(move || store.ping().map_err(ApiError::from)).await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        backend: backend.into(),
    }))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "system",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Every factory.
#[utoipa::path(get, path = "/api/v1/factories", tag = "assets",
    responses((status = 200, body = Vec<FactoryDto>)))]
async fn list_factories(State(s): State<AppState>) -> ApiResult<Vec<FactoryDto>> {
    let store = s.store.clone();
    let fs = blocking(move || Ok(store.factories()?)).await?;
    Ok(Json(fs.into_iter().map(FactoryDto::from).collect()))
}

/// One factory.
#[utoipa::path(get, path = "/api/v1/factories/{factory_id}", tag = "assets",
    params(("factory_id" = String, Path, description = "Factory id")),
    responses((status = 200, body = FactoryDto), (status = 404, body = ApiError)))]
async fn get_factory(
    State(s): State<AppState>,
    Path(factory_id): Path<String>,
) -> ApiResult<FactoryDto> {
    let store = s.store.clone();
    let f = blocking(move || find_factory(store.as_ref(), &factory_id)).await?;
    Ok(Json(f.into()))
}

/// The machines of a factory.
#[utoipa::path(get, path = "/api/v1/factories/{factory_id}/machines", tag = "assets",
    params(("factory_id" = String, Path, description = "Factory id")),
    responses((status = 200, body = Vec<MachineDto>), (status = 404, body = ApiError)))]
async fn factory_machines(
    State(s): State<AppState>,
    Path(factory_id): Path<String>,
) -> ApiResult<Vec<MachineDto>> {
    let store = s.store.clone();
    let ms = blocking(move || {
        find_factory(store.as_ref(), &factory_id)?;
        let ms = store
            .machines()?
            .into_iter()
            .filter(|m| m.factory_id == factory_id);
        machine_dtos(store.as_ref(), ms)
    })
    .await?;
    Ok(Json(ms))
}

/// The machines with the span of their readings.
fn machine_dtos(
    store: &dyn Store,
    machines: impl Iterator<Item = Machine>,
) -> Result<Vec<MachineDto>, ApiError> {
    machines
        .map(|m| {
            let span = store.reading_span(&m.id)?;
            Ok(MachineDto::with_span(m, span))
        })
        .collect()
}

/// Filter of `GET /api/v1/machines`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MachinesQuery {
    /// Only the machines of this factory.
    pub factory_id: Option<String>,
}

/// Every machine (optionally of one factory).
#[utoipa::path(get, path = "/api/v1/machines", tag = "assets", params(MachinesQuery),
    responses((status = 200, body = Vec<MachineDto>), (status = 400, body = ApiError)))]
async fn list_machines(
    State(s): State<AppState>,
    q: Result<Query<MachinesQuery>, QueryRejection>,
) -> ApiResult<Vec<MachineDto>> {
    let q = query(q)?;
    let store = s.store.clone();
    let ms = blocking(move || {
        let ms = store
            .machines()?
            .into_iter()
            .filter(|m| q.factory_id.as_ref().is_none_or(|f| &m.factory_id == f));
        machine_dtos(store.as_ref(), ms)
    })
    .await?;
    Ok(Json(ms))
}

/// One machine.
#[utoipa::path(get, path = "/api/v1/machines/{machine_id}", tag = "assets",
    params(("machine_id" = String, Path, description = "Machine id")),
    responses((status = 200, body = MachineDto), (status = 404, body = ApiError)))]
async fn get_machine(
    State(s): State<AppState>,
    Path(machine_id): Path<String>,
) -> ApiResult<MachineDto> {
    let store = s.store.clone();
    let m = blocking(move || {
        let m = find_machine(store.as_ref(), &machine_id)?;
        let span = store.reading_span(&m.id)?;
        Ok(MachineDto::with_span(m, span))
    })
    .await?;
    Ok(Json(m))
}

/// Parameters of `GET /api/v1/machines/{machine_id}/readings`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadingsQuery {
    /// Start of the range (inclusive), RFC 3339; default: the first reading.
    pub start: Option<String>,
    /// End of the range (exclusive), RFC 3339; default: just after the last reading.
    pub end: Option<String>,
    /// Most readings to return (1 ..= the server's `api.max_raw_rows`, which is the default).
    #[param(value_type = Option<u64>)]
    pub limit: Option<String>,
}

/// Raw readings of a machine in a time range, paged.
#[utoipa::path(get, path = "/api/v1/machines/{machine_id}/readings", tag = "readings",
    params(("machine_id" = String, Path, description = "Machine id"), ReadingsQuery),
    responses((status = 200, body = ReadingsResponse),
              (status = 400, description = "A parameter is invalid (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
async fn readings(
    State(s): State<AppState>,
    Path(machine_id): Path<String>,
    q: Result<Query<ReadingsQuery>, QueryRejection>,
) -> ApiResult<ReadingsResponse> {
    let q = query(q)?;
    let start = parse_time(q.start.as_deref(), "start")?;
    let end = parse_time(q.end.as_deref(), "end")?;
    let max = s.max_raw_rows;
    let limit = match q.limit.as_deref() {
        None => max,
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                return Err(ApiError::from(&enms_core::Error::InvalidParameter {
                    name: "limit".into(),
                    reason: format!("must be an integer from 1 to {max}, got `{text}`"),
                }));
            }
        },
    };
    let store = s.store.clone();
    let out = blocking(move || {
        let (_, range) = machine_and_range(store.as_ref(), &machine_id, start, end)?;
        let t = store.readings(
            &machine_id,
            Some(range),
            Some(limit.saturating_add(1)),
            false,
        )?;
        Ok(ReadingsResponse::from_table(
            &t,
            limit,
            range.start,
            range.end,
        ))
    })
    .await?;
    Ok(Json(out))
}

/// Parameters of `GET /api/v1/machines/{machine_id}/rollup`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RollupQuery {
    /// Bucket width: `1m`, `15m`, `1h`, `1d`, or any width such as `5m`, `90s`, `1w`, `1mo`.
    pub bucket: Option<String>,
    /// Start of the range (inclusive), RFC 3339; default: the first reading.
    pub start: Option<String>,
    /// End of the range (exclusive), RFC 3339; default: just after the last reading.
    pub end: Option<String>,
    /// IANA time zone of the buckets (local days and months); default: the factory's.
    pub tz: Option<String>,
    /// Longest interval between readings still integrated, seconds; default: the server's.
    #[param(value_type = Option<f64>)]
    pub max_gap_s: Option<String>,
}

/// Readings of a machine in buckets: energy, mean, min and max power and coverage per bucket.
#[utoipa::path(get, path = "/api/v1/machines/{machine_id}/rollup", tag = "readings",
    params(("machine_id" = String, Path, description = "Machine id"), RollupQuery),
    responses((status = 200, body = RollupResponse),
              (status = 400, description = "A parameter is invalid (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
async fn rollup(
    State(s): State<AppState>,
    Path(machine_id): Path<String>,
    q: Result<Query<RollupQuery>, QueryRejection>,
) -> ApiResult<RollupResponse> {
    let q = query(q)?;
    let width = q.bucket.as_deref().ok_or_else(|| {
        ApiError::from(&enms_core::Error::InvalidParameter {
            name: "bucket".into(),
            reason: "a bucket width is required, e.g. 15m, 1h, 1d".into(),
        })
    })?;
    let bucketing = Bucketing::parse(width).map_err(|e| ApiError::param(&e, "bucket"))?;
    let start = parse_time(q.start.as_deref(), "start")?;
    let end = parse_time(q.end.as_deref(), "end")?;
    let mut options = s.rollup;
    if let Some(text) = q.max_gap_s.as_deref() {
        let gap = text.trim().parse::<f64>().map_err(|e| {
            ApiError::from(&enms_core::Error::InvalidParameter {
                name: "max_gap_s".into(),
                reason: format!("expected a number of seconds, got `{text}`: {e}"),
            })
        })?;
        options.max_gap_us = RollupOptions::default()
            .with_max_gap_s(gap)
            .map_err(|e| ApiError::param(&e, "max_gap_s"))?
            .max_gap_us;
    }
    let store = s.store.clone();
    let tz = q.tz.clone();
    let out = blocking(move || {
        let (machine, range) = machine_and_range(store.as_ref(), &machine_id, start, end)?;
        let tz = match tz {
            Some(tz) => tz,
            None => find_factory(store.as_ref(), &machine.factory_id)?.timezone,
        };
        let bucketing = bucketing
            .with_timezone(&tz)
            .map_err(|e| ApiError::param(&e, "tz"))?;
        let t = store.readings(&machine_id, Some(range), None, true)?;
        if t.is_empty() {
            return Err(ApiError::no_data(format!(
                "machine `{machine_id}` has no readings"
            )));
        }
        let view = PowerView::new(&t.ts, &t.power_kw).map_err(|e| ApiError::from(&e))?;
        let r = rollup_power(view, &bucketing, &options.with_range(range)).map_err(|e| match e
            .field()
        {
            Some("width") => ApiError::param(&e, "bucket"),
            _ => ApiError::from(&e),
        })?;
        Ok(RollupResponse::new(machine_id, range.start, range.end, &r))
    })
    .await?;
    Ok(Json(out))
}

/// Parameters of the KPI endpoints.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiQuery {
    /// Start of the period (inclusive), RFC 3339; default: the first reading (with `end` also
    /// missing, the core's default period: the demand grid around all readings).
    pub start: Option<String>,
    /// End of the period (exclusive), RFC 3339; default: just after the last reading.
    pub end: Option<String>,
    /// Only this factory's machines (`GET /api/v1/kpis` only).
    pub factory_id: Option<String>,
    /// Only this machine (`GET /api/v1/kpis` only).
    pub machine_id: Option<String>,
}

/// Loads the selected machines' data and runs the core's KPI report.
fn kpi_for(
    store: &dyn Store,
    settings: &KpiSettings,
    machines: Vec<Machine>,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
) -> Result<KpiReportDto, ApiError> {
    if machines.is_empty() {
        return Err(ApiError::no_data("no machines selected".into()));
    }
    let range = match (start, end) {
        (None, None) => None,
        (s, e) => {
            let mut span: Option<(Timestamp, Timestamp)> = None;
            if s.is_none() || e.is_none() {
                for m in &machines {
                    if let Some((a, b)) = store.reading_span(&m.id)? {
                        span = Some(match span {
                            Some((x, y)) => (x.min(a), y.max(b)),
                            None => (a, b),
                        });
                    }
                }
            }
            Some(resolve_range(s, e, span, "the selection")?)
        }
    };
    let mut inputs = Vec::with_capacity(machines.len());
    for m in machines {
        let t = store.readings(&m.id, range, None, true)?;
        if t.is_empty() {
            continue;
        }
        let p = store.production(&m.id, range, true)?;
        let production = if p.ts.is_empty() {
            None
        } else {
            Some(
                QuantitySeries::new("production_count", p.ts, p.production_count)
                    .map_err(|e| ApiError::from(&e))?,
            )
        };
        inputs
            .push(MachineInput::from_readings(m, &t, production).map_err(|e| ApiError::from(&e))?);
    }
    if inputs.is_empty() {
        let what = match range {
            Some(r) => format!(
                "no readings from {} to {}",
                format_rfc3339(r.start),
                format_rfc3339(r.end)
            ),
            None => "no readings".into(),
        };
        return Err(ApiError::no_data(what));
    }
    let settings = KpiSettings {
        range,
        ..settings.clone()
    };
    let report = kpi_report(&inputs, &settings).map_err(|e| ApiError::from(&e))?;
    Ok(KpiReportDto::from(&report))
}

async fn kpi_request(
    s: AppState,
    q: KpiQuery,
    select: impl FnOnce(&dyn Store) -> Result<Vec<Machine>, ApiError> + Send + 'static,
) -> ApiResult<KpiReportDto> {
    let start = parse_time(q.start.as_deref(), "start")?;
    let end = parse_time(q.end.as_deref(), "end")?;
    let store = s.store.clone();
    let settings = s.kpi.clone();
    let out = blocking(move || {
        let machines = select(store.as_ref())?;
        kpi_for(store.as_ref(), &settings, machines, start, end)
    })
    .await?;
    Ok(Json(out))
}

/// KPIs of all machines (or of one factory or machine), per machine, per factory and in total.
#[utoipa::path(get, path = "/api/v1/kpis", tag = "kpis", params(KpiQuery),
    responses((status = 200, body = KpiReportDto),
              (status = 400, description = "A parameter is invalid (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
async fn kpis(
    State(s): State<AppState>,
    q: Result<Query<KpiQuery>, QueryRejection>,
) -> ApiResult<KpiReportDto> {
    let q = query(q)?;
    let (factory_id, machine_id) = (q.factory_id.clone(), q.machine_id.clone());
    kpi_request(s, q, move |store| {
        if let Some(f) = &factory_id {
            find_factory(store, f)?;
        }
        if let Some(m) = &machine_id {
            find_machine(store, m)?;
        }
        Ok(store
            .machines()?
            .into_iter()
            .filter(|m| factory_id.as_ref().is_none_or(|f| &m.factory_id == f))
            .filter(|m| machine_id.as_ref().is_none_or(|id| &m.id == id))
            .collect())
    })
    .await
}

/// KPIs of one factory and its machines.
#[utoipa::path(get, path = "/api/v1/factories/{factory_id}/kpis", tag = "kpis",
    params(("factory_id" = String, Path, description = "Factory id"), KpiQuery),
    responses((status = 200, body = KpiReportDto),
              (status = 400, description = "A parameter is invalid (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
async fn factory_kpis(
    State(s): State<AppState>,
    Path(factory_id): Path<String>,
    q: Result<Query<KpiQuery>, QueryRejection>,
) -> ApiResult<KpiReportDto> {
    let q = query(q)?;
    kpi_request(s, q, move |store| {
        find_factory(store, &factory_id)?;
        Ok(store
            .machines()?
            .into_iter()
            .filter(|m| m.factory_id == factory_id)
            .collect())
    })
    .await
}

/// KPIs of one machine.
#[utoipa::path(get, path = "/api/v1/machines/{machine_id}/kpis", tag = "kpis",
    params(("machine_id" = String, Path, description = "Machine id"), KpiQuery),
    responses((status = 200, body = KpiReportDto),
              (status = 400, description = "A parameter is invalid (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
async fn machine_kpis(
    State(s): State<AppState>,
    Path(machine_id): Path<String>,
    q: Result<Query<KpiQuery>, QueryRejection>,
) -> ApiResult<KpiReportDto> {
    let q = query(q)?;
    kpi_request(s, q, move |store| {
        Ok(vec![find_machine(store, &machine_id)?])
    })
    .await
}
