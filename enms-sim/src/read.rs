//! Reader of a generated data set: the inverse of [`crate::write`].
//!
//! [`read_dir`] takes a directory written by `enms-sim generate` (CSV or Parquet, told apart by the
//! files present) and returns the columnar [`SimOutput`]. Long-format rows are grouped by machine
//! (and by quantity for `process_data`) and sorted by time within a machine where the file was
//! not. The server's `import`, the `kpis` command and the faces all read data sets through here.
//!
//! Bad content is reported with the table, column and row it was found in
//! (`energy_readings.power_kw`, row 1234, 0-based data rows); nothing is guessed.
//!
//! `SimOutput::start` is the first energy reading; `SimOutput::end` the last energy reading plus
//! the longest meter interval (when the next reading would have been due).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use enms_core::model::{
    AlertLevel, EnergyCarrier, EnergyReadingTable, Event, EventKind, Factory, Machine, MachineType,
    OperatingMode,
};
use enms_core::time::{parse_rfc3339, Timestamp, MICROS_PER_SECOND};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{Error, Result};
use crate::output::{
    EnvironmentTable, ProcessSeries, ProductionTable, SimOutput, StatusTable, NO_MATERIAL,
};
use crate::write::{schema, Format};

/// Marks a missing timestamp in a nullable timestamp column.
const NULL_TS: Timestamp = i64::MIN;

/// A string column, dictionary-encoded (machine ids repeat millions of times).
#[derive(Debug, Default)]
struct StrCol {
    dict: Vec<String>,
    lookup: HashMap<String, u32>,
    idx: Vec<u32>,
    /// Rows where the value is missing (nullable columns only).
    null: Vec<bool>,
}

impl StrCol {
    fn push(&mut self, v: Option<&str>) {
        match v {
            Some(s) => {
                let k = match self.lookup.get(s) {
                    Some(&k) => k,
                    None => {
                        let k = self.dict.len() as u32;
                        self.dict.push(s.to_string());
                        self.lookup.insert(s.to_string(), k);
                        k
                    }
                };
                self.idx.push(k);
                self.null.push(false);
            }
            None => {
                self.idx.push(u32::MAX);
                self.null.push(true);
            }
        }
    }

    fn get(&self, i: usize) -> Option<&str> {
        if self.null[i] {
            None
        } else {
            Some(&self.dict[self.idx[i] as usize])
        }
    }
}

/// One column of a table being read, typed by the table's schema.
#[derive(Debug)]
enum Col {
    Str(StrCol),
    F64(Vec<f64>),
    Ts(Vec<Timestamp>),
    Bool(Vec<bool>),
}

/// A table read from a file, columns in schema order.
struct Raw {
    table: &'static str,
    names: Vec<String>,
    nullable: Vec<bool>,
    cols: Vec<Col>,
    rows: usize,
}

impl Raw {
    fn new(table: &'static str) -> Result<Self> {
        let schema = schema(table)
            .ok_or_else(|| Error::invalid("table", format!("unknown table `{table}`")))?;
        let mut names = Vec::new();
        let mut nullable = Vec::new();
        let mut cols = Vec::new();
        for f in schema.fields() {
            names.push(f.name().clone());
            nullable.push(f.is_nullable());
            cols.push(match f.data_type() {
                DataType::Utf8 => Col::Str(StrCol::default()),
                DataType::Float64 => Col::F64(Vec::new()),
                DataType::Timestamp(_, _) => Col::Ts(Vec::new()),
                _ => Col::Bool(Vec::new()),
            });
        }
        Ok(Raw {
            table,
            names,
            nullable,
            cols,
            rows: 0,
        })
    }

    fn pos(&self, name: &str) -> usize {
        self.names.iter().position(|n| n == name).unwrap_or(0)
    }

    fn str(&self, name: &str) -> &StrCol {
        match &self.cols[self.pos(name)] {
            Col::Str(c) => c,
            _ => EMPTY_STR.get_or_init(StrCol::default),
        }
    }

    fn f64(&self, name: &str) -> &[f64] {
        match &self.cols[self.pos(name)] {
            Col::F64(c) => c,
            _ => &[],
        }
    }

    fn ts(&self, name: &str) -> &[Timestamp] {
        match &self.cols[self.pos(name)] {
            Col::Ts(c) => c,
            _ => &[],
        }
    }

