//! Automatic ARIMA order selection (Hyndman and Khandakar 2008), with the rules of statsforecast's
//! `auto_arima_f` (version 2.x), which the tests compare with.
//!
//! 1. Regressors: the unit-root tests look at the residuals of `y` on a constant and the regressors.
//! 2. `D`: 0 without a season or when `n <= 2s`; otherwise `unitroot::nsdiffs` (STL seasonal
//!    strength > 0.64), at most `max_D`.
//! 3. `d`: `unitroot::ndiffs` (repeated KPSS at `alpha`) on the seasonally differenced series,
//!    at most `max_d`.
//! 4. Bounds: `max_p, max_q <= n / 3`, `max_P, max_Q <= n / (3 s)`, and with a season
//!    `max_p, max_q <= s - 1`.
//! 5. A constant (mean when `d + D = 0`, drift when `d + D = 1`) is allowed, and tried.
//! 6. Approximation (default when `n > 150` or `s > 12`): candidates are fitted by conditional sum
//!    of squares, `AIC = offset + n* log σ²_CSS + 2k` with `n* = n - d - sD` and the offset of the
//!    ARIMA(0,d,0)(0,D,0) CSS fit; at the end the candidates are refitted by CSS-ML in increasing
//!    order of their criterion until one is accepted.
//! 7. Stepwise search: ARIMA(2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0), (0,d,1)(0,D,1), and
//!    (0,d,0)(0,D,0) without the constant; then from the best, in this order, the first move that
//!    improves the criterion is taken and the scan restarts: P-1, Q-1, P+1, Q+1, (P-1,Q-1),
//!    (P-1,Q+1), (P+1,Q-1), (P+1,Q+1), p-1, q-1, p+1, q+1, (p-1,q-1), (p-1,q+1), (p+1,q-1),
//!    (p+1,q+1), toggling the constant; models already fitted are skipped; at most `nmodels` fits.
//!    As in statsforecast, `max_order` is not checked by the stepwise search.
//! 8. A candidate is rejected (criterion +inf) if its fit fails or its AR or MA polynomial has a
//!    root of modulus below 1.01.
//!
//! With `n_jobs` above one (all cores by default), helper threads fit the candidates the search
//! will probably ask for next (`Fitter`); the search still decides one candidate at a time in
//! the order above, so the result is the same for any number of threads.

use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use super::{
    lstsq, roots_outside, unitroot, ArimaMethod, ArimaModel, ArimaOrder, ConstTerm, Problem,
};
use crate::error::{Error, Result};
use crate::time::Timestamp;

/// The information criterion that ranks candidate models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum InformationCriterion {
    /// Akaike.
    Aic,
    /// Akaike, corrected for small samples (the default).
    #[default]
    Aicc,
    /// Bayesian (Schwarz).
    Bic,
}

/// Options of [`auto_arima`]; the defaults are statsforecast's `AutoARIMA` defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoArimaOptions {
    /// Season length in steps (24 for hourly data with a daily cycle); 1 for none.
    pub season_length: usize,
    /// Fixed number of differences; `None` to test (KPSS).
    pub d: Option<usize>,
    /// Fixed number of seasonal differences; `None` to test (seasonal strength).
    pub seasonal_d: Option<usize>,
    /// Largest `p` (5).
    pub max_p: usize,
    /// Largest `q` (5).
    pub max_q: usize,
    /// Largest `P` (2).
    pub max_seasonal_p: usize,
    /// Largest `Q` (2).
    pub max_seasonal_q: usize,
    /// Largest `d` the KPSS tests may choose (2).
    pub max_d: usize,
    /// Largest `D` the seasonal test may choose (1).
    pub max_seasonal_d: usize,
    /// `p` of the first model (2).
    pub start_p: usize,
    /// `q` of the first model (2).
    pub start_q: usize,
    /// `P` of the first model (1).
    pub start_seasonal_p: usize,
    /// `Q` of the first model (1).
    pub start_seasonal_q: usize,
    /// Only stationary models (`d = D = 0`).
    pub stationary: bool,
    /// The criterion to minimise (AICc).
    pub ic: InformationCriterion,
    /// Most models the stepwise search fits (94).
    pub nmodels: usize,
    /// Compare candidates by conditional sum of squares and refit the best by CSS-ML; `None`
    /// for the default `n > 150 || season_length > 12`.
    pub approximation: Option<bool>,
    /// Allow a drift when `d + D = 1` (true).
    pub allow_drift: bool,
    /// Allow a mean when `d + D = 0` (true).
    pub allow_mean: bool,
    /// Level of the KPSS tests (0.05).
    pub alpha: f64,
    /// Threads that fit candidates at the same time; `None` for all cores. The search decides
    /// exactly as on one thread: the model and the candidates are the same for any value.
    pub n_jobs: Option<usize>,
}

