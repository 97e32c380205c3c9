//! The daily temperature model of energy, split by season and day type, with smoothed change
//! points (the method of eemeter 4's daily model, OpenEEmeter / CalTRACK 2.0 "daily"; written
//! for enms, not a port).
//!
//! **Segments.** Every day falls in one of six cells: its season (from the month of its local
//! date, [`DailyOptions::seasons`], eemeter's default months) times its day type (weekday or
//! weekend, from the local weekday, [`DailyOptions::weekend`]). A *segmentation* partitions the
//! six cells into blocks, each block one day type set (`weekday`, `weekend` or `all`) times a set
//! of seasons; every block with at least `min_segment_days` days gets its own model (the blocks
//! are fitted on all cores; the result does not depend on how many). The
//! segmentation with the lowest penalised criterion wins:
//!
//! `C = N ln(SSE / N) + Σ_s penalty_s`
//!
//! with `SSE` pooled over all segments and `N` the number of days. The default penalty is
//! eemeter's split penalty, `penalty_s = 2 c₀ (ln N)^d₀` per segment (`c₀ = 0.24`,
//! `d₀ = 2.061`: eemeter 4's defaults, a BIC with the stronger penalty of Liu, Wu and Zidek);
//! [`SplitCriterion::Bic`] uses `ln N` per fitted parameter instead. A split is kept only when
//! the pooled fit improves by more than its penalty, so segments that do not differ merge.
//!
//! **Per segment**, a change-point model with optionally smoothed change points:
//!
//! `E = β₀ + β_h h(T_h - T; k_h) + β_c h(T - T_c; k_c)`, `T_h ≤ T_c`,
//!
//! `h(x; 0) = max(x, 0)`, `h(x; k) = x - k (1 - e^(-x/k))` for `x > 0` and `0` otherwise: the
//! load starts with zero slope at the balance point and bends into slope `β` over about `k` °C
//! (eemeter's exponential smoothing; `k = 0` is the ordinary hinge). Shapes: `mean`,
//! `heating_3p`, `cooling_3p`, `four_p` (`T_h = T_c`), `five_p` (`T_h < T_c`), slopes positive.
//!
//! **Search.** Balance points on a grid (`step_c`, default 0.5 °C) with at least
//! `min_days_beyond` days beyond each, smoothing widths from `smoothing_c`. For a fixed `k` the
//! sums `Σh`, `Σh²`, `Σh·y` come in O(1) from prefix sums over the days sorted by temperature,
//! because `e^(-(T_h - T)/k) = e^(-T_h/k) e^(T/k)`; the heating and cooling terms never overlap,
//! so every candidate is a 3 x 3 least-squares solve from sums. 3P shapes are searched on the
//! full (balance point, k) grid; 4P and 5P on the full grid of plain hinges, then smoothed by
//! coordinate descent over (balance point, k) of one side at a time, within ±8 grid steps of
//! the current balance points, until a round improves nothing (at most 8). Within a segment the
//! candidate with the best `shape_criterion` wins (default adjusted R², CalTRACK's choice, with
//! every balance point and smoothing width counted as a parameter).
//!
//! **Statistics** (ASHRAE Guideline 14, `p` = every fitted parameter of every segment: intercepts,
//! slopes, balance points, smoothing widths): `R² = 1 - SSE/TSS`,
//! `CV(RMSE) = 100 sqrt(SSE / (n - p)) / ȳ` %, `NMBE = 100 Σ(y - ŷ) / ((n - p) ȳ)` %.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::baseline::changepoint::{hinge_lsq, ChangePointKind};
use crate::baseline::performance::{FitSummary, TimeTempBaseline};
use crate::error::{Error, Result};
use crate::time::{format_rfc3339, local_to_utc, parse_tz, to_local, TimeRange, Timestamp};

/// Format version written into every [`DailyModel`].
pub const DAILY_FORMAT_VERSION: u32 = 1;

/// A season of the year, as eemeter names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    /// Summer (June-September by default).
    Summer,
    /// Shoulder (March-May and October by default).
    Shoulder,
    /// Winter (November-February by default).
    Winter,
}

impl Season {
    /// The three seasons, in the order used for cells and segment names.
    pub const ALL: [Season; 3] = [Season::Summer, Season::Shoulder, Season::Winter];

    fn index(self) -> usize {
        match self {
            Season::Summer => 0,
            Season::Shoulder => 1,
            Season::Winter => 2,
        }
    }

    /// The snake_case name (also its serde name).
    pub fn as_str(&self) -> &'static str {
        match self {
            Season::Summer => "summer",
            Season::Shoulder => "shoulder",
            Season::Winter => "winter",
        }
    }
}

/// The days a segment covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayType {
    /// Every day of the week.
    All,
    /// Weekdays only.
    Weekday,
    /// Weekend days only.
    Weekend,
}

impl DayType {
    /// The snake_case name (also its serde name).
    pub fn as_str(&self) -> &'static str {
        match self {
            DayType::All => "all",
            DayType::Weekday => "weekday",
            DayType::Weekend => "weekend",
        }
    }

    /// Bit mask over the two day kinds (bit 0 weekday, bit 1 weekend).
    fn mask(self) -> u8 {
        match self {
            DayType::All => 0b11,
            DayType::Weekday => 0b01,
            DayType::Weekend => 0b10,
        }
    }
}

/// How segmentations are compared: `C = N ln(SSE/N) + penalty`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitCriterion {
    /// eemeter's split selection: `2 multiplier (ln N)^power` per segment.
    PenalisedBic {
        /// `c₀` (eemeter 4: 0.24).
        multiplier: f64,
        /// `d₀` (eemeter 4: 2.061).
        power: f64,
    },
    /// Schwarz's BIC: `ln N` per fitted parameter of every segment.
    Bic,
}

