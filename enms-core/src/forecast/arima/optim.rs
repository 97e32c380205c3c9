//! A small BFGS minimiser with forward-difference gradients, for the ARIMA likelihoods.
//!
//! Quasi-Newton with the inverse-Hessian BFGS update (Nocedal and Wright, algorithm 6.1), a
//! backtracking line search on the Armijo condition, and gradients by forward differences with
//! the step `sqrt(eps) max(1, |x_i|)` (as scipy's `minimize(method="BFGS")` without a gradient).
//! It stops when the largest gradient component is below `gtol`, when the line search cannot
//! decrease the objective any more (precision loss), after `small_steps` successive steps that
//! change the objective by less than `ftol` relative, or after `max_iter` iterations.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

thread_local! {
    /// Raised when the minimisations of this thread are no longer wanted (a parallel search's
    /// helper thread when the search has ended): they stop at their next iteration.
    static ABANDON: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// Makes `flag` the abandon flag of this thread's minimisations.
pub(crate) fn abandon_when(flag: Arc<AtomicBool>) {
    ABANDON.with(|a| *a.borrow_mut() = Some(flag));
}

fn abandoned() -> bool {
    ABANDON.with(|a| {
        a.borrow()
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    })
}

/// Outcome of a minimisation.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    /// The parameters at the minimum.
    pub x: Vec<f64>,
    /// The objective at `x`.
    #[allow(dead_code)]
    pub f: f64,
    /// Iterations used.
    #[allow(dead_code)]
    pub iterations: usize,
}

/// Options of [`bfgs`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct BfgsOptions {
    pub max_iter: usize,
    pub gtol: f64,
    pub ftol: f64,
    /// Successive steps below `ftol` that end the minimisation.
    pub small_steps: usize,
}

impl Default for BfgsOptions {
    fn default() -> Self {
        // the likelihood's: at most 100 iterations (R's `optim`), stop after two successive
        // steps that change the objective by less than R's `reltol = sqrt(machine epsilon)`
        // relative (R stops after one, which can be a short step along a flat direction:
        // on a steel window that left the mean 1.4 % from statsforecast's optimum)
        BfgsOptions {
            max_iter: 100,
            gtol: 1e-8,
            ftol: f64::EPSILON.sqrt(),
            small_steps: 2,
        }
    }
}

fn gradient<F: FnMut(&[f64]) -> f64>(f: &mut F, x: &[f64], fx: f64, g: &mut [f64]) {
    let h0 = f64::EPSILON.sqrt();
    let mut xp = x.to_vec();
    for i in 0..x.len() {
        let h = h0 * x[i].abs().max(1.0);
        xp[i] = x[i] + h;
        let fp = f(&xp);
        xp[i] = x[i];
        g[i] = if fp.is_finite() {
            (fp - fx) / h
        } else {
            // step into a forbidden region: try the other side
            xp[i] = x[i] - h;
            let fm = f(&xp);
            xp[i] = x[i];
            if fm.is_finite() {
                (fx - fm) / h
            } else {
                0.0
            }
        };
    }
}

