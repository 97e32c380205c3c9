//! The simulated tables, columnar (struct of arrays), one table per machine where the data is per
//! machine. The writers in [`crate::write`] turn them into the long-format files
//! `machines`, `energy_readings`, `production_data`, `environmental_data`, `machine_status`,
//! `events` and `process_data`.

use enms_core::kpi::MachineInput;
use enms_core::model::{
    AlertLevel, EnergyReadingTable, EnvironmentalReading, Event, Factory, Machine, MachineStatus,
    OperatingMode, ProductionRecord,
};
use enms_core::series::QuantitySeries;
use enms_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Names of the tables, in the order the writers write them.
pub const TABLES: [&str; 8] = [
    "factories",
    "machines",
    "energy_readings",
    "production_data",
    "environmental_data",
    "machine_status",
    "events",
    "process_data",
];

/// Material index meaning "no material".
pub const NO_MATERIAL: u8 = u8::MAX;

/// Production of one machine, one row per minute (`ts` = end of the minute).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductionTable {
    /// Machine.
    pub machine_id: String,
    /// Dictionary of material names; `material` holds indices into it.
    pub materials: Vec<String>,
    /// End of each minute, UTC microseconds.
    pub ts: Vec<Timestamp>,
    /// Good parts completed in the minute.
    pub production_count: Vec<f64>,
    /// Throughput at the end of the minute, parts per hour.
    pub throughput_per_hour: Vec<f64>,
    /// Operating mode during the minute.
    pub operating_mode: Vec<OperatingMode>,
    /// Index into `materials`, or [`NO_MATERIAL`].
    pub material: Vec<u8>,
}

impl ProductionTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Material of row `i`, if any.
    pub fn material_name(&self, i: usize) -> Option<&str> {
        self.material
            .get(i)
            .and_then(|&k| self.materials.get(usize::from(k)))
            .map(String::as_str)
    }

    /// Row `i` as a record, or `None` past the end.
    pub fn row(&self, i: usize) -> Option<ProductionRecord> {
        Some(ProductionRecord {
            ts: *self.ts.get(i)?,
            machine_id: self.machine_id.clone(),
            production_count: self.production_count[i],
            throughput_per_hour: self.throughput_per_hour[i],
            operating_mode: self.operating_mode[i],
            material: self.material_name(i).map(str::to_string),
        })
    }

    fn append(&mut self, o: ProductionTable) {
        // Material dictionaries are fixed per machine, so indices stay valid.
        self.ts.extend(o.ts);
        self.production_count.extend(o.production_count);
        self.throughput_per_hour.extend(o.throughput_per_hour);
        self.operating_mode.extend(o.operating_mode);
        self.material.extend(o.material);
    }
}

/// Status of one machine, one row per minute (`ts` = start of the minute).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusTable {
    /// Machine.
    pub machine_id: String,
    /// Start of each minute, UTC microseconds.
    pub ts: Vec<Timestamp>,
    /// Whether the machine runs (motor on, burner on, heaters on).
    pub is_running: Vec<bool>,
    /// Cumulative operating hours at `ts`.
    pub operating_hours: Vec<f64>,
    /// Alert level of the machine's own controller.
    pub alert_level: Vec<AlertLevel>,
}

impl StatusTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Row `i` as a record, or `None` past the end.
    pub fn row(&self, i: usize) -> Option<MachineStatus> {
        Some(MachineStatus {
            ts: *self.ts.get(i)?,
            machine_id: self.machine_id.clone(),
            is_running: self.is_running[i],
            operating_hours: self.operating_hours[i],
            alert_level: self.alert_level[i],
        })
    }

    fn append(&mut self, o: StatusTable) {
        self.ts.extend(o.ts);
        self.is_running.extend(o.is_running);
        self.operating_hours.extend(o.operating_hours);
        self.alert_level.extend(o.alert_level);
    }
}

/// Weather and indoor climate of the factory, every 5 minutes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentTable {
    /// Factory.
    pub factory_id: String,
    /// Time of each reading, UTC microseconds.
    pub ts: Vec<Timestamp>,
    /// Outdoor dry-bulb temperature, C.
    pub outdoor_temp_c: Vec<f64>,
    /// Indoor temperature, C.
    pub indoor_temp_c: Vec<f64>,
    /// Outdoor relative humidity, %.
    pub humidity_pct: Vec<f64>,
    /// Barometric pressure, hPa.
    pub pressure_hpa: Vec<f64>,
}

impl EnvironmentTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Row `i` as a record, or `None` past the end.
    pub fn row(&self, i: usize) -> Option<EnvironmentalReading> {
        Some(EnvironmentalReading {
            ts: *self.ts.get(i)?,
            factory_id: self.factory_id.clone(),
            outdoor_temp_c: self.outdoor_temp_c[i],
            indoor_temp_c: self.indoor_temp_c[i],
            humidity_pct: self.humidity_pct[i],
            pressure_hpa: self.pressure_hpa[i],
        })
    }

    fn append(&mut self, o: EnvironmentTable) {
        if self.factory_id.is_empty() {
            self.factory_id = o.factory_id;
        }
        self.ts.extend(o.ts);
        self.outdoor_temp_c.extend(o.outdoor_temp_c);
        self.indoor_temp_c.extend(o.indoor_temp_c);
        self.humidity_pct.extend(o.humidity_pct);
        self.pressure_hpa.extend(o.pressure_hpa);
    }
}