/// How the shape of one segment's model is chosen among its candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShapeCriterion {
    /// Highest adjusted R² (lowest `SSE / (n - p)`), as CalTRACK.
    AdjustedR2,
    /// Lowest BIC, `n ln(SSE/n) + p ln n`.
    Bic,
}

/// Options of [`fit_daily`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DailyOptions {
    /// IANA time zone of the site: each day's local date gives its season and day type.
    pub timezone: String,
    /// The season of each month, January first (eemeter's default: winter December-February
    /// and November, shoulder March-May and October, summer June-September).
    pub seasons: [Season; 12],
    /// Which weekdays are weekend days, Monday first (default Saturday and Sunday).
    pub weekend: [bool; 7],
    /// Allow segments that hold some seasons only.
    pub split_seasons: bool,
    /// Allow separate weekday and weekend segments.
    pub split_weekday_weekend: bool,
    /// Days a segment must hold.
    pub min_segment_days: usize,
    /// Days that must lie beyond each balance point.
    pub min_days_beyond: usize,
    /// Balance point grid step, °C.
    pub step_c: f64,
    /// Smoothing widths `k` searched, °C (0 is the plain hinge).
    pub smoothing_c: Vec<f64>,
    /// Shapes considered in each segment.
    pub kinds: Vec<ChangePointKind>,
    /// How segmentations are compared.
    pub split_criterion: SplitCriterion,
    /// How each segment's shape is chosen.
    pub shape_criterion: ShapeCriterion,
}

impl Default for DailyOptions {
    fn default() -> Self {
        use Season::{Shoulder, Summer, Winter};
        DailyOptions {
            timezone: "UTC".into(),
            seasons: [
                Winter, Winter, Shoulder, Shoulder, Shoulder, Summer, Summer, Summer, Summer,
                Shoulder, Winter, Winter,
            ],
            weekend: [false, false, false, false, false, true, true],
            split_seasons: true,
            split_weekday_weekend: true,
            min_segment_days: 30,
            min_days_beyond: 6,
            step_c: 0.5,
            smoothing_c: vec![0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0, 30.0],
            kinds: vec![
                ChangePointKind::Mean,
                ChangePointKind::Heating3p,
                ChangePointKind::Cooling3p,
                ChangePointKind::FourP,
                ChangePointKind::FiveP,
            ],
            split_criterion: SplitCriterion::PenalisedBic {
                multiplier: 0.24,
                power: 2.061,
            },
            shape_criterion: ShapeCriterion::AdjustedR2,
        }
    }
}

/// The temperature-dependent term of one side of a segment's model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DegreeTerm {
    /// Balance point, °C: the load starts here.
    pub balance_c: f64,
    /// Slope far from the balance point, energy per °C (positive).
    pub slope: f64,
    /// Smoothing width `k`, °C (0: a plain hinge).
    pub smoothing_c: f64,
}

impl DegreeTerm {
    /// `h(x; k)` for `x` °C beyond the balance point.
    fn load(&self, beyond_c: f64) -> f64 {
        self.slope * smooth_hinge(beyond_c, self.smoothing_c)
    }
}

/// `h(x; k)`: `max(x, 0)` for `k = 0`, else `x - k (1 - e^(-x/k))` for `x > 0`, 0 below.
fn smooth_hinge(x: f64, k: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if k > 0.0 {
        x + k * (-x / k).exp_m1()
    } else {
        x
    }
}

/// One segment of a [`DailyModel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailySegment {
    /// Name in eemeter's notation: day type (`fw` all, `wd` weekday, `we` weekend), then the
    /// seasons (`su`, `sh`, `wi`), e.g. `wd-su_sh`.
    pub name: String,
    /// Days it covers.
    pub day_type: DayType,
    /// Seasons it covers.
    pub seasons: Vec<Season>,
    /// Shape.
    pub kind: ChangePointKind,
    /// Base load per day.
    pub intercept: f64,
    /// Heating term (below its balance point).
    pub heating: Option<DegreeTerm>,
    /// Cooling term (above its balance point).
    pub cooling: Option<DegreeTerm>,
    /// Training days.
    pub n: usize,
    /// Fitted parameters (intercept, slopes, balance points, non-zero smoothing widths).
    pub n_params: usize,
    /// Sum of squared residuals.
    pub sse: f64,
    /// Coefficient of determination within the segment.
    #[serde(with = "crate::stats::nonfinite")]
    pub r_squared: f64,
}

impl DailySegment {
    /// Predicted energy for a day of mean temperature `temp_c`.
    pub fn predict_one(&self, temp_c: f64) -> f64 {
        let mut e = self.intercept;
        if let Some(h) = &self.heating {
            e += h.load(h.balance_c - temp_c);
        }
        if let Some(c) = &self.cooling {
            e += c.load(temp_c - c.balance_c);
        }
        e
    }

    fn covers(&self, cell: usize) -> bool {
        let (season, kind) = (cell / 2, cell % 2);
        self.day_type.mask() & (1 << kind) != 0 && self.seasons.iter().any(|s| s.index() == season)
    }
}

/// A segmentation considered, with its criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentationCandidate {
    /// Segment names, e.g. `["fw-su", "fw-sh_wi"]`.
    pub segments: Vec<String>,
    /// Pooled sum of squared residuals.
    pub sse: f64,
    /// The selection criterion (lower is better).
    pub criterion: f64,
}

