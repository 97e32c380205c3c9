"""Demand forecasting: :class:`Forecaster` (fit on a regular series, forecast with prediction
intervals), :func:`backtest` (rolling-origin accuracy), :func:`peak_forecast` (the peak of a
forecast period and the steps at risk of exceeding a threshold), :func:`local_day` and
:func:`monitor_drift` (is a deployed model still as good as its backtest?).

Every model, default and check is in enms-core (``enms_core::forecast``); this layer converts
tables, arrays and datetimes, and names the result columns. The model and its options cross as
the core's ``ForecastSpec`` in JSON (``{"model": "seasonal", "daily_order": 8, ...}``), so a
model the core adds is usable here by its name without a new release of this layer."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Union

import numpy as np
import polars as pl

from . import _EPOCH, TimeLike, _column, _enms, _error, _json_default, _micros, _native
from ._models import TableLike, _invalid

#: A column of the series: its name in ``data``, or an array (numpy, polars, pandas, pyarrow).
SeriesLike = Union[str, np.ndarray, pl.Series, Sequence[float], Any]
#: Regressors: column names of ``data``, or a mapping of name to array.
RegressorsLike = Union[Sequence[str], Mapping[str, Any], None]


def _is_table(data: Any) -> bool:
    if isinstance(data, (pl.DataFrame, Mapping)):
        return True
    if hasattr(data, "iloc") and hasattr(data, "columns"):  # pandas DataFrame
        return True
    return hasattr(data, "__arrow_c_stream__") and not isinstance(data, pl.Series)


def _as_table(data: Any, name: str) -> Any:
    """A table the compiled module imports: polars and Arrow as they are, pandas and dicts through
    polars."""
    if isinstance(data, Mapping):
        return pl.DataFrame({str(k): v for k, v in data.items()})
    if hasattr(data, "iloc") and hasattr(data, "columns"):
        return pl.from_pandas(data)
    if hasattr(data, "__arrow_c_stream__"):
        return data
    raise _error(
        _enms.ArrowInterfaceError,
        "ARROW",
        name,
        f"`{name}` must be a DataFrame or a dict of arrays, got {type(data).__name__}",
    )


def _col(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return np.asarray(v, dtype=np.float64)
    if isinstance(v, np.ndarray) and v.dtype.kind in "iub":
        return np.ascontiguousarray(v, dtype=np.float64)
    return _column(v)


def _series_args(
    data: Any, y: SeriesLike | None, time: SeriesLike, target: str | None, regressors: RegressorsLike
) -> tuple[Any, Any, Any, list[tuple[str, Any]]]:
    """``(table or None, time, y, [(name, column)])`` for the compiled module. With a table,
    ``time``, ``target`` and regressors are its column names (``y`` may still be an array); else
    ``data`` holds the timestamps and ``y`` the values."""
    if data is not None and _is_table(data):
        table = _as_table(data, "data")
        if y is None:
            if target is None:
                raise _invalid("target", "name the column to forecast with `target=` (or give `y`)")
            y_arg: Any = target
        else:
            y_arg = _col(y)
        t_arg = time if isinstance(time, str) else _column(time)
    else:
        table = None
        if data is None:
            raise _invalid("data", "give a table (`data` with `time=` and `target=`) or timestamps and `y`")
        if y is None:
            raise _invalid("y", "with timestamps as `data`, give the values to forecast as `y`")
        t_arg, y_arg = _column(data), _col(y)
    regs: list[tuple[str, Any]] = []
    if isinstance(regressors, Mapping):
        regs = [(str(k), _col(v)) for k, v in regressors.items()]
    elif regressors is not None:
        if isinstance(regressors, str):
            regressors = [regressors]
        regs = [(str(r), str(r)) for r in regressors]
    return table, t_arg, y_arg, regs


def _spec(model: str, options: Mapping[str, Any]) -> str:
    """The core's ``ForecastSpec`` as JSON; options left ``None`` are left out (core defaults)."""
    if not isinstance(model, str):
        raise _invalid("model", f"`model` must be a model name such as 'auto' or 'seasonal', got {type(model).__name__}")
    spec = {k: v for k, v in options.items() if v is not None}
    spec["model"] = model
    return json.dumps(spec, default=_json_default)


