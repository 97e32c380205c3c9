//! The Python face of enms: the compiled module `enms._enms` of the `enms` package
//! (`pip install enms`, built with pyo3 and maturin as one abi3 wheel for CPython 3.11+).
//!
//! The module only converts: Arrow/numpy columns in ([`arrow_in`]), core calls with the GIL released,
//! Arrow record batches out ([`arrow_out`], read by polars without a copy) and errors into the
//! `enms.EnmsError` hierarchy ([`errors`]); baselines and the isolation forest are in
//! [`baseline`], forecasting in [`forecast`], the anomaly pipeline in [`anomaly`]. Every formula, default value and validation rule is in `enms-core` (and the
//! simulator in `enms-sim`). Structured results (peak demand, cost breakdown, KPI
//! report) cross as their serde JSON form, the same as the Rust CLI prints, and the thin Python
//! layer (`enms-py/python/enms`) turns them into dicts and polars DataFrames.

pub mod anomaly;
pub mod arrow_in;
pub mod arrow_out;
pub mod baseline;
pub mod errors;
pub mod forecast;
pub mod sim;

use std::collections::BTreeMap;
use std::str::FromStr;

use enms_core::bucket::Bucketing;
use enms_core::kpi::{
    self, CarbonFactors, DemandMethod, DemandOptions, HourlyCarbonFactors, KpiSettings,
    MachineInput, Tariff,
};
use enms_core::model::{EnergyCarrier, EnergyReadingTable, Machine, MachineType};
use enms_core::rollup::{
    rollup_intervals, rollup_power, standard_rollups as core_standard_rollups, IntervalEnergy,
    Rollup, RollupOptions,
};
use enms_core::series::QuantitySeries;
use enms_core::time::{parse_rfc3339, TimeRange, Timestamp, MICROS_PER_DAY};
use enms_core::{Error, PowerView};
use pyo3::prelude::*;

use arrow_in::{f64_column, strings_from_chunks, ts_column, ColumnArg, F64Col, Table, TsCol};
use arrow_out::{rollup_batch, stream_of, ArrowStream};
pub use errors::{
    exception_class, guarded, DetachGuarded, FaceError, FaceResult, PyExceptionClass,
};

/// A point in time from Python: microseconds since the Unix epoch (the Python layer converts
/// `datetime`s) or an RFC 3339 string.
#[derive(FromPyObject)]
enum TimeArg {
    Micros(i64),
    Text(String),
}

impl TimeArg {
    fn micros(&self, name: &str) -> FaceResult<Timestamp> {
        match self {
            TimeArg::Micros(t) => Ok(*t),
            TimeArg::Text(s) => parse_rfc3339(s).map_err(|e| {
                FaceError::Core(match e {
                    Error::Parse { value, reason, .. } => Error::Parse {
                        column: name.into(),
                        index: 0,
                        value,
                        reason,
                    },
                    other => other,
                })
            }),
        }
    }
}

fn range(start: Option<TimeArg>, end: Option<TimeArg>) -> FaceResult<Option<TimeRange>> {
    match (start, end) {
        (None, None) => Ok(None),
        (Some(s), Some(e)) => Ok(Some(TimeRange::new(s.micros("start")?, e.micros("end")?)?)),
        (Some(_), None) | (None, Some(_)) => Err(FaceError::Core(Error::InvalidParameter {
            name: "end".into(),
            reason: "give both `start` and `end`, or neither".into(),
        })),
    }
}

fn json_out<T: serde::Serialize>(v: &T) -> FaceResult<String> {
    serde_json::to_string(v).map_err(|e| FaceError::Arrow {
        field: "result".into(),
        reason: e.to_string(),
    })
}

fn json_in<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> FaceResult<T> {
    serde_json::from_str(text).map_err(|e| {
        FaceError::Core(Error::InvalidParameter {
            name: name.into(),
            reason: e.to_string(),
        })
    })
}

/// The readings of one meter as the user gave them: instantaneous power or interval energy.
struct Readings {
    ts: TsCol,
    values: F64Col,
    time_label: String,
    value_label: String,
    /// Interval length for interval energy (values are kWh per interval, labelled by the end).
    interval_us: Option<i64>,
}

enum View<'a> {
    Power(PowerView<'a>),
    Intervals(IntervalEnergy),
}

