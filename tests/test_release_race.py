"""Regression: two `quarantine release` commands on the same version at once (both backends).

Before the team catalog, in 6 of 8 tries they collided: the loser exited 1
with a raw ConstraintException after overwriting the winner's clean revision
file in place, leaving files that no longer matched their fingerprints. Now
the second waits for the first, builds on its revision, and every file a
revision names is the one recorded.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

import dataguard
from dataguard import catalog
from dataguard.project import Project
from tests.catalog_sql import catalog_rows
from tests.conftest import FEB
from tests.test_cli import run_json

TRIES = 4


def release(project: Project, row: int) -> subprocess.Popen[str]:
    command = [
        *(sys.executable, "-m", "dataguard", "quarantine", "release", "flights", "--version", "1"),
        *("--rows", str(row), "--note", f"row {row} is real", "--json", "--project", str(project.root)),
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def sha256_of(path: str) -> str:
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_two_releases_at_once_take_turns_and_every_revision_file_is_the_recorded_one(any_flights: Project) -> None:
    code, _ = run_json("validate", "flights", FEB)
    assert code == 0
    rows = [r["row_id"] for r in run_json("quarantine", "list", "flights", "--version", "1")[1]][: 2 * TRIES]

    outcomes = []
    for attempt in range(TRIES):
        pair = [release(any_flights, rows[2 * attempt]), release(any_flights, rows[2 * attempt + 1])]
        outcomes += [(child.wait(), *child.communicate()) for child in pair]

    assert [code for code, _, _ in outcomes] == [0] * 2 * TRIES
    assert [err for _, _, err in outcomes] == [""] * 2 * TRIES
    revisions = sorted(json.loads(out)["revision"] for _, out, _ in outcomes)
    assert revisions == list(range(1, 2 * TRIES + 1))  # each built on the one before

    recorded = catalog_rows(any_flights, "SELECT revision, path, fingerprint FROM deletion_vectors ORDER BY revision")
    assert [r for r, _, _ in recorded] == list(range(0, 2 * TRIES + 1))
    assert [(r, sha256_of(path)) for r, path, _ in recorded] == [(r, digest) for r, _, digest in recorded]
    assert len({path for _, path, _ in recorded}) == len(recorded)  # no file named twice
    sizes = [pq.ParquetFile(path).metadata.num_rows for _, path, _ in recorded]
    assert sizes == [80 - r for r in range(0, 2 * TRIES + 1)]  # each revision's vector one released row smaller

    opened = dataguard.open_validated("flights", project=any_flights.root)
    assert (opened.revision, opened.verified) == (2 * TRIES, True)
    released = set(pq.read_table(opened.clean_path, columns=["_row_id"]).column("_row_id").to_pylist())
    assert set(rows) <= released
    assert pq.ParquetFile(opened.clean_path).metadata.num_rows == 24871 + 2 * TRIES
    log = catalog.audit_log(any_flights.catalog, "flights")
    assert sorted(entry["row_ids"][0] for entry in log) == sorted(rows)
    assert [entry["revision"] for entry in log] == list(range(1, 2 * TRIES + 1))
