//! The time-of-week-and-temperature (TOWT) model of hourly energy (Mathieu, Price, Kiliccote and
//! Piette, "Quantifying changes in building electricity use, with application to demand
//! response", IEEE Trans. Smart Grid 2011; the LBNL/CalTRACK hourly method):
//!
//! `E_t = α_{tow(t)} + Σ_k β_{occ(t),k} T_{k,t} + ε_t`
//!
//! - `tow(t)`: the hour of the week in the site's local time (Monday 00:00 = 0, ..., 167), one
//!   free level `α` each (the model has no other intercept);
//! - `T_{k,t}`: the outdoor temperature split into piecewise-linear segments at the knots
//!   (default 0, 5, 10, 15, 20, 25 °C): `T_1 = min(T, B_1)`,
//!   `T_k = min(max(T - B_{k-1}, 0), B_k - B_{k-1})`, `T_last = max(T - B_last, 0)`;
//! - `occ(t)`: occupied or unoccupied hour of the week, each with its own temperature slopes. An
//!   hour of the week counts as occupied when more than `occupancy_threshold` (65 %) of its
//!   residuals from a first-pass regression of energy on temperature alone are positive.
//!
//! The hour-of-week levels are orthogonal indicators, so they are partialled out exactly
//! (Frisch-Waugh-Lovell): energy and temperature segments are centred within each hour of the
//! week, the slopes come from a QR fit of the centred columns, and `α_h = ȳ_h - Σ β T̄_{k,h}`.
//! R² and CV(RMSE) count every parameter (`n - p` degrees of freedom).

use chrono::{Datelike, Timelike};
use serde::{Deserialize, Serialize};

use crate::baseline::performance::{FitSummary, TimeTempBaseline};
use crate::error::{Error, Result};
use crate::stats::{ols, OlsOptions};
use crate::time::{parse_tz, to_local, Timestamp};

/// Hours in a week.
const HOURS_PER_WEEK: usize = 168;

/// Options of a TOWT fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TowtOptions {
    /// Temperature knots, °C, increasing.
    pub knots_c: Vec<f64>,
    /// Share of positive first-pass residuals above which an hour of the week is occupied.
    pub occupancy_threshold: f64,
    /// IANA time zone of the site (hours of the week are local).
    pub timezone: String,
}

impl Default for TowtOptions {
    fn default() -> Self {
        TowtOptions {
            knots_c: vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0],
            occupancy_threshold: 0.65,
            timezone: "UTC".into(),
        }
    }
}

/// A fitted TOWT model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TowtModel {
    /// Options it was fitted with.
    pub options: TowtOptions,
    /// Level of each hour of the week (NaN where the training data had no such hour).
    #[serde(with = "crate::stats::nonfinite::vec")]
    pub tow_levels: Vec<f64>,
    /// Whether each hour of the week is occupied.
    pub occupied: Vec<bool>,
    /// Temperature segment slopes in occupied hours (one per segment).
    pub occupied_slopes: Vec<f64>,
    /// Temperature segment slopes in unoccupied hours.
    pub unoccupied_slopes: Vec<f64>,
    /// Observations.
    pub n: usize,
    /// Parameters (levels present plus slopes).
    pub n_params: usize,
    /// Coefficient of determination.
    #[serde(with = "crate::stats::nonfinite")]
    pub r_squared: f64,
    /// CV(RMSE), percent, with `n - p` degrees of freedom (ASHRAE Guideline 14).
    #[serde(with = "crate::stats::nonfinite")]
    pub cv_rmse_pct: f64,
    /// NMBE, percent (ASHRAE Guideline 14).
    #[serde(with = "crate::stats::nonfinite")]
    pub nmbe_pct: f64,
    /// Lag-1 autocorrelation of the residuals in time order (for the savings uncertainty; 0 in
    /// a model saved before it was recorded).
    #[serde(default)]
    pub resid_autocorr_lag1: f64,
}

fn segments(t: f64, knots: &[f64], out: &mut [f64]) {
    let m = knots.len();
    out[0] = t.min(knots[0]);
    for k in 1..m {
        out[k] = (t - knots[k - 1]).max(0.0).min(knots[k] - knots[k - 1]);
    }
    out[m] = (t - knots[m - 1]).max(0.0);
}