impl Default for AutoArimaOptions {
    fn default() -> Self {
        AutoArimaOptions {
            season_length: 1,
            d: None,
            seasonal_d: None,
            max_p: 5,
            max_q: 5,
            max_seasonal_p: 2,
            max_seasonal_q: 2,
            max_d: 2,
            max_seasonal_d: 1,
            start_p: 2,
            start_q: 2,
            start_seasonal_p: 1,
            start_seasonal_q: 1,
            stationary: false,
            ic: InformationCriterion::Aicc,
            nmodels: 94,
            approximation: None,
            allow_drift: true,
            allow_mean: true,
            alpha: 0.05,
            n_jobs: None,
        }
    }
}

/// One candidate of the search: orders, constant, criterion (+inf when rejected).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The orders.
    pub order: ArimaOrder,
    /// With a mean or drift.
    pub constant: bool,
    /// The criterion value (approximate during an approximated search).
    pub ic: f64,
}

struct Ctx<'a> {
    ts: &'a [Timestamp],
    y: &'a [f64],
    xreg: &'a [(&'a str, &'a [f64])],
    step: i64,
    ic: InformationCriterion,
    offset: f64,
}

impl Ctx<'_> {
    /// statsforecast's `myarima`: fit one candidate and score it.
    fn candidate(
        &self,
        order: ArimaOrder,
        constant: bool,
        approximation: bool,
    ) -> (f64, Option<ArimaModel>) {
        let td = order.total_d();
        let term = match (constant, td) {
            (true, 0) => ConstTerm::Mean,
            (true, 1) => ConstTerm::Drift,
            _ => ConstTerm::None,
        };
        let method = if approximation {
            ArimaMethod::Css
        } else {
            ArimaMethod::CssMl
        };
        let n_reg = self.xreg.len() + usize::from(term != ConstTerm::None);
        if self.y.len() < super::needed_len(&order, n_reg) {
            return (f64::INFINITY, None);
        }
        let mut model = match ArimaModel::fit_checked(
            self.ts, self.y, self.xreg, order, term, method, true, self.step, false,
        ) {
            Ok(m) => m,
            Err(_) => return (f64::INFINITY, None),
        };
        let nstar = model.nobs() as f64;
        let npar = (model.coefs.len() + 1) as f64;
        let aic = if approximation {
            if model.sigma2 <= 0.0 {
                f64::NEG_INFINITY
            } else {
                self.offset + nstar * model.sigma2.ln() + 2.0 * npar
            }
        } else {
            model.aic
        };
        let (aicc, bic) = if aic.is_nan() {
            (f64::INFINITY, f64::INFINITY)
        } else {
            let bic = aic + npar * (nstar.ln() - 2.0);
            let aicc = if nstar - npar - 1.0 != 0.0 {
                aic + 2.0 * npar * (npar + 1.0) / (nstar - npar - 1.0)
            } else {
                f64::INFINITY
            };
            (aicc, bic)
        };
        model.set_information_criteria(aic, aicc, bic);
        let mut ic = match self.ic {
            InformationCriterion::Aic => aic,
            InformationCriterion::Aicc => aicc,
            InformationCriterion::Bic => bic,
        };
        if ic.is_nan() {
            ic = f64::INFINITY;
        }
        // sigma2 from the residuals, as statsforecast reports it
        let ss: f64 = if approximation {
            model.residuals.iter().map(|r| r * r).sum()
        } else {
            // ML: the sum of squared standardised innovations, Σ v²/F = σ̂² n*
            model.sigma2 * nstar
        };
        let denom = nstar - npar + 1.0;
        if denom > 0.0 {
            model.sigma2 = ss / denom;
        }
        let arma = model.arma();
        // statsforecast tests the roots only when the last non-zero coefficient is beyond lag 1
        let bad = |c: &[f64], sign: f64| {
            let c: Vec<f64> = c.iter().map(|v| sign * v).collect();
            match c.iter().rposition(|v| v.abs() > 1e-8) {
                Some(l) if l > 0 => !roots_outside(&c[..=l], 1.01),
                _ => false,
            }
        };
        if (order.p + order.seasonal_p > 0 && bad(&arma.phi, 1.0))
            || (order.q + order.seasonal_q > 0 && ic < f64::INFINITY && bad(&arma.theta, -1.0))
        {
            ic = f64::INFINITY;
        }
        (ic, Some(model))
    }
}

