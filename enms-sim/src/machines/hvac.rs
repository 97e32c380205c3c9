//! HVAC: an air-to-water chiller / heat pump with air handling, driven by outdoor temperature
//! and occupancy (degree-day model, as in ASHRAE's inverse-modelling toolkit / ISO 50006
//! baselines with HDD/CDD).
//!
//! Per minute, with outdoor temperature `T`:
//! * cooling when `T > cooling_balance_c` (18 C): thermal load
//!   `Q = UA_c (T - 18) + gains x occupancy + solar(hour)`, COP `4.3 - 0.065 (T - 18)`;
//! * heating (heat pump) when `T < heating_balance_c` (12 C):
//!   `Q = (UA_h (12 - T) - 0.5 gains x occupancy)+`, 25 % less outside occupancy (setback),
//!   COP `3.9 - 0.04 (12 - T)`;
//! * ventilation only in between.
//!
//! COPs are kept within 3.0..4.0 and multiplied by `1 - severity` during an `efficiency_loss`
//! fault (COP stays >= 2.5). Electric power `P = fans + Q / COP` (at most rated), with fans at
//! `fan_power_frac` when occupied and half that otherwise, plus AR(1) noise (3 %, compressor
//! staging). Chilled water: supply 12 C at no load down to 7 C at full load, return
//! `supply + 5 + load` (12..18 C); in heating mode the heating loop runs 35..45 C supply.
//! Process data: `supply_temp_c`, `return_temp_c`, `cop` (only while the chiller/heat pump runs),
//! `hvac_mode` (code: 0 off, 1 ventilation, 2 cooling, 3 heating).

use enms_core::time::Timestamp;

use super::{MinuteSummary, Physics};
use crate::config::HvacParams;
use crate::environment::MinuteDrivers;
use crate::faults::FaultEffects;
use crate::rng::{Ar1, Rng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    Ventilation,
    Cooling,
    Heating,
}

/// HVAC state.
#[derive(Debug, Clone)]
pub(crate) struct Hvac {
    prm: HvacParams,
    rated_kw: f64,
    alpha: f64,
    mode: Mode,
    target_kw: f64,
    power_kw: f64,
    cop: f64,
    load_frac: f64,
    noise: Ar1,
}

impl Hvac {
    pub fn new(prm: &HvacParams, rated_kw: f64, dt_s: f64, rng: &mut Rng) -> Self {
        Hvac {
            prm: prm.clone(),
            rated_kw,
            alpha: 1.0 - (-dt_s / 60.0).exp(),
            mode: Mode::Ventilation,
            target_kw: f64::NAN,
            power_kw: f64::NAN,
            cop: 3.5,
            load_frac: 0.0,
            noise: Ar1::new(10.0, 0.03, rng),
        }
    }
}

impl Physics for Hvac {
    fn process_quantities(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("supply_temp_c", "C"),
            ("return_temp_c", "C"),
            ("cop", "1"),
            ("hvac_mode", "code"),
        ]
    }

    fn begin_minute(&mut self, d: &MinuteDrivers, fx: &FaultEffects, rng: &mut Rng) {
        let p = &self.prm;
        let t = d.outdoor_temp_c;
        let occ = if fx.stuck_on { 1.0 } else { d.occupancy };
        let occupied = occ > 0.2;
        let noise = self.noise.step(rng);
        if fx.breakdown {
            self.mode = Mode::Off;
            self.target_kw = 0.0;
            self.load_frac = 0.0;
        } else {
            let h = d.hour_of_day;
            let solar = if (7.0..20.0).contains(&h) {
                15.0 * (std::f64::consts::PI * (h - 7.0) / 13.0).sin()
            } else {
                0.0
            };
            let (mode, q, cop_nominal) = if t > p.cooling_balance_c {
                let q = p.ua_cooling_kw_per_k * (t - p.cooling_balance_c)
                    + p.internal_gains_kw * occ
                    + solar;
                (
                    Mode::Cooling,
                    q,
                    (4.3 - 0.065 * (t - p.cooling_balance_c)).clamp(3.0, 4.0),
                )
            } else if t < p.heating_balance_c {
                let q = (p.ua_heating_kw_per_k * (p.heating_balance_c - t)
                    - 0.5 * p.internal_gains_kw * occ)
                    .max(0.0)
                    * if occupied { 1.0 } else { 0.75 };
                (
                    Mode::Heating,
                    q,
                    (3.9 - 0.04 * (p.heating_balance_c - t)).clamp(3.0, 4.0),
                )
            } else {
                (Mode::Ventilation, 0.0, 3.5)
            };
            let cop = (cop_nominal * fx.efficiency).max(2.5);
            let fans = self.rated_kw * p.fan_power_frac * if occupied { 1.0 } else { 0.5 };
            self.mode = mode;
            self.cop = cop;
            self.load_frac = (q / (self.rated_kw * cop_nominal)).clamp(0.0, 1.0);
            self.target_kw = ((fans + q / cop) * (1.0 + noise)).clamp(0.0, self.rated_kw);
        }
        if self.power_kw.is_nan() {
            self.power_kw = self.target_kw;
        }
    }

    #[inline]
    fn power(&mut self, _ts: Timestamp, _rng: &mut Rng) -> f64 {
        self.power_kw += (self.target_kw - self.power_kw) * self.alpha;
        self.power_kw
    }

    fn process(&mut self, out: &mut [f64], rng: &mut Rng) {
        let lf = self.load_frac;
        let (supply, ret) = match self.mode {
            Mode::Cooling => {
                let s = 12.0 - 5.0 * lf;
                (s, s + 5.0 + lf)
            }
            Mode::Heating => {
                let s = 35.0 + 10.0 * lf;
                (s, s - 3.0 - 4.0 * lf)
            }
            Mode::Ventilation | Mode::Off => (12.0, 13.0),
        };
        let (lo_s, hi_s, lo_r, hi_r) = match self.mode {
            Mode::Heating => (35.0, 45.0, 30.0, 38.0),
            _ => (7.0, 12.0, 12.0, 18.0),
        };
        out[0] = (supply + 0.1 * rng.normal()).clamp(lo_s, hi_s);
        out[1] = (ret + 0.1 * rng.normal()).clamp(lo_r, hi_r);
        out[2] = match self.mode {
            Mode::Cooling | Mode::Heating => self.cop,
            _ => f64::NAN,
        };
        out[3] = match self.mode {
            Mode::Off => 0.0,
            Mode::Ventilation => 1.0,
            Mode::Cooling => 2.0,
            Mode::Heating => 3.0,
        };
    }

    fn end_minute(&mut self, _m_end: Timestamp, _rng: &mut Rng) -> MinuteSummary {
        MinuteSummary::utility()
    }

    fn running(&self) -> bool {
        self.mode != Mode::Off
    }
}
