//! From flagged points to events: sigma rules on baseline residuals, and the merging of
//! consecutive flags into events with a start, an end, a peak severity and the features that
//! stood out.
//!
//! Sigma rule (a Shewhart-style control rule on residuals `r_t = actual - expected`): with `μ_t`
//! and `σ_t` the mean and standard deviation of the last `window` residuals before `t` that were
//! judged normal (so an anomaly does not widen its own limits), or a fixed
//! `σ`, e.g. the baseline's residual standard error, with `μ = 0`), a point is a warning when
//! `|r_t - μ_t| > warning_sigma · σ_t` (default 2) and critical above `critical_sigma · σ_t`
//! (default 3). Points with fewer than `min_periods` residuals before them are not judged.
//!
//! Events: flagged points of one machine separated by at most `max_gap` unflagged periods form
//! one event, from the first flagged period's start to the last one's end; its severity is the
//! highest among its points, its peak the point with the largest score. The event is identified
//! by `(machine_id, start)`, so detecting again over the same window gives the same events.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::Timestamp;

/// How abnormal a point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Within the limits.
    Normal,
    /// Beyond the warning limit.
    Warning,
    /// Beyond the critical limit.
    Critical,
}

/// A sigma rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SigmaRule {
    /// Residuals before a point that set its limits (a rolling window).
    pub window: usize,
    /// Residuals needed before a point is judged.
    pub min_periods: usize,
    /// Warning limit, in standard deviations.
    pub warning_sigma: f64,
    /// Critical limit, in standard deviations.
    pub critical_sigma: f64,
    /// A fixed standard deviation (and mean 0) instead of the rolling window's.
    pub fixed_sigma: Option<f64>,
}

impl Default for SigmaRule {
    fn default() -> Self {
        SigmaRule {
            window: 96,
            min_periods: 24,
            warning_sigma: 2.0,
            critical_sigma: 3.0,
            fixed_sigma: None,
        }
    }
}

/// Severity of every residual, and its distance from the mean in standard deviations (NaN where
/// it was not judged).
pub fn sigma_flags(residuals: &[f64], rule: &SigmaRule) -> Result<(Vec<Severity>, Vec<f64>)> {
    crate::series::check_finite("residuals", residuals)?;
    if !(rule.warning_sigma > 0.0 && rule.critical_sigma >= rule.warning_sigma) {
        return Err(Error::invalid(
            "critical_sigma",
            format!(
                "limits must satisfy 0 < warning ({}) <= critical ({})",
                rule.warning_sigma, rule.critical_sigma
            ),
        ));
    }
    if let Some(s) = rule.fixed_sigma {
        if !(s > 0.0 && s.is_finite()) {
            return Err(Error::invalid(
                "fixed_sigma",
                format!("must be a positive number, got {s}"),
            ));
        }
    } else if rule.window < 2 || rule.min_periods < 2 || rule.min_periods > rule.window {
        return Err(Error::invalid(
            "window",
            format!(
                "need 2 <= min_periods ({}) <= window ({})",
                rule.min_periods, rule.window
            ),
        ));
    }
    let n = residuals.len();
    let mut sev = vec![Severity::Normal; n];
    let mut z = vec![f64::NAN; n];
    // running sums over the trailing window of residuals judged normal (or not judged): an
    // anomaly does not widen the limits it is judged by
    let mut win: std::collections::VecDeque<f64> = std::collections::VecDeque::new();
    let (mut s1, mut s2) = (0.0, 0.0);
    for t in 0..n {
        let (mu, sigma) = match rule.fixed_sigma {
            Some(s) => (0.0, s),
            None => {
                let k = win.len();
                if k >= rule.min_periods {
                    let kf = k as f64;
                    let mu = s1 / kf;
                    let var = ((s2 - kf * mu * mu) / (kf - 1.0)).max(0.0);
                    (mu, var.sqrt())
                } else {
                    (f64::NAN, f64::NAN)
                }
            }
        };
        if sigma.is_finite() && sigma > 0.0 {
            let d = (residuals[t] - mu).abs() / sigma;
            z[t] = d;
            sev[t] = if d > rule.critical_sigma {
                Severity::Critical
            } else if d > rule.warning_sigma {
                Severity::Warning
            } else {
                Severity::Normal
            };
        }
        if rule.fixed_sigma.is_none() && sev[t] == Severity::Normal {
            win.push_back(residuals[t]);
            s1 += residuals[t];
            s2 += residuals[t] * residuals[t];
            if win.len() > rule.window {
                if let Some(old) = win.pop_front() {
                    s1 -= old;
                    s2 -= old * old;
                }
            }
        }
    }
    Ok((sev, z))
}

/// An anomaly event of one machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyEvent {
    /// Machine.
    pub machine_id: String,
    /// Start of the first flagged period (UTC microseconds).
    pub start: Timestamp,
    /// End of the last flagged period.
    pub end: Timestamp,
    /// Highest severity among its points.
    pub severity: Severity,
    /// When its largest score occurred.
    pub peak_at: Timestamp,
    /// Its largest score (e.g. sigma distance or anomaly score).
    pub peak_score: f64,
    /// Flagged periods in it.
    pub points: usize,
    /// Features whose |z| at the peak exceeded the threshold, largest first.
    pub features: Vec<String>,
}

