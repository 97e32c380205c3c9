"""Independent check of enms' KPIs on the simulator's output, with pandas and numpy only.

    python scripts/reference/sim_kpis.py DATA_DIR KPIS_JSON

DATA_DIR is the output of `enms-sim generate --format csv`; KPIS_JSON is `enms-sim kpis --data DATA_DIR
--json`. This script recomputes every machine's and factory's KPIs from the CSV files with its own code
(trapezoidal energy with a 5-minute maximum gap, 15-minute fixed-block demand with intervals split at
block boundaries, load factor, production, SEC, carbon with 0.45 kg/kWh for electricity and 0.202 for
natural gas, reactive energy and power factor from the kvarh counter) and compares with enms to a
relative 1e-9. It prints one line per check and closes with `N passed, M failed`.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

US_PER_H = 3.6e9
BLOCK = 15 * 60 * 1_000_000
MAX_GAP = 300 * 1_000_000
FACTORS = {"electricity": 0.45, "natural_gas": 0.202}

data = Path(sys.argv[1])
report = json.loads(Path(sys.argv[2]).read_text())


def micros(col):
    return pd.to_datetime(col, utc=True, format="ISO8601").astype("datetime64[us, UTC]").astype("int64").to_numpy()


machines = pd.read_csv(data / "machines.csv")
energy = pd.read_csv(data / "energy_readings.csv")
energy["ts"] = micros(energy["time"])
production = pd.read_csv(data / "production_data.csv")
production["ts"] = micros(production["time"])

first = energy["ts"].min()
last = energy["ts"].max()
lo = (first // BLOCK) * BLOCK
hi = ((last - 1) // BLOCK + 1) * BLOCK
hours = (hi - lo) / US_PER_H
n_blocks = (hi - lo) // BLOCK

passed = failed = 0


def check(what, ours, theirs, rel=1e-9):
    global passed, failed
    if ours is None or theirs is None:
        ok = ours is None and theirs is None
    else:
        ok = abs(ours - theirs) <= rel * max(1.0, abs(theirs))
    print(f"{'ok  ' if ok else 'FAIL'} {what}: pandas {ours} enms {theirs}")
    passed += ok
    failed += not ok


def block_energy(ts, p):
    """Energy per 15-minute block, trapezoidal, splitting intervals at block boundaries."""
    t0, t1, p0, p1 = ts[:-1], ts[1:], p[:-1], p[1:]
    ok = (t1 - t0) <= MAX_GAP
    t0, t1, p0, p1 = t0[ok], t1[ok], p0[ok], p1[ok]
    b = (t1 // BLOCK) * BLOCK  # boundary at or before the interval end
    cross = (b > t0) & (b < t1)
    pb = p0 + (p1 - p0) * (b - t0) / (t1 - t0)
    out = np.zeros(n_blocks)
    # whole intervals, or their part before the boundary
    end1 = np.where(cross, b, t1)
    pe1 = np.where(cross, pb, p1)
    np.add.at(out, (t0 - lo) // BLOCK, (p0 + pe1) / 2 * (end1 - t0) / US_PER_H)
    # part after the boundary
    np.add.at(out, (b[cross] - lo) // BLOCK, (pb[cross] + p1[cross]) / 2 * (t1[cross] - b[cross]) / US_PER_H)
    return out


ours = {m["machine_id"]: m for m in report["machines"]}
blocks_by_group = {}
for _, m in machines.iterrows():
    mid = m["machine_id"]
    e = energy[energy["machine_id"] == mid].sort_values("ts")
    ts = e["ts"].to_numpy()
    p = e["power_kw"].to_numpy()
    blocks = block_energy(ts, p)
    key = (m["factory_id"], m["carrier"])
    blocks_by_group[key] = blocks_by_group.get(key, 0) + blocks
    total = blocks.sum()
    r = ours[mid]
    check(f"{mid} energy_kwh", total, r["energy_kwh"])
    check(f"{mid} mean_power_kw", total / hours, r["mean_power_kw"])
    k = int(np.argmax(blocks))
    peak = blocks[k] / 0.25
    check(f"{mid} peak_demand_kw", peak, r["peak_demand"]["peak_demand_kw"])
    check(f"{mid} peak_demand start", float(lo + k * BLOCK), float(r["peak_demand"]["start"]), rel=0)
    check(f"{mid} max_instantaneous_power_kw", p.max(), r["max_instantaneous_power_kw"])
    check(f"{mid} load_factor", total / hours / peak, r["load_factor"])
    check(f"{mid} carbon_kg", total * FACTORS[m["carrier"]], r["carbon_kg"])
    pr = production[(production["machine_id"] == mid) & (production["ts"] > lo) & (production["ts"] <= hi)]
    if len(pr):
        made = pr["production_count"].sum()
        check(f"{mid} production", made, r["production"])
        check(f"{mid} sec_kwh_per_unit", total / made if made > 0 else None, r["sec_kwh_per_unit"])
    if "reactive_energy_kvarh" in e and e["reactive_energy_kvarh"].notna().any():
        q = np.diff(e["reactive_energy_kvarh"].to_numpy())
        q = q[q >= 0].sum()
        check(f"{mid} reactive_kvarh", q, r["reactive_kvarh"])
        check(f"{mid} power_factor", total / np.hypot(total, q), r["power_factor"])

for f in report["factories"]:
    for c in f["by_carrier"]:
        blocks = blocks_by_group[(f["factory_id"], c["carrier"])]
        what = f"factory {f['factory_id']} {c['carrier']}"
        check(f"{what} energy_kwh", blocks.sum(), c["energy_kwh"])
        check(f"{what} coincident peak_demand_kw", blocks.max() / 0.25, c["peak_demand"]["peak_demand_kw"])
        check(f"{what} carbon_kg", blocks.sum() * FACTORS[c["carrier"]], c["carbon_kg"])

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
