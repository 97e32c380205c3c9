//! How many differences: the KPSS test (for `d`) and the STL seasonal strength (for `D`).
//!
//! - KPSS (Kwiatkowski, Phillips, Schmidt and Shin 1992), level-stationary null: with
//!   `e_t = x_t - x̄` and `S_t = Σ_{i≤t} e_i`, `η = Σ S_t² / (n² σ̂²)`, where `σ̂²` is the Newey-West
//!   long-run variance with `L = floor(3 sqrt(n) / 13)` Bartlett lags (the lag rule of
//!   statsforecast's `ndiffs`). The p-value is interpolated in the table of KPSS (1992) (as
//!   statsmodels `kpss` does): 0.10, 0.05, 0.025, 0.01 at 0.347, 0.463, 0.574, 0.739.
//! - Seasonal strength (Wang, Smith and Hyndman 2006): `max(0, min(1, 1 - var(R) / var(S + R)))`
//!   from an STL decomposition (Cleveland et al. 1990) with seasonal window 11, seasonal degree 0,
//!   the default trend and low-pass windows, five inner passes and no robustness iterations (the
//!   `mstl` that statsforecast's `nsdiffs(test="seas")` uses); one seasonal difference when the
//!   strength exceeds 0.64.

/// KPSS level-stationarity statistic with `nlags` Bartlett lags.
pub(crate) fn kpss_stat(x: &[f64], nlags: usize) -> f64 {
    let n = x.len();
    if n < 2 {
        return f64::NAN;
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    let e: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let mut s = 0.0;
    let mut eta = 0.0;
    for v in &e {
        s += v;
        eta += s * s;
    }
    let nf = n as f64;
    let mut s2 = e.iter().map(|v| v * v).sum::<f64>();
    let nlags = nlags.min(n - 1);
    for k in 1..=nlags {
        let w = 1.0 - k as f64 / (nlags as f64 + 1.0);
        let c: f64 = (k..n).map(|t| e[t] * e[t - k]).sum();
        s2 += 2.0 * w * c;
    }
    s2 /= nf;
    if s2 <= 0.0 {
        return f64::NAN;
    }
    eta / (nf * nf * s2)
}

/// The p-value of the KPSS level statistic, interpolated in the KPSS (1992) table and clamped to
/// [0.01, 0.10].
pub(crate) fn kpss_pvalue(stat: f64) -> f64 {
    const CRIT: [f64; 4] = [0.347, 0.463, 0.574, 0.739];
    const P: [f64; 4] = [0.10, 0.05, 0.025, 0.01];
    if stat <= CRIT[0] {
        return P[0];
    }
    if stat >= CRIT[3] {
        return P[3];
    }
    for i in 0..3 {
        if stat <= CRIT[i + 1] {
            let t = (stat - CRIT[i]) / (CRIT[i + 1] - CRIT[i]);
            return P[i] + t * (P[i + 1] - P[i]);
        }
    }
    P[3]
}

pub(crate) fn is_constant(x: &[f64]) -> bool {
    x.first().is_none_or(|f| x.iter().all(|v| v == f))
}

/// Lag-`lag` difference, applied `times` times.
pub(crate) fn diff(x: &[f64], lag: usize, times: usize) -> Vec<f64> {
    let mut v = x.to_vec();
    for _ in 0..times {
        if v.len() <= lag {
            return Vec::new();
        }
        v = (lag..v.len()).map(|i| v[i] - v[i - lag]).collect();
    }
    v
}

/// Number of first differences by repeated KPSS tests (statsforecast `ndiffs`).
pub(crate) fn ndiffs(x: &[f64], alpha: f64, max_d: usize) -> usize {
    let mut d = 0;
    if is_constant(x) {
        return 0;
    }
    let test = |v: &[f64]| -> Option<bool> {
        let nlags = (3.0 * (v.len() as f64).sqrt() / 13.0).floor() as usize;
        let st = kpss_stat(v, nlags);
        if st.is_nan() {
            None
        } else {
            Some(kpss_pvalue(st) < alpha)
        }
    };
    let mut dodiff = match test(x) {
        Some(b) => b,
        None => return 0,
    };
    let mut v = x.to_vec();
    while dodiff && d < max_d {
        d += 1;
        v = diff(&v, 1, 1);
        if v.len() < 2 || is_constant(&v) {
            return d;
        }
        dodiff = match test(&v) {
            Some(b) => b,
            None => return d - 1,
        };
    }
    d
}

/// Number of seasonal differences by the seasonal-strength heuristic (statsforecast `nsdiffs`
/// with `test="seas"`).
pub(crate) fn nsdiffs(x: &[f64], period: usize, max_d: usize) -> usize {
    let mut d = 0;
    if is_constant(x) || period < 2 || period >= x.len() {
        return 0;
    }
    let mut dodiff = seasonal_strength(x, period) > 0.64;
    let mut v = x.to_vec();
    while dodiff && d < max_d {
        d += 1;
        v = diff(&v, period, 1);
        if is_constant(&v) {
            return d;
        }
        dodiff = v.len() >= 2 * period && d < max_d && seasonal_strength(&v, period) > 0.64;
    }
    d
}

fn var(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)
}