impl Readings {
    #[allow(clippy::too_many_arguments)]
    fn load(
        data: Option<&Bound<'_, PyAny>>,
        time: &Bound<'_, PyAny>,
        power: Option<&Bound<'_, PyAny>>,
        energy: Option<&Bound<'_, PyAny>>,
        interval_s: Option<f64>,
    ) -> FaceResult<Readings> {
        let table = data.map(|d| Table::import(d, "data")).transpose()?;
        let time = ColumnArg::from_py(time);
        let (value, param, interval_us) = match (power, energy) {
            (Some(p), None) => (ColumnArg::from_py(p), "power", None),
            (None, Some(e)) => {
                let s = interval_s.ok_or_else(|| {
                    FaceError::Core(Error::InvalidParameter {
                        name: "interval_s".into(),
                        reason: "interval energy needs the length of its intervals in seconds"
                            .into(),
                    })
                })?;
                (
                    ColumnArg::from_py(e),
                    "energy",
                    Some((s * 1e6).round() as i64),
                )
            }
            _ => {
                return Err(FaceError::Core(Error::InvalidParameter {
                    name: "power".into(),
                    reason: "give either `power` (kW readings) or `energy` (kWh per interval)"
                        .into(),
                }))
            }
        };
        let ts = ts_column(table.as_ref(), &time, "time")?;
        let values = f64_column(table.as_ref(), &value, param)?;
        Ok(Readings {
            ts,
            values,
            time_label: time.label("time"),
            value_label: value.label(param),
            interval_us,
        })
    }

    fn rename(&self, e: FaceError) -> FaceError {
        e.rename_column("ts", &self.time_label)
            .rename_column("power_kw", &self.value_label)
            .rename_column("energy_kwh", &self.value_label)
    }

    fn view(&self) -> FaceResult<View<'_>> {
        let (ts, v) = (self.ts.values(), self.values.values());
        let r = match self.interval_us {
            None => PowerView::new(ts, v).map(View::Power),
            Some(us) => {
                IntervalEnergy::from_end_labels(ts.to_vec(), us, v.to_vec()).map(View::Intervals)
            }
        };
        r.map_err(|e| self.rename(e.into()))
    }

    fn rollup(&self, bucketing: &Bucketing, options: &RollupOptions) -> FaceResult<Rollup> {
        let r = match self.view()? {
            View::Power(p) => rollup_power(p, bucketing, options),
            View::Intervals(iv) => rollup_intervals(&iv, bucketing, options.range),
        };
        r.map_err(|e| self.rename(e.into()))
    }
}

fn rollup_options(
    max_gap_s: Option<f64>,
    start: Option<TimeArg>,
    end: Option<TimeArg>,
) -> FaceResult<RollupOptions> {
    let mut o = RollupOptions::default();
    if let Some(s) = max_gap_s {
        o = o.with_max_gap_s(s)?;
    }
    if let Some(r) = range(start, end)? {
        o = o.with_range(r);
    }
    Ok(o)
}

fn bucketing(every: &str, timezone: Option<&str>) -> FaceResult<Bucketing> {
    let b = Bucketing::parse(every)?;
    Ok(match timezone {
        Some(tz) => b.with_timezone(tz)?,
        None => b,
    })
}

fn demand_options(window_minutes: Option<u32>, rolling_step_minutes: Option<u32>) -> DemandOptions {
    let mut d = DemandOptions::default();
    if let Some(w) = window_minutes {
        d.window_minutes = w;
    }
    if let Some(step) = rolling_step_minutes {
        d.method = DemandMethod::Rolling { step_minutes: step };
    }
    d
}

/// The demo plant's configuration (enms-sim `FactoryConfig`) as JSON: a starting point for
/// `simulate`'s `config`.
#[pyfunction]
fn default_factory_config() -> PyResult<String> {
    Ok(json_out(&enms_sim::FactoryConfig::default())?)
}

