#!/usr/bin/env bash
# Tests of the Node face: builds the `enms` napi-rs addon (enms-node/), runs its tests with node's
# own test runner (including the KPI cross-check against the Rust `enms-sim kpis --json`), then
# installs the Node-RED package (enms-node/node-red/) and runs its tests, which load the nodes into
# the real Node-RED runtime, then runs the Node examples. Needs node >= 20 and npm; installs the
# npm packages itself.
#
#   scripts/test-node.sh            # debug build of the addon (quicker to compile)
#   ENMS_NODE_RELEASE=1 scripts/test-node.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

need_node

PROFILE_FLAG=""
PROFILE_DIR=debug
if [ "${ENMS_NODE_RELEASE:-}" = 1 ]; then
    PROFILE_FLAG="--release"
    PROFILE_DIR=release
fi

step "enms-node: npm install"
cd "$ROOT/enms-node"
npm ci --no-audit --no-fund

step "enms-node: napi build ($PROFILE_DIR)"
# napi-rs builds with cargo into $CARGO_TARGET_DIR and copies the addon here
# (enms.<platform>.node); index.js and index.d.ts are regenerated and must match the committed ones.
npx napi build --platform $PROFILE_FLAG --js index.js --dts index.d.ts
if ! git -C "$ROOT" diff --quiet -- enms-node/index.d.ts enms-node/index.js; then
    echo "enms-node/index.d.ts or index.js differ from the committed ones: commit the regenerated files" >&2
    git -C "$ROOT" --no-pager diff --stat -- enms-node/index.d.ts enms-node/index.js >&2
    exit 1
fi

step "enms-sim binary (the Rust side of the KPI cross-check)"
cargo build --locked -p enms-sim $PROFILE_FLAG
export ENMS_SIM_BIN="$CARGO_TARGET_DIR/$PROFILE_DIR/enms-sim"

step "enms-node: node --test"
node --test test/

step "Node-RED package: npm install"
cd "$ROOT/enms-node/node-red"
npm ci --no-audit --no-fund

step "Node-RED package: logic tests and nodes in the Node-RED runtime"
node --test test/

step "examples/node_quickstart.mjs"
node "$ROOT/examples/node_quickstart.mjs" > /dev/null

step "examples/node_baseline.mjs"
node "$ROOT/examples/node_baseline.mjs" > /dev/null

step "examples/node_weather_savings.mjs"
node "$ROOT/examples/node_weather_savings.mjs" > /dev/null

step "node tests passed"
