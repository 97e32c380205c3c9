//! Errors of the Python face: the exception hierarchy rooted at `enms.EnmsError`.
//!
//! Every error that reaches Python is raised as a class of the `enms` module that derives from
//! `enms.EnmsError` **and** from the built-in a Python user expects (`ValueError` for bad input,
//! `KeyError` for a missing column, `TypeError` for a wrong dtype). The class is chosen by one
//! exhaustive match over the core's error enum ([`exception_class`]) and one over the errors that
//! only exist at the boundary ([`FaceError`]): a new core variant fails to compile here until it is
//! mapped. Each exception carries `code` (the core's stable code, e.g. `NON_FINITE`) and `field`
//! (the column or parameter it is about, or `None`).

use std::collections::HashMap;

use enms_core::Error;
use pyo3::exceptions::{
    PyException, PyKeyError, PyOverflowError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// A Python exception class of the `enms` package: its name and the built-in it also derives from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PyExceptionClass {
    /// Class name in the `enms` module.
    pub name: &'static str,
    /// Built-in base class besides `enms.EnmsError`.
    pub builtin_base: &'static str,
}

/// The class a core error is raised as in Python.
pub fn exception_class(e: &Error) -> PyExceptionClass {
    let (name, builtin_base) = match e {
        Error::EmptySeries { .. } => ("EmptyInputError", "ValueError"),
        Error::LengthMismatch { .. } => ("LengthMismatchError", "ValueError"),
        Error::NonFinite { .. } => ("NonFiniteError", "ValueError"),
        Error::Negative { .. } => ("NegativeValueError", "ValueError"),
        Error::Unsorted { .. } | Error::DuplicateTimestamp { .. } => {
            ("TimestampOrderError", "ValueError")
        }
        Error::UnknownUnit { .. } => ("UnitError", "ValueError"),
        Error::InvalidParameter { .. } => ("InvalidParameterError", "ValueError"),
        Error::UnknownTimeZone(_) => ("TimeZoneError", "ValueError"),
        Error::Parse { .. } => ("ParseError", "ValueError"),
        Error::CarrierMismatch { .. } => ("CarrierMismatchError", "TypeError"),
        Error::TimestampOutOfRange { .. } => ("TimestampOutOfRangeError", "OverflowError"),
        // No wildcard: a new core variant fails to compile here until it is mapped.
    };
    PyExceptionClass { name, builtin_base }
}

/// Every class of the hierarchy below `EnmsError`, with its built-in base (the module creates
/// them all at import; a unit test checks that every error maps into this list).
pub const CLASSES: [PyExceptionClass; 17] = [
    class("EmptyInputError", "ValueError"),
    class("LengthMismatchError", "ValueError"),
    class("NonFiniteError", "ValueError"),
    class("NegativeValueError", "ValueError"),
    class("TimestampOrderError", "ValueError"),
    class("UnitError", "ValueError"),
    class("InvalidParameterError", "ValueError"),
    class("TimeZoneError", "ValueError"),
    class("ParseError", "ValueError"),
    class("CarrierMismatchError", "TypeError"),
    class("TimestampOutOfRangeError", "OverflowError"),
    class("ColumnNotFoundError", "KeyError"),
    class("DtypeError", "TypeError"),
    class("ArrowInterfaceError", "TypeError"),
    class("SimulatorError", "RuntimeError"),
    class("UnknownMachineError", "ValueError"),
    class("InternalError", "RuntimeError"),
];

const fn class(name: &'static str, builtin_base: &'static str) -> PyExceptionClass {
    PyExceptionClass { name, builtin_base }
}

/// An error of the Python face: a core or simulator error, or a problem converting the input.
#[derive(Debug)]
pub enum FaceError {
    /// From enms-core (validation of the data, parameters, time zones...).
    Core(Error),
    /// From the simulator.
    Sim(enms_sim::Error),
    /// A column the function needs is not in the frame.
    ColumnNotFound {
        /// The column asked for.
        column: String,
        /// The columns the frame has.
        available: Vec<String>,
    },
    /// A column of a type that cannot be read as the quantity it should hold.
    Dtype {
        /// The column.
        column: String,
        /// What was expected.
        expected: &'static str,
        /// What was found (Arrow or numpy type).
        got: String,
    },
    /// An object that does not export Arrow data (or numpy buffers), or broken Arrow data.
    Arrow {
        /// The argument or column.
        field: String,
        /// What went wrong.
        reason: String,
    },
    /// A panic inside enms (a bug, never expected), caught at the boundary by [`guarded`].
    Internal {
        /// The panic's message.
        message: String,
    },
}

/// Runs `f`, catching a panic (a bug in enms, never expected) as [`FaceError::Internal`], so that
/// Python sees `enms.InternalError` (an `Exception`) instead of pyo3's `PanicException`, which
/// derives from `BaseException` and escapes `except Exception`.
pub fn guarded<T>(f: impl FnOnce() -> FaceResult<T>) -> FaceResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(FaceError::Internal { message })
    })
}

