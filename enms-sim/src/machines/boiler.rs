//! Natural-gas boiler for space heating and process heat.
//!
//! Heat demand (kW thermal) per minute:
//! `Q = UA x (heating_limit - T_out)+ x (1 occupied | 0.7 setback) + process_heat x activity + hot_water`.
//! Gas input (the meter, kWh of gross calorific value) is `Q / eta`, with a condensing boiler's
//! efficiency `eta = efficiency - 0.07 x load` (better at part load), times `1 - severity` during
//! an `efficiency_loss` fault (fouled heat exchanger). The burner modulates between
//! `min_fire_frac` and 100 % of rated input; below minimum fire it cycles on and off (a
//! sigma-delta controller with +-2 minutes of stored heat, so cycles last several minutes).
//! The meter reports no electric quantities (voltage, current, PF, frequency, kvarh are null).
//! Process data: `efficiency_pct`, `supply_temp_c` (weather-compensated flow temperature,
//! 45..75 C, only while firing).

use enms_core::time::Timestamp;

use super::{MinuteSummary, Physics};
use crate::config::BoilerParams;
use crate::environment::MinuteDrivers;
use crate::faults::FaultEffects;
use crate::rng::Rng;

/// Boiler state.
#[derive(Debug, Clone)]
pub(crate) struct Boiler {
    prm: BoilerParams,
    rated_kw: f64,
    on: bool,
    acc: f64,
    firing_kw: f64,
    eta: f64,
    supply_c: f64,
    broken: bool,
}

impl Boiler {
    pub fn new(prm: &BoilerParams, rated_kw: f64, rng: &mut Rng) -> Self {
        Boiler {
            prm: prm.clone(),
            rated_kw,
            on: false,
            acc: rng.uniform(-2.0, 2.0),
            firing_kw: 0.0,
            eta: prm.efficiency,
            supply_c: 45.0,
            broken: false,
        }
    }
}

impl Physics for Boiler {
    fn process_quantities(&self) -> &'static [(&'static str, &'static str)] {
        &[("efficiency_pct", "%"), ("supply_temp_c", "C")]
    }

    fn begin_minute(&mut self, d: &MinuteDrivers, fx: &FaultEffects, _rng: &mut Rng) {
        let p = &self.prm;
        let t = d.outdoor_temp_c;
        let occupied = d.occupancy > 0.2;
        let space =
            p.ua_kw_per_k * (p.heating_limit_c - t).max(0.0) * if occupied { 1.0 } else { 0.7 };
        let q = space + p.process_heat_kw * d.activity + p.hot_water_kw;
        let load = (q / (self.rated_kw * p.efficiency)).clamp(0.0, 1.0);
        self.eta = (p.efficiency - 0.07 * load) * fx.efficiency;
        let gas = q / self.eta;
        let min_fire = self.rated_kw * p.min_fire_frac;
        self.broken = fx.breakdown;
        self.supply_c = (45.0 + 1.2 * (p.heating_limit_c - t).max(0.0)).clamp(45.0, 75.0);
        if fx.breakdown {
            self.on = false;
            self.firing_kw = 0.0;
        } else if gas >= min_fire {
            self.on = true;
            self.acc = 0.0;
            self.firing_kw = gas.min(self.rated_kw);
        } else {
            let f = gas / min_fire;
            self.acc += f - if self.on { 1.0 } else { 0.0 };
            if !self.on && self.acc >= 2.0 {
                self.on = true;
            } else if self.on && self.acc <= -2.0 {
                self.on = false;
            }
            self.firing_kw = if self.on { min_fire } else { 0.0 };
        }
    }

    #[inline]
    fn power(&mut self, _ts: Timestamp, _rng: &mut Rng) -> f64 {
        self.firing_kw
    }

    fn process(&mut self, out: &mut [f64], rng: &mut Rng) {
        out[0] = ((self.eta * 100.0 + 0.2 * rng.normal()) * 10.0).round() / 10.0;
        out[1] = if self.on {
            ((self.supply_c + 0.3 * rng.normal()).clamp(45.0, 75.0) * 10.0).round() / 10.0
        } else {
            f64::NAN
        };
    }

    fn end_minute(&mut self, _m_end: Timestamp, _rng: &mut Rng) -> MinuteSummary {
        MinuteSummary::utility()
    }

    fn running(&self) -> bool {
        self.on && !self.broken
    }
}
