//! The anomaly detection pipeline of one machine: train on a reference period, judge a detection
//! period, report events.
//!
//! Input: bucket start timestamps and named feature columns (e.g. a
//! [`crate::anomaly::FeatureTable`] of local hours). Output: [`AnomalyEvent`]s.
//!
//! 1. **An expectation per monitored column** (`targets`: by default `energy_kwh` and every
//!    measured process quantity that is neither a driver nor derived, such as a pressure, a flow,
//!    a COP or an efficiency). Each is modelled on the reference period as the
//!    time-of-week-and-temperature model (TOWT, Mathieu et al. 2011, the LBNL/CalTRACK hourly
//!    method) extended with linear drivers:
//!
//!    `y_t = α_{how(t)} + Σ_j β_j x_{j,t} + Σ_k γ_k T_{k,t} + ε_t`,
//!
//!    with `how(t)` the local hour of the week (168 levels), `x_j` the linear drivers present in
//!    the table (default `production`) and `T_k` the piecewise-linear segments of the temperature
//!    drivers (default `outdoor_temp_c`, knots 0, 5, ..., 25 °C; only knots with at least
//!    `knot_min_buckets` (168) reference buckets on either side, so each slope rests on a week of
//!    data and the outer segments extrapolate linearly). The levels are partialled out exactly
//!    (Frisch-Waugh-Lovell: centring within each hour of the week), the slopes come from
//!    [`crate::stats::ols()`]; drivers without variation or collinear with others are dropped.
//!    Optionally (`occupancy_threshold`) the temperature slopes differ between occupied and
//!    unoccupied hours of the week as in TOWT, and drivers named in `monitored_drivers` are
//!    watched themselves against the calendar and the weather. Faults in the reference period
//!    are trimmed: the model is refitted without the buckets whose residual, less the median
//!    residual of its hour of the week, exceeds `trim_sigma` (5) robust standard deviations
//!    (1.4826 × MAD), twice.
//! 2. **Standardised residuals** `z_t = (y_t - ŷ_t) / σ_t`. The scale follows the expectation
//!    (noise grows with load): `σ_t = max(√(π/2) (a + b ŷ_t), floor) · f_{how(t)}`, with `a`, `b`
//!    the OLS fit of the absolute leave-one-out residuals (`r_i n_how / (n_how - 1)`, the
//!    residual the bucket would have had outside the fit) on `ŷ`, `floor` the larger of
//!    `min_scale_share` (0.25) × their RMS and `min_scale_of_reading` (1 %) × the column's mean
//!    absolute value, and `f_h` the RMS of hour-of-week `h`'s standardised residuals shrunk
//!    towards 1 with the weight of `scale_prior_buckets` (4) buckets.
//! 3. **Sigma rules** ([`sigma_flags`]) on each column's `z`: beyond `warning_sigma` (2) a
//!    warning, beyond `critical_sigma` (3) critical. By default against the fixed unit scale of
//!    step 2 (`fixed_sigma = 1`); with `fixed_sigma = None` against a rolling window of the last
//!    `window` normal residuals, primed with the reference period's last ones. A bucket takes
//!    the highest severity over its columns and the largest distance as its score.
//! 4. **Events** ([`merge_events`]): flagged buckets separated by at most `max_gap` (1)
//!    unflagged ones form one event. An event is reported when it reaches `min_event_severity`
//!    (critical), has at least `min_event_points` (1) flagged buckets, and either peaks at
//!    `min_event_score` (4) or more or has `min_critical_columns` (2) columns critical in one
//!    bucket. Its features are the monitored columns whose standardised residual, and the other
//!    measured columns whose z against the reference period's mean and standard deviation,
//!    exceed `feature_threshold` (3) at the peak, largest first.
//!
//! Buckets where a column or one of its drivers is missing (NaN) are not judged for that column.
//! Everything is deterministic; a fitted [`AnomalyDetector`] serialises with serde.

use chrono::{Datelike, Timelike};
use serde::{Deserialize, Serialize};

use crate::anomaly::events::{merge_events, sigma_flags, AnomalyEvent, Severity, SigmaRule};
use crate::anomaly::features::{DERIVED, ENERGY};
use crate::error::{Error, Result};
use crate::stats::{ols, OlsOptions};
use crate::time::{format_rfc3339, parse_tz, to_local, TimeRange, Timestamp, MICROS_PER_SECOND};

const HOURS_PER_WEEK: usize = 168;

