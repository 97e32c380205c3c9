"""enms.detect_anomalies, enms.AnomalyDetector and enms.build_features against enms-core's own
output: tests/fixtures/anomaly_plant.json, written by the Rust test tests/anomaly_plant.rs from the
plant of the core's unit test (five weeks of an hourly machine, a six-hour fault of +40 % energy in
the last week). Also: the same events from polars, pandas, pyarrow and dict input, a fitted detector
through JSON, and typed errors for bad input."""

from __future__ import annotations

import json
import math
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import enms

ROOT = Path(os.environ.get("ENMS_REPO_ROOT", Path(__file__).resolve().parents[2]))
FIXTURE = ROOT / "enms-py" / "tests" / "fixtures" / "anomaly_plant.json"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EVENT_COLUMNS = ["machine_id", "start", "end", "severity", "peak_at", "peak_score", "points", "features"]


def _dt(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


@pytest.fixture(scope="module")
def plant() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text())
    return data


@pytest.fixture(scope="module")
def table(plant: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "time": np.asarray(plant["time_us"], dtype="datetime64[us]"),
            "energy_kwh": plant["energy_kwh"],
            "production": plant["production"],
            "outdoor_temp_c": plant["outdoor_temp_c"],
        }
    ).with_columns(pl.col("time").dt.replace_time_zone("UTC"))


def _periods(plant: dict[str, Any]) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    tr, de = plant["training_us"], plant["detection_us"]
    return (_dt(tr[0]), _dt(tr[1])), (_dt(de[0]), _dt(de[1]))


def _assert_events_equal(got: pl.DataFrame, want: list[dict[str, Any]]) -> None:
    assert got.columns == list(EVENT_COLUMNS)
    assert got.height == len(want)
    for row, e in zip(got.iter_rows(named=True), want):
        assert row["machine_id"] == e["machine_id"]
        assert row["start"] == _dt(e["start"])
        assert row["end"] == _dt(e["end"])
        assert row["peak_at"] == _dt(e["peak_at"])
        assert row["severity"] == e["severity"]
        assert row["peak_score"] == e["peak_score"]  # the same f64: one core, no tolerance
        assert row["points"] == e["points"]
        assert row["features"] == e["features"]


@pytest.mark.parametrize("case", [0, 1])
def test_events_equal_the_cores(plant: dict[str, Any], table: pl.DataFrame, case: int) -> None:
    training, detection = _periods(plant)
    c = plant["cases"][case]
    got = enms.detect_anomalies(
        table, machine_id=plant["machine_id"], training=training, detection=detection, config=c["config"] or None
    )
    _assert_events_equal(got, c["events"])
    assert got.schema["start"] == pl.Datetime("us", "UTC")
    assert got.schema["features"] == pl.List(pl.String)


def test_the_fault_is_found(plant: dict[str, Any], table: pl.DataFrame) -> None:
    training, detection = _periods(plant)
    events = enms.detect_anomalies(table, machine_id="m-1", training=training, detection=detection)
    assert events.height == 1
    e = events.row(0, named=True)
    t0 = _dt(plant["time_us"][0])
    # the fault: hours 4*168+30 .. 4*168+36 of the plant
    assert e["start"] == t0 + timedelta(hours=4 * 168 + 30)
    assert e["end"] == t0 + timedelta(hours=4 * 168 + 36)
    assert e["severity"] == "critical"
    assert e["features"][0] == "energy_kwh"
    assert e["peak_score"] >= 4.0


def test_every_table_kind_gives_the_same_events(plant: dict[str, Any], table: pl.DataFrame) -> None:
    training, detection = _periods(plant)
    want = plant["cases"][0]["events"]
    as_dict = {c: table[c].to_numpy() for c in table.columns}
    for data in (table, table.to_pandas(), table.to_arrow(), as_dict):
        got = enms.detect_anomalies(
            data,
            machine_id="m-1",
            training=(training[0].isoformat(), plant["training_us"][1]),
            detection=detection,
            columns=["energy_kwh", "production", "outdoor_temp_c"],
        )
        _assert_events_equal(got, want)


