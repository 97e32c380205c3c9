//! Injection moulding machine: cycles of heating (plasticising) -> injection -> cooling.
//!
//! A cycle of material `m` lasts `cycle_s` (60-180 s): `heating_time_frac` of it plasticising at
//! `heating_power_frac` of rated power, `injection_time_frac` injecting and holding at
//! `injection_power_frac`, the rest cooling at `cooling_power_frac` (heaters holding the barrel,
//! hydraulics idle). Each cycle makes `cavities` parts. Defaults (120 kW machine):
//!
//! | material | cycle | heat / inject / cool power | energy per part | melt |
//! |---|---|---|---|---|
//! | PP  | 70 s  | 0.55 / 0.92 / 0.22 | ~0.85 kWh | 230 C |
//! | ABS | 85 s  | 0.60 / 0.95 / 0.24 | ~1.1 kWh  | 240 C |
//! | PA6 | 100 s | 0.68 / 1.00 / 0.26 | ~1.45 kWh | 260 C |
//!
//! Below full activity the machine waits between cycles (exponential gaps with mean
//! `cycle x (1/activity - 1)`) holding the barrel at `hold_power_frac` (0.20). Orders (batches,
//! ~`batch_size_mean` cycles) end with a material change (`setup_min`, purging at hold power +
//! 10 %). After a stop the barrel warms up (`warmup_min`, 0.55 of rated, shorter after a short
//! stop). Outside staffed shifts an idle machine switches off after 30 minutes
//! (`off_power_frac`). The phase machine runs in continuous time; the meter reports the mean
//! power over each interval (its 30 s interval is shorter than a cycle, so the phases show).
//!
//! Faults: `stuck_on` = a barrel heater stuck on (+30 % of rated when idle or off, +10 % in
//! production, barrel overheats by 25 C); `efficiency_loss` raises the running power by the
//! severity; `breakdown` stops the machine. Process data: `cycle_phase` (code: 0 off, 1 warm-up,
//! 2 setup, 3 idle, 4 heating, 5 injection, 6 cooling) and `barrel_temp_c`.

use enms_core::model::{AlertLevel, OperatingMode};
use enms_core::time::{Timestamp, MICROS_PER_SECOND};

use super::{MachineActivity, MinuteSummary, Physics};
use crate::config::MoldingParams;
use crate::environment::MinuteDrivers;
use crate::faults::FaultEffects;
use crate::rng::Rng;

const AMBIENT_C: f64 = 25.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Off,
    Broken,
    Warmup,
    Setup,
    Idle,
    Gap,
    Heating,
    Injection,
    Cooling,
}

impl Phase {
    fn code(self) -> f64 {
        match self {
            Phase::Off | Phase::Broken => 0.0,
            Phase::Warmup => 1.0,
            Phase::Setup => 2.0,
            Phase::Idle | Phase::Gap => 3.0,
            Phase::Heating => 4.0,
            Phase::Injection => 5.0,
            Phase::Cooling => 6.0,
        }
    }

    fn cycling(self) -> bool {
        matches!(
            self,
            Phase::Gap | Phase::Heating | Phase::Injection | Phase::Cooling
        )
    }
}

/// Injection moulding machine state.
#[derive(Debug, Clone)]
pub(crate) struct InjectionMolding {
    prm: MoldingParams,
    rated_kw: f64,
    activity: MachineActivity,
    act: f64,
    staffed: bool,
    stuck: bool,
    power_mult: f64,
    phase: Phase,
    /// Seconds left in the current phase (infinite for open-ended phases).
    remaining_s: f64,
    /// Simulated time reached, seconds since the epoch.
    cursor_s: f64,
    /// Energy used since the start, kW s.
    energy_kws: f64,
    energy_at_sample: f64,
    last_sample_s: f64,
    parts: f64,
    parts_at_minute: f64,
    produced_in_minute: bool,
    material: usize,
    batch_left: f64,
    idle_since_s: f64,
    off_since_s: f64,
    barrel_c: f64,
    gap_rng: Rng,
}

impl InjectionMolding {
    pub fn new(prm: &MoldingParams, rated_kw: f64, start: Timestamp, rng: &mut Rng) -> Self {
        let shares: Vec<f64> = prm.materials.iter().map(|m| m.share).collect();
        let material = rng.weighted(&shares);
        let batch_left = (rng.f64() * prm.batch_size_mean).round().max(1.0);
        let start_s = start as f64 / MICROS_PER_SECOND as f64;
        InjectionMolding {
            prm: prm.clone(),
            rated_kw,
            activity: MachineActivity::new(rng),
            act: 0.0,
            staffed: false,
            stuck: false,
            power_mult: 1.0,
            phase: Phase::Off,
            remaining_s: f64::INFINITY,
            cursor_s: start_s,
            energy_kws: 0.0,
            energy_at_sample: 0.0,
            last_sample_s: start_s,
            parts: 0.0,
            parts_at_minute: 0.0,
            produced_in_minute: false,
            material,
            batch_left,
            idle_since_s: start_s,
            off_since_s: start_s - 86_400.0,
            barrel_c: AMBIENT_C,
            gap_rng: Rng::new(rng.next_u64()),
        }
    }

