//! ISO 50001 energy baselines (ISO 50006): regression models of energy on its relevant variables,
//! validation gates (the charter's, US DOE SEP, ASHRAE Guideline 14), and energy performance over
//! a reporting period (deviation, CUSUM, EnPI, savings with their uncertainty).
//!
//! The regression itself, with its statistics, is [`crate::stats::ols`].

pub mod gates;
pub mod model;
pub mod performance;

pub use gates::{GateFailure, GateReport, Gates};
pub use model::{Baseline, BaselineOptions, Driver, DriverSpec, DriverValues, FORMAT_VERSION};
pub use performance::{performance, PerformanceOptions, PerformanceReport};
