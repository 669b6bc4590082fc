"""The pipeline as a Prefect flow: ``dataguard.pipeline.validate_version``, one task per stage.

The stage order lives in the pipeline only; ``PrefectEngine`` runs each of its
stage calls as a Prefect task, so runs show in Prefect's UI stage by stage.
Without ``PREFECT_API_URL`` the flow runs on Prefect's embedded API; with it,
runs report to that server. An error dataguard raises on purpose ends its task
and the flow run Failed with the message as one log line, never a traceback.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from typing import Any, TypeVar

from dataguard.app.prefect_env import apply_defaults

apply_defaults()

from prefect import Task, flow, get_run_logger, runtime, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.schemas.objects import State, TaskRun  # noqa: E402
from prefect.states import Failed  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from dataguard.checks.partitions import PartitionJob, run_partition_job  # noqa: E402
from dataguard.errors import BadInput, DataguardError  # noqa: E402
from dataguard.pipeline import RETRIED_STAGES, RETRIES, RETRY_DELAYS, Request, is_retryable, validate_version  # noqa: E402
from dataguard.project import find_project  # noqa: E402
from dataguard.publish.markdown import render_markdown  # noqa: E402
from dataguard.spec.execution import DASK, THREAD, Resolved, from_command_line  # noqa: E402
from dataguard.spec.outcome import Outcome  # noqa: E402

T = TypeVar("T")


def is_transient(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only errors that say so (``retryable``: catalog lock held, file still being written)."""
    return is_retryable(state.result(raise_on_failure=False))


def expected_failure(error: DataguardError) -> State[Any]:
    """A Failed state carrying ``error``: calling the task or flow raises it, and Prefect logs one line."""
    get_run_logger().error(f"{type(error).__name__}: {error.message}")
    return Failed(message=error.message, data=error)


def _run_stage(call: Callable[..., T], args: tuple[Any, ...], retried: bool) -> T | State[Any]:
    try:
        return call(*args)
    except DataguardError as exc:
        if retried and is_retryable(exc) and runtime.task_run.run_count <= RETRIES:
            raise  # Prefect tries the task again (is_transient); the last try ends Failed like any expected error
        return expected_failure(exc)


class _NoEmptyTraceback(logging.Filter):
    """Prefect logs a task that ended in a Failed state it returned with ``exc_info`` but no exception,
    which prints a stray ``NoneType: None`` under the one line that says what failed."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is None:
            record.exc_info = None
        return True


logging.getLogger("prefect.task_runs").addFilter(_NoEmptyTraceback())
_TASKS: dict[str, Task[Any, Any]] = {}


def stage_task(name: str) -> Task[Any, Any]:
    """The Prefect task that runs the stage ``name`` (retried with backoff when its error is transient)."""
    if name not in _TASKS:
        retried: dict[str, Any] = {}
        if name in RETRIED_STAGES:
            retried = {
                "retries": RETRIES,
                "retry_delay_seconds": list(RETRY_DELAYS),
                "retry_condition_fn": is_transient,
            }
        _TASKS[name] = task(name=name, cache_policy=NO_CACHE, persist_result=False, **retried)(_run_stage)
    return _TASKS[name]


@task(name="row checks: partition", cache_policy=NO_CACHE, persist_result=False)
def check_partition_task(job: PartitionJob) -> list[str]:
    return run_partition_job(job)


class PrefectEngine:
    """Each stage a task of the current flow run; partitions on Prefect's thread or Dask task runner."""

    def __init__(self) -> None:
        flow_run_id = runtime.flow_run.id
        self.orchestrator_run_id = str(flow_run_id) if flow_run_id else None

    def stage(self, name: str, call: Callable[..., T], *args: Any) -> T:
        state: Any = stage_task(name)(call, args, name in RETRIED_STAGES, return_state=True)
        result: T = state.result()  # raises the stage's error, the one it failed with
        return result

    def partitions(self, jobs: list[PartitionJob], settings: Resolved) -> list[list[str]]:
        where = (
            (settings.dask_address or "a temporary local Dask cluster") if settings.task_runner == DASK else "threads"
        )
        get_run_logger().info(f"row checks: {len(jobs)} partitions of the version on {where}")
        with _task_runner(settings, len(jobs)) as running:
            futures = [running.submit(check_partition_task, {"job": job}) for job in jobs]
            return [future.result() for future in futures]

    def log(self, message: str) -> None:
        get_run_logger().info(message)


