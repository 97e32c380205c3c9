//! Data out: results as Arrow record batches behind the Arrow PyCapsule interface
//! (`__arrow_c_stream__`), which the Python layer hands to `polars.DataFrame` without a copy.

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, TimestampMicrosecondBuilder};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, RecordBatch, RecordBatchIterator, UInt64Array,
};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use enms_core::rollup::Rollup;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors::FaceError;

/// Record batches waiting to be read through `__arrow_c_stream__` (once).
#[pyclass(module = "enms._enms", name = "ArrowStream", frozen)]
pub struct ArrowStream {
    inner: std::sync::Mutex<Option<(SchemaRef, Vec<RecordBatch>)>>,
}

impl ArrowStream {
    /// Wraps batches of one schema.
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        ArrowStream {
            inner: std::sync::Mutex::new(Some((schema, batches))),
        }
    }
}

#[pymethods]
impl ArrowStream {
    /// Exports the batches as an `arrow_array_stream` PyCapsule (the Arrow PyCapsule interface).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is the one enms produces; a requested schema is a hint consumers may ignore.
        let _ = requested_schema;
        let taken = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("stream lock poisoned"))?
            .take();
        let (schema, batches) =
            taken.ok_or_else(|| PyRuntimeError::new_err("the stream was already consumed"))?;
        let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), schema);
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }
}

/// A timestamp[us, UTC] field.
pub fn ts_field(name: &str, nullable: bool) -> Field {
    Field::new(
        name,
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        nullable,
    )
}

/// Timestamps as a timestamp[us, UTC] array.
pub fn ts_array(v: &[i64]) -> ArrayRef {
    let mut b = TimestampMicrosecondBuilder::with_capacity(v.len()).with_timezone("UTC");
    b.append_slice(v);
    Arc::new(b.finish())
}

/// Floats with NaN (the core's "no value") as null.
pub fn f64_nullable(v: &[f64]) -> ArrayRef {
    let mut b = Float64Builder::with_capacity(v.len());
    for x in v {
        if x.is_finite() {
            b.append_value(*x);
        } else {
            b.append_null();
        }
    }
    Arc::new(b.finish())
}

/// Optional floats as a nullable float64 array.
pub fn f64_options(v: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(v.to_vec()))
}

/// One batch from named columns.
pub fn batch(fields: Vec<Field>, columns: Vec<ArrayRef>) -> Result<RecordBatch, FaceError> {
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(arrow_out_err)
}

/// An Arrow error while building a result (a bug, reported rather than panicking).
fn arrow_out_err(e: ArrowError) -> FaceError {
    FaceError::Arrow {
        field: "result".into(),
        reason: e.to_string(),
    }
}

/// The rows of a rollup: `start`, `end`, `sample_count`, `energy_kwh`, `mean_power_kw`,
/// `min_power_kw`, `max_power_kw` (null where a bucket has no data), `coverage`, `has_gap`.
pub fn rollup_batch(r: &Rollup) -> Result<RecordBatch, FaceError> {
    batch(
        vec![
            ts_field("start", false),
            ts_field("end", false),
            Field::new("sample_count", DataType::UInt64, false),
            Field::new("energy_kwh", DataType::Float64, false),
            Field::new("mean_power_kw", DataType::Float64, true),
            Field::new("min_power_kw", DataType::Float64, true),
            Field::new("max_power_kw", DataType::Float64, true),
            Field::new("coverage", DataType::Float64, false),
            Field::new("has_gap", DataType::Boolean, false),
        ],
        vec![
            ts_array(&r.start),
            ts_array(&r.end),
            Arc::new(UInt64Array::from(r.sample_count.clone())),
            Arc::new(Float64Array::from(r.energy_kwh.clone())),
            f64_nullable(&r.mean_power_kw),
            f64_nullable(&r.min_power_kw),
            f64_nullable(&r.max_power_kw),
            Arc::new(Float64Array::from(r.coverage())),
            Arc::new(BooleanArray::from(r.has_gap())),
        ],
    )
}

/// A stream of one batch.
pub fn stream_of(b: RecordBatch) -> ArrowStream {
    ArrowStream::new(b.schema(), vec![b])
}
