"""The compiled core of the enms package (pyo3). Use the functions of ``enms`` itself: they take
datetimes and return polars DataFrames; these take microseconds and return Arrow streams / JSON."""

from typing import Any, final

__version__: str
__all__ = [
    "AnomalyDetectorModel",
    "ArrowInterfaceError",
    "ArrowStream",
    "BaselineModel",
    "ChangePointFit",
    "ForecasterModel",
    "IsolationForestModel",
    "OlsModel",
    "TowtFit",
    "DailyFit",
    "anomaly_fit",
    "baseline_fit",
    "build_features",
    "detect_anomalies",
    "fit_change_point",
    "fit_towt",
    "fit_daily",
    "forecast_backtest",
    "forecast_drift",
    "forecast_fit",
    "iforest_fit",
    "ols",
    "select_drivers",
    "CarrierMismatchError",
    "ColumnNotFoundError",
    "DtypeError",
    "EmptyInputError",
    "EnmsError",
    "InternalError",
    "InvalidParameterError",
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
    "default_factory_config",
    "energy_cost",
    "kpi_report",
    "load_factor",
    "local_day",
    "modelling_table",
    "peak_demand",
    "peak_forecast",
    "power_factor",
    "rollup",
    "sec_per_bucket",
    "simulate",
    "specific_energy_consumption",
    "standard_rollups",
]

class EnmsError(Exception):
    """Base class of every error raised by enms."""

    code: str
    field: str | None

class EmptyInputError(EnmsError, ValueError): ...
class LengthMismatchError(EnmsError, ValueError): ...
class NonFiniteError(EnmsError, ValueError): ...
class NegativeValueError(EnmsError, ValueError): ...
class TimestampOrderError(EnmsError, ValueError): ...
class UnitError(EnmsError, ValueError): ...
class InvalidParameterError(EnmsError, ValueError): ...
class TimeZoneError(EnmsError, ValueError): ...
class ParseError(EnmsError, ValueError): ...
class CarrierMismatchError(EnmsError, TypeError): ...
class TimestampOutOfRangeError(EnmsError, OverflowError): ...
class ColumnNotFoundError(EnmsError, KeyError): ...
class DtypeError(EnmsError, TypeError): ...
class ArrowInterfaceError(EnmsError, TypeError): ...
class SimulatorError(EnmsError, RuntimeError): ...
class UnknownMachineError(EnmsError, ValueError): ...
class InternalError(EnmsError, RuntimeError):
    """A bug in enms (a panic caught at the boundary): please report it."""

@final
class ArrowStream:
    """Record batches readable once through the Arrow PyCapsule interface."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

def simulate(
    start: str,
    *,
    seed: int,
    days: int | None = None,
    end: int | str | None = None,
    timezone: str | None = None,
    fault_rate: float | None = None,
    config: str | None = None,
    machines: list[str] | None = None,
) -> list[tuple[str, ArrowStream]]: ...
def default_factory_config() -> str: ...
def rollup(
    data: Any,
    every: str,
    *,
    time: Any,
    power: Any = None,
    energy: Any = None,
    interval_s: float | None = None,
    timezone: str | None = None,
    start: int | str | None = None,
    end: int | str | None = None,
    max_gap_s: float | None = None,
) -> ArrowStream: ...
def standard_rollups(
    data: Any,
    *,
    time: Any,
    power: Any,
    timezone: str | None = None,
    max_gap_s: float | None = None,
) -> list[tuple[str, ArrowStream]]: ...
def peak_demand(
    data: Any,
    *,
    time: Any,
    power: Any = None,
    energy: Any = None,
    interval_s: float | None = None,
    window_minutes: int | None = None,
    rolling_step_minutes: int | None = None,
    timezone: str | None = None,
    start: int | str | None = None,
    end: int | str | None = None,
    max_gap_s: float | None = None,
) -> str: ...
def load_factor(energy_kwh: float, period_hours: float, peak_demand_kw: float) -> float | None:
    """``mean power / peak demand`` with mean power = ``energy_kwh / period_hours``; None when the
    peak (kW) or the period (h) is not positive."""

def specific_energy_consumption(energy_kwh: float, production: float) -> float | None:
    """ISO 50006 SEC: ``energy_kwh / production`` (kWh per unit); None when nothing was produced."""

def power_factor(active_kwh: float, reactive_kvarh: float) -> float | None:
    """Energy-weighted power factor ``P / sqrt(P^2 + Q^2)`` from active energy (kWh) and reactive
    energy (kvarh); None when both are zero."""

def carbon_kg(energy_kwh: float, carrier: str, factors: dict[str, float] | None = None) -> float: ...
def default_carbon_factors() -> dict[str, float]:
    """The core's default emission factors, kg CO2 per kWh by energy carrier."""

