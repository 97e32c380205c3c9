//! Ground truth for energy baselines: the true linear relationship between a simulated machine's
//! energy per local day and its drivers, derived from the machine's configured physics where that
//! physics is linear in the drivers, so a fitted baseline can be checked against it.
//!
//! **Conveyor without the affinity-law part** (`affinity_frac = 0`), optionally with an electric
//! [`HeaterConfig`] on its meter. With rated power `R`, standby share `σ`, friction share `f`,
//! `N` parts per minute at full speed, heater `k` kW/K below `T_b`, the belt speed `s` (0..1)
//! and the product load `L` (redrawn hourly, uniform in 0.6..1.0), the model
//! (`enms-sim/src/machines/conveyor.rs`) draws
//!
//! - in a staffed shift: `R σ + R f s (1 + L) / 2` and makes `N s` parts a minute (friction is
//!   linear in speed, so each part costs the same energy at any speed);
//! - outside staffed shifts: `R σ / 4` (the belt stands);
//! - the heater: `k max(T_b - T, 0)` each minute.
//!
//! Summed over a local day of 24 hours with `H` operating hours (the `is_running` flag, which is
//! exactly "staffed" for a healthy conveyor), `P` parts, and `HDD = max(T_b - T̄, 0)` from the
//! day's mean outdoor temperature `T̄`:
//!
//! `E = a + b P + c H + d HDD + ε` with
//!
//! | coefficient | value | unit |
//! |---|---|---|
//! | `const` | `a = 24 R σ / 4` | kWh per day |
//! | `production` | `b = R f (1 + E[L]) / (2 · 60 N)`, `E[L] = 0.8` | kWh per part |
//! | `operating_hours` | `c = 3 R σ / 4` | kWh per hour |
//! | `hdd` | `d = 24 k` | kWh per K·day |
//!
//! and `ε` the sum of mean-zero terms: the product load's hourly draws around its mean
//! (`R f s (L - 0.8) / 2`), the meter's noise (2 %), whole parts counted per minute. Known,
//! bounded departures: the belt coasting down after each stop of production (breaks, the end of
//! the last shift) draws `≈ R f 0.55 s τ` without making parts (`τ` the VFD ramp; ~0.04 kWh per
//! stop with the defaults, a few stops a day); the 23- and 25-hour days of a DST change scale `a`
//! and `d` by their length; a day whose temperature rises above `T_b` at some minute draws more
//! than `d HDD` (the heater switches minute by minute, degree-days use the daily mean: Jensen's
//! inequality). Faults (a breakdown, a belt stuck on, worn bearings) and
//! [`crate::config::Measure`]s change the terms: the truth is that of the healthy machine
//! without measures.
//!
//! **Why the other models are not linear in their drivers** (so [`daily_truth`] refuses them):
//! the conveyor's affinity part `s³` makes energy depend on the mix of speeds, not on the parts
//! alone; the compressor loads and unloads with hysteresis and a run-on timer against a pressure
//! that integrates the demand; the HVAC's COP falls with the temperature lift and it switches
//! between cooling, ventilation and heating at two balance points, with occupancy in the load;
//! the hydraulic press's energy per stroke depends on the recipe (pressure, stroke time) and on
//! tool changes; the injection moulding machine's energy per cycle depends on the material,
//! with warm-ups after stops, idle holding and a switch-off timer; the boiler's efficiency falls
//! with its load (gas = heat / efficiency), its setback multiplies temperature by occupancy and
//! its burner cycles below minimum fire. Regression baselines of those are approximations whose
//! "true" coefficients are not defined, which is why the check against the physics uses the
//! linear conveyor.

use serde::{Deserialize, Serialize};

use crate::config::{FactoryConfig, MachineSpec};
use crate::error::{Error, Result};
use crate::machines::conveyor::{LOAD_RANGE, OFF_STANDBY_SHARE};

/// Name of the intercept (as enms-core's regression names it).
pub const CONST: &str = "const";
/// Name of the production driver (parts per period, `production_data.production_count` summed).
pub const PRODUCTION: &str = "production";
/// Name of the operating-hours driver (hours per period with `machine_status.is_running`).
pub const OPERATING_HOURS: &str = "operating_hours";
/// Name of the heating degree-day driver (K·day, base = the heater's `base_c`).
pub const HDD: &str = "hdd";

