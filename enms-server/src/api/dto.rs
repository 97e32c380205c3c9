//! The JSON shapes of the API: the core's types converted for HTTP clients (timestamps as RFC 3339
//! strings in UTC, enums as snake_case names, values that are not defined as `null`). Conversion
//! only: every number comes from the core.

use enms_core::kpi::cost::{CostBreakdown, DemandChargeLine, FixedChargeLine, PeriodCost};
use enms_core::kpi::demand::{DemandMethod, PeakDemand};
use enms_core::kpi::report::{CarrierKpis, FactoryKpis, KpiReport, MachineKpis};
use enms_core::model::{EnergyReadingTable, Factory, Machine};
use enms_core::rollup::Rollup;
use enms_core::time::{format_rfc3339, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

fn opt(v: f64) -> Option<f64> {
    if v.is_finite() {
        Some(v)
    } else {
        None
    }
}

/// `GET /api/v1/health`
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the store answers.
    pub status: String,
    /// Server version.
    pub version: String,
    /// Storage backend (`sqlite`).
    pub backend: String,
}

/// A site.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactoryDto {
    /// Stable identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free-text location.
    pub location: String,
    /// IANA time zone (local days, tariffs, shifts).
    pub timezone: String,
}

impl From<Factory> for FactoryDto {
    fn from(f: Factory) -> Self {
        FactoryDto {
            id: f.id,
            name: f.name,
            location: f.location,
            timezone: f.timezone,
        }
    }
}

/// A metered machine.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MachineDto {
    /// Stable identifier.
    pub id: String,
    /// Factory it belongs to.
    pub factory_id: String,
    /// Display name.
    pub name: String,
    /// `compressor`, `hvac`, `conveyor_motor`, `hydraulic_pump`, `injection_molding`, `boiler`.
    pub machine_type: String,
    /// Nameplate power, kW.
    pub rated_power_kw: f64,
    /// Energy carrier of its meter (`electricity`, `natural_gas`, ...).
    pub carrier: String,
    /// Nominal meter interval, s.
    pub interval_s: f64,
    /// Time of its first stored reading, RFC 3339 (`null` without readings).
    pub first_reading: Option<String>,
    /// Time of its last stored reading, RFC 3339 (`null` without readings).
    pub last_reading: Option<String>,
}

impl MachineDto {
    /// The machine with the span of its stored readings (`reading_span`: the store's index).
    pub fn with_span(m: Machine, span: Option<(Timestamp, Timestamp)>) -> Self {
        MachineDto {
            id: m.id,
            factory_id: m.factory_id,
            name: m.name,
            machine_type: m.machine_type.as_str().to_string(),
            rated_power_kw: m.rated_power_kw,
            carrier: m.carrier.as_str().to_string(),
            interval_s: m.interval_s,
            first_reading: span.map(|(a, _)| format_rfc3339(a)),
            last_reading: span.map(|(_, b)| format_rfc3339(b)),
        }
    }
}

/// One meter reading.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadingDto {
    /// Time of the reading, RFC 3339 UTC.
    pub ts: String,
    /// Active power, kW.
    pub power_kw: f64,
    /// Cumulative energy counter, kWh.
    pub energy_kwh: Option<f64>,
    /// Voltage, V (null where not measured).
    pub voltage_v: Option<f64>,
    /// Current, A.
    pub current_a: Option<f64>,
    /// Power factor, 0..1.
    pub power_factor: Option<f64>,
    /// Frequency, Hz.
    pub frequency_hz: Option<f64>,
    /// Cumulative reactive energy counter, kvarh.
    pub reactive_energy_kvarh: Option<f64>,
}

/// Raw readings of a machine.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadingsResponse {
    /// Machine.
    pub machine_id: String,
    /// Start of the range asked for (inclusive), RFC 3339.
    pub start: String,
    /// End of the range asked for (exclusive), RFC 3339.
    pub end: String,
    /// Readings returned.
    pub count: usize,
    /// When the range holds more readings than `limit`: the `start` of the next page.
    pub next_start: Option<String>,
    /// The readings, in time order.
    pub readings: Vec<ReadingDto>,
}

