//! Ordinary least squares with the statistics of a regression summary.
//!
//! `y = X β + ε`, solved by Householder QR of `X` (never the normal equations), so collinear or
//! constant drivers are detected from the pivots of `R` and named, not turned into huge numbers.
//! With `n` observations and `p` parameters (the intercept included), `df_resid = n - p` and
//! `df_model = p - 1` with an intercept (`p` without):
//!
//! - `σ² = SSR / df_resid`; `se(β) = σ sqrt(diag((XᵀX)⁻¹))` with `(XᵀX)⁻¹ = R⁻¹ R⁻ᵀ`;
//!   `t = β / se`; two-sided p from Student's t with `df_resid`; confidence intervals
//!   `β ± t_{1-α/2} se`.
//! - `R² = 1 - SSR / TSS` (TSS centred with an intercept, uncentred without);
//!   `adj R² = 1 - (n - k) / df_resid (1 - R²)`, `k` = 1 with an intercept, else 0;
//!   `F = ((TSS - SSR) / df_model) / σ²` with its upper-tail p.
//! - `log L = -n/2 (ln 2π + ln(SSR/n) + 1)`; `AIC = -2 log L + 2p`; `BIC = -2 log L + p ln n`.
//! - Durbin-Watson `Σ (e_t - e_{t-1})² / SSR`; VIF of driver `j`: `1 / (1 - R²_j)` of `x_j`
//!   regressed on the other columns.
//! - ASHRAE Guideline 14: `CV(RMSE) = sqrt(SSR / (n - p)) / ȳ`, `NMBE = Σ (y - ŷ) / ((n - p) ȳ)`,
//!   both in percent.
//! - For a new row `x₀`: `ŷ ± t_{1-α/2} σ sqrt(1 + x₀ᵀ (XᵀX)⁻¹ x₀)` (prediction interval) and
//!   without the `1 +` for the mean.
//!
//! The conventions are statsmodels' `OLS(...).fit()` (its `summary()`), `variance_inflation_factor`
//! and `durbin_watson`; the tests compare with values that statsmodels printed
//! (`scripts/reference/ols_reference.py`).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::dist::{f_sf, t_quantile, t_two_sided_p};

/// Relative size of an `R` pivot below which a column counts as a linear combination of the
/// columns before it.
const RANK_TOL: f64 = 1e-10;

/// Options of an OLS fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OlsOptions {
    /// Add an intercept (a column of ones, first, named `const`). Default `true`.
    pub intercept: bool,
    /// Confidence level of the coefficient intervals, in (0, 1). Default 0.95.
    pub confidence: f64,
}

impl Default for OlsOptions {
    fn default() -> Self {
        OlsOptions {
            intercept: true,
            confidence: 0.95,
        }
    }
}

/// One estimated parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    /// Driver name (`const` for the intercept).
    pub name: String,
    /// Estimate.
    #[serde(with = "crate::stats::nonfinite")]
    pub estimate: f64,
    /// Standard error.
    #[serde(with = "crate::stats::nonfinite")]
    pub std_error: f64,
    /// t statistic.
    #[serde(with = "crate::stats::nonfinite")]
    pub t: f64,
    /// Two-sided p-value.
    #[serde(with = "crate::stats::nonfinite")]
    pub p_value: f64,
    /// Lower bound of the confidence interval.
    #[serde(with = "crate::stats::nonfinite")]
    pub ci_low: f64,
    /// Upper bound of the confidence interval.
    #[serde(with = "crate::stats::nonfinite")]
    pub ci_high: f64,
    /// Variance inflation factor (drivers only; `None` for the intercept or a single driver).
    pub vif: Option<f64>,
}

