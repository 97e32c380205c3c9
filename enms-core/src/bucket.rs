//! Time buckets with TimescaleDB `time_bucket` semantics.
//!
//! A bucket is labelled by its **start**. For widths without months, buckets are aligned to the
//! origin 2000-01-03 00:00 (a Monday), so weekly buckets start on Mondays; month widths are aligned
//! to 2000-01-01. Without a time zone, buckets are computed in UTC:
//!
//! `start = origin + floor((ts - origin) / width) * width`.
//!
//! With a time zone (IANA name), buckets follow local wall-clock time, as in TimescaleDB's
//! `time_bucket(width, ts, timezone)`: the origin is 2000-01-03 00:00 local, and
//! - widths of a day or more (days, weeks, months) cover whole local days, so the day on which
//!   clocks change has 23 or 25 hours;
//! - widths under a day are wall-clock slots that never straddle a clock change: on the day clocks
//!   go back the repeated hour gives its own buckets (25 hourly or 100 quarter-hour buckets), and on
//!   the day they go forward the skipped hour gives none (23 hourly buckets). A slot cut by a clock
//!   change starts or ends at the change.
//!
//! Every bucket is a half-open UTC range `[start, end)`; consecutive buckets tile the time line.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::time::{
    local_to_utc, parse_tz, to_datetime, Timestamp, MICROS_PER_DAY, MICROS_PER_HOUR,
    MICROS_PER_MINUTE, MICROS_PER_SECOND,
};

/// TimescaleDB's default origin for widths without months: 2000-01-03 00:00:00 UTC, a Monday.
pub const DEFAULT_ORIGIN_US: Timestamp = 946_857_600 * MICROS_PER_SECOND;

/// The width of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BucketWidth {
    /// A fixed duration in microseconds (minutes, hours, days, weeks).
    Micros(i64),
    /// A number of calendar months.
    Months(u32),
}

impl BucketWidth {
    /// One minute.
    pub const MINUTE: BucketWidth = BucketWidth::Micros(MICROS_PER_MINUTE);
    /// Fifteen minutes (the billing demand interval in most markets).
    pub const QUARTER_HOUR: BucketWidth = BucketWidth::Micros(15 * MICROS_PER_MINUTE);
    /// One hour.
    pub const HOUR: BucketWidth = BucketWidth::Micros(MICROS_PER_HOUR);
    /// One day.
    pub const DAY: BucketWidth = BucketWidth::Micros(MICROS_PER_DAY);

    /// A fixed width in whole seconds (must be > 0).
    pub fn seconds(s: i64) -> Result<Self> {
        Self::micros(s.checked_mul(MICROS_PER_SECOND).unwrap_or(0))
    }

    /// A fixed width in microseconds (must be > 0).
    pub fn micros(us: i64) -> Result<Self> {
        if us <= 0 {
            return Err(Error::invalid(
                "width",
                format!("a bucket width must be positive, got {us} us"),
            ));
        }
        Ok(BucketWidth::Micros(us))
    }

    /// Width in microseconds for fixed widths; `None` for months.
    pub fn as_micros(&self) -> Option<i64> {
        match self {
            BucketWidth::Micros(us) => Some(*us),
            BucketWidth::Months(_) => None,
        }
    }

    /// Whether buckets of this width cover whole days (and so follow local days in a time zone).
    pub fn is_calendar(&self) -> bool {
        match self {
            BucketWidth::Micros(us) => *us >= MICROS_PER_DAY && us % MICROS_PER_DAY == 0,
            BucketWidth::Months(_) => true,
        }
    }

    fn validate(&self) -> Result<()> {
        match self {
            BucketWidth::Micros(us) if *us <= 0 => Err(Error::invalid(
                "width",
                format!("a bucket width must be positive, got {us} us"),
            )),
            BucketWidth::Months(0) => Err(Error::invalid(
                "width",
                "a bucket width must be positive, got 0 months",
            )),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for BucketWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BucketWidth::Months(m) => write!(f, "{m}mo"),
            BucketWidth::Micros(us) => {
                for (unit, size) in [
                    ("w", 7 * MICROS_PER_DAY),
                    ("d", MICROS_PER_DAY),
                    ("h", MICROS_PER_HOUR),
                    ("m", MICROS_PER_MINUTE),
                ] {
                    if us % size == 0 {
                        return write!(f, "{}{unit}", us / size);
                    }
                }
                if us % MICROS_PER_SECOND == 0 {
                    write!(f, "{}s", us / MICROS_PER_SECOND)
                } else {
                    write!(f, "{us}us")
                }
            }
        }
    }
}

