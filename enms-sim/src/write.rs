//! Writers of the simulated tables: CSV and Parquet, one file per table
//! (`factories`, `machines`, `energy_readings`, `production_data`, `environmental_data`, `machine_status`,
//! `events`, `process_data`).
//!
//! CSV: a header row with the column names, timestamps as RFC 3339 UTC with `Z`
//! (`2025-01-06T00:00:01Z`), values not measured as empty fields, booleans `true`/`false`.
//! Parquet (arrow-rs `ArrowWriter`, Snappy): timestamps as `timestamp[us, UTC]`, values not
//! measured as nulls, one row group per machine table or per million rows.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::calendar::push_rfc3339;
use crate::error::{Error, Result};
use crate::output::SimOutput;

/// Rows per Arrow record batch.
const BATCH_ROWS: usize = 1 << 20;

/// File format of the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma-separated values with a header.
    Csv,
    /// Apache Parquet, Snappy-compressed.
    Parquet,
}

impl Format {
    /// File extension.
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// Column names of every table.
pub mod columns {
    /// `factories`.
    pub const FACTORIES: [&str; 4] = ["factory_id", "name", "location", "timezone"];
    /// `machines`.
    pub const MACHINES: [&str; 7] = [
        "machine_id",
        "factory_id",
        "name",
        "machine_type",
        "rated_power_kw",
        "carrier",
        "interval_s",
    ];
    /// `energy_readings`.
    pub const ENERGY_READINGS: [&str; 9] = [
        "time",
        "machine_id",
        "power_kw",
        "energy_kwh",
        "voltage_v",
        "current_a",
        "power_factor",
        "frequency_hz",
        "reactive_energy_kvarh",
    ];
    /// `production_data`.
    pub const PRODUCTION_DATA: [&str; 6] = [
        "time",
        "machine_id",
        "production_count",
        "throughput_per_hour",
        "operating_mode",
        "material",
    ];
    /// `environmental_data`.
    pub const ENVIRONMENTAL_DATA: [&str; 6] = [
        "time",
        "factory_id",
        "outdoor_temp_c",
        "indoor_temp_c",
        "humidity_pct",
        "pressure_hpa",
    ];
    /// `machine_status`.
    pub const MACHINE_STATUS: [&str; 5] = [
        "time",
        "machine_id",
        "is_running",
        "operating_hours",
        "alert_level",
    ];
    /// `events`.
    pub const EVENTS: [&str; 5] = ["machine_id", "kind", "start", "end", "description"];
    /// `process_data`.
    pub const PROCESS_DATA: [&str; 5] = ["time", "machine_id", "quantity", "value", "unit"];
}

fn create(dir: &Path, table: &str, ext: &str) -> Result<(PathBuf, File)> {
    let path = dir.join(format!("{table}.{ext}"));
    let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
    Ok((path, f))
}

/// Pushes a float with `decimals` decimals (empty for NaN).
fn push_f(s: &mut String, v: f64, decimals: usize) {
    use std::fmt::Write as _;
    if v.is_finite() {
        let _ = write!(s, "{v:.decimals$}");
    }
}

fn push_csv_str(s: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        s.push('"');
        s.push_str(&v.replace('"', "\"\""));
        s.push('"');
    } else {
        s.push_str(v);
    }
}

struct CsvOut {
    path: PathBuf,
    w: BufWriter<File>,
    line: String,
}

impl CsvOut {
    fn new(dir: &Path, table: &str, header: &[&str]) -> Result<Self> {
        let (path, f) = create(dir, table, "csv")?;
        let mut me = CsvOut {
            path,
            w: BufWriter::with_capacity(1 << 20, f),
            line: String::with_capacity(256),
        };
        me.line.push_str(&header.join(","));
        me.end_line()?;
        Ok(me)
    }

    fn end_line(&mut self) -> Result<()> {
        self.line.push('\n');
        if self.line.len() > 1 << 16 {
            self.flush_line()?;
        }
        Ok(())
    }