/// Merges flagged periods (period `i` is `[ts[i], ts[i] + period_us)`) into events; gaps of at most
/// `max_gap` unflagged periods are bridged. `feature_z` holds per-feature z-scores per period; the
/// features above `feature_threshold` at each event's peak are named.
#[allow(clippy::too_many_arguments)]
pub fn merge_events(
    machine_id: &str,
    ts: &[Timestamp],
    period_us: i64,
    severity: &[Severity],
    scores: &[f64],
    max_gap: usize,
    feature_z: &[(&str, &[f64])],
    feature_threshold: f64,
) -> Result<Vec<AnomalyEvent>> {
    let n = ts.len();
    for (name, len) in [("severity", severity.len()), ("scores", scores.len())] {
        if len != n {
            return Err(Error::LengthMismatch {
                column: name.into(),
                expected: n,
                got: len,
            });
        }
    }
    for (name, z) in feature_z {
        if z.len() != n {
            return Err(Error::LengthMismatch {
                column: (*name).to_string(),
                expected: n,
                got: z.len(),
            });
        }
    }
    if period_us <= 0 {
        return Err(Error::invalid(
            "period_us",
            format!("must be positive, got {period_us}"),
        ));
    }
    if let Some(i) = ts.windows(2).position(|w| w[1] <= w[0]) {
        return Err(Error::Unsorted {
            column: "ts".into(),
            index: i + 1,
            previous_index: i,
            current: crate::time::format_rfc3339(ts[i + 1]),
            previous: crate::time::format_rfc3339(ts[i]),
        });
    }
    let mut events: Vec<AnomalyEvent> = Vec::new();
    let mut last_flag: Option<usize> = None;
    for i in 0..n {
        if severity[i] == Severity::Normal {
            continue;
        }
        let score = if scores[i].is_finite() {
            scores[i]
        } else {
            f64::NEG_INFINITY
        };
        let joins = match (last_flag, events.last()) {
            (Some(j), Some(_)) => {
                // periods between the two flags, measured on the time line (gaps in the data
                // count as unflagged periods)
                let between = (ts[i] - ts[j]) / period_us - 1;
                between <= max_gap as i64
            }
            _ => false,
        };
        if joins {
            if let Some(e) = events.last_mut() {
                e.end = ts[i] + period_us;
                e.severity = e.severity.max(severity[i]);
                e.points += 1;
                if score > e.peak_score {
                    e.peak_score = score;
                    e.peak_at = ts[i];
                }
            }
        } else {
            events.push(AnomalyEvent {
                machine_id: machine_id.to_string(),
                start: ts[i],
                end: ts[i] + period_us,
                severity: severity[i],
                peak_at: ts[i],
                peak_score: score,
                points: 1,
                features: Vec::new(),
            });
        }
        last_flag = Some(i);
    }
    for e in &mut events {
        let Ok(k) = ts.binary_search(&e.peak_at) else {
            continue;
        };
        let mut stood_out: Vec<(&str, f64)> = feature_z
            .iter()
            .filter(|(_, z)| z[k].is_finite() && z[k].abs() > feature_threshold)
            .map(|(name, z)| (*name, z[k].abs()))
            .collect();
        stood_out.sort_by(|a, b| b.1.total_cmp(&a.1));
        e.features = stood_out.into_iter().map(|(n, _)| n.to_string()).collect();
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_rule_flags_a_step_and_events_merge() {
        // small alternating noise, then a run of large residuals
        let mut r: Vec<f64> = (0..200)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        for v in &mut r[150..154] {
            *v = 10.0;
        }
        r[156] = 2.9;
        let (sev, z) = sigma_flags(&r, &SigmaRule::default()).unwrap();
        assert!(sev[..150].iter().all(|s| *s == Severity::Normal));
        assert_eq!(sev[150], Severity::Critical);
        assert!(z[10].is_nan(), "not judged before min_periods");
        assert_eq!(sev[156], Severity::Warning, "{}", z[156]);
        let ts: Vec<i64> = (0..200).map(|i| i * 900_000_000).collect();
        let power_z: Vec<f64> = (0..200).map(|i| if i == 150 { 8.0 } else { 0.5 }).collect();
        let flat: Vec<f64> = vec![0.1; 200];
        let events = merge_events(
            "press-1",
            &ts,
            900_000_000,
            &sev,
            &z,
            2,
            &[("power_kw", &power_z), ("temp_c", &flat)],
            3.0,
        )
        .unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        let e = &events[0];
        assert_eq!((e.start, e.end), (ts[150], ts[156] + 900_000_000));
        assert_eq!(e.severity, Severity::Critical);
        assert_eq!(e.peak_at, ts[150]);
        assert_eq!(e.features, ["power_kw"]);
        // without bridging, the late warning is an event of its own; re-running gives the same
        let apart = merge_events("press-1", &ts, 900_000_000, &sev, &z, 0, &[], 3.0).unwrap();
        assert_eq!(apart.len(), 2);
        assert_eq!(
            apart,
            merge_events("press-1", &ts, 900_000_000, &sev, &z, 0, &[], 3.0).unwrap()
        );
        // fixed sigma, and errors
        let fixed = SigmaRule {
            fixed_sigma: Some(1.0),
            ..SigmaRule::default()
        };
        let (sev, _) = sigma_flags(&r, &fixed).unwrap();
        assert_eq!(sev[0], Severity::Normal);
        assert_eq!(sev[150], Severity::Critical);
        assert!(sigma_flags(&[1.0, f64::NAN], &fixed).is_err());
        let bad = SigmaRule {
            warning_sigma: 3.0,
            critical_sigma: 2.0,
            ..SigmaRule::default()
        };
        assert_eq!(
            sigma_flags(&r, &bad).unwrap_err().field(),
            Some("critical_sigma")
        );
        assert!(merge_events("m", &ts, 0, &sev, &z, 0, &[], 3.0).is_err());
        assert!(merge_events("m", &ts[..5], 1, &sev, &z, 0, &[], 3.0).is_err());
    }
}