/// Minimises `f` from `x0`. Non-finite objective values are treated as +infinity (the line search
/// backs away from them). Never panics.
pub(crate) fn bfgs<F: FnMut(&[f64]) -> f64>(mut f: F, x0: &[f64], opt: BfgsOptions) -> Minimum {
    let n = x0.len();
    let mut x = x0.to_vec();
    let mut fx = f(&x);
    if !fx.is_finite() {
        fx = f64::INFINITY;
    }
    if n == 0 || !fx.is_finite() {
        return Minimum {
            x,
            f: fx,
            iterations: 0,
        };
    }
    let mut g = vec![0.0; n];
    gradient(&mut f, &x, fx, &mut g);
    // inverse Hessian approximation, row-major
    let mut hinv = vec![0.0; n * n];
    for i in 0..n {
        hinv[i * n + i] = 1.0;
    }
    let mut p = vec![0.0; n];
    let mut xn = vec![0.0; n];
    let mut gn = vec![0.0; n];
    let mut s = vec![0.0; n];
    let mut yv = vec![0.0; n];
    let mut hy = vec![0.0; n];
    let mut first = true;
    let mut it = 0;
    let mut small = 0;
    while it < opt.max_iter && !abandoned() {
        it += 1;
        let gmax = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if gmax <= opt.gtol {
            break;
        }
        for i in 0..n {
            p[i] = -(0..n).map(|j| hinv[i * n + j] * g[j]).sum::<f64>();
        }
        let mut slope: f64 = p.iter().zip(&g).map(|(a, b)| a * b).sum();
        if slope >= 0.0 || !slope.is_finite() {
            // not a descent direction: restart from steepest descent
            for i in 0..n {
                for j in 0..n {
                    hinv[i * n + j] = if i == j { 1.0 } else { 0.0 };
                }
                p[i] = -g[i];
            }
            slope = -g.iter().map(|v| v * v).sum::<f64>();
            first = true;
        }
        // on the first step scale the direction so that no parameter moves by more than 1
        let mut alpha = 1.0;
        if first {
            let pmax = p.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            if pmax > 1.0 {
                alpha = 1.0 / pmax;
            }
        }
        let mut fnew = f64::INFINITY;
        let mut accepted = false;
        for _ in 0..40 {
            for i in 0..n {
                xn[i] = x[i] + alpha * p[i];
            }
            fnew = f(&xn);
            if fnew.is_finite() && fnew <= fx + 1e-4 * alpha * slope {
                accepted = true;
                break;
            }
            alpha *= 0.25;
        }
        if !accepted {
            if first {
                break;
            }
            // reset the curvature information once, then give up
            for i in 0..n {
                for j in 0..n {
                    hinv[i * n + j] = if i == j { 1.0 } else { 0.0 };
                }
            }
            first = true;
            continue;
        }
        gradient(&mut f, &xn, fnew, &mut gn);
        for i in 0..n {
            s[i] = xn[i] - x[i];
            yv[i] = gn[i] - g[i];
        }
        let sy: f64 = s.iter().zip(&yv).map(|(a, b)| a * b).sum();
        let df = fx - fnew;
        x.copy_from_slice(&xn);
        g.copy_from_slice(&gn);
        fx = fnew;
        if sy > 1e-16 {
            if first {
                // scale the initial inverse Hessian (Nocedal-Wright 6.20)
                let yy: f64 = yv.iter().map(|v| v * v).sum();
                if yy > 0.0 {
                    let sc = sy / yy;
                    for i in 0..n {
                        for j in 0..n {
                            hinv[i * n + j] = if i == j { sc } else { 0.0 };
                        }
                    }
                }
            }
            for i in 0..n {
                hy[i] = (0..n).map(|j| hinv[i * n + j] * yv[j]).sum();
            }
            let yhy: f64 = yv.iter().zip(&hy).map(|(a, b)| a * b).sum();
            let rho = 1.0 / sy;
            for i in 0..n {
                for j in 0..n {
                    hinv[i * n + j] +=
                        rho * ((1.0 + rho * yhy) * s[i] * s[j] - hy[i] * s[j] - s[i] * hy[j]);
                }
            }
            first = false;
        }
        // `small_steps` successive steps that change the objective by less than `ftol` relative
        if df.abs() <= opt.ftol * fx.abs().max(1e-10) && it > 1 {
            small += 1;
            if small >= opt.small_steps {
                break;
            }
        } else {
            small = 0;
        }
    }
    Minimum {
        x,
        f: fx,
        iterations: it,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosenbrock() {
        let m = bfgs(
            |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2),
            &[-1.2, 1.0],
            BfgsOptions {
                max_iter: 500,
                gtol: 1e-8,
                ftol: 1e-14,
                small_steps: 2,
            },
        );
        assert!((m.x[0] - 1.0).abs() < 1e-3, "{:?}", m);
        assert!((m.x[1] - 1.0).abs() < 1e-3, "{:?}", m);
    }
}
