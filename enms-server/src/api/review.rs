//! The energy review of ISO 50001 (6.3) over the REST API, for the portal and other clients:
//! the significant energy uses (SEUs) of a period by a Pareto ranking within each carrier, and the
//! ranked candidate driver sets of a baseline (ISO 50006's choice of relevant variables).
//!
//! The server only gathers data: a machine's energy is its KPI report's `energy_kwh` (the same
//! number `GET /api/v1/kpis` gives), ranked by the core's `energy_review`; candidate driver sets
//! are built with the same modelling table as `POST /api/v1/baselines` and ranked by the core's
//! `select_drivers` (recommended first, then adjusted R², then AIC).

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use enms_core::baseline::model::{select_drivers, SelectionOptions};
use enms_core::baseline::{energy_review, MachineEnergy};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::baselines::{bad, core, Body, TrainRequest, Training, TRAIN_FIELDS};
use super::{blocking, find_factory, kpi_for, parse_time, query, AppState};
use crate::ApiError;

type ApiResult<T> = Result<Json<T>, ApiError>;

/// Parameters of `GET /api/v1/review`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewQuery {
    /// Start of the period (inclusive), RFC 3339; default as for the KPIs.
    pub start: Option<String>,
    /// End of the period (exclusive), RFC 3339; default as for the KPIs.
    pub end: Option<String>,
    /// Only this factory's machines.
    pub factory_id: Option<String>,
    /// Share of a carrier's energy the SEUs make up together, in (0, 1] (default 0.8).
    #[param(value_type = Option<f64>)]
    pub seu_share: Option<String>,
}

/// Energy of one carrier in the review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewCarrierDto {
    /// Carrier.
    pub carrier: String,
    /// Energy of the carrier's machines over the period, kWh.
    pub energy_kwh: f64,
}

/// A machine in the review.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewMachineDto {
    /// Machine id.
    pub machine_id: String,
    /// Carrier of its meter.
    pub carrier: String,
    /// Energy over the period, kWh (its KPI report's `energy_kwh`).
    pub energy_kwh: f64,
    /// Share of its carrier's energy, 0..1.
    pub share: f64,
    /// Cumulative share in the Pareto order of its carrier, 0..1.
    pub cumulative_share: f64,
    /// Whether it is a significant energy use.
    pub seu: bool,
}

/// The energy review of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewDto {
    /// Start of the period.
    pub start: String,
    /// End of the period.
    pub end: String,
    /// The SEU line: share of a carrier's energy the SEUs make up together.
    pub seu_share: f64,
    /// Energy per carrier, largest first.
    pub by_carrier: Vec<ReviewCarrierDto>,
    /// Machines in Pareto order within each carrier (carriers in the order of `by_carrier`).
    pub machines: Vec<ReviewMachineDto>,
}

/// The SEU line when the request does not give one (ISO 50001 practice: the 80 % of a Pareto).
const DEFAULT_SEU_SHARE: f64 = 0.8;

