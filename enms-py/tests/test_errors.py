"""The exception hierarchy: rooted at enms.EnmsError, each class also a built-in."""

from __future__ import annotations

import polars as pl
import pytest

import enms

BUILTIN = {
    "EmptyInputError": ValueError,
    "LengthMismatchError": ValueError,
    "NonFiniteError": ValueError,
    "NegativeValueError": ValueError,
    "TimestampOrderError": ValueError,
    "UnitError": ValueError,
    "InvalidParameterError": ValueError,
    "TimeZoneError": ValueError,
    "ParseError": ValueError,
    "CarrierMismatchError": TypeError,
    "TimestampOutOfRangeError": OverflowError,
    "ColumnNotFoundError": KeyError,
    "DtypeError": TypeError,
    "ArrowInterfaceError": TypeError,
    "SimulatorError": RuntimeError,
    "UnknownMachineError": ValueError,
    "InternalError": RuntimeError,
}


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_class_is_an_enms_error_and_a_builtin(name: str) -> None:
    cls = getattr(enms, name)
    assert issubclass(cls, enms.EnmsError)
    assert issubclass(cls, BUILTIN[name])
    assert cls.__module__ == "enms"


def test_the_module_exports_exactly_these_classes() -> None:
    found = {n for n in dir(enms) if isinstance(getattr(enms, n), type) and issubclass(getattr(enms, n), enms.EnmsError)}
    assert found == set(BUILTIN) | {"EnmsError"}


def test_errors_carry_code_and_field() -> None:
    df = pl.DataFrame({"time": [0, 1], "power_kw": [1.0, 2.0]}).with_columns(pl.col("time").cast(pl.Datetime("us", "UTC")))
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.rollup(df, "15m", max_gap_s=-1.0)
    assert e.value.code == "INVALID_PARAMETER"
    assert e.value.field == "max_gap_s"
    with pytest.raises(enms.TimeZoneError) as tz:
        enms.rollup(df, "1d", timezone="Mars/Olympus")
    assert tz.value.code == "UNKNOWN_TIME_ZONE"
    assert "Mars/Olympus" in str(tz.value)


def test_unknown_carrier_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        enms.carbon_kg(10.0, "antimatter")