/// Simulates a plant (enms-sim; the demo factory unless `config`, a `FactoryConfig` as JSON, is
/// given; only the `machines` listed when given) from `start` for `days` days (or until `end`, in
/// microseconds) and returns its tables as Arrow streams, by name.
#[pyfunction]
#[pyo3(signature = (start, *, seed, days=None, end=None, timezone=None, fault_rate=None, config=None, machines=None))]
#[allow(clippy::too_many_arguments)]
fn simulate(
    py: Python<'_>,
    start: &str,
    seed: u64,
    days: Option<u32>,
    end: Option<TimeArg>,
    timezone: Option<String>,
    fault_rate: Option<f64>,
    config: Option<String>,
    machines: Option<Vec<String>>,
) -> PyResult<Vec<(&'static str, ArrowStream)>> {
    let run = || -> FaceResult<Vec<(&'static str, ArrowStream)>> {
        let mut cfg: enms_sim::FactoryConfig = match config {
            Some(text) => json_in("config", &text)?,
            None => enms_sim::FactoryConfig::default(),
        };
        if let Some(ids) = machines {
            cfg.keep_machines(&ids)?;
        }
        if let Some(tz) = timezone {
            cfg.factory.timezone = tz;
        }
        if let Some(r) = fault_rate {
            cfg.fault_rate_per_machine_day = r;
        }
        let sim = enms_sim::Simulator::new(cfg, seed)?;
        let t0 = enms_sim::calendar::parse_start(start, &sim.factory().timezone)?;
        let t1 = match (days, end) {
            (Some(d), None) => i64::from(d)
                .checked_mul(MICROS_PER_DAY)
                .and_then(|span| t0.checked_add(span))
                .ok_or(FaceError::Core(Error::InvalidParameter {
                    name: "days".into(),
                    reason: format!("{d} days from the start is past the end of time"),
                }))?,
            (None, Some(e)) => e.micros("end")?,
            _ => {
                return Err(FaceError::Core(Error::InvalidParameter {
                    name: "days".into(),
                    reason: "give either `days` or `end`".into(),
                }))
            }
        };
        py.detach_guarded(|| -> FaceResult<_> {
            // a span given in days is named so when it is too long
            let out = sim.generate(t0, t1).map_err(|e| match e {
                enms_sim::Error::InvalidParameter { name, reason }
                    if name == "end" && days.is_some() =>
                {
                    enms_sim::Error::InvalidParameter {
                        name: "days".into(),
                        reason,
                    }
                }
                e => e,
            })?;
            sim::tables(&out)
        })
    };
    Ok(run()?)
}

/// Rolls readings up into buckets of `every` (`"1m"`, `"15m"`, `"1h"`, `"1d"`, `"1mo"`, any width).
#[pyfunction]
#[pyo3(signature = (data, every, *, time, power=None, energy=None, interval_s=None, timezone=None, start=None, end=None, max_gap_s=None))]
#[allow(clippy::too_many_arguments)]
fn rollup(
    py: Python<'_>,
    data: Option<Bound<'_, PyAny>>,
    every: &str,
    time: Bound<'_, PyAny>,
    power: Option<Bound<'_, PyAny>>,
    energy: Option<Bound<'_, PyAny>>,
    interval_s: Option<f64>,
    timezone: Option<&str>,
    start: Option<TimeArg>,
    end: Option<TimeArg>,
    max_gap_s: Option<f64>,
) -> PyResult<ArrowStream> {
    let r = Readings::load(
        data.as_ref(),
        &time,
        power.as_ref(),
        energy.as_ref(),
        interval_s,
    )?;
    let b = bucketing(every, timezone)?;
    let o = rollup_options(max_gap_s, start, end)?;
    let out = py.detach_guarded(|| r.rollup(&b, &o).and_then(|r| rollup_batch(&r)))?;
    Ok(stream_of(out))
}

/// The standard rollups (1 minute, 15 minutes, 1 hour, 1 day) of power readings, in one pass.
#[pyfunction]
#[pyo3(signature = (data, *, time, power, timezone=None, max_gap_s=None))]
fn standard_rollups(
    py: Python<'_>,
    data: Option<Bound<'_, PyAny>>,
    time: Bound<'_, PyAny>,
    power: Bound<'_, PyAny>,
    timezone: Option<&str>,
    max_gap_s: Option<f64>,
) -> PyResult<Vec<(&'static str, ArrowStream)>> {
    let r = Readings::load(data.as_ref(), &time, Some(&power), None, None)?;
    let o = rollup_options(max_gap_s, None, None)?;
    let out = py.detach_guarded(|| -> FaceResult<_> {
        let View::Power(view) = r.view()? else {
            return Err(FaceError::Core(Error::InvalidParameter {
                name: "power".into(),
                reason: "standard rollups need power readings".into(),
            }));
        };
        let s = core_standard_rollups(view, timezone, &o).map_err(|e| r.rename(e.into()))?;
        Ok(vec![
            ("1m", rollup_batch(&s.minute)?),
            ("15m", rollup_batch(&s.quarter_hour)?),
            ("1h", rollup_batch(&s.hour)?),
            ("1d", rollup_batch(&s.day)?),
        ])
    })?;
    Ok(out.into_iter().map(|(k, b)| (k, stream_of(b))).collect())
}

