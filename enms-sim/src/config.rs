//! The factory a simulation runs: site, machines and their physical parameters, the shift plan,
//! the climate and the fault rates. Everything is serde, so a plant can be described in JSON.
//!
//! [`FactoryConfig::default`] is the demo plant `plant-1` ("Demo Plant", Europe/Berlin) with one
//! machine of each type; `docs/simulator.md` documents every parameter.

use enms_core::model::{EnergyCarrier, EventKind, Factory, Machine, MachineType};
use enms_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A whole plant to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FactoryConfig {
    /// The site (id, name, location, IANA time zone).
    pub factory: Factory,
    /// The metered machines; a machine's position in this list selects its random streams.
    pub machines: Vec<MachineConfig>,
    /// Planned production load per weekday and shift.
    pub shifts: ShiftPlan,
    /// Outdoor climate.
    pub climate: ClimateConfig,
    /// Expected random faults per machine and day (Poisson rate), e.g. 0.1.
    pub fault_rate_per_machine_day: f64,
    /// Expected sensor dropouts (gaps in a meter's readings) per machine and day.
    pub dropout_rate_per_machine_day: f64,
    /// Energy conservation measures, each on one machine from an instant on (none by default).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<Measure>,
}

impl Default for FactoryConfig {
    fn default() -> Self {
        FactoryConfig {
            factory: Factory {
                id: "plant-1".into(),
                name: "Demo Plant".into(),
                location: "Central Europe".into(),
                timezone: "Europe/Berlin".into(),
            },
            machines: vec![
                MachineConfig::new(
                    "compressor-1",
                    "Screw compressor 1",
                    55.0,
                    1,
                    MachineSpec::Compressor(Default::default()),
                ),
                MachineConfig::new(
                    "hvac-1",
                    "Hall HVAC (chiller / heat pump)",
                    90.0,
                    10,
                    MachineSpec::Hvac(Default::default()),
                ),
                MachineConfig::new(
                    "conveyor-1",
                    "Assembly line conveyor",
                    22.0,
                    10,
                    MachineSpec::ConveyorMotor(Default::default()),
                ),
                MachineConfig::new(
                    "hydraulic-pump-1",
                    "Hydraulic press pump",
                    37.0,
                    30,
                    MachineSpec::HydraulicPump(Default::default()),
                ),
                MachineConfig::new(
                    "injection-molding-1",
                    "Injection moulding machine 1",
                    120.0,
                    30,
                    MachineSpec::InjectionMolding(Default::default()),
                ),
                MachineConfig::new(
                    "boiler-1",
                    "Gas boiler",
                    350.0,
                    30,
                    MachineSpec::Boiler(Default::default()),
                ),
            ],
            shifts: ShiftPlan::default(),
            climate: ClimateConfig::default(),
            fault_rate_per_machine_day: 0.1,
            dropout_rate_per_machine_day: 0.02,
            measures: Vec::new(),
        }
    }
}

impl FactoryConfig {
    /// Keeps only the machines `ids` (in the plant's order); an id the plant does not have is
    /// [`Error::UnknownMachine`](crate::Error::UnknownMachine), naming it.
    pub fn keep_machines(&mut self, ids: &[String]) -> crate::Result<()> {
        if let Some(id) = ids
            .iter()
            .find(|id| !self.machines.iter().any(|m| &m.id == *id))
        {
            return Err(crate::Error::UnknownMachine(id.clone()));
        }
        self.machines.retain(|m| ids.contains(&m.id));
        Ok(())
    }

    /// The machines as enms-core model records.
    pub fn machine_records(&self) -> Vec<Machine> {
        self.machines
            .iter()
            .map(|m| Machine {
                id: m.id.clone(),
                factory_id: self.factory.id.clone(),
                name: m.name.clone(),
                machine_type: m.spec.machine_type(),
                rated_power_kw: m.rated_power_kw,
                carrier: m.spec.carrier(),
                interval_s: f64::from(m.interval_s),
            })
            .collect()
    }

