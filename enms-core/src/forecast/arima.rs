//! ARIMA(p,d,q)(P,D,Q)s with exogenous regressors (Box and Jenkins), estimated by exact Gaussian
//! maximum likelihood in state-space form, with automatic order selection: the next-hour model.
//!
//! # The model
//!
//! Regression with ARIMA errors, as R's `arima` and statsforecast's `ARIMA` write it:
//!
//! ```text
//! y_t = x_t' β + u_t
//! φ(B) Φ(B^s) (1 - B)^d (1 - B^s)^D u_t = θ(B) Θ(B^s) ε_t,     ε_t ~ N(0, σ²)
//! ```
//!
//! with `φ(B) = 1 - φ_1 B - ... - φ_p B^p`, `θ(B) = 1 + θ_1 B + ... + θ_q B^q` and the seasonal
//! polynomials `Φ`, `Θ` in `B^s`. The regressors `x_t` are the user's columns and, by default
//! (R's `forecast::Arima`, statsforecast), a constant: a mean (a column of ones) when `d + D = 0`,
//! a drift (the column `1, 2, ..., n`) when `d + D = 1`, nothing when the series is differenced
//! more. [`Constant`] overrides the choice.
//!
//! # The likelihood
//!
//! With `w = Δ(y - Xβ)`, `Δ = (1 - B)^d (1 - B^s)^D`, the `n - d - sD` differenced values
//! follow the stationary ARMA `φ Φ w = θ Θ ε`. Its exact Gaussian likelihood comes from the Kalman
//! filter on the state-space form of Gardner, Harvey and Phillips (1980) (Harvey 1989; Durbin and
//! Koopman 2012, ch. 3) started from the stationary state covariance, with `σ²` concentrated out:
//! `-2 log L = n (log 2π σ̂² + 1) + Σ log F_t`, `σ̂² = Σ v_t² / F_t / n`. This is the likelihood
//! R's `arima` and statsforecast compute with a diffuse prior on the differencing states (the
//! prior is what drops the first `d + sD` observations; here they are differenced away). When the
//! state covariance has converged the filter switches to its steady state, so a long series costs
//! `O(n r)` rather than `O(n r²)`.
//!
//! Estimation is R's default `"CSS-ML"`: conditional sum of squares first (residuals after the
//! first `p + sP` differenced values, earlier innovations zero), then maximum likelihood from
//! there. Stationarity is enforced by optimising the partial autocorrelations of `φ` and of `Φ`
//! through `tanh` (Jones 1980, R's `transform.pars`); the regression coefficients are estimated
//! jointly, starting from least squares on the differenced data. The optimiser is BFGS with
//! forward-difference gradients (module `optim`). `AIC = -2 log L + 2k`, `AICc = AIC + 2k(k+1)/(n-k-1)`,
//! `BIC = AIC + k (log n - 2)`, with `k` the number of estimated coefficients plus one (`σ²`) and
//! `n` the number of differenced observations.
//!
//! # Forecasts
//!
//! From the filtered state at the end of the data, the full state (ARMA part and the last `d + sD`
//! values of `u`) is propagated `h` steps; the forecast variance is `σ² Z P_h Z'`, exact for the
//! fitted coefficients, and the intervals are normal. [`ArimaModel::update`] filters new
//! observations with the coefficients kept fixed (fit once a day, update every hour).
//!
//! # Automatic order selection
//!
//! [`auto_arima`] follows Hyndman and Khandakar (2008) as statsforecast's `AutoARIMA` implements
//! it: `D` from the STL seasonal strength (`> 0.64`, at most 1), `d` from repeated KPSS tests at
//! 5 % (at most 2) on the seasonally differenced data, then a stepwise search on AICc from
//! ARIMA(2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0), (0,d,1)(0,D,1) and the model without
//! constant, moving one or two orders at a time (module `auto` lists the exact rules). For long
//! series (`n > 150`) or a season longer than 12 the search compares conditional-sum-of-squares
//! fits and the best is then refitted by maximum likelihood (the `approximation` of statsforecast).
//! A model whose AR or MA polynomial has a root within 1.01 of the unit circle is rejected.
//!
//! # References
//!
//! - G. E. P. Box, G. M. Jenkins, G. C. Reinsel, G. M. Ljung, *Time Series Analysis: Forecasting
//!   and Control*, 5th ed., Wiley, 2015.
//! - J. Durbin, S. J. Koopman, *Time Series Analysis by State Space Methods*, 2nd ed., OUP, 2012.
//! - G. Gardner, A. C. Harvey, G. D. A. Phillips, "Algorithm AS 154", *Applied Statistics* 29, 1980.
//! - R. J. Hyndman, Y. Khandakar, "Automatic time series forecasting: the forecast package for
//!   R", *Journal of Statistical Software* 27(3), 2008.
//! - R Core, `stats::arima`; Nixtla, `statsforecast.arima` (the reference for the tests).

mod auto;
mod kalman;
mod optim;
mod unitroot;

pub use auto::{auto_arima, auto_arima_trace, AutoArimaOptions, Candidate, InformationCriterion};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::forecast::{
    check_horizon, check_levels, future_timestamps, regular_step, Forecast, PredictionInterval,
};
use crate::stats::dist::normal_quantile;
use crate::time::Timestamp;

use kalman::Arma;
use optim::{bfgs, BfgsOptions};

/// Relative objective change that ends the conditional-sum-of-squares minimisation.
const CSS_FTOL: f64 = 1e-6;

/// The orders of a seasonal ARIMA(p,d,q)(P,D,Q)s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArimaOrder {
    /// Non-seasonal autoregressive order.
    pub p: usize,
    /// Non-seasonal differences.
    pub d: usize,
    /// Non-seasonal moving-average order.
    pub q: usize,
    /// Seasonal autoregressive order `P`.
    pub seasonal_p: usize,
    /// Seasonal differences `D`.
    pub seasonal_d: usize,
    /// Seasonal moving-average order `Q`.
    pub seasonal_q: usize,
    /// Season length `s` in steps (24 for a daily cycle of hourly data); 1 without seasonality.
    pub season_length: usize,
}

impl ArimaOrder {
    /// A non-seasonal ARIMA(p,d,q).
    pub fn new(p: usize, d: usize, q: usize) -> Self {
        ArimaOrder {
            p,
            d,
            q,
            seasonal_p: 0,
            seasonal_d: 0,
            seasonal_q: 0,
            season_length: 1,
        }
    }

    /// The same orders with a seasonal part (P,D,Q) of length `s`.
    pub fn with_seasonal(mut self, p: usize, d: usize, q: usize, s: usize) -> Self {
        self.seasonal_p = p;
        self.seasonal_d = d;
        self.seasonal_q = q;
        self.season_length = s;
        self
    }