/// A candidate of the search: orders, constant, fitted by the approximation.
type Key = (ArimaOrder, bool, bool);
/// A candidate's criterion and model, as [`Ctx::candidate`] gives them.
type Fit = (f64, Option<ArimaModel>);

/// The fits the helper threads are asked for, are doing, and have done.
#[derive(Default)]
struct Jobs {
    queue: VecDeque<Key>,
    running: Vec<Key>,
    done: HashMap<Key, Fit>,
    stop: bool,
}

/// What the search and its helper threads share.
#[derive(Default)]
struct Shared {
    jobs: Mutex<Jobs>,
    changed: Condvar,
    /// Raised when the search has ended: the helpers' fits in progress are abandoned.
    ended: Arc<AtomicBool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Jobs> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Fits `key` (a panic is a rejected candidate) and files the fit.
    fn run(&self, ctx: &Ctx, key: Key) {
        let fit = std::panic::catch_unwind(AssertUnwindSafe(|| ctx.candidate(key.0, key.1, key.2)))
            .unwrap_or((f64::INFINITY, None));
        let mut jobs = self.lock();
        jobs.running.retain(|k| *k != key);
        jobs.done.insert(key, fit);
        self.changed.notify_all();
    }

    /// A helper thread: fits queued candidates until told to stop.
    fn help(&self, ctx: &Ctx) {
        super::optim::abandon_when(self.ended.clone());
        let mut jobs = self.lock();
        while !jobs.stop {
            match jobs.queue.pop_front() {
                Some(key) => {
                    jobs.running.push(key);
                    drop(jobs);
                    self.run(ctx, key);
                    jobs = self.lock();
                }
                None => {
                    jobs = self
                        .changed
                        .wait(jobs)
                        .unwrap_or_else(PoisonError::into_inner)
                }
            }
        }
    }
}

/// Fits the search's candidates, on helper threads too when there are any. The search asks for
/// its candidates one by one in its own order and decides exactly as on one thread; before it
/// asks, it queues the fits it will probably ask for next (the rest of a neighbourhood, the next
/// refits), which the helpers compute while it works on the one it needs. Asked for a fit a
/// helper is still doing, the search takes the next queued one meanwhile.
struct Fitter<'s, 'c, 'a> {
    ctx: &'c Ctx<'a>,
    shared: Option<&'s Shared>,
}

