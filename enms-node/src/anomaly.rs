//! Anomaly detection (enms-core `anomaly`): the isolation forest with scikit-learn's algorithm and
//! conventions, sigma rules on residuals, the merging of flagged periods into events, and the
//! one-call detection pipeline of a machine (`enms_core::anomaly::detect`).
//!
//! Feature tables come as a JS object of named numeric columns (in the object's key order), as an
//! array of rows of numbers (columns `x0`, `x1`, ... at fit, read by position when scoring), or as
//! an array of records. Options are plain objects whose absent fields keep enms-core's defaults;
//! every check of a value is enms-core's.

use std::sync::{Arc, Mutex};

use enms_core::anomaly::{Contamination, IsolationForest as CoreForest, IsolationForestParams};
use enms_core::Error;
use napi::bindgen_prelude::{AsyncTask, Either, Float64Array, Int8Array, Object, This};
use napi::{Env, JsNumber, JsUnknown, Ref, Status, Task, ValueType};
use napi_derive::napi;

use crate::baseline::numeric_columns_of;
use crate::error::{guarded, run, to_napi, Fallible, JsErrorParts};
use crate::task::Job;

fn invalid(name: &str, reason: impl Into<String>) -> JsErrorParts {
    Error::InvalidParameter {
        name: name.into(),
        reason: reason.into(),
    }
    .into()
}

/// A JS number that must be a whole number >= 0 (a count or a seed).
fn whole(name: &str, v: f64) -> Fallible<u64> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_992.0 {
        Ok(v as u64)
    } else {
        Err(invalid(
            name,
            format!("expected a whole number >= 0, got {v}"),
        ))
    }
}

