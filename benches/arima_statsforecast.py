"""Side by side: automatic ARIMA order selection, statsforecast's AutoARIMA and enms' auto_arima.

    python benches/arima_statsforecast.py [REPEATS]     (default 3; needs numpy and statsforecast)

Both tools get the same series, those of the ARIMA test fixture
(`enms-core/tests/fixtures/arima_statsforecast.json`, written by `scripts/reference/arima_reference.py`):
six windows of the steel plant's hourly load, five simulated hourly loads (one with the outdoor temperature
as a regressor), AirPassengers and a simulated ARIMA(1,1,1). Each does the same job: unit-root tests,
stepwise search on AICc and the fit of the chosen model, with statsforecast's defaults (season length 24
for the hourly series). statsforecast: `auto_arima_f(y, period=s, xreg=X)` (the function behind
`AutoARIMA.fit`, without the DataFrame handling), after one warm-up call; enms: `forecast::arima::auto_arima`
through the `arima_side_by_side` binary (release build), on one thread and on all cores (the search
fits the candidates it will probably need next on the other cores; its choices are the same).
statsforecast fits one series on one thread. Best of REPEATS per series for both.
"""

import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import statsforecast
from statsforecast.arima import auto_arima_f

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "enms-core/tests/fixtures/arima_statsforecast.json"
REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 3


def cargo_bin(name):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "enms-benches", "--bin", name], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "release" / name)


def order_string(m):
    p, q, P, Q, s, d, D = m["arma"]
    out = f"ARIMA({p},{d},{q})"
    if s > 1:
        out += f"({P},{D},{Q})[{s}]"
    return out


def statsforecast_run(series):
    warnings.simplefilter("ignore")
    auto_arima_f(np.asarray(series[0]["y"][:60], dtype=float), period=1)  # warm-up
    rows = {}
    for s in series:
        y = np.asarray(s["y"], dtype=float)
        X = None if "xreg" not in s else np.asarray(s["xreg"], dtype=float).reshape(-1, 1)
        best = float("inf")
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            m = auto_arima_f(y, period=s["s"], xreg=X)
            best = min(best, time.perf_counter() - t0)
        rows[s["name"]] = {"order": order_string(m), "seconds": best}
    return rows


def main():
    exe = cargo_bin("arima_side_by_side")
    series = json.loads(FIXTURE.read_text())["series"]
    sf = statsforecast_run(series)
    def enms_run(threads):
        args = [exe, str(FIXTURE), str(REPEATS)] + ([threads] if threads else [])
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        return {r["series"]: r for r in map(json.loads, out.splitlines())}

    one, alls = enms_run("1"), enms_run(None)
    print(f"statsforecast {statsforecast.__version__}, best of {REPEATS}")
    print(f"{'series':<28}{'n':>5}  {'statsforecast':<26}{'enms':<26}{'sf s':>9}{'enms 1':>9}{'enms all':>9}{'x':>7}")
    tot_sf = tot_one = tot_all = 0.0
    same = 0
    for s in series:
        a, b, c = sf[s["name"]], one[s["name"]], alls[s["name"]]
        assert b["order"] == c["order"], (s["name"], b["order"], c["order"])
        tot_sf += a["seconds"]
        tot_one += b["seconds"]
        tot_all += c["seconds"]
        same += a["order"] == b["order"]
        print(f"{s['name']:<28}{len(s['y']):>5}  {a['order']:<26}{b['order']:<26}"
              f"{a['seconds']:>9.3f}{b['seconds']:>9.4f}{c['seconds']:>9.4f}{a['seconds'] / c['seconds']:>7.0f}")
    print(f"{'total':<61}{tot_sf:>9.3f}{tot_one:>9.4f}{tot_all:>9.4f}{tot_sf / tot_all:>7.0f}")
    print(f"same orders: {same} of {len(series)}; enms speed-up on the whole set: {tot_sf / tot_all:.0f}x on all cores "
          f"({os.cpu_count()}), {tot_sf / tot_one:.0f}x on one thread")

if __name__ == "__main__":
    main()
