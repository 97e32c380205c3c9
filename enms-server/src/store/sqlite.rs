//! The embedded store: one SQLite database (`enms.sqlite3`) in the data directory, in WAL mode so
//! that readers never wait for an import.
//!
//! Time series tables are `WITHOUT ROWID` tables clustered on their natural key (machine, time),
//! so a machine's readings for a time range are one contiguous range scan. Machines get a small
//! integer key that the series tables use instead of the text id. Imports run in one transaction
//! with prepared multi-row upserts (`INSERT .. ON CONFLICT .. DO UPDATE .. WHERE` a value differs),
//! so rows that are already there unchanged are not rewritten and not counted as changed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use enms_core::model::{EnergyCarrier, EnergyReadingTable, Factory, Machine, MachineType};
use enms_core::time::{TimeRange, Timestamp};
use enms_sim::SimOutput;
use rusqlite::{params, Connection, OptionalExtension, Statement, ToSql, Transaction};

use enms_core::anomaly::AnomalyEvent;

use super::{
    merge_detected, parse_severity, severity_name, AnomalyEventRecord, AnomalyFilter,
    BaselineRecord, DetectorRecord, EnvironmentSeries, EventStatus, ImportSummary, ProcessQuantity,
    ProductionCounts, RunningFlags, Store, StoreError, TableCounts, Transition, TransitionOutcome,
    UpsertAction, WeatherModelRecord,
};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "enms.sqlite3";

