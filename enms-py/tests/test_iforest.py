"""enms.IsolationForest where scikit-learn's is used: ROC AUC within 0.005 of scikit-learn's on the
same data, averaged over seeds 0..9 as enms-core/tests/iforest.rs does (scikit-learn run here on
the synthetic set; on the steel plant features the reference is the committed fixture
enms-core/tests/fixtures/iforest_sklearn.json from scripts/reference/iforest_reference.py, whose
1000-tree runs are too slow to repeat in every test run); conventions, inputs, JSON save/load and
errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.ensemble import IsolationForest as SkIsolationForest
from sklearn.metrics import roc_auc_score

import enms



ROOT = Path(os.environ.get("ENMS_REPO_ROOT", Path(__file__).resolve().parents[2]))


def synthetic() -> tuple[np.ndarray, np.ndarray]:
    """As scripts/reference/iforest_reference.py: 2000 normal inliers, 100 uniform outliers."""
    rng = np.random.default_rng(7)
    X = np.vstack([rng.standard_normal((2000, 2)), rng.uniform(-6, 6, (100, 2))])
    return X, np.r_[np.zeros(2000), np.ones(100)]


def mean_auc(make: object, X: object, y: np.ndarray, n_estimators: int = 100) -> float:
    out = []
    for seed in range(10):
        f = make(n_estimators=n_estimators, random_state=seed).fit(X)  # type: ignore[operator]
        out.append(roc_auc_score(y, -f.score_samples(X)))
    return float(np.mean(out))


def test_synthetic_auc_equals_scikit_learn() -> None:
    X, y = synthetic()
    ours = mean_auc(enms.IsolationForest, X, y)
    theirs = mean_auc(SkIsolationForest, X, y)
    assert abs(ours - theirs) < 0.005, (ours, theirs)


@pytest.mark.steel
def test_steel_features_auc_equals_scikit_learn(steel: pd.DataFrame) -> None:
    fx = json.loads((ROOT / "enms-core" / "tests" / "fixtures" / "iforest_sklearn.json").read_text())["steel"]
    usage = steel["Usage_kWh"].to_numpy(float).copy()
    y = np.zeros(len(usage))
    y[::50] = 1
    usage[::50] *= 2.5
    X = pl.DataFrame(
        {
            "usage_kwh": usage,
            "lagging_kvarh": steel["Lagging_Current_Reactive_Power_kVarh"].to_numpy(float),
            "leading_kvarh": steel["Leading_Current_Reactive_Power_kVarh"].to_numpy(float),
            "nsm": steel["NSM"].to_numpy(float),
        }
    )
    ours = mean_auc(enms.IsolationForest, X, y, n_estimators=fx["n_estimators"])
    assert abs(ours - fx["auc_mean"]) < 0.005, (ours, fx["auc_mean"])


def test_conventions_like_scikit_learn() -> None:
    X, y = synthetic()
    f = enms.IsolationForest(random_state=0)
    labels = f.fit_predict(X)
    s = f.score_samples(X)
    d = f.decision_function(X)
    assert f.offset_ == -0.5 and f.n_features_in_ == 2 and f.max_samples_ == 256
    assert list(f.feature_names_in_) == ["x0", "x1"]
    np.testing.assert_allclose(d, s - f.offset_, rtol=0, atol=1e-15)
    assert set(np.unique(labels)) <= {-1, 1}
    np.testing.assert_array_equal(labels, np.where(d >= 0, 1, -1))
    assert ((s < 0) & (s >= -1)).all()
    # contamination as a fraction: the offset is that quantile of the training scores
    g = enms.IsolationForest(contamination=0.05, random_state=0).fit(X)
    share = float((g.predict(X) == -1).mean())
    assert abs(share - 0.05) < 0.005
    sk = SkIsolationForest(contamination=0.05, random_state=0).fit(X)
    assert abs(share - float((sk.predict(X) == -1).mean())) < 0.005
    # deterministic for a seed, on any thread count
    a = enms.IsolationForest(random_state=3, n_jobs=1).fit(X).score_samples(X)
    b = enms.IsolationForest(random_state=3, n_jobs=-1).fit(X).score_samples(X)
    np.testing.assert_array_equal(a, b)
    assert f.get_params()["random_state"] == 0
    assert "IsolationForest(" in repr(f)


def test_inputs_numpy_polars_pandas_and_names() -> None:
    X, _ = synthetic()
    frame = pl.DataFrame({"power_kw": X[:, 0], "temp_c": X[:, 1]})
    f = enms.IsolationForest(random_state=1).fit(frame)
    assert list(f.feature_names_in_) == ["power_kw", "temp_c"]
    s = f.score_samples(frame)
    np.testing.assert_array_equal(s, f.score_samples(frame.to_pandas()))
    np.testing.assert_array_equal(s, f.score_samples({"power_kw": X[:, 0], "temp_c": X[:, 1]}))
    # an array is read by position under the fitted names
    np.testing.assert_array_equal(s, f.score_samples(X))
    # named columns in another order are matched by name
    np.testing.assert_array_equal(s, f.score_samples(frame.select(["temp_c", "power_kw"])))
    np.testing.assert_array_equal(s, f.score_samples({"temp_c": X[:, 1], "power_kw": X[:, 0]}))
    # the same forest from a numpy array scores the same
    np.testing.assert_array_equal(s, enms.IsolationForest(random_state=1).fit(X).score_samples(X))
    # an array is read in place, row after row; any layout or numeric dtype gives the same
    # scores as its columns
    np.testing.assert_array_equal(s, f.score_samples(np.asfortranarray(X)))
    np.testing.assert_array_equal(s, f.score_samples(np.vstack([X, X])[: len(X)]))
    ints = np.round(X * 10).astype(np.int64)
    g = enms.IsolationForest(random_state=1).fit(ints)
    as_frame = pl.DataFrame({"x0": ints[:, 0].astype(float), "x1": ints[:, 1].astype(float)})
    np.testing.assert_array_equal(g.score_samples(ints), g.score_samples(as_frame))
    np.testing.assert_array_equal(
        g.score_samples(ints), enms.IsolationForest(random_state=1).fit(as_frame).score_samples(as_frame)
    )
    # the compiled module's matrix entry: columns named by `names`, which must fit the width
    native = enms._enms.iforest_fit(np.ascontiguousarray(X), names=["power_kw", "temp_c"], random_state=1)
    assert native.feature_names == ["power_kw", "temp_c"]
    with pytest.raises(enms.LengthMismatchError) as e0:
        enms._enms.iforest_fit(np.ascontiguousarray(X), names=["power_kw"])
    assert e0.value.field == "names"
    # named columns that are not the fitted ones: an error naming the missing feature (as
    # scikit-learn and the Node face), never a read by position
    with pytest.raises(enms.InvalidParameterError) as e:
        f.score_samples(frame.rename({"temp_c": "outdoor_c"}))
    assert e.value.field == "temp_c"
    # a forest fitted on an array is named x0, x1: other names are refused too
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.IsolationForest(random_state=1).fit(X).score_samples(frame)
    assert e.value.field == "x0"


def test_json_save_and_load() -> None:
    X, _ = synthetic()
    f = enms.IsolationForest(n_estimators=50, max_samples=128, contamination=0.1, random_state=4).fit(X)
    g = enms.IsolationForest.from_json(f.to_json())
    np.testing.assert_array_equal(g.score_samples(X), f.score_samples(X))
    np.testing.assert_array_equal(g.predict(X), f.predict(X))
    assert g.offset_ == f.offset_
    assert g.get_params() | {"n_jobs": None} == {
        "n_estimators": 50,
        "max_samples": 128,
        "contamination": 0.1,
        "max_features": 1.0,
        "bootstrap": False,
        "n_jobs": None,
        "random_state": 4,
        "verbose": 0,
        "warm_start": False,
    }


def test_errors() -> None:
    X, _ = synthetic()
    f = enms.IsolationForest(random_state=0).fit(X)
    with pytest.raises(enms.EnmsError) as e:
        f.score_samples(np.zeros((3, 3)))
    assert isinstance(e.value, ValueError)
    assert e.value.code == "LENGTH_MISMATCH" and e.value.field == "features"
    for kwargs, field in [
        ({"bootstrap": True}, "bootstrap"),
        ({"warm_start": True}, "warm_start"),
        ({"max_samples": 0.5}, "max_samples"),
        ({"max_samples": "all"}, "max_samples"),
        ({"contamination": "some"}, "contamination"),
        ({"n_jobs": -2}, "n_jobs"),
        ({"n_jobs": "all"}, "n_jobs"),
        ({"contamination": None}, "contamination"),
    ]:
        with pytest.raises(enms.InvalidParameterError) as e3:
            enms.IsolationForest(**kwargs).fit(X)
        assert e3.value.field == field
    with pytest.raises(enms.InvalidParameterError) as e4:
        enms.IsolationForest(contamination=0.7).fit(X)
    assert e4.value.field == "contamination"
    with pytest.raises(enms.NonFiniteError) as e5:
        enms.IsolationForest().fit(np.array([[0.0, 1.0], [np.nan, 2.0]]))
    assert e5.value.field == "x0" and "1" in str(e5.value)
    with pytest.raises(enms.InvalidParameterError):
        enms.IsolationForest().predict(X)
    with pytest.raises(enms.DtypeError):
        enms.IsolationForest().fit(pl.DataFrame({"a": ["x", "y"]}))
