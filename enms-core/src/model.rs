//! The data model of a site: factories, machines (significant energy uses), energy carriers and
//! the four kinds of readings a site records (energy, production, environment, machine status),
//! plus simulator/operator events.
//!
//! Row types (`EnergyReading`, ...) are what a message or a CSV line holds; bulk work goes through
//! the columnar types ([`EnergyReadingTable`], [`crate::series::PowerSeries`]). Energy of different
//! carriers is never added up implicitly: every quantity of energy in enms is tagged with its
//! [`EnergyCarrier`], and the aggregation code keeps carriers apart unless a conversion to a common
//! unit is asked for on purpose.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::Timestamp;

/// A form of energy a site buys or converts. All carriers are accounted in kWh of delivered energy
/// (natural gas in kWh of gross calorific value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnergyCarrier {
    /// Grid electricity.
    Electricity,
    /// Natural gas (kWh, gross calorific value).
    NaturalGas,
    /// Steam bought or made on site (kWh of heat).
    Steam,
    /// District heating (kWh of heat).
    DistrictHeat,
    /// Heating oil or diesel (kWh, gross calorific value).
    FuelOil,
    /// Compressed air bought as a utility (kWh-equivalent).
    CompressedAir,
}

impl EnergyCarrier {
    /// All carriers, in a stable order.
    pub const ALL: [EnergyCarrier; 6] = [
        EnergyCarrier::Electricity,
        EnergyCarrier::NaturalGas,
        EnergyCarrier::Steam,
        EnergyCarrier::DistrictHeat,
        EnergyCarrier::FuelOil,
        EnergyCarrier::CompressedAir,
    ];

    /// The snake_case name used in files and APIs.
    pub fn as_str(&self) -> &'static str {
        match self {
            EnergyCarrier::Electricity => "electricity",
            EnergyCarrier::NaturalGas => "natural_gas",
            EnergyCarrier::Steam => "steam",
            EnergyCarrier::DistrictHeat => "district_heat",
            EnergyCarrier::FuelOil => "fuel_oil",
            EnergyCarrier::CompressedAir => "compressed_air",
        }
    }
}

impl fmt::Display for EnergyCarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EnergyCarrier {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        EnergyCarrier::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                Error::invalid(
                    "carrier",
                    format!(
                        "unknown energy carrier `{s}`; expected one of {}",
                        names(&EnergyCarrier::ALL, EnergyCarrier::as_str)
                    ),
                )
            })
    }
}

fn names<T: Copy>(all: &[T], f: impl Fn(&T) -> &'static str) -> String {
    all.iter().map(f).collect::<Vec<_>>().join(", ")
}

/// The kind of machine behind a meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MachineType {
    /// Air compressor (load/unload control).
    Compressor,
    /// Heating, ventilation and air conditioning (chiller / heat pump).
    Hvac,
    /// Conveyor drive with a variable-frequency drive.
    ConveyorMotor,
    /// Hydraulic power unit.
    HydraulicPump,
    /// Injection moulding machine.
    InjectionMolding,
    /// Fuel-fired boiler.
    Boiler,
}

impl MachineType {
    /// All machine types, in a stable order.
    pub const ALL: [MachineType; 6] = [
        MachineType::Compressor,
        MachineType::Hvac,
        MachineType::ConveyorMotor,
        MachineType::HydraulicPump,
        MachineType::InjectionMolding,
        MachineType::Boiler,
    ];

    /// The snake_case name used in files and APIs.
    pub fn as_str(&self) -> &'static str {
        match self {
            MachineType::Compressor => "compressor",
            MachineType::Hvac => "hvac",
            MachineType::ConveyorMotor => "conveyor_motor",
            MachineType::HydraulicPump => "hydraulic_pump",
            MachineType::InjectionMolding => "injection_molding",
            MachineType::Boiler => "boiler",
        }
    }
}

