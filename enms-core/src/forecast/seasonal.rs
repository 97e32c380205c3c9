//! Seasonal regression forecaster for day- and week-ahead horizons. Being built.