def _options(**kwargs: Any) -> str:
    return json.dumps({k: v for k, v in kwargs.items() if v is not None}, default=_json_default)


def _levels(levels: Sequence[float] | None) -> list[float] | None:
    if levels is None:
        return None
    if isinstance(levels, (int, float)):
        return [float(levels)]
    return [float(v) for v in levels]


def _dt(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH + timedelta(microseconds=us)


def _future(future: Any) -> Any:
    if future is None:
        return None
    return _as_table(future, "future")


class Forecaster:
    """A forecasting model in scikit-learn's manner: parameters in the constructor, :meth:`fit`
    on a regular series, :meth:`predict` a horizon with prediction intervals.

    ``model`` names the core's model: ``"auto"`` (the horizon picks it: the short-term model up
    to six hours ahead, the seasonal regression beyond), ``"seasonal"`` (trend with change points,
    day-type daily profiles on the local clock, weekly and yearly Fourier terms, regressors,
    residual AR correction), and the models the core adds. ``**options`` are that model's
    options with the core's names and defaults, e.g. for ``"seasonal"``: ``calendar={"time_zone":
    "Europe/Berlin", "holidays": [date(2025, 12, 25)], "working_days": ["Mon", ...],
    "reduced_days": ["Sat"]}``, ``daily_order``, ``weekly_order``, ``yearly_order``,
    ``day_type_profiles``, ``n_changepoints``, ``changepoint_range``, ``changepoint_penalty``,
    ``ar_order``. An option the model does not have raises :class:`InvalidParameterError`.

    ``horizon`` (steps ahead) is what the forecaster is for: with ``model="auto"`` it chooses the
    model, and it is :meth:`predict`'s default. It must be known at :meth:`fit`.
    """

    def __init__(self, model: str = "auto", horizon: int | None = None, **options: Any) -> None:
        self.model = model
        self.horizon = horizon
        self.options = dict(options)
        self._inner: _enms.ForecasterModel | None = None

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn's convention)."""
        return {"model": self.model, "horizon": self.horizon, **self.options}

    def set_params(self, **params: Any) -> Forecaster:
        """Sets constructor parameters (scikit-learn's convention); other names are model options."""
        for k, v in params.items():
            if k in ("model", "horizon"):
                setattr(self, k, v)
            else:
                self.options[k] = v
        return self

    @property
    def spec(self) -> dict[str, Any]:
        """The core's ``ForecastSpec`` this forecaster sends (model name and options)."""
        return dict(json.loads(_spec(self.model, self.options)))

    def _fitted(self) -> _enms.ForecasterModel:
        if self._inner is None:
            raise _invalid("forecaster", "the forecaster is not fitted yet: call fit(data, ...) first")
        return self._inner

    def fit(
        self,
        data: TableLike | SeriesLike,
        y: SeriesLike | None = None,
        *,
        time: SeriesLike = "time",
        target: str | None = None,
        regressors: RegressorsLike = None,
    ) -> Forecaster:
        """Fits the model to a regular series (one step between consecutive timestamps; gaps
        filled with NaN targets).

        Either a table (polars, pandas or pyarrow) as ``data`` with the column names ``time``,
        ``target`` and ``regressors`` (a list of column names), or timestamps as ``data`` (numpy
        ``datetime64``, a polars or pandas datetime Series; naive times are UTC), values as ``y``
        and ``regressors`` as a dict of name to array. Errors (irregular grid, NaN in a
        regressor, too short a history, ...) are enms errors naming the column."""
        if self.horizon is None:
            raise _invalid(
                "horizon",
                "the forecaster needs its horizon (steps ahead) to fit: Forecaster(horizon=...)",
            )
        table, t, yv, regs = _series_args(data, y, time, target, regressors)
        self._inner = _native(_enms.forecast_fit)(table, t, yv, regs, _spec(self.model, self.options), self.horizon)
        return self

    def predict(
        self,
        horizon: int | None = None,
        future: TableLike | None = None,
        levels: Sequence[float] | None = None,
    ) -> pl.DataFrame:
        """The forecast of ``horizon`` steps (default: the forecaster's) after the training data:
        ``time`` (step start, UTC), ``forecast`` (the point forecast) and ``lower_<p>`` /
        ``upper_<p>`` per interval level ``p`` in percent (``levels`` default: the core's, 0.8 and
        0.95). ``future`` is a table (or dict of arrays) with each regressor for the horizon."""
        h = self._horizon(horizon)
        return pl.DataFrame(_native(self._fitted().forecast)(h, _future(future), _levels(levels)))

    def forecast_dict(
        self,
        horizon: int | None = None,
        future: TableLike | None = None,
        levels: Sequence[float] | None = None,
    ) -> dict[str, Any]:
        """The forecast in the core's form: ``timestamps`` (microseconds), ``mean`` and
        ``intervals`` (``level``, ``lower``, ``upper``)."""
        h = self._horizon(horizon)
        out: dict[str, Any] = json.loads(_native(self._fitted().forecast_json)(h, _future(future), _levels(levels)))
        return out

    def _horizon(self, horizon: int | None) -> int:
        h = self.horizon if horizon is None else horizon
        if h is None:
            raise _invalid("horizon", "give the number of steps to forecast (a loaded model has no default horizon)")
        return h

    @property
    def description(self) -> str:
        """The fitted model in words, e.g. ``seasonal(daily 11, weekly 3, yearly 0)``."""
        return self._fitted().description

    @property
    def regressor_names(self) -> list[str]:
        """The regressors the model needs in ``future`` to forecast."""
        return self._fitted().regressor_names

    def to_json(self) -> str:
        """The fitted model as JSON (the core's serde form): load it with :meth:`from_json`."""
        return self._fitted().to_json()

    @classmethod
    def from_json(cls, text: str, horizon: int | None = None) -> Forecaster:
        """A fitted forecaster from :meth:`to_json`'s text (``horizon``: :meth:`predict`'s
        default)."""
        inner = _native(_enms.ForecasterModel.from_json)(text)
        model = json.loads(text).get("model", "auto")
        f = cls(model=str(model), horizon=horizon)
        f._inner = inner
        return f

    def __repr__(self) -> str:
        if self._inner is None:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            return f"Forecaster({args})"
        return f"Forecaster({self.description}, horizon={self.horizon}, regressors={self.regressor_names})"


class Backtest:
    """A rolling-origin backtest: ``windows`` (one row per window: ``window``, ``origin``,
    ``train_len``, ``model``, ``n``, ``mae``, ``rmse``, ``mase``, ``bias``, ``coverage_<p>``),
    ``forecasts`` (one row per window and step: ``window``, ``time``, ``actual``, ``forecast``,
    ``lower_<p>``, ``upper_<p>``) and ``overall`` (the pooled accuracy, as a dict: ``n``,
    ``mae``, ``rmse``, ``mase`` (mean of the windows'), ``bias``, ``coverage`` per level)."""

    def __init__(self, windows: pl.DataFrame, forecasts: pl.DataFrame, overall: dict[str, Any]) -> None:
        self.windows = windows
        self.forecasts = forecasts
        self.overall = overall

    @property
    def mae(self) -> float:
        """Overall mean absolute error."""
        return _f(self.overall["mae"])

    @property
    def rmse(self) -> float:
        """Overall root mean squared error."""
        return _f(self.overall["rmse"])

    @property
    def mase(self) -> float:
        """Mean of the windows' mean absolute scaled errors."""
        return _f(self.overall["mase"])

    @property
    def bias(self) -> float:
        """Overall mean of forecast minus actual."""
        return _f(self.overall["bias"])

    def to_dict(self) -> dict[str, Any]:
        """The overall accuracy as a dict."""
        return dict(self.overall)

    def __repr__(self) -> str:
        return f"Backtest(windows={self.windows.height}, mae={self.mae:.4g}, rmse={self.rmse:.4g}, mase={self.mase:.4g})"


def _f(v: Any) -> float:
    if v is None:
        return float("nan")
    if isinstance(v, str):
        return float(v.replace("inf", "Infinity")) if v != "NaN" else float("nan")
    return float(v)


def backtest(
    data: TableLike | SeriesLike,
    y: SeriesLike | None = None,
    *,
    time: SeriesLike = "time",
    target: str | None = None,
    regressors: RegressorsLike = None,
    model: str = "auto",
    horizon: int | None = None,
    windows: int | None = None,
    stride: int | None = None,
    levels: Sequence[float] | None = None,
    season_length: int | None = None,
    **options: Any,
) -> Backtest:
    """Rolling-origin backtest of ``model`` (with ``**options``, as for :class:`Forecaster`) on
    a series given as to :meth:`Forecaster.fit`: the last ``windows`` windows of ``horizon``
    steps, ``stride`` steps apart, each forecast by a model fitted on everything before it
    (regressors take their actual values in the window). Parameters left ``None`` take the core's
    defaults (24 steps, 4 windows, stride = horizon, levels 0.8 and 0.95, MASE season one day)."""
    table, t, yv, regs = _series_args(data, y, time, target, regressors)
    opts = _options(horizon=horizon, windows=windows, stride=stride, levels=_levels(levels), season_length=season_length)
    w, f, overall = _native(_enms.forecast_backtest)(table, t, yv, regs, _spec(model, options), opts)
    return Backtest(pl.DataFrame(w), pl.DataFrame(f), json.loads(overall))


def _forecast_json(forecast: Any) -> str:
    """A forecast (:meth:`Forecaster.predict`'s DataFrame or :meth:`Forecaster.forecast_dict`'s
    dict) in the core's JSON form."""
    if isinstance(forecast, Mapping):
        return json.dumps(dict(forecast))
    if not isinstance(forecast, pl.DataFrame):
        if hasattr(forecast, "iloc") and hasattr(forecast, "columns"):
            forecast = pl.from_pandas(forecast)
        else:
            raise _invalid("forecast", f"`forecast` must be Forecaster.predict's DataFrame, got {type(forecast).__name__}")
    for c in ("time", "forecast"):
        if c not in forecast.columns:
            raise _error(
                _enms.ColumnNotFoundError,
                "COLUMN_NOT_FOUND",
                c,
                f"column `{c}` not found; the data has columns: {', '.join(forecast.columns)}",
            )
    ts = forecast["time"]
    if ts.dtype.is_temporal():
        ts = ts.cast(pl.Datetime("us", "UTC") if getattr(ts.dtype, "time_zone", None) else pl.Datetime("us")).dt.epoch("us")
    intervals = []
    for c in forecast.columns:
        if c.startswith("lower_") and f"upper_{c[6:]}" in forecast.columns:
            intervals.append(
                {
                    "level": float(c[6:]) / 100.0,
                    "lower": forecast[c].cast(pl.Float64).to_list(),
                    "upper": forecast[f"upper_{c[6:]}"].cast(pl.Float64).to_list(),
                }
            )
    body = {"timestamps": ts.cast(pl.Int64).to_list(), "mean": forecast["forecast"].cast(pl.Float64).to_list(), "intervals": intervals}
    return json.dumps(body)


def local_day(day: date | str, time_zone: str) -> tuple[datetime, datetime]:
    """UTC bounds ``[start, end)`` of the local calendar day ``day`` in ``time_zone`` (23 or 25
    hours long on daylight saving changes)."""
    text = day.isoformat() if isinstance(day, date) and not isinstance(day, datetime) else str(day)
    if isinstance(day, datetime):
        text = day.date().isoformat()
    s, e = _native(_enms.local_day)(text, time_zone)
    return _EPOCH + timedelta(microseconds=s), _EPOCH + timedelta(microseconds=e)


def peak_forecast(
    forecast: pl.DataFrame | Mapping[str, Any],
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    *,
    day: date | str | None = None,
    time_zone: str | None = None,
    level: float | None = None,
    threshold: float | None = None,
    min_probability: float | None = None,
) -> dict[str, Any]:
    """The peak of a forecast (:meth:`Forecaster.predict`'s DataFrame) within ``[start, end)``
    (or the local calendar ``day`` in ``time_zone``) and, with a ``threshold`` (a contracted
    capacity, the month's peak so far), each step's probability of exceeding it under the
    forecast's normal predictive distribution read from the interval at ``level``.

    Returns ``start``, ``end``, ``peak``, ``peak_at``, ``peak_upper``, ``threshold``,
    ``at_risk`` (a DataFrame of the steps whose probability reaches ``min_probability``:
    ``time``, ``forecast``, ``upper``, ``probability``) and ``expected_exceedances``. Options
    left ``None`` take the core's defaults (level 0.95, min_probability 0.1)."""
    if day is not None:
        if time_zone is None:
            raise _invalid("time_zone", "a local `day` needs its `time_zone`")
        s_dt, e_dt = local_day(day, time_zone)
        s, e = _micros(s_dt, "start"), _micros(e_dt, "end")
    else:
        if start is None or end is None:
            raise _invalid("start", "give the period as `start` and `end`, or as a local `day` with `time_zone`")
        s, e = _micros(start, "start"), _micros(end, "end")
    opts = _options(level=level, threshold=threshold, min_probability=min_probability)
    raw: dict[str, Any] = json.loads(_native(_enms.peak_forecast)(_forecast_json(forecast), s, e, opts))
    risk = raw.pop("at_risk")
    at_risk = pl.DataFrame(
        {
            "time": [_dt(r["timestamp"]) for r in risk],
            "forecast": [float(r["mean"]) for r in risk],
            "upper": [float(r["upper"]) for r in risk],
            "probability": [float(r["probability"]) for r in risk],
        },
        schema={"time": pl.Datetime("us", "UTC"), "forecast": pl.Float64, "upper": pl.Float64, "probability": pl.Float64},
    )
    return {
        "start": _dt(raw["start"]),
        "end": _dt(raw["end"]),
        "peak": raw["peak"],
        "peak_at": _dt(raw["peak_at"]),
        "peak_upper": raw["peak_upper"],
        "threshold": raw["threshold"],
        "at_risk": at_risk,
        "expected_exceedances": raw["expected_exceedances"],
    }


class DriftReport:
    """The drift monitor's verdict: ``windows`` (``start``, ``n``, ``mae``, ``ratio``, ``bias``,
    ``drifted``), ``retrain`` (the last ``patience`` windows all drift), ``since`` (start of that
    run of drifting windows), ``reason`` (in words) and ``reference_mae``."""

    def __init__(self, windows: pl.DataFrame, verdict: dict[str, Any]) -> None:
        self.windows = windows
        self.reference_mae = float(verdict["reference_mae"])
        self.retrain = bool(verdict["retrain"])
        self.since = _dt(verdict.get("since"))
        self.reason: str | None = verdict.get("reason")

    def to_dict(self) -> dict[str, Any]:
        """The verdict as a dict (without the windows)."""
        return {"reference_mae": self.reference_mae, "retrain": self.retrain, "since": self.since, "reason": self.reason}

    def __repr__(self) -> str:
        return f"DriftReport(windows={self.windows.height}, retrain={self.retrain}, since={self.since}, reason={self.reason!r})"


def monitor_drift(
    data: TableLike | SeriesLike,
    actual: SeriesLike = "actual",
    predicted: SeriesLike = "forecast",
    *,
    reference_mae: float,
    time: SeriesLike = "time",
    window: int | None = None,
    max_ratio: float | None = None,
    max_bias: float | None = None,
    patience: int | None = None,
) -> DriftReport:
    """Compares live forecast errors with the model's reference error (its backtest MAE), in
    consecutive windows of ``window`` steps: a window drifts when its MAE exceeds ``max_ratio``
    times the reference or its mean error exceeds ``max_bias`` times it; the model is flagged for
    retraining when the last ``patience`` windows all drift. ``data`` is a table with the columns
    ``time``, ``actual`` and ``predicted``, or the timestamps with ``actual`` and ``predicted`` as
    arrays. Options left ``None`` take the core's defaults (24, 1.5, 0.75, 3)."""
    if data is not None and _is_table(data):
        table = _as_table(data, "data")
        t: Any = time if isinstance(time, str) else _column(time)
        a: Any = actual if isinstance(actual, str) else _col(actual)
        p: Any = predicted if isinstance(predicted, str) else _col(predicted)
    else:
        table, t, a, p = None, _column(data), _col(actual), _col(predicted)
    opts = _options(window=window, max_ratio=max_ratio, max_bias=max_bias, patience=patience)
    w, verdict = _native(_enms.forecast_drift)(table, t, a, p, float(reference_mae), opts)
    return DriftReport(pl.DataFrame(w), json.loads(verdict))
