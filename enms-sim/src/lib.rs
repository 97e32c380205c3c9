#![doc = include_str!("../README.md")]

pub mod calendar;
pub mod config;
mod environment;
pub mod error;
mod faults;
mod machines;
mod meter;
pub mod output;
pub mod read;
pub mod realtime;
pub mod rng;
pub mod sim;
pub mod truth;
pub mod write;

pub use config::{
    BoilerParams, ClimateConfig, CompressorParams, ConveyorParams, FactoryConfig, HeaterConfig,
    HydraulicParams, MachineConfig, MachineSpec, Measure, MoldingMaterial, MoldingParams,
    PressMaterial, ShiftPlan,
};
pub use error::{Error, Result};
pub use output::{
    EnvironmentTable, ProcessSeries, ProductionTable, SimOutput, StatusTable, TABLES,
};
pub use read::read_dir;
pub use realtime::{ProcessReading, RealtimeClock, RealtimeStream, Record};
pub use sim::{FaultClear, FaultInjection, SimSession, Simulator, MAX_READINGS};
pub use write::{write_csv, write_parquet, Format};
