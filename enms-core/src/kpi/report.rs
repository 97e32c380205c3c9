//! KPIs per machine, per factory and across factories, in one call.
//!
//! Each machine is rolled up once on a common grid (the demand resolution, at most 15 minutes) over
//! a common range; its KPIs come from that rollup. A factory's KPIs come from the sum of its
//! machines' rollups **per energy carrier** (carriers are never added together): so the factory's
//! peak demand is the coincident peak of its electricity, not the sum of the machines' peaks. Across
//! factories, energy is totalled per carrier and carbon (one unit, kg CO2) in total.
//!
//! A machine's cost is its energy charges under the tariff; demand and fixed charges are billed on
//! the factory's electricity meter (its coincident peak) and appear in the factory's cost.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::bucket::{BucketWidth, Bucketing};
use crate::counter::{counter_deltas, CounterOptions};
use crate::error::{Error, Result};
use crate::kpi::carbon::{CarbonFactors, HourlyCarbonFactors};
use crate::kpi::cost::{energy_cost, CostBreakdown, CostScope, Tariff};
use crate::kpi::demand::{load_factor, peak_demand, DemandMethod, DemandOptions, PeakDemand};
use crate::kpi::reactive::power_factor;
use crate::kpi::sec::specific_energy_consumption;
use crate::model::{EnergyCarrier, EnergyReadingTable, Machine, MachineType};
use crate::rollup::{rollup_intervals, rollup_power, Rollup, RollupOptions};
use crate::series::{CounterSeries, PowerSeries, QuantitySeries};
use crate::time::{TimeRange, Timestamp, MICROS_PER_MINUTE};

/// One machine's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineInput {
    /// The machine (id, factory, type, carrier).
    pub machine: Machine,
    /// Its power readings.
    pub power: PowerSeries,
    /// Its production (counts per interval, labelled by interval end), if it produces.
    pub production: Option<QuantitySeries>,
    /// Its cumulative reactive energy counter (kvarh), if the meter reports one.
    pub reactive_kvarh: Option<CounterSeries>,
}

impl MachineInput {
    /// Builds a machine's input from its meter table: power from `power_kw`, and the reactive
    /// energy counter from the rows where `reactive_energy_kvarh` is measured (none when fewer than
    /// two rows have it). The table is validated (sorted, unique, finite power), and its machine id
    /// must be the machine's.
    pub fn from_readings(
        machine: Machine,
        table: &EnergyReadingTable,
        production: Option<QuantitySeries>,
    ) -> Result<Self> {
        if table.machine_id != machine.id {
            return Err(Error::invalid(
                "machine_id",
                format!(
                    "the readings are of `{}`, not of machine `{}`",
                    table.machine_id, machine.id
                ),
            ));
        }
        let power = PowerSeries::new(table.ts.clone(), table.power_kw.clone())?;
        let (q_ts, q): (Vec<Timestamp>, Vec<f64>) = table
            .ts
            .iter()
            .zip(&table.reactive_energy_kvarh)
            .filter(|(_, q)| q.is_finite())
            .map(|(&t, &q)| (t, q))
            .unzip();
        let reactive_kvarh = if q.len() >= 2 {
            Some(CounterSeries::new(q_ts, q)?)
        } else {
            None
        };
        Ok(MachineInput {
            machine,
            power,
            production,
            reactive_kvarh,
        })
    }
}

/// Settings of a KPI report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiSettings {
    /// Period to report on; default: from the first to the last reading, on the rollup grid.
    pub range: Option<TimeRange>,
    /// Time zone of the grid (matters for 60-minute blocks in zones with half-hour offsets).
    pub timezone: Option<String>,
    /// Maximum gap for integrating power, etc.
    pub rollup: RollupOptions,
    /// Demand window.
    pub demand: DemandOptions,
    /// Static emission factors per carrier.
    pub carbon: CarbonFactors,
    /// Hourly electricity emission factors, used instead of the static factor when given.
    pub hourly_electricity_carbon: Option<HourlyCarbonFactors>,
    /// Electricity tariff, for cost.
    pub tariff: Option<Tariff>,
}

