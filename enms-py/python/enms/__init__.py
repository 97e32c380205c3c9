"""enms: energy management for factories, with a Rust core.

Rollups, KPIs (peak demand, load factor, specific energy consumption, cost under a tariff,
carbon, power factor, the per machine / factory / total report), energy baselines (:class:`Baseline`,
:func:`ols`, :func:`select_drivers`, :func:`fit_change_point`, :func:`fit_daily`, :func:`fit_towt`)
with statsmodels' statistics, the isolation forest (:class:`IsolationForest`, scikit-learn's API), demand forecasting
(:class:`Forecaster` with prediction intervals, :func:`backtest`, :func:`peak_forecast`,
:func:`monitor_drift`), the anomaly pipeline of a machine (:func:`detect_anomalies`,
:func:`build_features`, :class:`AnomalyDetector`) and a factory simulator.

Data in: polars, pandas or pyarrow tables (anything with ``__arrow_c_stream__``), or columns of
their own (polars Series, pyarrow arrays, numpy arrays). A float64 column and a ``datetime[us]``
column are read in place, without a copy. Data out: polars DataFrames.

Units: power kW, energy kWh, reactive energy kvarh, emissions kg CO2, time in UTC (naive datetimes
are taken as UTC), durations in seconds or minutes as the parameter name says.

Errors: every error is a subclass of :class:`EnmsError` and of the built-in a Python user expects
(``ValueError`` for bad values, ``KeyError`` for a missing column, ``TypeError`` for a wrong dtype).
Each carries ``code`` (stable, e.g. ``"NON_FINITE"``) and ``field`` (the column or parameter).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Mapping
from datetime import date, datetime, time as dtime, timedelta, timezone as dtimezone
from typing import Any, Callable, TypeVar, Union

import numpy as np
import polars as pl

from . import _enms
from ._enms import (
    ArrowInterfaceError,
    CarrierMismatchError,
    ColumnNotFoundError,
    DtypeError,
    EmptyInputError,
    EnmsError,
    InternalError,
    InvalidParameterError,
    LengthMismatchError,
    NegativeValueError,
    NonFiniteError,
    ParseError,
    SimulatorError,
    TimeZoneError,
    TimestampOrderError,
    TimestampOutOfRangeError,
    UnitError,
    UnknownMachineError,
    __version__,
    default_carbon_factors,
)

__all__ = [
    "AnomalyDetector",
    "ArrowInterfaceError",
    "Backtest",
    "Baseline",
    "ChangePointModel",
    "DailyModel",
    "DriftReport",
    "Forecaster",
    "IsolationForest",
    "ModellingTable",
    "OlsResults",
    "Performance",
    "TowtModel",
    "backtest",
    "build_features",
    "detect_anomalies",
    "fit_change_point",
    "fit_daily",
    "fit_towt",
    "local_day",
    "modelling_table",
    "monitor_drift",
    "ols",
    "select_drivers",
    "CarrierMismatchError",
    "ColumnNotFoundError",
    "DtypeError",
    "EmptyInputError",
    "EnmsError",
    "InternalError",
    "InvalidParameterError",
    "KpiReport",
    "LengthMismatchError",
    "NegativeValueError",
    "NonFiniteError",
    "ParseError",
    "SimulatorError",
    "TimeZoneError",
    "TimestampOrderError",
    "TimestampOutOfRangeError",
    "UnitError",
    "UnknownMachineError",
    "__version__",
    "carbon_kg",
    "default_carbon_factors",
    "energy_cost",
    "kpi_report",
    "load_factor",
    "peak_demand",
    "peak_forecast",
    "power_factor",
    "rollup",
    "sec_per_bucket",
    "simulate",
    "default_factory_config",
    "specific_energy_consumption",
    "standard_rollups",
]

#: A point in time: a datetime (naive = UTC), an RFC 3339 string, or microseconds since the epoch.
TimeLike = Union[datetime, date, str, int, np.datetime64]
#: A column: its name in ``data``, or an array (polars Series, pyarrow array, numpy array).
ColumnLike = Union[str, pl.Series, np.ndarray, Any]

_T = TypeVar("_T")
_EPOCH = datetime(1970, 1, 1, tzinfo=dtimezone.utc)
_TIME_KEYS = frozenset(
    {
        "start",
        "end",
        "max_instantaneous_at",
        "billing_period_start",
        "billing_period_end",
        "peak_start",
    }
)


def _error(cls: type[EnmsError], code: str, field: str, message: str) -> EnmsError:
    """An enms error raised by this Python layer (argument conversion), shaped like the core's."""
    err = cls(message)
    err.code = code
    err.field = field
    return err


