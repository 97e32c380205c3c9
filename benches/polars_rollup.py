"""Side by side: the same 15-minute rollup of one-second power readings in polars and in enms.

    python benches/polars_rollup.py [ROWS]        (default 10_000_000)

Both tools get the same data (written once by the `gen_raw` binary) in the same run, and each does
the same job: per 15-minute bucket the sample count, the energy (trapezoidal, intervals longer than
5 minutes skipped), and mean/min/max power. polars computes interval energies with `shift` and sums
them per bucket with `group_by_dynamic`; enms (`rollup_side_by_side`) also validates the input and
splits intervals exactly at bucket boundaries. The enms time includes copying the input into a
validated series. Best of 5 runs each; single-threaded polars (POLARS_MAX_THREADS=1) and default
polars are both reported.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000


def cargo_bin(name):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "enms-benches", "--bin", name], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "release" / name)


def polars_run(data_dir, threads):
    code = f"""
import os, time, json, numpy as np
import polars as pl
ts = np.fromfile({str(data_dir / 'ts_us.i64')!r}, dtype='<i8')
p = np.fromfile({str(data_dir / 'power_kw.f64')!r}, dtype='<f8')
best = float('inf')
for _ in range(5):
    t0 = time.perf_counter()
    df = pl.DataFrame({{'ts': pl.Series(ts).cast(pl.Datetime('us', 'UTC')), 'power_kw': p}})
    dt = (pl.col('ts').shift(-1) - pl.col('ts')).dt.total_microseconds()
    e = ((pl.col('power_kw') + pl.col('power_kw').shift(-1)) * 0.5 * dt / 3.6e9)
    out = (df.with_columns(energy_kwh=pl.when(dt <= 300_000_000).then(e).otherwise(0.0))
             .group_by_dynamic('ts', every='15m')
             .agg(pl.len().alias('sample_count'), pl.col('energy_kwh').sum(),
                  pl.col('power_kw').mean().alias('mean_power_kw'),
                  pl.col('power_kw').min().alias('min_power_kw'), pl.col('power_kw').max().alias('max_power_kw')))
    best = min(best, time.perf_counter() - t0)
print(json.dumps({{'tool': 'polars ' + pl.__version__, 'rows': len(ts), 'buckets': out.height,
                  'energy_kwh': float(out['energy_kwh'].sum()), 'seconds': best}}))
"""
    env = dict(os.environ)
    if threads:
        env["POLARS_MAX_THREADS"] = str(threads)
    res = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return json.loads(res.stdout)


def main():
    gen = cargo_bin("gen_raw")
    enms = cargo_bin("rollup_side_by_side")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        subprocess.run([gen, str(d), str(ROWS)], check=True)
        results = [
            polars_run(d, 1) | {"threads": 1},
            polars_run(d, None) | {"threads": os.cpu_count()},
            json.loads(subprocess.run([enms, str(d), "5"], check=True, capture_output=True, text=True).stdout) | {"threads": 1},
        ]
    mb = ROWS * 16 / 1e6
    print(f"{'tool':<16}{'threads':>8}{'rows':>12}{'buckets':>9}{'energy kWh':>16}{'seconds':>10}{'MB/s':>9}")
    for r in results:
        print(f"{r['tool']:<16}{r['threads']:>8}{r['rows']:>12}{r['buckets']:>9}{r['energy_kwh']:>16.3f}{r['seconds']:>10.4f}{mb / r['seconds']:>9.0f}")
    e = results[-1]["seconds"]
    print(f"enms speed-up: {results[0]['seconds'] / e:.1f}x vs polars single-threaded, {results[1]['seconds'] / e:.1f}x vs polars on all cores")


if __name__ == "__main__":
    main()