impl fmt::Display for MachineType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MachineType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        MachineType::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                Error::invalid(
                    "machine_type",
                    format!(
                        "unknown machine type `{s}`; expected one of {}",
                        names(&MachineType::ALL, MachineType::as_str)
                    ),
                )
            })
    }
}

/// A site with meters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factory {
    /// Stable identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free-text location.
    pub location: String,
    /// IANA time zone of the site (for local days, tariffs and shifts).
    pub timezone: String,
}

/// A metered machine: in ISO 50001 terms a candidate significant energy use (SEU).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Stable identifier.
    pub id: String,
    /// The factory it belongs to.
    pub factory_id: String,
    /// Display name.
    pub name: String,
    /// What kind of machine it is.
    pub machine_type: MachineType,
    /// Nameplate (rated) power in kW.
    pub rated_power_kw: f64,
    /// The energy carrier its meter measures.
    pub carrier: EnergyCarrier,
    /// Nominal sampling interval of its meter, in seconds.
    pub interval_s: f64,
}

/// One reading of an energy meter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyReading {
    /// Time of the reading (UTC microseconds).
    pub ts: Timestamp,
    /// Machine the meter belongs to.
    pub machine_id: String,
    /// Active power in kW (instantaneous).
    pub power_kw: f64,
    /// Cumulative active energy counter in kWh.
    pub energy_kwh: f64,
    /// Voltage in V (line-to-line for three-phase meters); `None` for non-electric carriers.
    pub voltage_v: Option<f64>,
    /// Current in A; `None` for non-electric carriers.
    pub current_a: Option<f64>,
    /// Displacement power factor, 0..1; `None` for non-electric carriers.
    pub power_factor: Option<f64>,
    /// Grid frequency in Hz; `None` for non-electric carriers.
    pub frequency_hz: Option<f64>,
    /// Cumulative reactive energy counter in kvarh, where the meter reports it.
    pub reactive_energy_kvarh: Option<f64>,
}

/// What a production machine is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatingMode {
    /// Producing.
    Production,
    /// Powered but not producing.
    Idle,
    /// Changeover or setup.
    Setup,
    /// Switched off or under maintenance.
    Off,
}

impl OperatingMode {
    /// All values, in a stable order.
    pub const ALL: [OperatingMode; 4] = [
        OperatingMode::Production,
        OperatingMode::Idle,
        OperatingMode::Setup,
        OperatingMode::Off,
    ];

    /// The snake_case name used in files and APIs.
    pub fn as_str(&self) -> &'static str {
        match self {
            OperatingMode::Production => "production",
            OperatingMode::Idle => "idle",
            OperatingMode::Setup => "setup",
            OperatingMode::Off => "off",
        }
    }
}

impl FromStr for OperatingMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        OperatingMode::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                Error::invalid(
                    "operating_mode",
                    format!(
                        "unknown operating mode `{s}`; expected one of {}",
                        names(&OperatingMode::ALL, OperatingMode::as_str)
                    ),
                )
            })
    }
}

/// Production of a machine over the interval that ends at `ts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductionRecord {
    /// End of the interval (UTC microseconds).
    pub ts: Timestamp,
    /// Machine.
    pub machine_id: String,
    /// Good parts produced in the interval (a count, summed over time).
    pub production_count: f64,
    /// Throughput at the end of the interval, parts per hour (a rate, averaged over time).
    pub throughput_per_hour: f64,
    /// Operating mode during the interval.
    pub operating_mode: OperatingMode,
    /// Recipe or material being processed, if any.
    pub material: Option<String>,
}

/// Weather and indoor climate of a factory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentalReading {
    /// Time of the reading (UTC microseconds).
    pub ts: Timestamp,
    /// Factory.
    pub factory_id: String,
    /// Outdoor dry-bulb temperature, degrees Celsius.
    pub outdoor_temp_c: f64,
    /// Indoor temperature, degrees Celsius.
    pub indoor_temp_c: f64,
    /// Outdoor relative humidity, percent.
    pub humidity_pct: f64,
    /// Barometric pressure, hPa.
    pub pressure_hpa: f64,
}

