"""Energy baselines (regression with statsmodels' statistics, change-point and TOWT models, driver
selection, performance against a baseline) and the isolation forest, in the manner of statsmodels
and scikit-learn. Every formula, default and check is in enms-core; this layer converts tables and
arrays, and reads the models' JSON for the statistics."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Union

import numpy as np
import polars as pl

from . import _column, _enms, _error, _native
from ._enms import EnmsError, InvalidParameterError

#: A table of drivers or features: a polars or pandas DataFrame, a pyarrow Table, a dict of
#: arrays, or a two-dimensional numpy array (columns named ``x0``, ``x1``, ...).
TableLike = Union[pl.DataFrame, Mapping[str, Any], np.ndarray, Any]
#: A column of numbers: a numpy array, a polars or pandas Series, a pyarrow array or a list.
ArrayLike = Union[np.ndarray, pl.Series, Sequence[float], Any]


def _invalid(field: str, message: str) -> EnmsError:
    return _error(InvalidParameterError, "INVALID_PARAMETER", field, message)


def _table(X: TableLike, name: str = "X") -> pl.DataFrame:
    """A table as a polars DataFrame (no copy for polars and Arrow input); boolean columns become
    0/1 numbers."""
    if isinstance(X, pl.DataFrame):
        df = X
    elif isinstance(X, np.ndarray):
        if X.ndim != 2:
            raise _invalid(name, f"`{name}` must be two-dimensional, got {X.ndim} dimensions")
        df = pl.from_numpy(X, schema=[f"x{i}" for i in range(X.shape[1])], orient="row")
    elif isinstance(X, Mapping):
        df = pl.DataFrame({str(k): v for k, v in X.items()})
    elif hasattr(X, "iloc") and hasattr(X, "columns"):  # pandas
        df = pl.from_pandas(X)
    elif hasattr(X, "__arrow_c_stream__"):
        df = pl.DataFrame(X)
    else:
        raise _error(
            _enms.ArrowInterfaceError,
            "ARROW",
            name,
            f"`{name}` must be a DataFrame, a dict of arrays or a 2-D numpy array, got {type(X).__name__}",
        )
    bools = [c for c, t in df.schema.items() if t == pl.Boolean]
    if bools:
        df = df.with_columns(pl.col(bools).cast(pl.Float64))
    return df


def _array(v: ArrayLike) -> Any:
    """A column as the compiled module reads it (numpy float64 and Arrow without a copy)."""
    if hasattr(v, "__arrow_c_stream__") or hasattr(v, "__arrow_c_array__"):
        return v
    if isinstance(v, np.ndarray):
        return np.ascontiguousarray(v, dtype=np.float64) if v.dtype.kind in "iub" else v
    if hasattr(v, "to_numpy") and hasattr(v, "dtype"):  # pandas Series
        return pl.Series(v)
    if isinstance(v, (list, tuple)):
        return np.asarray(v, dtype=np.float64)
    return v


def _column_of(stream: Any) -> np.ndarray:
    return pl.DataFrame(stream).to_series(0).to_numpy()


def _f(x: float | None) -> float:
    return float("nan") if x is None else float(x)


class _OlsStatistics:
    """Statistics of a fitted regression, with statsmodels' names. Arrays follow ``param_names``
    (``const`` first with an intercept; a categorical driver as ``driver=level`` columns)."""

    _fit: dict[str, Any]

    @property
    def param_names(self) -> list[str]:
        """Names of the coefficients, in order."""
        return [c["name"] for c in self._fit["coefficients"]]

    def _coef(self, key: str) -> np.ndarray:
        return np.array([_f(c[key]) for c in self._fit["coefficients"]], dtype=np.float64)

    @property
    def params(self) -> np.ndarray:
        """Coefficients."""
        return self._coef("estimate")

    @property
    def bse(self) -> np.ndarray:
        """Standard errors of the coefficients."""
        return self._coef("std_error")

    @property
    def tvalues(self) -> np.ndarray:
        """t statistics."""
        return self._coef("t")

    @property
    def pvalues(self) -> np.ndarray:
        """Two-sided p-values of the t statistics."""
        return self._coef("p_value")

    def conf_int(self) -> np.ndarray:
        """Confidence intervals of the coefficients at the model's confidence level, shape (k, 2)."""
        return np.column_stack([self._coef("ci_low"), self._coef("ci_high")])

    @property
    def vif(self) -> np.ndarray:
        """Variance inflation factor per coefficient (NaN for the intercept and a lone column)."""
        return self._coef("vif")

    @property
    def nobs(self) -> int:
        """Number of observations."""
        return int(self._fit["n"])

    @property
    def df_model(self) -> float:
        """Model degrees of freedom."""
        return float(self._fit["df_model"])

    @property
    def df_resid(self) -> float:
        """Residual degrees of freedom."""
        return float(self._fit["df_resid"])

    @property
    def rsquared(self) -> float:
        """R²."""
        return _f(self._fit["r_squared"])

    @property
    def rsquared_adj(self) -> float:
        """Adjusted R²."""
        return _f(self._fit["adj_r_squared"])

    @property
    def fvalue(self) -> float:
        """F statistic of the model."""
        return _f(self._fit["f_statistic"])

    @property
    def f_pvalue(self) -> float:
        """p-value of the F statistic."""
        return _f(self._fit["f_p_value"])

    @property
    def ssr(self) -> float:
        """Sum of squared residuals."""
        return _f(self._fit["ssr"])

    @property
    def resid_std_err(self) -> float:
        """Residual standard error."""
        return _f(self._fit["residual_std_error"])

    @property
    def llf(self) -> float:
        """Log-likelihood."""
        return _f(self._fit["log_likelihood"])

    @property
    def aic(self) -> float:
        """Akaike information criterion."""
        return _f(self._fit["aic"])

    @property
    def bic(self) -> float:
        """Bayesian information criterion."""
        return _f(self._fit["bic"])

    @property
    def durbin_watson(self) -> float:
        """Durbin-Watson statistic of the residuals."""
        return _f(self._fit["durbin_watson"])

    @property
    def cv_rmse(self) -> float:
        """CV(RMSE), percent (ASHRAE Guideline 14, degrees of freedom n - p)."""
        return _f(self._fit["cv_rmse_pct"])

    @property
    def nmbe(self) -> float:
        """NMBE, percent (ASHRAE Guideline 14, degrees of freedom n - p)."""
        return _f(self._fit["nmbe_pct"])


