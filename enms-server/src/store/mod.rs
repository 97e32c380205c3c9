//! Storage of the server behind one trait, [`Store`].
//!
//! The embedded backend is SQLite in WAL mode ([`sqlite::SqliteStore`]): one file in the data
//! directory, nothing to install. A PostgreSQL/TimescaleDB backend implements the same trait later.
//!
//! Every table is keyed by what identifies a row in the real world (machine and time, factory and
//! time, machine and quantity and time, machine and kind and start), and imports are upserts on
//! that key that only touch rows whose values differ: importing the same data twice changes
//! nothing, and importing corrected data replaces the old values.
//!
//! Anomaly events (table `anomaly_events`) are keyed by `(machine_id, detector, start)`, the
//! identity `enms_core::anomaly::merge_events` gives an event, and detection results are upserted
//! by the rule in [`Store::upsert_anomaly_events`]: running a detector again over the same window
//! creates no duplicate, and a resolved event stays resolved.

pub mod sqlite;

use enms_core::anomaly::{AnomalyEvent, Severity};
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

/// Samples of one process quantity of a machine (NaN where the sensor gave no value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessQuantity {
    /// Quantity name (`pressure_bar`, `barrel_temp_c`, ...).
    pub quantity: String,
    /// Unit (`bar`, `C`, `1`, `%`, `code` for a categorical code).
    pub unit: String,
    /// Sample times, UTC microseconds.
    pub ts: Vec<Timestamp>,
    /// Values.
    pub value: Vec<f64>,
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

/// A stored weather-normalised model of daily energy (`change_point` or `daily`): the core's
/// model, the recipe of its daily table and the machines summed, and the answer its fit gave.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherModelRecord {
    /// Id (assigned by the store).
    pub id: i64,
    /// `machine` or `factory`.
    pub target_kind: String,
    /// The machine's or the factory's id.
    pub target: String,
    /// Energy carrier modelled.
    pub carrier: String,
    /// When it was fitted, UTC microseconds.
    pub created_at: Timestamp,
    /// Training period.
    pub range: TimeRange,
    /// `change_point` or `daily`.
    pub kind: String,
    /// `enms_core::baseline::dataset::TableSpec` of the daily table, as JSON.
    pub spec_json: String,
    /// The core's model (`ChangePointModel` or `DailyModel`), as JSON.
    pub model_json: String,
    /// The answer of the fit (the API's `WeatherModelDto`), as JSON.
    pub answer_json: String,
}

/// Where an anomaly event is in its lifecycle: `open` -> `acknowledged` -> `resolved`, or
/// `open` -> `resolved` directly. `resolved` is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Detected, nobody has looked at it yet.
    Open,
    /// Someone has seen it and is on it.
    Acknowledged,
    /// Dealt with; detection never reopens it.
    Resolved,
}

impl EventStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [EventStatus; 3] = [
        EventStatus::Open,
        EventStatus::Acknowledged,
        EventStatus::Resolved,
    ];

    /// `open`, `acknowledged` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Open => "open",
            EventStatus::Acknowledged => "acknowledged",
            EventStatus::Resolved => "resolved",
        }
    }

    /// The status named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether an event in this status may move to `to`: `open -> acknowledged`,
    /// `open -> resolved` and `acknowledged -> resolved`.
    pub fn can_become(self, to: EventStatus) -> bool {
        matches!(
            (self, to),
            (EventStatus::Open, EventStatus::Acknowledged)
                | (EventStatus::Open, EventStatus::Resolved)
                | (EventStatus::Acknowledged, EventStatus::Resolved)
        )
    }
}

/// The detector that found an event.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorRecord {
    /// Identity of the detector, part of an event's key (e.g. `baseline_residual:3`, or
    /// `isolation_forest:1h`): the same detector run again upserts the same events.
    pub key: String,
    /// Method (`baseline_residual`, `isolation_forest`).
    pub method: String,
    /// Baseline whose residuals were judged, for `baseline_residual`.
    pub baseline_id: Option<i64>,
    /// The parameters of the run as JSON (sigma rule, gap bridging, reference period, ...).
    pub params_json: String,
}

/// A stored anomaly event.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyEventRecord {
    /// Id (assigned by the store; stable for the event's life, also when a re-run extends it).
    pub id: i64,
    /// The event as the core merged it (machine, start, end, severity, peak, points, features).
    pub event: AnomalyEvent,
    /// The detector that found it (its latest parameters).
    pub detector: DetectorRecord,
    /// Lifecycle status.
    pub status: EventStatus,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When it was acknowledged, UTC microseconds.
    pub acknowledged_at: Option<Timestamp>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// When it was resolved, UTC microseconds.
    pub resolved_at: Option<Timestamp>,
    /// Free text from the people who handled it.
    pub note: Option<String>,
    /// When it was first stored, UTC microseconds.
    pub created_at: Timestamp,
    /// When it last changed (detection or lifecycle), UTC microseconds.
    pub updated_at: Timestamp,
}

/// What an upsert did with one detected event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpsertAction {
    /// No stored event of the machine and detector overlapped it: a new open event.
    Created,
    /// It overlapped an open or acknowledged event, which was extended or raised.
    Updated,
    /// It overlapped an open or acknowledged event that already said as much.
    Unchanged,
    /// It overlapped a resolved event, which was left as it is (and nothing was added).
    KeptResolved,
}

