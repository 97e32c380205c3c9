#![doc = include_str!("../README.md")]

pub mod anomaly;
pub mod baseline;
pub mod bucket;
pub mod counter;
pub mod error;
pub mod forecast;
pub mod kpi;
pub mod model;
pub mod options;
mod parallel;
pub mod rollup;
pub mod series;
pub mod stats;
pub mod time;

pub use bucket::{Bucket, BucketWidth, Bucketing};
pub use error::{Error, Result};
pub use series::{CounterSeries, PowerSeries, PowerView, QuantitySeries};
pub use time::Timestamp;
