//! KPIs (enms-core `kpi`): peak demand, load factor, SEC, cost under a tariff, carbon, power
//! factor, and the report per machine, factory and in total.

use std::collections::HashMap;

use enms_core::kpi::carbon::{CarbonFactors, HourlyCarbonFactors};
use enms_core::kpi::cost::{energy_cost, CostBreakdown, CostScope, Tariff};
use enms_core::kpi::demand::{DemandMethod, DemandOptions, PeakDemand};
use enms_core::kpi::report::{
    kpi_report, CarrierKpis, FactoryKpis, KpiReport, KpiSettings, MachineInput, MachineKpis,
};
use enms_core::kpi::sec::{sec_per_bucket, SecSeries};
use enms_core::model::{EnergyCarrier, EnergyReadingTable, Machine, MachineType};
use enms_core::series::QuantitySeries;
use enms_core::Bucketing;
use napi::bindgen_prelude::{AsyncTask, Float64Array};
use napi::Env;
use napi_derive::napi;
use serde::Serialize;

use crate::convert::{
    energy_input, from_json, ms_column, number_column, range, readings, time_column, us_to_ms,
    EnergyInput, QuantityColumns, RangeJs, Readings,
};
use crate::error::{run, Fallible};
use crate::rollup::{bucketing, rollup_options, RollupInput, RollupOptionsJs};
use crate::task::Job;

// ---------------------------------------------------------------------------------------------
// Peak demand and load factor

/// Demand window settings; absent fields take enms' defaults (15-minute fixed blocks).
#[napi(object, js_name = "DemandOptions")]
pub struct DemandOptionsJs {
    /// Window length, minutes (15, 30 or 60 usually).
    pub window_minutes: Option<u32>,
    /// `fixed_blocks` (clock-aligned windows) or `rolling` (a sliding window, needs `stepMinutes`).
    pub method: Option<String>,
    /// Step of a rolling window, minutes.
    pub step_minutes: Option<u32>,
}

/// Options of `peakDemand`: the demand window, plus how readings are integrated.
#[napi(object, js_name = "PeakDemandOptions")]
pub struct PeakDemandOptionsJs {
    /// Window length, minutes.
    pub window_minutes: Option<u32>,
    /// `fixed_blocks` or `rolling`.
    pub method: Option<String>,
    /// Step of a rolling window, minutes.
    pub step_minutes: Option<u32>,
    /// IANA time zone of the window grid; UTC when absent.
    pub timezone: Option<String>,
    /// Longest interval still integrated, seconds.
    pub max_gap_s: Option<f64>,
    /// Period to consider.
    pub range: Option<RangeJs>,
}

fn demand_options(
    window_minutes: Option<u32>,
    method: Option<&str>,
    step_minutes: Option<u32>,
) -> Fallible<DemandOptions> {
    let mut o = DemandOptions::default();
    if let Some(w) = window_minutes {
        o.window_minutes = w;
    }
    if let Some(m) = method {
        let mut v = serde_json::json!({ "kind": m });
        if let Some(s) = step_minutes {
            v["step_minutes"] = s.into();
        }
        o.method = from_json::<DemandMethod>("method", v)?;
    }
    Ok(o)
}

fn demand_js(o: Option<&DemandOptionsJs>) -> Fallible<DemandOptions> {
    match o {
        Some(o) => demand_options(o.window_minutes, o.method.as_deref(), o.step_minutes),
        None => Ok(DemandOptions::default()),
    }
}

/// The peak demand of a period: the largest mean power over a demand window.
#[napi(object, js_name = "PeakDemand")]
pub struct PeakDemandJs {
    /// Peak demand, kW.
    pub peak_demand_kw: f64,
    /// Start of the peak window, ms.
    pub start: f64,
    /// End of the peak window, ms.
    pub end: f64,
    /// Energy in the peak window, kWh.
    pub energy_kwh: f64,
    /// Share of the window covered by data, 0..1.
    pub coverage: f64,
    /// Window length, minutes.
    pub window_minutes: u32,
    /// `fixed_blocks` or `rolling`.
    pub method: String,
    /// Step of a rolling window, minutes (`null` for fixed blocks).
    pub step_minutes: Option<u32>,
}

impl From<PeakDemand> for PeakDemandJs {
    fn from(p: PeakDemand) -> Self {
        let (method, step_minutes) = match p.options.method {
            DemandMethod::FixedBlocks => ("fixed_blocks", None),
            DemandMethod::Rolling { step_minutes } => ("rolling", Some(step_minutes)),
        };
        PeakDemandJs {
            peak_demand_kw: p.peak_demand_kw,
            start: us_to_ms(p.start),
            end: us_to_ms(p.end),
            energy_kwh: p.energy_kwh,
            coverage: p.coverage,
            window_minutes: p.options.window_minutes,
            method: method.into(),
            step_minutes,
        }
    }
}

