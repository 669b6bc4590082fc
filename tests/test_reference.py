"""Choosing the drift reference: newest earlier passed version, or the pinned baseline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dataguard import catalog
from dataguard.catalog.locks import dataset_lock
from dataguard.common.rows import VersionRows
from dataguard.errors import BadInput
from dataguard.measure.reference import Reference, choose_reference, clear_baseline, pin_baseline
from dataguard.project import Project
from tests.conftest import FEB
from tests.test_cli import run, run_json


def add_version(project: Project, number: int, verdict: str | None) -> None:
    """A version, and (unless verdict is None) a finished run with that verdict."""
    with dataset_lock(project, "ds") as lock, catalog.writing(project.catalog) as con:
        catalog.insert_version(
            con,
            catalog.VersionRecord(
                "ds",
                number,
                f"sha256:{number}",
                f"/src/{number}.csv",
                "csv",
                10,
                5,
                f"/wh/ds/{number}/source.parquet",
                "ingested",
                datetime.now(UTC),
            ),
        )
    if verdict is None:
        return
    run_id = f"run-{number}"
    with dataset_lock(project, "ds") as lock:
        catalog.start_run(project.catalog, run_id, "ds", number, None, lock.lease)
        catalog.finish_run(
            project.catalog,
            fence=lock.fence,
            run=catalog.FinishedRun(
                run_id,
                "ds",
                number,
                verdict,
                verdict != "FAIL",
                [],
                5,
                5,
                0,
                f"/wh/ds/{number}/clean.parquet",
                f"/wh/ds/{number}/quarantine.parquet",
                f"/wh/ds/{number}/report.json",
                [],
            ),
        )


@pytest.fixture
def history(any_catalog: Project) -> Project:
    path = any_catalog
    add_version(path, 1, "PASS")
    add_version(path, 2, "WARN")
    add_version(path, 3, "FAIL")
    add_version(path, 4, None)  # ingested, never validated
    return any_catalog


def test_first_version_has_no_reference(any_catalog: Project) -> None:
    path = any_catalog
    add_version(path, 1, None)
    assert choose_reference(path.catalog, "ds", 1) == Reference(
        None, None, "no reference: this is the first validated version"
    )


def test_newest_earlier_open_version_is_the_reference(history: Project) -> None:
    expected = Reference(
        2,
        VersionRows(Path("/wh/ds/2/clean.parquet")),
        "v2 is the newest earlier version whose gate opened",
        run_dir=Path("/wh/ds/2"),
    )
    assert choose_reference(history.catalog, "ds", 4) == expected  # v3 failed, so v2
    assert choose_reference(history.catalog, "ds", 2).version == 1


def test_no_earlier_open_version(any_catalog: Project) -> None:
    path = any_catalog
    add_version(path, 1, "FAIL")
    add_version(path, 2, None)
    assert choose_reference(path.catalog, "ds", 2) == Reference(
        None, None, "no reference: no earlier version has an open gate"
    )


def test_a_pinned_baseline_wins_until_cleared(history: Project) -> None:
    pin_baseline(history, "ds", 1)
    assert choose_reference(history.catalog, "ds", 4) == Reference(
        1,
        VersionRows(Path("/wh/ds/1/clean.parquet")),
        "v1 is the pinned baseline (dataguard baseline set)",
        run_dir=Path("/wh/ds/1"),
    )
    assert clear_baseline(history, "ds") is True
    assert clear_baseline(history, "ds") is False
    assert choose_reference(history.catalog, "ds", 4).version == 2


def test_a_pinned_version_without_a_finished_run_is_a_reason(history: Project) -> None:
    pin_baseline(history, "ds", 4)
    assert choose_reference(history.catalog, "ds", 3) == Reference(
        None, None, "the pinned baseline v4 has no finished validation run"
    )


def test_pinning_an_unknown_version_is_refused(history: Project) -> None:
    with pytest.raises(BadInput, match="ds has no version 9 to pin as its baseline"):
        pin_baseline(history, "ds", 9)


@pytest.mark.usefixtures("prefect_harness")
def test_the_reference_brings_its_stored_profiles_until_a_review_changes_its_rows(flights_project: Project) -> None:
    code, report = run_json("validate", "flights", FEB)
    assert code == 0
    columns = report["profiles"].keys() - {"(dataset)"}
    stored = choose_reference(flights_project.catalog, "flights", 2).profiles
    clean = 24_951 - 80  # February's rows, less the quarantined ones
    assert {p.column: p.rows for p in stored} == dict.fromkeys(columns, clean)
    code, rows = run_json("quarantine", "list", "flights", "--version", "1", "--code", "str_matches")
    release = ("quarantine", "release", "flights", "--version", "1", "--rows", str(rows[0]["row_id"]), "--note", "ok")
    assert run(*release).exit_code == 0
    assert choose_reference(flights_project.catalog, "flights", 2).profiles == ()  # its clean rows are revision 1 now
