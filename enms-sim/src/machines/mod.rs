//! Machine models and the loop that steps them through time.
//!
//! Every model is a small state machine advanced on two time scales: once per minute
//! ([`Physics::begin_minute`]: production plan, weather and faults of that minute) and once per
//! meter sample ([`Physics::power`]: the fast physics, e.g. compressor pressure every second).
//! [`MachineRun::advance`] interleaves them with the meter, the fault timeline and the tables, so
//! that a session advanced in several chunks produces exactly what one call over the whole span
//! produces.

pub mod boiler;
pub mod compressor;
pub mod conveyor;
pub mod hvac;
pub mod hydraulic;
pub mod molding;

use enms_core::model::{AlertLevel, EnergyReadingTable, Event, EventKind, OperatingMode};
use enms_core::time::{Timestamp, MICROS_PER_MINUTE, MICROS_PER_SECOND};

use crate::calendar;
use crate::config::{FactoryConfig, HeaterConfig, MachineConfig, MachineSpec, Measure};
use crate::environment::MinuteDrivers;
use crate::faults::{FaultEffects, FaultTimeline};
use crate::meter::Meter;
use crate::output::{ProcessSeries, ProductionTable, StatusTable, NO_MATERIAL};
use crate::rng::{stream, Ar1, Rng};

/// What a machine did during one minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MinuteSummary {
    pub production_count: f64,
    pub throughput_per_hour: f64,
    pub mode: OperatingMode,
    pub material: u8,
}

impl MinuteSummary {
    pub fn utility() -> Self {
        MinuteSummary {
            production_count: 0.0,
            throughput_per_hour: 0.0,
            mode: OperatingMode::Off,
            material: NO_MATERIAL,
        }
    }
}

/// The physics of one machine type.
pub(crate) trait Physics: Send {
    /// `(quantity, unit)` of the process variables, in the order [`Physics::process`] fills them.
    fn process_quantities(&self) -> &'static [(&'static str, &'static str)];
    /// Start of a minute: read the drivers and faults.
    fn begin_minute(&mut self, d: &MinuteDrivers, fx: &FaultEffects, rng: &mut Rng);
    /// Active power at sample time `ts` (before meter noise), kW.
    fn power(&mut self, ts: Timestamp, rng: &mut Rng) -> f64;
    /// Process variables now (NaN = not reported at this sample).
    fn process(&mut self, out: &mut [f64], rng: &mut Rng);
    /// End of the minute at `m_end`.
    fn end_minute(&mut self, m_end: Timestamp, rng: &mut Rng) -> MinuteSummary;
    /// Whether the machine runs now.
    fn running(&self) -> bool;
    /// Whether a random fault of `kind` arriving now would change anything: one that cannot
    /// act yet waits until it can (default: every fault acts at once).
    fn fault_can_act(&self, _kind: EventKind) -> bool {
        true
    }
    /// Alert from the machine's own controller.
    fn alert(&self) -> AlertLevel {
        AlertLevel::Normal
    }
}

/// A production machine's activity: the factory plan times a per-machine hourly factor
/// (AR(1) over hours, sd 6 %).
#[derive(Debug, Clone)]
pub(crate) struct MachineActivity {
    hour: i64,
    ar: Ar1,
    factor: f64,
}

impl MachineActivity {
    pub fn new(rng: &mut Rng) -> Self {
        MachineActivity {
            hour: i64::MIN,
            ar: Ar1::new(3.0, 0.06, rng),
            factor: 1.0,
        }
    }

    pub fn of(&mut self, d: &MinuteDrivers, rng: &mut Rng) -> f64 {
        let h = d.minute.div_euclid(60);
        if h != self.hour {
            self.hour = h;
            self.factor = 1.0 + self.ar.step(rng);
        }
        (d.activity * self.factor).clamp(0.0, 1.0)
    }
}

