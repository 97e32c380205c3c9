"""enms.Baseline, enms.ols and friends over the installed package: statistics equal to
statsmodels OLS (computed here, statsmodels is installed by scripts/test-python.sh) on the steel
plant data with load-type and weekend indicators and on Longley; known-physics savings found in
their interval; JSON round trip; gates; bad input raising enms errors that name the field."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.stats.stattools import durbin_watson

import enms

RTOL = 1e-9


def close(a: object, b: object, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=0)


def assert_equal_to_statsmodels(m: enms.Baseline | enms.OlsResults, res: object, names: list[str]) -> None:
    r: object = res
    assert m.param_names == names
    close(m.params, r.params)  # type: ignore[attr-defined]
    close(m.bse, r.bse)  # type: ignore[attr-defined]
    close(m.tvalues, r.tvalues)  # type: ignore[attr-defined]
    # p-values that underflow to 0 in statsmodels are 0 here too; the others are compared relatively
    close(m.pvalues, r.pvalues, rtol=1e-7)  # type: ignore[attr-defined]
    close(m.conf_int(), r.conf_int())  # type: ignore[attr-defined]
    for ours, theirs in [
        (m.rsquared, r.rsquared),  # type: ignore[attr-defined]
        (m.rsquared_adj, r.rsquared_adj),  # type: ignore[attr-defined]
        (m.fvalue, r.fvalue),  # type: ignore[attr-defined]
        (m.aic, r.aic),  # type: ignore[attr-defined]
        (m.bic, r.bic),  # type: ignore[attr-defined]
        (m.llf, r.llf),  # type: ignore[attr-defined]
        (m.ssr, r.ssr),  # type: ignore[attr-defined]
    ]:
        close(ours, theirs)
    close(m.f_pvalue, r.f_pvalue, rtol=1e-7)  # type: ignore[attr-defined]
    close(m.durbin_watson, durbin_watson(r.resid))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def steel_drivers(steel: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    X = pd.DataFrame(
        {
            "lagging_kvarh": steel["Lagging_Current_Reactive_Power_kVarh"],
            "leading_kvarh": steel["Leading_Current_Reactive_Power_kVarh"],
            "week": steel["WeekStatus"],
            "load": steel["Load_Type"],
        }
    )
    return X, steel["Usage_kWh"].to_numpy()


@pytest.mark.steel
def test_steel_baseline_equals_statsmodels(steel_drivers: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = steel_drivers
    b = enms.Baseline().fit(X, y)
    # statsmodels with the same treatment coding: reference level = first in sorted order
    design = pd.DataFrame(
        {
            "const": 1.0,
            "lagging_kvarh": X["lagging_kvarh"],
            "leading_kvarh": X["leading_kvarh"],
            "week=Weekend": (X["week"] == "Weekend").astype(float),
            "load=Maximum_Load": (X["load"] == "Maximum_Load").astype(float),
            "load=Medium_Load": (X["load"] == "Medium_Load").astype(float),
        }
    )
    res = sm.OLS(y, design).fit()
    assert_equal_to_statsmodels(b, res, list(design.columns))
    vif = [variance_inflation_factor(design.to_numpy(), i) for i in range(1, 6)]
    close(b.vif[1:], vif, rtol=1e-8)
    assert np.isnan(b.vif[0])
    # ASHRAE Guideline 14 with n - p degrees of freedom
    n, p = len(y), 6
    close(b.cv_rmse, 100 * np.sqrt(res.ssr / (n - p)) / y.mean())
    # residuals of a fit with an intercept sum to zero: NMBE is rounding noise in both tools
    assert abs(b.nmbe - 100 * res.resid.sum() / ((n - p) * y.mean())) < 1e-9
    # predictions and intervals as statsmodels' get_prediction
    new = X.iloc[:50]
    pi = b.predict_interval(new, level=0.9)
    frame = res.get_prediction(design.iloc[:50]).summary_frame(alpha=0.1)
    close(pi["mean"], frame["mean"])
    close(pi["ci_low"], frame["mean_ci_lower"])
    close(pi["pi_high"], frame["obs_ci_upper"])
    close(b.predict(new), frame["mean"])
    # the same model from polars and from a dict of arrays
    b_pl = enms.Baseline().fit(pl.from_pandas(X), pl.Series(y))
    b_dict = enms.Baseline().fit({c: X[c].to_numpy() for c in X.columns}, y)
    close(b_pl.params, b.params, rtol=0)
    close(b_dict.params, b.params, rtol=0)
    assert b.passed and b.gates == [{"set": "charter", "passed": True, "failures": []}]
    assert "OLS Regression Results" in b.summary() and "load=Medium_Load" in b.summary()
    assert "gates passed" in repr(b)


def longley() -> tuple[pd.DataFrame, np.ndarray]:
    data = sm.datasets.longley.load_pandas()
    return data.exog.astype(float), data.endog.to_numpy(dtype=float)


def test_longley_equals_statsmodels() -> None:
    X, y = longley()
    res = sm.OLS(y, sm.add_constant(X)).fit()
    m = enms.ols(y, X)
    assert_equal_to_statsmodels(m, res, ["const", *X.columns])
    # without an intercept
    res0 = sm.OLS(y, X).fit()
    m0 = enms.ols(y, pl.from_pandas(X), intercept=False)
    assert m0.param_names == list(X.columns)
    close(m0.params, res0.params)
    close(m0.bse, res0.bse)
    close(m0.rsquared, res0.rsquared)  # uncentered, as statsmodels without a constant
    close(m0.fvalue, res0.fvalue)
    # a baseline without gates is the same regression (Longley has 16 rows: the charter fails)
    b = enms.Baseline(gates=["sep"]).fit(X, y)
    close(b.params, res.params)
    failed = enms.Baseline().fit(X, y)
    assert not failed.passed
    assert any("min_observations" in f or "observations" in f for f in failed.failures)


def known_physics(n: int, rng: np.random.Generator, saving_kwh: float = 0.0) -> tuple[pl.DataFrame, np.ndarray]:
    production = rng.uniform(100, 500, n)
    hdd = np.clip(rng.normal(8, 5, n), 0, None)
    shift = rng.choice(["day", "night"], n)
    energy = 200 + 1.8 * production + 12 * hdd + 40 * (shift == "night") + rng.normal(0, 25, n) - saving_kwh
    return pl.DataFrame({"production": production, "hdd": hdd, "shift": shift}), energy


def test_known_physics_coefficients_and_savings() -> None:
    rng = np.random.default_rng(11)
    X, y = known_physics(1200, rng)
    b = enms.Baseline(confidence=0.99).fit(X, y)
    assert b.passed, b.failures
    ci = b.conf_int()
    for k, true in enumerate([200, 1.8, 12, 40]):
        assert ci[k, 0] <= true <= ci[k, 1], (b.param_names[k], ci[k], true)
    # a reporting period with 15 kWh saved per period
    Xr, yr = known_physics(300, rng, saving_kwh=15.0)
    r = b.performance(Xr, yr)
    assert r.frame.columns == ["expected", "actual", "deviation", "cusum"]
    close(r.frame["deviation"], yr - b.predict(Xr))
    close(r.frame["cusum"], np.cumsum(yr - b.predict(Xr)))
    assert r.savings_low <= 15.0 * 300 <= r.savings_high, r
    assert r.savings > 0 and r.enpi_index < 1 and r.fsu is not None and 0 < r.fsu < 1
    assert r.confidence == 0.9 and r.baseline_passed
    # no saving: zero inside the interval
    Xn, yn = known_physics(300, rng)
    rn = b.performance(Xn, yn, confidence=0.95)
    assert rn.savings_low <= 0 <= rn.savings_high


def test_json_round_trip() -> None:
    X, y = known_physics(1100, np.random.default_rng(3))
    b = enms.Baseline(gates=["charter", "ashrae14-daily"]).fit(X, y)
    text = b.to_json()
    assert json.loads(text)["format_version"] >= 1
    b2 = enms.Baseline.from_json(text)
    assert b2.to_json() == text
    Xn, _ = known_physics(20, np.random.default_rng(4))
    close(b2.predict(Xn), b.predict(Xn), rtol=0)
    assert b2.gates == b.gates and b2.param_names == b.param_names and b2.summary() == b.summary()
    assert b2.get_params() == {"gates": ["charter", "ashrae14-daily"], "confidence": 0.95, "intercept": True, "target": "energy_kwh"}
    # the restored parameters fit the same model again
    close(enms.Baseline(**b2.get_params()).fit(X, y).params, b.params, rtol=0)
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.Baseline.from_json("{not json")
    assert e.value.field == "text"
    # a model written by a newer enms is refused, not half-read
    newer = json.loads(text)
    newer["format_version"] = 99
    with pytest.raises(enms.InvalidParameterError, match="newer") as e:
        enms.Baseline.from_json(json.dumps(newer))
    assert e.value.field == "format_version"


def test_failing_gates_are_reported_and_refused() -> None:
    rng = np.random.default_rng(5)
    X = pl.DataFrame({"production": rng.uniform(0, 1, 1100)})
    y = rng.normal(100, 10, 1100)  # unrelated to the driver
    b = enms.Baseline().fit(X, y)
    assert not b.passed
    assert b.gates[0]["set"] == "charter" and b.gates[0]["failures"]
    assert any("r_squared" in f for f in b.failures)
    assert "FAILED" in repr(b)
    with pytest.raises(enms.InvalidParameterError) as e:
        b.performance(X, y)
    assert e.value.field == "baseline" and "gates" in str(e.value)
    r = b.performance(X, y, allow_failed_gates=True)
    assert not r.baseline_passed


def test_select_drivers_and_change_point() -> None:
    rng = np.random.default_rng(8)
    X, y = known_physics(1100, rng)
    X = X.with_columns(noise=rng.normal(size=1100))
    c = enms.select_drivers(X, y, max_drivers=3)
    assert c.height == 4 + 6 + 4
    assert c["drivers"][0].to_list() == ["production", "hdd", "shift"]
    assert c["recommended"][0]
    t = np.linspace(-10, 30, 365)
    e = 50 + 4 * np.clip(16 - t, 0, None) + rng.normal(0, 2, 365)
    cp = enms.fit_change_point(t, e)
    assert cp.kind == "heating_3p"
    assert cp.heating_balance_c is not None and abs(cp.heating_balance_c - 16) <= 1.5
    close(cp.predict(t), cp.predict(pl.Series(t)), rtol=0)
    assert np.abs(cp.predict(t) - e).mean() < 3
    assert cp.candidates.height >= 1


def test_towt_fits_an_hourly_year() -> None:
    rng = np.random.default_rng(9)
    hours = 24 * 7 * 8
    time = np.datetime64("2025-01-06T00:00", "us") + np.arange(hours).astype("timedelta64[h]")
    how = np.arange(hours) % 168
    occupied = ((how % 24) >= 7) & ((how % 24) < 18) & (how < 120)
    temp = 10 + 8 * np.sin(np.arange(hours) / 24 * 2 * np.pi) + rng.normal(0, 1, hours)
    energy = 20 + 60 * occupied + 1.5 * np.clip(15 - temp, 0, None) + rng.normal(0, 2, hours)
    m = enms.fit_towt(time, temp, energy)
    assert m.rsquared > 0.9
    assert np.abs(m.predict(time, temp) - energy).mean() < 5


def test_bad_input_names_the_field() -> None:
    rng = np.random.default_rng(1)
    X, y = known_physics(1100, rng)
    bad = X.with_columns(pl.when(pl.int_range(pl.len()) == 7).then(float("nan")).otherwise(pl.col("hdd")).alias("hdd"))
    with pytest.raises(enms.NonFiniteError) as e:
        enms.Baseline().fit(bad, y)
    assert e.value.field == "hdd" and isinstance(e.value, ValueError)
    with pytest.raises(enms.EnmsError) as e2:
        enms.Baseline().fit(X.with_columns(const_kw=pl.lit(3.0)), y)
    assert e2.value.field == "const_kw" and isinstance(e2.value, ValueError)
    with pytest.raises(enms.EnmsError) as e3:
        enms.Baseline().fit(X.with_columns(both=pl.col("production") + 2 * pl.col("hdd")), y)
    assert e3.value.field in {"both", "production", "hdd"} and isinstance(e3.value, ValueError)
    with pytest.raises(enms.EnmsError) as e4:
        enms.Baseline().fit(X.with_columns(shift=pl.lit("day")), y)
    assert e4.value.field == "shift"
    b = enms.Baseline().fit(X, y)
    with pytest.raises(enms.ParseError) as e5:
        b.predict(X.head(3).with_columns(shift=pl.Series(["day", "weekend", "night"])))
    assert e5.value.field == "shift" and "weekend" in str(e5.value)
    with pytest.raises(enms.EnmsError) as e6:
        b.predict(X.head(3).drop("hdd"))
    assert e6.value.field == "hdd"
    with pytest.raises(enms.EnmsError) as e7:
        enms.Baseline().fit(X.head(3), y[:3])
    assert isinstance(e7.value, ValueError) and e7.value.field is not None
    with pytest.raises(enms.LengthMismatchError) as e8:
        enms.Baseline().fit(X, y[:-1])
    assert e8.value.field in {"production", "hdd", "shift"}
    with pytest.raises(enms.InvalidParameterError) as e9:
        enms.Baseline(gates=["nope"]).fit(X, y)
    assert e9.value.field == "gates"
    with pytest.raises(enms.InvalidParameterError) as e10:
        enms.Baseline(confidence=1.5).fit(X, y)
    assert e10.value.field == "confidence"
    with pytest.raises(enms.NonFiniteError) as e11:
        b.performance(X.head(2), np.array([1.0, np.nan]))
    assert e11.value.field == "actual"
    with pytest.raises(enms.InvalidParameterError):
        enms.Baseline().predict(X)


def test_wrong_argument_types_name_the_parameter() -> None:
    X, y = known_physics(1100, np.random.default_rng(2))
    with pytest.raises(enms.DtypeError) as e:
        enms.Baseline(confidence="high").fit(X, y)  # type: ignore[arg-type]
    assert e.value.field == "confidence" and isinstance(e.value, TypeError)
    with pytest.raises(enms.DtypeError) as e2:
        enms.ols(y, X.drop("shift"), intercept="yes")  # type: ignore[arg-type]
    assert e2.value.field == "intercept"
    with pytest.raises(enms.DtypeError) as e3:
        enms.ols(y, X)  # a text column is not a number
    assert e3.value.field == "shift"
    with pytest.raises(enms.ArrowInterfaceError) as e4:
        enms.Baseline().fit(42, y)
    assert e4.value.field == "X"
    # one gate set may be named by a plain string
    assert enms.Baseline(gates="sep").fit(X, y).gates[0]["set"] == "sep"


def test_modelling_table_from_readings(week: dict[str, pl.DataFrame]) -> None:
    from datetime import datetime, timezone

    er = week["energy_readings"].filter(pl.col("machine_id") == "compressor-1")
    env = week["environmental_data"]
    prod = week["production_data"].filter(pl.col("machine_id") == "conveyor-1")
    start = datetime(2025, 1, 6, 0, tzinfo=timezone.utc)
    end = datetime(2025, 1, 13, 0, tzinfo=timezone.utc)
    t = enms.modelling_table(
        er["time"],
        er["power_kw"],
        {
            "production": ("sum", prod["time"], prod["production_count"]),
            "outdoor_temp_c": ("mean", env["time"], env["outdoor_temp_c"]),
            "day_type": "day_type",
        },
        every="1h",
        start=start,
        end=end,
    )
    f = t.frame
    assert f.columns == ["start", "end", "energy_kwh", "production", "outdoor_temp_c", "day_type"]
    assert t.periods_total == 7 * 24 and f.height + len(t.dropped) == t.periods_total
    # energy per period is the rollup's
    r = enms.rollup(er, "1h", start=start, end=end).join(f.select("start", "energy_kwh"), on="start", suffix="_table")
    assert r.height == f.height
    close(r["energy_kwh_table"], r["energy_kwh"], rtol=1e-12)
    # production summed by interval end, (start, end]
    for row in f.head(30).iter_rows(named=True):
        expected = prod.filter((pl.col("time") > row["start"]) & (pl.col("time") <= row["end"]))["production_count"].sum()
        assert row["production"] == pytest.approx(expected, rel=1e-12)
    assert set(f["day_type"].unique()) == {"weekday", "weekend"}
    b = enms.Baseline(gates=["sep"]).fit(t.X, t.y)
    assert b.param_names[:3] == ["const", "production", "outdoor_temp_c"]
    # a range past the data: the empty periods are dropped and listed
    t2 = enms.modelling_table(
        er["time"], er["power_kw"], {"day_type": "day_type"}, every="1d", start=start,
        end=datetime(2025, 1, 20, tzinfo=timezone.utc), timezone="Europe/Berlin",
    )
    assert t2.periods_total > t2.frame.height and t2.dropped
    assert t2.dropped[-1]["shortfalls"][0]["column"] == "energy_kwh"
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.modelling_table(er["time"], er["power_kw"], {"x": ("median", env["time"], env["outdoor_temp_c"])},
                             every="1h", start=start, end=end)
    assert e.value.field == "x"
