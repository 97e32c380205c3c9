//! One entry point for every forecasting model, and the rule by which the horizon picks one.
//!
//! [`ForecastSpec`] names a model and its options; [`fit_forecaster`] fits it and returns a
//! [`Forecaster`], which forecasts any horizon. With [`ForecastSpec::Auto`] the horizon decides:
//! up to [`SHORT_HORIZON_US`] ahead (the next hours) the automatic ARIMA, which follows the last
//! observations closely; beyond it (next day, next week) the seasonal regression, whose shift
//! and calendar structure carries over whole days. ARIMA needs a series without gaps: a series
//! with gaps (NaN) gets the seasonal regression at every horizon.

use serde::{Deserialize, Serialize};

use super::arima::{auto_arima, ArimaModel, ArimaSpec, AutoArimaOptions};
use super::evaluate::default_season_length;
use super::seasonal::{SeasonalModel, SeasonalOptions, WorkCalendar};
use super::Forecast;
use crate::error::Result;
use crate::time::{Timestamp, MICROS_PER_HOUR};

/// Horizons up to this far ahead use the short-term model under [`ForecastSpec::Auto`].
pub const SHORT_HORIZON_US: i64 = 6 * MICROS_PER_HOUR;

/// Which model to fit, with its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum ForecastSpec {
    /// Let the horizon choose (see the module documentation); the seasonal model uses the
    /// site's `calendar`.
    Auto {
        /// The site's calendar (time zone, day types, holidays).
        #[serde(default)]
        calendar: WorkCalendar,
    },
    /// The seasonal regression.
    Seasonal(SeasonalOptions),
    /// An ARIMA model of fixed orders.
    Arima(ArimaSpec),
    /// ARIMA with automatic order selection.
    AutoArima(AutoArimaOptions),
}

impl Default for ForecastSpec {
    fn default() -> Self {
        ForecastSpec::Auto {
            calendar: WorkCalendar::default(),
        }
    }
}

/// A fitted forecasting model of any kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Forecaster {
    /// A fitted seasonal regression.
    Seasonal(SeasonalModel),
    /// A fitted ARIMA model (fixed or automatically chosen orders).
    Arima(ArimaModel),
}

impl ForecastSpec {
    /// The spec from its JSON form (`{"model": "seasonal", "daily_order": 8, ...}`), with the
    /// core's defaults for the options left out. Every face parses a user's spec here, so all of
    /// them refuse the same things: an unknown model or a value of the wrong type (error on
    /// `model`), and an option the model does not have, which serde alone would skip (error
    /// naming the option by its dotted path, e.g. `calendar.timezone`, and listing the model's
    /// options).
    pub fn from_json_value(given: &serde_json::Value) -> Result<ForecastSpec> {
        crate::options::from_json_value(given, "model", &["model"])
    }

    /// [`ForecastSpec::from_json_value`] from JSON text.
    pub fn from_json(text: &str) -> Result<ForecastSpec> {
        crate::options::from_json(text, "model", &["model"])
    }
}

/// A spec with `Auto` resolved.
enum Resolved {
    Seasonal(SeasonalOptions),
    Arima(ArimaSpec),
    AutoArima(AutoArimaOptions),
}

impl ForecastSpec {
    fn resolve(&self, step_us: i64, horizon: usize, has_gaps: bool) -> Resolved {
        match self {
            ForecastSpec::Auto { calendar } => {
                if !has_gaps && (horizon as i64).saturating_mul(step_us) <= SHORT_HORIZON_US {
                    Resolved::AutoArima(AutoArimaOptions {
                        season_length: default_season_length(step_us),
                        ..Default::default()
                    })
                } else {
                    Resolved::Seasonal(SeasonalOptions {
                        calendar: calendar.clone(),
                        ..Default::default()
                    })
                }
            }
            ForecastSpec::Seasonal(o) => Resolved::Seasonal(o.clone()),
            ForecastSpec::Arima(o) => Resolved::Arima(*o),
            ForecastSpec::AutoArima(o) => Resolved::AutoArima(o.clone()),
        }
    }
}

/// Fit the model `spec` names (resolving `Auto` for `horizon` steps) to a regular series.
pub fn fit_forecaster(
    ts: &[Timestamp],
    y: &[f64],
    regressors: &[(&str, &[f64])],
    spec: &ForecastSpec,
    horizon: usize,
) -> Result<Forecaster> {
    super::check_horizon(horizon)?;
    let step = super::regular_step("timestamps", ts)?;
    let has_gaps = y.iter().any(|v| v.is_nan());
    match spec.resolve(step, horizon, has_gaps) {
        Resolved::Seasonal(o) => Ok(Forecaster::Seasonal(SeasonalModel::fit(
            ts, y, regressors, &o,
        )?)),
        Resolved::Arima(o) => Ok(Forecaster::Arima(ArimaModel::fit(ts, y, regressors, &o)?)),
        Resolved::AutoArima(o) => Ok(Forecaster::Arima(auto_arima(ts, y, regressors, &o)?)),
    }
}

impl Forecaster {
    /// Forecast `horizon` steps after the training data, with intervals at `levels`.
    pub fn forecast(
        &self,
        horizon: usize,
        future_regressors: &[(&str, &[f64])],
        levels: &[f64],
    ) -> Result<Forecast> {
        match self {
            Forecaster::Seasonal(m) => m.forecast(horizon, future_regressors, levels),
            Forecaster::Arima(m) => m.forecast(horizon, future_regressors, levels),
        }
    }

