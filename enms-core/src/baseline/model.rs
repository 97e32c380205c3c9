//! A regression energy baseline (EnB, ISO 50006): energy per period regressed on its relevant
//! variables (production, degree-days, operating hours, ... and categorical drivers as indicator
//! columns), with its statistics, its gate reports and its training period. A model is a value:
//! it serialises with serde (with [`FORMAT_VERSION`]) and predicts after loading.
//!
//! Categorical drivers become one indicator column per level except the reference level (the
//! first level in sorted order), named `driver=level`, as statsmodels' treatment coding does.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::baseline::gates::{GateReport, Gates};
use crate::error::{Error, Result};
use crate::stats::{ols, OlsFit, OlsOptions, Prediction};
use crate::time::TimeRange;

/// Version of the serialised form of [`Baseline`].
pub const FORMAT_VERSION: u32 = 1;

/// Values of one driver, one per observation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "values", rename_all = "snake_case")]
pub enum DriverValues {
    /// A number per observation (production, degree-days, hours).
    Numeric(Vec<f64>),
    /// A level per observation (load type, weekday/weekend, shift).
    Categorical(Vec<String>),
}

impl DriverValues {
    fn len(&self) -> usize {
        match self {
            DriverValues::Numeric(v) => v.len(),
            DriverValues::Categorical(v) => v.len(),
        }
    }
}

/// A named driver column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    /// Name.
    pub name: String,
    /// Values.
    pub values: DriverValues,
}

impl Driver {
    /// A numeric driver.
    pub fn numeric(name: &str, values: Vec<f64>) -> Self {
        Driver {
            name: name.to_string(),
            values: DriverValues::Numeric(values),
        }
    }

    /// A categorical driver.
    pub fn categorical(name: &str, values: Vec<String>) -> Self {
        Driver {
            name: name.to_string(),
            values: DriverValues::Categorical(values),
        }
    }
}

/// How a driver enters the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DriverSpec {
    /// One column.
    Numeric {
        /// Driver name.
        name: String,
    },
    /// One indicator column per non-reference level.
    Categorical {
        /// Driver name.
        name: String,
        /// Reference level (no column).
        reference: String,
        /// Levels with a column, in column order.
        levels: Vec<String>,
    },
}

impl DriverSpec {
    /// Driver name.
    pub fn name(&self) -> &str {
        match self {
            DriverSpec::Numeric { name } | DriverSpec::Categorical { name, .. } => name,
        }
    }
}

/// Options of a baseline fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineOptions {
    /// Name of the modelled quantity (default `energy_kwh`).
    pub target: String,
    /// Regression options (intercept, confidence level).
    pub ols: OlsOptions,
    /// Gate sets to check; the model is usable only if all pass. Default: `charter`.
    pub gates: Vec<Gates>,
    /// Training period, if known (for the span gate and the record).
    pub training: Option<TimeRange>,
}

impl Default for BaselineOptions {
    fn default() -> Self {
        BaselineOptions {
            target: "energy_kwh".into(),
            ols: OlsOptions::default(),
            gates: vec![Gates::charter()],
            training: None,
        }
    }
}

/// A fitted regression baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// [`FORMAT_VERSION`] when it was written.
    pub format_version: u32,
    /// Modelled quantity.
    pub target: String,
    /// Drivers, in input order.
    pub drivers: Vec<DriverSpec>,
    /// The regression with its statistics (column names include indicator columns).
    pub fit: OlsFit,
    /// Training period.
    pub training: Option<TimeRange>,
    /// Outcome of each gate set.
    pub gates: Vec<GateReport>,
}

fn check_lengths(drivers: &[Driver], n: usize) -> Result<()> {
    for d in drivers {
        if d.values.len() != n {
            return Err(Error::LengthMismatch {
                column: d.name.clone(),
                expected: n,
                got: d.values.len(),
            });
        }
    }
    Ok(())
}

