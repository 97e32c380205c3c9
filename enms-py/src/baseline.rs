//! Baselines and the isolation forest in Python: tables of drivers (or features) in, the core's
//! models held as `inner`, results out as Arrow streams and the models' serde JSON (which the
//! Python layer reads for the statistics). Text columns become categorical drivers, numeric
//! columns numeric ones. Fitting, predicting and scoring run with the GIL released.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int8Array, StringArray};
use arrow_schema::{DataType, Field};
use enms_core::anomaly::{Contamination, IsolationForest, IsolationForestParams};
use enms_core::baseline::model::DriverValues;
use enms_core::baseline::model::{select_drivers as core_select_drivers, SelectionOptions};
use enms_core::baseline::{
    fit_change_point as core_fit_change_point, fit_daily as core_fit_daily,
    fit_towt as core_fit_towt, performance, Aggregation, Baseline, BaselineOptions,
    ChangePointModel, ChangePointOptions, DailyModel, DailyOptions, Driver, DriverData, Gates,
    ModellingTable, PerformanceOptions, PerformanceReport, PeriodDriver, TableSpec,
    TimeTempBaseline, TowtModel, TowtOptions,
};
use enms_core::bucket::Bucketing;
use enms_core::rollup::RollupOptions;
use enms_core::stats::{ols as core_ols, OlsFit, OlsOptions, Prediction};
use enms_core::time::TimeRange;
use enms_core::{Error, PowerView};
use pyo3::prelude::*;

use crate::arrow_in::{
    f64_column, f64_from_chunks, strings_from_chunks, ts_column, ColumnArg, F64Col, F64Matrix,
    Table,
};
use crate::arrow_out::{batch, stream_of, ts_array, ts_field, ArrowStream};
use crate::errors::{DetachGuarded, FaceError, FaceResult};
use crate::{json_in, json_out};

