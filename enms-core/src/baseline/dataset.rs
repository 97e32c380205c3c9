//! Modelling tables: readings turned into one row per model period (ISO 50006 "energy and
//! relevant variables per period"), the input every face hands to [`Baseline::fit`].
//!
//! The periods are the buckets of a [`Bucketing`] (any width, in the site's time zone, so `1d` is
//! the local day of 23, 24 or 25 hours) over a half-open range `[start, end)`. Per period:
//!
//! - **target** `energy_kwh`: the integral of the power readings ([`rollup_power`], trapezoidal
//!   rule, intervals longer than `max_gap` are gaps);
//! - [`Aggregation::Sum`] (counts labelled by the END of their interval, e.g. production): the sum
//!   of the values whose label `t` lies in `(start, end]`, as [`crate::QuantitySeries::total_in`];
//!   row `i` covers `(t_i - d_i, t_i]` with `d_i = t_i - t_(i-1)` (the first row takes the
//!   interval of the second) when `d_i <= max_gap`;
//! - [`Aggregation::Mean`] (temperature, pressure, humidity): the time-weighted mean
//!   `∫ x dt / covered time` of the piecewise-linear curve through the samples, integrated exactly
//!   as [`rollup_power`] integrates power, so the result does not depend on the sampling rate;
//! - [`Aggregation::HeatingDegreeDays`] / [`Aggregation::CoolingDegreeDays`]: from the time-weighted
//!   mean temperature `T_d` of each LOCAL day `d`, `HDD_d = max(base - T_d, 0)` and
//!   `CDD_d = max(T_d - base, 0)` (K·day); a period of several days sums its days. Periods must be
//!   whole days (`1d`, `7d`, `1w`, `1mo`); a sub-daily period is an error naming `period`;
//! - [`Aggregation::OperatingHours`]: hours with the running flag (0 or 1) at 1, each flag sample
//!   holding until the next sample (sample-and-hold) unless the interval is a gap;
//! - [`Aggregation::DayType`] (categorical): `weekday` or `weekend` (Saturday, Sunday) of the local
//!   day a period starts in; periods longer than a day are an error naming `period`;
//! - [`Aggregation::Shift`] (categorical): `shift_1`, `shift_2`, ... of the local hour, shifts of
//!   `shift_h` hours from `start_h` (default three 8-hour shifts from 06:00); a period must lie
//!   inside one shift, else an error naming `period`.
//!
//! Intervals between readings longer than a column's `max_gap` are gaps (no data). The target
//! uses the spec's `max_gap_us` (the rollups' 5 minutes by default); a driver uses its own, or
//! else the larger of the spec's and twice its median sampling interval.
//!
//! Coverage of a column in a period is its covered time over the period's length. A period enters
//! the table only when every column (target and drivers) has a value and coverage at least
//! `min_coverage` (default 0.9); the others are listed in [`ModellingTable::dropped`] with the
//! columns that fell short, so nothing disappears silently.

use std::collections::BTreeMap;

use chrono::{Datelike, Timelike, Weekday};
use serde::{Deserialize, Serialize};

use crate::baseline::model::{Baseline, BaselineOptions, Driver};
use crate::bucket::{Bucket, BucketWidth, Bucketing};
use crate::error::{Error, Result};
use crate::rollup::{rollup_power, RollupOptions, MAX_BUCKETS};
use crate::series::{check_finite, check_len, check_non_empty, check_sorted, PowerView};
use crate::time::{
    format_rfc3339, parse_tz, to_local, TimeRange, Timestamp, HOURS_PER_MICRO, MICROS_PER_DAY,
    MICROS_PER_HOUR,
};

/// Default least share of a period a column must cover for the period to enter the table.
pub const DEFAULT_MIN_COVERAGE: f64 = 0.9;
/// Default base temperature of heating degree-days, °C (Eurostat's heating base).
pub const DEFAULT_HEATING_BASE_C: f64 = 18.0;
/// Default base temperature of cooling degree-days, °C (Eurostat's cooling base).
pub const DEFAULT_COOLING_BASE_C: f64 = 21.0;
/// Name of the target column.
pub const TARGET: &str = "energy_kwh";
/// Default local hour the first shift starts.
pub const DEFAULT_SHIFT_START_H: u8 = 6;
/// Default shift length, hours (three shifts a day).
pub const DEFAULT_SHIFT_HOURS: u8 = 8;
/// Default model period: the local day.
pub const DEFAULT_PERIOD: &str = "1d";

/// How a driver's readings become one value per period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Aggregation {
    /// Sum of quantities labelled by the end of their interval (production counts).
    Sum,
    /// Time-weighted mean of instantaneous samples (temperature, pressure).
    Mean,
    /// Heating degree-days from the local-day mean temperature, K·day.
    HeatingDegreeDays {
        /// Base temperature, °C.
        base_c: f64,
    },
    /// Cooling degree-days from the local-day mean temperature, K·day.
    CoolingDegreeDays {
        /// Base temperature, °C.
        base_c: f64,
    },
    /// Hours with a running flag (0/1 samples) at 1.
    OperatingHours,
    /// `weekday` or `weekend` of the local day (categorical; needs no readings).
    DayType,
    /// The shift of the local hour (categorical; needs no readings): shifts of `shift_h` hours
    /// from `start_h` local, named `shift_1`, `shift_2`, ... in the order of the day.
    Shift {
        /// Local hour the first shift starts (0..24).
        start_h: u8,
        /// Hours per shift; must divide 24.
        shift_h: u8,
    },
}

impl Aggregation {
    /// Heating degree-days with [`DEFAULT_HEATING_BASE_C`].
    pub fn hdd() -> Self {
        Aggregation::HeatingDegreeDays {
            base_c: DEFAULT_HEATING_BASE_C,
        }
    }

    /// Cooling degree-days with [`DEFAULT_COOLING_BASE_C`].
    pub fn cdd() -> Self {
        Aggregation::CoolingDegreeDays {
            base_c: DEFAULT_COOLING_BASE_C,
        }
    }

    /// Three 8-hour shifts from [`DEFAULT_SHIFT_START_H`] local.
    pub fn shift() -> Self {
        Aggregation::Shift {
            start_h: DEFAULT_SHIFT_START_H,
            shift_h: DEFAULT_SHIFT_HOURS,
        }
    }

    /// Whether the aggregation needs readings (all but the calendar drivers).
    pub fn needs_readings(&self) -> bool {
        !matches!(self, Aggregation::DayType | Aggregation::Shift { .. })
    }
}

/// A driver column of a table: its name and how it is aggregated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodDriver {
    /// Column name (e.g. `production`, `hdd`).
    pub name: String,
    /// Aggregation to the periods.
    pub aggregation: Aggregation,
    /// Longest interval between two of its readings that is still data, microseconds; `None`:
    /// the larger of the spec's `max_gap_us` and twice the series' median sampling interval (so
    /// production counted every 15 minutes is not all gaps under the 5 minutes that suit a power
    /// meter, while a dropout still is one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_gap_us: Option<i64>,
}