    fn s(&self) -> usize {
        if self.has_season() {
            self.season_length
        } else {
            1
        }
    }

    fn has_season(&self) -> bool {
        self.season_length > 1
    }

    /// Number of observations lost to differencing, `d + s D`.
    pub fn n_diff(&self) -> usize {
        self.d
            + if self.has_season() {
                self.season_length * self.seasonal_d
            } else {
                0
            }
    }

    /// `d + D`.
    pub fn total_d(&self) -> usize {
        self.d
            + if self.has_season() {
                self.seasonal_d
            } else {
                0
            }
    }

    fn p_full(&self) -> usize {
        self.p
            + if self.has_season() {
                self.season_length * self.seasonal_p
            } else {
                0
            }
    }

    fn q_full(&self) -> usize {
        self.q
            + if self.has_season() {
                self.season_length * self.seasonal_q
            } else {
                0
            }
    }

    fn n_arma(&self) -> usize {
        self.p + self.q + self.seasonal_p + self.seasonal_q
    }
}

impl std::fmt::Display for ArimaOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ARIMA({},{},{})", self.p, self.d, self.q)?;
        if self.has_season() {
            write!(
                f,
                "({},{},{})[{}]",
                self.seasonal_p, self.seasonal_d, self.seasonal_q, self.season_length
            )?;
        }
        Ok(())
    }
}

/// The constant term of the regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Constant {
    /// A mean when `d + D = 0`, a drift when `d + D = 1`, nothing otherwise (R's
    /// `forecast::Arima`, statsforecast).
    #[default]
    Auto,
    /// A mean when `d + D = 0`, a drift when `d + D = 1`; an error when `d + D > 1`.
    Include,
    /// No constant.
    Exclude,
}

/// The estimation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ArimaMethod {
    /// Conditional sum of squares for starting values, then exact maximum likelihood (R's default).
    #[default]
    CssMl,
    /// Exact maximum likelihood from zero starting values.
    Ml,
    /// Conditional sum of squares only (fast, approximate; the log-likelihood is the conditional one).
    Css,
}

/// What to fit: the orders, the constant and the method.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ArimaSpec {
    /// The orders.
    pub order: ArimaOrder,
    /// The constant term. Default [`Constant::Auto`].
    #[serde(default)]
    pub constant: Constant,
    /// The estimation method. Default [`ArimaMethod::CssMl`].
    #[serde(default)]
    pub method: ArimaMethod,
}

impl ArimaSpec {
    /// The spec with the default constant and method.
    pub fn new(order: ArimaOrder) -> Self {
        ArimaSpec {
            order,
            constant: Constant::Auto,
            method: ArimaMethod::CssMl,
        }
    }
}

/// Which constant column the fitted regression holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ConstTerm {
    None,
    Mean,
    Drift,
}

/// A fitted ARIMA model with the filter state at the end of its data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArimaModel {
    order: ArimaOrder,
    method: ArimaMethod,
    const_term: ConstTerm,
    names: Vec<String>,
    #[serde(with = "crate::stats::nonfinite::vec")]
    coefs: Vec<f64>,
    xreg_names: Vec<String>,
    #[serde(with = "crate::stats::nonfinite")]
    sigma2: f64,
    #[serde(with = "crate::stats::nonfinite")]
    loglik: f64,
    #[serde(with = "crate::stats::nonfinite")]
    aic: f64,
    #[serde(with = "crate::stats::nonfinite")]
    aicc: f64,
    #[serde(with = "crate::stats::nonfinite")]
    bic: f64,
    nobs: usize,
    n: usize,
    residuals: Vec<f64>,
    step: i64,
    last_ts: Timestamp,
    /// Filtered ARMA state after the last observation.
    state: Vec<f64>,
    /// Its covariance, row-major, in units of σ².
    state_cov: Vec<f64>,
    /// The last `d + sD` values of `u = y - Xβ`, most recent first.
    last_u: Vec<f64>,
    /// `u_t = Σ δ_k u_{t-k} + w_t`.
    delta: Vec<f64>,
}

/// Internal result of one estimation, before the model is dressed with timestamps.
pub(crate) struct Estimate {
    pub coefs: Vec<f64>,
    pub sigma2: f64,
    pub loglik: f64,
    pub nobs: usize,
    pub npar: usize,
    pub resid_w: Vec<f64>,
    pub state: Vec<f64>,
    pub state_cov: Vec<f64>,
    pub last_u: Vec<f64>,
}

/// The data of one estimation problem: the series, the regression columns and the orders.
pub(crate) struct Problem<'a> {
    pub y: &'a [f64],
    /// Regression columns (constant first), each of length n.
    pub x: Vec<Vec<f64>>,
    pub order: ArimaOrder,
    pub delta: Vec<f64>,
    pub dy: Vec<f64>,
    pub dx: Vec<Vec<f64>>,
    /// Run the final filter for the end state (a CSS search candidate does not need it).
    pub with_state: bool,
}

impl<'a> Problem<'a> {
    pub fn new(y: &'a [f64], x: Vec<Vec<f64>>, order: ArimaOrder) -> Problem<'a> {
        let delta = delta_poly(&order);
        let dy = apply_diff(y, &delta);
        let dx = x.iter().map(|c| apply_diff(c, &delta)).collect();
        Problem {
            y,
            x,
            order,
            delta,
            dy,
            dx,
            with_state: true,
        }
    }

    fn n_arma(&self) -> usize {
        self.order.n_arma()
    }

    fn split<'b>(&self, par: &'b [f64]) -> [&'b [f64]; 5] {
        let o = &self.order;
        let (ar, rest) = par.split_at(o.p);
        let (ma, rest) = rest.split_at(o.q);
        let (sar, rest) = rest.split_at(o.seasonal_p);
        let (sma, beta) = rest.split_at(o.seasonal_q);
        [ar, ma, sar, sma, beta]
    }

    fn arma(&self, par: &[f64]) -> Arma {
        let [ar, ma, sar, sma, _] = self.split(par);
        Arma::expand(ar, ma, sar, sma, self.order.s())
    }

    /// `w = Δy - ΔX β`.
    fn w(&self, beta: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend_from_slice(&self.dy);
        for (col, b) in self.dx.iter().zip(beta) {
            for (o, v) in out.iter_mut().zip(col) {
                *o -= b * v;
            }
        }
    }

    /// Natural parameters from the optimiser's (AR parts through the PACF transform).
    fn untransform(&self, raw: &[f64]) -> Vec<f64> {
        let o = &self.order;
        let mut par = raw.to_vec();
        partrans(&raw[..o.p], &mut par[..o.p]);
        let v = o.p + o.q;
        partrans(&raw[v..v + o.seasonal_p], &mut par[v..v + o.seasonal_p]);
        par
    }

