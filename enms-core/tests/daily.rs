//! The daily model by season and day type: against eemeter 4.1.1 on its bundled sample meters,
//! on data with known physics, invariants (property tests) and bad input.
//!
//! Reference values: `benches/eemeter_changepoint.py --write-fixture
//! enms-core/tests/fixtures/eemeter_daily.json` (eemeter 4.1.1 `DailyModel()` with default
//! settings, its in-sample CV(RMSE) as ASHRAE Guideline 14 defines it, `n - p` in the
//! denominator with `p` its segment models' coefficients, and with `n`; the days it was fitted
//! on).

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use enms_core::baseline::{
    fit_daily, ChangePointKind, DailyModel, DailyOptions, DayType, SplitCriterion,
};
use enms_core::time::{Timestamp, MICROS_PER_DAY};
use enms_core::Error;
use proptest::prelude::*;

/// Midnight UTC of a date, in microseconds.
fn ts_of(d: NaiveDate) -> Timestamp {
    d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_micros()
}

/// In-sample CV(RMSE) with `n` in the denominator, as the comparison script scores every model.
fn cv_n(y: &[f64], p: &[f64]) -> f64 {
    let n = y.len() as f64;
    let sse: f64 = y.iter().zip(p).map(|(a, b)| (a - b) * (a - b)).sum();
    100.0 * (sse / n).sqrt() / (y.iter().sum::<f64>() / n)
}

struct Sample {
    name: String,
    ts: Vec<Timestamp>,
    temp_c: Vec<f64>,
    energy: Vec<f64>,
    eemeter_cv: f64,
    eemeter_cv_g14: f64,
}

fn samples() -> Vec<Sample> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eemeter_daily.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let f64s = |x: &serde_json::Value| -> Vec<f64> {
        x.as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    v["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| Sample {
            name: s["name"].as_str().unwrap().to_string(),
            ts: s["dates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| ts_of(d.as_str().unwrap().parse().unwrap()))
                .collect(),
            temp_c: f64s(&s["temp_c"]),
            energy: f64s(&s["energy"]),
            eemeter_cv: s["eemeter_cv_rmse_pct"].as_f64().unwrap(),
            eemeter_cv_g14: s["eemeter_cv_rmse_g14_pct"].as_f64().unwrap(),
        })
        .collect()
}

#[test]
fn no_worse_than_eemeter_on_its_samples() {
    let samples = samples();
    assert_eq!(samples.len(), 4);
    for s in &samples {
        let m = fit_daily(&s.ts, &s.temp_c, &s.energy, &DailyOptions::default()).unwrap();
        let pred = m.predict(&s.ts, &s.temp_c).unwrap();
        // CV(RMSE) as ASHRAE Guideline 14 defines it (n - p), the model's own: on every sample
        // no worse than eemeter's
        assert!(
            m.cv_rmse_pct <= s.eemeter_cv_g14 + 1e-9,
            "{}: enms {:.4} % vs eemeter {:.4} % (n - p)",
            s.name,
            m.cv_rmse_pct,
            s.eemeter_cv_g14
        );
        let (n, p) = (m.n as f64, m.n_params as f64);
        let ours = cv_n(&s.energy, &pred);
        assert!((m.cv_rmse_pct - ours * (n / (n - p)).sqrt()).abs() < 1e-9);
        // with n in the denominator, the one known gap (docs/benchmarks.md): eemeter splits
        // summer from the rest of the year (eight parameters against enms' four); with enms'
        // closer single-segment fit that split does not pay eemeter's own split penalty, so enms
        // keeps one segment, 0.18 CV points behind in-sample
        let allowed = if s.name == "il-electricity-cdd-only-daily" {
            s.eemeter_cv + 0.25
        } else {
            s.eemeter_cv + 1e-9
        };
        assert!(
            ours <= allowed,
            "{}: enms {ours:.4} % vs eemeter {:.4} % (n)",
            s.name,
            s.eemeter_cv
        );
        assert_eq!(m.n, 365);
        assert!(m.nmbe_pct.abs() < 1e-6, "{}", m.nmbe_pct);
        // the model is a value: it reads back and predicts the same
        let back: DailyModel = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.predict(&s.ts, &s.temp_c).unwrap(), pred);
    }
}

