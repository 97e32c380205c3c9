//! Rollups: energy and power statistics per time bucket (enms-core `rollup`).

use enms_core::rollup::{
    self, rollup_intervals, rollup_power, IntervalEnergy, Rollup, RollupOptions, StandardRollups,
};
use enms_core::{Bucketing, PowerSeries, PowerView};
use napi::bindgen_prelude::{AsyncTask, Float64Array};
use napi::Env;
use napi_derive::napi;

use crate::convert::{
    energy_input, ms_column, range, readings, EnergyData, EnergyInput, RangeJs, Readings,
};
use crate::error::{run, Fallible};
use crate::task::Job;

/// Options of a rollup.
#[napi(object, js_name = "RollupOptions")]
pub struct RollupOptionsJs {
    /// Bucket width: `1m`, `15m`, `1h`, `1d`, `1w`, `1mo`, `30s`, or a number of seconds as text.
    pub width: String,
    /// IANA time zone for local buckets (`Europe/Berlin`); UTC when absent.
    pub timezone: Option<String>,
    /// Longest interval between two readings that is still integrated, seconds (enms default
    /// when absent: 300).
    pub max_gap_s: Option<f64>,
    /// Range to roll up (all buckets of the range, readings outside clipped); by default from the
    /// bucket of the first reading to the bucket of the last.
    pub range: Option<RangeJs>,
}

/// Options of the standard rollups (1 min, 15 min, 1 h, 1 day).
#[napi(object, js_name = "StandardRollupOptions")]
pub struct StandardRollupOptionsJs {
    /// IANA time zone (local days); UTC when absent.
    pub timezone: Option<String>,
    /// Longest interval still integrated, seconds (enms default when absent).
    pub max_gap_s: Option<f64>,
}

/// One row per bucket, as columns. Times are ms since the epoch.
#[napi(object, js_name = "Rollup")]
pub struct RollupJs {
    /// Bucket width as enms writes it (`15m`).
    pub width: String,
    /// Time zone of the buckets, if any.
    pub timezone: Option<String>,
    /// Bucket starts (labels), ms.
    pub start: Float64Array,
    /// Bucket ends, ms.
    pub end: Float64Array,
    /// Readings in each bucket.
    pub sample_count: Float64Array,
    /// Energy in each bucket, kWh.
    pub energy_kwh: Float64Array,
    /// Time-weighted mean power over the covered part of the bucket, kW (NaN when nothing covered).
    pub mean_power_kw: Float64Array,
    /// Smallest reading in the bucket, kW (NaN when none).
    pub min_power_kw: Float64Array,
    /// Largest reading in the bucket, kW (NaN when none).
    pub max_power_kw: Float64Array,
    /// Covered time in each bucket, seconds.
    pub covered_s: Float64Array,
    /// Share of each bucket covered by data, 0..1.
    pub coverage: Float64Array,
    /// Whether each bucket has uncovered time.
    pub has_gap: Vec<bool>,
}

impl From<Rollup> for RollupJs {
    fn from(r: Rollup) -> Self {
        RollupJs {
            width: r.bucketing.width().to_string(),
            timezone: r.bucketing.timezone().map(str::to_string),
            start: ms_column(&r.start),
            end: ms_column(&r.end),
            sample_count: Float64Array::new(r.sample_count.iter().map(|&c| c as f64).collect()),
            coverage: Float64Array::new(r.coverage()),
            has_gap: r.has_gap(),
            covered_s: Float64Array::new(r.covered_us.iter().map(|&c| c as f64 / 1e6).collect()),
            energy_kwh: Float64Array::new(r.energy_kwh),
            mean_power_kw: Float64Array::new(r.mean_power_kw),
            min_power_kw: Float64Array::new(r.min_power_kw),
            max_power_kw: Float64Array::new(r.max_power_kw),
        }
    }
}

/// The four standard rollups.
#[napi(object, js_name = "StandardRollups")]
pub struct StandardRollupsJs {
    /// 1-minute buckets.
    pub minute: RollupJs,
    /// 15-minute buckets.
    pub quarter_hour: RollupJs,
    /// 1-hour buckets.
    pub hour: RollupJs,
    /// 1-day buckets (local days with a time zone).
    pub day: RollupJs,
}

impl From<StandardRollups> for StandardRollupsJs {
    fn from(s: StandardRollups) -> Self {
        StandardRollupsJs {
            minute: s.minute.into(),
            quarter_hour: s.quarter_hour.into(),
            hour: s.hour.into(),
            day: s.day.into(),
        }
    }
}

/// Bucketing from a width and an optional time zone.
pub fn bucketing(width: &str, timezone: Option<&str>) -> Fallible<Bucketing> {
    let b = Bucketing::parse(width)?;
    Ok(match timezone {
        Some(tz) => b.with_timezone(tz)?,
        None => b,
    })
}

/// enms rollup options from JS options.
pub fn rollup_options(max_gap_s: Option<f64>, r: Option<&RangeJs>) -> Fallible<RollupOptions> {
    let mut o = RollupOptions::default();
    if let Some(s) = max_gap_s {
        o = o.with_max_gap_s(s)?;
    }
    if let Some(r) = r {
        o = o.with_range(range(r)?);
    }
    Ok(o)
}

