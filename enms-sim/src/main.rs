//! `enms-sim`: generate factory energy data sets or stream them in (accelerated) real time.
//!
//! Exit codes: 0 success (and a closed stdout pipe), 1 runtime failure (I/O), 2 bad input.

use std::io::{ErrorKind, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use enms_core::kpi::{kpi_report, KpiReport, KpiSettings};
use enms_core::time::{format_rfc3339, MICROS_PER_DAY, MICROS_PER_SECOND};
use enms_sim::calendar::parse_start;
use enms_sim::{Error, FactoryConfig, Format, Simulator};

/// Realistic factory energy simulator of enms.
#[derive(Debug, Parser)]
#[command(name = "enms-sim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the tables for a span of days into a directory (CSV or Parquet).
    Generate(GenerateArgs),
    /// Stream readings as JSON lines on stdout as they fall due, `--speed` times faster than real time.
    Run(RunArgs),
    /// KPIs per machine, per factory and in total: of a data set (`--data DIR`) or of a freshly
    /// simulated span (`--start`, `--days`).
    Kpis(KpisArgs),
}

/// Options shared by every subcommand that simulates.
#[derive(Debug, Args)]
struct FactoryArgs {
    /// Random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Factory description as JSON (FactoryConfig); default: the demo plant.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Expected random faults per machine and day.
    #[arg(long)]
    fault_rate: Option<f64>,
    /// IANA time zone of the factory (default Europe/Berlin).
    #[arg(long)]
    timezone: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Parquet,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// Start: a local date (midnight in the factory's time zone, e.g. 2025-01-06) or an RFC 3339 instant.
    #[arg(long, default_value = "2025-01-06")]
    start: String,
    /// Number of days to simulate.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: u32,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value = "csv")]
    format: FormatArg,
    #[command(flatten)]
    factory: FactoryArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Speed-up over real time (1 = real time).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Simulated start (local date or RFC 3339); default: now.
    #[arg(long)]
    start: Option<String>,
    /// Stop after this many wall-clock seconds (default: run until interrupted).
    #[arg(long)]
    duration_s: Option<f64>,
    /// Only these tables (comma-separated, e.g. energy_readings,events); default: all.
    #[arg(long, value_delimiter = ',')]
    tables: Vec<String>,
    #[command(flatten)]
    factory: FactoryArgs,
}

#[derive(Debug, Args)]
struct KpisArgs {
    /// A directory written by `enms-sim generate` (CSV or Parquet); without it, the span given by
    /// `--start` and `--days` is simulated in memory.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Start of the simulated span: a local date or an RFC 3339 instant (ignored with `--data`).
    #[arg(long, default_value = "2025-01-06")]
    start: String,
    /// Days to simulate (ignored with `--data`).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: u32,
    /// KPI settings as JSON (enms-core `KpiSettings`: range, demand window, carbon factors,
    /// tariff); default: 15-minute fixed demand blocks, 0.45 kg CO2/kWh for electricity.
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Print the whole report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    factory: FactoryArgs,
}

fn user(name: &str, reason: impl Into<String>) -> Error {
    Error::InvalidParameter {
        name: name.into(),
        reason: reason.into(),
    }
}

fn simulator(a: &FactoryArgs) -> Result<Simulator, Error> {
    let mut cfg = match &a.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| user("config", format!("cannot read `{}`: {e}", path.display())))?;
            serde_json::from_str::<FactoryConfig>(&text)
                .map_err(|e| user("config", e.to_string()))?
        }
        None => FactoryConfig::default(),
    };
    if let Some(r) = a.fault_rate {
        cfg.fault_rate_per_machine_day = r;
    }
    if let Some(tz) = &a.timezone {
        cfg.factory.timezone = tz.clone();
    }
    Simulator::new(cfg, a.seed)
}

fn generate(a: &GenerateArgs) -> Result<(), Error> {
    let sim = simulator(&a.factory)?;
    let start = parse_start(&a.start, &sim.factory().timezone)?;
    let end = start + i64::from(a.days) * MICROS_PER_DAY;
    let t0 = std::time::Instant::now();
    let out = sim.generate(start, end)?;
    let t_gen = t0.elapsed();
    let format = match a.format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Parquet => Format::Parquet,
    };
    let files = enms_sim::write::write(&out, &a.out, format)?;
    eprintln!(
        "enms-sim: {} energy readings, {} events over {} day(s) generated in {:.2} s, written in {:.2} s:",
        out.energy_reading_count(),
        out.events.len(),
        a.days,
        t_gen.as_secs_f64(),
        (t0.elapsed() - t_gen).as_secs_f64()
    );
    for f in files {
        eprintln!("  {}", f.display());
    }
    Ok(())
}

