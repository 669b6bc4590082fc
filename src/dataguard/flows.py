"""The pipeline as a Prefect flow: one task per stage, each one call into the library.

Without ``PREFECT_API_URL`` the flow runs on Prefect's embedded API; with it,
runs report to that server.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dataguard._prefect_env import apply_defaults

apply_defaults()

from prefect import Task, flow, get_run_logger, runtime, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.schemas.objects import State, TaskRun  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from dataguard import catalog  # noqa: E402
from dataguard.contract import LoadedContract, load_contract, require_full_validation  # noqa: E402
from dataguard.errors import BadInput, StorageFull, StructuralFailure, UnknownDataset, is_storage_full  # noqa: E402
from dataguard.evaluate import StageResult, gather, run_drift, run_history, run_slices  # noqa: E402
from dataguard.execution import DASK, THREAD, Execution, Resolved, from_command_line, from_environment, resolve  # noqa: E402
from dataguard.faults import fault_point  # noqa: E402
from dataguard.ingest import Ingested, SourceOptions, ingest  # noqa: E402
from dataguard.locks import dataset_lock  # noqa: E402
from dataguard.partitions import PartitionJob, partition_jobs, run_partition_job  # noqa: E402
from dataguard.project import Project, find_project  # noqa: E402
from dataguard.publish import publish  # noqa: E402
from dataguard.reference import Reference, choose_reference  # noqa: E402
from dataguard.report import render_markdown  # noqa: E402
from dataguard.rowchecks import RowCheckOutcome, check_rows, finish_checks, first_structural, partitions  # noqa: E402
from dataguard.split import SplitResult, split_rows  # noqa: E402
from dataguard.verdict import Results, Verdict, decide  # noqa: E402


def is_transient(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only errors that say so (``retryable``: catalog lock held, file still being written)."""
    error = state.result(raise_on_failure=False)
    return bool(getattr(error, "retryable", False))


# Transient errors only (is_transient), with backoff: 2, 4, 8 s. A bad file or a broken contract fails at once.
RETRIES = 3
RETRY_DELAYS = exponential_backoff(backoff_factor=2)(RETRIES)


@task(name="load contract", cache_policy=NO_CACHE, persist_result=False)
def load_contract_task(project: Project, dataset: str) -> LoadedContract:
    return load_contract(project, dataset)


@task(
    name="ingest",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=is_transient,
)
def ingest_task(project: Project, dataset: str, source: str, options: SourceOptions) -> Ingested:
    return ingest(project, dataset, Path(source), options)


@task(name="row checks", cache_policy=NO_CACHE, persist_result=False)
def check_rows_task(data_path: str, loaded: LoadedContract, failures_path: Path) -> RowCheckOutcome:
    return check_rows(Path(data_path), loaded, failures_path)


@task(name="row checks: partition", cache_policy=NO_CACHE, persist_result=False)
def check_partition_task(job: PartitionJob) -> list[str]:
    return run_partition_job(job)


@task(name="row checks: set checks and counts", cache_policy=NO_CACHE, persist_result=False)
def finish_checks_task(
    data_path: str, loaded: LoadedContract, parts: list[Path], structural: list[str], failures_path: Path
) -> RowCheckOutcome:
    return finish_checks(Path(data_path), loaded, parts, structural, failures_path)


def check_rows_in_partitions(
    project: Project, loaded: LoadedContract, data_path: str, run_dir: Path, settings: Resolved
) -> RowCheckOutcome:
    """Row checks partition by partition, each a Prefect task (on Dask when configured), then the set checks.

    One partition in this process: the single task of before. The partitions'
    tasks get plain values only (``PartitionJob``) and load the contract where
    they run; the set checks and the counts run here, over the whole version.
    """
    parts = partitions(Path(data_path), settings.partition_rows, loaded.contract.batch_rows)
    if len(parts) == 1 and settings.task_runner == THREAD:
        outcome: RowCheckOutcome = check_rows_task(data_path, loaded, run_dir / "failures.parquet")
        return outcome
    jobs = partition_jobs(project, loaded, data_path, run_dir, parts)
    where = (settings.dask_address or "a temporary local Dask cluster") if settings.task_runner == DASK else "threads"
    get_run_logger().info(f"row checks: {len(parts)} partitions of the version on {where}")
    with _task_runner(settings, len(parts)) as running:
        futures = [running.submit(check_partition_task, {"job": job}) for job in jobs]
        structural = first_structural([future.result() for future in futures])
    outs = [Path(job.out) for job in jobs]
    result: RowCheckOutcome = finish_checks_task(data_path, loaded, outs, structural, run_dir / "failures.parquet")
    return result


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


