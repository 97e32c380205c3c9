//! The factory simulator (enms-sim): a whole span at once (`simulate`, as column tables) or step
//! by step (`SimulatorSession`, as column tables or as records for streaming).

use enms_core::model::{EnergyReading, Event, Factory, ProductionRecord};
use enms_core::time::{parse_date_or_instant, parse_tz};
use enms_sim::realtime::{records, RealtimeClock, Record};
use enms_sim::{FactoryConfig, SimOutput, SimSession, Simulator};
use napi::bindgen_prelude::{AsyncTask, Either, Float64Array};
use napi::{Env, JsUnknown};
use napi_derive::napi;

use crate::convert::{from_json, json_of, ms_column, time, us_to_ms, TimeJs};
use crate::error::{run, Fallible};
use crate::kpi::MachineJs;
use crate::task::Job;

/// Which plant to simulate.
#[napi(object, js_name = "SimulatorOptions")]
pub struct SimulatorOptionsJs {
    /// Random seed: the same seed gives the same data.
    pub seed: u32,
    /// A whole plant as enms-sim `FactoryConfig` JSON (snake_case keys, see docs/simulator.md);
    /// the demo plant when absent.
    // read by enms (`convert::json_of`), not napi, whose conversion aborts on a BigInt
    #[napi(ts_type = "any")]
    pub config: Option<JsUnknown>,
    /// Ids of the plant's machines to keep (e.g. `['compressor-1', 'hvac-1']`); all when absent.
    pub machines: Option<Vec<String>>,
    /// Simulated seconds per wall-clock second, for `advanceToNow` (a real-time clock that starts
    /// when the session is created); without it only `advance` is available.
    pub speed: Option<f64>,
}

/// `simulate` options: the plant and the span `[start, end)`.
#[napi(object, js_name = "SimulateOptions")]
pub struct SimulateOptionsJs {
    /// Random seed.
    pub seed: u32,
    /// Plant configuration (enms-sim `FactoryConfig` JSON); the demo plant when absent.
    #[napi(ts_type = "any")]
    pub config: Option<JsUnknown>,
    /// Machine ids to keep; all when absent.
    pub machines: Option<Vec<String>>,
    /// First instant simulated: ms, an RFC 3339 instant, or a local date of the factory's time
    /// zone (`2025-01-06`: the start of that day, as `enms-sim --start`).
    #[napi(ts_type = "number | string")]
    pub start: TimeJs,
    /// End of the span, exclusive (same forms: `2025-01-13` ends a week from `2025-01-06`).
    #[napi(ts_type = "number | string")]
    pub end: TimeJs,
}

fn simulator(
    seed: u32,
    config: Option<JsUnknown>,
    machines: &Option<Vec<String>>,
) -> Fallible<Simulator> {
    let given = match config {
        Some(v) => json_of(v, "config")?,
        None => serde_json::Value::Null,
    };
    let mut cfg: FactoryConfig = if given.is_null() {
        FactoryConfig::default()
    } else {
        from_json("config", given)?
    };
    if let Some(ids) = machines {
        cfg.keep_machines(ids)?;
    }
    Ok(Simulator::new(cfg, u64::from(seed))?)
}

/// The demo plant's configuration (enms-sim `FactoryConfig` as JSON): a starting point for
/// `config`, and the list of its machines.
#[napi(ts_return_type = "Record<string, any>")]
pub fn default_factory_config(env: Env) -> napi::Result<serde_json::Value> {
    run(env, || {
        serde_json::to_value(FactoryConfig::default()).map_err(|e| enms_sim::Error::Json(e).into())
    })
}

/// A site.
#[napi(object, js_name = "Factory")]
pub struct FactoryJs {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free-text location.
    pub location: String,
    /// IANA time zone.
    pub timezone: String,
}

impl From<&Factory> for FactoryJs {
    fn from(f: &Factory) -> Self {
        FactoryJs {
            id: f.id.clone(),
            name: f.name.clone(),
            location: f.location.clone(),
            timezone: f.timezone.clone(),
        }
    }
}

