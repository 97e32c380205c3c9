"""Side by side: isolation forest fit + score_samples on 1 M rows x 4 columns, scikit-learn and enms.

    python benches/iforest_sklearn.py [ROWS]        (default 1_000_000; needs numpy and scikit-learn)

Same data (written once by the `iforest_side_by_side` binary), same run, same parameters (100 trees, 256
samples per tree, contamination "auto"). scikit-learn single-threaded (n_jobs=1) and on all cores
(n_jobs=-1); enms on one thread and on all cores. Best of 3.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.ensemble import IsolationForest

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000


def cargo_bin(name):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "enms-benches", "--bin", name], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "release" / name)


def sklearn_run(d, n_jobs):
    X = np.column_stack([np.fromfile(d / f"x{k}.f64") for k in range(4)])
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        f = IsolationForest(random_state=0, n_jobs=n_jobs).fit(X)
        s = f.score_samples(X)
        best = min(best, time.perf_counter() - t0)
    threads = "1" if n_jobs == 1 else "all"
    return {"tool": f"scikit-learn {sklearn.__version__}", "threads": threads, "rows": len(X), "mean_score": float(s.mean()), "seconds": best}


def main():
    exe = cargo_bin("iforest_side_by_side")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        subprocess.run([exe, "write", str(d), str(ROWS)], check=True)
        res = [sklearn_run(d, 1), sklearn_run(d, -1)]
        for threads in ["1", ""]:
            args = [exe, "fit", str(d), "3"] + ([threads] if threads else [])
            res.append(json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout))
    print(f"{'tool':<22}{'threads':>8}{'rows':>10}{'mean score':>14}{'seconds':>10}")
    for r in res:
        print(f"{r['tool']:<22}{r['threads']:>8}{r['rows']:>10}{r['mean_score']:>14.5f}{r['seconds']:>10.3f}")
    print(f"enms on all cores: {res[0]['seconds'] / res[3]['seconds']:.1f}x scikit-learn single-threaded, "
          f"{res[1]['seconds'] / res[3]['seconds']:.1f}x scikit-learn on all cores; "
          f"enms single-threaded: {res[0]['seconds'] / res[2]['seconds']:.1f}x scikit-learn single-threaded")


if __name__ == "__main__":
    main()
