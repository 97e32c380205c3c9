"""enms' rollups and KPIs against an independent computation with pandas/polars on the same data.

The reference here is written from the definitions in docs/kpis.md, not from enms' code:
energy = trapezoidal integral of power (intervals longer than 5 minutes are gaps), peak demand =
largest energy in a clock-aligned window / window length, load factor = mean power / peak,
SEC = energy / production, power factor = P / sqrt(P^2 + Q^2), carbon = energy x factor.
"""

from __future__ import annotations

import math
from datetime import date, time

import numpy as np
import pandas as pd
import polars as pl
import pytest

import enms

MAX_GAP_S = 300.0  # the core's default, restated here as the reference's own parameter


def trapezoids(df: pl.DataFrame) -> pd.DataFrame:
    """Energy of each interval between consecutive readings, labelled by the interval's start."""
    p = df.to_pandas()
    t = p["time"]
    dt_s = (t.shift(-1) - t).dt.total_seconds()
    e = (p["power_kw"] + p["power_kw"].shift(-1)) / 2 * dt_s / 3600.0
    e = e.where(dt_s <= MAX_GAP_S, 0.0).fillna(0.0)
    return pd.DataFrame({"time": t, "energy_kwh": e})


def test_rollup_energy_per_bucket_matches_pandas(synthetic: pl.DataFrame) -> None:
    ref = trapezoids(synthetic)
    for every, freq in [("1m", "1min"), ("15m", "15min"), ("1h", "1h"), ("1d", "1D")]:
        r = enms.rollup(synthetic, every)
        by = ref.groupby(ref["time"].dt.floor(freq))["energy_kwh"].sum()
        assert r.height == len(by)
        np.testing.assert_allclose(r["energy_kwh"].to_numpy(), by.to_numpy(), rtol=1e-10, atol=1e-9)
        mean = synthetic.to_pandas().groupby(synthetic["time"].to_pandas().dt.floor(freq))["power_kw"]
        np.testing.assert_allclose(r["max_power_kw"].to_numpy(), mean.max().to_numpy())
        np.testing.assert_allclose(r["min_power_kw"].to_numpy(), mean.min().to_numpy())
        np.testing.assert_array_equal(r["sample_count"].to_numpy(), mean.count().to_numpy())


def test_standard_rollups_equal_direct_rollups(synthetic: pl.DataFrame) -> None:
    std = enms.standard_rollups(synthetic, timezone="Europe/Berlin")
    assert set(std) == {"1m", "15m", "1h", "1d"}
    for every in ["15m", "1h", "1d"]:
        direct = enms.rollup(synthetic, every, timezone="Europe/Berlin")
        assert std[every]["start"].to_list() == direct["start"].to_list()
        np.testing.assert_allclose(std[every]["energy_kwh"].to_numpy(), direct["energy_kwh"].to_numpy(), rtol=1e-9)
    # local days: midnight Berlin is 23:00 UTC in March before the clock change
    assert std["1d"]["start"][1].hour == 23


def test_peak_demand_fixed_and_rolling_match_pandas(synthetic: pl.DataFrame) -> None:
    ref = trapezoids(synthetic)
    q = ref.groupby(ref["time"].dt.floor("15min"))["energy_kwh"].sum()
    p15 = enms.peak_demand(synthetic)
    assert p15 is not None
    assert p15["peak_demand_kw"] == pytest.approx(q.max() / 0.25, rel=1e-10)
    assert p15["start"] == q.idxmax().to_pydatetime()
    m = ref.groupby(ref["time"].dt.floor("1min"))["energy_kwh"].sum()
    roll = m.rolling(15).sum()
    r15 = enms.peak_demand(synthetic, rolling_step_minutes=1)
    assert r15 is not None
    assert r15["peak_demand_kw"] == pytest.approx(roll.max() / 0.25, rel=1e-9)
    # the burst of 15 minutes is caught whole by the rolling window, split by the fixed blocks
    assert r15["peak_demand_kw"] > p15["peak_demand_kw"]
    h = ref.groupby(ref["time"].dt.floor("1h"))["energy_kwh"].sum()
    p60 = enms.peak_demand(synthetic, window_minutes=60)
    assert p60 is not None and p60["peak_demand_kw"] == pytest.approx(h.max(), rel=1e-10)


def test_load_factor_and_sec_match_pandas(synthetic: pl.DataFrame) -> None:
    ref = trapezoids(synthetic)
    energy = ref["energy_kwh"].sum()
    hours = 48.0
    peak = ref.groupby(ref["time"].dt.floor("15min"))["energy_kwh"].sum().max() / 0.25
    assert enms.load_factor(energy, hours, peak) == pytest.approx(energy / hours / peak)
    assert enms.load_factor(energy, hours, 0.0) is None
    assert enms.specific_energy_consumption(energy, 250.0) == pytest.approx(energy / 250.0)
    assert enms.specific_energy_consumption(energy, 0.0) is None
    assert enms.power_factor(3.0, 4.0) == pytest.approx(0.6)
    assert enms.power_factor(0.0, 0.0) is None


