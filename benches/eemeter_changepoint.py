"""Side by side: the daily models of enms and eemeter 4.1.1's daily model, on eemeter's bundled
sample meters (simulated daily meters with Illinois temperatures).

    pip install eemeter==4.1.1 pytz "pandas<2.3"   # not installed by the test command: it is heavy
    python benches/eemeter_changepoint.py                       # the table
    python benches/eemeter_changepoint.py --write-fixture \\
        enms-core/tests/fixtures/eemeter_daily.json             # the reference values of the tests

For each daily sample, the baseline is the 365 days before the sample's blackout start. eemeter:
`DailyBaselineData.from_series(meter, temperature)` then `DailyModel().fit(...)` (default
settings); enms, on the same days' observed energy and mean temperature (converted to °C):
`fit_change_point` (one 3P/4P/5P model for the year, CalTRACK selection; the
`changepoint_side_by_side` binary) and `fit_daily` (segments by season and day type with smoothed
change points, default options; the `daily_side_by_side` binary). The days' local dates are the
sample's UTC dates, as eemeter sees them. Every model is scored the same way on the same days,
twice: CV(RMSE) as ASHRAE Guideline 14 defines it and enms reports it everywhere,
100 sqrt(SSE / (n - p)) / mean energy, with p the model's parameters (eemeter's: the
coefficients of its fitted segment models, breakpoints and smoothing included; enms': the same
count, `n_params` per segment), and with n in the denominator (the parameters do not enter), plus
eemeter's own reported CVRMSE. Fit times: eemeter one fit; enms best of 20.
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
import logging  # noqa: E402

logging.disable(logging.WARNING)
import eemeter  # noqa: E402
from eemeter.eemeter.models.daily.data import DailyBaselineData  # noqa: E402
from eemeter.eemeter.models.daily.model import DailyModel  # noqa: E402
from eemeter.eemeter.samples.load import load_sample  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ["il-electricity-cdd-hdd-daily", "il-electricity-cdd-only-daily", "il-gas-hdd-only-daily", "il-gas-intercept-only-daily"]
MICROS_PER_DAY = 86_400 * 1_000_000


def cargo_bin(name):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "enms-benches", "--bin", name], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "release" / name)


def cv(obs, pred, p=0):
    """CV(RMSE) in percent, with n - p in the denominator (p = 0: n)."""
    return 100 * np.sqrt(np.sum((obs - pred) ** 2) / (len(obs) - p)) / np.mean(obs)


def sample_days(name):
    """The sample's 365 baseline days: eemeter's data object and the days it models."""
    meter, temp, meta = load_sample(name)
    end = pd.Timestamp(meta["blackout_start_date"])
    end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
    start = end - pd.Timedelta(days=365)
    m = meter[(meter.index >= start) & (meter.index < end)]
    t = temp[(temp.index >= start - pd.Timedelta(days=1)) & (temp.index < end + pd.Timedelta(days=1))]
    data = DailyBaselineData.from_series(m, t, is_electricity_data="electricity" in name)
    df = data.df.dropna(subset=["observed", "temperature"])
    return data, df


def run_enms(exe, ts_us, temp_c, obs):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        temp_c.astype("<f8").tofile(d / "temp_c.f64")
        obs.astype("<f8").tofile(d / "energy.f64")
        ts_us.astype("<i8").tofile(d / "ts_us.i64")
        r = json.loads(subprocess.run([exe, str(d), "20"], check=True, capture_output=True, text=True).stdout)
        return r, np.fromfile(d / "pred.f64")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write-fixture", type=Path, help="write the days and eemeter's results as JSON")
    args = ap.parse_args()
    cp_exe = cargo_bin("changepoint_side_by_side")
    daily_exe = cargo_bin("daily_side_by_side")
    fixture = {"tool": f"eemeter {eemeter.__version__} DailyModel() default settings", "script": "benches/eemeter_changepoint.py", "samples": []}
    rows = []
    for name in SAMPLES:
        data, df = sample_days(name)
        t0 = time.perf_counter()
        model = DailyModel().fit(data, ignore_disqualification=True)
        em_s = time.perf_counter() - t0
        obs = df["observed"].to_numpy(float)
        em_pred = model.predict(data)["predicted"].reindex(df.index).to_numpy(float)
        temp_c = (df["temperature"].to_numpy(float) - 32.0) / 1.8
        dates = [ts.strftime("%Y-%m-%d") for ts in df.index]
        ts_us = np.array([pd.Timestamp(d, tz="UTC").value // 1000 for d in dates], dtype=np.int64)
        cp, cp_pred = run_enms(cp_exe, ts_us, temp_c, obs)
        daily, daily_pred = run_enms(daily_exe, ts_us, temp_c, obs)
        segs = " ".join(f"{s['name']}:{s['kind']}" for s in daily["segments"])
        em_segs = " ".join(f"{k}:{v.coefficients.model_type.value}" for k, v in model.params.submodels.items())
        em_p = sum(int(sub.num_coeffs) for sub in model.model.values())
        daily_p = sum(s["n_params"] for s in daily["segments"])
        rows.append(
            {
                "name": name,
                "em_segs": em_segs,
                "em_p": em_p,
                "em_g14": cv(obs, em_pred, em_p),
                "em_n": cv(obs, em_pred),
                "em_reported": 100 * model.error["CVRMSE"],
                "em_s": em_s,
                "cp": cp["model"],
                "cp_g14": cp["cv_rmse_pct"],  # its own, ASHRAE 14: n - p
                "cp_s": cp["seconds"],
                "segs": segs,
                "daily_p": daily_p,
                "daily_g14": cv(obs, daily_pred, daily_p),
                "daily_n": cv(obs, daily_pred),
                "daily_s": daily["seconds"],
            }
        )
        fixture["samples"].append(
            {
                "name": name,
                "dates": dates,
                "temp_c": temp_c.tolist(),
                "energy": obs.tolist(),
                "eemeter_segments": sorted(model.params.submodels.keys()),
                "eemeter_cv_rmse_pct": cv(obs, em_pred),
                "eemeter_n_params": em_p,
                "eemeter_cv_rmse_g14_pct": cv(obs, em_pred, em_p),
                "eemeter_reported_cvrmse_pct": 100 * model.error["CVRMSE"],
            }
        )
    print("| sample | eemeter segments: model | p | CV % (n - p) | CV % (n) | eemeter's CVRMSE % | fit s "
          "| enms 3P/4P/5P | CV % (n - p) | fit ms | enms `fit_daily` segments: shape | p | CV % (n - p) | CV % (n) | fit ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")

    def bold(a, b):
        """The better of two CVs in bold."""
        a_s, b_s = f"{a:.3f}", f"{b:.3f}"
        return (a_s, f"**{b_s}**") if b <= a else (f"**{a_s}**", b_s)

    for r in rows:
        em_g14, daily_g14 = bold(r["em_g14"], r["daily_g14"])
        em_n, daily_n = bold(r["em_n"], r["daily_n"])
        print(
            f"| {r['name']} | {r['em_segs']} | {r['em_p']} | {em_g14} | {em_n} | {r['em_reported']:.3f} | {r['em_s']:.2f} "
            f"| {r['cp']} | {r['cp_g14']:.3f} | {1000 * r['cp_s']:.2f} | {r['segs']} | {r['daily_p']} | {daily_g14} | {daily_n} "
            f"| {1000 * r['daily_s']:.2f} |"
        )
    print(f"eemeter {eemeter.__version__}")
    if args.write_fixture:
        args.write_fixture.write_text(json.dumps(fixture, indent=1) + "\n")
        print(f"wrote {args.write_fixture}")


if __name__ == "__main__":
    main()
