//! Peak demand and load factor.
//!
//! **Peak demand** (the billing demand) is the largest mean power over a demand window:
//!
//! `D = max_w E_w / T_w`, with `E_w` the energy in window `w` and `T_w` its length (15, 30 or 60 min).
//!
//! Windows are either **fixed blocks** aligned to the clock (00:00-00:15, 00:15-00:30, ...; the usual
//! European and most US billing) or **rolling** (a window of the same length sliding in sub-interval
//! steps, e.g. 15 minutes sliding by 1 minute, as some US utilities bill). A window's demand divides by
//! its full length, so an incompletely covered window is reported with its coverage. The largest
//! instantaneous sample is a different quantity, reported separately as
//! [`crate::series::PowerSeries::max_instantaneous`].
//!
//! **Load factor** `LF = P_mean / D`, with `P_mean = E / T` over the whole period: 1 for a flat load,
//! small for a peaky one; undefined when the peak demand is not positive.

use serde::{Deserialize, Serialize};

use crate::bucket::{BucketWidth, Bucketing};
use crate::error::{Error, Result};
use crate::rollup::Rollup;
use crate::time::{Timestamp, HOURS_PER_MICRO, MICROS_PER_MINUTE};

/// How demand windows are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DemandMethod {
    /// Back-to-back windows aligned to the clock.
    FixedBlocks,
    /// A window sliding in steps of `step_minutes`.
    Rolling {
        /// Step of the sliding window, minutes (1 or 5 are common).
        step_minutes: u32,
    },
}

/// Demand window settings. Default: 15-minute fixed blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandOptions {
    /// Window length in minutes (15, 30 or 60 usually).
    pub window_minutes: u32,
    /// Fixed blocks or rolling.
    pub method: DemandMethod,
}

impl Default for DemandOptions {
    fn default() -> Self {
        DemandOptions {
            window_minutes: 15,
            method: DemandMethod::FixedBlocks,
        }
    }
}

impl DemandOptions {
    /// The width of the rollup this demand is computed from: the window for fixed blocks, the step
    /// for rolling windows.
    pub fn resolution(&self) -> Result<BucketWidth> {
        self.validate()?;
        Ok(BucketWidth::Micros(match self.method {
            DemandMethod::FixedBlocks => self.window_minutes as i64 * MICROS_PER_MINUTE,
            DemandMethod::Rolling { step_minutes } => step_minutes as i64 * MICROS_PER_MINUTE,
        }))
    }

