//! Anomaly detection (enms-core `anomaly`): the isolation forest with scikit-learn's algorithm and
//! conventions, sigma rules on residuals, the merging of flagged periods into events, and the
//! one-call detection pipeline of a machine (`enms_core::anomaly::detect`).
//!
//! Feature tables come as a JS object of named numeric columns (in the object's key order), as an
//! array of rows of numbers (columns `x0`, `x1`, ... at fit, read by position when scoring), or as
//! an array of records. Options are plain objects whose absent fields keep enms-core's defaults;
//! every check of a value is enms-core's.

use std::sync::{Arc, Mutex};

use enms_core::anomaly::{
    build_features, detect as core_detect, merge_events as core_merge_events,
    sigma_flags as core_sigma_flags, AnomalyEvent, Contamination, DetectConfig, FeatureInputs,
    FeatureSpec, IsolationForest as CoreForest, IsolationForestParams, Severity, SigmaRule,
};
use enms_core::baseline::dataset::DriverData;
use enms_core::bucket::{BucketWidth, Bucketing};
use enms_core::time::{TimeRange, Timestamp};
use enms_core::Error;
use napi::bindgen_prelude::{AsyncTask, Either, Float64Array, Int8Array, Object, This};
use napi::{Env, JsNumber, JsUnknown, Ref, Status, Task, ValueType};
use napi_derive::napi;

use crate::baseline::numeric_columns_of;
use crate::convert::{
    number_column, range, readings, seconds_to_us, time_column, us_to_ms, NumberColumn,
    QuantityColumns, RangeJs, Readings, TimeColumn,
};
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
            let f: CoreForest = crate::baseline::parse_json(&json)?;
            Ok(IsolationForest {
                params: f.params.clone(),
                fitted: Arc::new(Mutex::new(Some(Arc::new(f)))),
            })
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Sigma rules and events

/// A sigma rule on residuals; absent fields keep the defaults of where it is used (enms-core's
/// `SigmaRule` for `sigmaFlags`: a rolling window of 96, at least 24, warning 2, critical 3;
/// `DetectConfig`'s for `detectAnomalies`: a fixed sigma of 1 on standardised residuals).
#[napi(object, js_name = "SigmaRuleOptions")]
pub struct SigmaRuleJs {
    /// Residuals before a point that set its limits (a rolling window).
    pub window: Option<f64>,
    /// Residuals needed before a point is judged.
    pub min_periods: Option<f64>,
    /// Warning limit, in standard deviations.
    pub warning_sigma: Option<f64>,
    /// Critical limit, in standard deviations.
    pub critical_sigma: Option<f64>,
    /// A fixed standard deviation (and mean 0), e.g. a baseline's residual standard error, or
    /// `'rolling'` for the rolling window's.
    #[napi(ts_type = "number | 'rolling'")]
    pub fixed_sigma: Option<Either<f64, String>>,
}

fn sigma_rule(mut rule: SigmaRule, o: Option<&SigmaRuleJs>) -> Fallible<SigmaRule> {
    let Some(o) = o else { return Ok(rule) };
    if let Some(w) = o.window {
        rule.window = whole("window", w)? as usize;
    }
    if let Some(m) = o.min_periods {
        rule.min_periods = whole("min_periods", m)? as usize;
    }
    if let Some(s) = o.warning_sigma {
        rule.warning_sigma = s;
    }
    if let Some(s) = o.critical_sigma {
        rule.critical_sigma = s;
    }
    match &o.fixed_sigma {
        None => {}
        Some(Either::A(s)) => rule.fixed_sigma = Some(*s),
        Some(Either::B(s)) if s == "rolling" => rule.fixed_sigma = None,
        Some(Either::B(s)) => {
            return Err(invalid(
                "fixed_sigma",
                format!("expected a number or 'rolling', got '{s}'"),
            ))
        }
    }
    Ok(rule)
}

