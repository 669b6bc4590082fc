"""kill -9 while the clean file is made on first open, and while a release writes its deletion vector."""

from __future__ import annotations

import hashlib
import json
import signal
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

import dataguard
from dataguard.project import Project
from tests.faults.conftest import Child, catalog_rows

KILLED = -signal.SIGKILL


def test_kill_9_while_the_clean_file_is_made_records_nothing_and_the_next_open_makes_it(
    project: Project, small: dict[str, Path], cli: Callable[..., Child]
) -> None:
    validated = cli("validate", "pets", small["v1"], "--json")
    assert validated.returncode == 0
    clean = Path(json.loads(validated.stdout)["paths"]["clean"])

    killed = cli("peek", "pets", fault="materialize")

    assert killed.returncode == KILLED
    assert catalog_rows(project, "SELECT revision FROM clean_files") == []
    assert not clean.exists()
    left = sorted(p.name for p in clean.parent.glob(".clean.parquet.*"))
    assert len(left) == 1  # the dead reader's unfinished file
    gate = cli("gate", "pets", "--json")
    assert (gate.returncode, json.loads(gate.stdout)["clean_fingerprint"]) == (0, None)

    opened = dataguard.open_validated("pets", project=project)

    assert (opened.clean_path, pq.read_metadata(clean).num_rows) == (clean, 38)
    recorded = catalog_rows(project, "SELECT clean_path, fingerprint FROM clean_files")
    assert recorded == [(str(clean), "sha256:" + hashlib.sha256(clean.read_bytes()).hexdigest())]
    assert list(clean.parent.glob(".clean.parquet.*")) == []  # its host saw the maker was dead


def test_kill_9_before_a_release_is_recorded_leaves_the_revision_as_it_was(
    project: Project, small: dict[str, Path], cli: Callable[..., Child]
) -> None:
    assert cli("validate", "pets", small["v1"]).returncode == 0
    before = dataguard.open_validated("pets", project=project)
    release = ("quarantine", "release", "pets", "--version", "1", "--rows", "0", "--note", "fine", "--reviewer", "ana")

    killed = cli(*release, fault="review")

    assert killed.returncode == KILLED
    assert catalog_rows(project, "SELECT revision FROM deletion_vectors ORDER BY revision") == [(0,)]
    assert dataguard.open_validated("pets", project=project) == before
    again = cli(*release, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["revision"] == 1
    after = dataguard.open_validated("pets", project=project)
    assert (after.revision, pq.read_metadata(after.clean_path).num_rows) == (1, 39)
