//! Columnar time series sorted by time.
//!
//! A [`PowerSeries`] holds instantaneous power samples (kW) of one meter; a [`CounterSeries`] holds
//! a cumulative energy counter (kWh); a [`QuantitySeries`] holds per-interval quantities such as
//! production counts, labelled by the END of the interval they cover. All are validated once on
//! construction (non-empty, equal lengths, finite, strictly increasing timestamps) so the hot loops
//! downstream need no checks. Constructors named `from_unsorted` sort the rows first, so the order in
//! which rows arrive never changes a result.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::{format_rfc3339, Timestamp};

/// Checks that `ts` is strictly increasing, naming the column and index of the first violation.
pub(crate) fn check_sorted(column: &str, ts: &[Timestamp]) -> Result<()> {
    // Fast path without early exit (vectorises); the slow loop below only runs to name the culprit.
    if ts.windows(2).fold(true, |ok, w| ok & (w[0] < w[1])) {
        return Ok(());
    }
    for i in 1..ts.len() {
        let (prev, cur) = (ts[i - 1], ts[i]);
        if cur <= prev {
            return Err(if cur == prev {
                Error::DuplicateTimestamp {
                    column: column.into(),
                    index: i,
                    timestamp: format_rfc3339(cur),
                }
            } else {
                Error::Unsorted {
                    column: column.into(),
                    index: i,
                    previous_index: i - 1,
                    current: format_rfc3339(cur),
                    previous: format_rfc3339(prev),
                }
            });
        }
    }
    Ok(())
}

/// Whether every value is finite, in one branch-free pass: `v * 0` is ±0 for a finite `v` and NaN
/// for NaN or an infinity, so the sums below are 0 exactly when all values are finite. Eight
/// independent sums keep the additions from waiting on each other, and plain float arithmetic
/// vectorises on any x86-64 (a 64-bit integer test of the exponent would need SSE4.1).
pub(crate) fn all_finite(values: &[f64]) -> bool {
    let mut acc = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v * 0.0;
        }
    }
    for (a, v) in acc.iter_mut().zip(rest) {
        *a += v * 0.0;
    }
    acc.iter().sum::<f64>() == 0.0
}

/// Checks that every value is finite, naming the column and index of the first NaN or infinity.
pub(crate) fn check_finite(column: &str, values: &[f64]) -> Result<()> {
    if all_finite(values) {
        return Ok(());
    }
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite {
            column: column.into(),
            index,
            value: values[index].to_string(),
        }),
        None => Ok(()),
    }
}

pub(crate) fn check_len(column: &str, expected: usize, got: usize) -> Result<()> {
    if expected != got {
        return Err(Error::LengthMismatch {
            column: column.into(),
            expected,
            got,
        });
    }
    Ok(())
}

pub(crate) fn check_non_empty(column: &str, len: usize, needed: usize) -> Result<()> {
    if len < needed {
        return Err(Error::EmptySeries {
            column: column.into(),
            needed,
        });
    }
    Ok(())
}

