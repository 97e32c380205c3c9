//! The anomaly detection pipeline in Python (enms-core `anomaly::detect`): a feature table per
//! bucket in (any table with `__arrow_c_stream__`), events out as an Arrow stream (`machine_id`,
//! `start`, `end`, `severity`, `peak_at`, `peak_score`, `points`, `features`), the core's
//! `build_features` from readings, and the fitted [`AnomalyDetector`] held as `inner`.
//!
//! The settings cross as the core's [`DetectConfig`] in its serde JSON form (absent fields keep
//! the core's defaults); a key the config does not have is refused, named by its dotted path.
//! Fitting, scoring and detecting run with the GIL released.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{Array, ArrayRef, Float64Array, StringArray, UInt64Array};
use arrow_schema::{DataType, Field};
use enms_core::anomaly::{
    build_features as core_build_features, detect as core_detect, AnomalyDetector as CoreDetector,
    AnomalyEvent, DetectConfig, FeatureInputs, FeatureSpec, Severity,
};
use enms_core::baseline::dataset::DriverData;
use enms_core::bucket::{BucketWidth, Bucketing};
use enms_core::time::{TimeRange, Timestamp};
use enms_core::Error;
use pyo3::prelude::*;

use crate::arrow_in::{f64_column, f64_from_chunks, ts_column, ColumnArg, Table};
use crate::arrow_out::{batch, f64_nullable, stream_of, ts_array, ts_field, ArrowStream};
use crate::errors::{DetachGuarded, FaceError, FaceResult};
use crate::{json_in, json_out, nullable_f64, TimeArg};

/// The core's [`DetectConfig`] from its JSON (absent fields keep the core's defaults; the core
/// refuses unknown settings, naming them).
pub fn config_in(text: Option<&str>) -> FaceResult<DetectConfig> {
    let Some(text) = text else {
        return Ok(DetectConfig::default());
    };
    let given: serde_json::Value = json_in("config", text)?;
    enms_core::options::from_json_value(&given, "config", &[]).map_err(FaceError::Core)
}

fn time_range(r: &(TimeArg, TimeArg), name: &str) -> FaceResult<TimeRange> {
    let start = r.0.micros(&format!("{name}.start"))?;
    let end = r.1.micros(&format!("{name}.end"))?;
    TimeRange::new(start, end).map_err(|e| FaceError::from(e).rename_column("end", name))
}

/// Bucket starts and named feature columns read from a table (null = NaN = missing).
struct Features {
    ts: Vec<Timestamp>,
    columns: Vec<(String, Vec<f64>)>,
    time_label: String,
}

