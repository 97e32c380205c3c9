"""Reference KPIs of the UCI steel plant data (../shared/data/steel_industry_2018.csv), computed
independently of enms with pandas. Writes enms-core/tests/fixtures/steel_kpis.json, which
enms-core/tests/steel.rs compares against.

    python scripts/reference/steel_kpis.py [--check] [path/to/steel_industry_2018.csv]

With --check, nothing is written: the values are recomputed and compared with the committed fixture
(relative tolerance 1e-12), so CI shows that the fixture is what this script produces.

The data's quirks (see shared/data/README.md): UTF-8 BOM, day-first local timestamps (Asia/Seoul,
no DST) that mark the END of each 15-minute interval, and midnight rows carrying the date of the
day that is ending.
"""

import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
ARGS = [a for a in sys.argv[1:] if a != "--check"]
CHECK = "--check" in sys.argv[1:]
CSV = Path(ARGS[0]) if ARGS else ROOT.parent / "shared" / "data" / "steel_industry_2018.csv"
OUT = ROOT / "enms-core" / "tests" / "fixtures" / "steel_kpis.json"

df = pd.read_csv(CSV, encoding="utf-8-sig")
end_local = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M")
end_local = end_local + pd.to_timedelta((df["NSM"] == 0).astype(int), unit="D")
df["end_local"] = end_local
df["start_local"] = end_local - pd.Timedelta(minutes=15)
df = df.sort_values("end_local").reset_index(drop=True)
assert df["end_local"].diff().dropna().eq(pd.Timedelta(minutes=15)).all(), "not a regular 15-minute grid"


def utc(ts_local):
    return ts_local.tz_localize("Asia/Seoul").tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


energy = df["Usage_kWh"]
total_kwh = float(energy.sum())
hours = len(df) * 0.25
i_peak = int(energy.idxmax())
peak15 = float(energy.max() / 0.25)

# 60-minute fixed clock blocks (local hours) and 60-minute rolling windows in 15-minute steps.
hourly = df.groupby(df["start_local"].dt.floor("h"))["Usage_kWh"].sum()
peak60 = float(hourly.max())
rolling60 = energy.rolling(4).sum()
i_roll = int(rolling60.idxmax())
peak60_rolling = float(rolling60.max())

monthly = df.groupby(df["start_local"].dt.to_period("M"))["Usage_kWh"].sum()
daily = df.groupby(df["start_local"].dt.date)["Usage_kWh"].sum()

lag_kvarh = float(df["Lagging_Current_Reactive_Power_kVarh"].sum())
pf = total_kwh / (total_kwh**2 + lag_kvarh**2) ** 0.5

# Time-of-use tariff (KRW, Korean-style industrial TOU, illustrative rates):
# light 22:00-08:00 every day; max 10:00-12:00 and 13:00-17:00 on weekdays; otherwise mid.
LIGHT, MID, MAX, DEMAND = 94.0, 147.0, 229.0, 8320.0
h = df["start_local"].dt.hour
weekday = df["start_local"].dt.day_of_week < 5
is_light = (h >= 22) | (h < 8)
is_max = weekday & (((h >= 10) & (h < 12)) | ((h >= 13) & (h < 17))) & ~is_light
rate = pd.Series(MID, index=df.index).where(~is_max, MAX).where(~is_light, LIGHT)
energy_cost = float((energy * rate).sum())
by_period = {
    "light": float(energy[is_light].sum()),
    "max": float(energy[is_max].sum()),
    "base": float(energy[~is_light & ~is_max].sum()),
}
monthly_peak_kw = df.groupby(df["start_local"].dt.to_period("M"))["Usage_kWh"].max() / 0.25
demand_cost = float((monthly_peak_kw * DEMAND).sum())

ref = {
    "source": "scripts/reference/steel_kpis.py (pandas %s)" % pd.__version__,
    "rows": len(df),
    "first_interval_start_utc": utc(df["start_local"].iloc[0]),
    "last_interval_end_utc": utc(df["end_local"].iloc[-1]),
    "total_kwh": total_kwh,
    "hours": hours,
    "peak_demand_15min_kw": peak15,
    "peak_demand_15min_start_utc": utc(df["start_local"].iloc[i_peak]),
    "peak_demand_60min_fixed_kw": peak60,
    "peak_demand_60min_rolling_kw": peak60_rolling,
    "peak_demand_60min_rolling_start_utc": utc(df["start_local"].iloc[i_roll - 3]),
    "load_factor_15min": total_kwh / hours / peak15,
    "monthly_kwh": [float(x) for x in monthly.values],
    "daily_kwh_count": len(daily),
    "daily_kwh_max": float(daily.max()),
    "lagging_kvarh": lag_kvarh,
    "power_factor": pf,
    "carbon_kg_at_0_45": total_kwh * 0.45,
    "tou_energy_cost_krw": energy_cost,
    "tou_energy_kwh_by_period": by_period,
    "demand_cost_krw": demand_cost,
}


def compare(a, b, path=""):
    """Yields the paths where two JSON values differ (numbers: relative 1e-12)."""
    if isinstance(a, dict):
        for k in set(a) | set(b):
            if k == "source":
                continue
            if k not in a or k not in b:
                yield f"{path}.{k} missing"
            else:
                yield from compare(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{path} length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from compare(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        if abs(a - b) > 1e-12 * max(1.0, abs(b)):
            yield f"{path}: {a} != {b}"
    elif a != b:
        yield f"{path}: {a!r} != {b!r}"


if CHECK:
    committed = json.loads(OUT.read_text())
    diffs = list(compare(ref, committed))
    for d in diffs:
        print("differs:", d)
    checked = len(ref) - 1
    print(f"{checked - min(len(diffs), checked)} passed, {min(len(diffs), checked)} failed")
    sys.exit(1 if diffs else 0)
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(ref, indent=2) + "\n")
print(json.dumps(ref, indent=2))
