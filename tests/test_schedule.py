"""Unattended runs through the real flows on the session's Prefect harness: the landing watch,
one run per dataset at a time, retries for transient errors only, Failed states for rejected data."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prefect.states import Failed

from dataguard import pipeline
from dataguard.app import flows
from dataguard.app.flows import VersionRejected, validate_flow
from dataguard.app.schedule import LandingFailed, watch_landing
from dataguard.app.serve import deployments, next_fire, serve, serve_embedded
from dataguard.catalog.locks import dataset_lock
from dataguard.errors import BadInput, CatalogBusy, SourceError
from dataguard.ingest import landing
from dataguard.ingest.landing import FileStillWriting
from dataguard.ingest.version import fingerprint
from dataguard.project import Project
from tests import catalog_sql
from tests.conftest import FEB, JAN, REPO

pytestmark = pytest.mark.usefixtures("prefect_harness")

HOUR_AGO = time.time() - 3600
SETTLE = 60.0  # landed files are dropped an hour old; a file being written is modified now
STAGES = ["load contract", "ingest", "row checks", "split", "verdict", "publish"]
JAN_FAIL = "flights v1 FAIL: 0.32% of rows quarantined (87 of 27,004), above the 0.10% allowed"


def drop(project: Project, dataset: str, name: str, data: bytes, mtime: float = HOUR_AGO) -> Path:
    folder = landing.landing_dir(project, dataset)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def january(blank_lines: int) -> bytes:
    """January's records with blank lines after them: other bytes, the same rows."""
    return JAN.read_bytes() + b"\n" * blank_lines


def watch(project: Project) -> list[dict[str, Any]]:
    outcomes: list[dict[str, Any]] = watch_landing(str(project.root), SETTLE)
    return outcomes


def versions(project: Project) -> list[tuple[str, int, str, str]]:
    with catalog_sql.reading(project) as con:
        rows = con.execute("SELECT dataset, version, fingerprint, source_path FROM versions ORDER BY 1, 2").fetchall()
    return [(d, v, f, Path(s).name) for d, v, f, s in rows]


def runs(project: Project) -> list[tuple[str, int, str, datetime, datetime]]:
    with catalog_sql.reading(project) as con:
        return con.execute("SELECT dataset, version, state, started, finished FROM runs ORDER BY started").fetchall()


def runs_per_version(project: Project) -> dict[tuple[str, int], int]:
    return dict(Counter((d, v) for d, v, *_ in runs(project)))


def strict(project: Project) -> None:
    contract = project.contract_path("flights")
    contract.write_text(contract.read_text().replace("max_quarantined_fraction=0.25", "max_quarantined_fraction=0.001"))


def in_threads(*calls: Any) -> list[Any]:
    """Run each call in its own thread, released together; return results (or exceptions) in order."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def body(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=body, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


# -- reading the Prefect API --------------------------------------------------------------------


def flow_run(run_id: str) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id)


def task_runs(run_id: str, required: list[str]) -> list[Any]:
    """The flow run's finished task runs, oldest first (recorded from events: wait for the ``required`` stages)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            found = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
                sort=TaskRunSort.EXPECTED_START_TIME_ASC,
            )
            final = [t for t in found if t.state is not None and t.state.is_final()]
            if set(required) <= {stage(t) for t in final} or time.monotonic() > deadline:
                return final
            time.sleep(0.2)


def stage(task_run: Any) -> str:
    return str(task_run.name).rsplit("-", 1)[0]


def pipeline_stages(run_id: str) -> list[str]:
    """The issue's six stages, in the order their task runs started (other stages left out)."""
    return [stage(t) for t in task_runs(run_id, STAGES) if stage(t) in STAGES]


def artifacts(run_id: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))


# -- the landing watch --------------------------------------------------------------------------


