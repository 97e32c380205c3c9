//! Screw compressor with load/unload control and a receiver.
//!
//! Model (per meter sample, default every second):
//! * Air demand (m3/h FAD) = capacity x (base + production x activity x hourly factor) x
//!   (1 + AR(1) noise, sd 8 %, tau 5 min), plus leak flow during an `air_leak` fault. Users draw in
//!   proportion to pressure: `q_out = demand x p / 7 bar`.
//! * Receiver pressure: `dp/dt = (q_in - q_out) x p_atm / V`, with `q_in` = capacity when loaded.
//! * Control: load at `load_pressure_bar` (6.5), unload at `unload_pressure_bar` (7.5); after
//!   `run_on_s` unloaded, the motor stops until the pressure falls to the load pressure again.
//! * Power: loaded `P = rated x (0.93 + 0.06 (p - 7))` (more pressure, more work), unloaded
//!   `rated x unloaded_power_frac` (0.27), stopped 0; first-order lag of ~2 s for blow-down.
//!
//! An `air_leak` raises `q_out` without useful work: the compressor loads longer, the pressure
//! sags, and the energy per m3 of *useful* air rises. An `efficiency_loss` (worn air end) reduces
//! the free air delivery by the fault's severity. Process data: `pressure_bar` (bar g) and
//! `flow_m3h` (receiver outlet flow incl. leaks).

use enms_core::model::AlertLevel;
use enms_core::time::Timestamp;

use super::{MinuteSummary, Physics};
use crate::config::CompressorParams;
use crate::environment::MinuteDrivers;
use crate::faults::FaultEffects;
use crate::rng::{Ar1, Rng};

const P_ATM_BAR: f64 = 1.013;
const P_NOMINAL_BAR: f64 = 7.0;
const MIN_PRESSURE_BAR: f64 = 6.0;
const MAX_PRESSURE_BAR: f64 = 8.0;

/// Compressor state.
#[derive(Debug, Clone)]
pub(crate) struct Compressor {
    prm: CompressorParams,
    rated_kw: f64,
    dt_s: f64,
    pressure_bar: f64,
    loaded: bool,
    motor_on: bool,
    unloaded_s: f64,
    power_kw: f64,
    demand_m3h: f64,
    leak_m3h: f64,
    fad_m3h: f64,
    flow_m3h: f64,
    broken: bool,
    demand_ar: Ar1,
    hour_ar: Ar1,
    hour: i64,
    hour_factor: f64,
    alpha_up: f64,
    alpha_down: f64,
}

impl Compressor {
    pub fn new(prm: &CompressorParams, rated_kw: f64, dt_s: f64, rng: &mut Rng) -> Self {
        let p0 = rng.uniform(prm.load_pressure_bar, prm.unload_pressure_bar);
        Compressor {
            prm: prm.clone(),
            rated_kw,
            dt_s,
            pressure_bar: p0,
            loaded: rng.chance(0.5),
            motor_on: true,
            unloaded_s: 0.0,
            power_kw: rated_kw * prm.unloaded_power_frac,
            demand_m3h: 0.0,
            leak_m3h: 0.0,
            fad_m3h: prm.capacity_m3h,
            flow_m3h: 0.0,
            broken: false,
            demand_ar: Ar1::new(5.0, 0.08, rng),
            hour_ar: Ar1::new(3.0, 0.05, rng),
            hour: i64::MIN,
            hour_factor: 1.0,
            alpha_up: 1.0 - (-dt_s / 1.0f64).exp(),
            alpha_down: 1.0 - (-dt_s / 2.5f64).exp(),
        }
    }
}

impl Physics for Compressor {
    fn process_quantities(&self) -> &'static [(&'static str, &'static str)] {
        &[("pressure_bar", "bar"), ("flow_m3h", "m3/h")]
    }

    fn begin_minute(&mut self, d: &MinuteDrivers, fx: &FaultEffects, rng: &mut Rng) {
        let h = d.minute.div_euclid(60);
        if h != self.hour {
            self.hour = h;
            self.hour_factor = 1.0 + self.hour_ar.step(rng);
        }
        let cap = self.prm.capacity_m3h;
        let frac = self.prm.base_demand_frac
            + self.prm.production_demand_frac * d.activity * self.hour_factor;
        self.demand_m3h = (cap * frac * (1.0 + self.demand_ar.step(rng))).max(0.0);
        self.fad_m3h = cap * fx.efficiency;
        // Users and leaks cannot draw much more than the compressor delivers: the pressure sags
        // towards 6.4 bar at most.
        let limit = 1.08 * self.fad_m3h;
        self.leak_m3h = (cap * fx.air_leak_frac).min((limit - self.demand_m3h).max(0.0));
        self.demand_m3h = self.demand_m3h.min(limit);
        self.broken = fx.breakdown;
    }

    #[inline]
    fn power(&mut self, _ts: Timestamp, _rng: &mut Rng) -> f64 {
        let prm = &self.prm;
        let q_out = (self.demand_m3h + self.leak_m3h) * self.pressure_bar / P_NOMINAL_BAR;
        let q_in = if self.loaded { self.fad_m3h } else { 0.0 };
        self.pressure_bar += (q_in - q_out) / 3600.0 * self.dt_s * P_ATM_BAR / prm.system_volume_m3;
        let floor = if self.broken { 0.0 } else { MIN_PRESSURE_BAR };
        self.pressure_bar = self.pressure_bar.clamp(floor, MAX_PRESSURE_BAR);
        self.flow_m3h = q_out;
        if self.broken {
            self.loaded = false;
            self.motor_on = false;
        } else if self.loaded {
            if self.pressure_bar >= prm.unload_pressure_bar {
                self.loaded = false;
                self.unloaded_s = 0.0;
            }
        } else if self.pressure_bar <= prm.load_pressure_bar {
            self.loaded = true;
            self.motor_on = true;
        } else if self.motor_on {
            self.unloaded_s += self.dt_s;
            if self.unloaded_s >= prm.run_on_s {
                self.motor_on = false;
            }
        }
        let target = if self.loaded {
            self.rated_kw * (0.93 + 0.06 * (self.pressure_bar - P_NOMINAL_BAR))
        } else if self.motor_on {
            self.rated_kw * prm.unloaded_power_frac
        } else {
            0.0
        };
        let alpha = if target > self.power_kw {
            self.alpha_up
        } else {
            self.alpha_down
        };
        self.power_kw += (target - self.power_kw) * alpha;
        self.power_kw
    }

    fn process(&mut self, out: &mut [f64], rng: &mut Rng) {
        out[0] = ((self.pressure_bar + 0.01 * rng.normal()) * 1000.0).round() / 1000.0;
        out[0] = out[0].clamp(
            if self.broken { 0.0 } else { MIN_PRESSURE_BAR },
            MAX_PRESSURE_BAR,
        );
        out[1] = (self.flow_m3h * (1.0 + 0.01 * rng.normal())).max(0.0);
    }

    fn end_minute(&mut self, _m_end: Timestamp, _rng: &mut Rng) -> MinuteSummary {
        MinuteSummary::utility()
    }

    fn running(&self) -> bool {
        self.motor_on
    }

    fn alert(&self) -> AlertLevel {
        if !self.broken && self.pressure_bar < self.prm.load_pressure_bar - 0.2 {
            AlertLevel::Warning
        } else {
            AlertLevel::Normal
        }
    }
}
