//! The energy meter: turns a machine's active power into a full meter reading.
//!
//! For a three-phase electric meter (IEC 62053 style quantities):
//! * voltage `V` (line-to-line) = 400 V x grid per-unit voltage x (1 - 0.4 % x load) + jitter,
//!   kept within 400 V +-2 %;
//! * frequency = grid frequency +- 0.002 Hz, within 50 Hz +- 0.05;
//! * displacement power factor `PF = 0.95 - 0.20 (1 - load)^2` (+- 0.004), within 0.75..0.95,
//!   so lightly loaded motors have a poor power factor;
//! * current `I = P / (sqrt(3) V PF)`;
//! * cumulative active energy `E += (P_prev + P) / 2 * dt` (trapezoid rule) and reactive energy
//!   `Eq += (Q_prev + Q) / 2 * dt` with `Q = P tan(acos PF) = P sqrt(1 - PF^2) / PF`.
//!
//! A gas meter (boiler) reports only power and the energy counter; the electric columns are NaN.
//! Counters keep counting during a sensor dropout: the first reading after a gap jumps by the
//! energy used in the gap, as a real meter's register does.

use enms_core::time::{Timestamp, HOURS_PER_MICRO};

use crate::environment::MinuteDrivers;

const SQRT3: f64 = 1.732_050_807_568_877_2;

/// Meter state of one machine.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    electric: bool,
    inv_rated: f64,
    energy_kwh: f64,
    reactive_kvarh: f64,
    last_p: f64,
    last_q: f64,
    last_ts: Timestamp,
}

impl Meter {
    pub fn new(electric: bool, rated_kw: f64, initial_kwh: f64) -> Self {
        Meter {
            electric,
            inv_rated: 1.0 / rated_kw,
            energy_kwh: initial_kwh,
            reactive_kvarh: if electric {
                initial_kwh * 0.45
            } else {
                f64::NAN
            },
            last_p: 0.0,
            last_q: 0.0,
            last_ts: Timestamp::MIN,
        }
    }

    /// Integrates power `p_kw` up to `ts` and returns the reading's
    /// `[power, energy, voltage, current, power factor, frequency, reactive energy]`
    /// (NaN for electric quantities of a gas meter). `jitter` is 64 random bits.
    #[inline]
    pub fn step(&mut self, ts: Timestamp, p_kw: f64, d: &MinuteDrivers, jitter: u64) -> [f64; 7] {
        let first = self.last_ts == Timestamp::MIN;
        let dt_h = if first {
            0.0
        } else {
            (ts - self.last_ts) as f64 * HOURS_PER_MICRO
        };
        self.energy_kwh += 0.5 * (self.last_p + p_kw) * dt_h;
        self.last_p = p_kw;
        self.last_ts = ts;
        if !self.electric {
            return [
                p_kw,
                self.energy_kwh,
                f64::NAN,
                f64::NAN,
                f64::NAN,
                f64::NAN,
                f64::NAN,
            ];
        }
        const M21: u64 = (1 << 21) - 1;
        let scale = 2.0 / (1u64 << 21) as f64;
        let u1 = ((jitter >> 43) & M21) as f64 * scale - 1.0;
        let u2 = ((jitter >> 22) & M21) as f64 * scale - 1.0;
        let u3 = (jitter & M21) as f64 * scale - 1.0;
        let load = (p_kw * self.inv_rated).clamp(0.0, 1.0);
        let pf = (0.95 - 0.20 * (1.0 - load) * (1.0 - load) + 0.004 * u1).clamp(0.75, 0.95);
        let v = (400.0 * d.voltage_pu * (1.0 - 0.004 * load) + 0.6 * u2).clamp(392.0, 408.0);
        let f = (d.frequency_hz + 0.002 * u3).clamp(49.95, 50.05);
        let inv_pf = 1.0 / pf;
        let q = p_kw * (1.0 - pf * pf).sqrt() * inv_pf;
        self.reactive_kvarh += 0.5 * (self.last_q + q) * dt_h;
        self.last_q = q;
        let i = p_kw * 1000.0 * inv_pf / (SQRT3 * v);
        [p_kw, self.energy_kwh, v, i, pf, f, self.reactive_kvarh]
    }
}
