//! Baselines checked against the simulator's physics (issue #4).
//!
//! The machine is a conveyor whose energy is linear in its drivers by its physics (no
//! affinity-law part) with an electric heater on its meter; `enms_sim::truth::daily_truth`
//! derives the true daily coefficients from its parameters (intercept, kWh per part, kWh per
//! operating hour, kWh per heating degree-day). Faults and dropouts are off.
//!
//! - Baseline period: 120 local days from Monday 2025-10-27 (Europe/Berlin, no DST change), the
//!   daily modelling table built by `enms_core::baseline::dataset`, a `Baseline` fitted with the
//!   `sep` and `ashrae14-daily` gates: the true coefficients lie inside their 95 % confidence
//!   intervals, and the gates pass.
//! - Reporting period: the next 30 days, simulated with the same seed with and without an energy
//!   conservation measure; the true savings (the difference of the two metered energies) lie
//!   inside the 90 % savings interval of `enms_core::baseline::performance`, which excludes zero;
//!   without the measure the interval holds zero.
//! - The measure changes no random stream: every table but the measured machine's meter is
//!   identical, and its power is the unmeasured power scaled.
//!
//! The main test runs seeds 1..=20 and asserts coverage over them (an interval misses its truth
//! now and then: at most 3 misses per coefficient at 95 %, 5 of the savings at 90 %), and for
//! every seed the gates, zero below the savings interval and the savings identities.
//!
//! `cargo test -p enms-sim --test baseline_truth -- --nocapture` prints the numbers;
//! `cargo test -p enms-sim --test baseline_truth -- --ignored --nocapture` runs the coverage
//! study over 200 seeds (about 75 s). Results are in docs/baselines.md.

#![allow(clippy::unwrap_used)]

use enms_core::baseline::dataset::{
    Aggregation, DriverData, ModellingTable, PeriodDriver, TableSpec,
};
use enms_core::baseline::{
    performance, Baseline, BaselineOptions, DriverValues, Gates, PerformanceOptions,
    PerformanceReport,
};
use enms_core::bucket::Bucketing;
use enms_core::series::PowerView;
use enms_core::time::{parse_rfc3339, TimeRange, Timestamp, MICROS_PER_DAY, MICROS_PER_HOUR};
use enms_sim::truth::{daily_truth, LinearTruth, HDD, OPERATING_HOURS, PRODUCTION};
use enms_sim::{
    ConveyorParams, FactoryConfig, HeaterConfig, MachineConfig, MachineSpec, Measure, SimOutput,
    Simulator,
};

const MACHINE: &str = "conveyor-1";
const BASELINE_DAYS: i64 = 120;
const REPORTING_DAYS: i64 = 30;
/// Share of the conveyor's power the measure saves in the reporting period.
const GAIN: f64 = 0.05;
/// Confidence of the coefficient intervals.
const COEF_LEVEL: f64 = 0.95;
/// Confidence of the savings interval (the usual M&V level, enms' default).
const SAVINGS_LEVEL: f64 = 0.90;

fn start() -> Timestamp {
    // local midnight of Monday 2025-10-27, the day after the DST change
    parse_rfc3339("2025-10-27T00:00:00+01:00").unwrap()
}

fn day(n: i64) -> Timestamp {
    start() + n * MICROS_PER_DAY
}

fn baseline_range() -> TimeRange {
    TimeRange::new(day(0), day(BASELINE_DAYS)).unwrap()
}

fn reporting_range() -> TimeRange {
    TimeRange::new(day(BASELINE_DAYS), day(BASELINE_DAYS + REPORTING_DAYS)).unwrap()
}

/// The plant: one conveyor without the affinity-law part, with more standby than the default
/// (10 % of rated: controls, lighting and the drive cabinet's fans on the same feeder) so that
/// operating hours matter, and a 0.5 kW/K heater keeping an enclosure at 25 C (above every outdoor
/// temperature of the winter simulated, so the heater's energy is linear in the degree-days); no
/// faults, no dropouts.
fn config(measures: Vec<Measure>) -> FactoryConfig {
    let spec = MachineSpec::ConveyorMotor(ConveyorParams {
        affinity_frac: 0.0,
        standby_frac: 0.10,
        ..Default::default()
    });
    FactoryConfig {
        machines: vec![MachineConfig::new(
            MACHINE,
            "Assembly line conveyor with trace heating",
            22.0,
            10,
            spec,
        )
        .with_heater(HeaterConfig {
            kw_per_k: 0.5,
            base_c: 25.0,
        })],
        fault_rate_per_machine_day: 0.0,
        dropout_rate_per_machine_day: 0.0,
        measures,
        ..Default::default()
    }
}

