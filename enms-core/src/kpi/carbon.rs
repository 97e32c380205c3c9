//! Carbon emissions: `CO2 = E x f`, energy (kWh) times an emission factor (kg CO2 per kWh) of the
//! energy's carrier.
//!
//! A static factor per carrier (grid electricity 0.45 kg/kWh by default), or for electricity an
//! hourly factor series (location- or market-based grid intensity), applied to each bucket by the
//! factor in force at the bucket's start. Carbon of different carriers adds up: it is one unit.
//!
//! Default factors (indicative, override with the site's own): electricity 0.45; natural gas 0.202
//! (IPCC 2006, 56.1 t CO2/TJ); fuel oil 0.267 (IPCC 2006, 74.1 t CO2/TJ); steam and district heat
//! 0.25 (typical gas-fired supply with losses); compressed air bought as a utility 0.45 (electricity).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::EnergyCarrier;
use crate::rollup::Rollup;
use crate::series::{check_finite, check_len, check_non_empty, check_non_negative, check_sorted};
use crate::time::{format_rfc3339, Timestamp, MICROS_PER_HOUR};

/// Default grid emission factor, kg CO2 per kWh.
pub const DEFAULT_ELECTRICITY_KG_PER_KWH: f64 = 0.45;

/// A static emission factor per carrier, kg CO2 per kWh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CarbonFactors {
    /// Factors by carrier.
    pub kg_per_kwh: BTreeMap<EnergyCarrier, f64>,
}

impl Default for CarbonFactors {
    fn default() -> Self {
        let kg_per_kwh = BTreeMap::from([
            (EnergyCarrier::Electricity, DEFAULT_ELECTRICITY_KG_PER_KWH),
            (EnergyCarrier::NaturalGas, 0.202),
            (EnergyCarrier::FuelOil, 0.267),
            (EnergyCarrier::Steam, 0.25),
            (EnergyCarrier::DistrictHeat, 0.25),
            (EnergyCarrier::CompressedAir, DEFAULT_ELECTRICITY_KG_PER_KWH),
        ]);
        CarbonFactors { kg_per_kwh }
    }
}

impl CarbonFactors {
    /// Sets one carrier's factor (finite, >= 0).
    pub fn with(mut self, carrier: EnergyCarrier, kg_per_kwh: f64) -> Result<Self> {
        if !kg_per_kwh.is_finite() || kg_per_kwh < 0.0 {
            return Err(Error::invalid(
                "kg_per_kwh",
                format!("emission factor of {carrier} must be finite and >= 0, got {kg_per_kwh}"),
            ));
        }
        self.kg_per_kwh.insert(carrier, kg_per_kwh);
        Ok(self)
    }

    /// The factor of a carrier.
    pub fn factor(&self, carrier: EnergyCarrier) -> Result<f64> {
        self.kg_per_kwh.get(&carrier).copied().ok_or_else(|| {
            Error::invalid("kg_per_kwh", format!("no emission factor for {carrier}"))
        })
    }

    /// Emissions of `energy_kwh` of `carrier`, kg CO2.
    pub fn carbon_kg(&self, energy_kwh: f64, carrier: EnergyCarrier) -> Result<f64> {
        Ok(energy_kwh * self.factor(carrier)?)
    }
}

/// An hourly (or any step) emission factor series, kg CO2 per kWh; each value holds from its
/// timestamp until the next one (the last one for one hour).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourlyCarbonFactors {
    ts: Vec<Timestamp>,
    kg_per_kwh: Vec<f64>,
}

impl HourlyCarbonFactors {
    /// Validated series: sorted, finite, non-negative.
    pub fn new(ts: Vec<Timestamp>, kg_per_kwh: Vec<f64>) -> Result<Self> {
        check_non_empty("ts", ts.len(), 1)?;
        check_len("kg_per_kwh", ts.len(), kg_per_kwh.len())?;
        check_finite("kg_per_kwh", &kg_per_kwh)?;
        check_non_negative("kg_per_kwh", &kg_per_kwh)?;
        check_sorted("ts", &ts)?;
        Ok(HourlyCarbonFactors { ts, kg_per_kwh })
    }

    /// The factor in force at `t`, if the series covers it.
    pub fn at(&self, t: Timestamp) -> Option<f64> {
        let i = self.ts.partition_point(|&x| x <= t);
        if i == 0 {
            return None;
        }
        if i == self.ts.len() && t >= self.ts[i - 1] + MICROS_PER_HOUR {
            return None;
        }
        Some(self.kg_per_kwh[i - 1])
    }

    /// Emissions of an electricity rollup, kg CO2: each bucket's energy times the factor at its
    /// start. Buckets with energy and no factor are an error naming the bucket.
    pub fn carbon_kg(&self, rollup: &Rollup) -> Result<f64> {
        let mut kg = 0.0;
        for k in 0..rollup.len() {
            if rollup.energy_kwh[k] == 0.0 {
                continue;
            }
            let f = self.at(rollup.start[k]).ok_or_else(|| {
                Error::invalid(
                    "kg_per_kwh",
                    format!(
                        "the factor series does not cover {}",
                        format_rfc3339(rollup.start[k])
                    ),
                )
            })?;
            kg += rollup.energy_kwh[k] * f;
        }
        Ok(kg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bucket::Bucketing;
    use crate::rollup::{rollup_power, RollupOptions};
    use crate::series::PowerSeries;
    use crate::time::MICROS_PER_MINUTE as M;

    #[test]
    fn static_and_hourly() {
        let f = CarbonFactors::default();
        assert_eq!(
            f.carbon_kg(100.0, EnergyCarrier::Electricity).unwrap(),
            45.0
        );
        assert!((f.carbon_kg(100.0, EnergyCarrier::NaturalGas).unwrap() - 20.2).abs() < 1e-12);
        assert!(f.clone().with(EnergyCarrier::Steam, -1.0).is_err());
        // 60 kW for two hours at 0.3 then 0.5 kg/kWh
        let s = PowerSeries::new((0..=120).map(|i| i * M).collect(), vec![60.0; 121]).unwrap();
        let r = rollup_power(
            &s,
            &Bucketing::parse("1h").unwrap(),
            &RollupOptions::default(),
        )
        .unwrap();
        let h = HourlyCarbonFactors::new(vec![0, 60 * M], vec![0.3, 0.5]).unwrap();
        assert!((h.carbon_kg(&r).unwrap() - (18.0 + 30.0)).abs() < 1e-9);
        let short = HourlyCarbonFactors::new(vec![0], vec![0.3]).unwrap();
        assert!(short.carbon_kg(&r).is_err());
    }
}
