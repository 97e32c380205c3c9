"""Reference values for enms' ARIMA: statsforecast's AutoARIMA orders and its fixed-order fits.

    python scripts/reference/arima_reference.py SIM_DIR [OUT_JSON]

SIM_DIR is the output of `enms-sim generate --days 35 --seed 7 --format csv --out SIM_DIR` (the demo
plant, 1-second power readings); OUT_JSON defaults to enms-core/tests/fixtures/arima_statsforecast.json.
Needs numpy, pandas and statsforecast (tested with statsforecast 2.1.1, which implements R's
`arima` and `forecast::auto.arima` in Python/C++).

Series (all written into the fixture, so the Rust test needs neither the CSV nor the simulator):
- `steel_*`: hourly energy (kWh) of the UCI steel plant (/work/shared/data/steel_industry_2018.csv,
  15-minute Usage_kWh summed per hour, interval-ending stamps and the midnight-row quirk fixed),
  windows of 14 and 21 days in different seasons; season length 24.
- `sim_*`: hourly mean power (kW, = kWh per hour) of the simulated factory and of single machines;
  `sim_factory_temp` also carries the hourly mean outdoor temperature as a regressor.
- `air_passengers`: Box-Jenkins airline passengers (monthly, 1949-1960), season length 12.
- `arima111`: a simulated ARIMA(1,1,1) (numpy seed 1), no season.

For each series: statsforecast `AutoARIMA(season_length=s)` chosen orders, constant, AICc and fit time;
the STL seasonal strength (statsforecast `seas_heuristic`) and the KPSS level statistic (statsmodels `kpss`).
For a list of fixed orders: statsforecast `Arima(method="CSS-ML")` coefficients, log-likelihood,
sigma2, AIC, and the 24-step forecast with its 95 % interval.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsforecast
import math

import statsmodels.api as sm
from statsforecast.arima import Arima, auto_arima_f, forecast_arima, seas_heuristic
from statsforecast.utils import AirPassengers

ROOT = Path(__file__).resolve().parents[2]
STEEL = ROOT.parent / "shared" / "data" / "steel_industry_2018.csv"
H_US = 3_600 * 1_000_000


def steel_hourly():
    df = pd.read_csv(STEEL, encoding="utf-8-sig")
    t = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M")
    t = t.where(df["NSM"] != 0, t + pd.Timedelta(days=1))  # midnight rows carry the previous day
    df = df.assign(end=t).sort_values("end")
    start = df["end"] - pd.Timedelta(minutes=15)
    hour = start.dt.floor("h")
    s = df.groupby(hour)["Usage_kWh"].sum()
    # local Asia/Seoul (UTC+9, no DST) -> UTC microseconds
    ts = ((s.index - pd.Timestamp("1970-01-01")) // pd.Timedelta(microseconds=1)).to_numpy() - 9 * H_US
    return ts.astype(np.int64), s.to_numpy(dtype=float)


def sim_hourly(sim_dir):
    machines = pd.read_csv(sim_dir / "machines.csv")
    elec = set(machines.loc[machines["carrier"] == "electricity", "machine_id"])
    parts = []
    for chunk in pd.read_csv(
        sim_dir / "energy_readings.csv", usecols=["time", "machine_id", "power_kw"], chunksize=5_000_000
    ):
        chunk = chunk[chunk["machine_id"].isin(elec)]
        chunk["hour"] = pd.to_datetime(chunk["time"], utc=True).dt.floor("h")
        parts.append(chunk.groupby(["machine_id", "hour"])["power_kw"].agg(["sum", "count"]))
    g = pd.concat(parts).groupby(level=[0, 1]).sum()
    mean = (g["sum"] / g["count"]).unstack(0)
    full = mean.iloc[1:-1]  # drop partial first/last hours
    env = pd.read_csv(sim_dir / "environmental_data.csv")
    env["hour"] = pd.to_datetime(env["time"], utc=True).dt.floor("h")
    temp = env.groupby("hour")["outdoor_temp_c"].mean().reindex(full.index)
    ts = ((full.index.tz_convert(None) - pd.Timestamp("1970-01-01")) // pd.Timedelta(microseconds=1)).to_numpy()
    return ts.astype(np.int64), full, temp.to_numpy(dtype=float)


def orders(model):
    p, q, P, Q, s, d, D = model["arma"]
    coef = model["coef"]
    return {
        "p": int(p), "d": int(d), "q": int(q), "P": int(P), "D": int(D), "Q": int(Q), "s": int(s),
        "constant": bool("drift" in coef or "intercept" in coef),
    }


def auto(series, s, xreg=None):
    y = np.asarray(series["y"], dtype=float)
    X = None if xreg is None else np.asarray(xreg, dtype=float).reshape(-1, 1)
    auto_arima_f(y[:60], period=1)  # warm-up
    t0 = time.perf_counter()
    m = auto_arima_f(y, period=s, xreg=X)
    dt = time.perf_counter() - t0
    out = orders(m)
    out.update({"aicc": float(m["aicc"]), "loglik": float(m["loglik"]), "seconds": dt,
                "coef": {k: float(v) for k, v in m["coef"].items()}})
    return out


def fixed(series, order, seasonal, s, constant, xreg=None):
    y = np.asarray(series["y"], dtype=float)
    X = None if xreg is None else np.asarray(xreg, dtype=float).reshape(-1, 1)
    nd = order[1] + seasonal[1]
    kw = {}
    if constant and nd == 1:
        kw["include_drift"] = True
    kw["include_mean"] = bool(constant and nd == 0)
    m = Arima(y, order=order, seasonal={"order": seasonal, "period": s}, xreg=X, method="CSS-ML", **kw)
    h = 24
    fx = None
    if X is not None:
        fx = np.asarray(series["future_xreg"][:h], dtype=float).reshape(-1, 1)
    fc = forecast_arima(m, h=h, level=[95], xreg=fx)
    return {
        "series": series["name"], "order": list(order), "seasonal": list(seasonal), "s": s,
        "constant": constant,
        "coef": {k: float(v) for k, v in m["coef"].items()},
        "loglik": float(m["loglik"]), "sigma2": float(m["sigma2"]), "aic": float(m["aic"]),
        "mean": [float(v) for v in fc["mean"]],
        "lower95": [float(v) for v in fc["lower"]["95%"]],
        "upper95": [float(v) for v in fc["upper"]["95%"]],
    }


def main():
    sim_dir = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "enms-core/tests/fixtures/arima_statsforecast.json"
    series = []
    ts, kwh = steel_hourly()
    day = 24
    for name, start_day, days in [
        ("steel_jan_3w", 7, 21), ("steel_mar_2w", 63, 14), ("steel_may_3w", 126, 21),
        ("steel_jul_2w", 182, 14), ("steel_sep_3w", 245, 21), ("steel_nov_2w", 308, 14),
    ]:
        a = start_day * day
        b = a + days * day
        series.append({"name": name, "s": 24, "t0": int(ts[a]), "step": H_US,
                       "y": [round(float(v), 4) for v in kwh[a:b]]})
    sts, hourly, temp = sim_hourly(sim_dir)
    total = hourly.sum(axis=1).to_numpy()
    n = 28 * 24
    series.append({"name": "sim_factory_4w", "s": 24, "t0": int(sts[0]), "step": H_US,
                   "y": [round(float(v), 4) for v in total[:n]]})
    for mid in ["compressor-1", "hvac-1", "injection-molding-1"]:
        if mid in hourly:
            v = hourly[mid].to_numpy()[: 21 * 24]
            series.append({"name": f"sim_{mid}_3w", "s": 24, "t0": int(sts[0]), "step": H_US,
                           "y": [round(float(x), 4) for x in v]})
    n2 = 21 * 24
    series.append({"name": "sim_factory_temp", "s": 24, "t0": int(sts[0]), "step": H_US,
                   "y": [round(float(v), 4) for v in total[:n2]],
                   "xreg_name": "outdoor_temp_c",
                   "xreg": [round(float(v), 4) for v in temp[:n2]],
                   "future_xreg": [round(float(v), 4) for v in temp[n2:n2 + 24]]})
    series.append({"name": "air_passengers", "s": 12, "t0": 0, "step": 30 * 24 * H_US,
                   "y": [float(v) for v in AirPassengers]})
    rng = np.random.default_rng(1)
    e = rng.normal(size=201)
    w = np.zeros(201)
    for t in range(1, 201):
        w[t] = 0.6 * w[t - 1] + e[t] + 0.3 * e[t - 1]
    series.append({"name": "arima111", "s": 1, "t0": 0, "step": H_US,
                   "y": [round(float(v), 6) for v in np.cumsum(w)[1:] + 50.0]})

    by_name = {s["name"]: s for s in series}
    for s in series:
        # the unit-root test statistics behind D and d: STL seasonal strength (statsforecast's
        # seas_heuristic) and the KPSS level statistic (statsmodels, the lags of statsforecast's ndiffs)
        y = np.asarray(s["y"], dtype=float)
        if s["s"] > 1:
            s["seasonal_strength"] = float(seas_heuristic(y, s["s"]))
        nlags = math.floor(3 * math.sqrt(len(y)) / 13)
        s["kpss_stat"] = float(sm.tsa.kpss(y, "c", nlags=nlags)[0])
        s["kpss_nlags"] = nlags
    for s in series:
        xr = s.get("xreg")
        s["statsforecast_auto"] = auto(s, s["s"], xr)
        print(f"{s['name']:28s} n={len(s['y']):4d} {s['statsforecast_auto']}", flush=True)

    fixed_cases = [
        ("air_passengers", (0, 1, 1), (0, 1, 1), 12, False),
        ("air_passengers", (2, 1, 1), (0, 1, 0), 12, False),
        ("arima111", (1, 1, 1), (0, 0, 0), 1, True),
        ("arima111", (2, 1, 0), (0, 0, 0), 1, False),
        ("steel_jan_3w", (1, 0, 1), (0, 0, 0), 1, True),
        ("steel_jan_3w", (1, 0, 0), (1, 1, 1), 24, False),
        ("steel_may_3w", (2, 0, 0), (1, 0, 0), 24, True),
        ("steel_sep_3w", (1, 0, 1), (0, 1, 1), 24, True),
        ("sim_factory_4w", (1, 0, 1), (2, 0, 0), 24, True),
        ("sim_factory_temp", (1, 0, 0), (0, 0, 0), 1, True),
        ("sim_factory_temp", (2, 0, 0), (1, 1, 0), 24, False),
    ]
    fits = []
    for name, order, seasonal, s, constant in fixed_cases:
        ser = by_name[name]
        xr = ser.get("xreg")
        f = fixed(ser, order, seasonal, s, constant, xr)
        fits.append(f)
        print(f"fixed {name} {order}{seasonal}[{s}] loglik={f['loglik']:.4f} coef={f['coef']}", flush=True)

    doc = {
        "source": "scripts/reference/arima_reference.py",
        "tool": f"statsforecast {statsforecast.__version__}",
        "series": series,
        "fixed": fits,
    }
    out.write_text(json.dumps(doc, separators=(",", ":")))
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
