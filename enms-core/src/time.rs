//! Time inside enms: one unit, one zone.
//!
//! A timestamp is an `i64` count of **microseconds since 1970-01-01T00:00:00Z** (the unit of
//! PostgreSQL/TimescaleDB `timestamptz`, of Arrow `timestamp[us, UTC]` and of polars' default
//! datetime). Everything inside enms is UTC; a time zone appears only where a calendar matters
//! (local-day buckets, tariff periods, shifts) and is then an IANA name resolved with chrono-tz.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// Microseconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// Microseconds in one second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
/// Microseconds in one minute.
pub const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
/// Microseconds in one hour.
pub const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
/// Microseconds in one (24-hour) day.
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// Hours in a microsecond: multiply kW by `dt_us * HOURS_PER_MICRO` to get kWh.
pub const HOURS_PER_MICRO: f64 = 1.0 / MICROS_PER_HOUR as f64;

/// Converts a timestamp to a chrono UTC date-time.
pub fn to_datetime(ts: Timestamp) -> Result<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_micros(ts).ok_or(Error::TimestampOutOfRange { value: ts })
}

/// Converts a chrono date-time (any zone) to a timestamp.
pub fn from_datetime<T: TimeZone>(dt: &DateTime<T>) -> Timestamp {
    dt.timestamp_micros()
}

/// Formats a timestamp as RFC 3339 in UTC (`2025-01-06T00:00:00Z`, with fractional seconds only
/// when there are any).
pub fn format_rfc3339(ts: Timestamp) -> String {
    match to_datetime(ts) {
        Ok(dt) => dt.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        Err(_) => format!("<out of range: {ts} us>"),
    }
}

/// Parses an RFC 3339 timestamp (any offset) into UTC microseconds.
pub fn parse_rfc3339(s: &str) -> Result<Timestamp> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|dt| dt.timestamp_micros())
        .map_err(|e| Error::Parse {
            column: "timestamp".into(),
            index: 0,
            value: s.to_string(),
            reason: e.to_string(),
        })
}

/// Parses a local date `YYYY-MM-DD` (the instant that day begins in `tz`: local midnight, or the
/// end of the gap where clocks skip midnight) or an RFC 3339 instant (any offset); `column` names
/// the value in errors. Shared by the simulator CLI and the faces, so `2025-01-06` means the same
/// instant everywhere.
pub fn parse_date_or_instant(column: &str, s: &str, tz: Tz) -> Result<Timestamp> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        return Ok(local_to_utc(d.and_time(chrono::NaiveTime::MIN), tz, None));
    }
    DateTime::parse_from_rfc3339(s.trim())
        .map(|dt| dt.timestamp_micros())
        .map_err(|e| Error::Parse {
            column: column.into(),
            index: 0,
            value: s.to_string(),
            reason: format!("neither a date (YYYY-MM-DD) nor an RFC 3339 instant: {e}"),
        })
}

/// Resolves an IANA time zone name (`Europe/Berlin`, `UTC`).
pub fn parse_tz(name: &str) -> Result<Tz> {
    name.parse::<Tz>()
        .map_err(|_| Error::UnknownTimeZone(name.to_string()))
}

/// Local wall-clock time of `ts` in `tz`.
pub fn to_local(ts: Timestamp, tz: Tz) -> Result<NaiveDateTime> {
    Ok(to_datetime(ts)?.with_timezone(&tz).naive_local())
}

/// The UTC instant at which local wall-clock time `local` begins in `tz`.
///
/// Wall-clock times that occur twice (the repeated hour when clocks go back) resolve to the
/// **latest occurrence that is not after `not_after`** (or the earliest one when `not_after` is
/// `None`); wall-clock times that do not exist (the hour skipped when clocks go forward) resolve to
/// the first instant after the gap, the first instant whose local time is later than `local`.
pub fn local_to_utc(local: NaiveDateTime, tz: Tz, not_after: Option<Timestamp>) -> Timestamp {
    use chrono::LocalResult;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => dt.timestamp_micros(),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.timestamp_micros(), b.timestamp_micros());
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            match not_after {
                Some(limit) if late <= limit => late,
                _ => early,
            }
        }
        LocalResult::None => {
            // Inside a gap. Interpreting `local` with the offset in force a day earlier and a day
            // later brackets the transition; search the first whole minute whose local time is
            // past `local`. Transitions happen on whole minutes in the IANA database.
            let naive_utc = local.and_utc().timestamp_micros();
            let off = |t: Timestamp| -> i64 {
                to_datetime(t)
                    .map(|d| {
                        let l = d
                            .with_timezone(&tz)
                            .naive_local()
                            .and_utc()
                            .timestamp_micros();
                        l - t
                    })
                    .unwrap_or(0)
            };
            let before = off(naive_utc - MICROS_PER_DAY);
            let after = off(naive_utc + MICROS_PER_DAY);
            let mut lo = (naive_utc - before.max(after)).div_euclid(MICROS_PER_MINUTE);
            let mut hi = (naive_utc - before.min(after)).div_euclid(MICROS_PER_MINUTE) + 1;
            // invariant: local(lo) <= local, local(hi) > local
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let t = mid * MICROS_PER_MINUTE;
                if t + off(t) > naive_utc {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            hi * MICROS_PER_MINUTE
        }
    }
}