/// [`Python::detach`] (the core works without the GIL) with the work [`guarded`].
pub trait DetachGuarded {
    /// Releases the GIL, runs `f` guarded against panics, takes the GIL back.
    fn detach_guarded<T, F>(self, f: F) -> FaceResult<T>
    where
        F: Send + FnOnce() -> FaceResult<T>,
        T: Send;
}

impl DetachGuarded for Python<'_> {
    fn detach_guarded<T, F>(self, f: F) -> FaceResult<T>
    where
        F: Send + FnOnce() -> FaceResult<T>,
        T: Send,
    {
        self.detach(|| guarded(f))
    }
}

/// Result alias of the Python face.
pub type FaceResult<T> = Result<T, FaceError>;

impl From<Error> for FaceError {
    fn from(e: Error) -> Self {
        FaceError::Core(e)
    }
}

impl From<enms_sim::Error> for FaceError {
    fn from(e: enms_sim::Error) -> Self {
        match e {
            enms_sim::Error::Core(c) => FaceError::Core(c),
            other => FaceError::Sim(other),
        }
    }
}

impl FaceError {
    /// The Python class, stable code and field of the error.
    pub fn class_code_field(&self) -> (PyExceptionClass, &'static str, Option<String>) {
        match self {
            FaceError::Core(e) => (exception_class(e), e.code(), e.field().map(str::to_string)),
            FaceError::Sim(e) => {
                // enms-sim's enum is #[non_exhaustive], so a match from outside needs a wildcard;
                // its core variant is unwrapped into `FaceError::Core` on conversion.
                let (cls, field) = match e {
                    enms_sim::Error::InvalidParameter { name, .. } => (
                        class("InvalidParameterError", "ValueError"),
                        Some(name.clone()),
                    ),
                    enms_sim::Error::UnknownMachine(id) => {
                        (class("UnknownMachineError", "ValueError"), Some(id.clone()))
                    }
                    _ => (class("SimulatorError", "RuntimeError"), None),
                };
                (cls, e.code(), field)
            }
            FaceError::ColumnNotFound { column, .. } => (
                class("ColumnNotFoundError", "KeyError"),
                "COLUMN_NOT_FOUND",
                Some(column.clone()),
            ),
            FaceError::Dtype { column, .. } => (
                class("DtypeError", "TypeError"),
                "DTYPE",
                Some(column.clone()),
            ),
            FaceError::Arrow { field, .. } => (
                class("ArrowInterfaceError", "TypeError"),
                "ARROW",
                Some(field.clone()),
            ),
            FaceError::Internal { .. } => {
                (class("InternalError", "RuntimeError"), "INTERNAL", None)
            }
        }
    }

    /// The message shown in Python.
    pub fn message(&self) -> String {
        match self {
            FaceError::Core(e) => e.to_string(),
            FaceError::Sim(e) => e.to_string(),
            FaceError::ColumnNotFound { column, available } => format!(
                "column `{column}` not found; the data has columns: {}",
                available.join(", ")
            ),
            FaceError::Dtype {
                column,
                expected,
                got,
            } => format!("column `{column}` has type {got}, expected {expected}"),
            FaceError::Arrow { field, reason } => format!("`{field}`: {reason}"),
            FaceError::Internal { message } => {
                format!("internal error in enms (please report it): {message}")
            }
        }
    }

    /// Renames the column a core error names (the core calls the time column `ts` and the power
    /// column `power_kw`; the user knows them by the names in their frame).
    pub fn rename_column(mut self, from: &str, to: &str) -> Self {
        if let FaceError::Core(e) = &mut self {
            e.rename_field(from, to);
        }
        self
    }
}

/// The classes, created once per interpreter.
static TYPES: PyOnceLock<HashMap<&'static str, Py<PyType>>> = PyOnceLock::new();

fn builtin<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyType> {
    match name {
        "ValueError" => py.get_type::<PyValueError>(),
        "TypeError" => py.get_type::<PyTypeError>(),
        "KeyError" => py.get_type::<PyKeyError>(),
        "OverflowError" => py.get_type::<PyOverflowError>(),
        "RuntimeError" => py.get_type::<PyRuntimeError>(),
        _ => py.get_type::<PyException>(),
    }
}

fn types(py: Python<'_>) -> PyResult<&HashMap<&'static str, Py<PyType>>> {
    TYPES.get_or_try_init(py, || {
        let type_ = py.get_type::<PyType>();
        let mut map = HashMap::new();
        let ns = PyDict::new(py);
        ns.set_item("__module__", "enms")?;
        ns.set_item(
            "__doc__",
            "Base class of every error raised by enms. `code` is a stable machine-readable code \
             (e.g. NON_FINITE), `field` the column or parameter the error is about (or None).",
        )?;
        ns.set_item("code", "ENMS")?;
        ns.set_item("field", py.None())?;
        let base = type_.call1((
            "EnmsError",
            PyTuple::new(py, [py.get_type::<PyException>()])?,
            ns,
        ))?;
        let base = base.cast_into::<PyType>()?;
        map.insert("EnmsError", base.clone().unbind());
        for c in CLASSES {
            let ns = PyDict::new(py);
            ns.set_item("__module__", "enms")?;
            ns.set_item(
                "__doc__",
                format!(
                    "enms error raised as {} (also a {}).",
                    c.name, c.builtin_base
                ),
            )?;
            // KeyError quotes its message; show it as written.
            ns.set_item("__str__", py.get_type::<PyException>().getattr("__str__")?)?;
            let t = type_.call1((
                c.name,
                PyTuple::new(py, [base.clone(), builtin(py, c.builtin_base)])?,
                ns,
            ))?;
            map.insert(c.name, t.cast_into::<PyType>()?.unbind());
        }
        Ok::<_, PyErr>(map)
    })
}

/// Adds `EnmsError` and every subclass to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    for (name, t) in types(py)? {
        m.add(*name, t.bind(py))?;
    }
    Ok(())
}