impl ReadingsResponse {
    /// Rows `0..n` of `t`.
    pub fn from_table(t: &EnergyReadingTable, n: usize, start: i64, end: i64) -> Self {
        let n = n.min(t.len());
        let readings = (0..n)
            .map(|i| ReadingDto {
                ts: format_rfc3339(t.ts[i]),
                power_kw: t.power_kw[i],
                energy_kwh: opt(t.energy_kwh[i]),
                voltage_v: opt(t.voltage_v[i]),
                current_a: opt(t.current_a[i]),
                power_factor: opt(t.power_factor[i]),
                frequency_hz: opt(t.frequency_hz[i]),
                reactive_energy_kvarh: opt(t.reactive_energy_kvarh[i]),
            })
            .collect();
        ReadingsResponse {
            machine_id: t.machine_id.clone(),
            start: format_rfc3339(start),
            end: format_rfc3339(end),
            count: n,
            next_start: t.ts.get(n).map(|&ts| format_rfc3339(ts)),
            readings,
        }
    }
}

/// One bucket of a rollup.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BucketDto {
    /// Bucket start (its label), RFC 3339.
    pub start: String,
    /// Bucket end, RFC 3339.
    pub end: String,
    /// Readings in the bucket.
    pub sample_count: u64,
    /// Energy in the bucket, kWh (trapezoidal integral of power).
    pub energy_kwh: f64,
    /// Time-weighted mean power over the covered part, kW (null when nothing is covered).
    pub mean_power_kw: Option<f64>,
    /// Smallest reading, kW (null when none).
    pub min_power_kw: Option<f64>,
    /// Largest reading, kW (null when none).
    pub max_power_kw: Option<f64>,
    /// Share of the bucket covered by data, 0..1.
    pub coverage: f64,
}

/// Readings of a machine in buckets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RollupResponse {
    /// Machine.
    pub machine_id: String,
    /// Start of the range, RFC 3339.
    pub start: String,
    /// End of the range, RFC 3339.
    pub end: String,
    /// Bucket width (`15m`, `1h`, `1d`, `1mo`, ...).
    pub bucket: String,
    /// Time zone of the buckets (matters for days and months).
    pub timezone: Option<String>,
    /// Total energy over the buckets, kWh.
    pub energy_kwh: f64,
    /// The buckets, in time order.
    pub buckets: Vec<BucketDto>,
}

impl RollupResponse {
    /// Converts a core rollup.
    pub fn new(machine_id: String, start: i64, end: i64, r: &Rollup) -> Self {
        let coverage = r.coverage();
        let buckets = (0..r.len())
            .map(|i| BucketDto {
                start: format_rfc3339(r.start[i]),
                end: format_rfc3339(r.end[i]),
                sample_count: r.sample_count[i],
                energy_kwh: r.energy_kwh[i],
                mean_power_kw: opt(r.mean_power_kw[i]),
                min_power_kw: opt(r.min_power_kw[i]),
                max_power_kw: opt(r.max_power_kw[i]),
                coverage: coverage[i],
            })
            .collect();
        RollupResponse {
            machine_id,
            start: format_rfc3339(start),
            end: format_rfc3339(end),
            bucket: r.bucketing.width().to_string(),
            timezone: r.bucketing.timezone().map(str::to_string),
            energy_kwh: r.total_energy_kwh(),
            buckets,
        }
    }
}

/// Peak demand: the largest mean power over a demand window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeakDemandDto {
    /// Peak demand, kW.
    pub peak_demand_kw: f64,
    /// Start of the peak window, RFC 3339.
    pub start: String,
    /// End of the peak window, RFC 3339.
    pub end: String,
    /// Energy in the peak window, kWh.
    pub energy_kwh: f64,
    /// Share of the window covered by data, 0..1.
    pub coverage: f64,
    /// Demand window, minutes.
    pub window_minutes: u32,
    /// `fixed_blocks` or `rolling`.
    pub method: String,
    /// Step of a rolling window, minutes.
    pub step_minutes: Option<u32>,
}

impl From<&PeakDemand> for PeakDemandDto {
    fn from(p: &PeakDemand) -> Self {
        let (method, step_minutes) = match p.options.method {
            DemandMethod::FixedBlocks => ("fixed_blocks", None),
            DemandMethod::Rolling { step_minutes } => ("rolling", Some(step_minutes)),
        };
        PeakDemandDto {
            peak_demand_kw: p.peak_demand_kw,
            start: format_rfc3339(p.start),
            end: format_rfc3339(p.end),
            energy_kwh: p.energy_kwh,
            coverage: p.coverage,
            window_minutes: p.options.window_minutes,
            method: method.to_string(),
            step_minutes,
        }
    }
}

