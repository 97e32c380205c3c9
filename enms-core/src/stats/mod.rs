//! Statistics for energy baselines: distribution functions and ordinary least squares with the
//! full statistics of a regression summary (statsmodels' conventions).

pub mod dist;
pub mod nonfinite;
pub mod ols;

pub use ols::{ols, Coefficient, OlsFit, OlsOptions, Prediction};
