"""The compiled core of the enms package (pyo3). Use the functions of ``enms`` itself: they take
datetimes and return polars DataFrames; these take microseconds and return Arrow streams / JSON."""

from typing import Any, final

__version__: str
__all__ = [
    "ArrowInterfaceError",
    "ArrowStream",
    "CarrierMismatchError",
    "ColumnNotFoundError",
    "DtypeError",
    "EmptyInputError",
    "EnmsError",
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
    "energy_cost",
    "kpi_report",
    "load_factor",
    "peak_demand",
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
) -> list[tuple[str, ArrowStream]]: ...
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