struct PeakInput {
    rollup: RollupInput,
    demand: DemandOptions,
}

fn peak_input(r: &EnergyInput, o: &Option<PeakDemandOptionsJs>) -> Fallible<PeakInput> {
    let data = energy_input(r)?;
    let (demand, tz, gap, rng) = match o {
        Some(o) => (
            demand_options(o.window_minutes, o.method.as_deref(), o.step_minutes)?,
            o.timezone.as_deref(),
            o.max_gap_s,
            o.range.as_ref(),
        ),
        None => (DemandOptions::default(), None, None, None),
    };
    let mut bucketing = Bucketing::new(demand.resolution()?)?;
    if let Some(tz) = tz {
        bucketing = bucketing.with_timezone(tz)?;
    }
    Ok(PeakInput {
        rollup: RollupInput {
            data,
            bucketing,
            options: rollup_options(gap, rng)?,
        },
        demand,
    })
}

fn peak(i: PeakInput) -> Fallible<Option<PeakDemand>> {
    Ok(enms_core::kpi::peak_demand(&i.rollup.rollup()?, &i.demand)?)
}

fn peak_js(p: Option<PeakDemand>) -> Option<PeakDemandJs> {
    p.map(PeakDemandJs::from)
}

/// Peak demand (billing definition: largest mean power over a fixed or rolling window), or
/// `null` when no complete window exists; on the calling thread.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns | IntervalColumns, options?: PeakDemandOptions"
)]
pub fn peak_demand_sync(
    env: Env,
    readings: EnergyInput,
    options: Option<PeakDemandOptionsJs>,
) -> napi::Result<Option<PeakDemandJs>> {
    run(env, || Ok(peak_js(peak(peak_input(&readings, &options)?)?)))
}

/// Peak demand off the main thread.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns | IntervalColumns, options?: PeakDemandOptions",
    ts_return_type = "Promise<PeakDemand | null>"
)]
pub fn peak_demand(
    env: Env,
    readings: EnergyInput,
    options: Option<PeakDemandOptionsJs>,
) -> napi::Result<AsyncTask<Job<Option<PeakDemand>, Option<PeakDemandJs>>>> {
    let input = run(env, || peak_input(&readings, &options))?;
    Ok(AsyncTask::new(Job::new(move || peak(input), peak_js)))
}

/// Load factor `mean power / peak demand` with mean power `energyKwh / periodHours`; `null` when
/// the peak is not positive or the period is empty.
#[napi]
pub fn load_factor(energy_kwh: f64, period_hours: f64, peak_demand_kw: f64) -> Option<f64> {
    enms_core::kpi::load_factor(energy_kwh, period_hours, peak_demand_kw)
}

// ---------------------------------------------------------------------------------------------
// Specific energy consumption

/// Specific energy consumption `energyKwh / production` (kWh per unit), `null` when nothing was
/// produced (ISO 50006 EnPI).
#[napi]
pub fn specific_energy_consumption(energy_kwh: f64, production: f64) -> Option<f64> {
    enms_core::kpi::specific_energy_consumption(energy_kwh, production)
}

/// SEC per bucket.
#[napi(object, js_name = "SecSeries")]
pub struct SecSeriesJs {
    /// Bucket starts, ms.
    pub start: Float64Array,
    /// Bucket ends, ms.
    pub end: Float64Array,
    /// Energy per bucket, kWh.
    pub energy_kwh: Float64Array,
    /// Production per bucket.
    pub production: Float64Array,
    /// SEC per bucket, kWh per unit; `null` where nothing was produced.
    pub sec: Vec<Option<f64>>,
}

impl From<SecSeries> for SecSeriesJs {
    fn from(s: SecSeries) -> Self {
        SecSeriesJs {
            start: ms_column(&s.start),
            end: ms_column(&s.end),
            energy_kwh: Float64Array::new(s.energy_kwh),
            production: Float64Array::new(s.production),
            sec: s.sec,
        }
    }
}

fn quantity(name: &str, q: &QuantityColumns) -> Fallible<(Vec<i64>, Vec<f64>, String)> {
    Ok((
        time_column(&q.ts, "ts")?,
        number_column(&q.values),
        name.to_string(),
    ))
}

fn sec_series(
    input: RollupInput,
    (ts, values, name): (Vec<i64>, Vec<f64>, String),
) -> Fallible<SecSeries> {
    let production = QuantitySeries::new(&name, ts, values)?;
    Ok(sec_per_bucket(&input.rollup()?, &production)?)
}