/// Severity of a machine's alert state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    /// Nothing to report.
    Normal,
    /// Something looks off.
    Warning,
    /// Needs attention now.
    Critical,
}

impl AlertLevel {
    /// All values, in a stable order.
    pub const ALL: [AlertLevel; 3] = [
        AlertLevel::Normal,
        AlertLevel::Warning,
        AlertLevel::Critical,
    ];

    /// The snake_case name used in files and APIs.
    pub fn as_str(&self) -> &'static str {
        match self {
            AlertLevel::Normal => "normal",
            AlertLevel::Warning => "warning",
            AlertLevel::Critical => "critical",
        }
    }
}

impl FromStr for AlertLevel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        AlertLevel::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                Error::invalid(
                    "alert_level",
                    format!(
                        "unknown alert level `{s}`; expected one of {}",
                        names(&AlertLevel::ALL, AlertLevel::as_str)
                    ),
                )
            })
    }
}

/// Operating state of a machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineStatus {
    /// Time of the status (UTC microseconds).
    pub ts: Timestamp,
    /// Machine.
    pub machine_id: String,
    /// Whether the machine is running.
    pub is_running: bool,
    /// Cumulative operating hours.
    pub operating_hours: f64,
    /// Current alert level.
    pub alert_level: AlertLevel,
}

/// Kinds of fault and operating event the simulator injects and the anomaly detector looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Compressed-air leak: gradual pressure loss, more energy per m3.
    AirLeak,
    /// A heater or drive stuck on outside production.
    StuckOn,
    /// Degraded efficiency (fouled heat exchanger, worn pump): more energy for the same output.
    EfficiencyLoss,
    /// Unplanned stop.
    Breakdown,
    /// Meter sends no data.
    SensorDropout,
}

impl EventKind {
    /// All values, in a stable order.
    pub const ALL: [EventKind; 5] = [
        EventKind::AirLeak,
        EventKind::StuckOn,
        EventKind::EfficiencyLoss,
        EventKind::Breakdown,
        EventKind::SensorDropout,
    ];

    /// The snake_case name used in files and APIs.
    pub fn as_str(&self) -> &'static str {
        match self {
            EventKind::AirLeak => "air_leak",
            EventKind::StuckOn => "stuck_on",
            EventKind::EfficiencyLoss => "efficiency_loss",
            EventKind::Breakdown => "breakdown",
            EventKind::SensorDropout => "sensor_dropout",
        }
    }
}

impl FromStr for EventKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        EventKind::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                Error::invalid(
                    "kind",
                    format!(
                        "unknown event kind `{s}`; expected one of {}",
                        names(&EventKind::ALL, EventKind::as_str)
                    ),
                )
            })
    }
}

/// Something that happened to a machine over a span of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Machine.
    pub machine_id: String,
    /// What happened.
    pub kind: EventKind,
    /// Start (UTC microseconds).
    pub start: Timestamp,
    /// End (UTC microseconds); `None` while still open.
    pub end: Option<Timestamp>,
    /// Human-readable detail.
    pub description: String,
}

/// Units of power enms accepts at its edges. Inside, power is always kW.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PowerUnit {
    /// Watt.
    W,
    /// Kilowatt.
    KW,
    /// Megawatt.
    MW,
}

impl PowerUnit {
    /// Multiply a value in this unit by this factor to get kW.
    pub fn to_kw_factor(&self) -> f64 {
        match self {
            PowerUnit::W => 1e-3,
            PowerUnit::KW => 1.0,
            PowerUnit::MW => 1e3,
        }
    }
}

impl FromStr for PowerUnit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "W" | "w" => Ok(PowerUnit::W),
            "kW" | "kw" | "KW" => Ok(PowerUnit::KW),
            "MW" | "mw" => Ok(PowerUnit::MW),
            other => Err(Error::UnknownUnit {
                quantity: "power".into(),
                unit: other.into(),
                expected: "W, kW, MW".into(),
            }),
        }
    }
}