impl PeriodDriver {
    /// A driver column.
    pub fn new(name: &str, aggregation: Aggregation) -> Self {
        PeriodDriver {
            name: name.to_string(),
            aggregation,
            max_gap_us: None,
        }
    }

    /// The same driver with its own longest gap, microseconds.
    pub fn with_max_gap_us(mut self, max_gap_us: i64) -> Self {
        self.max_gap_us = Some(max_gap_us);
        self
    }
}

/// Readings of one driver: timestamps (sorted, UTC microseconds) and values. Empty for
/// [`Aggregation::DayType`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DriverData<'a> {
    /// Timestamps (interval ends for [`Aggregation::Sum`]).
    pub ts: &'a [Timestamp],
    /// Values (0 or 1 for [`Aggregation::OperatingHours`]).
    pub values: &'a [f64],
}

impl<'a> DriverData<'a> {
    /// Readings of a driver.
    pub fn new(ts: &'a [Timestamp], values: &'a [f64]) -> Self {
        DriverData { ts, values }
    }
}

/// The recipe of a table: periods, drivers and the data rules. Saved with a model so a reporting
/// period is aggregated exactly like the training period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSpec {
    /// The periods (width and time zone).
    pub period: Bucketing,
    /// Driver columns, in model order.
    pub drivers: Vec<PeriodDriver>,
    /// Least coverage of every column for a period to be kept, in (0, 1].
    pub min_coverage: f64,
    /// Longest interval between two readings that is still data, microseconds.
    pub max_gap_us: i64,
}

impl TableSpec {
    /// A spec with the default coverage ([`DEFAULT_MIN_COVERAGE`]) and gap (the rollups' default).
    pub fn new(period: Bucketing, drivers: Vec<PeriodDriver>) -> Self {
        TableSpec {
            period,
            drivers,
            min_coverage: DEFAULT_MIN_COVERAGE,
            max_gap_us: RollupOptions::default().max_gap_us,
        }
    }