/// The concrete model of a machine.
#[derive(Debug, Clone)]
pub(crate) enum Model {
    Compressor(compressor::Compressor),
    Hvac(hvac::Hvac),
    Conveyor(conveyor::Conveyor),
    Hydraulic(hydraulic::HydraulicPump),
    Molding(molding::InjectionMolding),
    Boiler(boiler::Boiler),
}

/// Everything a machine produced in one chunk.
#[derive(Debug, Clone, Default)]
pub(crate) struct MachineChunk {
    pub energy: EnergyReadingTable,
    pub production: Option<ProductionTable>,
    pub status: StatusTable,
    pub process: Vec<ProcessSeries>,
    pub events: Vec<Event>,
}

/// State shared by all machine types.
#[derive(Debug, Clone)]
pub(crate) struct Common {
    id: String,
    is_production: bool,
    materials: Vec<String>,
    interval_us: i64,
    process_interval_us: i64,
    rng: Rng,
    pub faults: FaultTimeline,
    operating_hours: f64,
    session_start: Timestamp,
    next_sample: Timestamp,
    next_process: Timestamp,
    begun_minute: i64,
    running: bool,
    fx: FaultEffects,
    /// Events produced outside `advance` (clears), delivered with the next chunk.
    pub carry_events: Vec<Event>,
    /// Heater and measures of the configuration; `None` (the usual case) leaves the power as the
    /// physics made it.
    adjust: Option<PowerAdjust>,
}

/// What the configuration does to a machine's own power before its meter: an electric heater
/// ([`HeaterConfig`]: `+ kw_per_k x max(base_c - T, 0)`, set each minute) and then the energy
/// conservation measures ([`Measure::apply`], in list order). Neither draws random numbers, so
/// every random stream is the same with and without them.
#[derive(Debug, Clone)]
pub(crate) struct PowerAdjust {
    heater: Option<HeaterConfig>,
    heater_kw: f64,
    measures: Vec<Measure>,
}

impl PowerAdjust {
    fn new(cfg: &FactoryConfig, mc: &MachineConfig) -> Option<Self> {
        let measures: Vec<Measure> = cfg
            .measures
            .iter()
            .filter(|m| m.machine_id == mc.id)
            .cloned()
            .collect();
        (mc.heater.is_some() || !measures.is_empty()).then(|| PowerAdjust {
            heater: mc.heater.clone(),
            heater_kw: 0.0,
            measures,
        })
    }

    fn begin_minute(&mut self, d: &MinuteDrivers) {
        if let Some(h) = &self.heater {
            self.heater_kw = h.kw_per_k * (h.base_c - d.outdoor_temp_c).max(0.0);
        }
    }

    #[inline]
    fn apply(&self, ts: Timestamp, machine_kw: f64) -> f64 {
        let mut kw = if self.heater.is_some() {
            machine_kw + self.heater_kw
        } else {
            machine_kw
        };
        for m in &self.measures {
            kw = m.apply(ts, kw);
        }
        kw
    }
}

/// One machine being simulated.
#[derive(Debug, Clone)]
pub(crate) struct MachineRun {
    pub common: Common,
    meter: MeterStage,
    pub model: Model,
    /// Relative cost of simulating one minute (for load balancing).
    pub cost: f64,
}

fn ceil_to(t: Timestamp, step: i64) -> Timestamp {
    let r = t.rem_euclid(step);
    if r == 0 {
        t
    } else {
        t + (step - r)
    }
}

/// The process-data interval: the smallest multiple of the meter interval that is at least 10 s
/// and divides a minute.
pub(crate) fn process_interval_s(interval_s: u32) -> u32 {
    let mut k = 10u32.div_ceil(interval_s).max(1);
    while 60 % (k * interval_s) != 0 {
        k += 1;
    }
    k * interval_s
}

