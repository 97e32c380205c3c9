//! The simulator: a factory configuration plus a seed, fault injections and clears, and the
//! session that steps all machines through time.
//!
//! Determinism: every random number comes from a stream derived from `(seed, purpose, machine
//! index)` ([`crate::rng`]), machines are independent given the factory-wide drivers (weather,
//! plan, grid), and each machine is stepped sequentially in time. Machines are spread over
//! threads (`std::thread::scope`, longest-first), so the output is identical for any thread
//! count, and a session advanced in chunks produces exactly what one call over the whole span
//! produces.

use chrono_tz::Tz;
use enms_core::model::{EventKind, Factory, Machine};
use enms_core::time::{format_rfc3339, Timestamp, MICROS_PER_HOUR};
use serde::{Deserialize, Serialize};

use crate::calendar;
use crate::config::FactoryConfig;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::machines::{MachineChunk, MachineRun};
use crate::output::{EnvironmentTable, SimOutput};
use crate::realtime::RealtimeStream;

/// A fault scheduled on purpose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultInjection {
    /// Machine.
    pub machine_id: String,
    /// Kind of fault (or `sensor_dropout`).
    pub kind: EventKind,
    /// Start, UTC microseconds.
    pub start: Timestamp,
    /// End, UTC microseconds.
    pub end: Timestamp,
}

/// An instruction to end a machine's faults at a given instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultClear {
    /// Machine.
    pub machine_id: String,
    /// Instant at which every fault active then ends, UTC microseconds.
    pub at: Timestamp,
}

/// Most energy readings [`Simulator::generate`] returns in one call.
pub const MAX_READINGS: u64 = 200_000_000;

/// Memory of one energy reading in the returned tables (timestamp and seven columns), bytes.
const BYTES_PER_READING: u64 = 72;

/// A factory simulator: configuration, seed and the scenario (injected and cleared faults).
#[derive(Debug, Clone)]
pub struct Simulator {
    config: FactoryConfig,
    seed: u64,
    tz: Tz,
    injections: Vec<FaultInjection>,
    clears: Vec<FaultClear>,
    threads: usize,
}

impl Simulator {
    /// A simulator of `config` with random seed `seed`; the configuration is validated.
    pub fn new(config: FactoryConfig, seed: u64) -> Result<Self> {
        config.validate()?;
        let tz = enms_core::time::parse_tz(&config.factory.timezone)?;
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Ok(Simulator {
            config,
            seed,
            tz,
            injections: Vec::new(),
            clears: Vec::new(),
            threads,
        })
    }

    /// The demo plant ([`FactoryConfig::default`]) with seed `seed`.
    pub fn demo(seed: u64) -> Self {
        let config = FactoryConfig::default();
        let tz = chrono_tz::Europe::Berlin;
        Simulator {
            config,
            seed,
            tz,
            injections: Vec::new(),
            clears: Vec::new(),
            threads: 1,
        }
        .with_default_threads()
    }

    fn with_default_threads(mut self) -> Self {
        self.threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        self
    }