/// SEC per bucket of the readings' energy rollup and a production series (values labelled by the
/// end of their interval); on the calling thread.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns | IntervalColumns, production: QuantityColumns, options: RollupOptions"
)]
pub fn sec_per_bucket_sync(
    env: Env,
    readings: EnergyInput,
    production: QuantityColumns,
    options: RollupOptionsJs,
) -> napi::Result<SecSeriesJs> {
    run(env, || {
        let input = RollupInput::new(&readings, &options)?;
        Ok(sec_series(input, quantity("production", &production)?)?.into())
    })
}

/// SEC per bucket off the main thread.
#[napi(
    js_name = "secPerBucket",
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns | IntervalColumns, production: QuantityColumns, options: RollupOptions",
    ts_return_type = "Promise<SecSeries>"
)]
pub fn sec_per_bucket_async(
    env: Env,
    readings: EnergyInput,
    production: QuantityColumns,
    options: RollupOptionsJs,
) -> napi::Result<AsyncTask<Job<SecSeries, SecSeriesJs>>> {
    let (input, q) = run(env, || {
        Ok((
            RollupInput::new(&readings, &options)?,
            quantity("production", &production)?,
        ))
    })?;
    Ok(AsyncTask::new(Job::new(
        move || sec_series(input, q),
        SecSeriesJs::from,
    )))
}

// ---------------------------------------------------------------------------------------------
// Power factor

/// Power factor `P / sqrt(P^2 + Q^2)` of active energy (kWh) and reactive energy (kvarh); `null`
/// when both are zero.
#[napi]
pub fn power_factor(active_kwh: f64, reactive_kvarh: f64) -> Option<f64> {
    enms_core::kpi::power_factor(active_kwh, reactive_kvarh)
}

/// Reactive energy totals of a period.
#[napi(object, js_name = "ReactiveSummary")]
pub struct ReactiveSummaryJs {
    /// Active energy, kWh.
    pub active_kwh: f64,
    /// Reactive energy, kvarh.
    pub reactive_kvarh: f64,
    /// Power factor (energy-weighted), `null` when undefined.
    pub power_factor: Option<f64>,
    /// `Q / P`, `null` when P is zero.
    pub tan_phi: Option<f64>,
    /// Reactive energy above the allowance `tanPhiLimit x P`, kvarh (when a limit was given).
    pub excess_kvarh: Option<f64>,
}

/// Reactive energy summary: power factor, tan(phi) and, with `tanPhiLimit` (e.g. 0.4), the
/// billed excess reactive energy.
#[napi]
pub fn reactive_summary(
    active_kwh: f64,
    reactive_kvarh: f64,
    tan_phi_limit: Option<f64>,
) -> ReactiveSummaryJs {
    let s = enms_core::kpi::ReactiveSummary::new(active_kwh, reactive_kvarh);
    ReactiveSummaryJs {
        active_kwh: s.active_kwh,
        reactive_kvarh: s.reactive_kvarh,
        power_factor: s.power_factor,
        tan_phi: s.tan_phi,
        excess_kvarh: tan_phi_limit.map(|l| s.excess_kvarh(l)),
    }
}

// ---------------------------------------------------------------------------------------------
// Carbon

fn carrier(s: &str) -> Fallible<EnergyCarrier> {
    Ok(s.parse::<EnergyCarrier>()?)
}

fn carbon_factors(overrides: Option<&HashMap<String, f64>>) -> Fallible<CarbonFactors> {
    let mut f = CarbonFactors::default();
    if let Some(o) = overrides {
        let mut keys: Vec<&String> = o.keys().collect();
        keys.sort();
        for k in keys {
            f = f.with(carrier(k)?, o[k])?;
        }
    }
    Ok(f)
}

/// enms' default emission factors, kg CO2 per kWh, by carrier.
#[napi]
pub fn default_carbon_factors() -> HashMap<String, f64> {
    CarbonFactors::default()
        .kg_per_kwh
        .into_iter()
        .map(|(c, v)| (c.as_str().to_string(), v))
        .collect()
}

/// Emissions of `energyKwh` of a carrier (`electricity`, `natural_gas`, ...), kg CO2, with enms'
/// default factors or the ones given (`{ electricity: 0.38 }`).
#[napi(ts_args_type = "energyKwh: number, carrier: string, factors?: Record<string, number>")]
pub fn carbon_kg(
    env: Env,
    energy_kwh: f64,
    carrier_name: String,
    factors: Option<HashMap<String, f64>>,
) -> napi::Result<f64> {
    run(env, || {
        Ok(carbon_factors(factors.as_ref())?.carbon_kg(energy_kwh, carrier(&carrier_name)?)?)
    })
}