    /// Checks every parameter; the first problem found is returned with its parameter path.
    pub fn validate(&self) -> Result<()> {
        enms_core::time::parse_tz(&self.factory.timezone)?;
        if self.factory.id.trim().is_empty() {
            return Err(Error::invalid("factory.id", "must not be empty"));
        }
        if self.machines.is_empty() {
            return Err(Error::invalid("machines", "at least one machine is needed"));
        }
        if self.machines.len() > u16::MAX as usize {
            return Err(Error::invalid("machines", "at most 65535 machines"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, m) in self.machines.iter().enumerate() {
            if m.id.trim().is_empty() {
                return Err(Error::invalid(
                    &format!("machines[{i}].id"),
                    "must not be empty",
                ));
            }
            if !seen.insert(m.id.as_str()) {
                return Err(Error::invalid(
                    &format!("machines[{i}].id"),
                    format!("duplicate machine id `{}`", m.id),
                ));
            }
            m.validate(i)?;
        }
        for (d, row) in self.shifts.load.iter().enumerate() {
            for (s, v) in row.iter().enumerate() {
                check_range(&format!("shifts.load[{d}][{s}]"), *v, 0.0, 1.0)?;
            }
        }
        self.climate.validate()?;
        check_range(
            "fault_rate_per_machine_day",
            self.fault_rate_per_machine_day,
            0.0,
            24.0,
        )?;
        check_range(
            "dropout_rate_per_machine_day",
            self.dropout_rate_per_machine_day,
            0.0,
            24.0,
        )?;
        for (k, m) in self.measures.iter().enumerate() {
            let p = |f: &str| format!("measures[{k}].{f}");
            let Some(machine) = self.machines.iter().find(|c| c.id == m.machine_id) else {
                return Err(Error::invalid(
                    &p("machine_id"),
                    format!("no machine `{}` in the plant", m.machine_id),
                ));
            };
            enms_core::time::to_datetime(m.from)
                .map_err(|_| Error::invalid(&p("from"), "out of the supported time range"))?;
            check_range(&p("efficiency_gain"), m.efficiency_gain, 0.0, 0.9)?;
            check_range(
                &p("kw_reduction"),
                m.kw_reduction,
                0.0,
                machine.rated_power_kw,
            )?;
            if m.efficiency_gain == 0.0 && m.kw_reduction == 0.0 {
                return Err(Error::invalid(
                    &p("efficiency_gain"),
                    "a measure needs an efficiency_gain or a kw_reduction above zero",
                ));
            }
        }
        Ok(())
    }
}

/// An energy conservation measure (ECM, IPMVP) on one machine, in effect from `from` on: the
/// power the machine draws becomes `max(P x (1 - efficiency_gain) - kw_reduction, 0)` before its
/// meter (so meter noise, counters and electric quantities follow). The machine's physics, its
/// production and every random stream are unchanged, so the same seed with and without the
/// measure gives the energy saved exactly (the IPMVP counterfactual). Several measures on one
/// machine apply in list order.
///
/// JSON: `{"machine_id": "conveyor-1", "from": "2026-02-24T00:00:00+01:00", "efficiency_gain": 0.05}`
/// (`from` is RFC 3339 or UTC microseconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// The machine whose power it lowers.
    pub machine_id: String,
    /// First instant it is in effect (UTC microseconds; RFC 3339 in JSON).
    #[serde(with = "rfc3339")]
    pub from: Timestamp,
    /// Share of the power saved (a better motor, a tuned controller), 0..=0.9.
    #[serde(default)]
    pub efficiency_gain: f64,
    /// Constant power switched off (a load removed), kW, at most the rated power; the power never
    /// falls below zero.
    #[serde(default)]
    pub kw_reduction: f64,
}

impl Measure {
    /// A measure saving the share `efficiency_gain` of `machine_id`'s power from `from` on.
    pub fn efficiency_gain(machine_id: &str, from: Timestamp, efficiency_gain: f64) -> Self {
        Measure {
            machine_id: machine_id.to_string(),
            from,
            efficiency_gain,
            kw_reduction: 0.0,
        }
    }

    /// A measure switching `kw_reduction` kW of `machine_id`'s load off from `from` on.
    pub fn kw_reduction(machine_id: &str, from: Timestamp, kw_reduction: f64) -> Self {
        Measure {
            machine_id: machine_id.to_string(),
            from,
            efficiency_gain: 0.0,
            kw_reduction,
        }
    }

    /// The power after the measure, for `kw` before it, at `ts`.
    #[inline]
    pub fn apply(&self, ts: Timestamp, kw: f64) -> f64 {
        if ts >= self.from {
            (kw * (1.0 - self.efficiency_gain) - self.kw_reduction).max(0.0)
        } else {
            kw
        }
    }
}

/// Timestamps as RFC 3339 text in JSON (UTC microseconds are read too).
mod rfc3339 {
    use enms_core::time::{format_rfc3339, parse_rfc3339, Timestamp};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_rfc3339(*ts))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        Micros(i64),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Text(t) => parse_rfc3339(&t).map_err(serde::de::Error::custom),
            Repr::Micros(us) => Ok(us),
        }
    }
}

