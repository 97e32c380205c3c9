//! Interval energy from cumulative counters.
//!
//! A meter's energy register only grows, so the energy of an interval is the difference of two
//! readings, `E_i = c_{i+1} - c_i`. A drop is never negative energy:
//! - with a configured wrap value `W` (the register's modulus, e.g. 999 999.9 kWh), a drop is a
//!   **rollover** and `E_i = W - c_i + c_{i+1}`;
//! - otherwise (or when the rollover would be implausible) it is a **reset** (meter replaced or
//!   cleared, counting again from zero) and `E_i = c_{i+1}`.
//!
//! Neither may produce a spike: a reset or rollover delta larger than what the meter can deliver in
//! the interval is **discarded** (no energy, the interval counts as a gap). What "can deliver" means
//! is `max_power_kw x dt` when the meter's maximum power is known, and otherwise ten times the median
//! rate of the series' normal intervals. With `max_power_kw` set, forward jumps beyond it are
//! discarded too.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rollup::IntervalEnergy;
use crate::series::CounterSeries;
use crate::time::HOURS_PER_MICRO;

/// How a counter's drops are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CounterOptions {
    /// Modulus of the register (the value at which it wraps to zero), if it wraps.
    pub wrap_kwh: Option<f64>,
    /// Largest power the meter can see, kW, used to reject implausible deltas.
    pub max_power_kw: Option<f64>,
}

/// What an interval's delta was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeltaKind {
    /// The counter grew normally.
    Normal,
    /// The counter wrapped past its modulus.
    Rollover,
    /// The counter restarted from zero.
    Reset,
    /// The delta was implausible and dropped (the interval is a gap).
    Discarded,
}

/// Interval energies read off a counter, and how each was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterDeltas {
    /// The intervals between consecutive readings that carry energy (discarded ones left out).
    pub intervals: IntervalEnergy,
    /// One entry per pair of consecutive readings.
    pub kinds: Vec<DeltaKind>,
}

impl CounterDeltas {
    /// Number of intervals of a kind.
    pub fn count(&self, kind: DeltaKind) -> usize {
        self.kinds.iter().filter(|k| **k == kind).count()
    }
}

/// Reads interval energies from a cumulative counter. See the module documentation for the rules.
pub fn counter_deltas(series: &CounterSeries, options: &CounterOptions) -> Result<CounterDeltas> {
    if let Some(w) = options.wrap_kwh {
        if !w.is_finite() || w <= 0.0 {
            return Err(Error::invalid(
                "wrap_kwh",
                format!("must be a positive number, got {w}"),
            ));
        }
    }
    if let Some(p) = options.max_power_kw {
        if !p.is_finite() || p <= 0.0 {
            return Err(Error::invalid(
                "max_power_kw",
                format!("must be a positive number, got {p}"),
            ));
        }
    }
    let ts = series.ts();
    let c = series.counter();
    let n = ts.len();
    // Plausible rate in kWh per microsecond.
    let max_rate = match options.max_power_kw {
        Some(p) => p * HOURS_PER_MICRO,
        None => {
            let mut rates: Vec<f64> = (1..n)
                .filter(|&i| c[i] >= c[i - 1])
                .map(|i| (c[i] - c[i - 1]) / (ts[i] - ts[i - 1]) as f64)
                .collect();
            if rates.is_empty() {
                0.0
            } else {
                let mid = rates.len() / 2;
                let (_, m, _) = rates.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
                *m * 10.0
            }
        }
    };
    let mut start = Vec::with_capacity(n - 1);
    let mut end = Vec::with_capacity(n - 1);
    let mut energy = Vec::with_capacity(n - 1);
    let mut kinds = Vec::with_capacity(n - 1);
    for i in 1..n {
        let dt = (ts[i] - ts[i - 1]) as f64;
        let limit = max_rate * dt * (1.0 + 1e-9) + 1e-12;
        let d = c[i] - c[i - 1];
        let (kind, e) = if d >= 0.0 {
            if options.max_power_kw.is_some() && d > limit {
                (DeltaKind::Discarded, 0.0)
            } else {
                (DeltaKind::Normal, d)
            }
        } else {
            let rollover = options
                .wrap_kwh
                .map(|w| w - c[i - 1] + c[i])
                .filter(|e| *e >= 0.0 && *e <= limit);
            match rollover {
                Some(e) => (DeltaKind::Rollover, e),
                None if c[i] >= 0.0 && c[i] <= limit => (DeltaKind::Reset, c[i]),
                None => (DeltaKind::Discarded, 0.0),
            }
        };
        kinds.push(kind);
        if kind != DeltaKind::Discarded {
            start.push(ts[i - 1]);
            end.push(ts[i]);
            energy.push(e);
        }
    }
    if energy.is_empty() {
        return Err(Error::invalid(
            "energy_kwh",
            "no interval of the counter gives plausible energy",
        ));
    }
    Ok(CounterDeltas {
        intervals: IntervalEnergy::new(start, end, energy)?,
        kinds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MICROS_PER_SECOND;

    fn series(c: &[f64]) -> CounterSeries {
        CounterSeries::new(
            (0..c.len() as i64)
                .map(|i| i * 60 * MICROS_PER_SECOND)
                .collect(),
            c.to_vec(),
        )
        .unwrap()
    }

    #[test]
    fn rollover_with_wrap() {
        let s = series(&[99_998.0, 99_999.0, 0.5, 1.5]);
        let d = counter_deltas(
            &s,
            &CounterOptions {
                wrap_kwh: Some(100_000.0),
                max_power_kw: Some(200.0),
            },
        )
        .unwrap();
        assert_eq!(
            d.kinds,
            vec![DeltaKind::Normal, DeltaKind::Rollover, DeltaKind::Normal]
        );
        assert_eq!(d.intervals.energy_kwh, vec![1.0, 1.5, 1.0]);
    }

    #[test]
    fn reset_without_wrap() {
        let s = series(&[5000.0, 5001.0, 5002.0, 0.5, 1.5, 2.5]);
        let d = counter_deltas(&s, &CounterOptions::default()).unwrap();
        assert_eq!(d.kinds[2], DeltaKind::Reset);
        assert_eq!(d.intervals.energy_kwh, vec![1.0, 1.0, 0.5, 1.0, 1.0]);
    }

    #[test]
    fn replaced_meter_is_no_spike() {
        // A new meter that starts at 3000 kWh: reading 3000 as energy would be a spike.
        let s = series(&[5000.0, 5001.0, 5002.0, 3000.0, 3001.0]);
        let d = counter_deltas(&s, &CounterOptions::default()).unwrap();
        assert_eq!(d.kinds[2], DeltaKind::Discarded);
        assert_eq!(d.intervals.total_kwh(), 3.0);
        let d = counter_deltas(
            &s,
            &CounterOptions {
                wrap_kwh: Some(10_000.0),
                max_power_kw: Some(100.0),
            },
        )
        .unwrap();
        assert_eq!(d.kinds[2], DeltaKind::Discarded);
    }

    #[test]
    fn bad_options() {
        let s = series(&[1.0, 2.0]);
        assert!(counter_deltas(
            &s,
            &CounterOptions {
                wrap_kwh: Some(-1.0),
                max_power_kw: None
            }
        )
        .is_err());
        assert!(counter_deltas(
            &s,
            &CounterOptions {
                wrap_kwh: None,
                max_power_kw: Some(f64::NAN)
            }
        )
        .is_err());
    }
}
