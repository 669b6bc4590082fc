#!/usr/bin/env bash
# Create (once) the virtual environment the drift benchmark runs Evidently in.
# Evidently 0.7 does not import with pandas 3, which the project's own venv has,
# so it gets a venv of its own. Usage: tests/bench/evidently_venv.sh [VENV_DIR]
set -euo pipefail

VENV="${1:-/tmp/dataguard-bench-drift/evidently-venv}"
PYTHON="${PYTHON:-python3}"
# A combination that installs and runs together (resolved by pip on 2026-11-28, Python 3.11).
PINS=(
    "evidently==0.7.23"
    "pandas==2.3.3"
    "pyarrow==26.0.1"
    "numpy==2.4.6"
    "scipy==1.17.1"
    "scikit-learn==1.9.1"
)

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import evidently, pandas, pyarrow" 2>/dev/null; then
    exit 0
fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}"
"$VENV/bin/python" -c "from evidently import Report; from evidently.presets import DataDriftPreset"