def _bad(field: str, message: str) -> EnmsError:
    return _error(DtypeError, "DTYPE", field, message)


_ARGUMENT = re.compile(r"(?:argument|processing) '(\w+)'")


def _native(fn: Callable[..., _T]) -> Callable[..., _T]:
    """Calls a function of the compiled module; an argument of the wrong Python type (pyo3's
    TypeError or OverflowError while converting it) is raised as an enms error naming it."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> _T:
        try:
            return fn(*args, **kwargs)
        except EnmsError:
            raise
        except (TypeError, OverflowError) as e:
            # pyo3 names the argument in the message or in a note ("while processing 'every'")
            text = " ".join([str(e), *getattr(e, "__notes__", [])])
            m = _ARGUMENT.search(text)
            if m is None:
                raise
            message = f"`{m.group(1)}`: {e}"
            if isinstance(e, TypeError):
                raise _bad(m.group(1), message) from e
            raise _error(InvalidParameterError, "INVALID_PARAMETER", m.group(1), message) from e

    return call


def _micros(value: TimeLike | None, name: str) -> int | str | None:
    """A time argument as microseconds since the epoch (or RFC 3339 text, parsed by the core)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _bad(name, f"`{name}` must be a datetime, got a bool")
    if isinstance(value, (int, str)):
        return value
    if isinstance(value, np.datetime64):
        return int(value.astype("datetime64[us]").astype(np.int64))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dtimezone.utc)
        d = value - _EPOCH
        return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
    if isinstance(value, date):
        return _micros(datetime(value.year, value.month, value.day), name)
    raise _bad(name, f"`{name}` must be a datetime, date, RFC 3339 string or int, got {type(value).__name__}")


def _column(value: ColumnLike) -> Any:
    """A column argument as the compiled module reads it: names and Arrow objects pass as they are,
    numpy ``datetime64`` arrays become int64 microseconds (a view when already in microseconds), and
    pandas Series go through polars."""
    if isinstance(value, str) or hasattr(value, "__arrow_c_stream__") or hasattr(value, "__arrow_c_array__"):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "M":
            return np.ascontiguousarray(value.astype("datetime64[us]", copy=False)).view(np.int64)
        return value
    if hasattr(value, "to_numpy") and hasattr(value, "dtype"):  # a pandas Series or Index
        return pl.Series(value)
    return value


def _frame(streams: Any) -> pl.DataFrame:
    return pl.DataFrame(streams)


def _times(obj: Any) -> Any:
    """Turns the core's microsecond timestamps into aware datetimes (UTC), recursively."""
    if isinstance(obj, dict):
        return {
            k: (_EPOCH + timedelta(microseconds=v) if k in _TIME_KEYS and isinstance(v, int) else _times(v))
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_times(v) for v in obj]
    return obj


def _json_default(o: Any) -> Any:
    if isinstance(o, (date, dtime)):
        return o.isoformat()
    raise TypeError(f"cannot send {type(o).__name__} to enms")


def _drop_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_drop_none(v) for v in obj]
    return obj


