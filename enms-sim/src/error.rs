//! The one error type of enms-sim.
//!
//! Bad input (configuration, CLI arguments, fault injections) never panics; it ends up here with
//! the offending parameter named, so the CLI can print it and exit with code 2.

use thiserror::Error;

/// Result alias used across enms-sim.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while simulating or writing the simulated tables.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// An error from enms-core (time zones, timestamps, model validation).
    #[error(transparent)]
    Core(#[from] enms_core::Error),
    /// A parameter outside its valid range or otherwise unusable.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A machine id that is not part of the factory.
    #[error("unknown machine `{0}`")]
    UnknownMachine(String),
    /// Reading or writing a file failed.
    #[error("I/O error on `{path}`: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Building Arrow arrays failed.
    #[error("arrow error: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// Writing Parquet failed.
    #[error("parquet error: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Serialising a record to JSON failed.
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// A stable, machine-readable code for the variant.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Core(e) => e.code(),
            Error::InvalidParameter { .. } => "INVALID_PARAMETER",
            Error::UnknownMachine(_) => "UNKNOWN_MACHINE",
            Error::Io { .. } => "IO",
            Error::Arrow(_) => "ARROW",
            Error::Parquet(_) => "PARQUET",
            Error::Json(_) => "JSON",
        }
    }

    /// Whether the error was caused by the caller's input (configuration or arguments) rather
    /// than by the environment (files, pipes).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::Core(_) | Error::InvalidParameter { .. } | Error::UnknownMachine(_)
        )
    }

    pub(crate) fn invalid(name: &str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}