/// Version of the schema below (`PRAGMA user_version`): 1 the simulator's tables, 2 added
/// `baselines`, 3 added `anomaly_events`, 4 added `weather_models`. Every statement is
/// `IF NOT EXISTS`, so opening an older database adds the tables it lacks and keeps its data.
const SCHEMA_VERSION: i64 = 4;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS factories (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    location TEXT NOT NULL,
    timezone TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS machines (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    factory_id TEXT NOT NULL,
    name TEXT NOT NULL,
    machine_type TEXT NOT NULL,
    rated_power_kw REAL NOT NULL,
    carrier TEXT NOT NULL,
    interval_s REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS energy_readings (
    machine_key INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    power_kw REAL NOT NULL,
    energy_kwh REAL,
    voltage_v REAL,
    current_a REAL,
    power_factor REAL,
    frequency_hz REAL,
    reactive_energy_kvarh REAL,
    PRIMARY KEY (machine_key, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS production_data (
    machine_key INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    production_count REAL NOT NULL,
    throughput_per_hour REAL NOT NULL,
    operating_mode TEXT NOT NULL,
    material TEXT,
    PRIMARY KEY (machine_key, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS environmental_data (
    factory_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    outdoor_temp_c REAL,
    indoor_temp_c REAL,
    humidity_pct REAL,
    pressure_hpa REAL,
    PRIMARY KEY (factory_id, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS machine_status (
    machine_key INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    is_running INTEGER NOT NULL,
    operating_hours REAL NOT NULL,
    alert_level TEXT NOT NULL,
    PRIMARY KEY (machine_key, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    machine_key INTEGER NOT NULL,
    kind TEXT NOT NULL,
    start_ts INTEGER NOT NULL,
    end_ts INTEGER,
    description TEXT NOT NULL,
    PRIMARY KEY (machine_key, kind, start_ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS process_data (
    machine_key INTEGER NOT NULL,
    quantity TEXT NOT NULL,
    ts INTEGER NOT NULL,
    value REAL,
    unit TEXT NOT NULL,
    PRIMARY KEY (machine_key, quantity, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS baselines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    machine_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    start_ts INTEGER NOT NULL,
    end_ts INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    spec TEXT NOT NULL,
    model TEXT NOT NULL,
    table_summary TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS baselines_by_machine ON baselines (machine_id, id);
"#;

/// Schema version 4: stored weather-normalised models (change-point and daily).
const SCHEMA_V4: &str = r#"
CREATE TABLE IF NOT EXISTS weather_models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('machine', 'factory')),
    target TEXT NOT NULL,
    carrier TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    start_ts INTEGER NOT NULL,
    end_ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    model TEXT NOT NULL,
    answer TEXT NOT NULL
);
"#;

/// Schema version 3: anomaly events with their lifecycle. An event's identity is
/// `(machine_id, detector, start_ts)` (`detector` names the method and its baseline or
/// features), so a re-run of the same detector upserts instead of duplicating.
const SCHEMA_V3: &str = r#"
CREATE TABLE IF NOT EXISTS anomaly_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    machine_id TEXT NOT NULL,
    detector TEXT NOT NULL,
    method TEXT NOT NULL,
    baseline_id INTEGER,
    detector_params TEXT NOT NULL,
    start_ts INTEGER NOT NULL,
    end_ts INTEGER NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('normal', 'warning', 'critical')),
    peak_at INTEGER NOT NULL,
    peak_score REAL,
    points INTEGER NOT NULL,
    features TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    acknowledged_by TEXT,
    acknowledged_at INTEGER,
    resolved_by TEXT,
    resolved_at INTEGER,
    note TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (end_ts > start_ts),
    UNIQUE (machine_id, detector, start_ts)
);
CREATE INDEX IF NOT EXISTS anomaly_events_by_machine_time
    ON anomaly_events (machine_id, start_ts);
CREATE INDEX IF NOT EXISTS anomaly_events_by_status ON anomaly_events (status, start_ts);
"#;

/// Parameters per multi-row statement (SQLite allows 32766).
const PARAMS_PER_STATEMENT: usize = 1800;

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

fn opt(v: f64) -> Option<f64> {
    if v.is_nan() {
        None
    } else {
        Some(v)
    }
}

/// SQLite store. Cheap to share: one writer connection, a pool of reader connections.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(db)?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(db)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(db)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Database(format!(
            "cannot switch `{}` to WAL (journal mode is {mode})",
            path.display()
        )));
    }
    conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;")
        .map_err(db)?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating when missing) the database in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::DataDir {
            path: data_dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let path = data_dir.join(DB_FILE);
        let conn = connect(&path)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Database(format!(
                "`{}` has schema version {version}, newer than this server's {SCHEMA_VERSION}",
                path.display()
            )));
        }
        conn.execute_batch(&format!(
            "BEGIN; {SCHEMA} {SCHEMA_V3} {SCHEMA_V4} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
        ))
        .map_err(db)?;
        if version < SCHEMA_VERSION {
            tracing::info!(
                path = %path.display(),
                from = version,
                to = SCHEMA_VERSION,
                "schema migrated"
            );
        }
        Ok(SqliteStore {
            path,
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path)?,
        };
        let out = f(&conn);
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
        out
    }

    fn machine_key(conn: &Connection, machine_id: &str) -> Result<Option<i64>, StoreError> {
        conn.query_row(
            "SELECT key FROM machines WHERE id = ?1",
            [machine_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)
    }
}

/// A prepared multi-row upsert into one table.
struct Upsert {
    cols: usize,
    sql_for: Box<dyn Fn(usize) -> String>,
}

impl Upsert {
    /// `cols`: all columns; the first `key` of them are the conflict target.
    fn new(table: &'static str, cols: &'static [&'static str], key: usize) -> Self {
        let sql_for = move |rows: usize| {
            let one = format!("({})", vec!["?"; cols.len()].join(","));
            let values = vec![one; rows].join(",");
            let set: Vec<String> = cols[key..]
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            let differs: Vec<String> = cols[key..]
                .iter()
                .map(|c| format!("{table}.{c} IS NOT excluded.{c}"))
                .collect();
            format!(
                "INSERT INTO {table} ({}) VALUES {values} ON CONFLICT ({}) DO UPDATE SET {} WHERE {}",
                cols.join(","),
                cols[..key].join(","),
                set.join(", "),
                differs.join(" OR ")
            )
        };
        Upsert {
            cols: cols.len(),
            sql_for: Box::new(sql_for),
        }
    }

    /// Writes `rows` rows; `bind(stmt, row, first_param_index)` binds one row's values. Returns
    /// the rows inserted or changed.
    fn run<F>(&self, tx: &Transaction<'_>, rows: usize, mut bind: F) -> Result<u64, StoreError>
    where
        F: FnMut(&mut Statement<'_>, usize, usize) -> rusqlite::Result<()>,
    {
        if rows == 0 {
            return Ok(0);
        }
        let per = (PARAMS_PER_STATEMENT / self.cols).max(1);
        let mut changed = 0u64;
        let mut full: Option<Statement<'_>> = None;
        let mut row = 0;
        while row < rows {
            let n = per.min(rows - row);
            let mut tail;
            let stmt = if n == per {
                if full.is_none() {
                    full = Some(tx.prepare(&(self.sql_for)(per)).map_err(db)?);
                }
                match full.as_mut() {
                    Some(s) => s,
                    None => return Err(StoreError::Database("statement not prepared".into())),
                }
            } else {
                tail = tx.prepare(&(self.sql_for)(n)).map_err(db)?;
                &mut tail
            };
            for i in 0..n {
                bind(stmt, row + i, i * self.cols + 1).map_err(db)?;
            }
            changed += stmt.raw_execute().map_err(db)? as u64;
            row += n;
        }
        Ok(changed)
    }
}

fn bind<T: ToSql>(stmt: &mut Statement<'_>, idx: usize, v: T) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(idx, v)
}

fn count(conn: &Connection, table: &str) -> Result<u64, StoreError> {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n as u64)
    .map_err(db)
}

fn import_tx(tx: &Transaction<'_>, data: &SimOutput) -> Result<ImportSummary, StoreError> {
    let mut read = TableCounts::default();
    let mut changed = TableCounts::default();

    let f = &data.factory;
    read.factories = 1;
    changed.factories = Upsert::new("factories", &["id", "name", "location", "timezone"], 1).run(
        tx,
        1,
        |s, _, p| {
            bind(s, p, &f.id)?;
            bind(s, p + 1, &f.name)?;
            bind(s, p + 2, &f.location)?;
            bind(s, p + 3, &f.timezone)
        },
    )?;

    let ms = &data.machines;
    read.machines = ms.len() as u64;
    changed.machines = Upsert::new(
        "machines",
        &[
            "id",
            "factory_id",
            "name",
            "machine_type",
            "rated_power_kw",
            "carrier",
            "interval_s",
        ],
        1,
    )
    .run(tx, ms.len(), |s, i, p| {
        let m = &ms[i];
        bind(s, p, &m.id)?;
        bind(s, p + 1, &m.factory_id)?;
        bind(s, p + 2, &m.name)?;
        bind(s, p + 3, m.machine_type.as_str())?;
        bind(s, p + 4, m.rated_power_kw)?;
        bind(s, p + 5, m.carrier.as_str())?;
        bind(s, p + 6, m.interval_s)
    })?;

    let mut keys: HashMap<String, i64> = HashMap::new();
    {
        let mut stmt = tx.prepare("SELECT key, id FROM machines").map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(db)?;
        for row in rows {
            let (k, id) = row.map_err(db)?;
            keys.insert(id, k);
        }
    }
    let key_of = |id: &str| -> Result<i64, StoreError> {
        keys.get(id).copied().ok_or_else(|| {
            StoreError::Corrupt(format!("rows of machine `{id}`, which is not in machines"))
        })
    };

    let energy = Upsert::new(
        "energy_readings",
        &[
            "machine_key",
            "ts",
            "power_kw",
            "energy_kwh",
            "voltage_v",
            "current_a",
            "power_factor",
            "frequency_hz",
            "reactive_energy_kvarh",
        ],
        2,
    );
    for t in &data.energy {
        let k = key_of(&t.machine_id)?;
        read.energy_readings += t.len() as u64;
        changed.energy_readings += energy.run(tx, t.len(), |s, i, p| {
            bind(s, p, k)?;
            bind(s, p + 1, t.ts[i])?;
            bind(s, p + 2, t.power_kw[i])?;
            bind(s, p + 3, opt(t.energy_kwh[i]))?;
            bind(s, p + 4, opt(t.voltage_v[i]))?;
            bind(s, p + 5, opt(t.current_a[i]))?;
            bind(s, p + 6, opt(t.power_factor[i]))?;
            bind(s, p + 7, opt(t.frequency_hz[i]))?;
            bind(s, p + 8, opt(t.reactive_energy_kvarh[i]))
        })?;
    }

    let production = Upsert::new(
        "production_data",
        &[
            "machine_key",
            "ts",
            "production_count",
            "throughput_per_hour",
            "operating_mode",
            "material",
        ],
        2,
    );
    for t in &data.production {
        let k = key_of(&t.machine_id)?;
        read.production_data += t.len() as u64;
        changed.production_data += production.run(tx, t.len(), |s, i, p| {
            bind(s, p, k)?;
            bind(s, p + 1, t.ts[i])?;
            bind(s, p + 2, t.production_count[i])?;
            bind(s, p + 3, t.throughput_per_hour[i])?;
            bind(s, p + 4, t.operating_mode[i].as_str())?;
            bind(s, p + 5, t.material_name(i))
        })?;
    }

    let env = &data.environment;
    read.environmental_data = env.len() as u64;
    changed.environmental_data = Upsert::new(
        "environmental_data",
        &[
            "factory_id",
            "ts",
            "outdoor_temp_c",
            "indoor_temp_c",
            "humidity_pct",
            "pressure_hpa",
        ],
        2,
    )
    .run(tx, env.len(), |s, i, p| {
        bind(s, p, &env.factory_id)?;
        bind(s, p + 1, env.ts[i])?;
        bind(s, p + 2, opt(env.outdoor_temp_c[i]))?;
        bind(s, p + 3, opt(env.indoor_temp_c[i]))?;
        bind(s, p + 4, opt(env.humidity_pct[i]))?;
        bind(s, p + 5, opt(env.pressure_hpa[i]))
    })?;

    let status = Upsert::new(
        "machine_status",
        &[
            "machine_key",
            "ts",
            "is_running",
            "operating_hours",
            "alert_level",
        ],
        2,
    );
    for t in &data.status {
        let k = key_of(&t.machine_id)?;
        read.machine_status += t.len() as u64;
        changed.machine_status += status.run(tx, t.len(), |s, i, p| {
            bind(s, p, k)?;
            bind(s, p + 1, t.ts[i])?;
            bind(s, p + 2, t.is_running[i])?;
            bind(s, p + 3, t.operating_hours[i])?;
            bind(s, p + 4, t.alert_level[i].as_str())
        })?;
    }

    let events = &data.events;
    let event_keys = events
        .iter()
        .map(|e| key_of(&e.machine_id))
        .collect::<Result<Vec<_>, _>>()?;
    read.events = events.len() as u64;
    changed.events = Upsert::new(
        "events",
        &["machine_key", "kind", "start_ts", "end_ts", "description"],
        3,
    )
    .run(tx, events.len(), |s, i, p| {
        let e = &events[i];
        bind(s, p, event_keys[i])?;
        bind(s, p + 1, e.kind.as_str())?;
        bind(s, p + 2, e.start)?;
        bind(s, p + 3, e.end)?;
        bind(s, p + 4, &e.description)
    })?;

    let process = Upsert::new(
        "process_data",
        &["machine_key", "quantity", "ts", "value", "unit"],
        3,
    );
    for t in &data.process {
        let k = key_of(&t.machine_id)?;
        read.process_data += t.len() as u64;
        changed.process_data += process.run(tx, t.len(), |s, i, p| {
            bind(s, p, k)?;
            bind(s, p + 1, &t.quantity)?;
            bind(s, p + 2, t.ts[i])?;
            bind(s, p + 3, opt(t.value[i]))?;
            bind(s, p + 4, &t.unit)
        })?;
    }

    Ok(ImportSummary {
        rows_read: read,
        rows_changed: changed,
    })
}

const READING_COLS: &str = "ts, power_kw, energy_kwh, voltage_v, current_a, power_factor, \
                            frequency_hz, reactive_energy_kvarh";

fn push_readings(
    stmt: &mut Statement<'_>,
    params: &[&dyn ToSql],
    out: &mut EnergyReadingTable,
) -> Result<(), StoreError> {
    let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let mut rows = stmt.query(params).map_err(db)?;
    while let Some(r) = rows.next().map_err(db)? {
        out.ts.push(r.get(0).map_err(db)?);
        out.power_kw.push(r.get(1).map_err(db)?);
        out.energy_kwh.push(nan(r.get(2).map_err(db)?));
        out.voltage_v.push(nan(r.get(3).map_err(db)?));
        out.current_a.push(nan(r.get(4).map_err(db)?));
        out.power_factor.push(nan(r.get(5).map_err(db)?));
        out.frequency_hz.push(nan(r.get(6).map_err(db)?));
        out.reactive_energy_kvarh.push(nan(r.get(7).map_err(db)?));
    }
    Ok(())
}

const BASELINE_COLS: &str =
    "id, machine_id, created_at, start_ts, end_ts, passed, spec, model, table_summary";

fn baseline_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(BaselineRecord, i64, i64)> {
    Ok((
        BaselineRecord {
            id: r.get(0)?,
            machine_id: r.get(1)?,
            created_at: r.get(2)?,
            range: TimeRange { start: 0, end: 1 },
            passed: r.get::<_, i64>(5)? != 0,
            spec_json: r.get(6)?,
            model_json: r.get(7)?,
            table_json: r.get(8)?,
        },
        r.get(3)?,
        r.get(4)?,
    ))
}

fn with_range(row: (BaselineRecord, i64, i64)) -> Result<BaselineRecord, StoreError> {
    let (mut rec, start, end) = row;
    rec.range = TimeRange::new(start, end)
        .map_err(|e| StoreError::Corrupt(format!("baseline {}: {e}", rec.id)))?;
    Ok(rec)
}

const WEATHER_COLS: &str = "id, target_kind, target, carrier, created_at, start_ts, end_ts, kind, \
     spec, model, answer";

fn weather_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(WeatherModelRecord, i64, i64)> {
    Ok((
        WeatherModelRecord {
            id: r.get(0)?,
            target_kind: r.get(1)?,
            target: r.get(2)?,
            carrier: r.get(3)?,
            created_at: r.get(4)?,
            range: TimeRange { start: 0, end: 1 },
            kind: r.get(7)?,
            spec_json: r.get(8)?,
            model_json: r.get(9)?,
            answer_json: r.get(10)?,
        },
        r.get(5)?,
        r.get(6)?,
    ))
}

fn weather_with_range(
    row: (WeatherModelRecord, i64, i64),
) -> Result<WeatherModelRecord, StoreError> {
    let (mut rec, start, end) = row;
    rec.range = TimeRange::new(start, end)
        .map_err(|e| StoreError::Corrupt(format!("weather model {}: {e}", rec.id)))?;
    Ok(rec)
}

/// Rows of a time-keyed table in `[start, end)`, optionally with the row before and the row at or
/// after the end: `(table, key_col)` and `key` select the series, `cols` the columns after `ts`.
fn series_rows<T>(
    c: &Connection,
    (table, key_col): (&str, &str),
    key: &dyn ToSql,
    cols: &str,
    range: TimeRange,
    neighbours: bool,
    mut push: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    let mut run = |sql: String, p: &[&dyn ToSql]| -> Result<(), StoreError> {
        let mut stmt = c.prepare(&sql).map_err(db)?;
        let mut rows = stmt.query(p).map_err(db)?;
        while let Some(r) = rows.next().map_err(db)? {
            out.push(push(r).map_err(db)?);
        }
        Ok(())
    };
    if neighbours {
        run(
            format!("SELECT ts, {cols} FROM {table} WHERE {key_col} = ?1 AND ts < ?2 ORDER BY ts DESC LIMIT 1"),
            &[key, &range.start],
        )?;
    }
    run(
        format!("SELECT ts, {cols} FROM {table} WHERE {key_col} = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts"),
        &[key, &range.start, &range.end],
    )?;
    if neighbours {
        run(
            format!("SELECT ts, {cols} FROM {table} WHERE {key_col} = ?1 AND ts >= ?2 ORDER BY ts LIMIT 1"),
            &[key, &range.end],
        )?;
    }
    Ok(out)
}

const ANOMALY_COLS: &str = "id, machine_id, detector, method, baseline_id, detector_params, \
    start_ts, end_ts, severity, peak_at, peak_score, points, features, status, acknowledged_by, \
    acknowledged_at, resolved_by, resolved_at, note, created_at, updated_at";

/// Reads anomaly events with `sql` (selecting [`ANOMALY_COLS`]).
fn anomaly_rows(
    c: &Connection,
    sql: &str,
    p: &[&dyn ToSql],
) -> Result<Vec<AnomalyEventRecord>, StoreError> {
    let mut stmt = c.prepare(sql).map_err(db)?;
    let mut rows = stmt.query(p).map_err(db)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(db)? {
        out.push(anomaly_row(r)?);
    }
    Ok(out)
}

fn anomaly_row(r: &rusqlite::Row<'_>) -> Result<AnomalyEventRecord, StoreError> {
    let id: i64 = r.get(0).map_err(db)?;
    let corrupt =
        |what: &str, v: &str| StoreError::Corrupt(format!("anomaly event {id}: bad {what} `{v}`"));
    let severity: String = r.get(8).map_err(db)?;
    let status: String = r.get(13).map_err(db)?;
    let features: String = r.get(12).map_err(db)?;
    let points: i64 = r.get(11).map_err(db)?;
    let event = AnomalyEvent {
        machine_id: r.get(1).map_err(db)?,
        start: r.get(6).map_err(db)?,
        end: r.get(7).map_err(db)?,
        severity: parse_severity(&severity).ok_or_else(|| corrupt("severity", &severity))?,
        peak_at: r.get(9).map_err(db)?,
        peak_score: r
            .get::<_, Option<f64>>(10)
            .map_err(db)?
            .unwrap_or(f64::NEG_INFINITY),
        points: usize::try_from(points).map_err(|_| corrupt("points", &points.to_string()))?,
        features: serde_json::from_str(&features).map_err(|_| corrupt("features", &features))?,
    };
    Ok(AnomalyEventRecord {
        id,
        event,
        detector: DetectorRecord {
            key: r.get(2).map_err(db)?,
            method: r.get(3).map_err(db)?,
            baseline_id: r.get(4).map_err(db)?,
            params_json: r.get(5).map_err(db)?,
        },
        status: EventStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        acknowledged_by: r.get(14).map_err(db)?,
        acknowledged_at: r.get(15).map_err(db)?,
        resolved_by: r.get(16).map_err(db)?,
        resolved_at: r.get(17).map_err(db)?,
        note: r.get(18).map_err(db)?,
        created_at: r.get(19).map_err(db)?,
        updated_at: r.get(20).map_err(db)?,
    })
}

fn anomaly_by_id(c: &Connection, id: i64) -> Result<Option<AnomalyEventRecord>, StoreError> {
    Ok(anomaly_rows(
        c,
        &format!("SELECT {ANOMALY_COLS} FROM anomaly_events WHERE id = ?1"),
        &[&id],
    )?
    .pop())
}

fn features_json(e: &AnomalyEvent) -> Result<String, StoreError> {
    serde_json::to_string(&e.features).map_err(|e| StoreError::Database(e.to_string()))
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Upserts one detected event (the rule of [`Store::upsert_anomaly_events`]).
fn upsert_event(
    tx: &Transaction<'_>,
    d: &DetectorRecord,
    e: &AnomalyEvent,
    now: Timestamp,
) -> Result<(AnomalyEventRecord, UpsertAction), StoreError> {
    let overlapping = anomaly_rows(
        tx,
        &format!(
            "SELECT {ANOMALY_COLS} FROM anomaly_events WHERE machine_id = ?1 AND detector = ?2 \
             AND start_ts < ?3 AND end_ts > ?4 ORDER BY start_ts, id"
        ),
        &[&e.machine_id, &d.key, &e.end, &e.start],
    )?;
    if let Some(r) = overlapping
        .iter()
        .find(|r| r.status == EventStatus::Resolved)
    {
        return Ok((r.clone(), UpsertAction::KeptResolved));
    }
    if let Some(r) = overlapping.into_iter().next() {
        let merged = merge_detected(&r.event, e);
        if merged == r.event {
            return Ok((r, UpsertAction::Unchanged));
        }
        tx.execute(
            "UPDATE anomaly_events SET start_ts = ?2, end_ts = ?3, severity = ?4, peak_at = ?5, \
             peak_score = ?6, points = ?7, features = ?8, detector_params = ?9, updated_at = ?10 \
             WHERE id = ?1",
            params![
                r.id,
                merged.start,
                merged.end,
                severity_name(merged.severity),
                merged.peak_at,
                finite(merged.peak_score),
                merged.points as i64,
                features_json(&merged)?,
                d.params_json,
                now
            ],
        )
        .map_err(db)?;
        let updated = anomaly_by_id(tx, r.id)?
            .ok_or_else(|| StoreError::Database(format!("anomaly event {} vanished", r.id)))?;
        return Ok((updated, UpsertAction::Updated));
    }
    tx.execute(
        "INSERT INTO anomaly_events (machine_id, detector, method, baseline_id, detector_params, \
         start_ts, end_ts, severity, peak_at, peak_score, points, features, status, created_at, \
         updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'open', ?13, ?13)",
        params![
            e.machine_id,
            d.key,
            d.method,
            d.baseline_id,
            d.params_json,
            e.start,
            e.end,
            severity_name(e.severity),
            e.peak_at,
            finite(e.peak_score),
            e.points as i64,
            features_json(e)?,
            now
        ],
    )
    .map_err(db)?;
    let id = tx.last_insert_rowid();
    let created = anomaly_by_id(tx, id)?
        .ok_or_else(|| StoreError::Database(format!("anomaly event {id} vanished")))?;
    Ok((created, UpsertAction::Created))
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(db))
    }

    fn import(&self, data: &SimOutput) -> Result<ImportSummary, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction().map_err(db)?;
        let summary = import_tx(&tx, data)?;
        tx.commit().map_err(db)?;
        Ok(summary)
    }

    fn counts(&self) -> Result<TableCounts, StoreError> {
        self.read(|c| {
            Ok(TableCounts {
                factories: count(c, "factories")?,
                machines: count(c, "machines")?,
                energy_readings: count(c, "energy_readings")?,
                production_data: count(c, "production_data")?,
                environmental_data: count(c, "environmental_data")?,
                machine_status: count(c, "machine_status")?,
                events: count(c, "events")?,
                process_data: count(c, "process_data")?,
            })
        })
    }

    fn factories(&self) -> Result<Vec<Factory>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare("SELECT id, name, location, timezone FROM factories ORDER BY id")
                .map_err(db)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(Factory {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        location: r.get(2)?,
                        timezone: r.get(3)?,
                    })
                })
                .map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        })
    }

    fn machines(&self) -> Result<Vec<Machine>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare(
                    "SELECT id, factory_id, name, machine_type, rated_power_kw, carrier, interval_s \
                     FROM machines ORDER BY id",
                )
                .map_err(db)?;
            let mut rows = stmt.query([]).map_err(db)?;
            let mut out = Vec::new();
            while let Some(r) = rows.next().map_err(db)? {
                let machine_type: String = r.get(3).map_err(db)?;
                let carrier: String = r.get(5).map_err(db)?;
                let corrupt = |e: enms_core::Error| StoreError::Corrupt(e.to_string());
                out.push(Machine {
                    id: r.get(0).map_err(db)?,
                    factory_id: r.get(1).map_err(db)?,
                    name: r.get(2).map_err(db)?,
                    machine_type: machine_type.parse::<MachineType>().map_err(corrupt)?,
                    rated_power_kw: r.get(4).map_err(db)?,
                    carrier: carrier.parse::<EnergyCarrier>().map_err(corrupt)?,
                    interval_s: r.get(6).map_err(db)?,
                });
            }
            Ok(out)
        })
    }

    fn readings(
        &self,
        machine_id: &str,
        range: Option<TimeRange>,
        limit: Option<usize>,
        neighbours: bool,
    ) -> Result<EnergyReadingTable, StoreError> {
        self.read(|c| {
            let mut out = EnergyReadingTable::with_capacity(machine_id, 0);
            let Some(key) = Self::machine_key(c, machine_id)? else {
                return Ok(out);
            };
            let (start, end) = match range {
                Some(r) => (r.start, r.end),
                None => (i64::MIN, i64::MAX),
            };
            let limit = limit.map(|l| l as i64).unwrap_or(-1);
            if neighbours && range.is_some() {
                let mut before = c
                    .prepare(&format!(
                        "SELECT {READING_COLS} FROM energy_readings \
                         WHERE machine_key = ?1 AND ts < ?2 ORDER BY ts DESC LIMIT 1"
                    ))
                    .map_err(db)?;
                push_readings(&mut before, params![key, start], &mut out)?;
            }
            let mut main = c
                .prepare(&format!(
                    "SELECT {READING_COLS} FROM energy_readings \
                     WHERE machine_key = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts LIMIT ?4"
                ))
                .map_err(db)?;
            push_readings(&mut main, params![key, start, end, limit], &mut out)?;
            if neighbours && range.is_some() {
                let mut after = c
                    .prepare(&format!(
                        "SELECT {READING_COLS} FROM energy_readings \
                         WHERE machine_key = ?1 AND ts >= ?2 ORDER BY ts LIMIT 1"
                    ))
                    .map_err(db)?;
                push_readings(&mut after, params![key, end], &mut out)?;
            }
            Ok(out)
        })
    }

    fn reading_span(&self, machine_id: &str) -> Result<Option<(Timestamp, Timestamp)>, StoreError> {
        self.read(|c| {
            let Some(key) = Self::machine_key(c, machine_id)? else {
                return Ok(None);
            };
            let first: Option<i64> = c
                .query_row(
                    "SELECT ts FROM energy_readings WHERE machine_key = ?1 ORDER BY ts LIMIT 1",
                    [key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            let last: Option<i64> = c
                .query_row(
                    "SELECT ts FROM energy_readings WHERE machine_key = ?1 ORDER BY ts DESC LIMIT 1",
                    [key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            Ok(first.zip(last))
        })
    }

    fn production(
        &self,
        machine_id: &str,
        range: Option<TimeRange>,
        neighbours: bool,
    ) -> Result<ProductionCounts, StoreError> {
        self.read(|c| {
            let mut out = ProductionCounts::default();
            let Some(key) = Self::machine_key(c, machine_id)? else {
                return Ok(out);
            };
            let (start, end) = match range {
                Some(r) => (r.start, r.end),
                None => (i64::MIN, i64::MAX),
            };
            let push = |sql: &str, p: &[&dyn ToSql], out: &mut ProductionCounts| {
                let mut stmt = c.prepare(sql).map_err(db)?;
                let mut rows = stmt.query(p).map_err(db)?;
                while let Some(r) = rows.next().map_err(db)? {
                    out.ts.push(r.get(0).map_err(db)?);
                    out.production_count.push(r.get(1).map_err(db)?);
                }
                Ok::<(), StoreError>(())
            };
            if neighbours && range.is_some() {
                push(
                    "SELECT ts, production_count FROM production_data \
                     WHERE machine_key = ?1 AND ts <= ?2 ORDER BY ts DESC LIMIT 1",
                    params![key, start],
                    &mut out,
                )?;
            }
            push(
                "SELECT ts, production_count FROM production_data \
                 WHERE machine_key = ?1 AND ts > ?2 AND ts <= ?3 ORDER BY ts",
                params![key, start, end],
                &mut out,
            )?;
            if neighbours && range.is_some() {
                push(
                    "SELECT ts, production_count FROM production_data \
                     WHERE machine_key = ?1 AND ts > ?2 ORDER BY ts LIMIT 1",
                    params![key, end],
                    &mut out,
                )?;
            }
            Ok(out)
        })
    }

    fn environment(
        &self,
        factory_id: &str,
        range: TimeRange,
        neighbours: bool,
    ) -> Result<EnvironmentSeries, StoreError> {
        self.read(|c| {
            let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
            let rows = series_rows(
                c,
                ("environmental_data", "factory_id"),
                &factory_id,
                "outdoor_temp_c, indoor_temp_c, humidity_pct, pressure_hpa",
                range,
                neighbours,
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        nan(r.get(1)?),
                        nan(r.get(2)?),
                        nan(r.get(3)?),
                        nan(r.get(4)?),
                    ))
                },
            )?;
            let mut out = EnvironmentSeries::default();
            for (ts, o, i, h, p) in rows {
                out.ts.push(ts);
                out.outdoor_temp_c.push(o);
                out.indoor_temp_c.push(i);
                out.humidity_pct.push(h);
                out.pressure_hpa.push(p);
            }
            Ok(out)
        })
    }

    fn running(
        &self,
        machine_id: &str,
        range: TimeRange,
        neighbours: bool,
    ) -> Result<RunningFlags, StoreError> {
        self.read(|c| {
            let mut out = RunningFlags::default();
            let Some(key) = Self::machine_key(c, machine_id)? else {
                return Ok(out);
            };
            let rows = series_rows(
                c,
                ("machine_status", "machine_key"),
                &key,
                "is_running",
                range,
                neighbours,
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
            )?;
            for (ts, on) in rows {
                out.ts.push(ts);
                out.running.push(if on != 0 { 1.0 } else { 0.0 });
            }
            Ok(out)
        })
    }

    fn process(
        &self,
        machine_id: &str,
        range: TimeRange,
        neighbours: bool,
    ) -> Result<Vec<ProcessQuantity>, StoreError> {
        self.read(|c| {
            let Some(key) = Self::machine_key(c, machine_id)? else {
                return Ok(Vec::new());
            };
            let mut stmt = c
                .prepare(
                    "SELECT quantity, max(unit) FROM process_data WHERE machine_key = ?1 \
                     GROUP BY quantity ORDER BY quantity",
                )
                .map_err(db)?;
            let names = stmt
                .query_map([key], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .map_err(db)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            let mut out = Vec::with_capacity(names.len());
            for (quantity, unit) in names {
                let mut q = ProcessQuantity {
                    quantity,
                    unit,
                    ..ProcessQuantity::default()
                };
                let mut run = |sql: &str, p: &[&dyn ToSql]| -> Result<(), StoreError> {
                    let mut stmt = c.prepare(sql).map_err(db)?;
                    let mut rows = stmt.query(p).map_err(db)?;
                    while let Some(r) = rows.next().map_err(db)? {
                        q.ts.push(r.get(0).map_err(db)?);
                        q.value
                            .push(r.get::<_, Option<f64>>(1).map_err(db)?.unwrap_or(f64::NAN));
                    }
                    Ok(())
                };
                let name = q.quantity.clone();
                if neighbours {
                    run(
                        "SELECT ts, value FROM process_data WHERE machine_key = ?1 AND \
                         quantity = ?2 AND ts < ?3 ORDER BY ts DESC LIMIT 1",
                        &[&key, &name, &range.start],
                    )?;
                }
                run(
                    "SELECT ts, value FROM process_data WHERE machine_key = ?1 AND quantity = ?2 \
                     AND ts >= ?3 AND ts < ?4 ORDER BY ts",
                    &[&key, &name, &range.start, &range.end],
                )?;
                if neighbours {
                    run(
                        "SELECT ts, value FROM process_data WHERE machine_key = ?1 AND \
                         quantity = ?2 AND ts >= ?3 ORDER BY ts LIMIT 1",
                        &[&key, &name, &range.end],
                    )?;
                }
                out.push(q);
            }
            Ok(out)
        })
    }

    fn insert_baseline(&self, rec: &BaselineRecord) -> Result<i64, StoreError> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        conn.execute(
            "INSERT INTO baselines (machine_id, created_at, start_ts, end_ts, passed, spec, model, \
             table_summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                rec.machine_id,
                rec.created_at,
                rec.range.start,
                rec.range.end,
                i64::from(rec.passed),
                rec.spec_json,
                rec.model_json,
                rec.table_json
            ],
        )
        .map_err(db)?;
        Ok(conn.last_insert_rowid())
    }

    fn baselines(&self, machine_id: Option<&str>) -> Result<Vec<BaselineRecord>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare(&format!(
                    "SELECT {BASELINE_COLS} FROM baselines \
                     WHERE ?1 IS NULL OR machine_id = ?1 ORDER BY id"
                ))
                .map_err(db)?;
            let rows = stmt.query_map([machine_id], baseline_row).map_err(db)?;
            rows.map(|r| r.map_err(db).and_then(with_range)).collect()
        })
    }

    fn insert_weather_model(&self, rec: &WeatherModelRecord) -> Result<i64, StoreError> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        conn.execute(
            "INSERT INTO weather_models (target_kind, target, carrier, created_at, start_ts, end_ts, \
             kind, spec, model, answer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                rec.target_kind,
                rec.target,
                rec.carrier,
                rec.created_at,
                rec.range.start,
                rec.range.end,
                rec.kind,
                rec.spec_json,
                rec.model_json,
                rec.answer_json
            ],
        )
        .map_err(db)?;
        Ok(conn.last_insert_rowid())
    }

    fn weather_models(&self) -> Result<Vec<WeatherModelRecord>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare(&format!(
                    "SELECT {WEATHER_COLS} FROM weather_models ORDER BY id"
                ))
                .map_err(db)?;
            let rows = stmt.query_map([], weather_row).map_err(db)?;
            rows.map(|r| r.map_err(db).and_then(weather_with_range))
                .collect()
        })
    }

    fn weather_model(&self, id: i64) -> Result<Option<WeatherModelRecord>, StoreError> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {WEATHER_COLS} FROM weather_models WHERE id = ?1"),
                [id],
                weather_row,
            )
            .optional()
            .map_err(db)?
            .map(weather_with_range)
            .transpose()
        })
    }

    fn delete_baseline(&self, id: i64) -> Result<bool, StoreError> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let n = conn
            .execute("DELETE FROM baselines WHERE id = ?1", [id])
            .map_err(db)?;
        Ok(n > 0)
    }

    fn delete_weather_model(&self, id: i64) -> Result<bool, StoreError> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let n = conn
            .execute("DELETE FROM weather_models WHERE id = ?1", [id])
            .map_err(db)?;
        Ok(n > 0)
    }

    fn baseline(&self, id: i64) -> Result<Option<BaselineRecord>, StoreError> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {BASELINE_COLS} FROM baselines WHERE id = ?1"),
                [id],
                baseline_row,
            )
            .optional()
            .map_err(db)?
            .map(with_range)
            .transpose()
        })
    }

    fn upsert_anomaly_events(
        &self,
        detector: &DetectorRecord,
        events: &[AnomalyEvent],
        now: Timestamp,
    ) -> Result<Vec<(AnomalyEventRecord, UpsertAction)>, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction().map_err(db)?;
        let out = events
            .iter()
            .map(|e| upsert_event(&tx, detector, e, now))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(db)?;
        Ok(out)
    }

    fn anomaly_events(
        &self,
        filter: &AnomalyFilter,
    ) -> Result<Vec<AnomalyEventRecord>, StoreError> {
        self.read(|c| {
            anomaly_rows(
                c,
                &format!(
                    "SELECT {ANOMALY_COLS} FROM anomaly_events \
                     WHERE (?1 IS NULL OR machine_id = ?1) AND (?2 IS NULL OR status = ?2) \
                     AND (?3 IS NULL OR end_ts > ?3) AND (?4 IS NULL OR start_ts < ?4) \
                     ORDER BY start_ts, id"
                ),
                &[
                    &filter.machine_id,
                    &filter.status.map(EventStatus::as_str),
                    &filter.from,
                    &filter.to,
                ],
            )
        })
    }

    fn anomaly_event(&self, id: i64) -> Result<Option<AnomalyEventRecord>, StoreError> {
        self.read(|c| anomaly_by_id(c, id))
    }

    fn transition_anomaly_event(
        &self,
        id: i64,
        step: &Transition,
    ) -> Result<TransitionOutcome, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction().map_err(db)?;
        let Some(rec) = anomaly_by_id(&tx, id)? else {
            return Ok(TransitionOutcome::NotFound);
        };
        if !rec.status.can_become(step.to) {
            return Ok(TransitionOutcome::Refused(rec));
        }
        let sql = match step.to {
            EventStatus::Acknowledged => {
                "UPDATE anomaly_events SET status = 'acknowledged', acknowledged_by = ?2, \
                 acknowledged_at = ?3, note = COALESCE(?4, note), updated_at = ?3 WHERE id = ?1"
            }
            EventStatus::Resolved => {
                "UPDATE anomaly_events SET status = 'resolved', resolved_by = ?2, \
                 resolved_at = ?3, note = COALESCE(?4, note), updated_at = ?3 WHERE id = ?1"
            }
            EventStatus::Open => return Ok(TransitionOutcome::Refused(rec)),
        };
        tx.execute(sql, params![id, step.by, step.at, step.note])
            .map_err(db)?;
        let now = anomaly_by_id(&tx, id)?
            .ok_or_else(|| StoreError::Database(format!("anomaly event {id} vanished")))?;
        tx.commit().map_err(db)?;
        Ok(TransitionOutcome::Done(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use enms_core::time::{parse_rfc3339, MICROS_PER_HOUR, MICROS_PER_MINUTE};
    use enms_sim::{FactoryConfig, Simulator};

    struct Dir(PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn two_hours() -> SimOutput {
        let start = parse_rfc3339("2025-01-06T08:00:00Z").unwrap();
        Simulator::new(FactoryConfig::default(), 7)
            .unwrap()
            .generate(start, start + 2 * MICROS_PER_HOUR)
            .unwrap()
    }

    #[test]
    fn upserts_only_what_changed_and_reads_ranges_with_neighbours() {
        let dir = Dir(std::env::temp_dir().join(format!("enms-sqlite-{}", std::process::id())));
        let store = SqliteStore::open(&dir.0).unwrap();
        let mut data = two_hours();
        let first = store.import(&data).unwrap();
        assert_eq!(first.rows_changed, first.rows_read);
        assert_eq!(store.counts().unwrap(), first.rows_read);
        assert_eq!(
            first.rows_read.energy_readings,
            data.energy_reading_count() as u64
        );
        assert_eq!(store.import(&data).unwrap().rows_changed.total(), 0);

        // corrected data replaces exactly the rows that differ
        let hvac = data
            .energy
            .iter()
            .position(|t| t.machine_id == "hvac-1")
            .unwrap();
        data.energy[hvac].power_kw[5] += 1.0;
        data.energy[hvac].voltage_v[6] = f64::NAN;
        let fix = store.import(&data).unwrap();
        assert_eq!(fix.rows_changed.energy_readings, 2);
        assert_eq!(fix.rows_changed.total(), 2);
        let all = store.readings("hvac-1", None, None, false).unwrap();
        assert_eq!(all.power_kw, data.energy[hvac].power_kw);
        assert!(all.voltage_v[6].is_nan());
        assert_eq!(all.ts, data.energy[hvac].ts);

        // a range, its neighbours, a limit, the span
        let t = &data.energy[hvac];
        let range = TimeRange::new(t.ts[10], t.ts[20]).unwrap();
        let inner = store.readings("hvac-1", Some(range), None, false).unwrap();
        assert_eq!(inner.ts, t.ts[10..20]);
        let wide = store.readings("hvac-1", Some(range), None, true).unwrap();
        assert_eq!(wide.ts, t.ts[9..21]);
        let few = store
            .readings("hvac-1", Some(range), Some(3), false)
            .unwrap();
        assert_eq!(few.ts, t.ts[10..13]);
        assert_eq!(
            store.reading_span("hvac-1").unwrap(),
            Some((t.ts[0], t.ts[t.len() - 1]))
        );
        assert_eq!(store.reading_span("nope").unwrap(), None);
        assert!(store.readings("nope", None, None, true).unwrap().is_empty());

        // production: interval ends in (start, end], plus one row either side on request
        let p = data.production_of("conveyor-1").unwrap();
        let range = TimeRange::new(p.ts[3], p.ts[3] + 5 * MICROS_PER_MINUTE).unwrap();
        let got = store.production("conveyor-1", Some(range), false).unwrap();
        assert_eq!(got.ts, p.ts[4..9]);
        assert_eq!(got.production_count, p.production_count[4..9]);
        let wide = store.production("conveyor-1", Some(range), true).unwrap();
        assert_eq!(wide.ts, p.ts[3..10]);

        let machines = store.machines().unwrap();
        assert_eq!(machines.len(), data.machines.len());
        let mut expected = data.machines.clone();
        expected.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(machines, expected);
        assert_eq!(store.factories().unwrap(), vec![data.factory.clone()]);

        // environment and running flags: the range with a neighbour on either side
        let env = &data.environment;
        let range = TimeRange::new(env.ts[2], env.ts[5]).unwrap();
        let got = store.environment("plant-1", range, true).unwrap();
        assert_eq!(got.ts, env.ts[1..6]);
        assert_eq!(got.outdoor_temp_c.len(), 5);
        assert_eq!(
            store.environment("plant-1", range, false).unwrap().ts,
            env.ts[2..5]
        );
        let st = data
            .status
            .iter()
            .find(|t| t.machine_id == "conveyor-1")
            .unwrap();
        let range = TimeRange::new(st.ts[10], st.ts[20]).unwrap();
        let got = store.running("conveyor-1", range, true).unwrap();
        assert_eq!(got.ts, st.ts[9..21]);
        let flags: Vec<f64> = st.is_running[9..21]
            .iter()
            .map(|b| f64::from(u8::from(*b)))
            .collect();
        assert_eq!(got.running, flags);

        // process quantities: the range with a neighbour on either side, per quantity
        let pr = data
            .process
            .iter()
            .find(|t| t.machine_id == "compressor-1")
            .unwrap();
        let range = TimeRange::new(pr.ts[10], pr.ts[20]).unwrap();
        let got = store.process("compressor-1", range, true).unwrap();
        let q = got.iter().find(|q| q.quantity == pr.quantity).unwrap();
        assert_eq!(q.unit, pr.unit);
        assert_eq!(q.ts, pr.ts[9..21]);
        assert_eq!(q.value.len(), 12);
        assert!(store.process("nope", range, true).unwrap().is_empty());

        // baselines: ids in order, filtered by machine
        let rec = |m: &str| BaselineRecord {
            id: 0,
            machine_id: m.into(),
            created_at: 5,
            range,
            passed: false,
            spec_json: "{}".into(),
            model_json: "{\"a\":1}".into(),
            table_json: "[]".into(),
        };
        let a = store.insert_baseline(&rec("conveyor-1")).unwrap();
        let b = store.insert_baseline(&rec("hvac-1")).unwrap();
        assert!(b > a);
        assert_eq!(store.baselines(None).unwrap().len(), 2);
        let only = store.baselines(Some("hvac-1")).unwrap();
        assert_eq!((only.len(), only[0].id), (1, b));
        let got = store.baseline(a).unwrap().unwrap();
        assert_eq!(
            got,
            BaselineRecord {
                id: a,
                ..rec("conveyor-1")
            }
        );
        assert_eq!(store.baseline(b + 100).unwrap(), None);
    }

    fn event(start_h: i64, end_h: i64, peak: f64) -> AnomalyEvent {
        let h = MICROS_PER_HOUR;
        AnomalyEvent {
            machine_id: "hvac-1".into(),
            start: start_h * h,
            end: end_h * h,
            severity: if peak > 3.0 {
                enms_core::anomaly::Severity::Critical
            } else {
                enms_core::anomaly::Severity::Warning
            },
            peak_at: start_h * h,
            peak_score: peak,
            points: (end_h - start_h) as usize,
            features: vec!["energy_kwh".into()],
        }
    }

    #[test]
    fn anomaly_events_upsert_by_overlap_and_follow_their_lifecycle() {
        let dir = Dir(std::env::temp_dir().join(format!("enms-anomaly-{}", std::process::id())));
        let store = SqliteStore::open(&dir.0).unwrap();
        let det = |key: &str| DetectorRecord {
            key: key.into(),
            method: "baseline_residual".into(),
            baseline_id: Some(1),
            params_json: "{}".into(),
        };
        let d = det("baseline_residual:1");
        let run = store
            .upsert_anomaly_events(&d, &[event(0, 2, 2.5), event(10, 12, 4.0)], 100)
            .unwrap();
        let actions: Vec<UpsertAction> = run.iter().map(|(_, a)| *a).collect();
        assert_eq!(actions, [UpsertAction::Created, UpsertAction::Created]);
        let (a, b) = (run[0].0.id, run[1].0.id);
        assert_eq!(run[0].0.status, EventStatus::Open);
        assert_eq!((run[0].0.created_at, run[0].0.updated_at), (100, 100));

        // the same run again: nothing changes
        let again = store
            .upsert_anomaly_events(&d, &[event(0, 2, 2.5), event(10, 12, 4.0)], 200)
            .unwrap();
        assert!(again.iter().all(|(_, x)| *x == UpsertAction::Unchanged));
        assert_eq!(again[0].0, run[0].0);
        assert_eq!(
            store
                .anomaly_events(&AnomalyFilter::default())
                .unwrap()
                .len(),
            2
        );

        // a longer run extends the event it overlaps, keeping its id, and raises its peak
        let longer = store
            .upsert_anomaly_events(&d, &[event(1, 5, 3.5)], 300)
            .unwrap();
        let (ext, action) = &longer[0];
        assert_eq!((ext.id, *action), (a, UpsertAction::Updated));
        assert_eq!((ext.event.start, ext.event.end), (0, 5 * MICROS_PER_HOUR));
        assert_eq!(ext.event.peak_score, 3.5);
        assert_eq!(ext.event.severity, enms_core::anomaly::Severity::Critical);
        assert_eq!((ext.created_at, ext.updated_at), (100, 300));
        // another detector keeps events of its own
        let other = store
            .upsert_anomaly_events(&det("baseline_residual:2"), &[event(0, 2, 2.5)], 300)
            .unwrap();
        assert_eq!(other[0].1, UpsertAction::Created);

        // lifecycle
        let step = |to, by: Option<&str>| Transition {
            to,
            by: by.map(str::to_string),
            note: Some("checked".into()),
            at: 400,
        };
        let TransitionOutcome::Done(acked) = store
            .transition_anomaly_event(a, &step(EventStatus::Acknowledged, Some("maria")))
            .unwrap()
        else {
            panic!("acknowledge refused")
        };
        assert_eq!(acked.status, EventStatus::Acknowledged);
        assert_eq!(acked.acknowledged_by.as_deref(), Some("maria"));
        assert_eq!(acked.acknowledged_at, Some(400));
        assert!(matches!(
            store
                .transition_anomaly_event(a, &step(EventStatus::Acknowledged, Some("x")))
                .unwrap(),
            TransitionOutcome::Refused(r) if r.status == EventStatus::Acknowledged
        ));
        // an acknowledged event is still extended by detection
        let ext = store
            .upsert_anomaly_events(&d, &[event(4, 6, 3.0)], 450)
            .unwrap();
        assert_eq!(ext[0].1, UpsertAction::Updated);
        assert_eq!(ext[0].0.status, EventStatus::Acknowledged);
        assert_eq!(ext[0].0.event.end, 6 * MICROS_PER_HOUR);
        let TransitionOutcome::Done(done) = store
            .transition_anomaly_event(b, &step(EventStatus::Resolved, None))
            .unwrap()
        else {
            panic!("resolve refused")
        };
        assert_eq!(
            (done.status, done.resolved_at),
            (EventStatus::Resolved, Some(400))
        );
        assert!(matches!(
            store
                .transition_anomaly_event(b, &step(EventStatus::Resolved, None))
                .unwrap(),
            TransitionOutcome::Refused(_)
        ));
        assert_eq!(
            store
                .transition_anomaly_event(999, &step(EventStatus::Resolved, None))
                .unwrap(),
            TransitionOutcome::NotFound
        );
        // a resolved event is not reopened, extended or duplicated by a re-run
        let kept = store
            .upsert_anomaly_events(&d, &[event(9, 14, 9.0)], 500)
            .unwrap();
        assert_eq!(kept[0].1, UpsertAction::KeptResolved);
        assert_eq!(kept[0].0, done);

        // filters
        let list = |f: AnomalyFilter| -> Vec<i64> {
            store
                .anomaly_events(&f)
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(list(AnomalyFilter::default()).len(), 3);
        let resolved = AnomalyFilter {
            status: Some(EventStatus::Resolved),
            ..AnomalyFilter::default()
        };
        assert_eq!(list(resolved), [b]);
        let window = AnomalyFilter {
            from: Some(6 * MICROS_PER_HOUR),
            to: Some(11 * MICROS_PER_HOUR),
            machine_id: Some("hvac-1".into()),
            ..AnomalyFilter::default()
        };
        assert_eq!(list(window), [b]);
        assert_eq!(
            store.anomaly_event(a).unwrap().unwrap().note.as_deref(),
            Some("checked")
        );
        assert_eq!(store.anomaly_event(999).unwrap(), None);
    }

    #[test]
    fn a_version_2_database_gains_the_anomaly_table_and_keeps_its_baselines() {
        let dir = Dir(std::env::temp_dir().join(format!("enms-v2-{}", std::process::id())));
        std::fs::create_dir_all(&dir.0).unwrap();
        {
            let c = Connection::open(dir.0.join(DB_FILE)).unwrap();
            c.execute_batch(SCHEMA).unwrap();
            c.execute_batch(
                "INSERT INTO baselines (machine_id, created_at, start_ts, end_ts, passed, spec, \
                 model, table_summary) VALUES ('hvac-1', 1, 0, 10, 1, '{}', '{}', '[]'); \
                 PRAGMA user_version=2;",
            )
            .unwrap();
        }
        let store = SqliteStore::open(&dir.0).unwrap();
        assert_eq!(store.baselines(None).unwrap().len(), 1);
        assert!(store
            .anomaly_events(&AnomalyFilter::default())
            .unwrap()
            .is_empty());
        let version: i64 = store
            .read(|c| {
                c.query_row("PRAGMA user_version", [], |r| r.get(0))
                    .map_err(db)
            })
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        drop(store);
        // a newer database is refused
        let c = Connection::open(dir.0.join(DB_FILE)).unwrap();
        c.execute_batch("PRAGMA user_version=99").unwrap();
        drop(c);
        assert!(SqliteStore::open(&dir.0).is_err());
    }
}