    /// The optimiser's parameters from natural ones; `None` if an AR part is not stationary.
    fn transform(&self, par: &[f64]) -> Option<Vec<f64>> {
        let o = &self.order;
        let mut raw = par.to_vec();
        let ar = invpartrans(&par[..o.p])?;
        raw[..o.p].copy_from_slice(&ar);
        let v = o.p + o.q;
        let sar = invpartrans(&par[v..v + o.seasonal_p])?;
        raw[v..v + o.seasonal_p].copy_from_slice(&sar);
        Some(raw)
    }

    fn css_objective(&self, par: &[f64], w: &mut Vec<f64>, res: &mut Vec<f64>) -> f64 {
        let beta = &par[self.n_arma()..];
        self.w(beta, w);
        let arma = self.arma(par);
        let s2 = kalman::css(&arma, w, res);
        if !s2.is_finite() {
            return f64::MAX;
        }
        if s2 <= 0.0 {
            return f64::NEG_INFINITY;
        }
        0.5 * s2.ln()
    }

    fn ml_objective(&self, par: &[f64], w: &mut Vec<f64>) -> f64 {
        let beta = &par[self.n_arma()..];
        self.w(beta, w);
        let arma = self.arma(par);
        match kalman::loglik_chandrasekhar(&arma, w) {
            Some((ssq, sumlog, nu)) if nu > 0 => {
                let s2 = ssq / nu as f64;
                if s2.is_nan() || s2 <= 0.0 {
                    return f64::NAN;
                }
                0.5 * (s2.ln() + sumlog / nu as f64)
            }
            _ => f64::INFINITY,
        }
    }

    /// Least-squares start for β on the differenced data.
    fn beta_start(&self) -> Result<Vec<f64>> {
        if self.dx.is_empty() {
            return Ok(Vec::new());
        }
        lstsq(&self.dx, &self.dy).ok_or_else(|| {
            Error::invalid(
                "xreg",
                "the regressors (with the constant) are collinear after differencing; drop a constant or redundant column",
            )
        })
    }

    /// Estimates the coefficients. `strict`: fail (as R does) when the CSS start of CSS-ML has a
    /// non-stationary AR part instead of starting ML from zero AR coefficients.
    pub fn estimate(&self, method: ArimaMethod, strict: bool) -> Result<Estimate> {
        let na = self.n_arma();
        let nb = self.x.len();
        let nobs = self.dy.len();
        let beta0 = self.beta_start()?;
        let mut init = vec![0.0; na];
        init.extend_from_slice(&beta0);
        let npar = na + nb + 1;
        let mut w = Vec::with_capacity(nobs);
        let mut res = Vec::with_capacity(nobs);
        let opts = BfgsOptions::default();
        // the conditional sum of squares only starts ML or ranks candidates: a looser tolerance
        let css_opts = BfgsOptions {
            ftol: CSS_FTOL,
            small_steps: 2,
            ..opts
        };
        // the ML optimiser sees the regression coefficients divided by the size of their
        // least-squares start (R's `parscale` idea): a mean of 180 kWh and an AR coefficient of 0.8
        // then move on the same scale
        let scale: Vec<f64> = (0..na)
            .map(|_| 1.0)
            .chain(beta0.iter().map(|b| b.abs().max(1e-2)))
            .collect();
        let unscale = |z: &[f64], out: &mut Vec<f64>| {
            out.clear();
            out.extend(z.iter().zip(&scale).map(|(v, s)| v * s));
        };
        let to_z = |x: &[f64]| -> Vec<f64> { x.iter().zip(&scale).map(|(v, s)| v / s).collect() };
        let mut par = init.clone();
        if matches!(method, ArimaMethod::Css | ArimaMethod::CssMl) && na + nb > 0 {
            // unscaled, as statsforecast's CSS (scipy ignores R's parscale): the search ranks
            // candidates by these fits
            let (mut w2, mut r2) = (Vec::new(), Vec::new());
            let m = bfgs(
                |p: &[f64]| self.css_objective(p, &mut w2, &mut r2),
                &init,
                css_opts,
            );
            par = m.x;
        }
        if method == ArimaMethod::Css {
            let f = if na + nb > 0 {
                self.css_objective(&par, &mut w, &mut res)
            } else {
                // no free coefficient: statsforecast reports a zero objective here
                let _ = self.css_objective(&par, &mut w, &mut res);
                0.0
            };
            let arma = self.arma(&par);
            let sigma2 = kalman::css(&arma, &w, &mut res);
            let nf = nobs as f64;
            let loglik = -0.5 * (2.0 * nf * f + nf + nf * (2.0 * std::f64::consts::PI).ln());
            let filtered = if self.with_state {
                kalman::filter(&arma, &w, false)
            } else {
                None
            };
            let (state, state_cov) = match filtered {
                Some(out) => (out.a, out.p),
                None => (vec![0.0; arma.r()], vec![0.0; arma.r() * arma.r()]),
            };
            let last_u = self.last_u(&par[na..]);
            return Ok(Estimate {
                coefs: par,
                sigma2,
                loglik,
                nobs,
                npar,
                resid_w: res,
                state,
                state_cov,
                last_u,
            });
        }
        // ML from the CSS start (or zeros)
        let raw0 = match self.transform(&par) {
            Some(r) => r,
            None => {
                if strict {
                    return Err(Error::invalid(
                        "order",
                        "the conditional-sum-of-squares start has a non-stationary AR part",
                    ));
                }
                let mut p0 = par.clone();
                p0[..self.order.p].iter_mut().for_each(|v| *v = 0.0);
                let v = self.order.p + self.order.q;
                p0[v..v + self.order.seasonal_p]
                    .iter_mut()
                    .for_each(|v| *v = 0.0);
                self.transform(&p0).unwrap_or(init.clone())
            }
        };
        let (mut w2, mut raw) = (Vec::new(), Vec::new());
        let m = bfgs(
            |z: &[f64]| {
                unscale(z, &mut raw);
                let p = self.untransform(&raw);
                self.ml_objective(&p, &mut w2)
            },
            &to_z(&raw0),
            opts,
        );
        unscale(&m.x, &mut raw);
        let par = self.untransform(&raw);
        let beta = &par[na..];
        self.w(beta, &mut w);
        let arma = self.arma(&par);
        let out = if self.with_state {
            kalman::filter(&arma, &w, true)
        } else {
            // a search candidate: the likelihood only (the state is filtered once, for the winner)
            kalman::loglik_chandrasekhar(&arma, &w).map(|(ssq, sumlog, nu)| kalman::FilterOut {
                ssq,
                sumlog,
                nu,
                resid: Vec::new(),
                a: vec![0.0; arma.r()],
                p: vec![0.0; arma.r() * arma.r()],
            })
        }
        .ok_or_else(|| {
            Error::invalid(
                "order",
                "the likelihood could not be evaluated at the estimate",
            )
        })?;
        if out.nu == 0 {
            return Err(Error::invalid(
                "y",
                "no observation left after differencing",
            ));
        }
        let nu = out.nu as f64;
        let sigma2 = out.ssq / nu;
        let f = 0.5 * (sigma2.ln() + out.sumlog / nu);
        let nf = nobs as f64;
        let loglik = -0.5 * (2.0 * nf * f + nf + nf * (2.0 * std::f64::consts::PI).ln());
        let last_u = self.last_u(beta);
        Ok(Estimate {
            coefs: par,
            sigma2,
            loglik,
            nobs,
            npar,
            resid_w: out.resid,
            state: out.a,
            state_cov: out.p,
            last_u,
        })
    }

