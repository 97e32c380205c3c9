//! Property tests of energy in time: invariants that must hold for any input.

use enms_core::bucket::{BucketWidth, Bucketing};
use enms_core::counter::{counter_deltas, CounterOptions};
use enms_core::kpi::{kpi_report, KpiSettings, MachineInput};
use enms_core::model::{EnergyCarrier, Machine, MachineType};
use enms_core::rollup::{energy_from_power, rollup_intervals, rollup_power, RollupOptions};
use enms_core::series::{CounterSeries, PowerSeries, QuantitySeries};
use enms_core::time::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_SECOND};
use proptest::prelude::*;

const ZONES: [&str; 6] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Santiago",
];

/// A jittered, gappy power series: (timestamps, power).
fn series() -> impl Strategy<Value = (Vec<i64>, Vec<f64>)> {
    (
        946_684_800i64..2_000_000_000i64, // start, seconds: 2000 .. 2033
        prop::collection::vec((1i64..900_000_000i64, -50.0f64..500.0), 2..200),
    )
        .prop_map(|(start_s, steps)| {
            let mut t = start_s * MICROS_PER_SECOND;
            let mut ts = Vec::with_capacity(steps.len());
            let mut p = Vec::with_capacity(steps.len());
            for (dt, kw) in steps {
                ts.push(t);
                p.push(kw);
                t += dt;
            }
            (ts, p)
        })
}