def test_missing_values_are_skipped_not_refused(plant: dict[str, Any], table: pl.DataFrame) -> None:
    training, detection = _periods(plant)
    # a quantity the reference period never saw (all null) and a NaN reading are left out
    t = table.with_columns(
        cop=pl.lit(None, dtype=pl.Float64),
        energy_kwh=pl.when(pl.int_range(pl.len()) == 3).then(float("nan")).otherwise(pl.col("energy_kwh")),
    )
    got = enms.detect_anomalies(t, machine_id="m-1", training=training, detection=detection)
    assert got.height == 1


def test_a_fitted_detector_scores_detects_and_survives_json(plant: dict[str, Any], table: pl.DataFrame) -> None:
    training, detection = _periods(plant)
    ref = table.filter(pl.col("time") < detection[0])
    judged = table.filter(pl.col("time") >= detection[0])
    d = enms.AnomalyDetector().fit(ref)
    assert d.targets == ["energy_kwh"]
    assert d.config_["period_s"] == 3600
    _assert_events_equal(d.detect(judged, machine_id="m-1"), plant["cases"][0]["events"])
    back = enms.AnomalyDetector.from_json(d.to_json())
    _assert_events_equal(back.detect(judged, machine_id="m-1"), plant["cases"][0]["events"])
    broken = json.loads(d.to_json())
    broken["models"][0]["levels"] = broken["models"][0]["levels"][:3]
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.AnomalyDetector.from_json(json.dumps(broken))
    assert e.value.field == "model"
    s = d.score(judged)
    assert s.height == judged.height
    assert {"time", "severity", "score", "critical_columns", "z_energy_kwh"} <= set(s.columns)
    assert s.filter(pl.col("severity") == "critical").height >= 1
    with pytest.raises(enms.InvalidParameterError):
        enms.AnomalyDetector().detect(judged, machine_id="m-1")


def test_build_features_from_readings() -> None:
    t0 = datetime(2025, 1, 6, tzinfo=timezone.utc)
    minutes = np.arange(0, 3 * 60 + 1)
    times = np.datetime64("2025-01-06T00:00:00", "us") + minutes.astype("timedelta64[m]")
    power = pl.DataFrame({"time": times, "power_kw": np.full(minutes.size, 60.0)})
    production = pl.DataFrame({"time": times[60::60], "production_count": [10.0, 20.0, 30.0]})
    temp = pl.DataFrame({"time": times, "outdoor_temp_c": np.full(minutes.size, 4.0)})
    f = enms.build_features(
        power, start=t0, end=t0 + timedelta(hours=3), production=production, quantities={"outdoor_temp_c": temp}
    )
    assert f.height == 3
    assert f["start"].to_list() == [t0 + timedelta(hours=h) for h in range(3)]
    assert f["energy_kwh"].to_list() == pytest.approx([60.0, 60.0, 60.0])
    assert f["production"].to_list() == [10.0, 20.0, 30.0]
    assert f["sec"].to_list() == pytest.approx([6.0, 3.0, 2.0])
    assert f["outdoor_temp_c"].to_list() == pytest.approx([4.0, 4.0, 4.0])
    assert {"tod_sin", "tod_cos", "working_day", "shift"} <= set(f.columns)
    # the table feeds detect_anomalies as it is (bucket starts in `start`)
    with pytest.raises(enms.EnmsError):  # three hours are too few reference buckets: a typed error
        span = (t0, t0 + timedelta(hours=3))
        enms.detect_anomalies(f, machine_id="m", time="start", training=span, detection=span)


# -- typed errors -------------------------------------------------------------------------------------


def _detect(table: Any, plant: dict[str, Any], **kw: Any) -> pl.DataFrame:
    training, detection = _periods(plant)
    args: dict[str, Any] = {"machine_id": "m-1", "training": training, "detection": detection}
    args.update(kw)
    return enms.detect_anomalies(table, **args)


