"""Bad input from Python raises a subclass of enms.EnmsError that names the column, never a crash."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import enms

T0 = datetime(2025, 1, 6, tzinfo=timezone.utc)


def frame(n: int = 600, **cols: object) -> pl.DataFrame:
    base = pl.DataFrame(
        {
            "ts": pl.datetime_range(T0, T0.replace(minute=9, second=59), "1s", eager=True, time_zone="UTC")[:n],
            "load": np.linspace(10.0, 20.0, n),
        }
    )
    return base.with_columns(**{k: v for k, v in cols.items()})  # type: ignore[arg-type]


def test_missing_column_names_it() -> None:
    with pytest.raises(enms.ColumnNotFoundError) as e:
        enms.rollup(frame(), "1m", time="ts", power="Usage_kW")
    assert isinstance(e.value, KeyError)
    assert e.value.field == "Usage_kW"
    assert "Usage_kW" in str(e.value) and "load" in str(e.value)


def test_missing_time_column_names_it() -> None:
    with pytest.raises(enms.ColumnNotFoundError) as e:
        enms.peak_demand(frame(), power="load")
    assert e.value.field == "time"


def test_wrong_dtype_names_the_column() -> None:
    df = frame().with_columns(pl.col("load").cast(pl.String))
    with pytest.raises(enms.DtypeError) as e:
        enms.rollup(df, "1m", time="ts", power="load")
    assert isinstance(e.value, TypeError)
    assert e.value.field == "load"
    assert "load" in str(e.value)


def test_numbers_as_time_are_a_dtype_error() -> None:
    df = frame().with_columns(pl.col("ts").dt.epoch("us"))
    with pytest.raises(enms.DtypeError) as e:
        enms.rollup(df, "1m", time="ts", power="load")
    assert e.value.field == "ts"


def test_nan_names_column_and_row() -> None:
    p = np.linspace(10.0, 20.0, 600)
    p[123] = np.nan
    with pytest.raises(enms.NonFiniteError) as e:
        enms.rollup(frame(load=pl.Series(p)), "1m", time="ts", power="load")
    assert isinstance(e.value, ValueError)
    assert e.value.field == "load"
    assert "index 123" in str(e.value)


def test_null_is_reported_like_nan() -> None:
    p = pl.Series(np.linspace(10.0, 20.0, 600)).scatter(7, None)
    with pytest.raises(enms.NonFiniteError) as e:
        enms.peak_demand(frame(load=p), time="ts", power="load")
    assert e.value.field == "load" and "index 7" in str(e.value)


def test_empty_frame() -> None:
    with pytest.raises(enms.EmptyInputError) as e:
        enms.rollup(frame().head(0), "1m", time="ts", power="load")
    assert isinstance(e.value, ValueError)
    assert e.value.field == "ts"


def test_unsorted_and_duplicate_times_name_the_time_column() -> None:
    df = frame()
    with pytest.raises(enms.TimestampOrderError) as e:
        enms.rollup(df.reverse(), "1m", time="ts", power="load")
    assert e.value.field == "ts"
    dup = pl.concat([df.head(5), df.head(5)])
    with pytest.raises(enms.TimestampOrderError) as d:
        enms.rollup(dup.sort("ts"), "1m", time="ts", power="load")
    assert d.value.code == "DUPLICATE_TIMESTAMP"


def test_bad_parameters() -> None:
    df = frame()
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.peak_demand(df, time="ts", power="load", window_minutes=15, rolling_step_minutes=4)
    assert e.value.field == "step_minutes"
    with pytest.raises(enms.EnmsError):
        enms.rollup(df, "fortnightly", time="ts", power="load")
    with pytest.raises(enms.InvalidParameterError) as iv:
        enms.rollup(df, "1m", time="ts", energy="load")
    assert iv.value.field == "interval_s"


def test_negative_production_names_the_column() -> None:
    df = frame()
    prod = pl.DataFrame({"time": df["ts"][::60], "parts": np.full(10, -1.0)})
    with pytest.raises(enms.NegativeValueError) as e:
        enms.sec_per_bucket(df, prod, "5m", time="ts", power="load", production_count="parts")
    assert e.value.field == "parts"


def test_not_a_table() -> None:
    with pytest.raises(enms.ArrowInterfaceError) as e:
        enms.rollup({"time": [1, 2]}, "1m")
    assert isinstance(e.value, TypeError)
    assert e.value.field == "data"


def test_numpy_of_the_wrong_dtype() -> None:
    t = np.arange(10, dtype=np.int64) * 1_000_000
    with pytest.raises(enms.DtypeError) as e:
        enms.rollup(None, "1m", time=t, power=np.arange(10, dtype=np.complex128))
    assert e.value.field == "power"


def test_length_mismatch_of_arrays() -> None:
    t = np.datetime64("2025-01-06T00:00:00", "s") + np.arange(10).astype("timedelta64[s]")
    with pytest.raises(enms.LengthMismatchError) as e:
        enms.rollup(None, "1m", time=t, power=np.ones(9))
    assert e.value.field == "power"


def test_pandas_and_pyarrow_bad_input_too() -> None:
    pdf = frame().to_pandas()
    pdf.loc[3, "load"] = np.nan
    with pytest.raises(enms.NonFiniteError) as e:
        enms.rollup(pdf, "1m", time="ts", power="load")
    assert e.value.field == "load"
    tbl = pa.table({"ts": pa.array([1, 2], pa.timestamp("us", "UTC")), "load": pa.array(["a", "b"])})
    with pytest.raises(enms.DtypeError):
        enms.rollup(tbl, "1m", time="ts", power="load")


def test_tariff_of_the_wrong_shape() -> None:
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.energy_cost(frame(), {"name": "x"}, "15m", time="ts", power="load")
    assert e.value.field == "tariff"
    bad_currency = {
        "name": "flat",
        "currency": "euro",
        "timezone": "Europe/Berlin",
        "versions": [{"valid_from": "2025-01-01", "base_rate_per_kwh": 0.2}],
    }
    with pytest.raises(enms.InvalidParameterError) as c:
        enms.energy_cost(frame(), bad_currency, "15m", time="ts", power="load")
    assert c.value.field == "currency"


def test_kpi_report_bad_machines(week: dict[str, pl.DataFrame]) -> None:
    machines = week["machines"].with_columns(pl.lit("warp_drive").alias("machine_type"))
    with pytest.raises(enms.EnmsError):
        enms.kpi_report(week["energy_readings"], machines)
    with pytest.raises(enms.ColumnNotFoundError) as e:
        enms.kpi_report(week["energy_readings"].drop("power_kw"), week["machines"])
    assert e.value.field == "power_kw"
    with pytest.raises(enms.EmptyInputError):
        enms.kpi_report(week["energy_readings"].head(0), week["machines"])


def test_simulator_bad_input() -> None:
    with pytest.raises(enms.EnmsError):
        enms.simulate("2025-01-06", days=1, seed=1, timezone="Nowhere/Land")
    with pytest.raises(enms.InvalidParameterError):
        enms.simulate("2025-01-06", seed=1)
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.simulate("next tuesday", days=1, seed=1)
    assert e.value.field == "start"
    # a century of the demo plant would not fit in memory: refused before anything is simulated
    with pytest.raises(enms.InvalidParameterError) as big:
        enms.simulate("2025-01-06", days=36_500, seed=1)
    assert big.value.field == "days" and "in pieces" in str(big.value)
    with pytest.raises(enms.InvalidParameterError) as until:
        enms.simulate("2025-01-06", end="2125-01-06T00:00:00Z", seed=1)
    assert until.value.field == "end"


def test_pandas_index_is_not_taken_for_a_column() -> None:
    pdf = pd.DataFrame({"load": [1.0, 2.0]})
    with pytest.raises(enms.ColumnNotFoundError):
        enms.rollup(pdf, "1m", power="load")


def test_arguments_of_the_wrong_python_type_are_enms_errors() -> None:
    df = frame()
    with pytest.raises(enms.DtypeError) as e:
        enms.rollup(df, 15, time="ts", power="load")  # type: ignore[arg-type]
    assert isinstance(e.value, TypeError) and e.value.field == "every"
    with pytest.raises(enms.InvalidParameterError) as o:
        enms.peak_demand(df, time="ts", power="load", window_minutes=2**40)
    assert isinstance(o.value, ValueError) and o.value.field == "window_minutes"
    with pytest.raises(enms.DtypeError) as f:
        enms.load_factor("a lot", 1.0, 1.0)  # type: ignore[arg-type]
    assert f.value.field == "energy_kwh"
    with pytest.raises(enms.InvalidParameterError) as d:
        enms.simulate("2025-01-06", days=2**31, seed=1)
    assert d.value.field == "days"
    with pytest.raises(enms.DtypeError):
        enms.rollup(df, "1m", time="ts", power="load", start=1.5, end=2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"every": "0m"},
        {"every": "1s", "start": "1970-01-01T00:00:00Z", "end": "2200-01-01T00:00:00Z"},
        {"every": "1m", "max_gap_s": float("nan")},
        {"every": "1m", "max_gap_s": 1e300},
        {"every": "1m", "timezone": ""},
        {"every": "1m", "start": "2025-01-07T00:00:00Z", "end": "2025-01-06T00:00:00Z"},
        {"every": "1m", "energy": "load", "power": None, "interval_s": float("nan")},
        {"every": "1m", "energy": "load", "power": None, "interval_s": -900.0},
        {"every": "1m", "energy": "load", "power": None, "interval_s": 1e30},
        {"every": "99999999999d"},
    ],
)
def test_odd_parameters_never_crash(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"time": "ts", "power": "load"}
    args.update(kwargs)
    every = args.pop("every")
    try:
        out = enms.rollup(frame(), every, **args)  # type: ignore[arg-type]
    except enms.EnmsError as e:
        assert e.code and str(e)
    else:
        assert isinstance(out, pl.DataFrame)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_inputs(n: int) -> None:
    df = frame(n)
    r = enms.rollup(df, "1m", time="ts", power="load")
    assert r.height == 1 and r["sample_count"][0] == n
    assert enms.peak_demand(df, time="ts", power="load") is not None


def test_far_timestamps() -> None:
    t = pl.Series("ts", [-(2**62), 2**62]).cast(pl.Datetime("us", "UTC"))
    df = pl.DataFrame({"ts": t, "load": [1.0, 2.0]})
    with pytest.raises(enms.EnmsError):
        enms.rollup(df, "1m", time="ts", power="load")
