//! Peak demand forecast and load-shifting hints.
//!
//! Given a forecast of demand (kW, or energy per step), the peak of a period is the largest point
//! forecast and the step it falls in. With a demand threshold (a contracted capacity, or the month's
//! peak so far that sets the demand charge), each step gets the probability of exceeding it under
//! the forecast's normal predictive distribution,
//!
//! ```text
//! P(Y > threshold) = 1 - Phi((threshold - mean) / sigma),   sigma = (upper - lower) / (2 z_level)
//! ```
//!
//! read back from the prediction interval at `level`. Steps whose probability reaches
//! `min_probability` are the hours at risk: the candidates to move flexible load away from.
//! The expected number of exceeding steps is the sum of the probabilities.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Forecast;
use crate::error::{Error, Result};
use crate::stats::dist::{normal_cdf, normal_quantile};
use crate::time::{local_to_utc, parse_tz, Timestamp};

/// Options of a peak forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeakOptions {
    /// Level of the forecast interval used for the predictive spread (must be in the forecast).
    pub level: f64,
    /// Demand threshold; `None` reports the peak only.
    pub threshold: Option<f64>,
    /// Smallest exceedance probability that puts a step at risk.
    pub min_probability: f64,
}

impl Default for PeakOptions {
    fn default() -> Self {
        PeakOptions {
            level: 0.95,
            threshold: None,
            min_probability: 0.1,
        }
    }
}

/// A forecast step at risk of exceeding the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskStep {
    /// Start of the step.
    pub timestamp: Timestamp,
    /// Point forecast.
    pub mean: f64,
    /// Upper bound of the interval at the options' level.
    pub upper: f64,
    /// Probability that the actual value exceeds the threshold.
    pub probability: f64,
}

/// The forecast peak of a period and the steps at risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakForecast {
    /// Start of the period (inclusive).
    pub start: Timestamp,
    /// End of the period (exclusive).
    pub end: Timestamp,
    /// Largest point forecast in the period.
    pub peak: f64,
    /// Start of the step where it falls.
    pub peak_at: Timestamp,
    /// Upper bound of the interval at that step.
    pub peak_upper: f64,
    /// The threshold the risks refer to.
    pub threshold: Option<f64>,
    /// Steps whose exceedance probability reaches `min_probability`, in time order.
    pub at_risk: Vec<RiskStep>,
    /// Expected number of steps above the threshold (sum of the probabilities).
    pub expected_exceedances: f64,
}

/// UTC bounds `[start, end)` of a local calendar day (23 or 25 hours long on DST changes).
pub fn local_day(date: NaiveDate, time_zone: &str) -> Result<(Timestamp, Timestamp)> {
    let tz = parse_tz(time_zone)?;
    let next = date.succ_opt().ok_or_else(|| Error::InvalidParameter {
        name: "date".to_string(),
        reason: format!("{date} has no following day"),
    })?;
    let start = local_to_utc(date.and_time(chrono::NaiveTime::MIN), tz, None);
    let end = local_to_utc(next.and_time(chrono::NaiveTime::MIN), tz, None);
    Ok((start, end))
}