def test_a_missing_column_is_named(plant: dict[str, Any], table: pl.DataFrame) -> None:
    with pytest.raises(enms.ColumnNotFoundError) as e:
        _detect(table, plant, columns=["energy_kwh", "pressure_bar"])
    assert e.value.field == "pressure_bar"
    assert isinstance(e.value, KeyError)
    with pytest.raises(enms.ColumnNotFoundError) as e:
        _detect(table, plant, time="ts")
    assert e.value.field == "ts"
    # a monitored column the table lacks: the core names it
    with pytest.raises(enms.InvalidParameterError) as e2:
        _detect(table, plant, config={"targets": ["pressure_bar"]})
    assert e2.value.field == "pressure_bar"


def test_non_finite_values_are_typed(plant: dict[str, Any], table: pl.DataFrame) -> None:
    t = table.with_columns(
        energy_kwh=pl.when(pl.int_range(pl.len()) == 5).then(float("inf")).otherwise(pl.col("energy_kwh"))
    )
    with pytest.raises(enms.NonFiniteError) as e:
        _detect(t, plant)
    assert e.value.field == "energy_kwh"
    assert isinstance(e.value, ValueError)
    # readings must be finite: NaN power is not allowed in build_features
    times = np.datetime64("2025-01-06T00:00:00", "us") + np.arange(120).astype("timedelta64[m]")
    p = np.full(120, 50.0)
    p[7] = math.nan
    with pytest.raises(enms.NonFiniteError):
        enms.build_features(
            pl.DataFrame({"time": times, "power_kw": p}), start="2025-01-06T00:00:00Z", end="2025-01-06T02:00:00Z"
        )


def test_periods_are_checked(plant: dict[str, Any], table: pl.DataFrame) -> None:
    training, detection = _periods(plant)
    # a period that ends before it starts: the core's TimeRange refuses it
    with pytest.raises(enms.InvalidParameterError) as e:
        _detect(table, plant, detection=(detection[1], detection[0]))
    assert e.value.field == "detection"
    # a training period without data (here: after the detection period) has too few buckets
    later = (detection[1], detection[1] + timedelta(days=28))
    with pytest.raises(enms.EnmsError):
        _detect(table, plant, training=later)
    with pytest.raises(enms.InvalidParameterError) as e:
        _detect(table, plant, training=training[0])
    assert e.value.field == "training"
    # unsorted bucket starts name the time column
    with pytest.raises(enms.TimestampOrderError) as e3:
        _detect(table.reverse(), plant)
    assert e3.value.field == "time"


def test_config_is_the_cores(plant: dict[str, Any], table: pl.DataFrame) -> None:
    with pytest.raises(enms.InvalidParameterError) as e:
        _detect(table, plant, config={"min_event_scor": 3})
    assert e.value.field == "min_event_scor"
    assert "min_event_score" in str(e.value)  # the message lists the settings there are
    sigma = {"window": 168, "min_periods": 24, "warning_sigma": 2, "critical_sigma": 3, "fixd_sigma": 1}
    with pytest.raises(enms.InvalidParameterError) as e:
        _detect(table, plant, config={"sigma": sigma})
    assert e.value.field == "sigma.fixd_sigma"
    with pytest.raises(enms.InvalidParameterError) as e:
        _detect(table, plant, config={"period_s": 0})
    assert e.value.field == "period_s"
    with pytest.raises(enms.TimeZoneError):
        _detect(table, plant, config={"timezone": "Mars/Olympus"})
    with pytest.raises(enms.InvalidParameterError) as e:
        _detect(table, plant, config={"period_s": "hourly"})
    assert e.value.field == "config"
    # `{}` is the core's defaults
    assert _detect(table, plant, config={}).height == 1


def test_bad_table_types_are_typed(plant: dict[str, Any]) -> None:
    with pytest.raises(enms.ArrowInterfaceError):
        _detect([1, 2, 3], plant)
    df = pd.DataFrame({"time": pd.date_range("2025-01-06", periods=3, freq="h"), "energy_kwh": ["a", "b", "c"]})
    with pytest.raises(enms.DtypeError) as e:
        _detect(pa.table(df), plant, columns=["energy_kwh"])
    assert e.value.field == "energy_kwh"