    fn last_u(&self, beta: &[f64]) -> Vec<f64> {
        let n = self.y.len();
        let nd = self.delta.len();
        (0..nd)
            .map(|k| {
                let t = n - 1 - k;
                self.y[t] - self.x.iter().zip(beta).map(|(c, b)| c[t] * b).sum::<f64>()
            })
            .collect()
    }
}

/// Coefficients of `Δ(B) = (1 - B)^d (1 - B^s)^D` as `u_t = Σ δ_k u_{t-k} + w_t` (δ_1 first).
fn delta_poly(o: &ArimaOrder) -> Vec<f64> {
    let mut poly = vec![1.0];
    let mul = |poly: &Vec<f64>, lag: usize| {
        let mut out = vec![0.0; poly.len() + lag];
        for (i, c) in poly.iter().enumerate() {
            out[i] += c;
            out[i + lag] -= c;
        }
        out
    };
    for _ in 0..o.d {
        poly = mul(&poly, 1);
    }
    if o.has_season() {
        for _ in 0..o.seasonal_d {
            poly = mul(&poly, o.season_length);
        }
    }
    poly[1..].iter().map(|c| -c).collect()
}

fn apply_diff(x: &[f64], delta: &[f64]) -> Vec<f64> {
    let nd = delta.len();
    if x.len() <= nd {
        return Vec::new();
    }
    (nd..x.len())
        .map(|t| {
            x[t] - delta
                .iter()
                .enumerate()
                .map(|(k, d)| d * x[t - k - 1])
                .sum::<f64>()
        })
        .collect()
}