    /// Checks the spec: coverage in (0, 1], positive gap, distinct names, finite bases, and
    /// periods that suit each aggregation.
    pub fn validate(&self) -> Result<()> {
        if !(self.min_coverage > 0.0 && self.min_coverage <= 1.0) {
            return Err(Error::invalid(
                "min_coverage",
                format!("must lie in (0, 1], got {}", self.min_coverage),
            ));
        }
        if self.max_gap_us <= 0 {
            return Err(Error::invalid(
                "max_gap_s",
                format!("must be positive, got {} us", self.max_gap_us),
            ));
        }
        for (i, d) in self.drivers.iter().enumerate() {
            if d.name.trim().is_empty() {
                return Err(Error::invalid("drivers", "a driver name is empty"));
            }
            if d.name == TARGET || self.drivers[..i].iter().any(|o| o.name == d.name) {
                return Err(Error::invalid(&d.name, "two columns have this name"));
            }
            if let Some(g) = d.max_gap_us.filter(|g| *g <= 0) {
                return Err(Error::invalid(
                    "max_gap_s",
                    format!(
                        "the longest gap of `{}` must be positive, got {g} us",
                        d.name
                    ),
                ));
            }
            match d.aggregation {
                Aggregation::HeatingDegreeDays { base_c } => check_base("hdd_base_c", base_c)?,
                Aggregation::CoolingDegreeDays { base_c } => check_base("cdd_base_c", base_c)?,
                _ => {}
            }
            match d.aggregation {
                Aggregation::HeatingDegreeDays { .. } | Aggregation::CoolingDegreeDays { .. } => {
                    whole_days(&self.period, &d.name)?
                }
                Aggregation::DayType => at_most_a_day(&self.period, &d.name)?,
                Aggregation::Shift { start_h, shift_h } => {
                    check_shifts(start_h, shift_h)?;
                    within_a_shift(&self.period, &d.name, shift_h)?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// The larger of `spec_gap_us` and twice the median interval between consecutive readings.
pub fn default_gap_us(spec_gap_us: i64, ts: &[Timestamp]) -> i64 {
    let mut d: Vec<i64> = ts.windows(2).map(|w| w[1].saturating_sub(w[0])).collect();
    if d.is_empty() {
        return spec_gap_us;
    }
    let mid = d.len() / 2;
    let (_, median, _) = d.select_nth_unstable(mid);
    spec_gap_us.max(median.saturating_mul(2))
}

fn check_base(name: &str, base_c: f64) -> Result<()> {
    if !base_c.is_finite() || !(-100.0..=100.0).contains(&base_c) {
        return Err(Error::invalid(
            name,
            format!("must be a temperature in °C between -100 and 100, got {base_c}"),
        ));
    }
    Ok(())
}

fn whole_days(period: &Bucketing, driver: &str) -> Result<()> {
    if period.width().is_calendar() {
        return Ok(());
    }
    Err(Error::invalid(
        "period",
        format!(
            "`{driver}` (degree-days) needs periods of whole days (1d, 7d, 1w, 1mo), got {}",
            period.width()
        ),
    ))
}

fn at_most_a_day(period: &Bucketing, driver: &str) -> Result<()> {
    match period.width() {
        BucketWidth::Micros(w) if w <= MICROS_PER_DAY => Ok(()),
        w => Err(Error::invalid(
            "period",
            format!(
                "`{driver}` (weekday/weekend) needs periods of at most one day, got {w}: a longer period mixes weekdays and weekend days"
            ),
        )),
    }
}

fn check_shifts(start_h: u8, shift_h: u8) -> Result<()> {
    if start_h >= 24 {
        return Err(Error::invalid(
            "shift_start_h",
            format!("must be a local hour 0..23, got {start_h}"),
        ));
    }
    if shift_h == 0 || 24 % shift_h != 0 {
        return Err(Error::invalid(
            "shift_hours",
            format!("must divide 24 (1, 2, 3, 4, 6, 8, 12, 24), got {shift_h}"),
        ));
    }
    Ok(())
}

fn within_a_shift(period: &Bucketing, driver: &str, shift_h: u8) -> Result<()> {
    match period.width() {
        BucketWidth::Micros(w) if w <= i64::from(shift_h) * MICROS_PER_HOUR => Ok(()),
        w => Err(Error::invalid(
            "period",
            format!(
                "`{driver}` (shift) needs periods no longer than a shift ({shift_h}h), got {w}"
            ),
        )),
    }
}

/// The periods of a table: the buckets of a bucketing overlapping `[range.start, range.end)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Periods {
    /// The bucketing.
    pub bucketing: Bucketing,
    /// The range (data outside it is ignored).
    pub range: TimeRange,
    /// The buckets, in order; they tile the range.
    pub buckets: Vec<Bucket>,
}

impl Periods {
    /// The buckets of `bucketing` overlapping `range`. Errors name `period` when there would be
    /// more than [`MAX_BUCKETS`].
    pub fn new(bucketing: &Bucketing, range: TimeRange) -> Result<Self> {
        if let Some(w) = bucketing.width().as_micros() {
            let n = (i128::from(range.end) - i128::from(range.start)) / i128::from(w.max(1));
            if n > i128::from(MAX_BUCKETS) {
                return Err(Error::invalid(
                    "period",
                    format!(
                        "{} periods over the range would be {n}, more than {MAX_BUCKETS}",
                        bucketing.width()
                    ),
                ));
            }
        }
        let buckets = bucketing.buckets_between(range.start, range.end)?;
        Ok(Periods {
            bucketing: bucketing.clone(),
            range,
            buckets,
        })
    }

    /// Number of periods.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// Whether there are no periods.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// Index of the period containing `t` (inside the range).
    fn index_of(&self, t: Timestamp) -> Option<usize> {
        let k = self.buckets.partition_point(|b| b.end <= t);
        self.buckets
            .get(k)
            .filter(|b| b.start <= t && self.range.contains(t))
            .map(|_| k)
    }

    /// Calls `f(k, len_us)` for each period `k` overlapping `[a, b)` clipped to the range.
    fn spread(&self, a: Timestamp, b: Timestamp, mut f: impl FnMut(usize, i64)) {
        let (a, b) = (a.max(self.range.start), b.min(self.range.end));
        if a >= b {
            return;
        }
        let mut k = self.buckets.partition_point(|p| p.end <= a);
        while let Some(p) = self.buckets.get(k) {
            if p.start >= b {
                break;
            }
            let len = b.min(p.end) - a.max(p.start);
            if len > 0 {
                f(k, len);
            }
            k += 1;
        }
    }

    /// Length of period `k` inside the range, microseconds.
    fn len_us(&self, k: usize) -> i64 {
        let b = self.buckets[k];
        b.end.min(self.range.end) - b.start.max(self.range.start)
    }
}

/// One numeric value per period with the time it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregated {
    /// Value per period (NaN when the period has no data).
    pub values: Vec<f64>,
    /// Covered time per period, microseconds.
    pub covered_us: Vec<i64>,
}

impl Aggregated {
    fn zeros(n: usize) -> Self {
        Aggregated {
            values: vec![0.0; n],
            covered_us: vec![0; n],
        }
    }

    /// Covered share of each period (of its part inside the range), 0..1.
    pub fn coverage(&self, periods: &Periods) -> Vec<f64> {
        (0..periods.len())
            .map(|k| {
                let len = periods.len_us(k);
                if len > 0 {
                    self.covered_us[k] as f64 / len as f64
                } else {
                    0.0
                }
            })
            .collect()
    }
}

fn check_readings(column: &str, ts: &[Timestamp], values: &[f64]) -> Result<()> {
    check_non_empty(column, ts.len(), 1)?;
    check_len(column, ts.len(), values.len())?;
    check_finite(column, values)?;
    check_sorted(column, ts)
}

/// Sums quantities labelled by the end of their interval: value `i` belongs to the period with
/// `start < ts_i <= end`. Periods with neither a row nor covered time are NaN.
pub fn sum_by_period(
    column: &str,
    ts_end: &[Timestamp],
    values: &[f64],
    periods: &Periods,
    max_gap_us: i64,
) -> Result<Aggregated> {
    check_readings(column, ts_end, values)?;
    let n = periods.len();
    let mut out = Aggregated::zeros(n);
    let mut rows = vec![false; n];
    for i in 0..ts_end.len() {
        let t = ts_end[i];
        // the period of the interval that ends at t: the one containing t - 1 us
        if let Some(k) = periods.index_of(t.saturating_sub(1)) {
            out.values[k] += values[i];
            rows[k] = true;
        }
        let d = if i > 0 {
            t.saturating_sub(ts_end[i - 1])
        } else {
            ts_end.get(1).map_or(0, |t1| t1.saturating_sub(t))
        };
        if d > 0 && d <= max_gap_us {
            periods.spread(t.saturating_sub(d), t, |k, len| out.covered_us[k] += len);
        }
    }
    for ((v, row), c) in out.values.iter_mut().zip(&rows).zip(&out.covered_us) {
        if !row && *c == 0 {
            *v = f64::NAN;
        }
    }
    Ok(out)
}

/// Time-weighted mean of samples per period: the integral of the piecewise-linear curve through
/// the samples over the covered time (NaN when nothing is covered).
pub fn mean_by_period(
    column: &str,
    ts: &[Timestamp],
    values: &[f64],
    periods: &Periods,
    max_gap_us: i64,
) -> Result<Aggregated> {
    check_readings(column, ts, values)?;
    let view = PowerView::new(ts, values)?;
    let options = RollupOptions {
        max_gap_us,
        range: Some(periods.range),
    };
    let r = rollup_power(view, &periods.bucketing, &options)?;
    if r.start.len() != periods.len() {
        return Err(Error::invalid(
            "period",
            format!(
                "{} buckets from the rollup, {} periods",
                r.start.len(),
                periods.len()
            ),
        ));
    }
    Ok(Aggregated {
        values: r.mean_power_kw,
        covered_us: r.covered_us,
    })
}

/// Heating (`heating = true`) or cooling degree-days per period from the time-weighted mean
/// temperature of each local day. A period with a day without any data is NaN.
pub fn degree_days_by_period(
    column: &str,
    ts: &[Timestamp],
    temp_c: &[f64],
    periods: &Periods,
    max_gap_us: i64,
    base_c: f64,
    heating: bool,
) -> Result<Aggregated> {
    check_base(if heating { "hdd_base_c" } else { "cdd_base_c" }, base_c)?;
    whole_days(&periods.bucketing, column)?;
    let mut days = Bucketing::new(BucketWidth::DAY)?;
    if let Some(tz) = periods.bucketing.timezone() {
        days = days.with_timezone(tz)?;
    }
    let day_periods = Periods::new(&days, periods.range)?;
    let daily = mean_by_period(column, ts, temp_c, &day_periods, max_gap_us)?;
    let mut out = Aggregated::zeros(periods.len());
    for (j, day) in day_periods.buckets.iter().enumerate() {
        let at = day.start.max(periods.range.start);
        let Some(k) = periods.index_of(at) else {
            continue;
        };
        if day.end > periods.buckets[k].end {
            return Err(Error::invalid(
                "period",
                format!(
                    "the local day {} .. {} does not lie inside one period ({} .. {})",
                    format_rfc3339(day.start),
                    format_rfc3339(day.end),
                    format_rfc3339(periods.buckets[k].start),
                    format_rfc3339(periods.buckets[k].end)
                ),
            ));
        }
        let mean = daily.values[j];
        let dd = if heating {
            (base_c - mean).max(0.0)
        } else {
            (mean - base_c).max(0.0)
        };
        // a day without data makes its period unknown (NaN propagates)
        out.values[k] += if mean.is_nan() { f64::NAN } else { dd };
        out.covered_us[k] += daily.covered_us[j];
    }
    Ok(out)
}

/// Hours per period with the running flag at 1. Each flag sample holds until the next one unless
/// the interval is longer than `max_gap_us` (a gap: neither running nor covered). Flags must be 0
/// or 1.
pub fn operating_hours_by_period(
    column: &str,
    ts: &[Timestamp],
    running: &[f64],
    periods: &Periods,
    max_gap_us: i64,
) -> Result<Aggregated> {
    check_readings(column, ts, running)?;
    if let Some(i) = running.iter().position(|v| *v != 0.0 && *v != 1.0) {
        return Err(Error::Parse {
            column: column.into(),
            index: i,
            value: running[i].to_string(),
            reason: "a running flag must be 0 or 1".into(),
        });
    }
    let n = periods.len();
    let mut out = Aggregated::zeros(n);
    let mut on_us = vec![0i64; n];
    for i in 0..ts.len().saturating_sub(1) {
        let (a, b) = (ts[i], ts[i + 1]);
        if b.saturating_sub(a) > max_gap_us {
            continue;
        }
        let on = running[i] == 1.0;
        periods.spread(a, b, |k, len| {
            out.covered_us[k] += len;
            if on {
                on_us[k] += len;
            }
        });
    }
    for ((v, on), c) in out.values.iter_mut().zip(&on_us).zip(&out.covered_us) {
        *v = if *c > 0 {
            *on as f64 * HOURS_PER_MICRO
        } else {
            f64::NAN
        };
    }
    Ok(out)
}

/// `weekday` or `weekend` of the local day each period starts in (periods of at most a day).
pub fn day_type_by_period(column: &str, periods: &Periods) -> Result<Vec<String>> {
    at_most_a_day(&periods.bucketing, column)?;
    let tz = parse_tz(periods.bucketing.timezone().unwrap_or("UTC"))?;
    periods
        .buckets
        .iter()
        .map(|b| {
            let day = to_local(b.start, tz)?.date();
            Ok(match day.weekday() {
                Weekday::Sat | Weekday::Sun => "weekend",
                _ => "weekday",
            }
            .to_string())
        })
        .collect()
}

/// The shift (`shift_1`, `shift_2`, ...) of each period's local hours: shifts of `shift_h` hours
/// from `start_h` local. A period that straddles two shifts is an error naming `period`.
pub fn shift_by_period(
    column: &str,
    periods: &Periods,
    start_h: u8,
    shift_h: u8,
) -> Result<Vec<String>> {
    check_shifts(start_h, shift_h)?;
    within_a_shift(&periods.bucketing, column, shift_h)?;
    let tz = parse_tz(periods.bucketing.timezone().unwrap_or("UTC"))?;
    let shift_of = |t: Timestamp| -> Result<u32> {
        let local = to_local(t, tz)?;
        let h = (local.hour() + 24 - u32::from(start_h)) % 24;
        Ok(h / u32::from(shift_h))
    };
    periods
        .buckets
        .iter()
        .map(|b| {
            let (first, last) = (shift_of(b.start)?, shift_of(b.end - 1)?);
            if first != last {
                return Err(Error::invalid(
                    "period",
                    format!(
                        "the period {} .. {} straddles two shifts of `{column}`; use periods that divide the shift and start with it",
                        format_rfc3339(b.start),
                        format_rfc3339(b.end)
                    ),
                ));
            }
            Ok(format!("shift_{}", first + 1))
        })
        .collect()
}

/// A column that kept a period out of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shortfall {
    /// Column name (`energy_kwh` or a driver).
    pub column: String,
    /// Its coverage of the period, 0..1 (0: no data at all).
    pub coverage: f64,
}

/// A period left out of the table, with every column that fell short.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedPeriod {
    /// Period start.
    pub start: Timestamp,
    /// Period end.
    pub end: Timestamp,
    /// Columns with too little data.
    pub shortfalls: Vec<Shortfall>,
}

/// Energy and drivers per period, aligned, periods with incomplete data left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModellingTable {
    /// The recipe.
    pub spec: TableSpec,
    /// The range the table covers.
    pub range: TimeRange,
    /// Starts of the kept periods.
    pub start: Vec<Timestamp>,
    /// Ends of the kept periods.
    pub end: Vec<Timestamp>,
    /// Energy per kept period, kWh.
    pub energy_kwh: Vec<f64>,
    /// Driver columns over the kept periods, in the spec's order.
    pub drivers: Vec<Driver>,
    /// Number of periods in the range (kept and dropped).
    pub periods_total: usize,
    /// Periods left out and why.
    pub dropped: Vec<DroppedPeriod>,
}