@task(name="split", cache_policy=NO_CACHE, persist_result=False)
def split_task(data_path: str, failures_path: Path, run_dir: Path) -> SplitResult:
    return split_rows(Path(data_path), failures_path, run_dir)


@task(name="verdict", cache_policy=NO_CACHE, persist_result=False)
def verdict_task(results: Results, loaded: LoadedContract) -> Verdict:
    return decide(results, loaded.contract.gate)


@task(
    name="publish",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=is_transient,
)
def publish_task(
    project: Project,
    version: catalog.VersionRecord,
    run_id: str,
    run_dir: Path,
    split: SplitResult,
    outcome: RowCheckOutcome,
    verdict: Verdict,
    sections: dict[str, Any],
) -> dict[str, Any]:
    return publish(project.catalog_path, version, run_id, run_dir, split, outcome.checks, verdict, sections)


@task(name="reference", cache_policy=NO_CACHE, persist_result=False)
def reference_task(project: Project, dataset: str, version: int) -> Reference:
    return choose_reference(project.catalog_path, dataset, version)


@task(name="drift", cache_policy=NO_CACHE, persist_result=False)
def drift_task(loaded: LoadedContract, clean: Path, reference: Reference, scratch: Path) -> StageResult:
    return run_drift(loaded, clean, reference, scratch)


@task(name="metric history", cache_policy=NO_CACHE, persist_result=False)
def history_task(project: Project, dataset: str, version: int, clean: Path, scratch: Path) -> StageResult:
    return run_history(project.catalog_path, dataset, version, clean, scratch)


@task(name="slice tests", cache_policy=NO_CACHE, persist_result=False)
def slices_task(loaded: LoadedContract, clean: Path, predictions: str | None, reference: Reference) -> StageResult:
    return run_slices(loaded, clean, Path(predictions) if predictions else None, reference)


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
) -> dict[str, Any]:
    """Ingest ``source`` (or take ingested ``version``) and run the whole pipeline on it.

    ``partition_rows``, ``task_runner``, ``dask_address``: where the row checks
    run (see ``dataguard.execution``); None leaves it to the contract, then the
    environment. One run at a time per dataset: a second run of the same
    dataset waits for the first.
    """
    requested = from_command_line(partition_rows, task_runner, dask_address)
    project = find_project(project_dir)
    with dataset_lock(project, dataset, on_wait=get_run_logger().info):
        _clear_dead_runs(project, dataset)
        try:
            return _validate(project, dataset, source, version, predictions, requested)
        except StorageFull:
            raise
        except Exception as exc:
            if is_storage_full(exc):
                raise StorageFull(f"{dataset}: a write ran out of space ({exc}); nothing was published") from exc
            raise


def _clear_dead_runs(project: Project, dataset: str) -> None:
    """Runs left 'running' by a process that died: marked abandoned, their unpublished files removed.

    Only called while holding the dataset's lock, so none of them is alive.
    """
    for version, run_id in catalog.abandon_dead_runs(project.catalog_path, dataset):
        record = catalog.find_version(project.catalog_path, dataset, version=version)
        if record is not None:
            shutil.rmtree(Path(record.data_path).parent / "runs" / run_id, ignore_errors=True)