def _prediction(stream: Any) -> pl.DataFrame:
    return pl.DataFrame(stream)


class OlsResults(_OlsStatistics):
    """An ordinary least squares fit (see :func:`ols`)."""

    def __init__(self, inner: _enms.OlsModel) -> None:
        self._inner = inner
        self._fit = json.loads(inner.to_json())

    def predict(self, X: TableLike) -> np.ndarray:
        """Predicted means for the columns of ``X`` (by name)."""
        return self.predict_interval(X)["mean"].to_numpy()

    def predict_interval(self, X: TableLike, level: float | None = None) -> pl.DataFrame:
        """``mean``, ``ci_low``/``ci_high`` (of the mean) and ``pi_low``/``pi_high`` (of a new
        observation) at ``level`` (default: the fit's confidence)."""
        return _prediction(_native(self._inner.predict_interval)(_table(X), level))

    def summary(self) -> str:
        """The statsmodels-like summary table."""
        return self._inner.summary()

    def to_json(self) -> str:
        """The fit as JSON."""
        return self._inner.to_json()

    def __repr__(self) -> str:
        return f"OlsResults(nobs={self.nobs}, rsquared={self.rsquared:.4f}, params={self.param_names})"


def ols(y: ArrayLike, X: TableLike, *, intercept: bool | None = None, confidence: float | None = None) -> OlsResults:
    """OLS of ``y`` on the numeric columns of ``X`` with statsmodels' statistics (QR, not normal
    equations). ``intercept`` and ``confidence`` default to the core's (an intercept, 0.95)."""
    return OlsResults(_native(_enms.ols)(_array(y), _table(X), intercept=intercept, confidence=confidence))


class Performance:
    """Energy performance of a reporting period against a baseline: ``frame`` holds ``expected``,
    ``actual``, ``deviation`` (actual - expected) and ``cusum`` per period; the scalars are the
    totals, the EnPI index (actual / expected), savings (expected - actual) with their
    uncertainty and interval, and the fractional savings uncertainty (ASHRAE Guideline 14)."""

    def __init__(self, frame: pl.DataFrame, scalars: dict[str, Any]) -> None:
        self.frame = frame
        self._s = scalars

    @property
    def total_actual(self) -> float:
        """Actual energy over the period."""
        return _f(self._s["total_actual"])

    @property
    def total_expected(self) -> float:
        """Expected (adjusted baseline) energy over the period."""
        return _f(self._s["total_expected"])

    @property
    def enpi_index(self) -> float:
        """Regression-based EnPI: actual / expected."""
        return _f(self._s["enpi_index"])

    @property
    def savings(self) -> float:
        """Expected - actual energy."""
        return _f(self._s["savings"])

    @property
    def savings_fraction(self) -> float:
        """Savings / expected."""
        return _f(self._s["savings_fraction"])

    @property
    def savings_uncertainty(self) -> float:
        """Half-width of the savings interval."""
        return _f(self._s["savings_uncertainty"])

    @property
    def savings_low(self) -> float:
        """Lower end of the savings interval."""
        return _f(self._s["savings_low"])

    @property
    def savings_high(self) -> float:
        """Upper end of the savings interval."""
        return _f(self._s["savings_high"])

    @property
    def fsu(self) -> float | None:
        """Fractional savings uncertainty (None without savings)."""
        v = self._s.get("fractional_savings_uncertainty")
        return None if v is None else float(v)

    @property
    def confidence(self) -> float:
        """Confidence level of the interval."""
        return _f(self._s["confidence"])

    @property
    def baseline_passed(self) -> bool:
        """Whether the baseline passed its gates."""
        return bool(self._s["baseline_passed"])

    def to_dict(self) -> dict[str, Any]:
        """The scalars as a dict."""
        return dict(self._s)

    def __repr__(self) -> str:
        return (
            f"Performance(periods={self.frame.height}, enpi_index={self.enpi_index:.4f}, "
            f"savings={self.savings:.4g} [{self.savings_low:.4g}, {self.savings_high:.4g}])"
        )