fn width() -> impl Strategy<Value = BucketWidth> {
    prop_oneof![
        (MICROS_PER_SECOND..7 * MICROS_PER_DAY).prop_map(BucketWidth::Micros),
        prop::sample::select(vec![60i64, 900, 3600, 86_400, 604_800])
            .prop_map(|s| BucketWidth::Micros(s * MICROS_PER_SECOND)),
        (1u32..13).prop_map(BucketWidth::Months),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// The buckets' energies add up to the series' total for any width, alignment and zone.
    #[test]
    fn bucket_energy_sums_to_total((ts, p) in series(), w in width(), zone in prop::sample::select(ZONES.to_vec()), origin_shift_s in 0i64..86_400, max_gap_s in 1i64..1_000) {
        let s = PowerSeries::new(ts, p).unwrap();
        let origin = chrono::NaiveDate::from_ymd_opt(2000, 1, 3).unwrap().and_hms_opt(0, 0, 0).unwrap()
            + chrono::Duration::seconds(origin_shift_s);
        let b = match w {
            BucketWidth::Months(_) => Bucketing::new(w).unwrap().with_timezone(zone).unwrap(),
            _ => Bucketing::new(w).unwrap().with_timezone(zone).unwrap().with_origin(origin),
        };
        let opts = RollupOptions { max_gap_us: max_gap_s * MICROS_PER_SECOND, range: None };
        let r = rollup_power(&s, &b, &opts).unwrap();
        let total = energy_from_power(&s, opts.max_gap_us);
        let scale = 1.0 + s.power_kw().iter().map(|x| x.abs()).sum::<f64>() * (s.span().1 - s.span().0) as f64 / MICROS_PER_HOUR as f64;
        prop_assert!((r.total_energy_kwh() - total).abs() <= 1e-9 * scale, "{} vs {}", r.total_energy_kwh(), total);
        // Buckets tile the time line and every sample is counted once.
        for k in 1..r.len() {
            prop_assert_eq!(r.start[k], r.end[k - 1]);
            prop_assert!(r.end[k] > r.start[k]);
        }
        prop_assert_eq!(r.sample_count.iter().sum::<u64>() as usize, s.len());
        for k in 0..r.len() {
            prop_assert!(r.covered_us[k] >= 0 && r.covered_us[k] <= r.end[k] - r.start[k]);
        }
    }

    /// The order in which rows arrive changes no rollup and no KPI.
    #[test]
    fn permutation_changes_nothing((ts, p) in series(), seed in any::<u64>()) {
        let sorted = PowerSeries::new(ts.clone(), p.clone()).unwrap();
        let mut idx: Vec<usize> = (0..ts.len()).collect();
        // Fisher-Yates with a simple LCG
        let mut x = seed | 1;
        for i in (1..idx.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            idx.swap(i, (x >> 33) as usize % (i + 1));
        }
        let shuffled = PowerSeries::from_unsorted(idx.iter().map(|&i| ts[i]).collect(), idx.iter().map(|&i| p[i]).collect()).unwrap();
        prop_assert_eq!(&sorted, &shuffled);
        let b = Bucketing::parse("15m").unwrap();
        // Debug text compares NaN (empty buckets' mean) as equal, unlike f64's PartialEq.
        prop_assert_eq!(format!("{:?}", rollup_power(&sorted, &b, &RollupOptions::default()).unwrap()), format!("{:?}", rollup_power(&shuffled, &b, &RollupOptions::default()).unwrap()));
        let machine = Machine { id: "m".into(), factory_id: "f".into(), name: "m".into(), machine_type: MachineType::Compressor, rated_power_kw: 500.0, carrier: EnergyCarrier::Electricity, interval_s: 1.0 };
        let prod_ts: Vec<i64> = ts.iter().map(|t| t + 1).collect();
        let prod_v: Vec<f64> = (0..ts.len()).map(|i| (i % 7) as f64).collect();
        let input = |s: PowerSeries, order: &[usize]| MachineInput {
            machine: machine.clone(),
            power: s,
            production: Some(QuantitySeries::from_unsorted("production_count", order.iter().map(|&i| prod_ts[i]).collect(), order.iter().map(|&i| prod_v[i]).collect()).unwrap()),
            reactive_kvarh: None,
        };
        let identity: Vec<usize> = (0..ts.len()).collect();
        let a = kpi_report(&[input(sorted, &identity)], &KpiSettings::default()).unwrap();
        let b = kpi_report(&[input(shuffled, &idx)], &KpiSettings::default()).unwrap();
        prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    /// Counters with resets and rollovers never give negative energy or spikes.
    #[test]
    fn counters_never_negative_or_spiky(
        steps in prop::collection::vec((1i64..120, 0.0f64..1.0, 0u8..20), 2..400),
        wrap in prop::option::of(1_000.0f64..100_000.0),
        start in 0.0f64..1.0,
    ) {
        // Meter of at most 60 kW read every 1-120 s: at most 1/60 kWh per second.
        let max_kw = 60.0;
        let mut t = 0i64;
        let wrap_v = wrap.unwrap_or(1e12);
        let mut c = start * wrap_v.min(1e6);
        let mut ts = vec![t];
        let mut counter = vec![c % wrap_v];
        let mut truth = 0.0;
        for (dt, load, event) in steps {
            t += dt * MICROS_PER_SECOND;
            let e = load * max_kw * dt as f64 / 3600.0;
            truth += e;
            c += e;
            let mut v = c % wrap_v;
            if event == 0 {
                // reset: counting from zero again
                c = e * 0.5;
                v = c;
            } else if event == 1 {
                // meter replaced by one showing an arbitrary reading: a would-be spike
                c += (event as f64) * 12_345.0;
                v = c % wrap_v;
            }
            ts.push(t);
            counter.push(v);
        }
        let s = CounterSeries::new(ts.clone(), counter).unwrap();
        for opts in [CounterOptions { wrap_kwh: wrap, max_power_kw: Some(max_kw) }, CounterOptions { wrap_kwh: wrap, max_power_kw: None }] {
            let d = counter_deltas(&s, &opts);
            let Ok(d) = d else { continue };
            for (i, e) in d.intervals.energy_kwh.iter().enumerate() {
                prop_assert!(*e >= 0.0);
                if opts.max_power_kw.is_some() {
                    let hours = (d.intervals.end[i] - d.intervals.start[i]) as f64 / MICROS_PER_HOUR as f64;
                    prop_assert!(*e <= max_kw * hours * (1.0 + 1e-6) + 1e-9, "spike: {} kWh in {} h", e, hours);
                }
            }
            if opts.max_power_kw.is_some() {
                prop_assert!(d.intervals.total_kwh() <= truth + 1e-6);
            }
            let r = rollup_intervals(&d.intervals, &Bucketing::parse("15m").unwrap(), None).unwrap();
            prop_assert!(r.energy_kwh.iter().all(|e| *e >= 0.0));
            prop_assert!((r.total_energy_kwh() - d.intervals.total_kwh()).abs() < 1e-9 * (1.0 + truth));
        }
    }

    /// A local day has 24 hourly buckets, or 23/25 on the days clocks change; they tile the day.
    #[test]
    fn local_days_and_hours(year in 2000i32..2037, ordinal in 1u32..366, zone in prop::sample::select(vec!["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Santiago", "Europe/London"])) {
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let Some(date) = chrono::NaiveDate::from_yo_opt(year, ordinal) else { return Ok(()) };
        let noon = chrono::TimeZone::from_local_datetime(&tz, &date.and_hms_opt(12, 0, 0).unwrap()).earliest().unwrap().timestamp_micros();
        let day = Bucketing::parse("1d").unwrap().with_timezone(zone).unwrap().bucket(noon).unwrap();
        let hours = (day.end - day.start) / MICROS_PER_HOUR;
        prop_assert!([23, 24, 25].contains(&hours), "{} has {} hours", date, hours);
        let h = Bucketing::parse("1h").unwrap().with_timezone(zone).unwrap().buckets_between(day.start, day.end).unwrap();
        prop_assert_eq!(h.len() as i64, hours);
        prop_assert_eq!(h[0].start, day.start);
        prop_assert_eq!(h[h.len() - 1].end, day.end);
    }

    /// No input makes the core panic: bad values come back as errors.
    #[test]
    fn no_panic_on_any_input(
        ts in prop::collection::vec(any::<i64>(), 0..50),
        p in prop::collection::vec(any::<f64>(), 0..50),
        w in any::<i64>(),
        gap in any::<i64>(),
    ) {
        let bounded: Vec<i64> = ts.iter().map(|t| t.rem_euclid(4_000_000_000 * MICROS_PER_SECOND)).collect();
        for t in [ts.clone(), bounded] {
            if let Ok(s) = PowerSeries::from_unsorted(t.clone(), p.clone()) {
                // widths from -1 day to 399 days (zero and negative must be errors); tiny positive
                // widths over centuries of span would be slow, not wrong, so they are left out
                let width = w.rem_euclid(400 * MICROS_PER_DAY) - MICROS_PER_DAY;
                if width > 0 && width < MICROS_PER_DAY {
                    continue;
                }
                if let Ok(b) = Bucketing::new(BucketWidth::Micros(width)) {
                    let _ = rollup_power(&s, &b, &RollupOptions { max_gap_us: gap, range: None });
                }
            }
            let _ = CounterSeries::new(t.clone(), p.clone()).and_then(|c| counter_deltas(&c, &CounterOptions::default()));
            let _ = QuantitySeries::new("x", t, p.clone());
        }
    }
}