def _validate(
    project: Project,
    dataset: str,
    source: str | None,
    version: int | None,
    predictions: str | None = None,
    requested: Execution | None = None,
) -> dict[str, Any]:
    loaded = load_contract_task(project, dataset)
    # refused before anything is ingested: a bad setting changes nothing
    settings = resolve(requested or Execution(), loaded.contract.execution, from_environment(os.environ))
    ingested = _version_to_check(project, loaded, source, version)
    run_id = new_run_id()
    run_dir = project.confined(Path(ingested.version.data_path).parent / "runs" / run_id)
    catalog.start_run(project.catalog_path, run_id, dataset, ingested.version.version, _flow_run_id())
    try:
        report = _run_stages(project, loaded, ingested, run_id, run_dir, predictions, settings)
    except BadInput:
        _undo(project, ingested, run_id, run_dir)
        raise
    except Exception as exc:
        if is_storage_full(exc):
            shutil.rmtree(run_dir, ignore_errors=True)  # unpublished, and it holds the space we need
        try:
            catalog.fail_run(project.catalog_path, run_id, f"{type(exc).__name__}: {exc}")
        except Exception as during:  # the catalog may be out of space too; the run's own error matters more
            exc.add_note(f"(recording the failure also failed: {during})")
        raise
    create_markdown_artifact(
        markdown=render_markdown(report), key=artifact_key(dataset), description=f"{dataset} v{report['version']}"
    )
    create_table_artifact(
        table=report["quarantine_reasons"] or [{"code": None, "column": None, "rows": 0}],
        key=artifact_key(dataset) + "-quarantine",
        description=f"{dataset} v{report['version']}: quarantine reasons",
    )
    return report


def _version_to_check(project: Project, loaded: LoadedContract, source: str | None, version: int | None) -> Ingested:
    if source is not None:
        options = loaded.source_options
        result: Ingested = ingest_task(project, loaded.dataset, source, options)
        return result
    record = catalog.find_version(project.catalog_path, loaded.dataset, version=version)
    if record is None:
        known = [v.version for v in catalog.list_versions(project.catalog_path, loaded.dataset)]
        if not known:
            raise UnknownDataset(
                f"{loaded.dataset} has no ingested versions", hint=f"dataguard validate {loaded.dataset} FILE"
            )
        raise BadInput(f"{loaded.dataset} has no version {version}; versions: {', '.join(map(str, known))}")
    return Ingested(record, new=False)


def _run_stages(
    project: Project,
    loaded: LoadedContract,
    ingested: Ingested,
    run_id: str,
    run_dir: Path,
    predictions: str | None = None,
    settings: Resolved | None = None,
) -> dict[str, Any]:
    version = ingested.version
    run_dir.mkdir(parents=True)
    require_full_validation()
    outcome = check_rows_in_partitions(project, loaded, version.data_path, run_dir, settings or Resolved())
    fault_point("rowchecks")
    if outcome.structural:
        verdict = verdict_task(Results(version.rows, 0, structural=outcome.structural), loaded)
        raise StructuralFailure(
            f"{loaded.dataset} v{version.version} ({version.source_path}) does not fit the contract "
            f"{loaded.path}: {verdict.verdict}: " + "; ".join(verdict.reasons),
            reasons=list(verdict.reasons),
            hint="fix the file or the contract, then run validate again; nothing was recorded",
        )
    split = split_task(version.data_path, outcome.failures_path, run_dir)
    fault_point("split")
    reference = reference_task(project, loaded.dataset, version.version)
    drift = drift_task(loaded, split.clean_path, reference, run_dir)
    slices = slices_task(loaded, split.clean_path, predictions, reference)
    history = history_task(project, loaded.dataset, version.version, split.clean_path, run_dir)
    results, sections = gather(split, outcome.checks, reference, drift, slices, history)
    verdict = verdict_task(results, loaded)
    report: dict[str, Any] = publish_task(project, version, run_id, run_dir, split, outcome, verdict, sections)
    return report


def _undo(project: Project, ingested: Ingested, run_id: str, run_dir: Path) -> None:
    """Bad input: leave the catalog as it was before this run."""
    catalog.discard_run(project.catalog_path, run_id)
    shutil.rmtree(run_dir, ignore_errors=True)
    if ingested.new:
        catalog.forget_version(project.catalog_path, ingested.version.dataset, ingested.version.version)
        shutil.rmtree(Path(ingested.version.data_path).parent, ignore_errors=True)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def artifact_key(dataset: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", f"dataguard-{dataset}".lower()).strip("-")


def _flow_run_id() -> str | None:
    flow_run_id = runtime.flow_run.id
    return str(flow_run_id) if flow_run_id else None