def _task_runner(settings: Resolved, partitions: int) -> Any:
    if settings.task_runner == THREAD:
        return ThreadPoolTaskRunner(max_workers=max(1, min(partitions, os.cpu_count() or 1)))
    return _DaskRunner(settings.dask_address)


class _DaskRunner:
    """prefect-dask's task runner; a scheduler that cannot be reached is the user's to fix (BadInput)."""

    def __init__(self, address: str | None) -> None:
        try:
            from prefect_dask.task_runners import DaskTaskRunner
        except ImportError as exc:
            raise BadInput(
                "the Dask task runner needs prefect-dask", hint="pip install 'dataguard[dask]' (or prefect-dask)"
            ) from exc
        self.address = address
        self.runner = DaskTaskRunner(address=address)  # no address: a temporary local cluster for this run

    def __enter__(self) -> Any:
        running = self.runner.__enter__()  # type: ignore[no-untyped-call]
        try:
            running.client  # noqa: B018  # prefect-dask connects on first use: here, to name the address if it fails
        except OSError as exc:
            self.runner.__exit__(None, None, None)
            raise BadInput(
                f"cannot reach the Dask scheduler at {self.address}: {exc}",
                hint="start one (dask scheduler; dask worker tcp://HOST:8786), or fix --dask-address, "
                "the contract's Execution.dask_address or DATAGUARD_DASK_ADDRESS",
            ) from exc
        return running

    def __exit__(self, *exc: object) -> None:
        self.runner.__exit__(*exc)


@flow(name="dataguard-validate", flow_run_name="{dataset}", persist_result=False)
def validate_flow(
    dataset: str,
    source: str | None = None,
    version: int | None = None,
    project_dir: str | None = None,
    predictions: str | None = None,
    partition_rows: int | None = None,
    task_runner: str | None = None,
    dask_address: str | None = None,
) -> dict[str, Any] | State[Any]:
    """Ingest ``source`` (or take ingested ``version``) and run the whole pipeline on it; the report.

    A version whose gate stays closed ends the flow run Failed (message: the
    reasons; data: ``VersionRejected`` carrying the report): called directly,
    the flow raises it.

    ``partition_rows``, ``task_runner``, ``dask_address``: where the row checks
    run (see ``dataguard.spec.execution``); None leaves it to the contract, then the
    environment. One run at a time per dataset: a second run of the same
    dataset waits for the first.
    """
    try:
        request = Request(
            dataset, source, version, predictions, from_command_line(partition_rows, task_runner, dask_address)
        )
        report = validate_version(find_project(project_dir), request, PrefectEngine())
    except DataguardError as exc:
        return expected_failure(exc)
    create_markdown_artifact(
        markdown=render_markdown(report), key=artifact_key(dataset), description=f"{dataset} v{report['version']}"
    )
    create_table_artifact(
        table=report["quarantine_reasons"] or [{"code": None, "column": None, "rows": 0}],
        key=artifact_key(dataset) + "-quarantine",
        description=f"{dataset} v{report['version']}: quarantine reasons",
    )
    if report["gate_open"]:
        return report
    rejected = VersionRejected(report)  # the run ends Failed, so Prefect's notifications can act on it
    return Failed(message=rejected.message, data=rejected)


class VersionRejected(DataguardError):
    """The version's gate stayed closed (FAIL, or WARN under ``warn_blocks``); ``report`` says why."""

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(rejection_message(report))
        self.report = report


def rejection_message(report: dict[str, Any]) -> str:
    verdict = report["verdict"]
    if verdict != Outcome.FAIL:
        verdict += " (the contract's gate policy blocks on WARN)"
    return f"{report['dataset']} v{report['version']} {verdict}: " + "; ".join(report["reasons"])


def artifact_key(dataset: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", f"dataguard-{dataset}".lower()).strip("-")