/// KPIs of one machine.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MachineKpisDto {
    /// Machine.
    pub machine_id: String,
    /// Factory.
    pub factory_id: String,
    /// Machine type.
    pub machine_type: String,
    /// Energy carrier.
    pub carrier: String,
    /// Energy in the period, kWh.
    pub energy_kwh: f64,
    /// Mean power over the period, kW.
    pub mean_power_kw: f64,
    /// Peak demand (billing definition).
    pub peak_demand: Option<PeakDemandDto>,
    /// Largest instantaneous reading in the period, kW (null when none).
    pub max_instantaneous_power_kw: Option<f64>,
    /// When it occurred, RFC 3339.
    pub max_instantaneous_at: String,
    /// Mean power / peak demand.
    pub load_factor: Option<f64>,
    /// Production in the period (parts), for producing machines.
    pub production: Option<f64>,
    /// Specific energy consumption, kWh per part.
    pub sec_kwh_per_unit: Option<f64>,
    /// Emissions, kg CO2.
    pub carbon_kg: f64,
    /// Energy charges under the configured tariff (electricity only).
    pub energy_cost: Option<f64>,
    /// Reactive energy, kvarh, where the meter reports it.
    pub reactive_kvarh: Option<f64>,
    /// Power factor over the period.
    pub power_factor: Option<f64>,
    /// Share of the period covered by data, 0..1.
    pub coverage: f64,
}

impl From<&MachineKpis> for MachineKpisDto {
    fn from(m: &MachineKpis) -> Self {
        MachineKpisDto {
            machine_id: m.machine_id.clone(),
            factory_id: m.factory_id.clone(),
            machine_type: m.machine_type.as_str().to_string(),
            carrier: m.carrier.as_str().to_string(),
            energy_kwh: m.energy_kwh,
            mean_power_kw: m.mean_power_kw,
            peak_demand: m.peak_demand.as_ref().map(PeakDemandDto::from),
            max_instantaneous_power_kw: opt(m.max_instantaneous_power_kw),
            max_instantaneous_at: format_rfc3339(m.max_instantaneous_at),
            load_factor: m.load_factor,
            production: m.production,
            sec_kwh_per_unit: m.sec_kwh_per_unit,
            carbon_kg: m.carbon_kg,
            energy_cost: m.energy_cost,
            reactive_kvarh: m.reactive_kvarh,
            power_factor: m.power_factor,
            coverage: m.coverage,
        }
    }
}

/// Energy charges of one time-of-use period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PeriodCostDto {
    /// Period name (`base` for the base rate).
    pub name: String,
    /// Energy, kWh.
    pub energy_kwh: f64,
    /// Cost, currency.
    pub cost: f64,
}

impl From<&PeriodCost> for PeriodCostDto {
    fn from(p: &PeriodCost) -> Self {
        PeriodCostDto {
            name: p.name.clone(),
            energy_kwh: p.energy_kwh,
            cost: p.cost,
        }
    }
}

/// A demand charge of one billing period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandChargeDto {
    /// Charge name.
    pub name: String,
    /// Billing period start, RFC 3339.
    pub billing_period_start: String,
    /// Billing period end, RFC 3339.
    pub billing_period_end: String,
    /// Peak demand in the billing period, kW.
    pub peak_demand_kw: f64,
    /// Start of the peak window, RFC 3339.
    pub peak_start: String,
    /// Rate, currency per kW.
    pub rate_per_kw: f64,
    /// Charge, currency.
    pub cost: f64,
}

impl From<&DemandChargeLine> for DemandChargeDto {
    fn from(d: &DemandChargeLine) -> Self {
        DemandChargeDto {
            name: d.name.clone(),
            billing_period_start: format_rfc3339(d.billing_period_start),
            billing_period_end: format_rfc3339(d.billing_period_end),
            peak_demand_kw: d.peak_demand_kw,
            peak_start: format_rfc3339(d.peak_start),
            rate_per_kw: d.rate_per_kw,
            cost: d.cost,
        }
    }
}

/// A fixed charge.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FixedChargeDto {
    /// Charge name.
    pub name: String,
    /// Days or months charged.
    pub quantity: f64,
    /// Charge, currency.
    pub cost: f64,
}