/// A year of daily temperatures (seasonal with weather noise) and a deterministic noise.
fn year(seed: u64, start: NaiveDate) -> (Vec<Timestamp>, Vec<f64>, Vec<f64>) {
    let mut s = seed;
    let mut uniform = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut ts = Vec::new();
    let mut temp = Vec::new();
    let mut noise = Vec::new();
    for d in 0..365 {
        ts.push(ts_of(start) + i64::from(d) * MICROS_PER_DAY);
        let season = 11.0 - 12.0 * (f64::from(d) / 365.0 * std::f64::consts::TAU).cos();
        temp.push(season + 6.0 * (uniform() - 0.5));
        noise.push(4.0 * (uniform() + uniform() + uniform() - 1.5));
    }
    (ts, temp, noise)
}

#[test]
fn weekday_and_weekend_plants_are_split_and_recovered() {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let (ts, t, e) = year(7, start);
    // weekdays: 300 + 12 per heating degree below 15 °C; weekends: a flat 80
    let y: Vec<f64> = (0..365)
        .map(|i| {
            let weekend = matches!(
                (start + chrono::Duration::days(i as i64))
                    .format("%a")
                    .to_string()
                    .as_str(),
                "Sat" | "Sun"
            );
            if weekend {
                80.0 + e[i]
            } else {
                300.0 + 12.0 * (15.0 - t[i]).max(0.0) + e[i]
            }
        })
        .collect();
    let m = fit_daily(&ts, &t, &y, &DailyOptions::default()).unwrap();
    let names: Vec<&str> = m.segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["wd-su_sh_wi", "we-su_sh_wi"],
        "{:?}",
        m.candidates[..3].to_vec()
    );
    let wd = &m.segments[0];
    assert_eq!(wd.day_type, DayType::Weekday);
    let h = wd.heating.unwrap();
    assert!((h.balance_c - 15.0).abs() <= 1.0, "{wd:?}");
    assert!((h.slope - 12.0).abs() < 1.0, "{wd:?}");
    assert!(h.smoothing_c <= 2.0, "{wd:?}");
    assert!((wd.intercept - 300.0).abs() < 5.0, "{wd:?}");
    let we = &m.segments[1];
    assert!((we.intercept - 80.0).abs() < 2.0, "{we:?}");
    assert!(m.r_squared > 0.99, "{}", m.r_squared);
    // a Monday at 0 °C and a Sunday at 0 °C
    let monday = ts_of(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    let sunday = ts_of(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
    let p = m.predict(&[monday, sunday], &[0.0, 0.0]).unwrap();
    assert!((p[0] - 480.0).abs() < 10.0, "{p:?}");
    assert!((p[1] - 80.0).abs() < 3.0, "{p:?}");
    assert_eq!(m.segment_of(sunday).unwrap().name, "we-su_sh_wi");
}

#[test]
fn a_curved_heating_load_is_smoothed_and_one_segment_kept() {
    let (ts, t, e) = year(11, NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
    // a load that bends in over about 5 °C below 18 °C: h(x) = x - 5 (1 - e^(-x/5))
    let y: Vec<f64> = t
        .iter()
        .zip(&e)
        .map(|(t, e)| {
            let x = (18.0 - t).max(0.0);
            100.0 + 10.0 * (x - 5.0 * (1.0 - (-x / 5.0).exp())) + e
        })
        .collect();
    let m = fit_daily(&ts, &t, &y, &DailyOptions::default()).unwrap();
    assert_eq!(m.segments.len(), 1, "{:?}", m.segments);
    let s = &m.segments[0];
    assert_eq!(s.kind, ChangePointKind::Heating3p, "{s:?}");
    let h = s.heating.unwrap();
    assert!((2.0..=8.0).contains(&h.smoothing_c), "{s:?}");
    assert!((h.balance_c - 18.0).abs() <= 1.5, "{s:?}");
    assert!((h.slope - 10.0).abs() < 1.5, "{s:?}");
    // the same data without smoothing fit worse
    let plain = fit_daily(
        &ts,
        &t,
        &y,
        &DailyOptions {
            smoothing_c: vec![0.0],
            ..DailyOptions::default()
        },
    )
    .unwrap();
    assert!(plain.segments.iter().map(|s| s.sse).sum::<f64>() > s.sse);
}

#[test]
fn local_dates_decide_the_day_type() {
    // 23:30 UTC on a Friday is already Saturday in Berlin
    let friday_late = ts_of(NaiveDate::from_ymd_opt(2025, 6, 6).unwrap()) + 23 * 3_600_000_000;
    let (ts, t, e) = year(3, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
    // days that start at local midnight in Berlin (UTC+1/+2): shift by the zone offset
    let tz: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let ts_local: Vec<Timestamp> = ts
        .iter()
        .map(|&t| {
            use chrono::TimeZone;
            let d = chrono::DateTime::from_timestamp_micros(t)
                .unwrap()
                .date_naive();
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
                .single()
                .unwrap()
                .timestamp_micros()
        })
        .collect();
    let y: Vec<f64> = (0..365).map(|i| 50.0 + e[i]).collect();
    let options = DailyOptions {
        timezone: "Europe/Berlin".into(),
        ..DailyOptions::default()
    };
    let m = fit_daily(&ts_local, &t, &y, &options).unwrap();
    assert_eq!(m.training.start, ts_local[0]);
    // the end of the last local day (2025-12-31 in Berlin) is 23:00 UTC
    assert_eq!(
        m.training.end,
        ts_of(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()) + 23 * 3_600_000_000
    );
    let forced = DailyOptions {
        split_seasons: false,
        split_criterion: SplitCriterion::PenalisedBic {
            multiplier: 0.0,
            power: 1.0,
        },
        ..options
    };
    // without a penalty the weekday/weekend split always lowers the SSE, so it is chosen
    let m = fit_daily(&ts_local, &t, &y, &forced).unwrap();
    assert_eq!(m.segments.len(), 2, "{:?}", m.segments);
    assert_eq!(
        m.segment_of(friday_late).unwrap().day_type,
        DayType::Weekend
    );
}

// ---------------------------------------------------------------------------------------------
// Properties.

fn days() -> impl Strategy<Value = (Vec<Timestamp>, Vec<f64>, Vec<f64>)> {
    (30usize..200, 0i64..20_000).prop_flat_map(|(n, start_day)| {
        (
            Just(
                (0..n as i64)
                    .map(|d| (start_day + d) * MICROS_PER_DAY)
                    .collect::<Vec<_>>(),
            ),
            prop::collection::vec(-30.0f64..40.0, n),
            prop::collection::vec(0.0f64..1e4, n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any finite year of days fits without a panic, predicts finite values, and the chosen
    /// segmentation is never worse by the criterion than any other considered, the merged
    /// single segment among them.
    #[test]
    fn fits_predict_finite_and_merging_never_beats_the_choice((ts, t, y) in days(), step in prop::sample::select(vec![0.25, 0.5, 1.0])) {
        let options = DailyOptions { step_c: step, min_segment_days: 10, ..DailyOptions::default() };
        let m = fit_daily(&ts, &t, &y, &options).unwrap();
        let p = m.predict(&ts, &t).unwrap();
        prop_assert!(p.iter().all(|v| v.is_finite()));
        let far = m.predict(&ts[..2], &[-60.0, 60.0]).unwrap();
        prop_assert!(far.iter().all(|v| v.is_finite()));
        let single = m.candidates.iter().find(|c| c.segments == ["fw-su_sh_wi"]).unwrap();
        prop_assert!(m.criterion <= single.criterion);
        prop_assert!(m.candidates.iter().all(|c| m.criterion <= c.criterion));
        // the pooled SSE of the chosen segments is what the predictions give
        let sse: f64 = y.iter().zip(&p).map(|(a, b)| (a - b) * (a - b)).sum();
        let seg_sse: f64 = m.segments.iter().map(|s| s.sse).sum();
        prop_assert!((sse - seg_sse).abs() <= 1e-6 * (1.0 + sse), "{} {}", sse, seg_sse);
    }

    /// Constant energy or constant temperatures are no error: the mean model.
    #[test]
    fn constant_columns_fit((ts, t, y) in days(), level in 0.0f64..100.0) {
        let options = DailyOptions { min_segment_days: 10, ..DailyOptions::default() };
        let flat = vec![level; y.len()];
        let m = fit_daily(&ts, &t, &flat, &options).unwrap();
        prop_assert!(m.predict(&ts, &t).unwrap().iter().all(|v| (v - level).abs() < 1e-6 * (1.0 + level)));
        let same_t = vec![12.5; t.len()];
        let m = fit_daily(&ts, &same_t, &y, &options).unwrap();
        prop_assert!(m.segments.iter().all(|s| s.kind == ChangePointKind::Mean));
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input.

#[test]
fn bad_input_is_a_typed_error() {
    let (ts, t, y) = year(5, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
    let o = DailyOptions::default();
    assert!(matches!(
        fit_daily(&[], &[], &[], &o),
        Err(Error::EmptySeries { .. })
    ));
    assert!(matches!(
        fit_daily(&ts[..10], &t[..10], &y[..10], &o),
        Err(Error::InvalidParameter { ref name, .. }) if name == "energy"
    ));
    assert!(matches!(
        fit_daily(&ts, &t[..364], &y, &o),
        Err(Error::LengthMismatch { ref column, expected: 365, got: 364 }) if column == "temp_c"
    ));
    assert!(matches!(
        fit_daily(&ts[..364], &t, &y, &o),
        Err(Error::LengthMismatch { ref column, .. }) if column == "ts"
    ));
    let mut bad = t.clone();
    bad[17] = f64::NAN;
    assert!(matches!(
        fit_daily(&ts, &bad, &y, &o),
        Err(Error::NonFinite { ref column, index: 17, .. }) if column == "temp_c"
    ));
    let mut bad = y.clone();
    bad[3] = f64::INFINITY;
    assert!(matches!(
        fit_daily(&ts, &t, &bad, &o),
        Err(Error::NonFinite { ref column, index: 3, .. }) if column == "energy"
    ));
    let mut dup = ts.clone();
    dup[100] = dup[99] + 3_600_000_000;
    assert!(matches!(
        fit_daily(&dup, &t, &y, &o),
        Err(Error::DuplicateTimestamp { ref column, index: 100, .. }) if column == "ts"
    ));
    let mut back = ts.clone();
    back.swap(50, 51);
    assert!(matches!(
        fit_daily(&back, &t, &y, &o),
        Err(Error::Unsorted { index: 51, .. })
    ));
    for (options, field) in [
        (
            DailyOptions {
                step_c: 0.0,
                ..o.clone()
            },
            "step_c",
        ),
        (
            DailyOptions {
                step_c: f64::NAN,
                ..o.clone()
            },
            "step_c",
        ),
        (
            DailyOptions {
                smoothing_c: vec![-1.0],
                ..o.clone()
            },
            "smoothing_c",
        ),
        (
            DailyOptions {
                smoothing_c: vec![],
                ..o.clone()
            },
            "smoothing_c",
        ),
        (
            DailyOptions {
                kinds: vec![],
                ..o.clone()
            },
            "kinds",
        ),
        (
            DailyOptions {
                min_segment_days: 0,
                ..o.clone()
            },
            "min_segment_days",
        ),
        (
            DailyOptions {
                split_criterion: SplitCriterion::PenalisedBic {
                    multiplier: -1.0,
                    power: 2.0,
                },
                ..o.clone()
            },
            "split_criterion",
        ),
    ] {
        let e = fit_daily(&ts, &t, &y, &options).unwrap_err();
        assert_eq!(e.field(), Some(field), "{e}");
    }
    // a grid that would never end
    let e = fit_daily(
        &ts,
        &t,
        &y,
        &DailyOptions {
            step_c: 1e-9,
            ..o.clone()
        },
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("step_c"), "{e}");
    let mut far = t.clone();
    far[0] = 1e300;
    let e = fit_daily(&ts, &far, &y, &o).unwrap_err();
    assert_eq!(e.field(), Some("step_c"), "{e}");
    // huge energies overflow the sums: no panic, an answer or an error
    let huge: Vec<f64> = y.iter().map(|v| v * 1e305).collect();
    let _ = fit_daily(&ts, &t, &huge, &o);
    assert!(matches!(
        fit_daily(
            &ts,
            &t,
            &y,
            &DailyOptions {
                timezone: "Mars/Olympus".into(),
                ..o.clone()
            }
        ),
        Err(Error::UnknownTimeZone(_))
    ));
    let m = fit_daily(&ts, &t, &y, &o).unwrap();
    assert!(matches!(
        m.predict(&ts[..2], &[1.0]),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(matches!(
        m.predict(&ts[..2], &[1.0, f64::NAN]),
        Err(Error::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        m.predict(&[i64::MAX], &[1.0]),
        Err(Error::TimestampOutOfRange { .. })
    ));
}

#[test]
fn injected_savings_are_found_within_their_uncertainty() {
    use enms_core::baseline::{PerformanceOptions, TimeTempBaseline};
    // a heating plant: 300 kWh a day plus 12 kWh per degree below 15 °C
    let plant = |t: &[f64], e: &[f64]| -> Vec<f64> {
        t.iter()
            .zip(e)
            .map(|(t, e)| 300.0 + 12.0 * (15.0 - t).max(0.0) + e)
            .collect()
    };
    let (ts0, t0, e0) = year(3, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    let m = fit_daily(&ts0, &t0, &plant(&t0, &e0), &DailyOptions::default()).unwrap();
    assert!(
        m.resid_autocorr_lag1.abs() < 0.2,
        "{}",
        m.resid_autocorr_lag1
    );
    let (ts1, t1, e1) = year(4, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
    let unchanged = plant(&t1, &e1);
    let actual: Vec<f64> = unchanged.iter().map(|v| 0.95 * v).collect();
    let true_savings: f64 = unchanged.iter().sum::<f64>() - actual.iter().sum::<f64>();
    let opts = PerformanceOptions::default();
    let r = m.performance(&ts1, &t1, &actual, &opts).unwrap();
    assert!(
        r.savings_low <= true_savings && true_savings <= r.savings_high,
        "true {true_savings} outside [{}, {}]",
        r.savings_low,
        r.savings_high
    );
    assert!(r.savings_low > 0.0, "5 % must be significant: {r:?}");
    assert_eq!(r.expected, m.predict(&ts1, &t1).unwrap());
    let r0 = m.performance(&ts1, &t1, &unchanged, &opts).unwrap();
    assert!(r0.savings_low <= 0.0 && 0.0 <= r0.savings_high, "{r0:?}");
    // a model saved before the autocorrelation was recorded still reports (taking it as 0)
    let mut v = serde_json::to_value(&m).unwrap();
    v.as_object_mut().unwrap().remove("resid_autocorr_lag1");
    let old: DailyModel = serde_json::from_value(v).unwrap();
    assert_eq!(old.resid_autocorr_lag1, 0.0);
    assert!(old.performance(&ts1, &t1, &actual, &opts).is_ok());
    let e = m.performance(&ts1, &t1, &actual[..10], &opts).unwrap_err();
    assert!(matches!(e, Error::LengthMismatch { .. }), "{e}");
}
