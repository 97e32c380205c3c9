//! ARIMA(p,d,q)(P,D,Q)s with exogenous regressors (Box-Jenkins), estimated by exact Gaussian
//! maximum likelihood in state-space form, with automatic order selection. Being built.
