//! Anomaly detection on energy use: the isolation forest (scikit-learn's algorithm and
//! conventions), sigma rules on baseline residuals, the merging of flagged periods into events,
//! and ROC AUC for evaluating detectors.

pub mod events;
pub mod iforest;

pub use events::{merge_events, sigma_flags, AnomalyEvent, Severity, SigmaRule};
pub use iforest::{roc_auc, Contamination, IsolationForest, IsolationForestParams};