def _to_json(obj: Any, name: str) -> str:
    """A tariff (dict or dataclass, as enms-core's serde form) as JSON. Fields left ``None`` are
    left out, so the core's defaults apply."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    if not isinstance(obj, Mapping):
        raise _bad(name, f"`{name}` must be a dict or a dataclass, got {type(obj).__name__}")
    return json.dumps(_drop_none(dict(obj)), default=_json_default)


def _value_args(power: ColumnLike | None, energy: ColumnLike | None) -> tuple[Any, Any]:
    if power is None and energy is None:
        power = "power_kw"
    return (None if power is None else _column(power), None if energy is None else _column(energy))


def simulate(
    start: str | date | datetime,
    *,
    seed: int,
    days: int | None = None,
    end: TimeLike | None = None,
    timezone: str | None = None,
    fault_rate: float | None = None,
    config: Mapping[str, Any] | None = None,
    machines: list[str] | None = None,
) -> dict[str, pl.DataFrame]:
    """Simulates the demo factory (six machines: compressor, conveyor, hydraulic press, injection
    moulding, HVAC, gas boiler) and returns its tables as polars DataFrames.

    ``config``: another plant, as enms-sim's ``FactoryConfig`` (start from
    :func:`default_factory_config`; e.g. add energy-saving ``measures``, see docs/simulator.md);
    ``machines``: only these machine ids. ``timezone`` and ``fault_rate`` override the config's.

    ``start`` is a local date (midnight in the factory's time zone, ``"2025-01-06"``) or an
    instant; give ``days`` (24-hour days) or ``end``. The same ``seed`` gives the same data, equal
    to ``enms-sim generate --seed``. ``fault_rate``: expected random faults per machine and day.
    A span of more than 200 million energy readings (about 14 GB of tables; the demo plant makes
    about 41 million a year) raises :class:`InvalidParameterError` naming ``days`` or ``end``
    before anything is simulated: simulate it in pieces.

    Tables: ``factories``, ``machines``, ``energy_readings`` (``time``, ``machine_id``,
    ``power_kw`` [kW], ``energy_kwh`` [kWh counter], ``voltage_v``, ``current_a``,
    ``power_factor``, ``frequency_hz``, ``reactive_energy_kvarh``), ``production_data``
    (parts per minute), ``environmental_data``, ``machine_status``, ``events``, ``process_data``.
    """
    if isinstance(start, datetime):
        start_text = start.isoformat() if start.tzinfo else start.replace(tzinfo=dtimezone.utc).isoformat()
    elif isinstance(start, date):
        start_text = start.isoformat()
    else:
        start_text = start
    tables = _native(_enms.simulate)(
        start_text,
        seed=seed,
        days=days,
        end=_micros(end, "end"),
        timezone=timezone,
        fault_rate=fault_rate,
        config=None if config is None else json.dumps(config),
        machines=None if machines is None else [str(m) for m in machines],
    )
    return {name: _frame(stream) for name, stream in tables}


def default_factory_config() -> dict[str, Any]:
    """The demo plant's configuration (enms-sim ``FactoryConfig``: the factory, its machines with
    their parameters, shifts, climate, fault rates, ``measures``), a starting point for
    :func:`simulate`'s ``config``."""
    out: dict[str, Any] = json.loads(_enms.default_factory_config())
    return out


def rollup(
    data: Any,
    every: str,
    *,
    time: ColumnLike = "time",
    power: ColumnLike | None = None,
    energy: ColumnLike | None = None,
    interval_s: float | None = None,
    timezone: str | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    max_gap_s: float | None = None,
) -> pl.DataFrame:
    """Rolls readings up into time buckets of width ``every`` (``"1m"``, ``"15m"``, ``"1h"``,
    ``"1d"``, ``"1mo"``, any width such as ``"7m"``), aligned like TimescaleDB's ``time_bucket``;
    days and months are local to ``timezone`` when given.

    Readings are instantaneous power (``power``, kW; energy is the trapezoidal integral, intervals
    longer than ``max_gap_s`` seconds are gaps) or interval energy (``energy``, kWh per interval
    of ``interval_s`` seconds, stamped at the interval's end). Without either, ``power_kw``.
    ``start``/``end`` fix the range (buckets outside the data are included, empty).

    Returns one row per bucket: ``start``, ``end``, ``sample_count``, ``energy_kwh`` [kWh],
    ``mean_power_kw``, ``min_power_kw``, ``max_power_kw`` [kW, null without data], ``coverage``
    [0..1], ``has_gap``.
    """
    p, e = _value_args(power, energy)
    return _frame(
        _native(_enms.rollup)(
            data,
            every,
            time=_column(time),
            power=p,
            energy=e,
            interval_s=interval_s,
            timezone=timezone,
            start=_micros(start, "start"),
            end=_micros(end, "end"),
            max_gap_s=max_gap_s,
        )
    )


def standard_rollups(
    data: Any,
    *,
    time: ColumnLike = "time",
    power: ColumnLike = "power_kw",
    timezone: str | None = None,
    max_gap_s: float | None = None,
) -> dict[str, pl.DataFrame]:
    """The four standard rollups of power readings (kW), built in one pass: ``"1m"``, ``"15m"``,
    ``"1h"`` and ``"1d"`` (local days in ``timezone``). Columns as in :func:`rollup`."""
    out = _native(_enms.standard_rollups)(
        data, time=_column(time), power=_column(power), timezone=timezone, max_gap_s=max_gap_s
    )
    return {name: _frame(stream) for name, stream in out}