fn hours_of_week(ts: &[Timestamp], tz_name: &str) -> Result<Vec<usize>> {
    let tz = parse_tz(tz_name)?;
    ts.iter()
        .map(|&t| {
            let l = to_local(t, tz)?;
            Ok(l.weekday().num_days_from_monday() as usize * 24 + l.hour() as usize)
        })
        .collect()
}

use crate::series::check_finite as check;

/// Fits the model on hourly `energy` with the hour's mean outdoor temperature `temp_c`, at the
/// hours starting at `ts` (UTC microseconds).
pub fn fit_towt(
    ts: &[Timestamp],
    temp_c: &[f64],
    energy: &[f64],
    options: &TowtOptions,
) -> Result<TowtModel> {
    let n = energy.len();
    if n == 0 {
        return Err(Error::EmptySeries {
            column: "energy".into(),
            needed: 2 * HOURS_PER_WEEK,
        });
    }
    for (name, len) in [("ts", ts.len()), ("temp_c", temp_c.len())] {
        if len != n {
            return Err(Error::LengthMismatch {
                column: name.into(),
                expected: n,
                got: len,
            });
        }
    }
    check("temp_c", temp_c)?;
    check("energy", energy)?;
    let knots = &options.knots_c;
    if knots.is_empty()
        || knots.iter().any(|k| !k.is_finite())
        || knots.windows(2).any(|w| w[0] >= w[1])
    {
        return Err(Error::invalid(
            "knots_c",
            "must be one or more finite temperatures in increasing order",
        ));
    }
    if !(options.occupancy_threshold > 0.0 && options.occupancy_threshold < 1.0) {
        return Err(Error::invalid(
            "occupancy_threshold",
            format!("must lie in (0, 1), got {}", options.occupancy_threshold),
        ));
    }
    let how = hours_of_week(ts, &options.timezone)?;
    let s = knots.len() + 1;
    let mut seg = vec![0.0; n * s];
    for (i, &t) in temp_c.iter().enumerate() {
        segments(t, knots, &mut seg[i * s..(i + 1) * s]);
    }

    // first pass: energy on temperature alone; occupancy from the sign of its residuals
    let first = ols(energy, &[("temp_c", temp_c)], &OlsOptions::default())?;
    let (b0, b1) = (
        first.coefficients[0].estimate,
        first.coefficients[1].estimate,
    );
    let mut pos = [0usize; HOURS_PER_WEEK];
    let mut cnt = [0usize; HOURS_PER_WEEK];
    for i in 0..n {
        cnt[how[i]] += 1;
        if energy[i] - (b0 + b1 * temp_c[i]) > 0.0 {
            pos[how[i]] += 1;
        }
    }
    let occupied: Vec<bool> = (0..HOURS_PER_WEEK)
        .map(|h| cnt[h] > 0 && pos[h] as f64 / cnt[h] as f64 > options.occupancy_threshold)
        .collect();

    // design: 2s temperature columns (occupied, unoccupied), centred within each hour of week
    let cols = 2 * s;
    let mut x = vec![vec![0.0; n]; cols];
    for i in 0..n {
        let off = if occupied[how[i]] { 0 } else { s };
        for k in 0..s {
            x[off + k][i] = seg[i * s + k];
        }
    }
    let mut mean_y = [0.0; HOURS_PER_WEEK];
    let mut mean_x = vec![[0.0; HOURS_PER_WEEK]; cols];
    for i in 0..n {
        mean_y[how[i]] += energy[i];
        for c in 0..cols {
            mean_x[c][how[i]] += x[c][i];
        }
    }
    for h in 0..HOURS_PER_WEEK {
        if cnt[h] > 0 {
            let k = cnt[h] as f64;
            mean_y[h] /= k;
            for m in mean_x.iter_mut() {
                m[h] /= k;
            }
        }
    }
    let yc: Vec<f64> = (0..n).map(|i| energy[i] - mean_y[how[i]]).collect();
    let xc: Vec<Vec<f64>> = (0..cols)
        .map(|c| (0..n).map(|i| x[c][i] - mean_x[c][how[i]]).collect())
        .collect();
    // keep the columns that vary within hours of the week (a segment no temperature reaches, or
    // one mode without hours, has nothing to estimate)
    let keep: Vec<usize> = (0..cols)
        .filter(|&c| xc[c].iter().any(|v| v.abs() > 1e-12))
        .collect();
    let names: Vec<String> = keep.iter().map(|c| format!("t{c}")).collect();
    let refs: Vec<(&str, &[f64])> = keep
        .iter()
        .zip(&names)
        .map(|(&c, name)| (name.as_str(), xc[c].as_slice()))
        .collect();
    let levels_present = cnt.iter().filter(|&&c| c > 0).count();
    let p = levels_present + keep.len();
    if n <= p {
        return Err(Error::invalid(
            "energy",
            format!(
                "{n} hours for {p} parameters: at least {} are needed",
                p + 1
            ),
        ));
    }
    let mut slopes = vec![0.0; cols];
    if !refs.is_empty() {
        let fit = ols(
            &yc,
            &refs,
            &OlsOptions {
                intercept: false,
                ..OlsOptions::default()
            },
        )?;
        for (c, coef) in keep.iter().zip(&fit.coefficients) {
            slopes[*c] = coef.estimate;
        }
    }
    let tow_levels: Vec<f64> = (0..HOURS_PER_WEEK)
        .map(|h| {
            if cnt[h] == 0 {
                f64::NAN
            } else {
                mean_y[h] - (0..cols).map(|c| slopes[c] * mean_x[c][h]).sum::<f64>()
            }
        })
        .collect();
    let mut model = TowtModel {
        options: options.clone(),
        tow_levels,
        occupied,
        occupied_slopes: slopes[..s].to_vec(),
        unoccupied_slopes: slopes[s..].to_vec(),
        n,
        n_params: p,
        r_squared: f64::NAN,
        cv_rmse_pct: f64::NAN,
        nmbe_pct: f64::NAN,
        resid_autocorr_lag1: 0.0,
    };
    let pred = model.predict_hours(&how, temp_c);
    let (summary, r2, nmbe) = FitSummary::of(energy, &pred, p);
    model.r_squared = r2;
    model.cv_rmse_pct = summary.cv_rmse_pct;
    model.nmbe_pct = nmbe;
    model.resid_autocorr_lag1 = summary.resid_autocorr_lag1;
    Ok(model)
}