/// A fitted OLS model with its statistics; everything needed to predict with intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OlsFit {
    /// Options it was fitted with.
    pub options: OlsOptions,
    /// Parameters in design order (the intercept first when there is one).
    pub coefficients: Vec<Coefficient>,
    /// Observations.
    pub n: usize,
    /// Model degrees of freedom.
    #[serde(with = "crate::stats::nonfinite")]
    pub df_model: f64,
    /// Residual degrees of freedom.
    #[serde(with = "crate::stats::nonfinite")]
    pub df_resid: f64,
    /// Sum of squared residuals.
    #[serde(with = "crate::stats::nonfinite")]
    pub ssr: f64,
    /// Total sum of squares (centred with an intercept).
    #[serde(with = "crate::stats::nonfinite")]
    pub tss: f64,
    /// Mean of `y`.
    #[serde(with = "crate::stats::nonfinite")]
    pub mean_y: f64,
    /// Coefficient of determination.
    #[serde(with = "crate::stats::nonfinite")]
    pub r_squared: f64,
    /// Adjusted R².
    #[serde(with = "crate::stats::nonfinite")]
    pub adj_r_squared: f64,
    /// F statistic of the model against the intercept-only model.
    #[serde(with = "crate::stats::nonfinite")]
    pub f_statistic: f64,
    /// p-value of F.
    #[serde(with = "crate::stats::nonfinite")]
    pub f_p_value: f64,
    /// Residual standard error `σ`.
    #[serde(with = "crate::stats::nonfinite")]
    pub residual_std_error: f64,
    /// Log-likelihood.
    #[serde(with = "crate::stats::nonfinite")]
    pub log_likelihood: f64,
    /// Akaike information criterion.
    #[serde(with = "crate::stats::nonfinite")]
    pub aic: f64,
    /// Bayesian information criterion.
    #[serde(with = "crate::stats::nonfinite")]
    pub bic: f64,
    /// Durbin-Watson statistic of the residuals.
    #[serde(with = "crate::stats::nonfinite")]
    pub durbin_watson: f64,
    /// Lag-1 autocorrelation of the residuals, `Σ e_t e_(t-1) / Σ e_t²`.
    #[serde(with = "crate::stats::nonfinite")]
    pub resid_autocorr_lag1: f64,
    /// CV(RMSE), percent (ASHRAE Guideline 14, `n - p` degrees of freedom).
    #[serde(with = "crate::stats::nonfinite")]
    pub cv_rmse_pct: f64,
    /// Normalised mean bias error, percent (ASHRAE Guideline 14).
    #[serde(with = "crate::stats::nonfinite")]
    pub nmbe_pct: f64,
    /// `(XᵀX)⁻¹`, row-major `p x p`.
    pub cov_unscaled: Vec<f64>,
}

/// A prediction with its intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Predicted values.
    pub mean: Vec<f64>,
    /// Lower bound of the prediction interval (a new observation).
    pub pi_low: Vec<f64>,
    /// Upper bound of the prediction interval.
    pub pi_high: Vec<f64>,
    /// Lower bound of the confidence interval of the mean.
    pub ci_low: Vec<f64>,
    /// Upper bound of the confidence interval of the mean.
    pub ci_high: Vec<f64>,
}

/// `Σ a_i b_i` with eight independent accumulators, so the reduction vectorises (a single
/// running sum is a chain of dependent additions).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]) + tail
}

/// `y -= s x`.
fn axpy(y: &mut [f64], s: f64, x: &[f64]) {
    for (a, b) in y.iter_mut().zip(x) {
        *a -= s * b;
    }
}

/// Rows per block of the tall-skinny QR: a block and the running `R` fit in the L1 cache.
const BLOCK_ROWS: usize = 256;

/// Householder QR, in place, of a small column-major `m x q` matrix: on return its top `q x q`
/// holds `R` (upper triangular, zeros below the diagonal).
fn householder_in_place(buf: &mut [f64], m: usize, q: usize) {
    for k in 0..q.min(m) {
        let (before, rest) = buf.split_at_mut((k + 1) * m);
        let col = &mut before[k * m..];
        let norm = dot(&col[k..], &col[k..]).sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if col[k] > 0.0 { -norm } else { norm };
        col[k] -= alpha;
        let vnorm2 = dot(&col[k..], &col[k..]);
        if vnorm2 > 0.0 {
            let v = &col[k..];
            for j in 0..q - k - 1 {
                let cj = &mut rest[j * m + k..(j + 1) * m];
                let s = 2.0 * dot(v, cj) / vnorm2;
                axpy(cj, s, v);
            }
        }
        col[k] = alpha;
        col[k + 1..].iter_mut().for_each(|v| *v = 0.0);
    }
}