class Baseline(_OlsStatistics):
    """An ISO 50001 energy baseline: energy per period regressed on its drivers (numeric columns
    as they are, text columns as categorical drivers with one indicator per non-reference level),
    with statsmodels' statistics and the validation gates.

    Parameters left ``None`` take the core's defaults: ``gates=("charter",)``, ``confidence=0.95``,
    ``intercept=True``, ``target="energy_kwh"``. Gate sets: ``charter``, ``sep``,
    ``ashrae14-hourly``/``ashrae14-daily``/``ashrae14-monthly``.
    """

    def __init__(
        self,
        gates: Sequence[str] | None = None,
        confidence: float | None = None,
        intercept: bool | None = None,
        target: str | None = None,
    ) -> None:
        self.gates_requested = None if gates is None else [gates] if isinstance(gates, str) else [str(g) for g in gates]
        self.confidence = confidence
        self.intercept = intercept
        self.target = target
        self._inner: _enms.BaselineModel | None = None
        self._model: dict[str, Any] = {}

    def _set(self, inner: _enms.BaselineModel) -> Baseline:
        self._inner = inner
        self._model = json.loads(inner.to_json())
        self._fit = self._model["fit"]
        return self

    def _fitted(self) -> _enms.BaselineModel:
        if self._inner is None:
            raise _invalid("baseline", "the baseline is not fitted yet: call fit(X, y) first")
        return self._inner

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn's convention)."""
        return {
            "gates": self.gates_requested,
            "confidence": self.confidence,
            "intercept": self.intercept,
            "target": self.target,
        }

    def fit(self, X: TableLike, y: ArrayLike) -> Baseline:
        """Fits the energy ``y`` (one value per period) on the drivers in the columns of ``X`` and
        checks the gates. A model that fails them is kept but refused by :meth:`performance`."""
        inner = _native(_enms.baseline_fit)(
            _array(y),
            _table(X),
            target=self.target,
            intercept=self.intercept,
            confidence=self.confidence,
            gates=self.gates_requested,
        )
        return self._set(inner)

    def predict(self, X: TableLike) -> np.ndarray:
        """Expected energy for the drivers in ``X``."""
        return self.predict_interval(X)["mean"].to_numpy()

    def predict_interval(self, X: TableLike, level: float | None = None) -> pl.DataFrame:
        """``mean``, ``ci_low``/``ci_high`` (of the mean) and ``pi_low``/``pi_high`` (of a new
        period) at ``level`` (default: the model's confidence)."""
        return _prediction(_native(self._fitted().predict_interval)(_table(X), level))

    def performance(
        self,
        X: TableLike,
        actual: ArrayLike,
        *,
        confidence: float | None = None,
        allow_failed_gates: bool | None = None,
    ) -> Performance:
        """Deviation, CUSUM, EnPI and savings of ``actual`` energy against the baseline for the
        drivers ``X`` of a reporting period. Refuses a model that failed its gates unless
        ``allow_failed_gates``; ``confidence`` defaults to the core's (0.9)."""
        stream, scalars = _native(self._fitted().performance)(
            _table(X), _array(actual), confidence=confidence, allow_failed_gates=allow_failed_gates
        )
        return Performance(pl.DataFrame(stream), json.loads(scalars))

    @property
    def gates(self) -> list[dict[str, Any]]:
        """Report of each gate set: ``set``, ``passed`` and ``failures`` (``gate``, ``reason``)."""
        self._fitted()
        return list(self._model["gates"])

    @property
    def passed(self) -> bool:
        """Whether every gate set passed."""
        return all(g["passed"] for g in self.gates)

    @property
    def failures(self) -> list[str]:
        """Every failing gate as a sentence."""
        return [f"{g['set']} {f['gate']}: {f['reason']}" for g in self.gates for f in g["failures"]]

    @property
    def drivers(self) -> list[dict[str, Any]]:
        """The drivers as the model uses them (categorical ones with reference and levels)."""
        self._fitted()
        return list(self._model["drivers"])

    def summary(self) -> str:
        """The statsmodels-like summary table."""
        return self._fitted().summary()

    def to_json(self) -> str:
        """The fitted model as JSON (with its format version): save it, load it with
        :meth:`from_json`."""
        return self._fitted().to_json()

    @classmethod
    def from_json(cls, text: str) -> Baseline:
        """A fitted model from :meth:`to_json`'s text."""
        b = cls()._set(_native(_enms.BaselineModel.from_json)(text))
        options = b._fit["options"]
        b.gates_requested = [g["set"] for g in b._model["gates"]]
        b.confidence = float(options["confidence"])
        b.intercept = bool(options["intercept"])
        b.target = str(b._model["target"])
        return b

    def __repr__(self) -> str:
        if self._inner is None:
            return f"Baseline(gates={self.gates_requested}, confidence={self.confidence}, intercept={self.intercept}, target={self.target})"
        state = "passed" if self.passed else "FAILED " + "; ".join(self.failures)
        return (
            f"Baseline(target={self._model['target']!r}, nobs={self.nobs}, params={self.param_names}, "
            f"rsquared={self.rsquared:.4f}, gates {state})"
        )


