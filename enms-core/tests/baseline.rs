//! Energy baselines on data with known physics: the regression recovers the true coefficients
//! within their confidence intervals, injected savings are found within the stated uncertainty,
//! failing gates are reported and block use, and bad input gives typed errors.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use enms_core::baseline::{
    performance, Baseline, BaselineOptions, Driver, FitSummary, Gates, PerformanceOptions,
};
use enms_core::stats::OlsOptions;
use enms_core::time::{TimeRange, MICROS_PER_DAY};

/// A deterministic normal noise source (xorshift64* and Box-Muller).
struct Noise(u64);

impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Hourly plant: 40 kWh base + 0.8 kWh per part + 3 kWh per heating degree-hour, 25 kWh less
/// on weekends, noise sd 6 kWh; `factor` scales the whole consumption (0.95 = 5 % savings).
fn plant(hours: usize, seed: u64, factor: f64) -> (Vec<f64>, Vec<Driver>) {
    let mut noise = Noise(seed);
    let (mut y, mut parts, mut hdh, mut day) = (vec![], vec![], vec![], vec![]);
    for h in 0..hours {
        let weekend = (h / 24) % 7 >= 5;
        let p = if weekend { 10.0 } else { 60.0 } + 20.0 * noise.uniform();
        let temp = 8.0
            + 6.0 * ((h % 24) as f64 / 24.0 * std::f64::consts::TAU).sin()
            + 3.0 * noise.normal();
        let d = (15.0 - temp).max(0.0);
        let e = 40.0 + 0.8 * p + 3.0 * d - if weekend { 25.0 } else { 0.0 } + 6.0 * noise.normal();
        y.push(e * factor);
        parts.push(p);
        hdh.push(d);
        day.push(if weekend { "weekend" } else { "weekday" }.to_string());
    }
    (
        y,
        vec![
            Driver::numeric("parts", parts),
            Driver::numeric("heating_degree_hours", hdh),
            Driver::categorical("day_type", day),
        ],
    )
}

fn options(days: i64) -> BaselineOptions {
    BaselineOptions {
        ols: OlsOptions {
            confidence: 0.99,
            ..OlsOptions::default()
        },
        training: Some(TimeRange::new(0, days * MICROS_PER_DAY).unwrap()),
        ..BaselineOptions::default()
    }
}

#[test]
fn recovers_the_true_coefficients() {
    let (y, drivers) = plant(60 * 24, 7, 1.0);
    let b = Baseline::fit(&y, &drivers, &options(60)).unwrap();
    assert!(b.passed(), "{:?}", b.failures());
    let truth = [
        ("const", 15.0),
        ("parts", 0.8),
        ("heating_degree_hours", 3.0),
        ("day_type=weekend", -25.0),
    ];
    // the reference level is the first in sorted order: weekday; const absorbs it
    let names: Vec<&str> = b.fit.coefficients.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["const", "parts", "heating_degree_hours", "day_type=weekend"]
    );
    for (c, (name, _)) in b.fit.coefficients.iter().zip(truth).skip(1) {
        let value = truth.iter().find(|t| t.0 == name).unwrap().1;
        assert!(
            c.ci_low <= value && value <= c.ci_high,
            "{name}: {value} outside [{}, {}]",
            c.ci_low,
            c.ci_high
        );
    }
    // base load 40 on weekdays: const = 40 within its interval
    let c0 = &b.fit.coefficients[0];
    assert!(c0.ci_low <= 40.0 && 40.0 <= c0.ci_high, "{c0:?}");
}