def peak_demand(
    data: Any,
    *,
    time: ColumnLike = "time",
    power: ColumnLike | None = None,
    energy: ColumnLike | None = None,
    interval_s: float | None = None,
    window_minutes: int | None = None,
    rolling_step_minutes: int | None = None,
    timezone: str | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    max_gap_s: float | None = None,
) -> dict[str, Any] | None:
    """Peak demand: the largest mean power (kW) over a demand window of ``window_minutes``
    (default of the core: 15-minute fixed blocks aligned to the clock). With
    ``rolling_step_minutes`` the window slides in steps of that many minutes instead.

    Returns ``{"peak_demand_kw", "start", "end", "energy_kwh", "coverage", "options"}`` (times
    as UTC datetimes), or ``None`` when the data holds no complete window. Readings as in
    :func:`rollup`.
    """
    p, e = _value_args(power, energy)
    text = _native(_enms.peak_demand)(
        data,
        time=_column(time),
        power=p,
        energy=e,
        interval_s=interval_s,
        window_minutes=window_minutes,
        rolling_step_minutes=rolling_step_minutes,
        timezone=timezone,
        start=_micros(start, "start"),
        end=_micros(end, "end"),
        max_gap_s=max_gap_s,
    )
    result: dict[str, Any] | None = _times(json.loads(text))
    return result


def sec_per_bucket(
    data: Any,
    production: Any,
    every: str,
    *,
    time: ColumnLike = "time",
    power: ColumnLike | None = None,
    energy: ColumnLike | None = None,
    interval_s: float | None = None,
    production_time: ColumnLike = "time",
    production_count: ColumnLike = "production_count",
    timezone: str | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    max_gap_s: float | None = None,
) -> pl.DataFrame:
    """Specific energy consumption (ISO 50006 SEC = energy / production, kWh per unit) per bucket.

    ``production`` is a table with ``production_time`` (the END of each counted interval) and
    ``production_count`` (units in the interval); a count stamped ``t`` belongs to the bucket with
    ``start < t <= end``. Returns ``start``, ``end``, ``energy_kwh``, ``production`` and
    ``sec_kwh_per_unit`` (null where nothing was produced).
    """
    p, e = _value_args(power, energy)
    return _frame(
        _native(_enms.sec_per_bucket)(
            data,
            production,
            every,
            time=_column(time),
            production_time=_column(production_time),
            production_count=_column(production_count),
            power=p,
            energy=e,
            interval_s=interval_s,
            timezone=timezone,
            start=_micros(start, "start"),
            end=_micros(end, "end"),
            max_gap_s=max_gap_s,
        )
    )


def energy_cost(
    data: Any,
    tariff: Mapping[str, Any] | Any,
    every: str,
    *,
    time: ColumnLike = "time",
    power: ColumnLike | None = None,
    energy: ColumnLike | None = None,
    interval_s: float | None = None,
    demand_charges: bool | None = None,
    fixed_charges: bool | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    max_gap_s: float | None = None,
) -> dict[str, Any]:
    """The cost of the energy in ``data`` under ``tariff``, priced per bucket of ``every``
    (at most one hour; ``"15m"`` recommended), in the tariff's currency.

    ``tariff`` is a dict (or dataclass) of enms-core's ``Tariff``: ``name``, ``currency`` (ISO
    4217), ``timezone`` (IANA), ``holidays`` (dates) and ``versions``, each with ``valid_from``
    (date), ``base_rate_per_kwh`` and optional ``periods`` (time-of-use: ``name``,
    ``rate_per_kwh``, ``start``/``end`` local times, ``day_types``, ``season``),
    ``demand_charges`` (``name``, ``rate_per_kw``, ``window_minutes``, ``periods``) and
    ``fixed_charges`` (``name``, ``amount``, ``per``: ``"day"`` or ``"month"``). See docs/kpis.md.

    Returns the breakdown: ``currency``, ``energy_kwh``, ``by_period``, ``demand``, ``fixed``,
    ``energy_cost``, ``demand_cost``, ``fixed_cost``, ``total_cost``. Demand and fixed charges are
    included unless ``demand_charges``/``fixed_charges`` is False.
    """
    p, e = _value_args(power, energy)
    text = _native(_enms.energy_cost)(
        data,
        _to_json(tariff, "tariff"),
        every,
        time=_column(time),
        power=p,
        energy=e,
        interval_s=interval_s,
        demand_charges=demand_charges,
        fixed_charges=fixed_charges,
        start=_micros(start, "start"),
        end=_micros(end, "end"),
        max_gap_s=max_gap_s,
    )
    result: dict[str, Any] = _times(json.loads(text))
    return result