fn refs(columns: &[(String, Vec<f64>)]) -> Vec<(&str, &[f64])> {
    columns
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Feature tables in

fn bad_rows(what: String) -> napi::Error {
    napi::Error::new(Status::InvalidArg, what)
}

/// A feature table as JS gives it, converted: named columns, or rows read by position.
enum Features {
    /// Named columns (an object of columns, or records).
    Named(Vec<(String, Vec<f64>)>),
    /// Rows of numbers: columns by position.
    Positional(Vec<Vec<f64>>),
}

/// An object of columns, an array of rows of numbers, or an array of records.
fn features_of(x: &Object) -> napi::Result<Features> {
    if !x.is_array()? {
        return Ok(Features::Named(numeric_columns_of(x)?));
    }
    let n = x.get_array_length()?;
    if n == 0 {
        return Ok(Features::Positional(Vec::new()));
    }
    let first: JsUnknown = x.get_element(0)?;
    let rows_of_numbers = first.get_type()? == ValueType::Object && first.is_array()?;
    if rows_of_numbers {
        let mut cols: Vec<Vec<f64>> = Vec::new();
        for i in 0..n {
            let row: Object = x
                .get_element(i)
                .map_err(|_| bad_rows(format!("rows[{i}]: expected an array of numbers")))?;
            if !row.is_array()? {
                return Err(bad_rows(format!("rows[{i}]: expected an array of numbers")));
            }
            let len = row.get_array_length()?;
            let mut values = Vec::with_capacity(len as usize);
            for j in 0..len {
                let v: JsNumber = row
                    .get_element(j)
                    .map_err(|_| bad_rows(format!("rows[{i}][{j}]: expected a number")))?;
                values.push(v.get_double()?);
            }
            let row = values;
            if i == 0 {
                cols = vec![Vec::with_capacity(n as usize); row.len()];
            }
            if row.len() != cols.len() {
                return Err(napi::Error::new(
                    Status::InvalidArg,
                    format!(
                        "rows[{i}] has {} values, expected {} (the length of rows[0])",
                        row.len(),
                        cols.len()
                    ),
                ));
            }
            for (c, v) in cols.iter_mut().zip(row) {
                c.push(v);
            }
        }
        return Ok(Features::Positional(cols));
    }
    // records: the columns are the first record's keys; a key a record lacks is NaN there
    let first: Object = x
        .get_element(0)
        .map_err(|_| bad_rows("rows[0]: expected an array of numbers or a record".into()))?;
    let names = Object::keys(&first)?;
    let mut cols: Vec<(String, Vec<f64>)> = names
        .into_iter()
        .map(|k| (k, Vec::with_capacity(n as usize)))
        .collect();
    for i in 0..n {
        let row: Object = x
            .get_element(i)
            .map_err(|_| bad_rows(format!("rows[{i}]: expected a record of numbers")))?;
        for (name, c) in cols.iter_mut() {
            let v: Option<f64> = row
                .get(name.as_str())
                .map_err(|_| bad_rows(format!("rows[{i}].{name}: expected a number")))?;
            c.push(v.unwrap_or(f64::NAN));
        }
    }
    Ok(Features::Named(cols))
}

impl Features {
    /// Columns for fitting: positional columns are named `x0`, `x1`, ...
    fn for_fit(self) -> Vec<(String, Vec<f64>)> {
        match self {
            Features::Named(c) => c,
            Features::Positional(c) => c
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("x{i}"), v))
                .collect(),
        }
    }

    /// Columns for scoring with a forest fitted on `names`: rows by position; named columns in
    /// the forest's order when every fitted name is there. Another number of columns goes to the
    /// core as given (which refuses it).
    fn for_scoring(self, names: &[String]) -> Fallible<Vec<(String, Vec<f64>)>> {
        match self {
            Features::Positional(c) => Ok(c
                .into_iter()
                .enumerate()
                .map(|(i, v)| (names.get(i).cloned().unwrap_or_else(|| format!("x{i}")), v))
                .collect()),
            Features::Named(mut c) => {
                if c.len() != names.len() {
                    return Ok(c);
                }
                let mut out = Vec::with_capacity(c.len());
                for name in names {
                    let k = c.iter().position(|(n, _)| n == name).ok_or_else(|| {
                        invalid(
                            name,
                            format!(
                                "the forest was fitted on this feature; got {}",
                                c.iter()
                                    .map(|(n, _)| n.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })?;
                    out.push(c.swap_remove(k));
                }
                Ok(out)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The isolation forest

/// Options of an isolation forest (scikit-learn's parameters); absent fields keep enms-core's
/// defaults (100 trees, `maxSamples` `'auto'` = min(256, rows), `contamination` `'auto'`,
/// `maxFeatures` 1, seed 0, every core).
#[napi(object, js_name = "IsolationForestOptions")]
pub struct IsolationForestOptionsJs {
    /// Number of trees.
    pub n_estimators: Option<f64>,
    /// Rows each tree is grown on: `'auto'` or a number of rows.
    #[napi(ts_type = "number | 'auto'")]
    pub max_samples: Option<Either<f64, String>>,
    /// `'auto'` (offset -0.5) or the expected share of anomalies in the training data, in
    /// (0, 0.5] (the offset is that quantile of the training scores).
    #[napi(ts_type = "number | 'auto'")]
    pub contamination: Option<Either<f64, String>>,
    /// Share of the columns each tree may split on, in (0, 1].
    pub max_features: Option<f64>,
    /// Seed of the random streams (a whole number); a seed gives the same forest on any number
    /// of threads.
    pub random_state: Option<f64>,
    /// Another name of `randomState`.
    pub seed: Option<f64>,
    /// Threads for fitting and scoring; absent: every core.
    pub n_jobs: Option<f64>,
}

fn forest_params(o: Option<&IsolationForestOptionsJs>) -> Fallible<IsolationForestParams> {
    let mut p = IsolationForestParams::default();
    let Some(o) = o else { return Ok(p) };
    if let Some(n) = o.n_estimators {
        p.n_estimators = whole("n_estimators", n)? as usize;
    }
    match &o.max_samples {
        None => {}
        Some(Either::A(m)) => p.max_samples = Some(whole("max_samples", *m)? as usize),
        Some(Either::B(s)) if s == "auto" => p.max_samples = None,
        Some(Either::B(s)) => {
            return Err(invalid(
                "max_samples",
                format!("expected 'auto' or a number of rows, got '{s}'"),
            ))
        }
    }
    match &o.contamination {
        None => {}
        Some(Either::A(c)) => p.contamination = Contamination::Fraction(*c),
        Some(Either::B(s)) => {
            p.contamination =
                crate::convert::from_json("contamination", serde_json::Value::String(s.clone()))?
        }
    }
    if let Some(f) = o.max_features {
        p.max_features = f;
    }
    match (o.random_state, o.seed) {
        (Some(a), Some(b)) if a != b => {
            return Err(invalid(
                "random_state",
                format!("randomState ({a}) and seed ({b}) differ: give one"),
            ))
        }
        (Some(s), _) | (None, Some(s)) => p.random_state = whole("random_state", s)?,
        (None, None) => {}
    }
    if let Some(j) = o.n_jobs {
        p.n_jobs = Some(whole("n_jobs", j)? as usize);
    }
    Ok(p)
}

/// The parameters of a forest as its options (what `getParams()` returns).
#[napi(object, js_name = "IsolationForestParams")]
pub struct IsolationForestParamsJs {
    /// Number of trees.
    pub n_estimators: u32,
    /// `'auto'` or a number of rows.
    #[napi(ts_type = "number | 'auto'")]
    pub max_samples: Either<u32, String>,
    /// `'auto'` or a fraction.
    #[napi(ts_type = "number | 'auto'")]
    pub contamination: Either<f64, String>,
    /// Share of the columns each tree may split on.
    pub max_features: f64,
    /// Seed.
    pub random_state: f64,
    /// Threads (`null`: every core).
    pub n_jobs: Option<u32>,
}

impl From<&IsolationForestParams> for IsolationForestParamsJs {
    fn from(p: &IsolationForestParams) -> Self {
        IsolationForestParamsJs {
            n_estimators: p.n_estimators as u32,
            max_samples: match p.max_samples {
                Some(m) => Either::A(m as u32),
                None => Either::B("auto".into()),
            },
            contamination: match p.contamination {
                Contamination::Fraction(c) => Either::A(c),
                Contamination::Auto => Either::B("auto".into()),
            },
            max_features: p.max_features,
            random_state: p.random_state as f64,
            n_jobs: p.n_jobs.map(|j| j as u32),
        }
    }
}

type Fitted = Arc<Mutex<Option<Arc<CoreForest>>>>;

/// An isolation forest with scikit-learn's algorithm and conventions (enms-core
/// `anomaly::IsolationForest`): `new IsolationForest(options)`, `fit(X)` (Promise) or
/// `fitSync(X)`, then `scoreSamples` (`-2^(-E[h]/c(maxSamples))`, lower is more abnormal),
/// `decisionFunction` (`scoreSamples - offset`, negative for anomalies) and `predict` (+1 inlier,
/// -1 anomaly), each with a `...Sync` version. `JSON.stringify(forest)` saves a fitted forest and
/// `IsolationForest.fromJSON(text)` loads it.
#[napi]
pub struct IsolationForest {
    params: IsolationForestParams,
    fitted: Fitted,
}

fn lock(f: &Fitted) -> std::sync::MutexGuard<'_, Option<Arc<CoreForest>>> {
    f.lock().unwrap_or_else(|e| e.into_inner())
}

fn not_fitted() -> JsErrorParts {
    invalid(
        "X",
        "this IsolationForest is not fitted yet: call fit(X) or fitSync(X) first",
    )
}

fn fit_run(columns: &[(String, Vec<f64>)], params: &IsolationForestParams) -> Fallible<CoreForest> {
    Ok(CoreForest::fit(&refs(columns), params)?)
}

/// What to compute from a fitted forest.
#[derive(Clone, Copy)]
enum Scoring {
    Scores,
    Decision,
}

fn score_run(forest: &CoreForest, x: Features, what: Scoring) -> Fallible<Vec<f64>> {
    let cols = x.for_scoring(&forest.feature_names)?;
    let r = refs(&cols);
    Ok(match what {
        Scoring::Scores => forest.score_samples(&r)?,
        Scoring::Decision => forest.decision_function(&r)?,
    })
}

fn predict_run(forest: &CoreForest, x: Features) -> Fallible<Vec<i8>> {
    let cols = x.for_scoring(&forest.feature_names)?;
    Ok(forest.predict(&refs(&cols))?)
}

fn scores_js(v: Vec<f64>) -> Float64Array {
    Float64Array::new(v)
}

fn labels_js(v: Vec<i8>) -> Int8Array {
    Int8Array::new(v)
}

/// `fit` off the main thread: grows the forest on libuv's thread pool, stores it in the JS
/// object on the main thread and resolves with that object.
pub struct FitTask {
    columns: Vec<(String, Vec<f64>)>,
    params: IsolationForestParams,
    fitted: Fitted,
    this: Ref<()>,
    failure: Option<JsErrorParts>,
}

impl Task for FitTask {
    type Output = CoreForest;
    type JsValue = Object;

    fn compute(&mut self) -> napi::Result<CoreForest> {
        let (columns, params) = (&self.columns, &self.params);
        guarded(|| fit_run(columns, params)).map_err(|p| {
            let e = napi::Error::from_reason(p.message.clone());
            self.failure = Some(p);
            e
        })
    }

    fn resolve(&mut self, env: Env, output: CoreForest) -> napi::Result<Object> {
        *lock(&self.fitted) = Some(Arc::new(output));
        env.get_reference_value(&self.this)
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Object> {
        match self.failure.take() {
            Some(p) => Err(to_napi(env, &p)),
            None => Err(err),
        }
    }

    fn finally(&mut self, env: Env) -> napi::Result<()> {
        self.this.unref(env).map(|_| ())
    }
}

#[napi]
impl IsolationForest {
    /// A forest with the given options (absent ones keep enms-core's defaults), not yet fitted.
    #[napi(constructor)]
    pub fn new(env: Env, options: Option<IsolationForestOptionsJs>) -> napi::Result<Self> {
        let params = run(env, || forest_params(options.as_ref()))?;
        Ok(IsolationForest {
            params,
            fitted: Arc::new(Mutex::new(None)),
        })
    }

    fn forest(&self) -> Fallible<Arc<CoreForest>> {
        lock(&self.fitted).clone().ok_or_else(not_fitted)
    }

    /// Grows the forest on `X` (rows are samples, columns features) on the calling thread;
    /// returns the forest.
    #[napi(
        ts_args_type = "X: Record<string, Float64Array | number[]> | number[][] | Array<Record<string, number>>"
    )]
    pub fn fit_sync(&self, env: Env, this: This, x: Object) -> napi::Result<This> {
        let cols = features_of(&x)?.for_fit();
        let forest = run(env, || fit_run(&cols, &self.params))?;
        *lock(&self.fitted) = Some(Arc::new(forest));
        Ok(this)
    }

    /// Grows the forest on `X` off the main thread; resolves with the forest.
    #[napi(
        ts_args_type = "X: Record<string, Float64Array | number[]> | number[][] | Array<Record<string, number>>",
        ts_return_type = "Promise<this>"
    )]
    pub fn fit(&self, env: Env, this: This, x: Object) -> napi::Result<AsyncTask<FitTask>> {
        let columns = features_of(&x)?.for_fit();
        Ok(AsyncTask::new(FitTask {
            columns,
            params: self.params.clone(),
            fitted: Arc::clone(&self.fitted),
            this: env.create_reference(this)?,
            failure: None,
        }))
    }

    /// `scoreSamples` on the calling thread: the opposite of the paper's anomaly score, in
    /// [-1, 0); lower is more abnormal.
    #[napi(
        ts_args_type = "X: Record<string, Float64Array | number[]> | number[][] | Array<Record<string, number>>"
    )]
    pub fn score_samples_sync(&self, env: Env, x: Object) -> napi::Result<Float64Array> {
        let x = features_of(&x)?;
        run(env, || {
            Ok(scores_js(score_run(&*self.forest()?, x, Scoring::Scores)?))
        })
    }

    /// `scoreSamples` off the main thread.
    #[napi(
        ts_args_type = "X: Record<string, Float64Array | number[]> | number[][] | Array<Record<string, number>>",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn score_samples(
        &self,
        env: Env,
        x: Object,
    ) -> napi::Result<AsyncTask<Job<Vec<f64>, Float64Array>>> {
        let x = features_of(&x)?;
        let forest = run(env, || self.forest())?;
        Ok(AsyncTask::new(Job::new(
            move || score_run(&forest, x, Scoring::Scores),
            scores_js,
        )))
    }

    /// `decisionFunction` on the calling thread: `scoreSamples - offset`, negative for
    /// anomalies.
    #[napi(
        ts_args_type = "X: Record<string, Float64Array | number[]> | number[][] | Array<Record<string, number>>"
    )]
    pub fn decision_function_sync(&self, env: Env, x: Object) -> napi::Result<Float64Array> {
        let x = features_of(&x)?;
        run(env, || {
            Ok(scores_js(score_run(
                &*self.forest()?,
                x,
                Scoring::Decision,
            )?))
        })
    }

    /// `decisionFunction` off the main thread.
    #[napi(
        ts_args_type = "X: Record<string, Float64Array | number[]> | number[][] | Array<Record<string, number>>",
        ts_return_type = "Promise<Float64Array>"
    )]
    pub fn decision_function(
        &self,
        env: Env,
        x: Object,
    ) -> napi::Result<AsyncTask<Job<Vec<f64>, Float64Array>>> {
        let x = features_of(&x)?;
        let forest = run(env, || self.forest())?;
        Ok(AsyncTask::new(Job::new(
            move || score_run(&forest, x, Scoring::Decision),
            scores_js,
        )))
    }

    /// `predict` on the calling thread: +1 for inliers, -1 for anomalies.
    #[napi(
        ts_args_type = "X: Record<string, Float64Array | number[]> | number[][] | Array<Record<string, number>>"
    )]
    pub fn predict_sync(&self, env: Env, x: Object) -> napi::Result<Int8Array> {
        let x = features_of(&x)?;
        run(env, || Ok(labels_js(predict_run(&*self.forest()?, x)?)))
    }

    /// `predict` off the main thread.
    #[napi(
        ts_args_type = "X: Record<string, Float64Array | number[]> | number[][] | Array<Record<string, number>>",
        ts_return_type = "Promise<Int8Array>"
    )]
    pub fn predict(&self, env: Env, x: Object) -> napi::Result<AsyncTask<Job<Vec<i8>, Int8Array>>> {
        let x = features_of(&x)?;
        let forest = run(env, || self.forest())?;
        Ok(AsyncTask::new(Job::new(
            move || predict_run(&forest, x),
            labels_js,
        )))
    }

    /// Whether the forest has been fitted (or loaded).
    #[napi(getter)]
    pub fn is_fitted(&self) -> bool {
        lock(&self.fitted).is_some()
    }

    /// `decisionFunction = scoreSamples - offset` (-0.5 for contamination `'auto'`, else the
    /// contamination quantile of the training scores); throws before `fit`.
    #[napi(getter)]
    pub fn offset(&self, env: Env) -> napi::Result<f64> {
        run(env, || Ok(self.forest()?.offset))
    }

    /// Names of the features in the order scoring reads them (`x0`, `x1`, ... for rows of
    /// numbers); throws before `fit`.
    #[napi(getter)]
    pub fn feature_names(&self, env: Env) -> napi::Result<Vec<String>> {
        run(env, || Ok(self.forest()?.feature_names.clone()))
    }

    /// Number of features seen in `fit`; throws before `fit`.
    #[napi(getter)]
    pub fn n_features_in(&self, env: Env) -> napi::Result<u32> {
        run(env, || Ok(self.forest()?.feature_names.len() as u32))
    }

    /// Rows each tree was grown on; throws before `fit`.
    #[napi(getter)]
    pub fn max_samples(&self, env: Env) -> napi::Result<u32> {
        run(env, || Ok(self.forest()?.max_samples as u32))
    }

    /// The options of the forest with every default filled in.
    #[napi]
    pub fn get_params(&self) -> IsolationForestParamsJs {
        (&self.params).into()
    }

    /// The fitted forest as enms-core serialises it (snake_case keys; the form the server and
    /// the Python face read too): `JSON.stringify(forest)` saves it. Throws before `fit`.
    #[napi(js_name = "toJSON", ts_return_type = "Record<string, any>")]
    pub fn to_json(&self, env: Env) -> napi::Result<serde_json::Value> {
        run(env, || {
            serde_json::to_value(&*self.forest()?).map_err(|e| invalid("json", e.to_string()))
        })
    }

    /// A fitted forest from the text `JSON.stringify(forest)` wrote (its options as fitted).
    #[napi(factory, js_name = "fromJSON")]
    pub fn from_json(env: Env, json: String) -> napi::Result<Self> {
        run(env, || {
            let f: CoreForest =
                serde_json::from_str(&json).map_err(|e| invalid("json", e.to_string()))?;
            Ok(IsolationForest {
                params: f.params.clone(),
                fitted: Arc::new(Mutex::new(Some(Arc::new(f)))),
            })
        })
    }
}
