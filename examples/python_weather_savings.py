"""Weather-normalised savings of an energy measure, the ISO 50001 way, from a simulated plant.

    python examples/python_weather_savings.py

The demo plant's gas boiler gets a measure (a new burner control, 20 % less gas) after eight
weeks of winter. A model of the boiler's daily gas against the day's mean outdoor temperature is
fitted on those eight weeks (the baseline period); the four weeks after (the reporting period)
are compared with what the model expects at their temperatures: the avoided energy with its
ASHRAE Guideline 14 uncertainty, the EnPI index and the CUSUM. The simulator makes the check
possible: the same seed without the measure is what the boiler would have burnt, so the true
saving is known.

Two models: the daily model by season and day type (eemeter 4's method), which finds that the
boiler burns less at weekends, and the plain temperature change-point model, which cannot see
the day type and so states a much wider uncertainty for the same saving.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import polars as pl

import enms

TZ = "Europe/Berlin"
START = datetime(2024, 12, 1, 23, tzinfo=timezone.utc)  # local midnight of Monday 2 December
MEASURE = START + timedelta(weeks=8)  # local midnight of Monday 27 January
END = MEASURE + timedelta(weeks=4)


def plant(measure: bool) -> dict[str, pl.DataFrame]:
    """Twelve weeks of the demo plant's boiler, with the measure from MEASURE or without it."""
    config: dict[str, Any] = enms.default_factory_config()
    if measure:
        config["measures"] = [{"machine_id": "boiler-1", "from": MEASURE.isoformat(), "efficiency_gain": 0.20}]
    return enms.simulate("2024-12-02", days=84, seed=7, config=config, machines=["boiler-1"], fault_rate=0.0)


def daily(data: dict[str, pl.DataFrame], start: datetime, end: datetime) -> enms.ModellingTable:
    """The boiler's gas per local day and the day's mean outdoor temperature."""
    gas, env = data["energy_readings"], data["environmental_data"]
    return enms.modelling_table(
        gas["time"],
        gas["power_kw"],
        {"outdoor_temp_c": ("mean", env["time"], env["outdoor_temp_c"])},
        every="1d",
        start=start,
        end=end,
        timezone=TZ,
    )


def show(name: str, r: enms.Performance, truth: float) -> None:
    inside = "inside" if r.savings_low <= truth <= r.savings_high else "outside"
    print(
        f"{name}: savings {r.savings:,.0f} kWh ± {r.savings_uncertainty:,.0f} kWh ({r.confidence:.0%}), "
        f"EnPI index {r.enpi_index:.3f}, CUSUM at the end {r.frame['cusum'][-1]:,.0f} kWh; "
        f"the true saving is {inside} the interval"
    )


def main() -> None:
    measured, without = plant(True), plant(False)
    base, report = daily(measured, START, MEASURE), daily(measured, MEASURE, END)
    truth = float(daily(without, MEASURE, END).y.sum() - report.y.sum())
    print(f"reporting period: {report.y.sum():,.0f} kWh of gas; true saving {truth:,.0f} kWh")

    model = enms.fit_daily(base.frame["start"], base.X["outdoor_temp_c"], base.y, timezone=TZ, min_segment_days=5)
    print(f"daily model: segments {', '.join(model.segments['name'])}, R² {model.rsquared:.3f}, CV(RMSE) {model.cv_rmse:.1f} %")
    show("daily model", model.performance(report.frame["start"], report.X["outdoor_temp_c"], report.y), truth)

    cp = enms.fit_change_point(base.X["outdoor_temp_c"], base.y)
    print(f"change-point model: {cp.kind}, R² {cp.rsquared:.3f}, CV(RMSE) {cp.cv_rmse:.1f} %")
    show("change-point model", cp.performance(report.X["outdoor_temp_c"], report.y), truth)


if __name__ == "__main__":
    main()
