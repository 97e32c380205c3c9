#!/usr/bin/env bash
# Browser test of the enms-server web portal: builds the enms-server and enms-sim binaries (debug),
# installs Chromium (scripts/install-chromium.sh) and the test's npm packages (puppeteer-core only,
# driving the system Chromium), then runs enms-server/portal-test with node --test: three simulated
# weeks imported into the real server, the portal opened in headless Chromium, what it shows
# compared with the REST API. Needs node >= 20 and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

need_node

step "Chromium (scripts/install-chromium.sh)"
CHROMIUM_BIN="$(./scripts/install-chromium.sh | tail -n 1)"
export CHROMIUM_BIN

step "enms-server and enms-sim binaries (debug)"
cargo build --locked -p enms-server -p enms-sim
export ENMS_SERVER_BIN="$CARGO_TARGET_DIR/debug/enms-server"
export ENMS_SIM_BIN="$CARGO_TARGET_DIR/debug/enms-sim"

step "portal test: npm install"
cd "$ROOT/enms-server/portal-test"
npm ci --no-audit --no-fund

step "portal test: node --test (the real server, headless Chromium)"
node --test test/

step "portal tests passed"
