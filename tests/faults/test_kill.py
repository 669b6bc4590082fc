"""kill -9 at each stage of a run: the gate keeps the previous state, a rerun completes once.

The CLI runs in a child process with ``DATAGUARD_FAULT_AT=<stage>`` (see
``dataguard.common.faults``): the child SIGKILLs itself exactly at that stage
boundary, so no timing is involved.
"""

from __future__ import annotations

import hashlib
import json
import signal
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import dataguard
from dataguard.project import Project
from tests.faults.conftest import CHECK_NAMES, Child, catalog_rows, run_states, version_numbers

KILLED = -signal.SIGKILL


def sha(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def gate_json(cli: Callable[..., Child], *args: str) -> tuple[int, dict[str, object]]:
    child = cli("gate", "pets", *args, "--json")
    return child.returncode, json.loads(child.stdout)


NO_RUN = "version 2 has no finished validation run (run: dataguard validate pets --version 2)"

# stage -> (gate of the newest version after the kill, runs of v2 after the kill)
STAGES = {
    "ingest.staged": ((0, 1, True), []),
    "ingest.registered": ((1, 2, False), []),
    "rowchecks": ((1, 2, False), [(2, "running")]),
    "split": ((1, 2, False), [(2, "running")]),
    "report": ((1, 2, False), [(2, "running")]),
    "publish": ((0, 2, True), [(2, "finished")]),  # killed after the commit: the new state, complete
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_kill_9_at_a_stage_leaves_the_previous_state_and_a_rerun_publishes_once(
    project: Project, small: dict[str, Path], cli: Callable[..., Child], stage: str
) -> None:
    assert cli("validate", "pets", small["v1"]).returncode == 0
    v1 = dataguard.open_validated("pets", project=project)

    killed = cli("validate", "pets", small["v2"], fault=stage)

    assert killed.returncode == KILLED
    (gate_code, gate_version, gate_open), v2_runs = STAGES[stage]
    code, doc = gate_json(cli)
    assert (code, doc["version"], doc["open"]) == (gate_code, gate_version, gate_open)
    if not gate_open:
        assert doc["reasons"] == [NO_RUN]
    assert [r for r in run_states(project, "pets") if r[0] == 2] == v2_runs
    if stage != "publish":  # training still gets exactly what it got before
        assert dataguard.open_validated("pets", project=project) == v1
    assert gate_json(cli, "--version", "1")[0] == 0

    rerun = cli("validate", "pets", small["v2"], "--json")

    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert (report["version"], report["verdict"], report["rows"]["input"]) == (2, "WARN", 30)
    assert (report["rows"]["clean"], report["rows"]["quarantined"]) == (27, 3)
    assert version_numbers(project, "pets") == [(1, sha(small["v1"]), 40), (2, sha(small["v2"]), 30)]
    dead = {"ingest.staged": [], "ingest.registered": [], "publish": [(2, "finished")]}.get(stage, [(2, "abandoned")])
    assert run_states(project, "pets") == sorted([(1, "finished"), (2, "finished"), *dead])
    assert not (project.warehouse / ".staging").exists() or list((project.warehouse / ".staging").iterdir()) == []
    published = dataguard.open_validated("pets", project=project)
    assert (published.version, pq.read_metadata(published.clean_path).num_rows) == (2, 27)
    quarantine = pq.read_table(Path(report["paths"]["quarantine"]))
    assert quarantine.column("_row_id").to_pylist() == [0, 1, 2]
    checks = catalog_rows(
        project,
        "SELECT name, column_name FROM check_results WHERE run_id = ? ORDER BY name, column_name",
        [report["run_id"]],
    )
    assert checks == CHECK_NAMES
    runs_on_disk = sorted(p.name for p in (project.warehouse / "pets" / "2" / "runs").iterdir())
    finished = [r for (r,) in catalog_rows(project, "SELECT run_id FROM runs WHERE version = 2 AND state = 'finished'")]
    assert runs_on_disk == sorted(finished)  # the killed run's unpublished files are gone