/// Settings of the detection pipeline. Every field has a default (`{}` is a valid JSON config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectConfig {
    /// Length of a bucket, seconds (the features' period). Default 3600.
    pub period_s: i64,
    /// IANA time zone of the site; hours of the week are local. Default `UTC`.
    pub timezone: String,
    /// Columns to monitor; `None` (default): `energy_kwh` and every column that is neither a
    /// driver nor derived by the feature builder (mean and max power, deviation, SEC, COP from an
    /// output series, calendar columns).
    pub targets: Option<Vec<String>>,
    /// Linear drivers of every monitored column, used when present in the table. Default
    /// `["production"]`.
    pub drivers: Vec<String>,
    /// Drivers that are also watched, against the calendar and the weather only: production
    /// missing in a shift that usually produces is an unplanned stop. Default none (production
    /// varies with the order book from shift to shift: watching it costs false events).
    pub monitored_drivers: Vec<String>,
    /// Temperature drivers, entered as piecewise-linear segments at `knots_c` (with separate
    /// slopes in occupied and unoccupied hours of the week when `occupancy_threshold` is set),
    /// used when present. Default `["outdoor_temp_c"]`.
    pub temperature_drivers: Vec<String>,
    /// Share of positive residuals from a fit on temperature alone above which an hour of the
    /// week counts as occupied (TOWT's 0.65), when temperature slopes are split by occupancy.
    /// Default `None`: one set of slopes (on four weeks of hours the split costs more in
    /// extrapolation than it gains).
    pub occupancy_threshold: Option<f64>,
    /// Knots of the temperature segments, °C, increasing. Default 0, 5, 10, 15, 20, 25 (TOWT's).
    pub knots_c: Vec<f64>,
    /// Reference buckets needed on either side of a knot for it to be used. Default 168 (a week
    /// of hours): four winter weeks give one straight line, a year the full TOWT segments.
    pub knot_min_buckets: usize,
    /// The sigma rule on standardised residuals. Default: window 168 buckets, at least 24,
    /// warning 2, critical 3.
    pub sigma: SigmaRule,
    /// Unflagged buckets bridged inside one event. Default 1.
    pub max_gap: usize,
    /// Least severity an event must reach to be reported. Default critical.
    pub min_event_severity: Severity,
    /// Least number of flagged buckets in a reported event. Default 1.
    pub min_event_points: usize,
    /// Least peak score (sigma distance) of a reported event. Default 4: with several monitored
    /// columns and a week of hourly buckets, 3σ is crossed by chance every week or two.
    pub min_event_score: f64,
    /// An event below `min_event_score` is still reported when this many monitored columns are
    /// critical in one of its buckets (two witnesses of one fault, such as the energy and the air
    /// flow of a leaking compressor). Default 2.
    pub min_critical_columns: usize,
    /// |z| above which a feature is named in an event. Default 3.
    pub feature_threshold: f64,
    /// Reference buckets whose residual, less the median residual of their hour of the week,
    /// exceeds this many robust standard deviations are left out of the refit (faults in the
    /// reference period). Default 5.
    pub trim_sigma: f64,
    /// Least residual scale as a share of the column's RMS residual. Default 0.25.
    pub min_scale_share: f64,
    /// Least residual scale as a share of the column's mean absolute value in the reference
    /// period. Default 0.01: no meter or sensor is better than about 1 % of its reading (IEC
    /// 62053-21 class 1), so a smaller scale only measures the model's own smoothness.
    pub min_scale_of_reading: f64,
    /// Weight, in buckets, of the load-dependent scale in each hour of the week's own scale.
    /// Default 4.
    pub scale_prior_buckets: f64,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            period_s: 3600,
            timezone: "UTC".into(),
            targets: None,
            drivers: vec!["production".into()],
            monitored_drivers: Vec::new(),
            temperature_drivers: vec!["outdoor_temp_c".into()],
            occupancy_threshold: None,
            knots_c: vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0],
            knot_min_buckets: 168,
            sigma: SigmaRule {
                window: 168,
                min_periods: 24,
                warning_sigma: 2.0,
                critical_sigma: 3.0,
                fixed_sigma: Some(1.0),
            },
            max_gap: 1,
            min_event_severity: Severity::Critical,
            min_event_points: 1,
            min_event_score: 4.0,
            min_critical_columns: 2,
            feature_threshold: 3.0,
            trim_sigma: 5.0,
            min_scale_share: 0.25,
            min_scale_of_reading: 0.01,
            scale_prior_buckets: 4.0,
        }
    }
}

impl DetectConfig {
    /// Default settings for a site's time zone.
    pub fn for_timezone(timezone: &str) -> Self {
        DetectConfig {
            timezone: timezone.into(),
            ..DetectConfig::default()
        }
    }

    fn validate(&self) -> Result<()> {
        if self.period_s <= 0 {
            return Err(Error::invalid(
                "period_s",
                format!("must be positive, got {}", self.period_s),
            ));
        }
        parse_tz(&self.timezone)?;
        let k = &self.knots_c;
        if k.is_empty() || k.iter().any(|v| !v.is_finite()) || k.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::invalid(
                "knots_c",
                "must be one or more finite temperatures in increasing order",
            ));
        }
        if let Some(t) = self.occupancy_threshold {
            if !(t > 0.0 && t < 1.0) {
                return Err(Error::invalid(
                    "occupancy_threshold",
                    format!("must lie in (0, 1), got {t}"),
                ));
            }
        }
        if self.trim_sigma.is_nan() || self.trim_sigma <= 0.0 {
            return Err(Error::invalid(
                "trim_sigma",
                format!("must be positive, got {}", self.trim_sigma),
            ));
        }
        if !(self.min_scale_share > 0.0 && self.min_scale_share <= 1.0) {
            return Err(Error::invalid(
                "min_scale_share",
                format!("must lie in (0, 1], got {}", self.min_scale_share),
            ));
        }
        if self.min_scale_of_reading.is_nan() || self.min_scale_of_reading < 0.0 {
            return Err(Error::invalid(
                "min_scale_of_reading",
                format!("must be >= 0, got {}", self.min_scale_of_reading),
            ));
        }
        if self.scale_prior_buckets.is_nan() || self.scale_prior_buckets <= 0.0 {
            return Err(Error::invalid(
                "scale_prior_buckets",
                format!("must be positive, got {}", self.scale_prior_buckets),
            ));
        }
        if self.feature_threshold.is_nan() || self.feature_threshold < 0.0 {
            return Err(Error::invalid(
                "feature_threshold",
                format!("must be >= 0, got {}", self.feature_threshold),
            ));
        }
        // the sigma rule checks its own limits; check them before any data is read
        sigma_flags(&[], &self.sigma)?;
        Ok(())
    }
}

