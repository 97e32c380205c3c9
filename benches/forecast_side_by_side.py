"""Side by side: week-ahead forecasts of enms, statsforecast's MSTL with AutoARIMA, and Prophet, on the
same hourly series, the same rolling-origin windows and the same metrics.

    python -m venv /tmp/fcvenv && /tmp/fcvenv/bin/pip install statsforecast prophet pandas polars pyarrow
    /tmp/fcvenv/bin/python benches/forecast_side_by_side.py            # steel plant + simulated factory
    /tmp/fcvenv/bin/python benches/forecast_side_by_side.py --only steel

Not run by the test command: statsforecast and Prophet are heavy installs and MSTL+AutoARIMA takes
tens of seconds per fit.

Series
- steel: the steel plant's 15-minute energy (`../shared/data/steel_industry_2018.csv`) summed to hourly
  kWh on local hours (Asia/Seoul; interval-ending stamps moved to interval starts). The plant's days off
  (Korean public holidays and the announced summer and year-end shutdowns) are given to enms's calendar
  and to Prophet as holidays; MSTL has no holiday input.
- sim: the simulated demo factory (enms-sim, seed 7, 400 days from 2025-01-06, no faults): hourly energy
  of all machines, with the hourly mean outdoor temperature and the hourly production count as
  regressors for all three tools (MSTL through its AutoARIMA trend model; Prophet as extra regressors).

Windows: the last 4 weeks, each forecast 168 h ahead from an origin, training on everything before it
(regressors take their actual values in the window, as in statsforecast's cross_validation).
Metrics, computed here for every tool the same way: MAE, RMSE, MASE (MAE over the in-sample seasonal
naive MAE with m = 24 of that window's training data; the mean over windows), and the share of actual
values inside the 80 % and 95 % intervals. Fit time: one fit on the last window's history.
"""

import argparse
import json
import logging
import os
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
logging.getLogger("prophet").setLevel(logging.ERROR)

ROOT = Path(__file__).resolve().parents[1]
STEEL = ROOT.parent / "shared" / "data" / "steel_industry_2018.csv"
HORIZON, WINDOWS, SEASON = 168, 4, 24

# Days off of the steel plant in 2018: Korean public holidays and the shutdowns visible in the data
# (1-3 August, 31 December) that a plant announces in advance.
STEEL_HOLIDAYS = [
    "2018-01-01", "2018-02-15", "2018-02-16", "2018-02-17", "2018-03-01", "2018-05-01", "2018-05-05",
    "2018-05-07", "2018-05-22", "2018-06-06", "2018-06-13", "2018-08-01", "2018-08-02", "2018-08-03",
    "2018-08-15", "2018-09-23", "2018-09-24", "2018-09-25", "2018-09-26", "2018-10-03", "2018-10-09",
    "2018-12-25", "2018-12-31",
]


def cargo_bin(name):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "enms-benches", "--bin", name], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "release" / name)


def steel_hourly():
    df = pd.read_csv(STEEL, encoding="utf-8-sig")
    t = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M")
    t = t.where(df["NSM"] != 0, t + pd.Timedelta(days=1)) - pd.Timedelta(minutes=15)
    s = df.groupby(t.dt.floor("h"))["Usage_kWh"].sum()
    s.index = s.index.tz_localize("Asia/Seoul").tz_convert("UTC")
    return pd.DataFrame({"ds": s.index, "y": s.values}), {}, "Asia/Seoul", STEEL_HOLIDAYS