impl FromStr for BucketWidth {
    type Err = Error;

    /// Parses `15m`, `15min`, `1h`, `1d`, `1w`, `1mo`, `30s`, `500ms`, `1 hour`, `15 minutes`, or a
    /// plain number of seconds.
    fn from_str(s: &str) -> Result<Self> {
        let text = s.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (num, unit) = text.split_at(split);
        let bad = |reason: &str| {
            Error::invalid(
                "width",
                format!("cannot parse bucket width `{s}`: {reason}"),
            )
        };
        let n: i64 = num
            .parse()
            .map_err(|_| bad("expected a number followed by a unit such as 15m, 1h, 1d"))?;
        let unit = unit.trim().to_ascii_lowercase();
        let size = match unit.as_str() {
            "" | "s" | "sec" | "secs" | "second" | "seconds" => MICROS_PER_SECOND,
            "ms" | "millisecond" | "milliseconds" => 1_000,
            "us" | "microsecond" | "microseconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => MICROS_PER_MINUTE,
            "h" | "hr" | "hrs" | "hour" | "hours" => MICROS_PER_HOUR,
            "d" | "day" | "days" => MICROS_PER_DAY,
            "w" | "week" | "weeks" => 7 * MICROS_PER_DAY,
            "mo" | "mon" | "month" | "months" => {
                let m = u32::try_from(n).map_err(|_| bad("month count out of range"))?;
                let w = BucketWidth::Months(m);
                w.validate()?;
                return Ok(w);
            }
            "y" | "year" | "years" => {
                let m = u32::try_from(n.saturating_mul(12))
                    .map_err(|_| bad("year count out of range"))?;
                let w = BucketWidth::Months(m);
                w.validate()?;
                return Ok(w);
            }
            other => return Err(bad(&format!("unknown unit `{other}`"))),
        };
        BucketWidth::micros(
            n.checked_mul(size)
                .ok_or_else(|| bad("width out of range"))?,
        )
    }
}

/// One bucket: a half-open UTC range labelled by its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// First instant of the bucket (its label).
    pub start: Timestamp,
    /// First instant of the next bucket.
    pub end: Timestamp,
}

/// How timestamps are grouped into buckets: a width, an optional time zone and an origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucketing {
    width: BucketWidth,
    timezone: Option<String>,
    #[serde(skip)]
    tz: Option<Tz>,
    /// Origin as local (or UTC) wall-clock time.
    origin: NaiveDateTime,
}

