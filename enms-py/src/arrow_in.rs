//! Data in: tables and columns from Python through the Arrow PyCapsule interface, and numpy arrays
//! through the buffer protocol, without copying where the layout allows.
//!
//! - A **table** is any object with `__arrow_c_stream__` (polars and pandas DataFrames, pyarrow
//!   Tables and RecordBatchReaders) or with `__arrow_c_array__` exporting a struct array (a pyarrow
//!   RecordBatch).
//! - A **column** is a column of such a table (by name), or an object of its own: anything with
//!   `__arrow_c_stream__` / `__arrow_c_array__` (a polars Series, a pyarrow Array or ChunkedArray) or
//!   a one-dimensional, C-contiguous numpy array of float64 (values) or int64 (microseconds since
//!   the Unix epoch; the Python layer turns `datetime64` arrays into these).
//!
//! A column of `float64` values, or of `timestamp[us]`, that arrives in one chunk is borrowed as a
//! slice of the producer's own buffer; other widths and units (float32, integers, `timestamp[ns]`,
//! several chunks) are converted into a new vector. Nulls have no numeric value and are reported
//! like NaN, naming the column and the row.

use std::ffi::CStr;

use arrow_array::cast::AsArray;
use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::{ArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{make_array, Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use enms_core::Error;
use pyo3::buffer::PyBuffer;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyString, PyTuple};

use crate::errors::{FaceError, FaceResult};

const STREAM: &CStr = c"arrow_array_stream";
const SCHEMA: &CStr = c"arrow_schema";
const ARRAY: &CStr = c"arrow_array";

fn arrow_err(field: &str, reason: impl Into<String>) -> FaceError {
    FaceError::Arrow {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// Imports every chunk of an object with `__arrow_c_stream__`.
fn import_stream(obj: &Bound<'_, PyAny>, field: &str) -> FaceResult<(DataType, Vec<ArrayRef>)> {
    let capsule = obj
        .call_method0("__arrow_c_stream__")
        .map_err(|e| arrow_err(field, format!("__arrow_c_stream__ failed: {e}")))?;
    let capsule = capsule
        .cast::<PyCapsule>()
        .map_err(|_| arrow_err(field, "__arrow_c_stream__ did not return a PyCapsule"))?;
    let ptr = capsule
        .pointer_checked(Some(STREAM))
        .map_err(|e| arrow_err(field, format!("not an arrow_array_stream capsule: {e}")))?;
    // SAFETY: the capsule is named `arrow_array_stream`, so by the Arrow PyCapsule interface it
    // holds a valid `ArrowArrayStream` struct. `from_raw` moves the struct out and marks the one in
    // the capsule as released, so the capsule's destructor will not release it a second time.
    #[allow(unsafe_code)]
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.as_ptr().cast()) };
    let reader = ArrayStreamReader::try_new(stream).map_err(|e| arrow_err(field, e.to_string()))?;
    let data_type = arrow_array::ArrayReader::field(&reader).data_type().clone();
    let chunks = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| arrow_err(field, e.to_string()))?;
    Ok((data_type, chunks))
}

/// Imports the single array of an object with `__arrow_c_array__`.
fn import_array(obj: &Bound<'_, PyAny>, field: &str) -> FaceResult<(DataType, Vec<ArrayRef>)> {
    let pair = obj
        .call_method0("__arrow_c_array__")
        .map_err(|e| arrow_err(field, format!("__arrow_c_array__ failed: {e}")))?;
    let pair = pair
        .cast::<PyTuple>()
        .map_err(|_| arrow_err(field, "__arrow_c_array__ did not return a tuple"))?;
    if pair.len() != 2 {
        return Err(arrow_err(
            field,
            "__arrow_c_array__ must return two capsules",
        ));
    }
    let get = |i: usize, name: &CStr| -> FaceResult<std::ptr::NonNull<std::ffi::c_void>> {
        let item = pair
            .get_item(i)
            .map_err(|e| arrow_err(field, e.to_string()))?;
        let cap = item
            .cast::<PyCapsule>()
            .map_err(|_| arrow_err(field, "__arrow_c_array__ did not return capsules"))?;
        cap.pointer_checked(Some(name))
            .map_err(|e| arrow_err(field, format!("bad capsule: {e}")))
    };
    let schema_ptr = get(0, SCHEMA)?;
    let array_ptr = get(1, ARRAY)?;
    // SAFETY: the capsules are named `arrow_schema` and `arrow_array`, so by the Arrow PyCapsule
    // interface they hold a valid `ArrowSchema` (borrowed here; the capsule keeps it and releases
    // it) and a valid `ArrowArray` (moved out by `from_raw`, which marks the capsule's copy
    // released). `from_ffi` checks the array against the schema.
    #[allow(unsafe_code)]
    let data = unsafe {
        let schema: &FFI_ArrowSchema = &*schema_ptr.as_ptr().cast::<FFI_ArrowSchema>();
        let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast());
        from_ffi(array, schema)
    }
    .map_err(|e| arrow_err(field, e.to_string()))?;
    let array = make_array(data);
    Ok((array.data_type().clone(), vec![array]))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .fully_qualified_name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Columns of a table, each as its chunks.
