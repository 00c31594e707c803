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
    # Debian packages the tests drive: chromium for the browser tests (never a downloaded one:
    # no `playwright install`); PostgreSQL, nginx and openssl for the store and multi-node
    # tests (each starts a throw-away instance of its own; a cluster the postgresql package
    # creates and starts is left alone).
    missing=""
    if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
        missing="$missing chromium"
    fi
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        missing="$missing postgresql"
    fi
    if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
        missing="$missing nginx"
    fi
    if ! command -v openssl >/dev/null 2>&1; then
        missing="$missing openssl"
    fi
    if [ -z "$missing" ]; then
        :
    elif [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing$missing for the tests (apt-get)"
        apt-get update -q >/dev/null
        # shellcheck disable=SC2086 # one word per package
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null
    else
        echo "the tests need$missing: run 'apt-get install$missing' as root" \
            "(or this script as root); the browser, store and multi-node tests fail without" >&2
    fi
fi
# Assemble and verify the bundled model once, so the first start does not pay for it.
.venv/bin/semdict model install