/// KPIs of one machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineKpis {
    /// Machine id.
    pub machine_id: String,
    /// Factory id.
    pub factory_id: String,
    /// Machine type.
    pub machine_type: MachineType,
    /// Energy carrier.
    pub carrier: EnergyCarrier,
    /// Energy in the period, kWh.
    pub energy_kwh: f64,
    /// Mean power over the period, kW.
    pub mean_power_kw: f64,
    /// Peak demand (billing definition).
    pub peak_demand: Option<PeakDemand>,
    /// Largest instantaneous reading in the period, kW.
    pub max_instantaneous_power_kw: f64,
    /// When it occurred.
    pub max_instantaneous_at: Timestamp,
    /// Mean power / peak demand.
    pub load_factor: Option<f64>,
    /// Production in the period, if the machine produces.
    pub production: Option<f64>,
    /// Specific energy consumption, kWh per unit; `None` when nothing was produced.
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

/// KPIs of one carrier in one factory (or across factories).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierKpis {
    /// Carrier.
    pub carrier: EnergyCarrier,
    /// Energy, kWh.
    pub energy_kwh: f64,
    /// Coincident peak demand of the carrier's meters (per factory only).
    pub peak_demand: Option<PeakDemand>,
    /// Load factor of the coincident load.
    pub load_factor: Option<f64>,
    /// Emissions, kg CO2.
    pub carbon_kg: f64,
    /// The bill (electricity with a tariff, per factory only).
    pub cost: Option<CostBreakdown>,
}

/// KPIs of one factory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactoryKpis {
    /// Factory id.
    pub factory_id: String,
    /// Machines reported.
    pub machine_count: usize,
    /// Per carrier.
    pub by_carrier: Vec<CarrierKpis>,
    /// Emissions of all carriers, kg CO2.
    pub carbon_kg: f64,
}

/// Everything, for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiReport {
    /// The period.
    pub range: TimeRange,
    /// Per machine.
    pub machines: Vec<MachineKpis>,
    /// Per factory.
    pub factories: Vec<FactoryKpis>,
    /// Across factories, per carrier (peak and cost are per factory and not repeated here).
    pub total_by_carrier: Vec<CarrierKpis>,
    /// Emissions of everything, kg CO2.
    pub total_carbon_kg: f64,
}

fn grid(settings: &KpiSettings) -> Result<Bucketing> {
    let step = match settings.demand.method {
        DemandMethod::Rolling { step_minutes } => step_minutes as i64,
        DemandMethod::FixedBlocks => {
            let w = settings.demand.window_minutes as i64;
            let (mut a, mut b) = (w, 15);
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        }
    };
    settings.demand.resolution()?;
    let b = Bucketing::new(BucketWidth::Micros(step * MICROS_PER_MINUTE))?;
    match &settings.timezone {
        Some(tz) => b.with_timezone(tz),
        None => Ok(b),
    }
}

fn carbon(settings: &KpiSettings, carrier: EnergyCarrier, rollup: &Rollup) -> Result<f64> {
    match (&settings.hourly_electricity_carbon, carrier) {
        (Some(h), EnergyCarrier::Electricity) => h.carbon_kg(rollup),
        _ => settings
            .carbon
            .carbon_kg(rollup.total_energy_kwh(), carrier),
    }
}