impl MachineRun {
    pub fn new(cfg: &FactoryConfig, index: usize, start: Timestamp, seed: u64) -> Self {
        let mc: &MachineConfig = &cfg.machines[index];
        let idx = index as u32;
        let mut rng = Rng::stream(seed, stream::id(stream::MACHINE, idx));
        let mut init = Rng::stream(seed, stream::id(stream::INITIAL, idx));
        let interval_s = mc.interval_s.max(1);
        let rated = mc.rated_power_kw;
        let dt_s = f64::from(interval_s);
        let model = match &mc.spec {
            MachineSpec::Compressor(p) => {
                Model::Compressor(compressor::Compressor::new(p, rated, dt_s, &mut rng))
            }
            MachineSpec::Hvac(p) => Model::Hvac(hvac::Hvac::new(p, rated, dt_s, &mut rng)),
            MachineSpec::ConveyorMotor(p) => {
                Model::Conveyor(conveyor::Conveyor::new(p, rated, dt_s, &mut rng))
            }
            MachineSpec::HydraulicPump(p) => {
                Model::Hydraulic(hydraulic::HydraulicPump::new(p, rated, dt_s, &mut rng))
            }
            MachineSpec::InjectionMolding(p) => {
                Model::Molding(molding::InjectionMolding::new(p, rated, start, &mut rng))
            }
            MachineSpec::Boiler(p) => Model::Boiler(boiler::Boiler::new(p, rated, &mut rng)),
        };
        let materials = match &model {
            Model::Hydraulic(m) => m.materials(),
            Model::Molding(m) => m.materials(),
            _ => Vec::new(),
        };
        let faults = FaultTimeline::new(
            &mc.id,
            mc.spec.machine_type().as_str(),
            mc.spec.random_fault_kinds(),
            Rng::stream(seed, stream::id(stream::FAULTS, idx)),
            Rng::stream(seed, stream::id(stream::DROPOUTS, idx)),
            cfg.fault_rate_per_machine_day,
            cfg.dropout_rate_per_machine_day,
            start,
        );
        // A machine that has been in service for a while: counters do not start at zero.
        let operating_hours = (init.uniform(2_000.0, 40_000.0)).round();
        let initial_kwh = (operating_hours * rated * init.uniform(0.3, 0.6)).round();
        let interval_us = i64::from(interval_s) * MICROS_PER_SECOND;
        let process_interval_us = i64::from(process_interval_s(interval_s)) * MICROS_PER_SECOND;
        let electric = mc.spec.carrier() == enms_core::model::EnergyCarrier::Electricity;
        MachineRun {
            cost: 60.0 / dt_s + 2.0,
            common: Common {
                id: mc.id.clone(),
                is_production: mc.spec.is_production(),
                materials,
                interval_us,
                process_interval_us,
                rng,
                faults,
                operating_hours,
                session_start: start,
                next_sample: ceil_to(start, interval_us),
                next_process: ceil_to(start, process_interval_us),
                begun_minute: i64::MIN,
                running: false,
                fx: FaultEffects::default(),
                carry_events: Vec::new(),
                adjust: PowerAdjust::new(cfg, mc),
            },
            meter: MeterStage {
                meter: Meter::new(electric, rated, initial_kwh),
                rng: Rng::stream(seed, stream::id(stream::METER, idx)),
                noise_sd: 0.02,
                interval_us,
            },
            model,
        }
    }

    pub fn id(&self) -> &str {
        &self.common.id
    }

    /// Whether `kind` can be injected into this machine.
    pub fn supports(spec: &MachineSpec, kind: EventKind) -> bool {
        spec.supported_faults().contains(&kind)
    }

