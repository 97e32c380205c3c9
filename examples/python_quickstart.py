"""enms quickstart for Python: simulate a factory week, roll it up, compute the KPIs.

    pip install ./enms-py        # builds the wheel with your Rust toolchain
    python examples/python_quickstart.py

Everything comes back as polars DataFrames (call .to_pandas() if you prefer pandas).
"""

from __future__ import annotations

import polars as pl

import enms

# 1. A week of the demo factory (six machines, 1-second to 1-minute meters), Monday 2025-01-06
#    local time, seed 42: the same data as `enms-sim generate --start 2025-01-06 --days 7 --seed 42`.
tables = enms.simulate("2025-01-06", days=7, seed=42)
readings = tables["energy_readings"]
print(f"{readings.height:,} energy readings of {readings['machine_id'].n_unique()} machines")
print(tables["machines"].select("machine_id", "machine_type", "carrier", "rated_power_kw"))

# 2. Rollups of one machine: hourly energy (kWh) and power statistics (kW), and the four
#    standard rollups (1 min, 15 min, 1 h, local days) in one pass.
compressor = readings.filter(pl.col("machine_id") == "compressor-1")
hourly = enms.rollup(compressor, "1h")
print("\ncompressor-1, first hours:")
print(hourly.head(5).select("start", "energy_kwh", "mean_power_kw", "max_power_kw", "coverage"))
daily = enms.standard_rollups(compressor, timezone="Europe/Berlin")["1d"]
print("\ncompressor-1, energy per local day (kWh):")
print(daily.select(pl.col("start").dt.convert_time_zone("Europe/Berlin").dt.date(), "energy_kwh"))

# 3. KPIs of that machine: peak demand (15-minute blocks and a 15-minute window rolling by
#    1 minute), load factor, carbon.
fixed = enms.peak_demand(compressor)
rolling = enms.peak_demand(compressor, rolling_step_minutes=1)
assert fixed is not None and rolling is not None
energy_kwh = float(hourly["energy_kwh"].sum())
hours = hourly.height
print(f"\npeak demand: {fixed['peak_demand_kw']:.1f} kW (15-min blocks, at {fixed['start']:%a %H:%M} UTC),")
print(f"             {rolling['peak_demand_kw']:.1f} kW (15-min rolling window)")
print(f"load factor: {enms.load_factor(energy_kwh, hours, fixed['peak_demand_kw']):.3f}")
print(f"carbon:      {enms.carbon_kg(energy_kwh, 'electricity'):.0f} kg CO2 for {energy_kwh:.0f} kWh")

# 4. Specific energy consumption of the injection moulding machine, kWh per part, per day.
molding = readings.filter(pl.col("machine_id") == "injection-molding-1")
parts = tables["production_data"].filter(pl.col("machine_id") == "injection-molding-1")
sec = enms.sec_per_bucket(molding, parts, "1d", timezone="Europe/Berlin")
print("\ninjection-molding-1, SEC per local day:")
print(sec.select("start", "energy_kwh", "production", "sec_kwh_per_unit"))

# 5. The factory's electricity bill under a time-of-use tariff with a demand charge.
tariff = {
    "name": "industrial TOU",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "versions": [
        {
            "valid_from": "2025-01-01",
            "base_rate_per_kwh": 0.18,
            "periods": [
                {"name": "peak", "rate_per_kwh": 0.29, "day_types": ["weekday"], "start": "08:00:00", "end": "20:00:00"}
            ],
            "demand_charges": [{"name": "demand", "rate_per_kw": 12.5}],
            "fixed_charges": [{"name": "meter", "amount": 4.0, "per": "day"}],
        }
    ],
}

# 6. Everything at once: KPIs per machine, per factory (coincident peak per carrier, the bill)
#    and in total.
report = enms.kpi_report(readings, tables["machines"], tables["production_data"], tariff=tariff)
print(f"\n{report}")
print(report.machines.select("machine_id", "carrier", "energy_kwh", "peak_demand_kw", "load_factor", "sec_kwh_per_unit", "carbon_kg", "power_factor"))
print(report.factories.select("factory_id", "carrier", "energy_kwh", "peak_demand_kw", "load_factor", "carbon_kg", "total_cost"))
