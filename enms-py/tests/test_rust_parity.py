"""The Python face computes the same KPI report as Rust on the same simulated week.

The Rust side is `enms-sim kpis --start 2025-01-06 --days 7 --seed 42 --json` (binary path in
ENMS_SIM_BIN, set by scripts/test-python.sh); the Python side simulates the same week through
`enms.simulate`, passes the tables as polars DataFrames into `enms.kpi_report`, and compares the
whole report, field by field.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import polars as pl
import pytest

import enms


def rust_report() -> dict[str, Any]:
    exe = os.environ.get("ENMS_SIM_BIN")
    if not exe:
        pytest.fail("ENMS_SIM_BIN is not set (scripts/test-python.sh builds enms-sim and sets it)")
    out = subprocess.run(
        [exe, "kpis", "--start", "2025-01-06", "--days", "7", "--seed", "42", "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def assert_same(a: Any, b: Any, path: str = "") -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12), path
    else:
        assert a == b, path


def test_python_report_equals_rust(week: dict[str, pl.DataFrame]) -> None:
    rust = rust_report()
    py = enms.kpi_report(week["energy_readings"], week["machines"], week["production_data"])
    assert_same(py.to_dict(), rust)
    assert len(rust["machines"]) == 6
    # and the DataFrames show the same numbers
    for m in rust["machines"]:
        row = py.machines.filter(pl.col("machine_id") == m["machine_id"]).row(0, named=True)
        assert row["energy_kwh"] == m["energy_kwh"]
        assert row["peak_demand_kw"] == m["peak_demand"]["peak_demand_kw"]


def test_python_report_from_pandas_equals_rust(week: dict[str, pl.DataFrame]) -> None:
    rust = rust_report()
    py = enms.kpi_report(
        week["energy_readings"].to_pandas(), week["machines"].to_pandas(), week["production_data"].to_arrow()
    )
    assert_same(py.to_dict(), rust)
