"""Side by side: the daily change-point model of enms and eemeter 4.1.1's daily model, on eemeter's
bundled sample meters (simulated daily meters with Illinois temperatures).

    pip install eemeter==4.1.1 pytz      # not installed by the test command: it is heavy
    python benches/eemeter_changepoint.py

For each daily sample, the baseline is the 365 days before the sample's blackout start. eemeter:
`DailyBaselineData.from_series(meter, temperature)` then `DailyModel().fit(...)`; enms: the same days'
observed energy and mean temperature (converted to °C) through `fit_change_point` (mean, 3P, 4P, 5P;
the `changepoint_side_by_side` binary). Both models are scored the same way on the same days:
CV(RMSE) = sqrt(mean squared in-sample residual) / mean energy, in percent (n in the denominator, so
the number of parameters does not enter), plus eemeter's own reported CVRMSE. Fit times: eemeter one
fit; enms best of 20.
"""

import json
import os
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
import eemeter  # noqa: E402
from eemeter.eemeter.models.daily.data import DailyBaselineData  # noqa: E402
from eemeter.eemeter.models.daily.model import DailyModel  # noqa: E402
from eemeter.eemeter.samples.load import load_sample  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ["il-electricity-cdd-hdd-daily", "il-electricity-cdd-only-daily", "il-gas-hdd-only-daily", "il-gas-intercept-only-daily"]


def cargo_bin(name):
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "enms-benches", "--bin", name], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "release" / name)


def cv(obs, pred):
    return 100 * np.sqrt(np.mean((obs - pred) ** 2)) / np.mean(obs)


def main():
    exe = cargo_bin("changepoint_side_by_side")
    print(f"{'sample':<32}{'eemeter model':>16}{'CV %':>8}{'own CV %':>10}{'s':>8}  {'enms model':>12}{'CV %':>8}{'ms':>8}")
    for name in SAMPLES:
        meter, temp, meta = load_sample(name)
        end = pd.Timestamp(meta["blackout_start_date"])
        end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
        start = end - pd.Timedelta(days=365)
        m = meter[(meter.index >= start) & (meter.index < end)]
        t = temp[(temp.index >= start - pd.Timedelta(days=1)) & (temp.index < end + pd.Timedelta(days=1))]
        data = DailyBaselineData.from_series(m, t, is_electricity_data="electricity" in name)
        t0 = time.perf_counter()
        model = DailyModel().fit(data, ignore_disqualification=True)
        em_s = time.perf_counter() - t0
        df = data.df.dropna(subset=["observed", "temperature"])
        obs = df["observed"].to_numpy(float)
        em_pred = model.predict(data)["predicted"].reindex(df.index).to_numpy(float)
        temp_c = (df["temperature"].to_numpy(float) - 32.0) / 1.8
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            temp_c.astype("<f8").tofile(d / "temp_c.f64")
            obs.astype("<f8").tofile(d / "energy.f64")
            r = json.loads(subprocess.run([exe, str(d), "20"], check=True, capture_output=True, text=True).stdout)
            ours = np.fromfile(d / "pred.f64")
        em_model = getattr(model, "model_type", None) or type(model).__name__
        print(
            f"{name:<32}{str(em_model)[:16]:>16}{cv(obs, em_pred):>8.2f}{100 * model.error['CVRMSE']:>10.2f}{em_s:>8.2f}  "
            f"{r['model']:>12}{cv(obs, ours):>8.2f}{1000 * r['seconds']:>8.2f}"
        )
    print(f"eemeter {eemeter.__version__}")


if __name__ == "__main__":
    main()