/// Which stored anomaly events to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnomalyFilter {
    /// Only this machine's.
    pub machine_id: Option<String>,
    /// Only events in this status.
    pub status: Option<EventStatus>,
    /// Only events that end after this time.
    pub from: Option<Timestamp>,
    /// Only events that start before this time.
    pub to: Option<Timestamp>,
}

/// A lifecycle step asked of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// Status to move to (`acknowledged` or `resolved`).
    pub to: EventStatus,
    /// Who does it.
    pub by: Option<String>,
    /// A note (replaces the stored one when given).
    pub note: Option<String>,
    /// When, UTC microseconds.
    pub at: Timestamp,
}

/// The outcome of a lifecycle step.
#[derive(Debug, Clone, PartialEq)]
pub enum TransitionOutcome {
    /// Done: the event as it is now.
    Done(AnomalyEventRecord),
    /// Not allowed from the event's current status (the event as it is).
    Refused(AnomalyEventRecord),
    /// No such event.
    NotFound,
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

    /// Process quantities of a machine in `[range.start, range.end)`, by name; with
    /// `neighbours`, also each quantity's last sample before and first at or after the end.
    fn process(
        &self,
        machine_id: &str,
        range: TimeRange,
        neighbours: bool,
    ) -> Result<Vec<ProcessQuantity>, StoreError>;

    /// Stores a baseline (its `id` is ignored) and returns the id it got.
    fn insert_baseline(&self, record: &BaselineRecord) -> Result<i64, StoreError>;

    /// Stored baselines by id, optionally of one machine only.
    fn baselines(&self, machine_id: Option<&str>) -> Result<Vec<BaselineRecord>, StoreError>;

    /// One stored baseline.
    fn baseline(&self, id: i64) -> Result<Option<BaselineRecord>, StoreError>;

    /// Deletes a stored baseline; whether there was one. Anomaly events found against it keep
    /// their record (their detector names the baseline's id).
    fn delete_baseline(&self, id: i64) -> Result<bool, StoreError>;

    /// Stores a weather model (its `id` is ignored) and returns the id it got.
    fn insert_weather_model(&self, record: &WeatherModelRecord) -> Result<i64, StoreError>;

    /// Stored weather models by id.
    fn weather_models(&self) -> Result<Vec<WeatherModelRecord>, StoreError>;

    /// One stored weather model.
    fn weather_model(&self, id: i64) -> Result<Option<WeatherModelRecord>, StoreError>;

    /// Deletes a stored weather model; whether there was one.
    fn delete_weather_model(&self, id: i64) -> Result<bool, StoreError>;

    /// Stores the events one run of `detector` found, in one transaction, by this rule: a
    /// detected event is matched with the stored events of the same machine and detector whose
    /// `[start, end)` overlaps its own. If one of them is resolved, nothing changes
    /// ([`UpsertAction::KeptResolved`]: detection never reopens or duplicates a resolved
    /// event). Otherwise the earliest open or acknowledged one is updated (start the earlier,
    /// end the later, severity and points the higher, and peak and features of the higher peak;
    /// its status stays), or, with no overlap, a new open event is inserted. Running the same
    /// detector over the same window again therefore changes nothing and reports every event as
    /// [`UpsertAction::Unchanged`] or [`UpsertAction::KeptResolved`].
    fn upsert_anomaly_events(
        &self,
        detector: &DetectorRecord,
        events: &[AnomalyEvent],
        now: Timestamp,
    ) -> Result<Vec<(AnomalyEventRecord, UpsertAction)>, StoreError>;

    /// Stored anomaly events matching `filter`, by start and id.
    fn anomaly_events(&self, filter: &AnomalyFilter)
        -> Result<Vec<AnomalyEventRecord>, StoreError>;

    /// One stored anomaly event.
    fn anomaly_event(&self, id: i64) -> Result<Option<AnomalyEventRecord>, StoreError>;

    /// Moves an event along its lifecycle, atomically (checked against the status it has when
    /// the step is written).
    fn transition_anomaly_event(
        &self,
        id: i64,
        step: &Transition,
    ) -> Result<TransitionOutcome, StoreError>;
}

/// `stored` extended by `detected` (both of the same machine and detector, overlapping): start
/// the earlier, end the later, severity and points the higher, and the peak (time, score,
/// features) of the higher peak score (the stored one on a tie).
pub fn merge_detected(stored: &AnomalyEvent, detected: &AnomalyEvent) -> AnomalyEvent {
    let mut out = stored.clone();
    out.start = stored.start.min(detected.start);
    out.end = stored.end.max(detected.end);
    out.severity = stored.severity.max(detected.severity);
    out.points = stored.points.max(detected.points);
    if detected.peak_score > stored.peak_score {
        out.peak_at = detected.peak_at;
        out.peak_score = detected.peak_score;
        out.features = detected.features.clone();
    }
    out
}

/// The severity named `s` (`warning`, `critical`; `normal` for completeness).
pub fn parse_severity(s: &str) -> Option<Severity> {
    match s {
        "normal" => Some(Severity::Normal),
        "warning" => Some(Severity::Warning),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}

/// The name of a severity (its serde name).
pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Normal => "normal",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}
