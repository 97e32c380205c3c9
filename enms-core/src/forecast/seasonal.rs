//! Seasonal regression forecaster for day- and week-ahead demand.
//!
//! A decomposable model in the manner of Prophet (Taylor and Letham, 2018) and of dynamic harmonic
//! regression (Hyndman and Athanasopoulos, *Forecasting: Principles and Practice*, ch. 10), fitted
//! by penalised least squares instead of a sampler:
//!
//! ```text
//! y(t) = g(t) + s_day[type(t)](t) + s_week(t) + s_year(t) + b' x(t) + r(t)
//! g(t) = a + k tau + sum_j d_j max(0, tau - c_j)                 piecewise-linear trend
//! s_P(t) = sum_{k=1..K} [ alpha_k sin(2 pi k t / P) + beta_k cos(2 pi k t / P) ]
//! r(t) = phi_1 r(t-1) + ... + phi_p r(t-p) + e(t)                  residual AR correction
//! ```
//!
//! - `tau` is time scaled to [0, 1] over the training span; the change points `c_j` sit evenly
//!   in the first `changepoint_range` of it, and their slope changes `d_j` carry a ridge penalty
//!   (the least-squares counterpart of Prophet's Laplace prior), so the trend bends only where the
//!   data insist.
//! - Seasonal terms use the site's **local wall clock** (a shift starts at 06:00 local before and
//!   after a daylight-saving change). The daily profile is conditional on the **day type** from the
//!   site's calendar ([`WorkCalendar`]): working days, reduced days (e.g. Saturday) and days off
//!   (e.g. Sunday and holidays) each get their own level and daily shape. A day type absent from
//!   the training data borrows the profile of the nearest present one (off -> reduced -> working).
//! - Regressors (outdoor temperature, planned production, ...) enter linearly after
//!   standardisation; their future values are required to forecast.
//! - The residual AR(p) correction is estimated by Yule-Walker (Levinson-Durbin, always
//!   stationary); it improves the first hours of a forecast and fades towards the seasonal mean.
//!
//! Prediction intervals are normal, with the variance of the h-step AR forecast error
//! `sigma_c^2 * sum_{j<h} psi_j^2`, where `sigma_c^2` is the innovation variance of the forecast
//! step's cell (day type x local hour, shrunk towards the overall variance), scaled by
//! `n / (n - k)` for the `k` fitted coefficients. Industrial load is noisier while machines run
//! than at night; per-cell variances keep the night intervals narrow and the day ones honest.

use chrono::{Datelike, NaiveDate, Timelike, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::PredictionInterval;
use super::{check_horizon, check_levels, future_timestamps, regular_step, Forecast};
use crate::error::{Error, Result};
use crate::stats::dist::normal_quantile;
use crate::time::{parse_tz, to_local, Timestamp, MICROS_PER_DAY};

/// The kind of day in the site's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    /// A full production day.
    Working,
    /// A reduced day (e.g. Saturday with one shift).
    Reduced,
    /// A day off: a weekend day or a holiday.
    Off,
}

impl DayType {
    const ALL: [DayType; 3] = [DayType::Working, DayType::Reduced, DayType::Off];

    fn index(self) -> usize {
        match self {
            DayType::Working => 0,
            DayType::Reduced => 1,
            DayType::Off => 2,
        }
    }

    /// Nearest other day types, in the order a missing profile borrows from them.
    fn fallbacks(self) -> [DayType; 2] {
        match self {
            DayType::Working => [DayType::Reduced, DayType::Off],
            DayType::Reduced => [DayType::Off, DayType::Working],
            DayType::Off => [DayType::Reduced, DayType::Working],
        }
    }
}

/// The site's working calendar: which local days are working, reduced or off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkCalendar {
    /// IANA time zone of the site (e.g. `Europe/Berlin`).
    pub time_zone: String,
    /// Weekdays with full production.
    pub working_days: Vec<Weekday>,
    /// Weekdays with reduced production.
    pub reduced_days: Vec<Weekday>,
    /// Local dates that are days off whatever their weekday (public holidays, plant shutdowns),
    /// in the training period and in the forecast horizon.
    pub holidays: Vec<NaiveDate>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar {
            time_zone: "UTC".to_string(),
            working_days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            reduced_days: vec![Weekday::Sat],
            holidays: Vec::new(),
        }
    }
}

impl WorkCalendar {
    /// The day type of a local date.
    pub fn day_type(&self, date: NaiveDate) -> DayType {
        if self.holidays.contains(&date) {
            DayType::Off
        } else if self.working_days.contains(&date.weekday()) {
            DayType::Working
        } else if self.reduced_days.contains(&date.weekday()) {
            DayType::Reduced
        } else {
            DayType::Off
        }
    }