pub struct Table {
    names: Vec<String>,
    columns: Vec<(DataType, Vec<ArrayRef>)>,
    rows: usize,
}

impl Table {
    /// Imports a table (`what` names the argument in errors).
    pub fn import(obj: &Bound<'_, PyAny>, what: &str) -> FaceResult<Table> {
        let (data_type, chunks) = if obj.hasattr("__arrow_c_stream__").unwrap_or(false) {
            import_stream(obj, what)?
        } else if obj.hasattr("__arrow_c_array__").unwrap_or(false) {
            import_array(obj, what)?
        } else {
            return Err(arrow_err(
                what,
                format!(
                    "expected a table (a polars or pandas DataFrame or a pyarrow Table: an object \
                     with __arrow_c_stream__), got {}",
                    type_name(obj)
                ),
            ));
        };
        let DataType::Struct(fields) = &data_type else {
            return Err(arrow_err(
                what,
                format!("expected a table, got a single column of type {data_type}"),
            ));
        };
        let names: Vec<String> = fields.iter().map(|f| f.name().clone()).collect();
        let mut columns: Vec<(DataType, Vec<ArrayRef>)> = fields
            .iter()
            .map(|f| (f.data_type().clone(), Vec::with_capacity(chunks.len())))
            .collect();
        let mut rows = 0;
        for chunk in &chunks {
            let s = chunk
                .as_struct_opt()
                .ok_or_else(|| arrow_err(what, "a chunk of the stream is not a struct array"))?;
            rows += s.len();
            for (k, col) in s.columns().iter().enumerate() {
                if let Some(c) = columns.get_mut(k) {
                    c.1.push(col.clone());
                }
            }
        }
        Ok(Table {
            names,
            columns,
            rows,
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Column names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether the table has a column.
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// The chunks of a column, or [`FaceError::ColumnNotFound`].
    pub fn column(&self, name: &str) -> FaceResult<(&DataType, &[ArrayRef])> {
        match self.names.iter().position(|n| n == name) {
            Some(k) => Ok((&self.columns[k].0, &self.columns[k].1)),
            None => Err(FaceError::ColumnNotFound {
                column: name.to_string(),
                available: self.names.clone(),
            }),
        }
    }
}

/// Float values, borrowed from Arrow or numpy where possible.
pub enum F64Col {
    /// One Arrow chunk of float64 without nulls (zero-copy).
    Arrow(ArrayRef),
    /// A numpy float64 buffer (zero-copy).
    Numpy(PyBuffer<f64>),
    /// Converted or concatenated values.
    Owned(Vec<f64>),
}

impl F64Col {
    /// The values.
    pub fn values(&self) -> &[f64] {
        match self {
            F64Col::Arrow(a) => a
                .as_primitive_opt::<Float64Type>()
                .map(|p| &p.values()[..])
                .unwrap_or(&[]),
            F64Col::Numpy(b) => numpy_slice(b),
            F64Col::Owned(v) => v,
        }
    }
}

/// A two-dimensional C-contiguous float64 numpy array (row-major), read in place.
pub struct F64Matrix {
    buf: PyBuffer<f64>,
    /// Values per row.
    pub width: usize,
}

impl F64Matrix {
    /// The array behind `obj` when it exports a 2-D C-contiguous float64 buffer (numpy's
    /// default layout); `None` for anything else, which is then read as a table.
    pub fn of(obj: &Bound<'_, PyAny>) -> Option<F64Matrix> {
        let buf = PyBuffer::<f64>::get(obj).ok()?;
        let width = match buf.shape() {
            [_, w] if buf.is_c_contiguous() => *w,
            _ => return None,
        };
        Some(F64Matrix { buf, width })
    }

    /// The values, row after row.
    pub fn values(&self) -> &[f64] {
        numpy_slice(&self.buf)
    }
}

/// Timestamps (microseconds since the Unix epoch), borrowed from Arrow or numpy where possible.
pub enum TsCol {
    /// One Arrow chunk of timestamp[us] without nulls (zero-copy).
    Arrow(ArrayRef),
    /// A numpy int64 buffer of microseconds (zero-copy).
    Numpy(PyBuffer<i64>),
    /// Converted or concatenated values.
    Owned(Vec<i64>),
}

impl TsCol {
    /// The timestamps.
    pub fn values(&self) -> &[i64] {
        match self {
            TsCol::Arrow(a) => a
                .as_primitive_opt::<TimestampMicrosecondType>()
                .map(|p| &p.values()[..])
                .unwrap_or(&[]),
            TsCol::Numpy(b) => numpy_slice(b),
            TsCol::Owned(v) => v,
        }
    }
}

fn numpy_slice<T: pyo3::buffer::Element>(b: &PyBuffer<T>) -> &[T] {
    match b.as_slice_ptr() {
        // SAFETY: `as_slice_ptr` returns the buffer's memory only when it is C-contiguous and its
        // item format, size and alignment match `T` (checked by `PyBuffer::get`). The buffer
        // export keeps the memory alive and in place for the life of `b`, which the returned
        // slice borrows. Mutating the array from another thread while enms reads it is the
        // caller's race, as with any buffer consumer that releases the GIL (numpy's own ufuncs).
        #[allow(unsafe_code)]
        Some(p) => unsafe { &*p.as_ptr() },
        None => &[],
    }
}

/// The first null of an array, if any (as an index into the whole column).
fn first_null(chunks: &[ArrayRef]) -> Option<usize> {
    let mut offset = 0;
    for c in chunks {
        if c.null_count() > 0 {
            if let Some(i) = (0..c.len()).find(|&i| c.is_null(i)) {
                return Some(offset + i);
            }
        }
        offset += c.len();
    }
    None
}

fn null_value(column: &str, index: usize) -> FaceError {
    FaceError::Core(Error::NonFinite {
        column: column.to_string(),
        index,
        value: "null".into(),
    })
}

macro_rules! collect_as_f64 {
    ($chunks:expr, $t:ty) => {{
        let mut v = Vec::with_capacity($chunks.iter().map(|c| c.len()).sum());
        for c in $chunks {
            if let Some(p) = c.as_primitive_opt::<$t>() {
                v.extend(p.values().iter().map(|x| *x as f64));
            }
        }
        v
    }};
}

/// Reads a numeric column as float64 (`column` names it in errors).
pub fn f64_from_chunks(column: &str, dt: &DataType, chunks: &[ArrayRef]) -> FaceResult<F64Col> {
    if let Some(i) = first_null(chunks) {
        return Err(null_value(column, i));
    }
    let v = match dt {
        DataType::Float64 if chunks.len() == 1 => return Ok(F64Col::Arrow(chunks[0].clone())),
        DataType::Float64 => collect_as_f64!(chunks, Float64Type),
        DataType::Float32 => collect_as_f64!(chunks, Float32Type),
        DataType::Int8 => collect_as_f64!(chunks, Int8Type),
        DataType::Int16 => collect_as_f64!(chunks, Int16Type),
        DataType::Int32 => collect_as_f64!(chunks, Int32Type),
        DataType::Int64 => collect_as_f64!(chunks, Int64Type),
        DataType::UInt8 => collect_as_f64!(chunks, UInt8Type),
        DataType::UInt16 => collect_as_f64!(chunks, UInt16Type),
        DataType::UInt32 => collect_as_f64!(chunks, UInt32Type),
        DataType::UInt64 => collect_as_f64!(chunks, UInt64Type),
        other => {
            return Err(FaceError::Dtype {
                column: column.to_string(),
                expected: "a numeric column (float64 without a copy)",
                got: other.to_string(),
            })
        }
    };
    Ok(F64Col::Owned(v))
}

macro_rules! collect_ts {
    ($chunks:expr, $t:ty, $f:expr) => {{
        let mut v = Vec::with_capacity($chunks.iter().map(|c| c.len()).sum());
        for c in $chunks {
            if let Some(p) = c.as_primitive_opt::<$t>() {
                v.extend(p.values().iter().map($f));
            }
        }
        v
    }};
}

/// Reads a datetime column as microseconds since the Unix epoch, UTC. A column with a time zone
/// holds UTC instants already; a naive column is taken as UTC (polars' and Arrow's convention).
pub fn ts_from_chunks(column: &str, dt: &DataType, chunks: &[ArrayRef]) -> FaceResult<TsCol> {
    if let Some(i) = first_null(chunks) {
        return Err(FaceError::Core(Error::Parse {
            column: column.to_string(),
            index: i,
            value: "null".into(),
            reason: "a timestamp is missing".into(),
        }));
    }
    let v: Vec<i64> = match dt {
        DataType::Timestamp(TimeUnit::Microsecond, _) if chunks.len() == 1 => {
            return Ok(TsCol::Arrow(chunks[0].clone()))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            collect_ts!(chunks, TimestampMicrosecondType, |x: &i64| *x)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            collect_ts!(chunks, TimestampNanosecondType, |x: &i64| x
                .div_euclid(1000))
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            collect_ts!(chunks, TimestampMillisecondType, |x: &i64| x
                .saturating_mul(1000))
        }
        DataType::Timestamp(TimeUnit::Second, _) => {
            collect_ts!(chunks, TimestampSecondType, |x: &i64| x
                .saturating_mul(1_000_000))
        }
        other => {
            return Err(FaceError::Dtype {
                column: column.to_string(),
                expected: "a datetime column (timestamp[us] without a copy)",
                got: other.to_string(),
            })
        }
    };
    Ok(TsCol::Owned(v))
}

/// Reads a text column (utf8, large utf8, utf8 view or a dictionary of them, e.g. categoricals).
pub fn strings_from_chunks(
    column: &str,
    dt: &DataType,
    chunks: &[ArrayRef],
) -> FaceResult<Vec<Option<String>>> {
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for c in chunks {
        push_strings(column, dt, c.as_ref(), &mut out)?;
    }
    Ok(out)
}

fn push_strings(
    column: &str,
    dt: &DataType,
    a: &dyn Array,
    out: &mut Vec<Option<String>>,
) -> FaceResult<()> {
    let valid = |i: usize| a.is_valid(i);
    if let Some(s) = a.as_string_opt::<i32>() {
        out.extend((0..s.len()).map(|i| valid(i).then(|| s.value(i).to_string())));
    } else if let Some(s) = a.as_string_opt::<i64>() {
        out.extend((0..s.len()).map(|i| valid(i).then(|| s.value(i).to_string())));
    } else if let Some(s) = a.as_string_view_opt() {
        out.extend((0..s.len()).map(|i| valid(i).then(|| s.value(i).to_string())));
    } else if let Some(d) = a.as_any_dictionary_opt() {
        let mut values = Vec::new();
        push_strings(
            column,
            d.values().data_type(),
            d.values().as_ref(),
            &mut values,
        )?;
        let keys = d.normalized_keys();
        out.extend(keys.iter().enumerate().map(|(i, k)| {
            if valid(i) {
                values.get(*k).cloned().flatten()
            } else {
                None
            }
        }));
    } else {
        return Err(FaceError::Dtype {
            column: column.to_string(),
            expected: "a text column",
            got: dt.to_string(),
        });
    }
    Ok(())
}

/// A column argument: the name of a column of `data`, or an array of its own.
pub enum ColumnArg<'py> {
    /// A column name.
    Name(String),
    /// An array-like object.
    Object(Bound<'py, PyAny>),
}

impl<'py> ColumnArg<'py> {
    /// Reads the argument `arg` (`param` is its parameter name).
    pub fn from_py(arg: &Bound<'py, PyAny>) -> Self {
        match arg.cast::<PyString>() {
            Ok(s) => ColumnArg::Name(s.to_string()),
            Err(_) => ColumnArg::Object(arg.clone()),
        }
    }

    /// The name the column goes by in errors.
    pub fn label(&self, param: &str) -> String {
        match self {
            ColumnArg::Name(n) => n.clone(),
            ColumnArg::Object(_) => param.to_string(),
        }
    }
}

/// Imports an array-like object as chunks (Arrow objects only).
fn import_column_object(
    obj: &Bound<'_, PyAny>,
    label: &str,
) -> FaceResult<Option<(DataType, Vec<ArrayRef>)>> {
    if obj.hasattr("__arrow_c_stream__").unwrap_or(false) {
        Ok(Some(import_stream(obj, label)?))
    } else if obj.hasattr("__arrow_c_array__").unwrap_or(false) {
        Ok(Some(import_array(obj, label)?))
    } else {
        Ok(None)
    }
}

fn not_a_column(obj: &Bound<'_, PyAny>, label: &str, expected: &str) -> FaceError {
    arrow_err(
        label,
        format!(
            "expected a column name or {expected} (a polars Series, a pyarrow Array or a \
             one-dimensional numpy array), got {}",
            type_name(obj)
        ),
    )
}

/// What a column argument must hold: how its Arrow chunks are read, which numpy buffer it may
/// be, and how that type is named in errors.
struct Kind<T: pyo3::buffer::Element, C> {
    from_chunks: fn(&str, &DataType, &[ArrayRef]) -> FaceResult<C>,
    from_numpy: fn(PyBuffer<T>) -> C,
    numpy_name: &'static str,
}

/// Reads a column given by name (in `table`) or as an object (Arrow, else a numpy buffer).
fn column<T: pyo3::buffer::Element, C>(
    table: Option<&Table>,
    arg: &ColumnArg<'_>,
    param: &str,
    kind: Kind<T, C>,
) -> FaceResult<C> {
    let label = arg.label(param);
    match arg {
        ColumnArg::Name(name) => {
            let t = table.ok_or_else(|| {
                arrow_err(
                    param,
                    format!("`{name}` names a column, but no data was given"),
                )
            })?;
            let (dt, chunks) = t.column(name)?;
            (kind.from_chunks)(&label, dt, chunks)
        }
        ColumnArg::Object(obj) => {
            if let Some((dt, chunks)) = import_column_object(obj, &label)? {
                return (kind.from_chunks)(&label, &dt, &chunks);
            }
            match PyBuffer::<T>::get(obj) {
                Ok(b) if b.dimensions() == 1 && b.is_c_contiguous() => Ok((kind.from_numpy)(b)),
                Ok(_) => Err(not_a_column(
                    obj,
                    &label,
                    &format!("a contiguous {} array", kind.numpy_name),
                )),
                Err(_) => Err(match numpy_dtype(obj) {
                    Some(dt) => FaceError::Dtype {
                        column: label.clone(),
                        expected: kind.numpy_name,
                        got: dt,
                    },
                    None => not_a_column(obj, &label, &format!("a {} array", kind.numpy_name)),
                }),
            }
        }
    }
}

/// Reads a float column given by name (in `table`) or as an object.
pub fn f64_column(table: Option<&Table>, arg: &ColumnArg<'_>, param: &str) -> FaceResult<F64Col> {
    let kind = Kind {
        from_chunks: f64_from_chunks,
        from_numpy: F64Col::Numpy,
        numpy_name: "float64",
    };
    column(table, arg, param, kind)
}

/// Reads a datetime column given by name (in `table`) or as an object.
pub fn ts_column(table: Option<&Table>, arg: &ColumnArg<'_>, param: &str) -> FaceResult<TsCol> {
    let kind = Kind {
        from_chunks: ts_from_chunks,
        from_numpy: TsCol::Numpy,
        numpy_name: "datetime64 (or int64 microseconds)",
    };
    column(table, arg, param, kind)
}

fn numpy_dtype(obj: &Bound<'_, PyAny>) -> Option<String> {
    obj.getattr("dtype").ok().map(|d| d.to_string())
}