#[test]
fn injected_savings_are_found_within_their_uncertainty() {
    let (y, drivers) = plant(60 * 24, 11, 1.0);
    let b = Baseline::fit(&y, &drivers, &options(60)).unwrap();
    let (actual, report_drivers) = plant(30 * 24, 12, 0.95);
    let (unchanged, _) = plant(30 * 24, 12, 1.0);
    let true_savings: f64 = unchanged.iter().sum::<f64>() - actual.iter().sum::<f64>();
    let r = performance(&b, &actual, &report_drivers, &PerformanceOptions::default()).unwrap();
    assert!(
        r.savings_low <= true_savings && true_savings <= r.savings_high,
        "true {true_savings} outside [{}, {}]",
        r.savings_low,
        r.savings_high
    );
    assert!(
        r.savings_low > 0.0,
        "5 % savings must be significant: {r:?}"
    );
    assert!(
        (r.savings_fraction - 0.05).abs() < 0.01,
        "{}",
        r.savings_fraction
    );
    assert!(r.enpi_index < 1.0);
    assert!((r.cusum.last().unwrap() + r.savings).abs() < 1e-6 * r.savings);
    let fsu = r.fractional_savings_uncertainty.unwrap();
    assert!(fsu > 0.0 && fsu < 0.5, "{fsu}");
    // no savings injected: the interval holds zero
    let r0 = performance(
        &b,
        &unchanged,
        &report_drivers,
        &PerformanceOptions::default(),
    )
    .unwrap();
    assert!(r0.savings_low <= 0.0 && 0.0 <= r0.savings_high, "{r0:?}");
}

#[test]
fn failing_gates_are_reported_and_block_use() {
    let (y, mut drivers) = plant(30 * 24, 3, 1.0);
    // a driver with no relation to energy
    let mut noise = Noise(99);
    drivers.push(Driver::numeric(
        "moisture_pct",
        (0..y.len()).map(|_| noise.uniform()).collect(),
    ));
    let opts = BaselineOptions {
        gates: vec![
            Gates::charter(),
            Gates::sep(),
            Gates::ashrae14("hourly").unwrap(),
        ],
        training: Some(TimeRange::new(0, 120 * MICROS_PER_DAY).unwrap()),
        ..BaselineOptions::default()
    };
    let b = Baseline::fit(&y, &drivers, &opts).unwrap();
    assert!(!b.passed());
    let failures = b.failures().join("\n");
    assert!(
        failures.contains("charter driver_p: `moisture_pct`"),
        "{failures}"
    );
    assert!(failures.contains("charter span"), "{failures}");
    assert!(failures.contains("charter observations"), "{failures}");
    let e = performance(&b, &y, &drivers, &PerformanceOptions::default()).unwrap_err();
    assert_eq!(e.field(), Some("baseline"));
    assert!(e.to_string().contains("moisture_pct"), "{e}");
    let allowed = PerformanceOptions {
        allow_failed_gates: true,
        ..PerformanceOptions::default()
    };
    let r = performance(&b, &y, &drivers, &allowed).unwrap();
    assert!(!r.baseline_passed);
    assert!(Gates::named("ashrae14-weekly").is_err());
}

#[test]
fn a_saved_model_predicts_the_same() {
    let (y, drivers) = plant(50 * 24, 5, 1.0);
    let b = Baseline::fit(&y, &drivers, &options(50)).unwrap();
    let json = serde_json::to_string(&b).unwrap();
    assert!(json.contains("\"format_version\":1"));
    let back: Baseline = serde_json::from_str(&json).unwrap();
    assert_eq!(back, b);
    let a = b.predict(&drivers, 0.95).unwrap();
    let c = back.predict(&drivers, 0.95).unwrap();
    assert_eq!(a, c);
}

#[test]
fn bad_input_gives_typed_errors() {
    let (y, drivers) = plant(45 * 24, 5, 1.0);
    let b = Baseline::fit(&y, &drivers, &options(45)).unwrap();
    // a level the model has not seen
    let mut odd = drivers.clone();
    odd[2] = Driver::categorical("day_type", vec!["holiday".into(); y.len()]);
    let e = b.predict(&odd, 0.95).unwrap_err();
    assert_eq!((e.code(), e.field()), ("PARSE", Some("day_type")));
    // a reporting period without driver data
    let e = performance(&b, &y, &[], &PerformanceOptions::default()).unwrap_err();
    assert_eq!(e.field(), Some("drivers"));
    // a missing driver
    let e = b.predict(&drivers[..2], 0.95).unwrap_err();
    assert_eq!(e.field(), Some("day_type"));
    // NaN in actual energy, and in a driver at fit time
    let mut bad = y.clone();
    bad[17] = f64::NAN;
    let e = performance(&b, &bad, &drivers, &PerformanceOptions::default()).unwrap_err();
    assert_eq!((e.code(), e.field()), ("NON_FINITE", Some("actual")));
    let mut nan_driver = drivers.clone();
    nan_driver[0] = Driver::numeric("parts", vec![f64::NAN; y.len()]);
    let e = Baseline::fit(&y, &nan_driver, &options(45)).unwrap_err();
    assert_eq!(e.field(), Some("parts"));
    // a constant categorical driver, and fewer observations than parameters
    let constant = vec![Driver::categorical("shift", vec!["early".into(); y.len()])];
    let e = Baseline::fit(&y, &constant, &options(45)).unwrap_err();
    assert_eq!(e.field(), Some("shift"));
    let few: Vec<Driver> = drivers
        .iter()
        .map(|d| match &d.values {
            enms_core::baseline::DriverValues::Numeric(v) => {
                Driver::numeric(&d.name, v[..3].to_vec())
            }
            enms_core::baseline::DriverValues::Categorical(v) => {
                Driver::categorical(&d.name, v[..3].to_vec())
            }
        })
        .collect();
    assert!(Baseline::fit(&y[..3], &few, &options(45)).is_err());
}