    fn bool(&self, name: &str) -> &[bool] {
        match &self.cols[self.pos(name)] {
            Col::Bool(c) => c,
            _ => &[],
        }
    }

    fn parse_error(&self, col: usize, row: usize, value: &str, reason: &str) -> Error {
        Error::Core(enms_core::Error::Parse {
            column: format!("{}.{}", self.table, self.names[col]),
            index: row,
            value: value.to_string(),
            reason: reason.to_string(),
        })
    }
}

// The accessors are only called with names of the table's own schema, whose types are fixed in
// `write::schema`; an empty column keeps them total without a panic path.
static EMPTY_STR: std::sync::OnceLock<StrCol> = std::sync::OnceLock::new();

/// Parses `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` quickly; anything else through the general RFC 3339
/// parser.
fn parse_ts(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let fast = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z';
    if fast {
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let mut v = 0i64;
            for &c in &b[r] {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + i64::from(c - b'0');
            }
            Some(v)
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut micros = 0i64;
        if b.len() > 20 {
            if b[19] != b'.' || b.len() > 27 {
                return parse_rfc3339(s).ok();
            }
            let frac = &b[20..b.len() - 1];
            micros = num(20..b.len() - 1)? * 10i64.pow(6 - frac.len() as u32);
        }
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
            return parse_rfc3339(s).ok();
        }
        let days = days_from_civil(y, mo, d);
        return Some(((days * 86_400 + h * 3600 + mi * 60 + sec) * MICROS_PER_SECOND) + micros);
    }
    parse_rfc3339(s).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Where a CSV field's text is: in the line itself, or (quoted fields, unescaped) in the scratch
/// buffer.
#[derive(Debug, Clone, Copy)]
enum Span {
    Line(usize, usize),
    Scratch(usize, usize),
}

/// The fields of one CSV line (RFC 4180 quoting), as spans, without allocating per line.
#[derive(Debug, Default)]
struct Fields {
    spans: Vec<Span>,
    scratch: String,
}