/// Expands drivers into design columns following `specs`.
fn columns(specs: &[DriverSpec], drivers: &[Driver]) -> Result<Vec<(String, Vec<f64>)>> {
    let mut out = Vec::new();
    for spec in specs {
        let d = drivers
            .iter()
            .find(|d| d.name == spec.name())
            .ok_or_else(|| Error::invalid(spec.name(), "the model needs this driver"))?;
        match (spec, &d.values) {
            (DriverSpec::Numeric { name }, DriverValues::Numeric(v)) => {
                out.push((name.clone(), v.clone()));
            }
            (
                DriverSpec::Categorical {
                    name,
                    reference,
                    levels,
                },
                DriverValues::Categorical(v),
            ) => {
                if let Some((i, bad)) = v
                    .iter()
                    .enumerate()
                    .find(|(_, x)| *x != reference && !levels.contains(x))
                {
                    return Err(Error::Parse {
                        column: name.clone(),
                        index: i,
                        value: bad.clone(),
                        reason: format!(
                            "a level the model was not trained on (known: {reference}, {})",
                            levels.join(", ")
                        ),
                    });
                }
                for level in levels {
                    out.push((
                        format!("{name}={level}"),
                        v.iter()
                            .map(|x| if x == level { 1.0 } else { 0.0 })
                            .collect(),
                    ));
                }
            }
            _ => {
                return Err(Error::invalid(
                    spec.name(),
                    "numeric in the model but categorical here, or the other way round",
                ))
            }
        }
    }
    Ok(out)
}

impl Baseline {
    /// Fits `y` (the target per period) on `drivers` and checks the gates.
    pub fn fit(y: &[f64], drivers: &[Driver], options: &BaselineOptions) -> Result<Baseline> {
        check_lengths(drivers, y.len())?;
        let mut specs = Vec::with_capacity(drivers.len());
        for (i, d) in drivers.iter().enumerate() {
            if drivers[..i].iter().any(|o| o.name == d.name) {
                return Err(Error::invalid(&d.name, "two drivers have this name"));
            }
            specs.push(match &d.values {
                DriverValues::Numeric(_) => DriverSpec::Numeric {
                    name: d.name.clone(),
                },
                DriverValues::Categorical(v) => {
                    let set: BTreeSet<&String> = v.iter().collect();
                    let mut levels: Vec<String> = set.into_iter().cloned().collect();
                    if levels.len() < 2 {
                        return Err(Error::invalid(
                            &d.name,
                            format!(
                                "is constant ({}): a categorical driver needs at least two levels",
                                levels.first().map_or("no values", String::as_str)
                            ),
                        ));
                    }
                    let reference = levels.remove(0);
                    DriverSpec::Categorical {
                        name: d.name.clone(),
                        reference,
                        levels,
                    }
                }
            });
        }
        let cols = columns(&specs, drivers)?;
        let refs: Vec<(&str, &[f64])> = cols
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let fit = ols(y, &refs, &options.ols)?;
        let span_days = options.training.map(|r| r.hours() / 24.0);
        let gates = options
            .gates
            .iter()
            .map(|g| g.check(&fit, span_days))
            .collect();
        Ok(Baseline {
            format_version: FORMAT_VERSION,
            target: options.target.clone(),
            drivers: specs,
            fit,
            training: options.training,
            gates,
        })
    }

    /// Whether every gate set passed.
    pub fn passed(&self) -> bool {
        self.gates.iter().all(|g| g.passed)
    }

    /// Every failing gate as one sentence, for an error or a log line.
    pub fn failures(&self) -> Vec<String> {
        self.gates
            .iter()
            .flat_map(|g| {
                g.failures
                    .iter()
                    .map(move |f| format!("{} {}: {}", g.set, f.gate, f.reason))
            })
            .collect()
    }

    /// An error unless every gate passed: a failing model is never used silently.
    pub fn ensure_usable(&self) -> Result<()> {
        if self.passed() {
            Ok(())
        } else {
            Err(Error::invalid(
                "baseline",
                format!("the model failed its gates: {}", self.failures().join("; ")),
            ))
        }
    }

    /// Predictions (with intervals at `level`) for new driver values. Unknown categorical levels
    /// and missing drivers are errors.
    pub fn predict(&self, drivers: &[Driver], level: f64) -> Result<Prediction> {
        let n = drivers.first().map_or(0, |d| d.values.len());
        check_lengths(drivers, n)?;
        let cols = columns(&self.drivers, drivers)?;
        let refs: Vec<&[f64]> = cols.iter().map(|(_, v)| v.as_slice()).collect();
        if refs.is_empty() {
            // intercept-only model: one prediction per requested row is not defined without rows
            return Err(Error::invalid(
                "drivers",
                "the model has no drivers: predict needs at least one row of drivers",
            ));
        }
        self.fit.predict_interval(&refs, level)
    }
}

/// Options of a driver search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectionOptions {
    /// Largest number of drivers in a candidate model (default 3).
    pub max_drivers: usize,
    /// Expected sign of a driver's coefficients (`+1.0` or `-1.0`, by driver name; for a
    /// categorical driver every level's coefficient). A candidate whose coefficient has the wrong
    /// sign is flagged.
    pub expected_signs: Vec<(String, f64)>,
    /// Largest acceptable variance inflation factor (default 5).
    pub max_vif: f64,
    /// Options of each fit (target, regression options, gates, training period).
    pub baseline: BaselineOptions,
}