    /// Simulates `[from, to)`; `drivers` covers every minute that overlaps it.
    /// Simulates `[from, to)`; `drivers` covers every minute that overlaps it. With
    /// `threads > 1`, a long chunk runs its meter stage on a second thread.
    pub fn advance(
        &mut self,
        from: Timestamp,
        to: Timestamp,
        drivers: &[MinuteDrivers],
        threads: usize,
    ) -> MachineChunk {
        let MachineRun {
            common: c,
            meter: m,
            model,
            ..
        } = self;
        match model {
            Model::Compressor(p) => run(c, m, p, from, to, drivers, threads),
            Model::Hvac(p) => run(c, m, p, from, to, drivers, threads),
            Model::Conveyor(p) => run(c, m, p, from, to, drivers, threads),
            Model::Hydraulic(p) => run(c, m, p, from, to, drivers, threads),
            Model::Molding(p) => run(c, m, p, from, to, drivers, threads),
            Model::Boiler(p) => run(c, m, p, from, to, drivers, threads),
        }
    }
}

/// Samples handed from the physics stage to the meter stage.
#[derive(Debug, Default)]
struct Block {
    first_ts: Timestamp,
    raw_kw: Vec<f64>,
    /// Indices (into `raw_kw`) of samples lost to a sensor dropout.
    dropped: Vec<u32>,
}

/// Samples per block.
const BLOCK: usize = 1 << 15;

/// Samples in a chunk above which the meter stage runs on its own thread.
const PIPELINE_SAMPLES: i64 = 1 << 20;

impl Block {
    fn new() -> Self {
        Block {
            first_ts: 0,
            raw_kw: Vec::with_capacity(BLOCK),
            dropped: Vec::new(),
        }
    }

    fn reset(mut self) -> Self {
        self.raw_kw.clear();
        self.dropped.clear();
        self
    }
}

/// The meter stage of a machine: noise, electrical quantities, counters, the energy table.
#[derive(Debug, Clone)]
pub(crate) struct MeterStage {
    meter: Meter,
    rng: Rng,
    noise_sd: f64,
    interval_us: i64,
}

impl MeterStage {
    fn consume(&mut self, b: &Block, drivers: &[MinuteDrivers], out: &mut EnergyReadingTable) {
        const SUB: usize = 256;
        let Some(first) = drivers.first() else { return };
        let mut ts = b.first_ts;
        let minute = calendar::minute_of(ts);
        let mut di = (minute - first.minute).max(0) as usize;
        let mut next_boundary = (minute + 1) * MICROS_PER_MINUTE;
        let last = drivers.len() - 1;
        // Rows are computed into small stack buffers and appended a column at a time.
        let mut tsb = [0i64; SUB];
        let mut cols = [[0.0f64; SUB]; 7];
        let mut dropped = b.dropped.iter().copied().peekable();
        for (sub_k, raws) in b.raw_kw.chunks(SUB).enumerate() {
            let base = sub_k * SUB;
            for (k, &raw) in raws.iter().enumerate() {
                if ts >= next_boundary {
                    di += 1;
                    next_boundary += MICROS_PER_MINUTE;
                }
                let noise = (self.noise_sd * approx_normal(self.rng.next_u64())).clamp(-0.05, 0.05);
                let pw = (raw * (1.0 + noise)).max(0.0);
                let row = self
                    .meter
                    .step(ts, pw, &drivers[di.min(last)], self.rng.next_u64());
                tsb[k] = ts;
                for (c, v) in cols.iter_mut().zip(row) {
                    c[k] = v;
                }
                ts += self.interval_us;
            }
            let n = raws.len();
            let end = (base + n) as u32;
            if dropped.peek().is_some_and(|&d| d < end) {
                // Rare: some rows of this sub-block are lost to a dropout.
                for k in 0..n {
                    if dropped.peek() == Some(&((base + k) as u32)) {
                        dropped.next();
                        continue;
                    }
                    out.ts.push(tsb[k]);
                    out.power_kw.push(cols[0][k]);
                    out.energy_kwh.push(cols[1][k]);
                    out.voltage_v.push(cols[2][k]);
                    out.current_a.push(cols[3][k]);
                    out.power_factor.push(cols[4][k]);
                    out.frequency_hz.push(cols[5][k]);
                    out.reactive_energy_kvarh.push(cols[6][k]);
                }
            } else {
                out.ts.extend_from_slice(&tsb[..n]);
                out.power_kw.extend_from_slice(&cols[0][..n]);
                out.energy_kwh.extend_from_slice(&cols[1][..n]);
                out.voltage_v.extend_from_slice(&cols[2][..n]);
                out.current_a.extend_from_slice(&cols[3][..n]);
                out.power_factor.extend_from_slice(&cols[4][..n]);
                out.frequency_hz.extend_from_slice(&cols[5][..n]);
                out.reactive_energy_kvarh.extend_from_slice(&cols[6][..n]);
            }
        }
    }
}