impl Fields {
    fn split(&mut self, line: &str) {
        self.spans.clear();
        self.scratch.clear();
        let b = line.as_bytes();
        let mut i = 0;
        loop {
            if i < b.len() && b[i] == b'"' {
                let s0 = self.scratch.len();
                i += 1;
                let mut start = i;
                while i < b.len() {
                    if b[i] == b'"' {
                        self.scratch.push_str(&line[start..i]);
                        if i + 1 < b.len() && b[i + 1] == b'"' {
                            self.scratch.push('"');
                            i += 2;
                            start = i;
                            continue;
                        }
                        start = usize::MAX;
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                if start != usize::MAX && start <= b.len() {
                    // unterminated quote: keep the rest of the line
                    self.scratch.push_str(&line[start.min(b.len())..]);
                }
                self.spans.push(Span::Scratch(s0, self.scratch.len()));
                while i < b.len() && b[i] != b',' {
                    i += 1;
                }
            } else {
                let start = i;
                while i < b.len() && b[i] != b',' {
                    i += 1;
                }
                self.spans.push(Span::Line(start, i));
            }
            if i >= b.len() {
                break;
            }
            i += 1; // the comma
        }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn get<'a>(&'a self, line: &'a str, k: usize) -> &'a str {
        match self.spans.get(k) {
            Some(&Span::Line(a, b)) => &line[a..b],
            Some(&Span::Scratch(a, b)) => &self.scratch[a..b],
            None => "",
        }
    }
}

fn read_csv(dir: &Path, table: &'static str) -> Result<Raw> {
    let path = dir.join(format!("{table}.csv"));
    let f = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut raw = Raw::new(table)?;
    let mut line = String::new();
    let mut fields = Fields::default();
    if r.read_line(&mut line).map_err(|e| Error::io(&path, e))? == 0 {
        return Err(Error::invalid(
            &format!("{table}.csv"),
            "the file is empty (a header row is expected)",
        ));
    }
    let header = line.trim_end_matches(['\n', '\r']).to_string();
    fields.split(&header);
    // Position in the file of each schema column.
    let mut at = Vec::with_capacity(raw.names.len());
    for name in &raw.names {
        match (0..fields.len()).position(|k| fields.get(&header, k).trim() == name) {
            Some(k) => at.push(k),
            None => {
                return Err(Error::invalid(
                    &format!("{table}.csv"),
                    format!("missing column `{name}`"),
                ))
            }
        }
    }
    let width = fields.len();
    let mut row = 0usize;
    loop {
        line.clear();
        if r.read_line(&mut line).map_err(|e| Error::io(&path, e))? == 0 {
            break;
        }
        let l = line.trim_end_matches(['\n', '\r']);
        if l.is_empty() {
            continue;
        }
        fields.split(l);
        if fields.len() != width {
            return Err(Error::Core(enms_core::Error::Parse {
                column: table.to_string(),
                index: row,
                value: l.chars().take(120).collect(),
                reason: format!("{} fields, the header has {width}", fields.len()),
            }));
        }
        for (c, &k) in at.iter().enumerate() {
            let v = fields.get(l, k);
            let missing = v.is_empty();
            if missing && !raw.nullable[c] {
                return Err(raw.parse_error(c, row, v, "a value is required"));
            }
            let bad = match &mut raw.cols[c] {
                Col::Str(s) => {
                    s.push((!missing).then_some(v));
                    None
                }
                Col::F64(x) => {
                    if missing {
                        x.push(f64::NAN);
                        None
                    } else {
                        match v.trim().parse::<f64>() {
                            Ok(n) if n.is_finite() => {
                                x.push(n);
                                None
                            }
                            _ => Some("not a finite number"),
                        }
                    }
                }
                Col::Ts(x) => {
                    if missing {
                        x.push(NULL_TS);
                        None
                    } else {
                        match parse_ts(v.trim()) {
                            Some(t) => {
                                x.push(t);
                                None
                            }
                            None => Some("not an RFC 3339 timestamp"),
                        }
                    }
                }
                Col::Bool(x) => match v.trim() {
                    "true" => {
                        x.push(true);
                        None
                    }
                    "false" => {
                        x.push(false);
                        None
                    }
                    _ => Some("expected `true` or `false`"),
                },
            };
            if let Some(reason) = bad {
                return Err(raw.parse_error(c, row, v, reason));
            }
        }
        row += 1;
    }
    raw.rows = row;
    Ok(raw)
}

fn read_parquet(dir: &Path, table: &'static str) -> Result<Raw> {
    let path = dir.join(format!("{table}.parquet"));
    let f = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)?
        .with_batch_size(1 << 16)
        .build()?;
    let mut raw = Raw::new(table)?;
    for batch in reader {
        let batch: RecordBatch = batch?;
        let schema = batch.schema();
        for c in 0..raw.names.len() {
            let name = raw.names[c].clone();
            let k = schema.index_of(&name).map_err(|_| {
                Error::invalid(
                    &format!("{table}.parquet"),
                    format!("missing column `{name}`"),
                )
            })?;
            let a = batch.column(k);
            let wrong = || {
                Error::invalid(
                    &format!("{table}.parquet"),
                    format!("column `{name}` has type {}", a.data_type()),
                )
            };
            let nullable = raw.nullable[c];
            let base = raw.rows;
            let null_at = |i: usize| raw.parse_error(c, base + i, "", "a value is required");
            if !nullable && a.null_count() > 0 {
                let i = (0..a.len()).find(|&i| a.is_null(i)).unwrap_or(0);
                return Err(null_at(i));
            }
            match &mut raw.cols[c] {
                Col::Str(s) => {
                    let a = a.as_string_opt::<i32>().ok_or_else(wrong)?;
                    for i in 0..a.len() {
                        s.push((!a.is_null(i)).then(|| a.value(i)));
                    }
                }
                Col::F64(x) => {
                    let a = a.as_primitive_opt::<Float64Type>().ok_or_else(wrong)?;
                    for i in 0..a.len() {
                        x.push(if a.is_null(i) { f64::NAN } else { a.value(i) });
                    }
                }
                Col::Ts(x) => {
                    let a = a
                        .as_primitive_opt::<TimestampMicrosecondType>()
                        .ok_or_else(wrong)?;
                    for i in 0..a.len() {
                        x.push(if a.is_null(i) { NULL_TS } else { a.value(i) });
                    }
                }
                Col::Bool(x) => {
                    let a = a.as_boolean_opt().ok_or_else(wrong)?;
                    for i in 0..a.len() {
                        x.push(a.value(i));
                    }
                }
            }
        }
        raw.rows += batch.num_rows();
    }
    Ok(raw)
}

/// The format of the data set in `dir`: Parquet when `energy_readings.parquet` is there, CSV when
/// `energy_readings.csv` is.
pub fn detect_format(dir: &Path) -> Result<Format> {
    if dir.join("energy_readings.parquet").is_file() {
        Ok(Format::Parquet)
    } else if dir.join("energy_readings.csv").is_file() {
        Ok(Format::Csv)
    } else {
        Err(Error::invalid(
            "data",
            format!(
                "`{}` holds no energy_readings.csv or energy_readings.parquet (the output of `enms-sim generate`)",
                dir.display()
            ),
        ))
    }
}

fn read_table(dir: &Path, table: &'static str, format: Format) -> Result<Raw> {
    match format {
        Format::Csv => read_csv(dir, table),
        Format::Parquet => read_parquet(dir, table),
    }
}

fn has_table(dir: &Path, table: &str, format: Format) -> bool {
    let p: PathBuf = dir.join(format!("{table}.{}", format.extension()));
    p.is_file()
}

/// Rows of each value of a string column, in order of first appearance, each sorted by `ts`
/// (stable, so rows already in time order keep their order).
fn groups(ids: &StrCol, ts: &[Timestamp]) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> =
        ids.dict.iter().map(|d| (d.clone(), Vec::new())).collect();
    for (i, &k) in ids.idx.iter().enumerate() {
        if let Some(g) = out.get_mut(k as usize) {
            g.1.push(i);
        }
    }
    for (_, rows) in &mut out {
        if !rows.windows(2).all(|w| ts[w[0]] <= ts[w[1]]) {
            rows.sort_by_key(|&i| ts[i]);
        }
    }
    out
}

fn parse_enum<T: std::str::FromStr<Err = enms_core::Error>>(
    raw: &Raw,
    col: &str,
    row: usize,
    v: &str,
) -> Result<T> {
    v.parse::<T>().map_err(|e| {
        let reason = match &e {
            enms_core::Error::InvalidParameter { reason, .. } => reason.clone(),
            other => other.to_string(),
        };
        raw.parse_error(raw.pos(col), row, v, &reason)
    })
}

/// Reads a data set written by `enms-sim generate` (or [`crate::write`]) from `dir`.
pub fn read_dir(dir: &Path) -> Result<SimOutput> {
    let format = detect_format(dir)?;

    // machines
    let m = read_table(dir, "machines", format)?;
    let mut machines = Vec::with_capacity(m.rows);
    for i in 0..m.rows {
        let s = |c: &str| m.str(c).get(i).unwrap_or("").to_string();
        machines.push(Machine {
            id: s("machine_id"),
            factory_id: s("factory_id"),
            name: s("name"),
            machine_type: parse_enum::<MachineType>(&m, "machine_type", i, &s("machine_type"))?,
            rated_power_kw: m.f64("rated_power_kw")[i],
            carrier: parse_enum::<EnergyCarrier>(&m, "carrier", i, &s("carrier"))?,
            interval_s: m.f64("interval_s")[i],
        });
    }
    if machines.is_empty() {
        return Err(Error::Core(enms_core::Error::EmptySeries {
            column: "machines".into(),
            needed: 1,
        }));
    }

    // factory (older data sets have no factories table: UTC, named after the id)
    let factory = if has_table(dir, "factories", format) {
        let f = read_table(dir, "factories", format)?;
        if f.rows == 0 {
            return Err(Error::Core(enms_core::Error::EmptySeries {
                column: "factories".into(),
                needed: 1,
            }));
        }
        let s = |c: &str| f.str(c).get(0).unwrap_or("").to_string();
        Factory {
            id: s("factory_id"),
            name: s("name"),
            location: s("location"),
            timezone: s("timezone"),
        }
    } else {
        Factory {
            id: machines[0].factory_id.clone(),
            name: machines[0].factory_id.clone(),
            location: String::new(),
            timezone: "UTC".into(),
        }
    };
    let position = |id: &str, raw: &Raw, row: usize| -> Result<usize> {
        machines.iter().position(|m| m.id == id).ok_or_else(|| {
            raw.parse_error(raw.pos("machine_id"), row, id, "not in the machines table")
        })
    };

    // energy readings
    let e = read_table(dir, "energy_readings", format)?;
    let mut energy: Vec<EnergyReadingTable> = machines
        .iter()
        .map(|m| EnergyReadingTable::with_capacity(m.id.clone(), 0))
        .collect();
    let ts = e.ts("time");
    let cols = [
        e.f64("power_kw"),
        e.f64("energy_kwh"),
        e.f64("voltage_v"),
        e.f64("current_a"),
        e.f64("power_factor"),
        e.f64("frequency_hz"),
        e.f64("reactive_energy_kvarh"),
    ];
    for (id, rows) in groups(e.str("machine_id"), ts) {
        let k = position(&id, &e, rows.first().copied().unwrap_or(0))?;
        let t = &mut energy[k];
        t.ts = rows.iter().map(|&i| ts[i]).collect();
        let pick = |c: &[f64]| rows.iter().map(|&i| c[i]).collect::<Vec<f64>>();
        t.power_kw = pick(cols[0]);
        t.energy_kwh = pick(cols[1]);
        t.voltage_v = pick(cols[2]);
        t.current_a = pick(cols[3]);
        t.power_factor = pick(cols[4]);
        t.frequency_hz = pick(cols[5]);
        t.reactive_energy_kvarh = pick(cols[6]);
    }
    let start = ts.iter().copied().min().unwrap_or(0);
    let longest = machines.iter().map(|m| m.interval_s).fold(0.0, f64::max);
    let end = ts.iter().copied().max().unwrap_or(start)
        + (longest * MICROS_PER_SECOND as f64).round() as i64;
    drop(e);

    // production
    let p = read_table(dir, "production_data", format)?;
    let mut production = Vec::new();
    let pts = p.ts("time");
    for (id, rows) in groups(p.str("machine_id"), pts) {
        position(&id, &p, rows.first().copied().unwrap_or(0))?;
        let mut t = ProductionTable {
            machine_id: id,
            ..Default::default()
        };
        let mut dict: HashMap<String, u8> = HashMap::new();
        for &i in &rows {
            t.ts.push(pts[i]);
            t.production_count.push(p.f64("production_count")[i]);
            t.throughput_per_hour.push(p.f64("throughput_per_hour")[i]);
            let mode = p.str("operating_mode").get(i).unwrap_or("");
            t.operating_mode
                .push(parse_enum::<OperatingMode>(&p, "operating_mode", i, mode)?);
            let mat = match p.str("material").get(i) {
                None => NO_MATERIAL,
                Some(name) => match dict.get(name) {
                    Some(&k) => k,
                    None => {
                        let k = t.materials.len();
                        if k >= usize::from(NO_MATERIAL) {
                            return Err(p.parse_error(
                                p.pos("material"),
                                i,
                                name,
                                "more than 254 materials on one machine",
                            ));
                        }
                        t.materials.push(name.to_string());
                        dict.insert(name.to_string(), k as u8);
                        k as u8
                    }
                },
            };
            t.material.push(mat);
        }
        production.push(t);
    }
    drop(p);

    // environment
    let v = read_table(dir, "environmental_data", format)?;
    let vts = v.ts("time");
    let mut order: Vec<usize> = (0..v.rows).collect();
    order.sort_by_key(|&i| vts[i]);
    let pick = |c: &[f64]| order.iter().map(|&i| c[i]).collect::<Vec<f64>>();
    let environment = EnvironmentTable {
        factory_id: v
            .str("factory_id")
            .dict
            .first()
            .cloned()
            .unwrap_or_else(|| factory.id.clone()),
        ts: order.iter().map(|&i| vts[i]).collect(),
        outdoor_temp_c: pick(v.f64("outdoor_temp_c")),
        indoor_temp_c: pick(v.f64("indoor_temp_c")),
        humidity_pct: pick(v.f64("humidity_pct")),
        pressure_hpa: pick(v.f64("pressure_hpa")),
    };
    drop(v);

    // status
    let s = read_table(dir, "machine_status", format)?;
    let mut status: Vec<StatusTable> = machines
        .iter()
        .map(|m| StatusTable {
            machine_id: m.id.clone(),
            ..Default::default()
        })
        .collect();
    let sts = s.ts("time");
    for (id, rows) in groups(s.str("machine_id"), sts) {
        let k = position(&id, &s, rows.first().copied().unwrap_or(0))?;
        let t = &mut status[k];
        for &i in &rows {
            t.ts.push(sts[i]);
            t.is_running.push(s.bool("is_running")[i]);
            t.operating_hours.push(s.f64("operating_hours")[i]);
            let a = s.str("alert_level").get(i).unwrap_or("");
            t.alert_level
                .push(parse_enum::<AlertLevel>(&s, "alert_level", i, a)?);
        }
    }
    drop(s);

    // events
    let ev = read_table(dir, "events", format)?;
    let mut events = Vec::with_capacity(ev.rows);
    for i in 0..ev.rows {
        let id = ev.str("machine_id").get(i).unwrap_or("");
        position(id, &ev, i)?;
        let kind = ev.str("kind").get(i).unwrap_or("");
        let end = ev.ts("end")[i];
        events.push(Event {
            machine_id: id.to_string(),
            kind: parse_enum::<EventKind>(&ev, "kind", i, kind)?,
            start: ev.ts("start")[i],
            end: (end != NULL_TS).then_some(end),
            description: ev.str("description").get(i).unwrap_or("").to_string(),
        });
    }
    events.sort_by_key(|e| e.start);

    // process data (optional: a data set may leave it out)
    let mut process = Vec::new();
    if has_table(dir, "process_data", format) {
        let pr = read_table(dir, "process_data", format)?;
        let prts = pr.ts("time");
        let ids = pr.str("machine_id");
        let qs = pr.str("quantity");
        let values = pr.f64("value");
        let mut by: HashMap<(u32, u32), usize> = HashMap::new();
        for (i, (&t, &v)) in prts.iter().zip(values).enumerate() {
            let key = (ids.idx[i], qs.idx[i]);
            let k = match by.get(&key) {
                Some(&k) => k,
                None => {
                    let id = ids.get(i).unwrap_or("");
                    position(id, &pr, i)?;
                    process.push(ProcessSeries {
                        machine_id: id.to_string(),
                        quantity: qs.get(i).unwrap_or("").to_string(),
                        unit: pr.str("unit").get(i).unwrap_or("").to_string(),
                        ..Default::default()
                    });
                    by.insert(key, process.len() - 1);
                    process.len() - 1
                }
            };
            process[k].ts.push(t);
            process[k].value.push(v);
        }
        for s in &mut process {
            if !s.ts.windows(2).all(|w| w[0] <= w[1]) {
                let mut rows: Vec<(Timestamp, f64)> =
                    s.ts.iter().copied().zip(s.value.iter().copied()).collect();
                rows.sort_by_key(|r| r.0);
                (s.ts, s.value) = rows.into_iter().unzip();
            }
        }
    }

    Ok(SimOutput {
        factory,
        machines,
        start,
        end,
        energy,
        production,
        environment,
        status,
        process,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_fast_and_exactly() {
        for s in [
            "2025-01-05T23:00:00Z",
            "2024-02-29T12:34:56Z",
            "1999-12-31T23:59:59.5Z",
            "2025-03-30T01:00:00.000001Z",
        ] {
            assert_eq!(parse_ts(s), parse_rfc3339(s).ok(), "{s}");
        }
        assert_eq!(
            parse_ts("2025-01-06T00:00:00+01:00"),
            parse_rfc3339("2025-01-05T23:00:00Z").ok()
        );
        assert_eq!(parse_ts("2025-13-01T00:00:00Z"), None);
        assert_eq!(parse_ts("yesterday"), None);
    }

    #[test]
    fn csv_fields_with_quotes() {
        let mut f = Fields::default();
        let line = r#"a,"b, c","say ""hi""",,e"#;
        f.split(line);
        let got: Vec<&str> = (0..f.len()).map(|k| f.get(line, k)).collect();
        assert_eq!(got, ["a", "b, c", "say \"hi\"", "", "e"]);
        f.split("");
        assert_eq!(f.len(), 1);
    }
}
