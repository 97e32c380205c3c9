//! The ARMA part in state-space form and its Kalman filter (Harvey 1989; Durbin and Koopman 2012,
//! ch. 3), in the layout R's `arima` uses (Gardner, Harvey and Phillips 1980):
//!
//! ```text
//! w_t     = Z α_t,                Z = (1, 0, ..., 0)
//! α_{t+1} = T α_t + R ε_t,        T = [φ | I_{r-1} over 0'],  R = (1, θ_1, ..., θ_{r-1})'
//! ```
//!
//! with `r = max(p, q + 1)`, `ε_t ~ N(0, σ²)`, and the stationary start `α_1 ~ N(0, σ² P_0)`,
//! `P_0 = T P_0 T' + R R'` (solved here by the doubling algorithm). The filter works in units of
//! `σ²`, which is concentrated out: with innovations `v_t` and their variances `F_t`,
//! `σ̂² = Σ v_t²/F_t / n` and `-2 log L = n log(2π σ̂²) + Σ log F_t + n`.

/// Full AR and MA polynomials of a multiplicative seasonal ARMA.
#[derive(Debug, Clone)]
pub(crate) struct Arma {
    /// `φ` of `w_t = Σ φ_i w_{t-i} + ε_t + Σ θ_j ε_{t-j}` (length p + s P).
    pub phi: Vec<f64>,
    /// `θ` (length q + s Q).
    pub theta: Vec<f64>,
}

impl Arma {
    /// Expands `(1 - Σ a_i B^i)(1 - Σ A_j B^{sj})` and `(1 + Σ b_i B^i)(1 + Σ B_j B^{sj})`.
    pub fn expand(ar: &[f64], ma: &[f64], sar: &[f64], sma: &[f64], s: usize) -> Arma {
        let np = ar.len() + s * sar.len();
        let nq = ma.len() + s * sma.len();
        let mut phi = vec![0.0; np];
        let mut theta = vec![0.0; nq];
        phi[..ar.len()].copy_from_slice(ar);
        theta[..ma.len()].copy_from_slice(ma);
        for (j, &sa) in sar.iter().enumerate() {
            phi[(j + 1) * s - 1] += sa;
            for (i, &a) in ar.iter().enumerate() {
                phi[(j + 1) * s + i] -= a * sa;
            }
        }
        for (j, &sm) in sma.iter().enumerate() {
            theta[(j + 1) * s - 1] += sm;
            for (i, &m) in ma.iter().enumerate() {
                theta[(j + 1) * s + i] += m * sm;
            }
        }
        Arma { phi, theta }
    }

    /// State dimension `max(p, q + 1)`.
    pub fn r(&self) -> usize {
        self.phi.len().max(self.theta.len() + 1)
    }

    fn phi_at(&self, i: usize) -> f64 {
        self.phi.get(i).copied().unwrap_or(0.0)
    }

    fn rvec(&self) -> Vec<f64> {
        let r = self.r();
        let mut v = vec![0.0; r];
        v[0] = 1.0;
        for (i, t) in self.theta.iter().enumerate() {
            v[i + 1] = *t;
        }
        v
    }

    /// `T x` for a state vector.
    pub fn t_vec(&self, x: &[f64], out: &mut [f64]) {
        let r = x.len();
        for i in 0..r {
            out[i] = self.phi_at(i) * x[0] + if i + 1 < r { x[i + 1] } else { 0.0 };
        }
    }

    /// `T X T' + R R'` for a symmetric `X` (row-major r×r), using the companion structure.
    fn t_mat_t(&self, x: &[f64], rv: &[f64], y: &mut [f64], out: &mut [f64]) {
        let r = rv.len();
        // y = T X
        for i in 0..r {
            let ph = self.phi_at(i);
            for j in 0..r {
                let next = if i + 1 < r { x[(i + 1) * r + j] } else { 0.0 };
                y[i * r + j] = ph * x[j] + next;
            }
        }
        // out = y T' + R R'
        for i in 0..r {
            for j in 0..r {
                let next = if j + 1 < r { y[i * r + j + 1] } else { 0.0 };
                out[i * r + j] = self.phi_at(j) * y[i * r] + next + rv[i] * rv[j];
            }
        }
    }