/// The peak of `forecast` within `[start, end)` and, with a threshold, the steps at risk.
pub fn peak_forecast(
    forecast: &Forecast,
    start: Timestamp,
    end: Timestamp,
    options: &PeakOptions,
) -> Result<PeakForecast> {
    let iv = forecast
        .interval(options.level)
        .ok_or_else(|| Error::InvalidParameter {
            name: "level".to_string(),
            reason: format!(
                "the forecast has no {} interval (levels: {})",
                options.level,
                forecast
                    .intervals
                    .iter()
                    .map(|i| i.level.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
    if !(0.0..=1.0).contains(&options.min_probability) {
        return Err(Error::InvalidParameter {
            name: "min_probability".to_string(),
            reason: format!("must lie in [0, 1], got {}", options.min_probability),
        });
    }
    if let Some(t) = options.threshold {
        if !t.is_finite() {
            return Err(Error::InvalidParameter {
                name: "threshold".to_string(),
                reason: format!("must be finite, got {t}"),
            });
        }
    }
    let z = normal_quantile(0.5 + options.level / 2.0);
    let mut best: Option<usize> = None;
    let mut at_risk = Vec::new();
    let mut expected = 0.0;
    for (i, &t) in forecast.timestamps.iter().enumerate() {
        if t < start || t >= end {
            continue;
        }
        let m = forecast.mean[i];
        if best.is_none_or(|b| m > forecast.mean[b]) {
            best = Some(i);
        }
        if let Some(thr) = options.threshold {
            let sigma = (iv.upper[i] - iv.lower[i]) / (2.0 * z);
            let p = if sigma > 0.0 {
                1.0 - normal_cdf((thr - m) / sigma)
            } else if m > thr {
                1.0
            } else {
                0.0
            };
            expected += p;
            if p >= options.min_probability && p > 0.0 {
                at_risk.push(RiskStep {
                    timestamp: t,
                    mean: m,
                    upper: iv.upper[i],
                    probability: p,
                });
            }
        }
    }
    let b = best.ok_or_else(|| Error::InvalidParameter {
        name: "period".to_string(),
        reason: format!(
            "no forecast step falls in [{}, {})",
            crate::time::format_rfc3339(start),
            crate::time::format_rfc3339(end)
        ),
    })?;
    Ok(PeakForecast {
        start,
        end,
        peak: forecast.mean[b],
        peak_at: forecast.timestamps[b],
        peak_upper: iv.upper[b],
        threshold: options.threshold,
        at_risk,
        expected_exceedances: expected,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::forecast::PredictionInterval;
    use crate::time::MICROS_PER_HOUR;

    fn fc() -> Forecast {
        let mean = vec![100.0, 180.0, 240.0, 150.0];
        let z = normal_quantile(0.975);
        Forecast {
            timestamps: (0..4).map(|h| h * MICROS_PER_HOUR).collect(),
            intervals: vec![PredictionInterval {
                level: 0.95,
                lower: mean.iter().map(|m| m - 10.0 * z).collect(),
                upper: mean.iter().map(|m| m + 10.0 * z).collect(),
            }],
            mean,
        }
    }

    #[test]
    fn peak_and_risk() {
        let options = PeakOptions {
            threshold: Some(200.0),
            ..Default::default()
        };
        let p = peak_forecast(&fc(), 0, 4 * MICROS_PER_HOUR, &options).unwrap();
        assert_eq!(p.peak, 240.0);
        assert_eq!(p.peak_at, 2 * MICROS_PER_HOUR);
        assert_eq!(p.at_risk.len(), 1);
        // sigma 10: 240 is 4 sigma above 200, 180 is 2 sigma below.
        assert!((p.at_risk[0].probability - normal_cdf(4.0)).abs() < 1e-9);
        assert!((p.expected_exceedances - normal_cdf(4.0) - normal_cdf(-2.0)).abs() < 1e-6);
        let p = peak_forecast(&fc(), 0, 2 * MICROS_PER_HOUR, &PeakOptions::default()).unwrap();
        assert_eq!(p.peak, 180.0);
        assert!(p.at_risk.is_empty());
    }

    #[test]
    fn bad_input() {
        let options = PeakOptions {
            level: 0.8,
            ..Default::default()
        };
        assert!(peak_forecast(&fc(), 0, MICROS_PER_HOUR, &options).is_err());
        assert!(peak_forecast(
            &fc(),
            10 * MICROS_PER_HOUR,
            11 * MICROS_PER_HOUR,
            &Default::default()
        )
        .is_err());
    }

    #[test]
    fn dst_days() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
        let (s, e) = local_day(d, "Europe/Berlin").unwrap();
        assert_eq!(e - s, 23 * MICROS_PER_HOUR);
        let d = NaiveDate::from_ymd_opt(2025, 10, 26).unwrap();
        let (s, e) = local_day(d, "Europe/Berlin").unwrap();
        assert_eq!(e - s, 25 * MICROS_PER_HOUR);
        assert!(local_day(d, "Mars/Olympus").is_err());
    }
}
