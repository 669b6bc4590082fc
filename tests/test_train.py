"""The training launcher: the command's environment, its exit code, and a hard ceiling on its whole group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import psutil
import pytest

from dataguard.errors import BadInput
from dataguard.gate.opened import ValidatedVersion
from dataguard.gate.train import TIMEOUT_EXIT, group_alive, run_with_ceiling, training_env

VALIDATED = ValidatedVersion(
    dataset="flights",
    version=7,
    fingerprint="abc123",
    clean_path=Path("/warehouse/flights/7/runs/r1/clean.parquet"),
    report_path=Path("/warehouse/flights/7/runs/r1/report.json"),
    verdict="WARN",
    clean_fingerprint="def456",
)


def gone(pid: int) -> bool:
    """Dead: no such process, or a zombie nobody has reaped yet (it holds no resources and runs nothing)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def read_pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()]


def wait_for_lines(path: Path, count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and len(path.read_text().split()) >= count):
        assert time.monotonic() < deadline, f"{path} never got {count} lines"
        time.sleep(0.02)


def test_training_env_adds_the_data_to_the_given_environment() -> None:
    assert training_env(VALIDATED, {"PATH": "/bin", "DATAGUARD_VERSION": "old"}) == {
        "PATH": "/bin",
        "DATAGUARD_DATA": "/warehouse/flights/7/runs/r1/clean.parquet",
        "DATAGUARD_VERSION": "7",
        "DATAGUARD_DATASET": "flights",
        "DATAGUARD_FINGERPRINT": "abc123",
        "DATAGUARD_CLEAN_FINGERPRINT": "def456",
    }


def test_training_env_starts_from_the_current_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_TRAINING_SETTING", "on")
    env = training_env(VALIDATED)
    assert env["SOME_TRAINING_SETTING"] == "on"
    assert env["DATAGUARD_DATASET"] == "flights"


def test_a_normal_command_returns_its_own_exit_code_and_sees_the_data(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    script = f'printf "%s|%s|%s" "$DATAGUARD_DATA" "$DATAGUARD_VERSION" "$DATAGUARD_DATASET" > {seen}; exit 3'
    outcome = run_with_ceiling(["sh", "-c", script], training_env(VALIDATED), max_seconds=30)

    assert (outcome.exit_code, outcome.timed_out, outcome.interrupted_by) == (3, False, None)
    assert seen.read_text() == "/warehouse/flights/7/runs/r1/clean.parquet|7|flights"
    assert outcome.started <= outcome.ended
    assert outcome.ended - outcome.started < timedelta(seconds=30)


def test_output_streams_through_to_our_stdout_and_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    outcome = run_with_ceiling(["sh", "-c", "echo epoch 1; echo warning >&2"], dict(os.environ), max_seconds=30)
    assert outcome.exit_code == 0
    assert capfd.readouterr() == ("epoch 1\n", "warning\n")


def test_output_can_go_to_stderr_to_keep_stdout_for_json(capfd: pytest.CaptureFixture[str]) -> None:
    run_with_ceiling(["sh", "-c", "echo epoch 1; echo warning >&2"], dict(os.environ), max_seconds=30, stdout=2)
    assert capfd.readouterr() == ("", "epoch 1\nwarning\n")


def test_a_command_and_its_children_are_stopped_at_the_ceiling(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"sleep 60 & echo $! >> {pids}; sleep 60 & echo $! >> {pids}; echo $$ >> {pids}; wait"
    started = time.monotonic()
    outcome = run_with_ceiling(["sh", "-c", script], dict(os.environ), max_seconds=2, grace_seconds=5)
    elapsed = time.monotonic() - started

    assert (outcome.exit_code, outcome.timed_out) == (TIMEOUT_EXIT, True)
    assert 2 <= elapsed < 2 + 5  # SIGTERM was enough: no grace period spent
    assert len(read_pids(pids)) == 3
    assert [pid for pid in read_pids(pids) if not gone(pid)] == []
    assert not group_alive(outcome.pid)


def test_a_command_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"trap '' TERM; sleep 60 & echo $! >> {pids}; echo $$ >> {pids}; wait; wait"
    started = time.monotonic()
    outcome = run_with_ceiling(["sh", "-c", script], dict(os.environ), max_seconds=1, grace_seconds=1)
    elapsed = time.monotonic() - started

    assert (outcome.exit_code, outcome.timed_out) == (TIMEOUT_EXIT, True)
    assert 1 + 1 <= elapsed < 1 + 1 + 5
    assert [pid for pid in read_pids(pids) if not gone(pid)] == []


def test_fractional_seconds_are_a_ceiling_too() -> None:
    started = time.monotonic()
    outcome = run_with_ceiling(["sleep", "30"], dict(os.environ), max_seconds=0.3, grace_seconds=1)
    assert (outcome.exit_code, outcome.timed_out) == (TIMEOUT_EXIT, True)
    assert time.monotonic() - started < 5


def test_what_a_command_leaves_running_in_its_group_is_stopped_when_it_exits(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    outcome = run_with_ceiling(
        ["sh", "-c", f"sleep 60 & echo $! > {pids}; exit 0"], dict(os.environ), max_seconds=30, grace_seconds=5
    )
    assert (outcome.exit_code, outcome.timed_out) == (0, False)
    assert gone(read_pids(pids)[0])


def test_a_command_killed_by_a_signal_exits_128_plus_the_signal() -> None:
    outcome = run_with_ceiling(["sh", "-c", "kill -KILL $$"], dict(os.environ), max_seconds=30)
    assert (outcome.exit_code, outcome.timed_out) == (128 + signal.SIGKILL, False)


LAUNCHER = """
import os, sys
from dataguard.gate.train import run_with_ceiling
outcome = run_with_ceiling(["sh", "-c", sys.argv[1]], dict(os.environ), max_seconds=60, grace_seconds=2)
print(outcome.exit_code, outcome.interrupted_by, outcome.timed_out)
"""


def test_stopping_dataguard_stops_the_training_group_first(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = f"sleep 60 & echo $! >> {pids}; echo $$ >> {pids}; wait"
    launcher = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(LAUNCHER), script], stdout=subprocess.PIPE, text=True
    )
    wait_for_lines(pids, 2)
    launcher.send_signal(signal.SIGTERM)
    out, _ = launcher.communicate(timeout=30)

    assert (launcher.returncode, out) == (0, f"{128 + signal.SIGTERM} {int(signal.SIGTERM)} False\n")
    assert [pid for pid in read_pids(pids) if not gone(pid)] == []


def test_a_missing_command_is_bad_input() -> None:
    with pytest.raises(BadInput, match="cannot run the training command 'no-such-trainer-xyz'"):
        run_with_ceiling(["no-such-trainer-xyz"], dict(os.environ), max_seconds=5)


@pytest.mark.parametrize(("cmd", "seconds"), [([], 5.0), (["true"], 0.0), (["true"], -1.0)])
def test_no_command_or_no_time_is_bad_input(cmd: list[str], seconds: float) -> None:
    with pytest.raises(BadInput):
        run_with_ceiling(cmd, dict(os.environ), max_seconds=seconds)
