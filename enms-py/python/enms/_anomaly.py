"""The anomaly detection pipeline of one machine (enms-core ``anomaly::detect``): learn what is
normal on a reference period, judge a detection period, report events.

:func:`detect_anomalies` takes a feature table per bucket (bucket starts and named columns such as
``energy_kwh``, ``production``, ``outdoor_temp_c``) and returns the events as a polars DataFrame;
:func:`build_features` turns one machine's readings into that table; :class:`AnomalyDetector` keeps
the fitted detector to score and judge other periods and to save it as JSON. The settings are the
core's ``DetectConfig`` as a dict: absent keys keep the core's defaults, an unknown key raises
:class:`InvalidParameterError` naming it. Every rule and default is the core's.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from . import TimeLike, _enms, _json_default, _micros, _native
from ._forecast import _as_table
from ._models import TableLike, _array, _invalid

__all__ = ["AnomalyDetector", "build_features", "detect_anomalies"]

#: The schema of the events: one row per event, identified by ``(machine_id, start)``.
EVENT_COLUMNS = ("machine_id", "start", "end", "severity", "peak_at", "peak_score", "points", "features")


def _config(config: Mapping[str, Any] | None) -> str | None:
    """The core's ``DetectConfig`` as JSON (a dict or a dataclass; ``None``: the core's defaults)."""
    if config is None:
        return None
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        config = dataclasses.asdict(config)
    if not isinstance(config, Mapping):
        raise _invalid("config", f"`config` must be a dict of DetectConfig settings, got {type(config).__name__}")
    return json.dumps(dict(config), default=_json_default)


def _range(r: Any, name: str) -> tuple[int | str, int | str]:
    """A ``(start, end)`` pair of times as the compiled module takes it."""
    if isinstance(r, (str, bytes)) or not isinstance(r, Sequence) or len(r) != 2:
        raise _invalid(name, f"`{name}` must be a (start, end) pair of times, got {r!r}")
    start, end = _micros(r[0], f"{name}.start"), _micros(r[1], f"{name}.end")
    if start is None or end is None:
        raise _invalid(name, f"`{name}` needs both a start and an end")
    return start, end


def _columns(columns: Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        return [columns]
    return [str(c) for c in columns]


def detect_anomalies(
    data: TableLike,
    *,
    machine_id: str,
    training: tuple[TimeLike, TimeLike],
    detection: tuple[TimeLike, TimeLike],
    time: str = "time",
    columns: Sequence[str] | None = None,
    config: Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Learns what is normal for one machine on the ``training`` period and reports the events of
    the ``detection`` period (enms-core ``anomaly::detect``: an expectation per monitored column
    from the local hour of the week, production and outdoor temperature; standardised residuals;
    sigma rules; flagged buckets merged into events).

    ``data`` is a feature table per bucket (polars, pandas, pyarrow or a dict of arrays): bucket
    starts in ``time`` (sorted; naive times are UTC) and the feature columns ``columns`` (default:
    every numeric column but ``time``), e.g. the output of :func:`build_features`. NaN or null is a
    missing value, not judged. ``training`` and ``detection`` are ``(start, end)`` half-open
    periods (datetimes, RFC 3339 strings or microseconds). ``config`` is the core's
    ``DetectConfig`` as a dict (``period_s``, ``timezone``, ``targets``, ``drivers``,
    ``temperature_drivers``, ``sigma``, ``min_event_score``, ...; absent keys keep the core's
    defaults).

    Returns one row per event: ``machine_id``, ``start``, ``end``, ``peak_at`` (UTC datetimes),
    ``severity`` (``"warning"`` or ``"critical"``), ``peak_score`` (sigma distance), ``points``
    (flagged buckets) and ``features`` (the columns that stood out at the peak, largest first).
    Errors (a missing column, an infinite value, unsorted times, too few reference buckets, an
    unknown config key) are enms errors naming the column or setting.
    """
    stream = _native(_enms.detect_anomalies)(
        _as_table(data, "data"),
        machine_id,
        _range(training, "training"),
        _range(detection, "detection"),
        time,
        _columns(columns),
        _config(config),
    )
    return pl.DataFrame(stream)