/// A severity as enms-core names it (`normal`, `warning`, `critical`).
fn severity_name(s: Severity) -> String {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{s:?}").to_lowercase(),
    }
}

fn severities(names: &[String]) -> Fallible<Vec<Severity>> {
    names
        .iter()
        .map(|n| crate::convert::from_json("severity", serde_json::Value::String(n.clone())))
        .collect()
}

/// Severity and distance of every residual.
#[napi(object, js_name = "SigmaFlags")]
pub struct SigmaFlagsJs {
    /// `normal`, `warning` or `critical` per residual.
    #[napi(ts_type = "Array<'normal' | 'warning' | 'critical'>")]
    pub severity: Vec<String>,
    /// Distance from the mean in standard deviations (NaN where not judged).
    pub z: Float64Array,
}

/// Judges each residual (`actual - expected`) against the mean and standard deviation of the
/// last `window` residuals judged normal, or a fixed sigma: beyond `warningSigma` a warning,
/// beyond `criticalSigma` critical (enms-core `sigma_flags`).
#[napi(ts_args_type = "residuals: Float64Array | number[], rule?: SigmaRuleOptions")]
pub fn sigma_flags(
    env: Env,
    residuals: NumberColumn,
    rule: Option<SigmaRuleJs>,
) -> napi::Result<SigmaFlagsJs> {
    let r = number_column(&residuals);
    run(env, || {
        let rule = sigma_rule(SigmaRule::default(), rule.as_ref())?;
        let (sev, z) = core_sigma_flags(&r, &rule)?;
        Ok(SigmaFlagsJs {
            severity: sev.into_iter().map(severity_name).collect(),
            z: Float64Array::new(z),
        })
    })
}

/// An anomaly event of one machine.
#[napi(object, js_name = "AnomalyEvent")]
pub struct AnomalyEventJs {
    /// Machine.
    pub machine_id: String,
    /// Start of the first flagged period, ms.
    pub start: f64,
    /// End of the last flagged period, ms.
    pub end: f64,
    /// Highest severity among its points.
    #[napi(ts_type = "'normal' | 'warning' | 'critical'")]
    pub severity: String,
    /// When its largest score occurred, ms.
    pub peak_at: f64,
    /// Its largest score (sigma distance); `null` when no point of it had a score.
    pub peak_score: Option<f64>,
    /// Flagged periods in it.
    pub points: u32,
    /// Features whose |z| at the peak exceeded the threshold, largest first.
    pub features: Vec<String>,
}

impl From<AnomalyEvent> for AnomalyEventJs {
    fn from(e: AnomalyEvent) -> Self {
        AnomalyEventJs {
            machine_id: e.machine_id,
            start: us_to_ms(e.start),
            end: us_to_ms(e.end),
            severity: severity_name(e.severity),
            peak_at: us_to_ms(e.peak_at),
            peak_score: e.peak_score.is_finite().then_some(e.peak_score),
            points: e.points as u32,
            features: e.features,
        }
    }
}

fn events_js(events: Vec<AnomalyEvent>) -> Vec<AnomalyEventJs> {
    events.into_iter().map(AnomalyEventJs::from).collect()
}

/// Flagged periods of one machine, e.g. `sigmaFlags`' output with the periods' times.
#[napi(object, js_name = "FlaggedPeriods")]
pub struct FlaggedJs {
    /// Machine the events belong to.
    pub machine_id: String,
    /// Start of each period (sorted).
    #[napi(ts_type = "Float64Array | BigInt64Array | Array<number | string>")]
    pub ts: TimeColumn,
    /// Length of a period, seconds.
    pub period_s: f64,
    /// Severity of each period.
    #[napi(ts_type = "Array<'normal' | 'warning' | 'critical'>")]
    pub severity: Vec<String>,
    /// Score of each period (e.g. `sigmaFlags`' `z`; NaN where none).
    #[napi(ts_type = "Float64Array | number[]")]
    pub scores: NumberColumn,
    /// Per-feature z-scores per period, by name (to name the features that stood out).
    #[napi(ts_type = "Record<string, Float64Array | number[]>")]
    pub feature_z: Option<Object>,
}