/// One true coefficient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueCoefficient {
    /// Driver name ([`CONST`], [`PRODUCTION`], [`OPERATING_HOURS`], [`HDD`]).
    pub name: String,
    /// Value.
    pub value: f64,
    /// Unit (`kWh/day`, `kWh/part`, `kWh/h`, `kWh/(K·day)`).
    pub unit: String,
    /// The formula it comes from, with the parameters' values.
    pub derivation: String,
}

/// The true daily linear model of a machine's energy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearTruth {
    /// Machine.
    pub machine_id: String,
    /// Coefficients: the intercept of a 24-hour day first, then the drivers in model order.
    pub coefficients: Vec<TrueCoefficient>,
    /// The intercept per hour, kW (for periods other than a 24-hour day: `base_load_kw x hours`).
    pub base_load_kw: f64,
    /// Base temperature of the degree-days (the heater's `base_c`), when there is a heater.
    pub hdd_base_c: Option<f64>,
    /// What must hold for the relationship to be exact.
    pub conditions: Vec<String>,
}

impl LinearTruth {
    /// The value of coefficient `name`.
    pub fn coefficient(&self, name: &str) -> Option<f64> {
        self.coefficients
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
    }

    /// Names of the drivers (without the intercept), in model order.
    pub fn drivers(&self) -> Vec<&str> {
        self.coefficients
            .iter()
            .filter(|c| c.name != CONST)
            .map(|c| c.name.as_str())
            .collect()
    }

    /// Expected energy of a 24-hour day, kWh, for driver values in [`LinearTruth::drivers`]
    /// order; `None` when the number of values differs.
    pub fn expected_kwh(&self, drivers: &[f64]) -> Option<f64> {
        let slopes: Vec<f64> = self
            .coefficients
            .iter()
            .filter(|c| c.name != CONST)
            .map(|c| c.value)
            .collect();
        (slopes.len() == drivers.len()).then(|| {
            self.coefficient(CONST).unwrap_or(0.0)
                + slopes.iter().zip(drivers).map(|(b, x)| b * x).sum::<f64>()
        })
    }
}

