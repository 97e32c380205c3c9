//! Reactive energy and power factor.
//!
//! Over an interval with active energy `P` (kWh) and reactive energy `Q` (kvarh), the (energy-weighted
//! average) power factor is `PF = P / sqrt(P^2 + Q^2)` and `tan(phi) = Q / P`; utilities often charge
//! reactive energy above a threshold such as `tan(phi) > 0.4` (PF < 0.93). Lagging (inductive) and
//! leading (capacitive) reactive energy are kept apart by the meter; pass the one that is billed.

use serde::{Deserialize, Serialize};

/// `P / sqrt(P^2 + Q^2)`, or `None` when both are zero or not finite.
pub fn power_factor(active_kwh: f64, reactive_kvarh: f64) -> Option<f64> {
    let s = active_kwh.hypot(reactive_kvarh);
    if s > 0.0 && s.is_finite() {
        Some(active_kwh.abs() / s)
    } else {
        None
    }
}

/// Reactive energy totals of a period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReactiveSummary {
    /// Active energy, kWh.
    pub active_kwh: f64,
    /// Reactive energy, kvarh.
    pub reactive_kvarh: f64,
    /// Power factor over the period (energy-weighted), `None` when undefined.
    pub power_factor: Option<f64>,
    /// `Q / P`, `None` when P is zero.
    pub tan_phi: Option<f64>,
}

impl ReactiveSummary {
    /// Summary from totals.
    pub fn new(active_kwh: f64, reactive_kvarh: f64) -> Self {
        ReactiveSummary {
            active_kwh,
            reactive_kvarh,
            power_factor: power_factor(active_kwh, reactive_kvarh),
            tan_phi: if active_kwh != 0.0 {
                Some(reactive_kvarh / active_kwh)
            } else {
                None
            },
        }
    }

    /// Reactive energy above the free allowance `tan_phi_limit x P` (billed reactive energy), kvarh.
    pub fn excess_kvarh(&self, tan_phi_limit: f64) -> f64 {
        (self.reactive_kvarh - tan_phi_limit * self.active_kwh).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pf_from_energies() {
        assert!((power_factor(3.0, 4.0).unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(power_factor(5.0, 0.0), Some(1.0));
        assert_eq!(power_factor(0.0, 0.0), None);
        let s = ReactiveSummary::new(100.0, 50.0);
        assert_eq!(s.tan_phi, Some(0.5));
        assert!((s.excess_kvarh(0.4) - 10.0).abs() < 1e-12);
    }
}
