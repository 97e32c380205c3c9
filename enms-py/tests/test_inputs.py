"""The same data from polars, pandas, pyarrow and numpy gives the same result; output is polars."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

import enms


def test_all_input_kinds_agree(synthetic: pl.DataFrame) -> None:
    want = enms.rollup(synthetic, "15m")
    assert isinstance(want, pl.DataFrame)
    assert want.schema["start"] == pl.Datetime("us", "UTC")
    pdf = synthetic.to_pandas()
    tbl = synthetic.to_arrow()
    kinds = {
        "pandas": enms.rollup(pdf, "15m"),
        "pyarrow": enms.rollup(tbl, "15m"),
        "pyarrow batch": enms.rollup(tbl.to_batches()[0], "15m"),
        "polars series": enms.rollup(None, "15m", time=synthetic["time"], power=synthetic["power_kw"]),
        "pyarrow arrays": enms.rollup(None, "15m", time=tbl["time"], power=tbl["power_kw"]),
        "numpy": enms.rollup(None, "15m", time=synthetic["time"].to_numpy(), power=synthetic["power_kw"].to_numpy()),
        "pandas series": enms.rollup(None, "15m", time=pdf["time"], power=pdf["power_kw"]),
        "pandas ns": enms.rollup(pdf.astype({"time": "datetime64[ns, UTC]"}), "15m"),
    }
    for name, got in kinds.items():
        assert got.equals(want), name


def test_chunked_and_float32_and_naive_inputs(synthetic: pl.DataFrame) -> None:
    want = enms.rollup(synthetic, "1h")
    chunked = pl.concat([synthetic.head(50_000), synthetic.tail(synthetic.height - 50_000)], rechunk=False)
    assert chunked.n_chunks() > 1
    assert enms.rollup(chunked, "1h").equals(want)
    naive = synthetic.with_columns(pl.col("time").dt.replace_time_zone(None))
    assert enms.rollup(naive, "1h").equals(want)
    f32 = synthetic.with_columns(pl.col("power_kw").cast(pl.Float32))
    np.testing.assert_allclose(enms.rollup(f32, "1h")["energy_kwh"].to_numpy(), want["energy_kwh"].to_numpy(), rtol=1e-6)


def test_range_and_datetimes(synthetic: pl.DataFrame) -> None:
    from datetime import datetime, timezone

    start = datetime(2025, 2, 28, 23, tzinfo=timezone.utc)
    end = datetime(2025, 3, 1, 3)  # naive: UTC
    r = enms.rollup(synthetic, "1h", start=start, end=end)
    assert r.height == 4
    assert r["sample_count"][0] == 0 and r["coverage"][0] == 0.0 and r["has_gap"][0]
    assert r["mean_power_kw"][0] is None
    same = enms.rollup(synthetic, "1h", start="2025-02-28T23:00:00Z", end=np.datetime64("2025-03-01T03:00"))
    assert same.equals(r)


def test_arrow_stream_is_read_once() -> None:
    from enms import _enms

    s = _enms.rollup(pa.table({"t": pa.array([0, 60_000_000], pa.timestamp("us")), "p": [1.0, 1.0]}), "1m", time="t", power="p")
    pl.DataFrame(s)
    with pytest.raises(RuntimeError):
        s.__arrow_c_stream__()


def test_simulated_tables(week: dict[str, pl.DataFrame]) -> None:
    assert list(week) == [
        "factories",
        "machines",
        "energy_readings",
        "production_data",
        "environmental_data",
        "machine_status",
        "events",
        "process_data",
    ]
    er = week["energy_readings"]
    assert er.schema["time"] == pl.Datetime("us", "UTC")
    assert er["machine_id"].n_unique() == week["machines"].height
    again = enms.simulate("2025-01-06", days=7, seed=42)
    assert again["energy_readings"].equals(er)
    other = enms.simulate("2025-01-06", days=1, seed=43)
    assert not other["energy_readings"].head(1000).equals(er.head(1000))
