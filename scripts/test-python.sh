#!/usr/bin/env bash
# Tests the Python face as a user gets it: a fresh virtual environment, `pip install ./enms-py`
# (maturin builds the wheel from source with this machine's Rust), then the type stubs against the
# compiled module (mypy stubtest), the pytest suite over the installed package (KPI cross-checks
# against pandas/polars, the steel plant data, bad input, Python vs Rust KPI report, baselines
# against statsmodels, the isolation forest against scikit-learn) and the examples.
#
#   scripts/test-python.sh            # everything
#   ENMS_PY_VENV=/some/dir scripts/test-python.sh   # build the venv there (anew) and keep it
#
# Needs: python3 (3.11+) with venv, cargo. Installs everything else from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
mkdir -p "$CARGO_TARGET_DIR"
# A fresh environment per run (two runs at once, e.g. this script alone and from test-all.sh,
# must not share one); ENMS_PY_VENV names a directory to use instead, created anew.
WORK="$(mktemp -d)"
if [ -n "${ENMS_PY_VENV:-}" ]; then
    VENV="$ENMS_PY_VENV"
    rm -rf "$VENV"
    trap 'rm -rf "$WORK"' EXIT
else
    VENV="$(mktemp -d "$CARGO_TARGET_DIR/venv-py.XXXXXX")"
    trap 'rm -rf "$WORK" "$VENV"' EXIT
fi
PY="$VENV/bin/python"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

step "fresh virtual environment in $VENV"
python3 -m venv "$VENV"
"$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip

step "pip install ./enms-py (builds the abi3 wheel from source) and the test tools"
# The wheel build runs cargo inside pip: keep its output visible when it fails.
"$PY" -m pip install --disable-pip-version-check --quiet ./enms-py
"$PY" -m pip install --disable-pip-version-check --quiet pytest pandas pyarrow mypy numpy polars statsmodels scikit-learn

step "the Rust side of the Python-vs-Rust comparison: enms-sim"
cargo build --locked --quiet -p enms-sim
export ENMS_SIM_BIN="$CARGO_TARGET_DIR/debug/enms-sim"

# Run from outside the source tree so that `import enms` is the installed package.
cd "$WORK"

step "type stubs match the compiled module (mypy stubtest)"
"$PY" -m mypy.stubtest enms

step "strict type check of the package and the example (mypy --strict)"
"$PY" -m mypy --strict -p enms
"$PY" -m mypy --strict --ignore-missing-imports "$ROOT/examples/python_quickstart.py" "$ROOT/examples/python_baseline.py" "$ROOT/examples/python_weather_savings.py"

step "pytest over the installed package"
export ENMS_REPO_ROOT="$ROOT"
"$PY" -m pytest -c "$ROOT/enms-py/pyproject.toml" --rootdir "$ROOT/enms-py" "$ROOT/enms-py/tests"

step "the quickstart example"
"$PY" "$ROOT/examples/python_quickstart.py"

step "the baseline and isolation forest example"
"$PY" "$ROOT/examples/python_baseline.py"

step "the weather-normalised savings example"
"$PY" "$ROOT/examples/python_weather_savings.py"

step "Python face: all passed"
