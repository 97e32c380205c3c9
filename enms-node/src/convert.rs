//! JavaScript values in, enms types out: timestamps, columns of readings, options.
//!
//! Time in JavaScript is **milliseconds since 1970-01-01T00:00:00Z** (what `Date.now()` and
//! `date.getTime()` return), given as numbers, as a `Float64Array`, or as RFC 3339 strings
//! (`2025-01-06T00:00:00+01:00`); a `BigInt64Array` column holds **microseconds**, the unit enms
//! uses inside (and Arrow's `timestamp[us]`). Everything the addon returns gives time as
//! milliseconds (numbers or `Float64Array`). Columns are typed arrays or plain arrays; rows are
//! arrays of records.

use enms_core::time::{parse_rfc3339, TimeRange, Timestamp};
use enms_core::Error;
use napi::bindgen_prelude::{BigInt64Array, Either, Either3, Float64Array, Object};
use napi::{JsBoolean, JsNumber, JsObject, JsString, JsUnknown, ValueType};
use napi_derive::napi;
use serde_json::Value;

use crate::error::{Fallible, JsErrorParts};

/// A time: milliseconds since the epoch, or an RFC 3339 string.
pub type TimeJs = Either<f64, String>;

/// A column of times: `Float64Array` of ms, `BigInt64Array` of microseconds, or an array of ms
/// numbers or RFC 3339 strings.
pub type TimeColumn = Either3<Float64Array, BigInt64Array, Vec<TimeJs>>;

/// A column of numbers.
pub type NumberColumn = Either<Float64Array, Vec<f64>>;

/// Meter readings as columns of equal length.
#[napi(object, js_name = "ReadingColumns")]
pub struct ReadingColumns {
    /// Reading times (ms, or microseconds in a `BigInt64Array`).
    #[napi(ts_type = "Float64Array | BigInt64Array | Array<number | string>")]
    pub ts: TimeColumn,
    /// Active power, kW.
    #[napi(ts_type = "Float64Array | number[]")]
    pub power_kw: NumberColumn,
    /// Cumulative reactive energy counter, kvarh (NaN where not measured); used by the KPI report.
    #[napi(ts_type = "Float64Array | number[]")]
    pub reactive_energy_kvarh: Option<NumberColumn>,
}

/// One meter reading (a row).
#[napi(object, js_name = "ReadingRecord")]
pub struct ReadingRecord {
    /// Reading time, ms since the epoch or RFC 3339.
    #[napi(ts_type = "number | string")]
    pub ts: TimeJs,
    /// Active power, kW.
    pub power_kw: f64,
    /// Cumulative reactive energy counter, kvarh, if measured.
    pub reactive_energy_kvarh: Option<f64>,
}

/// Readings: an array of records or an object of columns.
pub type Readings = Either<Vec<ReadingRecord>, ReadingColumns>;

/// Interval energy as columns: each value is the energy of the interval of `intervalS` seconds
/// that ENDS at its time (15-minute registers, the UCI steel plant data set).
#[napi(object, js_name = "IntervalColumns")]
pub struct IntervalColumns {
    /// Interval end times.
    #[napi(ts_type = "Float64Array | BigInt64Array | Array<number | string>")]
    pub ts: TimeColumn,
    /// Energy of each interval, kWh (>= 0).
    #[napi(ts_type = "Float64Array | number[]")]
    pub energy_kwh: NumberColumn,
    /// Length of the intervals, seconds.
    pub interval_s: f64,
}

/// What energy can be computed from: power readings (records or columns) or interval energy.
pub type EnergyInput = Either3<Vec<ReadingRecord>, ReadingColumns, IntervalColumns>;

/// Energy input converted to enms columns.
pub enum EnergyData {
    /// Instantaneous power readings.
    Power(ReadingsData),
    /// Interval energy labelled by interval end.
    Intervals {
        /// Interval ends, UTC microseconds.
        ts: Vec<Timestamp>,
        /// Energy per interval, kWh.
        energy_kwh: Vec<f64>,
        /// Interval length, microseconds.
        interval_us: i64,
    },
}

