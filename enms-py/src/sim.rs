//! The simulator for Python: where a simulation starts, and its tables as Arrow streams (the
//! record batches `enms-sim generate` writes to Parquet, `enms_sim::write::record_batches`).

use chrono::NaiveDate;
use enms_core::time::{local_to_utc, parse_rfc3339, parse_tz, Timestamp};
use enms_sim::SimOutput;

use crate::arrow_out::ArrowStream;
use crate::errors::{FaceError, FaceResult};

/// The start of a simulation: a local date (midnight in the factory's time zone, as
/// `enms-sim --start 2025-01-06` reads it) or an RFC 3339 instant.
pub fn parse_start(s: &str, timezone: &str) -> FaceResult<Timestamp> {
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let tz = parse_tz(timezone)?;
        let midnight = d.and_hms_opt(0, 0, 0).ok_or_else(|| {
            FaceError::Core(enms_core::Error::InvalidParameter {
                name: "start".into(),
                reason: "invalid date".into(),
            })
        })?;
        return Ok(local_to_utc(midnight, tz, None));
    }
    Ok(parse_rfc3339(s).map_err(|e| match e {
        enms_core::Error::Parse { value, reason, .. } => enms_core::Error::Parse {
            column: "start".into(),
            index: 0,
            value,
            reason,
        },
        other => other,
    })?)
}

/// Every table of a simulation run, by name, in the order of `enms_sim::TABLES`.
pub fn tables(out: &SimOutput) -> FaceResult<Vec<(&'static str, ArrowStream)>> {
    Ok(enms_sim::write::record_batches(out)?
        .into_iter()
        .map(|(name, schema, batches)| (name, ArrowStream::new(schema, batches)))
        .collect())
}
