#!/usr/bin/env bash
# Create (once) the virtual environment the validate benchmark runs Great Expectations (GX Core) in.
# GX is a competitor measured by the benchmark, never a dependency of dataguard, so it gets a venv
# of its own (GX 1.x pins pandas < 3, which the project's own venv has).
# Usage: tests/bench/gx_venv.sh [VENV_DIR]
set -euo pipefail

VENV="${1:-/tmp/dataguard-bench/gx-venv}"
PYTHON="${PYTHON:-python3}"
PINS=(
    "great_expectations==1.24.1"
    "pyarrow>=20"
)

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import great_expectations, pandas, pyarrow" 2>/dev/null; then
    exit 0
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
"$VENV/bin/python" -c "import great_expectations as gx; print('GX', gx.__version__)"
