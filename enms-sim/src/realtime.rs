//! Real-time streaming: records as they fall due on a wall clock that runs `speed` times faster
//! than real time.
//!
//! [`RealtimeClock`] maps wall-clock time to simulated time:
//! `sim = sim_start + (wall - wall_start) x speed`. [`RealtimeStream`] advances a
//! [`SimSession`] in small chunks (a quarter of a wall second's worth of simulated time, at least
//! one second and at most one hour), sorts each chunk's records by time and yields each one when
//! the clock reaches its timestamp (sleeping until then). Events are yielded at their start.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use enms_core::model::{
    EnergyReading, EnvironmentalReading, Event, MachineStatus, ProductionRecord,
};
use enms_core::time::{Timestamp, MICROS_PER_SECOND};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::output::SimOutput;
use crate::sim::SimSession;

/// Maps wall-clock time to simulated time at a fixed speed-up.
#[derive(Debug, Clone, Copy)]
pub struct RealtimeClock {
    sim_start: Timestamp,
    wall_start: Instant,
    speed: f64,
}

impl RealtimeClock {
    /// A clock that shows `sim_start` now and runs `speed` times faster than real time.
    pub fn new(sim_start: Timestamp, speed: f64) -> Result<Self> {
        if !speed.is_finite() || speed <= 0.0 || speed > 1e9 {
            return Err(Error::invalid(
                "speed",
                format!("must be a finite number in (0, 1e9], got {speed}"),
            ));
        }
        Ok(RealtimeClock {
            sim_start,
            wall_start: Instant::now(),
            speed,
        })
    }

    /// The speed-up factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Simulated time now.
    pub fn now(&self) -> Timestamp {
        let wall_us = self.wall_start.elapsed().as_secs_f64() * MICROS_PER_SECOND as f64;
        self.sim_start + (wall_us * self.speed) as i64
    }

    /// Wall-clock time until simulated time `ts` (zero if it has passed).
    pub fn wall_until(&self, ts: Timestamp) -> Duration {
        let target_s = (ts - self.sim_start) as f64 / MICROS_PER_SECOND as f64 / self.speed;
        let elapsed = self.wall_start.elapsed().as_secs_f64();
        Duration::from_secs_f64((target_s - elapsed).max(0.0))
    }
}

/// One process-variable sample.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProcessReading {
    /// Time, UTC microseconds.
    pub ts: Timestamp,
    /// Machine.
    pub machine_id: String,
    /// Quantity name.
    pub quantity: String,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: String,
}

/// One row of any table.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A row of `energy_readings`.
    Energy(EnergyReading),
    /// A row of `production_data`.
    Production(ProductionRecord),
    /// A row of `environmental_data`.
    Environment(EnvironmentalReading),
    /// A row of `machine_status`.
    Status(MachineStatus),
    /// A row of `process_data`.
    Process(ProcessReading),
    /// A row of `events`.
    Event(Event),
}

fn ts_json(ts: Timestamp) -> Value {
    let mut s = String::with_capacity(24);
    crate::calendar::push_rfc3339(&mut s, ts);
    Value::String(s)
}