    /// Stationary state covariance `P_0 = T P_0 T' + R R'` (doubling algorithm).
    /// `None` when it does not converge (a non-stationary AR part).
    pub fn p0(&self) -> Option<Vec<f64>> {
        let r = self.r();
        let rv = self.rvec();
        let mut p = vec![0.0; r * r];
        for i in 0..r {
            for j in 0..r {
                p[i * r + j] = rv[i] * rv[j];
            }
        }
        if self.phi.iter().all(|v| *v == 0.0) {
            // pure MA: T is nilpotent, P_0 = Σ_{k<r} T^k V T'^k
            let mut y = vec![0.0; r * r];
            let mut out = vec![0.0; r * r];
            for _ in 0..r {
                self.t_mat_t(&p, &rv, &mut y, &mut out);
                std::mem::swap(&mut p, &mut out);
            }
            return Some(p);
        }
        let mut a = vec![0.0; r * r];
        for i in 0..r {
            a[i * r] = self.phi_at(i);
            if i + 1 < r {
                a[i * r + i + 1] = 1.0;
            }
        }
        let mut tmp = vec![0.0; r * r];
        let mut tmp2 = vec![0.0; r * r];
        for _ in 0..64 {
            // p += A p A'
            matmul(&a, &p, &mut tmp, r);
            matmul_bt(&tmp, &a, &mut tmp2, r);
            let mut change = 0.0f64;
            let mut scale = 0.0f64;
            for k in 0..r * r {
                p[k] += tmp2[k];
                change = change.max(tmp2[k].abs());
                scale = scale.max(p[k].abs());
            }
            if !scale.is_finite() || scale > 1e12 {
                return None;
            }
            if change <= 1e-15 * scale {
                return Some(p);
            }
            matmul(&a, &a, &mut tmp, r);
            std::mem::swap(&mut a, &mut tmp);
        }
        None
    }
}

