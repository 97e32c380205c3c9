//! Forecasting in Python: a series (timestamps, target, regressors) in, the core's fitted
//! [`Forecaster`] held as `inner`, forecasts out as Arrow streams (`time`, `forecast`,
//! `lower_80`, `upper_80`, ... one pair per interval level) and the backtest, peak and drift
//! results as Arrow streams and serde JSON. The model and its options cross as the core's
//! [`ForecastSpec`] in its serde JSON form, so a model the core adds works here unchanged.
//! Fitting, forecasting and backtesting run with the GIL released.

use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, StringArray, UInt64Array};
use arrow_schema::{DataType, Field};
use enms_core::forecast::{
    backtest as core_backtest, fit_forecaster, local_day as core_local_day, monitor_drift,
    peak_forecast as core_peak_forecast, BacktestOptions, DriftOptions, Forecast, ForecastSpec,
    Forecaster, PeakOptions,
};
use enms_core::Error;
use pyo3::prelude::*;

use crate::arrow_in::{f64_column, ts_column, ColumnArg, F64Col, Table, TsCol};
use crate::arrow_out::{batch, stream_of, ts_array, ts_field, ArrowStream};
use crate::errors::{DetachGuarded, FaceError, FaceResult};
use crate::{json_in, json_out, TimeArg};