def sim_hourly(days=400):
    import polars as pl

    cache = Path(tempfile.gettempdir()) / f"enms-forecast-sim-{days}.parquet"
    if not cache.exists():
        out = Path(tempfile.gettempdir()) / f"enms-forecast-sim-{days}"
        if not (out / "energy_readings.parquet").exists():
            subprocess.run(["cargo", "run", "--release", "-q", "-p", "enms-sim", "--", "generate", "--start", "2025-01-06",
                            "--days", str(days), "--out", str(out), "--format", "parquet", "--seed", "7",
                            "--fault-rate", "0"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        energy = (pl.scan_parquet(out / "energy_readings.parquet")
                  .with_columns(pl.col("time").dt.truncate("1h").alias("hour"))
                  .group_by(["machine_id", "hour"]).agg(pl.col("power_kw").mean())
                  .group_by("hour").agg(pl.col("power_kw").sum().alias("y")))
        temp = (pl.scan_parquet(out / "environmental_data.parquet")
                .with_columns(pl.col("time").dt.truncate("1h").alias("hour"))
                .group_by("hour").agg(pl.col("outdoor_temp_c").mean()))
        prod = (pl.scan_parquet(out / "production_data.parquet")
                .with_columns(pl.col("time").dt.truncate("1h").alias("hour"))
                .group_by("hour").agg(pl.col("production_count").sum()))
        df = energy.join(temp, on="hour").join(prod, on="hour", how="left").sort("hour").collect()
        df = df.with_columns(pl.col("production_count").fill_null(0.0))
        df.write_parquet(cache)
    df = pd.read_parquet(cache)
    df = df.rename(columns={"hour": "ds"})
    # Whole hours only (the first and last hours are partial in local time).
    df = df.iloc[1:-1].reset_index(drop=True)
    regs = {"outdoor_temp_c": df["outdoor_temp_c"].to_numpy(), "production_count": df["production_count"].to_numpy()}
    return df[["ds", "y"]], regs, "Europe/Berlin", []


def origins(n):
    return [n - HORIZON * (WINDOWS - w) for w in range(WINDOWS)]


def score(y, means, los, his):
    """MAE, RMSE, MASE (mean over windows), coverage 80/95 for per-window arrays."""
    errs, mases, cov = [], [], {80: [], 95: []}
    for w, o in enumerate(origins(len(y))):
        actual = y[o:o + HORIZON]
        e = means[w] - actual
        errs.append(e)
        train = y[:o]
        scale = np.mean(np.abs(train[SEASON:] - train[:-SEASON]))
        mases.append(np.mean(np.abs(e)) / scale)
        for lv in (80, 95):
            cov[lv].append((los[lv][w] <= actual) & (actual <= his[lv][w]))
    e = np.concatenate(errs)
    return {"mae": float(np.mean(np.abs(e))), "rmse": float(np.sqrt(np.mean(e ** 2))), "mase": float(np.mean(mases)),
            "cov80": float(np.mean(np.concatenate(cov[80]))), "cov95": float(np.mean(np.concatenate(cov[95])))}


def run_enms(exe, df, regs, tz, holidays):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        ts = ((df["ds"] - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(microseconds=1)).to_numpy()
        np.asarray(ts, dtype="<i8").tofile(d / "ts_us.i64")
        df["y"].to_numpy(dtype="<f8").tofile(d / "y.f64")
        for k, v in regs.items():
            np.asarray(v, dtype="<f8").tofile(d / f"reg_{k}.f64")
        spec = json.dumps({"calendar": {"time_zone": tz, "holidays": holidays}})
        out = subprocess.run([exe, str(d), str(HORIZON), str(WINDOWS), "seasonal", spec], check=True,
                             capture_output=True, text=True).stdout
        res = json.loads(out)
        rd = lambda n: np.fromfile(d / f"{n}.f64", dtype="<f8").reshape(WINDOWS, HORIZON)
        return rd("enms_mean"), {80: rd("enms_lo80"), 95: rd("enms_lo95")}, {80: rd("enms_hi80"), 95: rd("enms_hi95")}, res["fit_seconds"]


def run_mstl(df, regs):
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoARIMA

    data = df.assign(unique_id="s", ds=df["ds"].dt.tz_localize(None))
    for k, v in regs.items():
        data[k] = v
    means, los, his = [], {80: [], 95: []}, {80: [], 95: []}
    fit_s = None
    for o in origins(len(df)):
        sf = StatsForecast(models=[MSTL(season_length=[24, 168], trend_forecaster=AutoARIMA())], freq="h", n_jobs=1)
        train = data.iloc[:o]
        future = data.iloc[o:o + HORIZON][["unique_id", "ds", *regs]] if regs else None
        t0 = time.perf_counter()
        fc = sf.forecast(df=train[["unique_id", "ds", "y", *regs]], h=HORIZON, X_df=future, level=[80, 95])
        fit_s = time.perf_counter() - t0
        means.append(fc["MSTL"].to_numpy())
        for lv in (80, 95):
            los[lv].append(fc[f"MSTL-lo-{lv}"].to_numpy())
            his[lv].append(fc[f"MSTL-hi-{lv}"].to_numpy())
    return np.array(means), {k: np.array(v) for k, v in los.items()}, {k: np.array(v) for k, v in his.items()}, fit_s


def run_prophet(df, regs, tz, holidays):
    from prophet import Prophet

    local = df["ds"].dt.tz_convert(tz).dt.tz_localize(None)
    data = pd.DataFrame({"ds": local, "y": df["y"].to_numpy()})
    for k, v in regs.items():
        data[k] = v
    hol = pd.DataFrame({"holiday": "day_off", "ds": pd.to_datetime(holidays)}) if holidays else None
    res = {}
    for lv in (80, 95):
        means, los, his = [], [], []
        for o in origins(len(df)):
            m = Prophet(interval_width=lv / 100, holidays=hol, daily_seasonality=True, weekly_seasonality=True,
                        yearly_seasonality="auto")
            for k in regs:
                m.add_regressor(k)
            t0 = time.perf_counter()
            m.fit(data.iloc[:o])
            fc = m.predict(data.iloc[o:o + HORIZON].drop(columns="y"))
            fit_s = time.perf_counter() - t0
            means.append(fc["yhat"].to_numpy())
            los.append(fc["yhat_lower"].to_numpy())
            his.append(fc["yhat_upper"].to_numpy())
        res[lv] = (np.array(means), np.array(los), np.array(his), fit_s)
    return res[80][0], {80: res[80][1], 95: res[95][1]}, {80: res[80][2], 95: res[95][2]}, res[80][3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["steel", "sim"])
    ap.add_argument("--skip", action="append", default=[], choices=["mstl", "prophet"])
    args = ap.parse_args()
    exe = cargo_bin("forecast_side_by_side")
    sets = {"steel": steel_hourly, "sim": sim_hourly}
    print(f"{'series':<8}{'tool':<22}{'MAE':>10}{'RMSE':>10}{'MASE':>8}{'cov80':>8}{'cov95':>8}{'fit s':>10}")
    for name, load in sets.items():
        if args.only and name != args.only:
            continue
        df, regs, tz, holidays = load()
        y = df["y"].to_numpy()
        runs = [("enms seasonal", lambda: run_enms(exe, df, regs, tz, holidays))]
        if "mstl" not in args.skip:
            runs.append(("MSTL+AutoARIMA", lambda: run_mstl(df, regs)))
        if "prophet" not in args.skip:
            runs.append(("Prophet", lambda: run_prophet(df, regs, tz, holidays)))
        for tool, run in runs:
            means, los, his, fit_s = run()
            s = score(y, means, los, his)
            print(f"{name:<8}{tool:<22}{s['mae']:>10.1f}{s['rmse']:>10.1f}{s['mase']:>8.3f}{s['cov80']:>8.2f}"
                  f"{s['cov95']:>8.2f}{fit_s:>10.3f}", flush=True)


if __name__ == "__main__":
    main()
