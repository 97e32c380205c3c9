//! OLS statistics equal statsmodels' on two real data sets: the steel plant with load-type and
//! weekend indicators, and Longley (NIST StRD). Reference values: `scripts/reference/ols_reference.py`
//! (statsmodels 0.15) -> `tests/fixtures/ols_statsmodels.json`.

// Test helpers unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used)]

mod common;

use enms_core::stats::{ols, OlsFit, OlsOptions};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/ols_statsmodels.json")).unwrap()
}

fn list(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(what: &str, ours: f64, theirs: f64, rel: f64) {
    // statsmodels prints 0.0 for p-values below the double range
    let ok = if theirs == 0.0 {
        ours.abs() < 1e-290
    } else {
        (ours - theirs).abs() <= rel * theirs.abs()
    };
    assert!(ok, "{what}: enms {ours} statsmodels {theirs}");
}

fn compare(fit: &OlsFit, r: &Value, rel: f64, rel_p: f64) {
    let names: Vec<String> = r["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let (params, bse, t, p) = (
        list(r, "params"),
        list(r, "bse"),
        list(r, "tvalues"),
        list(r, "pvalues"),
    );
    let (lo, hi, vif) = (list(r, "ci_low"), list(r, "ci_high"), list(r, "vif"));
    assert_eq!(fit.coefficients.len(), names.len());
    for (k, c) in fit.coefficients.iter().enumerate() {
        assert_eq!(c.name, names[k]);
        close(&format!("{} coef", c.name), c.estimate, params[k], rel);
        close(&format!("{} se", c.name), c.std_error, bse[k], rel);
        close(&format!("{} t", c.name), c.t, t[k], rel);
        close(&format!("{} p", c.name), c.p_value, p[k], rel_p);
        close(&format!("{} ci low", c.name), c.ci_low, lo[k], rel);
        close(&format!("{} ci high", c.name), c.ci_high, hi[k], rel);
        if k > 0 {
            close(&format!("{} vif", c.name), c.vif.unwrap(), vif[k - 1], rel);
        }
    }
    let num = |k: &str| r[k].as_f64().unwrap();
    close("R2", fit.r_squared, num("rsquared"), rel);
    close("adj R2", fit.adj_r_squared, num("rsquared_adj"), rel);
    close("F", fit.f_statistic, num("fvalue"), rel);
    close("F p", fit.f_p_value, num("f_pvalue"), rel_p);
    close("sigma", fit.residual_std_error, num("resid_std_err"), rel);
    close("llf", fit.log_likelihood, num("llf"), rel);
    close("aic", fit.aic, num("aic"), rel);
    close("bic", fit.bic, num("bic"), rel);
    close("dw", fit.durbin_watson, num("durbin_watson"), rel);
}

fn predictions(fit: &OlsFit, r: &Value, columns: &[Vec<f64>], rel: f64) {
    let rows: Vec<usize> = r["predict_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let picked: Vec<Vec<f64>> = columns
        .iter()
        .map(|c| rows.iter().map(|&i| c[i]).collect())
        .collect();
    let refs: Vec<&[f64]> = picked.iter().map(Vec::as_slice).collect();
    let pr = fit.predict_interval(&refs, 0.95).unwrap();
    for (k, key) in [
        (&pr.mean, "predict_mean"),
        (&pr.pi_low, "predict_obs_low"),
        (&pr.pi_high, "predict_obs_high"),
        (&pr.ci_low, "predict_mean_low"),
        (&pr.ci_high, "predict_mean_high"),
    ] {
        for (i, (a, b)) in k.iter().zip(list(r, key)).enumerate() {
            close(&format!("{key}[{i}]"), *a, b, rel);
        }
    }
}

#[test]
fn steel_plant_with_indicators_equals_statsmodels() {
    let s = common::load_steel();
    let ind = |f: &dyn Fn(usize) -> bool| -> Vec<f64> {
        (0..s.usage_kwh.len())
            .map(|i| if f(i) { 1.0 } else { 0.0 })
            .collect()
    };
    let weekend = ind(&|i| s.week_status[i] == "Weekend");
    let medium = ind(&|i| s.load_type[i] == "Medium_Load");
    let maximum = ind(&|i| s.load_type[i] == "Maximum_Load");
    let drivers = [
        ("lagging_kvarh", s.lagging_kvarh.as_slice()),
        ("leading_kvarh", s.leading_kvarh.as_slice()),
        ("weekend", weekend.as_slice()),
        ("load_medium", medium.as_slice()),
        ("load_maximum", maximum.as_slice()),
    ];
    let fit = ols(&s.usage_kwh, &drivers, &OlsOptions::default()).unwrap();
    let r = &fixture()["steel"];
    compare(&fit, r, 1e-9, 1e-9);
    let cols: Vec<Vec<f64>> = drivers.iter().map(|d| d.1.to_vec()).collect();
    predictions(&fit, r, &cols, 1e-9);
    // a fitted model is a value: it survives a JSON round trip
    let back: OlsFit = serde_json::from_str(&serde_json::to_string(&fit).unwrap()).unwrap();
    assert_eq!(back, fit);
    assert!(fit.summary().contains("load_maximum"));
}

#[test]
fn longley_equals_statsmodels() {
    let r = &fixture()["longley"];
    let y = list(r, "y");
    let names: Vec<String> = r["names"].as_array().unwrap()[1..]
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let cols: Vec<Vec<f64>> = names
        .iter()
        .map(|n| {
            r["columns"][n]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect();
    let drivers: Vec<(&str, &[f64])> = names
        .iter()
        .zip(&cols)
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    let fit = ols(&y, &drivers, &OlsOptions::default()).unwrap();
    // Longley's design has a condition number near 1e8: QR still agrees with statsmodels (pinv)
    // to 1e-9.
    compare(&fit, r, 1e-9, 1e-9);
    predictions(&fit, r, &cols, 1e-9);
}