impl Fitter<'_, '_, '_> {
    /// Queues `keys` (not fitted or being fitted yet) in place of what was queued before.
    fn prefetch(&mut self, keys: impl IntoIterator<Item = Key>) {
        let Some(shared) = self.shared else { return };
        let mut jobs = shared.lock();
        jobs.queue.clear();
        for k in keys {
            if !jobs.done.contains_key(&k) && !jobs.running.contains(&k) && !jobs.queue.contains(&k)
            {
                jobs.queue.push_back(k);
            }
        }
        shared.changed.notify_all();
    }

    /// The fit of `key`: one computed ahead, or computed now.
    fn get(&mut self, key: Key) -> Fit {
        let Some(shared) = self.shared else {
            return self.ctx.candidate(key.0, key.1, key.2);
        };
        let mut jobs = shared.lock();
        loop {
            if let Some(fit) = jobs.done.remove(&key) {
                return fit;
            }
            let next = if jobs.running.contains(&key) {
                // a helper is on it: take the next queued fit meanwhile, or wait
                match jobs.queue.pop_front() {
                    Some(k) => k,
                    None => {
                        jobs = shared
                            .changed
                            .wait(jobs)
                            .unwrap_or_else(PoisonError::into_inner);
                        continue;
                    }
                }
            } else {
                jobs.queue.retain(|k| *k != key);
                key
            };
            jobs.running.push(next);
            drop(jobs);
            shared.run(self.ctx, next);
            jobs = shared.lock();
        }
    }
}

impl Drop for Fitter<'_, '_, '_> {
    /// Tells the helpers to stop; the fits they are doing are abandoned.
    fn drop(&mut self) {
        if let Some(shared) = self.shared {
            shared.ended.store(true, Ordering::Relaxed);
            let mut jobs = shared.lock();
            jobs.stop = true;
            jobs.queue.clear();
            shared.changed.notify_all();
        }
    }
}

/// Chooses the orders of a seasonal ARIMA with regressors by the Hyndman-Khandakar stepwise
/// search on AICc (statsforecast's `AutoARIMA` rules) and returns the fitted model.
///
/// Errors: as [`ArimaModel::fit`] for the inputs; an invalid option; a series too short to
/// estimate even ARIMA(0,d,0); no candidate that could be fitted.
pub fn auto_arima(
    ts: &[Timestamp],
    y: &[f64],
    xreg: &[(&str, &[f64])],
    options: &AutoArimaOptions,
) -> Result<ArimaModel> {
    auto_arima_trace(ts, y, xreg, options).map(|(m, _)| m)
}