fn matmul(a: &[f64], b: &[f64], out: &mut [f64], r: usize) {
    out.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..r {
        for k in 0..r {
            let aik = a[i * r + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..r {
                out[i * r + j] += aik * b[k * r + j];
            }
        }
    }
}

fn matmul_bt(a: &[f64], b: &[f64], out: &mut [f64], r: usize) {
    for i in 0..r {
        for j in 0..r {
            out[i * r + j] = (0..r).map(|k| a[i * r + k] * b[j * r + k]).sum();
        }
    }
}

/// What a filter pass returns.
#[derive(Debug, Clone)]
pub(crate) struct FilterOut {
    /// `Σ v_t² / F_t`.
    pub ssq: f64,
    /// `Σ log F_t`.
    pub sumlog: f64,
    /// Number of innovations.
    pub nu: usize,
    /// Standardised innovations `v_t / sqrt(F_t)` (empty unless asked for).
    pub resid: Vec<f64>,
    /// Filtered state `a_{n|n}` after the last observation.
    pub a: Vec<f64>,
    /// Its covariance `P_{n|n}` (row-major, in units of σ²).
    pub p: Vec<f64>,
}

/// Kalman filter of `w` from the stationary start. `None` if the start does not exist or an
/// innovation variance is not positive.
pub(crate) fn filter(arma: &Arma, w: &[f64], want_resid: bool) -> Option<FilterOut> {
    let r = arma.r();
    let p0 = arma.p0()?;
    filter_from(arma, w, vec![0.0; r], p0, want_resid)
}

/// Kalman filter of `w` from the predicted state `a` with covariance `p` (for the first `w`).
pub(crate) fn filter_from(
    arma: &Arma,
    w: &[f64],
    mut a: Vec<f64>,
    mut p: Vec<f64>,
    want_resid: bool,
) -> Option<FilterOut> {
    let r = arma.r();
    let rv = arma.rvec();
    let mut att = vec![0.0; r];
    let mut ptt = p.clone();
    let mut y = vec![0.0; r * r];
    let mut pnext = vec![0.0; r * r];
    let mut ssq = 0.0;
    let mut sumlog = 0.0;
    let mut nu = 0usize;
    let mut resid = if want_resid {
        Vec::with_capacity(w.len())
    } else {
        Vec::new()
    };
    let mut converged = false;
    let mut k = vec![0.0; r];
    let mut f_ss = 0.0;
    for (t, &wt) in w.iter().enumerate() {
        let f = if converged { f_ss } else { p[0] };
        if !(f > 0.0) || !f.is_finite() {
            return None;
        }
        let v = wt - a[0];
        if f < 1e4 {
            nu += 1;
            ssq += v * v / f;
            sumlog += f.ln();
        }
        if want_resid {
            resid.push(v / f.sqrt());
        }
        if !converged {
            for i in 0..r {
                k[i] = p[i * r] / f;
            }
        }
        for i in 0..r {
            att[i] = a[i] + k[i] * v;
        }
        let last = t + 1 == w.len();
        if !converged || last {
            for i in 0..r {
                for j in 0..r {
                    ptt[i * r + j] = p[i * r + j] - p[i * r] * p[j * r] / f;
                }
            }
        }
        if last {
            break;
        }
        arma.t_vec(&att, &mut a);
        if !converged {
            arma.t_mat_t(&ptt, &rv, &mut y, &mut pnext);
            let mut change = 0.0f64;
            for idx in 0..r * r {
                change = change.max((pnext[idx] - p[idx]).abs());
            }
            std::mem::swap(&mut p, &mut pnext);
            if change < 1e-12 {
                converged = true;
                f_ss = p[0];
                for i in 0..r {
                    k[i] = p[i * r] / f_ss;
                }
            }
        }
    }
    if w.is_empty() {
        att.copy_from_slice(&a);
        ptt.copy_from_slice(&p);
    }
    Some(FilterOut {
        ssq,
        sumlog,
        nu,
        resid,
        a: att,
        p: ptt,
    })
}

/// One step ahead of a filtered state: `a ← T a`, `P ← T P T' + R R'`.
pub(crate) fn predict(arma: &Arma, a: &[f64], p: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let r = arma.r();
    let rv = arma.rvec();
    let mut an = vec![0.0; r];
    arma.t_vec(a, &mut an);
    let mut y = vec![0.0; r * r];
    let mut pn = vec![0.0; r * r];
    arma.t_mat_t(p, &rv, &mut y, &mut pn);
    (an, pn)
}

/// Conditional sum of squares (R's `ARIMA_CSS` on already differenced data): residuals from
/// index `p = phi.len()` on, earlier innovations taken as zero. Returns `(Σ e²/n_e, residuals)`.
pub(crate) fn css(arma: &Arma, w: &[f64], resid: &mut Vec<f64>) -> f64 {
    let p = arma.phi.len();
    let q = arma.theta.len();
    let n = w.len();
    resid.clear();
    resid.resize(n, 0.0);
    if n <= p {
        return f64::INFINITY;
    }
    let mut ssq = 0.0;
    for l in p..n {
        let mut tmp = w[l];
        for (j, ph) in arma.phi.iter().enumerate() {
            tmp -= ph * w[l - j - 1];
        }
        let jm = (l - p).min(q);
        for j in 0..jm {
            tmp -= arma.theta[j] * resid[l - j - 1];
        }
        resid[l] = tmp;
        ssq += tmp * tmp;
    }
    ssq / (n - p) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_multiplies_seasonal_polynomials() {
        let a = Arma::expand(&[0.5], &[0.3], &[0.2], &[0.4], 4);
        assert_eq!(a.phi.len(), 5);
        assert!((a.phi[0] - 0.5).abs() < 1e-15);
        assert!((a.phi[3] - 0.2).abs() < 1e-15);
        assert!((a.phi[4] + 0.1).abs() < 1e-15);
        assert!((a.theta[3] - 0.4).abs() < 1e-15);
        assert!((a.theta[4] - 0.12).abs() < 1e-15);
    }

    /// Exact AR(1) Gaussian likelihood, written out: the first observation has variance
    /// σ²/(1-φ²), the rest are conditionally N(φ y_{t-1}, σ²).
    #[test]
    fn kalman_likelihood_equals_direct_ar1_likelihood() {
        let phi = 0.6;
        let y = [0.3, -0.4, 1.2, 0.8, -0.1, 0.05, 0.9];
        let arma = Arma::expand(&[phi], &[], &[], &[], 1);
        let out = filter(&arma, &y, false).unwrap();
        let n = y.len() as f64;
        let s2 = out.ssq / n;
        let m2ll_kalman = n * (2.0 * std::f64::consts::PI * s2).ln() + out.sumlog + n;
        // direct: maximise over σ² analytically
        let mut ss = y[0] * y[0] * (1.0 - phi * phi);
        for t in 1..y.len() {
            ss += (y[t] - phi * y[t - 1]).powi(2);
        }
        let s2d = ss / n;
        let m2ll_direct = n * (2.0 * std::f64::consts::PI * s2d).ln() - (1.0 - phi * phi).ln() + n;
        assert!((s2 - s2d).abs() < 1e-12, "{s2} {s2d}");
        assert!((m2ll_kalman - m2ll_direct).abs() < 1e-10);
    }

    #[test]
    fn p0_solves_the_lyapunov_equation() {
        let arma = Arma::expand(&[0.5, -0.2], &[0.4], &[0.3], &[], 3);
        let p = arma.p0().unwrap();
        let r = arma.r();
        let mut y = vec![0.0; r * r];
        let mut out = vec![0.0; r * r];
        arma.t_mat_t(&p, &arma.rvec(), &mut y, &mut out);
        for k in 0..r * r {
            assert!((out[k] - p[k]).abs() < 1e-10);
        }
    }
}
