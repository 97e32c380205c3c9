//! The reference server of enms (first floor built by the faces issue: MQTT ingestion, storage,
//! REST API, jobs, portal).
//!
//! What exists now is the part every endpoint will share: how a core error becomes an HTTP answer.
//! Bad input is the client's fault (400) and the body names the field, so a client can point at it.

use enms_core::Error;
use serde::Serialize;

/// The JSON body of an error response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiError {
    /// HTTP status code.
    #[serde(skip)]
    pub status: u16,
    /// Stable machine-readable code of the error (the core variant, e.g. `NON_FINITE`).
    pub error: &'static str,
    /// The field (column or parameter) at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Human-readable explanation.
    pub message: String,
}

impl From<&Error> for ApiError {
    fn from(e: &Error) -> Self {
        // Every core error is about the request's data or parameters: a 400, never a 500.
        ApiError {
            status: 400,
            error: e.code(),
            field: e.field().map(str::to_string),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field() {
        let e = Error::NonFinite {
            column: "power_kw".into(),
            index: 3,
            value: "NaN".into(),
        };
        let api = ApiError::from(&e);
        assert_eq!(api.status, 400);
        let json = serde_json::to_value(&api).unwrap();
        assert_eq!(json["error"], "NON_FINITE");
        assert_eq!(json["field"], "power_kw");
        assert!(json["message"].as_str().unwrap().contains("index 3"));
        let tz = serde_json::to_value(ApiError::from(&Error::UnknownTimeZone("Mars/Base".into())))
            .unwrap();
        assert!(tz.get("field").is_none());
    }
}