fn is_text(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// Every column of `data` as a driver: text columns categorical, numeric columns numeric.
fn drivers_from(data: &Table) -> FaceResult<Vec<Driver>> {
    let mut out = Vec::with_capacity(data.names().len());
    for name in data.names() {
        let (dt, chunks) = data.column(name)?;
        if is_text(dt) {
            let levels = strings_from_chunks(name, dt, chunks)?;
            let mut v = Vec::with_capacity(levels.len());
            for (index, level) in levels.into_iter().enumerate() {
                v.push(level.ok_or_else(|| {
                    FaceError::Core(Error::Parse {
                        column: name.clone(),
                        index,
                        value: "null".into(),
                        reason: "a categorical driver needs a level in every row".into(),
                    })
                })?);
            }
            out.push(Driver::categorical(name, v));
        } else {
            let v = f64_from_chunks(name, dt, chunks)?;
            out.push(Driver::numeric(name, v.values().to_vec()));
        }
    }
    Ok(out)
}

/// Numeric columns of `data`, borrowed where Arrow allows.
fn numeric_columns(data: &Table) -> FaceResult<Vec<(String, F64Col)>> {
    data.names()
        .iter()
        .map(|name| {
            let (dt, chunks) = data.column(name)?;
            Ok((name.clone(), f64_from_chunks(name, dt, chunks)?))
        })
        .collect()
}

fn array(y: &Bound<'_, PyAny>, param: &str) -> FaceResult<F64Col> {
    f64_column(None, &ColumnArg::from_py(y), param)
}

fn f64_array(v: Vec<f64>) -> ArrayRef {
    Arc::new(Float64Array::from(v))
}

fn prediction_stream(p: Prediction) -> FaceResult<ArrowStream> {
    let names = ["mean", "ci_low", "ci_high", "pi_low", "pi_high"];
    let fields = names
        .iter()
        .map(|n| Field::new(*n, DataType::Float64, false))
        .collect();
    let b = batch(
        fields,
        vec![
            f64_array(p.mean),
            f64_array(p.ci_low),
            f64_array(p.ci_high),
            f64_array(p.pi_low),
            f64_array(p.pi_high),
        ],
    )?;
    Ok(stream_of(b))
}

fn one_column(name: &str, a: ArrayRef) -> FaceResult<ArrowStream> {
    let f = Field::new(name, a.data_type().clone(), false);
    Ok(stream_of(batch(vec![f], vec![a])?))
}

fn ols_options(intercept: Option<bool>, confidence: Option<f64>) -> OlsOptions {
    let mut o = OlsOptions::default();
    if let Some(i) = intercept {
        o.intercept = i;
    }
    if let Some(c) = confidence {
        o.confidence = c;
    }
    o
}

fn baseline_options(
    target: Option<String>,
    intercept: Option<bool>,
    confidence: Option<f64>,
    gates: Option<Vec<String>>,
) -> FaceResult<BaselineOptions> {
    let mut o = BaselineOptions::default();
    if let Some(t) = target {
        o.target = t;
    }
    o.ols = ols_options(intercept, confidence);
    if let Some(g) = gates {
        o.gates = g
            .iter()
            .map(|name| Gates::named(name))
            .collect::<Result<_, _>>()?;
    }
    Ok(o)
}

/// A fitted regression baseline (`enms_core::baseline::Baseline`).
#[pyclass(module = "enms._enms", name = "BaselineModel", frozen)]
pub struct BaselineModel {
    inner: Baseline,
}

/// Fits `y` on every column of `data` (text columns categorical) and checks the gates.
#[pyfunction]
#[pyo3(signature = (y, data, *, target=None, intercept=None, confidence=None, gates=None))]
fn baseline_fit(
    py: Python<'_>,
    y: Bound<'_, PyAny>,
    data: Bound<'_, PyAny>,
    target: Option<String>,
    intercept: Option<bool>,
    confidence: Option<f64>,
    gates: Option<Vec<String>>,
) -> PyResult<BaselineModel> {
    let options = baseline_options(target, intercept, confidence, gates)?;
    let table = Table::import(&data, "X")?;
    let y = array(&y, "y")?;
    let inner = py.detach_guarded(|| -> FaceResult<Baseline> {
        let drivers = drivers_from(&table)?;
        Ok(Baseline::fit(y.values(), &drivers, &options)?)
    })?;
    Ok(BaselineModel { inner })
}

#[pymethods]
impl BaselineModel {
    /// Predictions with confidence and prediction intervals at `level` (default: the model's
    /// confidence level).
    #[pyo3(signature = (data, level=None))]
    fn predict_interval(
        &self,
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        level: Option<f64>,
    ) -> PyResult<ArrowStream> {
        let table = Table::import(&data, "X")?;
        let level = level.unwrap_or(self.inner.fit.options.confidence);
        let out = py.detach_guarded(|| -> FaceResult<ArrowStream> {
            let drivers = drivers_from(&table)?;
            prediction_stream(self.inner.predict(&drivers, level)?)
        })?;
        Ok(out)
    }

    /// Deviation, CUSUM, EnPI and savings of `actual` against the model for `data`: the
    /// per-period columns as a stream and the report's scalars as JSON.
    #[pyo3(signature = (data, actual, *, confidence=None, allow_failed_gates=None))]
    fn performance(
        &self,
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        actual: Bound<'_, PyAny>,
        confidence: Option<f64>,
        allow_failed_gates: Option<bool>,
    ) -> PyResult<(ArrowStream, String)> {
        let mut o = PerformanceOptions::default();
        if let Some(c) = confidence {
            o.confidence = c;
        }
        if let Some(a) = allow_failed_gates {
            o.allow_failed_gates = a;
        }
        let table = Table::import(&data, "X")?;
        let actual = array(&actual, "actual")?;
        let out = py.detach_guarded(|| -> FaceResult<(ArrowStream, String)> {
            let drivers = drivers_from(&table)?;
            report_out(performance(&self.inner, actual.values(), &drivers, &o)?)
        })?;
        Ok(out)
    }

    /// The statsmodels-like summary table.
    fn summary(&self) -> String {
        self.inner.fit.summary()
    }

    /// The model as JSON (serde form with its format version).
    fn to_json(&self) -> PyResult<String> {
        Ok(json_out(&self.inner)?)
    }

    /// A model from [`BaselineModel::to_json`]'s text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<BaselineModel> {
        let inner: Baseline = enms_core::options::load(text, "text").map_err(FaceError::Core)?;
        Ok(BaselineModel { inner })
    }
}

/// An ordinary least squares fit (`enms_core::stats::OlsFit`).
#[pyclass(module = "enms._enms", name = "OlsModel", frozen)]
pub struct OlsModel {
    inner: OlsFit,
}