/// An emission factor series, kg CO2 per kWh; each value holds from its time until the next.
#[napi(object, js_name = "CarbonFactorSeries")]
pub struct CarbonFactorSeriesJs {
    /// Times from which each factor holds.
    #[napi(ts_type = "Float64Array | BigInt64Array | Array<number | string>")]
    pub ts: crate::convert::TimeColumn,
    /// Factors, kg CO2 per kWh.
    #[napi(ts_type = "Float64Array | number[]")]
    pub kg_per_kwh: crate::convert::NumberColumn,
}

fn hourly(f: &CarbonFactorSeriesJs) -> Fallible<(Vec<i64>, Vec<f64>)> {
    Ok((time_column(&f.ts, "ts")?, number_column(&f.kg_per_kwh)))
}

fn hourly_carbon(input: RollupInput, (ts, kg): (Vec<i64>, Vec<f64>)) -> Fallible<f64> {
    let f = HourlyCarbonFactors::new(ts, kg)?;
    Ok(f.carbon_kg(&input.rollup()?)?)
}

/// Emissions of electricity readings under an hourly (or any step) factor series, kg CO2: each
/// bucket's energy times the factor at its start; on the calling thread.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns | IntervalColumns, factors: CarbonFactorSeries, options: RollupOptions"
)]
pub fn hourly_carbon_kg_sync(
    env: Env,
    readings: EnergyInput,
    factors: CarbonFactorSeriesJs,
    options: RollupOptionsJs,
) -> napi::Result<f64> {
    run(env, || {
        hourly_carbon(RollupInput::new(&readings, &options)?, hourly(&factors)?)
    })
}

/// Hourly-factor emissions off the main thread.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns | IntervalColumns, factors: CarbonFactorSeries, options: RollupOptions",
    ts_return_type = "Promise<number>"
)]
pub fn hourly_carbon_kg(
    env: Env,
    readings: EnergyInput,
    factors: CarbonFactorSeriesJs,
    options: RollupOptionsJs,
) -> napi::Result<AsyncTask<Job<f64, f64>>> {
    let (input, f) = run(env, || {
        Ok((RollupInput::new(&readings, &options)?, hourly(&factors)?))
    })?;
    Ok(AsyncTask::new(Job::new(
        move || hourly_carbon(input, f),
        |v| v,
    )))
}

// ---------------------------------------------------------------------------------------------
// Tariffs and cost

/// A season as a month-day range, inclusive, possibly wrapping the year end.
#[napi(object, js_name = "Season")]
#[derive(Serialize)]
pub struct SeasonJs {
    /// Name.
    pub name: String,
    /// First month (1-12).
    pub start_month: u32,
    /// First day.
    pub start_day: u32,
    /// Last month (1-12).
    pub end_month: u32,
    /// Last day.
    pub end_day: u32,
}

/// A time-of-use period with its energy rate.
#[napi(object, js_name = "TouPeriod")]
#[derive(Serialize)]
pub struct TouPeriodJs {
    /// Name (`peak`, `off_peak`).
    pub name: String,
    /// Energy rate, currency per kWh.
    pub rate_per_kwh: f64,
    /// Day types (`weekday`, `saturday`, `sunday`, `holiday`); all days when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_types: Option<Vec<String>>,
    /// Start of the clock window, local `HH:MM:SS`.
    pub start: String,
    /// End of the clock window (exclusive), local `HH:MM:SS`; not after `start` crosses midnight.
    pub end: String,
    /// Season; all year when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season: Option<SeasonJs>,
}

/// A demand charge on the peak demand of each billing month.
#[napi(object, js_name = "DemandCharge")]
#[derive(Serialize)]
pub struct DemandChargeJs {
    /// Name.
    pub name: String,
    /// Rate, currency per kW per billing period.
    pub rate_per_kw: f64,
    /// Demand window, minutes (enms default when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_minutes: Option<u32>,
    /// TOU period names within which the peak counts; all the time when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<Vec<String>>,
}

/// A fixed charge.
#[napi(object, js_name = "FixedCharge")]
#[derive(Serialize)]
pub struct FixedChargeJs {
    /// Name.
    pub name: String,
    /// Amount per day or month, currency.
    pub amount: f64,
    /// `day` or `month`.
    pub per: String,
}

/// The prices in force from one date on.
#[napi(object, js_name = "TariffVersion")]
#[derive(Serialize)]
pub struct TariffVersionJs {
    /// First local date (`YYYY-MM-DD`) on which these prices apply.
    pub valid_from: String,
    /// Rate when no TOU period matches, currency per kWh.
    pub base_rate_per_kwh: f64,
    /// Time-of-use periods, first match wins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<Vec<TouPeriodJs>>,
    /// Demand charges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demand_charges: Option<Vec<DemandChargeJs>>,
    /// Fixed charges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_charges: Option<Vec<FixedChargeJs>>,
}