/// The `R` factor (row-major `q x q`) of the augmented matrix `[X y]`, where `X` is the intercept
/// (when asked for) and the driver columns: a tall-skinny QR that streams the rows in blocks
/// through a small buffer (one pass over the data, no copy of the design). `R[..p][..p]` is the
/// `R` of `X`, `R[..p][p]` is `(Qᵀy)[..p]` and `|R[p][p]|` is the residual norm.
fn augmented_r(drivers: &[(&str, &[f64])], intercept: bool, y: &[f64]) -> Vec<f64> {
    let n = y.len();
    let q = drivers.len() + usize::from(intercept) + 1;
    let mut r = vec![0.0; q * q];
    let mut buf = vec![0.0; (q + BLOCK_ROWS) * q];
    let mut start = 0;
    while start < n {
        let b = BLOCK_ROWS.min(n - start);
        let m = q + b;
        let buf = &mut buf[..m * q];
        for j in 0..q {
            let col = &mut buf[j * m..(j + 1) * m];
            for i in 0..q {
                col[i] = r[i * q + j];
            }
            let dst = &mut col[q..];
            let k = j as isize - isize::from(intercept);
            if j == q - 1 {
                dst.copy_from_slice(&y[start..start + b]);
            } else if k < 0 {
                dst.iter_mut().for_each(|v| *v = 1.0);
            } else {
                dst.copy_from_slice(&drivers[k as usize].1[start..start + b]);
            }
        }
        householder_in_place(buf, m, q);
        for i in 0..q {
            for j in 0..q {
                r[i * q + j] = if j >= i { buf[j * m + i] } else { 0.0 };
            }
        }
        start += b;
    }
    r
}

/// Solves `R b = c` for upper triangular row-major `R` (`p x p` inside a `stride`-wide matrix).
fn back_substitute(r: &[f64], stride: usize, p: usize, c: &[f64]) -> Vec<f64> {
    let mut b = vec![0.0; p];
    for i in (0..p).rev() {
        let mut s = c[i];
        for (j, bj) in b.iter().enumerate().skip(i + 1) {
            s -= r[i * stride + j] * bj;
        }
        b[i] = s / r[i * stride + i];
    }
    b
}

/// `R⁻¹` (upper triangular, row-major `p x p`) of the top-left `p x p` of `r`.
fn r_inverse(r: &[f64], stride: usize, p: usize) -> Vec<f64> {
    let mut inv = vec![0.0; p * p];
    for j in 0..p {
        inv[j * p + j] = 1.0 / r[j * stride + j];
        for i in (0..j).rev() {
            let mut s = 0.0;
            for k in i + 1..=j {
                s += r[i * stride + k] * inv[k * p + j];
            }
            inv[i * p + j] = -s / r[i * stride + i];
        }
    }
    inv
}

fn check_column(name: &str, v: &[f64], n: usize) -> Result<()> {
    if v.len() != n {
        return Err(Error::LengthMismatch {
            column: name.to_string(),
            expected: n,
            got: v.len(),
        });
    }
    crate::series::check_finite(name, v)
}

