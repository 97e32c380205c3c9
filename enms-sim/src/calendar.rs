//! The local calendar of a factory, precomputed per minute so the hot loops never call chrono.
//!
//! Shifts, weekends and the daily temperature cycle follow local wall-clock time, while everything
//! inside enms is UTC microseconds. For a span of UTC minutes this module finds the UTC offset of
//! each minute (chrono-tz is asked once per hour; an offset change inside an hour is located by
//! bisection, so 23- and 25-hour DST days come out right) and derives the local day number,
//! minute of day, weekday and day of year with integer civil-calendar arithmetic (Howard
//! Hinnant's `civil_from_days`, <https://howardhinnant.github.io/date_algorithms.html>).
//!
//! Shifts are the classic three-shift system: early 06:00-14:00, late 14:00-22:00 and night
//! 22:00-06:00 local time. A night shift belongs to the day on which it starts.

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use enms_core::time::{Timestamp, MICROS_PER_MINUTE};

/// Minutes in a day.
pub const MINUTES_PER_DAY: i64 = 1440;

/// One of the three shifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shift {
    /// 06:00-14:00 local.
    Early,
    /// 14:00-22:00 local.
    Late,
    /// 22:00-06:00 local (belongs to the day it starts on).
    Night,
}

impl Shift {
    /// Index into per-shift tables: early 0, late 1, night 2.
    pub fn index(self) -> usize {
        match self {
            Shift::Early => 0,
            Shift::Late => 1,
            Shift::Night => 2,
        }
    }
}

/// Calendar facts of one UTC minute, in the factory's local time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalMinute {
    /// Local day number (days since 1970-01-01 in local time).
    pub local_day: i64,
    /// Minute of the local day, 0..1440.
    pub minute_of_day: u32,
    /// Weekday of the local day, Monday = 0 .. Sunday = 6.
    pub weekday: u32,
    /// Day of the local year, 1..=366.
    pub day_of_year: u32,
    /// The shift this minute belongs to.
    pub shift: Shift,
    /// Weekday (Monday = 0) of the day the shift started on.
    pub shift_weekday: u32,
    /// Local day number the shift started on.
    pub shift_day: i64,
    /// Minutes since the shift started (by wall clock).
    pub minute_of_shift: u32,
}

/// UTC offset of `tz` at UTC minute `minute`, in minutes.
pub fn utc_offset_minutes(tz: Tz, minute: i64) -> i64 {
    let secs = minute * 60;
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(dt) => {
            i64::from(
                tz.offset_from_utc_datetime(&dt.naive_utc())
                    .fix()
                    .local_minus_utc(),
            ) / 60
        }
        None => 0,
    }
}

