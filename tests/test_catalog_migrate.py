"""`dataguard catalog migrate --from catalog.duckdb`: a dataguard 0.1 catalog moved into either backend."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dataguard import catalog
from dataguard.project import Project
from tests.catalog_sql import catalog_rows
from tests.test_cli import run, run_json

LEGACY_DDL = Path(__file__).parent / "data" / "legacy_catalog_0_1.sql"
WHEN = datetime(2026, 11, 2, 9, 15, 30, 123456, tzinfo=UTC)


def legacy_catalog(path: Path) -> None:
    """A DuckDB catalog as dataguard 0.1 wrote it: one validated version, a finished run, a reviewed release."""
    with duckdb.connect(str(path)) as con:
        con.execute(LEGACY_DDL.read_text())
        con.execute("INSERT INTO datasets VALUES ('flights', ?)", [WHEN])
        con.execute(
            "INSERT INTO versions VALUES ('flights', 1, 'sha256:aa', '/src/jan.csv', 'csv', 100, 7, "
            "'/wh/flights/1/source.parquet', 'validated', ?)",
            [WHEN],
        )
        con.execute(
            "INSERT INTO runs (run_id, dataset, version, state, started, finished, verdict, gate_open, reasons, "
            "rows_input, rows_clean, rows_quarantined, clean_path, quarantine_path, report_json) VALUES "
            "('r1', 'flights', 1, 'finished', ?, ?, 'WARN', true, '[\"2 rows quarantined\"]', 7, 5, 2, "
            "'/wh/c.parquet', '/wh/q.parquet', '/wh/report.json')",
            [WHEN, WHEN],
        )
        con.execute(
            "INSERT INTO quarantine_decisions VALUES ('d1', 'flights', 1, 'r1', 'release', 'rows', [3, 5], 'ana', "
            "'real flights', 1, ?)",
            [WHEN],
        )
        con.execute("INSERT INTO quarantine_states VALUES ('r1', 3, 'released', 'd1'), ('r1', 5, 'released', 'd1')")
        con.execute(
            "INSERT INTO revisions VALUES ('r1', 1, 0, 'd1', '/wh/c.r1.parquet', 7, 2, 0, 'PASS', true, '[]', ?)",
            [WHEN],
        )
        con.execute("INSERT INTO clean_files VALUES ('r1', 1, '/wh/c.r1.parquet', 'sha256:bb', 42, ?)", [WHEN])


def test_a_duckdb_catalog_moves_with_every_row(any_catalog: Project) -> None:
    legacy = any_catalog.root / "catalog.duckdb"
    legacy_catalog(legacy)

    code, moved = run_json("catalog", "migrate", "--from", legacy)

    assert code == 0
    assert moved["catalog"] == any_catalog.catalog.display
    assert {table: count for table, count in moved["rows"].items() if count} == {
        "datasets": 1,
        "versions": 1,
        "runs": 1,
        "quarantine_decisions": 1,
        "quarantine_states": 2,
        "revisions": 1,
        "clean_files": 1,
    }
    db = any_catalog.catalog
    (version,) = catalog.list_versions(db, "flights")
    assert (version.version, version.fingerprint, version.rows, version.status, version.created) == (
        1,
        "sha256:aa",
        7,
        "validated",
        WHEN,
    )
    run = catalog.latest_finished_run(db, "flights", 1)
    assert run == catalog.RunRecord(
        "r1", "flights", 1, "finished", "PASS", True, [], "/wh/c.r1.parquet", "/wh/q.parquet", "/wh/report.json",
        WHEN, 1,
    )  # fmt: skip
    assert [(e["row_ids"], e["reviewer"], e["created"]) for e in catalog.audit_log(db, "flights")] == [
        ([3, 5], "ana", WHEN)
    ]
    assert catalog.row_states(db, "r1") == {3: "released", 5: "released"}
    assert catalog_rows(any_catalog, "SELECT lease FROM runs") == [(None,)]


def test_migrating_into_a_catalog_that_has_versions_is_refused(any_catalog: Project) -> None:
    legacy = any_catalog.root / "catalog.duckdb"
    legacy_catalog(legacy)
    assert run_json("catalog", "migrate", "--from", legacy)[0] == 0

    again = run("catalog", "migrate", "--from", legacy)

    assert again.exit_code == 2
    assert f"the catalog {any_catalog.catalog.display} already holds versions" in again.output
    assert len(catalog.list_versions(any_catalog.catalog, "flights")) == 1


def test_a_file_that_is_not_a_duckdb_catalog_is_bad_input(any_catalog: Project) -> None:
    bogus = any_catalog.root / "notes.txt"
    bogus.write_text("hello")
    result = run("catalog", "migrate", "--from", bogus)
    assert result.exit_code == 2
    assert f"{bogus} is not a DuckDB catalog" in result.output


def test_a_warehouse_still_on_the_duckdb_catalog_says_to_migrate_it(flights_project: Project) -> None:
    legacy = flights_project.warehouse / "catalog.duckdb"
    legacy.parent.mkdir(parents=True)
    legacy_catalog(legacy)

    before = run("gate", "flights")

    assert before.exit_code == 3
    assert f"this warehouse's catalog is {legacy}, the DuckDB file of dataguard 0.1" in before.output
    assert f"dataguard catalog migrate --from {legacy}" in before.output
    assert not (flights_project.warehouse / "catalog.sqlite").exists()  # no empty catalog started beside it
    assert run_json("catalog", "migrate", "--from", legacy)[0] == 0
    after = run("gate", "flights")
    assert (after.exit_code, after.output.splitlines()[0]) == (0, "gate open for flights v1 (PASS)")