fn default_origin(width: BucketWidth) -> NaiveDateTime {
    let date = match width {
        BucketWidth::Months(_) => NaiveDate::from_ymd_opt(2000, 1, 1),
        BucketWidth::Micros(_) => NaiveDate::from_ymd_opt(2000, 1, 3),
    };
    date.and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

impl Bucketing {
    /// UTC buckets of `width` with TimescaleDB's default origin.
    pub fn new(width: BucketWidth) -> Result<Self> {
        width.validate()?;
        Ok(Bucketing {
            width,
            timezone: None,
            tz: None,
            origin: default_origin(width),
        })
    }

    /// UTC buckets of a width given as text (`15m`, `1h`, `1d`, ...).
    pub fn parse(width: &str) -> Result<Self> {
        Self::new(width.parse()?)
    }

    /// Buckets in local time of an IANA time zone (`Europe/Berlin`); `UTC` is allowed.
    pub fn with_timezone(mut self, timezone: &str) -> Result<Self> {
        let tz = parse_tz(timezone)?;
        self.timezone = Some(timezone.to_string());
        self.tz = if tz == Tz::UTC { None } else { Some(tz) };
        Ok(self)
    }

    /// Aligns buckets to another origin (wall-clock time in the bucketing's zone).
    pub fn with_origin(mut self, origin: NaiveDateTime) -> Self {
        self.origin = origin;
        self
    }

    /// The width.
    pub fn width(&self) -> BucketWidth {
        self.width
    }

    /// The time zone name, if any.
    pub fn timezone(&self) -> Option<&str> {
        self.timezone.as_deref()
    }

    fn tz(&self) -> Option<Tz> {
        // `tz` is skipped by serde; recover it from the name after deserialisation.
        self.tz.or_else(|| {
            self.timezone
                .as_deref()
                .and_then(|n| n.parse::<Tz>().ok())
                .filter(|t| *t != Tz::UTC)
        })
    }

    /// The bucket containing `ts`.
    pub fn bucket(&self, ts: Timestamp) -> Result<Bucket> {
        match (self.width, self.tz()) {
            (BucketWidth::Micros(w), None) => {
                let origin = self.origin.and_utc().timestamp_micros();
                let start = origin + (ts - origin).div_euclid(w) * w;
                Ok(Bucket {
                    start,
                    end: start + w,
                })
            }
            (BucketWidth::Micros(w), Some(tz)) if !self.width.is_calendar() => {
                self.local_slot(ts, w, tz)
            }
            (width, tz) => self.calendar_bucket(ts, width, tz),
        }
    }

    /// Label (start) of the bucket containing `ts`: TimescaleDB's `time_bucket`.
    pub fn label(&self, ts: Timestamp) -> Result<Timestamp> {
        Ok(self.bucket(ts)?.start)
    }

    /// All buckets overlapping `[start, end)`, in order.
    pub fn buckets_between(&self, start: Timestamp, end: Timestamp) -> Result<Vec<Bucket>> {
        let mut out = Vec::new();
        if end <= start {
            return Ok(out);
        }
        let mut b = self.bucket(start)?;
        loop {
            out.push(b);
            if b.end >= end {
                return Ok(out);
            }
            b = self.bucket(b.end)?;
        }
    }

    /// Sub-day slot in local time that never straddles a change of UTC offset.
    fn local_slot(&self, ts: Timestamp, w: i64, tz: Tz) -> Result<Bucket> {
        let offset = |t: Timestamp| -> Result<i64> {
            let dt = to_datetime(t)?;
            Ok(tz
                .offset_from_utc_datetime(&dt.naive_utc())
                .fix()
                .local_minus_utc() as i64
                * MICROS_PER_SECOND)
        };
        let off = offset(ts)?;
        let origin = self.origin.and_utc().timestamp_micros();
        let local = ts + off;
        let label_local = origin + (local - origin).div_euclid(w) * w;
        let mut start = label_local - off;
        let mut end = start + w;
        // A change of offset inside the slot cuts it: find the change by bisection on seconds.
        if offset(start)? != off {
            let (mut lo, mut hi) = (start, ts); // offset(lo) != off, offset(hi) == off
            while hi - lo > MICROS_PER_SECOND {
                let mid = lo + (hi - lo) / 2;
                if offset(mid)? == off {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            start = hi - hi.rem_euclid(MICROS_PER_SECOND);
            if start > ts {
                start = ts;
            }
        }
        if offset(end - 1)? != off {
            let (mut lo, mut hi) = (ts, end - 1); // offset(lo) == off, offset(hi) != off
            while hi - lo > MICROS_PER_SECOND {
                let mid = lo + (hi - lo) / 2;
                if offset(mid)? == off {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let cut = hi - hi.rem_euclid(MICROS_PER_SECOND);
            end = if cut > ts { cut } else { ts + 1 };
        }
        Ok(Bucket { start, end })
    }

    /// Buckets of whole local days, weeks or months.
    fn calendar_bucket(&self, ts: Timestamp, width: BucketWidth, tz: Option<Tz>) -> Result<Bucket> {
        let local = match tz {
            Some(tz) => to_datetime(ts)?.with_timezone(&tz).naive_local(),
            None => to_datetime(ts)?.naive_utc(),
        };
        let (label, next) = match width {
            BucketWidth::Micros(w) => {
                let origin = self.origin.and_utc().timestamp_micros();
                let l = local.and_utc().timestamp_micros();
                let label = origin + (l - origin).div_euclid(w) * w;
                let to_naive = |us: i64| to_datetime(us).map(|d| d.naive_utc());
                (to_naive(label)?, to_naive(label + w)?)
            }
            BucketWidth::Months(n) => {
                let months = |d: NaiveDateTime| d.year() as i64 * 12 + d.month0() as i64;
                let k = (months(local) - months(self.origin)).div_euclid(n as i64) * n as i64;
                let shift = |k: i64| -> Result<NaiveDateTime> {
                    let base = self.origin;
                    let r = if k >= 0 {
                        base.checked_add_months(Months::new(k as u32))
                    } else {
                        base.checked_sub_months(Months::new((-k) as u32))
                    };
                    r.ok_or(Error::TimestampOutOfRange { value: ts })
                };
                let label = shift(k)?;
                // Month buckets start at the origin's time of day; a local time before it on the
                // first day belongs to the previous bucket.
                if local < label {
                    (shift(k - n as i64)?, label)
                } else {
                    (label, shift(k + n as i64)?)
                }
            }
        };
        Ok(match tz {
            Some(tz) => Bucket {
                start: local_to_utc(label, tz, None),
                end: local_to_utc(next, tz, None),
            },
            None => Bucket {
                start: label.and_utc().timestamp_micros(),
                end: next.and_utc().timestamp_micros(),
            },
        })
    }
}

/// TimescaleDB's `time_bucket(width, ts)` in UTC with the default origin, for a fixed width in
/// microseconds.
pub fn time_bucket(width_us: i64, ts: Timestamp) -> Result<Timestamp> {
    if width_us <= 0 {
        return Err(Error::invalid(
            "width",
            format!("a bucket width must be positive, got {width_us} us"),
        ));
    }
    Ok(DEFAULT_ORIGIN_US + (ts - DEFAULT_ORIGIN_US).div_euclid(width_us) * width_us)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{format_rfc3339 as f, parse_rfc3339 as p};

    #[test]
    fn parses_widths() {
        assert_eq!(
            "15m".parse::<BucketWidth>().unwrap(),
            BucketWidth::QUARTER_HOUR
        );
        assert_eq!(
            "15 minutes".parse::<BucketWidth>().unwrap(),
            BucketWidth::QUARTER_HOUR
        );
        assert_eq!("1h".parse::<BucketWidth>().unwrap(), BucketWidth::HOUR);
        assert_eq!("1d".parse::<BucketWidth>().unwrap(), BucketWidth::DAY);
        assert_eq!(
            "1mo".parse::<BucketWidth>().unwrap(),
            BucketWidth::Months(1)
        );
        assert_eq!(
            "900".parse::<BucketWidth>().unwrap(),
            BucketWidth::QUARTER_HOUR
        );
        assert!(matches!(
            "0m".parse::<BucketWidth>(),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            "5 fortnights".parse::<BucketWidth>(),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            Bucketing::new(BucketWidth::Micros(0)),
            Err(Error::InvalidParameter { .. })
        ));
        assert_eq!(BucketWidth::QUARTER_HOUR.to_string(), "15m");
        assert_eq!(BucketWidth::Micros(7 * MICROS_PER_DAY).to_string(), "1w");
    }

    #[test]
    fn utc_matches_timescaledb() {
        // SELECT time_bucket('1 week', '2025-01-08 12:00Z') -> 2025-01-06 (Monday)
        let b = Bucketing::parse("1w").unwrap();
        assert_eq!(
            f(b.label(p("2025-01-08T12:00:00Z").unwrap()).unwrap()),
            "2025-01-06T00:00:00Z"
        );
        // time_bucket('15 minutes', '2025-01-06 10:14:59.999Z') -> 10:00
        let q = Bucketing::parse("15m").unwrap();
        assert_eq!(
            f(q.label(p("2025-01-06T10:14:59.999Z").unwrap()).unwrap()),
            "2025-01-06T10:00:00Z"
        );
        assert_eq!(
            f(q.label(p("2025-01-06T10:15:00Z").unwrap()).unwrap()),
            "2025-01-06T10:15:00Z"
        );
        // Before the origin: floor, not truncation.
        assert_eq!(
            f(q.label(p("1999-12-31T23:59:59Z").unwrap()).unwrap()),
            "1999-12-31T23:45:00Z"
        );
        // time_bucket('7 days', ...) and time_bucket(3 days): origin-aligned, not epoch-aligned.
        let d3 = Bucketing::parse("3d").unwrap();
        assert_eq!(
            f(d3.label(p("2000-01-04T00:00:00Z").unwrap()).unwrap()),
            "2000-01-03T00:00:00Z"
        );
        assert_eq!(
            f(d3.label(p("2000-01-06T00:00:00Z").unwrap()).unwrap()),
            "2000-01-06T00:00:00Z"
        );
        assert_eq!(
            time_bucket(15 * MICROS_PER_MINUTE, p("2025-01-06T10:20:00Z").unwrap()).unwrap(),
            p("2025-01-06T10:15:00Z").unwrap()
        );
    }

    #[test]
    fn months_follow_the_calendar() {
        let m = Bucketing::parse("1mo").unwrap();
        let b = m.bucket(p("2024-02-29T23:00:00Z").unwrap()).unwrap();
        assert_eq!(
            (f(b.start), f(b.end)),
            ("2024-02-01T00:00:00Z".into(), "2024-03-01T00:00:00Z".into())
        );
        let q = Bucketing::parse("3mo").unwrap();
        assert_eq!(
            f(q.label(p("2025-05-15T00:00:00Z").unwrap()).unwrap()),
            "2025-04-01T00:00:00Z"
        );
        let local = Bucketing::parse("1mo")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap();
        let b = local.bucket(p("2025-03-31T22:30:00Z").unwrap()).unwrap(); // 00:30 local on April 1st
        assert_eq!(
            (f(b.start), f(b.end)),
            ("2025-03-31T22:00:00Z".into(), "2025-04-30T22:00:00Z".into())
        );
    }

    #[test]
    fn local_days_have_23_or_25_hours() {
        let d = Bucketing::parse("1d")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap();
        let spring = d.bucket(p("2025-03-30T12:00:00Z").unwrap()).unwrap();
        assert_eq!(spring.end - spring.start, 23 * MICROS_PER_HOUR);
        assert_eq!(f(spring.start), "2025-03-29T23:00:00Z");
        let autumn = d.bucket(p("2025-10-26T12:00:00Z").unwrap()).unwrap();
        assert_eq!(autumn.end - autumn.start, 25 * MICROS_PER_HOUR);
        let h = Bucketing::parse("1h")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap();
        assert_eq!(
            h.buckets_between(spring.start, spring.end).unwrap().len(),
            23
        );
        assert_eq!(
            h.buckets_between(autumn.start, autumn.end).unwrap().len(),
            25
        );
        let q = Bucketing::parse("15m")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap();
        assert_eq!(
            q.buckets_between(autumn.start, autumn.end).unwrap().len(),
            100
        );
        // India is UTC+05:30: local hours start at :30 UTC.
        let ist = Bucketing::parse("1h")
            .unwrap()
            .with_timezone("Asia/Kolkata")
            .unwrap();
        assert_eq!(
            f(ist.label(p("2025-01-06T10:45:00Z").unwrap()).unwrap()),
            "2025-01-06T10:30:00Z"
        );
    }

    #[test]
    fn cut_slots_start_and_end_at_the_change() {
        // 2-hour slots in Berlin on 2025-03-30: local 02:00-04:00 begins at the jump (01:00Z).
        let h2 = Bucketing::parse("2h")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap();
        let b = h2.bucket(p("2025-03-30T01:30:00Z").unwrap()).unwrap();
        assert_eq!(
            (f(b.start), f(b.end)),
            ("2025-03-30T01:00:00Z".into(), "2025-03-30T02:00:00Z".into())
        );
        let before = h2.bucket(p("2025-03-30T00:30:00Z").unwrap()).unwrap();
        assert_eq!(
            (f(before.start), f(before.end)),
            ("2025-03-29T23:00:00Z".into(), "2025-03-30T01:00:00Z".into())
        );
    }
}
