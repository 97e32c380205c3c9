"""An energy baseline and an isolation forest on a simulated month of the demo factory.

    pip install ./enms-py && python examples/python_baseline.py

Daily energy of the factory is modelled on production and heating degree-days (the gates of the
charter decide whether the model may be used), the last week is compared with the baseline
(deviation, CUSUM, EnPI, savings with their interval), and an isolation forest flags unusual
hours of the compressor.
"""

from __future__ import annotations

import numpy as np
import polars as pl

import enms


def main() -> None:
    rng = np.random.default_rng(1)
    # a year of days: energy driven by production, heating degree-days and the weekend
    days = 365
    production = rng.uniform(800, 1200, days)
    hdd = np.clip(14 - 12 * np.cos(np.arange(days) / 365 * 2 * np.pi) + rng.normal(0, 3, days), 0, None)
    weekday = np.where(np.arange(days) % 7 < 5, "weekday", "weekend")
    energy_kwh = 900 + 2.1 * production + 35 * hdd - 300 * (weekday == "weekend") + rng.normal(0, 60, days)
    X = pl.DataFrame({"production": production, "hdd": hdd, "day_type": weekday})

    # baseline on the first 300 days (the SEP gates: a year of daily data is under the charter's 1000 rows)
    baseline = enms.Baseline(gates=["sep", "ashrae14-daily"]).fit(X[:300], energy_kwh[:300])
    print(baseline.summary())
    print(baseline)
    for name, p, (low, high) in zip(baseline.param_names, baseline.params, baseline.conf_int()):
        print(f"  {name:22s} {p:10.3f}  [{low:10.3f}, {high:10.3f}]")

    # reporting period: the last 65 days, with a 4 % saving
    actual = energy_kwh[300:] * 0.96
    report = baseline.performance(X[300:], actual)
    print(report)
    print(report.frame.tail(3))
    print(f"EnPI {report.enpi_index:.3f}, savings {report.savings:.0f} kWh "
          f"[{report.savings_low:.0f}, {report.savings_high:.0f}], FSU {report.fsu:.2%}")

    # save and load the model
    loaded = enms.Baseline.from_json(baseline.to_json())
    assert np.allclose(loaded.predict(X[300:]), baseline.predict(X[300:]))

    # which drivers? every subset, ranked
    print(enms.select_drivers(X[:300], energy_kwh[:300], max_drivers=2, gates=["sep"]).select(
        "drivers", "adj_r_squared", "aic", "recommended"))

    # an isolation forest on the compressor's hourly power and energy
    week = enms.simulate("2025-01-06", days=7, seed=42)
    power = week["energy_readings"].filter(pl.col("machine_id") == "compressor-1")
    hourly = enms.rollup(power, "1h", time="time", power="power_kw")
    features = hourly.select("mean_power_kw", "max_power_kw").drop_nulls()
    forest = enms.IsolationForest(contamination=0.02, random_state=0).fit(features)
    flags = forest.predict(features)
    print(f"isolation forest: {int((flags == -1).sum())} of {features.height} hours flagged, "
          f"offset {forest.offset_:.3f}")


if __name__ == "__main__":
    main()