/// Options of `mergeEvents`; absent fields keep enms-core's `DetectConfig` defaults (bridge 1
/// unflagged period, name features with |z| > 3).
#[napi(object, js_name = "MergeOptions")]
pub struct MergeOptionsJs {
    /// Unflagged periods bridged inside one event.
    pub max_gap: Option<f64>,
    /// |z| above which a feature is named in an event.
    pub feature_threshold: Option<f64>,
}

/// Merges flagged periods into events (enms-core `merge_events`): flags separated by at most
/// `maxGap` unflagged periods (gaps in the data count as unflagged) form one event, with the
/// highest severity, the time and value of the largest score and the features that stood out.
/// An event is identified by `(machineId, start)`.
#[napi(ts_args_type = "flagged: FlaggedPeriods, options?: MergeOptions")]
pub fn merge_events(
    env: Env,
    flagged: FlaggedJs,
    options: Option<MergeOptionsJs>,
) -> napi::Result<Vec<AnomalyEventJs>> {
    let feature_z = match &flagged.feature_z {
        Some(o) => numeric_columns_of(o)?,
        None => Vec::new(),
    };
    let scores = number_column(&flagged.scores);
    run(env, || {
        let defaults = DetectConfig::default();
        let max_gap = match options.as_ref().and_then(|o| o.max_gap) {
            Some(g) => whole("max_gap", g)? as usize,
            None => defaults.max_gap,
        };
        let threshold = options
            .as_ref()
            .and_then(|o| o.feature_threshold)
            .unwrap_or(defaults.feature_threshold);
        let ts = time_column(&flagged.ts, "ts")?;
        let period_us = seconds_to_us(flagged.period_s, "period_s")?;
        let sev = severities(&flagged.severity)?;
        let events = core_merge_events(
            &flagged.machine_id,
            &ts,
            period_us,
            &sev,
            &scores,
            max_gap,
            &refs(&feature_z),
            threshold,
        )?;
        Ok(events_js(events))
    })
}

// ---------------------------------------------------------------------------------------------
// The detection pipeline

/// Settings of `detectAnomalies`: enms-core's `DetectConfig` (absent fields keep its defaults)
/// and, for readings, how they become features per bucket.
#[napi(object, js_name = "DetectOptions")]
pub struct DetectOptionsJs {
    /// Length of a bucket, seconds (default 3600: local hours).
    pub period_s: Option<f64>,
    /// IANA time zone of the site; hours of the week and buckets are local (default `UTC`).
    pub timezone: Option<String>,
    /// Columns to monitor (default `energy_kwh` and every measured process quantity).
    pub targets: Option<Vec<String>>,
    /// Linear drivers of every monitored column, used when present (default `['production']`).
    pub drivers: Option<Vec<String>>,
    /// Drivers also watched against the calendar and the weather (default none).
    pub monitored_drivers: Option<Vec<String>>,
    /// Temperature drivers, piecewise linear at `knotsC` (default `['outdoor_temp_c']`).
    pub temperature_drivers: Option<Vec<String>>,
    /// Share of positive residuals above which an hour of the week counts as occupied (TOWT's
    /// 0.65) when temperature slopes are split by occupancy (default: no split).
    pub occupancy_threshold: Option<f64>,
    /// Knots of the temperature segments, °C, increasing (default 0, 5, ..., 25).
    pub knots_c: Option<Vec<f64>>,
    /// Reference buckets needed on either side of a knot (default 168).
    pub knot_min_buckets: Option<f64>,
    /// The sigma rule on standardised residuals (default: fixed sigma 1, warning 2, critical 3).
    pub sigma: Option<SigmaRuleJs>,
    /// Unflagged buckets bridged inside one event (default 1).
    pub max_gap: Option<f64>,
    /// Least severity of a reported event (default `critical`).
    #[napi(ts_type = "'normal' | 'warning' | 'critical'")]
    pub min_event_severity: Option<String>,
    /// Least flagged buckets of a reported event (default 1).
    pub min_event_points: Option<f64>,
    /// Least peak score of a reported event (default 4).
    pub min_event_score: Option<f64>,
    /// Critical columns in one bucket that report an event below `minEventScore` (default 2).
    pub min_critical_columns: Option<f64>,
    /// |z| above which a feature is named in an event (default 3).
    pub feature_threshold: Option<f64>,
    /// Robust sigmas beyond which reference buckets are trimmed (default 5).
    pub trim_sigma: Option<f64>,
    /// Least residual scale as a share of the RMS residual (default 0.25).
    pub min_scale_share: Option<f64>,
    /// Least residual scale as a share of the column's mean absolute value (default 0.01).
    pub min_scale_of_reading: Option<f64>,
    /// Weight, in buckets, of the load-dependent scale in each hour of the week's (default 4).
    pub scale_prior_buckets: Option<f64>,
    /// Readings only: longest interval between two power readings still integrated, seconds
    /// (default the rollups' 5 minutes).
    pub max_gap_s: Option<f64>,
    /// Readings only: least share of a bucket the power readings must cover, in (0, 1].
    pub min_coverage: Option<f64>,
}