    fn validate(&self) -> Result<()> {
        if self.window_minutes == 0 {
            return Err(Error::invalid(
                "window_minutes",
                "must be at least 1 minute",
            ));
        }
        if let DemandMethod::Rolling { step_minutes } = self.method {
            if step_minutes == 0 || self.window_minutes % step_minutes != 0 {
                return Err(Error::invalid(
                    "step_minutes",
                    format!(
                        "must be positive and divide the window of {} minutes, got {step_minutes}",
                        self.window_minutes
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The peak demand of a period and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PeakDemand {
    /// Peak demand, kW (mean power over the window).
    pub peak_demand_kw: f64,
    /// Start of the peak window.
    pub start: Timestamp,
    /// End of the peak window.
    pub end: Timestamp,
    /// Energy in the peak window, kWh.
    pub energy_kwh: f64,
    /// Share of the window covered by data, 0..1.
    pub coverage: f64,
    /// The settings used.
    pub options: DemandOptions,
}

/// Peak demand from a rollup. The rollup's width must equal the window (fixed blocks) or divide it
/// (rolling windows, and fixed blocks from finer rollups, which are regrouped first).
pub fn peak_demand(rollup: &Rollup, options: &DemandOptions) -> Result<Option<PeakDemand>> {
    options.validate()?;
    let window_us = options.window_minutes as i64 * MICROS_PER_MINUTE;
    let width = rollup.bucketing.width().as_micros().ok_or_else(|| {
        Error::invalid(
            "width",
            "peak demand needs a rollup of a fixed width (minutes), not months",
        )
    })?;
    match options.method {
        DemandMethod::FixedBlocks => {
            let blocks;
            let r = if width == window_us {
                rollup
            } else {
                if window_us % width != 0 {
                    return Err(Error::invalid(
                        "width",
                        format!(
                            "a {} rollup does not divide a {}-minute demand window",
                            rollup.bucketing.width(),
                            options.window_minutes
                        ),
                    ));
                }
                let mut b = Bucketing::new(BucketWidth::Micros(window_us))?;
                if let Some(tz) = rollup.bucketing.timezone() {
                    b = b.with_timezone(tz)?;
                }
                blocks = rollup.regroup(&b)?;
                &blocks
            };
            let mut best: Option<PeakDemand> = None;
            for k in 0..r.len() {
                let len = r.end[k] - r.start[k];
                let kw = r.energy_kwh[k] / (len as f64 * HOURS_PER_MICRO);
                if best.is_none_or(|b| kw > b.peak_demand_kw) {
                    best = Some(PeakDemand {
                        peak_demand_kw: kw,
                        start: r.start[k],
                        end: r.end[k],
                        energy_kwh: r.energy_kwh[k],
                        coverage: r.covered_us[k] as f64 / len as f64,
                        options: *options,
                    });
                }
            }
            Ok(best)
        }
        DemandMethod::Rolling { step_minutes } => {
            let step_us = step_minutes as i64 * MICROS_PER_MINUTE;
            if width != step_us {
                return Err(Error::invalid(
                    "width",
                    format!("rolling demand with a {step_minutes}-minute step needs a {step_minutes}-minute rollup, got {}", rollup.bucketing.width()),
                ));
            }
            let m = (window_us / step_us) as usize;
            if rollup.len() < m {
                return Ok(None);
            }
            let mut e: f64 = rollup.energy_kwh[..m].iter().sum();
            let mut c: i64 = rollup.covered_us[..m].iter().sum();
            let mut best: Option<PeakDemand> = None;
            for k in m - 1..rollup.len() {
                if k >= m {
                    e += rollup.energy_kwh[k] - rollup.energy_kwh[k - m];
                    c += rollup.covered_us[k] - rollup.covered_us[k - m];
                }
                let (s, end) = (rollup.start[k + 1 - m], rollup.end[k]);
                // Only windows of exactly the nominal length (no clock change inside).
                if end - s != window_us {
                    continue;
                }
                let kw = e / (window_us as f64 * HOURS_PER_MICRO);
                if best.is_none_or(|b| kw > b.peak_demand_kw + 1e-12) {
                    // recompute exactly to avoid drift of the running sum
                    let exact: f64 = rollup.energy_kwh[k + 1 - m..=k].iter().sum();
                    best = Some(PeakDemand {
                        peak_demand_kw: exact / (window_us as f64 * HOURS_PER_MICRO),
                        start: s,
                        end,
                        energy_kwh: exact,
                        coverage: c as f64 / window_us as f64,
                        options: *options,
                    });
                }
            }
            Ok(best)
        }
    }
}

/// `mean power / peak demand`, with mean power = `energy_kwh / period_hours`; `None` when the peak
/// is not positive or the period is empty.
pub fn load_factor(energy_kwh: f64, period_hours: f64, peak_demand_kw: f64) -> Option<f64> {
    if peak_demand_kw > 0.0 && period_hours > 0.0 && energy_kwh.is_finite() {
        Some(energy_kwh / period_hours / peak_demand_kw)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::{rollup_power, RollupOptions};
    use crate::series::PowerSeries;
    use crate::time::MICROS_PER_SECOND as S;

    fn series() -> PowerSeries {
        // 1-second readings for one hour: 100 kW, except 400 kW from 00:10:00 to 00:20:00.
        let ts: Vec<i64> = (0..=3600).map(|i| i * S).collect();
        let p = ts
            .iter()
            .map(|t| {
                if (600 * S..1200 * S).contains(t) {
                    400.0
                } else {
                    100.0
                }
            })
            .collect();
        PowerSeries::new(ts, p).unwrap()
    }

    #[test]
    fn fixed_blocks_vs_rolling() {
        let s = series();
        let minute = rollup_power(
            &s,
            &Bucketing::parse("1m").unwrap(),
            &RollupOptions::default(),
        )
        .unwrap();
        let fixed = peak_demand(&minute, &DemandOptions::default())
            .unwrap()
            .unwrap();
        // block 00:00-00:15 holds 5 min at 400 kW (+ ramp), block 00:15-00:30 also 5 min
        assert!(
            (fixed.peak_demand_kw - 200.0).abs() < 0.5,
            "{}",
            fixed.peak_demand_kw
        );
        let rolling = DemandOptions {
            window_minutes: 15,
            method: DemandMethod::Rolling { step_minutes: 1 },
        };
        let r = peak_demand(&minute, &rolling).unwrap().unwrap();
        // a sliding window holds all 10 minutes at 400 kW: (10*400 + 5*100)/15 = 300 kW
        assert!(
            (r.peak_demand_kw - 300.0).abs() < 0.5,
            "{}",
            r.peak_demand_kw
        );
        assert_eq!(s.max_instantaneous().0, 400.0);
        let e = minute.total_energy_kwh();
        let lf = load_factor(e, 1.0, fixed.peak_demand_kw).unwrap();
        assert!((lf - 150.0 / 200.0).abs() < 0.01);
        assert_eq!(load_factor(e, 1.0, 0.0), None);
    }

    #[test]
    fn bad_windows() {
        let minute = rollup_power(
            &series(),
            &Bucketing::parse("1m").unwrap(),
            &RollupOptions::default(),
        )
        .unwrap();
        assert!(peak_demand(
            &minute,
            &DemandOptions {
                window_minutes: 0,
                method: DemandMethod::FixedBlocks
            }
        )
        .is_err());
        let bad = DemandOptions {
            window_minutes: 15,
            method: DemandMethod::Rolling { step_minutes: 4 },
        };
        assert!(matches!(
            peak_demand(&minute, &bad),
            Err(Error::InvalidParameter { .. })
        ));
        let seven = rollup_power(
            &series(),
            &Bucketing::parse("7m").unwrap(),
            &RollupOptions::default(),
        )
        .unwrap();
        assert!(peak_demand(&seven, &DemandOptions::default()).is_err());
    }
}