/// An electric heater on a machine's meter (trace heating, frost protection, an enclosure or
/// cabinet held warm): `P = kw_per_k x max(base_c - T_out, 0)` with the outdoor temperature of
/// each minute. It runs whatever the machine does (faults included) and is linear in the
/// heating degree-days of base `base_c` on every day whose temperature stays below `base_c`
/// (see [`crate::truth`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeaterConfig {
    /// Heating power per kelvin of outdoor temperature below `base_c`, kW/K (0..=100).
    pub kw_per_k: f64,
    /// Outdoor temperature at and above which the heater is off, C (-30..=40).
    pub base_c: f64,
}

pub(crate) fn check_range(name: &str, v: f64, lo: f64, hi: f64) -> Result<()> {
    if !v.is_finite() || v < lo || v > hi {
        return Err(Error::invalid(
            name,
            format!("must be within {lo}..={hi}, got {v}"),
        ));
    }
    Ok(())
}

/// One metered machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineConfig {
    /// Stable identifier (`compressor-1`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Nameplate power in kW (gas input for a boiler).
    pub rated_power_kw: f64,
    /// Meter interval in whole seconds; must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60).
    pub interval_s: u32,
    /// Machine type and its physical parameters.
    pub spec: MachineSpec,
    /// An electric heater on the same meter (none by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heater: Option<HeaterConfig>,
}

impl MachineConfig {
    /// A machine config.
    pub fn new(
        id: &str,
        name: &str,
        rated_power_kw: f64,
        interval_s: u32,
        spec: MachineSpec,
    ) -> Self {
        MachineConfig {
            id: id.into(),
            name: name.into(),
            rated_power_kw,
            interval_s,
            spec,
            heater: None,
        }
    }

    /// The same machine with an electric heater on its meter.
    pub fn with_heater(mut self, heater: HeaterConfig) -> Self {
        self.heater = Some(heater);
        self
    }

    fn validate(&self, i: usize) -> Result<()> {
        let p = |f: &str| format!("machines[{i}].{f}");
        if self.interval_s == 0 || 60 % self.interval_s != 0 {
            return Err(Error::invalid(
                &p("interval_s"),
                format!("must be a whole divisor of 60 s, got {}", self.interval_s),
            ));
        }
        let (lo, hi) = self.spec.rated_power_range_kw();
        check_range(&p("rated_power_kw"), self.rated_power_kw, lo, hi)?;
        if let Some(h) = &self.heater {
            check_range(&p("heater.kw_per_k"), h.kw_per_k, 0.0, 100.0)?;
            check_range(&p("heater.base_c"), h.base_c, -30.0, 40.0)?;
        }
        self.spec.validate(&p("spec"))
    }
}

/// Machine type with its parameters (JSON: `{"type": "compressor", ...}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MachineSpec {
    /// Screw compressor with load/unload control.
    Compressor(CompressorParams),
    /// Chiller / heat pump with air handling.
    Hvac(HvacParams),
    /// Conveyor drive on a variable-frequency drive.
    ConveyorMotor(ConveyorParams),
    /// Hydraulic power unit of a press.
    HydraulicPump(HydraulicParams),
    /// Injection moulding machine.
    InjectionMolding(MoldingParams),
    /// Natural-gas boiler.
    Boiler(BoilerParams),
}

impl MachineSpec {
    /// The enms-core machine type.
    pub fn machine_type(&self) -> MachineType {
        match self {
            MachineSpec::Compressor(_) => MachineType::Compressor,
            MachineSpec::Hvac(_) => MachineType::Hvac,
            MachineSpec::ConveyorMotor(_) => MachineType::ConveyorMotor,
            MachineSpec::HydraulicPump(_) => MachineType::HydraulicPump,
            MachineSpec::InjectionMolding(_) => MachineType::InjectionMolding,
            MachineSpec::Boiler(_) => MachineType::Boiler,
        }
    }

    /// The carrier its meter measures.
    pub fn carrier(&self) -> EnergyCarrier {
        match self {
            MachineSpec::Boiler(_) => EnergyCarrier::NaturalGas,
            _ => EnergyCarrier::Electricity,
        }
    }

    /// Whether the machine produces parts (has rows in `production_data`).
    pub fn is_production(&self) -> bool {
        matches!(
            self,
            MachineSpec::ConveyorMotor(_)
                | MachineSpec::HydraulicPump(_)
                | MachineSpec::InjectionMolding(_)
        )
    }

    /// Supported nameplate range of the model, kW.
    pub fn rated_power_range_kw(&self) -> (f64, f64) {
        match self {
            MachineSpec::Compressor(_) => (15.0, 75.0),
            MachineSpec::Hvac(_) => (20.0, 150.0),
            MachineSpec::ConveyorMotor(_) => (5.0, 30.0),
            MachineSpec::HydraulicPump(_) => (10.0, 50.0),
            MachineSpec::InjectionMolding(_) => (25.0, 200.0),
            MachineSpec::Boiler(_) => (50.0, 400.0),
        }
    }

