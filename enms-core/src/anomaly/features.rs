//! Features of one machine per time bucket, for anomaly detection: what its meter, its process
//! sensors and the site's calendar say about each bucket (by default the local hour).
//!
//! The buckets are the periods of a [`Bucketing`] over a half-open range, built by the core's
//! rollups and modelling-table aggregations (never re-bucketed here):
//!
//! - `energy_kwh`, `mean_power_kw`, `max_power_kw`: [`rollup_power`] of the power readings
//!   (trapezoidal energy, intervals longer than `max_gap_us` are gaps); NaN, and reported in
//!   [`FeatureTable::missing`], where the readings cover less than `min_coverage` of the bucket;
//! - `deviation_kwh = energy_kwh - expected_kwh` when a baseline's expectation per bucket is given;
//! - `production`: the sum of counts labelled by the end of their interval
//!   ([`sum_by_period`]), and `sec = energy_kwh / production` (specific energy consumption,
//!   ISO 50006's EnPI of a production machine; NaN where nothing was produced);
//! - `cop = output_kwh / energy_kwh` (useful heat or cold over energy input) when an output power
//!   series is given;
//! - any process quantity (pressure, temperatures, a COP or efficiency the machine reports):
//!   the time-weighted mean of its samples in the bucket ([`mean_by_period`]), NaN where it has
//!   no sample (a chiller's COP while it is off) and then reported as missing with coverage 0;
//! - `tod_sin`, `tod_cos`: the local time of day of the bucket's start on the unit circle,
//!   `sin(2π h / 24)`, `cos(2π h / 24)` with `h` in fractional hours (so 23:00 is next to 00:00);
//! - `working_day`: 1 on Monday to Friday, 0 on Saturday and Sunday (the local day the bucket
//!   starts in, [`day_type_by_period`]);
//! - `shift`: 1, 2, ... for the shift of the bucket ([`shift_by_period`]: shifts of `shift_h`
//!   hours from `shift_start_h` local; default three 8-hour shifts from 06:00).
//!
//! Nothing is filled in: a missing value is NaN and its bucket and column are listed, so a
//! detector can skip it and a report can say why.

use chrono::Timelike;
use serde::{Deserialize, Serialize};

use crate::baseline::dataset::{
    day_type_by_period, default_gap_us, mean_by_period, shift_by_period, sum_by_period, DriverData,
    DroppedPeriod, Periods, Shortfall, DEFAULT_MIN_COVERAGE, DEFAULT_SHIFT_HOURS,
    DEFAULT_SHIFT_START_H,
};
use crate::bucket::{BucketWidth, Bucketing};
use crate::error::{Error, Result};
use crate::rollup::{rollup_power, RollupOptions};
use crate::series::PowerView;
use crate::time::{parse_tz, to_local, TimeRange, Timestamp};

/// Energy in the bucket, kWh.
pub const ENERGY: &str = "energy_kwh";
/// Time-weighted mean power over the covered part of the bucket, kW.
pub const MEAN_POWER: &str = "mean_power_kw";
/// Largest power reading in the bucket, kW.
pub const MAX_POWER: &str = "max_power_kw";
/// Energy minus a baseline's expectation, kWh.
pub const DEVIATION: &str = "deviation_kwh";
/// Production in the bucket (units of the counts).
pub const PRODUCTION: &str = "production";
/// Specific energy consumption, kWh per unit of production.
pub const SEC: &str = "sec";
/// Coefficient of performance from an output power series (output energy / energy input).
pub const COP: &str = "cop";
/// Sine of the local time of day.
pub const TOD_SIN: &str = "tod_sin";
/// Cosine of the local time of day.
pub const TOD_COS: &str = "tod_cos";
/// 1 on a working day (Monday to Friday), else 0.
pub const WORKING_DAY: &str = "working_day";
/// Shift number (1, 2, ...).
pub const SHIFT: &str = "shift";

/// Columns this module derives from others or from the calendar (not measured quantities).
pub const DERIVED: [&str; 9] = [
    MEAN_POWER,
    MAX_POWER,
    DEVIATION,
    SEC,
    TOD_SIN,
    TOD_COS,
    WORKING_DAY,
    SHIFT,
    "output_kwh",
];

