//! Change-point models on daily data with known physics: the right shape is selected, balance
//! points and slopes are recovered, and bad input gives typed errors.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use enms_core::baseline::{fit_change_point, ChangePointKind, ChangePointOptions};

/// A year of daily mean temperatures (seasonal, with weather noise) and a deterministic noise.
fn year(seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut s = seed;
    let mut uniform = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut temp = Vec::new();
    let mut noise = Vec::new();
    for d in 0..365 {
        let season = 11.0 - 12.0 * (f64::from(d) / 365.0 * std::f64::consts::TAU).cos();
        temp.push(season + 6.0 * (uniform() - 0.5));
        noise.push(20.0 * (uniform() + uniform() + uniform() - 1.5));
    }
    (temp, noise)
}

#[test]
fn five_parameter_plant_is_recognised() {
    let (t, e) = year(42);
    let y: Vec<f64> = t
        .iter()
        .zip(&e)
        .map(|(t, e)| 200.0 + 12.0 * (14.0 - t).max(0.0) + 18.0 * (t - 22.0).max(0.0) + e)
        .collect();
    let m = fit_change_point(&t, &y, &ChangePointOptions::default()).unwrap();
    assert_eq!(m.kind, ChangePointKind::FiveP, "{:?}", m.candidates);
    assert!((m.heating_balance_c.unwrap() - 14.0).abs() <= 1.0, "{m:?}");
    assert!((m.cooling_balance_c.unwrap() - 22.0).abs() <= 1.5, "{m:?}");
    let h = &m.fit.coefficients[1];
    let c = &m.fit.coefficients[2];
    assert_eq!((h.name.as_str(), c.name.as_str()), ("hdd", "cdd"));
    assert!((h.estimate - 12.0).abs() < 1.0, "{h:?}");
    assert!((c.estimate - 18.0).abs() < 4.0, "{c:?}");
    assert!(m.fit.r_squared > 0.9);
    let p = m.predict(&[0.0, 18.0, 30.0]).unwrap();
    assert!((p[0] - (200.0 + 12.0 * 14.0)).abs() < 25.0, "{p:?}");
    assert!((p[1] - 200.0).abs() < 15.0, "{p:?}");
    // the model is a value
    let back: enms_core::baseline::ChangePointModel =
        serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(back.predict(&[5.0]).unwrap(), m.predict(&[5.0]).unwrap());
}

#[test]
fn heating_only_and_flat_loads() {
    let (t, e) = year(7);
    let heating: Vec<f64> = t
        .iter()
        .zip(&e)
        .map(|(t, e)| 300.0 + 9.0 * (16.0 - t).max(0.0) + e)
        .collect();
    let m = fit_change_point(&t, &heating, &ChangePointOptions::default()).unwrap();
    assert!(
        matches!(m.kind, ChangePointKind::Heating3p),
        "{:?} {:?}",
        m.kind,
        m.candidates
    );
    assert!((m.heating_balance_c.unwrap() - 16.0).abs() <= 1.0);
    let flat: Vec<f64> = e.iter().map(|e| 500.0 + e).collect();
    let m = fit_change_point(&t, &flat, &ChangePointOptions::default()).unwrap();
    assert_eq!(m.kind, ChangePointKind::Mean, "{:?}", m.candidates);
}

#[test]
fn bad_input() {
    let (t, e) = year(1);
    let mut nan = t.clone();
    nan[3] = f64::NAN;
    let err = fit_change_point(&nan, &e, &ChangePointOptions::default()).unwrap_err();
    assert_eq!((err.code(), err.field()), ("NON_FINITE", Some("temp_c")));
    let err = fit_change_point(&t[..10], &e, &ChangePointOptions::default()).unwrap_err();
    assert_eq!(err.code(), "LENGTH_MISMATCH");
    assert!(fit_change_point(&[], &[], &ChangePointOptions::default()).is_err());
    let bad = ChangePointOptions {
        step_c: 0.0,
        ..ChangePointOptions::default()
    };
    assert_eq!(
        fit_change_point(&t, &e, &bad).unwrap_err().field(),
        Some("step_c")
    );
    let reversed = ChangePointOptions {
        heating_range_c: (20.0, 5.0),
        ..ChangePointOptions::default()
    };
    assert!(fit_change_point(&t, &e, &reversed).is_err());
}

/// A heating plant's year: 200 kWh a day plus 12 kWh per degree below 14 °C, with noise.
fn heating_year(seed: u64) -> (Vec<f64>, Vec<f64>) {
    let (t, e) = year(seed);
    let y = t
        .iter()
        .zip(&e)
        .map(|(t, e)| 200.0 + 12.0 * (14.0 - t).max(0.0) + e)
        .collect();
    (t, y)
}

#[test]
fn injected_savings_are_found_within_their_uncertainty() {
    use enms_core::baseline::PerformanceOptions;
    let (t0, y0) = heating_year(42);
    let m = fit_change_point(&t0, &y0, &ChangePointOptions::default()).unwrap();
    // the next year, another weather; 8 % saved on every day
    let (t1, unchanged) = heating_year(43);
    let actual: Vec<f64> = unchanged.iter().map(|v| 0.92 * v).collect();
    let true_savings: f64 = unchanged.iter().sum::<f64>() - actual.iter().sum::<f64>();
    let r = m
        .performance(&t1, &actual, &PerformanceOptions::default())
        .unwrap();
    assert!(
        r.savings_low <= true_savings && true_savings <= r.savings_high,
        "true {true_savings} outside [{}, {}]",
        r.savings_low,
        r.savings_high
    );
    assert!(r.savings_low > 0.0, "8 % must be significant: {r:?}");
    assert!(
        (r.savings_fraction - 0.08).abs() < 0.01,
        "{}",
        r.savings_fraction
    );
    assert!(r.enpi_index < 1.0 && r.baseline_passed);
    assert!((r.cusum.last().unwrap() + r.savings).abs() < 1e-6 * r.savings);
    assert_eq!(r.expected, m.predict(&t1).unwrap());
    // nothing saved: the interval holds zero
    let r0 = m
        .performance(&t1, &unchanged, &PerformanceOptions::default())
        .unwrap();
    assert!(r0.savings_low <= 0.0 && 0.0 <= r0.savings_high, "{r0:?}");
    // bad input: typed errors naming what is wrong
    let opts = PerformanceOptions::default();
    let short = m.performance(&t1, &actual[1..], &opts).unwrap_err();
    assert!(
        matches!(short, enms_core::Error::LengthMismatch { .. }),
        "{short}"
    );
    let mut gap = actual.clone();
    gap[3] = f64::NAN;
    let e = m.performance(&t1, &gap, &opts).unwrap_err();
    assert_eq!(e.field(), Some("actual"), "{e}");
    let mut cold = t1.clone();
    cold[0] = f64::NAN;
    let e = m.performance(&cold, &actual, &opts).unwrap_err();
    assert_eq!(e.field(), Some("temp_c"), "{e}");
    let e = m
        .performance(
            &t1,
            &actual,
            &PerformanceOptions {
                confidence: 1.5,
                ..opts
            },
        )
        .unwrap_err();
    assert_eq!(e.field(), Some("confidence"), "{e}");
}
