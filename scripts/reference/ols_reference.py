"""Reference values of enms' OLS statistics, from statsmodels.

    python scripts/reference/ols_reference.py > enms-core/tests/fixtures/ols_statsmodels.json

Two real data sets:
- the steel plant (../shared/data/steel_industry_2018.csv), parsed with its quirks (BOM, day-first local
  times marking interval ends, midnight rows dated the day that ends), in time order: Usage_kWh on
  lagging and leading reactive energy, a weekend indicator and load-type indicators (Light_Load is the
  reference level);
- Longley's macroeconomic data (statsmodels.datasets.longley, the NIST StRD test of numerical
  accuracy, notoriously collinear): TOTEMP on the six other columns. Its data goes into the fixture.

For each: coefficients, standard errors, t, p, 95 % confidence intervals, R2, adjusted R2, F and its
p-value, residual standard error, log-likelihood, AIC, BIC, Durbin-Watson, the VIF of each driver
(statsmodels.stats.outliers_influence.variance_inflation_factor on the design with the constant), and a
95 % prediction interval for a few rows (get_prediction().summary_frame()).
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.stats.stattools import durbin_watson

ROOT = Path(__file__).resolve().parents[2]


def steel():
    df = pd.read_csv(ROOT.parent / "shared" / "data" / "steel_industry_2018.csv", encoding="utf-8-sig")
    t = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M")
    t = t + pd.to_timedelta((df["NSM"] == 0).astype(int), unit="D")
    df = df.assign(t=t).sort_values("t", kind="stable")
    X = pd.DataFrame(
        {
            "lagging_kvarh": df["Lagging_Current_Reactive_Power_kVarh"].to_numpy(float),
            "leading_kvarh": df["Leading_Current_Reactive_Power_kVarh"].to_numpy(float),
            "weekend": (df["WeekStatus"] == "Weekend").to_numpy(float),
            "load_medium": (df["Load_Type"] == "Medium_Load").to_numpy(float),
            "load_maximum": (df["Load_Type"] == "Maximum_Load").to_numpy(float),
        }
    )
    return df["Usage_kWh"].to_numpy(float), X


def longley():
    d = sm.datasets.longley.load_pandas()
    return d.endog.to_numpy(float), d.exog.astype(float)


def fit(y, X, rows):
    Xc = sm.add_constant(X, has_constant="add")
    r = sm.OLS(y, Xc).fit()
    ci = r.conf_int(0.05)
    vif = [variance_inflation_factor(Xc.to_numpy(), j) for j in range(1, Xc.shape[1])]
    pred = r.get_prediction(Xc.iloc[rows]).summary_frame(alpha=0.05)
    resid = r.resid
    return {
        "names": list(Xc.columns),
        "params": list(map(float, r.params)),
        "bse": list(map(float, r.bse)),
        "tvalues": list(map(float, r.tvalues)),
        "pvalues": list(map(float, r.pvalues)),
        "ci_low": list(map(float, ci.iloc[:, 0])),
        "ci_high": list(map(float, ci.iloc[:, 1])),
        "rsquared": float(r.rsquared),
        "rsquared_adj": float(r.rsquared_adj),
        "fvalue": float(r.fvalue),
        "f_pvalue": float(r.f_pvalue),
        "resid_std_err": float(np.sqrt(r.scale)),
        "llf": float(r.llf),
        "aic": float(r.aic),
        "bic": float(r.bic),
        "durbin_watson": float(durbin_watson(resid)),
        "vif": list(map(float, vif)),
        "predict_rows": rows,
        "predict_mean": list(map(float, pred["mean"])),
        "predict_obs_low": list(map(float, pred["obs_ci_lower"])),
        "predict_obs_high": list(map(float, pred["obs_ci_upper"])),
        "predict_mean_low": list(map(float, pred["mean_ci_lower"])),
        "predict_mean_high": list(map(float, pred["mean_ci_upper"])),
    }


def main():
    ys, Xs = steel()
    yl, Xl = longley()
    out = {
        "produced_by": "scripts/reference/ols_reference.py",
        "statsmodels": statsmodels.__version__,
        "steel": fit(ys, Xs, [0, 100, 20000]),
        "longley": fit(yl, Xl, [0, 7, 15])
        | {"y": list(map(float, yl)), "columns": {c: list(map(float, Xl[c])) for c in Xl.columns}},
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