/// An energy tariff: price versions over time in the site's time zone and one currency.
#[napi(object, js_name = "Tariff")]
#[derive(Serialize)]
pub struct TariffJs {
    /// Name.
    pub name: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// IANA time zone of the clock hours and days.
    pub timezone: String,
    /// Holidays, local `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holidays: Option<Vec<String>>,
    /// Price versions, sorted by `validFrom`.
    pub versions: Vec<TariffVersionJs>,
}

/// A JS tariff to an enms tariff (validated by enms-core).
pub fn tariff(t: &TariffJs) -> Fallible<Tariff> {
    let v = serde_json::to_value(t).map_err(|e| enms_core::Error::InvalidParameter {
        name: "tariff".into(),
        reason: e.to_string(),
    })?;
    let t: Tariff = from_json("tariff", v)?;
    t.validate()?;
    Ok(t)
}

/// Energy charges of one TOU period (or `base`).
#[napi(object, js_name = "PeriodCost")]
pub struct PeriodCostJs {
    /// Period name.
    pub name: String,
    /// Energy, kWh.
    pub energy_kwh: f64,
    /// Cost, currency.
    pub cost: f64,
}

/// A demand charge of one billing period.
#[napi(object, js_name = "DemandChargeLine")]
pub struct DemandChargeLineJs {
    /// Charge name.
    pub name: String,
    /// Billing period start, ms.
    pub billing_period_start: f64,
    /// Billing period end, ms.
    pub billing_period_end: f64,
    /// Peak demand in the billing period, kW.
    pub peak_demand_kw: f64,
    /// Start of the peak window, ms.
    pub peak_start: f64,
    /// Rate, currency per kW.
    pub rate_per_kw: f64,
    /// Charge, currency.
    pub cost: f64,
}

/// A fixed charge over the analysed range.
#[napi(object, js_name = "FixedChargeLine")]
pub struct FixedChargeLineJs {
    /// Charge name.
    pub name: String,
    /// Days or months charged (fractional when pro-rated).
    pub quantity: f64,
    /// Charge, currency.
    pub cost: f64,
}

/// The cost of a period under a tariff.
#[napi(object, js_name = "CostBreakdown")]
pub struct CostBreakdownJs {
    /// ISO 4217 currency code.
    pub currency: String,
    /// Energy priced, kWh.
    pub energy_kwh: f64,
    /// Energy charges by TOU period.
    pub by_period: Vec<PeriodCostJs>,
    /// Demand charges by billing period.
    pub demand: Vec<DemandChargeLineJs>,
    /// Fixed charges.
    pub fixed: Vec<FixedChargeLineJs>,
    /// Sum of energy charges.
    pub energy_cost: f64,
    /// Sum of demand charges.
    pub demand_cost: f64,
    /// Sum of fixed charges.
    pub fixed_cost: f64,
    /// Everything.
    pub total_cost: f64,
}

impl From<CostBreakdown> for CostBreakdownJs {
    fn from(c: CostBreakdown) -> Self {
        CostBreakdownJs {
            currency: c.currency,
            energy_kwh: c.energy_kwh,
            by_period: c
                .by_period
                .into_iter()
                .map(|p| PeriodCostJs {
                    name: p.name,
                    energy_kwh: p.energy_kwh,
                    cost: p.cost,
                })
                .collect(),
            demand: c
                .demand
                .into_iter()
                .map(|d| DemandChargeLineJs {
                    name: d.name,
                    billing_period_start: us_to_ms(d.billing_period_start),
                    billing_period_end: us_to_ms(d.billing_period_end),
                    peak_demand_kw: d.peak_demand_kw,
                    peak_start: us_to_ms(d.peak_start),
                    rate_per_kw: d.rate_per_kw,
                    cost: d.cost,
                })
                .collect(),
            fixed: c
                .fixed
                .into_iter()
                .map(|f| FixedChargeLineJs {
                    name: f.name,
                    quantity: f.quantity,
                    cost: f.cost,
                })
                .collect(),
            energy_cost: c.energy_cost,
            demand_cost: c.demand_cost,
            fixed_cost: c.fixed_cost,
            total_cost: c.total_cost,
        }
    }
}

/// Options of `energyCost`: the rollup the energy is priced on, and what to include.
#[napi(object, js_name = "CostOptions")]
pub struct CostOptionsJs {
    /// Bucket width of the priced rollup, at most one hour (`15m` recommended).
    pub width: String,
    /// IANA time zone of the buckets; UTC when absent.
    pub timezone: Option<String>,
    /// Longest interval still integrated, seconds.
    pub max_gap_s: Option<f64>,
    /// Period to price.
    pub range: Option<RangeJs>,
    /// Include demand charges (enms default when absent: yes).
    pub demand: Option<bool>,
    /// Include fixed charges (enms default when absent: yes).
    pub fixed: Option<bool>,
}

