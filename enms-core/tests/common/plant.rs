//! The anomaly test plant: five weeks of an hourly machine (a weekly pattern, production driving
//! energy, a temperature effect, noise from a fixed linear congruential generator) with a fault of
//! six hours (+40 % energy) in the last week, from hour `4 * 168 + 30`.
//!
//! Shared by enms-core's unit tests of `anomaly::detect` and enms-py's fixture test, which
//! include this file by path; it uses nothing but `std` so that it compiles inside and outside
//! the crate.

/// First hour: 2025-01-06 00:00 UTC, a Monday, in microseconds.
pub const PLANT_T0: i64 = 1_736_121_600_000_000;
/// Hours of the plant.
pub const PLANT_HOURS: usize = 5 * 168;
/// The faulty hours.
pub const PLANT_FAULT: std::ops::Range<usize> = 4 * 168 + 30..4 * 168 + 36;

/// `(ts, energy, production, temperature)` per hour.
pub fn plant() -> (Vec<i64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    const HOUR_US: i64 = 3_600_000_000;
    let mut state = 12345u64;
    let mut noise = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    };
    let ts: Vec<i64> = (0..PLANT_HOURS)
        .map(|i| PLANT_T0 + i as i64 * HOUR_US)
        .collect();
    let mut production = Vec::with_capacity(PLANT_HOURS);
    let mut energy = Vec::with_capacity(PLANT_HOURS);
    let mut temp = Vec::with_capacity(PLANT_HOURS);
    for i in 0..PLANT_HOURS {
        let h = i % 168;
        let working = h < 120 && (6..22).contains(&(h % 24));
        let p = if working { 100.0 + 20.0 * noise() } else { 0.0 };
        let t = 5.0 + 3.0 * (i as f64 / 24.0).sin();
        let mut e = 20.0 + 0.5 * p - 0.4 * t + 2.0 * noise();
        if PLANT_FAULT.contains(&i) {
            e *= 1.4;
        }
        production.push(p);
        energy.push(e);
        temp.push(t);
    }
    (ts, energy, production, temp)
}