fn detect_config(o: Option<&DetectOptionsJs>) -> Fallible<DetectConfig> {
    let mut c = DetectConfig::default();
    let Some(o) = o else { return Ok(c) };
    if let Some(p) = o.period_s {
        c.period_s = whole("period_s", p)? as i64;
    }
    if let Some(tz) = &o.timezone {
        c.timezone = tz.clone();
    }
    if let Some(t) = &o.targets {
        c.targets = Some(t.clone());
    }
    if let Some(d) = &o.drivers {
        c.drivers = d.clone();
    }
    if let Some(d) = &o.monitored_drivers {
        c.monitored_drivers = d.clone();
    }
    if let Some(d) = &o.temperature_drivers {
        c.temperature_drivers = d.clone();
    }
    if o.occupancy_threshold.is_some() {
        c.occupancy_threshold = o.occupancy_threshold;
    }
    if let Some(k) = &o.knots_c {
        c.knots_c = k.clone();
    }
    if let Some(k) = o.knot_min_buckets {
        c.knot_min_buckets = whole("knot_min_buckets", k)? as usize;
    }
    c.sigma = sigma_rule(c.sigma, o.sigma.as_ref())?;
    if let Some(g) = o.max_gap {
        c.max_gap = whole("max_gap", g)? as usize;
    }
    if let Some(s) = &o.min_event_severity {
        c.min_event_severity =
            crate::convert::from_json("min_event_severity", serde_json::Value::String(s.clone()))?;
    }
    if let Some(p) = o.min_event_points {
        c.min_event_points = whole("min_event_points", p)? as usize;
    }
    if let Some(s) = o.min_event_score {
        c.min_event_score = s;
    }
    if let Some(m) = o.min_critical_columns {
        c.min_critical_columns = whole("min_critical_columns", m)? as usize;
    }
    if let Some(t) = o.feature_threshold {
        c.feature_threshold = t;
    }
    if let Some(t) = o.trim_sigma {
        c.trim_sigma = t;
    }
    if let Some(s) = o.min_scale_share {
        c.min_scale_share = s;
    }
    if let Some(s) = o.min_scale_of_reading {
        c.min_scale_of_reading = s;
    }
    if let Some(s) = o.scale_prior_buckets {
        c.scale_prior_buckets = s;
    }
    Ok(c)
}