enum Column {
    Numeric(Aggregated),
    Categorical(Vec<String>),
}

impl ModellingTable {
    /// Builds the table over `range`: energy from `power`, and driver `i` of `spec` from
    /// `data[i]` (an empty [`DriverData`] for [`Aggregation::DayType`]).
    ///
    /// Errors: an invalid spec (names the parameter), driver readings that are empty, unsorted or
    /// not finite (names the driver), and no period with complete data (an
    /// [`Error::EmptySeries`] naming the column that fell short most often).
    pub fn build(
        spec: &TableSpec,
        range: TimeRange,
        power: PowerView<'_>,
        data: &[DriverData<'_>],
    ) -> Result<Self> {
        spec.validate()?;
        check_len("drivers", spec.drivers.len(), data.len())?;
        let periods = Periods::new(&spec.period, range)?;
        let n = periods.len();
        let energy = rollup_power(
            power,
            &spec.period,
            &RollupOptions {
                max_gap_us: spec.max_gap_us,
                range: Some(range),
            },
        )?;
        let target = Aggregated {
            values: energy
                .energy_kwh
                .iter()
                .zip(&energy.covered_us)
                .map(|(e, c)| if *c > 0 { *e } else { f64::NAN })
                .collect(),
            covered_us: energy.covered_us,
        };
        if target.values.len() != n {
            return Err(Error::invalid("period", "rollup and periods disagree"));
        }
        let mut columns = Vec::with_capacity(spec.drivers.len());
        for (d, x) in spec.drivers.iter().zip(data) {
            let gap = d
                .max_gap_us
                .unwrap_or_else(|| default_gap_us(spec.max_gap_us, x.ts));
            let name = d.name.as_str();
            columns.push(match d.aggregation {
                Aggregation::Sum => {
                    Column::Numeric(sum_by_period(name, x.ts, x.values, &periods, gap)?)
                }
                Aggregation::Mean => {
                    Column::Numeric(mean_by_period(name, x.ts, x.values, &periods, gap)?)
                }
                Aggregation::HeatingDegreeDays { base_c } => Column::Numeric(
                    degree_days_by_period(name, x.ts, x.values, &periods, gap, base_c, true)?,
                ),
                Aggregation::CoolingDegreeDays { base_c } => Column::Numeric(
                    degree_days_by_period(name, x.ts, x.values, &periods, gap, base_c, false)?,
                ),
                Aggregation::OperatingHours => Column::Numeric(operating_hours_by_period(
                    name, x.ts, x.values, &periods, gap,
                )?),
                Aggregation::DayType => Column::Categorical(day_type_by_period(name, &periods)?),
                Aggregation::Shift { start_h, shift_h } => {
                    Column::Categorical(shift_by_period(name, &periods, start_h, shift_h)?)
                }
            });
        }
        let mut keep = Vec::with_capacity(n);
        let mut dropped = Vec::new();
        let short = |a: &Aggregated, cov: &[f64], k: usize| -> Option<f64> {
            (a.values[k].is_nan() || cov[k] < spec.min_coverage).then_some(cov[k])
        };
        let target_cov = target.coverage(&periods);
        let driver_cov: Vec<Option<Vec<f64>>> = columns
            .iter()
            .map(|c| match c {
                Column::Numeric(a) => Some(a.coverage(&periods)),
                Column::Categorical(_) => None,
            })
            .collect();
        for k in 0..n {
            let mut shortfalls = Vec::new();
            if let Some(c) = short(&target, &target_cov, k) {
                shortfalls.push(Shortfall {
                    column: TARGET.into(),
                    coverage: c,
                });
            }
            for ((d, col), cov) in spec.drivers.iter().zip(&columns).zip(&driver_cov) {
                if let (Column::Numeric(a), Some(cov)) = (col, cov) {
                    if let Some(c) = short(a, cov, k) {
                        shortfalls.push(Shortfall {
                            column: d.name.clone(),
                            coverage: c,
                        });
                    }
                }
            }
            if shortfalls.is_empty() {
                keep.push(k);
            } else {
                let b = periods.buckets[k];
                dropped.push(DroppedPeriod {
                    start: b.start,
                    end: b.end,
                    shortfalls,
                });
            }
        }
        if keep.is_empty() {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for p in &dropped {
                for s in &p.shortfalls {
                    *counts.entry(s.column.as_str()).or_default() += 1;
                }
            }
            // the column short most often; the target first among equals
            let worst = counts
                .iter()
                .max_by_key(|(name, c)| (**c, **name == TARGET))
                .map_or(TARGET, |(name, _)| *name);
            return Err(Error::EmptySeries {
                column: worst.to_string(),
                needed: 1,
            });
        }
        let pick = |v: &[f64]| keep.iter().map(|&k| v[k]).collect::<Vec<f64>>();
        let drivers = spec
            .drivers
            .iter()
            .zip(&columns)
            .map(|(d, col)| match col {
                Column::Numeric(a) => Driver::numeric(&d.name, pick(&a.values)),
                Column::Categorical(v) => {
                    Driver::categorical(&d.name, keep.iter().map(|&k| v[k].clone()).collect())
                }
            })
            .collect();
        Ok(ModellingTable {
            spec: spec.clone(),
            range,
            start: keep.iter().map(|&k| periods.buckets[k].start).collect(),
            end: keep.iter().map(|&k| periods.buckets[k].end).collect(),
            energy_kwh: pick(&target.values),
            drivers,
            periods_total: n,
            dropped,
        })
    }

    /// Number of kept periods.
    pub fn len(&self) -> usize {
        self.start.len()
    }

    /// Whether no period was kept (never true for a built table).
    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }

    /// How many periods each column kept out of the table.
    pub fn dropped_by_column(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for p in &self.dropped {
            for s in &p.shortfalls {
                *out.entry(s.column.clone()).or_default() += 1;
            }
        }
        out
    }

    /// Fits a [`Baseline`] of energy on the drivers; the training period is the table's range
    /// unless `options` names one.
    pub fn fit(&self, options: &BaselineOptions) -> Result<Baseline> {
        let options = BaselineOptions {
            training: options.training.or(Some(self.range)),
            ..options.clone()
        };
        Baseline::fit(&self.energy_kwh, &self.drivers, &options)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::time::{parse_rfc3339 as p, MICROS_PER_HOUR, MICROS_PER_MINUTE};
    use proptest::prelude::*;

    fn berlin_days() -> Bucketing {
        Bucketing::parse("1d")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap()
    }

    fn range(a: &str, b: &str) -> TimeRange {
        TimeRange::new(p(a).unwrap(), p(b).unwrap()).unwrap()
    }

    /// Samples of `f(hours since start)` every `step` over `[start, end]`.
    fn sample(
        start: Timestamp,
        end: Timestamp,
        step: i64,
        f: impl Fn(f64) -> f64,
    ) -> (Vec<Timestamp>, Vec<f64>) {
        let ts: Vec<Timestamp> = (0..)
            .map(|i| start + i * step)
            .take_while(|t| *t <= end)
            .collect();
        let v = ts
            .iter()
            .map(|t| f((t - start) as f64 / MICROS_PER_HOUR as f64))
            .collect();
        (ts, v)
    }

    #[test]
    fn sums_use_interval_end_labels_and_add_up_to_the_total() {
        let r = range("2025-01-06T00:00:00Z", "2025-01-06T03:00:00Z");
        let periods = Periods::new(&Bucketing::parse("1h").unwrap(), r).unwrap();
        // 10-minute counts labelled by their end: 00:10 .. 03:00 (18 rows), 1 part each
        let ts: Vec<Timestamp> = (1..=18)
            .map(|i| r.start + i * 10 * MICROS_PER_MINUTE)
            .collect();
        let v = vec![1.0; 18];
        let s = sum_by_period("production", &ts, &v, &periods, 15 * MICROS_PER_MINUTE).unwrap();
        // the row labelled 01:00 belongs to the first hour, the one labelled 03:00 to the last
        assert_eq!(s.values, vec![6.0, 6.0, 6.0]);
        assert_eq!(s.coverage(&periods), vec![1.0, 1.0, 1.0]);
        // an hour without rows is NaN, not 0
        let s = sum_by_period(
            "production",
            &ts[..6],
            &v[..6],
            &periods,
            15 * MICROS_PER_MINUTE,
        )
        .unwrap();
        assert_eq!(s.values[0], 6.0);
        assert!(s.values[1].is_nan() && s.values[2].is_nan());
    }

    proptest! {
        #[test]
        fn bucket_sums_equal_the_total(
            steps in prop::collection::vec(1i64..40, 1..200),
            counts in prop::collection::vec(0.0f64..100.0, 200),
            width_min in 1i64..300,
        ) {
            let start = p("2025-03-29T00:00:00Z").unwrap();
            let mut t = start;
            let ts: Vec<Timestamp> = steps.iter().map(|s| { t += s * MICROS_PER_MINUTE; t }).collect();
            let v = &counts[..ts.len()];
            let r = TimeRange::new(start, t + 1).unwrap();
            let b = Bucketing::new(BucketWidth::Micros(width_min * MICROS_PER_MINUTE))
                .unwrap()
                .with_timezone("Europe/Berlin")
                .unwrap();
            let periods = Periods::new(&b, r).unwrap();
            let s = sum_by_period("production", &ts, v, &periods, 30 * MICROS_PER_MINUTE).unwrap();
            let total: f64 = s.values.iter().filter(|x| !x.is_nan()).sum();
            let expected: f64 = v.iter().sum();
            prop_assert!((total - expected).abs() <= 1e-9 * expected.max(1.0));
        }
    }

    proptest! {
        #[test]
        fn no_panic_on_any_input(
            ts in prop::collection::vec(any::<i64>(), 0..20),
            values in prop::collection::vec(prop_oneof![any::<f64>(), -50.0f64..50.0, Just(0.0), Just(1.0)], 0..20),
            start in any::<i64>(),
            len_h in 1i64..2000,
            width in prop_oneof![Just("1h"), Just("1d"), Just("7d"), Just("1mo"), Just("15m")],
            agg in 0usize..7,
        ) {
            let mut ts = ts;
            ts.sort_unstable();
            ts.dedup();
            let n = ts.len().min(values.len());
            let (ts, values) = (&ts[..n], &values[..n]);
            let aggregation = [
                Aggregation::Sum,
                Aggregation::Mean,
                Aggregation::hdd(),
                Aggregation::cdd(),
                Aggregation::OperatingHours,
                Aggregation::DayType,
                Aggregation::shift(),
            ][agg];
            let Ok(range) = TimeRange::new(start, start.saturating_add(len_h * MICROS_PER_HOUR)) else {
                return Ok(());
            };
            let b = Bucketing::parse(width).unwrap().with_timezone("Europe/Berlin").unwrap();
            let spec = TableSpec::new(b, vec![PeriodDriver::new("x", aggregation)]);
            let pts = [range.start, range.start.saturating_add(MICROS_PER_HOUR)];
            let Ok(power) = PowerView::new(&pts, &[1.0, 1.0]) else {
                return Ok(());
            };
            // any outcome but a panic
            let _ = ModellingTable::build(&spec, range, power, &[DriverData::new(ts, values)]);
        }
    }

    #[test]
    fn local_day_with_a_clock_change_has_23_hours_of_data() {
        // Europe/Berlin, 2025-03-30: clocks jump from 02:00 to 03:00, the local day has 23 hours.
        let r = range("2025-03-28T23:00:00Z", "2025-03-31T22:00:00Z");
        let periods = Periods::new(&berlin_days(), r).unwrap();
        assert_eq!(periods.len(), 3);
        let spring = periods.buckets[1];
        assert_eq!(spring.end - spring.start, 23 * MICROS_PER_HOUR);
        // one running minute flag all the time: operating hours are the length of each local day
        let (ts, on) = sample(r.start, r.end, MICROS_PER_MINUTE, |_| 1.0);
        let h = operating_hours_by_period("operating_hours", &ts, &on, &periods, MICROS_PER_HOUR)
            .unwrap();
        assert_eq!(h.values, vec![24.0, 23.0, 24.0]);
        assert_eq!(h.coverage(&periods), vec![1.0; 3]);
        // a constant power of 1 kW gives 23 kWh that day
        let power = PowerView::new(&ts, &on).unwrap();
        let spec = TableSpec::new(
            berlin_days(),
            vec![
                PeriodDriver::new("operating_hours", Aggregation::OperatingHours),
                PeriodDriver::new("day_type", Aggregation::DayType),
            ],
        );
        let t = ModellingTable::build(
            &spec,
            r,
            power,
            &[DriverData::new(&ts, &on), DriverData::default()],
        )
        .unwrap();
        assert_eq!(t.energy_kwh, vec![24.0, 23.0, 24.0]);
        // Saturday 29th, Sunday 30th, Monday 31st (local)
        assert_eq!(
            t.drivers[1].values,
            crate::baseline::DriverValues::Categorical(vec![
                "weekend".into(),
                "weekend".into(),
                "weekday".into()
            ])
        );
    }

    #[test]
    fn degree_days_do_not_depend_on_the_sampling_rate() {
        // three local days of a daily temperature wave around 5 °C, sampled every minute and
        // every 10 minutes, and unevenly (1 minute by day, 30 minutes by night)
        let r = range("2025-01-05T23:00:00Z", "2025-01-08T23:00:00Z");
        let periods = Periods::new(&berlin_days(), r).unwrap();
        let curve =
            |h: f64| 5.0 + 6.0 * (std::f64::consts::TAU * (h - 9.0) / 24.0).sin() + 0.5 * h / 24.0;
        let (t1, v1) = sample(r.start, r.end, MICROS_PER_MINUTE, curve);
        let (t10, v10) = sample(r.start, r.end, 10 * MICROS_PER_MINUTE, curve);
        let (tu, vu): (Vec<_>, Vec<_>) = t1
            .iter()
            .zip(&v1)
            .filter(|(t, _)| {
                let local_h = ((**t - r.start) / MICROS_PER_HOUR) % 24;
                (6..18).contains(&local_h) || ((**t - r.start) / MICROS_PER_MINUTE) % 30 == 0
            })
            .map(|(t, v)| (*t, *v))
            .unzip();
        let gap = MICROS_PER_HOUR;
        let hdd = |ts: &[Timestamp], v: &[f64]| {
            degree_days_by_period("hdd", ts, v, &periods, gap, 18.0, true).unwrap()
        };
        let (a, b, c) = (hdd(&t1, &v1), hdd(&t10, &v10), hdd(&tu, &vu));
        for k in 0..3 {
            assert!((a.values[k] - b.values[k]).abs() < 2e-3, "{a:?} {b:?}");
            assert!((a.values[k] - c.values[k]).abs() < 2e-3, "{a:?} {c:?}");
            // about 18 - (5 + drift): the wave averages out over a day
            assert!(
                (a.values[k] - (13.0 - 0.5 * (k as f64 + 0.5))).abs() < 0.01,
                "{a:?}"
            );
        }
        // whereas the plain average of the uneven samples is biased towards the daytime
        let naive: f64 = vu.iter().sum::<f64>() / vu.len() as f64;
        let mean_all = mean_by_period(
            "t",
            &tu,
            &vu,
            &Periods::new(&Bucketing::parse("1mo").unwrap(), r).unwrap(),
            gap,
        )
        .unwrap();
        assert!((naive - mean_all.values[0]).abs() > 1.0);
        // cooling degree-days against a low base; weekly periods sum their days
        let weeks = Periods::new(
            &Bucketing::parse("1w")
                .unwrap()
                .with_timezone("Europe/Berlin")
                .unwrap(),
            r,
        )
        .unwrap();
        let cdd_w = degree_days_by_period("cdd", &t10, &v10, &weeks, gap, 0.0, false).unwrap();
        let cdd_d = degree_days_by_period("cdd", &t10, &v10, &periods, gap, 0.0, false).unwrap();
        assert_eq!(weeks.len(), 1);
        assert!((cdd_w.values[0] - cdd_d.values.iter().sum::<f64>()).abs() < 1e-9);
    }

    #[test]
    fn a_day_without_data_leaves_its_degree_days_unknown() {
        let r = range("2025-01-05T23:00:00Z", "2025-01-08T23:00:00Z");
        let periods = Periods::new(&berlin_days(), r).unwrap();
        let (ts, v) = sample(
            r.start,
            r.start + 30 * MICROS_PER_HOUR,
            5 * MICROS_PER_MINUTE,
            |_| 3.0,
        );
        let d =
            degree_days_by_period("hdd", &ts, &v, &periods, MICROS_PER_HOUR, 18.0, true).unwrap();
        assert_eq!(d.values[0], 15.0);
        assert_eq!(d.coverage(&periods)[0], 1.0);
        assert!(d.coverage(&periods)[1] < 0.3);
        assert!(d.values[2].is_nan());
    }

    #[test]
    fn builder_drops_incomplete_periods_and_says_why() {
        let r = range("2025-01-05T23:00:00Z", "2025-01-09T23:00:00Z");
        let days = berlin_days();
        // power 10 kW all the time except a 6-hour dropout on day 2
        let (ts, pw): (Vec<_>, Vec<_>) = sample(r.start, r.end, MICROS_PER_MINUTE, |_| 10.0)
            .0
            .into_iter()
            .filter(|t| {
                !(r.start + 30 * MICROS_PER_HOUR..r.start + 36 * MICROS_PER_HOUR).contains(t)
            })
            .map(|t| (t, 10.0))
            .unzip();
        // production every 15 min, labelled by interval end, missing on day 4
        let prod_ts: Vec<Timestamp> = (1..=288)
            .map(|i| r.start + i * 15 * MICROS_PER_MINUTE)
            .collect();
        let prod: Vec<f64> = prod_ts
            .iter()
            .enumerate()
            .map(|(i, _)| (i % 7) as f64)
            .collect();
        let (temp_ts, temp) = sample(r.start, r.end, 5 * MICROS_PER_MINUTE, |h| 2.0 + h / 24.0);
        let spec = TableSpec::new(
            days,
            vec![
                PeriodDriver::new("production", Aggregation::Sum)
                    .with_max_gap_us(20 * MICROS_PER_MINUTE),
                PeriodDriver::new("hdd", Aggregation::hdd()),
                PeriodDriver::new("outdoor_temp_c", Aggregation::Mean),
            ],
        );
        let power = PowerView::new(&ts, &pw).unwrap();
        let t = ModellingTable::build(
            &spec,
            r,
            power,
            &[
                DriverData::new(&prod_ts, &prod),
                DriverData::new(&temp_ts, &temp),
                DriverData::new(&temp_ts, &temp),
            ],
        )
        .unwrap();
        assert_eq!(t.periods_total, 4);
        assert_eq!(t.len(), 2);
        assert_eq!(t.energy_kwh, vec![240.0, 240.0]);
        assert_eq!(t.dropped.len(), 2);
        assert_eq!(t.dropped[0].shortfalls[0].column, "energy_kwh");
        assert!((t.dropped[0].shortfalls[0].coverage - 18.0 / 24.0).abs() < 1e-3);
        assert_eq!(t.dropped[1].shortfalls[0].column, "production");
        assert_eq!(t.dropped[1].shortfalls[0].coverage, 0.0);
        let by = t.dropped_by_column();
        assert_eq!((by["energy_kwh"], by["production"]), (1, 1));
        // the sums are the totals of each kept day
        let day0: f64 = prod[..96].iter().sum();
        let day2: f64 = prod[192..].iter().sum();
        assert_eq!(
            t.drivers[0].values,
            crate::baseline::DriverValues::Numeric(vec![day0, day2])
        );
        // 18 °C - daily mean (2.5 °C and 4.5 °C)
        match &t.drivers[1].values {
            crate::baseline::DriverValues::Numeric(v) => {
                assert!(
                    (v[0] - 15.5).abs() < 1e-9 && (v[1] - 13.5).abs() < 1e-9,
                    "{v:?}"
                )
            }
            other => panic!("{other:?}"),
        }
        // a spec survives a round trip through JSON
        let json = serde_json::to_string(&spec).unwrap();
        let back: TableSpec = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn bad_input_is_a_typed_error_naming_the_field() {
        let r = range("2025-01-05T23:00:00Z", "2025-01-07T23:00:00Z");
        let (ts, v) = sample(r.start, r.end, MICROS_PER_MINUTE, |_| 1.0);
        let power = PowerView::new(&ts, &v).unwrap();
        let hourly = Bucketing::parse("1h").unwrap();
        let build = |spec: &TableSpec, data: &[DriverData<'_>]| {
            ModellingTable::build(spec, r, power, data).unwrap_err()
        };
        // degree-days on hourly periods
        let spec = TableSpec::new(
            hourly.clone(),
            vec![PeriodDriver::new("hdd", Aggregation::hdd())],
        );
        let e = build(&spec, &[DriverData::new(&ts, &v)]);
        assert_eq!((e.code(), e.field()), ("INVALID_PARAMETER", Some("period")));
        // weekday/weekend on weekly periods
        let spec = TableSpec::new(
            Bucketing::parse("1w").unwrap(),
            vec![PeriodDriver::new("day_type", Aggregation::DayType)],
        );
        assert_eq!(
            build(&spec, &[DriverData::default()]).field(),
            Some("period")
        );
        // NaN in a driver names the driver and the index
        let mut bad = v.clone();
        bad[7] = f64::NAN;
        let spec = TableSpec::new(
            berlin_days(),
            vec![PeriodDriver::new("outdoor_temp_c", Aggregation::Mean)],
        );
        assert_eq!(
            build(&spec, &[DriverData::new(&ts, &bad)]),
            Error::NonFinite {
                column: "outdoor_temp_c".into(),
                index: 7,
                value: "NaN".into()
            }
        );
        // an empty driver series
        assert_eq!(
            build(&spec, &[DriverData::new(&[], &[])]),
            Error::EmptySeries {
                column: "outdoor_temp_c".into(),
                needed: 1
            }
        );
        // unsorted, length mismatch, wrong number of driver series
        let mut back = ts.clone();
        back.swap(3, 4);
        assert_eq!(
            build(&spec, &[DriverData::new(&back, &v)]).code(),
            "UNSORTED"
        );
        assert_eq!(
            build(&spec, &[DriverData::new(&ts, &v[1..])]).code(),
            "LENGTH_MISMATCH"
        );
        assert_eq!(build(&spec, &[]).field(), Some("drivers"));
        // a flag that is not 0/1
        let spec = TableSpec::new(
            berlin_days(),
            vec![PeriodDriver::new(
                "operating_hours",
                Aggregation::OperatingHours,
            )],
        );
        let mut flags = v.clone();
        flags[2] = 0.5;
        assert_eq!(
            build(&spec, &[DriverData::new(&ts, &flags)]).field(),
            Some("operating_hours")
        );
        // parameters
        let mut spec = TableSpec::new(
            berlin_days(),
            vec![PeriodDriver::new(
                "cdd",
                Aggregation::CoolingDegreeDays { base_c: f64::NAN },
            )],
        );
        assert_eq!(
            build(&spec, &[DriverData::new(&ts, &v)]).field(),
            Some("cdd_base_c")
        );
        spec.drivers[0].aggregation = Aggregation::cdd();
        spec.min_coverage = 1.5;
        assert_eq!(
            build(&spec, &[DriverData::new(&ts, &v)]).field(),
            Some("min_coverage")
        );
        spec.min_coverage = 0.9;
        spec.drivers
            .push(PeriodDriver::new("cdd", Aggregation::Mean));
        assert_eq!(
            build(&spec, &[DriverData::new(&ts, &v), DriverData::new(&ts, &v)]).field(),
            Some("cdd")
        );
        // no energy at all: the target is named before a driver that is missing too
        let spec_p = TableSpec::new(
            berlin_days(),
            vec![PeriodDriver::new("production", Aggregation::Sum)],
        );
        let late = [r.end + MICROS_PER_HOUR, r.end + 2 * MICROS_PER_HOUR];
        assert_eq!(
            ModellingTable::build(
                &spec_p,
                r,
                PowerView::new(&late, &[1.0, 1.0]).unwrap(),
                &[DriverData::new(&late, &[1.0, 1.0])]
            )
            .unwrap_err(),
            Error::EmptySeries {
                column: "energy_kwh".into(),
                needed: 1
            }
        );
        // a reporting period in which the driver has no data at all
        let spec = TableSpec::new(
            berlin_days(),
            vec![PeriodDriver::new("outdoor_temp_c", Aggregation::Mean)],
        );
        let before = [
            r.start - 10 * MICROS_PER_HOUR,
            r.start - 9 * MICROS_PER_HOUR,
        ];
        assert_eq!(
            build(&spec, &[DriverData::new(&before, &[1.0, 2.0])]),
            Error::EmptySeries {
                column: "outdoor_temp_c".into(),
                needed: 1
            }
        );
    }

    #[test]
    fn shifts_follow_the_local_hour() {
        // 2-hour periods over the local day of 2025-10-26 in Berlin (25 hours: clocks go back)
        let r = range("2025-10-25T22:00:00Z", "2025-10-26T23:00:00Z");
        let b = Bucketing::parse("2h")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap();
        let periods = Periods::new(&b, r).unwrap();
        let s = shift_by_period("shift", &periods, 6, 8).unwrap();
        // local 00-02, 02-03 (first pass), 02-03 (second pass, cut by the change), 04-06: night
        assert_eq!(periods.len(), 13);
        assert!(s[..4].iter().all(|x| x == "shift_3"), "{s:?}");
        assert!(s[4..8].iter().all(|x| x == "shift_1"), "{s:?}");
        assert!(s[8..12].iter().all(|x| x == "shift_2"), "{s:?}");
        assert_eq!(s[12], "shift_3");
        // 8-hour periods from local midnight straddle the 06:00 change of shift
        let b8 = Bucketing::parse("8h")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap();
        let e = shift_by_period("shift", &Periods::new(&b8, r).unwrap(), 6, 8).unwrap_err();
        assert_eq!(e.field(), Some("period"));
        // parameters
        assert_eq!(
            shift_by_period("shift", &periods, 24, 8)
                .unwrap_err()
                .field(),
            Some("shift_start_h")
        );
        assert_eq!(
            shift_by_period("shift", &periods, 6, 7)
                .unwrap_err()
                .field(),
            Some("shift_hours")
        );
        assert_eq!(
            shift_by_period("shift", &Periods::new(&berlin_days(), r).unwrap(), 6, 8)
                .unwrap_err()
                .field(),
            Some("period")
        );
    }

    #[test]
    fn drivers_without_a_gap_take_twice_their_median_interval() {
        let m = MICROS_PER_MINUTE;
        assert_eq!(default_gap_us(5 * m, &[0, 15 * m, 30 * m, 45 * m]), 30 * m);
        assert_eq!(default_gap_us(5 * m, &[0, m, 2 * m, 90 * m]), 5 * m);
        assert_eq!(default_gap_us(5 * m, &[0]), 5 * m);
    }

    #[test]
    fn fits_a_baseline_with_known_coefficients() {
        // energy = 50 kWh/day + 2 kWh per part, production varying by day; exact data
        let r = range("2025-01-05T23:00:00Z", "2025-01-19T23:00:00Z");
        let periods = Periods::new(&berlin_days(), r).unwrap();
        let parts_per_day = |d: usize| 100.0 + 37.0 * ((d * 5) % 11) as f64;
        let mut pts = Vec::new();
        let mut pv = Vec::new();
        let mut ts = Vec::new();
        let mut pw = Vec::new();
        for (d, b) in periods.buckets.iter().enumerate() {
            let kwh = 50.0 + 2.0 * parts_per_day(d);
            let kw = kwh / 24.0;
            let mut t = b.start;
            while t < b.end {
                ts.push(t);
                pw.push(kw);
                t += MICROS_PER_MINUTE;
            }
            pts.push(b.end);
            pv.push(parts_per_day(d));
        }
        // constant power per day with a step at midnight: sample both sides of each midnight
        let (mut ts2, mut pw2) = (Vec::new(), Vec::new());
        for i in 0..ts.len() {
            ts2.push(ts[i]);
            pw2.push(pw[i]);
            if i + 1 < ts.len() && pw[i + 1] != pw[i] {
                ts2.push(ts[i + 1] - 1);
                pw2.push(pw[i]);
            }
        }
        ts2.push(r.end);
        pw2.push(*pw.last().unwrap());
        let spec = TableSpec::new(
            berlin_days(),
            vec![PeriodDriver::new("production", Aggregation::Sum).with_max_gap_us(MICROS_PER_DAY)],
        );
        let t = ModellingTable::build(
            &spec,
            r,
            PowerView::new(&ts2, &pw2).unwrap(),
            &[DriverData::new(&pts, &pv)],
        )
        .unwrap();
        assert_eq!(t.len(), 14);
        let m = t.fit(&BaselineOptions::default()).unwrap();
        let c = &m.fit.coefficients;
        assert!((c[0].estimate - 50.0).abs() < 1e-3, "{c:?}");
        assert!((c[1].estimate - 2.0).abs() < 1e-6, "{c:?}");
        assert_eq!(m.training, Some(r));
    }
}