/// Peak demand (largest mean power over a demand window) of readings, as JSON (`null` when no
/// complete window exists).
#[pyfunction]
#[pyo3(signature = (data, *, time, power=None, energy=None, interval_s=None, window_minutes=None, rolling_step_minutes=None, timezone=None, start=None, end=None, max_gap_s=None))]
#[allow(clippy::too_many_arguments)]
fn peak_demand(
    py: Python<'_>,
    data: Option<Bound<'_, PyAny>>,
    time: Bound<'_, PyAny>,
    power: Option<Bound<'_, PyAny>>,
    energy: Option<Bound<'_, PyAny>>,
    interval_s: Option<f64>,
    window_minutes: Option<u32>,
    rolling_step_minutes: Option<u32>,
    timezone: Option<&str>,
    start: Option<TimeArg>,
    end: Option<TimeArg>,
    max_gap_s: Option<f64>,
) -> PyResult<String> {
    let r = Readings::load(
        data.as_ref(),
        &time,
        power.as_ref(),
        energy.as_ref(),
        interval_s,
    )?;
    let d = demand_options(window_minutes, rolling_step_minutes);
    let o = rollup_options(max_gap_s, start, end)?;
    let tz = timezone.map(str::to_string);
    let out = py.detach_guarded(move || -> FaceResult<String> {
        let mut b = Bucketing::new(d.resolution()?)?;
        if let Some(tz) = &tz {
            b = b.with_timezone(tz)?;
        }
        let rollup = r.rollup(&b, &o)?;
        json_out(&kpi::peak_demand(&rollup, &d)?)
    })?;
    Ok(out)
}

/// `mean power / peak demand` with mean power = `energy_kwh / period_hours`; `None` when undefined.
#[pyfunction]
fn load_factor(energy_kwh: f64, period_hours: f64, peak_demand_kw: f64) -> Option<f64> {
    kpi::load_factor(energy_kwh, period_hours, peak_demand_kw)
}

/// Specific energy consumption `energy_kwh / production`, kWh per unit; `None` without production.
#[pyfunction]
fn specific_energy_consumption(energy_kwh: f64, production: f64) -> Option<f64> {
    kpi::specific_energy_consumption(energy_kwh, production)
}

/// Power factor `P / sqrt(P^2 + Q^2)` from active (kWh) and reactive (kvarh) energy.
#[pyfunction]
fn power_factor(active_kwh: f64, reactive_kvarh: f64) -> Option<f64> {
    kpi::power_factor(active_kwh, reactive_kvarh)
}

fn carbon_factors(factors: Option<BTreeMap<String, f64>>) -> FaceResult<CarbonFactors> {
    let mut f = CarbonFactors::default();
    for (carrier, kg) in factors.unwrap_or_default() {
        f = f.with(EnergyCarrier::from_str(&carrier)?, kg)?;
    }
    Ok(f)
}

/// Emissions of `energy_kwh` of `carrier`, kg CO2, under the default factors with `factors`
/// (kg CO2 per kWh by carrier) replacing some of them.
#[pyfunction]
#[pyo3(signature = (energy_kwh, carrier, factors=None))]
fn carbon_kg(
    energy_kwh: f64,
    carrier: &str,
    factors: Option<BTreeMap<String, f64>>,
) -> PyResult<f64> {
    let f = carbon_factors(factors)?;
    let c = EnergyCarrier::from_str(carrier).map_err(FaceError::from)?;
    Ok(f.carbon_kg(energy_kwh, c).map_err(FaceError::from)?)
}

/// The default emission factors, kg CO2 per kWh by carrier.
#[pyfunction]
fn default_carbon_factors() -> BTreeMap<&'static str, f64> {
    CarbonFactors::default()
        .kg_per_kwh
        .into_iter()
        .map(|(c, f)| (c.as_str(), f))
        .collect()
}