/// A half-open time range `[start, end)` in UTC microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeRange {
    /// First instant in the range.
    pub start: Timestamp,
    /// First instant after the range.
    pub end: Timestamp,
}

impl TimeRange {
    /// A validated range: `end` must be after `start`.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self> {
        if end <= start {
            return Err(Error::invalid(
                "end",
                format!(
                    "must be after start ({} <= {})",
                    format_rfc3339(end),
                    format_rfc3339(start)
                ),
            ));
        }
        Ok(TimeRange { start, end })
    }

    /// Length in microseconds.
    pub fn duration_us(&self) -> i64 {
        self.end - self.start
    }

    /// Length in hours.
    pub fn hours(&self) -> f64 {
        self.duration_us() as f64 * HOURS_PER_MICRO
    }

    /// Whether `ts` falls inside the range.
    pub fn contains(&self, ts: Timestamp) -> bool {
        ts >= self.start && ts < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn dates_are_local_midnight_instants_pass_through() {
        let berlin = parse_tz("Europe/Berlin").unwrap();
        let d = parse_date_or_instant("start", "2025-01-06", berlin).unwrap();
        assert_eq!(d, parse_rfc3339("2025-01-05T23:00:00Z").unwrap());
        let i = parse_date_or_instant("start", "2025-01-06T00:00:00Z", berlin).unwrap();
        assert_eq!(i, parse_rfc3339("2025-01-06T00:00:00Z").unwrap());
        let e = parse_date_or_instant("start", "next monday", berlin).unwrap_err();
        assert_eq!(e.code(), "PARSE");
        assert_eq!(e.field(), Some("start"));
    }

    #[test]
    fn rfc3339_round_trip() {
        let ts = parse_rfc3339("2025-01-06T00:00:01.5Z").unwrap();
        assert_eq!(ts, 1_736_121_601_500_000);
        assert_eq!(format_rfc3339(ts), "2025-01-06T00:00:01.500Z");
        assert_eq!(
            format_rfc3339(parse_rfc3339("2025-01-06T01:00:00+01:00").unwrap()),
            "2025-01-06T00:00:00Z"
        );
    }

    #[test]
    fn gap_resolves_to_transition() {
        let tz = parse_tz("Europe/Berlin").unwrap();
        // 2025-03-30 02:30 local does not exist; clocks jump from 02:00 (+1) to 03:00 (+2) at 01:00Z.
        let local = NaiveDate::from_ymd_opt(2025, 3, 30)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            format_rfc3339(local_to_utc(local, tz, None)),
            "2025-03-30T01:00:00Z"
        );
    }

    #[test]
    fn ambiguous_picks_latest_not_after() {
        let tz = parse_tz("Europe/Berlin").unwrap();
        // 2025-10-26 02:00 local happens at 00:00Z (+2) and again at 01:00Z (+1).
        let local = NaiveDate::from_ymd_opt(2025, 10, 26)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap();
        let first = parse_rfc3339("2025-10-26T00:00:00Z").unwrap();
        let second = parse_rfc3339("2025-10-26T01:00:00Z").unwrap();
        assert_eq!(local_to_utc(local, tz, None), first);
        assert_eq!(local_to_utc(local, tz, Some(first + 1)), first);
        assert_eq!(local_to_utc(local, tz, Some(second + 1)), second);
    }

    #[test]
    fn unknown_tz_is_an_error() {
        assert_eq!(
            parse_tz("Mars/Olympus"),
            Err(Error::UnknownTimeZone("Mars/Olympus".into()))
        );
    }
}
