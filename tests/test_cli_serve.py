"""`dataguard serve` as a user runs it (a real process on Prefect's embedded API, stopped with Ctrl-C),
and `dataguard validate --prefect` leaving a Failed flow run when the gate stays closed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dataguard.app.cli import app
from dataguard.project import Project
from tests import catalog_sql
from tests.conftest import FEB, JAN
from tests.test_schedule import JAN_FAIL, artifacts, drop, flow_run, strict

DATAGUARD = Path(sys.executable).with_name("dataguard")
WAIT_SECONDS = 240.0  # the embedded API starts in 10-20 s; the run takes a few more


def test_serve_validates_a_landed_file_once_and_stops_cleanly_on_ctrl_c(flights_project: Project) -> None:
    drop(flights_project, "flights", "feb.parquet", FEB.read_bytes())
    drop(flights_project, "flights", "feb-copy.parquet", FEB.read_bytes(), mtime=time.time() - 1800)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    command = [str(DATAGUARD), "serve", "--project", str(flights_project.root), "--poll-seconds", "1"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while time.monotonic() < deadline and not any("accepted" in line for line in lines):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
        time.sleep(3)  # a few more polls: the copy of the same bytes must not start a run
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    lines += rest.splitlines()
    assert proc.returncode == 0
    assert lines[0].startswith(f"serving {flights_project.root} on Prefect's embedded API")
    assert lines[1:] == ["flights/feb.parquet: accepted v1 WARN", "stopped"]
    with catalog_sql.reading(flights_project) as con:
        assert con.execute("SELECT version, state FROM runs").fetchall() == [(1, "finished")]


def test_serve_refuses_an_invalid_cron_with_exit_2(flights_project: Project) -> None:
    result = CliRunner().invoke(app, ["serve", "--project", str(flights_project.root), "--cron", "61 * * * *"])
    assert result.exit_code == 2
    assert "invalid nightly schedule '61 * * * *' (timezone UTC)" in result.output


def test_serve_refuses_a_negative_poll_interval(flights_project: Project) -> None:
    result = CliRunner().invoke(app, ["serve", "--project", str(flights_project.root), "--poll-seconds", "-1"])
    assert (result.exit_code, result.output.strip()) == (
        2,
        "error: --poll-seconds and --settle-seconds must be 0 or more",
    )


@pytest.mark.usefixtures("prefect_harness")
def test_validate_on_a_closed_gate_exits_1_and_leaves_a_failed_flow_run_with_the_reasons(
    flights_project: Project,
) -> None:
    strict(flights_project)
    command = ["validate", "flights", str(JAN), "--prefect", "--project", str(flights_project.root)]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1
    assert "flights v1  FAIL  (gate closed)" in result.output
    with catalog_sql.reading(flights_project) as con:
        ((run_id, state),) = con.execute("SELECT flow_run_id, state FROM runs").fetchall()
    assert state == "finished"
    run = flow_run(run_id)
    assert (run.name, run.state.type.value, run.state.message) == ("flights", "FAILED", JAN_FAIL)
    assert "dataguard-flights" in {a.key for a in artifacts(run_id)}


@pytest.mark.usefixtures("prefect_harness")
def test_validate_on_an_open_gate_leaves_a_completed_flow_run(flights_project: Project) -> None:
    command = ["validate", "flights", str(FEB), "--prefect", "--project", str(flights_project.root)]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0
    with catalog_sql.reading(flights_project) as con:
        ((run_id,),) = con.execute("SELECT flow_run_id FROM runs").fetchall()
    assert flow_run(run_id).state.type.value == "COMPLETED"