/// Energy readings of one machine, as columns (NaN where a quantity is not measured).
#[napi(object, js_name = "EnergyReadingTable")]
pub struct EnergyTableJs {
    /// Machine.
    pub machine_id: String,
    /// Reading times, ms.
    pub ts: Float64Array,
    /// Active power, kW.
    pub power_kw: Float64Array,
    /// Cumulative energy counter, kWh.
    pub energy_kwh: Float64Array,
    /// Voltage, V.
    pub voltage_v: Float64Array,
    /// Current, A.
    pub current_a: Float64Array,
    /// Power factor, 0..1.
    pub power_factor: Float64Array,
    /// Frequency, Hz.
    pub frequency_hz: Float64Array,
    /// Cumulative reactive energy counter, kvarh.
    pub reactive_energy_kvarh: Float64Array,
}

/// Production of one machine, one row per minute (`ts` = end of the minute).
#[napi(object, js_name = "ProductionTable")]
pub struct ProductionTableJs {
    /// Machine.
    pub machine_id: String,
    /// End of each minute, ms.
    pub ts: Float64Array,
    /// Good parts completed in the minute.
    pub production_count: Float64Array,
    /// Throughput at the end of the minute, parts per hour.
    pub throughput_per_hour: Float64Array,
    /// Operating mode (`production`, `idle`, `setup`, `off`).
    pub operating_mode: Vec<String>,
    /// Material, or `null`.
    pub material: Vec<Option<String>>,
}

/// Weather and indoor climate, every 5 minutes.
#[napi(object, js_name = "EnvironmentTable")]
pub struct EnvironmentTableJs {
    /// Factory.
    pub factory_id: String,
    /// Times, ms.
    pub ts: Float64Array,
    /// Outdoor temperature, C.
    pub outdoor_temp_c: Float64Array,
    /// Indoor temperature, C.
    pub indoor_temp_c: Float64Array,
    /// Outdoor relative humidity, %.
    pub humidity_pct: Float64Array,
    /// Barometric pressure, hPa.
    pub pressure_hpa: Float64Array,
}

/// Status of one machine, one row per minute.
#[napi(object, js_name = "StatusTable")]
pub struct StatusTableJs {
    /// Machine.
    pub machine_id: String,
    /// Start of each minute, ms.
    pub ts: Float64Array,
    /// Whether the machine runs.
    pub is_running: Vec<bool>,
    /// Cumulative operating hours.
    pub operating_hours: Float64Array,
    /// Alert level (`normal`, `warning`, `critical`).
    pub alert_level: Vec<String>,
}

/// One process variable of one machine.
#[napi(object, js_name = "ProcessSeries")]
pub struct ProcessSeriesJs {
    /// Machine.
    pub machine_id: String,
    /// Quantity (`pressure_bar`, `cop`, ...).
    pub quantity: String,
    /// Unit.
    pub unit: String,
    /// Times, ms.
    pub ts: Float64Array,
    /// Values.
    pub value: Float64Array,
}

/// A fault or sensor dropout.
#[napi(object, js_name = "SimEvent")]
pub struct EventJs {
    /// Machine.
    pub machine_id: String,
    /// `air_leak`, `stuck_on`, `efficiency_loss`, `breakdown`, `sensor_dropout`.
    pub kind: String,
    /// Start, ms.
    pub start: f64,
    /// End, ms (`null` while open).
    pub end: Option<f64>,
    /// Description.
    pub description: String,
}

impl From<&Event> for EventJs {
    fn from(e: &Event) -> Self {
        EventJs {
            machine_id: e.machine_id.clone(),
            kind: e.kind.as_str().into(),
            start: us_to_ms(e.start),
            end: e.end.map(us_to_ms),
            description: e.description.clone(),
        }
    }
}

