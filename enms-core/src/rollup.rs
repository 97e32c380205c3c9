//! Rollups: energy and power statistics per time bucket.
//!
//! A rollup turns readings into one row per bucket (see [`crate::bucket`]) with
//! - `sample_count`: readings whose timestamp falls in the bucket;
//! - `energy_kwh`: energy delivered inside the bucket;
//! - `mean_power_kw = energy_kwh / covered hours` (time-weighted mean over the covered part),
//!   `min_power_kw`, `max_power_kw` (over the readings in the bucket; over interval means for
//!   interval data);
//! - `coverage = covered time / bucket length` in 0..1, and `has_gap = coverage < 1`.
//!
//! **Energy from power** (meters that send only power) is the time integral of the piecewise-linear
//! power curve through the samples (trapezoidal rule), exact for any spacing of the samples (1 s,
//! 10 s, 30 s, jittered):
//!
//! `E = sum_i (p_i + p_{i+1}) / 2 * (t_{i+1} - t_i)`,
//!
//! where an interval longer than `max_gap` is not integrated (it is a gap, not a straight line). An
//! interval that crosses a bucket boundary is split at the boundary with the power interpolated
//! there, so the buckets' energies add up to the total for any bucket width and alignment.
//!
//! **Energy from counters** and **interval energy** (a value per interval, e.g. a 15-minute kWh
//! register) are spread uniformly over their interval (constant power within it).
//!
//! Standard rollups (1 min, 15 min, 1 h, 1 day) are built once at 1 minute and regrouped upwards,
//! which is exact because the coarser buckets are unions of the finer ones.

use serde::{Deserialize, Serialize};

use crate::bucket::{Bucket, BucketWidth, Bucketing};
use crate::error::{Error, Result};
use crate::series::{
    check_finite, check_len, check_non_empty, check_non_negative, check_sorted, PowerSeries,
    PowerView,
};
use crate::time::{format_rfc3339, TimeRange, Timestamp, HOURS_PER_MICRO, MICROS_PER_MINUTE};

/// Options of a rollup.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RollupOptions {
    /// Longest interval between two readings that is still integrated, in microseconds. Longer
    /// intervals are gaps: no energy, no coverage. Default: 5 minutes.
    pub max_gap_us: i64,
    /// Range to roll up. `None`: from the bucket of the first reading to the bucket of the last.
    /// With a range, buckets cover the whole range (empty ones included) and readings outside it
    /// are clipped away.
    pub range: Option<TimeRange>,
}

impl Default for RollupOptions {
    fn default() -> Self {
        RollupOptions {
            max_gap_us: 5 * MICROS_PER_MINUTE,
            range: None,
        }
    }
}

impl RollupOptions {
    /// Default options with another maximum gap, in seconds.
    pub fn with_max_gap_s(mut self, seconds: f64) -> Result<Self> {
        if !seconds.is_finite() || seconds <= 0.0 {
            return Err(Error::invalid(
                "max_gap_s",
                format!("must be a positive number of seconds, got {seconds}"),
            ));
        }
        self.max_gap_us = (seconds * 1e6).round() as i64;
        Ok(self)
    }

    /// Default options restricted to a range.
    pub fn with_range(mut self, range: TimeRange) -> Self {
        self.range = Some(range);
        self
    }

    fn validate(&self) -> Result<()> {
        if self.max_gap_us <= 0 {
            return Err(Error::invalid(
                "max_gap_s",
                format!("must be positive, got {} us", self.max_gap_us),
            ));
        }
        Ok(())
    }
}

/// One row per bucket, columnar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    /// The bucketing that produced the rows.
    pub bucketing: Bucketing,
    /// Bucket starts (labels).
    pub start: Vec<Timestamp>,
    /// Bucket ends.
    pub end: Vec<Timestamp>,
    /// Readings in each bucket.
    pub sample_count: Vec<u64>,
    /// Energy in each bucket, kWh.
    pub energy_kwh: Vec<f64>,
    /// Time-weighted mean power over the covered part of the bucket, kW (NaN when nothing is covered).
    pub mean_power_kw: Vec<f64>,
    /// Smallest reading (or interval mean) in the bucket, kW (NaN when none).
    pub min_power_kw: Vec<f64>,
    /// Largest reading (or interval mean) in the bucket, kW (NaN when none).
    pub max_power_kw: Vec<f64>,
    /// Covered time in each bucket, microseconds.
    pub covered_us: Vec<i64>,
}