def build_features(
    power: TableLike,
    *,
    start: TimeLike,
    end: TimeLike,
    production: TableLike | None = None,
    output: TableLike | None = None,
    counts: Mapping[str, TableLike] | None = None,
    quantities: Mapping[str, TableLike] | None = None,
    expected_kwh: Any = None,
    period_s: int | None = None,
    timezone: str | None = None,
    max_gap_s: float | None = None,
    min_coverage: float | None = None,
) -> pl.DataFrame:
    """Features per bucket of one machine's readings over ``[start, end)`` (enms-core
    ``anomaly::build_features``): ``start``, ``end``, then ``energy_kwh``, ``mean_power_kw``,
    ``max_power_kw`` from the power readings, ``production`` and ``sec`` with production, ``cop``
    with an output series, each count and quantity by its name, and the calendar columns
    (``tod_sin``, ``tod_cos``, ``working_day``, ``shift``). Null where a bucket lacks the data.

    Each series is a table with a ``time`` column and its value column: ``power_kw`` for
    ``power`` (kW readings), ``production_count`` for ``production`` (counts labelled by the end
    of their interval), ``output_kw`` for ``output`` (useful heat or cold, kW), and for each entry
    of ``counts`` (summed like production) and ``quantities`` (time-weighted means, e.g.
    ``{"outdoor_temp_c": df}``) the column named like the entry. ``expected_kwh`` is a
    baseline's expectation per bucket (for ``deviation_kwh``). ``period_s`` and ``timezone``
    default to the core's ``DetectConfig`` (local hours of UTC); ``max_gap_s`` and
    ``min_coverage`` to the core's feature spec.
    """

    def tables(m: Mapping[str, TableLike] | None, name: str) -> list[tuple[str, Any]]:
        if m is None:
            return []
        if not isinstance(m, Mapping):
            raise _invalid(name, f"`{name}` must be a dict of name to table, got {type(m).__name__}")
        return [(str(k), _as_table(v, f"{name}.{k}")) for k, v in m.items()]

    stream = _native(_enms.build_features)(
        _as_table(power, "power"),
        _micros(start, "start"),
        _micros(end, "end"),
        None if production is None else _as_table(production, "production"),
        None if output is None else _as_table(output, "output"),
        tables(counts, "counts"),
        tables(quantities, "quantities"),
        None if expected_kwh is None else _array(expected_kwh),
        period_s,
        timezone,
        max_gap_s,
        min_coverage,
    )
    return pl.DataFrame(stream)


class AnomalyDetector:
    """The detector of :func:`detect_anomalies`, kept: :meth:`fit` on a reference period's
    feature table, then :meth:`score` (per bucket: severity, score and each column's z) and
    :meth:`detect` (events) on other periods; :meth:`to_json` / :meth:`from_json` save and load
    a fitted detector. ``config`` is the core's ``DetectConfig`` as a dict."""

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = None if config is None else dict(config)
        self._inner: _enms.AnomalyDetectorModel | None = None

    def _fitted(self) -> _enms.AnomalyDetectorModel:
        if self._inner is None:
            raise _invalid("detector", "the detector is not fitted yet: call fit(data, ...) first")
        return self._inner

    def fit(self, data: TableLike, *, time: str = "time", columns: Sequence[str] | None = None) -> AnomalyDetector:
        """Fits one expectation per monitored column on every bucket of ``data`` (the reference
        period)."""
        self._inner = _native(_enms.anomaly_fit)(
            _as_table(data, "data"), time, _columns(columns), _config(self.config)
        )
        return self

    def score(self, data: TableLike, *, time: str = "time", columns: Sequence[str] | None = None) -> pl.DataFrame:
        """Per bucket of ``data``: ``time``, ``severity``, ``score`` (largest sigma distance, null
        where nothing was judged), ``critical_columns``, and ``z_<column>`` for each monitored
        column (standardised residual) and other measured column (z against the reference)."""
        return pl.DataFrame(_native(self._fitted().score)(_as_table(data, "data"), time, _columns(columns)))

    def detect(
        self, data: TableLike, *, machine_id: str, time: str = "time", columns: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """The events of ``machine_id`` in the buckets of ``data`` (the columns of
        :func:`detect_anomalies`)."""
        return pl.DataFrame(
            _native(self._fitted().detect)(_as_table(data, "data"), machine_id, time, _columns(columns))
        )

    @property
    def targets(self) -> list[str]:
        """The monitored columns of the fitted detector."""
        return self._fitted().targets

    @property
    def config_(self) -> dict[str, Any]:
        """The full settings of the fitted detector (the core's ``DetectConfig``, defaults filled)."""
        return dict(json.loads(self._fitted().config_json()))

    def to_json(self) -> str:
        """The fitted detector as JSON (the core's serde form)."""
        return self._fitted().to_json()

    @classmethod
    def from_json(cls, text: str) -> AnomalyDetector:
        """A fitted detector from :meth:`to_json`'s text."""
        inner = _native(_enms.AnomalyDetectorModel.from_json)(text)
        d = cls(json.loads(inner.config_json()))
        d._inner = inner
        return d
