//! The energy review of ISO 50001 (6.3) for a period: consumption by carrier and by machine, the
//! significant energy uses (SEUs) found by a Pareto ranking, and for each SEU the drivers most
//! correlated with its consumption per period.
//!
//! Machines are ranked by their share of the site's energy **within each carrier** (carriers are
//! never added together); the machines that together make up the first `seu_share` (default 80 %)
//! of a carrier's energy, the one crossing the line included, are its SEUs. Correlations are
//! Pearson's `r` between a machine's energy per period and each candidate driver per period, over
//! the periods where both are finite.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{EnergyCarrier, Machine};

/// One machine's energy per period (the same periods for every machine and driver).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineEnergy {
    /// The machine.
    pub machine: Machine,
    /// Energy per period, kWh.
    pub energy_kwh: Vec<f64>,
}

/// How a machine stands in the review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MachineReview {
    /// Machine id.
    pub machine_id: String,
    /// Carrier.
    pub carrier: EnergyCarrier,
    /// Energy over the period, kWh.
    pub energy_kwh: f64,
    /// Share of its carrier's energy, 0..1.
    pub share: f64,
    /// Cumulative share in the Pareto order, 0..1.
    pub cumulative_share: f64,
    /// Whether it is a significant energy use.
    pub seu: bool,
    /// Candidate drivers by decreasing |r| (name, r), those with at least three common periods.
    pub correlations: Vec<(String, f64)>,
}

/// Energy of one carrier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarrierTotal {
    /// Carrier.
    pub carrier: EnergyCarrier,
    /// Energy, kWh.
    pub energy_kwh: f64,
}

/// The review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyReview {
    /// Energy per carrier.
    pub by_carrier: Vec<CarrierTotal>,
    /// Machines in Pareto order within each carrier (carriers in the order of `by_carrier`).
    pub machines: Vec<MachineReview>,
}