/// The suffix of an interval's column names: the level in percent (`0.8` -> `80`, `0.975` ->
/// `97.5`).
pub fn level_suffix(level: f64) -> String {
    let text = format!("{:.6}", level * 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The core's [`ForecastSpec`] from its JSON (the core fills defaults and refuses unknown
/// options, naming them).
pub fn spec_in(text: &str) -> FaceResult<ForecastSpec> {
    let given: serde_json::Value = json_in("model", text)?;
    ForecastSpec::from_json_value(&given).map_err(FaceError::Core)
}

/// A series as the user gave it: timestamps, target and regressors, with the names the user
/// knows them by (for errors).
struct Series {
    ts: TsCol,
    y: F64Col,
    regressors: Vec<(String, F64Col)>,
    time_label: String,
    target_label: String,
}

impl Series {
    fn load(
        data: Option<&Bound<'_, PyAny>>,
        time: &Bound<'_, PyAny>,
        y: &Bound<'_, PyAny>,
        regressors: &[(String, Bound<'_, PyAny>)],
    ) -> FaceResult<Series> {
        let table = data.map(|d| Table::import(d, "data")).transpose()?;
        let time = ColumnArg::from_py(time);
        let target = ColumnArg::from_py(y);
        let ts = ts_column(table.as_ref(), &time, "time")?;
        let yv = f64_column(table.as_ref(), &target, "y")?;
        let mut regs = Vec::with_capacity(regressors.len());
        for (name, col) in regressors {
            let col = f64_column(table.as_ref(), &ColumnArg::from_py(col), name)?;
            regs.push((name.clone(), col));
        }
        Ok(Series {
            ts,
            y: yv,
            regressors: regs,
            time_label: time.label("time"),
            target_label: target.label("y"),
        })
    }

    fn refs(&self) -> Vec<(&str, &[f64])> {
        self.regressors
            .iter()
            .map(|(n, c)| (n.as_str(), c.values()))
            .collect()
    }

    fn rename(&self, e: Error) -> FaceError {
        FaceError::from(e)
            .rename_column("timestamps", &self.time_label)
            .rename_column("ts", &self.time_label)
            .rename_column("y", &self.target_label)
    }
}

fn f64_array(v: &[f64]) -> ArrayRef {
    Arc::new(Float64Array::from(v.to_vec()))
}

/// `time`, `forecast`, then `lower_<pct>`, `upper_<pct>` per level (with `prefix` columns first).
fn forecast_columns(f: &Forecast, fields: &mut Vec<Field>, columns: &mut Vec<ArrayRef>) {
    fields.push(ts_field("time", false));
    columns.push(ts_array(&f.timestamps));
    fields.push(Field::new("forecast", DataType::Float64, false));
    columns.push(f64_array(&f.mean));
    for iv in &f.intervals {
        let s = level_suffix(iv.level);
        fields.push(Field::new(format!("lower_{s}"), DataType::Float64, false));
        columns.push(f64_array(&iv.lower));
        fields.push(Field::new(format!("upper_{s}"), DataType::Float64, false));
        columns.push(f64_array(&iv.upper));
    }
}

fn forecast_stream(f: &Forecast) -> FaceResult<ArrowStream> {
    let (mut fields, mut columns) = (Vec::new(), Vec::new());
    forecast_columns(f, &mut fields, &mut columns);
    Ok(stream_of(batch(fields, columns)?))
}

/// A fitted forecasting model (`enms_core::forecast::Forecaster`).
#[pyclass(module = "enms._enms", name = "ForecasterModel", frozen)]
pub struct ForecasterModel {
    inner: Forecaster,
}

/// Fits the model `spec` (a `ForecastSpec` as JSON) to a regular series for `horizon` steps
/// ahead. `time`, `y` and each regressor are column names of `data` or arrays.
#[pyfunction]
#[pyo3(signature = (data, time, y, regressors, spec, horizon))]
fn forecast_fit(
    py: Python<'_>,
    data: Option<Bound<'_, PyAny>>,
    time: Bound<'_, PyAny>,
    y: Bound<'_, PyAny>,
    regressors: Vec<(String, Bound<'_, PyAny>)>,
    spec: &str,
    horizon: usize,
) -> PyResult<ForecasterModel> {
    let spec = spec_in(spec)?;
    let s = Series::load(data.as_ref(), &time, &y, &regressors)?;
    let inner = py.detach_guarded(|| {
        fit_forecaster(s.ts.values(), s.y.values(), &s.refs(), &spec, horizon)
            .map_err(|e| s.rename(e))
    })?;
    Ok(ForecasterModel { inner })
}

fn levels_or_default(levels: Option<Vec<f64>>) -> Vec<f64> {
    // The core's default levels are those of its backtest options.
    levels.unwrap_or_else(|| BacktestOptions::default().levels)
}

#[pymethods]
impl ForecasterModel {
    /// The forecast of `horizon` steps after the training data, with intervals at `levels`
    /// (default: the core's); `future` is a table holding each regressor for the horizon.
    #[pyo3(signature = (horizon, future=None, levels=None))]
    fn forecast(
        &self,
        py: Python<'_>,
        horizon: usize,
        future: Option<Bound<'_, PyAny>>,
        levels: Option<Vec<f64>>,
    ) -> PyResult<ArrowStream> {
        let f = self.forecast_value(py, horizon, future, levels)?;
        Ok(forecast_stream(&f)?)
    }

    /// The same forecast as the core's serde JSON (`timestamps`, `mean`, `intervals`).
    #[pyo3(signature = (horizon, future=None, levels=None))]
    fn forecast_json(
        &self,
        py: Python<'_>,
        horizon: usize,
        future: Option<Bound<'_, PyAny>>,
        levels: Option<Vec<f64>>,
    ) -> PyResult<String> {
        let f = self.forecast_value(py, horizon, future, levels)?;
        Ok(json_out(&f)?)
    }

    /// A short description of the fitted model, e.g. `seasonal(daily 11, weekly 3, yearly 0)`.
    #[getter]
    fn description(&self) -> String {
        self.inner.describe()
    }

    /// Names of the regressors the model needs to forecast.
    #[getter]
    fn regressor_names(&self) -> Vec<String> {
        self.inner.regressor_names()
    }

    /// The model as JSON (serde form).
    fn to_json(&self) -> PyResult<String> {
        Ok(json_out(&self.inner)?)
    }

    /// A model from [`ForecasterModel::to_json`]'s text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<ForecasterModel> {
        Ok(ForecasterModel {
            inner: enms_core::options::load(text, "text").map_err(FaceError::Core)?,
        })
    }
}

impl ForecasterModel {
    fn forecast_value(
        &self,
        py: Python<'_>,
        horizon: usize,
        future: Option<Bound<'_, PyAny>>,
        levels: Option<Vec<f64>>,
    ) -> FaceResult<Forecast> {
        let levels = levels_or_default(levels);
        let table = future.map(|f| Table::import(&f, "future")).transpose()?;
        let names = self.inner.regressor_names();
        let mut cols = Vec::with_capacity(names.len());
        if let Some(t) = &table {
            for n in &names {
                if t.has(n) {
                    cols.push((
                        n.clone(),
                        f64_column(Some(t), &ColumnArg::Name(n.clone()), n)?,
                    ));
                }
            }
        }
        py.detach_guarded(|| {
            let refs: Vec<(&str, &[f64])> =
                cols.iter().map(|(n, c)| (n.as_str(), c.values())).collect();
            Ok(self.inner.forecast(horizon, &refs, &levels)?)
        })
    }
}

/// Rolling-origin backtest of the model `spec` on a series, with `options` (the core's
/// `BacktestOptions` as JSON). Returns the per-window metrics, the windows' forecasts (one row
/// per window and step) and the overall accuracy as JSON.
#[pyfunction]
#[pyo3(signature = (data, time, y, regressors, spec, options))]
fn forecast_backtest(
    py: Python<'_>,
    data: Option<Bound<'_, PyAny>>,
    time: Bound<'_, PyAny>,
    y: Bound<'_, PyAny>,
    regressors: Vec<(String, Bound<'_, PyAny>)>,
    spec: &str,
    options: &str,
) -> PyResult<(ArrowStream, ArrowStream, String)> {
    let spec = spec_in(spec)?;
    let options: BacktestOptions = json_in("options", options)?;
    let s = Series::load(data.as_ref(), &time, &y, &regressors)?;
    let out = py.detach_guarded(|| -> FaceResult<(ArrowStream, ArrowStream, String)> {
        let bt = core_backtest(s.ts.values(), s.y.values(), &s.refs(), &spec, &options)
            .map_err(|e| s.rename(e))?;
        // Per-window metrics.
        let w = &bt.windows;
        let mut fields = vec![
            Field::new("window", DataType::UInt64, false),
            ts_field("origin", false),
            Field::new("train_len", DataType::UInt64, false),
            Field::new("model", DataType::Utf8, false),
            Field::new("n", DataType::UInt64, false),
            Field::new("mae", DataType::Float64, false),
            Field::new("rmse", DataType::Float64, false),
            Field::new("mase", DataType::Float64, false),
            Field::new("bias", DataType::Float64, false),
        ];
        let col = |f: fn(&enms_core::forecast::Accuracy) -> f64| -> ArrayRef {
            Arc::new(Float64Array::from(
                w.iter().map(|x| f(&x.accuracy)).collect::<Vec<_>>(),
            ))
        };
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from((0..w.len() as u64).collect::<Vec<_>>())),
            ts_array(&w.iter().map(|x| x.origin).collect::<Vec<_>>()),
            Arc::new(UInt64Array::from(
                w.iter().map(|x| x.train_len as u64).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                w.iter().map(|x| x.model.clone()).collect::<Vec<_>>(),
            )),
            Arc::new(UInt64Array::from(
                w.iter().map(|x| x.accuracy.n as u64).collect::<Vec<_>>(),
            )),
            col(|a| a.mae),
            col(|a| a.rmse),
            col(|a| a.mase),
            col(|a| a.bias),
        ];
        for (k, level) in options.levels.iter().enumerate() {
            fields.push(Field::new(
                format!("coverage_{}", level_suffix(*level)),
                DataType::Float64,
                false,
            ));
            columns.push(Arc::new(Float64Array::from(
                w.iter()
                    .map(|x| x.accuracy.coverage.get(k).map_or(f64::NAN, |c| c.coverage))
                    .collect::<Vec<_>>(),
            )));
        }
        let metrics = stream_of(batch(fields, columns)?);
        // The windows' forecasts, stacked, with the actual values.
        let mut stacked = Forecast {
            timestamps: Vec::new(),
            mean: Vec::new(),
            intervals: Vec::new(),
        };
        let (mut window, mut actual) = (Vec::new(), Vec::new());
        for (i, x) in w.iter().enumerate() {
            let start = x.train_len;
            stacked.timestamps.extend(&x.forecast.timestamps);
            stacked.mean.extend(&x.forecast.mean);
            for (k, iv) in x.forecast.intervals.iter().enumerate() {
                if stacked.intervals.len() <= k {
                    stacked
                        .intervals
                        .push(enms_core::forecast::PredictionInterval {
                            level: iv.level,
                            lower: Vec::new(),
                            upper: Vec::new(),
                        });
                }
                stacked.intervals[k].lower.extend(&iv.lower);
                stacked.intervals[k].upper.extend(&iv.upper);
            }
            window.extend(std::iter::repeat_n(i as u64, x.forecast.len()));
            let yv = s.y.values();
            actual.extend((start..start + x.forecast.len()).map(|j| yv.get(j).copied()));
        }
        let mut fields = vec![Field::new("window", DataType::UInt64, false)];
        let mut columns: Vec<ArrayRef> = vec![Arc::new(UInt64Array::from(window))];
        forecast_columns(&stacked, &mut fields, &mut columns);
        fields.insert(2, Field::new("actual", DataType::Float64, true));
        columns.insert(2, Arc::new(Float64Array::from(actual)));
        let forecasts = stream_of(batch(fields, columns)?);
        Ok((metrics, forecasts, json_out(&bt.overall)?))
    })?;
    Ok(out)
}

/// The peak of a forecast (the core's `Forecast` as JSON) within `[start, end)` and, with a
/// threshold, the steps at risk of exceeding it; `options` is the core's `PeakOptions` as JSON.
#[pyfunction]
fn peak_forecast(forecast: &str, start: TimeArg, end: TimeArg, options: &str) -> PyResult<String> {
    let f: Forecast = json_in("forecast", forecast)?;
    let o: PeakOptions = json_in("options", options)?;
    let (start, end) = (start.micros("start")?, end.micros("end")?);
    Ok(json_out(
        &core_peak_forecast(&f, start, end, &o).map_err(FaceError::from)?,
    )?)
}

/// UTC bounds (microseconds) of the local calendar day `date` (`YYYY-MM-DD`) in `time_zone`.
#[pyfunction]
fn local_day(date: &str, time_zone: &str) -> PyResult<(i64, i64)> {
    let d = json_in("date", &json_out(&date)?)?;
    Ok(core_local_day(d, time_zone).map_err(FaceError::from)?)
}

/// Live forecast errors against the model's reference MAE, window by window; `options` is the
/// core's `DriftOptions` as JSON. Returns the windows and the verdict (JSON, without windows).
#[pyfunction]
#[pyo3(signature = (data, time, actual, predicted, reference_mae, options))]
fn forecast_drift(
    py: Python<'_>,
    data: Option<Bound<'_, PyAny>>,
    time: Bound<'_, PyAny>,
    actual: Bound<'_, PyAny>,
    predicted: Bound<'_, PyAny>,
    reference_mae: f64,
    options: &str,
) -> PyResult<(ArrowStream, String)> {
    let o: DriftOptions = json_in("options", options)?;
    let table = data
        .as_ref()
        .map(|d| Table::import(d, "data"))
        .transpose()?;
    let (t, a, p) = (
        ColumnArg::from_py(&time),
        ColumnArg::from_py(&actual),
        ColumnArg::from_py(&predicted),
    );
    let ts = ts_column(table.as_ref(), &t, "time")?;
    let av = f64_column(table.as_ref(), &a, "actual")?;
    let pv = f64_column(table.as_ref(), &p, "predicted")?;
    let labels = (t.label("time"), a.label("actual"), p.label("predicted"));
    let out = py.detach_guarded(|| -> FaceResult<(ArrowStream, String)> {
        let r = monitor_drift(ts.values(), av.values(), pv.values(), reference_mae, &o).map_err(
            |e| {
                FaceError::from(e)
                    .rename_column("timestamps", &labels.0)
                    .rename_column("actual", &labels.1)
                    .rename_column("predicted", &labels.2)
            },
        )?;
        let w = &r.windows;
        let fields = vec![
            ts_field("start", false),
            Field::new("n", DataType::UInt64, false),
            Field::new("mae", DataType::Float64, false),
            Field::new("ratio", DataType::Float64, false),
            Field::new("bias", DataType::Float64, false),
            Field::new("drifted", DataType::Boolean, false),
        ];
        let columns: Vec<ArrayRef> = vec![
            ts_array(&w.iter().map(|x| x.start).collect::<Vec<_>>()),
            Arc::new(UInt64Array::from(
                w.iter().map(|x| x.n as u64).collect::<Vec<_>>(),
            )),
            f64_array(&w.iter().map(|x| x.mae).collect::<Vec<_>>()),
            f64_array(&w.iter().map(|x| x.ratio).collect::<Vec<_>>()),
            f64_array(&w.iter().map(|x| x.bias).collect::<Vec<_>>()),
            Arc::new(BooleanArray::from(
                w.iter().map(|x| x.drifted).collect::<Vec<_>>(),
            )),
        ];
        let mut verdict = serde_json::to_value(&r).map_err(|e| FaceError::Arrow {
            field: "result".into(),
            reason: e.to_string(),
        })?;
        if let Some(m) = verdict.as_object_mut() {
            m.remove("windows");
        }
        Ok((stream_of(batch(fields, columns)?), json_out(&verdict)?))
    })?;
    Ok(out)
}

/// Adds the classes and functions of this module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ForecasterModel>()?;
    m.add_function(wrap_pyfunction!(forecast_fit, m)?)?;
    m.add_function(wrap_pyfunction!(forecast_backtest, m)?)?;
    m.add_function(wrap_pyfunction!(peak_forecast, m)?)?;
    m.add_function(wrap_pyfunction!(local_day, m)?)?;
    m.add_function(wrap_pyfunction!(forecast_drift, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn level_suffixes() {
        assert_eq!(level_suffix(0.8), "80");
        assert_eq!(level_suffix(0.95), "95");
        assert_eq!(level_suffix(0.975), "97.5");
        assert_eq!(level_suffix(0.5), "50");
    }

    #[test]
    fn unknown_options_are_refused() {
        assert!(spec_in(r#"{"model":"auto"}"#).is_ok());
        assert!(spec_in(
            r#"{"model":"seasonal","ar_order":2,"calendar":{"time_zone":"Asia/Seoul"}}"#
        )
        .is_ok());
        let e = spec_in(r#"{"model":"seasonal","dayly_order":2}"#).unwrap_err();
        assert!(e.message().contains("dayly_order"), "{}", e.message());
        let e = spec_in(r#"{"model":"seasonal","calendar":{"tz":"UTC"}}"#).unwrap_err();
        assert_eq!(e.class_code_field().2.as_deref(), Some("calendar.tz"));
        // the core's ARIMA specs pass through as they are
        assert!(spec_in(r#"{"model":"auto_arima","season_length":24,"max_p":3}"#).is_ok());
        let arima = r#"{"model":"arima","order":{"p":1,"d":0,"q":1,"seasonal_p":1,"seasonal_d":1,"seasonal_q":0,"season_length":24},"constant":"Auto"}"#;
        assert!(
            spec_in(arima).is_ok(),
            "{:?}",
            spec_in(arima).err().map(|e| e.message())
        );
        let e = spec_in(r#"{"model":"prophet"}"#).unwrap_err();
        assert!(e.message().contains("prophet"), "{}", e.message());
    }
}