    fn flush_line(&mut self) -> Result<()> {
        self.w
            .write_all(self.line.as_bytes())
            .map_err(|e| Error::io(&self.path, e))?;
        self.line.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<PathBuf> {
        self.flush_line()?;
        self.w.flush().map_err(|e| Error::io(&self.path, e))?;
        Ok(self.path)
    }
}

/// Writes every table as `dir/<table>.csv` (creating `dir`); returns the files written.
pub fn write_csv(out: &SimOutput, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();

    let mut w = CsvOut::new(dir, "factories", &columns::FACTORIES)?;
    let f = &out.factory;
    for (k, v) in [&f.id, &f.name, &f.location, &f.timezone]
        .into_iter()
        .enumerate()
    {
        if k > 0 {
            w.line.push(',');
        }
        push_csv_str(&mut w.line, v);
    }
    w.end_line()?;
    files.push(w.finish()?);

    let mut w = CsvOut::new(dir, "machines", &columns::MACHINES)?;
    for m in &out.machines {
        let l = &mut w.line;
        push_csv_str(l, &m.id);
        l.push(',');
        push_csv_str(l, &m.factory_id);
        l.push(',');
        push_csv_str(l, &m.name);
        l.push(',');
        l.push_str(m.machine_type.as_str());
        l.push(',');
        push_f(l, m.rated_power_kw, 1);
        l.push(',');
        l.push_str(m.carrier.as_str());
        l.push(',');
        push_f(l, m.interval_s, 0);
        w.end_line()?;
    }
    files.push(w.finish()?);

    let mut w = CsvOut::new(dir, "energy_readings", &columns::ENERGY_READINGS)?;
    for t in &out.energy {
        for i in 0..t.len() {
            let l = &mut w.line;
            push_rfc3339(l, t.ts[i]);
            l.push(',');
            push_csv_str(l, &t.machine_id);
            l.push(',');
            push_f(l, t.power_kw[i], 3);
            l.push(',');
            push_f(l, t.energy_kwh[i], 4);
            l.push(',');
            push_f(l, t.voltage_v[i], 1);
            l.push(',');
            push_f(l, t.current_a[i], 2);
            l.push(',');
            push_f(l, t.power_factor[i], 3);
            l.push(',');
            push_f(l, t.frequency_hz[i], 3);
            l.push(',');
            push_f(l, t.reactive_energy_kvarh[i], 4);
            w.end_line()?;
        }
    }
    files.push(w.finish()?);

    let mut w = CsvOut::new(dir, "production_data", &columns::PRODUCTION_DATA)?;
    for t in &out.production {
        for i in 0..t.len() {
            let l = &mut w.line;
            push_rfc3339(l, t.ts[i]);
            l.push(',');
            push_csv_str(l, &t.machine_id);
            l.push(',');
            push_f(l, t.production_count[i], 0);
            l.push(',');
            push_f(l, t.throughput_per_hour[i], 1);
            l.push(',');
            l.push_str(t.operating_mode[i].as_str());
            l.push(',');
            if let Some(m) = t.material_name(i) {
                push_csv_str(l, m);
            }
            w.end_line()?;
        }
    }
    files.push(w.finish()?);

    let mut w = CsvOut::new(dir, "environmental_data", &columns::ENVIRONMENTAL_DATA)?;
    let e = &out.environment;
    for i in 0..e.len() {
        let l = &mut w.line;
        push_rfc3339(l, e.ts[i]);
        l.push(',');
        push_csv_str(l, &e.factory_id);
        for v in [
            e.outdoor_temp_c[i],
            e.indoor_temp_c[i],
            e.humidity_pct[i],
            e.pressure_hpa[i],
        ] {
            l.push(',');
            push_f(l, v, 1);
        }
        w.end_line()?;
    }
    files.push(w.finish()?);

    let mut w = CsvOut::new(dir, "machine_status", &columns::MACHINE_STATUS)?;
    for t in &out.status {
        for i in 0..t.len() {
            let l = &mut w.line;
            push_rfc3339(l, t.ts[i]);
            l.push(',');
            push_csv_str(l, &t.machine_id);
            l.push(',');
            l.push_str(if t.is_running[i] { "true" } else { "false" });
            l.push(',');
            push_f(l, t.operating_hours[i], 3);
            l.push(',');
            l.push_str(t.alert_level[i].as_str());
            w.end_line()?;
        }
    }
    files.push(w.finish()?);

    let mut w = CsvOut::new(dir, "events", &columns::EVENTS)?;
    for ev in &out.events {
        let l = &mut w.line;
        push_csv_str(l, &ev.machine_id);
        l.push(',');
        l.push_str(ev.kind.as_str());
        l.push(',');
        push_rfc3339(l, ev.start);
        l.push(',');
        if let Some(end) = ev.end {
            push_rfc3339(l, end);
        }
        l.push(',');
        push_csv_str(l, &ev.description);
        w.end_line()?;
    }
    files.push(w.finish()?);

    let mut w = CsvOut::new(dir, "process_data", &columns::PROCESS_DATA)?;
    for s in &out.process {
        for (ts, v) in s.ts.iter().zip(&s.value) {
            let l = &mut w.line;
            push_rfc3339(l, *ts);
            l.push(',');
            push_csv_str(l, &s.machine_id);
            l.push(',');
            push_csv_str(l, &s.quantity);
            l.push(',');
            push_f(l, *v, 3);
            l.push(',');
            push_csv_str(l, &s.unit);
            w.end_line()?;
        }
    }
    files.push(w.finish()?);
    Ok(files)
}

fn ts_field(name: &str, nullable: bool) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        nullable,
    )
}

