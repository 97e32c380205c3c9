//! Same seed, same data: across runs, thread counts and session chunking. Different seed,
//! different data. Injected and cleared faults show up as events and in the physics.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use enms_core::model::EventKind;
use enms_core::time::{
    parse_rfc3339, Timestamp, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND,
};
use enms_sim::{Error, FactoryConfig, SimOutput, Simulator};

fn t0() -> Timestamp {
    parse_rfc3339("2025-07-07T00:00:00+02:00").unwrap()
}

fn sim(seed: u64, threads: usize) -> Simulator {
    // More faults and dropouts so that short spans exercise them.
    let cfg = FactoryConfig {
        fault_rate_per_machine_day: 2.0,
        dropout_rate_per_machine_day: 2.0,
        ..Default::default()
    };
    let mut s = Simulator::new(cfg, seed).unwrap();
    s.set_threads(threads);
    s
}

/// Bitwise equality of every table (NaN == NaN).
fn assert_same(a: &SimOutput, b: &SimOutput) {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(a.start, b.start);
    assert_eq!(a.end, b.end);
    assert_eq!(a.energy.len(), b.energy.len());
    for (x, y) in a.energy.iter().zip(&b.energy) {
        assert_eq!(x.ts, y.ts, "{}", x.machine_id);
        for (c, d) in [
            (&x.power_kw, &y.power_kw),
            (&x.energy_kwh, &y.energy_kwh),
            (&x.voltage_v, &y.voltage_v),
            (&x.current_a, &y.current_a),
            (&x.power_factor, &y.power_factor),
            (&x.frequency_hz, &y.frequency_hz),
            (&x.reactive_energy_kvarh, &y.reactive_energy_kvarh),
        ] {
            assert!(bits(c) == bits(d), "{} differs", x.machine_id);
        }
    }
    assert_eq!(a.production, b.production);
    assert_eq!(a.status, b.status);
    assert_eq!(a.environment, b.environment);
    assert_eq!(a.process.len(), b.process.len());
    for (x, y) in a.process.iter().zip(&b.process) {
        assert_eq!(x.ts, y.ts, "{} {}", x.machine_id, x.quantity);
        assert!(
            bits(&x.value) == bits(&y.value),
            "{} {}",
            x.machine_id,
            x.quantity
        );
    }
    assert_eq!(a.events, b.events);
}

#[test]
fn same_seed_same_output_any_threads() {
    // 13 days: more than 2^20 compressor samples, so the meter runs on its own thread.
    let (a, b) = (t0(), t0() + 13 * MICROS_PER_DAY);
    let one = sim(7, 1).generate(a, b).unwrap();
    let two = sim(7, 2).generate(a, b).unwrap();
    let many = sim(7, 5).generate(a, b).unwrap();
    assert!(one.events.len() > 10, "{}", one.events.len());
    assert_same(&one, &two);
    assert_same(&one, &many);
    let other = sim(8, 2).generate(a, b).unwrap();
    assert_ne!(one.energy[0].power_kw, other.energy[0].power_kw);
    assert_ne!(
        one.environment.outdoor_temp_c,
        other.environment.outdoor_temp_c
    );
    assert_ne!(one.events, other.events);
}

