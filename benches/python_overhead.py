"""What passing a polars frame through the Python face costs, against the same call in Rust.

    python benches/python_overhead.py [rows] [repeats]      # default: 10 million rows, 7 repeats

Builds `rows` one-second power readings as a polars DataFrame (the formula of
enms-py/examples/python_overhead_native.rs), times `enms.peak_demand(df)` (zero-copy import of
the columns, validation, 15-minute rollup, peak demand, result back to Python), runs the Rust
example with the same data and repeats (`cargo run --release`), and prints both medians and
their ratio. The target: Python / Rust <= 1.2.
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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    df = frame(n)
    enms.peak_demand(df)  # warm up (page in the buffers once, as the Rust side does when building)
    times = []
    peak = None
    for _ in range(repeats):
        t = time.perf_counter()
        peak = enms.peak_demand(df)
        times.append(time.perf_counter() - t)
    py_median = statistics.median(times)

    cargo = os.environ.get("CARGO", "cargo")
    out = subprocess.run(
        [cargo, "run", "--quiet", "--release", "-p", "enms-py", "--example", "python_overhead_native", "--", str(n), str(repeats)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    native = json.loads(out.stdout.strip().splitlines()[-1])
    assert peak is not None
    rel = abs(peak["peak_demand_kw"] - native["peak_demand_kw"]) / native["peak_demand_kw"]
    ratio = py_median / native["median_s"]
    print(
        json.dumps(
            {
                "rows": n,
                "repeats": repeats,
                "python_median_s": round(py_median, 4),
                "rust_median_s": round(native["median_s"], 4),
                "ratio": round(ratio, 3),
                "peak_demand_kw_python": peak["peak_demand_kw"],
                "peak_demand_kw_rust": native["peak_demand_kw"],
                "peak_relative_difference": rel,
            }
        )
    )
    if rel > 1e-9:
        sys.exit("the Python and Rust results differ")


if __name__ == "__main__":
    main()