impl TowtModel {
    fn predict_hours(&self, how: &[usize], temp_c: &[f64]) -> Vec<f64> {
        let s = self.occupied_slopes.len();
        let mut seg = vec![0.0; s];
        how.iter()
            .zip(temp_c)
            .map(|(&h, &t)| {
                segments(t, &self.options.knots_c, &mut seg);
                let slopes = if self.occupied[h] {
                    &self.occupied_slopes
                } else {
                    &self.unoccupied_slopes
                };
                self.tow_levels[h] + seg.iter().zip(slopes).map(|(a, b)| a * b).sum::<f64>()
            })
            .collect()
    }

    /// Predicted energy for hours starting at `ts` with mean temperatures `temp_c`. An hour of
    /// the week the model never saw is an error naming the row.
    pub fn predict(&self, ts: &[Timestamp], temp_c: &[f64]) -> Result<Vec<f64>> {
        if ts.len() != temp_c.len() {
            return Err(Error::LengthMismatch {
                column: "temp_c".into(),
                expected: ts.len(),
                got: temp_c.len(),
            });
        }
        check("temp_c", temp_c)?;
        let how = hours_of_week(ts, &self.options.timezone)?;
        if let Some(i) = how.iter().position(|&h| self.tow_levels[h].is_nan()) {
            return Err(Error::invalid(
                "ts",
                format!(
                    "row {i}: hour {} of the week was not in the training data",
                    how[i]
                ),
            ));
        }
        Ok(self.predict_hours(&how, temp_c))
    }
}

impl TimeTempBaseline for TowtModel {
    fn expected(&self, ts: &[Timestamp], temp_c: &[f64]) -> Result<Vec<f64>> {
        self.predict(ts, temp_c)
    }

    fn fit_summary(&self) -> FitSummary {
        FitSummary::from_parts(
            self.n,
            self.n_params,
            self.cv_rmse_pct,
            self.resid_autocorr_lag1,
        )
    }
}

impl crate::options::Saved for TowtModel {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_add_up_to_the_temperature() {
        let knots = [0.0, 5.0, 10.0, 15.0, 20.0, 25.0];
        let mut out = [0.0; 7];
        for t in [-12.0, 0.0, 3.3, 12.0, 24.9, 31.0] {
            segments(t, &knots, &mut out);
            assert!((out.iter().sum::<f64>() - t).abs() < 1e-12, "{t}: {out:?}");
        }
    }
}