fn f64_field(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Float64, nullable)
}

fn str_field(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

/// Arrow schemas of the tables (the Parquet files carry them).
pub fn schema(table: &str) -> Option<SchemaRef> {
    let fields = match table {
        "factories" => vec![
            str_field("factory_id", false),
            str_field("name", false),
            str_field("location", false),
            str_field("timezone", false),
        ],
        "machines" => vec![
            str_field("machine_id", false),
            str_field("factory_id", false),
            str_field("name", false),
            str_field("machine_type", false),
            f64_field("rated_power_kw", false),
            str_field("carrier", false),
            f64_field("interval_s", false),
        ],
        "energy_readings" => vec![
            ts_field("time", false),
            str_field("machine_id", false),
            f64_field("power_kw", false),
            f64_field("energy_kwh", false),
            f64_field("voltage_v", true),
            f64_field("current_a", true),
            f64_field("power_factor", true),
            f64_field("frequency_hz", true),
            f64_field("reactive_energy_kvarh", true),
        ],
        "production_data" => vec![
            ts_field("time", false),
            str_field("machine_id", false),
            f64_field("production_count", false),
            f64_field("throughput_per_hour", false),
            str_field("operating_mode", false),
            str_field("material", true),
        ],
        "environmental_data" => vec![
            ts_field("time", false),
            str_field("factory_id", false),
            f64_field("outdoor_temp_c", false),
            f64_field("indoor_temp_c", false),
            f64_field("humidity_pct", false),
            f64_field("pressure_hpa", false),
        ],
        "machine_status" => vec![
            ts_field("time", false),
            str_field("machine_id", false),
            Field::new("is_running", DataType::Boolean, false),
            f64_field("operating_hours", false),
            str_field("alert_level", false),
        ],
        "events" => vec![
            str_field("machine_id", false),
            str_field("kind", false),
            ts_field("start", false),
            ts_field("end", true),
            str_field("description", false),
        ],
        "process_data" => vec![
            ts_field("time", false),
            str_field("machine_id", false),
            str_field("quantity", false),
            f64_field("value", false),
            str_field("unit", false),
        ],
        _ => return None,
    };
    Some(Arc::new(Schema::new(fields)))
}

fn f64_array(v: &[f64]) -> ArrayRef {
    let mut b = Float64Builder::with_capacity(v.len());
    for x in v {
        if x.is_finite() {
            b.append_value(*x);
        } else {
            b.append_null();
        }
    }
    Arc::new(b.finish())
}

fn ts_array(v: &[i64]) -> ArrayRef {
    let mut b = TimestampMicrosecondBuilder::with_capacity(v.len()).with_timezone("UTC");
    b.append_slice(v);
    Arc::new(b.finish())
}

fn repeat_str(s: &str, n: usize) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(n, n * s.len());
    for _ in 0..n {
        b.append_value(s);
    }
    Arc::new(b.finish())
}