/// How readings become features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// The buckets (width and site time zone). Default: local hours.
    pub period: Bucketing,
    /// Longest interval between two power readings that is still integrated, microseconds
    /// (the rollups' 5 minutes by default). Other series use the larger of this and twice their
    /// median sampling interval.
    pub max_gap_us: i64,
    /// Least share of a bucket the power readings must cover for its energy to count, in (0, 1].
    pub min_coverage: f64,
    /// Local hour the first shift starts.
    pub shift_start_h: u8,
    /// Hours per shift; must divide 24.
    pub shift_h: u8,
}

impl FeatureSpec {
    /// A spec with the default coverage, gap and shifts.
    pub fn new(period: Bucketing) -> Self {
        FeatureSpec {
            period,
            max_gap_us: RollupOptions::default().max_gap_us,
            min_coverage: DEFAULT_MIN_COVERAGE,
            shift_start_h: DEFAULT_SHIFT_START_H,
            shift_h: DEFAULT_SHIFT_HOURS,
        }
    }

    /// Local hours of a site's time zone (IANA name), default coverage, gap and shifts.
    pub fn hourly(timezone: &str) -> Result<Self> {
        Ok(Self::new(
            Bucketing::new(BucketWidth::HOUR)?.with_timezone(timezone)?,
        ))
    }
}

/// The readings of one machine. Each series has sorted UTC timestamps and finite values.
#[derive(Debug, Clone, Default)]
pub struct FeatureInputs<'a> {
    /// Instantaneous power, kW.
    pub power: DriverData<'a>,
    /// Production counts labelled by the end of their interval.
    pub production: Option<DriverData<'a>>,
    /// Useful heat or cold delivered, kW (for the COP).
    pub output_kw: Option<DriverData<'a>>,
    /// A baseline's expected energy per bucket of the range, kWh (for the deviation).
    pub expected_kwh: Option<&'a [f64]>,
    /// Further counts summed per bucket like production, by column name (e.g. production per
    /// product or recipe, the product mix of ISO 50006).
    pub counts: Vec<(&'a str, DriverData<'a>)>,
    /// Process quantities and weather, by column name (e.g. `pressure_bar`, `outdoor_temp_c`),
    /// averaged over time per bucket.
    pub quantities: Vec<(&'a str, DriverData<'a>)>,
}

/// Features per bucket, columnar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureTable {
    /// The range covered.
    pub range: TimeRange,
    /// Bucket starts (UTC microseconds).
    pub start: Vec<Timestamp>,
    /// Bucket ends.
    pub end: Vec<Timestamp>,
    /// Named columns, one value per bucket (NaN where missing or undefined).
    pub columns: Vec<(String, Vec<f64>)>,
    /// Buckets with a column short of data, and the columns (energy below `min_coverage`, a
    /// quantity or production without any sample).
    pub missing: Vec<DroppedPeriod>,
}

impl FeatureTable {
    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.start.len()
    }

    /// Whether there are no buckets.
    pub fn is_empty(&self) -> bool {
        self.start.is_empty()
    }

    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&[f64]> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The columns as `(name, values)` slices, the input of
    /// [`crate::anomaly::IsolationForest::fit`] and [`crate::anomaly::detect()`].
    pub fn as_columns(&self) -> Vec<(&str, &[f64])> {
        self.columns
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect()
    }

    /// Indices of the buckets where every named column is finite (rows a forest can take).
    pub fn complete_rows(&self, names: &[&str]) -> Vec<usize> {
        let cols: Vec<&[f64]> = names.iter().filter_map(|n| self.column(n)).collect();
        (0..self.len())
            .filter(|&i| cols.iter().all(|c| c[i].is_finite()))
            .collect()
    }
}

fn check_series(column: &str, d: &DriverData<'_>) -> Result<()> {
    if d.ts.is_empty() {
        return Err(Error::EmptySeries {
            column: column.into(),
            needed: 1,
        });
    }
    Ok(())
}