/// UTC offsets (minutes) of every UTC minute in `[m0, m1)`.
pub fn offsets(tz: Tz, m0: i64, m1: i64) -> Vec<i32> {
    let n = (m1 - m0).max(0) as usize;
    let mut out = Vec::with_capacity(n);
    let mut m = m0;
    let mut off = utc_offset_minutes(tz, m);
    while m < m1 {
        let next = ((m.div_euclid(60)) + 1) * 60;
        let next = next.min(m1);
        let off_next = utc_offset_minutes(tz, next);
        if off_next == off {
            out.extend(std::iter::repeat_n(off as i32, (next - m) as usize));
        } else {
            // A transition inside (m, next]: find the first minute with the new offset.
            let (mut lo, mut hi) = (m, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if utc_offset_minutes(tz, mid) == off {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.extend(std::iter::repeat_n(off as i32, (hi - m) as usize));
            let off_hi = utc_offset_minutes(tz, hi);
            out.extend(std::iter::repeat_n(off_hi as i32, (next - hi) as usize));
        }
        m = next;
        off = off_next;
    }
    out
}

/// `(year, month, day)` of a day number (days since 1970-01-01), proleptic Gregorian.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day number (days since 1970-01-01) of a civil date, proleptic Gregorian.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Weekday of a day number, Monday = 0.
pub fn weekday(day: i64) -> u32 {
    (day + 3).rem_euclid(7) as u32
}

/// The calendar facts of UTC minute `minute` whose UTC offset is `offset_min`.
pub fn local_minute(minute: i64, offset_min: i64) -> LocalMinute {
    let local = minute + offset_min;
    let local_day = local.div_euclid(MINUTES_PER_DAY);
    let minute_of_day = local.rem_euclid(MINUTES_PER_DAY) as u32;
    let (y, _, _) = civil_from_days(local_day);
    let day_of_year = (local_day - days_from_civil(y, 1, 1) + 1) as u32;
    let (shift, shift_day, minute_of_shift) = match minute_of_day {
        360..=839 => (Shift::Early, local_day, minute_of_day - 360),
        840..=1319 => (Shift::Late, local_day, minute_of_day - 840),
        1320.. => (Shift::Night, local_day, minute_of_day - 1320),
        _ => (Shift::Night, local_day - 1, minute_of_day + 120),
    };
    LocalMinute {
        local_day,
        minute_of_day,
        weekday: weekday(local_day),
        day_of_year,
        shift,
        shift_weekday: weekday(shift_day),
        shift_day,
        minute_of_shift,
    }
}

/// UTC minute index containing `ts` (floor).
pub fn minute_of(ts: Timestamp) -> i64 {
    ts.div_euclid(MICROS_PER_MINUTE)
}

/// Formats a timestamp as RFC 3339 UTC (`2025-01-06T00:00:01Z`) into `out`, with fractional
/// seconds only when present (3 digits for whole milliseconds, else 6), like
/// [`enms_core::time::format_rfc3339`] but without chrono or allocation.
pub fn push_rfc3339(out: &mut String, ts: Timestamp) {
    let secs = ts.div_euclid(1_000_000);
    let micros = ts.rem_euclid(1_000_000);
    let day = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(day);
    if !(0..=9999).contains(&y) {
        // Outside the four-digit range: fall back to the general formatter.
        out.push_str(&enms_core::time::format_rfc3339(ts));
        return;
    }
    fn put(buf: &mut [u8; 32], n: &mut usize, v: i64, width: usize) {
        let mut v = v;
        for k in (0..width).rev() {
            buf[*n + k] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        *n += width;
    }
    fn sep(buf: &mut [u8; 32], n: &mut usize, c: u8) {
        buf[*n] = c;
        *n += 1;
    }
    let mut buf = [0u8; 32];
    let mut n = 0;
    put(&mut buf, &mut n, y, 4);
    sep(&mut buf, &mut n, b'-');
    put(&mut buf, &mut n, i64::from(m), 2);
    sep(&mut buf, &mut n, b'-');
    put(&mut buf, &mut n, i64::from(d), 2);
    sep(&mut buf, &mut n, b'T');
    put(&mut buf, &mut n, sod / 3600, 2);
    sep(&mut buf, &mut n, b':');
    put(&mut buf, &mut n, (sod / 60) % 60, 2);
    sep(&mut buf, &mut n, b':');
    put(&mut buf, &mut n, sod % 60, 2);
    if micros != 0 {
        sep(&mut buf, &mut n, b'.');
        if micros % 1000 == 0 {
            put(&mut buf, &mut n, micros / 1000, 3);
        } else {
            put(&mut buf, &mut n, micros, 6);
        }
    }
    sep(&mut buf, &mut n, b'Z');
    // Only ASCII digits and separators were written.
    out.extend(buf[..n].iter().map(|&b| b as char));
}

/// The start of a simulated span as people write it: a local date (`2025-01-06`, midnight in the
/// factory's time zone `timezone`) or an RFC 3339 instant (`2025-01-06T00:00:00Z`). The CLI's
/// `--start` and the faces' `start` read it the same way.
pub fn parse_start(s: &str, timezone: &str) -> crate::Result<Timestamp> {
    let tz = enms_core::time::parse_tz(timezone)?;
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let midnight = d
            .and_hms_opt(0, 0, 0)
            .ok_or_else(|| crate::Error::invalid("start", "invalid date"))?;
        return Ok(enms_core::time::local_to_utc(midnight, tz, None));
    }
    enms_core::time::parse_rfc3339(s).map_err(|_| {
        crate::Error::invalid(
            "start",
            format!(
                "`{s}` is neither a date (YYYY-MM-DD) nor an RFC 3339 instant \
                 (2025-01-06T00:00:00Z)"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use enms_core::time::{format_rfc3339, parse_rfc3339, parse_tz, to_local};
    use proptest::prelude::*;

    #[test]
    fn civil_round_trip() {
        for day in -800_000..800_000i64 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(weekday(0), 3); // Thursday
        assert_eq!(weekday(days_from_civil(2025, 1, 6)), 0); // Monday
    }

    #[test]
    fn offsets_match_chrono_across_dst() {
        let tz = parse_tz("Europe/Berlin").unwrap();
        let m0 = minute_of(parse_rfc3339("2025-03-29T00:00:00Z").unwrap());
        let m1 = minute_of(parse_rfc3339("2025-10-28T00:00:00Z").unwrap());
        let offs = offsets(tz, m0, m1);
        for (k, off) in offs.iter().enumerate().step_by(7) {
            assert_eq!(i64::from(*off), utc_offset_minutes(tz, m0 + k as i64));
        }
        // Clocks go forward at 01:00Z on 2025-03-30.
        let jump = minute_of(parse_rfc3339("2025-03-30T01:00:00Z").unwrap());
        assert_eq!(offs[(jump - m0 - 1) as usize], 60);
        assert_eq!(offs[(jump - m0) as usize], 120);
        // A half-hour zone with a transition that is not on a whole UTC hour.
        let lhi = parse_tz("Australia/Lord_Howe").unwrap();
        let a = minute_of(parse_rfc3339("2025-04-05T00:00:00Z").unwrap());
        let offs = offsets(lhi, a, a + 2 * 1440);
        for (k, off) in offs.iter().enumerate() {
            assert_eq!(
                i64::from(*off),
                utc_offset_minutes(lhi, a + k as i64),
                "minute {k}"
            );
        }
    }

    #[test]
    fn local_minute_matches_chrono() {
        use chrono::{Datelike, Timelike};
        let tz = parse_tz("Europe/Berlin").unwrap();
        let m0 = minute_of(parse_rfc3339("2024-12-30T00:00:00Z").unwrap());
        for k in (0..3 * 1440).step_by(13) {
            let m = m0 + k;
            let lm = local_minute(m, utc_offset_minutes(tz, m));
            let l = to_local(m * MICROS_PER_MINUTE, tz).unwrap();
            assert_eq!(lm.minute_of_day, l.hour() * 60 + l.minute());
            assert_eq!(lm.day_of_year, l.ordinal());
            assert_eq!(lm.weekday, l.weekday().num_days_from_monday());
        }
        // 05:59 local on a Monday is the Sunday night shift, 480 - 1 minutes in.
        let ts = parse_rfc3339("2025-01-06T05:59:00+01:00").unwrap();
        let lm = local_minute(minute_of(ts), 60);
        assert_eq!(
            (lm.shift, lm.shift_weekday, lm.minute_of_shift),
            (Shift::Night, 6, 479)
        );
    }

    proptest! {
        #[test]
        fn rfc3339_matches_core(ts in -62_135_596_800_000_000i64..253_402_300_799_000_000i64, mode in 0u8..3) {
            let ts = match mode { 0 => ts - ts.rem_euclid(1_000_000), 1 => ts - ts.rem_euclid(1000), _ => ts };
            let mut s = String::new();
            push_rfc3339(&mut s, ts);
            prop_assert_eq!(s, format_rfc3339(ts));
        }
    }

    #[test]
    fn start_is_a_local_date_or_an_instant() {
        let berlin = parse_start("2025-01-06", "Europe/Berlin").unwrap();
        assert_eq!(
            enms_core::time::format_rfc3339(berlin),
            "2025-01-05T23:00:00Z"
        );
        let utc = parse_start("2025-01-06T00:00:00Z", "Europe/Berlin").unwrap();
        assert_eq!(utc - berlin, 3_600_000_000);
        assert!(parse_start("next tuesday", "Europe/Berlin").is_err());
        assert!(parse_start("2025-01-06", "Mars/Olympus").is_err());
    }
}
