"""Side by side: OLS with full statistics on 1 M rows x 5 drivers, statsmodels and enms.

    python benches/ols_statsmodels.py [ROWS]        (default 1_000_000; needs numpy and statsmodels)

The data set is written once by the `ols_side_by_side` binary; both tools read the same raw arrays in
the same run. Each does the same job: fit with an intercept and produce coefficients, standard errors,
t, p, confidence intervals, R2, adjusted R2, F and its p-value, AIC/BIC, Durbin-Watson and the VIF of
every driver. statsmodels: `OLS(y, add_constant(X)).fit()` then touching those attributes, plus
`variance_inflation_factor` per driver and `durbin_watson`; enms: `stats::ols` (all of them computed
eagerly). Best of 5; statsmodels with its default BLAS threads.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import statsmodels
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.stats.stattools import durbin_watson

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000


def cargo_bin(name):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "enms-benches", "--bin", name], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "release" / name)


def statsmodels_run(d, vif=True):
    y = np.fromfile(d / "y.f64")
    X = np.column_stack([np.fromfile(d / f"x{k}.f64") for k in range(5)])
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        Xc = sm.add_constant(X)
        r = sm.OLS(y, Xc).fit()
        _ = (r.params, r.bse, r.tvalues, r.pvalues, r.conf_int(), r.rsquared, r.rsquared_adj)
        _ = (r.fvalue, r.f_pvalue, r.aic, r.bic, durbin_watson(r.resid))
        if vif:
            _ = [variance_inflation_factor(Xc, j) for j in range(1, Xc.shape[1])]
        best = min(best, time.perf_counter() - t0)
    tool = f"statsmodels {statsmodels.__version__}" + ("" if vif else " (no VIF)")
    return {"tool": tool, "rows": len(y), "r_squared": float(r.rsquared), "seconds": best}


def main():
    exe = cargo_bin("ols_side_by_side")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        subprocess.run([exe, "write", str(d), str(ROWS)], check=True)
        sm_res = statsmodels_run(d)
        sm_novif = statsmodels_run(d, vif=False)
        enms = json.loads(subprocess.run([exe, "fit", str(d), "5"], check=True, capture_output=True, text=True).stdout)
    print(f"{'tool':<32}{'rows':>10}{'R2':>22}{'seconds':>10}")
    for r in (sm_res, sm_novif, enms):
        print(f"{r['tool']:<32}{r['rows']:>10}{r['r_squared']:>22.15f}{r['seconds']:>10.4f}")
    print(f"enms speed-up: {sm_res['seconds'] / enms['seconds']:.1f}x vs statsmodels with the same statistics, "
          f"{sm_novif['seconds'] / enms['seconds']:.1f}x vs statsmodels without VIF")


if __name__ == "__main__":
    main()
