"""How far statsforecast's exact-likelihood step moves from its CSS start, per fixture series.

    python scripts/reference/statsforecast_ml_iterations.py     (needs numpy and statsforecast)

statsforecast's `arima(method="CSS-ML")` minimises the conditional sum of squares, then the exact
Gaussian likelihood from there, both with scipy's BFGS (`tol=1e-8`, forward-difference gradients).
This script runs `auto_arima_f` on the 13 series of the ARIMA test fixture (as
`benches/arima_statsforecast.py` does) with scipy's `minimize` wrapped, and prints, for each series, the
outcome of every exact-likelihood minimisation (`armafn`): scipy's status (2 = "precision loss": no
step satisfied the Wolfe line search) and its iteration count. docs/arima.md quotes the result.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import statsforecast
import statsforecast.arima as sfa
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "enms-core/tests/fixtures/arima_statsforecast.json"

calls = []


def recording_minimize(fun, x0, **kwargs):
    res = minimize(fun, x0, **kwargs)
    calls.append((fun.__name__, int(res.status), int(res.nit), int(res.nfev)))
    return res


def main():
    warnings.simplefilter("ignore")
    sfa.minimize = recording_minimize
    series = json.loads(FIXTURE.read_text())["series"]
    print(f"statsforecast {statsforecast.__version__}")
    print(f"{'series':<28}{'CSS fits':>9}{'ML fits':>8}  ML (status, iterations, evaluations)")
    moved = total = 0
    for s in series:
        calls.clear()
        y = np.asarray(s["y"], dtype=float)
        X = None if "xreg" not in s else np.asarray(s["xreg"], dtype=float).reshape(-1, 1)
        sfa.auto_arima_f(y, period=s["s"], xreg=X)
        ml = [c for c in calls if c[0] == "armafn"]
        css = [c for c in calls if c[0] == "arma_css_op"]
        total += len(ml)
        moved += sum(1 for c in ml if c[2] > 0)
        print(f"{s['name']:<28}{len(css):>9}{len(ml):>8}  {[c[1:] for c in ml]}")
    print(f"exact-likelihood minimisations that took at least one step: {moved} of {total}")


if __name__ == "__main__":
    main()