impl Rollup {
    fn empty(bucketing: &Bucketing) -> Self {
        Rollup {
            bucketing: bucketing.clone(),
            start: Vec::new(),
            end: Vec::new(),
            sample_count: Vec::new(),
            energy_kwh: Vec::new(),
            mean_power_kw: Vec::new(),
            min_power_kw: Vec::new(),
            max_power_kw: Vec::new(),
            covered_us: Vec::new(),
        }
    }

    fn open(&mut self, b: Bucket) {
        self.start.push(b.start);
        self.end.push(b.end);
        self.sample_count.push(0);
        self.energy_kwh.push(0.0);
        self.min_power_kw.push(f64::INFINITY);
        self.max_power_kw.push(f64::NEG_INFINITY);
        self.covered_us.push(0);
    }

    fn finish(mut self) -> Self {
        self.mean_power_kw = self
            .energy_kwh
            .iter()
            .zip(&self.covered_us)
            .map(|(e, c)| {
                if *c > 0 {
                    e / (*c as f64 * HOURS_PER_MICRO)
                } else {
                    f64::NAN
                }
            })
            .collect();
        for v in self
            .min_power_kw
            .iter_mut()
            .chain(self.max_power_kw.iter_mut())
        {
            if v.is_infinite() {
                *v = f64::NAN;
            }
        }
        self
    }

    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.start.len()
    }

    /// Whether there are no buckets.
    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }

    /// Share of each bucket that has data, 0..1.
    pub fn coverage(&self) -> Vec<f64> {
        (0..self.len())
            .map(|i| self.covered_us[i] as f64 / (self.end[i] - self.start[i]) as f64)
            .collect()
    }

    /// Whether each bucket has any uncovered time.
    pub fn has_gap(&self) -> Vec<bool> {
        (0..self.len())
            .map(|i| self.covered_us[i] < self.end[i] - self.start[i])
            .collect()
    }

    /// Total energy over all buckets, kWh.
    pub fn total_energy_kwh(&self) -> f64 {
        self.energy_kwh.iter().sum()
    }

    /// The time span of the rollup, `[first start, last end)`.
    pub fn range(&self) -> Option<TimeRange> {
        Some(TimeRange {
            start: *self.start.first()?,
            end: *self.end.last()?,
        })
    }

    /// Regroups into coarser buckets (e.g. 1 min -> 15 min -> 1 h -> 1 day). Every fine bucket must
    /// lie inside one coarse bucket, otherwise [`Error::InvalidParameter`] names the bucket.
    pub fn regroup(&self, coarse: &Bucketing) -> Result<Rollup> {
        let mut out = Rollup::empty(coarse);
        let mut cur: Option<Bucket> = None;
        for i in 0..self.len() {
            let (s, e) = (self.start[i], self.end[i]);
            let b = match cur {
                Some(b) if s >= b.start && s < b.end => b,
                _ => {
                    let mut b = coarse.bucket(s)?;
                    if let Some(prev) = cur {
                        // walk over empty coarse buckets so the result tiles the time line
                        let mut nb = coarse.bucket(prev.end)?;
                        while nb.start < b.start {
                            out.open(nb);
                            nb = coarse.bucket(nb.end)?;
                        }
                        b = nb;
                    }
                    out.open(b);
                    cur = Some(b);
                    b
                }
            };
            if e > b.end {
                return Err(Error::invalid(
                    "width",
                    format!(
                        "bucket {}..{} does not nest in {} buckets (crosses {})",
                        format_rfc3339(s),
                        format_rfc3339(e),
                        coarse.width(),
                        format_rfc3339(b.end)
                    ),
                ));
            }
            let k = out.len() - 1;
            out.sample_count[k] += self.sample_count[i];
            out.energy_kwh[k] += self.energy_kwh[i];
            out.covered_us[k] += self.covered_us[i];
            if self.min_power_kw[i] < out.min_power_kw[k] {
                out.min_power_kw[k] = self.min_power_kw[i];
            }
            if self.max_power_kw[i] > out.max_power_kw[k] {
                out.max_power_kw[k] = self.max_power_kw[i];
            }
        }
        Ok(out.finish())
    }

    /// Adds rollups of several meters on the same bucket grid (e.g. machines of one factory, for a
    /// coincident peak). Buckets are matched by start; a bucket missing from one meter counts as
    /// uncovered for it, and `covered_us` of the sum is the minimum over meters (the time every meter
    /// covered). The caller keeps energy carriers apart.
    pub fn sum(rollups: &[&Rollup]) -> Result<Rollup> {
        let first = rollups.first().ok_or(Error::EmptySeries {
            column: "rollups".into(),
            needed: 1,
        })?;
        for r in rollups {
            if r.bucketing.width() != first.bucketing.width()
                || r.bucketing.timezone() != first.bucketing.timezone()
            {
                return Err(Error::invalid(
                    "rollups",
                    format!(
                        "cannot add {} buckets to {} buckets",
                        r.bucketing.width(),
                        first.bucketing.width()
                    ),
                ));
            }
        }
        let mut starts: Vec<(Timestamp, Timestamp)> = rollups
            .iter()
            .flat_map(|r| r.start.iter().copied().zip(r.end.iter().copied()))
            .collect();
        starts.sort_unstable();
        starts.dedup_by_key(|x| x.0);
        let mut out = Rollup::empty(&first.bucketing);
        for &(s, e) in &starts {
            out.open(Bucket { start: s, end: e });
            let k = out.len() - 1;
            out.covered_us[k] = e - s;
        }
        for r in rollups {
            let mut present = vec![false; starts.len()];
            for i in 0..r.len() {
                let k = starts.partition_point(|x| x.0 < r.start[i]);
                present[k] = true;
                out.sample_count[k] += r.sample_count[i];
                out.energy_kwh[k] += r.energy_kwh[i];
                out.covered_us[k] = out.covered_us[k].min(r.covered_us[i]);
                // min/max of a sum are unknown from per-meter extremes; keep NaN-free bounds only
                // for the mean, which is exact.
            }
            for (k, p) in present.iter().enumerate() {
                if !p {
                    out.covered_us[k] = 0;
                }
            }
        }
        let mut out = out.finish();
        out.min_power_kw.iter_mut().for_each(|v| *v = f64::NAN);
        out.max_power_kw.iter_mut().for_each(|v| *v = f64::NAN);
        Ok(out)
    }
}