#[test]
fn a_span_too_large_for_one_call_is_refused_naming_end() {
    let s = sim(3, 1);
    // the count bounds what one call returns (dropouts make a little less)
    let day = s.generate(t0(), t0() + MICROS_PER_DAY).unwrap();
    let rows = day.energy.iter().map(|t| t.ts.len()).sum::<usize>() as u64;
    let bound = s.readings_in(t0(), t0() + MICROS_PER_DAY);
    assert!(rows <= bound && rows * 10 >= bound * 9, "{rows} of {bound}");
    // a century would need hundreds of gigabytes: refused before anything is simulated
    let century = t0() + 36_525 * MICROS_PER_DAY;
    assert!(s.readings_in(t0(), century) > enms_sim::MAX_READINGS);
    match s.generate(t0(), century) {
        Err(Error::InvalidParameter { name, reason }) => {
            assert_eq!(name, "end");
            assert!(reason.contains("in pieces"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn chunked_session_equals_one_call() {
    let s = sim(11, 2);
    let a = t0() + 7 * MICROS_PER_SECOND; // not on a minute
    let c = a + 2 * MICROS_PER_DAY + 13 * MICROS_PER_SECOND;
    let whole = s.generate(a, c).unwrap();
    let mut session = s.session(a).unwrap();
    let cuts = [
        a + 30 * MICROS_PER_SECOND, // inside the first minute
        a + 5 * MICROS_PER_HOUR + 23 * MICROS_PER_SECOND, // inside a minute
        a + MICROS_PER_DAY - 7 * MICROS_PER_SECOND, // on a minute
        a + MICROS_PER_DAY - 7 * MICROS_PER_SECOND, // empty chunk
        a + MICROS_PER_DAY + 3 * MICROS_PER_HOUR, // long chunk (threads)
        c,
    ];
    let mut acc = session.advance(cuts[0]).unwrap();
    for &cut in &cuts[1..] {
        acc.append(session.advance(cut).unwrap()).unwrap();
    }
    assert_same(&whole, &acc);
    assert!(matches!(
        session.advance(a),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn injected_air_leak_costs_energy_per_useful_air() {
    let base = Simulator::demo(3);
    let mut leaky = Simulator::demo(3);
    let a = t0();
    let start = a + 6 * MICROS_PER_HOUR;
    leaky
        .inject_fault(
            "compressor-1",
            EventKind::AirLeak,
            start,
            8 * MICROS_PER_HOUR,
        )
        .unwrap();
    let (x, y) = (
        base.generate(a, a + MICROS_PER_DAY).unwrap(),
        leaky.generate(a, a + MICROS_PER_DAY).unwrap(),
    );
    let ev: Vec<_> = y
        .events
        .iter()
        .filter(|e| e.description.contains("[injected]"))
        .collect();
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].kind, ev[0].start, ev[0].end),
        (EventKind::AirLeak, start, Some(start + 8 * MICROS_PER_HOUR))
    );
    let energy = |o: &SimOutput| {
        let t = o.energy_of("compressor-1").unwrap();
        let i = t.ts.iter().position(|&ts| ts >= start).unwrap();
        let j =
            t.ts.iter()
                .position(|&ts| ts >= start + 8 * MICROS_PER_HOUR)
                .unwrap();
        t.energy_kwh[j] - t.energy_kwh[i]
    };
    // The same useful demand (same seed) now costs more energy.
    let (e0, e1) = (energy(&x), energy(&y));
    assert!(e1 > 1.05 * e0, "{e0} -> {e1}");
    // Other machines are untouched.
    assert_eq!(x.energy_of("hvac-1"), y.energy_of("hvac-1"));
}

#[test]
fn injected_faults_and_clears() {
    let mut s = Simulator::demo(5);
    let a = t0();
    let h = MICROS_PER_HOUR;
    s.inject_fault("injection-molding-1", EventKind::StuckOn, a, 4 * h)
        .unwrap();
    s.inject_fault("conveyor-1", EventKind::Breakdown, a + 8 * h, 4 * h)
        .unwrap();
    s.inject_fault("hvac-1", EventKind::SensorDropout, a + 8 * h, h)
        .unwrap();
    s.clear_fault("conveyor-1", a + 10 * h).unwrap();
    let out = s.generate(a, a + MICROS_PER_DAY).unwrap();
    let injected: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.description.contains("[injected]"))
        .collect();
    assert_eq!(injected.len(), 3);
    let bd = injected
        .iter()
        .find(|e| e.kind == EventKind::Breakdown)
        .unwrap();
    assert_eq!(bd.end, Some(a + 10 * h), "cleared at 10:00");
    // Breakdown: the conveyor stands still and produces nothing, with a critical alert.
    let st = out.status_of("conveyor-1").unwrap();
    let i = st.ts.iter().position(|&t| t == a + 9 * h).unwrap();
    assert!(!st.is_running[i]);
    assert_eq!(st.alert_level[i], enms_core::model::AlertLevel::Critical);
    let pr = out.production_of("conveyor-1").unwrap();
    let made: f64 = pr
        .ts
        .iter()
        .zip(&pr.production_count)
        .filter(|(t, _)| **t > a + 8 * h + MICROS_PER_MINUTE && **t <= a + 10 * h)
        .map(|x| x.1)
        .sum();
    assert_eq!(made, 0.0);
    // Dropout: no HVAC readings for that hour.
    let hv = out.energy_of("hvac-1").unwrap();
    assert!(!hv.ts.iter().any(|&t| t >= a + 8 * h && t < a + 9 * h));
    assert!(hv.ts.iter().any(|&t| t >= a + 9 * h && t < a + 10 * h));
    // Heater stuck on at night: the moulding machine draws far more than its idle power.
    let m = out.energy_of("injection-molding-1").unwrap();
    let night_mean = |o: &SimOutput| {
        let t = o.energy_of("injection-molding-1").unwrap();
        let v: Vec<f64> =
            t.ts.iter()
                .zip(&t.power_kw)
                .filter(|(ts, _)| **ts >= a + 2 * h && **ts < a + 4 * h)
                .map(|x| *x.1)
                .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let clean = Simulator::demo(5).generate(a, a + MICROS_PER_DAY).unwrap();
    assert!(m.len() > 1000);
    assert!(
        night_mean(&out) > night_mean(&clean) + 20.0,
        "{} vs {}",
        night_mean(&out),
        night_mean(&clean)
    );

    // Bad injections are typed errors.
    assert!(matches!(
        s.inject_fault("nope", EventKind::Breakdown, a, h),
        Err(Error::UnknownMachine(_))
    ));
    assert!(matches!(
        s.inject_fault("hvac-1", EventKind::AirLeak, a, h),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        s.inject_fault("hvac-1", EventKind::Breakdown, a, 0),
        Err(Error::InvalidParameter { .. })
    ));
}

#[test]
fn dst_days_have_the_right_length() {
    // Sunday 2025-03-30 has 23 hours in Berlin; shifts follow local time, so on Monday the
    // early shift starts at 06:00 CEST = 04:00Z.
    let s = Simulator::demo(1);
    let a = parse_rfc3339("2025-03-30T00:00:00+01:00").unwrap();
    let b = parse_rfc3339("2025-03-31T00:00:00+02:00").unwrap();
    assert_eq!(b - a, 23 * MICROS_PER_HOUR);
    let out = s.generate(a, b + MICROS_PER_DAY).unwrap();
    let st = out.status_of("conveyor-1").unwrap();
    assert_eq!(st.ts.iter().filter(|&&t| t < b).count(), 23 * 60);
    let pr = out.production_of("conveyor-1").unwrap();
    let made = |from: &str, to: &str| -> f64 {
        let (f, t) = (parse_rfc3339(from).unwrap(), parse_rfc3339(to).unwrap());
        pr.ts
            .iter()
            .zip(&pr.production_count)
            .filter(|(ts, _)| **ts > f && **ts <= t)
            .map(|x| x.1)
            .sum()
    };
    // Sunday daytime: idle. Sunday night shift (from 22:00 CEST = 20:00Z): half load. Monday
    // early shift: full load.
    assert_eq!(made("2025-03-30T08:00:00Z", "2025-03-30T19:55:00Z"), 0.0);
    let night = made("2025-03-31T03:00:00Z", "2025-03-31T04:00:00Z");
    let early = made("2025-03-31T04:30:00Z", "2025-03-31T05:30:00Z");
    assert!(night > 0.0 && early > 1.3 * night, "{night} -> {early}");
}