def select_drivers(
    X: TableLike,
    y: ArrayLike,
    *,
    max_drivers: int | None = None,
    max_vif: float | None = None,
    expected_signs: Mapping[str, float] | None = None,
    gates: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Every subset of the columns of ``X`` up to ``max_drivers`` (core default 3), ranked:
    recommended first, then adjusted R² and AIC. One row per candidate with its ``problems``."""
    text = _native(_enms.select_drivers)(
        _array(y),
        _table(X),
        max_drivers=max_drivers,
        max_vif=max_vif,
        expected_signs=None if expected_signs is None else [(k, float(v)) for k, v in expected_signs.items()],
        gates=None if gates is None else [gates] if isinstance(gates, str) else [str(g) for g in gates],
    )
    rows = json.loads(text)
    schema: dict[str, Any] = {
        "drivers": pl.List(pl.String),
        "adj_r_squared": pl.Float64,
        "aic": pl.Float64,
        "max_vif": pl.Float64,
        "gates_passed": pl.Boolean,
        "signs_ok": pl.Boolean,
        "vif_ok": pl.Boolean,
        "problems": pl.List(pl.String),
    }
    df = pl.DataFrame(rows, schema=schema)
    return df.with_columns(recommended=pl.col("problems").list.len() == 0)


class ChangePointModel(_OlsStatistics):
    """A temperature change-point model (mean, 3P heating/cooling, 4P, 5P) chosen in the CalTRACK
    manner; statistics are those of its final regression."""

    def __init__(self, inner: _enms.ChangePointFit) -> None:
        self._inner = inner
        self._model = json.loads(inner.to_json())
        self._fit = self._model["fit"]

    @property
    def kind(self) -> str:
        """The chosen shape."""
        return str(self._model["kind"])

    @property
    def heating_balance_c(self) -> float | None:
        """Heating balance point, °C."""
        v = self._model.get("heating_balance_c")
        return None if v is None else float(v)

    @property
    def cooling_balance_c(self) -> float | None:
        """Cooling balance point, °C."""
        v = self._model.get("cooling_balance_c")
        return None if v is None else float(v)

    @property
    def candidates(self) -> pl.DataFrame:
        """Every shape searched with its balance points, adjusted R² and whether it qualified."""
        return pl.DataFrame(
            self._model["candidates"],
            schema={
                "kind": pl.String,
                "heating_balance_c": pl.Float64,
                "cooling_balance_c": pl.Float64,
                "adj_r_squared": pl.Float64,
                "qualified": pl.Boolean,
            },
        )

    def predict(self, temp_c: ArrayLike) -> np.ndarray:
        """Expected energy at the temperatures ``temp_c``."""
        return _column_of(self._inner.predict(_array(temp_c)))

    def performance(self, temp_c: ArrayLike, actual: ArrayLike, *, confidence: float | None = None) -> Performance:
        """Deviation, CUSUM, EnPI and savings of the reporting period's ``actual`` energy against
        the model's expectation at its temperatures ``temp_c`` (the adjusted baseline), with the
        savings uncertainty of ASHRAE Guideline 14 at ``confidence`` (default 0.9)."""
        stream, scalars = _native(self._inner.performance)(_array(temp_c), _array(actual), confidence=confidence)
        return Performance(pl.DataFrame(stream), json.loads(scalars))

    def summary(self) -> str:
        """The statsmodels-like summary of the final regression."""
        return self._inner.summary()

    def to_json(self) -> str:
        """The model as JSON."""
        return self._inner.to_json()

    def __repr__(self) -> str:
        return (
            f"ChangePointModel(kind={self.kind!r}, heating_balance_c={self.heating_balance_c}, "
            f"cooling_balance_c={self.cooling_balance_c}, rsquared={self.rsquared:.4f})"
        )


def fit_change_point(
    temp_c: ArrayLike, energy: ArrayLike, *, kinds: Sequence[str] | None = None, confidence: float | None = None
) -> ChangePointModel:
    """Searches every change-point shape (``kinds``, default all: ``mean``, ``heating_3p``,
    ``cooling_3p``, ``four_p``, ``five_p``) and balance point for ``energy`` per period against the
    period's mean outdoor temperature ``temp_c``, and fits the best qualifying model."""
    return ChangePointModel(
        _native(_enms.fit_change_point)(
            _array(temp_c), _array(energy), kinds=None if kinds is None else list(kinds), confidence=confidence
        )
    )


class _TimeTempModel:
    """What the TOWT and daily models share: fitted on energy per period starting at ``time``
    with the period's mean outdoor temperature; statistics, prediction, savings and JSON."""

    def __init__(self, inner: _enms.TowtFit | _enms.DailyFit) -> None:
        self._inner = inner
        self._model = json.loads(inner.to_json())

    @property
    def nobs(self) -> int:
        """Training periods."""
        return int(self._model["n"])

    @property
    def n_params(self) -> int:
        """Fitted parameters."""
        return int(self._model["n_params"])

    @property
    def rsquared(self) -> float:
        """R² on the training periods."""
        return _f(self._model["r_squared"])

    @property
    def cv_rmse(self) -> float:
        """CV(RMSE), percent, with ``n - p`` degrees of freedom (ASHRAE Guideline 14)."""
        return _f(self._model["cv_rmse_pct"])

    @property
    def nmbe(self) -> float:
        """NMBE, percent."""
        return _f(self._model["nmbe_pct"])

    @property
    def resid_autocorr(self) -> float:
        """Lag-1 autocorrelation of the training residuals (it widens the savings uncertainty)."""
        return _f(self._model.get("resid_autocorr_lag1", 0.0))

    def predict(self, time: ArrayLike, temp_c: ArrayLike) -> np.ndarray:
        """Expected energy for the periods starting at ``time`` with temperatures ``temp_c``."""
        return _column_of(self._inner.predict(_column(time), _array(temp_c)))

    def performance(
        self, time: ArrayLike, temp_c: ArrayLike, actual: ArrayLike, *, confidence: float | None = None
    ) -> Performance:
        """Deviation, CUSUM, EnPI and savings of the reporting period's ``actual`` energy (periods
        starting at ``time``, temperatures ``temp_c``) against the model's expectation (the
        adjusted baseline), with the savings uncertainty of ASHRAE Guideline 14 at
        ``confidence`` (default 0.9)."""
        stream, scalars = _native(self._inner.performance)(
            _column(time), _array(temp_c), _array(actual), confidence=confidence
        )
        return Performance(pl.DataFrame(stream), json.loads(scalars))

    def to_json(self) -> str:
        """The model as JSON."""
        return self._inner.to_json()


class TowtModel(_TimeTempModel):
    """An hourly time-of-week-and-temperature model."""

    def __repr__(self) -> str:
        return f"TowtModel(rsquared={self.rsquared:.4f}, cv_rmse={self.cv_rmse:.2f})"


def fit_towt(
    time: ArrayLike,
    temp_c: ArrayLike,
    energy: ArrayLike,
    *,
    timezone: str | None = None,
    knots_c: Sequence[float] | None = None,
    occupancy_threshold: float | None = None,
) -> TowtModel:
    """Fits the hourly TOWT model on ``energy`` per hour starting at ``time`` with the hour's mean
    outdoor temperature ``temp_c``; hour-of-week in the site's ``timezone`` (core default UTC)."""
    return TowtModel(
        _native(_enms.fit_towt)(
            _column(time),
            _array(temp_c),
            _array(energy),
            timezone=timezone,
            knots_c=None if knots_c is None else [float(k) for k in knots_c],
            occupancy_threshold=occupancy_threshold,
        )
    )


class DailyModel(_TimeTempModel):
    """A daily model by season and day type with smoothed change points (eemeter 4's method):
    segments chosen by a penalised criterion, each a mean, 3P, 4P or 5P model."""

    @property
    def segments(self) -> pl.DataFrame:
        """One row per segment: name (eemeter's notation, e.g. ``wd-su_sh``), day type, seasons,
        shape, intercept, heating and cooling balance points, slopes and smoothing widths (°C),
        days, parameters, SSE and R²."""
        rows = []
        for s in self._model["segments"]:
            h, c = s["heating"] or {}, s["cooling"] or {}
            rows.append(
                {
                    "name": s["name"],
                    "day_type": s["day_type"],
                    "seasons": s["seasons"],
                    "kind": s["kind"],
                    "intercept": _f(s["intercept"]),
                    "heating_balance_c": h.get("balance_c"),
                    "heating_slope": h.get("slope"),
                    "heating_smoothing_c": h.get("smoothing_c"),
                    "cooling_balance_c": c.get("balance_c"),
                    "cooling_slope": c.get("slope"),
                    "cooling_smoothing_c": c.get("smoothing_c"),
                    "n": s["n"],
                    "n_params": s["n_params"],
                    "sse": _f(s["sse"]),
                    "rsquared": _f(s["r_squared"]),
                }
            )
        return pl.DataFrame(
            rows,
            schema={
                "name": pl.String,
                "day_type": pl.String,
                "seasons": pl.List(pl.String),
                "kind": pl.String,
                "intercept": pl.Float64,
                "heating_balance_c": pl.Float64,
                "heating_slope": pl.Float64,
                "heating_smoothing_c": pl.Float64,
                "cooling_balance_c": pl.Float64,
                "cooling_slope": pl.Float64,
                "cooling_smoothing_c": pl.Float64,
                "n": pl.Int64,
                "n_params": pl.Int64,
                "sse": pl.Float64,
                "rsquared": pl.Float64,
            },
        )

    @property
    def candidates(self) -> pl.DataFrame:
        """Every segmentation considered, best first: its segments, pooled SSE and criterion."""
        return pl.DataFrame(
            self._model["candidates"],
            schema={"segments": pl.List(pl.String), "sse": pl.Float64, "criterion": pl.Float64},
        )

    @property
    def criterion(self) -> float:
        """The selection criterion of the chosen segmentation (lower is better)."""
        return _f(self._model["criterion"])

    @classmethod
    def from_json(cls, text: str) -> DailyModel:
        """A model from :meth:`to_json`'s text."""
        return cls(_native(_enms.DailyFit.from_json)(text))

    def __repr__(self) -> str:
        names = ", ".join(s["name"] for s in self._model["segments"])
        return f"DailyModel(segments=[{names}], rsquared={self.rsquared:.4f}, cv_rmse={self.cv_rmse:.2f})"


def fit_daily(
    time: ArrayLike,
    temp_c: ArrayLike,
    energy: ArrayLike,
    *,
    timezone: str | None = None,
    seasons: Sequence[str] | None = None,
    weekend: Sequence[bool] | None = None,
    split_seasons: bool | None = None,
    split_weekday_weekend: bool | None = None,
    min_segment_days: int | None = None,
    min_days_beyond: int | None = None,
    step_c: float | None = None,
    smoothing_c: Sequence[float] | None = None,
    kinds: Sequence[str] | None = None,
    split_criterion: str | Mapping[str, Any] | None = None,
    shape_criterion: str | None = None,
) -> DailyModel:
    """Fits the daily model on ``energy`` per day starting at ``time`` with the day's mean outdoor
    temperature ``temp_c``; each day's local date in ``timezone`` gives its season (``seasons``:
    twelve names, January first, of ``summer``, ``shoulder``, ``winter``) and day type (``weekend``:
    seven flags, Monday first). ``split_criterion``: ``"bic"`` or
    ``{"penalised_bic": {"multiplier": c0, "power": d0}}``; ``shape_criterion``: ``"adjusted_r2"``
    or ``"bic"``. Options left ``None`` take the core's defaults (eemeter's)."""

    def js(v: Any) -> str | None:
        return None if v is None else json.dumps(v)

    return DailyModel(
        _native(_enms.fit_daily)(
            _column(time),
            _array(temp_c),
            _array(energy),
            timezone=timezone,
            seasons=js(None if seasons is None else list(seasons)),
            weekend=js(None if weekend is None else [bool(w) for w in weekend]),
            split_seasons=split_seasons,
            split_weekday_weekend=split_weekday_weekend,
            min_segment_days=min_segment_days,
            min_days_beyond=min_days_beyond,
            step_c=step_c,
            smoothing_c=None if smoothing_c is None else [float(k) for k in smoothing_c],
            kinds=js(None if kinds is None else list(kinds)),
            split_criterion=js(split_criterion),
            shape_criterion=js(shape_criterion),
        )
    )


class IsolationForest:
    """Isolation forest with scikit-learn's algorithm, parameters and conventions: ``score_samples``
    (``-2^(-E[h]/c(max_samples))``, lower is more abnormal), ``decision_function``
    (``score_samples - offset_``, negative for anomalies), ``predict`` (+1 / -1).

    ``max_samples`` is ``"auto"`` (``min(256, n)``) or a number of rows; ``contamination`` is
    ``"auto"`` (offset -0.5) or a fraction in (0, 0.5]. ``n_estimators`` and ``max_features`` left
    ``None`` take the core's defaults (100, 1.0); ``random_state=None`` takes the core's default seed
    (0: fits are reproducible); ``n_jobs=None`` or ``-1`` uses every core (results do not depend on
    the thread count). ``bootstrap`` and ``warm_start`` are accepted only as ``False``.
    """

    def __init__(
        self,
        *,
        n_estimators: int | None = None,
        max_samples: int | str = "auto",
        contamination: float | str = "auto",
        max_features: float | None = None,
        bootstrap: bool = False,
        n_jobs: int | None = None,
        random_state: int | None = None,
        verbose: int = 0,
        warm_start: bool = False,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.contamination = contamination
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self._inner: _enms.IsolationForestModel | None = None

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn's convention)."""
        return {
            k: getattr(self, k)
            for k in (
                "n_estimators",
                "max_samples",
                "contamination",
                "max_features",
                "bootstrap",
                "n_jobs",
                "random_state",
                "verbose",
                "warm_start",
            )
        }

    def set_params(self, **params: Any) -> IsolationForest:
        """Sets constructor parameters (scikit-learn's convention)."""
        for k, v in params.items():
            if k not in self.get_params():
                raise _invalid(k, f"IsolationForest has no parameter `{k}`")
            setattr(self, k, v)
        return self

    def _args(self) -> dict[str, Any]:
        if self.bootstrap:
            raise _invalid("bootstrap", "bootstrap=True is not supported: trees subsample without replacement")
        if self.warm_start:
            raise _invalid("warm_start", "warm_start=True is not supported: fit grows a new forest")
        ms = self.max_samples
        if isinstance(ms, str):
            if ms != "auto":
                raise _invalid("max_samples", f"`max_samples` must be 'auto' or a number of rows, got {ms!r}")
            max_samples = None
        elif isinstance(ms, (int, np.integer)) and not isinstance(ms, bool):
            max_samples = int(ms)
        else:
            raise _invalid(
                "max_samples",
                f"`max_samples` must be 'auto' or a number of rows (an int), got {ms!r}",
            )
        c = self.contamination
        if isinstance(c, str):
            if c != "auto":
                raise _invalid("contamination", f"`contamination` must be 'auto' or a fraction, got {c!r}")
            contamination = None
        elif isinstance(c, (int, float, np.floating)) and not isinstance(c, bool):
            contamination = float(c)
        else:
            raise _invalid("contamination", f"`contamination` must be 'auto' or a fraction, got {c!r}")
        nj = self.n_jobs
        if nj is not None and (not isinstance(nj, (int, np.integer)) or isinstance(nj, bool) or (nj != -1 and nj < 1)):
            raise _invalid("n_jobs", f"`n_jobs` must be None, -1 or a positive number of threads, got {nj}")
        return {
            "n_estimators": self.n_estimators,
            "max_samples": max_samples,
            "contamination": contamination,
            "max_features": None if self.max_features is None else float(self.max_features),
            "random_state": self.random_state,
            "n_jobs": None if nj is None or nj == -1 else int(nj),
        }

    def _fitted(self) -> _enms.IsolationForestModel:
        if self._inner is None:
            raise _invalid("X", "this IsolationForest is not fitted yet: call fit(X) first")
        return self._inner

    def _X(self, X: TableLike) -> pl.DataFrame | np.ndarray:
        if isinstance(X, np.ndarray) and X.ndim == 2 and X.dtype.kind in "fiub":
            # read in place by the core, row after row (a copy only for another dtype or
            # layout); columns by position, under the names the forest was fitted with
            return np.ascontiguousarray(X, dtype=np.float64)
        df = _table(X)
        if self._inner is None:
            return df
        names = self._inner.feature_names
        if not hasattr(X, "columns") and not isinstance(X, Mapping):
            # an array: columns by position, under the names the forest was fitted with
            if len(names) == df.width:
                df = df.rename(dict(zip(df.columns, names)))
        elif len(names) == df.width:
            # named columns are matched by name, as scikit-learn does: another name is an error
            # naming the fitted feature that is missing, never a silent read by position (also
            # for a forest fitted on an array, whose names are x0, x1, ...: scikit-learn would
            # warn and read by position)
            for name in names:
                if name not in df.columns:
                    raise _invalid(
                        name, f"the forest was fitted on this feature; got {', '.join(df.columns)}"
                    )
        return df

    def fit(self, X: TableLike, y: Any = None, sample_weight: Any = None) -> IsolationForest:
        """Grows the forest on ``X`` (rows are samples, columns features). ``y`` is ignored."""
        if sample_weight is not None:
            raise _invalid("sample_weight", "sample weights are not supported")
        self._inner = _native(_enms.iforest_fit)(self._X(X), **self._args())
        return self

    def score_samples(self, X: TableLike) -> np.ndarray:
        """The opposite of the anomaly score of the paper: lower is more abnormal."""
        return _column_of(self._fitted().score_samples(self._X(X)))

    def decision_function(self, X: TableLike) -> np.ndarray:
        """``score_samples(X) - offset_``: negative for anomalies."""
        return _column_of(self._fitted().decision_function(self._X(X)))

    def predict(self, X: TableLike) -> np.ndarray:
        """+1 for inliers, -1 for anomalies."""
        return _column_of(self._fitted().predict(self._X(X)))

    def fit_predict(self, X: TableLike, y: Any = None) -> np.ndarray:
        """``fit(X).predict(X)``."""
        return self.fit(X).predict(X)

    @property
    def offset_(self) -> float:
        """``decision_function = score_samples - offset_``."""
        return self._fitted().offset

    @property
    def max_samples_(self) -> int:
        """Rows each tree was grown on."""
        return self._fitted().max_samples

    @property
    def n_features_in_(self) -> int:
        """Number of features seen in fit."""
        return len(self._fitted().feature_names)

    @property
    def feature_names_in_(self) -> np.ndarray:
        """Feature names seen in fit (``x0``, ``x1``, ... for an array)."""
        return np.array(self._fitted().feature_names, dtype=object)

    def to_json(self) -> str:
        """The fitted forest as JSON (no pickle needed): load it with :meth:`from_json`."""
        return self._fitted().to_json()

    @classmethod
    def from_json(cls, text: str) -> IsolationForest:
        """A fitted forest from :meth:`to_json`'s text (parameters restored as fitted)."""
        inner = _native(_enms.IsolationForestModel.from_json)(text)
        p = json.loads(text)["params"]
        c = p["contamination"]
        f = cls(
            n_estimators=int(p["n_estimators"]),
            max_samples="auto" if p["max_samples"] is None else int(p["max_samples"]),
            contamination="auto" if c == "auto" else float(c["fraction"]),
            max_features=float(p["max_features"]),
            random_state=int(p["random_state"]),
            n_jobs=p["n_jobs"],
        )
        f._inner = inner
        return f

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"IsolationForest({args})"


#: How a driver becomes one value per period: ``"sum"`` (counts labelled by interval end),
#: ``"mean"`` (time-weighted), ``"hdd"``/``"cdd"`` (degree-days from the local-day mean, core default
#: bases), ``"operating_hours"`` (0/1 running flag), ``"day_type"`` (weekday/weekend) and ``"shift"``
#: (need no readings), or the core's serde form as a dict, e.g.
#: ``{"kind": "heating_degree_days", "base_c": 18.0}``.
AggregationLike = Union[str, Mapping[str, Any]]


class ModellingTable:
    """One row per model period: ``frame`` holds ``start``, ``end``, ``energy_kwh`` and one column
    per driver; ``dropped`` lists the periods left out for short coverage, with the columns that
    fell short."""

    def __init__(self, frame: pl.DataFrame, info: dict[str, Any]) -> None:
        from . import _times

        self.frame = frame
        self.periods_total = int(info["periods_total"])
        self.dropped: list[dict[str, Any]] = _times(info["dropped"])

    @property
    def X(self) -> pl.DataFrame:
        """The driver columns, ready for :meth:`Baseline.fit`."""
        return self.frame.drop("start", "end", "energy_kwh")

    @property
    def y(self) -> np.ndarray:
        """Energy per period, kWh."""
        return self.frame["energy_kwh"].to_numpy()

    def __repr__(self) -> str:
        return f"ModellingTable(periods={self.frame.height} of {self.periods_total}, columns={self.frame.columns})"


def modelling_table(
    time: ArrayLike,
    power: ArrayLike,
    drivers: Mapping[str, tuple[AggregationLike, ArrayLike | None, ArrayLike | None] | AggregationLike],
    *,
    every: str,
    start: Any,
    end: Any,
    timezone: str | None = None,
    min_coverage: float | None = None,
    max_gap_s: float | None = None,
) -> ModellingTable:
    """Builds a modelling table from readings (enms-core's ``baseline::dataset``): energy per period
    of ``every`` (in the site's ``timezone``) from power readings (kW) at ``time``, and each driver
    ``name -> (aggregation, times, values)`` (or just the aggregation for ``day_type``/``shift``)
    aggregated to the same periods, over ``[start, end)``. Periods under ``min_coverage`` (core
    default) of any column are dropped and listed."""
    from . import _micros

    args = []
    for name, spec in drivers.items():
        if isinstance(spec, tuple):
            agg, t, v = spec
        else:
            agg, t, v = spec, None, None
        text = agg if isinstance(agg, str) else json.dumps(dict(agg))
        args.append((str(name), text, None if t is None else _column(t), None if v is None else _array(v)))
    t0, t1 = _micros(start, "start"), _micros(end, "end")
    if not isinstance(t0, int) or not isinstance(t1, int):
        raise _invalid("start", "`start` and `end` must be datetimes, dates or microseconds")
    stream, info = _native(_enms.modelling_table)(
        _column(time),
        _array(power),
        args,
        every,
        t0,
        t1,
        timezone=timezone,
        min_coverage=min_coverage,
        max_gap_s=max_gap_s,
    )
    return ModellingTable(pl.DataFrame(stream), json.loads(info))
