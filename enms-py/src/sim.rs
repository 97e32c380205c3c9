//! The simulator's tables as Arrow record batches, in the long format and with the schemas of
//! the files `enms-sim generate` writes (`enms_sim::write::schema`), one batch per machine table.

use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, TimestampMicrosecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use chrono::NaiveDate;
use enms_core::time::{local_to_utc, parse_rfc3339, parse_tz, Timestamp};
use enms_sim::SimOutput;

use crate::arrow_out::{arrow_out_err, f64_nullable, strings, ts_array, ArrowStream};
use crate::errors::{FaceError, FaceResult};

fn repeat(s: &str, n: usize) -> ArrayRef {
    strings(std::iter::repeat_n(Some(s), n))
}

/// The start of a simulation: a local date (midnight in the factory's time zone, as
/// `enms-sim --start 2025-01-06` reads it) or an RFC 3339 instant.
pub fn parse_start(s: &str, timezone: &str) -> FaceResult<Timestamp> {
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        let tz = parse_tz(timezone)?;
        let midnight = d.and_hms_opt(0, 0, 0).ok_or_else(|| {
            FaceError::Core(enms_core::Error::InvalidParameter {
                name: "start".into(),
                reason: "invalid date".into(),
            })
        })?;
        return Ok(local_to_utc(midnight, tz, None));
    }
    Ok(parse_rfc3339(s).map_err(|e| match e {
        enms_core::Error::Parse { value, reason, .. } => enms_core::Error::Parse {
            column: "start".into(),
            index: 0,
            value,
            reason,
        },
        other => other,
    })?)
}

fn schema(table: &str) -> FaceResult<arrow_schema::SchemaRef> {
    enms_sim::write::schema(table).ok_or_else(|| FaceError::Arrow {
        field: "table".into(),
        reason: format!("unknown table `{table}`"),
    })
}

fn batch(table: &str, cols: Vec<ArrayRef>) -> FaceResult<RecordBatch> {
    RecordBatch::try_new(schema(table)?, cols).map_err(arrow_out_err)
}

/// Every table of a simulation run, by name, in the order of `enms_sim::TABLES`.
pub fn tables(out: &SimOutput) -> FaceResult<Vec<(&'static str, ArrowStream)>> {
    let mut res = Vec::new();
    let one = |name: &'static str, batches: Vec<RecordBatch>| -> FaceResult<_> {
        Ok((name, ArrowStream::new(schema(name)?, batches)))
    };

    let f = &out.factory;
    res.push(one(
        "factories",
        vec![batch(
            "factories",
            [&f.id, &f.name, &f.location, &f.timezone]
                .into_iter()
                .map(|v| strings(std::iter::once(Some(v.as_str()))))
                .collect(),
        )?],
    )?);

    let ms = &out.machines;
    res.push(one(
        "machines",
        vec![batch(
            "machines",
            vec![
                strings(ms.iter().map(|m| Some(m.id.as_str()))),
                strings(ms.iter().map(|m| Some(m.factory_id.as_str()))),
                strings(ms.iter().map(|m| Some(m.name.as_str()))),
                strings(ms.iter().map(|m| Some(m.machine_type.as_str()))),
                f64_nullable(&ms.iter().map(|m| m.rated_power_kw).collect::<Vec<_>>()),
                strings(ms.iter().map(|m| Some(m.carrier.as_str()))),
                f64_nullable(&ms.iter().map(|m| m.interval_s).collect::<Vec<_>>()),
            ],
        )?],
    )?);

    let mut b = Vec::new();
    for t in &out.energy {
        b.push(batch(
            "energy_readings",
            vec![
                ts_array(&t.ts),
                repeat(&t.machine_id, t.len()),
                f64_nullable(&t.power_kw),
                f64_nullable(&t.energy_kwh),
                f64_nullable(&t.voltage_v),
                f64_nullable(&t.current_a),
                f64_nullable(&t.power_factor),
                f64_nullable(&t.frequency_hz),
                f64_nullable(&t.reactive_energy_kvarh),
            ],
        )?);
    }
    res.push(one("energy_readings", b)?);

    let mut b = Vec::new();
    for t in &out.production {
        b.push(batch(
            "production_data",
            vec![
                ts_array(&t.ts),
                repeat(&t.machine_id, t.len()),
                f64_nullable(&t.production_count),
                f64_nullable(&t.throughput_per_hour),
                strings(t.operating_mode.iter().map(|m| Some(m.as_str()))),
                strings((0..t.len()).map(|i| t.material_name(i))),
            ],
        )?);
    }
    res.push(one("production_data", b)?);

    let e = &out.environment;
    res.push(one(
        "environmental_data",
        vec![batch(
            "environmental_data",
            vec![
                ts_array(&e.ts),
                repeat(&e.factory_id, e.len()),
                f64_nullable(&e.outdoor_temp_c),
                f64_nullable(&e.indoor_temp_c),
                f64_nullable(&e.humidity_pct),
                f64_nullable(&e.pressure_hpa),
            ],
        )?],
    )?);

    let mut b = Vec::new();
    for t in &out.status {
        let mut running = BooleanBuilder::with_capacity(t.len());
        running.append_slice(&t.is_running);
        b.push(batch(
            "machine_status",
            vec![
                ts_array(&t.ts),
                repeat(&t.machine_id, t.len()),
                Arc::new(running.finish()),
                f64_nullable(&t.operating_hours),
                strings(t.alert_level.iter().map(|a| Some(a.as_str()))),
            ],
        )?);
    }
    res.push(one("machine_status", b)?);

    let ev = &out.events;
    let mut end = TimestampMicrosecondBuilder::with_capacity(ev.len()).with_timezone("UTC");
    for x in ev {
        end.append_option(x.end);
    }
    res.push(one(
        "events",
        vec![batch(
            "events",
            vec![
                strings(ev.iter().map(|x| Some(x.machine_id.as_str()))),
                strings(ev.iter().map(|x| Some(x.kind.as_str()))),
                ts_array(&ev.iter().map(|x| x.start).collect::<Vec<_>>()),
                Arc::new(end.finish()),
                strings(ev.iter().map(|x| Some(x.description.as_str()))),
            ],
        )?],
    )?);

    let mut b = Vec::new();
    for s in &out.process {
        b.push(batch(
            "process_data",
            vec![
                ts_array(&s.ts),
                repeat(&s.machine_id, s.len()),
                repeat(&s.quantity, s.len()),
                f64_nullable(&s.value),
                repeat(&s.unit, s.len()),
            ],
        )?);
    }
    res.push(one("process_data", b)?);
    Ok(res)
}