    /// Fault kinds drawn at random for this machine type, with their relative weights.
    pub fn random_fault_kinds(&self) -> &'static [(EventKind, f64)] {
        match self {
            MachineSpec::Compressor(_) => &[(EventKind::AirLeak, 1.0)],
            MachineSpec::Hvac(_) => &[(EventKind::EfficiencyLoss, 1.0)],
            MachineSpec::ConveyorMotor(_) => {
                &[(EventKind::StuckOn, 0.5), (EventKind::Breakdown, 0.5)]
            }
            MachineSpec::HydraulicPump(_) => &[(EventKind::EfficiencyLoss, 1.0)],
            MachineSpec::InjectionMolding(_) => &[(EventKind::StuckOn, 1.0)],
            MachineSpec::Boiler(_) => &[(EventKind::EfficiencyLoss, 1.0)],
        }
    }

    /// Fault kinds that [`crate::Simulator::inject_fault`] accepts for this machine type.
    pub fn supported_faults(&self) -> &'static [EventKind] {
        use EventKind::*;
        match self {
            MachineSpec::Compressor(_) => &[AirLeak, EfficiencyLoss, Breakdown, SensorDropout],
            MachineSpec::Hvac(_) => &[EfficiencyLoss, StuckOn, Breakdown, SensorDropout],
            MachineSpec::ConveyorMotor(_) => &[StuckOn, Breakdown, EfficiencyLoss, SensorDropout],
            MachineSpec::HydraulicPump(_) => &[EfficiencyLoss, StuckOn, Breakdown, SensorDropout],
            MachineSpec::InjectionMolding(_) => {
                &[StuckOn, EfficiencyLoss, Breakdown, SensorDropout]
            }
            MachineSpec::Boiler(_) => &[EfficiencyLoss, Breakdown, SensorDropout],
        }
    }

    fn validate(&self, p: &str) -> Result<()> {
        let f = |name: &str| format!("{p}.{name}");
        match self {
            MachineSpec::Compressor(c) => {
                check_range(&f("capacity_m3h"), c.capacity_m3h, 100.0, 500.0)?;
                check_range(&f("load_pressure_bar"), c.load_pressure_bar, 6.0, 8.0)?;
                check_range(&f("unload_pressure_bar"), c.unload_pressure_bar, 6.0, 8.0)?;
                if c.unload_pressure_bar <= c.load_pressure_bar + 0.1 {
                    return Err(Error::invalid(
                        &f("unload_pressure_bar"),
                        "must exceed load_pressure_bar by more than 0.1 bar",
                    ));
                }
                check_range(&f("unloaded_power_frac"), c.unloaded_power_frac, 0.1, 0.5)?;
                check_range(&f("system_volume_m3"), c.system_volume_m3, 0.5, 100.0)?;
                check_range(&f("run_on_s"), c.run_on_s, 0.0, 7200.0)?;
                check_range(&f("base_demand_frac"), c.base_demand_frac, 0.0, 0.5)?;
                check_range(
                    &f("production_demand_frac"),
                    c.production_demand_frac,
                    0.0,
                    0.9,
                )?;
                if c.base_demand_frac + c.production_demand_frac > 0.95 {
                    return Err(Error::invalid(
                        &f("production_demand_frac"),
                        "base + production demand must stay below 95 % of capacity",
                    ));
                }
            }
            MachineSpec::Hvac(h) => {
                check_range(&f("cooling_balance_c"), h.cooling_balance_c, 10.0, 30.0)?;
                check_range(
                    &f("heating_balance_c"),
                    h.heating_balance_c,
                    0.0,
                    h.cooling_balance_c,
                )?;
                check_range(
                    &f("ua_cooling_kw_per_k"),
                    h.ua_cooling_kw_per_k,
                    0.0,
                    1000.0,
                )?;
                check_range(
                    &f("ua_heating_kw_per_k"),
                    h.ua_heating_kw_per_k,
                    0.0,
                    1000.0,
                )?;
                check_range(&f("internal_gains_kw"), h.internal_gains_kw, 0.0, 1000.0)?;
                check_range(&f("fan_power_frac"), h.fan_power_frac, 0.0, 0.5)?;
            }
            MachineSpec::ConveyorMotor(c) => {
                check_range(&f("max_parts_per_min"), c.max_parts_per_min, 0.1, 10_000.0)?;
                check_range(&f("min_speed_pct"), c.min_speed_pct, 0.0, 100.0)?;
                check_range(&f("friction_frac"), c.friction_frac, 0.0, 1.0)?;
                check_range(&f("affinity_frac"), c.affinity_frac, 0.0, 1.0)?;
                check_range(&f("standby_frac"), c.standby_frac, 0.0, 0.3)?;
                if c.friction_frac + c.affinity_frac + c.standby_frac > 1.0 {
                    return Err(Error::invalid(
                        &f("friction_frac"),
                        "standby + friction + affinity fractions must not exceed 1",
                    ));
                }
                check_range(&f("ramp_s"), c.ramp_s, 0.1, 600.0)?;
            }
            MachineSpec::HydraulicPump(h) => {
                check_range(&f("standby_frac"), h.standby_frac, 0.02, 0.5)?;
                check_range(
                    &f("standby_pressure_bar"),
                    h.standby_pressure_bar,
                    150.0,
                    200.0,
                )?;
                check_range(&f("max_strokes_per_min"), h.max_strokes_per_min, 0.1, 30.0)?;
                check_range(&f("efficiency"), h.efficiency, 0.3, 1.0)?;
                check_range(&f("batch_size_mean"), h.batch_size_mean, 1.0, 1e7)?;
                check_setup(&f("setup_min"), h.setup_min)?;
                if h.materials.is_empty() || h.materials.len() > 200 {
                    return Err(Error::invalid(
                        &f("materials"),
                        "between 1 and 200 materials are needed",
                    ));
                }
                for (k, m) in h.materials.iter().enumerate() {
                    check_range(
                        &f(&format!("materials[{k}].pressure_bar")),
                        m.pressure_bar,
                        h.standby_pressure_bar,
                        200.0,
                    )?;
                    check_range(
                        &f(&format!("materials[{k}].press_s")),
                        m.press_s,
                        0.5,
                        60.0 / h.max_strokes_per_min,
                    )?;
                    check_range(&f(&format!("materials[{k}].share")), m.share, 0.0, 1e6)?;
                }
            }
            MachineSpec::InjectionMolding(m) => {
                check_range(&f("hold_power_frac"), m.hold_power_frac, 0.0, 0.6)?;
                check_range(&f("off_power_frac"), m.off_power_frac, 0.0, 0.2)?;
                check_range(&f("warmup_min"), m.warmup_min, 0.0, 240.0)?;
                check_range(&f("cavities"), f64::from(m.cavities), 1.0, 64.0)?;
                check_range(&f("batch_size_mean"), m.batch_size_mean, 1.0, 1e7)?;
                check_setup(&f("setup_min"), m.setup_min)?;
                if m.materials.is_empty() || m.materials.len() > 200 {
                    return Err(Error::invalid(
                        &f("materials"),
                        "between 1 and 200 materials are needed",
                    ));
                }
                for (k, mat) in m.materials.iter().enumerate() {
                    let g = |n: &str| f(&format!("materials[{k}].{n}"));
                    check_range(&g("cycle_s"), mat.cycle_s, 60.0, 180.0)?;
                    check_range(&g("heating_time_frac"), mat.heating_time_frac, 0.05, 0.8)?;
                    check_range(
                        &g("injection_time_frac"),
                        mat.injection_time_frac,
                        0.02,
                        0.5,
                    )?;
                    if mat.heating_time_frac + mat.injection_time_frac > 0.9 {
                        return Err(Error::invalid(
                            &g("heating_time_frac"),
                            "heating + injection must leave time for cooling",
                        ));
                    }
                    check_range(&g("heating_power_frac"), mat.heating_power_frac, 0.0, 1.0)?;
                    check_range(
                        &g("injection_power_frac"),
                        mat.injection_power_frac,
                        0.0,
                        1.0,
                    )?;
                    check_range(&g("cooling_power_frac"), mat.cooling_power_frac, 0.0, 1.0)?;
                    check_range(&g("part_kg"), mat.part_kg, 0.001, 100.0)?;
                    check_range(&g("melt_temp_c"), mat.melt_temp_c, 100.0, 400.0)?;
                    check_range(&g("share"), mat.share, 0.0, 1e6)?;
                }
            }
            MachineSpec::Boiler(b) => {
                check_range(&f("ua_kw_per_k"), b.ua_kw_per_k, 0.0, 1000.0)?;
                check_range(&f("heating_limit_c"), b.heating_limit_c, 0.0, 30.0)?;
                check_range(&f("process_heat_kw"), b.process_heat_kw, 0.0, 1000.0)?;
                check_range(&f("hot_water_kw"), b.hot_water_kw, 0.0, 1000.0)?;
                check_range(&f("min_fire_frac"), b.min_fire_frac, 0.05, 0.9)?;
                check_range(&f("efficiency"), b.efficiency, 0.5, 1.1)?;
            }
        }
        Ok(())
    }
}