/// OLS of `y` on the numeric columns of `data`.
#[pyfunction]
#[pyo3(signature = (y, data, *, intercept=None, confidence=None))]
fn ols(
    py: Python<'_>,
    y: Bound<'_, PyAny>,
    data: Bound<'_, PyAny>,
    intercept: Option<bool>,
    confidence: Option<f64>,
) -> PyResult<OlsModel> {
    let o = ols_options(intercept, confidence);
    let table = Table::import(&data, "X")?;
    let y = array(&y, "y")?;
    let inner = py.detach_guarded(|| -> FaceResult<OlsFit> {
        let cols = numeric_columns(&table)?;
        let refs: Vec<(&str, &[f64])> =
            cols.iter().map(|(n, c)| (n.as_str(), c.values())).collect();
        Ok(core_ols(y.values(), &refs, &o)?)
    })?;
    Ok(OlsModel { inner })
}

#[pymethods]
impl OlsModel {
    /// Predictions with intervals for the columns of `data` (in the fit's order, by name).
    #[pyo3(signature = (data, level=None))]
    fn predict_interval(
        &self,
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        level: Option<f64>,
    ) -> PyResult<ArrowStream> {
        let table = Table::import(&data, "X")?;
        let level = level.unwrap_or(self.inner.options.confidence);
        let names: Vec<String> = self
            .inner
            .driver_names()
            .into_iter()
            .map(str::to_string)
            .collect();
        let out = py.detach_guarded(|| -> FaceResult<ArrowStream> {
            let cols = names
                .iter()
                .map(|n| {
                    let (dt, chunks) = table.column(n)?;
                    f64_from_chunks(n, dt, chunks)
                })
                .collect::<FaceResult<Vec<F64Col>>>()?;
            let refs: Vec<&[f64]> = cols.iter().map(F64Col::values).collect();
            prediction_stream(self.inner.predict_interval(&refs, level)?)
        })?;
        Ok(out)
    }

    /// The statsmodels-like summary table.
    fn summary(&self) -> String {
        self.inner.summary()
    }

    /// The fit as JSON.
    fn to_json(&self) -> PyResult<String> {
        Ok(json_out(&self.inner)?)
    }
}

/// Every subset of the columns of `data` up to `max_drivers`, ranked, as JSON.
#[pyfunction]
#[pyo3(signature = (y, data, *, max_drivers=None, max_vif=None, expected_signs=None, gates=None))]
fn select_drivers(
    py: Python<'_>,
    y: Bound<'_, PyAny>,
    data: Bound<'_, PyAny>,
    max_drivers: Option<usize>,
    max_vif: Option<f64>,
    expected_signs: Option<Vec<(String, f64)>>,
    gates: Option<Vec<String>>,
) -> PyResult<String> {
    let mut o = SelectionOptions::default();
    if let Some(m) = max_drivers {
        o.max_drivers = m;
    }
    if let Some(v) = max_vif {
        o.max_vif = v;
    }
    if let Some(s) = expected_signs {
        o.expected_signs = s;
    }
    o.baseline = baseline_options(None, None, None, gates)?;
    let table = Table::import(&data, "X")?;
    let y = array(&y, "y")?;
    let out = py.detach_guarded(|| -> FaceResult<String> {
        let drivers = drivers_from(&table)?;
        let c = core_select_drivers(y.values(), &drivers, &o)?;
        json_out(&c)
    })?;
    Ok(out)
}

/// A performance report for Python: the per-period columns (`expected`, `actual`, `deviation`,
/// `cusum`) as a stream and the report's scalars as JSON.
fn report_out(r: PerformanceReport) -> FaceResult<(ArrowStream, String)> {
    let mut scalars = serde_json::to_value(&r).map_err(|e| FaceError::Arrow {
        field: "result".into(),
        reason: e.to_string(),
    })?;
    let names = ["expected", "actual", "deviation", "cusum"];
    if let Some(m) = scalars.as_object_mut() {
        for k in names {
            m.remove(k);
        }
    }
    let fields = names
        .iter()
        .map(|n| Field::new(*n, DataType::Float64, false))
        .collect();
    let b = batch(
        fields,
        vec![
            f64_array(r.expected),
            f64_array(r.actual),
            f64_array(r.deviation),
            f64_array(r.cusum),
        ],
    )?;
    Ok((stream_of(b), json_out(&scalars)?))
}

/// The performance options of a weather model (no gates to allow past).
fn weather_performance_options(confidence: Option<f64>) -> PerformanceOptions {
    let mut o = PerformanceOptions::default();
    if let Some(c) = confidence {
        o.confidence = c;
    }
    o
}