/// A fitted daily model: segments by season and day type, each a smoothed change-point model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyModel {
    /// [`DAILY_FORMAT_VERSION`] when it was written.
    pub format_version: u32,
    /// Options it was fitted with.
    pub options: DailyOptions,
    /// Training period: from the first day's start to the end of the last local day.
    pub training: TimeRange,
    /// The chosen segments; together they cover every season and day type.
    pub segments: Vec<DailySegment>,
    /// Criterion of the chosen segmentation.
    pub criterion: f64,
    /// Every segmentation considered, best first.
    pub candidates: Vec<SegmentationCandidate>,
    /// Training days.
    pub n: usize,
    /// Fitted parameters over all segments.
    pub n_params: usize,
    /// Coefficient of determination.
    #[serde(with = "crate::stats::nonfinite")]
    pub r_squared: f64,
    /// CV(RMSE), percent, with `n - p` degrees of freedom (ASHRAE Guideline 14).
    #[serde(with = "crate::stats::nonfinite")]
    pub cv_rmse_pct: f64,
    /// NMBE, percent, with `n - p` degrees of freedom (ASHRAE Guideline 14).
    #[serde(with = "crate::stats::nonfinite")]
    pub nmbe_pct: f64,
    /// Lag-1 autocorrelation of the residuals in day order (for the savings uncertainty; 0 in a
    /// model saved before it was recorded).
    #[serde(default)]
    pub resid_autocorr_lag1: f64,
}

// ---------------------------------------------------------------------------------------------
// One segment: the search over shapes, balance points and smoothing widths.

/// Prefix sums of the exponential terms of one smoothing width, for one side.
struct ExpSums {
    k: f64,
    /// Reference temperature: `a_i = e^((t_i - r)/k)` (heating) or `e^((r - t_i)/k)` (cooling).
    r: f64,
    a: Vec<f64>,
    ta: Vec<f64>,
    ya: Vec<f64>,
    aa: Vec<f64>,
}

/// A segment's days sorted by temperature (centred), with prefix sums.
struct SegData {
    t: Vec<f64>,
    n: usize,
    s1: Vec<f64>,
    s2: Vec<f64>,
    sy: Vec<f64>,
    sty: Vec<f64>,
    y_sum: f64,
    syy_c: f64,
    /// Per smoothing width index: heating sums (prefix) and cooling sums (prefix, summed from
    /// the warm end: index `i` holds the sum over the `i` warmest days).
    heat: Vec<Option<ExpSums>>,
    cool: Vec<Option<ExpSums>>,
}

/// (Σf, Σf², Σf·y) of a degree term.
type Moments = (f64, f64, f64);

impl SegData {
    fn new(temp: &[f64], y: &[f64], ks: &[f64]) -> Self {
        let n = temp.len();
        let mean_t = temp.iter().sum::<f64>() / n as f64;
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&a, &b| temp[a].total_cmp(&temp[b]));
        let t: Vec<f64> = idx.iter().map(|&i| temp[i] - mean_t).collect();
        let ys: Vec<f64> = idx.iter().map(|&i| y[i]).collect();
        let prefix = |f: &dyn Fn(usize) -> f64| {
            let mut v = vec![0.0; n + 1];
            for i in 0..n {
                v[i + 1] = v[i] + f(i);
            }
            v
        };
        let s1 = prefix(&|i| t[i]);
        let s2 = prefix(&|i| t[i] * t[i]);
        let sy = prefix(&|i| ys[i]);
        let sty = prefix(&|i| t[i] * ys[i]);
        let y_sum = sy[n];
        let y_mean = y_sum / n as f64;
        let syy_c = ys.iter().map(|v| (v - y_mean) * (v - y_mean)).sum();
        let (t_min, t_max) = (t[0], t[n - 1]);
        let mut heat = Vec::with_capacity(ks.len());
        let mut cool = Vec::with_capacity(ks.len());
        for &k in ks {
            // widths so small that the exponentials over the segment's range would overflow
            // are skipped (the plain hinge stands in for them)
            if k <= 0.0 || (t_max - t_min) / k > 600.0 {
                heat.push(None);
                cool.push(None);
                continue;
            }
            let ah: Vec<f64> = t.iter().map(|v| ((v - t_max) / k).exp()).collect();
            heat.push(Some(ExpSums {
                k,
                r: t_max,
                a: prefix(&|i| ah[i]),
                ta: prefix(&|i| t[i] * ah[i]),
                ya: prefix(&|i| ys[i] * ah[i]),
                aa: prefix(&|i| ah[i] * ah[i]),
            }));
            // cooling sums run from the warm end
            let ac: Vec<f64> = (0..n).map(|i| ((t_min - t[n - 1 - i]) / k).exp()).collect();
            cool.push(Some(ExpSums {
                k,
                r: t_min,
                a: prefix(&|i| ac[i]),
                ta: prefix(&|i| t[n - 1 - i] * ac[i]),
                ya: prefix(&|i| ys[n - 1 - i] * ac[i]),
                aa: prefix(&|i| ac[i] * ac[i]),
            }));
        }
        SegData {
            t,
            n,
            s1,
            s2,
            sy,
            sty,
            y_sum,
            syy_c,
            heat,
            cool,
        }
    }

    /// Moments of the heating term at centred balance point `b` over the `j` coldest days
    /// (those below `b`), smoothing index `ki`.
    fn heating(&self, b: f64, j: usize, ki: usize) -> Moments {
        let (c, s1, s2, y, ty) = (j as f64, self.s1[j], self.s2[j], self.sy[j], self.sty[j]);
        match &self.heat[ki] {
            None => (c * b - s1, c * b * b - 2.0 * b * s1 + s2, b * y - ty),
            Some(e) => {
                // h = (u - t) + k g a_i, u = b - k, g = e^((r - b)/k)
                let u = b - e.k;
                let g = ((e.r - b) / e.k).exp();
                let (a, ta, ya, aa) = (e.a[j], e.ta[j], e.ya[j], e.aa[j]);
                let kg = e.k * g;
                (
                    c * u - s1 + kg * a,
                    c * u * u - 2.0 * u * s1 + s2 + 2.0 * kg * (u * a - ta) + kg * kg * aa,
                    u * y - ty + kg * ya,
                )
            }
        }
    }

    /// Moments of the cooling term at centred balance point `b` over the `m` warmest days
    /// (those above `b`), smoothing index `ki`.
    fn cooling(&self, b: f64, m: usize, ki: usize) -> Moments {
        let n = self.n;
        let c = m as f64;
        let s1 = self.s1[n] - self.s1[n - m];
        let s2 = self.s2[n] - self.s2[n - m];
        let y = self.sy[n] - self.sy[n - m];
        let ty = self.sty[n] - self.sty[n - m];
        match &self.cool[ki] {
            None => (s1 - c * b, s2 - 2.0 * b * s1 + c * b * b, ty - b * y),
            Some(e) => {
                // c = (t - v) + k g a_i, v = b + k, g = e^((b - r)/k)
                let v = b + e.k;
                let g = ((b - e.r) / e.k).exp();
                let (a, ta, ya, aa) = (e.a[m], e.ta[m], e.ya[m], e.aa[m]);
                let kg = e.k * g;
                (
                    s1 - c * v + kg * a,
                    s2 - 2.0 * v * s1 + c * v * v + 2.0 * kg * (ta - v * a) + kg * kg * aa,
                    ty - v * y + kg * ya,
                )
            }
        }
    }

    /// Least squares of `y ~ 1 + terms` (disjoint supports) from sums: (SSE, intercept,
    /// slopes); `None` when singular or a slope is not positive.
    fn solve(&self, f: &[Moments]) -> Option<(f64, f64, [f64; 2])> {
        let n = self.n as f64;
        let h = hinge_lsq(n, self.y_sum, self.syy_c, f)?;
        let k = f.len();
        if h.slopes[..k].iter().any(|b| b.is_nan() || *b <= 0.0) {
            return None;
        }
        let shift: f64 = f.iter().zip(&h.slopes).map(|((s, _, _), b)| b * s).sum();
        Some((h.ssr.max(0.0), self.y_sum / n - shift / n, h.slopes))
    }
}