/// The expectation of one monitored column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnModel {
    /// The monitored column.
    pub target: String,
    /// Driver terms as entered.
    pub drivers: Vec<DriverTerm>,
    /// Slope of each driver term.
    pub slopes: Vec<f64>,
    /// Whether each local hour of the week is occupied (TOWT: more than `occupancy_threshold` of
    /// its residuals from a fit on temperature alone are positive); all `false` without a
    /// temperature driver.
    pub occupied: Vec<bool>,
    /// Level of each local hour of the week (NaN where the reference period had none).
    #[serde(with = "crate::stats::nonfinite::vec")]
    pub levels: Vec<f64>,
    /// Residual scale `σ = max(scale_a + scale_b ŷ, scale_floor)`.
    pub scale_a: f64,
    /// Slope of the residual scale on the expectation.
    pub scale_b: f64,
    /// Least residual scale.
    pub scale_floor: f64,
    /// Factor of the residual scale per local hour of the week.
    pub hour_scale: Vec<f64>,
    /// Reference buckets used (after trimming).
    pub n_used: usize,
    /// Reference buckets trimmed as abnormal.
    pub n_trimmed: usize,
    /// The reference period's last standardised residuals (they prime the rolling window).
    pub recent_z: Vec<f64>,
}

/// A driver term of a model: a column as is, or the segment of a temperature between two knots
/// (`min(max(T - lower, 0), upper - lower)`; below the first knot `min(T, upper)`, above the last
/// `max(T - lower, 0)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverTerm {
    /// Driver column.
    pub column: String,
    /// Lower knot of a temperature segment, °C.
    pub lower_c: Option<f64>,
    /// Upper knot of a temperature segment, °C.
    pub upper_c: Option<f64>,
    /// A temperature term of occupied (`Some(true)`) or unoccupied (`Some(false)`) hours of the
    /// week only, zero in the others (TOWT's separate slopes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupied: Option<bool>,
}

impl DriverTerm {
    fn linear(column: &str) -> Self {
        DriverTerm {
            column: column.into(),
            lower_c: None,
            upper_c: None,
            occupied: None,
        }
    }

    fn value(&self, x: f64) -> f64 {
        match (self.lower_c, self.upper_c) {
            (None, None) => x,
            (None, Some(hi)) => x.min(hi),
            (Some(lo), None) => (x - lo).max(0.0),
            (Some(lo), Some(hi)) => (x - lo).max(0.0).min(hi - lo),
        }
    }
}

/// Mean and standard deviation of a column over the reference period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    /// Column name.
    pub name: String,
    /// Mean.
    pub mean: f64,
    /// Standard deviation (0 when constant).
    pub std: f64,
}

/// A detector fitted on a reference period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyDetector {
    /// The settings.
    pub config: DetectConfig,
    /// One model per monitored column.
    pub models: Vec<ColumnModel>,
    /// Reference statistics of the other measured columns (for naming features).
    pub stats: Vec<ColumnStats>,
}

/// Per-bucket results of [`AnomalyDetector::score`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Bucket starts.
    pub ts: Vec<Timestamp>,
    /// Highest severity over the monitored columns.
    pub severity: Vec<Severity>,
    /// Largest sigma distance over the monitored columns (NaN where none was judged).
    pub score: Vec<f64>,
    /// Monitored columns at the critical limit in each bucket.
    pub critical_columns: Vec<usize>,
    /// Standardised residual of each monitored column, and z of the other measured columns.
    pub feature_z: Vec<(String, Vec<f64>)>,
}

fn hours_of_week(ts: &[Timestamp], timezone: &str) -> Result<Vec<usize>> {
    let tz = parse_tz(timezone)?;
    ts.iter()
        .map(|&t| {
            let l = to_local(t, tz)?;
            Ok(l.weekday().num_days_from_monday() as usize * 24 + l.hour() as usize)
        })
        .collect()
}

fn check_table(ts: &[Timestamp], columns: &[(&str, &[f64])]) -> Result<()> {
    if let Some(i) = ts.windows(2).position(|w| w[1] <= w[0]) {
        return Err(Error::Unsorted {
            column: "ts".into(),
            index: i + 1,
            previous_index: i,
            current: format_rfc3339(ts[i + 1]),
            previous: format_rfc3339(ts[i]),
        });
    }
    for (i, (name, v)) in columns.iter().enumerate() {
        if v.len() != ts.len() {
            return Err(Error::LengthMismatch {
                column: (*name).to_string(),
                expected: ts.len(),
                got: v.len(),
            });
        }
        if let Some(j) = v.iter().position(|x| x.is_infinite()) {
            return Err(Error::NonFinite {
                column: (*name).to_string(),
                index: j,
                value: v[j].to_string(),
            });
        }
        if columns[..i].iter().any(|(m, _)| m == name) {
            return Err(Error::invalid(name, "two columns have this name"));
        }
    }
    Ok(())
}

fn find<'a>(columns: &[(&str, &'a [f64])], name: &str) -> Option<&'a [f64]> {
    columns.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// Median of finite values (NaN when empty); reorders `v`.
fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

