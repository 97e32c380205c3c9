//! KPIs of a real plant: the UCI steel industry data set (a year of 15-minute energy, Gwangyang,
//! South Korea), read with its quirks and summarised the way an energy manager would look at it.
//!
//! `cargo run -p enms-core --example steel_kpis`

#[path = "../enms-core/tests/common/mod.rs"]
mod common;

use enms_core::bucket::Bucketing;
use enms_core::kpi::{load_factor, peak_demand, CarbonFactors, DemandOptions, ReactiveSummary};
use enms_core::model::EnergyCarrier;
use enms_core::rollup::{rollup_intervals, IntervalEnergy};
use enms_core::time::{format_rfc3339, MICROS_PER_MINUTE};

fn main() -> Result<(), enms_core::Error> {
    let steel = common::load_steel();
    let intervals =
        IntervalEnergy::from_end_labels(steel.end_utc, 15 * MICROS_PER_MINUTE, steel.usage_kwh)?;
    let quarter = rollup_intervals(
        &intervals,
        &Bucketing::parse("15m")?.with_timezone("Asia/Seoul")?,
        None,
    )?;
    let total = quarter.total_energy_kwh();
    let hours = quarter.range().map(|r| r.hours()).unwrap_or(0.0);
    let peak = peak_demand(&quarter, &DemandOptions::default())?;
    println!(
        "Steel plant, 2018: {:.0} MWh over {hours} h, mean {:.1} kW",
        total / 1e3,
        total / hours
    );
    if let Some(p) = peak {
        println!(
            "15-minute peak demand {:.1} kW at {} (load factor {:.3})",
            p.peak_demand_kw,
            format_rfc3339(p.start),
            load_factor(total, hours, p.peak_demand_kw).unwrap_or(f64::NAN)
        );
    }
    let reactive = ReactiveSummary::new(total, steel.lagging_kvarh.iter().sum());
    println!(
        "lagging reactive energy {:.0} Mvarh, power factor {:.3}, carbon at 0.45 kg/kWh: {:.0} t",
        reactive.reactive_kvarh / 1e3,
        reactive.power_factor.unwrap_or(f64::NAN),
        CarbonFactors::default().carbon_kg(total, EnergyCarrier::Electricity)? / 1e3
    );
    let months = quarter.regroup(&Bucketing::parse("1mo")?.with_timezone("Asia/Seoul")?)?;
    println!("\nmonth      energy MWh  peak kW");
    for k in 0..months.len() {
        println!(
            "{}  {:>10.1}  {:>7.1}",
            &format_rfc3339(months.start[k] + 9 * 3_600_000_000)[..7],
            months.energy_kwh[k] / 1e3,
            months.max_power_kw[k]
        );
    }
    Ok(())
}