/// Grid steps either side of the current balance point searched in each round of the
/// coordinate descent (4 °C at the default step).
const WINDOW: usize = 8;

/// Most rounds of the coordinate descent.
const ROUNDS: usize = 8;

/// Most balance points over the training temperatures.
const MAX_GRID_STEPS: f64 = 20_000.0;

/// A candidate model of one segment (balance points centred, grid indices).
#[derive(Debug, Clone, Copy)]
struct Cand {
    kind: ChangePointKind,
    gh: usize,
    kh: usize,
    gc: usize,
    kc: usize,
    sse: f64,
    intercept: f64,
    slopes: [f64; 2],
    p: usize,
    score: f64,
}

/// The balance point grid of a segment and the day counts beyond each point.
struct Grid {
    /// Centred balance points.
    b: Vec<f64>,
    /// Days below each point.
    below: Vec<usize>,
    /// Days above each point.
    above: Vec<usize>,
}

fn score(criterion: ShapeCriterion, sse: f64, n: usize, p: usize) -> f64 {
    let nf = n as f64;
    match criterion {
        ShapeCriterion::AdjustedR2 => {
            if n > p {
                sse / (n - p) as f64
            } else {
                f64::INFINITY
            }
        }
        ShapeCriterion::Bic => nf * (sse.max(1e-300) / nf).ln() + p as f64 * nf.ln(),
    }
}

struct SegmentFit {
    kind: ChangePointKind,
    intercept: f64,
    heating: Option<DegreeTerm>,
    cooling: Option<DegreeTerm>,
    sse: f64,
    p: usize,
    syy_c: f64,
}

