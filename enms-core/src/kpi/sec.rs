//! Specific energy consumption (SEC), the first energy performance indicator of ISO 50006:
//!
//! `SEC = E / P`, energy (kWh) per unit of output (parts, tonnes, m3), per period and per bucket.
//!
//! It is **undefined** (not infinite, not zero) when nothing was produced: `None` in Rust, `null` in
//! JSON, `None`/null in Python and JS.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::rollup::Rollup;
use crate::series::QuantitySeries;
use crate::time::Timestamp;

/// `energy_kwh / production`, or `None` when production is zero, negative or not finite.
pub fn specific_energy_consumption(energy_kwh: f64, production: f64) -> Option<f64> {
    if production > 0.0 && production.is_finite() && energy_kwh.is_finite() {
        Some(energy_kwh / production)
    } else {
        None
    }
}

/// SEC per bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecSeries {
    /// Bucket starts.
    pub start: Vec<Timestamp>,
    /// Bucket ends.
    pub end: Vec<Timestamp>,
    /// Energy per bucket, kWh.
    pub energy_kwh: Vec<f64>,
    /// Production per bucket (units of the production series).
    pub production: Vec<f64>,
    /// SEC per bucket, kWh per unit; `None` where nothing was produced.
    pub sec: Vec<Option<f64>>,
}

/// SEC per bucket of an energy rollup. Production values are labelled by the end of the interval
/// they cover, so a value stamped `ts` belongs to the bucket with `start < ts <= end`.
pub fn sec_per_bucket(energy: &Rollup, production: &QuantitySeries) -> Result<SecSeries> {
    let n = energy.len();
    let mut prod = vec![0.0; n];
    let (ts, vals) = (production.ts(), production.values());
    let mut j = 0;
    for (k, total) in prod.iter_mut().enumerate() {
        let (s, e) = (energy.start[k], energy.end[k]);
        while j < ts.len() && ts[j] <= s {
            j += 1;
        }
        while j < ts.len() && ts[j] <= e {
            *total += vals[j];
            j += 1;
        }
    }
    let sec = energy
        .energy_kwh
        .iter()
        .zip(&prod)
        .map(|(e, p)| specific_energy_consumption(*e, *p))
        .collect();
    Ok(SecSeries {
        start: energy.start.clone(),
        end: energy.end.clone(),
        energy_kwh: energy.energy_kwh.clone(),
        production: prod,
        sec,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bucket::Bucketing;
    use crate::rollup::{rollup_power, RollupOptions};
    use crate::series::PowerSeries;
    use crate::time::MICROS_PER_MINUTE as M;

    #[test]
    fn undefined_without_production() {
        assert_eq!(specific_energy_consumption(10.0, 0.0), None);
        assert_eq!(specific_energy_consumption(10.0, 4.0), Some(2.5));
        assert_eq!(specific_energy_consumption(10.0, f64::NAN), None);
    }

    #[test]
    fn per_bucket_with_end_labels() {
        // 60 kW for two hours; 30 parts in the first hour, none in the second.
        let s = PowerSeries::new((0..=120).map(|i| i * M).collect(), vec![60.0; 121]).unwrap();
        let r = rollup_power(
            &s,
            &Bucketing::parse("1h").unwrap(),
            &RollupOptions::default(),
        )
        .unwrap();
        let q = QuantitySeries::new(
            "production_count",
            vec![30 * M, 60 * M, 120 * M],
            vec![10.0, 20.0, 0.0],
        )
        .unwrap();
        let sec = sec_per_bucket(&r, &q).unwrap();
        assert_eq!(sec.production[..2], [30.0, 0.0]);
        assert!((sec.sec[0].unwrap() - 2.0).abs() < 1e-12);
        assert_eq!(sec.sec[1], None);
    }
}