/// Energy input (power readings or interval energy) to enms columns.
pub fn energy_input(e: &EnergyInput) -> Fallible<EnergyData> {
    Ok(match e {
        Either3::A(rows) => EnergyData::Power(records(rows)?),
        Either3::B(cols) => EnergyData::Power(ReadingsData {
            ts: time_column(&cols.ts, "ts")?,
            power_kw: number_column(&cols.power_kw),
            reactive_kvarh: cols.reactive_energy_kvarh.as_ref().map(number_column),
        }),
        Either3::C(iv) => EnergyData::Intervals {
            ts: time_column(&iv.ts, "ts")?,
            energy_kwh: number_column(&iv.energy_kwh),
            interval_us: seconds_to_us(iv.interval_s, "interval_s")?,
        },
    })
}

/// A duration in seconds to microseconds (a non-finite one names `column`).
pub fn seconds_to_us(s: f64, column: &str) -> Fallible<i64> {
    ms_to_us(s * 1000.0, column, 0)
}

/// Per-interval quantities (production counts), each labelled by the END of its interval.
#[napi(object, js_name = "QuantityColumns")]
pub struct QuantityColumns {
    /// Interval end times.
    #[napi(ts_type = "Float64Array | BigInt64Array | Array<number | string>")]
    pub ts: TimeColumn,
    /// Values (>= 0).
    #[napi(ts_type = "Float64Array | number[]")]
    pub values: NumberColumn,
}

/// A half-open time range `[start, end)`.
#[napi(object, js_name = "TimeRange")]
pub struct RangeJs {
    /// First instant (ms or RFC 3339).
    #[napi(ts_type = "number | string")]
    pub start: TimeJs,
    /// First instant after the range (ms or RFC 3339).
    #[napi(ts_type = "number | string")]
    pub end: TimeJs,
}

/// Readings converted to enms columns.
pub struct ReadingsData {
    /// Timestamps, UTC microseconds.
    pub ts: Vec<Timestamp>,
    /// Power, kW.
    pub power_kw: Vec<f64>,
    /// Reactive energy counter, kvarh, when given.
    pub reactive_kvarh: Option<Vec<f64>>,
}

/// Milliseconds (JS time) to enms microseconds; `column` and `index` name the value in errors.
pub fn ms_to_us(ms: f64, column: &str, index: usize) -> Fallible<Timestamp> {
    if !ms.is_finite() {
        return Err(Error::NonFinite {
            column: column.into(),
            index,
            value: ms.to_string(),
        }
        .into());
    }
    let us = (ms * 1000.0).round();
    if us.abs() >= i64::MAX as f64 {
        return Err(Error::TimestampOutOfRange {
            value: if us > 0.0 { i64::MAX } else { i64::MIN },
        }
        .into());
    }
    Ok(us as Timestamp)
}

/// enms microseconds to JS milliseconds.
pub fn us_to_ms(us: Timestamp) -> f64 {
    us as f64 / 1000.0
}

/// Times in ms to a `Float64Array`.
pub fn ms_column(ts: &[Timestamp]) -> Float64Array {
    Float64Array::new(ts.iter().map(|&t| us_to_ms(t)).collect())
}

/// One JS time to enms microseconds.
pub fn time(t: &TimeJs, column: &str, index: usize) -> Fallible<Timestamp> {
    match t {
        Either::A(ms) => ms_to_us(*ms, column, index),
        Either::B(s) => parse_rfc3339(s).map_err(|e| match e {
            Error::Parse { value, reason, .. } => Error::Parse {
                column: column.into(),
                index,
                value,
                reason,
            }
            .into(),
            other => other.into(),
        }),
    }
}