/// Expected energy of a model that predicts from the periods' start times and temperatures
/// (TOWT, daily), for Python: one column `predicted`.
fn time_temp_predict<M: TimeTempBaseline + Sync>(
    py: Python<'_>,
    model: &M,
    time: &Bound<'_, PyAny>,
    temp_c: &Bound<'_, PyAny>,
) -> PyResult<ArrowStream> {
    let ts = ts_column(None, &ColumnArg::from_py(time), "time")?;
    let t = array(temp_c, "temp_c")?;
    let out = py.detach_guarded(|| -> FaceResult<ArrowStream> {
        let p = model
            .expected(ts.values(), t.values())
            .map_err(time_named)?;
        one_column("predicted", f64_array(p))
    })?;
    Ok(out)
}

/// The reporting-period report of such a model, for Python (see [`report_out`]).
fn time_temp_performance<M: TimeTempBaseline + Sync>(
    py: Python<'_>,
    model: &M,
    time: &Bound<'_, PyAny>,
    temp_c: &Bound<'_, PyAny>,
    actual: &Bound<'_, PyAny>,
    confidence: Option<f64>,
) -> PyResult<(ArrowStream, String)> {
    let o = weather_performance_options(confidence);
    let ts = ts_column(None, &ColumnArg::from_py(time), "time")?;
    let t = array(temp_c, "temp_c")?;
    let actual = array(actual, "actual")?;
    let out = py.detach_guarded(|| {
        let r = model
            .performance(ts.values(), t.values(), actual.values(), &o)
            .map_err(time_named)?;
        report_out(r)
    })?;
    Ok(out)
}

/// A core error about the timestamps, named as Python's argument `time`.
fn time_named(mut e: enms_core::Error) -> enms_core::Error {
    e.rename_field("ts", "time");
    e
}

/// A fitted temperature change-point model.
#[pyclass(module = "enms._enms", name = "ChangePointFit", frozen)]
pub struct ChangePointFit {
    inner: ChangePointModel,
}

/// Searches the change-point shapes and balance points for `energy` against `temp_c`.
#[pyfunction]
#[pyo3(signature = (temp_c, energy, *, kinds=None, confidence=None))]
fn fit_change_point(
    py: Python<'_>,
    temp_c: Bound<'_, PyAny>,
    energy: Bound<'_, PyAny>,
    kinds: Option<Vec<String>>,
    confidence: Option<f64>,
) -> PyResult<ChangePointFit> {
    let mut o = ChangePointOptions::default();
    if let Some(k) = kinds {
        o.kinds = json_in("kinds", &json_out(&k)?)?;
    }
    if let Some(c) = confidence {
        o.confidence = c;
    }
    let t = array(&temp_c, "temp_c")?;
    let e = array(&energy, "energy")?;
    let inner = py.detach_guarded(|| Ok(core_fit_change_point(t.values(), e.values(), &o)?))?;
    Ok(ChangePointFit { inner })
}

#[pymethods]
impl ChangePointFit {
    /// Expected energy at the temperatures `temp_c`.
    fn predict(&self, py: Python<'_>, temp_c: Bound<'_, PyAny>) -> PyResult<ArrowStream> {
        let t = array(&temp_c, "temp_c")?;
        let out = py.detach_guarded(|| -> FaceResult<ArrowStream> {
            one_column("predicted", f64_array(self.inner.predict(t.values())?))
        })?;
        Ok(out)
    }

    /// Deviation, CUSUM, EnPI and savings of `actual` energy against the model's expectation at
    /// the reporting period's temperatures `temp_c`.
    #[pyo3(signature = (temp_c, actual, *, confidence=None))]
    fn performance(
        &self,
        py: Python<'_>,
        temp_c: Bound<'_, PyAny>,
        actual: Bound<'_, PyAny>,
        confidence: Option<f64>,
    ) -> PyResult<(ArrowStream, String)> {
        let o = weather_performance_options(confidence);
        let t = array(&temp_c, "temp_c")?;
        let actual = array(&actual, "actual")?;
        let out = py.detach_guarded(|| {
            report_out(self.inner.performance(t.values(), actual.values(), &o)?)
        })?;
        Ok(out)
    }

    /// The statsmodels-like summary of the final regression.
    fn summary(&self) -> String {
        self.inner.fit.summary()
    }

    /// The model as JSON.
    fn to_json(&self) -> PyResult<String> {
        Ok(json_out(&self.inner)?)
    }
}

/// A fitted time-of-week-and-temperature model.
#[pyclass(module = "enms._enms", name = "TowtFit", frozen)]
pub struct TowtFit {
    inner: TowtModel,
}

