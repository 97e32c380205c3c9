//! Recall of enms-core's anomaly detection on the simulator's faults.
//!
//! The demo plant (all six machines, every machine type) runs for `TRAIN_WEEKS + DETECT_WEEKS`
//! weeks from Monday 2025-01-06 (Europe/Berlin) with random faults at `FAULT_RATE` per machine-day,
//! for each seed in `SEEDS`. Per machine, hourly features are built from its readings
//! ([`enms_core::anomaly::build_features`]); a detector is trained on the first weeks (faults
//! included: the detector trims them) and run on the following weeks
//! ([`enms_core::anomaly::detect`]) with the default settings plus the drivers a site would name:
//! production (and production per recipe for the press), the line's production for the
//! compressor, the outdoor temperature for the HVAC and the boiler.
//!
//! Which faults count: a fault is *detectable* when it moves at least one watched quantity of its
//! machine (energy and the process quantities of [`quantities`]) in at least one hour by more than
//! `VISIBLE_SIGMA` times that quantity's normal variation. The effect is measured against a
//! counterfactual: the same plant and seed without random faults (weather, plan, physics and
//! dropouts draw from their own streams, so the runs differ only where faults act and in the
//! state they leave behind). The normal variation of a quantity is the standard deviation of its
//! fault-free hourly values around their hour-of-week means. A worn press pump whose extra energy
//! is smaller than the batch-to-batch variation, a leak too small to see beside the demand: these
//! are listed as excluded, not counted as misses. (The simulator starts a conveyor's random
//! stuck-on drive when the line stops and its breakdown under load, so those faults always act.)
//!
//! A detected event *finds* a fault when it overlaps `[start, end + 1 h)` of the fault (effects
//! may outlast it by a lag). An event that overlaps no fault at all (sensor dropouts do not
//! count as faults) is a *false* event. Asserted: recall >= 0.90 over the detectable faults that
//! start in the detection weeks, at least 90 % of all injected faults (detectable or not)
//! overlapped by an event, and at most one false event per machine-week. Run with
//! `-- --nocapture` for the table per kind; `ENMS_VERBOSE=1` lists every fault.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use enms_core::anomaly::{
    build_features, detect, AnomalyEvent, DetectConfig, FeatureInputs, FeatureSpec, FeatureTable,
};
use enms_core::baseline::DriverData;
use enms_core::model::{Event, EventKind};
use enms_core::time::{
    format_rfc3339, parse_rfc3339, TimeRange, Timestamp, MICROS_PER_DAY, MICROS_PER_HOUR,
};
use enms_sim::{FactoryConfig, SimOutput, Simulator};

const SEEDS: [u64; 3] = [7, 42, 2025];
const FAULT_RATE: f64 = 0.3;
const TRAIN_WEEKS: i64 = 4;
const DETECT_WEEKS: i64 = 4;
const VISIBLE_SIGMA: f64 = 3.0;

/// The process quantities watched per machine type, and the ones that drive energy (the press
/// pressure follows the recipe). Operating states and codes (HVAC mode, chilled-water
/// temperatures, moulding cycle phase) are left out, and so is the moulding barrel temperature:
/// it follows the material's melt temperature, which changes with every order, and without the
/// recipe's set-point it raised 12 false events in 4 weeks on one seed.
fn quantities(machine_type: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match machine_type {
        "compressor" => (&["flow_m3h"], &[]),
        "hvac" => (&["cop"], &[]),
        "conveyor_motor" => (&["speed_pct"], &[]),
        "hydraulic_pump" => (&[], &["pressure_bar"]),
        "injection_molding" => (&[], &[]),
        "boiler" => (&["efficiency_pct"], &[]),
        _ => (&[], &[]),
    }
}