/// A column of JS times to enms microseconds.
pub fn time_column(c: &TimeColumn, column: &str) -> Fallible<Vec<Timestamp>> {
    match c {
        Either3::A(ms) => ms
            .iter()
            .enumerate()
            .map(|(i, &v)| ms_to_us(v, column, i))
            .collect(),
        Either3::B(us) => Ok(us.to_vec()),
        Either3::C(v) => v
            .iter()
            .enumerate()
            .map(|(i, t)| time(t, column, i))
            .collect(),
    }
}

/// A column of numbers to a `Vec`.
pub fn number_column(c: &NumberColumn) -> Vec<f64> {
    match c {
        Either::A(a) => a.to_vec(),
        Either::B(v) => v.clone(),
    }
}

/// Rows of readings to enms columns.
pub fn records(rows: &[ReadingRecord]) -> Fallible<ReadingsData> {
    let mut ts = Vec::with_capacity(rows.len());
    let mut power_kw = Vec::with_capacity(rows.len());
    let mut reactive = Vec::with_capacity(rows.len());
    let mut any_reactive = false;
    for (i, row) in rows.iter().enumerate() {
        ts.push(time(&row.ts, "ts", i)?);
        power_kw.push(row.power_kw);
        any_reactive |= row.reactive_energy_kvarh.is_some();
        reactive.push(row.reactive_energy_kvarh.unwrap_or(f64::NAN));
    }
    Ok(ReadingsData {
        ts,
        power_kw,
        reactive_kvarh: any_reactive.then_some(reactive),
    })
}

/// Readings (records or columns) to enms columns.
pub fn readings(r: &Readings) -> Fallible<ReadingsData> {
    match r {
        Either::A(rows) => records(rows),
        Either::B(cols) => Ok(ReadingsData {
            ts: time_column(&cols.ts, "ts")?,
            power_kw: number_column(&cols.power_kw),
            reactive_kvarh: cols.reactive_energy_kvarh.as_ref().map(number_column),
        }),
    }
}

/// A JS range to an enms range (validated by enms-core).
pub fn range(r: &RangeJs) -> Fallible<TimeRange> {
    Ok(TimeRange::new(
        time(&r.start, "start", 0)?,
        time(&r.end, "end", 0)?,
    )?)
}

/// A serde value to an enms type; a mismatch is an invalid parameter named `name`.
pub fn from_json<T: serde::de::DeserializeOwned>(
    name: &str,
    value: serde_json::Value,
) -> Fallible<T> {
    serde_json::from_value(value).map_err(|e| {
        Error::InvalidParameter {
            name: name.into(),
            reason: e.to_string(),
        }
        .into()
    })
}

/// Deepest nesting of a JS value read as JSON: options are a few levels deep, and a cyclic object
/// would never end.
const MAX_JSON_DEPTH: usize = 32;

/// Most elements of an array read as JSON: more than any option holds (and a sparse
/// `new Array(1e9)` would otherwise fill the memory).
const MAX_JSON_ELEMENTS: u32 = 1 << 20;

/// A JS value given as options (plain objects, arrays, strings, booleans, finite numbers, `null`)
/// as JSON, for enms-core's strict readers (`enms_core::options::from_json_value`). Properties
/// that are `undefined` are left out, as JSON has no such value; whole numbers become JSON
/// integers, so counts read as counts; a typed array reads as an array of its numbers.
///
/// Refused, as `ENMS_INVALID_PARAMETER` naming the value's path in enms' snake_case
/// (`smoothing_c[2]`; `what` for the value itself): NaN and infinities, BigInts, functions and
/// symbols, arrays of more than 2^20 elements, nesting deeper than 32 levels (a cyclic object).
/// napi's own conversion to `serde_json::Value` cannot be used here: it turns NaN into a
/// message without a code, and a BigInt or a cyclic object into a panic or a stack overflow.
pub fn json_of(value: JsUnknown, what: &str) -> Fallible<Value> {
    json_at(value, what, "", 0)
}

