//! Conveyor drive on a variable-frequency drive (VFD).
//!
//! In production the line speed follows the machine's activity,
//! `s = min_speed + (1 - min_speed) x activity` (35..100 %), reached through a first-order VFD ramp
//! (`ramp_s`, 20 s). Parts per minute are proportional to speed: `max_parts_per_min x s`.
//! Power is friction, linear in speed and growing with the product load on the belt `L`
//! (redrawn every hour, 0.6..1.0), plus an affinity-law (cube) part for the motor fan and windage,
//! plus the drive's standby:
//!
//! `P = rated x (standby + friction x s x (0.5 + 0.5 L) + affinity x s^3)`
//!
//! In a staffed shift without activity (breaks) the belt stops and the drive idles at `standby`;
//! outside staffed shifts it is off at a quarter of standby. Faults: `stuck_on` keeps the empty
//! belt running at 60 % outside production (energy without parts); `breakdown` stops it;
//! `efficiency_loss` (worn bearings) raises friction power. Process data: `speed_pct`.

use enms_core::model::{AlertLevel, EventKind, OperatingMode};
use enms_core::time::Timestamp;

use super::{MachineActivity, MinuteSummary, Physics};
use crate::config::ConveyorParams;
use crate::environment::MinuteDrivers;
use crate::faults::FaultEffects;
use crate::output::NO_MATERIAL;
use crate::rng::Rng;

/// Product load on the belt in production, redrawn every hour uniformly within this range.
pub(crate) const LOAD_RANGE: (f64, f64) = (0.6, 1.0);
/// Load of the empty belt (outside production: coasting down, or stuck on).
pub(crate) const EMPTY_LOAD: f64 = 0.1;
/// Standby power outside staffed shifts, as a share of `standby_frac`.
pub(crate) const OFF_STANDBY_SHARE: f64 = 0.25;

/// Conveyor state.
#[derive(Debug, Clone)]
pub(crate) struct Conveyor {
    prm: ConveyorParams,
    rated_kw: f64,
    dt_s: f64,
    alpha: f64,
    activity: MachineActivity,
    mode: OperatingMode,
    running: bool,
    broken: bool,
    speed: f64,
    target: f64,
    load: f64,
    friction_mult: f64,
    standby: f64,
    hour: i64,
    parts_acc: f64,
}

impl Conveyor {
    pub fn new(prm: &ConveyorParams, rated_kw: f64, dt_s: f64, rng: &mut Rng) -> Self {
        Conveyor {
            prm: prm.clone(),
            rated_kw,
            dt_s,
            alpha: 1.0 - (-dt_s / prm.ramp_s).exp(),
            activity: MachineActivity::new(rng),
            mode: OperatingMode::Off,
            running: false,
            broken: false,
            speed: 0.0,
            target: 0.0,
            load: 0.8,
            friction_mult: 1.0,
            standby: prm.standby_frac,
            hour: i64::MIN,
            parts_acc: 0.0,
        }
    }
}

impl Physics for Conveyor {
    fn process_quantities(&self) -> &'static [(&'static str, &'static str)] {
        &[("speed_pct", "%")]
    }

    /// A drive sticks on when it is told to stop, and a belt breaks down under load: while the
    /// line produces a stuck-on drive changes nothing, and while it stands a breakdown does not.
    fn fault_can_act(&self, kind: EventKind) -> bool {
        match kind {
            EventKind::StuckOn => self.mode != OperatingMode::Production,
            EventKind::Breakdown => self.mode == OperatingMode::Production,
            _ => true,
        }
    }

    fn begin_minute(&mut self, d: &MinuteDrivers, fx: &FaultEffects, rng: &mut Rng) {
        let h = d.minute.div_euclid(60);
        if h != self.hour {
            self.hour = h;
            self.load = rng.uniform(LOAD_RANGE.0, LOAD_RANGE.1);
        }
        let act = self.activity.of(d, rng);
        let min_s = self.prm.min_speed_pct / 100.0;
        self.broken = fx.breakdown;
        self.friction_mult = 1.0 / fx.efficiency;
        if fx.breakdown {
            self.mode = OperatingMode::Off;
            self.target = 0.0;
            self.standby = 0.0;
            self.running = false;
        } else if act > 0.02 {
            self.mode = OperatingMode::Production;
            self.target = (min_s + (1.0 - min_s) * act + 0.01 * rng.normal()).clamp(min_s, 1.0);
            self.standby = self.prm.standby_frac;
            self.running = true;
        } else {
            self.mode = if d.staffed {
                OperatingMode::Idle
            } else {
                OperatingMode::Off
            };
            self.standby = if d.staffed {
                self.prm.standby_frac
            } else {
                OFF_STANDBY_SHARE * self.prm.standby_frac
            };
            self.target = if fx.stuck_on { 0.6 } else { 0.0 };
            self.running = fx.stuck_on || d.staffed;
        }
    }

    #[inline]
    fn power(&mut self, _ts: Timestamp, _rng: &mut Rng) -> f64 {
        self.speed += (self.target - self.speed) * self.alpha;
        if self.speed < 1e-4 && self.target == 0.0 {
            self.speed = 0.0;
        }
        let s = self.speed;
        let producing = self.mode == OperatingMode::Production;
        if producing {
            self.parts_acc += self.prm.max_parts_per_min * s * self.dt_s / 60.0;
        }
        let load = if producing { self.load } else { EMPTY_LOAD };
        let p = &self.prm;
        self.rated_kw
            * (self.standby
                + p.friction_frac * self.friction_mult * s * (0.5 + 0.5 * load)
                + p.affinity_frac * s * s * s)
    }

    fn process(&mut self, out: &mut [f64], _rng: &mut Rng) {
        out[0] = (self.speed * 1000.0).round() / 10.0;
    }

    fn end_minute(&mut self, _m_end: Timestamp, _rng: &mut Rng) -> MinuteSummary {
        let count = self.parts_acc.floor();
        self.parts_acc -= count;
        let producing = self.mode == OperatingMode::Production;
        MinuteSummary {
            production_count: count,
            throughput_per_hour: if producing {
                (self.prm.max_parts_per_min * self.speed * 60.0).round()
            } else {
                0.0
            },
            mode: self.mode,
            material: NO_MATERIAL,
        }
    }

    fn running(&self) -> bool {
        self.running
    }

    fn alert(&self) -> AlertLevel {
        AlertLevel::Normal
    }
}
