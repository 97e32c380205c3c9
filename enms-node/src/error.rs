//! Errors as JavaScript sees them.
//!
//! Every failure of enms-core or enms-sim reaches JS as an `Error` whose `code` names the variant
//! (`ENMS_` + the variant's stable code, e.g. `ENMS_NON_FINITE`), whose `message` is the variant's
//! text, and whose `field` names the column or parameter at fault (or is `null`). Arguments of the
//! wrong JS type are rejected by napi before enms sees them (`code` `InvalidArg`).

use napi::Env;

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
pub fn js_error(e: &enms_core::Error) -> JsErrorParts {
    JsErrorParts {
        code: format!("ENMS_{}", e.code()),
        message: e.to_string(),
        field: e.field().map(str::to_string),
    }
}

/// Converts a simulator error into the parts of a JS `Error` (core errors inside it keep their
/// core code and field).
pub fn js_sim_error(e: &enms_sim::Error) -> JsErrorParts {
    if let enms_sim::Error::Core(core) = e {
        return js_error(core);
    }
    let field = match e {
        enms_sim::Error::InvalidParameter { name, .. } => Some(name.clone()),
        enms_sim::Error::UnknownMachine(_) => Some("machines".to_string()),
        _ => None,
    };
    JsErrorParts {
        code: format!("ENMS_{}", e.code()),
        message: e.to_string(),
        field,
    }
}

impl From<enms_core::Error> for JsErrorParts {
    fn from(e: enms_core::Error) -> Self {
        js_error(&e)
    }
}

impl From<enms_sim::Error> for JsErrorParts {
    fn from(e: enms_sim::Error) -> Self {
        js_sim_error(&e)
    }
}

/// Result of the work behind a JS function.
pub type Fallible<T> = std::result::Result<T, JsErrorParts>;

/// Builds the JS `Error` object and wraps it so napi throws (or rejects with) exactly that object.
pub fn to_napi(env: Env, parts: &JsErrorParts) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut obj = env.create_error(napi::Error::new(
            napi::Status::GenericFailure,
            parts.message.clone(),
        ))?;
        obj.set_named_property("code", env.create_string(&parts.code)?)?;
        match &parts.field {
            Some(f) => obj.set_named_property("field", env.create_string(f)?)?,
            None => obj.set_named_property("field", env.get_null()?)?,
        }
        Ok(napi::Error::from(obj.into_unknown()))
    };
    build().unwrap_or_else(|e| e)
}

/// Runs `f`, catching a panic (a bug in enms, never expected) as an `ENMS_INTERNAL` error so it
/// cannot take the Node process down.
pub fn guarded<T>(f: impl FnOnce() -> Fallible<T>) -> Fallible<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(JsErrorParts {
            code: "ENMS_INTERNAL".into(),
            message: format!("internal error in enms (please report it): {what}"),
            field: None,
        })
    })
}

/// Runs `f` (guarded against panics) and turns its error into a thrown JS `Error`.
pub fn run<T>(env: Env, f: impl FnOnce() -> Fallible<T>) -> napi::Result<T> {
    guarded(f).map_err(|p| to_napi(env, &p))
}