fn simulate(seed: u64, measures: Vec<Measure>) -> SimOutput {
    let mut sim = Simulator::new(config(measures), seed).unwrap();
    sim.set_threads(1);
    sim.generate(day(0), day(BASELINE_DAYS + REPORTING_DAYS))
        .unwrap()
}

fn truth() -> LinearTruth {
    daily_truth(&config(Vec::new()), MACHINE).unwrap()
}

/// The daily modelling table of the conveyor over `range`: energy, production (sum), operating
/// hours (running flag), heating degree-days of the heater's base.
fn table(out: &SimOutput, range: TimeRange, truth: &LinearTruth) -> ModellingTable {
    let spec = TableSpec::new(
        Bucketing::parse("1d")
            .unwrap()
            .with_timezone("Europe/Berlin")
            .unwrap(),
        vec![
            PeriodDriver::new(PRODUCTION, Aggregation::Sum),
            PeriodDriver::new(OPERATING_HOURS, Aggregation::OperatingHours),
            PeriodDriver::new(
                HDD,
                Aggregation::HeatingDegreeDays {
                    base_c: truth.hdd_base_c.unwrap(),
                },
            ),
        ],
    );
    let power = out.energy_of(MACHINE).unwrap();
    let prod = out.production_of(MACHINE).unwrap();
    let status = out.status_of(MACHINE).unwrap();
    let running: Vec<f64> = status
        .is_running
        .iter()
        .map(|r| f64::from(u8::from(*r)))
        .collect();
    let env = &out.environment;
    ModellingTable::build(
        &spec,
        range,
        PowerView::new(&power.ts, &power.power_kw).unwrap(),
        &[
            DriverData::new(&prod.ts, &prod.production_count),
            DriverData::new(&status.ts, &running),
            DriverData::new(&env.ts, &env.outdoor_temp_c),
        ],
    )
    .unwrap()
}

fn options() -> BaselineOptions {
    let mut o = BaselineOptions {
        gates: vec![Gates::sep(), Gates::ashrae14("daily").unwrap()],
        ..Default::default()
    };
    o.ols.confidence = COEF_LEVEL;
    o
}

/// One seed's results.
struct Run {
    seed: u64,
    baseline: Baseline,
    /// Per coefficient: (name, truth, estimate, low, high).
    coefficients: Vec<(String, f64, f64, f64, f64)>,
    true_savings_kwh: f64,
    with_measure: PerformanceReport,
    without_measure: PerformanceReport,
    max_outdoor_c: f64,
    /// Mean and standard deviation of the truth's residuals over the baseline days, kWh.
    truth_resid_mean: f64,
    truth_resid_sd: f64,
}

impl Run {
    fn savings_inside(&self) -> bool {
        let w = &self.with_measure;
        w.savings_low <= self.true_savings_kwh && self.true_savings_kwh <= w.savings_high
    }

    fn print(&self) {
        let f = &self.baseline.fit;
        println!(
            "seed {}: n = {}, R² = {:.4}, CV(RMSE) = {:.2} %, σ = {:.2} kWh, lag-1 autocorrelation {:.3}; truth residuals {:.2} ± {:.2} kWh; max outdoor {:.1} C",
            self.seed, f.n, f.r_squared, f.cv_rmse_pct, f.residual_std_error, f.resid_autocorr_lag1,
            self.truth_resid_mean, self.truth_resid_sd, self.max_outdoor_c
        );
        for (name, t, est, lo, hi) in &self.coefficients {
            let inside = if lo <= t && t <= hi {
                "inside"
            } else {
                "OUTSIDE"
            };
            println!(
                "  {name:>16}: truth {t:>10.6}, estimate {est:>10.6}, {:.0} % CI [{lo:.6}, {hi:.6}] {inside}",
                COEF_LEVEL * 100.0
            );
        }
        let w = &self.with_measure;
        let o = &self.without_measure;
        println!(
            "  savings ({:.0} % measure from day {BASELINE_DAYS}, {REPORTING_DAYS} days): true {:.1} kWh, found {:.1} ± {:.1} kWh ({:.0} %: [{:.1}, {:.1}]), FSU {:.3}",
            GAIN * 100.0,
            self.true_savings_kwh,
            w.savings,
            w.savings_uncertainty,
            w.confidence * 100.0,
            w.savings_low,
            w.savings_high,
            w.fractional_savings_uncertainty.unwrap_or(f64::NAN)
        );
        println!(
            "  no measure: savings {:.1} ± {:.1} kWh ([{:.1}, {:.1}]) of {:.1} kWh expected",
            o.savings, o.savings_uncertainty, o.savings_low, o.savings_high, o.total_expected
        );
    }
}