/// Everything a rollup needs, converted on the main thread (the columns are copied once).
pub struct RollupInput {
    /// Power readings or interval energy.
    pub data: EnergyData,
    /// The buckets.
    pub bucketing: Bucketing,
    /// Gap and range.
    pub options: RollupOptions,
}

impl RollupInput {
    /// Converts JS input and options.
    pub fn new(e: &EnergyInput, o: &RollupOptionsJs) -> Fallible<Self> {
        Ok(RollupInput {
            data: energy_input(e)?,
            bucketing: bucketing(&o.width, o.timezone.as_deref())?,
            options: rollup_options(o.max_gap_s, o.range.as_ref())?,
        })
    }

    /// Runs the rollup: trapezoidal integration of power, or interval energy spread uniformly over
    /// each interval.
    pub fn rollup(&self) -> Fallible<Rollup> {
        Ok(match &self.data {
            EnergyData::Power(r) => rollup_power(
                PowerView::new(&r.ts, &r.power_kw)?,
                &self.bucketing,
                &self.options,
            )?,
            EnergyData::Intervals {
                ts,
                energy_kwh,
                interval_us,
            } => {
                let iv =
                    IntervalEnergy::from_end_labels(ts.clone(), *interval_us, energy_kwh.clone())?;
                rollup_intervals(&iv, &self.bucketing, self.options.range)?
            }
        })
    }
}

/// Rolls up power readings into buckets (trapezoidal energy, coverage, gaps), on the calling
/// thread. For large inputs prefer `rollup`, which returns a Promise.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns | IntervalColumns, options: RollupOptions"
)]
pub fn rollup_sync(
    env: Env,
    readings: EnergyInput,
    options: RollupOptionsJs,
) -> napi::Result<RollupJs> {
    run(env, || {
        Ok(RollupInput::new(&readings, &options)?.rollup()?.into())
    })
}

/// Rolls up power readings into buckets off the main thread.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns, options: RollupOptions",
    ts_return_type = "Promise<Rollup>"
)]
pub fn rollup(
    env: Env,
    readings: EnergyInput,
    options: RollupOptionsJs,
) -> napi::Result<AsyncTask<Job<Rollup, RollupJs>>> {
    let input = run(env, || RollupInput::new(&readings, &options))?;
    Ok(AsyncTask::new(Job::new(
        move || input.rollup(),
        RollupJs::from,
    )))
}

fn standard_input(
    readings_js: &Readings,
    o: &Option<StandardRollupOptionsJs>,
) -> Fallible<(PowerSeriesInput, RollupOptions, Option<String>)> {
    let r = readings(readings_js)?;
    let (gap, tz) = match o {
        Some(o) => (o.max_gap_s, o.timezone.clone()),
        None => (None, None),
    };
    Ok((
        PowerSeriesInput(r.ts, r.power_kw),
        rollup_options(gap, None)?,
        tz,
    ))
}

/// Owned columns of a power series, validated when the work runs.
pub struct PowerSeriesInput(pub Vec<i64>, pub Vec<f64>);

impl PowerSeriesInput {
    /// The validated series.
    pub fn series(self) -> Fallible<PowerSeries> {
        Ok(PowerSeries::new(self.0, self.1)?)
    }
}

fn standard(
    (s, o, tz): (PowerSeriesInput, RollupOptions, Option<String>),
) -> Fallible<StandardRollups> {
    Ok(rollup::standard_rollups(&s.series()?, tz.as_deref(), &o)?)
}

/// The standard rollups (1 min, 15 min, 1 h, 1 day) in one pass, on the calling thread.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns, options?: StandardRollupOptions"
)]
pub fn standard_rollups_sync(
    env: Env,
    readings: Readings,
    options: Option<StandardRollupOptionsJs>,
) -> napi::Result<StandardRollupsJs> {
    run(env, || {
        Ok(standard(standard_input(&readings, &options)?)?.into())
    })
}

/// The standard rollups off the main thread.
#[napi(
    ts_args_type = "readings: ReadingRecord[] | ReadingColumns, options?: StandardRollupOptions",
    ts_return_type = "Promise<StandardRollups>"
)]
pub fn standard_rollups(
    env: Env,
    readings: Readings,
    options: Option<StandardRollupOptionsJs>,
) -> napi::Result<AsyncTask<Job<StandardRollups, StandardRollupsJs>>> {
    let input = run(env, || standard_input(&readings, &options))?;
    Ok(AsyncTask::new(Job::new(
        move || standard(input),
        StandardRollupsJs::from,
    )))
}

/// One bucket: `[start, end)` in ms.
#[napi(object, js_name = "Bucket")]
pub struct BucketJs {
    /// First instant (the bucket's label), ms.
    pub start: f64,
    /// First instant of the next bucket, ms.
    pub end: f64,
}

/// The bucket of `width` (and optional time zone) containing `ts`: TimescaleDB's `time_bucket`.
#[napi(ts_args_type = "ts: number | string, width: string, timezone?: string | null")]
pub fn bucket_of(
    env: Env,
    ts: crate::convert::TimeJs,
    width: String,
    timezone: Option<String>,
) -> napi::Result<BucketJs> {
    run(env, || {
        let b =
            bucketing(&width, timezone.as_deref())?.bucket(crate::convert::time(&ts, "ts", 0)?)?;
        Ok(BucketJs {
            start: crate::convert::us_to_ms(b.start),
            end: crate::convert::us_to_ms(b.end),
        })
    })
}