fn num(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

fn opt(v: Option<f64>) -> Value {
    v.map(num).unwrap_or(Value::Null)
}

impl Record {
    /// The time the record falls due (an event's start).
    pub fn ts(&self) -> Timestamp {
        match self {
            Record::Energy(r) => r.ts,
            Record::Production(r) => r.ts,
            Record::Environment(r) => r.ts,
            Record::Status(r) => r.ts,
            Record::Process(r) => r.ts,
            Record::Event(r) => r.start,
        }
    }

    /// The table the record belongs to.
    pub fn table(&self) -> &'static str {
        match self {
            Record::Energy(_) => "energy_readings",
            Record::Production(_) => "production_data",
            Record::Environment(_) => "environmental_data",
            Record::Status(_) => "machine_status",
            Record::Process(_) => "process_data",
            Record::Event(_) => "events",
        }
    }

    /// The record as a JSON object with a `table` field and the table's column names
    /// (timestamps RFC 3339 UTC, unmeasured values `null`).
    pub fn to_json(&self) -> Value {
        let table = self.table();
        match self {
            Record::Energy(r) => json!({
                "table": table, "time": ts_json(r.ts), "machine_id": r.machine_id, "power_kw": num(r.power_kw),
                "energy_kwh": num(r.energy_kwh), "voltage_v": opt(r.voltage_v), "current_a": opt(r.current_a),
                "power_factor": opt(r.power_factor), "frequency_hz": opt(r.frequency_hz),
                "reactive_energy_kvarh": opt(r.reactive_energy_kvarh),
            }),
            Record::Production(r) => json!({
                "table": table, "time": ts_json(r.ts), "machine_id": r.machine_id,
                "production_count": num(r.production_count), "throughput_per_hour": num(r.throughput_per_hour),
                "operating_mode": r.operating_mode.as_str(), "material": r.material,
            }),
            Record::Environment(r) => json!({
                "table": table, "time": ts_json(r.ts), "factory_id": r.factory_id,
                "outdoor_temp_c": num(r.outdoor_temp_c), "indoor_temp_c": num(r.indoor_temp_c),
                "humidity_pct": num(r.humidity_pct), "pressure_hpa": num(r.pressure_hpa),
            }),
            Record::Status(r) => json!({
                "table": table, "time": ts_json(r.ts), "machine_id": r.machine_id, "is_running": r.is_running,
                "operating_hours": num(r.operating_hours), "alert_level": r.alert_level.as_str(),
            }),
            Record::Process(r) => json!({
                "table": table, "time": ts_json(r.ts), "machine_id": r.machine_id, "quantity": r.quantity,
                "value": num(r.value), "unit": r.unit,
            }),
            Record::Event(r) => json!({
                "table": table, "machine_id": r.machine_id, "kind": r.kind.as_str(), "start": ts_json(r.start),
                "end": r.end.map(ts_json).unwrap_or(Value::Null), "description": r.description,
            }),
        }
    }
}

/// Every row of `out` as records, sorted by time (stable: within one instant, in table order).
pub fn records(out: &SimOutput) -> Vec<Record> {
    let mut v = Vec::new();
    for t in &out.energy {
        v.extend((0..t.len()).filter_map(|i| t.row(i)).map(Record::Energy));
    }
    for t in &out.production {
        v.extend(
            (0..t.len())
                .filter_map(|i| t.row(i))
                .map(Record::Production),
        );
    }
    v.extend(
        (0..out.environment.len())
            .filter_map(|i| out.environment.row(i))
            .map(Record::Environment),
    );
    for t in &out.status {
        v.extend((0..t.len()).filter_map(|i| t.row(i)).map(Record::Status));
    }
    for s in &out.process {
        v.extend(s.ts.iter().zip(&s.value).map(|(&ts, &value)| {
            Record::Process(ProcessReading {
                ts,
                machine_id: s.machine_id.clone(),
                quantity: s.quantity.clone(),
                value,
                unit: s.unit.clone(),
            })
        }));
    }
    v.extend(out.events.iter().cloned().map(Record::Event));
    v.sort_by_key(Record::ts);
    v
}

/// Records of a session as they fall due on a [`RealtimeClock`].
#[derive(Debug)]
pub struct RealtimeStream {
    session: SimSession,
    clock: RealtimeClock,
    queue: VecDeque<Record>,
    end: Option<Timestamp>,
    chunk_us: i64,
    failed: bool,
}

impl RealtimeStream {
    /// A stream over `session` from its current time at `speed` times real time.
    pub fn new(session: SimSession, speed: f64) -> Result<Self> {
        let clock = RealtimeClock::new(session.now(), speed)?;
        let chunk_us = ((0.25 * speed * MICROS_PER_SECOND as f64) as i64)
            .clamp(MICROS_PER_SECOND, 3600 * MICROS_PER_SECOND);
        Ok(RealtimeStream {
            session,
            clock,
            queue: VecDeque::new(),
            end: None,
            chunk_us,
            failed: false,
        })
    }

    /// Stops the stream at simulated time `end` (exclusive).
    pub fn until(mut self, end: Timestamp) -> Self {
        self.end = Some(end);
        self
    }

    /// The clock.
    pub fn clock(&self) -> &RealtimeClock {
        &self.clock
    }

    /// The session, e.g. to inject or clear a fault while streaming.
    pub fn session_mut(&mut self) -> &mut SimSession {
        &mut self.session
    }
}

impl Iterator for RealtimeStream {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            if let Some(r) = self.queue.pop_front() {
                let wait = self.clock.wall_until(r.ts());
                if !wait.is_zero() {
                    std::thread::sleep(wait);
                }
                return Some(Ok(r));
            }
            let now = self.session.now();
            if self.end.is_some_and(|e| now >= e) {
                return None;
            }
            let mut to = now.saturating_add(self.chunk_us);
            if let Some(e) = self.end {
                to = to.min(e);
            }
            match self.session.advance(to) {
                Ok(out) => self.queue.extend(records(&out)),
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
