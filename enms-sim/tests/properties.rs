//! Invariants over random seeds, spans, rates and time zones: no panic, counters monotone,
//! one status row per minute, readings on the meter grid.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use enms_core::time::{MICROS_PER_MINUTE, MICROS_PER_SECOND};
use enms_sim::{FactoryConfig, Simulator};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_span_any_seed(
        seed in any::<u64>(),
        // 1990 .. 2060, any second.
        start_s in 631_152_000i64..2_840_140_800,
        len_s in 1i64..(3 * 3600),
        fault_rate in 0.0f64..20.0,
        tz in prop::sample::select(vec!["Europe/Berlin", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
    ) {
        let mut cfg = FactoryConfig::default();
        cfg.factory.timezone = tz.to_string();
        cfg.fault_rate_per_machine_day = fault_rate;
        cfg.dropout_rate_per_machine_day = fault_rate;
        let sim = Simulator::new(cfg, seed).unwrap();
        let (a, b) = (start_s * MICROS_PER_SECOND, (start_s + len_s) * MICROS_PER_SECOND);
        let out = sim.generate(a, b).unwrap();
        for (t, m) in out.energy.iter().zip(&out.machines) {
            let step = (m.interval_s as i64) * MICROS_PER_SECOND;
            prop_assert!(t.ts.iter().all(|&ts| ts >= a && ts < b && ts % step == 0));
            prop_assert!(t.energy_kwh.windows(2).all(|w| w[1] >= w[0]));
            prop_assert!(t.power_kw.iter().all(|p| p.is_finite() && *p >= 0.0));
        }
        let minutes = (b - 1).div_euclid(MICROS_PER_MINUTE) - a.div_euclid(MICROS_PER_MINUTE) + 1
            - i64::from(a % MICROS_PER_MINUTE != 0);
        for s in &out.status {
            prop_assert_eq!(s.len() as i64, minutes);
        }
        for p in &out.production {
            prop_assert!(p.production_count.iter().all(|c| *c >= 0.0 && c.fract() == 0.0));
        }
    }
}