/// One process variable of one machine (long format: `time, machine_id, quantity, value, unit`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessSeries {
    /// Machine.
    pub machine_id: String,
    /// Quantity name (`pressure_bar`, `cop`, ...).
    pub quantity: String,
    /// Unit (`bar`, `m3/h`, `C`, `1`, `%`, `code`).
    pub unit: String,
    /// Time of each sample, UTC microseconds.
    pub ts: Vec<Timestamp>,
    /// Values.
    pub value: Vec<f64>,
}

impl ProcessSeries {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
}

/// Everything one simulation run (or one chunk of a session) produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimOutput {
    /// The factory.
    pub factory: Factory,
    /// Its machines (the order of `energy` and `status`).
    pub machines: Vec<Machine>,
    /// First instant simulated (inclusive), UTC microseconds.
    pub start: Timestamp,
    /// End of the simulated span (exclusive), UTC microseconds.
    pub end: Timestamp,
    /// Energy readings, one table per machine, in machine order.
    pub energy: Vec<EnergyReadingTable>,
    /// Production, one table per production machine (conveyor, hydraulic pump, injection moulding).
    pub production: Vec<ProductionTable>,
    /// Weather and indoor climate.
    pub environment: EnvironmentTable,
    /// Machine status, one table per machine, in machine order.
    pub status: Vec<StatusTable>,
    /// Process variables, one series per machine and quantity.
    pub process: Vec<ProcessSeries>,
    /// Faults and sensor dropouts that started in the span (and injected ones already active at
    /// its start), sorted by start. An event's `end` may lie after `end` of the span. A fault
    /// cleared through [`crate::SimSession::clear_fault`] after it was reported is reported
    /// again with its new end.
    pub events: Vec<Event>,
}

impl SimOutput {
    /// Total number of energy readings.
    pub fn energy_reading_count(&self) -> usize {
        self.energy.iter().map(EnergyReadingTable::len).sum()
    }

    /// Energy table of `machine_id`.
    pub fn energy_of(&self, machine_id: &str) -> Option<&EnergyReadingTable> {
        self.energy.iter().find(|t| t.machine_id == machine_id)
    }

    /// Production table of `machine_id`.
    pub fn production_of(&self, machine_id: &str) -> Option<&ProductionTable> {
        self.production.iter().find(|t| t.machine_id == machine_id)
    }

    /// Status table of `machine_id`.
    pub fn status_of(&self, machine_id: &str) -> Option<&StatusTable> {
        self.status.iter().find(|t| t.machine_id == machine_id)
    }

    /// Process series `quantity` of `machine_id`.
    pub fn process_of(&self, machine_id: &str, quantity: &str) -> Option<&ProcessSeries> {
        self.process
            .iter()
            .find(|s| s.machine_id == machine_id && s.quantity == quantity)
    }

    /// The KPI inputs of every machine that has readings: its power, its production (parts per
    /// minute, for production machines) and its reactive energy counter where the meter has one.
    /// Machines without a single reading are left out.
    pub fn kpi_inputs(&self) -> Result<Vec<MachineInput>> {
        let mut inputs = Vec::with_capacity(self.machines.len());
        for (m, t) in self.machines.iter().zip(&self.energy) {
            if t.is_empty() {
                continue;
            }
            let production = match self.production_of(&m.id) {
                Some(p) if !p.is_empty() => Some(QuantitySeries::new(
                    "production_count",
                    p.ts.clone(),
                    p.production_count.clone(),
                )?),
                _ => None,
            };
            inputs.push(MachineInput::from_readings(m.clone(), t, production)?);
        }
        Ok(inputs)
    }

    /// Appends the next chunk of the same session (`other.start` must equal `self.end`).
    pub fn append(&mut self, other: SimOutput) -> Result<()> {
        if other.start != self.end || other.machines != self.machines {
            return Err(Error::invalid(
                "other",
                "must be the next chunk of the same session",
            ));
        }
        self.end = other.end;
        for (a, b) in self.energy.iter_mut().zip(other.energy) {
            a.ts.extend(b.ts);
            a.power_kw.extend(b.power_kw);
            a.energy_kwh.extend(b.energy_kwh);
            a.voltage_v.extend(b.voltage_v);
            a.current_a.extend(b.current_a);
            a.power_factor.extend(b.power_factor);
            a.frequency_hz.extend(b.frequency_hz);
            a.reactive_energy_kvarh.extend(b.reactive_energy_kvarh);
        }
        for (a, b) in self.production.iter_mut().zip(other.production) {
            a.append(b);
        }
        self.environment.append(other.environment);
        for (a, b) in self.status.iter_mut().zip(other.status) {
            a.append(b);
        }
        for (a, b) in self.process.iter_mut().zip(other.process) {
            a.ts.extend(b.ts);
            a.value.extend(b.value);
        }
        self.events.extend(other.events);
        self.events.sort_by_key(|e| e.start);
        Ok(())
    }
}
