//! The isolation forest against scikit-learn's: ROC AUC within 0.005 on the same data (a
//! synthetic set and the steel plant's features with injected anomalies), the same conventions
//! (offset -0.5, predict signs), determinism for a seed on any thread count, typed errors.
//! Reference: `scripts/reference/iforest_reference.py` (scikit-learn 1.9.1) ->
//! `tests/fixtures/iforest_sklearn.json`.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use enms_core::anomaly::{roc_auc, Contamination, IsolationForest, IsolationForestParams};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/iforest_sklearn.json")).unwrap()
}

/// Mean AUC over seeds 0..10, as the reference script does it.
fn mean_auc(columns: &[(&str, &[f64])], labels: &[bool], n_estimators: usize) -> (f64, f64) {
    let (mut sum, mut share) = (0.0, 0.0);
    for seed in 0..10 {
        let params = IsolationForestParams {
            n_estimators,
            random_state: seed,
            ..IsolationForestParams::default()
        };
        let f = IsolationForest::fit(columns, &params).unwrap();
        let scores: Vec<f64> = f
            .score_samples(columns)
            .unwrap()
            .iter()
            .map(|s| -s)
            .collect();
        sum += roc_auc(labels, &scores).unwrap();
        let pred = f.predict(columns).unwrap();
        share += pred.iter().filter(|p| **p == -1).count() as f64 / pred.len() as f64;
    }
    (sum / 10.0, share / 10.0)
}

#[test]
fn synthetic_auc_equals_scikit_learn() {
    let fx = &fixture()["synthetic"];
    let (x0, x1) = (common::floats(&fx["x0"]), common::floats(&fx["x1"]));
    let labels: Vec<bool> = common::floats(&fx["label"])
        .iter()
        .map(|l| *l > 0.5)
        .collect();
    let cols = [("x0", x0.as_slice()), ("x1", x1.as_slice())];
    let (auc, share) = mean_auc(&cols, &labels, 100);
    let theirs = fx["auc_mean"].as_f64().unwrap();
    assert!(
        (auc - theirs).abs() < 0.005,
        "enms {auc} scikit-learn {theirs}"
    );
    // same offset convention: a similar share of rows predicted anomalous
    let their_share = fx["anomaly_share_mean"].as_f64().unwrap();
    assert!(
        (share - their_share).abs() < 0.02,
        "enms {share} scikit-learn {their_share}"
    );
}

#[test]
fn steel_features_auc_equals_scikit_learn() {
    let fx = &fixture()["steel"];
    let s = common::load_steel();
    let n = s.usage_kwh.len();
    let mut usage = s.usage_kwh.clone();
    let mut labels = vec![false; n];
    for i in (0..n).step_by(50) {
        usage[i] *= 2.5;
        labels[i] = true;
    }
    // NSM: seconds since local midnight at the interval end (the midnight row is 0)
    let nsm: Vec<f64> = s
        .end_utc
        .iter()
        .map(|t| ((t / 1_000_000 + 9 * 3600).rem_euclid(86_400)) as f64)
        .collect();
    let cols = [
        ("usage_kwh", usage.as_slice()),
        ("lagging_kvarh", s.lagging_kvarh.as_slice()),
        ("leading_kvarh", s.leading_kvarh.as_slice()),
        ("nsm", nsm.as_slice()),
    ];
    let trees = fx["n_estimators"].as_u64().unwrap() as usize;
    let (auc, _) = mean_auc(&cols, &labels, trees);
    let theirs = fx["auc_mean"].as_f64().unwrap();
    eprintln!("steel ROC AUC: enms {auc:.5}, scikit-learn {theirs:.5}");
    assert!(
        (auc - theirs).abs() < 0.005,
        "enms {auc} scikit-learn {theirs}"
    );
}

#[test]
fn conventions_determinism_and_errors() {
    let x: Vec<f64> = (0..500).map(|i| f64::from(i % 50)).collect();
    let mut y: Vec<f64> = (0..500).map(|i| f64::from(i % 7)).collect();
    y[123] = 1000.0;
    let cols = [("x", x.as_slice()), ("y", y.as_slice())];
    let p = IsolationForestParams {
        random_state: 42,
        n_jobs: Some(1),
        ..IsolationForestParams::default()
    };
    let a = IsolationForest::fit(&cols, &p).unwrap();
    let b = IsolationForest::fit(
        &cols,
        &IsolationForestParams {
            n_jobs: Some(4),
            ..p.clone()
        },
    )
    .unwrap();
    let sa = a.score_samples(&cols).unwrap();
    assert_eq!(sa, b.score_samples(&cols).unwrap());
    // the outlier has the lowest score and is predicted -1; scores lie in [-1, 0]
    let worst = sa
        .iter()
        .enumerate()
        .min_by(|p, q| p.1.total_cmp(q.1))
        .unwrap()
        .0;
    assert_eq!(worst, 123);
    assert!(sa.iter().all(|s| (-1.0..=0.0).contains(s)));
    assert_eq!(a.predict(&cols).unwrap()[123], -1);
    assert_eq!(a.offset, -0.5);
    let d = a.decision_function(&cols).unwrap();
    assert!((d[0] - (sa[0] + 0.5)).abs() < 1e-15);
    // contamination as a fraction: that share of training rows falls below the threshold
    let c = IsolationForest::fit(
        &cols,
        &IsolationForestParams {
            contamination: Contamination::Fraction(0.1),
            ..p.clone()
        },
    )
    .unwrap();
    let flagged = c
        .predict(&cols)
        .unwrap()
        .iter()
        .filter(|v| **v == -1)
        .count();
    assert!((45..=55).contains(&flagged), "{flagged}");
    // a saved forest scores the same
    let back: IsolationForest = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back.score_samples(&cols).unwrap(), sa);
    // errors: unseen feature count, NaN, bad parameters, too little data
    let e = a.score_samples(&cols[..1]).unwrap_err();
    assert_eq!((e.code(), e.field()), ("LENGTH_MISMATCH", Some("features")));
    let mut nan = x.clone();
    nan[9] = f64::NAN;
    let e = IsolationForest::fit(&[("x", nan.as_slice())], &p).unwrap_err();
    assert_eq!((e.code(), e.field()), ("NON_FINITE", Some("x")));
    for bad in [
        IsolationForestParams {
            n_estimators: 0,
            ..p.clone()
        },
        IsolationForestParams {
            max_features: 0.0,
            ..p.clone()
        },
        IsolationForestParams {
            contamination: Contamination::Fraction(0.9),
            ..p.clone()
        },
    ] {
        assert_eq!(
            IsolationForest::fit(&cols, &bad).unwrap_err().code(),
            "INVALID_PARAMETER"
        );
    }
    assert!(IsolationForest::fit(&[("x", &[1.0][..])], &p).is_err());
    assert!(IsolationForest::fit(&[], &p).is_err());
}