    fn tz(&self) -> Result<Tz> {
        parse_tz(&self.time_zone)
    }
}

/// Options of the seasonal forecaster. `None` orders are chosen from the data: a seasonality is
/// used when the history holds at least two of its periods and the sampling resolves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeasonalOptions {
    /// The site's calendar (time zone, day types, holidays).
    pub calendar: WorkCalendar,
    /// Fourier order of the daily profile (auto: up to 11, below the sampling's Nyquist limit).
    pub daily_order: Option<usize>,
    /// Fourier order of the weekly profile (auto: 3).
    pub weekly_order: Option<usize>,
    /// Fourier order of the yearly profile (auto: 6 with two years of history, else off).
    pub yearly_order: Option<usize>,
    /// One daily profile per day type (true) or one shared daily profile with a level per day
    /// type (false).
    pub day_type_profiles: bool,
    /// Number of potential trend change points (auto-reduced for short histories).
    pub n_changepoints: usize,
    /// Share of the history, from its start, in which change points are placed.
    pub changepoint_range: f64,
    /// Ridge penalty on the trend's slope changes, relative to the data's variance: larger is a
    /// stiffer trend.
    pub changepoint_penalty: f64,
    /// Order of the residual autoregressive correction (0 = none).
    pub ar_order: usize,
}

impl Default for SeasonalOptions {
    fn default() -> Self {
        SeasonalOptions {
            calendar: WorkCalendar::default(),
            daily_order: None,
            weekly_order: None,
            yearly_order: None,
            day_type_profiles: true,
            n_changepoints: 10,
            changepoint_range: 0.8,
            changepoint_penalty: 1.0,
            ar_order: 3,
        }
    }
}

/// A regressor's name and the standardisation learnt at fit time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressorScale {
    /// Regressor name.
    pub name: String,
    /// Training mean.
    pub mean: f64,
    /// Training standard deviation (1 when constant).
    pub sd: f64,
}

/// The layout of the design matrix, learnt at fit time and reused to forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Design {
    t0: Timestamp,
    span_us: f64,
    changepoints: Vec<f64>,
    daily_order: usize,
    weekly_order: usize,
    yearly_order: usize,
    day_type_profiles: bool,
    /// Day types with their own profile, in column order.
    profiles: Vec<DayType>,
    /// For each day type (by index), the profile it uses (index into `profiles`).
    profile_of: [usize; 3],
    regressors: Vec<RegressorScale>,
}

/// Local-clock features of one timestamp.
#[derive(Debug, Clone, Copy)]
struct Clock {
    /// Fraction of the local day elapsed, in [0, 1).
    day: f64,
    /// Fraction of the local week (from Monday 00:00) elapsed.
    week: f64,
    /// Fraction of the local year elapsed.
    year: f64,
    day_type: DayType,
    hour: usize,
}

fn clock(ts: Timestamp, tz: Tz, calendar: &WorkCalendar) -> Result<Clock> {
    let local = to_local(ts, tz)?;
    let secs = local.num_seconds_from_midnight() as f64 + local.nanosecond() as f64 * 1e-9;
    let day = secs / 86_400.0;
    let date = local.date();
    let week = (date.weekday().num_days_from_monday() as f64 + day) / 7.0;
    let year = (date.ordinal0() as f64 + day) / 365.25;
    Ok(Clock {
        day,
        week,
        year,
        day_type: calendar.day_type(date),
        hour: local.hour() as usize,
    })
}

fn push_fourier(out: &mut Vec<f64>, frac: f64, order: usize, scale: f64) {
    for k in 1..=order {
        let a = std::f64::consts::TAU * k as f64 * frac;
        out.push(scale * a.sin());
        out.push(scale * a.cos());
    }
}

/// Which kind of term a column is, for the penalty.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Term {
    Intercept,
    Hinge,
    Other,
}

impl Design {
    fn terms(&self) -> Vec<Term> {
        let mut t = vec![Term::Intercept, Term::Other];
        t.extend(std::iter::repeat_n(Term::Hinge, self.changepoints.len()));
        let n = self.n_columns();
        t.resize(n, Term::Other);
        t
    }

    fn n_columns(&self) -> usize {
        let daily = 2 * self.daily_order;
        let profiles = self.profiles.len();
        let seasonal = if self.day_type_profiles {
            profiles.saturating_sub(1) + profiles * daily
        } else {
            profiles.saturating_sub(1) + daily
        };
        2 + self.changepoints.len()
            + seasonal
            + 2 * self.weekly_order
            + 2 * self.yearly_order
            + self.regressors.len()
    }