fn fit_segment(temp: &[f64], y: &[f64], o: &DailyOptions) -> SegmentFit {
    let ks = &o.smoothing_c;
    let d = SegData::new(temp, y, ks);
    let n = d.n;
    let mean_t = temp.iter().sum::<f64>() / n as f64;
    let m = o.min_days_beyond.max(1);
    // absolute grid (multiples of step) strictly inside the m-th coldest and warmest days
    let mut grid = Grid {
        b: Vec::new(),
        below: Vec::new(),
        above: Vec::new(),
    };
    if n > m {
        let lo = d.t[m - 1] + mean_t;
        let hi = d.t[n - m] + mean_t;
        let mut i = (lo / o.step_c).floor() as i64;
        loop {
            let b_abs = i as f64 * o.step_c;
            if b_abs >= hi {
                break;
            }
            if b_abs > lo {
                let b = b_abs - mean_t;
                grid.below.push(d.t.partition_point(|&v| v < b));
                grid.above.push(n - d.t.partition_point(|&v| v <= b));
                grid.b.push(b);
            }
            i += 1;
        }
    }
    let g_n = grid.b.len();
    let nk = ks.len();
    // every side's moments, once per (width, balance point)
    let mut hm: Vec<Moments> = Vec::with_capacity(nk * g_n);
    let mut cm: Vec<Moments> = Vec::with_capacity(nk * g_n);
    for ki in 0..nk {
        for g in 0..g_n {
            hm.push(d.heating(grid.b[g], grid.below[g], ki));
            cm.push(d.cooling(grid.b[g], grid.above[g], ki));
        }
    }
    let crit = o.shape_criterion;
    let has = |k: ChangePointKind| o.kinds.contains(&k);
    let p_of = |base: usize, kh: Option<usize>, kc: Option<usize>| {
        base + kh.map_or(0, |i| usize::from(ks[i] > 0.0 && d.heat[i].is_some()))
            + kc.map_or(0, |i| usize::from(ks[i] > 0.0 && d.cool[i].is_some()))
    };
    // a plain-hinge index for each side: the first k = 0 (or None: then the first width)
    let k0 = ks.iter().position(|&k| k == 0.0).unwrap_or(0);
    let eval = |kind: ChangePointKind, gh: usize, kh: usize, gc: usize, kc: usize| {
        let mut f = [(0.0, 0.0, 0.0); 2];
        let mut nf = 0;
        let mut p = 1;
        let with_h = matches!(
            kind,
            ChangePointKind::Heating3p | ChangePointKind::FourP | ChangePointKind::FiveP
        );
        let with_c = matches!(
            kind,
            ChangePointKind::Cooling3p | ChangePointKind::FourP | ChangePointKind::FiveP
        );
        if with_h {
            f[nf] = hm[kh * g_n + gh];
            nf += 1;
        }
        if with_c {
            f[nf] = cm[kc * g_n + gc];
            nf += 1;
        }
        if with_h || with_c {
            p = match kind {
                ChangePointKind::Heating3p => p_of(3, Some(kh), None),
                ChangePointKind::Cooling3p => p_of(3, None, Some(kc)),
                ChangePointKind::FourP => p_of(4, Some(kh), Some(kc)),
                _ => p_of(5, Some(kh), Some(kc)),
            };
        }
        let (sse, intercept, slopes) = d.solve(&f[..nf])?;
        if !(sse.is_finite() && intercept.is_finite()) {
            return None;
        }
        Some(Cand {
            kind,
            gh,
            kh,
            gc,
            kc,
            sse,
            intercept,
            slopes,
            p,
            score: score(crit, sse, n, p),
        })
    };
    let better = |a: &Option<Cand>, c: &Cand| a.as_ref().is_none_or(|b| c.score < b.score);
    let mut best: Option<Cand> = None;
    let consider = |c: Option<Cand>, best: &mut Option<Cand>| {
        if let Some(c) = c {
            if better(best, &c) {
                *best = Some(c);
            }
        }
    };
    if has(ChangePointKind::Mean) || g_n == 0 {
        consider(eval(ChangePointKind::Mean, 0, 0, 0, 0), &mut best);
    }
    if g_n > 0 {
        let fh = |g: usize| grid.below[g] >= m;
        let fc = |g: usize| grid.above[g] >= m;
        if has(ChangePointKind::Heating3p) {
            for g in (0..g_n).filter(|&g| fh(g)) {
                for ki in 0..nk {
                    consider(eval(ChangePointKind::Heating3p, g, ki, 0, k0), &mut best);
                }
            }
        }
        if has(ChangePointKind::Cooling3p) {
            for g in (0..g_n).filter(|&g| fc(g)) {
                for ki in 0..nk {
                    consider(eval(ChangePointKind::Cooling3p, 0, k0, g, ki), &mut best);
                }
            }
        }
        for kind in [ChangePointKind::FourP, ChangePointKind::FiveP] {
            if !has(kind) {
                continue;
            }
            let five = kind == ChangePointKind::FiveP;
            // plain hinges on the full grid
            let mut b_kind: Option<Cand> = None;
            for gh in (0..g_n).filter(|&g| fh(g)) {
                let gcs = if five { gh + 1..g_n } else { gh..gh + 1 };
                for gc in gcs.filter(|&g| fc(g)) {
                    consider(eval(kind, gh, k0, gc, k0), &mut b_kind);
                }
            }
            // smoothing: coordinate descent over one side's (balance point, width) at a time
            if let Some(mut cur) = b_kind {
                for _round in 0..ROUNDS {
                    let before = cur.score;
                    // each round searches near the current balance points
                    let near = |g: usize, at: usize| g.abs_diff(at) <= WINDOW;
                    // heating side
                    for gh in (0..g_n).filter(|&g| fh(g) && near(g, cur.gh)) {
                        let gc = if five { cur.gc } else { gh };
                        if (five && gh >= gc) || !fc(gc) {
                            continue;
                        }
                        for kh in 0..nk {
                            consider(eval(kind, gh, kh, gc, cur.kc), &mut b_kind);
                        }
                    }
                    if let Some(c) = b_kind {
                        cur = c;
                    }
                    // cooling side
                    for gc in (0..g_n).filter(|&g| fc(g) && near(g, cur.gc)) {
                        let gh = if five { cur.gh } else { gc };
                        if (five && gh >= gc) || !fh(gh) {
                            continue;
                        }
                        for kc in 0..nk {
                            consider(eval(kind, gh, cur.kh, gc, kc), &mut b_kind);
                        }
                    }
                    if let Some(c) = b_kind {
                        cur = c;
                    }
                    if cur.score.partial_cmp(&before) != Some(std::cmp::Ordering::Less) {
                        break;
                    }
                }
                consider(Some(cur), &mut best);
            }
        }
    }
    // the mean model always exists; it is the fallback when `kinds` leaves nothing that fits
    let c = match best.or_else(|| eval(ChangePointKind::Mean, 0, 0, 0, 0)) {
        Some(c) => c,
        None => Cand {
            kind: ChangePointKind::Mean,
            gh: 0,
            kh: 0,
            gc: 0,
            kc: 0,
            sse: d.syy_c,
            intercept: d.y_sum / n as f64,
            slopes: [0.0; 2],
            p: 1,
            score: f64::INFINITY,
        },
    };
    let k_of = |ki: usize, sums: &[Option<ExpSums>]| {
        if sums[ki].is_some() {
            ks[ki]
        } else {
            0.0
        }
    };
    let term = |g: usize, ki: usize, slope: f64, sums: &[Option<ExpSums>]| DegreeTerm {
        balance_c: grid.b[g] + mean_t,
        slope,
        smoothing_c: k_of(ki, sums),
    };
    let (heating, cooling) = match c.kind {
        ChangePointKind::Mean => (None, None),
        ChangePointKind::Heating3p => (Some(term(c.gh, c.kh, c.slopes[0], &d.heat)), None),
        ChangePointKind::Cooling3p => (None, Some(term(c.gc, c.kc, c.slopes[0], &d.cool))),
        ChangePointKind::FourP | ChangePointKind::FiveP => (
            Some(term(c.gh, c.kh, c.slopes[0], &d.heat)),
            Some(term(c.gc, c.kc, c.slopes[1], &d.cool)),
        ),
    };
    SegmentFit {
        kind: c.kind,
        intercept: c.intercept,
        heating,
        cooling,
        sse: c.sse,
        p: c.p,
        syy_c: d.syy_c,
    }
}