/// Fits the hourly TOWT model (hours starting at `time`, UTC).
#[pyfunction]
#[pyo3(signature = (time, temp_c, energy, *, timezone=None, knots_c=None, occupancy_threshold=None))]
fn fit_towt(
    py: Python<'_>,
    time: Bound<'_, PyAny>,
    temp_c: Bound<'_, PyAny>,
    energy: Bound<'_, PyAny>,
    timezone: Option<String>,
    knots_c: Option<Vec<f64>>,
    occupancy_threshold: Option<f64>,
) -> PyResult<TowtFit> {
    let mut o = TowtOptions::default();
    if let Some(tz) = timezone {
        o.timezone = tz;
    }
    if let Some(k) = knots_c {
        o.knots_c = k;
    }
    if let Some(t) = occupancy_threshold {
        o.occupancy_threshold = t;
    }
    let ts = ts_column(None, &ColumnArg::from_py(&time), "time")?;
    let t = array(&temp_c, "temp_c")?;
    let e = array(&energy, "energy")?;
    let inner =
        py.detach_guarded(|| Ok(core_fit_towt(ts.values(), t.values(), e.values(), &o)?))?;
    Ok(TowtFit { inner })
}

#[pymethods]
impl TowtFit {
    /// Expected energy for the hours starting at `time` with temperatures `temp_c`.
    fn predict(
        &self,
        py: Python<'_>,
        time: Bound<'_, PyAny>,
        temp_c: Bound<'_, PyAny>,
    ) -> PyResult<ArrowStream> {
        time_temp_predict(py, &self.inner, &time, &temp_c)
    }

    /// Deviation, CUSUM, EnPI and savings of `actual` energy against the model's expectation for
    /// the reporting periods starting at `time` with temperatures `temp_c`.
    #[pyo3(signature = (time, temp_c, actual, *, confidence=None))]
    fn performance(
        &self,
        py: Python<'_>,
        time: Bound<'_, PyAny>,
        temp_c: Bound<'_, PyAny>,
        actual: Bound<'_, PyAny>,
        confidence: Option<f64>,
    ) -> PyResult<(ArrowStream, String)> {
        time_temp_performance(py, &self.inner, &time, &temp_c, &actual, confidence)
    }

    /// The model as JSON.
    fn to_json(&self) -> PyResult<String> {
        Ok(json_out(&self.inner)?)
    }
}

/// A fitted daily model by season and day type (`enms_core::baseline::DailyModel`).
#[pyclass(module = "enms._enms", name = "DailyFit", frozen)]
pub struct DailyFit {
    inner: DailyModel,
}

/// Fits the daily model on `energy` per day starting at `time` (UTC) with the day's mean outdoor
/// temperature `temp_c`. Options left `None` take the core's defaults; `seasons`, `weekend`,
/// `kinds`, `split_criterion` and `shape_criterion` arrive as the core's serde JSON.
#[pyfunction]
#[pyo3(signature = (time, temp_c, energy, *, timezone=None, seasons=None, weekend=None, split_seasons=None, split_weekday_weekend=None, min_segment_days=None, min_days_beyond=None, step_c=None, smoothing_c=None, kinds=None, split_criterion=None, shape_criterion=None))]
#[allow(clippy::too_many_arguments)]
fn fit_daily(
    py: Python<'_>,
    time: Bound<'_, PyAny>,
    temp_c: Bound<'_, PyAny>,
    energy: Bound<'_, PyAny>,
    timezone: Option<String>,
    seasons: Option<String>,
    weekend: Option<String>,
    split_seasons: Option<bool>,
    split_weekday_weekend: Option<bool>,
    min_segment_days: Option<usize>,
    min_days_beyond: Option<usize>,
    step_c: Option<f64>,
    smoothing_c: Option<Vec<f64>>,
    kinds: Option<String>,
    split_criterion: Option<String>,
    shape_criterion: Option<String>,
) -> PyResult<DailyFit> {
    let mut o = DailyOptions::default();
    if let Some(tz) = timezone {
        o.timezone = tz;
    }
    if let Some(s) = seasons {
        o.seasons = json_in("seasons", &s)?;
    }
    if let Some(w) = weekend {
        o.weekend = json_in("weekend", &w)?;
    }
    if let Some(v) = split_seasons {
        o.split_seasons = v;
    }
    if let Some(v) = split_weekday_weekend {
        o.split_weekday_weekend = v;
    }
    if let Some(v) = min_segment_days {
        o.min_segment_days = v;
    }
    if let Some(v) = min_days_beyond {
        o.min_days_beyond = v;
    }
    if let Some(v) = step_c {
        o.step_c = v;
    }
    if let Some(v) = smoothing_c {
        o.smoothing_c = v;
    }
    if let Some(k) = kinds {
        o.kinds = json_in("kinds", &k)?;
    }
    if let Some(c) = split_criterion {
        o.split_criterion = json_in("split_criterion", &c)?;
    }
    if let Some(c) = shape_criterion {
        o.shape_criterion = json_in("shape_criterion", &c)?;
    }
    let ts = ts_column(None, &ColumnArg::from_py(&time), "time")?;
    let t = array(&temp_c, "temp_c")?;
    let e = array(&energy, "energy")?;
    let inner = py.detach_guarded(|| {
        core_fit_daily(ts.values(), t.values(), e.values(), &o)
            .map_err(|e| FaceError::from(time_named(e)))
    })?;
    Ok(DailyFit { inner })
}

