"""Against a real `prefect server start` on a loopback port: `dataguard.app.serve.serve` serves the
project's deployments to it, deployments run through it, and the flow runs, their task runs and their
artifacts are read back with the Prefect client. Then Ctrl-C stops serving and the server is stopped.

Everything that talks to the server runs in subprocesses with their own PREFECT_API_URL and
PREFECT_HOME, so this module never touches the session's prefect_test_harness.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataguard.ingest.version import fingerprint
from dataguard.project import Project
from tests import catalog_sql
from tests.conftest import FEB, JAN, flights_contract_text

PREFECT = Path(sys.executable).parent / "prefect"
NEVER_TONIGHT = "0 0 1 1 *"  # the nightly schedule must not fire during the test: runs start on demand
STAGES = ["load contract", "ingest", "row checks", "split", "verdict", "publish"]
STRICT_FAIL = "strict v1 FAIL: 0.32% of rows quarantined (87 of 27,004), above the 0.10% allowed"
HOUR_AGO = time.time() - 3600

SERVE = """
import sys
from dataguard.app.serve import serve
serve(sys.argv[1], cron=sys.argv[2], poll_seconds=0)
print("serve returned", flush=True)
"""

CLIENT = """
import json, sys, time
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter
from prefect.client.schemas.filters import FlowRunFilterId, FlowRunFilterParentFlowRunId
from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort
from prefect.deployments import run_deployment

name, feb = sys.argv[1], sys.argv[2]
STAGES = {"load contract", "ingest", "row checks", "split", "verdict", "publish"}


def wait_for_deployments(client):
    deadline = time.monotonic() + 120
    while True:
        try:
            client.read_deployment_by_name(f"dataguard-validate/{name}")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def stage(task_run):
    return task_run.name.rsplit("-", 1)[0]


def task_runs(client, run_id, required, count):
    deadline = time.monotonic() + 60
    while True:
        found = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), sort=TaskRunSort.EXPECTED_START_TIME_ASC
        )
        final = [t for t in found if t.state is not None and t.state.is_final()]
        if (required <= {stage(t) for t in final} and len(final) >= count) or time.monotonic() > deadline:
            return [[stage(t), t.state.type.value, t.run_count] for t in final]
        time.sleep(0.5)


def describe(client, run, required=STAGES, count=0):
    by_run = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
    artifacts = client.read_artifacts(artifact_filter=by_run)
    return {
        "id": str(run.id),
        "flow": client.read_flow(run.flow_id).name,
        "name": run.name,
        "deployment": run.deployment_id is not None,
        "state": run.state.type.value,
        "message": run.state.message,
        "tasks": task_runs(client, run.id, required, count),
        "artifacts": {a.key: [a.type, a.data] for a in artifacts},
    }