/// Running totals of the open bucket, kept in registers and written out when the bucket closes.
#[derive(Clone, Copy)]
struct Acc {
    count: u64,
    /// Energy in kW x microseconds (converted to kWh once, at flush).
    energy: f64,
    covered: i64,
    min: f64,
    max: f64,
}

const EMPTY: Acc = Acc {
    count: 0,
    energy: 0.0,
    covered: 0,
    min: f64::INFINITY,
    max: f64::NEG_INFINITY,
};

/// Walks buckets forward as time advances, accumulating the open bucket.
struct Cursor<'a> {
    bucketing: &'a Bucketing,
    bucket: Bucket,
    acc: Acc,
}

impl<'a> Cursor<'a> {
    fn new(bucketing: &'a Bucketing, at: Timestamp) -> Result<Self> {
        Ok(Cursor {
            bucketing,
            bucket: bucketing.bucket(at)?,
            acc: EMPTY,
        })
    }

    fn flush(&mut self, out: &mut Rollup) {
        out.start.push(self.bucket.start);
        out.end.push(self.bucket.end);
        out.sample_count.push(self.acc.count);
        out.energy_kwh.push(self.acc.energy * HOURS_PER_MICRO);
        out.covered_us.push(self.acc.covered);
        out.min_power_kw.push(self.acc.min);
        out.max_power_kw.push(self.acc.max);
        self.acc = EMPTY;
    }

    /// Closes buckets until the open one contains `t`.
    #[cold]
    fn advance_to(&mut self, t: Timestamp, out: &mut Rollup) -> Result<()> {
        while t >= self.bucket.end {
            self.flush(out);
            self.bucket = self.bucketing.bucket(self.bucket.end)?;
        }
        Ok(())
    }
}

/// Most buckets one rollup may produce (a guard against a 1-second width over a century).
pub const MAX_BUCKETS: i64 = 500_000_000;

