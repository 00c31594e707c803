#!/usr/bin/env bash
# Everything CI enforces: lint, types, tests (the tests load the real model).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/pytest -q "$@"