fn robust_sigma(r: &[f64]) -> f64 {
    if r.is_empty() {
        return 0.0;
    }
    let mut a: Vec<f64> = r.iter().map(|v| v.abs()).collect();
    let mid = a.len() / 2;
    let (_, m, _) = a.select_nth_unstable_by(mid, f64::total_cmp);
    1.4826 * *m
}

impl ColumnModel {
    fn terms(&self, columns: &[(&str, &[f64])], how: usize, i: usize) -> Option<Vec<f64>> {
        let occ = self.occupied.get(how).copied().unwrap_or(false);
        self.drivers
            .iter()
            .map(|d| {
                let x = find(columns, &d.column)?[i];
                let on = d.occupied.is_none_or(|o| o == occ);
                x.is_finite().then(|| if on { d.value(x) } else { 0.0 })
            })
            .collect()
    }

    /// Expectation at row `i` (NaN when a driver is missing or the hour of the week unseen).
    fn expect(&self, columns: &[(&str, &[f64])], how: usize, i: usize) -> f64 {
        match self.terms(columns, how, i) {
            Some(x) => {
                // a model loaded from JSON may be malformed: never index out of bounds
                let level = self.levels.get(how).copied().unwrap_or(f64::NAN);
                level + x.iter().zip(&self.slopes).map(|(a, b)| a * b).sum::<f64>()
            }
            None => f64::NAN,
        }
    }

    fn base_scale(&self, yhat: f64) -> f64 {
        (self.scale_a + self.scale_b * yhat).max(self.scale_floor)
    }

    fn scale(&self, yhat: f64, how: usize) -> f64 {
        self.base_scale(yhat) * self.hour_scale.get(how).copied().unwrap_or(1.0)
    }
}

/// Fits levels and slopes on rows `rows`; returns the model's levels, slopes, kept drivers.
fn fit_levels(
    y: &[f64],
    x: &[Vec<f64>],
    how: &[usize],
    rows: &[usize],
    names: &[String],
) -> Result<(Vec<f64>, Vec<f64>, Vec<usize>)> {
    let mut cnt = [0usize; HOURS_PER_WEEK];
    let mut my = [0.0; HOURS_PER_WEEK];
    let mut mx = vec![[0.0; HOURS_PER_WEEK]; x.len()];
    for &i in rows {
        cnt[how[i]] += 1;
        my[how[i]] += y[i];
        for (m, col) in mx.iter_mut().zip(x) {
            m[how[i]] += col[i];
        }
    }
    for h in 0..HOURS_PER_WEEK {
        if cnt[h] > 0 {
            let k = cnt[h] as f64;
            my[h] /= k;
            for m in mx.iter_mut() {
                m[h] /= k;
            }
        }
    }
    let yc: Vec<f64> = rows.iter().map(|&i| y[i] - my[how[i]]).collect();
    let xc: Vec<Vec<f64>> = x
        .iter()
        .zip(&mx)
        .map(|(col, m)| rows.iter().map(|&i| col[i] - m[how[i]]).collect())
        .collect();
    // drivers that vary within hours of the week; drop collinear ones one at a time
    let mut keep: Vec<usize> = (0..x.len())
        .filter(|&j| xc[j].iter().any(|v| v.abs() > 1e-9))
        .collect();
    let mut slopes = vec![0.0; x.len()];
    loop {
        if keep.is_empty() || rows.len() <= keep.len() + 1 {
            keep.clear();
            break;
        }
        let refs: Vec<(&str, &[f64])> = keep
            .iter()
            .map(|&j| (names[j].as_str(), xc[j].as_slice()))
            .collect();
        let opts = OlsOptions {
            intercept: false,
            ..OlsOptions::default()
        };
        match ols(&yc, &refs, &opts) {
            Ok(fit) => {
                for (&j, c) in keep.iter().zip(&fit.coefficients) {
                    slopes[j] = c.estimate;
                }
                break;
            }
            Err(Error::InvalidParameter { name, .. }) => {
                let before = keep.len();
                keep.retain(|&j| names[j] != name);
                if keep.len() == before {
                    keep.clear();
                }
            }
            Err(e) => return Err(e),
        }
    }
    let levels: Vec<f64> = (0..HOURS_PER_WEEK)
        .map(|h| {
            if cnt[h] == 0 {
                f64::NAN
            } else {
                my[h] - (0..x.len()).map(|j| slopes[j] * mx[j][h]).sum::<f64>()
            }
        })
        .collect();
    Ok((levels, slopes, keep))
}

