"""The daily model by season and day type (`enms.fit_daily`): known physics, a model as a value,
eemeter's sample meters (the core's reference fixture) and bad input."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pytest

import enms
from conftest import ROOT


def year(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    days = np.datetime64("2025-01-01", "us") + np.arange(365).astype("timedelta64[D]")
    temp = 11 - 12 * np.cos(np.arange(365) / 365 * 2 * np.pi) + rng.uniform(-3, 3, 365)
    weekend = ((days.astype("datetime64[D]").view("int64") - 4) % 7) >= 5  # 1970-01-05 was a Monday
    energy = np.where(weekend, 80.0, 300 + 12 * np.clip(15 - temp, 0, None)) + rng.normal(0, 2, 365)
    return days, temp, energy


def test_weekday_and_weekend_segments_are_found() -> None:
    days, temp, energy = year(3)
    m = enms.fit_daily(days, temp, energy)
    seg = m.segments
    assert seg["name"].to_list() == ["wd-su_sh_wi", "we-su_sh_wi"]
    wd = seg.row(0, named=True)
    assert wd["kind"] == "heating_3p"
    assert abs(wd["heating_balance_c"] - 15) <= 1 and abs(wd["heating_slope"] - 12) < 1
    assert abs(seg.row(1, named=True)["intercept"] - 80) < 2
    assert m.rsquared > 0.99 and m.nobs == 365 and m.n_params == seg["n_params"].sum()
    assert m.candidates["criterion"][0] == m.criterion
    pred = m.predict(days, temp)
    assert np.abs(pred - energy).mean() < 3
    back = enms.DailyModel.from_json(m.to_json())
    assert np.array_equal(back.predict(days, temp), pred)
    assert json.loads(m.to_json())["format_version"] == 1
    assert "wd-su_sh_wi" in repr(m)


def test_options_reach_the_core() -> None:
    days, temp, energy = year(4)
    one = enms.fit_daily(days, temp, energy, split_weekday_weekend=False, split_seasons=False)
    assert one.segments["name"].to_list() == ["fw-su_sh_wi"]
    m = enms.fit_daily(
        days,
        temp,
        energy,
        timezone="Europe/Berlin",
        seasons=["winter"] * 3 + ["shoulder"] * 3 + ["summer"] * 3 + ["shoulder"] * 3,
        weekend=[False] * 5 + [True, True],
        smoothing_c=[0.0, 2.0],
        kinds=["mean", "heating_3p"],
        split_criterion="bic",
        shape_criterion="bic",
        step_c=1.0,
    )
    assert set(m.segments["kind"].to_list()) <= {"mean", "heating_3p"}
    assert set(m.segments["heating_smoothing_c"].drop_nulls().to_list()) <= {0.0, 2.0}


def test_eemeter_samples_match_the_core_reference() -> None:
    fixture = json.loads((ROOT / "enms-core" / "tests" / "fixtures" / "eemeter_daily.json").read_text())
    for s in fixture["samples"]:
        days = np.array(s["dates"], dtype="datetime64[D]").astype("datetime64[us]")
        temp, energy = np.array(s["temp_c"]), np.array(s["energy"])
        m = enms.fit_daily(days, temp, energy)
        cv = 100 * np.sqrt(np.mean((energy - m.predict(days, temp)) ** 2)) / energy.mean()
        gap = 0.25 if s["name"] == "il-electricity-cdd-only-daily" else 1e-9
        assert cv <= s["eemeter_cv_rmse_pct"] + gap, s["name"]


def test_bad_input_names_the_field() -> None:
    days, temp, energy = year(5)
    bad = temp.copy()
    bad[9] = np.nan
    with pytest.raises(enms.NonFiniteError) as e:
        enms.fit_daily(days, bad, energy)
    assert e.value.field == "temp_c"
    with pytest.raises(enms.EnmsError) as e2:
        enms.fit_daily(days[::-1].copy(), temp, energy)
    assert e2.value.field == "time"
    with pytest.raises(enms.EnmsError) as e3:
        enms.fit_daily(days[:10], temp[:10], energy[:10])
    assert e3.value.field == "energy"
    with pytest.raises(enms.InvalidParameterError) as e4:
        enms.fit_daily(days, temp, energy, step_c=0.0)
    assert e4.value.field == "step_c"
    with pytest.raises(enms.InvalidParameterError) as e5:
        enms.fit_daily(days, temp, energy, seasons=["summer"] * 11)
    assert e5.value.field == "seasons"
    with pytest.raises(enms.EnmsError) as e6:
        enms.fit_daily(days, temp[:-1], energy)
    assert e6.value.field == "temp_c"
    m = enms.fit_daily(days, temp, energy)
    with pytest.raises(enms.NonFiniteError):
        m.predict(days[:2], np.array([1.0, np.inf]))


def test_savings_of_every_weather_model_are_found_within_their_uncertainty() -> None:
    """Each weather-normalised model reports a reporting period's savings (the core's
    `performance::report`): 6 % saved on a heating plant is found within the interval, and
    nothing saved gives an interval holding zero; the per-day frame adds up."""
    days, temp, _ = year(11)
    rng = np.random.default_rng(12)
    plant = lambda t: 300 + 12 * np.clip(15 - t, 0, None)  # noqa: E731
    energy = plant(temp) + rng.normal(0, 4, 365)
    days1 = days + np.timedelta64(365, "D")
    temp1 = temp[::-1] + rng.uniform(-1, 1, 365)
    unchanged = plant(temp1) + rng.normal(0, 4, 365)
    actual = 0.94 * unchanged
    truth = unchanged.sum() - actual.sum()
    daily = enms.fit_daily(days, temp, energy)
    cp = enms.fit_change_point(temp, energy)
    reports = {
        "daily": (daily.performance(days1, temp1, actual), daily.performance(days1, temp1, unchanged)),
        "change_point": (cp.performance(temp1, actual), cp.performance(temp1, unchanged, confidence=0.95)),
    }
    for name, (r, r0) in reports.items():
        assert r.savings_low <= truth <= r.savings_high, (name, truth, r)
        assert r.savings_low > 0 and r.enpi_index < 1 and r.baseline_passed, name
        assert r0.savings_low <= 0 <= r0.savings_high, (name, r0)
        assert list(r.frame.columns) == ["expected", "actual", "deviation", "cusum"]
        assert abs(r.frame["cusum"][-1] + r.savings) < 1e-6 * r.savings, name
    assert reports["change_point"][1].confidence == 0.95
    assert np.allclose(reports["daily"][0].frame["expected"].to_numpy(), daily.predict(days1, temp1))
    assert abs(daily.resid_autocorr) < 0.3
    # hourly: TOWT, the same report
    hours = 24 * 7 * 8
    time = np.datetime64("2025-01-06T00:00", "us") + np.arange(hours).astype("timedelta64[h]")
    how = np.arange(hours) % 168
    occupied = ((how % 24) >= 7) & ((how % 24) < 18) & (how < 120)
    t_h = 10 + 8 * np.sin(np.arange(hours) / 24 * 2 * np.pi) + rng.normal(0, 1, hours)
    e_h = 20 + 60 * occupied + 1.5 * np.clip(15 - t_h, 0, None) + rng.normal(0, 2, hours)
    towt = enms.fit_towt(time, t_h, e_h)
    later = time + np.timedelta64(hours, "h")
    e_later = 20 + 60 * occupied + 1.5 * np.clip(15 - t_h, 0, None) + rng.normal(0, 2, hours)
    r = towt.performance(later, t_h, 0.9 * e_later)
    assert r.savings_low <= 0.1 * e_later.sum() <= r.savings_high, r
    # bad input: a typed error naming the column
    with pytest.raises(enms.LengthMismatchError) as e:
        daily.performance(days1, temp1, actual[:10])
    assert e.value.field == "actual"
    with pytest.raises(enms.InvalidParameterError) as e:
        cp.performance(temp1, actual, confidence=2.0)
    assert e.value.field == "confidence"
    with pytest.raises(enms.NonFiniteError) as e:
        towt.performance(later, t_h, np.full(hours, np.nan))
    assert e.value.field == "actual"


def test_simulate_a_plant_config_with_a_measure() -> None:
    """`simulate(config=..., machines=...)`: the demo plant's configuration with an energy-saving
    measure on the boiler; the same seed without it is the counterfactual, so the boiler's power
    is unchanged before the measure and 20 % lower after it."""
    config = enms.default_factory_config()
    assert [m["id"] for m in config["machines"]][-1] == "boiler-1"
    config["measures"] = [{"machine_id": "boiler-1", "from": "2025-01-08T00:00:00+01:00", "efficiency_gain": 0.2}]
    measured = enms.simulate("2025-01-06", days=4, seed=3, config=config, machines=["boiler-1"])
    before = enms.simulate("2025-01-06", days=4, seed=3, machines=["boiler-1"])
    assert measured["machines"]["machine_id"].to_list() == ["boiler-1"]
    a, b = measured["energy_readings"], before["energy_readings"]
    assert a["time"].to_list() == b["time"].to_list()
    after = (a["time"] >= datetime(2025, 1, 7, 23, tzinfo=timezone.utc)).to_numpy()
    np.testing.assert_allclose(a["power_kw"].to_numpy()[~after], b["power_kw"].to_numpy()[~after], rtol=1e-12)
    np.testing.assert_allclose(a["power_kw"].to_numpy()[after], 0.8 * b["power_kw"].to_numpy()[after], rtol=1e-9)
    with pytest.raises(enms.UnknownMachineError):
        enms.simulate("2025-01-06", days=1, seed=3, machines=["boiler-9"])
    with pytest.raises(enms.InvalidParameterError) as e:
        enms.simulate("2025-01-06", days=1, seed=3, config={"machines": "none"})
    assert e.value.field == "config"
