"""Reference ROC AUC of scikit-learn's IsolationForest, for enms' isolation forest.

    python scripts/reference/iforest_reference.py > enms-core/tests/fixtures/iforest_sklearn.json

Two data sets, each scored with default parameters (256 samples, contamination "auto"; 100 trees, and
1000 on the steel data, whose AUC varies more from seed to seed) for random_state 0..9; the fixture keeps the mean and spread of the AUC (anomalies = positives, score =
-score_samples), and predict's anomaly share:
- synthetic: 2000 inliers from a 2-D standard normal and 100 outliers uniform on [-6, 6]^2 (numpy
  seed 7; the data goes into the fixture);
- steel: the steel plant's 15-minute rows (../shared/data/steel_industry_2018.csv, in time order,
  parsed as in ols_reference.py), features Usage_kWh, lagging and leading reactive energy and NSM, with
  every 50th row's Usage_kWh multiplied by 2.5 (the positives).
"""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[2]


def aucs(X, y, n_estimators=100):
    out, shares = [], []
    for seed in range(10):
        f = IsolationForest(n_estimators=n_estimators, random_state=seed).fit(X)
        out.append(roc_auc_score(y, -f.score_samples(X)))
        shares.append(float((f.predict(X) == -1).mean()))
    return {
        "n_estimators": n_estimators,
        "auc_mean": float(np.mean(out)),
        "auc_std": float(np.std(out)),
        "anomaly_share_mean": float(np.mean(shares)),
    }


def main():
    rng = np.random.default_rng(7)
    inl = rng.standard_normal((2000, 2))
    out = rng.uniform(-6, 6, (100, 2))
    X = np.vstack([inl, out])
    y = np.r_[np.zeros(2000), np.ones(100)]

    df = pd.read_csv(ROOT.parent / "shared" / "data" / "steel_industry_2018.csv", encoding="utf-8-sig")
    t = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M") + pd.to_timedelta((df["NSM"] == 0).astype(int), unit="D")
    df = df.assign(t=t).sort_values("t", kind="stable").reset_index(drop=True)
    usage = df["Usage_kWh"].to_numpy(float).copy()
    ys = np.zeros(len(df))
    ys[::50] = 1
    usage[::50] *= 2.5
    Xs = np.column_stack([usage, df["Lagging_Current_Reactive_Power_kVarh"], df["Leading_Current_Reactive_Power_kVarh"], df["NSM"]]).astype(float)

    json.dump(
        {
            "produced_by": "scripts/reference/iforest_reference.py",
            "sklearn": sklearn.__version__,
            "synthetic": aucs(X, y) | {"x0": X[:, 0].tolist(), "x1": X[:, 1].tolist(), "label": y.tolist()},
            "steel": aucs(Xs, ys, n_estimators=1000),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
