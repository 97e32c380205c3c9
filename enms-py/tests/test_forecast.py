"""Forecasting through Python: enms.Forecaster, enms.backtest, enms.peak_forecast, enms.local_day and
enms.monitor_drift against enms-core's own output (tests/fixtures/forecast_steel.json, written by the
Rust test tests/forecast_steel.rs on the same steel plant data), interval ordering, typed errors and
the JSON round trip."""

from __future__ import annotations

import json
import os
import runpy
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

import enms

ROOT = Path(os.environ.get("ENMS_REPO_ROOT", Path(__file__).resolve().parents[2]))
STEEL_CSV = ROOT.parent / "shared" / "data" / "steel_industry_2018.csv"
FIXTURE = ROOT / "enms-py" / "tests" / "fixtures" / "forecast_steel.json"
EXAMPLE = ROOT / "enms-py" / "examples" / "python_forecast.py"


@pytest.fixture(scope="module")
def core() -> dict[str, Any]:
    """What enms-core computed on the steel plant's hourly load (tests/forecast_steel.rs)."""
    out: dict[str, Any] = json.loads(FIXTURE.read_text())
    return out


@pytest.fixture(scope="module")
def steel_hourly() -> pl.DataFrame:
    """The steel plant's 15-minute kWh summed into local hours (Asia/Seoul), stamped with each hour's
    start in UTC, as tests/forecast_steel.rs and benches/forecast_side_by_side.py build it."""
    if not STEEL_CSV.exists():
        pytest.fail(f"steel plant data not found at {STEEL_CSV}")
    df = pd.read_csv(STEEL_CSV, encoding="utf-8-sig")
    t = pd.to_datetime(df["date"], format="%d/%m/%Y %H:%M")
    t = t.where(df["NSM"] != 0, t + pd.Timedelta(days=1)) - pd.Timedelta(minutes=15)
    s = df.groupby(t.dt.floor("h"))["Usage_kWh"].sum()
    utc = s.index.tz_localize("Asia/Seoul").tz_convert("UTC")
    return pl.DataFrame({"time": utc, "load_kwh": s.to_numpy()}).with_columns(
        pl.col("time").dt.cast_time_unit("us")
    )


def _calendar(core: dict[str, Any]) -> dict[str, Any]:
    return {"time_zone": "Asia/Seoul", "holidays": [date.fromisoformat(d) for d in core["holidays"]]}


def _synthetic(days: int = 28, with_temp: bool = False) -> pl.DataFrame:
    """Hourly load with a daily shape, a temperature effect and noise (UTC)."""
    t = np.arange(np.datetime64("2025-01-06T00:00", "us"), np.datetime64("2025-01-06T00:00", "us") + np.timedelta64(days * 24, "h"), np.timedelta64(1, "h"))
    hour = np.arange(len(t)) % 24
    rng = np.random.default_rng(3)
    temp = 10 + 8 * np.sin(2 * np.pi * np.arange(len(t)) / (24 * 9)) + rng.normal(0, 1, len(t))
    y = 200 + 80 * np.sin(2 * np.pi * hour / 24) + (6 * temp if with_temp else 0) + rng.normal(0, 4, len(t))
    return pl.DataFrame({"time": t, "load_kwh": y, "temp_c": temp}).with_columns(pl.col("time").dt.replace_time_zone("UTC"))