impl Features {
    /// `columns`: the feature columns; `None`: every numeric column but `time`.
    fn load(
        data: &Bound<'_, PyAny>,
        time: &str,
        columns: Option<Vec<String>>,
    ) -> FaceResult<Features> {
        let table = Table::import(data, "data")?;
        let ts = ts_column(Some(&table), &ColumnArg::Name(time.into()), "time")?
            .values()
            .to_vec();
        let names = match columns {
            Some(c) => c,
            None => table
                .names()
                .iter()
                .filter(|n| n.as_str() != time)
                .filter(|n| {
                    table
                        .column(n)
                        .map(|(dt, _)| dt.is_numeric())
                        .unwrap_or(false)
                })
                .cloned()
                .collect(),
        };
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let (dt, chunks) = table.column(&name)?;
            let has_null = chunks.iter().any(|c| c.null_count() > 0);
            let v = if has_null && *dt == DataType::Float64 {
                nullable_f64(&name, dt, chunks)?
            } else {
                f64_from_chunks(&name, dt, chunks)?.values().to_vec()
            };
            out.push((name, v));
        }
        Ok(Features {
            ts,
            columns: out,
            time_label: time.into(),
        })
    }

    fn refs(&self) -> Vec<(&str, &[f64])> {
        self.columns
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect()
    }

    fn rename(&self, e: Error) -> FaceError {
        FaceError::from(e).rename_column("ts", &self.time_label)
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Normal => "normal",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

/// Events as one record batch: `machine_id`, `start`, `end`, `severity`, `peak_at`,
/// `peak_score`, `points`, `features` (a list of names, largest |z| first).
fn events_stream(events: &[AnomalyEvent]) -> FaceResult<ArrowStream> {
    let ids: StringArray = events.iter().map(|e| Some(e.machine_id.as_str())).collect();
    let sev: StringArray = events
        .iter()
        .map(|e| Some(severity_name(e.severity)))
        .collect();
    let start: Vec<i64> = events.iter().map(|e| e.start).collect();
    let end: Vec<i64> = events.iter().map(|e| e.end).collect();
    let peak_at: Vec<i64> = events.iter().map(|e| e.peak_at).collect();
    let peak: Vec<f64> = events.iter().map(|e| e.peak_score).collect();
    let points: Vec<u64> = events.iter().map(|e| e.points as u64).collect();
    let mut features = ListBuilder::new(StringBuilder::new());
    for e in events {
        for f in &e.features {
            features.values().append_value(f);
        }
        features.append(true);
    }
    let features = features.finish();
    let features_field = Field::new("features", features.data_type().clone(), false);
    let b = batch(
        vec![
            Field::new("machine_id", DataType::Utf8, false),
            ts_field("start", false),
            ts_field("end", false),
            Field::new("severity", DataType::Utf8, false),
            ts_field("peak_at", false),
            Field::new("peak_score", DataType::Float64, false),
            Field::new("points", DataType::UInt64, false),
            features_field,
        ],
        vec![
            Arc::new(ids),
            ts_array(&start),
            ts_array(&end),
            Arc::new(sev),
            ts_array(&peak_at),
            Arc::new(Float64Array::from(peak)),
            Arc::new(UInt64Array::from(points)),
            Arc::new(features) as ArrayRef,
        ],
    )?;
    Ok(stream_of(b))
}

/// Trains on the buckets of `training` and reports the events of `machine_id` in the buckets of
/// `detection` (enms-core `anomaly::detect`). `data` holds the bucket starts (`time`) and the
/// feature columns (`columns`, or every numeric column but `time`); `config` is the core's
/// `DetectConfig` as JSON.
#[pyfunction]
#[pyo3(signature = (data, machine_id, training, detection, time, columns=None, config=None))]
#[allow(clippy::too_many_arguments)]
fn detect_anomalies(
    py: Python<'_>,
    data: Bound<'_, PyAny>,
    machine_id: String,
    training: (TimeArg, TimeArg),
    detection: (TimeArg, TimeArg),
    time: &str,
    columns: Option<Vec<String>>,
    config: Option<&str>,
) -> PyResult<ArrowStream> {
    let config = config_in(config)?;
    let training = time_range(&training, "training")?;
    let detection = time_range(&detection, "detection")?;
    let f = Features::load(&data, time, columns)?;
    let events = py.detach_guarded(|| {
        core_detect(&machine_id, &f.ts, &f.refs(), training, detection, &config)
            .map_err(|e| f.rename(e))
    })?;
    Ok(events_stream(&events)?)
}

/// A series of readings: a table with a `time` column and the value column `value`.
fn series(obj: &Bound<'_, PyAny>, what: &str, value: &str) -> FaceResult<(Vec<i64>, Vec<f64>)> {
    let t = Table::import(obj, what)?;
    let ts = ts_column(Some(&t), &ColumnArg::Name("time".into()), "time")?;
    let v = f64_column(Some(&t), &ColumnArg::Name(value.into()), value)?;
    Ok((ts.values().to_vec(), v.values().to_vec()))
}

/// Features per bucket of one machine's readings over `[start, end)` (enms-core
/// `anomaly::build_features`), as a record batch: `start`, `end`, then the feature columns (null
/// where missing). Each series is a table with `time` and its value column: `power_kw` for
/// `power`, `production_count` for `production`, `output_kw` for `output`, and the series' own
/// name for each of `counts` and `quantities`.
#[pyfunction]
#[pyo3(signature = (power, start, end, production=None, output=None, counts=Vec::new(), quantities=Vec::new(), expected_kwh=None, period_s=None, timezone=None, max_gap_s=None, min_coverage=None))]
#[allow(clippy::too_many_arguments)]
fn build_features(
    py: Python<'_>,
    power: Bound<'_, PyAny>,
    start: TimeArg,
    end: TimeArg,
    production: Option<Bound<'_, PyAny>>,
    output: Option<Bound<'_, PyAny>>,
    counts: Vec<(String, Bound<'_, PyAny>)>,
    quantities: Vec<(String, Bound<'_, PyAny>)>,
    expected_kwh: Option<Bound<'_, PyAny>>,
    period_s: Option<i64>,
    timezone: Option<String>,
    max_gap_s: Option<f64>,
    min_coverage: Option<f64>,
) -> PyResult<ArrowStream> {
    let defaults = DetectConfig::default();
    let range =
        TimeRange::new(start.micros("start")?, end.micros("end")?).map_err(FaceError::from)?;
    let power = series(&power, "power", "power_kw")?;
    let production = production
        .map(|p| series(&p, "production", "production_count"))
        .transpose()?;
    let output = output
        .map(|o| series(&o, "output", "output_kw"))
        .transpose()?;
    let counts = counts
        .iter()
        .map(|(n, t)| series(t, n, n).map(|s| (n.clone(), s)))
        .collect::<FaceResult<Vec<_>>>()?;
    let quantities = quantities
        .iter()
        .map(|(n, t)| series(t, n, n).map(|s| (n.clone(), s)))
        .collect::<FaceResult<Vec<_>>>()?;
    let expected = expected_kwh
        .map(|e| f64_column(None, &ColumnArg::from_py(&e), "expected_kwh"))
        .transpose()?;
    let out = py.detach_guarded(|| -> FaceResult<_> {
        let width = BucketWidth::seconds(period_s.unwrap_or(defaults.period_s))?;
        let bucketing = Bucketing::new(width)?
            .with_timezone(timezone.as_deref().unwrap_or(&defaults.timezone))?;
        let mut spec = FeatureSpec::new(bucketing);
        if let Some(s) = max_gap_s {
            spec.max_gap_us = (s * 1e6).round() as i64;
        }
        if let Some(c) = min_coverage {
            spec.min_coverage = c;
        }
        let inputs = FeatureInputs {
            power: DriverData::new(&power.0, &power.1),
            production: production.as_ref().map(|(t, v)| DriverData::new(t, v)),
            output_kw: output.as_ref().map(|(t, v)| DriverData::new(t, v)),
            expected_kwh: expected.as_ref().map(|e| e.values()),
            counts: counts
                .iter()
                .map(|(n, (t, v))| (n.as_str(), DriverData::new(t, v)))
                .collect(),
            quantities: quantities
                .iter()
                .map(|(n, (t, v))| (n.as_str(), DriverData::new(t, v)))
                .collect(),
        };
        let table = core_build_features(&spec, range, &inputs)?;
        let mut fields = vec![ts_field("start", false), ts_field("end", false)];
        let mut cols: Vec<ArrayRef> = vec![ts_array(&table.start), ts_array(&table.end)];
        for (name, v) in &table.columns {
            fields.push(Field::new(name, DataType::Float64, true));
            cols.push(f64_nullable(v));
        }
        batch(fields, cols)
    })?;
    Ok(stream_of(out))
}

/// A detector fitted on a reference period (`enms_core::anomaly::AnomalyDetector`).
#[pyclass(module = "enms._enms", name = "AnomalyDetectorModel", frozen)]
pub struct AnomalyDetectorModel {
    inner: CoreDetector,
}

/// Fits a detector on the buckets of `data` (all of them: the reference period).
#[pyfunction]
#[pyo3(signature = (data, time, columns=None, config=None))]
fn anomaly_fit(
    py: Python<'_>,
    data: Bound<'_, PyAny>,
    time: &str,
    columns: Option<Vec<String>>,
    config: Option<&str>,
) -> PyResult<AnomalyDetectorModel> {
    let config = config_in(config)?;
    let f = Features::load(&data, time, columns)?;
    let inner = py
        .detach_guarded(|| CoreDetector::fit(&f.ts, &f.refs(), &config).map_err(|e| f.rename(e)))?;
    Ok(AnomalyDetectorModel { inner })
}

#[pymethods]
impl AnomalyDetectorModel {
    /// Per bucket of `data`: `time`, `severity`, `score` (null where nothing was judged),
    /// `critical_columns`, then `z_<column>` for each monitored and measured column.
    #[pyo3(signature = (data, time, columns=None))]
    fn score(
        &self,
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        time: &str,
        columns: Option<Vec<String>>,
    ) -> PyResult<ArrowStream> {
        let f = Features::load(&data, time, columns)?;
        let out = py.detach_guarded(|| -> FaceResult<_> {
            let s = self
                .inner
                .score(&f.ts, &f.refs())
                .map_err(|e| f.rename(e))?;
            let sev: StringArray = s.severity.iter().map(|v| Some(severity_name(*v))).collect();
            let crit: Vec<u64> = s.critical_columns.iter().map(|c| *c as u64).collect();
            let mut fields = vec![
                ts_field("time", false),
                Field::new("severity", DataType::Utf8, false),
                Field::new("score", DataType::Float64, true),
                Field::new("critical_columns", DataType::UInt64, false),
            ];
            let mut cols: Vec<ArrayRef> = vec![
                ts_array(&s.ts),
                Arc::new(sev),
                f64_nullable(&s.score),
                Arc::new(UInt64Array::from(crit)),
            ];
            for (name, z) in &s.feature_z {
                fields.push(Field::new(format!("z_{name}"), DataType::Float64, true));
                cols.push(f64_nullable(z));
            }
            batch(fields, cols)
        })?;
        Ok(stream_of(out))
    }

    /// Events of `machine_id` in the buckets of `data`.
    #[pyo3(signature = (data, machine_id, time, columns=None))]
    fn detect(
        &self,
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        machine_id: String,
        time: &str,
        columns: Option<Vec<String>>,
    ) -> PyResult<ArrowStream> {
        let f = Features::load(&data, time, columns)?;
        let events = py.detach_guarded(|| {
            self.inner
                .detect(&machine_id, &f.ts, &f.refs())
                .map_err(|e| f.rename(e))
        })?;
        Ok(events_stream(&events)?)
    }

    /// Names of the monitored columns.
    #[getter]
    fn targets(&self) -> Vec<String> {
        self.inner.models.iter().map(|m| m.target.clone()).collect()
    }

    /// The settings, as the core's `DetectConfig` JSON.
    fn config_json(&self) -> PyResult<String> {
        Ok(json_out(&self.inner.config)?)
    }

    /// The fitted detector as JSON (serde form).
    fn to_json(&self) -> PyResult<String> {
        Ok(json_out(&self.inner)?)
    }

    /// A detector from [`AnomalyDetectorModel::to_json`]'s text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<AnomalyDetectorModel> {
        Ok(AnomalyDetectorModel {
            inner: enms_core::options::load(text, "text").map_err(FaceError::Core)?,
        })
    }
}

/// Registers the anomaly pipeline's functions and classes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AnomalyDetectorModel>()?;
    m.add_function(wrap_pyfunction!(detect_anomalies, m)?)?;
    m.add_function(wrap_pyfunction!(build_features, m)?)?;
    m.add_function(wrap_pyfunction!(anomaly_fit, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn configs_keep_defaults_and_refuse_unknown_keys() {
        assert_eq!(config_in(None).unwrap(), DetectConfig::default());
        assert_eq!(config_in(Some("{}")).unwrap(), DetectConfig::default());
        let c = config_in(Some(r#"{"period_s": 900}"#)).unwrap();
        assert_eq!((c.period_s, c.sigma), (900, DetectConfig::default().sigma));
        let field = |t: &str| match config_in(Some(t)) {
            Err(e) => e.class_code_field().2,
            Ok(_) => None,
        };
        assert_eq!(field(r#"{"perod_s": 900}"#).as_deref(), Some("perod_s"));
        assert_eq!(
            field(
                r#"{"sigma": {"window": 48, "min_periods": 24, "warning_sigma": 2,
                "critical_sigma": 3, "windw": 48}}"#
            )
            .as_deref(),
            Some("sigma.windw")
        );
        assert_eq!(field(r#"{"period_s": "x"}"#).as_deref(), Some("config"));
    }
}