#[pymethods]
impl DailyFit {
    /// Expected energy for the days starting at `time` with mean temperatures `temp_c`.
    fn predict(
        &self,
        py: Python<'_>,
        time: Bound<'_, PyAny>,
        temp_c: Bound<'_, PyAny>,
    ) -> PyResult<ArrowStream> {
        time_temp_predict(py, &self.inner, &time, &temp_c)
    }

    /// Deviation, CUSUM, EnPI and savings of `actual` energy against the model's expectation for
    /// the reporting periods starting at `time` with temperatures `temp_c`.
    #[pyo3(signature = (time, temp_c, actual, *, confidence=None))]
    fn performance(
        &self,
        py: Python<'_>,
        time: Bound<'_, PyAny>,
        temp_c: Bound<'_, PyAny>,
        actual: Bound<'_, PyAny>,
        confidence: Option<f64>,
    ) -> PyResult<(ArrowStream, String)> {
        time_temp_performance(py, &self.inner, &time, &temp_c, &actual, confidence)
    }

    /// The model as JSON.
    fn to_json(&self) -> PyResult<String> {
        Ok(json_out(&self.inner)?)
    }

    /// A model from [`DailyFit::to_json`]'s text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<DailyFit> {
        Ok(DailyFit {
            inner: enms_core::options::load(text, "text").map_err(FaceError::Core)?,
        })
    }
}

/// A fitted isolation forest (`enms_core::anomaly::IsolationForest`).
#[pyclass(module = "enms._enms", name = "IsolationForestModel", frozen)]
pub struct IsolationForestModel {
    inner: IsolationForest,
}

/// The columns' names of a matrix: `names` when given (one per column), else `x0, x1, ...`.
fn matrix_names(names: Option<Vec<String>>, width: usize) -> FaceResult<Vec<String>> {
    match names {
        Some(n) if n.len() != width => Err(FaceError::Core(Error::LengthMismatch {
            column: "names".into(),
            expected: width,
            got: n.len(),
        })),
        Some(n) => Ok(n),
        None => Ok((0..width).map(|j| format!("x{j}")).collect()),
    }
}

/// Fits an isolation forest on the numeric columns of `data`, or on a 2-D C-contiguous float64
/// numpy array read in place (its columns named by `names`, default `x0, x1, ...`); parameters
/// left `None` take the core's defaults.
#[pyfunction]
#[pyo3(signature = (data, *, n_estimators=None, max_samples=None, contamination=None, max_features=None, random_state=None, n_jobs=None, names=None))]
#[allow(clippy::too_many_arguments)]
fn iforest_fit(
    py: Python<'_>,
    data: Bound<'_, PyAny>,
    n_estimators: Option<usize>,
    max_samples: Option<usize>,
    contamination: Option<f64>,
    max_features: Option<f64>,
    random_state: Option<u64>,
    n_jobs: Option<usize>,
    names: Option<Vec<String>>,
) -> PyResult<IsolationForestModel> {
    let mut p = IsolationForestParams::default();
    if let Some(n) = n_estimators {
        p.n_estimators = n;
    }
    if max_samples.is_some() {
        p.max_samples = max_samples;
    }
    if let Some(c) = contamination {
        p.contamination = Contamination::Fraction(c);
    }
    if let Some(f) = max_features {
        p.max_features = f;
    }
    if let Some(s) = random_state {
        p.random_state = s;
    }
    if n_jobs.is_some() {
        p.n_jobs = n_jobs;
    }
    if let Some(m) = F64Matrix::of(&data) {
        let names = matrix_names(names, m.width)?;
        let inner = py.detach_guarded(|| -> FaceResult<IsolationForest> {
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            Ok(IsolationForest::fit_rows(&refs, m.values(), &p)?)
        })?;
        return Ok(IsolationForestModel { inner });
    }
    let table = Table::import(&data, "X")?;
    let inner = py.detach_guarded(|| -> FaceResult<IsolationForest> {
        let cols = numeric_columns(&table)?;
        let refs: Vec<(&str, &[f64])> =
            cols.iter().map(|(n, c)| (n.as_str(), c.values())).collect();
        Ok(IsolationForest::fit(&refs, &p)?)
    })?;
    Ok(IsolationForestModel { inner })
}

