//! Temperature change-point models of energy per period (ASHRAE RP-1050 / Guideline 14
//! "inverse models"; selection in the manner of CalTRACK's daily methods):
//!
//! - `mean` (2P without slope): `E = β₀`
//! - `heating_3p`: `E = β₀ + β_h · max(T_h - T, 0)`
//! - `cooling_3p`: `E = β₀ + β_c · max(T - T_c, 0)`
//! - `four_p`: `E = β₀ + β_h · max(T_b - T, 0) + β_c · max(T - T_b, 0)` (one change point, a
//!   slope on each side)
//! - `five_p`: `E = β₀ + β_h · max(T_h - T, 0) + β_c · max(T - T_c, 0)`, `T_h < T_c` (a dead band
//!   between)
//!
//! `T` is the period's mean outdoor temperature (°C), so the terms are degree-days of the
//! period when `E` is energy per day. Balance points are searched on a grid (default every 0.5 °C,
//! heating 0-25 °C, cooling 5-30 °C) with at least `min_points_beyond` periods beyond each balance
//! point. Every grid candidate is solved in O(1) from prefix sums over the periods sorted by
//! temperature; a candidate qualifies when each slope is positive with p below
//! `max_slope_p` (0.1, as CalTRACK); the qualifying candidate with the highest adjusted R² wins
//! (the mean model always qualifies), and is refitted with [`crate::stats::ols`] for its full
//! statistics.

use serde::{Deserialize, Serialize};

use crate::baseline::performance::{report, FitSummary, PerformanceOptions, PerformanceReport};
use crate::error::{Error, Result};
use crate::stats::dist::t_two_sided_p;
use crate::stats::{ols, OlsFit, OlsOptions};

/// The shape of a change-point model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangePointKind {
    /// Intercept only.
    Mean,
    /// Heating slope below a balance point.
    #[serde(rename = "heating_3p", alias = "heating3p")]
    Heating3p,
    /// Cooling slope above a balance point.
    #[serde(rename = "cooling_3p", alias = "cooling3p")]
    Cooling3p,
    /// Heating and cooling slopes around one change point.
    FourP,
    /// Heating and cooling slopes with a dead band between two balance points.
    FiveP,
}

impl ChangePointKind {
    /// The snake_case name (also its serde name).
    pub fn as_str(&self) -> &'static str {
        match self {
            ChangePointKind::Mean => "mean",
            ChangePointKind::Heating3p => "heating_3p",
            ChangePointKind::Cooling3p => "cooling_3p",
            ChangePointKind::FourP => "four_p",
            ChangePointKind::FiveP => "five_p",
        }
    }
}

/// Options of the search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChangePointOptions {
    /// Heating balance points searched, °C (inclusive).
    pub heating_range_c: (f64, f64),
    /// Cooling balance points searched, °C (inclusive).
    pub cooling_range_c: (f64, f64),
    /// Grid step, °C.
    pub step_c: f64,
    /// Periods that must lie beyond each balance point (with a non-zero degree term).
    pub min_points_beyond: usize,
    /// A slope qualifies when its p-value is below this.
    pub max_slope_p: f64,
    /// Model shapes to consider.
    pub kinds: Vec<ChangePointKind>,
    /// Confidence level of the final fit's intervals.
    pub confidence: f64,
}

impl Default for ChangePointOptions {
    fn default() -> Self {
        ChangePointOptions {
            heating_range_c: (0.0, 25.0),
            cooling_range_c: (5.0, 30.0),
            step_c: 0.5,
            min_points_beyond: 10,
            max_slope_p: 0.1,
            kinds: vec![
                ChangePointKind::Mean,
                ChangePointKind::Heating3p,
                ChangePointKind::Cooling3p,
                ChangePointKind::FourP,
                ChangePointKind::FiveP,
            ],
            confidence: 0.95,
        }
    }
}

/// The best candidate of one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Shape.
    pub kind: ChangePointKind,
    /// Heating balance point, °C.
    pub heating_balance_c: Option<f64>,
    /// Cooling balance point, °C.
    pub cooling_balance_c: Option<f64>,
    /// Adjusted R² of the candidate.
    pub adj_r_squared: f64,
    /// Whether its slopes are positive and significant.
    pub qualified: bool,
}