/// Fits `y` on the named driver columns.
///
/// Errors: an empty `y`; a driver of another length; NaN or infinity (naming the column and
/// row); fewer observations than parameters plus one; a constant driver (with an intercept) or a
/// driver that is a linear combination of the others (named).
pub fn ols(y: &[f64], drivers: &[(&str, &[f64])], options: &OlsOptions) -> Result<OlsFit> {
    let n = y.len();
    if n == 0 {
        return Err(Error::EmptySeries {
            column: "y".into(),
            needed: drivers.len() + 2,
        });
    }
    if !(options.confidence > 0.0 && options.confidence < 1.0) {
        return Err(Error::invalid(
            "confidence",
            format!("must lie in (0, 1), got {}", options.confidence),
        ));
    }
    check_column("y", y, n)?;
    for (name, v) in drivers {
        check_column(name, v, n)?;
    }
    for (i, (a, _)) in drivers.iter().enumerate() {
        if drivers[..i].iter().any(|(b, _)| b == a) || (options.intercept && *a == "const") {
            return Err(Error::invalid(
                a,
                "the same name is used for two columns (`const` is the intercept)",
            ));
        }
    }
    let mut names = Vec::with_capacity(drivers.len() + 1);
    if options.intercept {
        names.push("const".to_string());
    }
    names.extend(drivers.iter().map(|(name, _)| (*name).to_string()));
    let p = names.len();
    if p == 0 {
        return Err(Error::invalid(
            "drivers",
            "no drivers and no intercept: nothing to fit",
        ));
    }
    if n <= p {
        return Err(Error::invalid(
            "y",
            format!(
                "{n} observations for {p} parameters: at least {} are needed",
                p + 1
            ),
        ));
    }
    let column = |j: usize| -> Option<&[f64]> {
        let k = j as isize - isize::from(options.intercept);
        (k >= 0).then(|| drivers[k as usize].1)
    };
    let q = p + 1;
    let r = augmented_r(drivers, options.intercept, y);
    for j in 0..p {
        // ‖x_j‖ is the norm of R's column j (Q is orthogonal)
        let norm = (0..=j)
            .map(|i| r[i * q + j] * r[i * q + j])
            .sum::<f64>()
            .sqrt();
        if r[j * q + j].abs() <= RANK_TOL * norm.max(f64::MIN_POSITIVE) {
            let reason = match column(j) {
                Some(col) if col.iter().all(|v| *v == col[0]) && options.intercept => format!(
                    "is constant ({}): it cannot be told apart from the intercept",
                    col[0]
                ),
                _ if norm == 0.0 => "is all zeros".to_string(),
                _ => format!(
                    "is collinear with {}: a linear combination of them",
                    names[..j]
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(Error::invalid(&names[j], reason));
        }
    }
    let qty: Vec<f64> = (0..p).map(|i| r[i * q + p]).collect();
    let beta = back_substitute(&r, q, p, &qty);
    let rinv = r_inverse(&r, q, p);
    // (XᵀX)⁻¹ = R⁻¹ R⁻ᵀ
    let mut cov = vec![0.0; p * p];
    for i in 0..p {
        for j in i..p {
            let s: f64 = (j..p).map(|k| rinv[i * p + k] * rinv[j * p + k]).sum();
            cov[i * p + j] = s;
            cov[j * p + i] = s;
        }
    }
    // residuals from the data (not from Qᵀy) so DW and NMBE see them in time order
    let mut resid = y.to_vec();
    for (j, b) in beta.iter().enumerate() {
        match column(j) {
            Some(col) => axpy(&mut resid, *b, col),
            None => resid.iter_mut().for_each(|e| *e -= b),
        }
    }
    let ssr = dot(&resid, &resid);
    let nf = n as f64;
    let mean_y = y.iter().sum::<f64>() / nf;
    let tss = if options.intercept {
        y.iter().map(|v| (v - mean_y) * (v - mean_y)).sum::<f64>()
    } else {
        y.iter().map(|v| v * v).sum::<f64>()
    };
    let k_const = usize::from(options.intercept) as f64;
    let df_resid = (n - p) as f64;
    let df_model = p as f64 - k_const;
    let sigma2 = ssr / df_resid;
    let r2 = 1.0 - ssr / tss;
    let adj = 1.0 - (nf - k_const) / df_resid * (1.0 - r2);
    let (f, f_p) = if df_model > 0.0 {
        let f = ((tss - ssr) / df_model) / sigma2;
        (f, f_sf(f, df_model, df_resid))
    } else {
        (f64::NAN, f64::NAN)
    };
    let llf = -nf / 2.0 * ((2.0 * std::f64::consts::PI).ln() + (ssr / nf).ln() + 1.0);
    let dw = resid
        .windows(2)
        .map(|w| (w[1] - w[0]) * (w[1] - w[0]))
        .sum::<f64>()
        / ssr;
    let tq = t_quantile(0.5 + options.confidence / 2.0, df_resid);
    let first_driver = usize::from(options.intercept);
    let mut coefficients = Vec::with_capacity(p);
    for j in 0..p {
        let se = (sigma2 * cov[j * p + j]).sqrt();
        let t = beta[j] / se;
        // VIF_j = 1 / (1 - R²_j) of x_j on every other column (the intercept included, as
        // statsmodels does); the residual sum of squares of that regression is
        // 1 / [(XᵀX)⁻¹]_jj, so VIF_j = TSS_j [(XᵀX)⁻¹]_jj without refitting.
        let vif = match column(j).filter(|_| p - first_driver >= 2) {
            None => None,
            Some(col) => {
                let tss_j = if options.intercept {
                    let m = col.iter().sum::<f64>() / nf;
                    col.iter().map(|v| (v - m) * (v - m)).sum::<f64>()
                } else {
                    dot(col, col)
                };
                Some(tss_j * cov[j * p + j])
            }
        };
        coefficients.push(Coefficient {
            name: names[j].clone(),
            estimate: beta[j],
            std_error: se,
            t,
            p_value: t_two_sided_p(t, df_resid),
            ci_low: beta[j] - tq * se,
            ci_high: beta[j] + tq * se,
            vif,
        });
    }
    Ok(OlsFit {
        options: *options,
        coefficients,
        n,
        df_model,
        df_resid,
        ssr,
        tss,
        mean_y,
        r_squared: r2,
        adj_r_squared: adj,
        f_statistic: f,
        f_p_value: f_p,
        residual_std_error: sigma2.sqrt(),
        log_likelihood: llf,
        aic: -2.0 * llf + 2.0 * p as f64,
        bic: -2.0 * llf + nf.ln() * p as f64,
        durbin_watson: dw,
        resid_autocorr_lag1: resid.windows(2).map(|w| w[0] * w[1]).sum::<f64>() / ssr,
        cv_rmse_pct: 100.0 * sigma2.sqrt() / mean_y,
        nmbe_pct: 100.0 * resid.iter().sum::<f64>() / (df_resid * mean_y),
        cov_unscaled: cov,
    })
}

impl OlsFit {
    /// Names of the drivers (without the intercept), in the order `predict` expects them.
    pub fn driver_names(&self) -> Vec<&str> {
        let skip = usize::from(self.options.intercept);
        self.coefficients[skip..]
            .iter()
            .map(|c| c.name.as_str())
            .collect()
    }

    /// Number of parameters.
    pub fn n_params(&self) -> usize {
        self.coefficients.len()
    }

    fn check_new(&self, drivers: &[&[f64]]) -> Result<usize> {
        let names = self.driver_names();
        if drivers.len() != names.len() {
            return Err(Error::LengthMismatch {
                column: "drivers".into(),
                expected: names.len(),
                got: drivers.len(),
            });
        }
        let m = drivers.first().map_or(0, |d| d.len());
        for (name, d) in names.iter().zip(drivers) {
            check_column(name, d, m)?;
        }
        Ok(m)
    }

    /// Predicted values for new driver columns (in [`OlsFit::driver_names`] order).
    pub fn predict(&self, drivers: &[&[f64]]) -> Result<Vec<f64>> {
        let m = self.check_new(drivers)?;
        let skip = usize::from(self.options.intercept);
        let mut out = vec![
            if skip == 1 {
                self.coefficients[0].estimate
            } else {
                0.0
            };
            m
        ];
        for (c, d) in self.coefficients[skip..].iter().zip(drivers) {
            for (o, v) in out.iter_mut().zip(d.iter()) {
                *o += c.estimate * v;
            }
        }
        Ok(out)
    }

    /// Predicted values with prediction and confidence intervals at `level` (e.g. 0.95).
    pub fn predict_interval(&self, drivers: &[&[f64]], level: f64) -> Result<Prediction> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::invalid(
                "level",
                format!("must lie in (0, 1), got {level}"),
            ));
        }
        let mean = self.predict(drivers)?;
        let p = self.n_params();
        let skip = usize::from(self.options.intercept);
        let sigma2 = self.residual_std_error * self.residual_std_error;
        let tq = t_quantile(0.5 + level / 2.0, self.df_resid);
        let m = mean.len();
        let mut out = Prediction {
            mean,
            pi_low: Vec::with_capacity(m),
            pi_high: Vec::with_capacity(m),
            ci_low: Vec::with_capacity(m),
            ci_high: Vec::with_capacity(m),
        };
        let mut x0 = vec![1.0; p];
        for i in 0..m {
            for (k, d) in drivers.iter().enumerate() {
                x0[skip + k] = d[i];
            }
            let mut q = 0.0;
            for a in 0..p {
                for b in 0..p {
                    q += x0[a] * self.cov_unscaled[a * p + b] * x0[b];
                }
            }
            let se_mean = (sigma2 * q).sqrt();
            let se_obs = (sigma2 * (1.0 + q)).sqrt();
            let y = out.mean[i];
            out.ci_low.push(y - tq * se_mean);
            out.ci_high.push(y + tq * se_mean);
            out.pi_low.push(y - tq * se_obs);
            out.pi_high.push(y + tq * se_obs);
        }
        Ok(out)
    }

    /// A statsmodels-like text summary.
    pub fn summary(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let line = "=".repeat(86);
        let _ = writeln!(s, "{:^86}", "OLS Regression Results");
        let _ = writeln!(s, "{line}");
        let _ = writeln!(
            s,
            "No. Observations: {:>10}    R-squared:          {:>12.4}    AIC: {:>14.4}",
            self.n, self.r_squared, self.aic
        );
        let _ = writeln!(
            s,
            "Df Residuals:     {:>10}    Adj. R-squared:     {:>12.4}    BIC: {:>14.4}",
            self.df_resid, self.adj_r_squared, self.bic
        );
        let _ = writeln!(
            s,
            "Df Model:         {:>10}    F-statistic:        {:>12.4}    Log-Likelihood: {:>9.2}",
            self.df_model, self.f_statistic, self.log_likelihood
        );
        let _ = writeln!(
            s,
            "Residual std err: {:>10.4}    Prob (F-statistic): {:>12.4e}    Durbin-Watson: {:>9.3}",
            self.residual_std_error, self.f_p_value, self.durbin_watson
        );
        let _ = writeln!(
            s,
            "CV(RMSE) %:       {:>10.3}    NMBE %:             {:>12.3e}",
            self.cv_rmse_pct, self.nmbe_pct
        );
        let _ = writeln!(s, "{line}");
        let level = self.options.confidence;
        let _ = writeln!(
            s,
            "{:<20}{:>11}{:>11}{:>9}{:>10}{:>11}{:>11}{:>3}{:>8}",
            "",
            "coef",
            "std err",
            "t",
            "P>|t|",
            format!("[{:.3}", (1.0 - level) / 2.0),
            format!("{:.3}]", 0.5 + level / 2.0),
            "",
            "VIF"
        );
        let _ = writeln!(s, "{}", "-".repeat(86));
        for c in &self.coefficients {
            let _ = writeln!(
                s,
                "{:<20}{:>11.4}{:>11.4}{:>9.3}{:>10.3}{:>11.4}{:>11.4}{:>3}{:>8}",
                c.name,
                c.estimate,
                c.std_error,
                c.t,
                c.p_value,
                c.ci_low,
                c.ci_high,
                "",
                c.vif.map_or_else(String::new, |v| format!("{v:.2}"))
            );
        }
        let _ = write!(s, "{line}");
        s
    }
}

