"""Week-ahead load forecast of a real steel plant with enms (run by enms-py/tests/test_forecast.py).

The plant's 15-minute energy (UCI steel industry data, ../shared/data beside the repository) is
summed into hourly kWh; a seasonal forecaster with the plant's calendar (Asia/Seoul, public holidays
and shutdowns as days off) is backtested over the last four days, fitted on everything but the last
week, asked for that week with 80 % and 95 % intervals, and compared with what happened. Then the
peak of one day with the hours at risk of exceeding a demand threshold, a drift check of the live
errors against the backtest MAE, and the model saved and loaded as JSON.

    python enms-py/examples/python_forecast.py
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl

import enms

ROOT = Path(os.environ.get("ENMS_REPO_ROOT", Path(__file__).resolve().parents[2]))
STEEL_CSV = ROOT.parent / "shared" / "data" / "steel_industry_2018.csv"
# Korean public holidays of 2018 and the plant's shutdowns (1-3 August, 31 December).
HOLIDAYS = [
    "2018-01-01", "2018-02-15", "2018-02-16", "2018-02-17", "2018-03-01", "2018-05-01", "2018-05-05",
    "2018-05-07", "2018-05-22", "2018-06-06", "2018-06-13", "2018-08-01", "2018-08-02", "2018-08-03",
    "2018-08-15", "2018-09-23", "2018-09-24", "2018-09-25", "2018-09-26", "2018-10-03", "2018-10-09",
    "2018-12-25", "2018-12-31",
]  # fmt: skip
WEEK = 168


def hourly_load() -> pl.DataFrame:
    """Hourly kWh on local hours, stamped with the hour's start in UTC. The file's times are local
    interval ends, and midnight rows carry the date of the day that ends."""
    df = pd.read_csv(STEEL_CSV, encoding="utf-8-sig")
    t = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M")
    t = t.where(df["NSM"] != 0, t + pd.Timedelta(days=1)) - pd.Timedelta(minutes=15)
    s = df.groupby(t.dt.floor("h"))["Usage_kWh"].sum()
    utc = s.index.tz_localize("Asia/Seoul").tz_convert("UTC")
    return pl.DataFrame({"time": utc, "load_kwh": s.to_numpy()}).with_columns(pl.col("time").dt.cast_time_unit("us"))


def main() -> None:
    load = hourly_load()
    calendar = {"time_zone": "Asia/Seoul", "holidays": [date.fromisoformat(d) for d in HOLIDAYS]}
    train, actual = load.head(load.height - WEEK), load.tail(WEEK)

    # How good is a day-ahead forecast? Four days, each forecast from everything before it.
    bt = enms.backtest(train, target="load_kwh", model="seasonal", horizon=24, windows=4, calendar=calendar)
    print(f"backtest: {bt}")
    print(bt.windows.select("origin", "mae", "rmse", "mase", "coverage_80", "coverage_95"))

    # The last week of the year, forecast from the rest.
    model = enms.Forecaster("seasonal", horizon=WEEK, calendar=calendar).fit(train, target="load_kwh")
    forecast = model.predict()
    print(f"\n{model}")
    print(forecast.head(6))
    mae = float((forecast["forecast"] - actual["load_kwh"]).abs().mean())  # type: ignore[arg-type]
    inside = float(((actual["load_kwh"] >= forecast["lower_80"]) & (actual["load_kwh"] <= forecast["upper_80"])).mean())  # type: ignore[arg-type]
    print(f"week ahead: MAE {mae:.1f} kWh, {inside:.0%} of the hours inside the 80 % interval")

    # Thursday's peak and the hours at risk of exceeding 120 kWh in an hour (120 kW of demand).
    peak = enms.peak_forecast(forecast, day=date(2018, 12, 27), time_zone="Asia/Seoul", threshold=120.0)
    print(f"\npeak on 2018-12-27: {peak['peak']:.1f} kWh at {peak['peak_at']:%H:%M} UTC, "
          f"{peak['expected_exceedances']:.1f} hours expected above 120 kWh")
    print(peak["at_risk"])

    # Live errors against the backtest's MAE: would the model be flagged for retraining?
    live = pl.DataFrame({"time": actual["time"], "actual": actual["load_kwh"], "forecast": forecast["forecast"]})
    drift = enms.monitor_drift(live, reference_mae=bt.mae)
    print(f"\ndrift: {drift}")

    # Save and load.
    again = enms.Forecaster.from_json(model.to_json(), horizon=WEEK)
    assert again.predict().equals(forecast)
    print("saved and loaded: same forecast")


if __name__ == "__main__":
    main()
