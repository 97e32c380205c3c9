//! Anomaly detection on energy use: the isolation forest (scikit-learn's algorithm and
//! conventions) and ROC AUC for evaluating detectors.

pub mod iforest;

pub use iforest::{roc_auc, Contamination, IsolationForest, IsolationForestParams};
