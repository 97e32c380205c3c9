#!/usr/bin/env bash
# Runs every test of enms: format and lint checks, the Rust tests of all crates (unit, integration,
# property and doc tests; the server's integration tests start the real binary), the cross-checks
# of enms' KPIs against independent pandas computations (on the simulator's output and on the real
# steel plant data), the Python face (`pip install ./enms-py` in a fresh virtual environment, stubs,
# pytest) and the Node face (the napi-rs addon with node --test, the Node-RED nodes in the real
# Node-RED runtime) and the server's web portal in headless Chromium. Installs what it needs itself
# (Python packages from PyPI, npm packages, Chromium from the system's packages).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"
VENV="${ENMS_VENV:-$TARGET/venv}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

step "Chromium for the portal's browser test (scripts/install-chromium.sh)"
./scripts/install-chromium.sh

step "rustfmt"
cargo fmt --all -- --check

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (all crates)"
cargo test --workspace --locked

step "Python environment for the reference computations"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/reference/requirements.txt

step "steel plant reference values reproduce (pandas)"
"$VENV/bin/python" scripts/reference/steel_kpis.py --check

step "simulated week: enms KPIs vs an independent pandas computation"
cargo build --locked -p enms-sim
SIM="$TARGET/debug/enms-sim"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$SIM" generate --start 2025-01-06 --days 7 --seed 42 --out "$WORK/week" --format csv
"$SIM" kpis --data "$WORK/week" --json > "$WORK/kpis.json"
"$VENV/bin/python" scripts/reference/sim_kpis.py "$WORK/week" "$WORK/kpis.json"

step "Python face (scripts/test-python.sh)"
./scripts/test-python.sh

step "Node face (scripts/test-node.sh)"
./scripts/test-node.sh

step "web portal in headless Chromium (scripts/test-portal.sh)"
./scripts/test-portal.sh

step "all tests passed"