def test_each_distinct_landed_file_becomes_exactly_one_version_validated_once(flights_project: Project) -> None:
    p = flights_project
    drop(p, "flights", "jan.csv", JAN.read_bytes())
    drop(p, "flights", "jan-copy.csv", JAN.read_bytes(), mtime=HOUR_AGO + 1)  # a duplicate: the same bytes
    drop(p, "flights", "feb.parquet", FEB.read_bytes(), mtime=HOUR_AGO + 2)
    drop(p, "flights", "mar.csv.part", january(1), mtime=HOUR_AGO + 3)  # written under a temporary name
    growing = drop(p, "flights", "apr.csv", january(2)[:1_000_000], mtime=time.time())  # being written in place

    first = watch(p)
    assert [(o["file"], o["status"], o["version"], o["verdict"]) for o in first] == [
        ("jan.csv", "accepted", 1, "WARN"),
        ("feb.parquet", "accepted", 2, "WARN"),
    ]
    with growing.open("ab") as writer:  # the writer goes on
        writer.write(january(2)[1_000_000:2_000_000])
    assert watch(p) == []  # another poll: nothing new

    (landing.landing_dir(p, "flights") / "mar.csv.part").rename(landing.landing_dir(p, "flights") / "mar.csv")
    drop(p, "flights", "apr.csv", january(2), mtime=HOUR_AGO + 4)  # finished, and quiet since
    third = watch(p)
    assert [(o["file"], o["status"], o["version"]) for o in third] == [
        ("mar.csv", "accepted", 3),
        ("apr.csv", "accepted", 4),
    ]

    # a restart that lost the ledger, and another copy of January under a new name: still nothing new
    landing.ledger_path(p, "flights").unlink()
    drop(p, "flights", "jan-again.csv", JAN.read_bytes(), mtime=HOUR_AGO + 5)
    assert watch(p) == []

    folder = landing.landing_dir(p, "flights")
    assert versions(p) == [
        ("flights", 1, fingerprint(JAN), "jan.csv"),
        ("flights", 2, fingerprint(FEB), "feb.parquet"),
        ("flights", 3, fingerprint(folder / "mar.csv"), "mar.csv"),
        ("flights", 4, fingerprint(folder / "apr.csv"), "apr.csv"),
    ]
    assert runs_per_version(p) == {("flights", 1): 1, ("flights", 2): 1, ("flights", 3): 1, ("flights", 4): 1}
    assert {state for _, _, state, _, _ in runs(p)} == {"finished"}


def test_a_landed_file_whose_run_crashed_is_validated_again(flights_project: Project) -> None:
    from dataguard import catalog
    from dataguard.ingest.version import ingest

    path = drop(flights_project, "flights", "feb.parquet", FEB.read_bytes())
    ingested = ingest(flights_project, "flights", path)
    catalog.start_run(flights_project.catalog, "crashed", "flights", ingested.version.version, None, "a-dead-lease")
    assert [(o["file"], o["status"], o["version"]) for o in watch(flights_project)] == [("feb.parquet", "accepted", 1)]
    assert watch(flights_project) == []
    assert [(v, state) for _, v, state, _, _ in runs(flights_project)] == [(1, "abandoned"), (1, "finished")]


def test_an_accepted_file_is_a_completed_flow_run_with_its_stages_and_report(flights_project: Project) -> None:
    drop(flights_project, "flights", "feb.parquet", FEB.read_bytes())
    (outcome,) = watch(flights_project)
    run = flow_run(outcome["flow_run_id"])
    assert (run.name, run.state.type.value) == ("flights", "COMPLETED")
    assert pipeline_stages(outcome["flow_run_id"]) == STAGES
    markdown = {a.key: (a.type, a.data) for a in artifacts(outcome["flow_run_id"])}["dataguard-flights"]
    report_md = next((flights_project.warehouse / "flights" / "1" / "runs").glob("*/report.md"))
    assert markdown == ("markdown", report_md.read_text())


def test_a_failed_verdict_fails_the_flow_run_with_its_reasons_once(flights_project: Project) -> None:
    strict(flights_project)
    drop(flights_project, "flights", "jan.csv", JAN.read_bytes())
    state = watch_landing(str(flights_project.root), SETTLE, return_state=True)
    assert (state.type.value, state.message) == (
        "FAILED",
        f"1 of 1 landed files failed: flights/jan.csv: rejected: {JAN_FAIL}",
    )
    failure = state.result(raise_on_failure=False)
    assert isinstance(failure, LandingFailed)
    (outcome,) = failure.outcomes
    assert (outcome["status"], outcome["version"], outcome["verdict"]) == ("rejected", 1, "FAIL")
    child = flow_run(outcome["flow_run_id"])
    assert (child.state.type.value, child.state.message) == ("FAILED", JAN_FAIL)
    assert "dataguard-flights" in {a.key for a in artifacts(outcome["flow_run_id"])}
    assert pipeline_stages(outcome["flow_run_id"]) == STAGES

    assert watch(flights_project) == []  # the rejected version is not validated again
    assert runs_per_version(flights_project) == {("flights", 1): 1}


def test_the_validate_flow_called_directly_raises_with_the_report(flights_project: Project) -> None:
    strict(flights_project)
    with pytest.raises(VersionRejected) as rejected:
        validate_flow("flights", str(JAN))
    assert (str(rejected.value), rejected.value.report["verdict"]) == (JAN_FAIL, "FAIL")
    report = validate_flow("flights", version=1, project_dir=str(flights_project.root), return_state=True)
    assert (report.type.value, report.message) == ("FAILED", JAN_FAIL)