fn check_setup(name: &str, r: [f64; 2]) -> Result<()> {
    check_range(name, r[0], 0.0, 1440.0)?;
    check_range(name, r[1], r[0], 1440.0)
}

/// Compressor parameters. Air flows are free air delivery (FAD) in m3/h.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompressorParams {
    /// Free air delivery when loaded, m3/h (100-500).
    pub capacity_m3h: f64,
    /// Pressure at which the compressor loads, bar(g).
    pub load_pressure_bar: f64,
    /// Pressure at which it unloads, bar(g).
    pub unload_pressure_bar: f64,
    /// Unloaded power as a fraction of rated (typically 0.25-0.30).
    pub unloaded_power_frac: f64,
    /// Receiver plus pipework volume, m3.
    pub system_volume_m3: f64,
    /// Run-on timer: unloaded this long, the motor stops, s.
    pub run_on_s: f64,
    /// Demand that never stops (base leaks, always-on users) as a fraction of capacity.
    pub base_demand_frac: f64,
    /// Extra demand at full production as a fraction of capacity.
    pub production_demand_frac: f64,
}

impl Default for CompressorParams {
    fn default() -> Self {
        CompressorParams {
            capacity_m3h: 480.0,
            load_pressure_bar: 6.5,
            unload_pressure_bar: 7.5,
            unloaded_power_frac: 0.27,
            system_volume_m3: 4.0,
            run_on_s: 600.0,
            base_demand_frac: 0.12,
            production_demand_frac: 0.70,
        }
    }
}