fn cost_input(
    r: &EnergyInput,
    t: &TariffJs,
    o: &CostOptionsJs,
) -> Fallible<(RollupInput, Tariff, CostScope)> {
    let input = RollupInput {
        data: energy_input(r)?,
        bucketing: bucketing(&o.width, o.timezone.as_deref())?,
        options: rollup_options(o.max_gap_s, o.range.as_ref())?,
    };
    let mut scope = CostScope::default();
    if let Some(d) = o.demand {
        scope.demand = d;
    }
    if let Some(f) = o.fixed {
        scope.fixed = f;
    }
    Ok((input, tariff(t)?, scope))
}

fn cost((input, t, scope): (RollupInput, Tariff, CostScope)) -> Fallible<CostBreakdown> {
    Ok(energy_cost(&input.rollup()?, &t, scope)?)
}

/// The cost of the readings' energy under a tariff (energy, demand and fixed charges); on the
/// calling thread.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns | IntervalColumns, tariff: Tariff, options: CostOptions"
)]
pub fn energy_cost_sync(
    env: Env,
    readings: EnergyInput,
    tariff: TariffJs,
    options: CostOptionsJs,
) -> napi::Result<CostBreakdownJs> {
    run(env, || {
        Ok(cost(cost_input(&readings, &tariff, &options)?)?.into())
    })
}

/// The cost under a tariff, off the main thread.
#[napi(
    js_name = "energyCost",
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns | IntervalColumns, tariff: Tariff, options: CostOptions",
    ts_return_type = "Promise<CostBreakdown>"
)]
pub fn energy_cost_async(
    env: Env,
    readings: EnergyInput,
    tariff: TariffJs,
    options: CostOptionsJs,
) -> napi::Result<AsyncTask<Job<CostBreakdown, CostBreakdownJs>>> {
    let input = run(env, || cost_input(&readings, &tariff, &options))?;
    Ok(AsyncTask::new(Job::new(
        move || cost(input),
        CostBreakdownJs::from,
    )))
}

/// A flat tariff (one rate for every kWh from `validFrom`), validated by enms.
#[napi]
pub fn flat_tariff(
    env: Env,
    currency: String,
    rate_per_kwh: f64,
    timezone: String,
    valid_from: String,
) -> napi::Result<TariffJs> {
    run(env, || {
        let date = from_json::<chrono::NaiveDate>("validFrom", valid_from.clone().into())?;
        let t = Tariff::flat(&currency, rate_per_kwh, &timezone, date)?;
        Ok(TariffJs {
            name: t.name,
            currency: t.currency,
            timezone: t.timezone,
            holidays: None,
            versions: t
                .versions
                .into_iter()
                .map(|v| TariffVersionJs {
                    valid_from: v.valid_from.to_string(),
                    base_rate_per_kwh: v.base_rate_per_kwh,
                    periods: None,
                    demand_charges: None,
                    fixed_charges: None,
                })
                .collect(),
        })
    })
}

// ---------------------------------------------------------------------------------------------
// The KPI report

/// A metered machine.
#[napi(object, js_name = "Machine")]
#[derive(Clone)]
pub struct MachineJs {
    /// Stable identifier.
    pub id: String,
    /// The factory it belongs to.
    pub factory_id: String,
    /// Display name.
    pub name: String,
    /// `compressor`, `hvac`, `conveyor_motor`, `hydraulic_pump`, `injection_molding`, `boiler`.
    pub machine_type: String,
    /// Nameplate power, kW.
    pub rated_power_kw: f64,
    /// `electricity`, `natural_gas`, `steam`, `district_heat`, `fuel_oil`, `compressed_air`.
    pub carrier: String,
    /// Nominal meter interval, seconds.
    pub interval_s: f64,
}

impl From<&Machine> for MachineJs {
    fn from(m: &Machine) -> Self {
        MachineJs {
            id: m.id.clone(),
            factory_id: m.factory_id.clone(),
            name: m.name.clone(),
            machine_type: m.machine_type.as_str().into(),
            rated_power_kw: m.rated_power_kw,
            carrier: m.carrier.as_str().into(),
            interval_s: m.interval_s,
        }
    }
}

fn machine(m: &MachineJs) -> Fallible<Machine> {
    Ok(Machine {
        id: m.id.clone(),
        factory_id: m.factory_id.clone(),
        name: m.name.clone(),
        machine_type: m.machine_type.parse::<MachineType>()?,
        rated_power_kw: m.rated_power_kw,
        carrier: carrier(&m.carrier)?,
        interval_s: m.interval_s,
    })
}

/// One machine's data for the KPI report.
#[napi(object, js_name = "MachineInput")]
pub struct MachineInputJs {
    /// The machine.
    pub machine: MachineJs,
    /// Its meter readings (power, and the reactive energy counter where measured).
    #[napi(ts_type = "ReadingRecord[] | ReadingColumns")]
    pub readings: Readings,
    /// Its production (counts per interval, labelled by interval end), if it produces.
    pub production: Option<QuantityColumns>,
}