    pub fn materials(&self) -> Vec<String> {
        self.prm.materials.iter().map(|m| m.name.clone()).collect()
    }

    fn phase_power_kw(&self) -> f64 {
        let m = &self.prm.materials[self.material];
        let frac = match self.phase {
            Phase::Off | Phase::Broken => self.prm.off_power_frac,
            Phase::Warmup => 0.55,
            Phase::Setup => self.prm.hold_power_frac + 0.10,
            Phase::Idle | Phase::Gap => self.prm.hold_power_frac,
            Phase::Heating => m.heating_power_frac,
            Phase::Injection => m.injection_power_frac,
            Phase::Cooling => m.cooling_power_frac,
        };
        let running = !matches!(self.phase, Phase::Off | Phase::Broken);
        let mut frac = if running {
            frac * self.power_mult
        } else {
            frac
        };
        if self.stuck {
            frac += if matches!(
                self.phase,
                Phase::Off | Phase::Broken | Phase::Idle | Phase::Gap
            ) {
                0.30
            } else {
                0.10
            };
        }
        self.rated_kw * frac.min(1.05)
    }

    fn enter(&mut self, phase: Phase, duration_s: f64) {
        if phase == Phase::Idle && self.phase != Phase::Idle {
            self.idle_since_s = self.cursor_s;
        }
        if matches!(phase, Phase::Off | Phase::Broken)
            && !matches!(self.phase, Phase::Off | Phase::Broken)
        {
            self.off_since_s = self.cursor_s;
        }
        self.phase = phase;
        self.remaining_s = duration_s;
    }

    fn start_cycle_or_wait(&mut self, allow_gap: bool) {
        if self.act <= 0.02 {
            self.enter(Phase::Idle, f64::INFINITY);
            return;
        }
        let cycle = self.prm.materials[self.material].cycle_s;
        if allow_gap && self.act < 0.97 {
            let mean = cycle * (1.0 / self.act - 1.0);
            let gap = self.gap_rng.exp(mean).min(900.0);
            if gap >= 1.0 {
                self.enter(Phase::Gap, gap);
                return;
            }
        }
        let m = &self.prm.materials[self.material];
        self.enter(Phase::Heating, m.cycle_s * m.heating_time_frac);
    }

    fn new_batch(&mut self) {
        let shares: Vec<f64> = self.prm.materials.iter().map(|m| m.share).collect();
        self.material = self.gap_rng.weighted(&shares);
        self.batch_left = (self.prm.batch_size_mean * (1.0 + 0.3 * self.gap_rng.normal()))
            .round()
            .max(10.0);
        let [lo, hi] = self.prm.setup_min;
        let setup_s = self.gap_rng.uniform(lo, hi) * 60.0;
        self.enter(Phase::Setup, setup_s);
    }

    /// End of a finite phase.
    fn transition(&mut self) {
        let m = &self.prm.materials[self.material];
        let (inj, cool) = (
            m.cycle_s * m.injection_time_frac,
            m.cycle_s * (1.0 - m.heating_time_frac - m.injection_time_frac),
        );
        match self.phase {
            Phase::Heating => self.enter(Phase::Injection, inj),
            Phase::Injection => self.enter(Phase::Cooling, cool),
            Phase::Cooling => {
                self.parts += f64::from(self.prm.cavities);
                self.produced_in_minute = true;
                self.batch_left -= 1.0;
                if self.batch_left <= 0.0 {
                    if self.staffed {
                        self.new_batch();
                    } else {
                        // No operator for the material change: wait.
                        self.enter(Phase::Idle, f64::INFINITY);
                    }
                } else {
                    self.start_cycle_or_wait(true);
                }
            }
            Phase::Gap | Phase::Setup | Phase::Warmup => self.start_cycle_or_wait(false),
            Phase::Off | Phase::Broken | Phase::Idle => self.remaining_s = f64::INFINITY,
        }
    }