/// HVAC (chiller / heat pump plus air handling) parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HvacParams {
    /// Outdoor temperature above which the hall needs cooling, C.
    pub cooling_balance_c: f64,
    /// Outdoor temperature below which the heat pump heats, C.
    pub heating_balance_c: f64,
    /// Cooling load per kelvin above the cooling balance point, kW(thermal)/K.
    pub ua_cooling_kw_per_k: f64,
    /// Heating load per kelvin below the heating balance point, kW(thermal)/K.
    pub ua_heating_kw_per_k: f64,
    /// Internal heat gains at full occupancy (people, lighting, machines), kW(thermal).
    pub internal_gains_kw: f64,
    /// Fan power when occupied, as a fraction of rated (half of it when unoccupied).
    pub fan_power_frac: f64,
}

impl Default for HvacParams {
    fn default() -> Self {
        HvacParams {
            cooling_balance_c: 18.0,
            heating_balance_c: 12.0,
            ua_cooling_kw_per_k: 14.0,
            ua_heating_kw_per_k: 10.0,
            internal_gains_kw: 12.0,
            fan_power_frac: 0.06,
        }
    }
}

/// Conveyor drive parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConveyorParams {
    /// Parts per minute at 100 % speed.
    pub max_parts_per_min: f64,
    /// Lowest production speed, % (the line runs between this and 100 %).
    pub min_speed_pct: f64,
    /// Share of rated power that is friction (linear in speed, grows with product load).
    pub friction_frac: f64,
    /// Share of rated power that follows the affinity (cube) law: motor fan, windage.
    pub affinity_frac: f64,
    /// Drive electronics and controls while powered, fraction of rated.
    pub standby_frac: f64,
    /// Time constant of the VFD speed ramp, s.
    pub ramp_s: f64,
}

impl Default for ConveyorParams {
    fn default() -> Self {
        ConveyorParams {
            max_parts_per_min: 40.0,
            min_speed_pct: 35.0,
            friction_frac: 0.55,
            affinity_frac: 0.30,
            standby_frac: 0.04,
            ramp_s: 20.0,
        }
    }
}

/// A recipe of the hydraulic press.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PressMaterial {
    /// Material name (`steel_dc04`).
    pub name: String,
    /// Pressing pressure, bar (150-200).
    pub pressure_bar: f64,
    /// Duration of the pressing stroke, s.
    pub press_s: f64,
    /// Relative frequency of batches of this material.
    pub share: f64,
}

/// Hydraulic press pump parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HydraulicParams {
    /// Standby power (pressure-compensated, no stroke), fraction of rated.
    pub standby_frac: f64,
    /// Standby (compensator) pressure, bar.
    pub standby_pressure_bar: f64,
    /// Strokes (parts) per minute at full production.
    pub max_strokes_per_min: f64,
    /// Overall pump and motor efficiency when healthy.
    pub efficiency: f64,
    /// Mean batch size, parts.
    pub batch_size_mean: f64,
    /// Tool change between batches, minutes `[min, max]`.
    pub setup_min: [f64; 2],
    /// Recipes.
    pub materials: Vec<PressMaterial>,
}