    /// A short description of the fitted model, e.g. `seasonal(daily 11, weekly 3, yearly 0)`.
    pub fn describe(&self) -> String {
        match self {
            Forecaster::Seasonal(m) => {
                let (d, w, y) = m.orders();
                format!("seasonal(daily {d}, weekly {w}, yearly {y})")
            }
            Forecaster::Arima(m) => m.order().to_string(),
        }
    }

    /// Names of the regressors the model needs to forecast.
    pub fn regressor_names(&self) -> Vec<String> {
        match self {
            Forecaster::Seasonal(m) => m.regressor_names(),
            Forecaster::Arima(m) => m.xreg_names().to_vec(),
        }
    }
}

impl crate::options::Saved for Forecaster {
    /// The fitted model's consistency (see `ArimaModel`'s and `SeasonalModel`'s checks).
    fn check_loaded(&self) -> Result<()> {
        match self {
            Forecaster::Seasonal(m) => m.check_loaded(),
            Forecaster::Arima(m) => m.check_loaded(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn specs_from_json_refuse_unknown_options() {
        assert_eq!(
            ForecastSpec::from_json(r#"{"model":"auto"}"#).unwrap(),
            ForecastSpec::default()
        );
        let s = ForecastSpec::from_json(
            r#"{"model":"seasonal","daily_order":8,"calendar":{"time_zone":"Europe/Berlin"}}"#,
        )
        .unwrap();
        let ForecastSpec::Seasonal(o) = s else {
            panic!()
        };
        assert_eq!(o.daily_order, Some(8));
        assert_eq!(o.calendar.time_zone, "Europe/Berlin");
        let e = ForecastSpec::from_json(r#"{"model":"seasonal","dayly_order":8}"#).unwrap_err();
        assert_eq!(e.field(), Some("dayly_order"), "{e}");
        assert!(e.to_string().contains("daily_order"), "{e}");
        let e = ForecastSpec::from_json(r#"{"model":"auto","calendar":{"timezone":"UTC"}}"#)
            .unwrap_err();
        assert_eq!(e.field(), Some("calendar.timezone"), "{e}");
        let e = ForecastSpec::from_json(r#"{"model":"prophet"}"#).unwrap_err();
        assert_eq!(e.field(), Some("model"), "{e}");
        assert!(ForecastSpec::from_json("{").is_err());
        assert!(ForecastSpec::from_json(r#"{"model":"auto_arima","season_length":24}"#).is_ok());
    }

    #[test]
    fn a_loaded_model_that_contradicts_itself_is_refused() {
        use crate::options::load;
        let h = crate::time::MICROS_PER_HOUR;
        let ts: Vec<Timestamp> = (0..24 * 21).map(|i| i * h).collect();
        let y: Vec<f64> = ts
            .iter()
            .enumerate()
            .map(|(i, _)| 100.0 + 20.0 * ((i % 24) as f64 / 24.0 * std::f64::consts::TAU).sin())
            .collect();
        let arima = ForecastSpec::from_json(
            r#"{"model":"arima","order":{"p":1,"d":0,"q":0,"seasonal_p":0,"seasonal_d":1,"seasonal_q":0,"season_length":24}}"#,
        )
        .unwrap();
        let seasonal = ForecastSpec::from_json(r#"{"model":"seasonal"}"#).unwrap();
        for spec in [arima, seasonal] {
            let f = fit_forecaster(&ts, &y, &[], &spec, 24).unwrap();
            let text = serde_json::to_string(&f).unwrap();
            let back: Forecaster = load(&text, "text").unwrap();
            assert_eq!(
                back.forecast(24, &[], &[0.9]).unwrap().mean,
                f.forecast(24, &[], &[0.9]).unwrap().mean
            );
            // one coefficient too many, a state that does not fit the orders, a zero step
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let key = if v.get("coefs").is_some() {
                "coefs"
            } else {
                "coef"
            };
            let mut more = v.clone();
            more[key]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!(1.0));
            let e = load::<Forecaster>(&more.to_string(), "text").unwrap_err();
            assert_eq!(e.field(), Some("model"), "{e}");
            let step = if v.get("step").is_some() {
                "step"
            } else {
                "step_us"
            };
            let mut zero = v.clone();
            zero[step] = serde_json::json!(0);
            let e = load::<Forecaster>(&zero.to_string(), "text").unwrap_err();
            assert_eq!(e.field(), Some("model"), "{e}");
            if key == "coefs" {
                let mut state = v.clone();
                state["state"].as_array_mut().unwrap().pop();
                let e = load::<Forecaster>(&state.to_string(), "text").unwrap_err();
                assert!(e.to_string().contains("state"), "{e}");
                let mut lag = v.clone();
                lag["last_u"].as_array_mut().unwrap().clear();
                assert!(load::<Forecaster>(&lag.to_string(), "text").is_err());
            } else {
                let mut tail = v.clone();
                tail["tail"] = serde_json::json!([]);
                if !v["ar"].as_array().unwrap().is_empty() {
                    assert!(load::<Forecaster>(&tail.to_string(), "text").is_err());
                }
            }
        }
    }

    #[test]
    fn auto_picks_by_horizon_and_gaps() {
        let h = crate::time::MICROS_PER_HOUR;
        let spec = ForecastSpec::default();
        assert!(matches!(spec.resolve(h, 6, false), Resolved::AutoArima(_)));
        assert!(matches!(spec.resolve(h, 7, false), Resolved::Seasonal(_)));
        assert!(matches!(spec.resolve(h, 1, true), Resolved::Seasonal(_)));
        let ts: Vec<Timestamp> = (0..48).map(|i| i * h).collect();
        let err = fit_forecaster(&ts, &[1.0; 48], &[], &spec, 0).unwrap_err();
        assert_eq!(err.field(), Some("horizon"), "{err}");
    }
}