    /// Sets the number of worker threads (at least 1). Results do not depend on it.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads.max(1);
    }

    /// The configuration.
    pub fn config(&self) -> &FactoryConfig {
        &self.config
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The factory.
    pub fn factory(&self) -> &Factory {
        &self.config.factory
    }

    /// The machines as enms-core records.
    pub fn machines(&self) -> Vec<Machine> {
        self.config.machine_records()
    }

    /// The faults injected so far.
    pub fn injections(&self) -> &[FaultInjection] {
        &self.injections
    }

    fn machine_index(&self, machine_id: &str) -> Result<usize> {
        self.config
            .machines
            .iter()
            .position(|m| m.id == machine_id)
            .ok_or_else(|| Error::UnknownMachine(machine_id.to_string()))
    }

    /// Schedules a fault of `kind` on `machine_id` from `start` for `duration_us` microseconds.
    /// The kind must make sense for the machine type ([`crate::MachineSpec::supported_faults`]).
    pub fn inject_fault(
        &mut self,
        machine_id: &str,
        kind: EventKind,
        start: Timestamp,
        duration_us: i64,
    ) -> Result<()> {
        let i = self.machine_index(machine_id)?;
        check_injection(&self.config, i, kind, duration_us)?;
        self.injections.push(FaultInjection {
            machine_id: machine_id.to_string(),
            kind,
            start,
            end: start.saturating_add(duration_us),
        });
        Ok(())
    }

    /// Ends every fault of `machine_id` (random or injected, including sensor dropouts) that is
    /// active at `at`, at `at`.
    pub fn clear_fault(&mut self, machine_id: &str, at: Timestamp) -> Result<()> {
        self.machine_index(machine_id)?;
        self.clears.push(FaultClear {
            machine_id: machine_id.to_string(),
            at,
        });
        Ok(())
    }

    /// A session that starts at `start` and is advanced with [`SimSession::advance`].
    pub fn session(&self, start: Timestamp) -> Result<SimSession> {
        enms_core::time::to_datetime(start)?;
        let cfg = &self.config;
        let env = Environment::new(
            &cfg.factory.id,
            self.tz,
            &cfg.climate,
            &cfg.shifts,
            self.seed,
            start,
        );
        let mut runs: Vec<MachineRun> = (0..cfg.machines.len())
            .map(|i| MachineRun::new(cfg, i, start, self.seed))
            .collect();
        let mut scratch = Vec::new();
        for c in &self.clears {
            if let Some(r) = runs.iter_mut().find(|r| r.id() == c.machine_id) {
                r.common.faults.clear(c.at, &mut scratch);
            }
        }
        for f in &self.injections {
            if let Some(r) = runs.iter_mut().find(|r| r.id() == f.machine_id) {
                if f.end > start {
                    r.common
                        .faults
                        .inject(f.kind, f.start, f.end, &mut r.common.carry_events);
                }
            }
        }
        Ok(SimSession {
            config: cfg.clone(),
            factory: cfg.factory.clone(),
            machines: cfg.machine_records(),
            env,
            runs,
            start,
            now: start,
            threads: self.threads,
        })
    }

    /// Energy readings `[start, end)` holds at most: one per machine and meter interval (meter
    /// dropouts make fewer).
    pub fn readings_in(&self, start: Timestamp, end: Timestamp) -> u64 {
        let span = end.saturating_sub(start).max(0) as u64;
        self.config
            .machines
            .iter()
            .map(|m| span.div_ceil(u64::from(m.interval_s.max(1)) * 1_000_000))
            .sum()
    }

    /// Simulates `[start, end)` and returns every table.
    ///
    /// Errors: `end` not after `start`; a span of more than [`MAX_READINGS`] energy readings
    /// (about 14 GB of tables; a longer span is simulated in pieces with [`Simulator::session`],
    /// whose `advance` continues where the last piece ended).
    pub fn generate(&self, start: Timestamp, end: Timestamp) -> Result<SimOutput> {
        if end <= start {
            return Err(Error::invalid(
                "end",
                format!(
                    "must be after start ({} <= {})",
                    format_rfc3339(end),
                    format_rfc3339(start)
                ),
            ));
        }
        let n = self.readings_in(start, end);
        if n > MAX_READINGS {
            return Err(Error::invalid(
                "end",
                format!(
                    "{} to {} holds {n} energy readings of {} machines, more than the {MAX_READINGS} \
                     one call returns (about {} GB of tables); simulate it in pieces (a session's \
                     advance continues where the last piece ended)",
                    format_rfc3339(start),
                    format_rfc3339(end),
                    self.config.machines.len(),
                    n * BYTES_PER_READING / 1_000_000_000
                ),
            ));
        }
        let mut s = self.session(start)?;
        s.advance(end)
    }

    /// A stream of records as they fall due on a wall clock running `speed` times faster than
    /// real time, starting at simulated time `start`.
    pub fn realtime(&self, start: Timestamp, speed: f64) -> Result<RealtimeStream> {
        RealtimeStream::new(self.session(start)?, speed)
    }
}

fn check_injection(cfg: &FactoryConfig, i: usize, kind: EventKind, duration_us: i64) -> Result<()> {
    let spec = &cfg.machines[i].spec;
    if !MachineRun::supports(spec, kind) {
        let ok: Vec<&str> = spec.supported_faults().iter().map(|k| k.as_str()).collect();
        return Err(Error::invalid(
            "kind",
            format!(
                "`{}` does not apply to a {}; supported: {}",
                kind.as_str(),
                spec.machine_type(),
                ok.join(", ")
            ),
        ));
    }
    if duration_us <= 0 {
        return Err(Error::invalid(
            "duration_us",
            format!("must be positive, got {duration_us}"),
        ));
    }
    Ok(())
}

/// A simulation in progress: the state of the environment and of every machine at `now`.
#[derive(Debug, Clone)]
pub struct SimSession {
    config: FactoryConfig,
    factory: Factory,
    machines: Vec<Machine>,
    env: Environment,
    runs: Vec<MachineRun>,
    start: Timestamp,
    now: Timestamp,
    threads: usize,
}

impl SimSession {
    /// Where the session started.
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// How far the session has been simulated (exclusive).
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The machines.
    pub fn machines(&self) -> &[Machine] {
        &self.machines
    }

