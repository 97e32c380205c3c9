"""Shared fixtures: the simulated week (seed 42) and the real steel plant data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

import enms

# The repository root: set by scripts/test-python.sh, else this file's grandparent's parent.
ROOT = Path(os.environ.get("ENMS_REPO_ROOT", Path(__file__).resolve().parents[2]))
# The steel data lives in shared/ beside the repository (../shared/data from the repo root), as
# for enms-core/tests/common/mod.rs and scripts/reference/steel_kpis.py.
STEEL_CSV = ROOT.parent / "shared" / "data" / "steel_industry_2018.csv"


@pytest.fixture(scope="session")
def week() -> dict[str, pl.DataFrame]:
    """The demo factory's week from Monday 2025-01-06 (local), seed 42: what
    `enms-sim kpis --start 2025-01-06 --days 7 --seed 42` computes on."""
    return enms.simulate("2025-01-06", days=7, seed=42)


@pytest.fixture(scope="session")
def compressor(week: dict[str, pl.DataFrame]) -> pl.DataFrame:
    er = week["energy_readings"]
    return er.filter(pl.col("machine_id") == "compressor-1").select("time", "power_kw")


@pytest.fixture(scope="session")
def synthetic() -> pl.DataFrame:
    """Two days of 1-second power readings (kW) with a known shape and noise, on the clock."""
    n = 2 * 86_400
    rng = np.random.default_rng(7)
    i = np.arange(n)
    p = 120 + 60 * np.sin(i / 3600.0) + rng.normal(0, 5, n)
    p[40_000:40_900] += 250  # a 15-minute burst
    t = np.datetime64("2025-03-01T00:00:00", "us") + i.astype("timedelta64[s]")
    return pl.DataFrame({"time": t, "power_kw": p}).with_columns(pl.col("time").dt.replace_time_zone("UTC"))


@pytest.fixture(scope="session")
def steel() -> pd.DataFrame:
    """The UCI steel plant data: 15-minute kWh stamped at the interval END, Asia/Seoul local time,
    with midnight rows carrying the previous day's date (see shared/data/README.md)."""
    if not STEEL_CSV.exists():
        pytest.fail(f"steel plant data not found at {STEEL_CSV}")
    df = pd.read_csv(STEEL_CSV, encoding="utf-8-sig")
    end_local = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M")
    end_local = end_local + pd.to_timedelta((df["NSM"] == 0).astype(int), unit="D")
    df["end_local"] = end_local
    df["start_local"] = end_local - pd.Timedelta(minutes=15)
    df["end_utc"] = end_local.dt.tz_localize("Asia/Seoul").dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    return df.sort_values("end_local").reset_index(drop=True)
