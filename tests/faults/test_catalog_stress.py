"""The catalog under a team's load, both backends: 8 processes, two datasets, writers killed with -9.

Each worker (``catalog_stress_worker``) runs a random mix of validate, ingest,
release, reject, baseline set, gate, versions and open_validated until the
deadline, while the test kills a random worker with SIGKILL every few seconds
and starts another in its place. Afterwards every invariant of the catalog
holds, checked from the catalog and the files themselves.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

import dataguard
from dataguard import catalog
from dataguard.common.rows import VersionRows
from dataguard.errors import GateClosed
from dataguard.gate.validated import judge
from dataguard.project import Project
from tests.catalog_sql import catalog_rows
from tests.faults.catalog_stress_worker import DATASETS, make_sources, operations, start, stop_file
from tests.test_cli import run_json

WORKERS = 8
SECONDS = 18.0  # at least, and then until every kind of operation has completed once
MOST_SECONDS = 40.0  # at most
KILL_EVERY = 2.0
KINDS = ("validate", "ingest", "release", "reject", "baseline", "gate", "versions", "open_validated")

EXPECTED_REFUSALS = ("was validated again since run", "rows not quarantined in")


def run_the_load(project: Project, sources: Path, logs: Path) -> int:
    """Run the workers for SECONDS and then until every kind of operation has completed once (a loaded machine
    completes fewer in the same time), killing one with -9 every KILL_EVERY seconds; how many were killed."""
    rng = random.Random(7)
    deadline = time.monotonic() + MOST_SECONDS
    workers = [start(project, sources, n, MOST_SECONDS, logs / f"{n}.jsonl") for n in range(WORKERS)]
    killed = 0
    enough = time.monotonic() + SECONDS
    while time.monotonic() < deadline - KILL_EVERY:
        time.sleep(KILL_EVERY)
        if time.monotonic() >= enough and not kinds_never_done(operations(logs, complete=False)):
            break
        victim = rng.randrange(WORKERS)
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait()
        killed += 1
        seed = WORKERS + killed
        workers[victim] = start(project, sources, seed, deadline - time.monotonic(), logs / f"{seed}.jsonl")
    stop_file(logs / "0.jsonl").touch()
    for worker in workers:
        worker.wait(timeout=600)
    return killed


def kinds_never_done(ops: list[dict[str, Any]]) -> list[str]:
    """The kinds of operation that never completed (exit 1 is a verdict: FAIL, a closed gate)."""
    done = Counter(op["op"] for op in ops if op.get("exit") in (0, 1))
    return [kind for kind in KINDS if done[kind] == 0]


def sha256_of(path: str) -> str:
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def conservation(project: Project, run: catalog.RunRecord) -> tuple[int, int, int, int]:
    """(clean, pending, rejected, input) of a finished run as the gate sees it (its newest revision)."""
    quarantined = pq.ParquetFile(str(run.quarantine_path)).metadata.num_rows
    states = Counter(catalog.row_states(project.catalog, run.run_id).values())
    (rows_input,) = catalog_rows(project, "SELECT rows_input FROM runs WHERE run_id = ?", [run.run_id])[0]
    (deleted,) = catalog_rows(
        project, "SELECT path FROM deletion_vectors WHERE run_id = ? AND revision = ?", [run.run_id, run.revision]
    )[0]
    version = catalog.find_version(project.catalog, run.dataset, version=run.version)
    assert version is not None
    clean = VersionRows(Path(version.data_path), Path(deleted)).read([]).num_rows  # counted, not taken from a record
    return clean, quarantined - states["released"] - states["rejected"], states["rejected"], rows_input


def test_eight_processes_with_kill_9_keep_every_invariant(any_flights: Project, tmp_path: Path) -> None:
    shutil.copy(any_flights.contract_path("flights"), any_flights.contract_path("flights_b"))
    sources = make_sources(tmp_path / "sources")
    logs = tmp_path / "logs"
    logs.mkdir()

    killed = run_the_load(any_flights, sources, logs)
    for dataset in DATASETS:  # the next writer of each dataset abandons what the killed ones left running
        code, report = run_json("validate", dataset, sources / "feb-0.parquet")
        assert code == (1 if report["verdict"] == "FAIL" else 0)  # a pinned baseline may fail it: still a run

    ops = operations(logs)
    assert [op for op in ops if "traceback" in op] == []
    refused = [op for op in ops if op.get("exit") == 2]
    assert [op for op in refused if not any(text in op["output"] for text in EXPECTED_REFUSALS)] == []
    assert {op.get("exit") for op in ops} <= {0, 1, 2, None}  # None: skipped (nothing to release yet)
    assert killed >= 5
    assert kinds_never_done(ops) == [], Counter(op["op"] for op in ops if op.get("exit") in (0, 1))
    reader_waits = [op["wait"] for op in ops if "wait" in op]
    assert max(reader_waits) < 1.0  # no reader waited for a writer to see the catalog

    db = any_flights.catalog
    recorded = catalog_rows(any_flights, "SELECT clean_path, fingerprint FROM clean_files")
    assert [(path, sha256_of(path)) for path, _ in recorded] == recorded
    assert catalog_rows(any_flights, "SELECT state FROM runs WHERE state = 'running'") == []
    assert (
        catalog_rows(
            any_flights, "SELECT dataset, fingerprint FROM versions GROUP BY dataset, fingerprint HAVING count(*) > 1"
        )
        == []
    )
    for dataset in DATASETS:
        for run in catalog.latest_runs(db, dataset).values():
            clean, pending, rejected, rows_input = conservation(any_flights, run)
            assert clean + pending + rejected == rows_input, run.run_id
        decision = judge(any_flights, dataset, None)
        try:
            opened = dataguard.open_validated(dataset, project=any_flights.root)
            assert (decision.open, opened.version) == (True, decision.version)
        except GateClosed:
            assert decision.open is False
