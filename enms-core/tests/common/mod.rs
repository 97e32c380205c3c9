//! Shared test helpers: loading the real steel plant data set.

#![allow(dead_code)]
// A missing or malformed data file is a failed test (or example run), reported by the panic.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use chrono::{Duration, NaiveDateTime, TimeZone};
use enms_core::time::{Timestamp, MICROS_PER_HOUR, MICROS_PER_MINUTE};

/// The steel plant data, one row per 15-minute interval, sorted, with UTC interval ends.
pub struct Steel {
    pub end_utc: Vec<Timestamp>,
    pub usage_kwh: Vec<f64>,
    pub lagging_kvarh: Vec<f64>,
    pub leading_kvarh: Vec<f64>,
    pub load_type: Vec<String>,
    /// `Weekday` or `Weekend`.
    pub week_status: Vec<String>,
}

/// Path of `shared/data/steel_industry_2018.csv` beside the repository.
pub fn steel_path() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.join("../../shared/data/steel_industry_2018.csv")
}

/// Parses the UCI steel data set with its quirks: a UTF-8 byte-order mark, day-first local times
/// (Asia/Seoul) that mark the END of each interval, and midnight rows (NSM = 0) that carry the date
/// of the day that is ending (moved one day forward here).
pub fn load_steel() -> Steel {
    let text = std::fs::read_to_string(steel_path())
        .expect("steel_industry_2018.csv is in ../shared/data");
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let tz: chrono_tz::Tz = "Asia/Seoul".parse().unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (c_date, c_kwh, c_lag, c_lead, c_nsm, c_load) = (
        col("date"),
        col("Usage_kWh"),
        col("Lagging_Current_Reactive_Power_kVarh"),
        col("Leading_Current_Reactive_Power_kVarh"),
        col("NSM"),
        col("Load_Type"),
    );
    let c_week = col("WeekStatus");
    let mut rows: Vec<(Timestamp, f64, f64, f64, String, String)> = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let mut local = NaiveDateTime::parse_from_str(f[c_date], "%d/%m/%Y %H:%M").unwrap();
        if f[c_nsm].trim() == "0" {
            local += Duration::days(1);
        }
        let utc = tz
            .from_local_datetime(&local)
            .single()
            .unwrap()
            .timestamp_micros();
        rows.push((
            utc,
            f[c_kwh].parse().unwrap(),
            f[c_lag].parse().unwrap(),
            f[c_lead].parse().unwrap(),
            f[c_load].to_string(),
            f[c_week].to_string(),
        ));
    }
    rows.sort_by_key(|r| r.0);
    Steel {
        end_utc: rows.iter().map(|r| r.0).collect(),
        usage_kwh: rows.iter().map(|r| r.1).collect(),
        lagging_kvarh: rows.iter().map(|r| r.2).collect(),
        leading_kvarh: rows.iter().map(|r| r.3).collect(),
        load_type: rows.iter().map(|r| r.4.clone()).collect(),
        week_status: rows.iter().map(|r| r.5.clone()).collect(),
    }
}

/// Days off of the plant in 2018 (Korean public holidays and the shutdowns it announces), as in
/// the side-by-side script.
pub const STEEL_DAYS_OFF: [&str; 23] = [
    "2018-01-01",
    "2018-02-15",
    "2018-02-16",
    "2018-02-17",
    "2018-03-01",
    "2018-05-01",
    "2018-05-05",
    "2018-05-07",
    "2018-05-22",
    "2018-06-06",
    "2018-06-13",
    "2018-08-01",
    "2018-08-02",
    "2018-08-03",
    "2018-08-15",
    "2018-09-23",
    "2018-09-24",
    "2018-09-25",
    "2018-09-26",
    "2018-10-03",
    "2018-10-09",
    "2018-12-25",
    "2018-12-31",
];

/// Hourly energy (kWh) on hour starts: the 15-minute intervals summed by the hour they start in.
pub fn steel_hourly() -> (Vec<Timestamp>, Vec<f64>) {
    let s = load_steel();
    let mut ts: Vec<Timestamp> = Vec::new();
    let mut y: Vec<f64> = Vec::new();
    for (end, kwh) in s.end_utc.iter().zip(&s.usage_kwh) {
        let start = end - 15 * MICROS_PER_MINUTE;
        let hour = start - start.rem_euclid(MICROS_PER_HOUR);
        if ts.last() == Some(&hour) {
            *y.last_mut().unwrap() += kwh;
        } else {
            ts.push(hour);
            y.push(*kwh);
        }
    }
    (ts, y)
}

/// The numbers of a JSON array (a reference fixture's column).
pub fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}