    fn advance_to(&mut self, t_s: f64) {
        let mut guard = 0;
        while self.cursor_s < t_s && guard < 10_000 {
            guard += 1;
            let step = self.remaining_s.min(t_s - self.cursor_s);
            self.energy_kws += self.phase_power_kw() * step;
            self.cursor_s += step;
            self.remaining_s -= step;
            if self.remaining_s <= 1e-9 {
                self.transition();
            }
        }
    }
}

impl Physics for InjectionMolding {
    fn process_quantities(&self) -> &'static [(&'static str, &'static str)] {
        &[("cycle_phase", "code"), ("barrel_temp_c", "C")]
    }

    fn begin_minute(&mut self, d: &MinuteDrivers, fx: &FaultEffects, rng: &mut Rng) {
        let m_start_s = (d.minute * 60) as f64;
        self.advance_to(m_start_s);
        self.act = self.activity.of(d, rng);
        self.staffed = d.staffed;
        self.stuck = fx.stuck_on;
        self.power_mult = 1.0 / fx.efficiency;
        self.parts_at_minute = self.parts;
        self.produced_in_minute = false;
        if fx.breakdown {
            if self.phase != Phase::Broken {
                self.enter(Phase::Broken, f64::INFINITY);
            }
        } else {
            match self.phase {
                Phase::Broken => self.enter(Phase::Off, f64::INFINITY),
                Phase::Off if self.staffed && self.act > 0.02 => {
                    let off_s = self.cursor_s - self.off_since_s;
                    let warm = self.prm.warmup_min * 60.0 * (off_s / (4.0 * 3600.0)).min(1.0);
                    if warm >= 1.0 {
                        self.enter(Phase::Warmup, warm);
                    } else {
                        self.start_cycle_or_wait(false);
                    }
                }
                Phase::Idle => {
                    if self.batch_left <= 0.0 && self.staffed {
                        self.new_batch();
                    } else if self.act > 0.02 && self.batch_left > 0.0 {
                        self.start_cycle_or_wait(false);
                    } else if !self.staffed && self.cursor_s - self.idle_since_s >= 1800.0 {
                        self.enter(Phase::Off, f64::INFINITY);
                    }
                }
                _ => {}
            }
        }
        // Barrel temperature: first-order lag towards its set point (10 min heating, 40 min cooling).
        let melt = self.prm.materials[self.material].melt_temp_c;
        let mut target = if matches!(self.phase, Phase::Off | Phase::Broken) {
            AMBIENT_C
        } else {
            melt
        };
        if self.stuck {
            target = melt + 25.0;
        }
        let tau: f64 = if target > self.barrel_c { 10.0 } else { 40.0 };
        self.barrel_c += (target - self.barrel_c) * (1.0 - (-1.0 / tau).exp());
    }

    #[inline]
    fn power(&mut self, ts: Timestamp, _rng: &mut Rng) -> f64 {
        let t_s = ts as f64 / MICROS_PER_SECOND as f64;
        self.advance_to(t_s);
        let dt = t_s - self.last_sample_s;
        let p = if dt > 1e-9 {
            (self.energy_kws - self.energy_at_sample) / dt
        } else {
            self.phase_power_kw()
        };
        self.energy_at_sample = self.energy_kws;
        self.last_sample_s = t_s;
        p
    }

    fn process(&mut self, out: &mut [f64], rng: &mut Rng) {
        out[0] = self.phase.code();
        out[1] = ((self.barrel_c + 0.5 * rng.normal()) * 10.0).round() / 10.0;
    }

    fn end_minute(&mut self, m_end: Timestamp, _rng: &mut Rng) -> MinuteSummary {
        self.advance_to(m_end as f64 / MICROS_PER_SECOND as f64);
        let count = self.parts - self.parts_at_minute;
        let mode = if self.produced_in_minute || self.phase.cycling() {
            OperatingMode::Production
        } else {
            match self.phase {
                Phase::Setup | Phase::Warmup => OperatingMode::Setup,
                Phase::Idle => OperatingMode::Idle,
                _ => OperatingMode::Off,
            }
        };
        let throughput = if mode == OperatingMode::Production && self.act > 0.02 {
            let cycle = self.prm.materials[self.material].cycle_s;
            let gap = if self.act < 0.97 {
                (cycle * (1.0 / self.act - 1.0)).min(900.0)
            } else {
                0.0
            };
            (3600.0 * f64::from(self.prm.cavities) / (cycle + gap) * 10.0).round() / 10.0
        } else {
            0.0
        };
        MinuteSummary {
            production_count: count,
            throughput_per_hour: throughput,
            mode,
            material: self.material as u8,
        }
    }

    fn running(&self) -> bool {
        !matches!(self.phase, Phase::Off | Phase::Broken)
    }

    fn alert(&self) -> AlertLevel {
        AlertLevel::Normal
    }
}