    /// Injects a fault from `start` (not before [`SimSession::now`]) for `duration_us`.
    pub fn inject_fault(
        &mut self,
        machine_id: &str,
        kind: EventKind,
        start: Timestamp,
        duration_us: i64,
    ) -> Result<()> {
        let i = self.index(machine_id)?;
        check_injection(&self.config, i, kind, duration_us)?;
        if start < self.now {
            return Err(Error::invalid(
                "start",
                "must not be before the session's current time",
            ));
        }
        let c = &mut self.runs[i].common;
        c.faults.inject(
            kind,
            start,
            start.saturating_add(duration_us),
            &mut c.carry_events,
        );
        Ok(())
    }

    /// Ends every fault of `machine_id` active at `at` (not before [`SimSession::now`]); faults
    /// already reported are reported again with the new end.
    pub fn clear_fault(&mut self, machine_id: &str, at: Timestamp) -> Result<()> {
        let i = self.index(machine_id)?;
        if at < self.now {
            return Err(Error::invalid(
                "at",
                "must not be before the session's current time",
            ));
        }
        let c = &mut self.runs[i].common;
        c.faults.clear(at, &mut c.carry_events);
        Ok(())
    }

    fn index(&self, machine_id: &str) -> Result<usize> {
        self.runs
            .iter()
            .position(|r| r.id() == machine_id)
            .ok_or_else(|| Error::UnknownMachine(machine_id.to_string()))
    }

    /// Simulates `[now, to)` and moves `now` to `to`.
    pub fn advance(&mut self, to: Timestamp) -> Result<SimOutput> {
        if to < self.now {
            return Err(Error::invalid(
                "to",
                "must not be before the session's current time",
            ));
        }
        enms_core::time::to_datetime(to)?;
        let from = self.now;
        let mut environment = EnvironmentTable {
            factory_id: self.factory.id.clone(),
            ..Default::default()
        };
        let chunks: Vec<MachineChunk> = if to == from {
            self.runs
                .iter_mut()
                .map(|r| r.advance(from, to, &[], 1))
                .collect()
        } else {
            let m0 = calendar::minute_of(from);
            let m1 = calendar::minute_of(to - 1) + 1;
            let drivers = self.env.drivers(m0, m1, &mut environment);
            let threads = if to - from < MICROS_PER_HOUR {
                1
            } else {
                self.threads.min(self.runs.len()).max(1)
            };
            advance_all(&mut self.runs, from, to, &drivers, threads)
        };
        self.now = to;
        let mut out = SimOutput {
            factory: self.factory.clone(),
            machines: self.machines.clone(),
            start: from,
            end: to,
            energy: Vec::with_capacity(chunks.len()),
            production: Vec::new(),
            environment,
            status: Vec::with_capacity(chunks.len()),
            process: Vec::new(),
            events: Vec::new(),
        };
        for c in chunks {
            out.energy.push(c.energy);
            if let Some(p) = c.production {
                out.production.push(p);
            }
            out.status.push(c.status);
            out.process.extend(c.process);
            out.events.extend(c.events);
        }
        out.events.sort_by_key(|e| e.start);
        Ok(out)
    }
}

/// Advances every machine, spreading them over `threads` scoped threads (longest first).
fn advance_all(
    runs: &mut [MachineRun],
    from: Timestamp,
    to: Timestamp,
    drivers: &[crate::environment::MinuteDrivers],
    threads: usize,
) -> Vec<MachineChunk> {
    if threads <= 1 {
        return runs
            .iter_mut()
            .map(|r| r.advance(from, to, drivers, 1))
            .collect();
    }
    let mut order: Vec<(usize, &mut MachineRun)> = runs.iter_mut().enumerate().collect();
    order.sort_by(|a, b| b.1.cost.total_cmp(&a.1.cost).then(a.0.cmp(&b.0)));
    let mut groups: Vec<(f64, Vec<(usize, &mut MachineRun)>)> =
        (0..threads).map(|_| (0.0, Vec::new())).collect();
    for (i, r) in order {
        // The least-loaded group takes the next-longest machine.
        let k = groups
            .iter()
            .enumerate()
            .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
            .map(|(k, _)| k)
            .unwrap_or(0);
        groups[k].0 += r.cost;
        groups[k].1.push((i, r));
    }
    let mut slots: Vec<Option<MachineChunk>> = (0..runs_len(&groups)).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .into_iter()
            .filter(|g| !g.1.is_empty())
            .map(|(_, g)| {
                s.spawn(move || {
                    g.into_iter()
                        .map(|(i, r)| (i, r.advance(from, to, drivers, threads)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(done) => {
                    for (i, c) in done {
                        slots[i] = Some(c);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    slots.into_iter().map(Option::unwrap_or_default).collect()
}

fn runs_len(groups: &[(f64, Vec<(usize, &mut MachineRun)>)]) -> usize {
    groups.iter().map(|g| g.1.len()).sum()
}