/// Computes the KPIs of every machine, factory and of the whole set.
pub fn kpi_report(inputs: &[MachineInput], settings: &KpiSettings) -> Result<KpiReport> {
    if inputs.is_empty() {
        return Err(Error::EmptySeries {
            column: "machines".into(),
            needed: 1,
        });
    }
    if let Some(t) = &settings.tariff {
        t.validate()?;
    }
    let grid = grid(settings)?;
    let range = match settings.range {
        Some(r) => r,
        None => {
            let first = inputs.iter().map(|m| m.power.span().0).min().unwrap_or(0);
            let last = inputs.iter().map(|m| m.power.span().1).max().unwrap_or(0);
            TimeRange::new(
                grid.bucket(first)?.start,
                grid.bucket(last.saturating_sub(1).max(first))?.end,
            )?
        }
    };
    let rollup_opts = RollupOptions {
        range: Some(range),
        ..settings.rollup
    };
    let hours = range.hours();

    let mut machines = Vec::with_capacity(inputs.len());
    let mut rollups: Vec<(String, EnergyCarrier, Rollup)> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let m = &input.machine;
        let r = rollup_power(&input.power, &grid, &rollup_opts)?;
        let energy = r.total_energy_kwh();
        let peak = peak_demand(&r, &settings.demand)?;
        let (max_kw, max_at) = {
            let ts = input.power.ts();
            let p = input.power.power_kw();
            let lo = ts.partition_point(|&t| t < range.start);
            let hi = ts.partition_point(|&t| t < range.end);
            let mut best = (f64::NAN, range.start);
            for i in lo..hi {
                if best.0.is_nan() || p[i] > best.0 {
                    best = (p[i], ts[i]);
                }
            }
            best
        };
        let production = input
            .production
            .as_ref()
            .map(|q| q.total_in(range.start, range.end));
        let reactive = match &input.reactive_kvarh {
            Some(c) => {
                let d = counter_deltas(c, &CounterOptions::default())?;
                Some(rollup_intervals(&d.intervals, &grid, Some(range))?.total_energy_kwh())
            }
            None => None,
        };
        let cost = match (&settings.tariff, m.carrier) {
            (Some(t), EnergyCarrier::Electricity) => Some(
                energy_cost(
                    &r,
                    t,
                    CostScope {
                        demand: false,
                        fixed: false,
                    },
                )?
                .energy_cost,
            ),
            _ => None,
        };
        machines.push(MachineKpis {
            machine_id: m.id.clone(),
            factory_id: m.factory_id.clone(),
            machine_type: m.machine_type,
            carrier: m.carrier,
            energy_kwh: energy,
            mean_power_kw: energy / hours,
            load_factor: peak.and_then(|p| load_factor(energy, hours, p.peak_demand_kw)),
            peak_demand: peak,
            max_instantaneous_power_kw: max_kw,
            max_instantaneous_at: max_at,
            sec_kwh_per_unit: production.and_then(|p| specific_energy_consumption(energy, p)),
            production,
            carbon_kg: carbon(settings, m.carrier, &r)?,
            energy_cost: cost,
            power_factor: reactive.and_then(|q| power_factor(energy, q)),
            reactive_kvarh: reactive,
            coverage: r.covered_us.iter().sum::<i64>() as f64 / range.duration_us() as f64,
        });
        rollups.push((m.factory_id.clone(), m.carrier, r));
    }

    let mut groups: BTreeMap<(String, EnergyCarrier), Vec<&Rollup>> = BTreeMap::new();
    for (f, c, r) in &rollups {
        groups.entry((f.clone(), *c)).or_default().push(r);
    }
    let mut factories: Vec<FactoryKpis> = Vec::new();
    for ((factory, carrier), rs) in &groups {
        let sum = Rollup::sum(rs)?;
        let energy = sum.total_energy_kwh();
        let peak = peak_demand(&sum, &settings.demand)?;
        let cost = match (&settings.tariff, carrier) {
            (Some(t), EnergyCarrier::Electricity) => {
                Some(energy_cost(&sum, t, CostScope::default())?)
            }
            _ => None,
        };
        let kpis = CarrierKpis {
            carrier: *carrier,
            energy_kwh: energy,
            load_factor: peak.and_then(|p| load_factor(energy, hours, p.peak_demand_kw)),
            peak_demand: peak,
            carbon_kg: carbon(settings, *carrier, &sum)?,
            cost,
        };
        match factories.iter_mut().find(|f| &f.factory_id == factory) {
            Some(f) => {
                f.machine_count += rs.len();
                f.carbon_kg += kpis.carbon_kg;
                f.by_carrier.push(kpis);
            }
            None => factories.push(FactoryKpis {
                factory_id: factory.clone(),
                machine_count: rs.len(),
                carbon_kg: kpis.carbon_kg,
                by_carrier: vec![kpis],
            }),
        }
    }
    let mut total: BTreeMap<EnergyCarrier, (f64, f64)> = BTreeMap::new();
    for f in &factories {
        for c in &f.by_carrier {
            let e = total.entry(c.carrier).or_default();
            e.0 += c.energy_kwh;
            e.1 += c.carbon_kg;
        }
    }
    let total_by_carrier: Vec<CarrierKpis> = total
        .into_iter()
        .map(|(carrier, (energy_kwh, carbon_kg))| CarrierKpis {
            carrier,
            energy_kwh,
            peak_demand: None,
            load_factor: None,
            carbon_kg,
            cost: None,
        })
        .collect();
    let total_carbon_kg = total_by_carrier.iter().map(|c| c.carbon_kg).sum();
    Ok(KpiReport {
        range,
        machines,
        factories,
        total_by_carrier,
        total_carbon_kg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MICROS_PER_MINUTE as M;

    fn machine(id: &str, factory: &str, carrier: EnergyCarrier) -> Machine {
        Machine {
            id: id.into(),
            factory_id: factory.into(),
            name: id.into(),
            machine_type: MachineType::Compressor,
            rated_power_kw: 100.0,
            carrier,
            interval_s: 60.0,
        }
    }

    #[test]
    fn input_from_a_meter_table() {
        let mut t = EnergyReadingTable::with_capacity("a", 3);
        t.ts = vec![0, M, 2 * M];
        t.power_kw = vec![10.0, 20.0, 30.0];
        t.energy_kwh = vec![0.0, 0.25, 0.67];
        t.voltage_v = vec![f64::NAN; 3];
        t.current_a = vec![f64::NAN; 3];
        t.power_factor = vec![f64::NAN; 3];
        t.frequency_hz = vec![f64::NAN; 3];
        t.reactive_energy_kvarh = vec![1.0, f64::NAN, 2.0];
        let m = machine("a", "f1", EnergyCarrier::Electricity);
        let input = MachineInput::from_readings(m.clone(), &t, None).unwrap();
        assert_eq!(input.power.len(), 3);
        let q = input.reactive_kvarh.unwrap();
        assert_eq!(q.ts(), &[0, 2 * M]);
        t.reactive_energy_kvarh = vec![f64::NAN; 3];
        assert!(MachineInput::from_readings(m.clone(), &t, None)
            .unwrap()
            .reactive_kvarh
            .is_none());
        t.power_kw[1] = f64::NAN;
        let e = MachineInput::from_readings(m.clone(), &t, None).unwrap_err();
        assert_eq!(e.field(), Some("power_kw"));
        let other = machine("b", "f1", EnergyCarrier::Electricity);
        let e = MachineInput::from_readings(other, &t, None).unwrap_err();
        assert_eq!(e.field(), Some("machine_id"));
    }

    #[test]
    fn coincident_peak_and_carriers_apart() {
        // Two machines peaking at different times, one gas boiler, two factories; one hour.
        let ts: Vec<i64> = (0..=60).map(|i| i * M).collect();
        let a = PowerSeries::new(
            ts.clone(),
            ts.iter()
                .map(|t| if *t < 15 * M { 100.0 } else { 0.0 })
                .collect(),
        )
        .unwrap();
        let b = PowerSeries::new(
            ts.clone(),
            ts.iter()
                .map(|t| {
                    if *t >= 30 * M && *t < 45 * M {
                        100.0
                    } else {
                        0.0
                    }
                })
                .collect(),
        )
        .unwrap();
        let g = PowerSeries::new(ts.clone(), vec![50.0; 61]).unwrap();
        let inputs = vec![
            MachineInput {
                machine: machine("a", "f1", EnergyCarrier::Electricity),
                power: a.clone(),
                production: Some(
                    QuantitySeries::new("production_count", vec![60 * M], vec![10.0]).unwrap(),
                ),
                reactive_kvarh: None,
            },
            MachineInput {
                machine: machine("b", "f1", EnergyCarrier::Electricity),
                power: b,
                production: Some(
                    QuantitySeries::new("production_count", vec![60 * M], vec![0.0]).unwrap(),
                ),
                reactive_kvarh: None,
            },
            MachineInput {
                machine: machine("g", "f1", EnergyCarrier::NaturalGas),
                power: g,
                production: None,
                reactive_kvarh: None,
            },
            MachineInput {
                machine: machine("c", "f2", EnergyCarrier::Electricity),
                power: a,
                production: None,
                reactive_kvarh: Some(CounterSeries::new(vec![0, 60 * M], vec![0.0, 10.0]).unwrap()),
            },
        ];
        let r = kpi_report(&inputs, &KpiSettings::default()).unwrap();
        assert_eq!(r.range.hours(), 1.0);
        let ma = &r.machines[0];
        assert!(ma.peak_demand.unwrap().peak_demand_kw > 90.0);
        assert_eq!(r.machines[1].sec_kwh_per_unit, None);
        assert!(ma.sec_kwh_per_unit.unwrap() > 2.0);
        let f1 = &r.factories[0];
        assert_eq!(f1.by_carrier.len(), 2);
        let el = f1
            .by_carrier
            .iter()
            .find(|c| c.carrier == EnergyCarrier::Electricity)
            .unwrap();
        // coincident peak ~ one machine's peak, not the sum
        assert!(el.peak_demand.unwrap().peak_demand_kw < 110.0);
        let gas = f1
            .by_carrier
            .iter()
            .find(|c| c.carrier == EnergyCarrier::NaturalGas)
            .unwrap();
        assert!((gas.energy_kwh - 50.0).abs() < 1e-9);
        assert!((gas.carbon_kg - 50.0 * 0.202).abs() < 1e-9);
        assert_eq!(r.total_by_carrier.len(), 2);
        assert!(r.machines[3].power_factor.unwrap() < 1.0);
        assert!(kpi_report(&[], &KpiSettings::default()).is_err());
    }
}
