#!/usr/bin/env bash
# Whole set-up on a fresh machine: .venv/ at the repo root, dependencies, model assembly.
#   bash scripts/setup.sh         runtime only
#   bash scripts/setup.sh --dev   plus test/lint tools
set -euo pipefail
cd "$(dirname "$0")/.."

python=""
for candidate in python3.12 python3.11 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    echo "semdict needs Python >= 3.11 with venv (e.g. apt-get install python3 python3-venv)" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
extra=""
if [ "${1:-}" = "--dev" ]; then
    extra="[dev]"
fi
.venv/bin/python -m pip install --quiet -e ".${extra}"
if [ -n "$extra" ]; then
    # The browser tests drive Debian's chromium (never a downloaded one: no `playwright install`).
    if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
        :
    elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing chromium for the browser tests (apt-get)"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
    else
        echo "the browser tests need chromium: run 'apt-get install chromium' as root" \
            "(or this script as root); tests/test_workstation_browser.py fails without it" >&2
    fi
fi
# Assemble and verify the bundled model once, so the first start does not pay for it.
.venv/bin/semdict model install