impl From<&FixedChargeLine> for FixedChargeDto {
    fn from(f: &FixedChargeLine) -> Self {
        FixedChargeDto {
            name: f.name.clone(),
            quantity: f.quantity,
            cost: f.cost,
        }
    }
}

/// The bill of a period under the configured tariff.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CostDto {
    /// ISO 4217 currency code.
    pub currency: String,
    /// Energy priced, kWh.
    pub energy_kwh: f64,
    /// Energy charges by period.
    pub by_period: Vec<PeriodCostDto>,
    /// Demand charges.
    pub demand: Vec<DemandChargeDto>,
    /// Fixed charges.
    pub fixed: Vec<FixedChargeDto>,
    /// Sum of energy charges.
    pub energy_cost: f64,
    /// Sum of demand charges.
    pub demand_cost: f64,
    /// Sum of fixed charges.
    pub fixed_cost: f64,
    /// Everything.
    pub total_cost: f64,
}

impl From<&CostBreakdown> for CostDto {
    fn from(c: &CostBreakdown) -> Self {
        CostDto {
            currency: c.currency.clone(),
            energy_kwh: c.energy_kwh,
            by_period: c.by_period.iter().map(PeriodCostDto::from).collect(),
            demand: c.demand.iter().map(DemandChargeDto::from).collect(),
            fixed: c.fixed.iter().map(FixedChargeDto::from).collect(),
            energy_cost: c.energy_cost,
            demand_cost: c.demand_cost,
            fixed_cost: c.fixed_cost,
            total_cost: c.total_cost,
        }
    }
}

/// KPIs of one energy carrier in a factory (or across factories).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CarrierKpisDto {
    /// Carrier.
    pub carrier: String,
    /// Energy, kWh.
    pub energy_kwh: f64,
    /// Coincident peak demand (per factory only).
    pub peak_demand: Option<PeakDemandDto>,
    /// Load factor of the coincident load.
    pub load_factor: Option<f64>,
    /// Emissions, kg CO2.
    pub carbon_kg: f64,
    /// The bill (electricity with a tariff, per factory only).
    pub cost: Option<CostDto>,
}

impl From<&CarrierKpis> for CarrierKpisDto {
    fn from(c: &CarrierKpis) -> Self {
        CarrierKpisDto {
            carrier: c.carrier.as_str().to_string(),
            energy_kwh: c.energy_kwh,
            peak_demand: c.peak_demand.as_ref().map(PeakDemandDto::from),
            load_factor: c.load_factor,
            carbon_kg: c.carbon_kg,
            cost: c.cost.as_ref().map(CostDto::from),
        }
    }
}

/// KPIs of one factory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactoryKpisDto {
    /// Factory.
    pub factory_id: String,
    /// Machines reported.
    pub machine_count: usize,
    /// Per carrier.
    pub by_carrier: Vec<CarrierKpisDto>,
    /// Emissions of all carriers, kg CO2.
    pub carbon_kg: f64,
}

impl From<&FactoryKpis> for FactoryKpisDto {
    fn from(f: &FactoryKpis) -> Self {
        FactoryKpisDto {
            factory_id: f.factory_id.clone(),
            machine_count: f.machine_count,
            by_carrier: f.by_carrier.iter().map(CarrierKpisDto::from).collect(),
            carbon_kg: f.carbon_kg,
        }
    }
}

/// KPIs per machine, per factory and in total, for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KpiReportDto {
    /// Start of the period, RFC 3339.
    pub start: String,
    /// End of the period, RFC 3339.
    pub end: String,
    /// Per machine.
    pub machines: Vec<MachineKpisDto>,
    /// Per factory.
    pub factories: Vec<FactoryKpisDto>,
    /// Across factories, per carrier.
    pub total_by_carrier: Vec<CarrierKpisDto>,
    /// Emissions of everything, kg CO2.
    pub total_carbon_kg: f64,
}

impl From<&KpiReport> for KpiReportDto {
    fn from(r: &KpiReport) -> Self {
        KpiReportDto {
            start: format_rfc3339(r.range.start),
            end: format_rfc3339(r.range.end),
            machines: r.machines.iter().map(MachineKpisDto::from).collect(),
            factories: r.factories.iter().map(FactoryKpisDto::from).collect(),
            total_by_carrier: r
                .total_by_carrier
                .iter()
                .map(CarrierKpisDto::from)
                .collect(),
            total_carbon_kg: r.total_carbon_kg,
        }
    }
}
