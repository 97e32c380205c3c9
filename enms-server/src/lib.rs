#![doc = include_str!("../README.md")]
//!
//! Modules: [`config`] (TOML file and `ENMS_*` variables), [`store`] (the [`store::Store`] trait
//! and its embedded SQLite backend), [`api`] (the REST API under `/api/v1` and its OpenAPI
//! document), [`portal`] (the web portal at `/`), [`server`] (logging, serving, graceful shutdown).
//!
//! Every error a client sees is an [`ApiError`]: bad input is the client's fault (400) and the
//! body names the field, so a client can point at it.

pub mod api;
pub mod config;
pub mod portal;
pub mod server;
pub mod store;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use enms_core::Error;
use serde::Serialize;

/// The JSON body of an error response.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    /// HTTP status code.
    #[serde(skip)]
    pub status: u16,
    /// Stable machine-readable code of the error (the core variant, e.g. `NON_FINITE`, or
    /// `NOT_FOUND`, `NO_DATA`, `INVALID_QUERY`, `INVALID_TRANSITION`, `STORAGE`, `INTERNAL`).
    #[schema(value_type = String, example = "INVALID_PARAMETER")]
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

impl ApiError {
    /// A core error about the query parameter `param`: a 400 naming the parameter (the core names
    /// its own argument, e.g. `width`, which the client knows as `bucket`).
    pub fn param(e: &Error, param: &str) -> Self {
        ApiError {
            field: Some(param.to_string()),
            ..ApiError::from(e)
        }
    }

    /// 404: no `what` with this id.
    pub fn not_found(what: &str, id: &str) -> Self {
        ApiError {
            status: 404,
            error: "NOT_FOUND",
            field: None,
            message: format!("no {what} `{id}`"),
        }
    }

    /// 404: the thing exists but has no data in the requested range.
    pub fn no_data(message: String) -> Self {
        ApiError {
            status: 404,
            error: "NO_DATA",
            field: None,
            message,
        }
    }

    /// 409: the request contradicts the current state of a resource (e.g. resolving an event
    /// that is already resolved); `field` names the state at fault.
    pub fn conflict(error: &'static str, field: &str, message: String) -> Self {
        ApiError {
            status: 409,
            error,
            field: Some(field.to_string()),
            message,
        }
    }

    /// 400: the query string could not be decoded at all.
    pub fn invalid_query(message: String) -> Self {
        ApiError {
            status: 400,
            error: "INVALID_QUERY",
            field: None,
            message,
        }
    }

    /// 500: the store failed.
    pub fn storage(e: &store::StoreError) -> Self {
        ApiError {
            status: 500,
            error: "STORAGE",
            field: None,
            message: e.to_string(),
        }
    }

    /// 500: anything else that is the server's fault.
    pub fn internal(message: String) -> Self {
        ApiError {
            status: 500,
            error: "INTERNAL",
            field: None,
            message,
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        ApiError::storage(&e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self)).into_response()
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