@pytest.mark.steel
def test_steel_forecast_equals_the_cores(steel_hourly: pl.DataFrame, core: dict[str, Any]) -> None:
    n, h = core["train_len"], core["horizon"]
    assert steel_hourly.height == n + h
    f = enms.Forecaster("seasonal", horizon=h, calendar=_calendar(core))
    f.fit(steel_hourly.head(n), target="load_kwh")
    assert f.description == core["description"]
    assert f.regressor_names == []
    out = f.predict()
    assert out.columns == ["time", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert out.schema["time"] == pl.Datetime("us", "UTC")
    fc = core["forecast"]
    assert out["time"].dt.epoch("us").to_list() == fc["timestamps"]
    np.testing.assert_allclose(out["forecast"].to_numpy(), fc["mean"], rtol=1e-9)
    for iv in fc["intervals"]:
        p = round(iv["level"] * 100)
        np.testing.assert_allclose(out[f"lower_{p}"].to_numpy(), iv["lower"], rtol=1e-9)
        np.testing.assert_allclose(out[f"upper_{p}"].to_numpy(), iv["upper"], rtol=1e-9)
    # The forecast starts right after the training data, on its grid.
    assert out["time"][0] == steel_hourly["time"][n]

    # The same series from pandas and from numpy arrays gives the same forecast.
    pdf = steel_hourly.head(n).to_pandas()
    g = enms.Forecaster("seasonal", horizon=h, calendar=_calendar(core)).fit(pdf, target="load_kwh")
    assert g.predict().equals(out)
    t = steel_hourly["time"].head(n).dt.replace_time_zone(None).to_numpy()
    a = enms.Forecaster("seasonal", horizon=h, calendar=_calendar(core)).fit(t, steel_hourly["load_kwh"].head(n).to_numpy())
    assert a.predict().equals(out)


@pytest.mark.steel
def test_steel_backtest_equals_the_cores(steel_hourly: pl.DataFrame, core: dict[str, Any]) -> None:
    b = core["backtest"]
    o = b["options"]
    bt = enms.backtest(
        steel_hourly, target="load_kwh", model="seasonal", horizon=o["horizon"], windows=o["windows"], calendar=_calendar(core)
    )
    assert bt.windows.height == o["windows"]
    assert bt.windows["origin"].dt.epoch("us").to_list() == [w["origin"] for w in b["windows"]]
    assert bt.windows["train_len"].to_list() == [w["train_len"] for w in b["windows"]]
    for col in ("mae", "rmse", "mase", "bias"):
        np.testing.assert_allclose(bt.windows[col].to_numpy(), [w["accuracy"][col] for w in b["windows"]], rtol=1e-9)
        assert getattr(bt, col) == pytest.approx(b["overall"][col], rel=1e-9)
    assert bt.windows["coverage_80"].to_list() == pytest.approx([w["accuracy"]["coverage"][0]["coverage"] for w in b["windows"]])
    assert bt.overall["n"] == b["overall"]["n"] == o["horizon"] * o["windows"]
    assert bt.to_dict()["coverage"] == b["overall"]["coverage"]
    # The stacked forecasts carry the actual values: the overall MAE is their mean absolute error.
    fc = bt.forecasts
    assert fc.height == o["horizon"] * o["windows"]
    assert float((fc["forecast"] - fc["actual"]).abs().mean()) == pytest.approx(bt.mae, rel=1e-12)  # type: ignore[arg-type]
    tail = steel_hourly.tail(fc.height)
    assert fc["time"].to_list() == tail["time"].to_list()
    assert fc["actual"].to_list() == tail["load_kwh"].to_list()


def test_intervals_are_ordered_and_widen_with_the_level() -> None:
    df = _synthetic()
    out = enms.Forecaster("seasonal", horizon=48).fit(df, target="load_kwh").predict(levels=[0.5, 0.8, 0.95, 0.99])
    assert out.columns == ["time", "forecast", "lower_50", "upper_50", "lower_80", "upper_80", "lower_95", "upper_95", "lower_99", "upper_99"]
    cols = ["lower_99", "lower_95", "lower_80", "lower_50", "forecast", "upper_50", "upper_80", "upper_95", "upper_99"]
    a = out.select(cols).to_numpy()
    assert np.all(np.diff(a, axis=1) > 0)
    assert enms.Forecaster("seasonal", horizon=2).fit(df, target="load_kwh").predict(levels=[0.975]).columns[2:] == [
        "lower_97.5",
        "upper_97.5",
    ]


def test_regressors_from_a_table_and_from_arrays() -> None:
    df = _synthetic(with_temp=True)
    train, future = df.head(df.height - 24), df.tail(24)
    f = enms.Forecaster("seasonal", horizon=24, ar_order=0).fit(train, target="load_kwh", regressors=["temp_c"])
    assert f.regressor_names == ["temp_c"]
    out = f.predict(future=future.select("temp_c"))
    mae = float((out["forecast"] - future["load_kwh"]).abs().mean())  # type: ignore[arg-type]
    assert mae < 10
    # numpy arrays and a dict of future values give the same
    g = enms.Forecaster("seasonal", horizon=24, ar_order=0).fit(
        train["time"].to_numpy(), train["load_kwh"].to_numpy(), regressors={"temp_c": train["temp_c"].to_numpy()}
    )
    assert g.predict(future={"temp_c": future["temp_c"].to_numpy()}).equals(out)
    # and so does a dict of columns as the table
    d = {"time": train["time"].to_numpy(), "load_kwh": train["load_kwh"].to_list(), "temp_c": train["temp_c"].to_numpy()}
    h = enms.Forecaster("seasonal", horizon=24, ar_order=0).fit(d, target="load_kwh", regressors="temp_c")
    assert h.predict(future={"temp_c": future["temp_c"].to_list()}).equals(out)
    # a forecast without the regressor's future values is refused, naming it
    with pytest.raises(enms.EnmsError) as e:
        f.predict()
    assert "temp_c" in str(e.value)


def test_json_round_trip() -> None:
    df = _synthetic()
    f = enms.Forecaster("seasonal", horizon=24, calendar={"time_zone": "Europe/Berlin", "holidays": [date(2025, 1, 6)]}).fit(df, target="load_kwh")
    text = f.to_json()
    g = enms.Forecaster.from_json(text, horizon=24)
    assert g.predict().equals(f.predict())
    assert g.description == f.description and g.model == "seasonal"
    assert json.loads(g.to_json()) == json.loads(text)
    d = f.forecast_dict(levels=[0.9])
    assert [iv["level"] for iv in d["intervals"]] == [0.9]
    assert d["mean"] == f.predict()["forecast"].to_list()
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.Forecaster.from_json(text).predict()
    assert e.value.field == "horizon"
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.Forecaster.from_json('{"model": "seasonal"}')
    assert e.value.field == "text"
    # a saved model edited into contradiction is refused by name, not misread
    broken = json.loads(text)
    broken["coef"] = broken["coef"][:-1]
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.Forecaster.from_json(json.dumps(broken))
    assert e.value.field == "model"


def test_auto_model_and_spec() -> None:
    f = enms.Forecaster(horizon=24)
    assert f.spec == {"model": "auto"}
    f.fit(_synthetic(), target="load_kwh")
    assert f.predict().height == 24
    assert f.predict(6).height == 6
    assert enms.Forecaster("seasonal", daily_order=4, weekly_order=None).spec == {"model": "seasonal", "daily_order": 4}
    assert "daily 4" in enms.Forecaster("seasonal", horizon=1, daily_order=4).fit(_synthetic(), target="load_kwh").description
    assert repr(enms.Forecaster("seasonal", horizon=3)) == "Forecaster(model='seasonal', horizon=3)"


def test_auto_arima_decides_the_same_on_one_thread_and_on_all() -> None:
    """`n_jobs` passes through the spec to the core's order search, which only changes the speed."""
    df = _synthetic(days=14)
    one = enms.Forecaster("auto_arima", horizon=6, season_length=24, n_jobs=1)
    assert one.spec == {"model": "auto_arima", "season_length": 24, "n_jobs": 1}
    a = one.fit(df, target="load_kwh").predict(levels=[0.9])
    b = enms.Forecaster("auto_arima", horizon=6, season_length=24).fit(df, target="load_kwh").predict(levels=[0.9])
    assert one.description.startswith("ARIMA")
    assert a.equals(b)


def test_bad_input_raises_typed_errors() -> None:
    df = _synthetic(days=14)
    F = enms.Forecaster
    # horizon of zero
    with pytest.raises(enms.InvalidParameterError) as e:
        F("seasonal", horizon=1).fit(df, target="load_kwh").predict(0)
    assert e.value.field == "horizon" and e.value.code == "INVALID_PARAMETER"
    assert isinstance(e.value, ValueError)
    with pytest.raises(enms.InvalidParameterError) as e:
        F(horizon=None).fit(df, target="load_kwh")
    assert e.value.field == "horizon"
    # too short a series
    with pytest.raises(enms.EnmsError) as short:
        F("seasonal", horizon=24).fit(df.head(1), target="load_kwh")
    assert isinstance(short.value, (enms.EmptyInputError, enms.InvalidParameterError))
    assert short.value.field == "time"
    with pytest.raises(enms.EnmsError):
        F("seasonal", horizon=24, weekly_order=3).fit(df.head(30), target="load_kwh")
    # NaN in a regressor, named with its index
    bad = df.with_columns(pl.when(pl.int_range(pl.len()) == 5).then(float("nan")).otherwise(pl.col("temp_c")).alias("temp_c"))
    with pytest.raises(enms.NonFiniteError) as nan:
        F("seasonal", horizon=24).fit(bad, target="load_kwh", regressors=["temp_c"])
    assert nan.value.field == "temp_c" and nan.value.code == "NON_FINITE"
    # an irregular grid, named by the user's column
    gap = df.filter(pl.int_range(pl.len()) != 10)
    with pytest.raises(enms.InvalidParameterError) as e:
        F("seasonal", horizon=24).fit(gap, target="load_kwh")
    assert e.value.field == "time" and "index 10" in str(e.value)
    # an unknown option or model, a missing column, levels out of range
    with pytest.raises(enms.InvalidParameterError) as e:
        F("seasonal", horizon=24, dayly_order=3).fit(df, target="load_kwh")
    assert e.value.field == "dayly_order" and "daily_order" in str(e.value)
    with pytest.raises(enms.InvalidParameterError) as e:
        F("seasonal", horizon=24, calendar={"timezone": "UTC"}).fit(df, target="load_kwh")
    assert e.value.field == "calendar.timezone"
    with pytest.raises(enms.TimeZoneError):
        F("seasonal", horizon=24, calendar={"time_zone": "Mars/Olympus"}).fit(df, target="load_kwh")
    with pytest.raises(enms.InvalidParameterError) as e:
        F("prophet", horizon=24).fit(df, target="load_kwh")
    assert e.value.field == "model" and "prophet" in str(e.value)
    with pytest.raises(enms.ColumnNotFoundError) as missing:
        F(horizon=24).fit(df, target="kwh")
    assert missing.value.field == "kwh"
    with pytest.raises(enms.InvalidParameterError) as e:
        F(horizon=24).fit(df)
    assert e.value.field == "target"
    with pytest.raises(enms.InvalidParameterError) as e:
        F(horizon=24).fit(df, target="load_kwh").predict(levels=[1.5])
    assert e.value.field == "levels"
    with pytest.raises(enms.InvalidParameterError):
        F(horizon=24).predict()
    with pytest.raises(enms.DtypeError):
        F(horizon="24").fit(df, target="load_kwh")  # type: ignore[arg-type]
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.backtest(df, target="load_kwh", horizon=24, windows=100)
    assert e.value.field == "windows"


def test_peak_forecast_and_local_day() -> None:
    df = _synthetic()
    fc = enms.Forecaster("seasonal", horizon=48).fit(df, target="load_kwh").predict()
    start, end = enms.local_day(date(2025, 2, 3), "Europe/Berlin")
    assert (start, end) == (datetime(2025, 2, 2, 23, tzinfo=timezone.utc), datetime(2025, 2, 3, 23, tzinfo=timezone.utc))
    # a DST day is 23 hours long
    s, e = enms.local_day("2025-03-30", "Europe/Berlin")
    assert (e - s).total_seconds() == 23 * 3600
    p = enms.peak_forecast(fc, start, end)
    day = fc.filter((pl.col("time") >= start) & (pl.col("time") < end))
    i = int(day["forecast"].arg_max())  # type: ignore[arg-type]
    assert p["peak"] == day["forecast"][i]
    assert p["peak_at"] == day["time"][i]
    assert p["peak_upper"] == day["upper_95"][i]
    assert p["threshold"] is None and p["at_risk"].height == 0
    q = enms.peak_forecast(fc, day="2025-02-03", time_zone="Europe/Berlin", threshold=p["peak"] - 10, level=0.8, min_probability=0.2)
    assert q["peak"] == p["peak"]
    assert q["at_risk"].height >= 1
    assert q["at_risk"]["probability"].min() >= 0.2
    assert p["peak_at"] in q["at_risk"]["time"].to_list()
    assert q["expected_exceedances"] >= q["at_risk"]["probability"].sum() - 1e-12
    # RFC 3339 text works as well, and the level must be in the forecast
    r = enms.peak_forecast(fc, "2025-02-02T23:00:00Z", "2025-02-03T23:00:00Z")
    assert r["peak"] == p["peak"]
    with pytest.raises(enms.InvalidParameterError) as err:
        enms.peak_forecast(fc, start, end, level=0.5)
    assert err.value.field == "level"
    with pytest.raises(enms.TimeZoneError):
        enms.local_day(date(2025, 1, 1), "Nowhere/City")


def test_monitor_drift() -> None:
    n = 24 * 8
    t = np.arange(np.datetime64("2025-03-01T00:00", "us"), np.datetime64("2025-03-01T00:00", "us") + np.timedelta64(n, "h"), np.timedelta64(1, "h"))
    rng = np.random.default_rng(5)
    actual = 100 + rng.normal(0, 5, n)
    predicted = actual + rng.normal(0, 4, n)
    predicted[-24 * 3 :] += 30  # the last three days: a new machine nobody told the model about
    df = pl.DataFrame({"time": t, "actual": actual, "forecast": predicted})
    r = enms.monitor_drift(df, reference_mae=4.0)
    assert r.retrain
    assert r.windows.height == 8
    assert r.windows["drifted"].to_list() == [False] * 5 + [True] * 3
    assert r.since == datetime(2025, 3, 6, tzinfo=timezone.utc)
    assert r.reason
    w = r.windows.row(0, named=True)
    e = predicted[:24] - actual[:24]
    assert w["mae"] == pytest.approx(np.abs(e).mean(), rel=1e-12)
    assert w["ratio"] == pytest.approx(np.abs(e).mean() / 4.0, rel=1e-12)
    assert w["bias"] == pytest.approx(e.mean() / 4.0, rel=1e-12)
    ok = enms.monitor_drift(t, actual, actual + rng.normal(0, 4, n), reference_mae=4.0, window=48, patience=2)
    assert not ok.retrain and ok.since is None and ok.windows.height == 4
    assert ok.to_dict()["retrain"] is False
    with pytest.raises(enms.InvalidParameterError) as err:
        enms.monitor_drift(df, reference_mae=0.0)
    assert err.value.field == "reference_mae"
    with pytest.raises(enms.LengthMismatchError):
        enms.monitor_drift(t, actual[:-1], predicted, reference_mae=4.0)


@pytest.mark.steel
def test_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    assert "backtest" in out and "peak" in out
