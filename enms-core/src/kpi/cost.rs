//! Energy cost under a tariff: energy charges (flat or time-of-use), demand charges and fixed charges.
//!
//! `cost = sum_b E_b x r(t_b) + sum_m sum_c D_{m,c} x d_c + fixed`
//!
//! - **Energy charges**: each bucket's energy `E_b` at the rate `r` in force at the bucket's start in
//!   the site's local time: the first time-of-use period whose day types, clock hours and season
//!   match, else the version's base rate. Use buckets of 15 minutes (or finer) aligned with the
//!   tariff's clock hours.
//! - **Time-of-use periods** are clock windows `[start, end)` in local time; a window whose end is not
//!   after its start crosses midnight (22:00-06:00) and belongs to the day it starts on, so
//!   "weekday 22:00-06:00" includes Friday night until Saturday 06:00. Day types: weekday, Saturday,
//!   Sunday, holiday (a listed holiday is only a holiday). Seasons are month-day ranges that may wrap
//!   the year end (winter: 10-01 to 03-31).
//! - **Validity**: a tariff is a list of versions, each in force from its `valid_from` local date until
//!   the next one's. A bucket is always priced by the version in force at its own time, so adding a new
//!   price never changes the cost of the past.
//! - **Demand charges**: per billing period (local calendar month), the peak demand over fixed
//!   blocks of the charge's window (optionally only within named TOU periods, e.g. on-peak demand)
//!   times the rate per kW of the version in force at the peak.
//! - **Fixed charges**: per day or per month, pro-rated by the share of each local day or month that
//!   the analysed range covers.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::bucket::{BucketWidth, Bucketing};
use crate::error::{Error, Result};
use crate::rollup::Rollup;
use crate::time::{
    parse_tz, to_local, Timestamp, HOURS_PER_MICRO, MICROS_PER_HOUR, MICROS_PER_MINUTE,
};

/// Kind of day for time-of-use periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    /// Monday to Friday, not a holiday.
    Weekday,
    /// Saturday, not a holiday.
    Saturday,
    /// Sunday, not a holiday.
    Sunday,
    /// A holiday listed in the tariff.
    Holiday,
}

/// A season as a month-day range, inclusive at both ends; may wrap the year end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Season {
    /// Name (e.g. `summer`).
    pub name: String,
    /// First month (1-12).
    pub start_month: u32,
    /// First day of the first month.
    pub start_day: u32,
    /// Last month (1-12).
    pub end_month: u32,
    /// Last day of the last month.
    pub end_day: u32,
}

impl Season {
    fn contains(&self, date: NaiveDate) -> bool {
        let md = (date.month(), date.day());
        let (s, e) = (
            (self.start_month, self.start_day),
            (self.end_month, self.end_day),
        );
        if s <= e {
            md >= s && md <= e
        } else {
            md >= s || md <= e
        }
    }
}

/// A time-of-use period with its energy rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouPeriod {
    /// Name (e.g. `peak`, `off_peak`).
    pub name: String,
    /// Energy rate, currency per kWh.
    pub rate_per_kwh: f64,
    /// Day types it applies to; empty means every day.
    #[serde(default)]
    pub day_types: Vec<DayType>,
    /// Start of the clock window, local time.
    pub start: NaiveTime,
    /// End of the clock window (exclusive); not after `start` means the window crosses midnight,
    /// equal to `start` means the whole day.
    pub end: NaiveTime,
    /// Season it applies to; `None` means all year.
    #[serde(default)]
    pub season: Option<Season>,
}

/// A demand charge on the peak demand of each billing period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandCharge {
    /// Name (e.g. `demand`, `on_peak_demand`).
    pub name: String,
    /// Rate, currency per kW of peak demand per billing period.
    pub rate_per_kw: f64,
    /// Demand window, minutes (15 by default).
    #[serde(default = "default_window")]
    pub window_minutes: u32,
    /// TOU period names within which the peak is measured; empty means all the time.
    #[serde(default)]
    pub periods: Vec<String>,
}

