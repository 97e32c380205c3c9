//! Storage of the server behind one trait, [`Store`].
//!
//! The embedded backend is SQLite in WAL mode ([`sqlite::SqliteStore`]): one file in the data
//! directory, nothing to install. A PostgreSQL/TimescaleDB backend implements the same trait later.
//!
//! Every table is keyed by what identifies a row in the real world (machine and time, factory and
//! time, machine and quantity and time, machine and kind and start), and imports are upserts on
//! that key that only touch rows whose values differ: importing the same data twice changes
//! nothing, and importing corrected data replaces the old values.

pub mod sqlite;

use enms_core::model::{EnergyReadingTable, Factory, Machine};
use enms_core::time::{TimeRange, Timestamp};
use enms_sim::SimOutput;
use serde::Serialize;

/// A storage failure (not the client's fault).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(String),
    /// The data directory could not be created or opened.
    #[error("cannot use data directory `{path}`: {reason}")]
    DataDir {
        /// The directory.
        path: String,
        /// Why.
        reason: String,
    },
    /// The stored data contradicts itself (e.g. an unknown machine type in a row).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// Rows per table, for import summaries and health.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TableCounts {
    /// Factories.
    pub factories: u64,
    /// Machines.
    pub machines: u64,
    /// Energy readings.
    pub energy_readings: u64,
    /// Production rows.
    pub production_data: u64,
    /// Environment rows.
    pub environmental_data: u64,
    /// Machine status rows.
    pub machine_status: u64,
    /// Events.
    pub events: u64,
    /// Process variable samples.
    pub process_data: u64,
}

impl TableCounts {
    /// Sum over all tables.
    pub fn total(&self) -> u64 {
        self.factories
            + self.machines
            + self.energy_readings
            + self.production_data
            + self.environmental_data
            + self.machine_status
            + self.events
            + self.process_data
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Rows read from the data set, per table.
    pub rows_read: TableCounts,
    /// Rows inserted or changed, per table (all zero when the same data is imported again).
    pub rows_changed: TableCounts,
}

/// Production counts of one machine (parts per interval, labelled by interval end).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductionCounts {
    /// Interval ends, UTC microseconds.
    pub ts: Vec<Timestamp>,
    /// Parts produced in each interval.
    pub production_count: Vec<f64>,
}

/// Environment samples of one factory (NaN where a sensor gave no value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvironmentSeries {
    /// Sample times, UTC microseconds.
    pub ts: Vec<Timestamp>,
    /// Outdoor temperature, °C.
    pub outdoor_temp_c: Vec<f64>,
    /// Indoor temperature, °C.
    pub indoor_temp_c: Vec<f64>,
    /// Relative humidity, %.
    pub humidity_pct: Vec<f64>,
    /// Air pressure, hPa.
    pub pressure_hpa: Vec<f64>,
}

/// Running flags of one machine (1 running, 0 not).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunningFlags {
    /// Sample times, UTC microseconds.
    pub ts: Vec<Timestamp>,
    /// 1.0 when running, 0.0 when not.
    pub running: Vec<f64>,
}

/// A stored energy baseline: the model and the recipe of its modelling table, as the core's JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineRecord {
    /// Id (assigned by the store).
    pub id: i64,
    /// Machine whose energy it models.
    pub machine_id: String,
    /// When it was trained, UTC microseconds.
    pub created_at: Timestamp,
    /// Training period.
    pub range: TimeRange,
    /// Whether every gate passed.
    pub passed: bool,
    /// `enms_core::baseline::TableSpec` as JSON.
    pub spec_json: String,
    /// `enms_core::baseline::Baseline` as JSON.
    pub model_json: String,
    /// Periods in the training range, and the dropped ones, as JSON.
    pub table_json: String,
}

/// Where the server keeps its data. Methods are blocking; the HTTP layer calls them off the async
/// runtime.
pub trait Store: Send + Sync + 'static {
    /// Name of the backend (`sqlite`).
    fn backend(&self) -> &'static str;

    /// Checks that the store answers.
    fn ping(&self) -> Result<(), StoreError>;

    /// Writes a simulator data set in one transaction (idempotent upsert).
    fn import(&self, data: &SimOutput) -> Result<ImportSummary, StoreError>;

    /// Rows per table.
    fn counts(&self) -> Result<TableCounts, StoreError>;

    /// Every factory, by id.
    fn factories(&self) -> Result<Vec<Factory>, StoreError>;

    /// Every machine, by id.
    fn machines(&self) -> Result<Vec<Machine>, StoreError>;

    /// Energy readings of a machine in `range` (all when `None`), in time order, at most `limit`.
    /// With `neighbours`, the last reading before the range and the first one at or after its end
    /// are included too, so that integrals and interpolation at the range's edges see the same
    /// data as over the whole series.
    fn readings(
        &self,
        machine_id: &str,
        range: Option<TimeRange>,
        limit: Option<usize>,
        neighbours: bool,
    ) -> Result<EnergyReadingTable, StoreError>;

    /// First and last reading time of a machine, `None` when it has none.
    fn reading_span(&self, machine_id: &str) -> Result<Option<(Timestamp, Timestamp)>, StoreError>;

    /// Production counts of a machine with interval ends in `(range.start, range.end]` (all when
    /// `None`); with `neighbours`, also the last row at or before the start and the first after
    /// the end (outside the range, so totals over the range do not change, but a machine that
    /// produces has a non-empty series for any range).
    fn production(
        &self,
        machine_id: &str,
        range: Option<TimeRange>,
        neighbours: bool,
    ) -> Result<ProductionCounts, StoreError>;

    /// Environment samples of a factory in `[range.start, range.end)`; with `neighbours`, also the
    /// last sample before and the first at or after the end.
    fn environment(
        &self,
        factory_id: &str,
        range: TimeRange,
        neighbours: bool,
    ) -> Result<EnvironmentSeries, StoreError>;

    /// Running flags of a machine in `[range.start, range.end)`; with `neighbours`, also the last
    /// sample before and the first at or after the end.
    fn running(
        &self,
        machine_id: &str,
        range: TimeRange,
        neighbours: bool,
    ) -> Result<RunningFlags, StoreError>;

    /// Stores a baseline (its `id` is ignored) and returns the id it got.
    fn insert_baseline(&self, record: &BaselineRecord) -> Result<i64, StoreError>;

    /// Stored baselines by id, optionally of one machine only.
    fn baselines(&self, machine_id: Option<&str>) -> Result<Vec<BaselineRecord>, StoreError>;

    /// One stored baseline.
    fn baseline(&self, id: i64) -> Result<Option<BaselineRecord>, StoreError>;
}
