"""Runs at the same time on one catalog: the same dataset waits its turn, different datasets go side by side.

Children are started while this test holds the dataset's lock, so both are
certainly waiting at once when it is released (no sleeps decide the outcome).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from dataguard.catalog.locks import dataset_lock, lock_path
from dataguard.project import Project
from tests.cleanrows import clean_of
from tests.conftest import write_contract
from tests.faults.conftest import CONTRACT, catalog_rows, run_states, version_csv, version_numbers


def finish(child: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = child.communicate(timeout=300)
    return child.returncode, out, err


def wait_until_waiting(children: list[subprocess.Popen[str]], project: Project, dataset: str) -> None:
    """Both children have printed that they wait for the lock (their Prefect logger says so)."""
    import time

    deadline = time.monotonic() + 120
    waiting = set()
    while len(waiting) < len(children) and time.monotonic() < deadline:
        for child in children:
            if child.poll() is not None:
                raise AssertionError(f"a child ended while the lock was held: {child.communicate()}")
        waiting = {c.pid for c in children if _waiting_on(c.pid, lock_path(project, dataset))}
        time.sleep(0.2)
    assert len(waiting) == len(children)


def _waiting_on(pid: int, lock: Path) -> bool:
    """The child has the lock file open (it opens it only to wait for and take the lock)."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        return any(str(fd.resolve()) == str(lock) for fd in fds.iterdir())
    except OSError:
        return False


def test_two_runs_of_one_dataset_take_turns(
    project: Project, small: dict[str, Path], spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    with dataset_lock(project, "pets"):
        children = [spawn("validate", "pets", small["v1"], "--json"), spawn("validate", "pets", small["v2"], "--json")]
        wait_until_waiting(children, project, "pets")
    results = [finish(c) for c in children]

    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    reports = sorted((json.loads(out) for _, out, _ in results), key=lambda r: r["rows"]["input"])
    assert [(r["rows"]["input"], r["rows"]["quarantined"]) for r in reports] == [(30, 3), (40, 2)]
    assert sorted(r["version"] for r in reports) == [1, 2]
    assert sorted(n for _, _, n in version_numbers(project, "pets")) == [30, 40]
    assert run_states(project, "pets") == [(1, "finished"), (2, "finished")]
    for report in reports:
        clean = clean_of(report).num_rows
        quarantined = pq.read_metadata(report["paths"]["quarantine"]).num_rows
        assert clean + quarantined == report["rows"]["input"]


def test_the_same_file_twice_at_once_is_one_version(
    project: Project, small: dict[str, Path], spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    with dataset_lock(project, "pets"):
        children = [spawn("validate", "pets", small["v1"], "--json") for _ in range(2)]
        wait_until_waiting(children, project, "pets")
    results = [finish(c) for c in children]

    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    assert [json.loads(out)["version"] for _, out, _ in results] == [1, 1]
    assert [(v, n) for v, _, n in version_numbers(project, "pets")] == [(1, 40)]
    assert run_states(project, "pets") == [(1, "finished"), (1, "finished")]


def test_different_datasets_run_side_by_side_on_one_catalog(
    project: Project, tmp_path: Path, spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    names = ["pets", "pets_b", "pets_c"]
    for number, name in enumerate(names):
        write_contract(project, name, CONTRACT)
        (tmp_path / f"{name}.csv").write_text(version_csv(50 + number, number, 0))
    children = [spawn("validate", name, tmp_path / f"{name}.csv", "--json") for name in names]
    results = [finish(c) for c in children]

    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    assert not any("lock" in err.lower() and "error" in err.lower() for _, _, err in results)
    for number, (name, (_, out, _)) in enumerate(zip(names, results, strict=True)):
        report = json.loads(out)
        assert (report["dataset"], report["version"], report["rows"]["input"]) == (name, 1, 50 + number)
        assert report["rows"]["quarantined"] == number
        assert run_states(project, name) == [(1, "finished")]
    assert catalog_rows(project, "SELECT count(*) FROM versions") == [(3,)]