/// Everything one simulation produced, as column tables.
#[napi(object, js_name = "Simulation")]
pub struct SimulationJs {
    /// The factory.
    pub factory: FactoryJs,
    /// Its machines (the order of `energyReadings` and `status`).
    pub machines: Vec<MachineJs>,
    /// First instant simulated, ms.
    pub start: f64,
    /// End of the span (exclusive), ms.
    pub end: f64,
    /// Energy readings, one table per machine.
    pub energy_readings: Vec<EnergyTableJs>,
    /// Production, one table per production machine.
    pub production: Vec<ProductionTableJs>,
    /// Weather and indoor climate.
    pub environment: EnvironmentTableJs,
    /// Machine status, one table per machine.
    pub status: Vec<StatusTableJs>,
    /// Process variables.
    pub process: Vec<ProcessSeriesJs>,
    /// Faults and dropouts that started in the span.
    pub events: Vec<EventJs>,
}

fn f64s(v: Vec<f64>) -> Float64Array {
    Float64Array::new(v)
}

impl From<SimOutput> for SimulationJs {
    fn from(o: SimOutput) -> Self {
        SimulationJs {
            factory: (&o.factory).into(),
            machines: o.machines.iter().map(Into::into).collect(),
            start: us_to_ms(o.start),
            end: us_to_ms(o.end),
            production: o
                .production
                .into_iter()
                .map(|p| ProductionTableJs {
                    ts: ms_column(&p.ts),
                    operating_mode: p
                        .operating_mode
                        .iter()
                        .map(|m| m.as_str().to_string())
                        .collect(),
                    material: (0..p.len())
                        .map(|i| p.material_name(i).map(str::to_string))
                        .collect(),
                    machine_id: p.machine_id,
                    production_count: f64s(p.production_count),
                    throughput_per_hour: f64s(p.throughput_per_hour),
                })
                .collect(),
            energy_readings: o
                .energy
                .into_iter()
                .map(|t| EnergyTableJs {
                    ts: ms_column(&t.ts),
                    machine_id: t.machine_id,
                    power_kw: f64s(t.power_kw),
                    energy_kwh: f64s(t.energy_kwh),
                    voltage_v: f64s(t.voltage_v),
                    current_a: f64s(t.current_a),
                    power_factor: f64s(t.power_factor),
                    frequency_hz: f64s(t.frequency_hz),
                    reactive_energy_kvarh: f64s(t.reactive_energy_kvarh),
                })
                .collect(),
            environment: EnvironmentTableJs {
                ts: ms_column(&o.environment.ts),
                factory_id: o.environment.factory_id,
                outdoor_temp_c: f64s(o.environment.outdoor_temp_c),
                indoor_temp_c: f64s(o.environment.indoor_temp_c),
                humidity_pct: f64s(o.environment.humidity_pct),
                pressure_hpa: f64s(o.environment.pressure_hpa),
            },
            status: o
                .status
                .into_iter()
                .map(|s| StatusTableJs {
                    ts: ms_column(&s.ts),
                    alert_level: s
                        .alert_level
                        .iter()
                        .map(|a| a.as_str().to_string())
                        .collect(),
                    machine_id: s.machine_id,
                    is_running: s.is_running,
                    operating_hours: f64s(s.operating_hours),
                })
                .collect(),
            process: o
                .process
                .into_iter()
                .map(|p| ProcessSeriesJs {
                    ts: ms_column(&p.ts),
                    machine_id: p.machine_id,
                    quantity: p.quantity,
                    unit: p.unit,
                    value: f64s(p.value),
                })
                .collect(),
            events: o.events.iter().map(Into::into).collect(),
        }
    }
}

struct SimulateInput {
    sim: Simulator,
    start: i64,
    end: i64,
}

