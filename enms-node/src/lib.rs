//! The Node face of enms: the `enms` npm package, napi-rs bindings over enms-core and enms-sim.
//!
//! The binding only converts types and errors and moves heavy work off the JS main thread
//! (every function over readings has a Promise version on libuv's thread pool and a `...Sync`
//! version); every formula, default and validation rule lives in enms-core. Time is milliseconds
//! since the epoch on the JS side (see [`convert`]); errors are JS `Error`s whose `code` names the
//! core error variant (see [`error`]).

// napi-derive registers exports only outside `cfg(test)`, so in a test build (clippy's
// `--all-targets`) the class looks unused.
#![cfg_attr(test, allow(dead_code))]

pub mod convert;
pub mod error;
pub mod kpi;
pub mod rollup;
pub mod sim;
pub mod task;

// Private: their napi classes have no constructor, so napi-derive generates undocumented items.
mod anomaly;
mod baseline;
mod dataset;
mod forecast;

pub use error::{js_error, JsErrorParts};