fn features(out: &SimOutput, machine_id: &str, range: TimeRange, tz: &str) -> FeatureTable {
    let e = out.energy_of(machine_id).unwrap();
    let ty = out
        .machines
        .iter()
        .find(|m| m.id == machine_id)
        .unwrap()
        .machine_type
        .as_str();
    let (watched, drivers) = quantities(ty);
    let mut quantities: Vec<(&str, DriverData<'_>)> = Vec::new();
    if matches!(ty, "hvac" | "boiler") {
        quantities.push((
            "outdoor_temp_c",
            DriverData::new(&out.environment.ts, &out.environment.outdoor_temp_c),
        ));
    }
    for q in watched.iter().chain(drivers) {
        if let Some(p) = out.process_of(machine_id, q) {
            if !p.is_empty() {
                quantities.push((q, DriverData::new(&p.ts, &p.value)));
            }
        }
    }
    let production = out
        .production_of(machine_id)
        .map(|p| DriverData::new(&p.ts, &p.production_count));
    // production per material or recipe: the product mix drives energy
    let mix: Vec<(String, Vec<f64>)> = match out.production_of(machine_id) {
        Some(p) if !p.materials.is_empty() && ty == "hydraulic_pump" => (0..p.materials.len())
            .map(|m| {
                let v = p
                    .production_count
                    .iter()
                    .zip(&p.material)
                    .map(|(c, k)| if usize::from(*k) == m { *c } else { 0.0 })
                    .collect();
                (format!("production_{}", p.materials[m]), v)
            })
            .collect(),
        _ => Vec::new(),
    };
    let ts_prod: &[Timestamp] = out.production_of(machine_id).map_or(&[], |p| &p.ts);
    let mut counts: Vec<(&str, DriverData<'_>)> = mix
        .iter()
        .map(|(n, v)| (n.as_str(), DriverData::new(ts_prod, v)))
        .collect();
    // compressed air follows the plant's production: the line's (conveyor's) part count
    if ty == "compressor" {
        let line = out
            .machines
            .iter()
            .find(|m| m.machine_type.as_str() == "conveyor_motor")
            .and_then(|m| out.production_of(&m.id));
        if let Some(p) = line {
            counts.push((
                "plant_production",
                DriverData::new(&p.ts, &p.production_count),
            ));
        }
    }
    let inputs = FeatureInputs {
        power: DriverData::new(&e.ts, &e.power_kw),
        production,
        counts,
        quantities,
        ..FeatureInputs::default()
    };
    build_features(&FeatureSpec::hourly(tz).unwrap(), range, &inputs).unwrap()
}

/// Standard deviation of a column around its hour-of-week means (hours of a week from `t0`).
fn normal_variation(ts: &[Timestamp], v: &[f64], t0: Timestamp) -> f64 {
    let mut sum = [0.0; 168];
    let mut cnt = [0usize; 168];
    let slot = |t: Timestamp| (((t - t0) / MICROS_PER_HOUR) % 168) as usize;
    for (t, x) in ts.iter().zip(v) {
        if x.is_finite() {
            sum[slot(*t)] += x;
            cnt[slot(*t)] += 1;
        }
    }
    let (mut ss, mut n) = (0.0, 0usize);
    for (t, x) in ts.iter().zip(v) {
        let s = slot(*t);
        if x.is_finite() && cnt[s] > 1 {
            let m = sum[s] / cnt[s] as f64;
            ss += (x - m) * (x - m) * cnt[s] as f64 / (cnt[s] - 1) as f64;
            n += 1;
        }
    }
    (ss / n.max(1) as f64).sqrt()
}

fn overlaps(e: &AnomalyEvent, f: &Event, end: Timestamp) -> bool {
    let f_end = f.end.unwrap_or(end) + MICROS_PER_HOUR;
    e.start < f_end && f.start < e.end
}

#[derive(Default)]
struct Row {
    injected: usize,
    detectable: usize,
    found: usize,
    /// Faults overlapped by an event, detectable or not.
    found_any: usize,
}

#[derive(Default)]
struct Tally {
    /// (machine type, fault kind) -> counts.
    kinds: BTreeMap<(String, &'static str), Row>,
    false_events: usize,
    machine_weeks: usize,
    /// machine type -> false events.
    false_by_type: BTreeMap<String, usize>,
}

/// The detector's settings for a machine of the simulator: the site's time zone, and as drivers
/// the press pressure (it follows the recipe), production per recipe and the plant's production.
fn config_for(machine_type: &str, columns: &[(&str, &[f64])], tz: &str) -> DetectConfig {
    let mut config = DetectConfig::for_timezone(tz);
    config
        .drivers
        .extend(quantities(machine_type).1.iter().map(|d| d.to_string()));
    config.drivers.extend(
        columns
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| n.starts_with("production_") || *n == "plant_production")
            .map(str::to_string),
    );
    config
}

fn evaluate(seed: u64, tally: &mut Tally) {
    let tz = "Europe/Berlin";
    let t0 = parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap();
    let t1 = t0 + TRAIN_WEEKS * 7 * MICROS_PER_DAY;
    let t2 = t1 + DETECT_WEEKS * 7 * MICROS_PER_DAY;
    let cfg = |rate: f64| FactoryConfig {
        fault_rate_per_machine_day: rate,
        ..FactoryConfig::default()
    };
    let faulty = Simulator::new(cfg(FAULT_RATE), seed)
        .unwrap()
        .generate(t0, t2)
        .unwrap();
    let healthy = Simulator::new(cfg(0.0), seed)
        .unwrap()
        .generate(t0, t2)
        .unwrap();
    let training = TimeRange::new(t0, t1).unwrap();
    let detection = TimeRange::new(t1, t2).unwrap();
    let all = TimeRange::new(t0, t2).unwrap();
    let verbose = std::env::var("ENMS_VERBOSE").is_ok();

    for m in &faulty.machines {
        let ty = m.machine_type.as_str();
        let f = features(&faulty, &m.id, all, tz);
        let h = features(&healthy, &m.id, all, tz);
        let cols = f.as_columns();
        let config = config_for(ty, &cols, tz);
        let events = detect(&m.id, &f.start, &cols, training, detection, &config).unwrap();
        tally.machine_weeks += DETECT_WEEKS as usize;
        let faults: Vec<&Event> = faulty
            .events
            .iter()
            .filter(|e| e.machine_id == m.id && e.kind != EventKind::SensorDropout)
            .collect();
        // what the detector watches: energy and the machine's process quantities
        let monitored: Vec<&str> = std::iter::once("energy_kwh")
            .chain(quantities(ty).0.iter().copied())
            .collect();
        let sigma: Vec<f64> = monitored
            .iter()
            .map(|n| normal_variation(&h.start, h.column(n).unwrap(), t0))
            .collect();
        for fault in &faults {
            if fault.start < t1 || fault.start >= t2 {
                continue;
            }
            let end = fault.end.unwrap_or(t2).min(t2);
            // largest effect of the fault on a monitored quantity in one hour, in normal sigmas
            let mut effect: f64 = 0.0;
            for (k, &t) in f.start.iter().enumerate() {
                if t + MICROS_PER_HOUR <= fault.start || t >= end + MICROS_PER_HOUR {
                    continue;
                }
                for (n, s) in monitored.iter().zip(&sigma) {
                    let d = (f.column(n).unwrap()[k] - h.column(n).unwrap()[k]).abs() / s;
                    if d.is_finite() {
                        effect = effect.max(d);
                    }
                }
            }
            let row = tally
                .kinds
                .entry((ty.to_string(), fault.kind.as_str()))
                .or_default();
            row.injected += 1;
            let found = events.iter().any(|e| overlaps(e, fault, t2));
            row.found_any += usize::from(found);
            if effect > VISIBLE_SIGMA {
                row.detectable += 1;
                row.found += usize::from(found);
            }
            if verbose || (effect > VISIBLE_SIGMA && !found) {
                println!(
                    "seed {seed} {:<20} {:<16} {} {:>5.1} h, effect {:>6.1} sigma: {}",
                    m.id,
                    fault.kind.as_str(),
                    format_rfc3339(fault.start),
                    (end - fault.start) as f64 / MICROS_PER_HOUR as f64,
                    effect,
                    match (effect > VISIBLE_SIGMA, found) {
                        (true, true) => "found",
                        (true, false) => "MISSED",
                        (false, true) => "not detectable, found",
                        (false, false) => "not detectable",
                    }
                );
            }
        }
        for e in events
            .iter()
            .filter(|e| !faults.iter().any(|f| overlaps(e, f, t2)))
        {
            tally.false_events += 1;
            *tally.false_by_type.entry(ty.to_string()).or_default() += 1;
            println!(
                "seed {seed} false event: {} {} .. {} peak {:.1} sigma {:?}",
                e.machine_id,
                format_rfc3339(e.start),
                format_rfc3339(e.end),
                e.peak_score,
                e.features
            );
        }
    }
}

#[test]
fn detects_nine_in_ten_visible_faults_with_few_false_events() {
    let mut tally = Tally::default();
    for seed in SEEDS {
        evaluate(seed, &mut tally);
    }
    println!(
        "\n{:<18} {:<16} {:>8} {:>10} {:>6} {:>7} {:>10}",
        "machine type", "fault", "injected", "detectable", "found", "recall", "found/all"
    );
    let (mut det, mut found, mut inj, mut any) = (0, 0, 0, 0);
    for ((ty, kind), r) in &tally.kinds {
        println!(
            "{:<18} {:<16} {:>8} {:>10} {:>6} {:>7} {:>10}",
            ty,
            kind,
            r.injected,
            r.detectable,
            r.found,
            if r.detectable > 0 {
                format!("{:.2}", r.found as f64 / r.detectable as f64)
            } else {
                "-".to_string()
            },
            format!("{}/{}", r.found_any, r.injected)
        );
        det += r.detectable;
        any += r.found_any;
        found += r.found;
        inj += r.injected;
    }
    let weeks = SEEDS.len() as f64 * DETECT_WEEKS as f64;
    for (ty, n) in &tally.false_by_type {
        println!(
            "false events of the {ty}: {n} over {weeks} weeks = {:.2} per week",
            *n as f64 / weeks
        );
    }
    let recall = found as f64 / det.max(1) as f64;
    println!(
        "overlapped by an event, detectable or not: {any} of {inj} ({:.3})",
        any as f64 / inj.max(1) as f64
    );
    let per_mw = tally.false_events as f64 / tally.machine_weeks as f64;
    println!(
        "all: {inj} injected, {det} detectable ({} excluded), {found} found, recall {recall:.3}; \
         {} false events over {} machine-weeks = {per_mw:.2} per machine-week",
        inj - det,
        tally.false_events,
        tally.machine_weeks
    );
    assert!(
        det >= 60,
        "too few detectable faults ({det}) to measure recall"
    );
    assert!(recall >= 0.9, "recall {recall:.3} < 0.90");
    // the measure: every injected fault, detectable or not
    let found_all = any as f64 / inj.max(1) as f64;
    assert!(
        found_all >= 0.9,
        "{any} of {inj} injected faults found ({found_all:.3} < 0.90)"
    );
    assert!(per_mw <= 1.0, "{per_mw:.2} false events per machine-week");
}