impl Default for HydraulicParams {
    fn default() -> Self {
        let m = |name: &str, pressure_bar, press_s, share| PressMaterial {
            name: name.into(),
            pressure_bar,
            press_s,
            share,
        };
        HydraulicParams {
            standby_frac: 0.18,
            standby_pressure_bar: 150.0,
            max_strokes_per_min: 5.0,
            efficiency: 0.80,
            batch_size_mean: 400.0,
            setup_min: [15.0, 40.0],
            materials: vec![
                m("steel_dc04", 190.0, 5.0, 0.5),
                m("aluminium_5754", 165.0, 4.0, 0.3),
                m("stainless_1.4301", 198.0, 6.0, 0.2),
            ],
        }
    }
}

/// A material (and part) of the injection moulding machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoldingMaterial {
    /// Polymer (`PP`, `ABS`, `PA6`).
    pub name: String,
    /// Cycle time heating -> injection -> cooling, s (60-180).
    pub cycle_s: f64,
    /// Share of the cycle spent plasticising/heating.
    pub heating_time_frac: f64,
    /// Share of the cycle spent injecting and holding pressure.
    pub injection_time_frac: f64,
    /// Power while plasticising, fraction of rated.
    pub heating_power_frac: f64,
    /// Power while injecting, fraction of rated.
    pub injection_power_frac: f64,
    /// Power while cooling (heaters holding, hydraulics idle), fraction of rated.
    pub cooling_power_frac: f64,
    /// Part weight, kg.
    pub part_kg: f64,
    /// Melt (barrel) temperature, C.
    pub melt_temp_c: f64,
    /// Relative frequency of orders of this material.
    pub share: f64,
}

/// Injection moulding machine parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MoldingParams {
    /// Power between cycles with the barrel held at temperature, fraction of rated.
    pub hold_power_frac: f64,
    /// Power when switched off (controls), fraction of rated.
    pub off_power_frac: f64,
    /// Barrel warm-up after a stop, minutes.
    pub warmup_min: f64,
    /// Parts per cycle.
    pub cavities: u32,
    /// Mean order (batch) size, cycles.
    pub batch_size_mean: f64,
    /// Material / mould change between batches, minutes `[min, max]`.
    pub setup_min: [f64; 2],
    /// Materials.
    pub materials: Vec<MoldingMaterial>,
}

impl Default for MoldingParams {
    fn default() -> Self {
        let m = |name: &str, cycle_s, heat_p, inj_p, cool_p, part_kg, melt_temp_c, share| {
            MoldingMaterial {
                name: name.into(),
                cycle_s,
                heating_time_frac: 0.32,
                injection_time_frac: 0.08,
                heating_power_frac: heat_p,
                injection_power_frac: inj_p,
                cooling_power_frac: cool_p,
                part_kg,
                melt_temp_c,
                share,
            }
        };
        MoldingParams {
            hold_power_frac: 0.20,
            off_power_frac: 0.02,
            warmup_min: 25.0,
            cavities: 1,
            batch_size_mean: 300.0,
            setup_min: [20.0, 40.0],
            materials: vec![
                m("PP", 70.0, 0.55, 0.92, 0.22, 0.85, 230.0, 0.45),
                m("ABS", 85.0, 0.60, 0.95, 0.24, 0.95, 240.0, 0.35),
                m("PA6", 100.0, 0.68, 1.0, 0.26, 1.05, 260.0, 0.20),
            ],
        }
    }
}

/// Gas boiler parameters. Power is gas input (gross calorific value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoilerParams {
    /// Space-heating load per kelvin below the heating limit, kW(thermal)/K.
    pub ua_kw_per_k: f64,
    /// Outdoor temperature above which no space heating is needed, C.
    pub heating_limit_c: f64,
    /// Process heat at full production (washing, drying), kW(thermal).
    pub process_heat_kw: f64,
    /// Domestic hot water and standing losses, kW(thermal), always.
    pub hot_water_kw: f64,
    /// Lowest firing rate as a fraction of rated; below it the burner cycles on and off.
    pub min_fire_frac: f64,
    /// Seasonal efficiency at low load (condensing), gross; falls by 7 points at full load.
    pub efficiency: f64,
}

impl Default for BoilerParams {
    fn default() -> Self {
        BoilerParams {
            ua_kw_per_k: 9.0,
            heating_limit_c: 16.0,
            process_heat_kw: 60.0,
            hot_water_kw: 6.0,
            min_fire_frac: 0.2,
            efficiency: 0.95,
        }
    }
}