/// A forest's method on named columns and on a row-major matrix.
type ByColumns<T> = fn(&IsolationForest, &[(&str, &[f64])]) -> Result<T, Error>;
type ByRows<T> = fn(&IsolationForest, &[&str], &[f64]) -> Result<T, Error>;

impl IsolationForestModel {
    /// `by_columns` on the numeric columns of `data`, or `by_rows` on a 2-D float64 numpy array
    /// read in place (its columns named by `names`, default the fitted names when the widths
    /// agree).
    fn scored<T: Send>(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        names: Option<Vec<String>>,
        by_columns: ByColumns<T>,
        by_rows: ByRows<T>,
    ) -> FaceResult<T> {
        if let Some(m) = F64Matrix::of(data) {
            let names = match names {
                None if self.inner.feature_names.len() == m.width => {
                    self.inner.feature_names.clone()
                }
                given => matrix_names(given, m.width)?,
            };
            return py.detach_guarded(|| {
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                Ok(by_rows(&self.inner, &refs, m.values())?)
            });
        }
        let table = Table::import(data, "X")?;
        py.detach_guarded(|| {
            let cols = numeric_columns(&table)?;
            let refs: Vec<(&str, &[f64])> =
                cols.iter().map(|(n, c)| (n.as_str(), c.values())).collect();
            Ok(by_columns(&self.inner, &refs)?)
        })
    }
}

#[pymethods]
impl IsolationForestModel {
    /// `score_samples` (lower is more abnormal) as a one-column stream.
    #[pyo3(signature = (data, *, names=None))]
    fn score_samples(
        &self,
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        names: Option<Vec<String>>,
    ) -> PyResult<ArrowStream> {
        let s = self.scored(
            py,
            &data,
            names,
            IsolationForest::score_samples,
            IsolationForest::score_samples_rows,
        )?;
        Ok(one_column("score", f64_array(s))?)
    }

    /// `decision_function` (negative for anomalies) as a one-column stream.
    #[pyo3(signature = (data, *, names=None))]
    fn decision_function(
        &self,
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        names: Option<Vec<String>>,
    ) -> PyResult<ArrowStream> {
        let s = self.scored(
            py,
            &data,
            names,
            IsolationForest::decision_function,
            IsolationForest::decision_function_rows,
        )?;
        Ok(one_column("decision", f64_array(s))?)
    }

    /// `predict` (+1 inlier, -1 anomaly) as a one-column stream.
    #[pyo3(signature = (data, *, names=None))]
    fn predict(
        &self,
        py: Python<'_>,
        data: Bound<'_, PyAny>,
        names: Option<Vec<String>>,
    ) -> PyResult<ArrowStream> {
        let s = self.scored(
            py,
            &data,
            names,
            IsolationForest::predict,
            IsolationForest::predict_rows,
        )?;
        Ok(one_column("label", Arc::new(Int8Array::from(s)))?)
    }

    /// `decision_function = score_samples - offset_`.
    #[getter]
    fn offset(&self) -> f64 {
        self.inner.offset
    }

    /// Column names in the order scoring expects them.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.inner.feature_names.clone()
    }

    /// Rows each tree was grown on.
    #[getter]
    fn max_samples(&self) -> usize {
        self.inner.max_samples
    }

    /// The forest as JSON (serde form).
    fn to_json(&self) -> PyResult<String> {
        Ok(json_out(&self.inner)?)
    }

    /// A forest from [`IsolationForestModel::to_json`]'s text.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<IsolationForestModel> {
        Ok(IsolationForestModel {
            inner: enms_core::options::load(text, "text").map_err(FaceError::Core)?,
        })
    }
}