def sec_per_bucket(
    data: Any,
    production: Any,
    every: str,
    *,
    time: Any,
    production_time: Any,
    production_count: Any,
    power: Any = None,
    energy: Any = None,
    interval_s: float | None = None,
    timezone: str | None = None,
    start: int | str | None = None,
    end: int | str | None = None,
    max_gap_s: float | None = None,
) -> ArrowStream: ...
def energy_cost(
    data: Any,
    tariff_json: str,
    every: str,
    *,
    time: Any,
    power: Any = None,
    energy: Any = None,
    interval_s: float | None = None,
    demand_charges: bool | None = None,
    fixed_charges: bool | None = None,
    start: int | str | None = None,
    end: int | str | None = None,
    max_gap_s: float | None = None,
) -> str: ...
def kpi_report(
    energy_readings: Any,
    machines: Any,
    production: Any = None,
    *,
    start: int | str | None = None,
    end: int | str | None = None,
    timezone: str | None = None,
    max_gap_s: float | None = None,
    window_minutes: int | None = None,
    rolling_step_minutes: int | None = None,
    carbon_factors: dict[str, float] | None = None,
    hourly_carbon: Any = None,
    tariff_json: str | None = None,
) -> str: ...

@final
class BaselineModel:
    """A fitted regression baseline (enms-core)."""

    def predict_interval(self, data: Any, level: float | None = None) -> ArrowStream: ...
    def performance(
        self,
        data: Any,
        actual: Any,
        *,
        confidence: float | None = None,
        allow_failed_gates: bool | None = None,
    ) -> tuple[ArrowStream, str]: ...
    def summary(self) -> str: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> BaselineModel: ...

@final
class OlsModel:
    """An ordinary least squares fit (enms-core)."""

    def predict_interval(self, data: Any, level: float | None = None) -> ArrowStream: ...
    def summary(self) -> str: ...
    def to_json(self) -> str: ...

@final
class ChangePointFit:
    """A fitted temperature change-point model (enms-core)."""

    def predict(self, temp_c: Any) -> ArrowStream: ...
    def performance(
        self, temp_c: Any, actual: Any, *, confidence: float | None = None
    ) -> tuple[ArrowStream, str]: ...
    def summary(self) -> str: ...
    def to_json(self) -> str: ...

@final
class TowtFit:
    """A fitted time-of-week-and-temperature model (enms-core)."""

    def predict(self, time: Any, temp_c: Any) -> ArrowStream: ...
    def performance(
        self, time: Any, temp_c: Any, actual: Any, *, confidence: float | None = None
    ) -> tuple[ArrowStream, str]: ...
    def to_json(self) -> str: ...

@final
class DailyFit:
    """A fitted daily model by season and day type (enms-core)."""

    def predict(self, time: Any, temp_c: Any) -> ArrowStream: ...
    def performance(
        self, time: Any, temp_c: Any, actual: Any, *, confidence: float | None = None
    ) -> tuple[ArrowStream, str]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> DailyFit: ...

@final
class IsolationForestModel:
    """A fitted isolation forest (enms-core)."""

    def score_samples(self, data: Any, *, names: list[str] | None = None) -> ArrowStream: ...
    def decision_function(self, data: Any, *, names: list[str] | None = None) -> ArrowStream: ...
    def predict(self, data: Any, *, names: list[str] | None = None) -> ArrowStream: ...
    @property
    def offset(self) -> float: ...
    @property
    def feature_names(self) -> list[str]: ...
    @property
    def max_samples(self) -> int: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> IsolationForestModel: ...

