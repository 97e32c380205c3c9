//! The hourly time-of-week-and-temperature model on a building with known behaviour: occupied
//! weekday hours found, loads and temperature response recovered, bad input refused.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use chrono::{Datelike, Timelike};
use enms_core::baseline::{fit_towt, TowtOptions};
use enms_core::time::{parse_rfc3339, parse_tz, to_local, MICROS_PER_HOUR};

/// A year of hours (local Berlin time): weekdays 08-18 occupied (base 100 kWh, cooling 4 kWh/K
/// above 20 °C), otherwise 30 kWh with 1 kWh/K above 20 °C; deterministic noise.
fn building() -> (Vec<i64>, Vec<f64>, Vec<f64>) {
    building_seeded(99)
}

/// [`building`] with another draw of the weather and noise.
fn building_seeded(seed: u64) -> (Vec<i64>, Vec<f64>, Vec<f64>) {
    let start = parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap(); // a Monday
    let tz = parse_tz("Europe/Berlin").unwrap();
    let mut s: u64 = seed;
    let mut noise = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let (mut ts, mut temp, mut e) = (vec![], vec![], vec![]);
    for h in 0..365 * 24 {
        let t = start + h * MICROS_PER_HOUR;
        let local = to_local(t, tz).unwrap();
        let local_hour = f64::from(local.hour());
        let day = h / 24;
        let season = 10.0 - 10.0 * (day as f64 / 365.0 * std::f64::consts::TAU).cos();
        let temperature = season
            + 5.0 * ((local_hour - 15.0) / 24.0 * std::f64::consts::TAU).cos()
            + 2.0 * noise();
        let weekday = local.weekday().num_days_from_monday() < 5;
        let occupied = weekday && (8.0..18.0).contains(&local_hour);
        let cooling = (temperature - 20.0).max(0.0);
        let load = if occupied {
            100.0 + 4.0 * cooling
        } else {
            30.0 + cooling
        };
        ts.push(t);
        temp.push(temperature);
        e.push(load + 3.0 * noise());
    }
    (ts, temp, e)
}

#[test]
fn occupancy_and_temperature_response_are_recovered() {
    let (ts, temp, e) = building();
    let options = TowtOptions {
        timezone: "Europe/Berlin".into(),
        ..TowtOptions::default()
    };
    let m = fit_towt(&ts, &temp, &e, &options).unwrap();
    assert!(m.r_squared > 0.95, "{}", m.r_squared);
    assert!(m.cv_rmse_pct < 10.0, "{}", m.cv_rmse_pct);
    assert!(m.nmbe_pct.abs() < 1e-6, "{}", m.nmbe_pct);
    // Tuesday 10:00 is occupied, Sunday 03:00 and Tuesday 03:00 are not
    assert!(m.occupied[24 + 10]);
    assert!(!m.occupied[6 * 24 + 3]);
    assert!(!m.occupied[24 + 3]);
    // between 20 and 25 °C the occupied slope is ~4 kWh/K, the unoccupied one ~1 (above 25 °C
    // there are few unoccupied hours: nights are cooler)
    let k = m.occupied_slopes.len() - 2;
    assert!(
        (m.occupied_slopes[k] - 4.0).abs() < 0.3,
        "{:?}",
        m.occupied_slopes
    );
    assert!(
        (m.unoccupied_slopes[k] - 1.0).abs() < 0.3,
        "{:?}",
        m.unoccupied_slopes
    );
    assert!(m.occupied_slopes[..k].iter().all(|b| b.abs() < 0.2));
    assert_eq!(m.occupied.iter().filter(|o| **o).count(), 50);
    let p = m.predict(&ts[..48], &temp[..48]).unwrap();
    let err: f64 = p
        .iter()
        .zip(&e[..48])
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / 48.0;
    assert!(err < 3.0, "{err}");
    let back: enms_core::baseline::TowtModel =
        serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(
        back.predict(&ts[..5], &temp[..5]).unwrap(),
        m.predict(&ts[..5], &temp[..5]).unwrap()
    );
}