impl AnomalyDetector {
    /// Fits the detector on the reference buckets starting at `ts` with the named columns.
    ///
    /// Errors: unsorted `ts`, a column of another length or with an infinite value (NaN is
    /// missing), a bad setting (named), a monitored column that is not in the table, no monitored
    /// column, or fewer than `sigma.min_periods` usable reference buckets for `energy_kwh` or a
    /// named target (a quantity picked by default with too few is left out).
    pub fn fit(
        ts: &[Timestamp],
        columns: &[(&str, &[f64])],
        config: &DetectConfig,
    ) -> Result<Self> {
        config.validate()?;
        check_table(ts, columns)?;
        let how = hours_of_week(ts, &config.timezone)?;
        let is_driver = |n: &str| {
            config.drivers.iter().any(|d| d == n)
                || config.temperature_drivers.iter().any(|d| d == n)
        };
        let targets: Vec<String> = match &config.targets {
            Some(t) => t.clone(),
            None => columns
                .iter()
                .map(|(n, _)| *n)
                .filter(|n| {
                    *n == ENERGY
                        || !(is_driver(n) || DERIVED.contains(n))
                        || config.monitored_drivers.iter().any(|d| d == n)
                })
                .map(str::to_string)
                .collect(),
        };
        if targets.is_empty() {
            return Err(Error::invalid(
                "targets",
                "no column to monitor (give `energy_kwh` or name the targets)",
            ));
        }
        // driver terms present in the table
        let mut terms: Vec<DriverTerm> = Vec::new();
        for d in &config.drivers {
            if find(columns, d).is_some() {
                terms.push(DriverTerm::linear(d));
            }
        }
        for d in &config.temperature_drivers {
            if let Some(t) = find(columns, d) {
                // knots with at least `knot_min_buckets` reference buckets on either side: each
                // slope rests on enough data, and the outer segments extrapolate linearly beyond
                // the reference temperatures instead of staying flat
                let need = config.knot_min_buckets.max(2);
                let k: Vec<f64> = config
                    .knots_c
                    .iter()
                    .copied()
                    .filter(|k| {
                        t.iter().filter(|v| v.is_finite() && *v < k).count() >= need
                            && t.iter().filter(|v| v.is_finite() && *v > k).count() >= need
                    })
                    .collect();
                let mut bounds: Vec<Option<f64>> = vec![None];
                bounds.extend(k.iter().map(|v| Some(*v)));
                bounds.push(None);
                for w in bounds.windows(2) {
                    terms.push(DriverTerm {
                        column: d.clone(),
                        lower_c: w[0],
                        upper_c: w[1],
                        occupied: None,
                    });
                }
            }
        }
        let n = ts.len();
        let x: Vec<Vec<f64>> = terms
            .iter()
            .map(|d| {
                let col = find(columns, &d.column).unwrap_or(&[]);
                col.iter()
                    .map(|&v| if v.is_finite() { d.value(v) } else { f64::NAN })
                    .collect()
            })
            .collect();

        let mut models = Vec::with_capacity(targets.len());
        let is_temperature = |d: &DriverTerm| config.temperature_drivers.contains(&d.column);
        for target in &targets {
            let y = find(columns, target).ok_or_else(|| {
                Error::invalid(target, "is a monitored column but not in the table")
            })?;
            // a monitored driver (production against the plan) is modelled on the calendar and
            // the weather only
            let watched_driver = is_driver(target);
            let used: Vec<usize> = (0..terms.len())
                .filter(|&j| terms[j].column != *target)
                .filter(|&j| !watched_driver || is_temperature(&terms[j]))
                .collect();
            let base_ok: Vec<bool> = (0..n)
                .map(|i| y[i].is_finite() && used.iter().all(|&j| x[j][i].is_finite()))
                .collect();
            // TOWT occupancy: hours of the week whose residuals from a fit on temperature alone
            // are mostly positive
            let mut occupied = vec![false; HOURS_PER_WEEK];
            let temp_col = used
                .iter()
                .find(|&&j| is_temperature(&terms[j]))
                .and_then(|&j| find(columns, &terms[j].column));
            if let (Some(tc), Some(threshold)) = (temp_col, config.occupancy_threshold) {
                let rows0: Vec<usize> = (0..n).filter(|&i| base_ok[i]).collect();
                let y0: Vec<f64> = rows0.iter().map(|&i| y[i]).collect();
                let t0: Vec<f64> = rows0.iter().map(|&i| tc[i]).collect();
                if let Ok(fit) = ols(&y0, &[("t", &t0)], &OlsOptions::default()) {
                    let (b0, b1) = (fit.coefficients[0].estimate, fit.coefficients[1].estimate);
                    let mut pos = [0usize; HOURS_PER_WEEK];
                    let mut cnt = [0usize; HOURS_PER_WEEK];
                    for (k, &i) in rows0.iter().enumerate() {
                        cnt[how[i]] += 1;
                        pos[how[i]] += usize::from(y0[k] - (b0 + b1 * t0[k]) > 0.0);
                    }
                    for h in 0..HOURS_PER_WEEK {
                        occupied[h] = cnt[h] > 0 && pos[h] as f64 / cnt[h] as f64 > threshold;
                    }
                }
            }
            let mut model_terms_all: Vec<DriverTerm> = Vec::new();
            let mut xt: Vec<Vec<f64>> = Vec::new();
            let split = config.occupancy_threshold.is_some();
            for &j in &used {
                if split && is_temperature(&terms[j]) {
                    for occ in [true, false] {
                        model_terms_all.push(DriverTerm {
                            occupied: Some(occ),
                            ..terms[j].clone()
                        });
                        xt.push(
                            (0..n)
                                .map(|i| {
                                    if occupied[how[i]] == occ {
                                        x[j][i]
                                    } else {
                                        0.0
                                    }
                                })
                                .collect(),
                        );
                    }
                } else {
                    model_terms_all.push(terms[j].clone());
                    xt.push(x[j].clone());
                }
            }
            let x = xt;
            let term_names: Vec<String> = (0..x.len()).map(|j| format!("x{j}")).collect();
            let all: Vec<usize> = (0..n).filter(|&i| base_ok[i]).collect();
            // a quantity picked by default that the reference period hardly saw (a chiller's
            // COP in a heating month) is left out; a named target or energy is an error
            let optional = config.targets.is_none() && target != ENERGY;
            if all.len() < config.sigma.min_periods.max(2) {
                if optional {
                    continue;
                }
                return Err(Error::EmptySeries {
                    column: target.clone(),
                    needed: config.sigma.min_periods.max(2),
                });
            }
            let mut rows = all.clone();
            let mut fitted = fit_levels(y, &x, &how, &rows, &term_names)?;
            let resid = |f: &(Vec<f64>, Vec<f64>, Vec<usize>), i: usize| {
                let (lv, sl, _) = f;
                y[i] - lv[how[i]] - (0..x.len()).map(|j| sl[j] * x[j][i]).sum::<f64>()
            };
            for _ in 0..2 {
                // residuals of every usable bucket, centred on the median of their hour of the
                // week: a fault in one week of four shifts that hour's mean, not its median
                let r: Vec<f64> = all.iter().map(|&i| resid(&fitted, i)).collect();
                let mut by_how: Vec<Vec<f64>> = vec![Vec::new(); HOURS_PER_WEEK];
                for (&i, v) in all.iter().zip(&r) {
                    if v.is_finite() {
                        by_how[how[i]].push(*v);
                    }
                }
                let med: Vec<f64> = by_how.iter_mut().map(|v| median(v)).collect();
                let rc: Vec<f64> = all.iter().zip(&r).map(|(&i, v)| v - med[how[i]]).collect();
                let finite: Vec<f64> = rc.iter().copied().filter(|v| v.is_finite()).collect();
                let s = robust_sigma(&finite);
                if s.is_nan() || s <= 0.0 {
                    break;
                }
                let kept: Vec<usize> = all
                    .iter()
                    .zip(&rc)
                    .filter(|(_, v)| v.abs() <= config.trim_sigma * s)
                    .map(|(&i, _)| i)
                    .collect();
                if kept == rows || kept.len() < config.sigma.min_periods.max(2) {
                    break;
                }
                rows = kept;
                fitted = fit_levels(y, &x, &how, &rows, &term_names)?;
            }
            // leave-one-out residuals of the level model and their scale
            let mut cnt = [0usize; HOURS_PER_WEEK];
            for &i in &rows {
                cnt[how[i]] += 1;
            }
            let mut loo = Vec::with_capacity(rows.len());
            let mut yhat = Vec::with_capacity(rows.len());
            let mut loo_how = Vec::with_capacity(rows.len());
            for &i in &rows {
                let r = resid(&fitted, i);
                let k = cnt[how[i]] as f64;
                if k > 1.0 {
                    loo.push(r * k / (k - 1.0));
                    yhat.push(y[i] - r);
                    loo_how.push(how[i]);
                }
            }
            if loo.len() < config.sigma.min_periods.max(2) {
                if optional {
                    continue;
                }
                return Err(Error::EmptySeries {
                    column: target.clone(),
                    needed: config.sigma.min_periods.max(2),
                });
            }
            let rms = (loo.iter().map(|v| v * v).sum::<f64>() / loo.len() as f64).sqrt();
            let abs: Vec<f64> = loo.iter().map(|v| v.abs()).collect();
            let c = (std::f64::consts::PI / 2.0).sqrt();
            let (a, b) = match ols(&abs, &[("yhat", &yhat)], &OlsOptions::default()) {
                Ok(fit) => (
                    c * fit.coefficients[0].estimate,
                    c * fit.coefficients[1].estimate,
                ),
                Err(_) => (c * abs.iter().sum::<f64>() / abs.len() as f64, 0.0),
            };
            let mean_abs = rows.iter().map(|&i| y[i].abs()).sum::<f64>() / rows.len() as f64;
            let floor = (config.min_scale_share * rms)
                .max(config.min_scale_of_reading * mean_abs)
                .max(f64::MIN_POSITIVE);
            let (levels, slopes_all, keep) = fitted;
            let model_terms: Vec<DriverTerm> =
                keep.iter().map(|&j| model_terms_all[j].clone()).collect();
            let slopes: Vec<f64> = keep.iter().map(|&j| slopes_all[j]).collect();
            let mut model = ColumnModel {
                target: target.clone(),
                drivers: model_terms,
                slopes,
                occupied,
                levels,
                scale_a: a,
                scale_b: b,
                scale_floor: floor,
                hour_scale: vec![1.0; HOURS_PER_WEEK],
                n_used: rows.len(),
                n_trimmed: all.len() - rows.len(),
                recent_z: Vec::new(),
            };
            // hours of the week with more (or less) noise than the load explains: the mean square
            // of their standardised residuals, shrunk towards 1 by `scale_prior_buckets`
            let kappa = config.scale_prior_buckets;
            let mut ss = [0.0; HOURS_PER_WEEK];
            let mut nh = [0usize; HOURS_PER_WEEK];
            for ((r, e), &h) in loo.iter().zip(&yhat).zip(&loo_how) {
                let u = r / model.base_scale(*e);
                ss[h] += u * u;
                nh[h] += 1;
            }
            for h in 0..HOURS_PER_WEEK {
                model.hour_scale[h] = ((ss[h] + kappa) / (nh[h] as f64 + kappa)).sqrt();
            }
            let tail = loo.len().saturating_sub(config.sigma.window);
            model.recent_z = (tail..loo.len())
                .map(|k| loo[k] / model.scale(yhat[k], loo_how[k]))
                .collect();
            models.push(model);
        }

        if models.is_empty() {
            return Err(Error::EmptySeries {
                column: targets[0].clone(),
                needed: config.sigma.min_periods.max(2),
            });
        }
        let stats = columns
            .iter()
            .filter(|(n, _)| !targets.iter().any(|t| t == n))
            .filter(|(n, _)| {
                !matches!(
                    *n,
                    crate::anomaly::features::TOD_SIN
                        | crate::anomaly::features::TOD_COS
                        | crate::anomaly::features::WORKING_DAY
                        | crate::anomaly::features::SHIFT
                )
            })
            .filter_map(|(n, v)| {
                let f: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
                if f.len() < 2 {
                    return None;
                }
                let mean = f.iter().sum::<f64>() / f.len() as f64;
                let var =
                    f.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (f.len() - 1) as f64;
                Some(ColumnStats {
                    name: (*n).to_string(),
                    mean,
                    std: var.sqrt(),
                })
            })
            .collect();
        Ok(AnomalyDetector {
            config: config.clone(),
            models,
            stats,
        })
    }