/// Units of energy enms accepts at its edges. Inside, energy is always kWh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnergyUnit {
    /// Watt-hour.
    Wh,
    /// Kilowatt-hour.
    KWh,
    /// Megawatt-hour.
    MWh,
    /// Megajoule.
    MJ,
    /// Gigajoule.
    GJ,
    /// Therm (US, 105.5 MJ).
    Therm,
}

impl EnergyUnit {
    /// Multiply a value in this unit by this factor to get kWh.
    pub fn to_kwh_factor(&self) -> f64 {
        match self {
            EnergyUnit::Wh => 1e-3,
            EnergyUnit::KWh => 1.0,
            EnergyUnit::MWh => 1e3,
            EnergyUnit::MJ => 1.0 / 3.6,
            EnergyUnit::GJ => 1e3 / 3.6,
            EnergyUnit::Therm => 105.505_585_257_348 / 3.6,
        }
    }
}

impl FromStr for EnergyUnit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "Wh" | "wh" => Ok(EnergyUnit::Wh),
            "kWh" | "kwh" | "KWH" => Ok(EnergyUnit::KWh),
            "MWh" | "mwh" => Ok(EnergyUnit::MWh),
            "MJ" | "mj" => Ok(EnergyUnit::MJ),
            "GJ" | "gj" => Ok(EnergyUnit::GJ),
            "therm" | "thm" => Ok(EnergyUnit::Therm),
            other => Err(Error::UnknownUnit {
                quantity: "energy".into(),
                unit: other.into(),
                expected: "Wh, kWh, MWh, MJ, GJ, therm".into(),
            }),
        }
    }
}

/// Energy of one carrier, in kWh. Adding two of different carriers is an error, never a sum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CarrierEnergy {
    /// The carrier.
    pub carrier: EnergyCarrier,
    /// Energy in kWh.
    pub energy_kwh: f64,
}

impl CarrierEnergy {
    /// Adds two quantities of the same carrier; different carriers give [`Error::CarrierMismatch`].
    pub fn checked_add(self, other: CarrierEnergy) -> Result<CarrierEnergy> {
        if self.carrier != other.carrier {
            return Err(Error::CarrierMismatch {
                left: self.carrier.to_string(),
                right: other.carrier.to_string(),
            });
        }
        Ok(CarrierEnergy {
            carrier: self.carrier,
            energy_kwh: self.energy_kwh + other.energy_kwh,
        })
    }

    /// Converts to a common unit on purpose, e.g. primary energy or kWh-equivalent, with an explicit
    /// factor. The result is tagged with the target carrier.
    pub fn convert(self, to: EnergyCarrier, factor: f64) -> Result<CarrierEnergy> {
        if !factor.is_finite() || factor < 0.0 {
            return Err(Error::invalid(
                "factor",
                format!("must be finite and >= 0, got {factor}"),
            ));
        }
        Ok(CarrierEnergy {
            carrier: to,
            energy_kwh: self.energy_kwh * factor,
        })
    }
}

/// A columnar batch of energy readings of one machine, sorted by time: what the simulator emits
/// and the faces exchange over Arrow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnergyReadingTable {
    /// Machine.
    pub machine_id: String,
    /// Timestamps (UTC microseconds).
    pub ts: Vec<Timestamp>,
    /// Active power, kW.
    pub power_kw: Vec<f64>,
    /// Cumulative energy counter, kWh.
    pub energy_kwh: Vec<f64>,
    /// Voltage, V (NaN where not measured).
    pub voltage_v: Vec<f64>,
    /// Current, A (NaN where not measured).
    pub current_a: Vec<f64>,
    /// Power factor, 0..1 (NaN where not measured).
    pub power_factor: Vec<f64>,
    /// Frequency, Hz (NaN where not measured).
    pub frequency_hz: Vec<f64>,
    /// Cumulative reactive energy counter, kvarh (NaN where not measured).
    pub reactive_energy_kvarh: Vec<f64>,
}