def test_sec_per_bucket_on_the_simulated_week(week: dict[str, pl.DataFrame]) -> None:
    er = week["energy_readings"].filter(pl.col("machine_id") == "injection-molding-1")
    prod = week["production_data"].filter(pl.col("machine_id") == "injection-molding-1")
    sec = enms.sec_per_bucket(er, prod, "1h")
    # independent: energy by hour from trapezoids, production by the hour its interval ENDS in
    ref = trapezoids(er.select("time", "power_kw"))
    e = ref.groupby(ref["time"].dt.floor("1h"))["energy_kwh"].sum()
    p = prod.to_pandas()
    parts = p.groupby((p["time"] - pd.Timedelta(microseconds=1)).dt.floor("1h"))["production_count"].sum()
    joined = pd.DataFrame({"e": e, "parts": parts}).fillna(0.0)
    got = sec.to_pandas().set_index("start")
    joined = joined.loc[got.index]
    np.testing.assert_allclose(got["production"], joined["parts"])
    # buckets split by a gap-free interval crossing the hour boundary differ by that split only
    np.testing.assert_allclose(got["energy_kwh"], joined["e"], rtol=1e-3)
    produced = joined["parts"] > 0
    np.testing.assert_allclose(
        got.loc[produced, "sec_kwh_per_unit"], got.loc[produced, "energy_kwh"] / joined.loc[produced, "parts"], rtol=1e-12
    )
    assert got.loc[~produced, "sec_kwh_per_unit"].isna().all()


def test_kpi_report_per_machine_matches_pandas(week: dict[str, pl.DataFrame]) -> None:
    rep = enms.kpi_report(week["energy_readings"], week["machines"], week["production_data"])
    factors = enms.default_carbon_factors()
    er = week["energy_readings"]
    for m in rep.machines.iter_rows(named=True):
        rows = er.filter(pl.col("machine_id") == m["machine_id"])
        energy = trapezoids(rows.select("time", "power_kw"))["energy_kwh"].sum()
        assert m["energy_kwh"] == pytest.approx(energy, rel=1e-9), m["machine_id"]
        assert m["mean_power_kw"] == pytest.approx(energy / rep.hours, rel=1e-9)
        assert m["max_instantaneous_power_kw"] == rows["power_kw"].max()
        assert m["carbon_kg"] == pytest.approx(energy * factors[m["carrier"]], rel=1e-9)
        if m["peak_demand_kw"] is not None:
            assert m["load_factor"] == pytest.approx(energy / rep.hours / m["peak_demand_kw"], rel=1e-9)
        prod = week["production_data"].filter(pl.col("machine_id") == m["machine_id"])
        if prod.height:
            parts = prod["production_count"].sum()
            assert m["production"] == pytest.approx(parts)
            assert m["sec_kwh_per_unit"] == pytest.approx(energy / parts, rel=1e-9)
        q = rows["reactive_energy_kvarh"].drop_nulls()
        if q.len() >= 2:
            dq = q.diff().drop_nulls()
            assert (dq >= 0).all(), "the reference assumes a counter without resets"
            reactive = float(dq.sum())
            assert m["reactive_kvarh"] == pytest.approx(reactive, rel=1e-6)
            assert m["power_factor"] == pytest.approx(energy / math.hypot(energy, reactive), rel=1e-6)
    # factories: energy per carrier is the sum of their machines'
    for f in rep.factories.iter_rows(named=True):
        mine = rep.machines.filter((pl.col("factory_id") == f["factory_id"]) & (pl.col("carrier") == f["carrier"]))
        assert f["energy_kwh"] == pytest.approx(mine["energy_kwh"].sum(), rel=1e-9)
        # the coincident peak is at most the sum of the machines' peaks
        assert f["peak_demand_kw"] <= mine["peak_demand_kw"].sum() + 1e-9
    assert rep.total_carbon_kg == pytest.approx(rep.machines["carbon_kg"].sum(), rel=1e-9)


