//! Anomaly detection on energy use: the isolation forest (scikit-learn's algorithm and
//! conventions), sigma rules on baseline residuals, the merging of flagged periods into events,
//! and ROC AUC for evaluating detectors.

pub mod detect;
pub mod events;
pub mod features;
pub mod iforest;

pub use detect::{detect, AnomalyDetector, ColumnModel, DetectConfig, DriverTerm, Scores};
pub use events::{merge_events, sigma_flags, AnomalyEvent, Severity, SigmaRule};
pub use features::{build_features, FeatureInputs, FeatureSpec, FeatureTable};
pub use iforest::{roc_auc, Contamination, IsolationForest, IsolationForestParams};