fn default_window() -> u32 {
    15
}

/// What a fixed charge is charged per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeBasis {
    /// Per local day.
    Day,
    /// Per local calendar month.
    Month,
}

/// A fixed charge (standing charge, meter rental).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedCharge {
    /// Name.
    pub name: String,
    /// Amount per day or month, currency.
    pub amount: f64,
    /// Per day or per month.
    pub per: ChargeBasis,
}

/// The prices in force from one date on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TariffVersion {
    /// First local date on which these prices apply.
    pub valid_from: NaiveDate,
    /// Rate when no TOU period matches (the flat rate of a flat tariff), currency per kWh.
    pub base_rate_per_kwh: f64,
    /// Time-of-use periods, first match wins.
    #[serde(default)]
    pub periods: Vec<TouPeriod>,
    /// Demand charges.
    #[serde(default)]
    pub demand_charges: Vec<DemandCharge>,
    /// Fixed charges.
    #[serde(default)]
    pub fixed_charges: Vec<FixedCharge>,
}

/// An energy tariff: versions of prices over time, in the site's time zone and one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tariff {
    /// Name.
    pub name: String,
    /// ISO 4217 currency code (`EUR`, `USD`, `KRW`).
    pub currency: String,
    /// IANA time zone of the clock hours and days.
    pub timezone: String,
    /// Holidays (local dates).
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Price versions, sorted by `valid_from`.
    pub versions: Vec<TariffVersion>,
}

impl Tariff {
    /// A flat tariff: one rate for every kWh, in force from `valid_from`.
    pub fn flat(
        currency: &str,
        rate_per_kwh: f64,
        timezone: &str,
        valid_from: NaiveDate,
    ) -> Result<Self> {
        let t = Tariff {
            name: "flat".into(),
            currency: currency.into(),
            timezone: timezone.into(),
            holidays: vec![],
            versions: vec![TariffVersion {
                valid_from,
                base_rate_per_kwh: rate_per_kwh,
                periods: vec![],
                demand_charges: vec![],
                fixed_charges: vec![],
            }],
        };
        t.validate()?;
        Ok(t)
    }