def baseline_fit(
    y: Any,
    data: Any,
    *,
    target: str | None = None,
    intercept: bool | None = None,
    confidence: float | None = None,
    gates: list[str] | None = None,
) -> BaselineModel: ...
def ols(y: Any, data: Any, *, intercept: bool | None = None, confidence: float | None = None) -> OlsModel: ...
def select_drivers(
    y: Any,
    data: Any,
    *,
    max_drivers: int | None = None,
    max_vif: float | None = None,
    expected_signs: list[tuple[str, float]] | None = None,
    gates: list[str] | None = None,
) -> str: ...
def fit_change_point(
    temp_c: Any, energy: Any, *, kinds: list[str] | None = None, confidence: float | None = None
) -> ChangePointFit: ...
def fit_towt(
    time: Any,
    temp_c: Any,
    energy: Any,
    *,
    timezone: str | None = None,
    knots_c: list[float] | None = None,
    occupancy_threshold: float | None = None,
) -> TowtFit: ...
def fit_daily(
    time: Any,
    temp_c: Any,
    energy: Any,
    *,
    timezone: str | None = None,
    seasons: str | None = None,
    weekend: str | None = None,
    split_seasons: bool | None = None,
    split_weekday_weekend: bool | None = None,
    min_segment_days: int | None = None,
    min_days_beyond: int | None = None,
    step_c: float | None = None,
    smoothing_c: list[float] | None = None,
    kinds: str | None = None,
    split_criterion: str | None = None,
    shape_criterion: str | None = None,
) -> DailyFit: ...
def iforest_fit(
    data: Any,
    *,
    n_estimators: int | None = None,
    max_samples: int | None = None,
    contamination: float | None = None,
    max_features: float | None = None,
    random_state: int | None = None,
    n_jobs: int | None = None,
    names: list[str] | None = None,
) -> IsolationForestModel: ...
def modelling_table(
    time: Any,
    power: Any,
    drivers: list[tuple[str, str, Any | None, Any | None]],
    every: str,
    start: int,
    end: int,
    *,
    timezone: str | None = None,
    min_coverage: float | None = None,
    max_gap_s: float | None = None,
) -> tuple[ArrowStream, str]: ...

@final
class ForecasterModel:
    """A fitted forecasting model (enms-core ``Forecaster``)."""

    def forecast(self, horizon: int, future: Any = None, levels: list[float] | None = None) -> ArrowStream: ...
    def forecast_json(self, horizon: int, future: Any = None, levels: list[float] | None = None) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def regressor_names(self) -> list[str]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> ForecasterModel: ...

def forecast_fit(
    data: Any, time: Any, y: Any, regressors: list[tuple[str, Any]], spec: str, horizon: int
) -> ForecasterModel: ...
def forecast_backtest(
    data: Any, time: Any, y: Any, regressors: list[tuple[str, Any]], spec: str, options: str
) -> tuple[ArrowStream, ArrowStream, str]: ...
def peak_forecast(forecast: str, start: int | str, end: int | str, options: str) -> str: ...
def local_day(date: str, time_zone: str) -> tuple[int, int]: ...
def forecast_drift(
    data: Any, time: Any, actual: Any, predicted: Any, reference_mae: float, options: str
) -> tuple[ArrowStream, str]: ...

@final
class AnomalyDetectorModel:
    """A detector fitted on a reference period (enms-core ``AnomalyDetector``)."""

    def score(self, data: Any, time: str, columns: list[str] | None = None) -> ArrowStream: ...
    def detect(self, data: Any, machine_id: str, time: str, columns: list[str] | None = None) -> ArrowStream: ...
    @property
    def targets(self) -> list[str]: ...
    def config_json(self) -> str: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> AnomalyDetectorModel: ...

def detect_anomalies(
    data: Any,
    machine_id: str,
    training: tuple[int | str, int | str],
    detection: tuple[int | str, int | str],
    time: str,
    columns: list[str] | None = None,
    config: str | None = None,
) -> ArrowStream: ...
def build_features(
    power: Any,
    start: int | str,
    end: int | str,
    production: Any = None,
    output: Any = None,
    counts: list[tuple[str, Any]] = ...,
    quantities: list[tuple[str, Any]] = ...,
    expected_kwh: Any = None,
    period_s: int | None = None,
    timezone: str | None = None,
    max_gap_s: float | None = None,
    min_coverage: float | None = None,
) -> ArrowStream: ...
def anomaly_fit(data: Any, time: str, columns: list[str] | None = None, config: str | None = None) -> AnomalyDetectorModel: ...
