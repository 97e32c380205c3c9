//! Bad input gives a typed error that names the problem and where it is; never a panic.

use enms_core::bucket::{BucketWidth, Bucketing};
use enms_core::kpi::cost::Tariff;
use enms_core::model::{EnergyUnit, PowerUnit};
use enms_core::rollup::{rollup_power, RollupOptions};
use enms_core::series::{CounterSeries, PowerSeries, PowerView, QuantitySeries};
use enms_core::time::parse_rfc3339;
use enms_core::Error;

#[test]
fn empty_series() {
    let e = PowerSeries::new(vec![], vec![]).unwrap_err();
    assert_eq!(
        e,
        Error::EmptySeries {
            column: "ts".into(),
            needed: 1
        }
    );
    assert_eq!(e.code(), "EMPTY_SERIES");
    assert!(matches!(
        CounterSeries::new(vec![1], vec![1.0]),
        Err(Error::EmptySeries { needed: 2, .. })
    ));
}

#[test]
fn nan_and_infinity_name_column_and_index() {
    let e = PowerSeries::new(vec![1, 2, 3], vec![1.0, 2.0, f64::INFINITY]).unwrap_err();
    assert_eq!(
        e,
        Error::NonFinite {
            column: "power_kw".into(),
            index: 2,
            value: "inf".into()
        }
    );
    assert_eq!(e.field(), Some("power_kw"));
    assert!(e.to_string().contains("index 2"), "{e}");
    let e = PowerView::new(&[1, 2], &[f64::NAN, 1.0]).unwrap_err();
    assert!(matches!(e, Error::NonFinite { index: 0, .. }));
    let e = QuantitySeries::new("production_count", vec![1, 2], vec![1.0, f64::NAN]).unwrap_err();
    assert_eq!(e.field(), Some("production_count"));
}

#[test]
fn unsorted_and_duplicate_timestamps() {
    let t = |s| parse_rfc3339(s).unwrap();
    let e = PowerSeries::new(
        vec![t("2025-01-06T00:00:10Z"), t("2025-01-06T00:00:05Z")],
        vec![1.0; 2],
    )
    .unwrap_err();
    assert!(e.to_string().contains("2025-01-06T00:00:05Z"), "{e}");
    assert_eq!(e.code(), "UNSORTED");
    let e = PowerSeries::new(vec![5, 5], vec![1.0; 2]).unwrap_err();
    assert_eq!(e.code(), "DUPLICATE_TIMESTAMP");
    // sorting does not hide duplicates
    assert_eq!(
        PowerSeries::from_unsorted(vec![9, 5, 9], vec![1.0; 3])
            .unwrap_err()
            .code(),
        "DUPLICATE_TIMESTAMP"
    );
}

#[test]
fn unknown_units() {
    let e = "horsepower".parse::<PowerUnit>().unwrap_err();
    assert!(
        matches!(e, Error::UnknownUnit { ref quantity, ref unit, .. } if quantity == "power" && unit == "horsepower")
    );
    assert_eq!(
        "BTU".parse::<EnergyUnit>().unwrap_err().code(),
        "UNKNOWN_UNIT"
    );
}

#[test]
fn zero_and_negative_bucket_widths() {
    for w in ["0m", "0", "0mo"] {
        let e = Bucketing::parse(w).unwrap_err();
        assert_eq!(e.field(), Some("width"), "{w}: {e}");
    }
    assert!(Bucketing::new(BucketWidth::Micros(-5)).is_err());
    assert!(BucketWidth::seconds(0).is_err());
    let s = PowerSeries::new(vec![0, 1_000_000], vec![1.0, 1.0]).unwrap();
    let e = rollup_power(
        &s,
        &Bucketing::parse("1h").unwrap(),
        &RollupOptions {
            max_gap_us: 0,
            range: None,
        },
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("max_gap_s"));
}

#[test]
fn length_mismatch_and_bad_tariffs() {
    assert_eq!(
        PowerSeries::new(vec![1, 2, 3], vec![1.0]).unwrap_err(),
        Error::LengthMismatch {
            column: "power_kw".into(),
            expected: 3,
            got: 1
        }
    );
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    assert_eq!(
        Tariff::flat("EUR", 0.2, "Europe/Atlantis", date)
            .unwrap_err()
            .code(),
        "UNKNOWN_TIME_ZONE"
    );
    assert_eq!(
        Tariff::flat("€", 0.2, "UTC", date).unwrap_err().field(),
        Some("currency")
    );
    assert_eq!(
        Tariff::flat("EUR", f64::NAN, "UTC", date)
            .unwrap_err()
            .field(),
        Some("base_rate_per_kwh")
    );
}

#[test]
fn a_face_renames_the_field_to_the_users_column() {
    let mut e = PowerSeries::new(vec![1, 2], vec![1.0, f64::NAN]).unwrap_err();
    e.rename_field("ts", "time");
    assert_eq!(e.field(), Some("power_kw"));
    e.rename_field("power_kw", "Usage_kW");
    assert_eq!(e.field(), Some("Usage_kW"));
    assert!(e.to_string().contains("`Usage_kW`"), "{e}");
    let mut tz = Error::UnknownTimeZone("Mars/Base".into());
    tz.rename_field("ts", "time");
    assert_eq!(tz.field(), None);
}
