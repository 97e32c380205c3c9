//! KPIs of the real steel plant data (UCI 851) against an independent pandas computation
//! (`scripts/reference/steel_kpis.py`, which wrote `tests/fixtures/steel_kpis.json`).

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{NaiveDate, NaiveTime};
use enms_core::bucket::Bucketing;
use enms_core::kpi::cost::{
    energy_cost, CostScope, DayType, DemandCharge, Tariff, TariffVersion, TouPeriod,
};
use enms_core::kpi::{
    load_factor, peak_demand, CarbonFactors, DemandMethod, DemandOptions, ReactiveSummary,
};
use enms_core::model::EnergyCarrier;
use enms_core::rollup::{rollup_intervals, IntervalEnergy};
use enms_core::time::{format_rfc3339, MICROS_PER_MINUTE};

fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!("fixtures/steel_kpis.json")).unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: enms {a} vs pandas {b}"
    );
}

fn f(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} missing"))
}

#[test]
fn steel_kpis_match_pandas() {
    let steel = common::load_steel();
    let r = reference();
    assert_eq!(steel.end_utc.len() as u64, r["rows"].as_u64().unwrap());
    let iv = IntervalEnergy::from_end_labels(
        steel.end_utc.clone(),
        15 * MICROS_PER_MINUTE,
        steel.usage_kwh.clone(),
    )
    .unwrap();
    assert_eq!(
        format_rfc3339(iv.start[0]),
        r["first_interval_start_utc"].as_str().unwrap()
    );
    let q = Bucketing::parse("15m")
        .unwrap()
        .with_timezone("Asia/Seoul")
        .unwrap();
    let quarter = rollup_intervals(&iv, &q, None).unwrap();
    assert_eq!(
        format_rfc3339(*quarter.end.last().unwrap()),
        r["last_interval_end_utc"].as_str().unwrap()
    );
    assert!(
        quarter.coverage().iter().all(|c| *c == 1.0),
        "a regular grid covers every bucket"
    );

    let total = quarter.total_energy_kwh();
    close(total, f(&r, "total_kwh"), "total energy");
    let hours = quarter.range().unwrap().hours();
    close(hours, f(&r, "hours"), "hours");

    let p15 = peak_demand(&quarter, &DemandOptions::default())
        .unwrap()
        .unwrap();
    close(
        p15.peak_demand_kw,
        f(&r, "peak_demand_15min_kw"),
        "15-min peak demand",
    );
    assert_eq!(
        format_rfc3339(p15.start),
        r["peak_demand_15min_start_utc"].as_str().unwrap()
    );
    let p60 = peak_demand(
        &quarter,
        &DemandOptions {
            window_minutes: 60,
            method: DemandMethod::FixedBlocks,
        },
    )
    .unwrap()
    .unwrap();
    close(
        p60.peak_demand_kw,
        f(&r, "peak_demand_60min_fixed_kw"),
        "60-min fixed-block peak demand",
    );
    let roll = DemandOptions {
        window_minutes: 60,
        method: DemandMethod::Rolling { step_minutes: 15 },
    };
    let p60r = peak_demand(&quarter, &roll).unwrap().unwrap();
    close(
        p60r.peak_demand_kw,
        f(&r, "peak_demand_60min_rolling_kw"),
        "60-min rolling peak demand",
    );
    close(
        load_factor(total, hours, p15.peak_demand_kw).unwrap(),
        f(&r, "load_factor_15min"),
        "load factor",
    );

    let months = quarter
        .regroup(
            &Bucketing::parse("1mo")
                .unwrap()
                .with_timezone("Asia/Seoul")
                .unwrap(),
        )
        .unwrap();
    let expected: Vec<f64> = r["monthly_kwh"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(months.len(), expected.len());
    for (a, b) in months.energy_kwh.iter().zip(&expected) {
        close(*a, *b, "monthly energy");
    }
    let days = quarter
        .regroup(
            &Bucketing::parse("1d")
                .unwrap()
                .with_timezone("Asia/Seoul")
                .unwrap(),
        )
        .unwrap();
    assert_eq!(days.len() as u64, r["daily_kwh_count"].as_u64().unwrap());
    close(
        days.energy_kwh.iter().cloned().fold(f64::MIN, f64::max),
        f(&r, "daily_kwh_max"),
        "max daily energy",
    );

    let lag: f64 = steel.lagging_kvarh.iter().sum();
    close(lag, f(&r, "lagging_kvarh"), "lagging reactive energy");
    let reactive = ReactiveSummary::new(total, lag);
    close(
        reactive.power_factor.unwrap(),
        f(&r, "power_factor"),
        "power factor",
    );
    close(
        CarbonFactors::default()
            .carbon_kg(total, EnergyCarrier::Electricity)
            .unwrap(),
        f(&r, "carbon_kg_at_0_45"),
        "carbon",
    );
}

#[test]
fn steel_tou_cost_matches_pandas() {
    let steel = common::load_steel();
    let r = reference();
    let iv =
        IntervalEnergy::from_end_labels(steel.end_utc, 15 * MICROS_PER_MINUTE, steel.usage_kwh)
            .unwrap();
    let quarter = rollup_intervals(
        &iv,
        &Bucketing::parse("15m")
            .unwrap()
            .with_timezone("Asia/Seoul")
            .unwrap(),
        None,
    )
    .unwrap();
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let period = |name: &str, rate, days: Vec<DayType>, a, b| TouPeriod {
        name: name.into(),
        rate_per_kwh: rate,
        day_types: days,
        start: t(a),
        end: t(b),
        season: None,
    };
    let weekdays = vec![DayType::Weekday];
    let tariff = Tariff {
        name: "illustrative Korean industrial TOU".into(),
        currency: "KRW".into(),
        timezone: "Asia/Seoul".into(),
        holidays: vec![],
        versions: vec![TariffVersion {
            valid_from: NaiveDate::from_ymd_opt(2018, 1, 1).unwrap(),
            base_rate_per_kwh: 147.0,
            periods: vec![
                period("light", 94.0, vec![], 22, 8),
                period("max", 229.0, weekdays.clone(), 10, 12),
                period("max", 229.0, weekdays, 13, 17),
            ],
            demand_charges: vec![DemandCharge {
                name: "demand".into(),
                rate_per_kw: 8320.0,
                window_minutes: 15,
                periods: vec![],
            }],
            fixed_charges: vec![],
        }],
    };
    let c = energy_cost(&quarter, &tariff, CostScope::default()).unwrap();
    close(
        c.energy_cost,
        f(&r, "tou_energy_cost_krw"),
        "TOU energy cost",
    );
    for p in &c.by_period {
        close(
            p.energy_kwh,
            f(&r["tou_energy_kwh_by_period"], &p.name),
            &format!("energy in {}", p.name),
        );
    }
    assert_eq!(c.demand.len(), 12);
    close(c.demand_cost, f(&r, "demand_cost_krw"), "demand charges");
    assert_eq!(c.currency, "KRW");
}