fn span(
    first: Timestamp,
    last: Timestamp,
    bucketing: &Bucketing,
    range: Option<TimeRange>,
) -> Result<(Timestamp, Timestamp)> {
    let (lo, hi) = match range {
        Some(r) => (r.start, r.end),
        None => (bucketing.bucket(first)?.start, bucketing.bucket(last)?.end),
    };
    if let Some(w) = bucketing.width().as_micros() {
        // i128: a span across the whole timestamp range must not overflow
        let n = (i128::from(hi) - i128::from(lo)) / i128::from(w.max(1));
        if n > i128::from(MAX_BUCKETS) {
            return Err(Error::invalid(
                "width",
                format!(
                    "{} buckets over {} .. {} would be {n} buckets, more than {MAX_BUCKETS}",
                    bucketing.width(),
                    format_rfc3339(lo),
                    format_rfc3339(hi)
                ),
            ));
        }
    }
    Ok((lo, hi))
}

/// Rolls up instantaneous power into buckets, integrating energy with the trapezoidal rule.
///
/// Takes an owned [`PowerSeries`] or a borrowed, validated [`PowerView`] (zero-copy input from
/// Arrow or numpy buffers).
pub fn rollup_power<'a>(
    series: impl Into<PowerView<'a>>,
    bucketing: &Bucketing,
    options: &RollupOptions,
) -> Result<Rollup> {
    let series = series.into();
    options.validate()?;
    let ts = series.ts;
    let p = series.power_kw;
    let n = ts.len();
    let (lo, hi) = span(ts[0], ts[n - 1], bucketing, options.range)?;
    let mut out = Rollup::empty(bucketing);
    let mut cur = Cursor::new(bucketing, lo)?;
    let max_gap = options.max_gap_us;
    // skip readings whose following interval ends before the range
    let begin = ts.partition_point(|&t| t < lo).saturating_sub(1);
    let end = ts.partition_point(|&t| t < hi);
    let (ts, p) = (&ts[begin..], &p[begin..]);
    let last = end.saturating_sub(begin);
    for i in 0..ts.len().min(last + 1) {
        let t0 = ts[i];
        if t0 >= hi {
            break;
        }
        let p0 = p[i];
        if t0 >= lo {
            if t0 >= cur.bucket.end {
                cur.advance_to(t0, &mut out)?;
            }
            cur.acc.count += 1;
            cur.acc.min = cur.acc.min.min(p0);
            cur.acc.max = cur.acc.max.max(p0);
        }
        let (Some(&t1), Some(&p1)) = (ts.get(i + 1), p.get(i + 1)) else {
            break;
        };
        // readings at the two ends of the time line: a gap, not an overflow
        let dt = match t1.checked_sub(t0) {
            Some(dt) if dt <= max_gap => dt,
            _ => continue,
        };
        if t0 >= lo && t1 <= cur.bucket.end && t1 <= hi {
            // whole interval inside the open bucket: the common case
            cur.acc.energy += (p0 + p1) * (0.5 * dt as f64);
            cur.acc.covered += dt;
            continue;
        }
        let a = t0.max(lo);
        let c = t1.min(hi);
        if a >= c {
            continue;
        }
        let slope = (p1 - p0) / dt as f64;
        let at = |t: Timestamp| p0 + slope * (t - t0) as f64;
        let mut s = a;
        while s < c {
            cur.advance_to(s, &mut out)?;
            let e = c.min(cur.bucket.end);
            cur.acc.energy += (at(s) + at(e)) * (0.5 * (e - s) as f64);
            cur.acc.covered += e - s;
            s = e;
        }
    }
    cur.advance_to(hi - 1, &mut out)?;
    cur.flush(&mut out);
    Ok(out.finish())
}

/// Energy over explicit intervals `[start_i, end_i)` (sorted, non-overlapping), e.g. counter
/// deltas or a 15-minute energy register. Each interval's energy is spread uniformly over it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalEnergy {
    /// Interval starts.
    pub start: Vec<Timestamp>,
    /// Interval ends.
    pub end: Vec<Timestamp>,
    /// Energy delivered in each interval, kWh (>= 0).
    pub energy_kwh: Vec<f64>,
}

