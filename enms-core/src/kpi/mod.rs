//! Key performance indicators of energy management (formulas in `docs/kpis.md`).
//!
//! Every KPI is computed from rollups (see [`crate::rollup`]), so the same code serves one machine,
//! a factory (machines' rollups added on the same grid, per carrier) and a group of factories.

pub mod carbon;
pub mod cost;
pub mod demand;
pub mod reactive;
pub mod report;
pub mod sec;

pub use carbon::{CarbonFactors, HourlyCarbonFactors};
pub use cost::{CostBreakdown, Tariff};
pub use demand::{load_factor, peak_demand, DemandMethod, DemandOptions, PeakDemand};
pub use reactive::{power_factor, ReactiveSummary};
pub use report::{kpi_report, KpiReport, KpiSettings, MachineInput};
pub use sec::{sec_per_bucket, specific_energy_consumption, SecSeries};