def load_factor(energy_kwh: float, period_hours: float, peak_demand_kw: float) -> float | None:
    """Load factor = mean power / peak demand, with mean power = ``energy_kwh`` (kWh) /
    ``period_hours`` (h) and the peak in kW: 1 for a flat load, small for a peaky one; ``None``
    when the peak or the period is not positive."""
    return _native(_enms.load_factor)(energy_kwh, period_hours, peak_demand_kw)


def specific_energy_consumption(energy_kwh: float, production: float) -> float | None:
    """ISO 50006 specific energy consumption = ``energy_kwh`` / ``production``, kWh per unit;
    ``None`` (undefined, not zero) when nothing was produced."""
    return _native(_enms.specific_energy_consumption)(energy_kwh, production)


def power_factor(active_kwh: float, reactive_kvarh: float) -> float | None:
    """Energy-weighted power factor ``P / sqrt(P^2 + Q^2)`` from active energy (kWh) and reactive
    energy (kvarh) over the same period; ``None`` when both are zero."""
    return _native(_enms.power_factor)(active_kwh, reactive_kvarh)


def carbon_kg(energy_kwh: float, carrier: str, factors: Mapping[str, float] | None = None) -> float:
    """Emissions of ``energy_kwh`` (kWh) of ``carrier`` (``electricity``, ``natural_gas``,
    ``fuel_oil``, ``steam``, ``district_heat``, ``compressed_air``), kg CO2, with the core's
    default factors (:func:`default_carbon_factors`, kg CO2 per kWh) or ``factors`` replacing some."""
    return _native(_enms.carbon_kg)(energy_kwh, carrier, None if factors is None else dict(factors))


_MACHINE_SCHEMA: dict[str, Any] = {
    "machine_id": pl.String,
    "factory_id": pl.String,
    "machine_type": pl.String,
    "carrier": pl.String,
    "energy_kwh": pl.Float64,
    "mean_power_kw": pl.Float64,
    "peak_demand_kw": pl.Float64,
    "peak_start": pl.Datetime("us", "UTC"),
    "peak_end": pl.Datetime("us", "UTC"),
    "peak_coverage": pl.Float64,
    "max_instantaneous_power_kw": pl.Float64,
    "max_instantaneous_at": pl.Datetime("us", "UTC"),
    "load_factor": pl.Float64,
    "production": pl.Float64,
    "sec_kwh_per_unit": pl.Float64,
    "carbon_kg": pl.Float64,
    "energy_cost": pl.Float64,
    "reactive_kvarh": pl.Float64,
    "power_factor": pl.Float64,
    "coverage": pl.Float64,
}

_CARRIER_SCHEMA: dict[str, Any] = {
    "factory_id": pl.String,
    "carrier": pl.String,
    "energy_kwh": pl.Float64,
    "peak_demand_kw": pl.Float64,
    "peak_start": pl.Datetime("us", "UTC"),
    "load_factor": pl.Float64,
    "carbon_kg": pl.Float64,
    "energy_cost": pl.Float64,
    "demand_cost": pl.Float64,
    "fixed_cost": pl.Float64,
    "total_cost": pl.Float64,
}


def _peak(p: dict[str, Any] | None) -> dict[str, Any]:
    if p is None:
        return {"peak_demand_kw": None, "peak_start": None, "peak_end": None, "peak_coverage": None}
    return {
        "peak_demand_kw": p["peak_demand_kw"],
        "peak_start": p["start"],
        "peak_end": p["end"],
        "peak_coverage": p["coverage"],
    }


def _carrier_row(factory_id: str | None, c: dict[str, Any]) -> dict[str, Any]:
    cost = c.get("cost") or {}
    peak = _peak(c.get("peak_demand"))
    return {
        "factory_id": factory_id,
        "carrier": c["carrier"],
        "energy_kwh": c["energy_kwh"],
        "peak_demand_kw": peak["peak_demand_kw"],
        "peak_start": peak["peak_start"],
        "load_factor": c.get("load_factor"),
        "carbon_kg": c["carbon_kg"],
        "energy_cost": cost.get("energy_cost"),
        "demand_cost": cost.get("demand_cost"),
        "fixed_cost": cost.get("fixed_cost"),
        "total_cost": cost.get("total_cost"),
    }