/// `path` (JS names, `a.b[2]`) in enms' snake_case: `splitCriterion.penalisedBic` ->
/// `split_criterion.penalised_bic`.
fn snake_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn json_at(value: JsUnknown, what: &str, path: &str, depth: usize) -> Fallible<Value> {
    let bad = |reason: String| -> JsErrorParts {
        Error::InvalidParameter {
            name: if path.is_empty() {
                what.to_string()
            } else {
                snake_path(path)
            },
            reason,
        }
        .into()
    };
    // napi fails only on values it cannot read (a throwing getter, a key with a NUL)
    let napi = |e: napi::Error| bad(e.reason);
    if depth > MAX_JSON_DEPTH {
        // named by the outermost key: the path of a cyclic object repeats itself
        let top = path.split(['.', '[']).next().unwrap_or_default();
        return Err(Error::InvalidParameter {
            name: snake_path(top),
            reason: format!("nested more than {MAX_JSON_DEPTH} levels deep (a cyclic object?)"),
        }
        .into());
    }
    let ty = value.get_type().map_err(napi)?;
    Ok(match ty {
        ValueType::Undefined | ValueType::Null => Value::Null,
        ValueType::Boolean => Value::Bool(
            JsBoolean::try_from(value)
                .and_then(|b| b.get_value())
                .map_err(napi)?,
        ),
        ValueType::String => Value::String(
            JsString::try_from(value)
                .and_then(|s| s.into_utf8())
                .and_then(|s| s.into_owned())
                .map_err(napi)?,
        ),
        ValueType::Number => {
            let n = JsNumber::try_from(value)
                .and_then(|n| n.get_double())
                .map_err(napi)?;
            json_number(n).ok_or_else(|| bad(format!("must be a finite number, got {n}")))?
        }
        ValueType::Object => {
            let obj = JsObject::try_from(value).map_err(napi)?;
            let len = if obj.is_array().map_err(napi)? {
                Some(obj.get_array_length().map_err(napi)?)
            } else if obj.is_typedarray().map_err(napi)? {
                let len: JsNumber = obj.get_named_property_unchecked("length").map_err(napi)?;
                Some(len.get_uint32().map_err(napi)?)
            } else {
                None
            };
            match len {
                Some(len) if len > MAX_JSON_ELEMENTS => {
                    return Err(bad(format!(
                        "{len} elements, more than any option holds (at most {MAX_JSON_ELEMENTS})"
                    )))
                }
                Some(len) => {
                    let mut out = Vec::with_capacity(len.min(1024) as usize);
                    for i in 0..len {
                        let v: JsUnknown = obj.get_element(i).map_err(napi)?;
                        out.push(json_at(v, what, &format!("{path}[{i}]"), depth + 1)?);
                    }
                    Value::Array(out)
                }
                None => {
                    let mut map = serde_json::Map::new();
                    for key in Object::keys(&obj).map_err(napi)? {
                        let v: JsUnknown = obj.get_named_property_unchecked(&key).map_err(napi)?;
                        if v.get_type().map_err(napi)? == ValueType::Undefined {
                            continue;
                        }
                        let p = if path.is_empty() {
                            key.clone()
                        } else {
                            format!("{path}.{key}")
                        };
                        let v = json_at(v, what, &p, depth + 1)?;
                        map.insert(key, v);
                    }
                    Value::Object(map)
                }
            }
        }
        ValueType::BigInt => return Err(bad("is a BigInt: give a number".into())),
        other => {
            return Err(bad(format!(
                "is a {other:?}: options are objects, arrays, strings, booleans and numbers"
            )))
        }
    })
}

/// A finite JS number as JSON: whole numbers as integers (exact up to 2^53), others as floats.
fn json_number(n: f64) -> Option<Value> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if !n.is_finite() {
        None
    } else if n.fract() == 0.0 && n.abs() <= EXACT {
        Some(Value::from(n as i64))
    } else {
        serde_json::Number::from_f64(n).map(Value::Number)
    }
}
