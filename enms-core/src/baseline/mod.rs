//! ISO 50001 energy baselines (ISO 50006): regression models of energy on its relevant variables,
//! temperature change-point models (3P, 4P, 5P), the daily model by season and day type with
//! smoothed change points (eemeter 4's method), the hourly time-of-week-and-temperature model,
//! the energy review (SEUs by Pareto, drivers by correlation), validation gates (the charter's,
//! US DOE SEP, ASHRAE Guideline 14), and energy performance over a reporting period (deviation,
//! CUSUM, EnPI, savings with their uncertainty).
//!
//! Readings become one row per model period in [`dataset`] (sums, time-weighted means,
//! degree-days over local days, operating hours, weekday/weekend).
//!
//! The regression itself, with its statistics, is [`crate::stats::ols`].

pub mod changepoint;
pub mod daily;
pub mod dataset;
pub mod gates;
pub mod model;
pub mod performance;
pub mod review;
pub mod towt;

pub use changepoint::{
    fit_change_point, Candidate, ChangePointKind, ChangePointModel, ChangePointOptions,
};
pub use daily::{
    fit_daily, DailyModel, DailyOptions, DailySegment, DayType, DegreeTerm, Season,
    SegmentationCandidate, ShapeCriterion, SplitCriterion, DAILY_FORMAT_VERSION,
};
pub use dataset::{Aggregation, DriverData, ModellingTable, PeriodDriver, Periods, TableSpec};
pub use gates::{GateFailure, GateReport, Gates};
pub use model::{Baseline, BaselineOptions, Driver, DriverSpec, DriverValues, FORMAT_VERSION};
pub use performance::{
    performance, FitSummary, PerformanceOptions, PerformanceReport, TimeTempBaseline,
};
pub use review::{energy_review, pearson, EnergyReview, MachineEnergy, MachineReview};
pub use towt::{fit_towt, TowtModel, TowtOptions};