/// Adds the classes and functions of this module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BaselineModel>()?;
    m.add_class::<OlsModel>()?;
    m.add_class::<ChangePointFit>()?;
    m.add_class::<TowtFit>()?;
    m.add_class::<DailyFit>()?;
    m.add_class::<IsolationForestModel>()?;
    m.add_function(wrap_pyfunction!(baseline_fit, m)?)?;
    m.add_function(wrap_pyfunction!(ols, m)?)?;
    m.add_function(wrap_pyfunction!(select_drivers, m)?)?;
    m.add_function(wrap_pyfunction!(fit_change_point, m)?)?;
    m.add_function(wrap_pyfunction!(fit_towt, m)?)?;
    m.add_function(wrap_pyfunction!(fit_daily, m)?)?;
    m.add_function(wrap_pyfunction!(iforest_fit, m)?)?;
    m.add_function(wrap_pyfunction!(modelling_table, m)?)?;
    Ok(())
}

/// One driver of a modelling table as Python gives it: name, aggregation (a name or the core's
/// serde form as JSON), and its readings (times and values; none for calendar drivers).
type DriverArg<'py> = (
    String,
    String,
    Option<Bound<'py, PyAny>>,
    Option<Bound<'py, PyAny>>,
);

fn aggregation(name: &str, text: &str) -> FaceResult<Aggregation> {
    Ok(match text {
        "hdd" => Aggregation::hdd(),
        "cdd" => Aggregation::cdd(),
        "shift" => Aggregation::shift(),
        t if t.starts_with('{') => json_in(name, t)?,
        t => json_in(name, &json_out(&serde_json::json!({ "kind": t }))?)?,
    })
}

/// A modelling table (one row per period: energy from power readings and each driver
/// aggregated) as a stream, and the dropped periods as JSON.
#[pyfunction]
#[pyo3(signature = (time, power, drivers, every, start, end, *, timezone=None, min_coverage=None, max_gap_s=None))]
#[allow(clippy::too_many_arguments)]
fn modelling_table(
    py: Python<'_>,
    time: Bound<'_, PyAny>,
    power: Bound<'_, PyAny>,
    drivers: Vec<DriverArg<'_>>,
    every: &str,
    start: i64,
    end: i64,
    timezone: Option<&str>,
    min_coverage: Option<f64>,
    max_gap_s: Option<f64>,
) -> PyResult<(ArrowStream, String)> {
    let mut specs = Vec::with_capacity(drivers.len());
    let mut readings = Vec::with_capacity(drivers.len());
    for (name, agg, t, v) in &drivers {
        specs.push(PeriodDriver::new(name, aggregation(name, agg)?));
        readings.push(match (t, v) {
            (Some(t), Some(v)) => Some((
                ts_column(None, &ColumnArg::from_py(t), name)?,
                array(v, name)?,
            )),
            _ => None,
        });
    }
    let mut b = Bucketing::parse(every).map_err(FaceError::from)?;
    if let Some(tz) = timezone {
        b = b.with_timezone(tz).map_err(FaceError::from)?;
    }
    let mut spec = TableSpec::new(b, specs);
    if let Some(c) = min_coverage {
        spec.min_coverage = c;
    }
    if let Some(s) = max_gap_s {
        spec.max_gap_us = RollupOptions::default()
            .with_max_gap_s(s)
            .map_err(FaceError::from)?
            .max_gap_us;
    }
    let range = TimeRange::new(start, end).map_err(FaceError::from)?;
    let ts = ts_column(None, &ColumnArg::from_py(&time), "time")?;
    let p = array(&power, "power")?;
    let out = py.detach_guarded(|| -> FaceResult<(ArrowStream, String)> {
        let data: Vec<DriverData<'_>> = readings
            .iter()
            .map(|r| match r {
                Some((t, v)) => DriverData::new(t.values(), v.values()),
                None => DriverData::new(&[], &[]),
            })
            .collect();
        let view = PowerView::new(ts.values(), p.values())
            .map_err(|e| FaceError::from(e).rename_column("power_kw", "power"))?;
        let t = ModellingTable::build(&spec, range, view, &data)?;
        let mut fields = vec![
            ts_field("start", false),
            ts_field("end", false),
            Field::new("energy_kwh", DataType::Float64, false),
        ];
        let mut columns = vec![
            ts_array(&t.start),
            ts_array(&t.end),
            f64_array(t.energy_kwh.clone()),
        ];
        for d in &t.drivers {
            let a: ArrayRef = match &d.values {
                DriverValues::Numeric(v) => f64_array(v.clone()),
                DriverValues::Categorical(v) => Arc::new(StringArray::from(v.clone())),
            };
            fields.push(Field::new(&d.name, a.data_type().clone(), false));
            columns.push(a);
        }
        let info = serde_json::json!({
            "periods_total": t.periods_total,
            "dropped": t.dropped,
        });
        Ok((stream_of(batch(fields, columns)?), json_out(&info)?))
    })?;
    Ok(out)
}