// ---------------------------------------------------------------------------------------------
// Segmentations.

/// A block of cells: day types (bit mask) times seasons (bit mask). Cell `season * 2 + kind`,
/// kind 0 weekday, 1 weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    day_type: DayType,
    seasons: u8,
}

impl Block {
    fn cells(self) -> u8 {
        let mut m = 0u8;
        for s in 0..3 {
            if self.seasons & (1 << s) != 0 {
                m |= self.day_type.mask() << (2 * s);
            }
        }
        m
    }

    fn name(self) -> String {
        let d = match self.day_type {
            DayType::All => "fw",
            DayType::Weekday => "wd",
            DayType::Weekend => "we",
        };
        let s: Vec<&str> = ["su", "sh", "wi"]
            .iter()
            .enumerate()
            .filter(|(i, _)| self.seasons & (1 << i) != 0)
            .map(|(_, s)| *s)
            .collect();
        format!("{d}-{}", s.join("_"))
    }
}

fn blocks(o: &DailyOptions) -> Vec<Block> {
    let day_types: &[DayType] = if o.split_weekday_weekend {
        &[DayType::All, DayType::Weekday, DayType::Weekend]
    } else {
        &[DayType::All]
    };
    let season_sets: Vec<u8> = if o.split_seasons {
        vec![7, 1, 2, 4, 3, 6, 5]
    } else {
        vec![7]
    };
    let mut out = Vec::new();
    for &d in day_types {
        for &s in &season_sets {
            out.push(Block {
                day_type: d,
                seasons: s,
            });
        }
    }
    out
}