pub(crate) fn check_non_negative(column: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| *v < 0.0) {
        Some(index) => Err(Error::Negative {
            column: column.into(),
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// Sorts rows of (timestamp, value) by timestamp; equal timestamps stay adjacent so the sorted
/// check then reports them as duplicates.
fn sort_rows(ts: Vec<Timestamp>, values: Vec<f64>) -> (Vec<Timestamp>, Vec<f64>) {
    if ts.windows(2).all(|w| w[0] < w[1]) {
        return (ts, values);
    }
    let mut idx: Vec<usize> = (0..ts.len()).collect();
    idx.sort_by_key(|&i| ts[i]);
    let ts2 = idx.iter().map(|&i| ts[i]).collect();
    let v2 = idx.iter().map(|&i| values[i]).collect();
    (ts2, v2)
}

/// Instantaneous active power samples of one meter, kW, sorted by time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerSeries {
    ts: Vec<Timestamp>,
    power_kw: Vec<f64>,
}

impl PowerSeries {
    /// Builds a series from sorted columns. Errors: empty, length mismatch, NaN/inf power, unsorted
    /// or duplicate timestamps; each names the column and the index.
    pub fn new(ts: Vec<Timestamp>, power_kw: Vec<f64>) -> Result<Self> {
        validate_power(&ts, &power_kw)?;
        Ok(PowerSeries { ts, power_kw })
    }

    /// Builds a series from rows in any order (sorted here); duplicate timestamps are still an error.
    pub fn from_unsorted(ts: Vec<Timestamp>, power_kw: Vec<f64>) -> Result<Self> {
        check_len("power_kw", ts.len(), power_kw.len())?;
        let (ts, power_kw) = sort_rows(ts, power_kw);
        Self::new(ts, power_kw)
    }

    /// Timestamps (UTC microseconds).
    pub fn ts(&self) -> &[Timestamp] {
        &self.ts
    }

    /// Power values, kW.
    pub fn power_kw(&self) -> &[f64] {
        &self.power_kw
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Always false: a series holds at least one sample.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// First and last timestamp.
    pub fn span(&self) -> (Timestamp, Timestamp) {
        (self.ts[0], self.ts[self.ts.len() - 1])
    }

    /// The largest sample, named as what it is: the maximum **instantaneous** power, with its time
    /// (the first occurrence). Not the billing peak demand (see [`crate::kpi::demand`]).
    pub fn max_instantaneous(&self) -> (f64, Timestamp) {
        let mut best = (self.power_kw[0], self.ts[0]);
        for (p, t) in self.power_kw.iter().zip(&self.ts) {
            if *p > best.0 {
                best = (*p, *t);
            }
        }
        best
    }
}

/// A borrowed, validated view of power readings: the zero-copy way in for data that already
/// lives in Arrow, numpy or polars buffers. Validation is the same as [`PowerSeries::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerView<'a> {
    pub(crate) ts: &'a [Timestamp],
    pub(crate) power_kw: &'a [f64],
}

impl<'a> PowerView<'a> {
    /// Validates borrowed columns (non-empty, equal lengths, finite power, strictly increasing
    /// timestamps) without copying them.
    pub fn new(ts: &'a [Timestamp], power_kw: &'a [f64]) -> Result<Self> {
        validate_power(ts, power_kw)?;
        Ok(PowerView { ts, power_kw })
    }

    /// Timestamps.
    pub fn ts(&self) -> &'a [Timestamp] {
        self.ts
    }

    /// Power, kW.
    pub fn power_kw(&self) -> &'a [f64] {
        self.power_kw
    }

    /// Number of readings.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Always false: a view holds at least one reading.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
}

impl<'a> From<&'a PowerSeries> for PowerView<'a> {
    fn from(s: &'a PowerSeries) -> Self {
        PowerView {
            ts: &s.ts,
            power_kw: &s.power_kw,
        }
    }
}

fn validate_power(ts: &[Timestamp], power_kw: &[f64]) -> Result<()> {
    check_non_empty("ts", ts.len(), 1)?;
    check_len("power_kw", ts.len(), power_kw.len())?;
    check_finite("power_kw", power_kw)?;
    check_sorted("ts", ts)
}

/// A cumulative energy counter (kWh or kvarh) of one meter, sorted by time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterSeries {
    ts: Vec<Timestamp>,
    counter: Vec<f64>,
}

impl CounterSeries {
    /// Builds a counter series from sorted columns (at least two readings, finite, no duplicates).
    pub fn new(ts: Vec<Timestamp>, counter: Vec<f64>) -> Result<Self> {
        check_non_empty("ts", ts.len(), 2)?;
        check_len("energy_kwh", ts.len(), counter.len())?;
        check_finite("energy_kwh", &counter)?;
        check_sorted("ts", &ts)?;
        Ok(CounterSeries { ts, counter })
    }

    /// Builds a counter series from rows in any order.
    pub fn from_unsorted(ts: Vec<Timestamp>, counter: Vec<f64>) -> Result<Self> {
        check_len("energy_kwh", ts.len(), counter.len())?;
        let (ts, counter) = sort_rows(ts, counter);
        Self::new(ts, counter)
    }

    /// Timestamps.
    pub fn ts(&self) -> &[Timestamp] {
        &self.ts
    }

    /// Counter values.
    pub fn counter(&self) -> &[f64] {
        &self.counter
    }

    /// Number of readings.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Always false: a counter series holds at least two readings.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
}

/// Per-interval quantities (production counts, interval energy) each labelled by the **end** of
/// the interval it covers, sorted by time. Values must be finite and non-negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantitySeries {
    ts: Vec<Timestamp>,
    values: Vec<f64>,
    column: String,
}