/// Features per bucket: bucket starts and named columns (NaN = missing).
#[napi(object, js_name = "FeatureColumns")]
pub struct FeatureColumnsJs {
    /// Start of each bucket (sorted).
    #[napi(ts_type = "Float64Array | BigInt64Array | Array<number | string>")]
    pub ts: TimeColumn,
    /// Named columns, one value per bucket (`energy_kwh`, `production`, `outdoor_temp_c`, ...).
    #[napi(ts_type = "Record<string, Float64Array | number[]>")]
    pub columns: Object,
}

/// What `detectAnomalies` judges: one machine's features per bucket, or its readings (turned
/// into features per bucket by enms-core's `build_features`), a reference period to learn what
/// is normal from and a period to judge.
#[napi(object, js_name = "DetectInput")]
pub struct DetectInputJs {
    /// Machine the events belong to.
    pub machine_id: String,
    /// Reference period (what is normal).
    pub training: RangeJs,
    /// Period to judge.
    pub detection: RangeJs,
    /// Features per bucket (instead of readings).
    pub features: Option<FeatureColumnsJs>,
    /// Power readings, kW.
    #[napi(ts_type = "ReadingRecord[] | ReadingColumns")]
    pub power: Option<Readings>,
    /// Production counts, each labelled by the end of its interval.
    pub production: Option<QuantityColumns>,
    /// Further counts summed per bucket like production, by name.
    #[napi(ts_type = "Record<string, QuantityColumns>")]
    pub counts: Option<Object>,
    /// Process quantities and weather averaged over time per bucket, by name (e.g.
    /// `outdoor_temp_c`, `pressure_bar`).
    #[napi(ts_type = "Record<string, QuantityColumns>")]
    pub quantities: Option<Object>,
}

fn series_of(obj: Option<&Object>) -> napi::Result<Vec<(String, QuantityColumns)>> {
    let Some(obj) = obj else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for name in Object::keys(obj)? {
        let q = obj
            .get::<_, QuantityColumns>(&name)
            .map_err(|_| bad_rows(format!("`{name}`: expected {{ ts, values }}")))?
            .ok_or_else(|| bad_rows(format!("`{name}`: expected {{ ts, values }}")))?;
        out.push((name, q));
    }
    Ok(out)
}

/// Readings of one machine, converted.
struct DetectReadings {
    power: (Vec<Timestamp>, Vec<f64>),
    production: Option<(Vec<Timestamp>, Vec<f64>)>,
    counts: Vec<(String, Vec<Timestamp>, Vec<f64>)>,
    quantities: Vec<(String, Vec<Timestamp>, Vec<f64>)>,
    max_gap_s: Option<f64>,
    min_coverage: Option<f64>,
}

enum DetectData {
    Features(Vec<Timestamp>, Vec<(String, Vec<f64>)>),
    Readings(DetectReadings),
}

struct DetectArgs {
    machine_id: String,
    training: TimeRange,
    detection: TimeRange,
    data: DetectData,
    config: DetectConfig,
}

fn quantity(name: &str, q: &QuantityColumns) -> Fallible<(Vec<Timestamp>, Vec<f64>)> {
    Ok((time_column(&q.ts, name)?, number_column(&q.values)))
}

fn detect_args(
    input: &DetectInputJs,
    options: Option<&DetectOptionsJs>,
) -> napi::Result<Fallible<DetectArgs>> {
    let features = match &input.features {
        Some(f) => Some((numeric_columns_of(&f.columns)?, &f.ts)),
        None => None,
    };
    let counts = series_of(input.counts.as_ref())?;
    let quantities = series_of(input.quantities.as_ref())?;
    let convert = || -> Fallible<DetectArgs> {
        let config = detect_config(options)?;
        let data = match (features, &input.power) {
            (Some((columns, ts)), None) => DetectData::Features(time_column(ts, "ts")?, columns),
            (None, Some(power)) => {
                let r = readings(power)?;
                let mut out = DetectReadings {
                    power: (r.ts, r.power_kw),
                    production: input
                        .production
                        .as_ref()
                        .map(|p| quantity("production", p))
                        .transpose()?,
                    counts: Vec::new(),
                    quantities: Vec::new(),
                    max_gap_s: options.and_then(|o| o.max_gap_s),
                    min_coverage: options.and_then(|o| o.min_coverage),
                };
                for (name, q) in &counts {
                    let (ts, v) = quantity(name, q)?;
                    out.counts.push((name.clone(), ts, v));
                }
                for (name, q) in &quantities {
                    let (ts, v) = quantity(name, q)?;
                    out.quantities.push((name.clone(), ts, v));
                }
                DetectData::Readings(out)
            }
            _ => {
                return Err(invalid(
                    "features",
                    "give either `features` (per bucket) or `power` readings",
                ))
            }
        };
        Ok(DetectArgs {
            machine_id: input.machine_id.clone(),
            training: range(&input.training)?,
            detection: range(&input.detection)?,
            data,
            config,
        })
    };
    Ok(convert())
}