/// [`auto_arima`], also returning every candidate the search scored, in the order tried.
pub fn auto_arima_trace(
    ts: &[Timestamp],
    y: &[f64],
    xreg: &[(&str, &[f64])],
    options: &AutoArimaOptions,
) -> Result<(ArimaModel, Vec<Candidate>)> {
    let step = super::check_inputs(ts, y, xreg)?;
    let o = options;
    if o.season_length == 0 {
        return Err(Error::invalid(
            "season_length",
            "the season length must be at least 1 (1 for no seasonality)",
        ));
    }
    if !(o.alpha > 0.0 && o.alpha < 1.0) {
        return Err(Error::invalid(
            "alpha",
            format!("must lie in (0, 1), got {}", o.alpha),
        ));
    }
    if o.max_d > 3 || o.max_seasonal_d > 2 || o.d.unwrap_or(0) > 3 || o.seasonal_d.unwrap_or(0) > 2
    {
        return Err(Error::invalid(
            "max_d",
            "at most 3 differences and 2 seasonal differences",
        ));
    }
    let n = y.len();
    crate::series::check_non_empty("y", n, 3)?;
    let m = o.season_length;
    let alpha = o.alpha.clamp(0.01, 0.1);
    let mut max_p = o.max_p.min(n / 3);
    let mut max_q = o.max_q.min(n / 3);
    let mut max_sp = o.max_seasonal_p.min(n / 3 / m);
    let mut max_sq = o.max_seasonal_q.min(n / 3 / m);
    let ic = if n <= 3 {
        InformationCriterion::Aic
    } else {
        o.ic
    };
    // residuals of y on a constant and the regressors, for the unit-root tests
    let xx: Vec<f64> = if xreg.is_empty() {
        y.to_vec()
    } else {
        let mut cols = vec![vec![1.0; n]];
        for (_, c) in xreg {
            if !unitroot::is_constant(c) {
                cols.push(c.to_vec());
            }
        }
        let beta =
            lstsq(&cols, y).ok_or_else(|| Error::invalid("xreg", "xreg is rank deficient"))?;
        (0..n)
            .map(|t| y[t] - cols.iter().zip(&beta).map(|(c, b)| c[t] * b).sum::<f64>())
            .collect()
    };
    let (mut d, mut sd) = (o.d, o.seasonal_d);
    if o.stationary {
        d = Some(0);
        sd = Some(0);
    }
    let sd = if m == 1 {
        max_sp = 0;
        max_sq = 0;
        0
    } else {
        match sd {
            Some(v) => v,
            None if n <= 2 * m => 0,
            None => unitroot::nsdiffs(&xx, m, o.max_seasonal_d),
        }
    };
    let dx = if sd > 0 {
        unitroot::diff(&xx, m, sd)
    } else {
        xx
    };
    let d = match d {
        Some(v) => v,
        None => unitroot::ndiffs(&dx, alpha, o.max_d),
    };
    let dx = unitroot::diff(&dx, 1, d);
    if dx.is_empty() {
        return Err(Error::invalid(
            "y",
            format!(
                "{n} observations leave nothing after {d} difference(s) and {sd} seasonal difference(s) of length {m}"
            ),
        ));
    }
    let base = if m > 1 {
        ArimaOrder::new(0, d, 0).with_seasonal(0, sd, 0, m)
    } else {
        ArimaOrder::new(0, d, 0)
    };
    let td = d + if m > 1 { sd } else { 0 };
    if unitroot::is_constant(&dx) {
        // the differenced series is constant: the model is the differencing (with its constant)
        let term = if td <= 1 && xreg.is_empty() {
            if td == 0 {
                ConstTerm::Mean
            } else {
                ConstTerm::Drift
            }
        } else {
            ConstTerm::None
        };
        let model = ArimaModel::fit_checked(
            ts,
            y,
            xreg,
            base,
            term,
            ArimaMethod::CssMl,
            false,
            step,
            true,
        )?;
        return Ok((model, Vec::new()));
    }
    if m > 1 {
        if max_p > 0 {
            max_p = max_p.min(m - 1);
        }
        if max_q > 0 {
            max_q = max_q.min(m - 1);
        }
    }
    let approximation = o.approximation.unwrap_or(n > 150 || m > 12);
    let mut ctx = Ctx {
        ts,
        y,
        xreg,
        step,
        ic,
        offset: 0.0,
    };
    if approximation {
        let term = if td == 0 {
            ConstTerm::Mean
        } else {
            ConstTerm::None
        };
        let x = super::columns(term, n, 0, xreg);
        let prob = Problem::new(y, x, base);
        if let Ok(est) = prob.estimate(ArimaMethod::Css, true) {
            if est.sigma2 > 0.0 {
                ctx.offset = -2.0 * est.loglik - n as f64 * est.sigma2.ln();
            }
        }
    }
    // a stepwise search has at most 16 neighbours to fit at once
    let workers = crate::parallel::threads(o.n_jobs, 16);
    let shared = Shared::default();
    let ctx = &ctx;
    std::thread::scope(|scope| {
        for _ in 1..workers {
            scope.spawn(|| shared.help(ctx));
        }
        let fitter = Fitter {
            ctx,
            shared: (workers > 1).then_some(&shared),
        };
        search(
            ctx,
            fitter,
            o,
            m,
            d,
            sd,
            max_p,
            max_q,
            max_sp,
            max_sq,
            approximation,
            td,
        )
    })
}