/// Pearson's correlation over the pairs where both values are finite; `None` with fewer than 3
/// pairs or no variation.
pub fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| (*x, *y))
        .collect();
    if pairs.len() < 3 {
        return None;
    }
    let n = pairs.len() as f64;
    let (ma, mb) = pairs
        .iter()
        .fold((0.0, 0.0), |(s, t), (x, y)| (s + x / n, t + y / n));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in &pairs {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

/// Builds the review. `drivers` are named per-period series of the same length as the machines'.
pub fn energy_review(
    machines: &[MachineEnergy],
    drivers: &[(&str, &[f64])],
    seu_share: f64,
) -> Result<EnergyReview> {
    if machines.is_empty() {
        return Err(Error::EmptySeries {
            column: "machines".into(),
            needed: 1,
        });
    }
    if !(seu_share > 0.0 && seu_share <= 1.0) {
        return Err(Error::invalid(
            "seu_share",
            format!("must lie in (0, 1], got {seu_share}"),
        ));
    }
    let periods = machines[0].energy_kwh.len();
    for m in machines {
        if m.energy_kwh.len() != periods {
            return Err(Error::LengthMismatch {
                column: m.machine.id.clone(),
                expected: periods,
                got: m.energy_kwh.len(),
            });
        }
        if let Some(i) = m.energy_kwh.iter().position(|v| v.is_nan() || *v < 0.0) {
            return Err(Error::Negative {
                column: m.machine.id.clone(),
                index: i,
                value: m.energy_kwh[i],
            });
        }
    }
    for (name, d) in drivers {
        if d.len() != periods {
            return Err(Error::LengthMismatch {
                column: (*name).to_string(),
                expected: periods,
                got: d.len(),
            });
        }
    }
    let mut carriers: Vec<EnergyCarrier> = Vec::new();
    for m in machines {
        if !carriers.contains(&m.machine.carrier) {
            carriers.push(m.machine.carrier);
        }
    }
    let total_of = |m: &MachineEnergy| m.energy_kwh.iter().filter(|v| v.is_finite()).sum::<f64>();
    let mut by_carrier: Vec<CarrierTotal> = carriers
        .iter()
        .map(|c| CarrierTotal {
            carrier: *c,
            energy_kwh: machines
                .iter()
                .filter(|m| m.machine.carrier == *c)
                .map(total_of)
                .sum(),
        })
        .collect();
    by_carrier.sort_by(|a, b| b.energy_kwh.total_cmp(&a.energy_kwh));
    let mut out = Vec::with_capacity(machines.len());
    for c in &by_carrier {
        let mut ms: Vec<(&MachineEnergy, f64)> = machines
            .iter()
            .filter(|m| m.machine.carrier == c.carrier)
            .map(|m| (m, total_of(m)))
            .collect();
        ms.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut cumulative = 0.0;
        for (m, e) in ms {
            let share = if c.energy_kwh > 0.0 {
                e / c.energy_kwh
            } else {
                0.0
            };
            let before = cumulative;
            cumulative += share;
            let mut correlations: Vec<(String, f64)> = drivers
                .iter()
                .filter_map(|(name, d)| pearson(&m.energy_kwh, d).map(|r| ((*name).to_string(), r)))
                .collect();
            correlations.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
            out.push(MachineReview {
                machine_id: m.machine.id.clone(),
                carrier: c.carrier,
                energy_kwh: e,
                share,
                cumulative_share: cumulative,
                // the machines up to and including the one crossing the line
                seu: e > 0.0 && before < seu_share - 1e-12,
                correlations,
            });
        }
    }
    Ok(EnergyReview {
        by_carrier,
        machines: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MachineType;

    fn machine(id: &str, carrier: EnergyCarrier) -> Machine {
        Machine {
            id: id.into(),
            factory_id: "f".into(),
            name: id.into(),
            machine_type: MachineType::Compressor,
            rated_power_kw: 10.0,
            carrier,
            interval_s: 1.0,
        }
    }

    #[test]
    fn pareto_per_carrier_and_correlations() {
        let parts = [10.0, 20.0, 30.0, 40.0];
        let temp = [5.0, 3.0, 8.0, 1.0];
        let ms = vec![
            MachineEnergy {
                machine: machine("press", EnergyCarrier::Electricity),
                energy_kwh: parts.iter().map(|p| 100.0 + 2.0 * p).collect(),
            },
            MachineEnergy {
                machine: machine("light", EnergyCarrier::Electricity),
                energy_kwh: vec![10.0; 4],
            },
            MachineEnergy {
                machine: machine("compressor", EnergyCarrier::Electricity),
                energy_kwh: vec![50.0, 52.0, 49.0, 51.0],
            },
            MachineEnergy {
                machine: machine("boiler", EnergyCarrier::NaturalGas),
                energy_kwh: temp.iter().map(|t| 500.0 - 20.0 * t).collect(),
            },
        ];
        let r = energy_review(&ms, &[("parts", &parts), ("temp_c", &temp)], 0.8).unwrap();
        assert_eq!(r.by_carrier[0].carrier, EnergyCarrier::NaturalGas);
        let el: Vec<&MachineReview> = r
            .machines
            .iter()
            .filter(|m| m.carrier == EnergyCarrier::Electricity)
            .collect();
        assert_eq!(el[0].machine_id, "press");
        // press 600 of 840 kWh (71 %) is below 80 %: the compressor crossing the line is an SEU too
        assert!(el[0].seu && el[1].seu && !el[2].seu, "{el:?}");
        assert!((el.iter().map(|m| m.share).sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(el[0].correlations[0].0, "parts");
        assert!((el[0].correlations[0].1 - 1.0).abs() < 1e-12);
        let boiler = r
            .machines
            .iter()
            .find(|m| m.machine_id == "boiler")
            .unwrap();
        assert_eq!(boiler.correlations[0].0, "temp_c");
        assert!(boiler.correlations[0].1 < -0.99);
        assert!(boiler.seu);
        // the constant machine has no correlation at all
        assert!(el[2].correlations.is_empty());
        assert!(energy_review(&ms, &[("parts", &parts[..2])], 0.8).is_err());
        assert!(energy_review(&ms, &[], 1.5).is_err());
        assert!(energy_review(&[], &[], 0.8).is_err());
    }
}