impl EnergyReadingTable {
    /// An empty table for `machine_id` with room for `capacity` rows.
    pub fn with_capacity(machine_id: impl Into<String>, capacity: usize) -> Self {
        EnergyReadingTable {
            machine_id: machine_id.into(),
            ts: Vec::with_capacity(capacity),
            power_kw: Vec::with_capacity(capacity),
            energy_kwh: Vec::with_capacity(capacity),
            voltage_v: Vec::with_capacity(capacity),
            current_a: Vec::with_capacity(capacity),
            power_factor: Vec::with_capacity(capacity),
            frequency_hz: Vec::with_capacity(capacity),
            reactive_energy_kvarh: Vec::with_capacity(capacity),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Appends one reading (the machine id of `r` is not checked against the table's).
    pub fn push(&mut self, r: &EnergyReading) {
        self.ts.push(r.ts);
        self.power_kw.push(r.power_kw);
        self.energy_kwh.push(r.energy_kwh);
        self.voltage_v.push(r.voltage_v.unwrap_or(f64::NAN));
        self.current_a.push(r.current_a.unwrap_or(f64::NAN));
        self.power_factor.push(r.power_factor.unwrap_or(f64::NAN));
        self.frequency_hz.push(r.frequency_hz.unwrap_or(f64::NAN));
        self.reactive_energy_kvarh
            .push(r.reactive_energy_kvarh.unwrap_or(f64::NAN));
    }

    /// Row `i` as a reading, or `None` past the end.
    pub fn row(&self, i: usize) -> Option<EnergyReading> {
        let opt = |v: f64| if v.is_nan() { None } else { Some(v) };
        Some(EnergyReading {
            ts: *self.ts.get(i)?,
            machine_id: self.machine_id.clone(),
            power_kw: self.power_kw[i],
            energy_kwh: self.energy_kwh[i],
            voltage_v: opt(self.voltage_v[i]),
            current_a: opt(self.current_a[i]),
            power_factor: opt(self.power_factor[i]),
            frequency_hz: opt(self.frequency_hz[i]),
            reactive_energy_kvarh: opt(self.reactive_energy_kvarh[i]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_do_not_add() {
        let e = CarrierEnergy {
            carrier: EnergyCarrier::Electricity,
            energy_kwh: 1.0,
        };
        let g = CarrierEnergy {
            carrier: EnergyCarrier::NaturalGas,
            energy_kwh: 2.0,
        };
        assert!(matches!(
            e.checked_add(g),
            Err(Error::CarrierMismatch { .. })
        ));
        assert_eq!(e.checked_add(e).unwrap().energy_kwh, 2.0);
        let g_as_e = g.convert(EnergyCarrier::Electricity, 0.5).unwrap();
        assert_eq!(e.checked_add(g_as_e).unwrap().energy_kwh, 2.0);
    }

    #[test]
    fn names_round_trip() {
        for t in MachineType::ALL {
            assert_eq!(t.as_str().parse::<MachineType>().unwrap(), t);
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.as_str())
            );
        }
        for c in EnergyCarrier::ALL {
            assert_eq!(c.as_str().parse::<EnergyCarrier>().unwrap(), c);
        }
    }

    #[test]
    fn unknown_units_are_typed_errors() {
        assert_eq!("MW".parse::<PowerUnit>().unwrap().to_kw_factor(), 1e3);
        let err = "hp".parse::<PowerUnit>().unwrap_err();
        assert!(matches!(err, Error::UnknownUnit { ref unit, .. } if unit == "hp"));
        assert!((EnergyUnit::GJ.to_kwh_factor() - 277.777_777_777_777_8).abs() < 1e-9);
        assert!("BTU".parse::<EnergyUnit>().is_err());
    }
}
