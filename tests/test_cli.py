"""End to end through the CLI: the real Prefect flow, a real DuckDB catalog, real Parquet files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import dataguard
from dataguard.cli import app
from dataguard.project import Project
from tests.conftest import FEB, JAN, REPO, write_contract

pytestmark = pytest.mark.usefixtures("prefect_harness")
runner = CliRunner()

JAN_REASONS = [
    {"code": "arr_delay_unless_cancelled", "column": None, "rows": 85},
    {"code": "plausible_ground_speed", "column": None, "rows": 2},
]
FEB_REASONS = [
    {"code": "arr_delay_unless_cancelled", "column": None, "rows": 79},
    {"code": "str_matches", "column": "tailnum", "rows": 1},
]


def run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def run_json(*args: str | Path) -> tuple[int, Any]:
    result = run(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


def catalog_state(project: Project) -> dict[str, list[tuple[Any, ...]]] | None:
    """Every row of every catalog table, to show a command changed nothing."""
    if not project.catalog_path.exists():
        return None
    with duckdb.connect(str(project.catalog_path), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in sorted(tables)}  # type: ignore[misc]


@pytest.fixture
def validated(flights_project: Project) -> list[dict[str, Any]]:
    code, reports = run_json("validate", "flights", JAN, FEB)
    assert code == 0
    return reports  # type: ignore[no-any-return]


def test_validate_two_months_reports_exact_counts_and_reasons(validated: list[dict[str, Any]]) -> None:
    jan, feb = validated
    assert [r["version"] for r in validated] == [1, 2]
    assert (jan["verdict"], jan["gate_open"], jan["rows"]) == ("WARN", True, {"input": 27004, "clean": 26917, "quarantined": 87})
    assert (feb["verdict"], feb["gate_open"], feb["rows"]) == ("WARN", True, {"input": 24951, "clean": 24871, "quarantined": 80})
    assert jan["reasons"] == ["0.32% of rows quarantined (87 of 27,004)"]
    assert jan["quarantine_reasons"] == JAN_REASONS
    assert feb["quarantine_reasons"] == FEB_REASONS
    assert (jan["reference_version"], jan["drift"], jan["slices"]) == (None, [], [])
    assert {"name": "duplicate_key(year, month, day, carrier, flight, origin, sched_dep_time)",
            "column": "year, month, day, carrier, flight, origin, sched_dep_time", "code": "duplicate_key",
            "failed_rows": 0, "severity": "block"} in jan["checks"]
    assert {"name": "str_matches('^N[0-9A-Z]+$')", "column": "tailnum", "code": "str_matches", "failed_rows": 1,
            "severity": "quarantine"} in feb["checks"]


def test_outputs_hold_every_row_once(validated: list[dict[str, Any]]) -> None:
    for report in validated:
        clean = pq.read_table(report["paths"]["clean"])
        quarantine = pq.read_table(report["paths"]["quarantine"])
        ids = clean.column("_row_id").to_pylist() + quarantine.column("_row_id").to_pylist()
        assert sorted(ids) == list(range(report["rows"]["input"]))
        assert (clean.num_rows, quarantine.num_rows) == (report["rows"]["clean"], report["rows"]["quarantined"])
        assert quarantine.schema.names == [*clean.schema.names, "_reasons"]


def test_january_quarantine_is_exactly_the_rows_pandas_finds(validated: list[dict[str, Any]]) -> None:
    import pandas as pd

    frame = pd.read_csv(JAN)
    mph = frame["distance"] / (frame["air_time"] / 60)
    diverted = frame["dep_time"].notna() & frame["arr_delay"].isna()
    implausible = frame["air_time"].notna() & ~mph.between(100, 650)
    expected = sorted(frame.index[diverted | implausible])
    quarantine = pq.read_table(validated[0]["paths"]["quarantine"])
    assert quarantine.column("_row_id").to_pylist() == expected
    assert quarantine.column("flight").to_pylist() == frame.loc[expected, "flight"].tolist()


def test_reports_are_written_and_match_stdout(validated: list[dict[str, Any]]) -> None:
    for report in validated:
        on_disk = json.loads(Path(report["paths"]["report_json"]).read_text())
        assert on_disk == report
        markdown = Path(report["paths"]["report_md"]).read_text()
        assert markdown.startswith(f"# flights v{report['version']}: WARN\n")
        assert "| arr\\_delay\\_unless\\_cancelled | (row) |" in markdown


def test_catalog_records_versions_and_finished_runs(flights_project: Project, validated: list[dict[str, Any]]) -> None:
    with duckdb.connect(str(flights_project.catalog_path), read_only=True) as con:
        versions = con.execute(
            "SELECT version, row_count, status, source_format, size_bytes FROM versions ORDER BY version"
        ).fetchall()
        runs = con.execute(
            "SELECT version, state, verdict, gate_open, rows_input, rows_clean, rows_quarantined FROM runs ORDER BY version"
        ).fetchall()
        failed = con.execute("SELECT code, sum(failed_rows) FROM check_results GROUP BY code HAVING sum(failed_rows) > 0 ORDER BY code").fetchall()
    assert versions == [
        (1, 27004, "validated", "csv", JAN.stat().st_size),
        (2, 24951, "validated", "parquet", FEB.stat().st_size),
    ]
    assert runs == [
        (1, "finished", "WARN", True, 27004, 26917, 87),
        (2, "finished", "WARN", True, 24951, 24871, 80),
    ]
    assert failed == [("arr_delay_unless_cancelled", 164), ("plausible_ground_speed", 2), ("str_matches", 1)]
