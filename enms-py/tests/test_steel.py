"""The real steel plant data (UCI dataset 851, ../shared/data): enms through Python against pandas."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

import enms

pytestmark = pytest.mark.steel


def test_steel_energy_demand_and_load_factor(steel: pd.DataFrame) -> None:
    kwh = steel["Usage_kWh"]
    args = {"time": "end_utc", "energy": "Usage_kWh", "interval_s": 900}
    r = enms.rollup(steel, "1d", timezone="Asia/Seoul", **args)  # type: ignore[arg-type]
    assert r["energy_kwh"].sum() == pytest.approx(kwh.sum(), rel=1e-12)
    daily = steel.groupby(steel["start_local"].dt.date)["Usage_kWh"].sum()
    assert r.height == len(daily)
    assert r["energy_kwh"].max() == pytest.approx(daily.max(), rel=1e-12)

    p15 = enms.peak_demand(steel, **args)  # type: ignore[arg-type]
    assert p15 is not None
    assert p15["peak_demand_kw"] == pytest.approx(kwh.max() / 0.25, rel=1e-12)
    i = int(kwh.idxmax())
    assert pd.Timestamp(p15["end"]) == steel["end_utc"].iloc[i]

    p60 = enms.peak_demand(steel, window_minutes=60, timezone="Asia/Seoul", **args)  # type: ignore[arg-type]
    hourly = steel.groupby(steel["start_local"].dt.floor("h"))["Usage_kWh"].sum()
    assert p60 is not None and p60["peak_demand_kw"] == pytest.approx(hourly.max(), rel=1e-12)

    roll = enms.peak_demand(steel, window_minutes=60, rolling_step_minutes=15, **args)  # type: ignore[arg-type]
    assert roll is not None and roll["peak_demand_kw"] == pytest.approx(kwh.rolling(4).sum().max(), rel=1e-12)

    hours = len(steel) * 0.25
    lf = enms.load_factor(float(kwh.sum()), hours, p15["peak_demand_kw"])
    assert lf == pytest.approx(kwh.sum() / hours / (kwh.max() / 0.25), rel=1e-12)


def test_steel_power_factor_and_carbon(steel: pd.DataFrame) -> None:
    p = float(steel["Usage_kWh"].sum())
    q = float(steel["Lagging_Current_Reactive_Power_kVarh"].sum())
    assert enms.power_factor(p, q) == pytest.approx(p / (p * p + q * q) ** 0.5, rel=1e-12)
    assert enms.carbon_kg(p, "electricity", {"electricity": 0.45}) == pytest.approx(p * 0.45, rel=1e-12)


def test_steel_time_of_use_cost(steel: pd.DataFrame) -> None:
    # The Korean-style TOU tariff of scripts/reference/steel_kpis.py (illustrative KRW rates).
    tariff = {
        "name": "kepco-like",
        "currency": "KRW",
        "timezone": "Asia/Seoul",
        "versions": [
            {
                "valid_from": "2018-01-01",
                "base_rate_per_kwh": 147.0,
                "periods": [
                    {"name": "light", "rate_per_kwh": 94.0, "start": "22:00:00", "end": "08:00:00"},
                    {"name": "max", "rate_per_kwh": 229.0, "day_types": ["weekday"], "start": "10:00:00", "end": "12:00:00"},
                    {"name": "max", "rate_per_kwh": 229.0, "day_types": ["weekday"], "start": "13:00:00", "end": "17:00:00"},
                ],
                "demand_charges": [{"name": "demand", "rate_per_kw": 8320.0}],
            }
        ],
    }
    cost = enms.energy_cost(steel, tariff, "15m", time="end_utc", energy="Usage_kWh", interval_s=900)
    h = steel["start_local"].dt.hour
    weekday = steel["start_local"].dt.day_of_week < 5
    light = (h >= 22) | (h < 8)
    peak = weekday & (((h >= 10) & (h < 12)) | ((h >= 13) & (h < 17))) & ~light
    rate = pd.Series(147.0, index=steel.index).where(~peak, 229.0).where(~light, 94.0)
    assert cost["energy_cost"] == pytest.approx(float((steel["Usage_kWh"] * rate).sum()), rel=1e-9)
    monthly_peak = steel.groupby(steel["start_local"].dt.to_period("M"))["Usage_kWh"].max() / 0.25
    assert cost["demand_cost"] == pytest.approx(float((monthly_peak * 8320.0).sum()), rel=1e-9)
    by = {c["name"]: c["energy_kwh"] for c in cost["by_period"]}
    assert by["light"] == pytest.approx(float(steel["Usage_kWh"][light].sum()), rel=1e-9)


def test_steel_from_polars_and_numpy_agree(steel: pd.DataFrame) -> None:
    pl_df = pl.from_pandas(steel[["end_utc", "Usage_kWh"]])
    a = enms.rollup(pl_df, "1h", time="end_utc", energy="Usage_kWh", interval_s=900)
    b = enms.rollup(
        None, "1h", time=steel["end_utc"].dt.tz_localize(None).to_numpy(), energy=steel["Usage_kWh"].to_numpy(), interval_s=900
    )
    assert a.equals(b)
