"""Isolation forest scores of enms' core through its Python face, for the Node face's tests.

    python scripts/reference/iforest_node_fixture.py > enms-node/test/fixtures/iforest_core.json

Needs the `enms` Python package (scripts/test-python.sh builds one; any environment with
`pip install ./enms-py`). Both faces call the same enms-core `IsolationForest`, so the Node face
must give the very same numbers for the same data and parameters (enms-node/test/anomaly.test.mjs).

Data: 300 inliers from a 2-D standard normal and 15 outliers uniform on [-6, 6]^2 (numpy seed 11),
rounded to 6 decimals so the JSON holds them exactly; `test` rows are 40 more of each kind (seed 12).
Two forests: defaults with `random_state=7`, and `n_estimators=50, max_samples=128,
contamination=0.05, random_state=3`. For each: offset, max_samples, and score_samples,
decision_function and predict of the training and the test rows.
"""

import json
import sys

import numpy as np

import enms


def data(seed: int, inliers: int, outliers: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.standard_normal((inliers, 2)), rng.uniform(-6, 6, (outliers, 2))])
    return np.round(X, 6)


def main() -> None:
    train = data(11, 300, 15)
    test = data(12, 40, 40)
    forests = []
    for params in (
        {"random_state": 7},
        {"n_estimators": 50, "max_samples": 128, "contamination": 0.05, "random_state": 3},
    ):
        f = enms.IsolationForest(**params).fit(train)
        forests.append(
            {
                "params": params,
                "offset": float(f.offset_),
                "max_samples": int(f.max_samples_),
                "train": {
                    "score_samples": f.score_samples(train).tolist(),
                    "decision_function": f.decision_function(train).tolist(),
                    "predict": f.predict(train).astype(int).tolist(),
                },
                "test": {
                    "score_samples": f.score_samples(test).tolist(),
                    "decision_function": f.decision_function(test).tolist(),
                    "predict": f.predict(test).astype(int).tolist(),
                },
            }
        )
    json.dump(
        {
            "produced_by": "scripts/reference/iforest_node_fixture.py",
            "train": {"x0": train[:, 0].tolist(), "x1": train[:, 1].tolist()},
            "test": {"x0": test[:, 0].tolist(), "x1": test[:, 1].tolist()},
            "forests": forests,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