def test_cost_under_a_time_of_use_tariff_matches_pandas(synthetic: pl.DataFrame) -> None:
    tariff = {
        "name": "tou",
        "currency": "EUR",
        "timezone": "Europe/Berlin",
        "versions": [
            {
                "valid_from": date(2025, 1, 1),
                "base_rate_per_kwh": 0.20,
                "periods": [
                    {"name": "peak", "rate_per_kwh": 0.35, "day_types": ["weekday"], "start": time(8), "end": time(20)}
                ],
                "demand_charges": [{"name": "demand", "rate_per_kw": 10.0}],
                "fixed_charges": [{"name": "meter", "amount": 3.0, "per": "day"}],
            }
        ],
    }
    cost = enms.energy_cost(synthetic, tariff, "15m")
    ref = trapezoids(synthetic)
    q = ref.groupby(ref["time"].dt.floor("15min"))["energy_kwh"].sum()
    local = q.index.tz_convert("Europe/Berlin")
    peak = (local.day_of_week < 5) & (local.hour >= 8) & (local.hour < 20)
    energy_cost = float((q[peak] * 0.35).sum() + (q[~peak] * 0.20).sum())
    assert cost["energy_cost"] == pytest.approx(energy_cost, rel=1e-9)
    assert cost["demand_cost"] == pytest.approx(q.max() / 0.25 * 10.0, rel=1e-9)
    assert cost["fixed_cost"] == pytest.approx(2 * 3.0, rel=1e-9)  # 23/24 + 1 + 1/24 local days
    assert cost["total_cost"] == pytest.approx(cost["energy_cost"] + cost["demand_cost"] + cost["fixed_cost"])
    assert cost["currency"] == "EUR"
    no_extras = enms.energy_cost(synthetic, tariff, "15m", demand_charges=False, fixed_charges=False)
    assert no_extras["total_cost"] == pytest.approx(energy_cost, rel=1e-9)


def test_carbon(synthetic: pl.DataFrame) -> None:
    assert enms.carbon_kg(100.0, "electricity") == pytest.approx(100.0 * enms.default_carbon_factors()["electricity"])
    assert enms.carbon_kg(100.0, "electricity", {"electricity": 0.3}) == pytest.approx(30.0)


def test_kpi_report_settings(week: dict[str, pl.DataFrame]) -> None:
    er, machines = week["energy_readings"], week["machines"]
    base = enms.kpi_report(er, machines)
    # a 60-minute demand window: each machine's peak is the one enms.peak_demand finds alone
    hourly = enms.kpi_report(er, machines, window_minutes=60)
    comp = er.filter(pl.col("machine_id") == "compressor-1")
    alone = enms.peak_demand(comp, window_minutes=60, start=base.start, end=base.end)
    assert alone is not None
    row = hourly.machines.filter(pl.col("machine_id") == "compressor-1").row(0, named=True)
    assert row["peak_demand_kw"] == pytest.approx(alone["peak_demand_kw"], rel=1e-12)
    assert row["peak_demand_kw"] <= base.machines.filter(pl.col("machine_id") == "compressor-1")["peak_demand_kw"][0]
    # a constant grid intensity of 0.3 kg/kWh for electricity, static factors for gas
    hours = pl.datetime_range(base.start, base.end, "1h", eager=True, closed="left")
    grid = pl.DataFrame({"time": hours, "kg_per_kwh": [0.3] * hours.len()})
    green = enms.kpi_report(er, machines, hourly_carbon=grid, carbon_factors={"natural_gas": 0.2})
    for m in green.machines.iter_rows(named=True):
        factor = 0.3 if m["carrier"] == "electricity" else 0.2
        assert m["carbon_kg"] == pytest.approx(m["energy_kwh"] * factor, rel=1e-9)
    # a flat tariff: each electric machine pays its energy x rate, the factory its bill
    flat = {
        "name": "flat",
        "currency": "EUR",
        "timezone": "Europe/Berlin",
        "versions": [{"valid_from": "2025-01-01", "base_rate_per_kwh": 0.25}],
    }
    billed = enms.kpi_report(er, machines, tariff=flat)
    for m in billed.machines.iter_rows(named=True):
        if m["carrier"] == "electricity":
            assert m["energy_cost"] == pytest.approx(m["energy_kwh"] * 0.25, rel=1e-9)
        else:
            assert m["energy_cost"] is None
    el = billed.factories.filter(pl.col("carrier") == "electricity").row(0, named=True)
    assert el["total_cost"] == pytest.approx(el["energy_kwh"] * 0.25, rel=1e-9)


def test_a_tariff_may_be_a_dataclass(synthetic: pl.DataFrame) -> None:
    from dataclasses import dataclass, field

    @dataclass
    class Version:
        valid_from: date
        base_rate_per_kwh: float
        periods: list[dict[str, object]] = field(default_factory=list)

    @dataclass
    class Tariff:
        name: str
        currency: str
        timezone: str
        versions: list[Version]
        holidays: list[date] | None = None  # left out: the core's default applies

    t = Tariff("flat", "EUR", "UTC", [Version(date(2025, 1, 1), 0.2)])
    as_dict = {"name": "flat", "currency": "EUR", "timezone": "UTC", "versions": [{"valid_from": "2025-01-01", "base_rate_per_kwh": 0.2}]}
    assert enms.energy_cost(synthetic, t, "15m") == enms.energy_cost(synthetic, as_dict, "15m")