/// Every partition of the six cells into the given blocks (indices into `blocks`).
fn partitions(blocks: &[Block], usable: &[bool]) -> Vec<Vec<usize>> {
    fn rec(
        covered: u8,
        blocks: &[Block],
        usable: &[bool],
        cur: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) {
        if covered == 0b11_1111 {
            out.push(cur.clone());
            return;
        }
        let first = (!covered).trailing_zeros();
        for (i, b) in blocks.iter().enumerate() {
            let c = b.cells();
            if usable[i] && c & (1 << first) != 0 && c & covered == 0 {
                cur.push(i);
                rec(covered | c, blocks, usable, cur, out);
                cur.pop();
            }
        }
    }
    let mut out = Vec::new();
    rec(0, blocks, usable, &mut Vec::new(), &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Public API.

use crate::series::check_finite;

fn validate(o: &DailyOptions) -> Result<()> {
    if !(o.step_c.is_finite() && o.step_c > 0.0) {
        return Err(Error::invalid(
            "step_c",
            format!("must be a positive number of °C, got {}", o.step_c),
        ));
    }
    if o.smoothing_c.is_empty() || o.smoothing_c.iter().any(|k| !(k.is_finite() && *k >= 0.0)) {
        return Err(Error::invalid(
            "smoothing_c",
            format!(
                "must hold at least one finite width >= 0 °C (0 is the plain hinge), got {:?}",
                o.smoothing_c
            ),
        ));
    }
    if o.min_segment_days < 2 {
        return Err(Error::invalid(
            "min_segment_days",
            format!("must be at least 2, got {}", o.min_segment_days),
        ));
    }
    if o.kinds.is_empty() {
        return Err(Error::invalid("kinds", "must name at least one shape"));
    }
    if let SplitCriterion::PenalisedBic { multiplier, power } = o.split_criterion {
        if !(multiplier.is_finite() && multiplier >= 0.0 && power.is_finite() && power >= 0.0) {
            return Err(Error::invalid(
                "split_criterion",
                format!("multiplier and power must be finite and >= 0, got {multiplier}, {power}"),
            ));
        }
    }
    Ok(())
}

/// The cell (season * 2 + weekend) of each day starting at `ts`, with its local date.
fn cells(ts: &[Timestamp], o: &DailyOptions) -> Result<Vec<(usize, NaiveDate)>> {
    let tz = parse_tz(&o.timezone)?;
    ts.iter()
        .map(|&t| {
            let date = to_local(t, tz)?.date();
            let season = o.seasons[date.month0() as usize].index();
            let weekend = o.weekend[date.weekday().num_days_from_monday() as usize];
            Ok((season * 2 + usize::from(weekend), date))
        })
        .collect()
}

/// Fits the daily model to one row per day: `ts` the start of each day (UTC microseconds; its
/// local date in `options.timezone` gives the season and day type), `temp_c` the day's mean
/// outdoor temperature, `energy` the day's energy.
///
/// Errors: no days, or fewer than `min_segment_days`; columns of different lengths; NaN or
/// infinity; local dates not strictly increasing; invalid options.
pub fn fit_daily(
    ts: &[Timestamp],
    temp_c: &[f64],
    energy: &[f64],
    options: &DailyOptions,
) -> Result<DailyModel> {
    let n = energy.len();
    if n == 0 {
        return Err(Error::EmptySeries {
            column: "energy".into(),
            needed: options.min_segment_days.max(2),
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
    check_finite("temp_c", temp_c)?;
    check_finite("energy", energy)?;
    validate(options)?;
    if n < options.min_segment_days {
        return Err(Error::invalid(
            "energy",
            format!(
                "{n} days: at least {} (min_segment_days) are needed",
                options.min_segment_days
            ),
        ));
    }
    // the balance point grid must stay finite and small: temperatures far out of any climate or
    // a step far finer than a thermometer would make it endless
    let (t_lo, t_hi) = temp_c
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| {
            (a.min(t), b.max(t))
        });
    let steps = (t_hi - t_lo) / options.step_c;
    let reach = t_lo.abs().max(t_hi.abs()) / options.step_c;
    if !(steps <= MAX_GRID_STEPS && reach <= 1e12) {
        return Err(Error::invalid(
            "step_c",
            format!(
                "{} °C gives more than {MAX_GRID_STEPS} balance points over temperatures from {t_lo} to {t_hi} °C",
                options.step_c
            ),
        ));
    }
    let day_cells = cells(ts, options)?;
    for i in 1..n {
        let (prev, cur) = (day_cells[i - 1].1, day_cells[i].1);
        if cur == prev {
            return Err(Error::DuplicateTimestamp {
                column: "ts".into(),
                index: i,
                timestamp: format_rfc3339(ts[i]),
            });
        }
        if cur < prev {
            return Err(Error::Unsorted {
                column: "ts".into(),
                index: i,
                previous_index: i - 1,
                current: format_rfc3339(ts[i]),
                previous: format_rfc3339(ts[i - 1]),
            });
        }
    }
    let tz = parse_tz(&options.timezone)?;
    let last = day_cells[n - 1].1;
    let end = match last.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)) {
        Some(next) => local_to_utc(next, tz, None),
        None => return Err(Error::TimestampOutOfRange { value: ts[n - 1] }),
    };
    let training = TimeRange::new(ts[0], end)?;

    // fit every block with enough days, the blocks shared among the cores
    let all_blocks = blocks(options);
    let fit_block = |k: usize| {
        let mask = all_blocks[k].cells();
        let (bt, by): (Vec<f64>, Vec<f64>) = day_cells
            .iter()
            .zip(temp_c.iter().zip(energy))
            .filter(|((cell, _), _)| mask & (1 << cell) != 0)
            .map(|(_, (&t, &y))| (t, y))
            .unzip();
        (bt.len() >= options.min_segment_days).then(|| fit_segment(&bt, &by, options))
    };
    let workers = crate::parallel::threads(None, all_blocks.len());
    let mut fits: Vec<Option<SegmentFit>> =
        crate::parallel::map(all_blocks.len(), workers, fit_block)
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| Error::invalid("energy", "a segment could not be fitted (a bug)"))?;
    let usable: Vec<bool> = fits.iter().map(Option::is_some).collect();
    let nf = n as f64;
    let mut candidates: Vec<(Vec<usize>, f64, f64)> = partitions(&all_blocks, &usable)
        .into_iter()
        .map(|part| {
            let mut sse = 0.0;
            let mut penalty = 0.0;
            for &i in &part {
                if let Some(f) = &fits[i] {
                    sse += f.sse;
                    penalty += match options.split_criterion {
                        SplitCriterion::PenalisedBic { multiplier, power } => {
                            2.0 * multiplier * nf.ln().powf(power)
                        }
                        SplitCriterion::Bic => f.p as f64 * nf.ln(),
                    };
                }
            }
            let c = nf * (sse.max(1e-300) / nf).ln() + penalty;
            (part, sse, c)
        })
        .collect();
    candidates.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.len().cmp(&b.0.len())));
    let Some((chosen, _, criterion)) = candidates.first().cloned() else {
        // the whole year is always a usable block when n >= min_segment_days
        return Err(Error::invalid(
            "min_segment_days",
            "no segmentation has enough days in every segment",
        ));
    };
    let mut segments = Vec::with_capacity(chosen.len());
    for &i in &chosen {
        let b = all_blocks[i];
        if let Some(f) = fits[i].take() {
            let seg_n = day_cells
                .iter()
                .filter(|(c, _)| b.cells() & (1 << c) != 0)
                .count();
            segments.push(DailySegment {
                name: b.name(),
                day_type: b.day_type,
                seasons: Season::ALL
                    .iter()
                    .copied()
                    .filter(|s| b.seasons & (1 << s.index()) != 0)
                    .collect(),
                kind: f.kind,
                intercept: f.intercept,
                heating: f.heating,
                cooling: f.cooling,
                n: seg_n,
                n_params: f.p,
                sse: f.sse,
                r_squared: 1.0 - f.sse / f.syy_c,
            });
        }
    }
    let mut model = DailyModel {
        format_version: DAILY_FORMAT_VERSION,
        options: options.clone(),
        training,
        segments,
        criterion,
        candidates: candidates
            .iter()
            .map(|(part, sse, c)| SegmentationCandidate {
                segments: part.iter().map(|&i| all_blocks[i].name()).collect(),
                sse: *sse,
                criterion: *c,
            })
            .collect(),
        n,
        n_params: 0,
        r_squared: f64::NAN,
        cv_rmse_pct: f64::NAN,
        nmbe_pct: f64::NAN,
        resid_autocorr_lag1: 0.0,
    };
    // statistics from the predictions themselves
    let pred = model.predict_cells(&day_cells, temp_c);
    model.n_params = model.segments.iter().map(|s| s.n_params).sum();
    let (summary, r2, nmbe) = FitSummary::of(energy, &pred, model.n_params);
    model.r_squared = r2;
    model.cv_rmse_pct = summary.cv_rmse_pct;
    model.nmbe_pct = nmbe;
    model.resid_autocorr_lag1 = summary.resid_autocorr_lag1;
    Ok(model)
}