fn run(a: &RunArgs) -> Result<(), Error> {
    if !a.speed.is_finite() || a.speed <= 0.0 {
        return Err(user(
            "speed",
            format!("must be a positive number, got {}", a.speed),
        ));
    }
    if let Some(d) = a.duration_s {
        if !d.is_finite() || d <= 0.0 {
            return Err(user(
                "duration-s",
                format!("must be a positive number of seconds, got {d}"),
            ));
        }
    }
    for t in &a.tables {
        if !enms_sim::TABLES.contains(&t.as_str()) || t == "machines" || t == "factories" {
            return Err(user("tables", format!("unknown table `{t}`")));
        }
    }
    let sim = simulator(&a.factory)?;
    let start = match &a.start {
        Some(s) => parse_start(s, &sim.factory().timezone)?,
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            now * MICROS_PER_SECOND
        }
    };
    let mut stream = sim.realtime(start, a.speed)?;
    if let Some(d) = a.duration_s {
        stream = stream.until(start + (d * a.speed * MICROS_PER_SECOND as f64) as i64);
    }
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    for rec in stream {
        let rec = rec?;
        if !a.tables.is_empty() && !a.tables.iter().any(|t| t == rec.table()) {
            continue;
        }
        let line = rec.to_json().to_string();
        let res = writeln!(lock, "{line}").and_then(|_| lock.flush());
        if let Err(e) = res {
            if e.kind() == ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(Error::Io {
                path: "<stdout>".into(),
                source: e,
            });
        }
    }
    Ok(())
}

fn kpis(a: &KpisArgs) -> Result<(), Error> {
    let settings: KpiSettings = match &a.settings {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| user("settings", format!("cannot read `{}`: {e}", path.display())))?;
            serde_json::from_str(&text).map_err(|e| user("settings", e.to_string()))?
        }
        None => KpiSettings::default(),
    };
    let out = match &a.data {
        Some(dir) => enms_sim::read_dir(dir)?,
        None => {
            let sim = simulator(&a.factory)?;
            let start = parse_start(&a.start, &sim.factory().timezone)?;
            sim.generate(start, start + i64::from(a.days) * MICROS_PER_DAY)?
        }
    };
    let report = kpi_report(&out.kpi_inputs()?, &settings)?;
    let stdout = std::io::stdout();
    let mut w = stdout.lock();
    let text = if a.json {
        serde_json::to_string_pretty(&report)?
    } else {
        report_table(&report)
    };
    match writeln!(w, "{text}") {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(Error::Io {
            path: "<stdout>".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".into(), |x| format!("{x:.decimals$}"))
}

/// The report as a fixed-width table, one line per machine, then per factory and carrier.
fn report_table(r: &KpiReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "KPIs from {} to {} ({:.1} h)",
        format_rfc3339(r.range.start),
        format_rfc3339(r.range.end),
        r.range.hours()
    );
    let _ = writeln!(
        s,
        "{:<20} {:<12} {:>11} {:>8} {:>8} {:>20} {:>6} {:>9} {:>9} {:>10} {:>6}",
        "machine",
        "carrier",
        "energy_kwh",
        "mean_kw",
        "peak_kw",
        "peak_at",
        "lf",
        "parts",
        "kwh/part",
        "co2_kg",
        "pf"
    );
    for m in &r.machines {
        let _ = writeln!(
            s,
            "{:<20} {:<12} {:>11.1} {:>8.2} {:>8} {:>20} {:>6} {:>9} {:>9} {:>10.1} {:>6}",
            m.machine_id,
            m.carrier.as_str(),
            m.energy_kwh,
            m.mean_power_kw,
            opt(m.peak_demand.map(|p| p.peak_demand_kw), 2),
            m.peak_demand
                .map_or_else(|| "-".into(), |p| format_rfc3339(p.start)),
            opt(m.load_factor, 3),
            opt(m.production, 0),
            opt(m.sec_kwh_per_unit, 4),
            m.carbon_kg,
            opt(m.power_factor, 3),
        );
    }
    for f in &r.factories {
        for c in &f.by_carrier {
            let _ = writeln!(
                s,
                "{:<20} {:<12} {:>11.1} {:>8.2} {:>8} {:>20} {:>6} {:>9} {:>9} {:>10.1} {:>6}",
                format!("factory {}", f.factory_id),
                c.carrier.as_str(),
                c.energy_kwh,
                c.energy_kwh / r.range.hours(),
                opt(c.peak_demand.map(|p| p.peak_demand_kw), 2),
                c.peak_demand
                    .map_or_else(|| "-".into(), |p| format_rfc3339(p.start)),
                opt(c.load_factor, 3),
                "",
                "",
                c.carbon_kg,
                "",
            );
        }
    }
    let _ = write!(s, "total carbon: {:.1} kg CO2", r.total_carbon_kg);
    s
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let res = match &cli.command {
        Command::Generate(a) => generate(a),
        Command::Run(a) => run(a),
        Command::Kpis(a) => kpis(a),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.is_user_error() { 2 } else { 1 })
        }
    }
}