class KpiReport:
    """KPIs of a period per machine, per factory (coincident peaks, per carrier) and in total.

    ``machines``, ``factories`` and ``total`` are polars DataFrames; ``to_dict()`` is the report
    in enms-core's serde form (timestamps as microseconds), the same JSON as
    ``enms-sim kpis --json``.
    """

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        timed = _times(raw)
        self.start: datetime = timed["range"]["start"]
        self.end: datetime = timed["range"]["end"]
        self.total_carbon_kg: float = raw["total_carbon_kg"]
        rows = []
        for m in timed["machines"]:
            row = {k: m.get(k) for k in _MACHINE_SCHEMA if k in m}
            row.update(_peak(m.get("peak_demand")))
            rows.append(row)
        self.machines: pl.DataFrame = pl.DataFrame(rows, schema=_MACHINE_SCHEMA, orient="row")
        self.factories: pl.DataFrame = pl.DataFrame(
            [_carrier_row(f["factory_id"], c) for f in timed["factories"] for c in f["by_carrier"]],
            schema=_CARRIER_SCHEMA,
            orient="row",
        )
        self.total: pl.DataFrame = pl.DataFrame(
            [{"carrier": c["carrier"], "energy_kwh": c["energy_kwh"], "carbon_kg": c["carbon_kg"]} for c in timed["total_by_carrier"]],
            schema={"carrier": pl.String, "energy_kwh": pl.Float64, "carbon_kg": pl.Float64},
            orient="row",
        )

    @property
    def hours(self) -> float:
        """Length of the period, hours."""
        return (self.end - self.start).total_seconds() / 3600.0

    def to_dict(self) -> dict[str, Any]:
        """The report in enms-core's serde form (what ``enms-sim kpis --json`` prints)."""
        result: dict[str, Any] = json.loads(json.dumps(self._raw))
        return result

    def __repr__(self) -> str:
        return (
            f"KpiReport({self.start.isoformat()} .. {self.end.isoformat()}, "
            f"{self.machines.height} machines, {self.factories['factory_id'].n_unique()} factories, "
            f"{self.total_carbon_kg:.1f} kg CO2)"
        )


def kpi_report(
    energy_readings: Any,
    machines: Any,
    production: Any = None,
    *,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    timezone: str | None = None,
    max_gap_s: float | None = None,
    window_minutes: int | None = None,
    rolling_step_minutes: int | None = None,
    carbon_factors: Mapping[str, float] | None = None,
    hourly_carbon: Any = None,
    tariff: Mapping[str, Any] | Any = None,
) -> KpiReport:
    """Every KPI per machine, per factory and in total, for a period (enms-core ``kpi_report``).

    Tables in the long format of :func:`simulate`: ``energy_readings`` (``time``,
    ``machine_id``, ``power_kw`` [kW], optional ``reactive_energy_kvarh`` counter [kvarh]; each
    machine's rows in time order), ``machines`` (``machine_id``, ``factory_id``, ``name``,
    ``machine_type``, ``rated_power_kw``, ``carrier``, ``interval_s``), optional ``production``
    (``time`` = end of each counted interval, ``machine_id``, ``production_count``).

    Settings left ``None`` take the core's defaults: the whole span of the readings, 15-minute
    fixed demand blocks, the default carbon factors (kg CO2/kWh by carrier; ``carbon_factors``
    replaces some), no tariff. ``hourly_carbon`` is a table (``time``, ``kg_per_kwh``) of grid
    intensity used for electricity instead of the static factor.
    """
    text = _native(_enms.kpi_report)(
        energy_readings,
        machines,
        production,
        start=_micros(start, "start"),
        end=_micros(end, "end"),
        timezone=timezone,
        max_gap_s=max_gap_s,
        window_minutes=window_minutes,
        rolling_step_minutes=rolling_step_minutes,
        carbon_factors=None if carbon_factors is None else dict(carbon_factors),
        hourly_carbon=hourly_carbon,
        tariff_json=None if tariff is None else _to_json(tariff, "tariff"),
    )
    return KpiReport(json.loads(text))


# Baselines and the isolation forest use this module's helpers (_error, _native, _column): imported
# last, once those exist.
from ._models import (  # noqa: E402
    Baseline,
    ChangePointModel,
    DailyModel,
    IsolationForest,
    ModellingTable,
    OlsResults,
    Performance,
    TowtModel,
    fit_change_point,
    fit_daily,
    fit_towt,
    modelling_table,
    ols,
    select_drivers,
)
from ._forecast import (  # noqa: E402
    Backtest,
    DriftReport,
    Forecaster,
    backtest,
    local_day,
    monitor_drift,
    peak_forecast,
)
from ._anomaly import (  # noqa: E402
    AnomalyDetector,
    build_features,
    detect_anomalies,
)