    /// Append one design row for a timestamp with its clock and raw regressor values.
    fn row(&self, ts: Timestamp, c: &Clock, regs: &[f64], out: &mut Vec<f64>) {
        out.clear();
        let tau = (ts - self.t0) as f64 / self.span_us;
        out.push(1.0);
        out.push(tau);
        for &cp in &self.changepoints {
            out.push((tau - cp).max(0.0));
        }
        let p = self.profile_of[c.day_type.index()];
        // Level per profile (the first profile is the reference).
        for j in 1..self.profiles.len() {
            out.push(if p == j { 1.0 } else { 0.0 });
        }
        if self.day_type_profiles {
            for j in 0..self.profiles.len() {
                push_fourier(out, c.day, self.daily_order, if p == j { 1.0 } else { 0.0 });
            }
        } else {
            push_fourier(out, c.day, self.daily_order, 1.0);
        }
        push_fourier(out, c.week, self.weekly_order, 1.0);
        push_fourier(out, c.year, self.yearly_order, 1.0);
        for (r, s) in regs.iter().zip(&self.regressors) {
            out.push((r - s.mean) / s.sd);
        }
    }
}

/// A fitted seasonal forecaster: a value that can be saved, loaded and asked for forecasts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalModel {
    options: SeasonalOptions,
    design: Design,
    /// Coefficients of the standardised model, in design column order.
    coef: Vec<f64>,
    y_mean: f64,
    y_sd: f64,
    step_us: i64,
    last_ts: Timestamp,
    n_obs: usize,
    /// Residual AR coefficients phi_1..phi_p.
    ar: Vec<f64>,
    /// The last p residuals of the training data (newest last; NaN gaps as 0).
    tail: Vec<f64>,
    /// Innovation variance per cell (day type x local hour), already shrunk and inflated.
    cell_var: Vec<f64>,
    /// Root mean square of the training residuals (before the AR correction).
    residual_rmse: f64,
    /// Root mean square of the one-step innovations (after the AR correction).
    innovation_rmse: f64,
}