    /// Checks currency, time zone, rates, windows and version order.
    pub fn validate(&self) -> Result<()> {
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(Error::invalid(
                "currency",
                format!(
                    "expected an ISO 4217 code such as EUR, got `{}`",
                    self.currency
                ),
            ));
        }
        parse_tz(&self.timezone)?;
        if self.versions.is_empty() {
            return Err(Error::invalid(
                "versions",
                "a tariff needs at least one price version",
            ));
        }
        let rate = |name: &str, v: f64| -> Result<()> {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::invalid(
                    name,
                    format!("must be finite and >= 0, got {v}"),
                ));
            }
            Ok(())
        };
        for (i, v) in self.versions.iter().enumerate() {
            if i > 0 && v.valid_from <= self.versions[i - 1].valid_from {
                return Err(Error::invalid(
                    "valid_from",
                    format!(
                        "versions must be in increasing date order ({} after {})",
                        v.valid_from,
                        self.versions[i - 1].valid_from
                    ),
                ));
            }
            rate("base_rate_per_kwh", v.base_rate_per_kwh)?;
            for p in &v.periods {
                rate("rate_per_kwh", p.rate_per_kwh)?;
                if let Some(s) = &p.season {
                    if NaiveDate::from_ymd_opt(2000, s.start_month, s.start_day).is_none()
                        || NaiveDate::from_ymd_opt(2000, s.end_month, s.end_day).is_none()
                    {
                        return Err(Error::invalid(
                            "season",
                            format!("season `{}` has an invalid month or day", s.name),
                        ));
                    }
                }
            }
            for d in &v.demand_charges {
                rate("rate_per_kw", d.rate_per_kw)?;
                if d.window_minutes == 0 {
                    return Err(Error::invalid(
                        "window_minutes",
                        format!(
                            "demand charge `{}` needs a window of at least 1 minute",
                            d.name
                        ),
                    ));
                }
            }
            for f in &v.fixed_charges {
                rate("amount", f.amount)?;
            }
        }
        Ok(())
    }

    fn version_at(&self, date: NaiveDate) -> Option<&TariffVersion> {
        let i = self.versions.partition_point(|v| v.valid_from <= date);
        if i == 0 {
            None
        } else {
            Some(&self.versions[i - 1])
        }
    }

    fn day_type(&self, date: NaiveDate) -> DayType {
        if self.holidays.contains(&date) {
            return DayType::Holiday;
        }
        match date.weekday() {
            Weekday::Sat => DayType::Saturday,
            Weekday::Sun => DayType::Sunday,
            _ => DayType::Weekday,
        }
    }

    /// The TOU period (name and rate) at a local date-time; `None` for the base rate. Errors when no
    /// version is in force yet.
    fn rate_at(&self, tz: Tz, ts: Timestamp) -> Result<(&TariffVersion, Option<&TouPeriod>)> {
        let local = to_local(ts, tz)?;
        let date = local.date();
        let time = local.time();
        let version = self.version_at(date).ok_or_else(|| {
            Error::invalid(
                "valid_from",
                format!(
                    "no tariff version is in force on {date} (first: {})",
                    self.versions[0].valid_from
                ),
            )
        })?;
        let period = version.periods.iter().find(|p| {
            // The day a window belongs to: for a window crossing midnight, times before its end
            // belong to the previous day's window.
            let crosses = p.end < p.start;
            let (in_window, day) = if p.start == p.end {
                (true, date)
            } else if !crosses {
                (time >= p.start && time < p.end, date)
            } else if time >= p.start {
                (true, date)
            } else if time < p.end {
                (true, date.pred_opt().unwrap_or(date))
            } else {
                (false, date)
            };
            in_window
                && (p.day_types.is_empty() || p.day_types.contains(&self.day_type(day)))
                && p.season.as_ref().is_none_or(|s| s.contains(day))
        });
        Ok((version, period))
    }
}

/// Energy charges of one TOU period (or the base rate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodCost {
    /// Period name (`base` for the base rate).
    pub name: String,
    /// Energy in the period, kWh.
    pub energy_kwh: f64,
    /// Cost, currency.
    pub cost: f64,
}

/// A demand charge of one billing period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemandChargeLine {
    /// Charge name.
    pub name: String,
    /// Billing period start (local month start, UTC instant).
    pub billing_period_start: Timestamp,
    /// Billing period end.
    pub billing_period_end: Timestamp,
    /// Peak demand in the billing period, kW.
    pub peak_demand_kw: f64,
    /// Start of the peak window.
    pub peak_start: Timestamp,
    /// Rate applied, currency per kW.
    pub rate_per_kw: f64,
    /// Charge, currency.
    pub cost: f64,
}

/// A fixed charge over the analysed range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedChargeLine {
    /// Charge name.
    pub name: String,
    /// Days or months charged (fractional when pro-rated).
    pub quantity: f64,
    /// Charge, currency.
    pub cost: f64,
}

/// The cost of a period under a tariff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostBreakdown {
    /// ISO 4217 currency code.
    pub currency: String,
    /// Energy priced, kWh.
    pub energy_kwh: f64,
    /// Energy charges by TOU period.
    pub by_period: Vec<PeriodCost>,
    /// Demand charges by billing period.
    pub demand: Vec<DemandChargeLine>,
    /// Fixed charges.
    pub fixed: Vec<FixedChargeLine>,
    /// Sum of energy charges.
    pub energy_cost: f64,
    /// Sum of demand charges.
    pub demand_cost: f64,
    /// Sum of fixed charges.
    pub fixed_cost: f64,
    /// Everything.
    pub total_cost: f64,
}