/// The true daily relationship of `machine_id`'s energy with its drivers (module docs), from its
/// configured parameters. Errors: an unknown machine, and a machine whose physics is not linear
/// in its drivers (the error names the parameter or the type and says why).
pub fn daily_truth(config: &FactoryConfig, machine_id: &str) -> Result<LinearTruth> {
    let (i, mc) = config
        .machines
        .iter()
        .enumerate()
        .find(|(_, m)| m.id == machine_id)
        .ok_or_else(|| Error::UnknownMachine(machine_id.to_string()))?;
    let p = match &mc.spec {
        MachineSpec::ConveyorMotor(p) => p,
        other => {
            let why = match other {
                MachineSpec::Compressor(_) => {
                    "load/unload control with hysteresis and a run-on timer against a receiver pressure"
                }
                MachineSpec::Hvac(_) => {
                    "its COP changes with the temperature lift, and it switches between cooling, ventilation and heating"
                }
                MachineSpec::HydraulicPump(_) => {
                    "the energy per stroke depends on the recipe, and tool changes draw standby power"
                }
                MachineSpec::InjectionMolding(_) => {
                    "the energy per cycle depends on the material, with warm-ups, idle holding and a switch-off timer"
                }
                MachineSpec::Boiler(_) => {
                    "its efficiency falls with load, the setback multiplies temperature by occupancy, and the burner cycles"
                }
                MachineSpec::ConveyorMotor(_) => "",
            };
            return Err(Error::invalid(
                &format!("machines[{i}].spec"),
                format!(
                    "a {}'s energy is not linear in its drivers ({why}); a conveyor with affinity_frac = 0 is",
                    other.machine_type()
                ),
            ));
        }
    };
    if p.affinity_frac != 0.0 {
        return Err(Error::invalid(
            &format!("machines[{i}].spec.affinity_frac"),
            format!(
                "is {}: the affinity-law part (speed cubed) makes the energy depend on the mix of speeds, not on the parts alone; set it to 0 for a conveyor whose energy is linear in its production",
                p.affinity_frac
            ),
        ));
    }
    let r = mc.rated_power_kw;
    let off = OFF_STANDBY_SHARE;
    let mean_load = 0.5 * (LOAD_RANGE.0 + LOAD_RANGE.1);
    let base_load_kw = r * p.standby_frac * off;
    let mut coefficients = vec![
        TrueCoefficient {
            name: CONST.into(),
            value: 24.0 * base_load_kw,
            unit: "kWh/day".into(),
            derivation: format!(
                "24 h x rated {r} kW x standby {} x {off} (drive standby outside shifts)",
                p.standby_frac
            ),
        },
        TrueCoefficient {
            name: PRODUCTION.into(),
            value: r * p.friction_frac * (1.0 + mean_load) / (2.0 * 60.0 * p.max_parts_per_min),
            unit: "kWh/part".into(),
            derivation: format!(
                "rated {r} kW x friction {} x (1 + mean load {mean_load}) / 2 / (60 x {} parts/min)",
                p.friction_frac, p.max_parts_per_min
            ),
        },
        TrueCoefficient {
            name: OPERATING_HOURS.into(),
            value: r * p.standby_frac * (1.0 - off),
            unit: "kWh/h".into(),
            derivation: format!(
                "rated {r} kW x standby {} x (1 - {off}) (full standby in staffed shifts)",
                p.standby_frac
            ),
        },
    ];
    let mut conditions = vec![
        "no faults (fault_rate_per_machine_day = 0, none injected)".to_string(),
        "local days of 24 hours (no DST change)".to_string(),
        "no energy conservation measure in effect".to_string(),
    ];
    if let Some(h) = &mc.heater {
        coefficients.push(TrueCoefficient {
            name: HDD.into(),
            value: 24.0 * h.kw_per_k,
            unit: "kWh/(K·day)".into(),
            derivation: format!(
                "24 h x heater {} kW/K (degree-days of base {} C)",
                h.kw_per_k, h.base_c
            ),
        });
        conditions.push(format!(
            "the outdoor temperature stays below the heater's base {} C",
            h.base_c
        ));
    }
    Ok(LinearTruth {
        machine_id: mc.id.clone(),
        coefficients,
        base_load_kw,
        hdd_base_c: mc.heater.as_ref().map(|h| h.base_c),
        conditions,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::config::{ConveyorParams, HeaterConfig, MachineConfig};

    fn linear_conveyor() -> FactoryConfig {
        let spec = MachineSpec::ConveyorMotor(ConveyorParams {
            affinity_frac: 0.0,
            ..Default::default()
        });
        FactoryConfig {
            machines: vec![MachineConfig::new("c", "c", 22.0, 10, spec).with_heater(
                HeaterConfig {
                    kw_per_k: 0.5,
                    base_c: 22.0,
                },
            )],
            ..Default::default()
        }
    }

    #[test]
    fn conveyor_coefficients() {
        let t = daily_truth(&linear_conveyor(), "c").unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        // 22 kW, standby 4 %, friction 55 %, 40 parts/min, heater 0.5 kW/K
        assert!(close(
            t.coefficient(CONST).unwrap(),
            24.0 * 22.0 * 0.04 * 0.25
        ));
        assert!(close(
            t.coefficient(PRODUCTION).unwrap(),
            22.0 * 0.55 * 0.9 / 2400.0
        ));
        assert!(close(
            t.coefficient(OPERATING_HOURS).unwrap(),
            22.0 * 0.04 * 0.75
        ));
        assert!(close(t.coefficient(HDD).unwrap(), 12.0));
        assert_eq!(t.drivers(), vec![PRODUCTION, OPERATING_HOURS, HDD]);
        assert_eq!(t.hdd_base_c, Some(22.0));
        let e = t.expected_kwh(&[1000.0, 10.0, 2.0]).unwrap();
        assert!(close(e, 5.28 + 4.5375 + 6.6 + 24.0));
        assert!(t.expected_kwh(&[1.0]).is_none());
    }

    #[test]
    fn nonlinear_physics_is_refused_with_a_reason() {
        let e = daily_truth(&FactoryConfig::default(), "conveyor-1").unwrap_err();
        assert!(
            e.to_string().contains("machines[2].spec.affinity_frac"),
            "{e}"
        );
        let e = daily_truth(&FactoryConfig::default(), "boiler-1").unwrap_err();
        assert!(e.to_string().contains("not linear"), "{e}");
        assert!(matches!(
            daily_truth(&FactoryConfig::default(), "nope"),
            Err(Error::UnknownMachine(_))
        ));
    }
}
