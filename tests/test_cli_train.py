"""dataguard train: the gate first, the clean data in the environment, a hard ceiling, every run recorded."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from dataguard.project import Project
from tests.conftest import FEB
from tests.test_cli import run, run_json

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_training_gets_the_clean_data_and_is_recorded(flights_project: Project, tmp_path: Path) -> None:
    code, report = run_json("validate", "flights", FEB)
    assert code == 0
    seen = tmp_path / "seen.txt"
    script = (
        "import os, sys; open(sys.argv[1], 'w').write('|'.join(os.environ[k] for k in "
        "('DATAGUARD_DATA', 'DATAGUARD_VERSION', 'DATAGUARD_DATASET', 'DATAGUARD_FINGERPRINT')))"
    )
    result = run("train", "flights", "--max-minutes", "1", "--", sys.executable, "-c", script, seen)
    assert result.exit_code == 0
    assert seen.read_text() == f"{report['paths']['clean']}|1|flights|{report['fingerprint']}"
    code, runs = run_json("runs", "flights")
    assert code == 0
    assert [(r["version"], r["revision"], r["exit_code"], r["timed_out"]) for r in runs] == [(1, 0, 0, False)]
    assert runs[0]["command"] == shlex.join([sys.executable, "-c", script, str(seen)])


def test_a_closed_gate_never_runs_the_command(flights_project: Project, tmp_path: Path) -> None:
    contract = flights_project.contract_path("flights")
    contract.write_text(contract.read_text().replace("max_quarantined_fraction=0.25", "max_quarantined_fraction=0.001"))
    assert run("validate", "flights", FEB).exit_code == 1
    marker = tmp_path / "ran"
    result = run("train", "flights", "--max-minutes", "1", "--", "touch", marker)
    assert result.exit_code == 1
    assert "gate closed for 'flights'" in result.stderr
    assert not marker.exists()
    assert run_json("runs", "flights")[1] == []


def test_the_ceiling_stops_the_command_and_its_children(flights_project: Project, tmp_path: Path) -> None:
    assert run("validate", "flights", FEB).exit_code == 0
    pids = tmp_path / "pids"
    result = run(
        "train",
        "flights",
        "--max-minutes",
        "0.04",
        "--grace-seconds",
        "1",
        "--",
        "sh",
        "-c",
        f"sleep 60 & echo $! > {pids}; echo $$ >> {pids}; wait",
    )
    assert result.exit_code == 124
    for pid in map(int, pids.read_text().split()):
        assert not _running(pid)
    runs = run_json("runs", "flights")[1]
    assert [(r["exit_code"], r["timed_out"]) for r in runs] == [(124, True)]


def _running(pid: int) -> bool:
    """Alive and not a zombie (this sandbox's PID 1 does not reap orphans)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