/// A fitted change-point model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePointModel {
    /// Shape.
    pub kind: ChangePointKind,
    /// Heating balance point, °C.
    pub heating_balance_c: Option<f64>,
    /// Cooling balance point, °C.
    pub cooling_balance_c: Option<f64>,
    /// The regression on the degree terms (`hdd`, `cdd`) with its statistics.
    pub fit: OlsFit,
    /// The best candidate of every shape considered.
    pub candidates: Vec<Candidate>,
}

/// Prefix sums over the periods sorted by temperature.
struct Sums {
    t_sorted: Vec<f64>,
    c: Vec<f64>,
    t: Vec<f64>,
    t2: Vec<f64>,
    y: Vec<f64>,
    ty: Vec<f64>,
    n: f64,
    sy: f64,
    syy: f64,
}

impl Sums {
    fn new(temp: &[f64], y: &[f64]) -> Self {
        let mut idx: Vec<usize> = (0..temp.len()).collect();
        idx.sort_by(|&a, &b| temp[a].total_cmp(&temp[b]));
        let m = idx.len();
        let mut s = Sums {
            t_sorted: idx.iter().map(|&i| temp[i]).collect(),
            c: vec![0.0; m + 1],
            t: vec![0.0; m + 1],
            t2: vec![0.0; m + 1],
            y: vec![0.0; m + 1],
            ty: vec![0.0; m + 1],
            n: m as f64,
            sy: y.iter().sum(),
            syy: y.iter().map(|v| v * v).sum(),
        };
        for (k, &i) in idx.iter().enumerate() {
            let (t, v) = (temp[i], y[i]);
            s.c[k + 1] = s.c[k] + 1.0;
            s.t[k + 1] = s.t[k] + t;
            s.t2[k + 1] = s.t2[k] + t * t;
            s.y[k + 1] = s.y[k] + v;
            s.ty[k + 1] = s.ty[k] + t * v;
        }
        s
    }

    /// (Σh, Σh², Σh·y, count) of `h = max(b - T, 0)`.
    fn heating(&self, b: f64) -> (f64, f64, f64, usize) {
        let k = self.t_sorted.partition_point(|&t| t < b);
        let (c, t, t2, y, ty) = (self.c[k], self.t[k], self.t2[k], self.y[k], self.ty[k]);
        (c * b - t, c * b * b - 2.0 * b * t + t2, b * y - ty, k)
    }

    /// (Σc, Σc², Σc·y, count) of `c = max(T - b, 0)`.
    fn cooling(&self, b: f64) -> (f64, f64, f64, usize) {
        let k = self.t_sorted.partition_point(|&t| t <= b);
        let m = self.t_sorted.len();
        let last = m;
        let cnt = self.c[last] - self.c[k];
        let t = self.t[last] - self.t[k];
        let t2 = self.t2[last] - self.t2[k];
        let y = self.y[last] - self.y[k];
        let ty = self.ty[last] - self.ty[k];
        (
            t - cnt * b,
            t2 - 2.0 * b * t + cnt * b * b,
            ty - b * y,
            m - k,
        )
    }

    /// Adjusted R² and slope p-values of `y ~ 1 + features` from raw sums; `None` when singular.
    /// `f` holds (Σx, Σx², Σxy) per feature; features are disjoint (Σ x₁x₂ = 0).
    fn fit(&self, f: &[(f64, f64, f64)]) -> Option<(f64, Vec<(f64, f64)>)> {
        let n = self.n;
        let syy_c = self.syy - self.sy * self.sy / n;
        let p = f.len() + 1;
        let df = n - p as f64;
        if df <= 0.0 || syy_c <= 0.0 {
            return None;
        }
        let h = hinge_lsq(n, self.sy, syy_c, f)?;
        let k = f.len();
        let (coef, ssr, inv_diag) = (&h.slopes[..k], h.ssr, &h.inv_diag[..k]);
        let ssr = ssr.max(0.0);
        let r2 = 1.0 - ssr / syy_c;
        let adj = 1.0 - (n - 1.0) / df * (1.0 - r2);
        let sigma2 = ssr / df;
        let slopes = coef
            .iter()
            .zip(inv_diag)
            .map(|(b, d)| {
                let se = (sigma2 * d).sqrt();
                (*b, t_two_sided_p(b / se, df))
            })
            .collect();
        Some((adj, slopes))
    }
}