/// Specific energy consumption per bucket of readings and a production column.
#[pyfunction]
#[pyo3(signature = (data, production, every, *, time, production_time, production_count, power=None, energy=None, interval_s=None, timezone=None, start=None, end=None, max_gap_s=None))]
#[allow(clippy::too_many_arguments)]
fn sec_per_bucket(
    py: Python<'_>,
    data: Option<Bound<'_, PyAny>>,
    production: Option<Bound<'_, PyAny>>,
    every: &str,
    time: Bound<'_, PyAny>,
    production_time: Bound<'_, PyAny>,
    production_count: Bound<'_, PyAny>,
    power: Option<Bound<'_, PyAny>>,
    energy: Option<Bound<'_, PyAny>>,
    interval_s: Option<f64>,
    timezone: Option<&str>,
    start: Option<TimeArg>,
    end: Option<TimeArg>,
    max_gap_s: Option<f64>,
) -> PyResult<ArrowStream> {
    let r = Readings::load(
        data.as_ref(),
        &time,
        power.as_ref(),
        energy.as_ref(),
        interval_s,
    )?;
    let pt = production
        .as_ref()
        .map(|p| Table::import(p, "production"))
        .transpose()?;
    let pt_arg = ColumnArg::from_py(&production_time);
    let pc_arg = ColumnArg::from_py(&production_count);
    let p_ts = ts_column(pt.as_ref(), &pt_arg, "production_time")?;
    let p_v = f64_column(pt.as_ref(), &pc_arg, "production_count")?;
    let (pt_label, pc_label) = (
        pt_arg.label("production_time"),
        pc_arg.label("production_count"),
    );
    let b = bucketing(every, timezone)?;
    let o = rollup_options(max_gap_s, start, end)?;
    let out = py.detach_guarded(move || -> FaceResult<_> {
        let q = QuantitySeries::new(&pc_label, p_ts.values().to_vec(), p_v.values().to_vec())
            .map_err(|e| FaceError::from(e).rename_column("ts", &pt_label))?;
        let rollup = r.rollup(&b, &o)?;
        let s = kpi::sec_per_bucket(&rollup, &q)?;
        use arrow_array::Float64Array;
        use arrow_schema::{DataType, Field};
        use std::sync::Arc;
        arrow_out::batch(
            vec![
                arrow_out::ts_field("start", false),
                arrow_out::ts_field("end", false),
                Field::new("energy_kwh", DataType::Float64, false),
                Field::new("production", DataType::Float64, false),
                Field::new("sec_kwh_per_unit", DataType::Float64, true),
            ],
            vec![
                arrow_out::ts_array(&s.start),
                arrow_out::ts_array(&s.end),
                Arc::new(Float64Array::from(s.energy_kwh)),
                Arc::new(Float64Array::from(s.production)),
                arrow_out::f64_options(&s.sec),
            ],
        )
    })?;
    Ok(stream_of(out))
}

/// The cost of readings under a tariff (JSON of enms-core's `Tariff`), as JSON of `CostBreakdown`.
#[pyfunction]
#[pyo3(signature = (data, tariff_json, every, *, time, power=None, energy=None, interval_s=None, demand_charges=None, fixed_charges=None, start=None, end=None, max_gap_s=None))]
#[allow(clippy::too_many_arguments)]
fn energy_cost(
    py: Python<'_>,
    data: Option<Bound<'_, PyAny>>,
    tariff_json: &str,
    every: &str,
    time: Bound<'_, PyAny>,
    power: Option<Bound<'_, PyAny>>,
    energy: Option<Bound<'_, PyAny>>,
    interval_s: Option<f64>,
    demand_charges: Option<bool>,
    fixed_charges: Option<bool>,
    start: Option<TimeArg>,
    end: Option<TimeArg>,
    max_gap_s: Option<f64>,
) -> PyResult<String> {
    let r = Readings::load(
        data.as_ref(),
        &time,
        power.as_ref(),
        energy.as_ref(),
        interval_s,
    )?;
    let tariff: Tariff = json_in("tariff", tariff_json)?;
    let mut scope = kpi::cost::CostScope::default();
    if let Some(d) = demand_charges {
        scope.demand = d;
    }
    if let Some(f) = fixed_charges {
        scope.fixed = f;
    }
    let b = bucketing(every, Some(&tariff.timezone))?;
    let o = rollup_options(max_gap_s, start, end)?;
    let out = py.detach_guarded(move || -> FaceResult<String> {
        let rollup = r.rollup(&b, &o)?;
        json_out(&kpi::cost::energy_cost(&rollup, &tariff, scope)?)
    })?;
    Ok(out)
}

