//! The one error type of enms-core.
//!
//! Every variant carries what was wrong and where, so a face (Python, Node, HTTP) can name the
//! offending column, index or parameter without parsing a message.

use thiserror::Error;

/// Result alias used across enms-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in enms-core. Bad input never panics; it ends up here.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// A series or table that must hold data holds none.
    #[error("`{column}` is empty: at least {needed} value(s) are needed")]
    EmptySeries {
        /// Column (or series) name.
        column: String,
        /// How many values the operation needs.
        needed: usize,
    },
    /// Two columns that must have the same length do not.
    #[error("`{column}` has {got} values, expected {expected} (the length of the timestamps)")]
    LengthMismatch {
        /// Column whose length is wrong.
        column: String,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// NaN or infinity where a finite number is required.
    #[error("`{column}` has a non-finite value ({value}) at index {index}")]
    NonFinite {
        /// Column name.
        column: String,
        /// Row index.
        index: usize,
        /// The value found (NaN, inf or -inf), as text.
        value: String,
    },
    /// A negative number where only non-negative numbers make sense (energy, production, rates).
    #[error("`{column}` has a negative value ({value}) at index {index}")]
    Negative {
        /// Column name.
        column: String,
        /// Row index.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// Timestamps go backwards.
    #[error("`{column}` is not sorted: index {index} ({current}) comes before index {previous_index} ({previous}) in time")]
    Unsorted {
        /// Column name.
        column: String,
        /// Index of the offending timestamp.
        index: usize,
        /// Index of the previous timestamp.
        previous_index: usize,
        /// Offending timestamp, RFC 3339.
        current: String,
        /// Previous timestamp, RFC 3339.
        previous: String,
    },
    /// The same timestamp appears twice in one series.
    #[error("`{column}` has a duplicate timestamp {timestamp} at index {index}")]
    DuplicateTimestamp {
        /// Column name.
        column: String,
        /// Row index of the second occurrence.
        index: usize,
        /// The duplicated timestamp, RFC 3339.
        timestamp: String,
    },
    /// A unit that enms does not know.
    #[error("unknown unit `{unit}` for {quantity}; expected one of: {expected}")]
    UnknownUnit {
        /// What was being measured (power, energy, ...).
        quantity: String,
        /// The unit given.
        unit: String,
        /// The units enms accepts for that quantity.
        expected: String,
    },
    /// A parameter outside its valid range or otherwise unusable.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A time zone name that is not in the IANA database.
    #[error("unknown time zone `{0}` (expected an IANA name such as `Europe/Berlin`)")]
    UnknownTimeZone(String),
    /// A value that could not be parsed.
    #[error("cannot parse `{value}` in `{column}` at index {index}: {reason}")]
    Parse {
        /// Column name.
        column: String,
        /// Row index.
        index: usize,
        /// The text that failed.
        value: String,
        /// Why.
        reason: String,
    },
    /// Quantities of different energy carriers were combined without a conversion.
    #[error(
        "cannot combine {left} and {right} energy without an explicit conversion to a common unit"
    )]
    CarrierMismatch {
        /// First carrier.
        left: String,
        /// Second carrier.
        right: String,
    },
    /// A timestamp outside the range enms can represent.
    #[error("timestamp {value} is out of range")]
    TimestampOutOfRange {
        /// The raw value (microseconds since the Unix epoch).
        value: i64,
    },
}

impl Error {
    /// A stable, machine-readable code for the variant (used as the `code` of JS errors and the
    /// `error` field of HTTP 400 bodies).
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptySeries { .. } => "EMPTY_SERIES",
            Error::LengthMismatch { .. } => "LENGTH_MISMATCH",
            Error::NonFinite { .. } => "NON_FINITE",
            Error::Negative { .. } => "NEGATIVE",
            Error::Unsorted { .. } => "UNSORTED",
            Error::DuplicateTimestamp { .. } => "DUPLICATE_TIMESTAMP",
            Error::UnknownUnit { .. } => "UNKNOWN_UNIT",
            Error::InvalidParameter { .. } => "INVALID_PARAMETER",
            Error::UnknownTimeZone(_) => "UNKNOWN_TIME_ZONE",
            Error::Parse { .. } => "PARSE",
            Error::CarrierMismatch { .. } => "CARRIER_MISMATCH",
            Error::TimestampOutOfRange { .. } => "TIMESTAMP_OUT_OF_RANGE",
        }
    }

    /// The column or parameter the error is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::EmptySeries { column, .. }
            | Error::LengthMismatch { column, .. }
            | Error::NonFinite { column, .. }
            | Error::Negative { column, .. }
            | Error::Unsorted { column, .. }
            | Error::DuplicateTimestamp { column, .. }
            | Error::Parse { column, .. } => Some(column),
            Error::InvalidParameter { name, .. } => Some(name),
            Error::UnknownUnit { .. }
            | Error::UnknownTimeZone(_)
            | Error::CarrierMismatch { .. }
            | Error::TimestampOutOfRange { .. } => None,
        }
    }

    /// Renames the column or parameter the error names, if it is `from`: a face that knows a
    /// column by the user's own name (the core calls the time column `ts`) reports that name.
    pub fn rename_field(&mut self, from: &str, to: &str) {
        let field = match self {
            Error::EmptySeries { column, .. }
            | Error::LengthMismatch { column, .. }
            | Error::NonFinite { column, .. }
            | Error::Negative { column, .. }
            | Error::Unsorted { column, .. }
            | Error::DuplicateTimestamp { column, .. }
            | Error::Parse { column, .. } => Some(column),
            Error::InvalidParameter { name, .. } => Some(name),
            Error::UnknownUnit { .. }
            | Error::UnknownTimeZone(_)
            | Error::CarrierMismatch { .. }
            | Error::TimestampOutOfRange { .. } => None,
        };
        if let Some(f) = field {
            if f == from {
                *f = to.to_string();
            }
        }
    }

    pub(crate) fn invalid(name: &str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.to_string(),
            reason: reason.into(),
        }
    }
}