/// What to include in a cost computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostScope {
    /// Include demand charges (a bill for a meter that is billed on its own peak).
    pub demand: bool,
    /// Include fixed charges.
    pub fixed: bool,
}

impl Default for CostScope {
    fn default() -> Self {
        CostScope {
            demand: true,
            fixed: true,
        }
    }
}

/// The cost of the energy in a rollup (buckets of at most one hour; 15 minutes recommended) under a
/// tariff. See the module documentation for the rules.
pub fn energy_cost(rollup: &Rollup, tariff: &Tariff, scope: CostScope) -> Result<CostBreakdown> {
    tariff.validate()?;
    let tz = parse_tz(&tariff.timezone)?;
    rollup
        .bucketing
        .width()
        .as_micros()
        .filter(|w| *w <= MICROS_PER_HOUR)
        .ok_or_else(|| {
            Error::invalid(
                "width",
                format!(
                    "cost needs buckets of at most one hour, got {}",
                    rollup.bucketing.width()
                ),
            )
        })?;
    let range = rollup.range().ok_or(Error::EmptySeries {
        column: "rollup".into(),
        needed: 1,
    })?;

    // Energy charges.
    let mut by_period: Vec<PeriodCost> = Vec::new();
    for k in 0..rollup.len() {
        let e = rollup.energy_kwh[k];
        if e == 0.0 {
            continue;
        }
        let (version, period) = tariff.rate_at(tz, rollup.start[k])?;
        let (name, rate) = match period {
            Some(p) => (p.name.as_str(), p.rate_per_kwh),
            None => ("base", version.base_rate_per_kwh),
        };
        match by_period.iter_mut().find(|c| c.name == name) {
            Some(c) => {
                c.energy_kwh += e;
                c.cost += e * rate;
            }
            None => by_period.push(PeriodCost {
                name: name.to_string(),
                energy_kwh: e,
                cost: e * rate,
            }),
        }
    }

    // Demand charges per local calendar month.
    let mut demand = Vec::new();
    if scope.demand {
        let months = Bucketing::new(BucketWidth::Months(1))?.with_timezone(&tariff.timezone)?;
        let names: Vec<&DemandCharge> = {
            let mut v: Vec<&DemandCharge> = Vec::new();
            for ver in &tariff.versions {
                for d in &ver.demand_charges {
                    if !v.iter().any(|x| x.name == d.name) {
                        v.push(d);
                    }
                }
            }
            v
        };
        for charge in names {
            let window_us = charge.window_minutes as i64 * MICROS_PER_MINUTE;
            let blocks_bucketing =
                Bucketing::new(BucketWidth::Micros(window_us))?.with_timezone(&tariff.timezone)?;
            let blocks = rollup.regroup(&blocks_bucketing)?;
            for month in months.buckets_between(range.start, range.end)? {
                let mut best: Option<(f64, Timestamp, f64)> = None;
                for k in 0..blocks.len() {
                    let s = blocks.start[k];
                    if s < month.start || s >= month.end {
                        continue;
                    }
                    let (version, period) = tariff.rate_at(tz, s)?;
                    let Some(vc) = version
                        .demand_charges
                        .iter()
                        .find(|d| d.name == charge.name)
                    else {
                        continue;
                    };
                    if !vc.periods.is_empty()
                        && !period.is_some_and(|p| vc.periods.contains(&p.name))
                    {
                        continue;
                    }
                    let kw = blocks.energy_kwh[k] / ((blocks.end[k] - s) as f64 * HOURS_PER_MICRO);
                    if best.is_none_or(|b| kw > b.0) {
                        best = Some((kw, s, vc.rate_per_kw));
                    }
                }
                if let Some((kw, at, rate)) = best {
                    demand.push(DemandChargeLine {
                        name: charge.name.clone(),
                        billing_period_start: month.start,
                        billing_period_end: month.end,
                        peak_demand_kw: kw,
                        peak_start: at,
                        rate_per_kw: rate,
                        cost: kw * rate,
                    });
                }
            }
        }
    }

    // Fixed charges, pro-rated per local day or month.
    let mut fixed: Vec<FixedChargeLine> = Vec::new();
    if scope.fixed {
        for (basis, width) in [
            (ChargeBasis::Day, BucketWidth::DAY),
            (ChargeBasis::Month, BucketWidth::Months(1)),
        ] {
            let cal = Bucketing::new(width)?.with_timezone(&tariff.timezone)?;
            for b in cal.buckets_between(range.start, range.end)? {
                let share = (b.end.min(range.end) - b.start.max(range.start)) as f64
                    / (b.end - b.start) as f64;
                let date = to_local(b.start.max(range.start), tz)?.date();
                let Some(version) = tariff.version_at(date) else {
                    continue;
                };
                for f in version.fixed_charges.iter().filter(|f| f.per == basis) {
                    match fixed.iter_mut().find(|l| l.name == f.name) {
                        Some(l) => {
                            l.quantity += share;
                            l.cost += share * f.amount;
                        }
                        None => fixed.push(FixedChargeLine {
                            name: f.name.clone(),
                            quantity: share,
                            cost: share * f.amount,
                        }),
                    }
                }
            }
        }
    }

    let energy_cost: f64 = by_period.iter().map(|c| c.cost).sum();
    let demand_cost: f64 = demand.iter().map(|c| c.cost).sum();
    let fixed_cost: f64 = fixed.iter().map(|c| c.cost).sum();
    Ok(CostBreakdown {
        currency: tariff.currency.clone(),
        energy_kwh: by_period.iter().map(|c| c.energy_kwh).sum(),
        by_period,
        demand,
        fixed,
        energy_cost,
        demand_cost,
        fixed_cost,
        total_cost: energy_cost + demand_cost + fixed_cost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::{rollup_power, RollupOptions};
    use crate::series::PowerSeries;
    use crate::time::{parse_rfc3339 as p, MICROS_PER_DAY};

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn tou() -> Tariff {
        Tariff {
            name: "industrial TOU".into(),
            currency: "EUR".into(),
            timezone: "Europe/Berlin".into(),
            holidays: vec![NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()],
            versions: vec![
                TariffVersion {
                    valid_from: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                    base_rate_per_kwh: 0.20,
                    periods: vec![TouPeriod {
                        name: "off_peak".into(),
                        rate_per_kwh: 0.10,
                        day_types: vec![DayType::Weekday],
                        start: t(22, 0),
                        end: t(6, 0),
                        season: None,
                    }],
                    demand_charges: vec![DemandCharge {
                        name: "demand".into(),
                        rate_per_kw: 10.0,
                        window_minutes: 15,
                        periods: vec![],
                    }],
                    fixed_charges: vec![FixedCharge {
                        name: "standing".into(),
                        amount: 1.0,
                        per: ChargeBasis::Day,
                    }],
                },
                TariffVersion {
                    valid_from: NaiveDate::from_ymd_opt(2025, 1, 8).unwrap(),
                    base_rate_per_kwh: 0.30,
                    periods: vec![],
                    demand_charges: vec![],
                    fixed_charges: vec![],
                },
            ],
        }
    }

    fn flat_load(start: &str, days: i64, kw: f64) -> Rollup {
        let s0 = p(start).unwrap();
        let n = days * 24 * 4;
        let ts: Vec<i64> = (0..=n).map(|i| s0 + i * 15 * MICROS_PER_MINUTE).collect();
        let s = PowerSeries::new(ts, vec![kw; n as usize + 1]).unwrap();
        let mut opts = RollupOptions {
            max_gap_us: MICROS_PER_HOUR,
            range: None,
        };
        opts.range = Some(crate::time::TimeRange::new(s0, s0 + days * MICROS_PER_DAY).unwrap());
        rollup_power(&s, &Bucketing::parse("15m").unwrap(), &opts).unwrap()
    }

    #[test]
    fn tou_crossing_midnight_and_day_types() {
        // Monday 2025-01-06 00:00 local (= 2025-01-05T23:00Z) for one day at 100 kW.
        let r = flat_load("2025-01-05T23:00:00Z", 1, 100.0);
        let c = energy_cost(&r, &tou(), CostScope::default()).unwrap();
        let off = c.by_period.iter().find(|x| x.name == "off_peak").unwrap();
        let base = c.by_period.iter().find(|x| x.name == "base").unwrap();
        // Monday 00:00-06:00 belongs to Sunday's window (not a weekday) -> base; 22:00-24:00 off-peak.
        assert!((off.energy_kwh - 200.0).abs() < 1e-6, "{c:?}");
        assert!((base.energy_kwh - 2200.0).abs() < 1e-6);
        assert!((c.energy_cost - (200.0 * 0.10 + 2200.0 * 0.20)).abs() < 1e-6);
        assert!((c.demand_cost - 1000.0).abs() < 1e-6);
        assert!((c.fixed_cost - 1.0).abs() < 1e-9);
        assert_eq!(c.currency, "EUR");
    }

    #[test]
    fn new_versions_do_not_rewrite_the_past() {
        let r = flat_load("2025-01-05T23:00:00Z", 1, 100.0);
        let mut t = tou();
        let before = energy_cost(&r, &t, CostScope::default()).unwrap();
        t.versions.push(TariffVersion {
            valid_from: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            base_rate_per_kwh: 9.0,
            periods: vec![],
            demand_charges: vec![],
            fixed_charges: vec![],
        });
        assert_eq!(before, energy_cost(&r, &t, CostScope::default()).unwrap());
        // Wednesday 2025-01-08 is under the second version: flat 0.30.
        let later = energy_cost(
            &flat_load("2025-01-07T23:00:00Z", 1, 100.0),
            &t,
            CostScope::default(),
        )
        .unwrap();
        assert!((later.energy_cost - 2400.0 * 0.30).abs() < 1e-6);
        assert_eq!(later.demand_cost, 0.0);
        // before the first version: an error naming the date
        assert!(energy_cost(
            &flat_load("2023-06-01T00:00:00Z", 1, 1.0),
            &t,
            CostScope::default()
        )
        .is_err());
    }

    #[test]
    fn holidays_and_validation() {
        // 2025-01-01 is a Wednesday and a holiday: the weekday off-peak window does not apply.
        let r = flat_load("2024-12-31T23:00:00Z", 1, 100.0);
        let c = energy_cost(&r, &tou(), CostScope::default()).unwrap();
        let off: f64 = c
            .by_period
            .iter()
            .filter(|x| x.name == "off_peak")
            .map(|x| x.energy_kwh)
            .sum();
        // 00:00-06:00 is Tuesday's window (weekday) -> off-peak 600; 22:00-24:00 is the holiday's -> base
        assert!((off - 600.0).abs() < 1e-6, "{c:?}");
        let mut bad = tou();
        bad.currency = "euro".into();
        assert!(
            matches!(bad.validate(), Err(Error::InvalidParameter { ref name, .. }) if name == "currency")
        );
        assert!(Tariff::flat(
            "EUR",
            -0.1,
            "UTC",
            NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
        )
        .is_err());
        let mut tz = tou();
        tz.timezone = "Nowhere/City".into();
        assert!(matches!(tz.validate(), Err(Error::UnknownTimeZone(_))));
    }

    #[test]
    fn seasons_wrap_the_year() {
        let s = Season {
            name: "winter".into(),
            start_month: 10,
            start_day: 1,
            end_month: 3,
            end_day: 31,
        };
        assert!(s.contains(NaiveDate::from_ymd_opt(2025, 1, 15).unwrap()));
        assert!(s.contains(NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()));
        assert!(!s.contains(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()));
    }
}
