//! A year of the demo plant passes physical and statistical sanity checks.
//!
//! The year is generated once (2025-01-01 local to 2026-01-01, seed 42) and shared by every check.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, Timelike};
use enms_core::model::{EnergyReadingTable, EventKind};
use enms_core::time::{
    parse_rfc3339, parse_tz, to_local, Timestamp, MICROS_PER_DAY, MICROS_PER_HOUR,
};
use enms_sim::{SimOutput, Simulator};

const DAYS: i64 = 365;

fn year() -> &'static SimOutput {
    static OUT: OnceLock<SimOutput> = OnceLock::new();
    OUT.get_or_init(|| {
        let start = parse_rfc3339("2025-01-01T00:00:00+01:00").unwrap();
        Simulator::demo(42)
            .generate(start, start + DAYS * MICROS_PER_DAY)
            .unwrap()
    })
}

fn start() -> Timestamp {
    year().start
}

fn rated(id: &str) -> f64 {
    year()
        .machines
        .iter()
        .find(|m| m.id == id)
        .unwrap()
        .rated_power_kw
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Mean power per hour since the start (NaN for hours without readings): energy in kWh.
fn hourly_energy_kwh(t: &EnergyReadingTable) -> Vec<f64> {
    let n = (DAYS * 24) as usize;
    let mut sum = vec![0.0; n];
    let mut cnt = vec![0usize; n];
    for (ts, p) in t.ts.iter().zip(&t.power_kw) {
        let h = ((ts - start()) / MICROS_PER_HOUR) as usize;
        sum[h] += p;
        cnt[h] += 1;
    }
    sum.iter()
        .zip(&cnt)
        .map(|(s, &c)| if c == 0 { f64::NAN } else { s / c as f64 })
        .collect()
}

fn hourly_production(id: &str) -> Vec<f64> {
    let t = year().production_of(id).unwrap();
    let mut v = vec![0.0; (DAYS * 24) as usize];
    for (ts, c) in t.ts.iter().zip(&t.production_count) {
        // A row covers the minute that ends at `ts`.
        let h = ((ts - 1 - start()) / MICROS_PER_HOUR) as usize;
        v[h] += c;
    }
    v
}

/// Hours touched by a fault (not a dropout) of `id`.
fn fault_hours(id: &str) -> Vec<bool> {
    let n = (DAYS * 24) as usize;
    let mut v = vec![false; n];
    for e in year()
        .events
        .iter()
        .filter(|e| e.machine_id == id && e.kind != EventKind::SensorDropout)
    {
        let a = ((e.start - start()).max(0) / MICROS_PER_HOUR) as usize;
        let b = ((e.end.unwrap() - start() - 1).max(0) / MICROS_PER_HOUR) as usize;
        for h in v.iter_mut().take(b.min(n - 1) + 1).skip(a) {
            *h = true;
        }
    }
    v
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Period {
    DayShift,
    NightShift,
    Weekend,
    Other,
}

/// Calendar class of every hour (local time, Europe/Berlin).
fn periods() -> Vec<Period> {
    let tz = parse_tz("Europe/Berlin").unwrap();
    (0..DAYS * 24)
        .map(|h| {
            let l = to_local(start() + h * MICROS_PER_HOUR, tz).unwrap();
            let wd = l.weekday().num_days_from_monday();
            let hr = l.hour();
            if wd >= 5 {
                if wd == 6 && hr >= 22 {
                    Period::Other // Sunday night shift starts the week
                } else {
                    Period::Weekend
                }
            } else if (6..22).contains(&hr) {
                Period::DayShift
            } else if (1..=3).contains(&wd) || (wd == 0 && hr >= 22) || (wd == 4 && hr < 6) {
                Period::NightShift
            } else {
                Period::Other
            }
        })
        .collect()
}

fn in_range(name: &str, v: &[f64], lo: f64, hi: f64) {
    let bad = v.iter().filter(|x| !(lo..=hi).contains(*x)).count();
    let (mn, mx) = v
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    assert_eq!(
        bad, 0,
        "{name}: {bad} values outside {lo}..={hi} (min {mn}, max {mx})"
    );
}

#[test]
fn sizes_and_counters() {
    let out = year();
    let n = out.energy_reading_count();
    eprintln!("energy readings: {n}, events: {}", out.events.len());
    // ~31.5 M compressor readings at 1 s plus the 10 s and 30 s meters, less dropouts.
    assert!(n > 40_000_000 && n < 41_100_000, "{n}");
    for t in &out.energy {
        assert!(
            t.energy_kwh.windows(2).all(|w| w[1] >= w[0]),
            "{}: energy counter decreases",
            t.machine_id
        );
        assert!(
            t.ts.windows(2).all(|w| w[1] > w[0]),
            "{}: time not increasing",
            t.machine_id
        );
        let r = &t.reactive_energy_kvarh;
        assert!(
            r.windows(2).all(|w| w[1] >= w[0] || w[0].is_nan()),
            "{}: kvarh counter decreases",
            t.machine_id
        );
        // The counter integrates power (trapezoid).
        let e: f64 = t
            .ts
            .windows(2)
            .zip(t.power_kw.windows(2))
            .map(|(ts, p)| (p[0] + p[1]) / 2.0 * (ts[1] - ts[0]) as f64 / MICROS_PER_HOUR as f64)
            .sum();
        let d = t.energy_kwh[t.len() - 1] - t.energy_kwh[0];
        assert!(
            (e - d).abs() < 1e-6 * d.max(1.0) + 1e-6 * t.len() as f64 || (e - d).abs() / d < 0.01,
            "{}: {e} vs {d}",
            t.machine_id
        );
        eprintln!("{}: {} readings, {:.0} kWh", t.machine_id, t.len(), d);
    }
    for t in &out.status {
        assert_eq!(t.len() as i64, DAYS * 1440);
        assert!(t.operating_hours.windows(2).all(|w| w[1] >= w[0]));
    }
    for t in &out.production {
        assert_eq!(t.len() as i64, DAYS * 1440);
    }
    assert_eq!(out.environment.len() as i64, DAYS * 288);
}

#[test]
fn machines_stay_within_their_ranges() {
    let out = year();
    for t in &out.energy {
        let r = rated(&t.machine_id);
        let cap = if t.machine_id.starts_with("injection") {
            1.11
        } else {
            1.06
        };
        in_range(
            &format!("{} power_kw", t.machine_id),
            &t.power_kw,
            0.0,
            cap * r,
        );
        if t.machine_id == "boiler-1" {
            assert!(t
                .voltage_v
                .iter()
                .chain(&t.current_a)
                .chain(&t.power_factor)
                .all(|x| x.is_nan()));
        } else {
            in_range("voltage_v", &t.voltage_v, 392.0, 408.0);
            in_range("frequency_hz", &t.frequency_hz, 49.95, 50.05);
            in_range("power_factor", &t.power_factor, 0.75, 0.95);
            in_range(
                "current_a",
                &t.current_a,
                0.0,
                1.2 * r * 1000.0 / (3f64.sqrt() * 392.0 * 0.75),
            );
        }
    }
    let p = |m: &str, q: &str| out.process_of(m, q).unwrap_or_else(|| panic!("{m} {q}"));
    in_range(
        "compressor pressure_bar",
        &p("compressor-1", "pressure_bar").value,
        6.0,
        8.0,
    );
    in_range(
        "compressor flow_m3h",
        &p("compressor-1", "flow_m3h").value,
        0.0,
        1.25 * 480.0,
    );
    in_range("hvac cop", &p("hvac-1", "cop").value, 2.5, 4.0);
    let mode = &p("hvac-1", "hvac_mode").value;
    let supply = &p("hvac-1", "supply_temp_c");
    let ret = &p("hvac-1", "return_temp_c");
    assert_eq!(supply.len(), mode.len());
    let cooling: Vec<usize> = (0..mode.len()).filter(|&i| mode[i] == 2.0).collect();
    assert!(!cooling.is_empty());
    in_range(
        "chilled water supply",
        &cooling.iter().map(|&i| supply.value[i]).collect::<Vec<_>>(),
        7.0,
        12.0,
    );
    in_range(
        "chilled water return",
        &cooling.iter().map(|&i| ret.value[i]).collect::<Vec<_>>(),
        12.0,
        18.0,
    );
    in_range(
        "conveyor speed_pct",
        &p("conveyor-1", "speed_pct").value,
        0.0,
        100.0,
    );
    let pump: Vec<f64> = p("hydraulic-pump-1", "pressure_bar")
        .value
        .iter()
        .copied()
        .filter(|&x| x > 0.0)
        .collect();
    in_range("pump pressure_bar (running)", &pump, 150.0, 200.0);
    in_range(
        "molding cycle_phase",
        &p("injection-molding-1", "cycle_phase").value,
        0.0,
        6.0,
    );
    in_range(
        "boiler efficiency_pct",
        &p("boiler-1", "efficiency_pct").value,
        70.0 * 0.84,
        96.0,
    );
    in_range(
        "outdoor_temp_c",
        &out.environment.outdoor_temp_c,
        -25.0,
        40.0,
    );
    in_range("humidity_pct", &out.environment.humidity_pct, 20.0, 100.0);
}

#[test]
fn shifts_and_weekends_show() {
    let out = year();
    let per = periods();
    for id in [
        "compressor-1",
        "conveyor-1",
        "hydraulic-pump-1",
        "injection-molding-1",
    ] {
        let e = hourly_energy_kwh(out.energy_of(id).unwrap());
        let mut acc: HashMap<Period, (f64, usize)> = HashMap::new();
        for (p, v) in per.iter().zip(&e) {
            if v.is_finite() {
                let a = acc.entry(*p).or_default();
                a.0 += v;
                a.1 += 1;
            }
        }
        let mean = |p: Period| acc[&p].0 / acc[&p].1 as f64;
        let (day, night, weekend) = (
            mean(Period::DayShift),
            mean(Period::NightShift),
            mean(Period::Weekend),
        );
        eprintln!("{id}: day {day:.1} kW, night {night:.1} kW, weekend {weekend:.1} kW");
        assert!(night < 0.9 * day, "{id}: night {night} vs day {day}");
        assert!(weekend < 0.7 * day, "{id}: weekend {weekend} vs day {day}");
        assert!(weekend > 0.0, "{id}: base load remains");
    }
}

#[test]
fn energy_follows_production() {
    let out = year();
    for id in ["conveyor-1", "hydraulic-pump-1", "injection-molding-1"] {
        let e = hourly_energy_kwh(out.energy_of(id).unwrap());
        let p = hourly_production(id);
        let faults = fault_hours(id);
        let (mut x, mut y, mut xa, mut ya) = (vec![], vec![], vec![], vec![]);
        for h in 0..e.len() {
            if e[h].is_finite() {
                xa.push(p[h]);
                ya.push(e[h]);
                if !faults[h] {
                    x.push(p[h]);
                    y.push(e[h]);
                }
            }
        }
        let r = pearson(&x, &y);
        let r_all = pearson(&xa, &ya);
        // Specific energy consumption (kWh per part) over the year.
        let sec = ya.iter().sum::<f64>() / xa.iter().sum::<f64>();
        eprintln!("{id}: hourly energy vs production r = {r:.3} (fault hours excluded), {r_all:.3} (all hours); SEC {sec:.3} kWh/part");
        assert!(r > 0.8, "{id}: r = {r}");
    }
}

#[test]
fn hvac_and_boiler_follow_the_weather() {
    let out = year();
    let env = &out.environment;
    let days = DAYS as usize;
    let mut t_sum = vec![0.0; days];
    let mut t_n = vec![0usize; days];
    for (ts, t) in env.ts.iter().zip(&env.outdoor_temp_c) {
        let d = ((ts - start()) / MICROS_PER_DAY) as usize;
        t_sum[d] += t;
        t_n[d] += 1;
    }
    let t_mean: Vec<f64> = t_sum.iter().zip(&t_n).map(|(s, &n)| s / n as f64).collect();
    let daily = |id: &str| -> Vec<f64> {
        let h = hourly_energy_kwh(out.energy_of(id).unwrap());
        (0..days)
            .map(|d| {
                h[d * 24..(d + 1) * 24]
                    .iter()
                    .filter(|x| x.is_finite())
                    .sum::<f64>()
            })
            .collect()
    };
    let hvac = daily("hvac-1");
    let boiler = daily("boiler-1");
    // Months: January cold, July warm.
    let jan = t_mean[..31].iter().sum::<f64>() / 31.0;
    let jul = t_mean[181..212].iter().sum::<f64>() / 31.0;
    eprintln!("mean outdoor temperature: January {jan:.1} C, July {jul:.1} C");
    assert!(
        (-3.0..3.5).contains(&jan) && (16.0..22.5).contains(&jul),
        "{jan} {jul}"
    );

    let cool: Vec<usize> = (0..days).filter(|&d| t_mean[d] > 18.0).collect();
    let r_cool = pearson(
        &cool.iter().map(|&d| t_mean[d]).collect::<Vec<_>>(),
        &cool.iter().map(|&d| hvac[d]).collect::<Vec<_>>(),
    );
    let r_abs = pearson(
        &t_mean.iter().map(|t| (t - 15.0).abs()).collect::<Vec<_>>(),
        &hvac,
    );
    let heat: Vec<usize> = (0..days).filter(|&d| t_mean[d] < 14.0).collect();
    let r_boiler = pearson(
        &heat.iter().map(|&d| t_mean[d]).collect::<Vec<_>>(),
        &heat.iter().map(|&d| boiler[d]).collect::<Vec<_>>(),
    );
    eprintln!(
        "HVAC daily energy vs mean temperature on {} cooling days r = {r_cool:.3}; vs |T - 15| all days r = {r_abs:.3}; boiler vs T on {} heating days r = {r_boiler:.3}",
        cool.len(),
        heat.len()
    );
    assert!(cool.len() >= 20, "{} cooling days", cool.len());
    assert!(r_cool > 0.8, "{r_cool}");
    assert!(r_abs > 0.8, "{r_abs}");
    assert!(r_boiler < -0.8, "{r_boiler}");
}

#[test]
fn faults_arrive_at_the_set_rate() {
    let out = year();
    let faults: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.kind != EventKind::SensorDropout)
        .collect();
    let rate = faults.len() as f64 / (out.machines.len() as f64 * DAYS as f64);
    let dropouts = out.events.len() - faults.len();
    eprintln!(
        "{} faults ({rate:.4} per machine-day), {dropouts} dropouts",
        faults.len()
    );
    assert!((0.07..=0.13).contains(&rate), "{rate}");
    for e in &out.events {
        let end = e.end.unwrap();
        assert!(end > e.start);
        if e.kind != EventKind::SensorDropout {
            let h = (end - e.start) as f64 / MICROS_PER_HOUR as f64;
            assert!((1.0..=24.0).contains(&h), "{e:?}");
        }
    }
    for m in &out.machines {
        assert!(
            faults.iter().any(|e| e.machine_id == m.id),
            "no fault on {}",
            m.id
        );
    }
    // A dropout is a gap in the readings.
    let d = out
        .events
        .iter()
        .find(|e| e.kind == EventKind::SensorDropout && e.end.unwrap() < out.end)
        .unwrap();
    let t = out.energy_of(&d.machine_id).unwrap();
    assert!(!t.ts.iter().any(|&ts| ts >= d.start && ts < d.end.unwrap()));
}
