#!/usr/bin/env bash
# Installs the Chromium browser the portal's browser test drives (enms-server/portal-test/):
# Debian's `chromium` package through apt-get, as root or with sudo. Does nothing when a
# `chromium` (or `chromium-browser`) is already on PATH, so it is quick to call before every run.
# Prints the path of the browser on its last line.
set -euo pipefail

found() {
    command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || true
}

BROWSER="$(found)"
if [ -z "$BROWSER" ]; then
    if [ "$(id -u)" = 0 ]; then
        SUDO=""
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "chromium is not installed and this user can neither install packages (not root) nor use sudo;" >&2
        echo "install it yourself (Debian/Ubuntu: apt-get install chromium) or put a chromium on PATH" >&2
        exit 1
    fi
    command -v apt-get >/dev/null || {
        echo "chromium is not installed and apt-get is not available: install a chromium and put it on PATH" >&2
        exit 1
    }
    echo "installing chromium with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends chromium >&2
    BROWSER="$(found)"
    [ -n "$BROWSER" ] || { echo "apt-get installed chromium but no chromium is on PATH" >&2; exit 1; }
fi
# (Debian's wrapper script may print shell noise on stderr; the version line is what counts)
"$BROWSER" --version >&2 2>/dev/null || true
echo "$BROWSER"