fn strings<'a>(it: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    let mut b = StringBuilder::new();
    for s in it {
        b.append_option(s);
    }
    Arc::new(b.finish())
}

struct PqOut {
    path: PathBuf,
    w: ArrowWriter<File>,
}

impl PqOut {
    fn new(dir: &Path, table: &str) -> Result<Self> {
        let schema = schema(table)
            .ok_or_else(|| Error::invalid("table", format!("unknown table `{table}`")))?;
        let (path, f) = create(dir, table, "parquet")?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let w = ArrowWriter::try_new(f, schema, Some(props))?;
        Ok(PqOut { path, w })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.w.write(batch)?;
        // One row group per machine table / batch.
        self.w.flush()?;
        Ok(())
    }

    fn finish(self) -> Result<PathBuf> {
        self.w.close()?;
        Ok(self.path)
    }
}

fn ranges(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n.div_ceil(BATCH_ROWS)).map(move |k| k * BATCH_ROWS..((k + 1) * BATCH_ROWS).min(n))
}

/// One table's record batches, built column by column.
struct Batches {
    table: &'static str,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl Batches {
    fn new(table: &'static str) -> Result<Self> {
        let schema = schema(table)
            .ok_or_else(|| Error::invalid("table", format!("unknown table `{table}`")))?;
        Ok(Batches {
            table,
            schema,
            batches: Vec::new(),
        })
    }

    fn write(&mut self, cols: Vec<ArrayRef>) -> Result<()> {
        self.batches
            .push(RecordBatch::try_new(self.schema.clone(), cols)?);
        Ok(())
    }

    fn finish(self) -> (&'static str, SchemaRef, Vec<RecordBatch>) {
        (self.table, self.schema, self.batches)
    }
}