impl crate::options::Saved for OlsFit {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_line_and_errors() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| 3.0 + 2.0 * v + if i % 2 == 0 { 0.1 } else { -0.1 })
            .collect();
        let fit = ols(&y, &[("x", &x)], &OlsOptions::default()).unwrap();
        assert!((fit.coefficients[1].estimate - 2.0).abs() < 0.05);
        assert!(fit.r_squared > 0.99);
        assert!(fit.nmbe_pct.abs() < 1e-9);
        let pred = fit.predict(&[&[20.0]]).unwrap();
        assert!((pred[0] - 43.0).abs() < 1.0);
        let iv = fit.predict_interval(&[&[20.0]], 0.95).unwrap();
        assert!(iv.pi_low[0] < iv.ci_low[0] && iv.ci_high[0] < iv.pi_high[0]);

        let constant = vec![5.0; 10];
        let e = ols(
            &y,
            &[("x", &x), ("shift", &constant)],
            &OlsOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("shift"));
        assert!(e.to_string().contains("constant"), "{e}");
        let double: Vec<f64> = x.iter().map(|v| 2.0 * v + 1.0).collect();
        let e = ols(&y, &[("x", &x), ("x2", &double)], &OlsOptions::default()).unwrap_err();
        assert_eq!(e.field(), Some("x2"));
        assert!(e.to_string().contains("collinear"), "{e}");
        let mut bad = x.clone();
        bad[4] = f64::NAN;
        let e = ols(&y, &[("x", &bad)], &OlsOptions::default()).unwrap_err();
        assert_eq!(e.code(), "NON_FINITE");
        assert_eq!(e.field(), Some("x"));
        let e = ols(&y[..2], &[("x", &x[..2])], &OlsOptions::default()).unwrap_err();
        assert_eq!(e.field(), Some("y"));
        let e = ols(&y, &[("x", &x[..3])], &OlsOptions::default()).unwrap_err();
        assert_eq!(e.code(), "LENGTH_MISMATCH");
        assert!(ols(&[], &[], &OlsOptions::default()).is_err());
        assert!(fit.predict(&[]).is_err());
    }

    #[test]
    fn a_fit_with_nan_statistics_survives_json() {
        // no drivers: F and its p are NaN; a constant target: R² too
        for y in [vec![1.0, 2.0, 4.0, 3.0], vec![2.0; 4]] {
            let fit = ols(&y, &[], &OlsOptions::default()).unwrap();
            assert!(fit.f_statistic.is_nan());
            let json = serde_json::to_string(&fit).unwrap();
            assert!(json.contains("\"f_statistic\":\"NaN\""), "{json}");
            let back: OlsFit = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), json);
            assert!(back.f_p_value.is_nan());
            assert_eq!(back.coefficients[0].estimate, fit.coefficients[0].estimate);
            // NaN reads back as NaN (its sign and payload are not kept)
            assert!(
                back.r_squared == fit.r_squared
                    || back.r_squared.is_nan() && fit.r_squared.is_nan()
            );
        }
        // `null`, as serde_json wrote NaN before, reads as NaN; infinities round-trip
        let mut v: serde_json::Value =
            serde_json::to_value(ols(&[1.0, 2.0, 4.0], &[], &OlsOptions::default()).unwrap())
                .unwrap();
        v["f_statistic"] = serde_json::Value::Null;
        v["coefficients"][0]["t"] = "-inf".into();
        let back: OlsFit = serde_json::from_value(v.clone()).unwrap();
        assert!(back.f_statistic.is_nan());
        assert_eq!(back.coefficients[0].t, f64::NEG_INFINITY);
        v["aic"] = "lots".into();
        assert!(serde_json::from_value::<OlsFit>(v).is_err());
    }
}
