#!/usr/bin/env bash
# Create (once) the virtual environment the validation benchmark runs Great Expectations in.
# GX Core gets a venv of its own so the product never depends on it.
# Usage: tests/bench/gx_venv.sh [VENV_DIR]
set -euo pipefail

VENV="${1:-/tmp/dataguard-bench/gx-venv}"
PYTHON="${PYTHON:-python3}"
# A combination that installs and runs together (resolved by pip on 2026-11-28, Python 3.11).
PINS=(
    "great_expectations==1.24.1"
    "pandas==3.1.1"
    "pyarrow==26.0.1"
    "numpy==2.4.6"
)

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import great_expectations, pandas, pyarrow" 2>/dev/null; then
    exit 0
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
"$VENV/bin/python" -c "import great_expectations as gx; gx.get_context(mode='ephemeral')"