/// Planned production load (0..1) per weekday of the shift's start (Monday first) and shift
/// (early, late, night).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftPlan {
    /// `load[weekday][shift]`, weekday Monday = 0, shift early = 0, late = 1, night = 2.
    pub load: [[f64; 3]; 7],
    /// Minutes after the shift start at which the 30-minute break begins.
    pub break_after_min: u32,
    /// Length of the break, minutes.
    pub break_min: u32,
    /// Ramp-up after a shift start, minutes.
    pub ramp_min: u32,
}

impl Default for ShiftPlan {
    fn default() -> Self {
        ShiftPlan {
            load: [
                [1.0, 0.9, 0.5],  // Monday
                [1.0, 0.9, 0.5],  // Tuesday
                [1.0, 0.9, 0.5],  // Wednesday
                [1.0, 0.9, 0.5],  // Thursday
                [1.0, 0.85, 0.0], // Friday: no night shift into Saturday
                [0.6, 0.0, 0.0],  // Saturday: partial early shift only
                [0.0, 0.0, 0.5],  // Sunday: idle; the week starts with Sunday's night shift
            ],
            break_after_min: 240,
            break_min: 30,
            ramp_min: 15,
        }
    }
}

/// Outdoor climate: annual sinusoid + daily cycle + AR(1) weather noise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClimateConfig {
    /// Annual mean temperature, C.
    pub annual_mean_c: f64,
    /// Half the difference between the warmest and coldest monthly mean, C.
    pub annual_amplitude_c: f64,
    /// Day of the year with the lowest mean temperature.
    pub coldest_day_of_year: f64,
    /// Half the mean daily temperature range, C (a little more in summer, less in winter).
    pub daily_amplitude_c: f64,
    /// Standard deviation of the weather (synoptic) anomaly, C.
    pub weather_sd_c: f64,
    /// Correlation time of the weather anomaly, hours.
    pub weather_tau_h: f64,
}

impl Default for ClimateConfig {
    fn default() -> Self {
        // Central Europe: ~0 C mean in mid-January, ~19 C in mid-July.
        ClimateConfig {
            annual_mean_c: 9.5,
            annual_amplitude_c: 9.5,
            coldest_day_of_year: 15.0,
            daily_amplitude_c: 4.0,
            weather_sd_c: 3.5,
            weather_tau_h: 60.0,
        }
    }
}

impl ClimateConfig {
    fn validate(&self) -> Result<()> {
        check_range("climate.annual_mean_c", self.annual_mean_c, -40.0, 40.0)?;
        check_range(
            "climate.annual_amplitude_c",
            self.annual_amplitude_c,
            0.0,
            40.0,
        )?;
        check_range(
            "climate.coldest_day_of_year",
            self.coldest_day_of_year,
            0.0,
            366.0,
        )?;
        check_range(
            "climate.daily_amplitude_c",
            self.daily_amplitude_c,
            0.0,
            20.0,
        )?;
        check_range("climate.weather_sd_c", self.weather_sd_c, 0.0, 20.0)?;
        check_range(
            "climate.weather_tau_h",
            self.weather_tau_h,
            0.1,
            24.0 * 365.0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_round_trips() {
        let c = FactoryConfig::default();
        c.validate().unwrap();
        let json = serde_json::to_string(&c).unwrap();
        let back: FactoryConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        // Partial JSON falls back to defaults.
        let partial: FactoryConfig =
            serde_json::from_str(r#"{"fault_rate_per_machine_day": 0.5}"#).unwrap();
        assert_eq!(partial.machines.len(), 6);
        assert_eq!(partial.fault_rate_per_machine_day, 0.5);
    }

    #[test]
    fn bad_parameters_are_named() {
        let mut c = FactoryConfig::default();
        c.machines[0].rated_power_kw = 500.0;
        let e = c.validate().unwrap_err();
        assert!(e.to_string().contains("machines[0].rated_power_kw"), "{e}");
        let mut c = FactoryConfig::default();
        c.machines[1].interval_s = 7;
        assert!(c.validate().unwrap_err().to_string().contains("interval_s"));
        let mut c = FactoryConfig::default();
        c.machines[2].id = "compressor-1".into();
        assert!(c.validate().unwrap_err().to_string().contains("duplicate"));
        let mut c = FactoryConfig::default();
        c.factory.timezone = "Mars/Olympus".into();
        assert!(c.validate().is_err());
        let c = FactoryConfig {
            fault_rate_per_machine_day: f64::NAN,
            ..Default::default()
        };
        assert!(c.validate().is_err());
    }
}