/// Settings of the KPI report; absent fields take enms' defaults.
#[napi(object, js_name = "KpiSettings")]
pub struct KpiSettingsJs {
    /// Period; default: from the first to the last reading, on the report grid.
    pub range: Option<RangeJs>,
    /// IANA time zone of the grid.
    pub timezone: Option<String>,
    /// Longest interval still integrated, seconds.
    pub max_gap_s: Option<f64>,
    /// Demand window.
    pub demand: Option<DemandOptionsJs>,
    /// Emission factors by carrier, kg CO2 per kWh, overriding enms' defaults.
    pub carbon_factors: Option<HashMap<String, f64>>,
    /// Hourly electricity emission factors, used instead of the static one.
    pub hourly_electricity_carbon: Option<CarbonFactorSeriesJs>,
    /// Electricity tariff, for cost.
    pub tariff: Option<TariffJs>,
}

fn machine_input(m: &MachineInputJs) -> Fallible<(Machine, EnergyReadingTable, Option<QInput>)> {
    let machine = machine(&m.machine)?;
    let r = readings(&m.readings)?;
    let n = r.ts.len();
    let table = EnergyReadingTable {
        machine_id: machine.id.clone(),
        ts: r.ts,
        power_kw: r.power_kw,
        reactive_energy_kvarh: r.reactive_kvarh.unwrap_or_else(|| vec![f64::NAN; n]),
        ..Default::default()
    };
    let production = m
        .production
        .as_ref()
        .map(|q| quantity("production", q))
        .transpose()?;
    Ok((machine, table, production))
}

type QInput = (Vec<i64>, Vec<f64>, String);

struct ReportInput {
    machines: Vec<(Machine, EnergyReadingTable, Option<QInput>)>,
    settings: KpiSettings,
}

fn report_input(machines: &[MachineInputJs], s: &Option<KpiSettingsJs>) -> Fallible<ReportInput> {
    let mut settings = KpiSettings::default();
    if let Some(s) = s {
        if let Some(r) = &s.range {
            settings.range = Some(range(r)?);
        }
        settings.timezone = s.timezone.clone();
        settings.rollup = rollup_options(s.max_gap_s, None)?;
        settings.demand = demand_js(s.demand.as_ref())?;
        settings.carbon = carbon_factors(s.carbon_factors.as_ref())?;
        if let Some(h) = &s.hourly_electricity_carbon {
            let (ts, kg) = hourly(h)?;
            settings.hourly_electricity_carbon = Some(HourlyCarbonFactors::new(ts, kg)?);
        }
        if let Some(t) = &s.tariff {
            settings.tariff = Some(tariff(t)?);
        }
    }
    Ok(ReportInput {
        machines: machines
            .iter()
            .map(machine_input)
            .collect::<Fallible<_>>()?,
        settings,
    })
}

fn report(input: ReportInput) -> Fallible<KpiReport> {
    let inputs = input
        .machines
        .into_iter()
        .map(|(m, table, q)| {
            let production = q
                .map(|(ts, v, name)| QuantitySeries::new(&name, ts, v))
                .transpose()?;
            Ok(MachineInput::from_readings(m, &table, production)?)
        })
        .collect::<Fallible<Vec<_>>>()?;
    Ok(kpi_report(&inputs, &input.settings)?)
}

/// KPIs of one machine.
#[napi(object, js_name = "MachineKpis")]
pub struct MachineKpisJs {
    /// Machine id.
    pub machine_id: String,
    /// Factory id.
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
    pub peak_demand: Option<PeakDemandJs>,
    /// Largest instantaneous reading in the period, kW.
    pub max_instantaneous_power_kw: f64,
    /// When it occurred, ms.
    pub max_instantaneous_at: f64,
    /// Mean power / peak demand.
    pub load_factor: Option<f64>,
    /// Production in the period, if the machine produces.
    pub production: Option<f64>,
    /// Specific energy consumption, kWh per unit; `null` when nothing was produced.
    pub sec_kwh_per_unit: Option<f64>,
    /// Emissions, kg CO2.
    pub carbon_kg: f64,
    /// Energy charges under the tariff (electricity only).
    pub energy_cost: Option<f64>,
    /// Reactive energy, kvarh, where reported.
    pub reactive_kvarh: Option<f64>,
    /// Power factor over the period, where reactive energy is reported.
    pub power_factor: Option<f64>,
    /// Share of the period covered by data, 0..1.
    pub coverage: f64,
}