    /// Standardised residuals, severities and scores of the buckets starting at `ts`.
    pub fn score(&self, ts: &[Timestamp], columns: &[(&str, &[f64])]) -> Result<Scores> {
        check_table(ts, columns)?;
        let how = hours_of_week(ts, &self.config.timezone)?;
        let n = ts.len();
        let mut severity = vec![Severity::Normal; n];
        let mut score = vec![f64::NAN; n];
        let mut critical_columns = vec![0usize; n];
        let mut feature_z = Vec::new();
        for m in &self.models {
            let y = find(columns, &m.target).ok_or_else(|| {
                Error::invalid(&m.target, "is a monitored column but not in the table")
            })?;
            let mut z = vec![f64::NAN; n];
            let mut judged = Vec::new();
            for i in 0..n {
                let e = m.expect(columns, how[i], i);
                if e.is_finite() && y[i].is_finite() {
                    z[i] = (y[i] - e) / m.scale(e, how[i]);
                    judged.push(i);
                }
            }
            // the sigma rule over the reference tail and the judged buckets
            let mut seq = m.recent_z.clone();
            let off = seq.len();
            seq.extend(judged.iter().map(|&i| z[i]));
            let (sev, dist) = sigma_flags(&seq, &self.config.sigma)?;
            for (k, &i) in judged.iter().enumerate() {
                let (s, d) = (sev[off + k], dist[off + k]);
                severity[i] = severity[i].max(s);
                critical_columns[i] += usize::from(s == Severity::Critical);
                if d.is_finite() && (score[i].is_nan() || d > score[i]) {
                    score[i] = d;
                }
            }
            feature_z.push((m.target.clone(), z));
        }
        for s in &self.stats {
            let Some(v) = find(columns, &s.name) else {
                continue;
            };
            let z = v
                .iter()
                .map(|x| {
                    if s.std > 0.0 {
                        (x - s.mean) / s.std
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            feature_z.push((s.name.clone(), z));
        }
        Ok(Scores {
            ts: ts.to_vec(),
            severity,
            score,
            critical_columns,
            feature_z,
        })
    }

    /// Events of `machine_id` in the buckets starting at `ts` (see the module docs).
    pub fn detect(
        &self,
        machine_id: &str,
        ts: &[Timestamp],
        columns: &[(&str, &[f64])],
    ) -> Result<Vec<AnomalyEvent>> {
        let s = self.score(ts, columns)?;
        let fz: Vec<(&str, &[f64])> = s
            .feature_z
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let events = merge_events(
            machine_id,
            ts,
            self.config.period_s.saturating_mul(MICROS_PER_SECOND),
            &s.severity,
            &s.score,
            self.config.max_gap,
            &fz,
            self.config.feature_threshold,
        )?;
        Ok(events
            .into_iter()
            .filter(|e| {
                let a = ts.partition_point(|&t| t < e.start);
                let b = ts.partition_point(|&t| t < e.end);
                let together = s.critical_columns[a..b].iter().copied().max().unwrap_or(0);
                e.severity >= self.config.min_event_severity
                    && e.points >= self.config.min_event_points
                    && (e.peak_score >= self.config.min_event_score
                        || together >= self.config.min_critical_columns)
            })
            .collect())
    }
}

/// Trains a detector on the buckets in `training` and reports the events of `machine_id` in the
/// buckets in `detection`: the one call of every face (server, Python, Node).
///
/// `ts` are bucket starts (sorted, UTC microseconds), `columns` the named features per bucket
/// (NaN = missing), e.g. [`crate::anomaly::FeatureTable::as_columns`]. See the module docs for
/// the pipeline and [`DetectConfig`] for its settings.
pub fn detect(
    machine_id: &str,
    ts: &[Timestamp],
    columns: &[(&str, &[f64])],
    training: TimeRange,
    detection: TimeRange,
    config: &DetectConfig,
) -> Result<Vec<AnomalyEvent>> {
    check_table(ts, columns)?;
    let slice = |r: TimeRange| -> (Vec<Timestamp>, Vec<(&str, Vec<f64>)>) {
        let a = ts.partition_point(|&t| t < r.start);
        let b = ts.partition_point(|&t| t < r.end);
        (
            ts[a..b].to_vec(),
            columns
                .iter()
                .map(|(n, v)| (*n, v[a..b].to_vec()))
                .collect(),
        )
    };
    let (tt, tc) = slice(training);
    let (dt, dc) = slice(detection);
    let tc: Vec<(&str, &[f64])> = tc.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    let dc: Vec<(&str, &[f64])> = dc.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    let detector = AnomalyDetector::fit(&tt, &tc, config)?;
    detector.detect(machine_id, &dt, &dc)
}

impl crate::options::Saved for AnomalyDetector {
    /// Checks a detector loaded from JSON: every column model has its 168 hours of the week
    /// (levels, occupancy, residual scale) and finite scales; errors name `model`. (A detector
    /// built in code with fewer judges those hours as having no expectation.)
    fn check_loaded(&self) -> Result<()> {
        for m in &self.models {
            let lens = [m.levels.len(), m.occupied.len(), m.hour_scale.len()];
            if lens.iter().any(|&l| l != 168) {
                return Err(Error::invalid(
                    "model",
                    format!(
                        "the model of `{}` must have 168 hours of the week of levels, occupancy and scale, got {lens:?}",
                        m.target
                    ),
                ));
            }
            if [m.scale_a, m.scale_b, m.scale_floor]
                .iter()
                .chain(&m.slopes)
                .chain(&m.hour_scale)
                .any(|v| !v.is_finite())
            {
                return Err(Error::invalid(
                    "model",
                    format!(
                        "the model of `{}` has a slope or scale that is not finite",
                        m.target
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "../../tests/common/plant.rs"]
mod test_plant;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::time::MICROS_PER_HOUR;

    use test_plant::plant;

    #[test]
    fn finds_the_fault_and_nothing_else() {
        let (ts, energy, production, temp) = plant();
        let never = vec![f64::NAN; ts.len()];
        let cols: Vec<(&str, &[f64])> = vec![
            ("energy_kwh", &energy),
            ("production", &production),
            ("outdoor_temp_c", &temp),
            // a quantity the reference period never saw is left out, not an error
            ("cop", &never),
        ];
        let training = TimeRange::new(ts[0], ts[4 * 168]).unwrap();
        let detection = TimeRange::new(ts[4 * 168], ts[ts.len() - 1] + MICROS_PER_HOUR).unwrap();
        let config = DetectConfig::default();
        let events = detect("m-1", &ts, &cols, training, detection, &config).unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        let e = &events[0];
        assert_eq!(e.machine_id, "m-1");
        assert_eq!(e.start, ts[4 * 168 + 30]);
        assert_eq!(e.end, ts[4 * 168 + 36]);
        assert_eq!(e.severity, Severity::Critical);
        assert_eq!(e.features[0], "energy_kwh");
        // same input, same events; a fitted detector survives JSON
        assert_eq!(
            events,
            detect("m-1", &ts, &cols, training, detection, &config).unwrap()
        );
        let tc: Vec<(&str, &[f64])> = cols.iter().map(|(n, v)| (*n, &v[..4 * 168])).collect();
        let d = AnomalyDetector::fit(&ts[..4 * 168], &tc, &config).unwrap();
        assert_eq!(d.models.len(), 1, "production and temperature are drivers");
        let json = serde_json::to_string(&d).unwrap();
        let back: AnomalyDetector = serde_json::from_str(&json).unwrap();
        let dc: Vec<(&str, &[f64])> = cols.iter().map(|(n, v)| (*n, &v[4 * 168..])).collect();
        assert_eq!(back.detect("m-1", &ts[4 * 168..], &dc).unwrap(), events);
        // a malformed model from JSON judges nothing rather than panicking
        let mut broken = back.clone();
        broken.models[0].levels.truncate(3);
        broken.models[0].hour_scale.clear();
        broken.models[0].occupied.clear();
        assert!(broken.detect("m-1", &ts[4 * 168..], &dc).is_ok());
        // loaded from JSON, the same model is refused by name instead
        let e = crate::options::load::<AnomalyDetector>(
            &serde_json::to_string(&broken).unwrap(),
            "model",
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("model"), "{e}");
        assert!(crate::options::load::<AnomalyDetector>(&json, "model").is_ok());
        let partial: DetectConfig = serde_json::from_str(r#"{"period_s": 900}"#).unwrap();
        assert_eq!(partial.period_s, 900);
        assert_eq!(partial.sigma, config.sigma);
    }

    #[test]
    fn bad_input_is_named() {
        let (ts, energy, production, _) = plant();
        let range = TimeRange::new(ts[0], ts[ts.len() - 1]).unwrap();
        let cols: Vec<(&str, &[f64])> = vec![("energy_kwh", &energy), ("production", &production)];
        let bad = |c: DetectConfig| {
            detect("m", &ts, &cols, range, range, &c)
                .unwrap_err()
                .field()
                .map(str::to_string)
        };
        let period = DetectConfig {
            period_s: 0,
            ..DetectConfig::default()
        };
        assert_eq!(bad(period).as_deref(), Some("period_s"));
        let targets = DetectConfig {
            targets: Some(vec!["cop".into()]),
            ..DetectConfig::default()
        };
        assert_eq!(bad(targets).as_deref(), Some("cop"));
        let short: Vec<(&str, &[f64])> = vec![("energy_kwh", &energy[..5])];
        assert_eq!(
            detect("m", &ts, &short, range, range, &DetectConfig::default())
                .unwrap_err()
                .field(),
            Some("energy_kwh")
        );
        let tz = DetectConfig::for_timezone("Mars/Olympus");
        assert!(detect("m", &ts, &cols, range, range, &tz).is_err());
    }
}
