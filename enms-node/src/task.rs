//! Work off the JS main thread: a napi `AsyncTask` that runs a closure on libuv's thread pool
//! and resolves a Promise with its result (or rejects it with an enms `Error`).

use napi::bindgen_prelude::{ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::error::{guarded, to_napi, Fallible, JsErrorParts};

type Work<T> = Box<dyn FnOnce() -> Fallible<T> + Send>;

/// A closure to run on the thread pool, and the conversion of its result to JS (run back on the
/// main thread).
pub struct Job<T: Send + 'static, J> {
    work: Option<Work<T>>,
    to_js: fn(T) -> J,
    failure: Option<JsErrorParts>,
}

impl<T: Send + 'static, J> Job<T, J> {
    /// A job computing `work` off the main thread and converting its output with `to_js`.
    pub fn new(work: impl FnOnce() -> Fallible<T> + Send + 'static, to_js: fn(T) -> J) -> Self {
        Job {
            work: Some(Box::new(work)),
            to_js,
            failure: None,
        }
    }
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> Task for Job<T, J> {
    type Output = T;
    type JsValue = J;

    fn compute(&mut self) -> napi::Result<T> {
        let work = self
            .work
            .take()
            .ok_or_else(|| napi::Error::from_reason("enms: task already run"))?;
        guarded(work).map_err(|p| {
            let e = napi::Error::from_reason(p.message.clone());
            self.failure = Some(p);
            e
        })
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<J> {
        Ok((self.to_js)(output))
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<J> {
        match self.failure.take() {
            Some(p) => Err(to_napi(env, &p)),
            None => Err(err),
        }
    }
}
