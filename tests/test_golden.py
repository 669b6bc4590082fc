"""Golden files: report.json and report.md of the two sample months, byte for byte once normalised.

Run ids, timestamps and absolute paths change from run to run; they are
replaced by placeholders, and floats are compared to 10 significant digits. Refresh after an intended change with:

    DATAGUARD_REFRESH_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from dataguard.project import Project
from tests.conftest import FEB, JAN, REPO
from tests.test_cli import run_json

GOLDEN = Path(__file__).parent / "golden"
pytestmark = pytest.mark.usefixtures("prefect_harness")


def normalise(text: str, project: Project, report: dict[str, Any]) -> str:
    text = text.replace(str(project.root), "<project>").replace(str(REPO), "<repo>")
    text = text.replace(report["run_id"], "<run_id>")
    return re.sub(r"\d{8}T\d{6}-[0-9a-f]{8}", "<run_id>", text)


def rounded(value: Any) -> Any:
    """Floats to 10 significant digits: DuckDB's parallel sums differ in the last bits from run to run."""
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, list):
        return [rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    return value


def compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DATAGUARD_REFRESH_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_reports_match_the_golden_files(related_flights: Project) -> None:
    code, reports = run_json("validate", "flights", JAN, FEB)
    assert code == 0
    for report in reports:
        stem = f"flights-v{report['version']}"
        on_disk = Path(report["paths"]["report_json"]).read_text(encoding="utf-8")
        data = rounded(json.loads(normalise(on_disk, related_flights, report)))
        as_json = json.dumps(data, indent=2, sort_keys=True)
        compare(f"{stem}.report.json", as_json + "\n")
        markdown = Path(report["paths"]["report_md"]).read_text(encoding="utf-8")
        compare(f"{stem}.report.md", normalise(markdown, related_flights, report))