#[test]
fn bad_input() {
    let (ts, temp, e) = building();
    let o = TowtOptions::default();
    let mut nan = temp.clone();
    nan[100] = f64::NAN;
    let err = fit_towt(&ts, &nan, &e, &o).unwrap_err();
    assert_eq!((err.code(), err.field()), ("NON_FINITE", Some("temp_c")));
    assert_eq!(
        fit_towt(&ts[..5], &temp, &e, &o).unwrap_err().code(),
        "LENGTH_MISMATCH"
    );
    let bad_knots = TowtOptions {
        knots_c: vec![10.0, 5.0],
        ..TowtOptions::default()
    };
    assert_eq!(
        fit_towt(&ts, &temp, &e, &bad_knots).unwrap_err().field(),
        Some("knots_c")
    );
    let zone = TowtOptions {
        timezone: "Mars/Olympus".into(),
        ..TowtOptions::default()
    };
    assert_eq!(
        fit_towt(&ts, &temp, &e, &zone).unwrap_err().code(),
        "UNKNOWN_TIME_ZONE"
    );
    // a day of data cannot fit 168 hour-of-week levels plus slopes... but 24 levels: fine; two
    // hours for the levels they hold plus slopes are too few
    assert!(fit_towt(&ts[..2], &temp[..2], &e[..2], &o).is_err());
    assert!(fit_towt(&[], &[], &[], &o).is_err());
}

#[test]
fn a_model_with_unseen_hours_saves_and_loads() {
    // two weeks of weekdays only: the weekend hours of the week have no level (NaN)
    let (ts, temp, e) = building();
    let keep: Vec<usize> = (0..24 * 14).filter(|h| (h / 24) % 7 < 5).collect();
    let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let ts: Vec<i64> = keep.iter().map(|&i| ts[i]).collect();
    let o = TowtOptions {
        timezone: "Europe/Berlin".into(),
        ..TowtOptions::default()
    };
    let m = fit_towt(&ts, &pick(&temp), &pick(&e), &o).unwrap();
    assert!(m.tow_levels.iter().any(|v| v.is_nan()));
    let json = serde_json::to_string(&m).unwrap();
    let back: enms_core::baseline::TowtModel = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back.predict(&ts[..5], &pick(&temp)[..5]).unwrap(),
        m.predict(&ts[..5], &pick(&temp)[..5]).unwrap()
    );
    // a Saturday hour is refused, naming the timestamps
    let saturday = ts[0] + 5 * 24 * 3_600_000_000;
    assert_eq!(
        m.predict(&[saturday], &[10.0]).unwrap_err().field(),
        Some("ts")
    );
}

#[test]
fn injected_savings_are_found_within_their_uncertainty() {
    use enms_core::baseline::{FitSummary, PerformanceOptions, TimeTempBaseline};
    let (ts, temp, e) = building();
    let options = TowtOptions {
        timezone: "Europe/Berlin".into(),
        ..TowtOptions::default()
    };
    // a year trains; the same hours with other weather and noise report, 10 % saved in each
    let m = fit_towt(&ts, &temp, &e, &options).unwrap();
    let (ts1, temp1, unchanged) = building_seeded(7);
    let actual: Vec<f64> = unchanged.iter().map(|v| 0.9 * v).collect();
    let true_savings: f64 = unchanged.iter().sum::<f64>() - actual.iter().sum::<f64>();
    let opts = PerformanceOptions::default();
    let r = m.performance(&ts1, &temp1, &actual, &opts).unwrap();
    assert!(
        r.savings_low <= true_savings && true_savings <= r.savings_high,
        "true {true_savings} outside [{}, {}]",
        r.savings_low,
        r.savings_high
    );
    assert!(r.savings_low > 0.0, "{r:?}");
    // the recorded autocorrelation is the training residuals' (in time order)
    let fitted = m.predict(&ts, &temp).unwrap();
    let (summary, _, _) = FitSummary::of(&e, &fitted, m.n_params);
    assert_eq!(m.resid_autocorr_lag1, summary.resid_autocorr_lag1);
    assert!(
        m.resid_autocorr_lag1.abs() < 0.2,
        "{}",
        m.resid_autocorr_lag1
    );
    let r0 = m.performance(&ts1, &temp1, &unchanged, &opts).unwrap();
    assert!(r0.savings_low <= 0.0 && 0.0 <= r0.savings_high, "{r0:?}");
}
