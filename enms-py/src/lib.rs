//! The Python face of enms (`pip install enms`, built with pyo3 by the faces issue).
//!
//! What exists now is the contract the bindings will implement: the exception hierarchy rooted at
//! `enms.EnmsError`, mapped from the core's error enum by one exhaustive match, with each class also
//! deriving from the built-in a Python user expects.

use enms_core::Error;

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
}