/// The stepwise search (steps 5 to 8 of the module's list) and the refits.
#[allow(clippy::too_many_arguments)]
fn search(
    ctx: &Ctx,
    mut fitter: Fitter,
    o: &AutoArimaOptions,
    m: usize,
    d: usize,
    sd: usize,
    max_p: usize,
    max_q: usize,
    max_sp: usize,
    max_sq: usize,
    approximation: bool,
    td: usize,
) -> Result<(ArimaModel, Vec<Candidate>)> {
    let (y, xreg) = (ctx.y, ctx.xreg);
    let n = y.len();
    let allow_drift = o.allow_drift && td == 1;
    let allow_mean = o.allow_mean && td == 0;
    let mut constant = allow_drift || allow_mean;
    let (mut start_p, mut start_q, mut start_sp, mut start_sq) =
        (o.start_p, o.start_q, o.start_seasonal_p, o.start_seasonal_q);
    if n < 10 {
        start_p = start_p.min(1);
        start_q = start_q.min(1);
        start_sp = 0;
        start_sq = 0;
    }
    let mk = |p: usize, q: usize, sp: usize, sq: usize| {
        if m > 1 {
            ArimaOrder::new(p, d, q).with_seasonal(sp, sd, sq, m)
        } else {
            ArimaOrder::new(p, d, q)
        }
    };
    let mut p = start_p.min(max_p);
    let mut q = start_q.min(max_q);
    let mut sp = start_sp.min(max_sp);
    let mut sq = start_sq.min(max_sq);
    let nmodels = o.nmodels.max(1);
    let mut results: Vec<Candidate> = Vec::new();
    let mut best: Option<ArimaModel>;
    let mut best_ic;
    // the five starting models, all fitted in any case
    let p_ = usize::from(max_p > 0);
    let sp_ = usize::from(m > 1 && max_sp > 0);
    let q_ = usize::from(max_q > 0);
    let sq_ = usize::from(m > 1 && max_sq > 0);
    let mut first = vec![
        (mk(p, q, sp, sq), constant, approximation),
        (mk(0, 0, 0, 0), constant, approximation),
    ];
    if max_p > 0 || max_sp > 0 {
        first.push((mk(p_, 0, sp_, 0), constant, approximation));
    }
    if max_q > 0 || max_sq > 0 {
        first.push((mk(0, q_, 0, sq_), constant, approximation));
    }
    if constant {
        first.push((mk(0, 0, 0, 0), false, approximation));
    }
    fitter.prefetch(first);
    {
        let (ic0, m0) = fitter.get((mk(p, q, sp, sq), constant, approximation));
        results.push(Candidate {
            order: mk(p, q, sp, sq),
            constant,
            ic: ic0,
        });
        best = m0;
        best_ic = ic0;
    }
    let try_first = |pp: usize,
                     qq: usize,
                     ssp: usize,
                     ssq: usize,
                     c: bool,
                     fitter: &mut Fitter,
                     results: &mut Vec<Candidate>,
                     best: &mut Option<ArimaModel>,
                     best_ic: &mut f64|
     -> bool {
        let order = mk(pp, qq, ssp, ssq);
        let (v, model) = fitter.get((order, c, approximation));
        results.push(Candidate {
            order,
            constant: c,
            ic: v,
        });
        if v < *best_ic {
            *best_ic = v;
            *best = model;
            true
        } else {
            false
        }
    };
    if try_first(
        0,
        0,
        0,
        0,
        constant,
        &mut fitter,
        &mut results,
        &mut best,
        &mut best_ic,
    ) {
        p = 0;
        q = 0;
        sp = 0;
        sq = 0;
    }
    if (max_p > 0 || max_sp > 0)
        && try_first(
            p_,
            0,
            sp_,
            0,
            constant,
            &mut fitter,
            &mut results,
            &mut best,
            &mut best_ic,
        )
    {
        p = p_;
        sp = sp_;
        q = 0;
        sq = 0;
    }
    if (max_q > 0 || max_sq > 0)
        && try_first(
            0,
            q_,
            0,
            sq_,
            constant,
            &mut fitter,
            &mut results,
            &mut best,
            &mut best_ic,
        )
    {
        p = 0;
        sp = 0;
        q = q_;
        sq = sq_;
    }
    if constant
        && try_first(
            0,
            0,
            0,
            0,
            false,
            &mut fitter,
            &mut results,
            &mut best,
            &mut best_ic,
        )
    {
        p = 0;
        q = 0;
        sp = 0;
        sq = 0;
    }
    let is_new = |results: &[Candidate], pp: usize, qq: usize, ssp: usize, ssq: usize, c: bool| {
        let order = mk(pp, qq, ssp, ssq);
        !results.iter().any(|r| r.order == order && r.constant == c)
    };
    let mut startk = 0;
    while startk < results.len() && results.len() < nmodels {
        startk = results.len();
        // (dp, dq, dP, dQ) moves in statsforecast's order, seasonal first
        let moves: [(i64, i64, i64, i64); 16] = [
            (0, 0, -1, 0),
            (0, 0, 0, -1),
            (0, 0, 1, 0),
            (0, 0, 0, 1),
            (0, 0, -1, -1),
            (0, 0, -1, 1),
            (0, 0, 1, -1),
            (0, 0, 1, 1),
            (-1, 0, 0, 0),
            (0, -1, 0, 0),
            (1, 0, 0, 0),
            (0, 1, 0, 0),
            (-1, -1, 0, 0),
            (-1, 1, 0, 0),
            (1, -1, 0, 0),
            (1, 1, 0, 0),
        ];
        // the new neighbours in the scan's order, as many as the budget allows
        let mut next: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (dp, dq, dsp, dsq) in moves {
            let np_ = p as i64 + dp;
            let nq_ = q as i64 + dq;
            let nsp = sp as i64 + dsp;
            let nsq = sq as i64 + dsq;
            if np_ < 0
                || nq_ < 0
                || nsp < 0
                || nsq < 0
                || np_ > max_p as i64
                || nq_ > max_q as i64
                || nsp > max_sp as i64
                || nsq > max_sq as i64
            {
                continue;
            }
            let (np_, nq_, nsp, nsq) = (np_ as usize, nq_ as usize, nsp as usize, nsq as usize);
            if is_new(&results, np_, nq_, nsp, nsq, constant) {
                next.push((np_, nq_, nsp, nsq));
            }
        }
        next.truncate(nmodels.saturating_sub(results.len()));
        // queued for the helpers; the first that improves is taken, as on one thread
        fitter.prefetch(
            next.iter()
                .map(|&(a, b, c, d)| (mk(a, b, c, d), constant, approximation)),
        );
        let mut improved = false;
        for &(np_, nq_, nsp, nsq) in &next {
            if try_first(
                np_,
                nq_,
                nsp,
                nsq,
                constant,
                &mut fitter,
                &mut results,
                &mut best,
                &mut best_ic,
            ) {
                p = np_;
                q = nq_;
                sp = nsp;
                sq = nsq;
                improved = true;
                break;
            }
        }
        if improved {
            continue;
        }
        if (allow_drift || allow_mean)
            && is_new(&results, p, q, sp, sq, !constant)
            && results.len() < nmodels
            && try_first(
                p,
                q,
                sp,
                sq,
                !constant,
                &mut fitter,
                &mut results,
                &mut best,
                &mut best_ic,
            )
        {
            constant = !constant;
        }
    }
    if approximation && best.is_some() {
        // refit by CSS-ML in increasing order of the approximate criterion
        let mut order: Vec<usize> = (0..results.len()).collect();
        order.sort_by(|&a, &b| results[a].ic.total_cmp(&results[b].ic));
        best = None;
        // queued for the helpers; the first accepted in this order is taken
        fitter.prefetch(
            order
                .iter()
                .map(|&k| (results[k].order, results[k].constant, false)),
        );
        for k in order {
            let c = results[k];
            let (v, model) = fitter.get((c.order, c.constant, false));
            if v < f64::INFINITY {
                best = model;
                break;
            }
        }
    }
    // the helpers stop before the winner's state is filtered
    drop(fitter);
    match best {
        Some(model) if best_ic < f64::INFINITY || approximation => {
            let sigma2 = model.sigma2;
            let mut model = model.with_filter_state(y, xreg)?;
            model.sigma2 = sigma2;
            Ok((model, results))
        }
        _ => Err(Error::invalid(
            "y",
            "no suitable ARIMA model found: every candidate failed to fit or had a root on the unit circle",
        )),
    }
}