impl IntervalEnergy {
    /// Validated intervals: equal lengths, finite non-negative energy, `start < end`, sorted and
    /// non-overlapping.
    pub fn new(start: Vec<Timestamp>, end: Vec<Timestamp>, energy_kwh: Vec<f64>) -> Result<Self> {
        check_non_empty("start", start.len(), 1)?;
        check_len("end", start.len(), end.len())?;
        check_len("energy_kwh", start.len(), energy_kwh.len())?;
        check_finite("energy_kwh", &energy_kwh)?;
        check_non_negative("energy_kwh", &energy_kwh)?;
        for i in 0..start.len() {
            if end[i] <= start[i] {
                return Err(Error::Unsorted {
                    column: "end".into(),
                    index: i,
                    previous_index: i,
                    current: format_rfc3339(end[i]),
                    previous: format_rfc3339(start[i]),
                });
            }
            if i > 0 && start[i] < end[i - 1] {
                return Err(Error::invalid(
                    "start",
                    format!(
                        "interval {i} starts at {} before interval {} ends",
                        format_rfc3339(start[i]),
                        i - 1
                    ),
                ));
            }
        }
        Ok(IntervalEnergy {
            start,
            end,
            energy_kwh,
        })
    }

    /// Intervals of a fixed length labelled by their END (as most interval meters and the UCI steel
    /// data set do): value `i` covers `(ts_i - interval, ts_i]`.
    pub fn from_end_labels(
        ts_end: Vec<Timestamp>,
        interval_us: i64,
        energy_kwh: Vec<f64>,
    ) -> Result<Self> {
        if interval_us <= 0 {
            return Err(Error::invalid(
                "interval_s",
                format!("must be positive, got {interval_us} us"),
            ));
        }
        check_sorted("ts", &ts_end)?;
        // An interval reaching before the representable time line is out of range, not an overflow.
        let start = ts_end
            .iter()
            .map(|&t| {
                t.checked_sub(interval_us)
                    .ok_or(Error::TimestampOutOfRange { value: t })
            })
            .collect::<Result<Vec<_>>>()?;
        Self::new(start, ts_end, energy_kwh)
    }

    /// Total energy, kWh.
    pub fn total_kwh(&self) -> f64 {
        self.energy_kwh.iter().sum()
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.start.len()
    }

    /// Whether there are no intervals.
    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }
}

/// Rolls up interval energy into buckets (uniform power within each interval). `sample_count`
/// counts intervals by the bucket of their end; min/max are over interval mean powers.
pub fn rollup_intervals(
    intervals: &IntervalEnergy,
    bucketing: &Bucketing,
    range: Option<TimeRange>,
) -> Result<Rollup> {
    let n = intervals.len();
    check_non_empty("start", n, 1)?;
    let (lo, hi) = span(
        intervals.start[0],
        intervals.end[n - 1] - 1,
        bucketing,
        range,
    )?;
    let mut out = Rollup::empty(bucketing);
    let mut cur = Cursor::new(bucketing, lo)?;
    for i in 0..n {
        let (s0, e0, en) = (
            intervals.start[i],
            intervals.end[i],
            intervals.energy_kwh[i],
        );
        if s0 >= hi {
            break;
        }
        let a = s0.max(lo);
        let c = e0.min(hi);
        if a >= c {
            continue;
        }
        let dt = (e0 - s0) as f64;
        // mean power in kW, energy density in kW x us per us
        let mean_kw = en / (dt * HOURS_PER_MICRO);
        let mut s = a;
        while s < c {
            cur.advance_to(s, &mut out)?;
            let e = c.min(cur.bucket.end);
            cur.acc.energy += mean_kw * (e - s) as f64;
            cur.acc.covered += e - s;
            cur.acc.min = cur.acc.min.min(mean_kw);
            cur.acc.max = cur.acc.max.max(mean_kw);
            if e == c && c == e0 {
                cur.acc.count += 1;
            }
            s = e;
        }
    }
    cur.advance_to(hi - 1, &mut out)?;
    cur.flush(&mut out);
    Ok(out.finish())
}

/// The four standard rollups: 1 minute, 15 minutes, 1 hour and 1 day (local days when a time zone
/// is given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardRollups {
    /// 1-minute buckets.
    pub minute: Rollup,
    /// 15-minute buckets.
    pub quarter_hour: Rollup,
    /// 1-hour buckets.
    pub hour: Rollup,
    /// 1-day buckets.
    pub day: Rollup,
}