/// Fetch the regressors named in `names`, in that order, each of length `len`, all finite.
fn regressor_columns<'a>(
    names: &[String],
    given: &[(&str, &'a [f64])],
    len: usize,
) -> Result<Vec<&'a [f64]>> {
    for (name, _) in given {
        if !names.iter().any(|n| n == name) {
            return Err(Error::InvalidParameter {
                name: (*name).to_string(),
                reason: format!(
                    "regressor `{name}` was not used to fit the model (known: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            });
        }
    }
    names
        .iter()
        .map(|n| {
            let col = given
                .iter()
                .find(|(g, _)| g == n)
                .map(|(_, v)| *v)
                .ok_or_else(|| Error::InvalidParameter {
                    name: n.clone(),
                    reason: format!("the model needs the values of regressor `{n}` for every step"),
                })?;
            crate::series::check_len(n, len, col.len())?;
            crate::series::check_finite(n, col)?;
            Ok(col)
        })
        .collect()
}

/// Solve the symmetric positive-definite system `a x = b` in place by Cholesky (`a` is n x n,
/// row-major, lower triangle used).
fn cholesky_solve(a: &mut [f64], b: &mut [f64], n: usize) -> Option<()> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= a[k * n + i] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    Some(())
}

/// Yule-Walker AR(p) coefficients of a zero-mean series (NaN entries count as 0) by
/// Levinson-Durbin; the result is always stationary.
fn yule_walker(r: &[f64], p: usize) -> Vec<f64> {
    let n = r.len();
    if p == 0 || n <= p + 1 {
        return Vec::new();
    }
    let x: Vec<f64> = r
        .iter()
        .map(|v| if v.is_finite() { *v } else { 0.0 })
        .collect();
    let acov: Vec<f64> = (0..=p)
        .map(|k| {
            x[k..]
                .iter()
                .zip(&x[..n - k])
                .map(|(a, b)| a * b)
                .sum::<f64>()
                / n as f64
        })
        .collect();
    if acov[0] <= 0.0 {
        return vec![0.0; p];
    }
    let mut phi = vec![0.0; p];
    let mut err = acov[0];
    for k in 0..p {
        let mut acc = acov[k + 1];
        for j in 0..k {
            acc -= phi[j] * acov[k - j];
        }
        let kappa = acc / err;
        let prev = phi.clone();
        phi[k] = kappa;
        for j in 0..k {
            phi[j] = prev[j] - kappa * prev[k - 1 - j];
        }
        err *= 1.0 - kappa * kappa;
        if err <= 0.0 {
            break;
        }
    }
    phi
}

/// Weight of a cell's own innovations against the overall variance, in observations.
const CELL_SHRINK: f64 = 20.0;

impl SeasonalModel {
    /// Fit the model to a regular series.
    ///
    /// `ts` must be a regular grid (gaps filled with NaN in `y`; NaN targets are left out of the
    /// fit). Regressors must be finite everywhere. Errors name the offending column and index:
    /// an irregular grid, a regressor with NaN or the wrong length, a history too short for an
    /// explicitly requested seasonality, fewer usable observations than coefficients.
    pub fn fit(
        ts: &[Timestamp],
        y: &[f64],
        regressors: &[(&str, &[f64])],
        options: &SeasonalOptions,
    ) -> Result<SeasonalModel> {
        let step = regular_step("timestamps", ts)?;
        crate::series::check_len("y", ts.len(), y.len())?;
        for (i, v) in y.iter().enumerate() {
            if v.is_infinite() {
                return Err(Error::NonFinite {
                    column: "y".to_string(),
                    index: i,
                    value: v.to_string(),
                });
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (name, _) in regressors {
            if !seen.insert(*name) {
                return Err(Error::InvalidParameter {
                    name: (*name).to_string(),
                    reason: format!("regressor `{name}` is given twice"),
                });
            }
        }
        let names: Vec<String> = regressors.iter().map(|(n, _)| n.to_string()).collect();
        let regs = regressor_columns(&names, regressors, ts.len())?;
        if !(options.changepoint_range > 0.0 && options.changepoint_range <= 1.0) {
            return Err(Error::InvalidParameter {
                name: "changepoint_range".to_string(),
                reason: format!("must lie in (0, 1], got {}", options.changepoint_range),
            });
        }
        if !(options.changepoint_penalty > 0.0 && options.changepoint_penalty.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "changepoint_penalty".to_string(),
                reason: format!(
                    "must be positive and finite, got {}",
                    options.changepoint_penalty
                ),
            });
        }
        let tz = options.calendar.tz()?;
        let n = ts.len();
        let span_us = (ts[n - 1] - ts[0] + step) as f64;
        let span_days = span_us / MICROS_PER_DAY as f64;

        // Seasonal orders: explicit ones are checked, automatic ones chosen.
        let order = |name: &str,
                     requested: Option<usize>,
                     period_days: f64,
                     auto: usize,
                     auto_min_periods: f64|
         -> Result<usize> {
            let steps_per_period = period_days * MICROS_PER_DAY as f64 / step as f64;
            let nyquist = ((steps_per_period - 1.0) / 2.0).floor().max(0.0) as usize;
            match requested {
                Some(0) => Ok(0),
                Some(k) => {
                    if span_days < 2.0 * period_days {
                        return Err(Error::InvalidParameter {
                            name: format!("{name}_order"),
                            reason: format!(
                                "the history spans {span_days:.1} days, too short for the {name} seasonality: at least {} days (two periods) are needed",
                                2.0 * period_days
                            ),
                        });
                    }
                    if k > nyquist {
                        return Err(Error::InvalidParameter {
                            name: format!("{name}_order"),
                            reason: format!(
                                "order {k} exceeds what a {} s sampling resolves in a {name} period (at most {nyquist})",
                                step / 1_000_000
                            ),
                        });
                    }
                    Ok(k)
                }
                None => Ok(if span_days >= auto_min_periods * period_days {
                    auto.min(nyquist)
                } else {
                    0
                }),
            }
        };
        let daily_order = order("daily", options.daily_order, 1.0, 11, 2.0)?;
        let weekly_order = order("weekly", options.weekly_order, 7.0, 3, 2.0)?;
        let yearly_order = order("yearly", options.yearly_order, 365.25, 6, 2.0)?;

        // Clocks, day types present.
        let clocks: Vec<Clock> = ts
            .iter()
            .map(|&t| clock(t, tz, &options.calendar))
            .collect::<Result<_>>()?;
        let steps_per_day = (MICROS_PER_DAY as f64 / step as f64).max(1.0);
        let mut type_count = [0usize; 3];
        for (c, v) in clocks.iter().zip(y) {
            if v.is_finite() {
                type_count[c.day_type.index()] += 1;
            }
        }
        let profiles: Vec<DayType> = DayType::ALL
            .into_iter()
            .filter(|d| type_count[d.index()] as f64 >= steps_per_day)
            .collect();
        if profiles.is_empty() {
            return Err(Error::EmptySeries {
                column: "y".to_string(),
                needed: steps_per_day as usize,
            });
        }
        let mut profile_of = [0usize; 3];
        for d in DayType::ALL {
            let chosen = std::iter::once(d)
                .chain(d.fallbacks())
                .find_map(|c| profiles.iter().position(|p| *p == c))
                .unwrap_or(0);
            profile_of[d.index()] = chosen;
        }

        // Change points: evenly in the first changepoint_range of the history, at most one
        // per two weeks of history.
        let n_cp = options
            .n_changepoints
            .min((span_days / 14.0).floor() as usize);
        let changepoints: Vec<f64> = (1..=n_cp)
            .map(|j| options.changepoint_range * j as f64 / (n_cp + 1) as f64)
            .collect();

        let regressor_scales: Vec<RegressorScale> = names
            .iter()
            .zip(&regs)
            .map(|(name, col)| {
                let m = col.iter().sum::<f64>() / n as f64;
                let var = col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64;
                let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
                RegressorScale {
                    name: name.clone(),
                    mean: m,
                    sd,
                }
            })
            .collect();

        let design = Design {
            t0: ts[0],
            span_us,
            changepoints,
            daily_order,
            weekly_order,
            yearly_order,
            day_type_profiles: options.day_type_profiles,
            profiles,
            profile_of,
            regressors: regressor_scales,
        };
        let k = design.n_columns();

        // Standardise the target.
        let finite: Vec<f64> = y.iter().copied().filter(|v| v.is_finite()).collect();
        let n_fit = finite.len();
        if n_fit <= k {
            return Err(Error::InvalidParameter {
                name: "y".to_string(),
                reason: format!(
                    "{n_fit} usable observations for {k} coefficients: more history (or lower seasonal orders) is needed"
                ),
            });
        }
        let y_mean = finite.iter().sum::<f64>() / n_fit as f64;
        let y_var = finite.iter().map(|v| (v - y_mean).powi(2)).sum::<f64>() / n_fit as f64;
        let y_sd = if y_var > 0.0 { y_var.sqrt() } else { 1.0 };

        // Normal equations with ridge penalties, one pass.
        let mut xtx = vec![0.0; k * k];
        let mut xty = vec![0.0; k];
        let mut row = Vec::with_capacity(k);
        let mut rv = vec![0.0; regs.len()];
        for i in 0..n {
            if !y[i].is_finite() {
                continue;
            }
            for (j, col) in regs.iter().enumerate() {
                rv[j] = col[i];
            }
            design.row(ts[i], &clocks[i], &rv, &mut row);
            let z = (y[i] - y_mean) / y_sd;
            for a in 0..k {
                let ra = row[a];
                if ra == 0.0 {
                    continue;
                }
                xty[a] += ra * z;
                let base = a * k;
                for b in 0..=a {
                    xtx[base + b] += ra * row[b];
                }
            }
        }
        for (j, term) in design.terms().iter().enumerate() {
            let pen = match term {
                Term::Intercept => 0.0,
                Term::Hinge => options.changepoint_penalty * n_fit as f64 * 1e-2,
                Term::Other => 1e-8 * n_fit as f64,
            };
            xtx[j * k + j] += pen;
        }
        let mut coef = xty;
        cholesky_solve(&mut xtx, &mut coef, k).ok_or_else(|| Error::InvalidParameter {
            name: "y".to_string(),
            reason: "the seasonal design is singular (regressors collinear with the calendar?)"
                .to_string(),
        })?;

        let mut model = SeasonalModel {
            options: options.clone(),
            design,
            coef,
            y_mean,
            y_sd,
            step_us: step,
            last_ts: ts[n - 1],
            n_obs: n_fit,
            ar: Vec::new(),
            tail: Vec::new(),
            cell_var: Vec::new(),
            residual_rmse: f64::NAN,
            innovation_rmse: f64::NAN,
        };

        // Residuals and the AR correction.
        let det = model.deterministic(ts, &clocks, &regs);
        let resid: Vec<f64> = y.iter().zip(&det).map(|(a, b)| a - b).collect();
        let ss: f64 = resid.iter().filter(|v| v.is_finite()).map(|v| v * v).sum();
        model.residual_rmse = (ss / n_fit as f64).sqrt();
        let p = options.ar_order;
        model.ar = yule_walker(&resid, p);
        let p = model.ar.len();
        let mut innov = vec![f64::NAN; n];
        for t in p..n {
            if !resid[t].is_finite() {
                continue;
            }
            let mut e = resid[t];
            let mut ok = true;
            for (i, phi) in model.ar.iter().enumerate() {
                let lag = resid[t - 1 - i];
                if !lag.is_finite() {
                    ok = false;
                    break;
                }
                e -= phi * lag;
            }
            if ok {
                innov[t] = e;
            }
        }
        let inflate = n_fit as f64 / (n_fit - k).max(1) as f64;
        let (mut sum, mut cnt) = (0.0, 0usize);
        let mut cell_sum = vec![0.0; 72];
        let mut cell_n = vec![0usize; 72];
        for (e, c) in innov.iter().zip(&clocks) {
            if e.is_finite() {
                let cell = c.day_type.index() * 24 + c.hour.min(23);
                cell_sum[cell] += e * e;
                cell_n[cell] += 1;
                sum += e * e;
                cnt += 1;
            }
        }
        let overall = if cnt > 0 {
            sum / cnt as f64
        } else {
            model.residual_rmse.powi(2)
        };
        model.innovation_rmse = overall.sqrt();
        model.cell_var = cell_sum
            .iter()
            .zip(&cell_n)
            .map(|(s, &m)| inflate * (s + CELL_SHRINK * overall) / (m as f64 + CELL_SHRINK))
            .collect();
        model.tail = resid[n.saturating_sub(p)..]
            .iter()
            .map(|v| if v.is_finite() { *v } else { 0.0 })
            .collect();
        Ok(model)
    }

    fn deterministic(&self, ts: &[Timestamp], clocks: &[Clock], regs: &[&[f64]]) -> Vec<f64> {
        let k = self.design.n_columns();
        let mut row = Vec::with_capacity(k);
        let mut rv = vec![0.0; regs.len()];
        ts.iter()
            .zip(clocks)
            .enumerate()
            .map(|(i, (&t, c))| {
                for (j, col) in regs.iter().enumerate() {
                    rv[j] = col[i];
                }
                self.design.row(t, c, &rv, &mut row);
                let z: f64 = row.iter().zip(&self.coef).map(|(a, b)| a * b).sum();
                self.y_mean + self.y_sd * z
            })
            .collect()
    }

    /// Checks a model loaded from JSON: one coefficient per design column, a positive span and
    /// grid step, a residual tail as long as the AR correction, finite numbers. Errors name
    /// `model`.
    pub(crate) fn check_loaded(&self) -> Result<()> {
        let bad = |reason: String| Error::invalid("model", reason);
        let cols = self.design.n_columns();
        if self.coef.len() != cols {
            return Err(bad(format!(
                "the design has {cols} columns, the model {} coefficients",
                self.coef.len()
            )));
        }
        if self.design.profiles.is_empty()
            || self
                .design
                .profile_of
                .iter()
                .any(|&p| p >= self.design.profiles.len())
        {
            return Err(bad(
                "a day type uses a profile the model does not have".into()
            ));
        }
        if !(self.design.span_us.is_finite() && self.design.span_us > 0.0) || self.step_us <= 0 {
            return Err(bad(format!(
                "the time span ({} µs) and the grid step ({} µs) must be positive",
                self.design.span_us, self.step_us
            )));
        }
        if self.tail.len() < self.ar.len() {
            return Err(bad(format!(
                "an AR correction of order {} needs as many past residuals, the model keeps {}",
                self.ar.len(),
                self.tail.len()
            )));
        }
        let numbers = self.coef.iter().chain(&self.ar).chain(&self.tail);
        if numbers
            .chain([&self.y_mean, &self.y_sd])
            .any(|v| !v.is_finite())
        {
            return Err(bad("a coefficient or scale is not finite".into()));
        }
        Ok(())
    }

    /// The seasonal mean (trend + seasonality + regressors, without the residual correction)
    /// at arbitrary timestamps, e.g. to look at the fit or to normalise past periods.
    pub fn predict(&self, ts: &[Timestamp], regressors: &[(&str, &[f64])]) -> Result<Vec<f64>> {
        let names = self.regressor_names();
        let regs = regressor_columns(&names, regressors, ts.len())?;
        let tz = self.options.calendar.tz()?;
        let clocks: Vec<Clock> = ts
            .iter()
            .map(|&t| clock(t, tz, &self.options.calendar))
            .collect::<Result<_>>()?;
        Ok(self.deterministic(ts, &clocks, &regs))
    }

    /// Forecast `horizon` steps after the end of the training data, with intervals at `levels`.
    /// `future_regressors` holds each fitted regressor's values for the horizon.
    pub fn forecast(
        &self,
        horizon: usize,
        future_regressors: &[(&str, &[f64])],
        levels: &[f64],
    ) -> Result<Forecast> {
        check_horizon(horizon)?;
        check_levels(levels)?;
        let names = self.regressor_names();
        let regs = regressor_columns(&names, future_regressors, horizon)?;
        let ts = future_timestamps(self.last_ts, self.step_us, horizon);
        let tz = self.options.calendar.tz()?;
        let clocks: Vec<Clock> = ts
            .iter()
            .map(|&t| clock(t, tz, &self.options.calendar))
            .collect::<Result<_>>()?;
        let mut mean = self.deterministic(&ts, &clocks, &regs);

        // Residual correction and its error weights psi_j.
        let p = self.ar.len();
        let mut hist = self.tail.clone();
        let mut psi = vec![1.0];
        let mut cum_psi2 = Vec::with_capacity(horizon);
        let mut acc = 0.0;
        for (h, m) in mean.iter_mut().enumerate() {
            let len = hist.len();
            let r: f64 = (0..p.min(len))
                .map(|i| self.ar[i] * hist[len - 1 - i])
                .sum();
            hist.push(r);
            *m += r;
            acc += psi[h] * psi[h];
            cum_psi2.push(acc);
            let next: f64 = (1..=p.min(h + 1))
                .map(|i| self.ar[i - 1] * psi[h + 1 - i])
                .sum();
            psi.push(next);
        }
        let sd: Vec<f64> = clocks
            .iter()
            .zip(&cum_psi2)
            .map(|(c, w)| {
                let cell = c.day_type.index() * 24 + c.hour.min(23);
                // a model loaded from elsewhere may lack cells: the overall variance then
                let var = self
                    .cell_var
                    .get(cell)
                    .copied()
                    .unwrap_or(self.innovation_rmse * self.innovation_rmse);
                (var * w).sqrt()
            })
            .collect();
        let intervals = levels
            .iter()
            .map(|&level| {
                let z = normal_quantile(0.5 + level / 2.0);
                PredictionInterval {
                    level,
                    lower: mean.iter().zip(&sd).map(|(m, s)| m - z * s).collect(),
                    upper: mean.iter().zip(&sd).map(|(m, s)| m + z * s).collect(),
                }
            })
            .collect();
        Ok(Forecast {
            timestamps: ts,
            mean,
            intervals,
        })
    }

    /// Names of the regressors the model was fitted with, in order.
    pub fn regressor_names(&self) -> Vec<String> {
        self.design
            .regressors
            .iter()
            .map(|r| r.name.clone())
            .collect()
    }

    /// The options the model was fitted with.
    pub fn options(&self) -> &SeasonalOptions {
        &self.options
    }

    /// Fourier orders actually used: (daily, weekly, yearly).
    pub fn orders(&self) -> (usize, usize, usize) {
        (
            self.design.daily_order,
            self.design.weekly_order,
            self.design.yearly_order,
        )
    }

    /// Number of fitted coefficients of the seasonal mean.
    pub fn n_coefficients(&self) -> usize {
        self.coef.len()
    }

    /// Number of observations used in the fit.
    pub fn n_obs(&self) -> usize {
        self.n_obs
    }

    /// The grid step, in microseconds.
    pub fn step_us(&self) -> i64 {
        self.step_us
    }

    /// The last training timestamp; forecasts start one step later.
    pub fn last_timestamp(&self) -> Timestamp {
        self.last_ts
    }

    /// Residual AR coefficients.
    pub fn ar_coefficients(&self) -> &[f64] {
        &self.ar
    }

    /// Root mean square of the training residuals of the seasonal mean.
    pub fn residual_rmse(&self) -> f64 {
        self.residual_rmse
    }

    /// Root mean square of the one-step innovations after the AR correction.
    pub fn innovation_rmse(&self) -> f64 {
        self.innovation_rmse
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::time::MICROS_PER_HOUR;

    /// 2024-01-01 (a Monday) 00:00 UTC.
    const MONDAY: Timestamp = 1_704_067_200_000_000;

    fn factory_load(ts: &[Timestamp], temp: &[f64]) -> Vec<f64> {
        ts.iter()
            .zip(temp)
            .enumerate()
            .map(|(i, (&t, &tc))| {
                let c = clock(t, chrono_tz::UTC, &WorkCalendar::default()).unwrap();
                let shift = (6..22).contains(&c.hour);
                let base = match c.day_type {
                    DayType::Working if shift => 500.0,
                    DayType::Reduced if shift && c.hour < 14 => 300.0,
                    _ => 120.0,
                };
                let noise = ((i * 7919) % 97) as f64 / 97.0 * 10.0 - 5.0;
                base + 4.0 * (18.0 - tc).max(0.0) + noise
            })
            .collect()
    }

    fn hourly(days: i64) -> Vec<Timestamp> {
        (0..days * 24)
            .map(|h| MONDAY + h * MICROS_PER_HOUR)
            .collect()
    }

    #[test]
    fn learns_shift_profile_and_temperature() {
        let ts = hourly(8 * 7);
        let temp: Vec<f64> = (0..ts.len())
            .map(|i| 10.0 + 8.0 * ((i as f64) / 24.0 / 9.0).sin())
            .collect();
        let y = factory_load(&ts, &temp);
        let n_train = ts.len() - 7 * 24;
        let model = SeasonalModel::fit(
            &ts[..n_train],
            &y[..n_train],
            &[("temp_c", &temp[..n_train])],
            &SeasonalOptions::default(),
        )
        .unwrap();
        let fc = model
            .forecast(7 * 24, &[("temp_c", &temp[n_train..])], &[0.8, 0.95])
            .unwrap();
        assert_eq!(fc.timestamps[0], ts[n_train]);
        let mae = fc
            .mean
            .iter()
            .zip(&y[n_train..])
            .map(|(a, b)| (a - b).abs())
            .sum::<f64>()
            / fc.len() as f64;
        assert!(mae < 15.0, "week-ahead MAE {mae}");
        let i95 = fc.interval(0.95).unwrap();
        let inside = y[n_train..]
            .iter()
            .enumerate()
            .filter(|(i, v)| i95.lower[*i] <= **v && **v <= i95.upper[*i])
            .count() as f64
            / fc.len() as f64;
        assert!(inside > 0.85, "95 % interval covers {inside}");
        let i80 = fc.interval(0.8).unwrap();
        assert!(i80.upper[0] - i80.lower[0] < i95.upper[0] - i95.lower[0]);
    }

    #[test]
    fn holidays_use_the_day_off_profile() {
        let ts = hourly(4 * 7);
        let temp = vec![18.0; ts.len()];
        let y = factory_load(&ts, &temp);
        let mut options = SeasonalOptions::default();
        // Monday of the fifth week is a holiday.
        let holiday = NaiveDate::from_ymd_opt(2024, 1, 29).unwrap();
        options.calendar.holidays = vec![holiday];
        let model = SeasonalModel::fit(&ts, &y, &[], &options).unwrap();
        let fc = model.forecast(48, &[], &[0.9]).unwrap();
        // 10:00 on the holiday looks like a Sunday, 10:00 on Tuesday like a working day.
        assert!((fc.mean[10] - 120.0).abs() < 15.0, "{}", fc.mean[10]);
        assert!((fc.mean[34] - 500.0).abs() < 15.0, "{}", fc.mean[34]);
    }

    #[test]
    fn serde_round_trip_forecasts_the_same() {
        let ts = hourly(21);
        let y = factory_load(&ts, &vec![18.0; ts.len()]);
        let model = SeasonalModel::fit(&ts, &y, &[], &SeasonalOptions::default()).unwrap();
        let json = serde_json::to_string(&model).unwrap();
        let back: SeasonalModel = serde_json::from_str(&json).unwrap();
        assert_eq!(
            model.forecast(24, &[], &[0.9]).unwrap(),
            back.forecast(24, &[], &[0.9]).unwrap()
        );
    }

    #[test]
    fn gaps_as_nan_are_skipped() {
        let ts = hourly(21);
        let mut y = factory_load(&ts, &vec![18.0; ts.len()]);
        for v in &mut y[100..130] {
            *v = f64::NAN;
        }
        let model = SeasonalModel::fit(&ts, &y, &[], &SeasonalOptions::default()).unwrap();
        assert!(model.forecast(24, &[], &[0.9]).unwrap().mean[0].is_finite());
    }

    #[test]
    fn bad_input_is_typed() {
        let ts = hourly(10);
        let y = vec![1.0; ts.len()];
        let options = SeasonalOptions {
            weekly_order: Some(3),
            ..Default::default()
        };
        let err = SeasonalModel::fit(&ts, &y, &[], &options).unwrap_err();
        assert!(err.to_string().contains("weekly"), "{err}");
        let mut temp = vec![1.0; ts.len()];
        temp[5] = f64::NAN;
        let err =
            SeasonalModel::fit(&ts, &y, &[("temp_c", &temp)], &Default::default()).unwrap_err();
        assert!(matches!(err, Error::NonFinite { index: 5, .. }), "{err}");
        let model = SeasonalModel::fit(&ts, &y, &[], &Default::default()).unwrap();
        assert!(model.forecast(0, &[], &[0.9]).is_err());
        let err = model.forecast(3, &[("temp_c", &[1.0, 2.0, 3.0])], &[0.9]);
        assert!(err.is_err());
        let mut irregular = ts.clone();
        irregular[3] += 1;
        assert!(SeasonalModel::fit(&irregular, &y, &[], &Default::default()).is_err());
        assert!(SeasonalModel::fit(&ts[..5], &y[..5], &[], &Default::default()).is_err());
        let all_nan = vec![f64::NAN; ts.len()];
        assert!(SeasonalModel::fit(&ts, &all_nan, &[], &Default::default()).is_err());
    }
}
