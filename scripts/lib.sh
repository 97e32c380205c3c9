# Shared by the test scripts (sourced after they cd to the repository): the step banner and the
# Node version check.

step() { printf '\n==> %s\n' "$*"; }

# Exits unless node >= 20 is on the PATH.
need_node() {
    command -v node >/dev/null || { echo "node (>= 20) is needed" >&2; exit 1; }
    node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
        || { echo "node >= 20 is needed, found $(node --version)" >&2; exit 1; }
}