#[test]
fn driver_search_ranks_the_true_drivers_first() {
    use enms_core::baseline::model::{select_drivers, SelectionOptions};
    let (y, mut drivers) = plant(60 * 24, 21, 1.0);
    let mut noise = Noise(5);
    // an irrelevant driver, and one almost equal to production (collinear)
    drivers.push(Driver::numeric(
        "moisture_pct",
        (0..y.len()).map(|_| noise.uniform()).collect(),
    ));
    let enms_core::baseline::DriverValues::Numeric(parts) = &drivers[0].values else {
        panic!("parts is numeric")
    };
    let twin: Vec<f64> = parts
        .iter()
        .map(|p| p * 1.01 + noise.normal() * 0.05)
        .collect();
    drivers.push(Driver::numeric("parts_twin", twin));
    let options = SelectionOptions {
        max_drivers: 3,
        expected_signs: vec![("parts".into(), 1.0), ("heating_degree_hours".into(), 1.0)],
        baseline: options(60),
        ..SelectionOptions::default()
    };
    let ranked = select_drivers(&y, &drivers, &options).unwrap();
    // C(5,1) + C(5,2) + C(5,3) subsets
    assert_eq!(ranked.len(), 5 + 10 + 10);
    let best = &ranked[0];
    assert!(best.recommended(), "{best:?}");
    // production follows the day type (few parts on weekends), so the three true drivers
    // together are collinear (VIF above 5) and the best recommended model keeps two of them
    assert_eq!(best.drivers, ["parts", "heating_degree_hours"], "{best:?}");
    let all_three = ranked
        .iter()
        .find(|c| c.drivers == ["parts", "heating_degree_hours", "day_type"])
        .unwrap();
    assert!(!all_three.vif_ok && all_three.gates_passed, "{all_three:?}");
    // the twins together are flagged as collinear
    let twins = ranked
        .iter()
        .find(|c| c.drivers == ["parts", "parts_twin"])
        .unwrap();
    assert!(!twins.vif_ok && !twins.recommended(), "{twins:?}");
    // a recommended candidate never follows one that is not
    let first_bad = ranked.iter().position(|c| !c.recommended()).unwrap();
    assert!(ranked[first_bad..].iter().all(|c| !c.recommended()));
    assert!(select_drivers(&y, &[], &options).is_err());
}

#[test]
fn the_fit_summary_of_predictions_equals_the_regression_statistics() {
    // the weather models' statistics come from `FitSummary::of`; on a regression it must give
    // the regression's own CV(RMSE), NMBE, R² and residual autocorrelation
    let (y, drivers) = plant(30 * 24, 5, 1.0);
    let b = Baseline::fit(&y, &drivers, &options(30)).unwrap();
    let fitted = b.predict(&drivers, 0.95).unwrap().mean;
    let p = b.fit.coefficients.len();
    let (s, r2, nmbe) = FitSummary::of(&y, &fitted, p);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(close(s.cv_rmse_pct, b.fit.cv_rmse_pct), "{s:?}");
    assert!(
        close(s.resid_autocorr_lag1, b.fit.resid_autocorr_lag1),
        "{s:?}"
    );
    assert!(
        close(r2, b.fit.r_squared) && close(nmbe, b.fit.nmbe_pct),
        "{r2} {nmbe}"
    );
    assert_eq!((s.n, s.df_resid), (b.fit.n, b.fit.df_resid));
}