fn run(seed: u64) -> Run {
    let truth = truth();
    let from = day(BASELINE_DAYS);
    let plain = simulate(seed, Vec::new());
    let measured = simulate(seed, vec![Measure::efficiency_gain(MACHINE, from, GAIN)]);
    let max_outdoor_c = plain
        .environment
        .outdoor_temp_c
        .iter()
        .fold(f64::NEG_INFINITY, |m, t| m.max(*t));

    let base = table(&plain, baseline_range(), &truth);
    assert_eq!(base.len(), BASELINE_DAYS as usize, "{:?}", base.dropped);
    // the truth's own residuals over the baseline days: E - (a + b P + c H + d HDD)
    let cols: Vec<&Vec<f64>> = base
        .drivers
        .iter()
        .map(|d| match &d.values {
            DriverValues::Numeric(v) => v,
            DriverValues::Categorical(_) => unreachable!(),
        })
        .collect();
    let truth_resid: Vec<f64> = (0..base.len())
        .map(|i| {
            let x: Vec<f64> = cols.iter().map(|c| c[i]).collect();
            base.energy_kwh[i] - truth.expected_kwh(&x).unwrap()
        })
        .collect();
    let baseline = base.fit(&options()).unwrap();
    let names: Vec<&str> = baseline
        .fit
        .coefficients
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["const", PRODUCTION, OPERATING_HOURS, HDD]);
    let coefficients = baseline
        .fit
        .coefficients
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                truth.coefficient(&c.name).unwrap(),
                c.estimate,
                c.ci_low,
                c.ci_high,
            )
        })
        .collect();

    let rep_plain = table(&plain, reporting_range(), &truth);
    let rep_measured = table(&measured, reporting_range(), &truth);
    assert_eq!(rep_plain.len(), REPORTING_DAYS as usize);
    assert_eq!(
        rep_measured.drivers, rep_plain.drivers,
        "the measure changed a driver"
    );
    let true_savings_kwh =
        rep_plain.energy_kwh.iter().sum::<f64>() - rep_measured.energy_kwh.iter().sum::<f64>();
    let po = PerformanceOptions {
        confidence: SAVINGS_LEVEL,
        allow_failed_gates: false,
    };
    let with_measure = performance(
        &baseline,
        &rep_measured.energy_kwh,
        &rep_measured.drivers,
        &po,
    )
    .unwrap();
    let without_measure =
        performance(&baseline, &rep_plain.energy_kwh, &rep_plain.drivers, &po).unwrap();
    Run {
        seed,
        baseline,
        coefficients,
        true_savings_kwh,
        with_measure,
        without_measure,
        max_outdoor_c,
        truth_resid_mean: mean(&truth_resid),
        truth_resid_sd: sd(&truth_resid),
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn sd(x: &[f64]) -> f64 {
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// Seeds of the main test, fixed before looking at any result: the first twenty.
const SEEDS: u64 = 20;

/// Misses allowed per coefficient over [`SEEDS`] seeds at 95 %: P(4 or more misses) = 1.6 %
/// when the intervals are right (binomial, n = 20, p = 0.05).
const COEF_MISSES_ALLOWED: usize = 3;

/// Misses allowed for the savings interval over [`SEEDS`] seeds at 90 %: P(6 or more) = 1.1 %
/// (binomial, n = 20, p = 0.10).
const SAVINGS_MISSES_ALLOWED: usize = 5;

/// Per coefficient, the number of seeds whose interval holds the truth; and the number whose
/// savings interval holds the true savings.
fn coverage(runs: &[Run]) -> (Vec<(String, usize)>, usize) {
    let per_coef = runs[0]
        .coefficients
        .iter()
        .enumerate()
        .map(|(k, (name, ..))| {
            let inside = runs
                .iter()
                .filter(|r| {
                    let (_, t, _, lo, hi) = &r.coefficients[k];
                    lo <= t && t <= hi
                })
                .count();
            (name.clone(), inside)
        })
        .collect();
    let savings = runs.iter().filter(|r| r.savings_inside()).count();
    (per_coef, savings)
}

#[test]
fn baseline_recovers_the_physics_and_finds_the_injected_savings() {
    let truth = truth();
    println!("truth ({MACHINE}, per local day):");
    for c in &truth.coefficients {
        println!(
            "  {:>16} = {:.6} {} ({})",
            c.name, c.value, c.unit, c.derivation
        );
    }
    let base_c = truth.hdd_base_c.unwrap();
    let runs: Vec<Run> = (1..=SEEDS).map(run).collect();
    for r in &runs {
        r.print();
        let seed = r.seed;
        // the heater's degree-day term is exact only below its base temperature
        assert!(r.max_outdoor_c < base_c - 0.5, "seed {seed}");
        // the truth explains the data: its residuals are centred and as large as the fit's
        let f = &r.baseline.fit;
        let se_mean = r.truth_resid_sd / (f.n as f64).sqrt();
        assert!(r.truth_resid_mean.abs() < 4.0 * se_mean, "seed {seed}");
        let ratio = r.truth_resid_sd / f.residual_std_error;
        assert!((0.85..1.2).contains(&ratio), "seed {seed}: {ratio}");
        // gates: a daily model passes SEP and ASHRAE 14 (daily); the charter's gates want 1000
        // observations over at most 90 days, which daily data cannot give
        assert!(
            r.baseline.passed(),
            "seed {seed}: {:?}",
            r.baseline.failures()
        );
        let charter = Gates::charter().check(f, Some(BASELINE_DAYS as f64));
        let failed: Vec<&str> = charter.failures.iter().map(|g| g.gate.as_str()).collect();
        assert!(
            failed.contains(&"observations") && failed.contains(&"span"),
            "seed {seed}: {failed:?}"
        );
        // the measure is found: zero lies below the savings interval
        let w = &r.with_measure;
        assert!(w.savings_low > 0.0, "seed {seed}: the interval holds zero");
        // an efficiency gain scales the metered power: the true savings are exactly GAIN of
        // the energy without the measure
        let o = &r.without_measure;
        let rel = r.true_savings_kwh / (GAIN * o.total_actual) - 1.0;
        assert!(rel.abs() < 1e-9, "seed {seed}: {rel}");
        // the negative control: the same drivers give the same expectation and uncertainty,
        // and its "savings" are the error of the found savings (S - S_true), so the control
        // holds zero exactly when the true savings lie in the interval
        assert_eq!(o.total_expected, w.total_expected);
        assert_eq!(o.savings_uncertainty, w.savings_uncertainty);
        assert!((w.savings - r.true_savings_kwh - o.savings).abs() < 1e-9 * o.total_expected);
        let holds_zero = o.savings_low <= 0.0 && 0.0 <= o.savings_high;
        assert_eq!(holds_zero, r.savings_inside(), "seed {seed}");
    }
    let (per_coef, savings) = coverage(&runs);
    println!(
        "over seeds 1..={SEEDS}: true coefficient inside its {:.0} % CI {per_coef:?}; true savings inside the {:.0} % interval (and the no-measure interval holding zero) {savings}",
        COEF_LEVEL * 100.0,
        SAVINGS_LEVEL * 100.0
    );
    for (name, inside) in &per_coef {
        assert!(
            SEEDS as usize - inside <= COEF_MISSES_ALLOWED,
            "{name}: the truth is inside its interval for only {inside} of {SEEDS} seeds"
        );
    }
    assert!(
        SEEDS as usize - savings <= SAVINGS_MISSES_ALLOWED,
        "the true savings are inside the interval for only {savings} of {SEEDS} seeds"
    );
}

#[test]
#[ignore = "coverage study over 200 seeds (about 75 s): --ignored --nocapture"]
fn coverage_over_many_seeds() {
    let runs: Vec<Run> = (1..=200).map(run).collect();
    let (per_coef, savings) = coverage(&runs);
    let zero_excluded = runs
        .iter()
        .filter(|r| r.with_measure.savings_low > 0.0)
        .count();
    let fsu: Vec<f64> = runs
        .iter()
        .map(|r| r.with_measure.savings_uncertainty / r.with_measure.total_expected)
        .collect();
    println!(
        "over seeds 1..=200: true coefficient inside its {:.0} % CI {per_coef:?}; true savings inside the {:.0} % interval {savings}; zero below the interval {zero_excluded}; ΔS / expected energy {:.4} (mean)",
        COEF_LEVEL * 100.0,
        SAVINGS_LEVEL * 100.0,
        mean(&fsu)
    );
    // standardised errors (estimate - truth) / standard error: mean 0 and sd 1 when the
    // estimates are unbiased and the standard errors right
    let truth = truth();
    for (k, c) in runs[0].baseline.fit.coefficients.iter().enumerate() {
        let t = truth.coefficient(&c.name).unwrap();
        let z: Vec<f64> = runs
            .iter()
            .map(|r| {
                let e = &r.baseline.fit.coefficients[k];
                (e.estimate - t) / e.std_error
            })
            .collect();
        println!(
            "  {:>16}: z mean {:+.3}, sd {:.3}",
            c.name,
            mean(&z),
            sd(&z)
        );
    }
}

#[test]
fn a_measure_changes_no_random_stream() {
    // the demo plant with faults and dropouts, a measure on the compressor (1 s meter, pressure
    // dynamics) from the middle of the second day
    let start = parse_rfc3339("2025-01-06T00:00:00+01:00").unwrap();
    let from = start + 36 * MICROS_PER_HOUR;
    let plant = |measures| FactoryConfig {
        fault_rate_per_machine_day: 2.0,
        dropout_rate_per_machine_day: 2.0,
        measures,
        ..Default::default()
    };
    let gen = |cfg| {
        Simulator::new(cfg, 9)
            .unwrap()
            .generate(start, start + 3 * MICROS_PER_DAY)
            .unwrap()
    };
    let a = gen(plant(Vec::new()));
    let b = gen(plant(vec![
        Measure::efficiency_gain("compressor-1", from, 0.1),
        Measure::kw_reduction("hvac-1", from, 2.0),
    ]));
    let dbg = |x: &dyn std::fmt::Debug| format!("{x:?}");
    assert_eq!(dbg(&a.production), dbg(&b.production));
    assert_eq!(dbg(&a.status), dbg(&b.status));
    assert_eq!(dbg(&a.process), dbg(&b.process));
    assert_eq!(dbg(&a.environment), dbg(&b.environment));
    assert_eq!(dbg(&a.events), dbg(&b.events));
    assert!(!a.events.is_empty());
    for (ea, eb) in a.energy.iter().zip(&b.energy) {
        assert_eq!(ea.ts, eb.ts, "{}", ea.machine_id);
        match ea.machine_id.as_str() {
            "compressor-1" => {
                for ((t, pa), pb) in ea.ts.iter().zip(&ea.power_kw).zip(&eb.power_kw) {
                    let want = if *t >= from { 0.9 * pa } else { *pa };
                    assert!((pb - want).abs() <= 1e-12 * want.abs(), "{t}: {pa} {pb}");
                }
            }
            "hvac-1" => {
                for ((t, pa), pb) in ea.ts.iter().zip(&ea.power_kw).zip(&eb.power_kw) {
                    if *t < from {
                        assert_eq!(pa.to_bits(), pb.to_bits());
                    } else {
                        assert!(pb <= pa, "{t}: {pa} {pb}");
                    }
                }
                // 2 kW off for 36 hours (the HVAC never draws less: its fans alone take 2.7 kW),
                // through the meter's +-5 % noise
                let saved = ea.energy_kwh.last().unwrap() - eb.energy_kwh.last().unwrap();
                assert!((0.95 * 72.0..=1.05 * 72.0).contains(&saved), "{saved}");
            }
            _ => assert_eq!(dbg(ea), dbg(eb)),
        }
    }
}

#[test]
fn bad_measures_and_heaters_are_named() {
    let from = day(1);
    let bad = |m: Measure| {
        let e = Simulator::new(config(vec![m]), 1).unwrap_err();
        e.to_string()
    };
    assert!(bad(Measure::efficiency_gain("nope", from, 0.1)).contains("measures[0].machine_id"));
    assert!(bad(Measure::efficiency_gain(MACHINE, from, 1.5)).contains("efficiency_gain"));
    assert!(bad(Measure::efficiency_gain(MACHINE, from, 0.0)).contains("efficiency_gain"));
    assert!(bad(Measure::kw_reduction(MACHINE, from, 100.0)).contains("measures[0].kw_reduction"));
    let mut c = config(Vec::new());
    c.machines[0].heater = Some(HeaterConfig {
        kw_per_k: f64::NAN,
        base_c: 18.0,
    });
    let e = Simulator::new(c, 1).unwrap_err().to_string();
    assert!(e.contains("machines[0].heater.kw_per_k"), "{e}");
    // JSON: `from` as RFC 3339 (or microseconds); configs without the new fields still load
    let c: FactoryConfig = serde_json::from_str(
        r#"{"measures": [{"machine_id": "conveyor-1", "from": "2026-02-24T00:00:00+01:00", "efficiency_gain": 0.05}]}"#,
    )
    .unwrap();
    assert_eq!(c.measures[0].from, day(BASELINE_DAYS));
    assert_eq!(c.machines.len(), 6);
    assert!(c.machines.iter().all(|m| m.heater.is_none()));
    Simulator::new(c.clone(), 1).unwrap();
    let back: FactoryConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);
    // the default plant serialises as before: no `measures`, no `heater`
    let json = serde_json::to_string(&FactoryConfig::default()).unwrap();
    assert!(
        !json.contains("measures") && !json.contains("heater"),
        "{json}"
    );
}