/// Builds the standard rollups of a power series in one pass over the readings.
///
/// Takes an owned [`PowerSeries`] or a borrowed, validated [`PowerView`] (zero-copy input from
/// Arrow or numpy buffers).
pub fn standard_rollups<'a>(
    series: impl Into<PowerView<'a>>,
    timezone: Option<&str>,
    options: &RollupOptions,
) -> Result<StandardRollups> {
    let bucketing = |w: BucketWidth| -> Result<Bucketing> {
        let b = Bucketing::new(w)?;
        match timezone {
            Some(tz) => b.with_timezone(tz),
            None => Ok(b),
        }
    };
    let minute = rollup_power(series, &bucketing(BucketWidth::MINUTE)?, options)?;
    let quarter_hour = minute.regroup(&bucketing(BucketWidth::QUARTER_HOUR)?)?;
    let hour = quarter_hour.regroup(&bucketing(BucketWidth::HOUR)?)?;
    let day = hour.regroup(&bucketing(BucketWidth::DAY)?)?;
    Ok(StandardRollups {
        minute,
        quarter_hour,
        hour,
        day,
    })
}

/// Total trapezoidal energy of a power series, kWh, skipping intervals longer than `max_gap_us`.
pub fn energy_from_power(series: &PowerSeries, max_gap_us: i64) -> f64 {
    let ts = series.ts();
    let p = series.power_kw();
    let mut e = 0.0;
    for i in 1..ts.len() {
        let dt = ts[i] - ts[i - 1];
        if dt <= max_gap_us {
            e += (p[i] + p[i - 1]) * 0.5 * dt as f64;
        }
    }
    e * HOURS_PER_MICRO
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_rfc3339 as p, MICROS_PER_HOUR, MICROS_PER_SECOND};

    fn t(s: &str) -> Timestamp {
        p(s).unwrap()
    }

    #[test]
    fn end_labels_reaching_before_the_time_line_are_out_of_range() {
        let e = IntervalEnergy::from_end_labels(
            vec![i64::MIN + 10],
            900 * MICROS_PER_SECOND,
            vec![1.0],
        );
        assert!(matches!(e, Err(Error::TimestampOutOfRange { .. })));
        let ok = IntervalEnergy::from_end_labels(
            vec![900 * MICROS_PER_SECOND],
            900 * MICROS_PER_SECOND,
            vec![1.0],
        );
        assert_eq!(ok.map(|iv| iv.start), Ok(vec![0]));
    }

    #[test]
    fn hand_computed_trapezoid() {
        // 0 kW at 10:00, 60 kW at 10:30, 60 kW at 11:00 -> 15 kWh + 30 kWh = 45 kWh
        let s = PowerSeries::new(
            vec![
                t("2025-01-06T10:00:00Z"),
                t("2025-01-06T10:30:00Z"),
                t("2025-01-06T11:00:00Z"),
            ],
            vec![0.0, 60.0, 60.0],
        )
        .unwrap();
        let opts = RollupOptions {
            max_gap_us: MICROS_PER_HOUR,
            range: None,
        };
        let r = rollup_power(&s, &Bucketing::parse("15m").unwrap(), &opts).unwrap();
        assert_eq!(r.len(), 5); // 10:00, 10:15, 10:30, 10:45, 11:00
                                // 10:00-10:15: power 0 -> 30 kW, 0.25 h -> 3.75 kWh; 10:15-10:30: 30 -> 60 -> 11.25 kWh
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(r.energy_kwh[0], 3.75));
        assert!(close(r.energy_kwh[1], 11.25));
        assert!(close(r.energy_kwh[2], 15.0));
        assert!(close(r.energy_kwh[3], 15.0));
        assert_eq!(r.energy_kwh[4], 0.0);
        assert!(close(r.total_energy_kwh(), 45.0));
        assert!(close(r.mean_power_kw[1], 45.0));
        assert_eq!(r.sample_count, vec![1, 0, 1, 0, 1]);
        assert_eq!(r.coverage(), vec![1.0, 1.0, 1.0, 1.0, 0.0]);
        assert_eq!(r.has_gap(), vec![false, false, false, false, true]);
        assert!(r.min_power_kw[1].is_nan());
    }

    #[test]
    fn gaps_are_not_integrated() {
        let ts: Vec<_> = [0, 10, 20, 1000, 1010]
            .iter()
            .map(|s| s * MICROS_PER_SECOND + t("2025-01-06T00:00:00Z"))
            .collect();
        let s = PowerSeries::new(ts, vec![36.0; 5]).unwrap();
        let opts = RollupOptions::default().with_max_gap_s(60.0).unwrap();
        let r = rollup_power(&s, &Bucketing::parse("1h").unwrap(), &opts).unwrap();
        // 30 s of 36 kW = 0.3 kWh
        assert!((r.total_energy_kwh() - 0.3).abs() < 1e-12);
        assert_eq!(r.covered_us[0], 30 * MICROS_PER_SECOND);
        assert!(r.has_gap()[0]);
        assert!((energy_from_power(&s, 60 * MICROS_PER_SECOND) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn range_clips_and_pads() {
        let base = t("2025-01-06T00:00:00Z");
        let ts: Vec<_> = (0..=120).map(|i| base + i * MICROS_PER_MINUTE).collect();
        let s = PowerSeries::new(ts, vec![60.0; 121]).unwrap();
        let range =
            TimeRange::new(base + 30 * MICROS_PER_MINUTE, base + 4 * MICROS_PER_HOUR).unwrap();
        let r = rollup_power(
            &s,
            &Bucketing::parse("1h").unwrap(),
            &RollupOptions::default().with_range(range),
        )
        .unwrap();
        assert_eq!(r.start[0], base);
        assert_eq!(r.len(), 4);
        assert!((r.energy_kwh[0] - 30.0).abs() < 1e-9);
        assert!((r.energy_kwh[1] - 60.0).abs() < 1e-9);
        assert_eq!(r.energy_kwh[2], 0.0);
        assert!((r.coverage()[0] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn regroup_equals_direct() {
        let base = t("2025-01-06T00:00:00Z");
        let ts: Vec<_> = (0..7200)
            .map(|i| base + i * 7 * MICROS_PER_SECOND + (i % 3) * 1000)
            .collect();
        let pw: Vec<_> = (0..7200)
            .map(|i| 10.0 + (i as f64 * 0.01).sin() * 5.0)
            .collect();
        let s = PowerSeries::new(ts, pw).unwrap();
        let std = standard_rollups(&s, Some("Europe/Berlin"), &RollupOptions::default()).unwrap();
        let direct = rollup_power(
            &s,
            &Bucketing::parse("1h")
                .unwrap()
                .with_timezone("Europe/Berlin")
                .unwrap(),
            &RollupOptions::default(),
        )
        .unwrap();
        assert_eq!(std.hour.start, direct.start);
        assert_eq!(std.hour.sample_count, direct.sample_count);
        assert_eq!(std.hour.covered_us, direct.covered_us);
        for (a, b) in std.hour.energy_kwh.iter().zip(&direct.energy_kwh) {
            assert!((a - b).abs() < 1e-9);
        }
        assert!(Rollup::regroup(&std.hour, &Bucketing::parse("7m").unwrap()).is_err());
        // a borrowed view of the same columns gives the same rollups
        let view = PowerView::new(s.ts(), s.power_kw()).unwrap();
        let from_view =
            standard_rollups(view, Some("Europe/Berlin"), &RollupOptions::default()).unwrap();
        assert_eq!(from_view, std);
    }

    #[test]
    fn intervals_spread_uniformly() {
        let base = t("2025-01-06T00:00:00Z");
        let iv = IntervalEnergy::from_end_labels(
            vec![base + 15 * MICROS_PER_MINUTE, base + 30 * MICROS_PER_MINUTE],
            15 * MICROS_PER_MINUTE,
            vec![3.0, 6.0],
        )
        .unwrap();
        let r = rollup_intervals(&iv, &Bucketing::parse("10m").unwrap(), None).unwrap();
        assert_eq!(r.len(), 3);
        assert!((r.energy_kwh[0] - 2.0).abs() < 1e-12);
        assert!((r.energy_kwh[1] - 3.0).abs() < 1e-12);
        assert!((r.energy_kwh[2] - 4.0).abs() < 1e-12);
        assert_eq!(r.max_power_kw[1], 24.0);
        assert!(IntervalEnergy::new(vec![0, 5], vec![10, 20], vec![1.0, 1.0]).is_err());
    }
}