impl From<MachineKpis> for MachineKpisJs {
    fn from(m: MachineKpis) -> Self {
        MachineKpisJs {
            machine_id: m.machine_id,
            factory_id: m.factory_id,
            machine_type: m.machine_type.as_str().into(),
            carrier: m.carrier.as_str().into(),
            energy_kwh: m.energy_kwh,
            mean_power_kw: m.mean_power_kw,
            peak_demand: m.peak_demand.map(Into::into),
            max_instantaneous_power_kw: m.max_instantaneous_power_kw,
            max_instantaneous_at: us_to_ms(m.max_instantaneous_at),
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

/// KPIs of one carrier in one factory (or across factories).
#[napi(object, js_name = "CarrierKpis")]
pub struct CarrierKpisJs {
    /// Carrier.
    pub carrier: String,
    /// Energy, kWh.
    pub energy_kwh: f64,
    /// Coincident peak demand (per factory only).
    pub peak_demand: Option<PeakDemandJs>,
    /// Load factor of the coincident load.
    pub load_factor: Option<f64>,
    /// Emissions, kg CO2.
    pub carbon_kg: f64,
    /// The bill (electricity with a tariff, per factory only).
    pub cost: Option<CostBreakdownJs>,
}

impl From<CarrierKpis> for CarrierKpisJs {
    fn from(c: CarrierKpis) -> Self {
        CarrierKpisJs {
            carrier: c.carrier.as_str().into(),
            energy_kwh: c.energy_kwh,
            peak_demand: c.peak_demand.map(Into::into),
            load_factor: c.load_factor,
            carbon_kg: c.carbon_kg,
            cost: c.cost.map(Into::into),
        }
    }
}

/// KPIs of one factory.
#[napi(object, js_name = "FactoryKpis")]
pub struct FactoryKpisJs {
    /// Factory id.
    pub factory_id: String,
    /// Machines reported.
    pub machine_count: u32,
    /// Per carrier.
    pub by_carrier: Vec<CarrierKpisJs>,
    /// Emissions of all carriers, kg CO2.
    pub carbon_kg: f64,
}

impl From<FactoryKpis> for FactoryKpisJs {
    fn from(f: FactoryKpis) -> Self {
        FactoryKpisJs {
            factory_id: f.factory_id,
            machine_count: u32::try_from(f.machine_count).unwrap_or(u32::MAX),
            by_carrier: f.by_carrier.into_iter().map(Into::into).collect(),
            carbon_kg: f.carbon_kg,
        }
    }
}

/// The period of a report, ms.
#[napi(object, js_name = "ReportRange")]
pub struct ReportRangeJs {
    /// First instant, ms.
    pub start: f64,
    /// First instant after the period, ms.
    pub end: f64,
}

/// KPIs per machine, per factory and in total, for a period.
#[napi(object, js_name = "KpiReport")]
pub struct KpiReportJs {
    /// The period.
    pub range: ReportRangeJs,
    /// Per machine.
    pub machines: Vec<MachineKpisJs>,
    /// Per factory.
    pub factories: Vec<FactoryKpisJs>,
    /// Across factories, per carrier.
    pub total_by_carrier: Vec<CarrierKpisJs>,
    /// Emissions of everything, kg CO2.
    pub total_carbon_kg: f64,
}

impl From<KpiReport> for KpiReportJs {
    fn from(r: KpiReport) -> Self {
        KpiReportJs {
            range: ReportRangeJs {
                start: us_to_ms(r.range.start),
                end: us_to_ms(r.range.end),
            },
            machines: r.machines.into_iter().map(Into::into).collect(),
            factories: r.factories.into_iter().map(Into::into).collect(),
            total_by_carrier: r.total_by_carrier.into_iter().map(Into::into).collect(),
            total_carbon_kg: r.total_carbon_kg,
        }
    }
}

/// The KPI report (per machine, factory and in total) on the calling thread.
#[napi(ts_args_type = "machines: MachineInput[], settings?: KpiSettings")]
pub fn kpi_report_sync(
    env: Env,
    machines: Vec<MachineInputJs>,
    settings: Option<KpiSettingsJs>,
) -> napi::Result<KpiReportJs> {
    run(env, || {
        Ok(report(report_input(&machines, &settings)?)?.into())
    })
}

/// The KPI report off the main thread.
#[napi(
    js_name = "kpiReport",
    ts_args_type = "machines: MachineInput[], settings?: KpiSettings",
    ts_return_type = "Promise<KpiReport>"
)]
pub fn kpi_report_async(
    env: Env,
    machines: Vec<MachineInputJs>,
    settings: Option<KpiSettingsJs>,
) -> napi::Result<AsyncTask<Job<KpiReport, KpiReportJs>>> {
    let input = run(env, || report_input(&machines, &settings))?;
    Ok(AsyncTask::new(Job::new(
        move || report(input),
        KpiReportJs::from,
    )))
}