impl From<FaceError> for PyErr {
    fn from(e: FaceError) -> PyErr {
        Python::attach(|py| {
            let (cls, code, field) = e.class_code_field();
            let make = || -> PyResult<PyErr> {
                let t = types(py)?
                    .get(cls.name)
                    .ok_or_else(|| PyRuntimeError::new_err(format!("no class {}", cls.name)))?;
                let exc = t.bind(py).call1((e.message(),))?;
                exc.setattr("code", code)?;
                exc.setattr("field", field)?;
                Ok(PyErr::from_value(exc))
            };
            make().unwrap_or_else(|err| err)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_a_value_error() {
        let e = Error::NonFinite {
            column: "power_kw".into(),
            index: 0,
            value: "NaN".into(),
        };
        assert_eq!(
            exception_class(&e),
            PyExceptionClass {
                name: "NonFiniteError",
                builtin_base: "ValueError"
            }
        );
        let c = Error::CarrierMismatch {
            left: "electricity".into(),
            right: "natural_gas".into(),
        };
        assert_eq!(exception_class(&c).builtin_base, "TypeError");
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let caught = guarded(|| -> FaceResult<()> { panic!("index out of bounds") });
        let Err(e) = caught else {
            panic!("the panic was not caught")
        };
        let (cls, code, field) = e.class_code_field();
        assert_eq!(cls.name, "InternalError");
        assert_eq!(cls.builtin_base, "RuntimeError");
        assert_eq!((code, field), ("INTERNAL", None));
        assert!(
            e.message().contains("index out of bounds"),
            "{}",
            e.message()
        );
        assert_eq!(guarded(|| Ok(3)).ok(), Some(3));
    }

    #[test]
    fn every_error_maps_to_a_listed_class() {
        let s = String::new;
        let core = [
            Error::EmptySeries {
                column: s(),
                needed: 1,
            },
            Error::LengthMismatch {
                column: s(),
                expected: 1,
                got: 2,
            },
            Error::NonFinite {
                column: s(),
                index: 0,
                value: s(),
            },
            Error::Negative {
                column: s(),
                index: 0,
                value: -1.0,
            },
            Error::Unsorted {
                column: s(),
                index: 1,
                previous_index: 0,
                current: s(),
                previous: s(),
            },
            Error::DuplicateTimestamp {
                column: s(),
                index: 1,
                timestamp: s(),
            },
            Error::UnknownUnit {
                quantity: s(),
                unit: s(),
                expected: s(),
            },
            Error::InvalidParameter {
                name: s(),
                reason: s(),
            },
            Error::UnknownTimeZone(s()),
            Error::Parse {
                column: s(),
                index: 0,
                value: s(),
                reason: s(),
            },
            Error::CarrierMismatch {
                left: s(),
                right: s(),
            },
            Error::TimestampOutOfRange { value: 0 },
        ];
        let mut face: Vec<FaceError> = core.into_iter().map(FaceError::Core).collect();
        face.push(FaceError::ColumnNotFound {
            column: "x".into(),
            available: vec![],
        });
        face.push(FaceError::Dtype {
            column: "x".into(),
            expected: "float",
            got: "utf8".into(),
        });
        face.push(FaceError::Arrow {
            field: "x".into(),
            reason: s(),
        });
        face.push(FaceError::Sim(enms_sim::Error::UnknownMachine("m".into())));
        face.push(FaceError::Internal { message: s() });
        face.push(FaceError::Sim(enms_sim::Error::InvalidParameter {
            name: "days".into(),
            reason: s(),
        }));
        for e in &face {
            let (cls, code, _) = e.class_code_field();
            assert!(CLASSES.contains(&cls), "{cls:?} of {e:?} is not listed");
            assert!(!code.is_empty());
        }
        // and every listed class is used
        for c in CLASSES {
            let used =
                face.iter().any(|e| e.class_code_field().0 == c) || c.name == "SimulatorError";
            assert!(used, "{c:?} is never raised");
        }
    }

    #[test]
    fn core_column_names_become_the_users() {
        let e = FaceError::Core(Error::NonFinite {
            column: "power_kw".into(),
            index: 3,
            value: "NaN".into(),
        })
        .rename_column("power_kw", "Usage_kW");
        assert_eq!(e.class_code_field().2.as_deref(), Some("Usage_kW"));
        assert!(e.message().contains("`Usage_kW`"));
    }
}