/// Per-machine input tables of the long format (`time`, `machine_id`, `power_kw`, ...).
struct LongColumns {
    machine_id: Vec<Option<String>>,
    ts: TsCol,
    power: F64Col,
    reactive: Option<Vec<f64>>,
}

fn string_column(t: &Table, name: &str) -> FaceResult<Vec<Option<String>>> {
    let (dt, chunks) = t.column(name)?;
    strings_from_chunks(name, dt, chunks)
}

fn required(column: &str, index: usize, v: Option<String>) -> FaceResult<String> {
    v.ok_or_else(|| {
        FaceError::Core(Error::Parse {
            column: column.into(),
            index,
            value: "null".into(),
            reason: "a value is missing".into(),
        })
    })
}

fn machines_from(t: &Table) -> FaceResult<Vec<Machine>> {
    let ids = string_column(t, "machine_id")?;
    let factories = string_column(t, "factory_id")?;
    let names = string_column(t, "name")?;
    let types = string_column(t, "machine_type")?;
    let carriers = string_column(t, "carrier")?;
    let (dt, c) = t.column("rated_power_kw")?;
    let rated = arrow_in::f64_from_chunks("rated_power_kw", dt, c)?;
    let (dt, c) = t.column("interval_s")?;
    let interval = arrow_in::f64_from_chunks("interval_s", dt, c)?;
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.into_iter().enumerate() {
        let parse = |column: &str, v: &Option<String>| -> FaceResult<String> {
            required(column, i, v.clone())
        };
        let mt = parse("machine_type", &types[i])?;
        let carrier = parse("carrier", &carriers[i])?;
        out.push(Machine {
            id: required("machine_id", i, id)?,
            factory_id: parse("factory_id", &factories[i])?,
            name: parse("name", &names[i])?,
            machine_type: MachineType::from_str(&mt)?,
            rated_power_kw: rated.values()[i],
            carrier: EnergyCarrier::from_str(&carrier)?,
            interval_s: interval.values()[i],
        });
    }
    Ok(out)
}

