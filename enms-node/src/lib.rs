//! The Node face of enms (the npm package and Node-RED nodes, built with napi-rs by the faces
//! issue).
//!
//! What exists now is the contract the addon will implement: a core error reaches JavaScript as an
//! `Error` whose `code` names the core variant (`ENMS_NON_FINITE`), with the field at fault.

use enms_core::Error;

/// What a JS `Error` thrown by the addon carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsErrorParts {
    /// `error.code`: `ENMS_` followed by the core error code.
    pub code: String,
    /// `error.message`.
    pub message: String,
    /// `error.field`, when the error is about a column or parameter.
    pub field: Option<String>,
}

/// Converts a core error into the parts of a JS `Error`.
pub fn js_error(e: &Error) -> JsErrorParts {
    JsErrorParts {
        code: format!("ENMS_{}", e.code()),
        message: e.to_string(),
        field: e.field().map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let e = Error::EmptySeries {
            column: "ts".into(),
            needed: 1,
        };
        let js = js_error(&e);
        assert_eq!(js.code, "ENMS_EMPTY_SERIES");
        assert_eq!(js.field.as_deref(), Some("ts"));
        assert!(js.message.contains("`ts` is empty"));
    }
}
