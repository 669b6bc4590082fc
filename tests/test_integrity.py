"""Integrity at open: the clean file handed to training is byte for byte the one that was validated."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import dataguard
from dataguard import catalog
from dataguard.common.integrity import BLOCK_BYTES, file_fingerprint
from dataguard.errors import GateClosed, IntegrityError
from dataguard.project import Project
from tests import catalog_sql
from tests.catalog_sql import catalog_state
from tests.cleanrows import clean_of
from tests.conftest import FEB, project_template, restored
from tests.test_cli import run, run_json


def sha256_of(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def flip_one_byte(path: Path) -> None:
    """Change the byte in the middle of the file (inside a data page), keeping the size."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("size", [0, 1, BLOCK_BYTES - 1, BLOCK_BYTES, BLOCK_BYTES + 1, 3 * BLOCK_BYTES + 17])
def test_file_fingerprint_is_the_sha256_of_every_byte(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(i * 7 % 251 for i in range(size)))
    fingerprint = file_fingerprint(path)
    assert fingerprint.digest == sha256_of(path)
    assert fingerprint.size_bytes == size


def _february(project: Project) -> dict[str, Any]:
    code, report = run_json("validate", "flights", FEB)
    assert code == 0
    return dict(report)


@pytest.fixture(scope="module")
def validated_once(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> tuple[Project, dict[str, Any]]:
    return project_template(tmp_path_factory, "february", _february)


@pytest.fixture
def flights_project(validated_once: tuple[Project, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> Project:
    """This module's flights project: February already validated (see ``project_template``)."""
    return restored(validated_once[0], monkeypatch)


@pytest.fixture
def validated(flights_project: Project, validated_once: tuple[Project, dict[str, Any]]) -> dict[str, Any]:
    """February validated: its clean rows are the version minus the deletion vector, no clean file yet."""
    return copy.deepcopy(validated_once[1])


@pytest.fixture
def february(validated: dict[str, Any]) -> dict[str, Any]:
    """February validated and opened once: the first open made its clean file and recorded its fingerprint."""
    dataguard.open_validated("flights")
    return validated


def test_the_first_open_makes_the_clean_file_from_the_proven_version(
    flights_project: Project, validated: dict[str, Any]
) -> None:
    clean = Path(validated["paths"]["clean"])
    assert (clean.exists(), validated["paths"]["clean_materialized"]) == (False, False)
    version = catalog.find_version(flights_project.catalog, "flights", version=1)
    assert version is not None
    assert version.data_fingerprint == sha256_of(Path(version.data_path))
    with catalog_sql.reading(flights_project) as con:
        vectors = con.execute("SELECT revision, path, fingerprint, rows FROM deletion_vectors").fetchall()
    deleted = Path(validated["paths"]["deleted"])
    assert vectors == [(0, str(deleted), sha256_of(deleted), 80)]
    assert clean_of(validated).num_rows == 24871
    opened = dataguard.open_validated("flights")
    assert (opened.clean_path, opened.verified, opened.clean_fingerprint) == (clean, True, sha256_of(clean))
    assert pq.read_table(clean).to_pylist() == clean_of(validated).to_pylist()
    assert catalog.list_incidents(flights_project.catalog, "flights") == []


@pytest.mark.parametrize("proof", ["version", "deleted"])
def test_a_changed_version_or_deletion_vector_is_refused_before_any_clean_file_is_made(
    flights_project: Project, validated: dict[str, Any], proof: str
) -> None:
    version = catalog.find_version(flights_project.catalog, "flights", version=1)
    assert version is not None
    path = Path(version.data_path) if proof == "version" else Path(validated["paths"]["deleted"])
    recorded = sha256_of(path)
    flip_one_byte(path)
    found = sha256_of(path)

    with pytest.raises(IntegrityError) as raised:
        dataguard.open_validated("flights")

    assert (raised.value.path, raised.value.expected, raised.value.actual) == (str(path), recorded, found)
    assert not Path(validated["paths"]["clean"]).exists()
    assert sorted(p.name for p in Path(validated["paths"]["clean"]).parent.iterdir() if "clean" in p.name) == []
    incidents = catalog.list_incidents(flights_project.catalog, "flights")
    assert [(i["kind"], i["path"], i["detected_by"]) for i in incidents] == [
        ("fingerprint_mismatch", str(path), "open_validated")
    ]


def test_publish_records_the_clean_files_fingerprint(flights_project: Project, february: dict[str, Any]) -> None:
    clean = Path(february["paths"]["clean"])
    opened = dataguard.open_validated("flights")
    assert (opened.clean_path, opened.revision, opened.verified) == (clean, 0, True)
    assert opened.clean_fingerprint == sha256_of(clean)
    assert opened.fingerprint == february["fingerprint"]  # the version's own fingerprint is unchanged
    with catalog_sql.reading(flights_project) as con:
        rows = con.execute("SELECT revision, clean_path, fingerprint, size_bytes FROM clean_files").fetchall()
    assert rows == [(0, str(clean), sha256_of(clean), clean.stat().st_size)]


def test_one_changed_byte_refuses_to_open_and_records_an_incident(
    flights_project: Project, february: dict[str, Any]
) -> None:
    clean = Path(february["paths"]["clean"])
    recorded = sha256_of(clean)
    flip_one_byte(clean)
    found = sha256_of(clean)
    assert found != recorded

    with pytest.raises(IntegrityError) as raised:
        dataguard.open_validated("flights")

    error = raised.value
    assert isinstance(error, GateClosed)
    assert error.exit_code == 1
    assert (error.path, error.expected, error.actual, error.version) == (str(clean), recorded, found, 1)
    assert str(error) == (
        f"gate closed for 'flights': version 1: {clean} is not the file that was validated "
        f"(recorded fingerprint {recorded}, found {found}); the incident was recorded in the catalog\n"
        "  hint: re-publish the data with: dataguard validate flights --version 1"
    )
    incidents = catalog.list_incidents(flights_project.catalog, "flights")
    assert [
        {k: i[k] for k in ("version", "revision", "kind", "path", "expected", "actual", "detected_by")}
        for i in incidents
    ] == [
        {
            "version": 1,
            "revision": 0,
            "kind": "fingerprint_mismatch",
            "path": str(clean),
            "expected": recorded,
            "actual": found,
            "detected_by": "open_validated",
        }
    ]
    assert incidents[0]["run_id"] == february["run_id"]


def test_train_refuses_a_changed_file_and_never_runs_the_command(
    flights_project: Project, february: dict[str, Any], tmp_path: Path
) -> None:
    clean = Path(february["paths"]["clean"])
    recorded = sha256_of(clean)
    flip_one_byte(clean)
    found = sha256_of(clean)
    marker = tmp_path / "ran"

    result = run(
        "train",
        "flights",
        "--max-minutes",
        "1",
        "--",
        sys.executable,
        "-c",
        "open(__import__('sys').argv[1], 'w')",
        marker,
    )

    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert f"{clean} is not the file that was validated" in message
    assert f"recorded fingerprint {recorded}, found {found}" in message
    assert not marker.exists()
    assert run_json("runs", "flights")[1] == []
    incidents = catalog.list_incidents(flights_project.catalog, "flights")
    assert [(i["detected_by"], i["expected"], i["actual"]) for i in incidents] == [("train", recorded, found)]


def test_train_json_reports_the_refusal(flights_project: Project, february: dict[str, Any]) -> None:
    clean = Path(february["paths"]["clean"])
    flip_one_byte(clean)
    result = run("train", "flights", "--max-minutes", "1", "--json", "--", "true")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["error"]["type"] == "IntegrityError"
    assert doc["error"]["exit_code"] == 1
    assert sha256_of(clean) in doc["error"]["message"]


def test_the_file_put_back_opens_again(flights_project: Project, february: dict[str, Any]) -> None:
    clean = Path(february["paths"]["clean"])
    original = clean.read_bytes()
    flip_one_byte(clean)
    with pytest.raises(IntegrityError):
        dataguard.open_validated("flights")
    clean.write_bytes(original)
    assert dataguard.open_validated("flights").clean_fingerprint == sha256_of(clean)
    assert len(catalog.list_incidents(flights_project.catalog, "flights")) == 1


def test_without_verification_the_file_is_handed_out_unchecked(
    flights_project: Project, february: dict[str, Any]
) -> None:
    clean = Path(february["paths"]["clean"])
    recorded = sha256_of(clean)
    flip_one_byte(clean)
    opened = dataguard.open_validated("flights", verify=False)
    assert (opened.clean_fingerprint, opened.verified) == (recorded, False)
    assert catalog.list_incidents(flights_project.catalog, "flights") == []


def test_the_fingerprint_follows_the_reviewed_revision(flights_project: Project, february: dict[str, Any]) -> None:
    base = Path(february["paths"]["clean"])
    rows = run_json("quarantine", "list", "flights", "--version", "1")[1]
    row = rows[0]["row_id"]
    code, decision = run_json("quarantine", "release", "flights", "--version", "1", "--rows", str(row), "--note", "ok")
    assert (code, decision["revision"]) == (0, 1)

    opened = dataguard.open_validated("flights")
    revision = Path(decision["clean_path"])  # a name of its own: clean.r1.<random>.parquet, next to the run's
    assert (revision.parent, re.fullmatch(r"clean\.r1\.[0-9a-f]{12}\.parquet", revision.name) is not None) == (
        base.parent,
        True,
    )
    assert (opened.clean_path, opened.revision) == (revision, 1)
    assert opened.clean_fingerprint == sha256_of(revision)
    assert opened.clean_fingerprint != sha256_of(base)

    flip_one_byte(base)  # the run's own clean file is no longer what training receives
    assert dataguard.open_validated("flights").revision == 1
    expected = sha256_of(revision)
    flip_one_byte(revision)
    with pytest.raises(IntegrityError) as raised:
        dataguard.open_validated("flights")
    assert (raised.value.path, raised.value.expected) == (str(revision), expected)
    incidents = catalog.list_incidents(flights_project.catalog, "flights")
    assert [(i["revision"], i["path"]) for i in incidents] == [(1, str(revision))]


def test_a_run_with_no_recorded_fingerprint_is_refused(flights_project: Project, february: dict[str, Any]) -> None:
    with catalog_sql.writing(flights_project) as con:
        con.execute("DELETE FROM clean_files")
        con.execute("DELETE FROM deletion_vectors")
    before = catalog_state(flights_project)
    with pytest.raises(GateClosed) as raised:
        dataguard.open_validated("flights")
    assert not isinstance(raised.value, IntegrityError)
    assert raised.value.reasons == [
        f"version 1: no fingerprint was recorded when {february['paths']['clean']} was published, so it cannot be "
        "proven to be the validated data (run: dataguard validate flights --version 1)"
    ]
    assert catalog_state(flights_project) == before


def test_revalidating_records_a_fresh_fingerprint(flights_project: Project, february: dict[str, Any]) -> None:
    flip_one_byte(Path(february["paths"]["clean"]))
    code, again = run_json("validate", "flights", "--version", "1")
    assert code == 0
    opened = dataguard.open_validated("flights")
    assert opened.clean_path == Path(again["paths"]["clean"])
    assert opened.clean_fingerprint == sha256_of(opened.clean_path)


def test_incidents_command_lists_what_was_found(flights_project: Project, february: dict[str, Any]) -> None:
    clean = Path(february["paths"]["clean"])
    assert run("incidents", "flights").stdout == "flights: no integrity incident\n"
    recorded = sha256_of(clean)
    flip_one_byte(clean)
    assert run("train", "flights", "--max-minutes", "1", "--", "true").exit_code == 1
    code, found = run_json("incidents", "flights")
    assert code == 0
    assert [(i["version"], i["revision"], i["kind"], i["detected_by"], i["path"]) for i in found] == [
        (1, 0, "fingerprint_mismatch", "train", str(clean))
    ]
    text = run("incidents", "flights").stdout
    assert f"recorded {recorded}" in text
    assert f"found    {sha256_of(clean)}" in text
    assert run("incidents", "nosuch").exit_code == 2