/// Least squares of `y ~ 1 + terms` from sums.
pub(crate) struct HingeFit {
    /// Slopes of the terms (unused entries 0).
    pub slopes: [f64; 2],
    /// Residual sum of squares (not clamped: rounding can make it slightly negative).
    pub ssr: f64,
    /// Diagonal of the inverse of the centred cross-product matrix, for standard errors.
    pub inv_diag: [f64; 2],
}

/// Least squares of `y ~ 1 + terms` for none, one or two terms with disjoint supports
/// (`Σ x₁x₂ = 0`, as a heating and a cooling hinge), from sums: `terms` holds `(Σx, Σx², Σxy)` per
/// term, `sy` is `Σy`, `syy_c` the centred `Σ(y - ȳ)²`. `None` when a term is (nearly) constant
/// or more than two are given. Shared by the change-point search and the daily model.
pub(crate) fn hinge_lsq(
    n: f64,
    sy: f64,
    syy_c: f64,
    terms: &[(f64, f64, f64)],
) -> Option<HingeFit> {
    match terms {
        [] => Some(HingeFit {
            slopes: [0.0; 2],
            ssr: syy_c,
            inv_diag: [0.0; 2],
        }),
        [(sx, sxx, sxy)] => {
            let a = sxx - sx * sx / n;
            let b = sxy - sx * sy / n;
            if a.is_nan() || a <= 1e-12 * sxx.abs().max(1.0) {
                return None;
            }
            let beta = b / a;
            Some(HingeFit {
                slopes: [beta, 0.0],
                ssr: syy_c - beta * b,
                inv_diag: [1.0 / a, 0.0],
            })
        }
        [(s1, s11, s1y), (s2, s22, s2y)] => {
            let a11 = s11 - s1 * s1 / n;
            let a22 = s22 - s2 * s2 / n;
            let a12 = -s1 * s2 / n;
            let b1 = s1y - s1 * sy / n;
            let b2 = s2y - s2 * sy / n;
            let det = a11 * a22 - a12 * a12;
            if det.is_nan() || det <= 1e-12 * (a11 * a22).abs().max(1.0) {
                return None;
            }
            let beta1 = (a22 * b1 - a12 * b2) / det;
            let beta2 = (a11 * b2 - a12 * b1) / det;
            Some(HingeFit {
                slopes: [beta1, beta2],
                ssr: syy_c - beta1 * b1 - beta2 * b2,
                inv_diag: [a22 / det, a11 / det],
            })
        }
        _ => None,
    }
}

fn grid(range: (f64, f64), step: f64) -> Vec<f64> {
    let k = ((range.1 - range.0) / step).floor() as usize;
    (0..=k).map(|i| range.0 + i as f64 * step).collect()
}

/// Degree terms of a model for temperatures `temp_c`.
fn features(
    kind: ChangePointKind,
    heating: Option<f64>,
    cooling: Option<f64>,
    temp_c: &[f64],
) -> Vec<(&'static str, Vec<f64>)> {
    let hdd = |b: f64| temp_c.iter().map(|t| (b - t).max(0.0)).collect::<Vec<_>>();
    let cdd = |b: f64| temp_c.iter().map(|t| (t - b).max(0.0)).collect::<Vec<_>>();
    let mut out = Vec::new();
    if matches!(
        kind,
        ChangePointKind::Heating3p | ChangePointKind::FourP | ChangePointKind::FiveP
    ) {
        if let Some(b) = heating {
            out.push(("hdd", hdd(b)));
        }
    }
    if matches!(
        kind,
        ChangePointKind::Cooling3p | ChangePointKind::FourP | ChangePointKind::FiveP
    ) {
        if let Some(b) = cooling {
            out.push(("cdd", cdd(b)));
        }
    }
    out
}