/// A time for the simulator: ms, an RFC 3339 instant, or a local date of the factory's zone.
fn sim_time(sim: &Simulator, t: &TimeJs, column: &str) -> Fallible<i64> {
    match t {
        Either::A(_) => time(t, column, 0),
        Either::B(s) => {
            let tz = parse_tz(&sim.factory().timezone)?;
            Ok(parse_date_or_instant(column, s, tz)?)
        }
    }
}

fn simulate_input(o: SimulateOptionsJs) -> Fallible<SimulateInput> {
    let sim = simulator(o.seed, o.config, &o.machines)?;
    Ok(SimulateInput {
        start: sim_time(&sim, &o.start, "start")?,
        end: sim_time(&sim, &o.end, "end")?,
        sim,
    })
}

fn generate(i: SimulateInput) -> Fallible<SimOutput> {
    Ok(i.sim.generate(i.start, i.end)?)
}

/// Simulates `[start, end)` of a plant on the calling thread and returns every table as columns.
#[napi(ts_args_type = "options: SimulateOptions")]
pub fn simulate_sync(env: Env, options: SimulateOptionsJs) -> napi::Result<SimulationJs> {
    run(env, || Ok(generate(simulate_input(options)?)?.into()))
}

/// Simulates `[start, end)` off the main thread.
#[napi(
    ts_args_type = "options: SimulateOptions",
    ts_return_type = "Promise<Simulation>"
)]
pub fn simulate(
    env: Env,
    options: SimulateOptionsJs,
) -> napi::Result<AsyncTask<Job<SimOutput, SimulationJs>>> {
    let input = run(env, || simulate_input(options))?;
    Ok(AsyncTask::new(Job::new(
        move || generate(input),
        SimulationJs::from,
    )))
}

/// One energy reading (a row of `energy_readings`); unmeasured quantities are `null`.
#[napi(object, js_name = "EnergyRecord")]
pub struct EnergyRecordJs {
    /// Reading time, ms.
    pub ts: f64,
    /// Machine.
    pub machine_id: String,
    /// Active power, kW.
    pub power_kw: f64,
    /// Cumulative energy counter, kWh.
    pub energy_kwh: f64,
    /// Voltage, V.
    pub voltage_v: Option<f64>,
    /// Current, A.
    pub current_a: Option<f64>,
    /// Power factor.
    pub power_factor: Option<f64>,
    /// Frequency, Hz.
    pub frequency_hz: Option<f64>,
    /// Cumulative reactive energy counter, kvarh.
    pub reactive_energy_kvarh: Option<f64>,
}

impl From<EnergyReading> for EnergyRecordJs {
    fn from(r: EnergyReading) -> Self {
        EnergyRecordJs {
            ts: us_to_ms(r.ts),
            machine_id: r.machine_id,
            power_kw: r.power_kw,
            energy_kwh: r.energy_kwh,
            voltage_v: r.voltage_v,
            current_a: r.current_a,
            power_factor: r.power_factor,
            frequency_hz: r.frequency_hz,
            reactive_energy_kvarh: r.reactive_energy_kvarh,
        }
    }
}

/// One production row: parts in the minute ending at `ts`.
#[napi(object, js_name = "ProductionRecord")]
pub struct ProductionRecordJs {
    /// End of the minute, ms.
    pub ts: f64,
    /// Machine.
    pub machine_id: String,
    /// Good parts in the minute.
    pub production_count: f64,
    /// Throughput, parts per hour.
    pub throughput_per_hour: f64,
    /// Operating mode.
    pub operating_mode: String,
    /// Material, or `null`.
    pub material: Option<String>,
}

impl From<ProductionRecord> for ProductionRecordJs {
    fn from(r: ProductionRecord) -> Self {
        ProductionRecordJs {
            ts: us_to_ms(r.ts),
            machine_id: r.machine_id,
            production_count: r.production_count,
            throughput_per_hour: r.throughput_per_hour,
            operating_mode: r.operating_mode.as_str().into(),
            material: r.material,
        }
    }
}