/// Jones (1980): unconstrained values -> PACF in (-1, 1) via tanh -> AR coefficients
/// (Durbin-Levinson). R's `partrans`.
fn partrans(raw: &[f64], out: &mut [f64]) {
    let p = raw.len();
    let mut new: Vec<f64> = raw.iter().map(|v| v.tanh()).collect();
    let mut work = new.clone();
    for j in 1..p {
        let a = new[j];
        for k in 0..j {
            work[k] -= a * new[j - k - 1];
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    out.copy_from_slice(&new);
}

/// The inverse of [`partrans`]; `None` when the AR polynomial is not stationary.
fn invpartrans(phi: &[f64]) -> Option<Vec<f64>> {
    let pacf = ar_pacf(phi)?;
    Some(pacf.iter().map(|v| v.atanh()).collect())
}

/// Partial autocorrelations of a stationary AR (step-down recursion); `None` if not stationary.
fn ar_pacf(phi: &[f64]) -> Option<Vec<f64>> {
    let p = phi.len();
    let mut new = phi.to_vec();
    let mut work = new.clone();
    for j in (1..p).rev() {
        let a = new[j];
        if a.is_nan() || a.abs() >= 1.0 {
            return None;
        }
        for k in 0..j {
            work[k] = (new[k] + a * new[j - k - 1]) / (1.0 - a * a);
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    if p > 0 && (new[0].is_nan() || new[0].abs() >= 1.0) {
        return None;
    }
    Some(new)
}

/// True when every root of `1 - Σ c_k z^k` lies outside the circle of radius `radius`.
pub(crate) fn roots_outside(c: &[f64], radius: f64) -> bool {
    let scaled: Vec<f64> = c
        .iter()
        .enumerate()
        .map(|(k, v)| v * radius.powi(k as i32 + 1))
        .collect();
    let last = scaled.iter().rposition(|v| v.abs() > 0.0);
    match last {
        None => true,
        Some(l) => ar_pacf(&scaled[..=l]).is_some(),
    }
}

/// Least squares `min |y - Σ β_j x_j|` by the normal equations (Cholesky); `None` if singular.
pub(crate) fn lstsq(cols: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let k = cols.len();
    let mut a = vec![0.0; k * k];
    let mut b = vec![0.0; k];
    for i in 0..k {
        for j in 0..=i {
            let v: f64 = cols[i].iter().zip(&cols[j]).map(|(p, q)| p * q).sum();
            a[i * k + j] = v;
            a[j * k + i] = v;
        }
        b[i] = cols[i].iter().zip(y).map(|(p, q)| p * q).sum();
    }
    let diag_max = (0..k).map(|i| a[i * k + i]).fold(0.0f64, f64::max);
    // Cholesky
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = a[i * k + j];
            for m in 0..j {
                s -= l[i * k + m] * l[j * k + m];
            }
            if i == j {
                if s.is_nan() || s <= 1e-10 * diag_max.max(f64::MIN_POSITIVE) {
                    return None;
                }
                l[i * k + i] = s.sqrt();
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    let mut z = vec![0.0; k];
    for i in 0..k {
        let s: f64 = (0..i).map(|m| l[i * k + m] * z[m]).sum();
        z[i] = (b[i] - s) / l[i * k + i];
    }
    let mut x = vec![0.0; k];
    for i in (0..k).rev() {
        let s: f64 = (i + 1..k).map(|m| l[m * k + i] * x[m]).sum();
        x[i] = (z[i] - s) / l[i * k + i];
    }
    if x.iter().all(|v| v.is_finite()) {
        Some(x)
    } else {
        None
    }
}

/// Checks the inputs common to fitting and updating; returns the grid step.
fn check_inputs(ts: &[Timestamp], y: &[f64], xreg: &[(&str, &[f64])]) -> Result<i64> {
    crate::series::check_len("y", ts.len(), y.len())?;
    let step = regular_step("ts", ts)?;
    crate::series::check_finite("y", y)?;
    for (name, col) in xreg {
        crate::series::check_len(name, ts.len(), col.len())?;
        crate::series::check_finite(name, col)?;
    }
    for (i, (name, _)) in xreg.iter().enumerate() {
        if xreg[..i].iter().any(|(n, _)| n == name) || *name == "intercept" || *name == "drift" {
            return Err(Error::invalid(
                "xreg",
                format!("regressor names must be unique and not `intercept` or `drift`: `{name}`"),
            ));
        }
    }
    Ok(step)
}

fn check_order(o: &ArimaOrder) -> Result<()> {
    if o.season_length == 0 {
        return Err(Error::invalid(
            "season_length",
            "the season length must be at least 1 (1 for no seasonality)",
        ));
    }
    if o.season_length == 1 && (o.seasonal_p + o.seasonal_d + o.seasonal_q) > 0 {
        return Err(Error::invalid(
            "season_length",
            "seasonal orders need a season length of at least 2",
        ));
    }
    if o.p > 50 || o.q > 50 || o.seasonal_p > 10 || o.seasonal_q > 10 {
        return Err(Error::invalid(
            "order",
            format!("{o}: orders above 50 (seasonal above 10) are not supported"),
        ));
    }
    if o.d > 3 || o.seasonal_d > 2 {
        return Err(Error::invalid(
            "order",
            format!("{o}: at most 3 differences and 2 seasonal differences"),
        ));
    }
    if o.p_full().max(o.q_full() + 1) > 400 {
        return Err(Error::invalid(
            "order",
            format!("{o}: the state dimension would exceed 400"),
        ));
    }
    Ok(())
}

fn const_term(o: &ArimaOrder, c: Constant) -> Result<ConstTerm> {
    let td = o.total_d();
    Ok(match c {
        Constant::Exclude => ConstTerm::None,
        Constant::Auto => match td {
            0 => ConstTerm::Mean,
            1 => ConstTerm::Drift,
            _ => ConstTerm::None,
        },
        Constant::Include => match td {
            0 => ConstTerm::Mean,
            1 => ConstTerm::Drift,
            _ => {
                return Err(Error::invalid(
                    "constant",
                    format!(
                    "{o} is differenced {td} times: a constant is only estimable with d + D <= 1"
                ),
                ))
            }
        },
    })
}

/// Minimum number of observations for an order and a number of regression coefficients.
fn needed_len(o: &ArimaOrder, n_reg: usize) -> usize {
    o.n_diff() + o.p_full() + o.n_arma() + n_reg + 2
}

/// Regression columns: the constant first, then the user's.
fn columns(term: ConstTerm, n: usize, start: usize, xreg: &[(&str, &[f64])]) -> Vec<Vec<f64>> {
    let mut x = Vec::with_capacity(xreg.len() + 1);
    match term {
        ConstTerm::None => {}
        ConstTerm::Mean => x.push(vec![1.0; n]),
        ConstTerm::Drift => x.push((1..=n).map(|t| (start + t) as f64).collect()),
    }
    for (_, c) in xreg {
        x.push(c.to_vec());
    }
    x
}

impl ArimaModel {
    /// Fits the model `spec` to `y` observed at the regular timestamps `ts`, with regressors
    /// `xreg` (name, column), by conditional sum of squares then exact maximum likelihood.
    ///
    /// Errors: lengths that differ, NaN or infinity in `y` or a regressor, an irregular grid,
    /// orders that make no sense, a series too short for the orders (the message names the
    /// length needed: `d + sD + p + sP +` the number of coefficients `+ 2`), collinear regressors.
    pub fn fit(
        ts: &[Timestamp],
        y: &[f64],
        xreg: &[(&str, &[f64])],
        spec: &ArimaSpec,
    ) -> Result<ArimaModel> {
        let step = check_inputs(ts, y, xreg)?;
        check_order(&spec.order)?;
        let term = const_term(&spec.order, spec.constant)?;
        let n_reg = xreg.len() + usize::from(term != ConstTerm::None);
        let needed = needed_len(&spec.order, n_reg);
        if y.len() < needed {
            return Err(Error::invalid(
                "y",
                format!(
                    "{} with {} regression coefficient(s) needs at least {} observations (d + s·D + p + s·P + coefficients + 2), got {}",
                    spec.order,
                    n_reg,
                    needed,
                    y.len()
                ),
            ));
        }
        Self::fit_checked(
            ts,
            y,
            xreg,
            spec.order,
            term,
            spec.method,
            false,
            step,
            true,
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fit_checked(
        ts: &[Timestamp],
        y: &[f64],
        xreg: &[(&str, &[f64])],
        order: ArimaOrder,
        term: ConstTerm,
        method: ArimaMethod,
        strict: bool,
        step: i64,
        with_state: bool,
    ) -> Result<ArimaModel> {
        let x = columns(term, y.len(), 0, xreg);
        let mut prob = Problem::new(y, x, order);
        prob.with_state = with_state;
        let est = prob.estimate(method, strict)?;
        Ok(Self::from_estimate(
            ts, xreg, order, term, method, &prob, est, step,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn from_estimate(
        ts: &[Timestamp],
        xreg: &[(&str, &[f64])],
        order: ArimaOrder,
        term: ConstTerm,
        method: ArimaMethod,
        prob: &Problem<'_>,
        est: Estimate,
        step: i64,
    ) -> ArimaModel {
        let mut names = Vec::new();
        names.extend((1..=order.p).map(|i| format!("ar{i}")));
        names.extend((1..=order.q).map(|i| format!("ma{i}")));
        names.extend((1..=order.seasonal_p).map(|i| format!("sar{i}")));
        names.extend((1..=order.seasonal_q).map(|i| format!("sma{i}")));
        match term {
            ConstTerm::None => {}
            ConstTerm::Mean => names.push("intercept".to_string()),
            ConstTerm::Drift => names.push("drift".to_string()),
        }
        names.extend(xreg.iter().map(|(n, _)| n.to_string()));
        let k = est.npar as f64;
        let nobs = est.nobs as f64;
        let aic = -2.0 * est.loglik + 2.0 * k;
        let aicc = if nobs - k - 1.0 > 0.0 {
            aic + 2.0 * k * (k + 1.0) / (nobs - k - 1.0)
        } else {
            f64::INFINITY
        };
        let bic = aic + k * (nobs.ln() - 2.0);
        let nd = prob.delta.len();
        let mut residuals = vec![0.0; nd];
        residuals.extend_from_slice(&est.resid_w);
        ArimaModel {
            order,
            method,
            const_term: term,
            names,
            coefs: est.coefs,
            xreg_names: xreg.iter().map(|(n, _)| n.to_string()).collect(),
            sigma2: est.sigma2,
            loglik: est.loglik,
            aic,
            aicc,
            bic,
            nobs: est.nobs,
            n: prob.y.len(),
            residuals,
            step,
            last_ts: *ts.last().unwrap_or(&0),
            state: est.state,
            state_cov: est.state_cov,
            last_u: est.last_u,
            delta: prob.delta.clone(),
        }
    }

    /// The orders.
    pub fn order(&self) -> ArimaOrder {
        self.order
    }

    /// The estimation method used.
    pub fn method(&self) -> ArimaMethod {
        self.method
    }

    /// Coefficients with their names, in the order `ar1.. ma1.. sar1.. sma1..`, then `intercept`
    /// or `drift`, then the regressors by name.
    pub fn coefficients(&self) -> Vec<(&str, f64)> {
        self.names
            .iter()
            .map(String::as_str)
            .zip(self.coefs.iter().copied())
            .collect()
    }

    /// One coefficient by name.
    pub fn coefficient(&self, name: &str) -> Option<f64> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| self.coefs[i])
    }

    /// Innovation variance `σ²` (maximum-likelihood estimate, `Σ v_t²/F_t / n`).
    pub fn sigma2(&self) -> f64 {
        self.sigma2
    }

    /// Log-likelihood (the conditional one for [`ArimaMethod::Css`]).
    pub fn loglik(&self) -> f64 {
        self.loglik
    }

    /// Akaike information criterion `-2 log L + 2k`.
    pub fn aic(&self) -> f64 {
        self.aic
    }

    /// AIC corrected for small samples.
    pub fn aicc(&self) -> f64 {
        self.aicc
    }

    /// Bayesian information criterion.
    pub fn bic(&self) -> f64 {
        self.bic
    }

    /// Number of observations used by the likelihood (`n - d - sD`).
    pub fn nobs(&self) -> usize {
        self.nobs
    }

    /// Standardised one-step innovations `v_t / sqrt(F_t)`, one per observation (the first
    /// `d + sD`, lost to differencing, are 0).
    pub fn residuals(&self) -> &[f64] {
        &self.residuals
    }

    /// Names of the user's regressors, as `forecast` and `update` expect them.
    pub fn xreg_names(&self) -> &[String] {
        &self.xreg_names
    }

    /// Timestamp of the last observation.
    pub fn last_timestamp(&self) -> Timestamp {
        self.last_ts
    }

    pub(crate) fn set_information_criteria(&mut self, aic: f64, aicc: f64, bic: f64) {
        self.aic = aic;
        self.aicc = aicc;
        self.bic = bic;
    }

    /// Runs the Kalman filter with the fitted coefficients over `y` (the data of the fit) for the
    /// end state, the residuals and the last values of `u` (a search candidate skips this).
    pub(crate) fn with_filter_state(mut self, y: &[f64], xreg: &[(&str, &[f64])]) -> Result<Self> {
        let x = columns(self.const_term, y.len(), 0, xreg);
        let prob = Problem::new(y, x, self.order);
        let beta = self.beta().to_vec();
        let mut w = Vec::new();
        prob.w(&beta, &mut w);
        let arma = self.arma();
        let keep_css_resid = self.method == ArimaMethod::Css && !self.residuals.is_empty();
        let out = kalman::filter(&arma, &w, true)
            .ok_or_else(|| Error::invalid("order", "the filter failed at the estimate"))?;
        self.state = out.a;
        self.state_cov = out.p;
        self.last_u = prob.last_u(&beta);
        if !keep_css_resid {
            let nd = prob.delta.len();
            let mut res = vec![0.0; nd];
            res.extend_from_slice(&out.resid);
            self.residuals = res;
        }
        Ok(self)
    }

    /// Checks a model loaded from JSON: the orders make sense, and the coefficients, names,
    /// filter state, differencing polynomial and grid step agree with them (forecasting indexes by
    /// them). Errors name `model`.
    pub(crate) fn check_loaded(&self) -> Result<()> {
        let bad = |reason: String| Error::invalid("model", reason);
        check_order(&self.order).map_err(|e| bad(e.to_string()))?;
        let o = &self.order;
        let n_beta = usize::from(self.const_term != ConstTerm::None) + self.xreg_names.len();
        let n_coef = o.n_arma() + n_beta;
        if self.coefs.len() != n_coef || self.names.len() != n_coef {
            return Err(bad(format!(
                "{o} with {n_beta} regression coefficient(s) has {n_coef} coefficients, the model {} (and {} names)",
                self.coefs.len(),
                self.names.len()
            )));
        }
        if let Some(i) = self.coefs.iter().position(|c| !c.is_finite()) {
            return Err(bad(format!(
                "coefficient `{}` is not finite",
                self.names[i]
            )));
        }
        if !(self.sigma2.is_finite() && self.sigma2 >= 0.0) {
            return Err(bad(format!(
                "sigma2 must be finite and >= 0, got {}",
                self.sigma2
            )));
        }
        if self.step <= 0 {
            return Err(bad(format!(
                "the grid step must be positive, got {} µs",
                self.step
            )));
        }
        let r = self.arma().r();
        if self.state.len() != r || self.state_cov.len() != r * r {
            return Err(bad(format!(
                "{o} has a state of dimension {r}: the model's state has {} values and its covariance {} (expected {})",
                self.state.len(),
                self.state_cov.len(),
                r * r
            )));
        }
        if self.delta != delta_poly(o) || self.last_u.len() != self.delta.len() {
            return Err(bad(format!(
                "{o} differences with {} terms: the model's differencing has {} and its last values {}",
                delta_poly(o).len(),
                self.delta.len(),
                self.last_u.len()
            )));
        }
        Ok(())
    }

    fn arma(&self) -> Arma {
        let o = &self.order;
        let c = &self.coefs;
        let (ar, rest) = c.split_at(o.p);
        let (ma, rest) = rest.split_at(o.q);
        let (sar, rest) = rest.split_at(o.seasonal_p);
        let sma = &rest[..o.seasonal_q];
        Arma::expand(ar, ma, sar, sma, o.s())
    }

    fn beta(&self) -> &[f64] {
        &self.coefs[self.order.n_arma()..]
    }

    /// Future regression values `x_t'β` for `h` steps after the data, checking `future_xreg`.
    fn future_regression(
        &self,
        h: usize,
        start: usize,
        future_xreg: &[(&str, &[f64])],
        column_len: &str,
    ) -> Result<Vec<f64>> {
        let mut cols: Vec<&[f64]> = Vec::with_capacity(self.xreg_names.len());
        for name in &self.xreg_names {
            let col = future_xreg
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, c)| *c)
                .ok_or_else(|| {
                    Error::invalid(
                        "xreg",
                        format!(
                            "the model was fitted with regressor `{name}`: give its future values"
                        ),
                    )
                })?;
            crate::series::check_len(name, h, col.len()).map_err(|e| match e {
                Error::LengthMismatch { column, got, .. } => Error::LengthMismatch {
                    column,
                    expected: h,
                    got,
                },
                e => e,
            })?;
            crate::series::check_finite(name, col)?;
            cols.push(col);
        }
        for (name, _) in future_xreg {
            if !self.xreg_names.iter().any(|n| n == name) {
                return Err(Error::invalid(
                    "xreg",
                    format!("regressor `{name}` was not in the fitted model ({column_len})"),
                ));
            }
        }
        let beta = self.beta();
        let mut out = vec![0.0; h];
        let mut bi = 0;
        match self.const_term {
            ConstTerm::None => {}
            ConstTerm::Mean => {
                out.iter_mut().for_each(|v| *v += beta[0]);
                bi = 1;
            }
            ConstTerm::Drift => {
                for (i, v) in out.iter_mut().enumerate() {
                    *v += beta[0] * (start + i + 1) as f64;
                }
                bi = 1;
            }
        }
        for (col, b) in cols.iter().zip(&beta[bi..]) {
            for (o, v) in out.iter_mut().zip(col.iter()) {
                *o += b * v;
            }
        }
        Ok(out)
    }

    /// Forecasts `horizon` steps after the data with normal prediction intervals at `levels`
    /// (e.g. `[0.8, 0.95]`). `future_xreg` gives each regressor of the fit, by name, for the
    /// `horizon` future steps.
    ///
    /// Errors: a horizon of zero, a level outside (0, 1), a missing, extra, short or non-finite
    /// future regressor.
    pub fn forecast(
        &self,
        horizon: usize,
        future_xreg: &[(&str, &[f64])],
        levels: &[f64],
    ) -> Result<Forecast> {
        check_horizon(horizon)?;
        check_levels(levels)?;
        let xb = self.future_regression(horizon, self.n, future_xreg, "forecast")?;
        let arma = self.arma();
        let r = arma.r();
        let nd = self.delta.len();
        let rd = r + nd;
        if self.state.len() != r || self.state_cov.len() != r * r || self.last_u.len() != nd {
            return Err(Error::invalid(
                "model",
                "the saved filter state does not match the orders",
            ));
        }
        // full state at time n+1: the predicted ARMA part, then u_n, ..., u_{n-nd+1}
        // (u_t = Z α_t = α_t[0] + Σ δ_k α_t[r+k-1])
        let (a_arma, p_arma) = kalman::predict(&arma, &self.state, &self.state_cov);
        let mut a = vec![0.0; rd];
        a[..r].copy_from_slice(&a_arma);
        a[r..].copy_from_slice(&self.last_u);
        let mut p = vec![0.0; rd * rd];
        for i in 0..r {
            for j in 0..r {
                p[i * rd + j] = p_arma[i * r + j];
            }
        }
        let mut rv = vec![0.0; rd];
        rv[0] = 1.0;
        for (i, t) in arma.theta.iter().enumerate() {
            rv[i + 1] = *t;
        }
        let phi = &arma.phi;
        let delta = &self.delta;
        let apply_t = |x: &[f64], out: &mut [f64]| {
            for i in 0..r {
                out[i] = phi.get(i).copied().unwrap_or(0.0) * x[0]
                    + if i + 1 < r { x[i + 1] } else { 0.0 };
            }
            if nd > 0 {
                out[r] = x[0] + (0..nd).map(|k| delta[k] * x[r + k]).sum::<f64>();
                for k in 1..nd {
                    out[r + k] = x[r + k - 1];
                }
            }
        };
        let z = |x: &[f64]| x[0] + (0..nd).map(|k| delta[k] * x[r + k]).sum::<f64>();
        let mut mean = Vec::with_capacity(horizon);
        let mut var = Vec::with_capacity(horizon);
        let mut an = vec![0.0; rd];
        let mut m = vec![0.0; rd * rd];
        let mut col = vec![0.0; rd];
        let mut colo = vec![0.0; rd];
        for (hstep, xb_h) in xb.iter().enumerate() {
            if hstep > 0 {
                apply_t(&a, &mut an);
                std::mem::swap(&mut a, &mut an);
                // M = T P (columns), then P = M T' + R R'
                for j in 0..rd {
                    for i in 0..rd {
                        col[i] = p[i * rd + j];
                    }
                    apply_t(&col, &mut colo);
                    for i in 0..rd {
                        m[i * rd + j] = colo[i];
                    }
                }
                for i in 0..rd {
                    apply_t(&m[i * rd..(i + 1) * rd], &mut colo);
                    for j in 0..rd {
                        p[i * rd + j] = colo[j] + rv[i] * rv[j];
                    }
                }
            }
            mean.push(z(&a) + xb_h);
            // Z P Z'
            for i in 0..rd {
                col[i] = p[i * rd] + (0..nd).map(|k| delta[k] * p[i * rd + r + k]).sum::<f64>();
            }
            let v = z(&col);
            var.push((v * self.sigma2).max(0.0));
        }
        let intervals = levels
            .iter()
            .map(|&level| {
                let zq = normal_quantile(0.5 + level / 2.0);
                PredictionInterval {
                    level,
                    lower: mean
                        .iter()
                        .zip(&var)
                        .map(|(m, v)| m - zq * v.sqrt())
                        .collect(),
                    upper: mean
                        .iter()
                        .zip(&var)
                        .map(|(m, v)| m + zq * v.sqrt())
                        .collect(),
                }
            })
            .collect();
        Ok(Forecast {
            timestamps: future_timestamps(self.last_ts, self.step, horizon),
            mean,
            intervals,
        })
    }

    /// Appends new observations (continuing the grid) and filters them with the coefficients
    /// kept fixed: the model then forecasts from the new end without refitting. `sigma2`, the
    /// information criteria and the coefficients are unchanged; the residuals grow.
    pub fn update(
        &self,
        ts: &[Timestamp],
        y: &[f64],
        xreg: &[(&str, &[f64])],
    ) -> Result<ArimaModel> {
        crate::series::check_non_empty("ts", ts.len(), 1)?;
        crate::series::check_len("y", ts.len(), y.len())?;
        crate::series::check_finite("y", y)?;
        let expected = self.last_ts + self.step;
        if ts[0] != expected {
            return Err(Error::invalid(
                "ts",
                format!(
                    "new observations must continue the grid: expected {}, got {}",
                    crate::time::format_rfc3339(expected),
                    crate::time::format_rfc3339(ts[0])
                ),
            ));
        }
        if ts.len() > 1 {
            let step = regular_step("ts", ts)?;
            if step != self.step {
                return Err(Error::invalid(
                    "ts",
                    format!(
                        "new observations have step {} s, the model {} s",
                        step / 1_000_000,
                        self.step / 1_000_000
                    ),
                ));
            }
        }
        let xb = self.future_regression(y.len(), self.n, xreg, "update")?;
        let arma = self.arma();
        let nd = self.delta.len();
        let mut last_u = self.last_u.clone();
        let mut w = Vec::with_capacity(y.len());
        for (yt, xt) in y.iter().zip(&xb) {
            let u = yt - xt;
            let wt = u - (0..nd).map(|k| self.delta[k] * last_u[k]).sum::<f64>();
            w.push(wt);
            if nd > 0 {
                last_u.pop();
                last_u.insert(0, u);
            }
        }
        let (a, p) = kalman::predict(&arma, &self.state, &self.state_cov);
        let out = kalman::filter_from(&arma, &w, a, p, true)
            .ok_or_else(|| Error::invalid("model", "the filter failed on the new observations"))?;
        let mut m = self.clone();
        m.n += y.len();
        m.last_ts = *ts.last().unwrap_or(&self.last_ts);
        m.state = out.a;
        m.state_cov = out.p;
        m.last_u = last_u;
        m.residuals.extend_from_slice(&out.resid);
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3_600_000_000;

    fn grid(n: usize) -> Vec<Timestamp> {
        (0..n as i64).map(|i| i * H).collect()
    }

    fn sim_ar1(n: usize, phi: f64, seed: u64) -> Vec<f64> {
        let mut s = seed;
        let mut e = || {
            // sum of uniforms: roughly normal
            let mut acc = 0.0;
            for _ in 0..12 {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                acc += (s % 1_000_000) as f64 / 1_000_000.0;
            }
            acc - 6.0
        };
        let mut y = vec![0.0; n];
        for t in 1..n {
            y[t] = phi * y[t - 1] + e();
        }
        y
    }

    #[test]
    fn partrans_round_trip() {
        let phi = [0.5, -0.3, 0.1];
        let raw = invpartrans(&phi).unwrap();
        let mut back = [0.0; 3];
        partrans(&raw, &mut back);
        for i in 0..3 {
            assert!((back[i] - phi[i]).abs() < 1e-12);
        }
        assert!(invpartrans(&[1.2]).is_none());
        assert!(roots_outside(&[0.5], 1.01));
        assert!(!roots_outside(&[0.995], 1.01));
    }

    #[test]
    fn delta_of_seasonal_difference() {
        let o = ArimaOrder::new(0, 1, 0).with_seasonal(0, 1, 0, 4);
        let d = delta_poly(&o);
        // (1-B)(1-B^4) = 1 - B - B^4 + B^5
        assert_eq!(d, vec![1.0, 0.0, 0.0, 1.0, -1.0]);
    }

    #[test]
    fn ar1_is_recovered_and_forecasts() {
        let y: Vec<f64> = sim_ar1(500, 0.7, 7).iter().map(|v| v + 10.0).collect();
        let ts = grid(y.len());
        let m = ArimaModel::fit(&ts, &y, &[], &ArimaSpec::new(ArimaOrder::new(1, 0, 0))).unwrap();
        let ar1 = m.coefficient("ar1").unwrap();
        assert!((ar1 - 0.7).abs() < 0.08, "{ar1}");
        assert!((m.coefficient("intercept").unwrap() - 10.0).abs() < 0.5);
        let f = m.forecast(5, &[], &[0.95]).unwrap();
        assert_eq!(f.timestamps[0], ts[ts.len() - 1] + H);
        let iv = f.interval(0.95).unwrap();
        for i in 0..5 {
            assert!(iv.lower[i] < f.mean[i] && f.mean[i] < iv.upper[i]);
        }
        // one step ahead variance is sigma2
        let w = (iv.upper[0] - iv.lower[0]) / (2.0 * 1.959964);
        assert!((w * w - m.sigma2()).abs() < 1e-6 * m.sigma2());
        // update then forecast equals forecast from a fit whose state includes the new points
        let m2 = m.update(&[ts[ts.len() - 1] + H], &[12.0], &[]).unwrap();
        let f2 = m2.forecast(1, &[], &[]).unwrap();
        let c = m.coefficient("intercept").unwrap();
        let expected = c + ar1 * (12.0 - c);
        assert!(
            (f2.mean[0] - expected).abs() < 1e-8,
            "{} {}",
            f2.mean[0],
            expected
        );
        let json = serde_json::to_string(&m2).unwrap();
        let back: ArimaModel = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.forecast(3, &[], &[0.8]).unwrap(),
            m2.forecast(3, &[], &[0.8]).unwrap()
        );
    }

    #[test]
    fn random_walk_forecast_variance_grows_linearly() {
        let y: Vec<f64> = sim_ar1(300, 0.0, 3)
            .iter()
            .scan(0.0, |s, e| {
                *s += e;
                Some(*s)
            })
            .collect();
        let ts = grid(y.len());
        let mut spec = ArimaSpec::new(ArimaOrder::new(0, 1, 0));
        spec.constant = Constant::Exclude;
        let m = ArimaModel::fit(&ts, &y, &[], &spec).unwrap();
        let f = m.forecast(4, &[], &[0.95]).unwrap();
        for i in 0..4 {
            assert!((f.mean[i] - y[y.len() - 1]).abs() < 1e-9);
        }
        let iv = f.interval(0.95).unwrap();
        let w1 = iv.upper[0] - f.mean[0];
        let w4 = iv.upper[3] - f.mean[3];
        assert!((w4 / w1 - 2.0).abs() < 1e-6);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let y = sim_ar1(40, 0.5, 1);
        let ts = grid(40);
        let seasonal = ArimaSpec::new(ArimaOrder::new(1, 0, 0).with_seasonal(1, 1, 0, 24));
        let e = ArimaModel::fit(&ts, &y, &[], &seasonal).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
        assert!(e.to_string().contains("at least"), "{e}");
        let mut x = vec![1.0; 40];
        x[3] = f64::NAN;
        let e = ArimaModel::fit(
            &ts,
            &y,
            &[("temp", &x)],
            &ArimaSpec::new(ArimaOrder::new(1, 0, 0)),
        )
        .unwrap_err();
        assert!(matches!(e, Error::NonFinite { index: 3, .. }), "{e}");
        let m = ArimaModel::fit(&ts, &y, &[], &ArimaSpec::new(ArimaOrder::new(1, 0, 0))).unwrap();
        assert!(matches!(
            m.forecast(0, &[], &[]),
            Err(Error::InvalidParameter { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn never_panics_on_short_or_odd_input(
            y in proptest::collection::vec(-1e6f64..1e6, 0..40),
            p in 0usize..3, d in 0usize..3, q in 0usize..3,
            sp in 0usize..2, sd in 0usize..2, sq in 0usize..2, s in 1usize..6,
        ) {
            let ts = grid(y.len());
            let order = if s > 1 {
                ArimaOrder::new(p, d, q).with_seasonal(sp, sd, sq, s)
            } else {
                ArimaOrder::new(p, d, q)
            };
            if let Ok(m) = ArimaModel::fit(&ts, &y, &[], &ArimaSpec::new(order)) {
                let _ = m.forecast(3, &[], &[0.9]);
            }
            let _ = auto_arima(&ts, &y, &[], &AutoArimaOptions { season_length: s.max(1), ..Default::default() });
        }
    }
}