/// The energy review: machines ranked by their share of their carrier's energy, with the
/// significant energy uses marked.
#[utoipa::path(get, path = "/api/v1/review", tag = "kpis", params(ReviewQuery),
    responses((status = 200, body = ReviewDto),
              (status = 400, description = "A parameter is invalid (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
pub async fn review(
    State(s): State<AppState>,
    q: Result<Query<ReviewQuery>, QueryRejection>,
) -> ApiResult<ReviewDto> {
    let q = query(q)?;
    let start = parse_time(q.start.as_deref(), "start")?;
    let end = parse_time(q.end.as_deref(), "end")?;
    let seu_share = match q.seu_share.as_deref() {
        None => DEFAULT_SEU_SHARE,
        Some(v) => v
            .parse::<f64>()
            .map_err(|e| bad("seu_share", format!("`{v}`: {e}")))?,
    };
    let store = s.store.clone();
    let settings = s.kpi.clone();
    let out = blocking(move || {
        if let Some(f) = &q.factory_id {
            find_factory(store.as_ref(), f)?;
        }
        let machines: Vec<_> = store
            .machines()?
            .into_iter()
            .filter(|m| q.factory_id.as_ref().is_none_or(|f| &m.factory_id == f))
            .collect();
        let report = kpi_for(store.as_ref(), &settings, machines.clone(), start, end)?;
        let energies: Vec<MachineEnergy> = machines
            .into_iter()
            .filter_map(|machine| {
                let k = report
                    .machines
                    .iter()
                    .find(|k| k.machine_id == machine.id)?;
                Some(MachineEnergy {
                    machine,
                    energy_kwh: vec![k.energy_kwh],
                })
            })
            .collect();
        let r = energy_review(&energies, &[], seu_share)
            .map_err(|e| ApiError::param(&e, "seu_share"))?;
        Ok(ReviewDto {
            start: report.start,
            end: report.end,
            seu_share,
            by_carrier: r
                .by_carrier
                .iter()
                .map(|c| ReviewCarrierDto {
                    carrier: c.carrier.as_str().to_string(),
                    energy_kwh: c.energy_kwh,
                })
                .collect(),
            machines: r
                .machines
                .iter()
                .map(|m| ReviewMachineDto {
                    machine_id: m.machine_id.clone(),
                    carrier: m.carrier.as_str().to_string(),
                    energy_kwh: m.energy_kwh,
                    share: m.share,
                    cumulative_share: m.cumulative_share,
                    seu: m.seu,
                })
                .collect(),
        })
    })
    .await?;
    Ok(Json(out))
}

/// `POST /api/v1/baselines/candidates`: the training request's fields, `drivers` being the pool
/// the candidate sets are drawn from.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CandidatesRequest {
    /// The fields of a training request; `drivers` is the pool of candidate drivers.
    #[serde(flatten)]
    pub training: TrainRequest,
    /// Most drivers in a candidate set (default: the core's, 3).
    pub max_drivers: Option<usize>,
    /// Largest acceptable variance inflation factor (default: the core's, 5).
    pub max_vif: Option<f64>,
}

/// One candidate driver set, ranked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateDto {
    /// Drivers of the set.
    pub drivers: Vec<String>,
    /// Adjusted R² (null when the set could not be fitted).
    pub adj_r_squared: Option<f64>,
    /// Akaike information criterion (null when the set could not be fitted).
    pub aic: Option<f64>,
    /// Largest VIF among its columns (null with a single column).
    pub max_vif: Option<f64>,
    /// Whether every gate set passed.
    pub gates_passed: bool,
    /// Whether every coefficient has its expected sign.
    pub signs_ok: bool,
    /// Whether the VIFs are acceptable.
    pub vif_ok: bool,
    /// Recommended: no problem at all.
    pub recommended: bool,
    /// Every reason the set is not recommended.
    pub problems: Vec<String>,
}

/// The ranked candidate sets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidatesDto {
    /// Machine whose energy is modelled.
    pub machine_id: String,
    /// Periods of the modelling table used in every fit.
    pub periods_used: usize,
    /// Candidate sets: recommended first, then by adjusted R² (higher first), then AIC.
    pub candidates: Vec<CandidateDto>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Fits every subset of the given drivers (up to `max_drivers` each) on the machine's stored data
/// and ranks them, so a person can choose the drivers of a baseline. Nothing is stored.
#[utoipa::path(post, path = "/api/v1/baselines/candidates", tag = "baselines",
    request_body = CandidatesRequest,
    responses((status = 200, body = CandidatesDto),
              (status = 400, description = "A field is invalid (the body names it)", body = ApiError),
              (status = 404, body = ApiError)))]
pub async fn candidates(State(s): State<AppState>, body: Bytes) -> ApiResult<CandidatesDto> {
    let mut known = TRAIN_FIELDS.to_vec();
    known.extend(["max_drivers", "max_vif"]);
    let b = Body::parse(&body, &known)?;
    let training = Training::parse(&b, &s)?;
    let mut options = SelectionOptions {
        baseline: training.options.clone(),
        ..SelectionOptions::default()
    };
    if let Some(m) = b.get::<usize>("max_drivers")? {
        options.max_drivers = m;
    }
    if let Some(v) = b.get::<f64>("max_vif")? {
        options.max_vif = v;
    }
    let store = s.store.clone();
    let out = blocking(move || {
        let (_, table) = training.table(store.as_ref())?;
        let ranked = select_drivers(&table.energy_kwh, &table.drivers, &options).map_err(core)?;
        Ok(CandidatesDto {
            machine_id: training.machine_id.clone(),
            periods_used: table.len(),
            candidates: ranked
                .into_iter()
                .map(|c| CandidateDto {
                    recommended: c.recommended(),
                    drivers: c.drivers,
                    adj_r_squared: finite(c.adj_r_squared),
                    aic: finite(c.aic),
                    max_vif: c.max_vif,
                    gates_passed: c.gates_passed,
                    signs_ok: c.signs_ok,
                    vif_ok: c.vif_ok,
                    problems: c.problems,
                })
                .collect(),
        })
    })
    .await?;
    Ok(Json(out))
}