/// The rows of one step, each list sorted by time.
#[napi(object, js_name = "SimRecords")]
pub struct SimRecordsJs {
    /// Energy readings of every machine, by time.
    pub energy_readings: Vec<EnergyRecordJs>,
    /// Production rows, by time.
    pub production: Vec<ProductionRecordJs>,
    /// Faults and dropouts that started in the step.
    pub events: Vec<EventJs>,
}

/// A simulation stepped forward by the caller (e.g. on a timer): `advance(to)` simulates from
/// `now` to `to` and returns what happened, exactly as one `simulate` over the whole span would.
#[napi(js_name = "SimulatorSession")]
pub(crate) struct SimulatorSessionJs {
    inner: SimSession,
    machines: Vec<MachineJs>,
    clock: Option<RealtimeClock>,
}

#[napi]
impl SimulatorSessionJs {
    /// A session of the plant starting at `start` (ms, RFC 3339, or a local date of the factory).
    #[napi(
        constructor,
        ts_args_type = "options: SimulatorOptions, start: number | string"
    )]
    pub fn new(env: Env, options: SimulatorOptionsJs, start: TimeJs) -> napi::Result<Self> {
        run(env, || {
            let sim = simulator(options.seed, options.config, &options.machines)?;
            let inner = sim.session(sim_time(&sim, &start, "start")?)?;
            let machines = inner.machines().iter().map(Into::into).collect();
            let clock = options
                .speed
                .map(|speed| RealtimeClock::new(inner.now(), speed))
                .transpose()?;
            Ok(SimulatorSessionJs {
                inner,
                machines,
                clock,
            })
        })
    }

    /// The simulated time reached so far, ms.
    #[napi(getter)]
    pub fn now(&self) -> f64 {
        us_to_ms(self.inner.now())
    }

    /// The machines simulated.
    #[napi(getter)]
    pub fn machines(&self) -> Vec<MachineJs> {
        self.machines.clone()
    }

    /// Simulates up to `to` (ms or RFC 3339) and returns the step's tables as columns.
    #[napi(ts_args_type = "to: number | string")]
    pub fn advance(&mut self, env: Env, to: TimeJs) -> napi::Result<SimulationJs> {
        run(env, || {
            let to = time(&to, "to", 0)?;
            Ok(self.inner.advance(to)?.into())
        })
    }

    /// Simulates up to `to` and returns the step's energy readings, production rows and events as
    /// records sorted by time (what a stream or a Node-RED flow sends on).
    #[napi(ts_args_type = "to: number | string")]
    pub fn advance_records(&mut self, env: Env, to: TimeJs) -> napi::Result<SimRecordsJs> {
        run(env, || {
            let to = time(&to, "to", 0)?;
            self.records_until(to)
        })
    }

    /// With a `speed`: simulates up to the clock's simulated now (`start + wall time x speed`)
    /// and returns the records of the step, as `advanceRecords`.
    #[napi]
    pub fn advance_to_now(&mut self, env: Env) -> napi::Result<SimRecordsJs> {
        run(env, || {
            let to = match &self.clock {
                Some(c) => c.now().max(self.inner.now()),
                None => {
                    return Err(enms_core::Error::InvalidParameter {
                        name: "speed".into(),
                        reason: "the session was created without a speed".into(),
                    }
                    .into())
                }
            };
            self.records_until(to)
        })
    }
}

impl SimulatorSessionJs {
    fn records_until(&mut self, to: i64) -> Fallible<SimRecordsJs> {
        {
            let out = self.inner.advance(to)?;
            let mut rec = SimRecordsJs {
                energy_readings: Vec::new(),
                production: Vec::new(),
                events: Vec::new(),
            };
            for r in records(&out) {
                match r {
                    Record::Energy(e) => rec.energy_readings.push(e.into()),
                    Record::Production(p) => rec.production.push(p.into()),
                    Record::Event(e) => rec.events.push((&e).into()),
                    _ => {}
                }
            }
            Ok(rec)
        }
    }
}