/// Seasonal strength `1 - var(R) / var(S + R)` from STL, in [0, 1].
pub(crate) fn seasonal_strength(x: &[f64], period: usize) -> f64 {
    if x.len() < 2 * period + 1 || period < 2 {
        return 0.0;
    }
    let (seasonal, trend) = stl(x, period, 11);
    let rem: Vec<f64> = (0..x.len())
        .map(|i| x[i] - seasonal[i] - trend[i])
        .collect();
    let sr: Vec<f64> = (0..x.len()).map(|i| rem[i] + seasonal[i]).collect();
    let vsr = var(&sr);
    if vsr.is_nan() || vsr <= 0.0 {
        return 0.0;
    }
    (1.0 - var(&rem) / vsr).clamp(0.0, 1.0)
}

fn odd_at_least(v: usize) -> usize {
    if v % 2 == 0 {
        v + 1
    } else {
        v
    }
}

/// STL (Cleveland, Cleveland, McRae and Terpenning 1990), non-robust (five inner passes, as
/// statsmodels without `robust`), every point evaluated
/// (jumps of 1), seasonal degree 0, trend and low-pass degree 1. Returns (seasonal, trend).
pub(crate) fn stl(y: &[f64], np: usize, ns: usize) -> (Vec<f64>, Vec<f64>) {
    let n = y.len();
    let ns = odd_at_least(ns.max(3));
    let nt_raw = (1.5 * np as f64 / (1.0 - 1.5 / ns as f64)).ceil() as usize;
    let nt = odd_at_least(nt_raw.max(3));
    let nl = odd_at_least(np + 1);
    let mut trend = vec![0.0; n];
    let mut season = vec![0.0; n];
    let mut w1 = vec![0.0; n];
    let mut c = vec![0.0; n + 2 * np];
    let mut lp = vec![0.0; n];
    let mut tmp = vec![0.0; n + 2 * np];
    for _ in 0..5 {
        for i in 0..n {
            w1[i] = y[i] - trend[i];
        }
        // cycle-subseries smoothing, extended by one period at each end
        for j in 0..np {
            let k = (n - j).div_ceil(np);
            let sub: Vec<f64> = (0..k).map(|m| w1[j + m * np]).collect();
            let mut smooth = vec![0.0; k + 2];
            let mut work = vec![0.0; k];
            loess(&sub, ns, 0, &mut smooth[1..=k], &mut work);
            // extrapolate one point on each side
            let nright = ns.min(k);
            smooth[0] = loess_at(&sub, ns, 0, 0.0, 1, nright, &mut work).unwrap_or(smooth[1]);
            let nleft = if k >= ns { k - ns + 1 } else { 1 };
            smooth[k + 1] =
                loess_at(&sub, ns, 0, (k + 1) as f64, nleft, k, &mut work).unwrap_or(smooth[k]);
            for (m, v) in smooth.iter().enumerate() {
                c[m * np + j] = *v;
            }
        }
        // low-pass: moving averages of length np, np, 3, then loess
        moving_average(&c, np, &mut tmp);
        let l1 = n + np + 1;
        let t1 = tmp[..l1].to_vec();
        moving_average(&t1, np, &mut tmp);
        let l2 = n + 2;
        let t2 = tmp[..l2].to_vec();
        moving_average(&t2, 3, &mut tmp);
        let t3 = tmp[..n].to_vec();
        let mut work = vec![0.0; n];
        loess(&t3, nl, 1, &mut lp, &mut work);
        for i in 0..n {
            season[i] = c[np + i] - lp[i];
            w1[i] = y[i] - season[i];
        }
        loess(&w1.clone(), nt, 1, &mut trend, &mut work);
    }
    (season, trend)
}

fn moving_average(x: &[f64], len: usize, out: &mut [f64]) {
    let n = x.len();
    if len > n {
        return;
    }
    let mut s: f64 = x[..len].iter().sum();
    let fl = len as f64;
    out[0] = s / fl;
    for j in 1..=(n - len) {
        s += x[j + len - 1] - x[j - 1];
        out[j] = s / fl;
    }
}