/// An approximately standard-normal deviate from 64 random bits: the Irwin-Hall sum of four
/// 16-bit uniforms, centred and scaled to unit variance (bounded at +-3.46). Used for meter
/// noise, where it is ample and needs no logarithm.
#[inline]
pub(crate) fn approx_normal(x: u64) -> f64 {
    let s = (x & 0xFFFF) + ((x >> 16) & 0xFFFF) + ((x >> 32) & 0xFFFF) + (x >> 48);
    // Each 16-bit uniform has mean 32767.5 and variance (65536^2 - 1) / 12.
    const SCALE: f64 = 1.0 / (65_536.0 * 0.577_350_269_189_625_8);
    (s as f64 - 131_070.0) * SCALE
}

fn run<P: Physics + Send>(
    c: &mut Common,
    meter: &mut MeterStage,
    p: &mut P,
    from: Timestamp,
    to: Timestamp,
    drivers: &[MinuteDrivers],
    threads: usize,
) -> MachineChunk {
    let n_samples = (to - from) / c.interval_us + 2;
    let samples = n_samples.max(0) as usize;
    let minutes = drivers.len();
    let quantities = p.process_quantities();
    let n_proc = ((to - from) / c.process_interval_us + 2).max(0) as usize;
    let mut out = MachineChunk {
        energy: EnergyReadingTable::default(),
        production: c.is_production.then(|| ProductionTable {
            machine_id: c.id.clone(),
            materials: c.materials.clone(),
            ts: Vec::with_capacity(minutes),
            production_count: Vec::with_capacity(minutes),
            throughput_per_hour: Vec::with_capacity(minutes),
            operating_mode: Vec::with_capacity(minutes),
            material: Vec::with_capacity(minutes),
        }),
        status: StatusTable {
            machine_id: c.id.clone(),
            ts: Vec::with_capacity(minutes),
            is_running: Vec::with_capacity(minutes),
            operating_hours: Vec::with_capacity(minutes),
            alert_level: Vec::with_capacity(minutes),
        },
        process: quantities
            .iter()
            .map(|(q, u)| ProcessSeries {
                machine_id: c.id.clone(),
                quantity: (*q).to_string(),
                unit: (*u).to_string(),
                ts: Vec::with_capacity(n_proc),
                value: Vec::with_capacity(n_proc),
            })
            .collect(),
        events: std::mem::take(&mut c.carry_events),
    };
    let mut energy = EnergyReadingTable::with_capacity(c.id.clone(), samples);
    if threads > 1 && n_samples >= PIPELINE_SAMPLES {
        // Physics here, meter on a second thread; blocks are recycled through a return channel.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Block>(4);
        let (ret_tx, ret_rx) = std::sync::mpsc::channel::<Block>();
        std::thread::scope(|s| {
            let meter_thread = s.spawn(move || {
                for b in rx {
                    meter.consume(&b, drivers, &mut energy);
                    let _ = ret_tx.send(b);
                }
                energy
            });
            physics_stage(c, p, from, to, drivers, &mut out, |b| {
                // A failed send means the meter thread died; its panic surfaces at join.
                let _ = tx.send(b);
                ret_rx
                    .try_recv()
                    .map(Block::reset)
                    .unwrap_or_else(|_| Block::new())
            });
            drop(tx);
            match meter_thread.join() {
                Ok(e) => out.energy = e,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
    } else {
        physics_stage(c, p, from, to, drivers, &mut out, |b| {
            meter.consume(&b, drivers, &mut energy);
            b.reset()
        });
        out.energy = energy;
    }
    out
}

/// Steps the physics through `[from, to)`, fills status, production and process tables and
/// hands the raw power samples to `sink` in blocks.
fn physics_stage<P: Physics>(
    c: &mut Common,
    p: &mut P,
    from: Timestamp,
    to: Timestamp,
    drivers: &[MinuteDrivers],
    out: &mut MachineChunk,
    mut sink: impl FnMut(Block) -> Block,
) {
    let quantities = p.process_quantities();
    let mut pv = [f64::NAN; 8];
    let nq = quantities.len().min(pv.len());
    let mut block = Block::new();
    block.first_ts = c.next_sample;
    for d in drivers {
        let m_start = d.minute * MICROS_PER_MINUTE;
        let m_end = m_start + MICROS_PER_MINUTE;
        if m_end <= from || m_start >= to {
            continue;
        }
        if c.begun_minute != d.minute {
            c.begun_minute = d.minute;
            c.fx = c
                .faults
                .begin_minute(m_start, m_end, |k| p.fault_can_act(k), &mut out.events);
            p.begin_minute(d, &c.fx, &mut c.rng);
            if let Some(a) = c.adjust.as_mut() {
                a.begin_minute(d);
            }
            c.running = p.running();
            if m_start >= c.session_start {
                let alert = p.alert().max(c.faults.alert(&c.fx));
                out.status.ts.push(m_start);
                out.status.is_running.push(c.running);
                out.status.operating_hours.push(c.operating_hours);
                out.status.alert_level.push(alert);
            }
        }
        let hi = to.min(m_end);
        while c.next_sample < hi {
            let ts = c.next_sample;
            if block.raw_kw.len() >= BLOCK {
                block = sink(block);
                block.first_ts = ts;
            }
            if c.faults.dropped(ts) {
                block.dropped.push(block.raw_kw.len() as u32);
            }
            let kw = p.power(ts, &mut c.rng);
            block.raw_kw.push(match &c.adjust {
                Some(a) => a.apply(ts, kw),
                None => kw,
            });
            if ts >= c.next_process {
                c.next_process += c.process_interval_us;
                p.process(&mut pv[..nq], &mut c.rng);
                for (s, v) in out.process.iter_mut().zip(&pv[..nq]) {
                    if !v.is_nan() {
                        s.ts.push(ts);
                        s.value.push(*v);
                    }
                }
            }
            c.next_sample += c.interval_us;
        }
        if to >= m_end {
            let s = p.end_minute(m_end, &mut c.rng);
            let covered = (m_end - m_start.max(c.session_start)) as f64 / MICROS_PER_MINUTE as f64;
            if c.running {
                c.operating_hours += covered / 60.0;
            }
            if let Some(t) = out.production.as_mut() {
                t.ts.push(m_end);
                t.production_count.push(s.production_count);
                t.throughput_per_hour.push(s.throughput_per_hour);
                t.operating_mode.push(s.mode);
                t.material.push(s.material);
            }
        }
    }
    if !block.raw_kw.is_empty() {
        sink(block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approx_normal_moments() {
        let mut r = Rng::new(9);
        let xs: Vec<f64> = (0..200_000).map(|_| approx_normal(r.next_u64())).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
        assert!(xs.iter().all(|x| x.abs() < 3.47));
    }

    #[test]
    fn process_intervals() {
        let got: Vec<u32> = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60]
            .iter()
            .map(|&i| process_interval_s(i))
            .collect();
        assert_eq!(got, vec![10, 10, 12, 12, 10, 12, 10, 12, 15, 20, 30, 60]);
    }
}