with get_client(sync_client=True) as client:
    wait_for_deployments(client)
    nightly = run_deployment(f"dataguard-nightly/{name}", timeout=300, poll_interval=1)
    children = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[nightly.id])),
        sort=FlowRunSort.START_TIME_ASC,
    )
    on_demand = run_deployment(
        f"dataguard-validate/{name}", parameters={"dataset": "flights", "source": feb}, timeout=300, poll_interval=1
    )
    print(json.dumps({
        "nightly": describe(client, client.read_flow_run(nightly.id), set(), 4),
        "children": [describe(client, child) for child in children],
        "on_demand": describe(client, client.read_flow_run(on_demand.id)),
    }))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    """This environment without any Prefect or dataguard setting, then a private Prefect home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DATAGUARD_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_UI_ENABLED="false",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
    )
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def stop(process: subprocess.Popen[Any], sig: int = signal.SIGTERM) -> int:
    """Signal the process group and wait; kill it if it does not stop."""
    try:
        os.killpg(process.pid, sig)
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait()
    except ProcessLookupError:
        return process.wait()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prefect server on a free loopback port, with its own database; its API URL."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=prefect_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        wait_until_healthy(api_url, server, home / "server.log")
        yield api_url
    finally:
        stop(server)
        log.close()


def wait_until_healthy(api_url: str, server: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"prefect server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"prefect server did not answer /api/health within 180 s:\n{log.read_text()[-3000:]}")


def land(project: Project, dataset: str, source: Path) -> None:
    folder = project.root / "data" / "landing" / dataset
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, folder / source.name)
    os.utime(folder / source.name, (HOUR_AGO, HOUR_AGO))


@pytest.fixture
def two_datasets(tmp_path: Path) -> Project:
    """flights, and `strict`: the same contract with a 0.1% quarantine limit, so January fails it."""
    root = tmp_path / "served"
    (root / "schemas").mkdir(parents=True)
    contract = flights_contract_text()
    (root / "schemas" / "flights.py").write_text(contract)
    strict = contract.replace("max_quarantined_fraction=0.25", "max_quarantined_fraction=0.001")
    assert strict != contract
    (root / "schemas" / "strict.py").write_text(strict)
    project = Project(root, root / "data" / "warehouse")
    land(project, "flights", JAN)
    land(project, "strict", JAN)
    return project


def test_deployments_run_through_a_real_prefect_server(
    prefect_server: str, two_datasets: Project, tmp_path: Path
) -> None:
    env = prefect_env(tmp_path / "client-home", prefect_server)
    serving = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(two_datasets.root), NEVER_TONIGHT],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        client = subprocess.run(
            [sys.executable, "-c", CLIENT, two_datasets.root.name, str(FEB)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        code = stop(serving, signal.SIGINT)  # Ctrl-C
    served_output = serving.stdout.read() if serving.stdout else ""
    assert client.returncode == 0, client.stderr[-3000:] + served_output[-3000:]
    seen = json.loads(client.stdout.strip().splitlines()[-1])

    assert (code, served_output.splitlines()[-1]) == (0, "serve returned"), served_output[-3000:]
    assert (
        served_output.splitlines()[0]
        == f"serving {two_datasets.root} on the Prefect server at {prefect_server} (Ctrl-C stops)"
    )

    nightly = seen["nightly"]
    assert (nightly["flow"], nightly["deployment"], nightly["state"], nightly["message"]) == (
        "dataguard-nightly",
        True,
        "FAILED",
        f"1 of 2 landed files failed: strict/{JAN.name}: rejected: {STRICT_FAIL}",
    )
    assert nightly["tasks"] == [  # a subflow run shows in its parent as a task run of the same name
        ["recheck landed file", "COMPLETED", 1],
        ["dataguard-validate", "COMPLETED", 1],
        ["recheck landed file", "COMPLETED", 1],
        ["dataguard-validate", "FAILED", 1],
    ]
    flights, strict = seen["children"]
    assert (flights["flow"], flights["name"], flights["state"], flights["message"]) == (
        "dataguard-validate",
        "flights",
        "COMPLETED",
        None,
    )
    assert (strict["flow"], strict["name"], strict["state"], strict["message"]) == (
        "dataguard-validate",
        "strict",
        "FAILED",
        STRICT_FAIL,
    )
    on_demand = seen["on_demand"]
    assert (on_demand["flow"], on_demand["name"], on_demand["deployment"], on_demand["state"]) == (
        "dataguard-validate",
        "flights",
        True,
        "COMPLETED",
    )
    for run in (flights, strict, on_demand):
        pipeline = [(name, state, count) for name, state, count in run["tasks"] if name in STAGES]
        assert pipeline == [(name, "COMPLETED", 1) for name in STAGES]

    report_md = {
        (dataset, version): next((two_datasets.warehouse / dataset / str(version) / "runs").glob("*/report.md"))
        for dataset, version in (("flights", 1), ("strict", 1), ("flights", 2))
    }
    assert flights["artifacts"]["dataguard-flights"] == ["markdown", report_md["flights", 1].read_text()]
    assert strict["artifacts"]["dataguard-strict"] == ["markdown", report_md["strict", 1].read_text()]
    assert on_demand["artifacts"]["dataguard-flights"] == ["markdown", report_md["flights", 2].read_text()]
    assert report_md["strict", 1].read_text().startswith("# strict v1: FAIL\n")

    with catalog_sql.reading(two_datasets) as con:
        versions = con.execute("SELECT dataset, version, fingerprint FROM versions ORDER BY 1, 2").fetchall()
        runs = con.execute(
            "SELECT dataset, version, state, verdict, flow_run_id FROM runs ORDER BY dataset, version"
        ).fetchall()
    assert versions == [
        ("flights", 1, fingerprint(JAN)),
        ("flights", 2, fingerprint(FEB)),
        ("strict", 1, fingerprint(JAN)),
    ]
    assert [r[:4] for r in runs] == [
        ("flights", 1, "finished", "WARN"),
        ("flights", 2, "finished", "WARN"),
        ("strict", 1, "finished", "FAIL"),
    ]
    assert [r[4] for r in runs] == [flights["id"], on_demand["id"], strict["id"]]  # each run knows its flow run
