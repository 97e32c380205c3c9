"""What passing a polars frame through the Python face costs, against the same call in Rust.

    python benches/python_overhead.py [rows] [repeats] [rounds]   # default: 10 million rows, 7 x 3

Builds `rows` one-second power readings as a polars DataFrame (the formula of
enms-py/examples/python_overhead_native.rs), times `enms.peak_demand(df)` (zero-copy import of
the columns, validation, 15-minute rollup, peak demand, result back to Python), runs the Rust
example with the same data and repeats (`cargo run --release`), alternating the two sides for
`rounds` rounds, and prints the best and the median time of each side and their ratios.
The target: Python / Rust <= 1.2.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

import enms

ROOT = Path(__file__).resolve().parents[1]
T0 = np.datetime64("2025-01-06T00:00:00", "us")


def frame(n: int) -> pl.DataFrame:
    i = np.arange(n, dtype=np.uint64)
    p = 100.0 + 50.0 * np.sin(i / 600.0) + ((i * 7919) % 1000) / 100.0
    t = T0 + (i.astype(np.int64) * 1_000_000).astype("timedelta64[us]")
    return pl.DataFrame({"time": t, "power_kw": p}).with_columns(pl.col("time").dt.replace_time_zone("UTC"))


def python_times(df: pl.DataFrame, repeats: int) -> tuple[list[float], float]:
    times = []
    peak = None
    for _ in range(repeats):
        t = time.perf_counter()
        peak = enms.peak_demand(df)
        times.append(time.perf_counter() - t)
    assert peak is not None
    return times, peak["peak_demand_kw"]


def rust_times(n: int, repeats: int) -> tuple[list[float], float]:
    cargo = os.environ.get("CARGO", "cargo")
    out = subprocess.run(
        [cargo, "run", "--quiet", "--release", "-p", "enms-py", "--example", "python_overhead_native", "--", str(n), str(repeats)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    native = json.loads(out.stdout.strip().splitlines()[-1])
    return native["times_s"], native["peak_demand_kw"]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    df = frame(n)
    enms.peak_demand(df)  # warm up: page the frame's buffers in once
    py: list[float] = []
    rs: list[float] = []
    # Rounds alternate the two sides so that load from other processes on a shared machine
    # falls on both alike.
    for _ in range(rounds):
        t, py_peak = python_times(df, repeats)
        py += t
        t, rs_peak = rust_times(n, repeats)
        rs += t
    rel = abs(py_peak - rs_peak) / rs_peak
    print(
        json.dumps(
            {
                "rows": n,
                "calls_per_side": len(py),
                "python_min_s": round(min(py), 4),
                "rust_min_s": round(min(rs), 4),
                "ratio_min": round(min(py) / min(rs), 3),
                "python_median_s": round(statistics.median(py), 4),
                "rust_median_s": round(statistics.median(rs), 4),
                "ratio_median": round(statistics.median(py) / statistics.median(rs), 3),
                "peak_demand_kw_python": py_peak,
                "peak_demand_kw_rust": rs_peak,
                "peak_relative_difference": rel,
            }
        )
    )
    if rel > 1e-9:
        sys.exit("the Python and Rust results differ")


if __name__ == "__main__":
    main()