impl DailyModel {
    fn predict_cells(&self, cells: &[(usize, NaiveDate)], temp_c: &[f64]) -> Vec<f64> {
        // segment index per cell
        let mut of_cell = [usize::MAX; 6];
        for (c, slot) in of_cell.iter_mut().enumerate() {
            if let Some(i) = self.segments.iter().position(|s| s.covers(c)) {
                *slot = i;
            }
        }
        cells
            .iter()
            .zip(temp_c)
            .map(|((c, _), &t)| match self.segments.get(of_cell[*c]) {
                Some(s) => s.predict_one(t),
                None => f64::NAN,
            })
            .collect()
    }

    /// The segment that covers the day starting at `ts`.
    pub fn segment_of(&self, ts: Timestamp) -> Result<&DailySegment> {
        let c = cells(&[ts], &self.options)?;
        let cell = c.first().map_or(0, |c| c.0);
        self.segments
            .iter()
            .find(|s| s.covers(cell))
            .ok_or_else(|| {
                Error::invalid("segments", "the model's segments do not cover every day")
            })
    }

    /// Predicted energy of the days starting at `ts` (UTC microseconds; local dates in the
    /// model's time zone) with mean outdoor temperatures `temp_c`.
    pub fn predict(&self, ts: &[Timestamp], temp_c: &[f64]) -> Result<Vec<f64>> {
        if ts.len() != temp_c.len() {
            return Err(Error::LengthMismatch {
                column: "temp_c".into(),
                expected: ts.len(),
                got: temp_c.len(),
            });
        }
        check_finite("temp_c", temp_c)?;
        let c = cells(ts, &self.options)?;
        for cell in 0..6 {
            if !self.segments.iter().any(|s| s.covers(cell)) {
                return Err(Error::invalid(
                    "segments",
                    "the model's segments do not cover every season and day type",
                ));
            }
        }
        Ok(self.predict_cells(&c, temp_c))
    }
}

impl TimeTempBaseline for DailyModel {
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

impl crate::options::Saved for DailyModel {
    fn check_loaded(&self) -> Result<()> {
        crate::options::check_version(self.format_version, DAILY_FORMAT_VERSION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_from_sums_equal_direct_sums() {
        let t: Vec<f64> = (0..80).map(|i| f64::from(i) * 0.37 - 3.0).collect();
        let y: Vec<f64> = t.iter().map(|v| 2.0 * v + 5.0 + (v * 3.1).sin()).collect();
        let ks = [0.0, 0.7, 2.0, 5.0];
        let d = SegData::new(&t, &y, &ks);
        let mean_t = t.iter().sum::<f64>() / t.len() as f64;
        for b_abs in [-1.0, 4.2, 9.5, 20.0] {
            let b = b_abs - mean_t;
            let below = d.t.partition_point(|&v| v < b);
            let above = d.n - d.t.partition_point(|&v| v <= b);
            for (ki, &k) in ks.iter().enumerate() {
                let h: Vec<f64> = t.iter().map(|v| smooth_hinge(b_abs - v, k)).collect();
                let c: Vec<f64> = t.iter().map(|v| smooth_hinge(v - b_abs, k)).collect();
                for (got, f) in [(d.heating(b, below, ki), &h), (d.cooling(b, above, ki), &c)] {
                    let want = (
                        f.iter().sum::<f64>(),
                        f.iter().map(|x| x * x).sum::<f64>(),
                        f.iter().zip(&y).map(|(a, b)| a * b).sum::<f64>(),
                    );
                    assert!(
                        (got.0 - want.0).abs() < 1e-8 * (1.0 + want.0.abs()),
                        "{got:?} {want:?}"
                    );
                    assert!(
                        (got.1 - want.1).abs() < 1e-8 * (1.0 + want.1.abs()),
                        "{got:?} {want:?}"
                    );
                    assert!(
                        (got.2 - want.2).abs() < 1e-8 * (1.0 + want.2.abs()),
                        "{got:?} {want:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_partition_covers_each_cell_once() {
        let o = DailyOptions::default();
        let bl = blocks(&o);
        let parts = partitions(&bl, &vec![true; bl.len()]);
        assert!(parts.len() > 20);
        for p in &parts {
            let mut covered = 0u8;
            for &i in p {
                assert_eq!(covered & bl[i].cells(), 0);
                covered |= bl[i].cells();
            }
            assert_eq!(covered, 0b11_1111);
        }
        assert_eq!(bl[0].name(), "fw-su_sh_wi");
    }
}