/// Loess smoothing of `y` (positions 1..n) with span `len` and degree `deg`, every point.
fn loess(y: &[f64], len: usize, deg: usize, ys: &mut [f64], w: &mut [f64]) {
    let n = y.len();
    if n < 2 {
        if n == 1 {
            ys[0] = y[0];
        }
        return;
    }
    if len >= n {
        for i in 0..n {
            ys[i] = loess_at(y, len, deg, (i + 1) as f64, 1, n, w).unwrap_or(y[i]);
        }
    } else {
        let nsh = len.div_ceil(2);
        let (mut nleft, mut nright) = (1, len);
        for i in 1..=n {
            if i > nsh && nright != n {
                nleft += 1;
                nright += 1;
            }
            ys[i - 1] = loess_at(y, len, deg, i as f64, nleft, nright, w).unwrap_or(y[i - 1]);
        }
    }
}

/// One local fit at `xs` (1-based positions) over `nleft..=nright` (1-based), tricube weights.
fn loess_at(
    y: &[f64],
    len: usize,
    deg: usize,
    xs: f64,
    nleft: usize,
    nright: usize,
    w: &mut [f64],
) -> Option<f64> {
    let n = y.len();
    let range = n as f64 - 1.0;
    let mut h = (xs - nleft as f64).max(nright as f64 - xs);
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let h9 = 0.999 * h;
    let h1 = 0.001 * h;
    let mut a = 0.0;
    for j in nleft..=nright {
        let r = (j as f64 - xs).abs();
        let wj = if r <= h9 {
            if r <= h1 {
                1.0
            } else {
                let q = r / h;
                let t = 1.0 - q * q * q;
                t * t * t
            }
        } else {
            0.0
        };
        w[j - 1] = wj;
        a += wj;
    }
    if a <= 0.0 {
        return None;
    }
    for j in nleft..=nright {
        w[j - 1] /= a;
    }
    if h > 0.0 && deg > 0 {
        let a: f64 = (nleft..=nright).map(|j| w[j - 1] * j as f64).sum();
        let mut b = xs - a;
        let c: f64 = (nleft..=nright)
            .map(|j| w[j - 1] * (j as f64 - a) * (j as f64 - a))
            .sum();
        if c.sqrt() > 0.001 * range {
            b /= c;
            for j in nleft..=nright {
                w[j - 1] *= b * (j as f64 - a) + 1.0;
            }
        }
    }
    Some((nleft..=nright).map(|j| w[j - 1] * y[j - 1]).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statistics equal statsforecast's `seas_heuristic` (STL through statsmodels) and
    /// statsmodels' `kpss` on the 13 series of `scripts/reference/arima_reference.py`.
    #[test]
    fn seasonal_strength_and_kpss_equal_the_reference() {
        #![allow(clippy::unwrap_used)]
        let fx: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/arima_statsforecast.json"
        ))
        .unwrap();
        for s in fx["series"].as_array().unwrap() {
            let y: Vec<f64> = s["y"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let m = s["s"].as_u64().unwrap() as usize;
            if let Some(r) = s["seasonal_strength"].as_f64() {
                let ours = seasonal_strength(&y, m);
                assert!((ours - r).abs() < 1e-9, "{}: {ours} {r}", s["name"]);
            }
            let nlags = s["kpss_nlags"].as_u64().unwrap() as usize;
            let ours = kpss_stat(&y, nlags);
            let r = s["kpss_stat"].as_f64().unwrap();
            assert!((ours - r).abs() < 1e-9 * r, "{}: {ours} {r}", s["name"]);
        }
    }

    #[test]
    fn kpss_table_interpolates() {
        assert_eq!(kpss_pvalue(0.1), 0.10);
        assert!((kpss_pvalue(0.463) - 0.05).abs() < 1e-12);
        assert_eq!(kpss_pvalue(5.0), 0.01);
    }

    #[test]
    fn random_walk_needs_a_difference_and_noise_does_not() {
        let mut s = 12345u64;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % 10_000) as f64 / 10_000.0 - 0.5
        };
        let noise: Vec<f64> = (0..300).map(|_| rnd()).collect();
        let mut walk = vec![0.0];
        for i in 1..300 {
            walk.push(walk[i - 1] + noise[i]);
        }
        assert_eq!(ndiffs(&noise, 0.05, 2), 0);
        assert_eq!(ndiffs(&walk, 0.05, 2), 1);
    }

    #[test]
    fn strong_daily_cycle_is_seasonal() {
        let x: Vec<f64> = (0..24 * 14)
            .map(|i| (i as f64 * std::f64::consts::TAU / 24.0).sin() * 10.0 + (i % 7) as f64 * 0.1)
            .collect();
        assert!(seasonal_strength(&x, 24) > 0.9);
        assert_eq!(nsdiffs(&x, 24, 1), 1);
    }
}