def test_a_bad_file_fails_at_once_without_retry_and_is_not_tried_again(flights_project: Project) -> None:
    bad = drop(flights_project, "flights", "bad.csv", b"year,month\n2013,1\n2013\n")
    state = watch_landing(str(flights_project.root), SETTLE, return_state=True)
    reason = f"{bad}, line 3: expected 2 fields (as in the header), found 1"
    assert (state.type.value, state.message) == (
        "FAILED",
        f"1 of 1 landed files failed: flights/bad.csv: refused: {reason}",
    )
    (outcome,) = state.result(raise_on_failure=False).outcomes
    ingest_run = [t for t in task_runs(outcome["flow_run_id"], ["load contract", "ingest"]) if stage(t) == "ingest"]
    assert [(t.run_count, t.state.type.value) for t in ingest_run] == [(1, "FAILED")]
    assert not flights_project.catalog.exists() or versions(flights_project) == []
    assert watch(flights_project) == []  # remembered: the next polls leave it alone


def test_a_broken_contract_fails_at_once_and_the_file_is_validated_once_it_is_fixed(flights_project: Project) -> None:
    contract = flights_project.contract_path("flights")
    good = contract.read_text()
    contract.write_text(good + "\nthis is not python\n")
    drop(flights_project, "flights", "feb.parquet", FEB.read_bytes())
    state = watch_landing(str(flights_project.root), SETTLE, return_state=True)
    (outcome,) = state.result(raise_on_failure=False).outcomes
    assert (state.type.value, outcome["status"]) == ("FAILED", "refused")
    assert outcome["message"].startswith(f"{contract}")
    assert [(stage(t), t.run_count) for t in task_runs(outcome["flow_run_id"], ["load contract"])] == [
        ("load contract", 1)
    ]
    assert watch(flights_project) == []
    contract.write_text(good)
    assert [(o["status"], o["version"]) for o in watch(flights_project)] == [("accepted", 1)]


# -- one run at a time per dataset ------------------------------------------------------------------


def test_two_datasets_run_side_by_side_while_one_dataset_queues(flights_project: Project) -> None:
    p = flights_project
    shutil.copy(p.contract_path("flights"), p.contract_path("flights_b"))
    held: list[Any] = []
    with dataset_lock(p, "flights"):  # another run of flights is working
        waiting = threading.Thread(target=lambda: held.append(validate_flow("flights", str(FEB))))
        waiting.start()
        (other,) = in_threads(lambda: validate_flow("flights_b", str(JAN)))
        assert (other["dataset"], other["version"]) == ("flights_b", 1)  # finished while flights was locked
        assert waiting.is_alive()
        assert versions(p) == [("flights_b", 1, fingerprint(JAN), JAN.name)]
    waiting.join(timeout=300)
    assert [(r["dataset"], r["version"]) for r in held] == [("flights", 1)]
    assert runs_per_version(p) == {("flights_b", 1): 1, ("flights", 1): 1}


def test_two_datasets_concurrently_and_one_dataset_twice_concurrently(flights_project: Project) -> None:
    p = flights_project
    shutil.copy(p.contract_path("flights"), p.contract_path("flights_b"))
    results = in_threads(
        lambda: validate_flow("flights", str(JAN)),
        lambda: validate_flow("flights", str(FEB)),
        lambda: validate_flow("flights_b", str(JAN)),
        lambda: validate_flow("flights_b", str(JAN)),
    )
    assert sorted((r["dataset"], r["version"], r["verdict"]) for r in results) == [
        ("flights", 1, "WARN"),
        ("flights", 2, "WARN"),
        ("flights_b", 1, "WARN"),
        ("flights_b", 1, "WARN"),
    ]
    assert runs_per_version(p) == {("flights", 1): 1, ("flights", 2): 1, ("flights_b", 1): 2}
    for dataset in ("flights", "flights_b"):
        first, second = [(started, finished) for d, _, _, started, finished in runs(p) if d == dataset]
        assert first[1] <= second[0]  # the second run started after the first finished: never interleaved


def test_two_watches_at_once_validate_each_file_once(flights_project: Project) -> None:
    p = flights_project
    drop(p, "flights", "jan.csv", JAN.read_bytes())
    drop(p, "flights", "feb.parquet", FEB.read_bytes(), mtime=HOUR_AGO + 1)
    first, second = in_threads(lambda: watch(p), lambda: watch(p))
    assert sorted(o["file"] for o in first + second) == ["feb.parquet", "jan.csv"]
    assert [(v, name) for _, v, _, name in versions(p)] == [(1, "jan.csv"), (2, "feb.parquet")]
    assert runs_per_version(p) == {("flights", 1): 1, ("flights", 2): 1}