fn detect_run(a: DetectArgs) -> Fallible<Vec<AnomalyEvent>> {
    match &a.data {
        DetectData::Features(ts, columns) => Ok(core_detect(
            &a.machine_id,
            ts,
            &refs(columns),
            a.training,
            a.detection,
            &a.config,
        )?),
        DetectData::Readings(r) => {
            let bucketing = Bucketing::new(BucketWidth::seconds(a.config.period_s)?)?
                .with_timezone(&a.config.timezone)?;
            let mut spec = FeatureSpec::new(bucketing);
            if let Some(s) = r.max_gap_s {
                spec.max_gap_us = seconds_to_us(s, "max_gap_s")?;
            }
            if let Some(c) = r.min_coverage {
                spec.min_coverage = c;
            }
            let hull = TimeRange::new(
                a.training.start.min(a.detection.start),
                a.training.end.max(a.detection.end),
            )?;
            let inputs = FeatureInputs {
                power: DriverData::new(&r.power.0, &r.power.1),
                production: r.production.as_ref().map(|(ts, v)| DriverData::new(ts, v)),
                counts: r
                    .counts
                    .iter()
                    .map(|(n, ts, v)| (n.as_str(), DriverData::new(ts, v)))
                    .collect(),
                quantities: r
                    .quantities
                    .iter()
                    .map(|(n, ts, v)| (n.as_str(), DriverData::new(ts, v)))
                    .collect(),
                ..FeatureInputs::default()
            };
            let table = build_features(&spec, hull, &inputs)?;
            Ok(core_detect(
                &a.machine_id,
                &table.start,
                &table.as_columns(),
                a.training,
                a.detection,
                &a.config,
            )?)
        }
    }
}

/// Learns what is normal for one machine on the `training` period and reports the events of the
/// `detection` period (enms-core `anomaly::detect`: an expectation per monitored column from
/// the hour of the week, production and outdoor temperature, standardised residuals, sigma
/// rules, events), on the calling thread.
#[napi(ts_args_type = "input: DetectInput, options?: DetectOptions")]
pub fn detect_anomalies_sync(
    env: Env,
    input: DetectInputJs,
    options: Option<DetectOptionsJs>,
) -> napi::Result<Vec<AnomalyEventJs>> {
    let args = detect_args(&input, options.as_ref())?;
    run(env, || Ok(events_js(detect_run(args?)?)))
}

/// `detectAnomaliesSync` off the main thread.
#[napi(
    js_name = "detectAnomalies",
    ts_args_type = "input: DetectInput, options?: DetectOptions",
    ts_return_type = "Promise<AnomalyEvent[]>"
)]
pub fn detect_anomalies_async(
    input: DetectInputJs,
    options: Option<DetectOptionsJs>,
) -> napi::Result<AsyncTask<Job<Vec<AnomalyEvent>, Vec<AnomalyEventJs>>>> {
    let args = detect_args(&input, options.as_ref())?;
    Ok(AsyncTask::new(Job::new(
        move || detect_run(args?),
        events_js,
    )))
}