impl Default for SelectionOptions {
    fn default() -> Self {
        SelectionOptions {
            max_drivers: 3,
            expected_signs: Vec::new(),
            max_vif: 5.0,
            baseline: BaselineOptions::default(),
        }
    }
}

/// One candidate set of drivers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverCandidate {
    /// Drivers of the candidate.
    pub drivers: Vec<String>,
    /// Adjusted R².
    pub adj_r_squared: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// Largest VIF among its columns (`None` with a single column).
    pub max_vif: Option<f64>,
    /// Whether every gate set passed.
    pub gates_passed: bool,
    /// Whether every coefficient has its expected sign.
    pub signs_ok: bool,
    /// Whether the VIFs are acceptable.
    pub vif_ok: bool,
    /// Every reason the candidate is not recommended (failed gates, wrong signs, collinearity,
    /// a fit that could not be made).
    pub problems: Vec<String>,
}

impl DriverCandidate {
    /// Usable: gates passed, signs as expected, no collinearity.
    pub fn recommended(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Fits every subset of `drivers` with 1 to `max_drivers` members and ranks them: recommended
/// candidates first, then by adjusted R² (higher first), then AIC (lower first). A subset that
/// cannot be fitted (a constant or collinear driver) is listed with its reason, not dropped, so a
/// person choosing sees why.
pub fn select_drivers(
    y: &[f64],
    drivers: &[Driver],
    options: &SelectionOptions,
) -> Result<Vec<DriverCandidate>> {
    if drivers.is_empty() {
        return Err(Error::EmptySeries {
            column: "drivers".into(),
            needed: 1,
        });
    }
    if drivers.len() > 20 {
        return Err(Error::invalid(
            "drivers",
            format!(
                "{} candidate drivers: at most 20 are searched exhaustively",
                drivers.len()
            ),
        ));
    }
    if options.max_drivers == 0 {
        return Err(Error::invalid("max_drivers", "must be at least 1"));
    }
    check_lengths(drivers, y.len())?;
    let k = drivers.len();
    let mut out = Vec::new();
    for mask in 1u32..(1u32 << k) {
        if mask.count_ones() as usize > options.max_drivers {
            continue;
        }
        let subset: Vec<Driver> = (0..k)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| drivers[i].clone())
            .collect();
        let names: Vec<String> = subset.iter().map(|d| d.name.clone()).collect();
        match Baseline::fit(y, &subset, &options.baseline) {
            Ok(b) => {
                let mut problems = b.failures();
                let mut signs_ok = true;
                for (name, sign) in &options.expected_signs {
                    for c in &b.fit.coefficients {
                        let mine = c.name == *name || c.name.starts_with(&format!("{name}="));
                        if mine && c.estimate * sign < 0.0 {
                            signs_ok = false;
                            problems.push(format!(
                                "`{}` = {:.4} has the wrong sign",
                                c.name, c.estimate
                            ));
                        }
                    }
                }
                let max_vif = b
                    .fit
                    .coefficients
                    .iter()
                    .filter_map(|c| c.vif)
                    .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
                let vif_ok = max_vif.is_none_or(|v| v <= options.max_vif);
                if !vif_ok {
                    problems.push(format!(
                        "collinear drivers: largest VIF {:.2} above {}",
                        max_vif.unwrap_or(f64::NAN),
                        options.max_vif
                    ));
                }
                out.push(DriverCandidate {
                    drivers: names,
                    adj_r_squared: b.fit.adj_r_squared,
                    aic: b.fit.aic,
                    max_vif,
                    gates_passed: b.passed(),
                    signs_ok,
                    vif_ok,
                    problems,
                });
            }
            Err(e) => out.push(DriverCandidate {
                drivers: names,
                adj_r_squared: f64::NAN,
                aic: f64::NAN,
                max_vif: None,
                gates_passed: false,
                signs_ok: false,
                vif_ok: false,
                problems: vec![e.to_string()],
            }),
        }
    }
    out.sort_by(|a, b| {
        b.recommended()
            .cmp(&a.recommended())
            .then(b.adj_r_squared.total_cmp(&a.adj_r_squared))
            .then(a.aic.total_cmp(&b.aic))
    });
    Ok(out)
}

impl crate::options::Saved for Baseline {
    fn check_loaded(&self) -> Result<()> {
        crate::options::check_version(self.format_version, FORMAT_VERSION)
    }
}
