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
    /// Non-zero entries of `φ` as (index, value): seasonal polynomials are sparse.
    phi_nz: Vec<(usize, f64)>,
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
        let phi_nz = phi
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(i, v)| (i, *v))
            .collect();
        Arma { phi, theta, phi_nz }
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
        out[..r - 1].copy_from_slice(&x[1..]);
        out[r - 1] = 0.0;
        let x0 = x[0];
        if x0 != 0.0 {
            for &(i, ph) in &self.phi_nz {
                out[i] += ph * x0;
            }
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
        if f.is_nan() || f <= 0.0 || f.is_infinite() {
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

/// First column of the stationary state covariance, `P_0 Z' = Cov(α_t, w_t)`, from the
/// autocovariances `γ` and the ψ-weights of the ARMA (Brockwell and Davis 1991, §3.3):
/// `P_0[0][0] = γ(0)` and, for `j ≥ 1`, `P_0[j][0] = Σ_{k=0}^{r-1-j} (φ_{j+k+1} γ(k+1) + R_{j+k} ψ_k)`.
/// The AR autocovariances come from the step-down (partial autocorrelation) recursion, the MA
/// part is a sparse convolution: `O(p² + r q)` instead of the `O(r³)` of the full matrix.
/// `None` when the AR part is not stationary.
pub(crate) fn p0_column(arma: &Arma) -> Option<Vec<f64>> {
    let p = arma.phi.len();
    let q = arma.theta.len();
    let r = arma.r();
    let th = |j: usize| -> f64 {
        if j == 0 {
            1.0
        } else {
            arma.theta.get(j - 1).copied().unwrap_or(0.0)
        }
    };
    let nps = q.max(r) + 1;
    let mut psi = vec![0.0; nps];
    psi[0] = 1.0;
    for k in 1..nps {
        let mut v = th(k);
        for i in 1..=k.min(p) {
            v += arma.phi[i - 1] * psi[k - i];
        }
        psi[k] = v;
    }
    // autocovariances of the AR part x (φ(B) x = unit white noise): partial autocorrelations by
    // the step-down recursion, then γ_x(k) = Σ_j φ_{k,j} γ_x(k-j) with the order-k coefficients
    let mut orders: Vec<Vec<f64>> = vec![Vec::new(); p + 1];
    orders[p] = arma.phi.clone();
    for j in (1..=p).rev() {
        let cur = &orders[j];
        let a = cur[j - 1];
        if a.is_nan() || a.abs() >= 1.0 {
            return None;
        }
        let prev: Vec<f64> = (0..j - 1)
            .map(|k| (cur[k] + a * cur[j - 2 - k]) / (1.0 - a * a))
            .collect();
        orders[j - 1] = prev;
    }
    let lmax = r + q + 1;
    let mut gx = vec![0.0; lmax + 1];
    let mut g0 = 1.0;
    for (j, ord) in orders.iter().enumerate().skip(1) {
        let k = ord[j - 1];
        g0 /= 1.0 - k * k;
    }
    gx[0] = g0;
    let phi_nz: Vec<(usize, f64)> = arma
        .phi
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(i, v)| (i + 1, *v))
        .collect();
    for k in 1..=lmax {
        gx[k] = if k <= p {
            orders[k]
                .iter()
                .enumerate()
                .map(|(j, c)| c * gx[k - 1 - j])
                .sum()
        } else {
            phi_nz.iter().map(|&(i, c)| c * gx[k - i]).sum()
        };
    }
    // w = θ(B) x: γ(k) = Σ_j Σ_l θ_j θ_l γ_x(k + j - l)
    let theta_nz: Vec<(usize, f64)> = std::iter::once((0usize, 1.0))
        .chain(
            arma.theta
                .iter()
                .enumerate()
                .filter(|(_, v)| **v != 0.0)
                .map(|(i, v)| (i + 1, *v)),
        )
        .collect();
    let mut gamma = vec![0.0; r + 1];
    for (k, g) in gamma.iter_mut().enumerate() {
        let mut v = 0.0;
        for &(j, tj) in &theta_nz {
            for &(l, tl) in &theta_nz {
                let lag = (k + j).abs_diff(l);
                v += tj * tl * gx[lag];
            }
        }
        *g = v;
    }
    if gamma[0].is_nan() || gamma[0] <= 0.0 || gamma[0].is_infinite() {
        return None;
    }
    let mut col = vec![0.0; r];
    col[0] = gamma[0];
    for (j, cj) in col.iter_mut().enumerate().skip(1) {
        let mut v = 0.0;
        for k in 0..r - j {
            v += arma.phi_at(j + k) * gamma[k + 1] + th(j + k) * psi[k];
        }
        *cj = v;
    }
    Some(col)
}

/// `(Σ v_t²/F_t, Σ log F_t, n)` by the Chandrasekhar recursions (Morf, Sidhu and Kailath 1974;
/// Herbst 2015): from the stationary start, `P_{t+1} - P_t = W_t M_t W_t'` has rank one, so each
/// step costs `O(r)` instead of the `O(r²)` of the Riccati update:
/// `F_{t+1} = F_t + M_t s²`, `g_{t+1} = g_t + M_t s T W_t`, `W_{t+1} = T W_t - s g_{t+1}/F_{t+1}`,
/// `M_{t+1} = M_t F_{t+1}/F_t`, with `s = Z W_t`, `g_t = T P_t Z'`, `W_1 = g_1`, `M_1 = -1/F_1`.
pub(crate) fn loglik_chandrasekhar(arma: &Arma, w: &[f64]) -> Option<(f64, f64, usize)> {
    let r = arma.r();
    let col = p0_column(arma)?;
    let mut f = col[0];
    let mut g = vec![0.0; r];
    arma.t_vec(&col, &mut g);
    // The state `a_t` and `W_t` live in sliding windows, `a_t = abuf[t..t + r]`: the shift of
    // the companion matrix `T` is the window's move by one (no copy), and the slot entering at
    // the end is still zero, as `T` gives it before its AR term.
    let len = w.len() + r + 1;
    let mut abuf = vec![0.0; len];
    let mut wbuf = vec![0.0; len];
    wbuf[..r].copy_from_slice(&g);
    let mut m = -1.0 / f;
    let (mut ssq, mut sumlog) = (0.0, 0.0);
    let mut converged = false;
    let mut ln_f = 0.0;
    for (t, &wt) in w.iter().enumerate() {
        if f.is_nan() || f <= 0.0 || f.is_infinite() {
            return None;
        }
        let a0 = abuf[t];
        let v = wt - a0;
        ssq += v * v / f;
        if !converged {
            ln_f = f.ln();
        }
        sumlog += ln_f;
        let kv = v / f;
        // a_{t+1} = T a_t + g kv
        let next = &mut abuf[t + 1..t + 1 + r];
        if a0 != 0.0 {
            for &(i, ph) in &arma.phi_nz {
                next[i] += ph * a0;
            }
        }
        for (x, gi) in next.iter_mut().zip(&g) {
            *x += gi * kv;
        }
        if converged {
            continue;
        }
        let s = wbuf[t];
        let ms = m * s;
        let f_next = f + ms * s;
        let sf = s / f_next;
        // T W_t in the window, then g += M s T W_t and W_{t+1} = T W_t - s g / F_{t+1}
        let win = &mut wbuf[t + 1..t + 1 + r];
        if s != 0.0 {
            for &(i, ph) in &arma.phi_nz {
                win[i] += ph * s;
            }
        }
        for (x, gi) in win.iter_mut().zip(g.iter_mut()) {
            let tw = *x;
            *gi += ms * tw;
            *x = tw - sf * *gi;
        }
        m *= f_next / f;
        if (f_next - f).abs() <= 1e-15 * f && (ms * s).abs() <= 1e-15 * f {
            // the remaining change is below rounding: steady state
            let wmax = win.iter().fold(0.0f64, |x, y| x.max(y.abs()));
            if (m.abs() * wmax * wmax) < 1e-15 * f {
                converged = true;
            }
        }
        f = f_next;
    }
    Some((ssq, sumlog, w.len()))
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
    // seasonal polynomials are sparse: loop over the non-zero lags only
    let phi_nz: Vec<(usize, f64)> = arma
        .phi
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(j, v)| (j + 1, *v))
        .collect();
    let theta_nz: Vec<(usize, f64)> = arma
        .theta
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(|(j, v)| (j + 1, *v))
        .collect();
    // The AR part does not depend on the residuals: applied lag by lag over the whole series
    // (vectorised). In the MA part the most recent residual is subtracted last, so that the
    // chain from one residual to the next is one multiply and one subtraction.
    resid[p..].copy_from_slice(&w[p..]);
    for &(lag, ph) in &phi_nz {
        for (r, x) in resid[p..].iter_mut().zip(&w[p - lag..n - lag]) {
            *r -= ph * *x;
        }
    }
    let (recent, older) = match theta_nz.split_first() {
        Some((&(1, th), rest)) => (th, rest),
        _ => (0.0, &theta_nz[..]),
    };
    let mut ssq = 0.0;
    for l in p..n {
        let mut tmp = resid[l];
        let jm = (l - p).min(q);
        for &(lag, th) in older {
            if lag > jm {
                break;
            }
            tmp -= th * resid[l - lag];
        }
        if jm >= 1 {
            tmp -= recent * resid[l - 1];
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
    fn chandrasekhar_equals_the_riccati_filter() {
        let w: Vec<f64> = (0..200)
            .map(|i| ((i * 7919) % 101) as f64 / 50.0 - 1.0 + (i as f64 * 0.3).sin())
            .collect();
        for arma in [
            Arma::expand(&[0.5, -0.2], &[0.4], &[0.3], &[-0.6], 5),
            Arma::expand(&[], &[0.4, 0.2], &[], &[-0.8], 7),
            Arma::expand(&[0.9], &[], &[0.5], &[], 4),
            Arma::expand(&[], &[], &[], &[], 1),
        ] {
            let col = p0_column(&arma).unwrap();
            let p0 = arma.p0().unwrap();
            let r = arma.r();
            for j in 0..r {
                assert!(
                    (col[j] - p0[j * r]).abs() < 1e-9,
                    "{j} {} {}",
                    col[j],
                    p0[j * r]
                );
            }
            let full = filter(&arma, &w, false).unwrap();
            let (ssq, sumlog, nu) = loglik_chandrasekhar(&arma, &w).unwrap();
            assert_eq!(nu, full.nu);
            assert!(
                (ssq - full.ssq).abs() < 1e-8 * full.ssq,
                "{ssq} {}",
                full.ssq
            );
            assert!(
                (sumlog - full.sumlog).abs() < 1e-8,
                "{sumlog} {}",
                full.sumlog
            );
        }
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