# -- retries: transient errors only -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (CatalogBusy("catalog locked"), True),
        (FileStillWriting("still growing"), True),
        (SourceError("ragged", path="x.csv"), False),
        (BadInput("broken contract"), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_retryable_errors_are_retried(error: Exception, retried: bool) -> None:
    assert flows.is_transient(None, None, Failed(data=error)) is retried  # type: ignore[arg-type]


def test_a_transient_error_is_retried_with_backoff(flights_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[float] = []
    real_ingest = pipeline.ingest

    def busy_once(*args: Any) -> Any:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise CatalogBusy("catalog stayed locked")
        return real_ingest(*args)

    monkeypatch.setattr(pipeline, "ingest", busy_once)
    state = validate_flow("flights", str(FEB), return_state=True)
    assert (state.type.value, state.result()["version"]) == ("COMPLETED", 1)
    assert len(calls) == 2
    assert calls[1] - calls[0] >= pipeline.RETRY_DELAYS[0]
    ingest_run = [t for t in task_runs(str(state.state_details.flow_run_id), STAGES) if stage(t) == "ingest"]
    assert [(t.run_count, t.state.type.value) for t in ingest_run] == [(2, "COMPLETED")]
    assert runs_per_version(flights_project) == {("flights", 1): 1}


# -- serving ---------------------------------------------------------------------------------------------


def test_serve_embedded_validates_landed_files_and_stops_on_ctrl_c(flights_project: Project) -> None:
    drop(flights_project, "flights", "feb.parquet", FEB.read_bytes())
    said: list[str] = []

    def ctrl_c(seconds: float) -> None:
        raise KeyboardInterrupt

    serve_embedded(flights_project, poll_seconds=30, settle_seconds=SETTLE, announce=said.append, sleep=ctrl_c)
    assert said[0].startswith(f"serving {flights_project.root} on Prefect's embedded API")
    assert said[1:] == ["flights/feb.parquet: accepted v1 WARN", "stopped"]
    assert runs_per_version(flights_project) == {("flights", 1): 1}


def test_serve_refuses_an_invalid_cron_before_starting(flights_project: Project) -> None:
    with pytest.raises(BadInput, match="invalid nightly schedule 'every night'"):
        serve(flights_project.root, cron="every night")


def test_next_fire_follows_prefect_cron_semantics() -> None:
    after = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    assert next_fire("0 2 * * *", None, after) == datetime(2026, 1, 11, 2, 0, tzinfo=UTC)
    assert next_fire("0 2 * * *", "Europe/Paris", after) == datetime(2026, 1, 11, 1, 0, tzinfo=UTC)
    assert next_fire("*/15 * * * *", None, after) == after + timedelta(minutes=15)


def test_the_example_project_deployments() -> None:
    found = deployments(REPO, cron="30 1 * * *", poll_seconds=15, settle_seconds=3, timezone="Europe/Paris")
    assert [(d.flow_name, d.name, d.entrypoint) for d in found] == [
        ("dataguard-nightly", REPO.name, "dataguard.app.schedule.nightly"),
        ("dataguard-landing-watch", REPO.name, "dataguard.app.schedule.watch_landing"),
        ("dataguard-validate", REPO.name, "dataguard.app.flows.validate_flow"),
    ]
    nightly, watch_, on_demand = found
    assert (nightly.schedules[0].schedule.cron, nightly.schedules[0].schedule.timezone) == (
        "30 1 * * *",
        "Europe/Paris",
    )
    assert watch_.schedules[0].schedule.interval == timedelta(seconds=15)
    assert nightly.parameters == watch_.parameters == {"project_dir": str(REPO), "settle_seconds": 3}
    assert (watch_.concurrency_limit, watch_.concurrency_options.collision_strategy.value) == (1, "CANCEL_NEW")
    assert (on_demand.schedules, on_demand.parameters) == ([], {"project_dir": str(REPO)})
    assert [d.flow_name for d in deployments(REPO, poll_seconds=0)] == ["dataguard-nightly", "dataguard-validate"]


def test_the_example_script_serves_the_library_deployments_nightly_at_2_and_every_30_s() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("example_deployments", REPO / "flows" / "deployments.py")
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    sweep = {"project_dir": str(REPO), "settle_seconds": 10.0}

    found = [
        (d.flow_name, d.entrypoint, d.parameters, d.concurrency_limit, d.tags, [when(s) for s in d.schedules])
        for d in script.example_deployments()
    ]

    assert found == [
        ("dataguard-nightly", "dataguard.app.schedule.nightly", sweep, 1, ["dataguard"], [("0 2 * * *", None, "UTC")]),
        (
            "dataguard-landing-watch",
            "dataguard.app.schedule.watch_landing",
            sweep,
            1,
            ["dataguard"],
            [(None, timedelta(seconds=30), "UTC")],
        ),
        (
            "dataguard-validate",
            "dataguard.app.flows.validate_flow",
            {"project_dir": str(REPO)},
            None,
            ["dataguard"],
            [],
        ),
    ]


def when(schedule: Any) -> tuple[Any, ...]:
    s = schedule.schedule
    return (getattr(s, "cron", None), getattr(s, "interval", None), s.timezone)