/// Every table as Arrow record batches with the schemas of [`schema`], in the order of
/// [`crate::TABLES`]: one batch per machine table (or per million rows) where the data is per
/// machine. What [`write_parquet`] writes, one row group per batch, and what the Python face hands
/// to polars.
pub fn record_batches(out: &SimOutput) -> Result<Vec<(&'static str, SchemaRef, Vec<RecordBatch>)>> {
    let mut tables = Vec::with_capacity(crate::TABLES.len());

    let mut w = Batches::new("factories")?;
    let f = &out.factory;
    w.write(
        [&f.id, &f.name, &f.location, &f.timezone]
            .into_iter()
            .map(|v| strings(std::iter::once(Some(v.as_str()))))
            .collect(),
    )?;
    tables.push(w.finish());

    let mut w = Batches::new("machines")?;
    let ms = &out.machines;
    w.write(vec![
        strings(ms.iter().map(|m| Some(m.id.as_str()))),
        strings(ms.iter().map(|m| Some(m.factory_id.as_str()))),
        strings(ms.iter().map(|m| Some(m.name.as_str()))),
        strings(ms.iter().map(|m| Some(m.machine_type.as_str()))),
        f64_array(&ms.iter().map(|m| m.rated_power_kw).collect::<Vec<_>>()),
        strings(ms.iter().map(|m| Some(m.carrier.as_str()))),
        f64_array(&ms.iter().map(|m| m.interval_s).collect::<Vec<_>>()),
    ])?;
    tables.push(w.finish());

    let mut w = Batches::new("energy_readings")?;
    for t in &out.energy {
        for r in ranges(t.len()) {
            w.write(vec![
                ts_array(&t.ts[r.clone()]),
                repeat_str(&t.machine_id, r.len()),
                f64_array(&t.power_kw[r.clone()]),
                f64_array(&t.energy_kwh[r.clone()]),
                f64_array(&t.voltage_v[r.clone()]),
                f64_array(&t.current_a[r.clone()]),
                f64_array(&t.power_factor[r.clone()]),
                f64_array(&t.frequency_hz[r.clone()]),
                f64_array(&t.reactive_energy_kvarh[r]),
            ])?;
        }
    }
    tables.push(w.finish());

    let mut w = Batches::new("production_data")?;
    for t in &out.production {
        for r in ranges(t.len()) {
            w.write(vec![
                ts_array(&t.ts[r.clone()]),
                repeat_str(&t.machine_id, r.len()),
                f64_array(&t.production_count[r.clone()]),
                f64_array(&t.throughput_per_hour[r.clone()]),
                strings(t.operating_mode[r.clone()].iter().map(|m| Some(m.as_str()))),
                strings(r.map(|i| t.material_name(i))),
            ])?;
        }
    }
    tables.push(w.finish());

    let mut w = Batches::new("environmental_data")?;
    let e = &out.environment;
    for r in ranges(e.len()) {
        w.write(vec![
            ts_array(&e.ts[r.clone()]),
            repeat_str(&e.factory_id, r.len()),
            f64_array(&e.outdoor_temp_c[r.clone()]),
            f64_array(&e.indoor_temp_c[r.clone()]),
            f64_array(&e.humidity_pct[r.clone()]),
            f64_array(&e.pressure_hpa[r]),
        ])?;
    }
    tables.push(w.finish());

    let mut w = Batches::new("machine_status")?;
    for t in &out.status {
        for r in ranges(t.len()) {
            let mut running = BooleanBuilder::with_capacity(r.len());
            running.append_slice(&t.is_running[r.clone()]);
            w.write(vec![
                ts_array(&t.ts[r.clone()]),
                repeat_str(&t.machine_id, r.len()),
                Arc::new(running.finish()),
                f64_array(&t.operating_hours[r.clone()]),
                strings(t.alert_level[r].iter().map(|a| Some(a.as_str()))),
            ])?;
        }
    }
    tables.push(w.finish());

    let mut w = Batches::new("events")?;
    let ev = &out.events;
    let mut end = TimestampMicrosecondBuilder::with_capacity(ev.len()).with_timezone("UTC");
    for x in ev {
        end.append_option(x.end);
    }
    w.write(vec![
        strings(ev.iter().map(|x| Some(x.machine_id.as_str()))),
        strings(ev.iter().map(|x| Some(x.kind.as_str()))),
        ts_array(&ev.iter().map(|x| x.start).collect::<Vec<_>>()),
        Arc::new(end.finish()),
        strings(ev.iter().map(|x| Some(x.description.as_str()))),
    ])?;
    tables.push(w.finish());

    let mut w = Batches::new("process_data")?;
    for s in &out.process {
        for r in ranges(s.len()) {
            w.write(vec![
                ts_array(&s.ts[r.clone()]),
                repeat_str(&s.machine_id, r.len()),
                repeat_str(&s.quantity, r.len()),
                f64_array(&s.value[r.clone()]),
                repeat_str(&s.unit, r.len()),
            ])?;
        }
    }
    tables.push(w.finish());
    Ok(tables)
}

/// Writes every table as `dir/<table>.parquet` (creating `dir`); returns the files written.
pub fn write_parquet(out: &SimOutput, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Vec::new();
    for (table, _, batches) in record_batches(out)? {
        let mut w = PqOut::new(dir, table)?;
        for b in &batches {
            w.write(b)?;
        }
        files.push(w.finish()?);
    }
    Ok(files)
}

/// Writes every table in `format` into `dir`.
pub fn write(out: &SimOutput, dir: &Path, format: Format) -> Result<Vec<PathBuf>> {
    match format {
        Format::Csv => write_csv(out, dir),
        Format::Parquet => write_parquet(out, dir),
    }
}

impl SimOutput {
    /// Writes every table as `dir/<table>.csv`.
    pub fn write_csv(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        write_csv(self, dir.as_ref())
    }

    /// Writes every table as `dir/<table>.parquet` (Snappy).
    pub fn write_parquet(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>> {
        write_parquet(self, dir.as_ref())
    }
}