/// Builds the feature table of one machine over `range` (see the module docs).
///
/// Errors: a bad spec (names `min_coverage`, `max_gap_us`, `shift_h` or `period`); empty,
/// unsorted or non-finite readings (names the column); an `expected_kwh` whose length is not the
/// number of buckets; two quantities with one name or a quantity named like a derived column.
pub fn build_features(
    spec: &FeatureSpec,
    range: TimeRange,
    inputs: &FeatureInputs<'_>,
) -> Result<FeatureTable> {
    if !(spec.min_coverage > 0.0 && spec.min_coverage <= 1.0) {
        return Err(Error::invalid(
            "min_coverage",
            format!("must lie in (0, 1], got {}", spec.min_coverage),
        ));
    }
    if spec.max_gap_us <= 0 {
        return Err(Error::invalid(
            "max_gap_us",
            format!("must be positive, got {}", spec.max_gap_us),
        ));
    }
    if spec.period.width().is_calendar() {
        return Err(Error::invalid(
            "period",
            format!(
                "features are per bucket within a day (e.g. 15m or 1h), got {}",
                spec.period.width()
            ),
        ));
    }
    let periods = Periods::new(&spec.period, range)?;
    let n = periods.len();
    let lens: Vec<i64> = periods
        .buckets
        .iter()
        .map(|b| b.end.min(range.end) - b.start.max(range.start))
        .collect();
    let mut short: Vec<Vec<Shortfall>> = vec![Vec::new(); n];
    let mut columns: Vec<(String, Vec<f64>)> = Vec::new();

    // energy and power from the meter
    check_series(ENERGY, &inputs.power)?;
    let view = PowerView::new(inputs.power.ts, inputs.power.values)?;
    let options = RollupOptions {
        max_gap_us: spec.max_gap_us,
        range: Some(range),
    };
    let r = rollup_power(view, &spec.period, &options)?;
    if r.len() != n {
        return Err(Error::invalid(
            "period",
            format!("{} buckets from the rollup, {n} periods", r.len()),
        ));
    }
    let mut energy = r.energy_kwh;
    let mut mean_p = r.mean_power_kw;
    let mut max_p = r.max_power_kw;
    for k in 0..n {
        let cov = if lens[k] > 0 {
            r.covered_us[k] as f64 / lens[k] as f64
        } else {
            0.0
        };
        if cov < spec.min_coverage {
            energy[k] = f64::NAN;
            mean_p[k] = f64::NAN;
            max_p[k] = f64::NAN;
            short[k].push(Shortfall {
                column: ENERGY.into(),
                coverage: cov,
            });
        }
    }

    if let Some(expected) = inputs.expected_kwh {
        if expected.len() != n {
            return Err(Error::LengthMismatch {
                column: "expected_kwh".into(),
                expected: n,
                got: expected.len(),
            });
        }
        let dev = energy.iter().zip(expected).map(|(e, x)| e - x).collect();
        columns.push((DEVIATION.into(), dev));
    }

    // counts summed per bucket; NaN and reported below `min_coverage`
    let summed = |name: &str, data: &DriverData<'_>, short: &mut [Vec<Shortfall>]| {
        check_series(name, data)?;
        let gap = default_gap_us(spec.max_gap_us, data.ts);
        let agg = sum_by_period(name, data.ts, data.values, &periods, gap)?;
        let cov = agg.coverage(&periods);
        let mut values = agg.values;
        for ((v, c), s) in values.iter_mut().zip(&cov).zip(short.iter_mut()) {
            if *c < spec.min_coverage {
                *v = f64::NAN;
                s.push(Shortfall {
                    column: name.to_string(),
                    coverage: *c,
                });
            }
        }
        Ok::<Vec<f64>, Error>(values)
    };
    if let Some(prod) = &inputs.production {
        let values = summed(PRODUCTION, prod, &mut short)?;
        let sec = energy
            .iter()
            .zip(&values)
            .map(|(e, p)| if *p > 0.0 { e / p } else { f64::NAN })
            .collect();
        columns.push((PRODUCTION.into(), values));
        columns.push((SEC.into(), sec));
    }

    if let Some(out) = &inputs.output_kw {
        check_series("output_kw", out)?;
        let view = PowerView::new(out.ts, out.values)?;
        let options = RollupOptions {
            max_gap_us: default_gap_us(spec.max_gap_us, out.ts),
            range: Some(range),
        };
        let ro = rollup_power(view, &spec.period, &options)?;
        let mut out_kwh = ro.energy_kwh;
        for k in 0..n {
            if (ro.covered_us[k] as f64) < spec.min_coverage * lens[k] as f64 {
                out_kwh[k] = f64::NAN;
                short[k].push(Shortfall {
                    column: "output_kwh".into(),
                    coverage: ro.covered_us[k] as f64 / lens[k].max(1) as f64,
                });
            }
        }
        let cop = out_kwh
            .iter()
            .zip(&energy)
            .map(|(o, e)| if *e > 0.0 { o / e } else { f64::NAN })
            .collect();
        columns.push(("output_kwh".into(), out_kwh));
        columns.push((COP.into(), cop));
    }

    let named = |name: &str| {
        inputs
            .quantities
            .iter()
            .chain(&inputs.counts)
            .filter(|(m, _)| *m == name)
            .count()
    };
    for (name, data) in &inputs.counts {
        if [ENERGY, MEAN_POWER, MAX_POWER, PRODUCTION, COP].contains(name)
            || DERIVED.contains(name)
            || named(name) > 1
        {
            return Err(Error::invalid(
                name,
                "a count needs a name of its own (not another column's or a derived column's)",
            ));
        }
        let values = summed(name, data, &mut short)?;
        columns.push(((*name).to_string(), values));
    }
    for (name, data) in &inputs.quantities {
        if columns.iter().any(|(c, _)| c == name)
            || [ENERGY, MEAN_POWER, MAX_POWER, PRODUCTION].contains(name)
            || DERIVED.contains(name)
            || named(name) > 1
        {
            return Err(Error::invalid(
                name,
                "a quantity needs a name of its own (not another quantity's or a derived column's)",
            ));
        }
        check_series(name, data)?;
        let gap = default_gap_us(spec.max_gap_us, data.ts);
        let agg = mean_by_period(name, data.ts, data.values, &periods, gap)?;
        for (s, c) in short.iter_mut().zip(&agg.covered_us) {
            if *c == 0 {
                s.push(Shortfall {
                    column: (*name).to_string(),
                    coverage: 0.0,
                });
            }
        }
        columns.push(((*name).to_string(), agg.values));
    }

    // the calendar of the site
    let tz = parse_tz(spec.period.timezone().unwrap_or("UTC"))?;
    let mut tod_sin = Vec::with_capacity(n);
    let mut tod_cos = Vec::with_capacity(n);
    for b in &periods.buckets {
        let l = to_local(b.start.max(range.start), tz)?;
        let h = f64::from(l.hour()) + f64::from(l.minute()) / 60.0 + f64::from(l.second()) / 3600.0;
        let a = std::f64::consts::TAU * h / 24.0;
        tod_sin.push(a.sin());
        tod_cos.push(a.cos());
    }
    let working: Vec<f64> = day_type_by_period(WORKING_DAY, &periods)?
        .iter()
        .map(|d| if d == "weekday" { 1.0 } else { 0.0 })
        .collect();
    let shift: Vec<f64> = shift_by_period(SHIFT, &periods, spec.shift_start_h, spec.shift_h)?
        .iter()
        .map(|s| {
            s.strip_prefix("shift_")
                .and_then(|k| k.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        })
        .collect();

    let mut all: Vec<(String, Vec<f64>)> = vec![
        (ENERGY.into(), energy),
        (MEAN_POWER.into(), mean_p),
        (MAX_POWER.into(), max_p),
    ];
    all.extend(columns);
    all.push((TOD_SIN.into(), tod_sin));
    all.push((TOD_COS.into(), tod_cos));
    all.push((WORKING_DAY.into(), working));
    all.push((SHIFT.into(), shift));

    let missing = periods
        .buckets
        .iter()
        .zip(short)
        .filter(|(_, s)| !s.is_empty())
        .map(|(b, shortfalls)| DroppedPeriod {
            start: b.start,
            end: b.end,
            shortfalls,
        })
        .collect();
    Ok(FeatureTable {
        range,
        start: periods.buckets.iter().map(|b| b.start).collect(),
        end: periods.buckets.iter().map(|b| b.end).collect(),
        columns: all,
        missing,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::time::{parse_rfc3339, MICROS_PER_HOUR, MICROS_PER_MINUTE};

    #[test]
    fn hourly_features_of_a_machine() {
        // Monday 2025-01-06 00:00 Berlin = 2025-01-05T23:00Z; 4 hours of 1-minute power
        let t0 = parse_rfc3339("2025-01-05T23:00:00Z").unwrap();
        let n = 4 * 60 + 1;
        let ts: Vec<i64> = (0..n).map(|i| t0 + i * MICROS_PER_MINUTE).collect();
        // 10 kW in hour 0, 20 kW after; a dropout in hour 2 (minutes 130..170)
        let p: Vec<f64> = (0..n).map(|i| if i < 60 { 10.0 } else { 20.0 }).collect();
        let keep: Vec<usize> = (0..n as usize)
            .filter(|i| !(130..170).contains(i))
            .collect();
        let ts_k: Vec<i64> = keep.iter().map(|&i| ts[i]).collect();
        let p_k: Vec<f64> = keep.iter().map(|&i| p[i]).collect();
        // production: 60 parts per hour labelled at minute ends, none in hour 3
        let prod_ts: Vec<i64> = (1..=240).map(|i| t0 + i * MICROS_PER_MINUTE).collect();
        let prod: Vec<f64> = (1..=240).map(|i| if i > 180 { 0.0 } else { 1.0 }).collect();
        let temp_ts = vec![t0, t0 + 4 * MICROS_PER_HOUR];
        let temp = vec![0.0, 8.0];
        let spec = FeatureSpec::hourly("Europe/Berlin").unwrap();
        let range = TimeRange::new(t0, t0 + 4 * MICROS_PER_HOUR).unwrap();
        let inputs = FeatureInputs {
            power: DriverData::new(&ts_k, &p_k),
            production: Some(DriverData::new(&prod_ts, &prod)),
            expected_kwh: Some(&[10.0, 19.0, 20.0, 20.0]),
            counts: vec![("production_pp", DriverData::new(&prod_ts, &prod))],
            quantities: vec![("outdoor_temp_c", DriverData::new(&temp_ts, &temp))],
            ..FeatureInputs::default()
        };
        let f = build_features(&spec, range, &inputs).unwrap();
        assert_eq!(f.len(), 4);
        let e = f.column(ENERGY).unwrap();
        // hour 0 ends with the ramp 10 -> 20 over minute 59..60, which lies in hour 0
        assert!((e[0] - (59.0 * 10.0 + 15.0) / 60.0).abs() < 1e-9, "{e:?}");
        assert!((e[1] - 20.0).abs() < 1e-9);
        assert!(e[2].is_nan(), "dropout of 40 minutes: coverage below 0.9");
        assert_eq!(f.missing.len(), 1);
        assert_eq!(f.missing[0].start, t0 + 2 * MICROS_PER_HOUR);
        assert_eq!(f.missing[0].shortfalls[0].column, ENERGY);
        assert!((f.column(DEVIATION).unwrap()[1] - 1.0).abs() < 1e-9);
        assert_eq!(f.column(PRODUCTION).unwrap(), &[60.0, 60.0, 60.0, 0.0]);
        assert_eq!(f.column("production_pp").unwrap(), &[60.0, 60.0, 60.0, 0.0]);
        let sec = f.column(SEC).unwrap();
        assert!((sec[1] - 20.0 / 60.0).abs() < 1e-12);
        assert!(sec[3].is_nan(), "nothing produced: SEC undefined");
        let mean_c = f.column("outdoor_temp_c").unwrap();
        assert!((mean_c[0] - 1.0).abs() < 1e-9 && (mean_c[3] - 7.0).abs() < 1e-9);
        // local midnight: sin 0, cos 1; Monday is a working day; 00:00 is in the night shift
        assert!(f.column(TOD_SIN).unwrap()[0].abs() < 1e-12);
        assert!((f.column(TOD_COS).unwrap()[0] - 1.0).abs() < 1e-12);
        assert_eq!(f.column(WORKING_DAY).unwrap(), &[1.0; 4]);
        assert_eq!(f.column(SHIFT).unwrap(), &[3.0; 4]);
        assert_eq!(f.complete_rows(&[ENERGY, PRODUCTION]), vec![0, 1, 3]);
        // errors name what was wrong
        let bad = FeatureInputs {
            expected_kwh: Some(&[1.0]),
            ..inputs.clone()
        };
        assert_eq!(
            build_features(&spec, range, &bad).unwrap_err().field(),
            Some("expected_kwh")
        );
        let dup = FeatureInputs {
            quantities: vec![("sec", DriverData::new(&temp_ts, &temp))],
            ..inputs.clone()
        };
        assert_eq!(
            build_features(&spec, range, &dup).unwrap_err().field(),
            Some("sec")
        );
        let empty = FeatureInputs::default();
        assert!(build_features(&spec, range, &empty).is_err());
    }
}