/// Searches every shape and balance point, and fits the best qualifying model.
pub fn fit_change_point(
    temp_c: &[f64],
    energy: &[f64],
    options: &ChangePointOptions,
) -> Result<ChangePointModel> {
    if energy.is_empty() {
        return Err(Error::EmptySeries {
            column: "energy".into(),
            needed: 3,
        });
    }
    if temp_c.len() != energy.len() {
        return Err(Error::LengthMismatch {
            column: "temp_c".into(),
            expected: energy.len(),
            got: temp_c.len(),
        });
    }
    crate::series::check_finite("temp_c", temp_c)?;
    crate::series::check_finite("energy", energy)?;
    if !(options.step_c > 0.0 && options.step_c.is_finite()) {
        return Err(Error::invalid(
            "step_c",
            format!("must be a positive number of °C, got {}", options.step_c),
        ));
    }
    for (name, r) in [
        ("heating_range_c", options.heating_range_c),
        ("cooling_range_c", options.cooling_range_c),
    ] {
        if !(r.0.is_finite() && r.1.is_finite() && r.0 <= r.1) || (r.1 - r.0) / options.step_c > 1e5
        {
            return Err(Error::invalid(
                name,
                format!("must be a finite (low, high) pair with low <= high, got {r:?}"),
            ));
        }
    }
    let s = Sums::new(temp_c, energy);
    let min_k = options.min_points_beyond.max(1);
    let hgrid = grid(options.heating_range_c, options.step_c);
    let cgrid = grid(options.cooling_range_c, options.step_c);
    let ok = |slopes: &[(f64, f64)]| {
        slopes
            .iter()
            .all(|(b, p)| *b > 0.0 && p.is_finite() && *p < options.max_slope_p)
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut consider = |c: Candidate| {
        match candidates.iter_mut().find(|x| x.kind == c.kind) {
            Some(best) => {
                // a qualified candidate beats any unqualified one; then adjusted R²
                if (c.qualified, c.adj_r_squared) > (best.qualified, best.adj_r_squared) {
                    *best = c;
                }
            }
            None => candidates.push(c),
        }
    };
    for &kind in &options.kinds {
        match kind {
            ChangePointKind::Mean => consider(Candidate {
                kind,
                heating_balance_c: None,
                cooling_balance_c: None,
                adj_r_squared: 0.0,
                qualified: true,
            }),
            ChangePointKind::Heating3p => {
                for &b in &hgrid {
                    let (h, hh, hy, k) = s.heating(b);
                    if k < min_k {
                        continue;
                    }
                    if let Some((adj, sl)) = s.fit(&[(h, hh, hy)]) {
                        consider(Candidate {
                            kind,
                            heating_balance_c: Some(b),
                            cooling_balance_c: None,
                            adj_r_squared: adj,
                            qualified: ok(&sl),
                        });
                    }
                }
            }
            ChangePointKind::Cooling3p => {
                for &b in &cgrid {
                    let (c, cc, cy, k) = s.cooling(b);
                    if k < min_k {
                        continue;
                    }
                    if let Some((adj, sl)) = s.fit(&[(c, cc, cy)]) {
                        consider(Candidate {
                            kind,
                            heating_balance_c: None,
                            cooling_balance_c: Some(b),
                            adj_r_squared: adj,
                            qualified: ok(&sl),
                        });
                    }
                }
            }
            ChangePointKind::FourP | ChangePointKind::FiveP => {
                for &bh in &hgrid {
                    let (h, hh, hy, kh) = s.heating(bh);
                    if kh < min_k {
                        continue;
                    }
                    for &bc in &cgrid {
                        let valid = match kind {
                            ChangePointKind::FourP => bc == bh,
                            _ => bc > bh,
                        };
                        if !valid {
                            continue;
                        }
                        let (c, cc, cy, kc) = s.cooling(bc);
                        if kc < min_k {
                            continue;
                        }
                        if let Some((adj, sl)) = s.fit(&[(h, hh, hy), (c, cc, cy)]) {
                            consider(Candidate {
                                kind,
                                heating_balance_c: Some(bh),
                                cooling_balance_c: Some(bc),
                                adj_r_squared: adj,
                                qualified: ok(&sl),
                            });
                        }
                    }
                }
            }
        }
    }
    let best = candidates
        .iter()
        .filter(|c| c.qualified)
        .max_by(|a, b| a.adj_r_squared.total_cmp(&b.adj_r_squared))
        .cloned()
        .ok_or_else(|| {
            Error::invalid(
                "kinds",
                "no model shape qualified (include `mean` to always have one)",
            )
        })?;
    let feats = features(
        best.kind,
        best.heating_balance_c,
        best.cooling_balance_c,
        temp_c,
    );
    let refs: Vec<(&str, &[f64])> = feats.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    let fit = ols(
        energy,
        &refs,
        &OlsOptions {
            intercept: true,
            confidence: options.confidence,
        },
    )?;
    Ok(ChangePointModel {
        kind: best.kind,
        heating_balance_c: best.heating_balance_c,
        cooling_balance_c: best.cooling_balance_c,
        fit,
        candidates,
    })
}

impl ChangePointModel {
    /// What the savings uncertainty needs from the fit (the regression on the degree terms).
    pub fn fit_summary(&self) -> FitSummary {
        FitSummary {
            n: self.fit.n,
            df_resid: self.fit.df_resid,
            cv_rmse_pct: self.fit.cv_rmse_pct,
            resid_autocorr_lag1: self.fit.resid_autocorr_lag1,
        }
    }

    /// Energy performance over a reporting period (deviation, CUSUM, EnPI, savings with their
    /// uncertainty, see [`crate::baseline::performance`]): the model's expectation for the
    /// periods' mean temperatures `temp_c` against their `actual` energy.
    pub fn performance(
        &self,
        temp_c: &[f64],
        actual: &[f64],
        options: &PerformanceOptions,
    ) -> Result<PerformanceReport> {
        let expected = self.predict(temp_c)?;
        report(expected, actual, &self.fit_summary(), true, options)
    }

    /// Predicted energy per period for mean temperatures `temp_c`.
    pub fn predict(&self, temp_c: &[f64]) -> Result<Vec<f64>> {
        crate::series::check_finite("temp_c", temp_c)?;
        let feats = features(
            self.kind,
            self.heating_balance_c,
            self.cooling_balance_c,
            temp_c,
        );
        if feats.is_empty() {
            return Ok(vec![self.fit.coefficients[0].estimate; temp_c.len()]);
        }
        let refs: Vec<&[f64]> = feats.iter().map(|(_, v)| v.as_slice()).collect();
        self.fit.predict(&refs)
    }
}

impl crate::options::Saved for ChangePointModel {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_documented_names() {
        for k in ChangePointOptions::default().kinds {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<ChangePointKind>(&json).unwrap(), k);
        }
        // the names written before `heating_3p` and `cooling_3p` still load
        for (old, k) in [
            ("\"heating3p\"", ChangePointKind::Heating3p),
            ("\"cooling3p\"", ChangePointKind::Cooling3p),
        ] {
            assert_eq!(serde_json::from_str::<ChangePointKind>(old).unwrap(), k);
        }
    }

    #[test]
    fn prefix_sums_equal_direct_sums() {
        let t: Vec<f64> = (0..50).map(|i| f64::from(i) * 0.7 - 5.0).collect();
        let y: Vec<f64> = t.iter().map(|v| 3.0 * v + 1.0).collect();
        let s = Sums::new(&t, &y);
        for b in [-10.0, 0.0, 7.3, 12.0, 40.0] {
            let h: Vec<f64> = t.iter().map(|v| (b - v).max(0.0)).collect();
            let (sh, shh, shy, _) = s.heating(b);
            assert!((sh - h.iter().sum::<f64>()).abs() < 1e-9);
            assert!((shh - h.iter().map(|x| x * x).sum::<f64>()).abs() < 1e-7);
            assert!((shy - h.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>()).abs() < 1e-7);
            let c: Vec<f64> = t.iter().map(|v| (v - b).max(0.0)).collect();
            let (sc, scc, scy, _) = s.cooling(b);
            assert!((sc - c.iter().sum::<f64>()).abs() < 1e-9);
            assert!((scc - c.iter().map(|x| x * x).sum::<f64>()).abs() < 1e-7);
            assert!((scy - c.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>()).abs() < 1e-7);
        }
    }
}