/// KPIs per machine, per factory and in total (enms-core `kpi_report`), as JSON of `KpiReport`.
#[pyfunction]
#[pyo3(signature = (energy_readings, machines, production=None, *, start=None, end=None, timezone=None, max_gap_s=None, window_minutes=None, rolling_step_minutes=None, carbon_factors=None, hourly_carbon=None, tariff_json=None))]
#[allow(clippy::too_many_arguments)]
fn kpi_report(
    py: Python<'_>,
    energy_readings: Bound<'_, PyAny>,
    machines: Bound<'_, PyAny>,
    production: Option<Bound<'_, PyAny>>,
    start: Option<TimeArg>,
    end: Option<TimeArg>,
    timezone: Option<String>,
    max_gap_s: Option<f64>,
    window_minutes: Option<u32>,
    rolling_step_minutes: Option<u32>,
    carbon_factors: Option<BTreeMap<String, f64>>,
    hourly_carbon: Option<Bound<'_, PyAny>>,
    tariff_json: Option<&str>,
) -> PyResult<String> {
    let mut settings = KpiSettings {
        range: range(start, end)?,
        timezone,
        rollup: rollup_options(max_gap_s, None, None)?,
        demand: demand_options(window_minutes, rolling_step_minutes),
        carbon: self::carbon_factors(carbon_factors)?,
        ..KpiSettings::default()
    };
    if let Some(t) = tariff_json {
        settings.tariff = Some(json_in("tariff", t)?);
    }
    let hourly = match &hourly_carbon {
        Some(h) => {
            let t = Table::import(h, "hourly_carbon")?;
            let ts = ts_column(Some(&t), &ColumnArg::Name("time".into()), "time")?;
            let kg = f64_column(
                Some(&t),
                &ColumnArg::Name("kg_per_kwh".into()),
                "kg_per_kwh",
            )?;
            Some((ts, kg))
        }
        None => None,
    };

    let machines = machines_from(&Table::import(&machines, "machines")?)?;
    let readings = Table::import(&energy_readings, "energy_readings")?;
    let production = production
        .as_ref()
        .map(|p| Table::import(p, "production"))
        .transpose()?;

    // Column extraction (machine ids as text) scales with the data too: off the GIL.
    let out = py.detach_guarded(move || -> FaceResult<String> {
        let long = LongColumns {
            machine_id: string_column(&readings, "machine_id")?,
            ts: ts_column(Some(&readings), &ColumnArg::Name("time".into()), "time")?,
            power: f64_column(
                Some(&readings),
                &ColumnArg::Name("power_kw".into()),
                "power_kw",
            )?,
            reactive: if readings.has("reactive_energy_kvarh") {
                let (dt, chunks) = readings.column("reactive_energy_kvarh")?;
                Some(nullable_f64("reactive_energy_kvarh", dt, chunks)?)
            } else {
                None
            },
        };
        let prod = match &production {
            Some(t) => Some((
                string_column(t, "machine_id")?,
                ts_column(Some(t), &ColumnArg::Name("time".into()), "time")?,
                f64_column(
                    Some(t),
                    &ColumnArg::Name("production_count".into()),
                    "production_count",
                )?,
            )),
            None => None,
        };

        if let Some((ts, kg)) = &hourly {
            settings.hourly_electricity_carbon = Some(
                HourlyCarbonFactors::new(ts.values().to_vec(), kg.values().to_vec())
                    .map_err(|e| FaceError::from(e).rename_column("ts", "time"))?,
            );
        }
        let mut inputs = Vec::with_capacity(machines.len());
        for m in machines {
            let mut table = EnergyReadingTable::with_capacity(m.id.clone(), 0);
            let (ts, p) = (long.ts.values(), long.power.values());
            for (i, id) in long.machine_id.iter().enumerate() {
                if id.as_deref() == Some(m.id.as_str()) {
                    table.ts.push(ts[i]);
                    table.power_kw.push(p[i]);
                    table
                        .reactive_energy_kvarh
                        .push(long.reactive.as_ref().map_or(f64::NAN, |r| r[i]));
                }
            }
            if table.is_empty() {
                continue;
            }
            let production = match &prod {
                Some((ids, pts, pv)) => {
                    let (pts, pv) = (pts.values(), pv.values());
                    let (mut qt, mut qv) = (Vec::new(), Vec::new());
                    for (i, id) in ids.iter().enumerate() {
                        if id.as_deref() == Some(m.id.as_str()) {
                            qt.push(pts[i]);
                            qv.push(pv[i]);
                        }
                    }
                    if qt.is_empty() {
                        None
                    } else {
                        Some(
                            QuantitySeries::new("production_count", qt, qv)
                                .map_err(|e| FaceError::from(e).rename_column("ts", "time"))?,
                        )
                    }
                }
                None => None,
            };
            let input = MachineInput::from_readings(m, &table, production)
                .map_err(|e| FaceError::from(e).rename_column("ts", "time"))?;
            inputs.push(input);
        }
        json_out(&kpi::kpi_report(&inputs, &settings)?)
    })?;
    Ok(out)
}

/// A float column where null means "not measured" (NaN inside enms).
fn nullable_f64(
    column: &str,
    dt: &arrow_schema::DataType,
    chunks: &[arrow_array::ArrayRef],
) -> FaceResult<Vec<f64>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Float64Type;
    use arrow_array::Array;
    if *dt != arrow_schema::DataType::Float64 {
        return Err(FaceError::Dtype {
            column: column.into(),
            expected: "float64",
            got: dt.to_string(),
        });
    }
    let mut v = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for c in chunks {
        if let Some(p) = c.as_primitive_opt::<Float64Type>() {
            v.extend((0..p.len()).map(|i| if p.is_valid(i) { p.value(i) } else { f64::NAN }));
        }
    }
    Ok(v)
}

/// The `enms._enms` module.
#[pymodule]
fn _enms(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<ArrowStream>()?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(default_factory_config, m)?)?;
    m.add_function(wrap_pyfunction!(rollup, m)?)?;
    m.add_function(wrap_pyfunction!(standard_rollups, m)?)?;
    m.add_function(wrap_pyfunction!(peak_demand, m)?)?;
    m.add_function(wrap_pyfunction!(load_factor, m)?)?;
    m.add_function(wrap_pyfunction!(specific_energy_consumption, m)?)?;
    m.add_function(wrap_pyfunction!(power_factor, m)?)?;
    m.add_function(wrap_pyfunction!(carbon_kg, m)?)?;
    m.add_function(wrap_pyfunction!(default_carbon_factors, m)?)?;
    m.add_function(wrap_pyfunction!(sec_per_bucket, m)?)?;
    m.add_function(wrap_pyfunction!(energy_cost, m)?)?;
    m.add_function(wrap_pyfunction!(kpi_report, m)?)?;
    baseline::register(m)?;
    forecast::register(m)?;
    anomaly::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