impl QuantitySeries {
    /// Builds a series; `column` names the quantity in errors (e.g. `production_count`).
    pub fn new(column: &str, ts: Vec<Timestamp>, values: Vec<f64>) -> Result<Self> {
        check_non_empty("ts", ts.len(), 1)?;
        check_len(column, ts.len(), values.len())?;
        check_finite(column, &values)?;
        check_non_negative(column, &values)?;
        check_sorted("ts", &ts)?;
        Ok(QuantitySeries {
            ts,
            values,
            column: column.to_string(),
        })
    }

    /// Builds a series from rows in any order.
    pub fn from_unsorted(column: &str, ts: Vec<Timestamp>, values: Vec<f64>) -> Result<Self> {
        check_len(column, ts.len(), values.len())?;
        let (ts, values) = sort_rows(ts, values);
        Self::new(column, ts, values)
    }

    /// Interval end timestamps.
    pub fn ts(&self) -> &[Timestamp] {
        &self.ts
    }

    /// Values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Name of the quantity.
    pub fn column(&self) -> &str {
        &self.column
    }

    /// Sum of all values.
    pub fn total(&self) -> f64 {
        self.values.iter().sum()
    }

    /// Sum of the values whose interval ends in `(start, end]`, i.e. intervals inside `[start, end)`.
    pub fn total_in(&self, start: Timestamp, end: Timestamp) -> f64 {
        let lo = self.ts.partition_point(|&t| t <= start);
        let hi = self.ts.partition_point(|&t| t <= end);
        self.values[lo..hi].iter().sum()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Always false.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_problem() {
        assert!(matches!(
            PowerSeries::new(vec![], vec![]),
            Err(Error::EmptySeries { .. })
        ));
        assert_eq!(
            PowerSeries::new(vec![1, 2], vec![1.0]),
            Err(Error::LengthMismatch {
                column: "power_kw".into(),
                expected: 2,
                got: 1
            })
        );
        assert!(matches!(
            PowerSeries::new(vec![1, 2, 3], vec![1.0, f64::NAN, 2.0]),
            Err(Error::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            PowerSeries::new(vec![1, 3, 2], vec![1.0; 3]),
            Err(Error::Unsorted { index: 2, .. })
        ));
        assert!(matches!(
            PowerSeries::new(vec![1, 2, 2], vec![1.0; 3]),
            Err(Error::DuplicateTimestamp { index: 2, .. })
        ));
        assert!(matches!(
            PowerSeries::from_unsorted(vec![2, 1, 2], vec![1.0; 3]),
            Err(Error::DuplicateTimestamp { .. })
        ));
        assert!(matches!(
            QuantitySeries::new("production_count", vec![1, 2], vec![1.0, -1.0]),
            Err(Error::Negative { index: 1, .. })
        ));
    }

    #[test]
    fn unsorted_rows_are_sorted() {
        let s = PowerSeries::from_unsorted(vec![3, 1, 2], vec![30.0, 10.0, 20.0]).unwrap();
        assert_eq!(s.ts(), &[1, 2, 3]);
        assert_eq!(s.power_kw(), &[10.0, 20.0, 30.0]);
        assert_eq!(s.max_instantaneous(), (30.0, 3));
    }

    #[test]
    fn quantity_totals_use_interval_end_labels() {
        let q =
            QuantitySeries::new("production_count", vec![10, 20, 30], vec![1.0, 2.0, 4.0]).unwrap();
        assert_eq!(q.total_in(10, 30), 6.0);
        assert_eq!(q.total_in(0, 10), 1.0);
        assert_eq!(q.total(), 7.0);
    }

    #[test]
    fn every_non_finite_value_is_found_wherever_it_is() {
        for n in [0, 1, 7, 8, 9, 31] {
            let good: Vec<f64> = (0..n).map(|i| i as f64 * 1e300 - 5e300).collect();
            assert!(all_finite(&good));
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                for i in 0..n {
                    let mut v = good.clone();
                    v[i] = bad;
                    assert!(!all_finite(&v), "{bad} at {i} of {n}");
                    match check_finite("x", &v) {
                        Err(Error::NonFinite { index, .. }) => assert_eq!(index, i),
                        other => panic!("{other:?}"),
                    }
                }
            }
        }
        assert!(all_finite(&[
            f64::MAX,
            f64::MIN,
            -0.0,
            f64::MIN_POSITIVE / 2.0
        ]));
    }
}
