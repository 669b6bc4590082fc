"""The pipeline as one plain function: the stages of a validation run, in order.

``validate_version`` is the only place the stage order is written. It calls
each stage through an ``Engine``: ``InProcess`` (here) calls the library
function directly, which is what the command line uses so that nobody waits
for a server; ``dataguard.app.flows.PrefectEngine`` runs each stage as a Prefect
task of the flow ``dataguard-validate``, for scheduled runs, deployments and
``--prefect``. Both publish the same report for the same input.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from dataguard import catalog
from dataguard.catalog.locks import dataset_lock, writer_of
from dataguard.checks.batches import partitions
from dataguard.checks.load import LoadedContract, load_contract, require_full_validation
from dataguard.checks.partitions import PartitionJob, partition_jobs, run_partition_job
from dataguard.checks.relations import RelationCheck, resolve_relations
from dataguard.checks.rowchecks import RowCheckOutcome, check_rows, finish_checks, first_structural
from dataguard.common import progress, signals
from dataguard.common.faults import fault_point
from dataguard.common.rows import VersionRows
from dataguard.errors import (
    BadInput,
    DataguardError,
    Interrupted,
    Retryable,
    SourceError,
    StorageFull,
    StructuralFailure,
    is_storage_full,
)
from dataguard.ingest.version import Ingested, ingest, remove_dead_staging
from dataguard.measure.drift.policy import never_compared
from dataguard.measure.evaluate import Sections, gather, run_drift, run_history, run_slices
from dataguard.measure.profile import ColumnProfile, profile
from dataguard.measure.reference import Reference, choose_reference
from dataguard.measure.sketch.model import SKETCH_FILE
from dataguard.project import Project
from dataguard.publish.record import publish
from dataguard.spec.execution import THREAD, Execution, Resolved, from_environment, resolve
from dataguard.spec.source import SourceOptions
from dataguard.split import SplitResult, split_rows
from dataguard.verdict import Results, Verdict, decide

T = TypeVar("T")

# Stages whose errors may be transient (a catalog lock, a file still being written): retried with backoff.
RETRIED_STAGES = frozenset({"ingest", "publish"})
RETRIES = 3
RETRY_DELAYS = (2.0, 4.0, 8.0)


@dataclass(frozen=True)
class Request:
    """What to validate: a source file to ingest, or an ingested version."""

    dataset: str
    source: str | None = None
    version: int | None = None
    predictions: str | None = None
    execution: Execution = field(default_factory=Execution)


class Engine(Protocol):
    """Runs the pipeline's stages: each ``stage`` call is one call into the library."""

    orchestrator_run_id: str | None

    def stage(self, name: str, call: Callable[..., T], *args: Any) -> T: ...

    def partitions(self, jobs: list[PartitionJob], settings: Resolved) -> list[list[str]]: ...

    def log(self, message: str) -> None: ...


def is_retryable(error: BaseException) -> bool:
    """Only errors that say so are tried again; a bad file or a broken contract fails at once."""
    return isinstance(error, Retryable)


class InProcess:
    """The stages called directly in this process, transient errors retried as the flow's tasks are."""

    orchestrator_run_id: str | None = None

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sleep = sleep

    def stage(self, name: str, call: Callable[..., T], *args: Any) -> T:
        progress.stage(name)
        attempts = RETRIES + 1 if name in RETRIED_STAGES else 1
        for attempt in range(attempts):
            try:
                return call(*args)
            except DataguardError as exc:
                if attempt + 1 == attempts or not is_retryable(exc):
                    raise
                self.sleep(RETRY_DELAYS[attempt])
        raise AssertionError("unreachable")  # pragma: no cover

    def partitions(self, jobs: list[PartitionJob], settings: Resolved) -> list[list[str]]:
        if settings.task_runner != THREAD:
            raise BadInput(
                "row checks on Dask run through Prefect's Dask task runner",
                hint="add --prefect (or set PREFECT_API_URL) to run the flow",
            )
        workers = max(1, min(len(jobs), os.cpu_count() or 1))
        with ThreadPoolExecutor(workers, thread_name_prefix="dataguard-partition") as pool:
            return list(pool.map(run_partition_job, jobs))

    def log(self, message: str) -> None:
        progress.note(message)


def validate_version(project: Project, request: Request, engine: Engine | None = None) -> dict[str, Any]:
    """Ingest ``request.source`` (or take ``request.version``) and run the whole pipeline; the report.

    One run at a time per dataset: a second run of the same dataset waits for the first.
    """
    engine = engine or InProcess()
    with dataset_lock(project, request.dataset, on_wait=engine.log), signals.abandoning():
        try:
            return _validate(project, request, engine)
        except StorageFull:
            raise
        except Exception as exc:
            if is_storage_full(exc):
                raise StorageFull(
                    f"{request.dataset}: a write ran out of space ({exc}); nothing was published"
                ) from exc
            raise


def remove_dead_runs(project: Project, dataset: str, dead: list[tuple[int, str]], lease: str) -> None:
    """The unpublished files of runs whose writer died (``catalog.start_run`` marked them abandoned)."""
    remove_dead_staging(project, dataset, lease)
    for version, run_id in dead:
        record = catalog.find_version(project.catalog, dataset, version=version)
        if record is not None:
            shutil.rmtree(Path(record.data_path).parent / "runs" / run_id, ignore_errors=True)


def _validate(project: Project, request: Request, engine: Engine) -> dict[str, Any]:
    loaded = engine.stage("load contract", load_contract, project, request.dataset)
    # refused before anything is ingested: a bad setting changes nothing
    settings = resolve(request.execution, loaded.contract.execution, from_environment(os.environ))
    ingested = _version_to_check(project, loaded, request, engine)
    run_id = new_run_id()
    run_dir = project.confined(Path(ingested.version.data_path).parent / "runs" / run_id)
    lease = writer_of(project.catalog, request.dataset).lease
    dead = catalog.start_run(
        project.catalog, run_id, request.dataset, ingested.version.version, engine.orchestrator_run_id, lease
    )
    try:
        remove_dead_runs(project, request.dataset, dead, lease)
        return _run_stages(project, loaded, ingested, run_id, run_dir, request.predictions, settings, engine)
    except BadInput:
        _undo(project, ingested, run_id, run_dir)
        raise
    except BaseException as exc:
        _record_failure(project, run_id, run_dir, exc)
        raise


def _record_failure(project: Project, run_id: str, run_dir: Path, exc: BaseException) -> None:
    """A run that did not finish: abandoned when stopped by a signal, failed otherwise; never half-published."""
    stopped = signals.received()
    if is_storage_full(exc):
        shutil.rmtree(run_dir, ignore_errors=True)  # unpublished, and it holds the space we need
    abandoned = True
    try:
        if stopped is None:
            catalog.fail_run(project.catalog, run_id, f"{type(exc).__name__}: {exc}")
        elif abandoned := catalog.abandon_run(project.catalog, run_id, f"stopped by {stopped.name} before it finished"):
            shutil.rmtree(run_dir, ignore_errors=True)  # never published: its files go with it
    except Exception as during:  # the catalog may be out of space too; the run's own error matters more
        exc.add_note(f"(recording the failure also failed: {during})")
    if stopped is not None:  # the signal, not what it interrupted, is the answer (said rightly if it came too late)
        raise Interrupted(stopped, published=not abandoned) from exc


def _version_to_check(project: Project, loaded: LoadedContract, request: Request, engine: Engine) -> Ingested:
    if request.source is not None:
        options: SourceOptions = loaded.source_options
        result: Ingested = engine.stage("ingest", ingest, project, loaded.dataset, Path(request.source), options)
        return result
    return Ingested(catalog.ingested_version(project.catalog, loaded.dataset, request.version), new=False)


def _run_stages(
    project: Project,
    loaded: LoadedContract,
    ingested: Ingested,
    run_id: str,
    run_dir: Path,
    predictions: str | None,
    settings: Resolved,
    engine: Engine,
) -> dict[str, Any]:
    version = ingested.version
    progress.rows(version.rows)
    run_dir.mkdir(parents=True)
    require_full_validation()
    # the other datasets' versions, opened and proven before any row is checked against them
    relations: tuple[RelationCheck, ...] = engine.stage("relations", resolve_relations, project, loaded)
    try:
        outcome = _check_rows(project, loaded, version.data_path, run_dir, settings, engine, relations)
    except SourceError as unreadable:  # the version's file, named as the user knows it: the source
        if unreadable.path != version.data_path:
            raise
        said = unreadable.message.split(": ", 1)[1].replace(version.data_path, version.source_path)
        raise SourceError(said, path=version.source_path) from unreadable
    fault_point("rowchecks")
    if outcome.structural:
        verdict = engine.stage(
            "verdict", decide, Results(version.rows, 0, structural=outcome.structural), loaded.contract.gate
        )
        raise StructuralFailure(
            f"{loaded.dataset} v{version.version} ({version.source_path}) does not fit the contract "
            f"{loaded.path}: {verdict.verdict}: " + "; ".join(verdict.reasons),
            reasons=list(verdict.reasons),
            hint="fix the file or the contract, then run validate again; nothing was recorded",
        )
    split: SplitResult = engine.stage("split", split_rows, Path(version.data_path), outcome.failures_path, run_dir)
    fault_point("split")
    reference: Reference = engine.stage("reference", choose_reference, project.catalog, loaded.dataset, version.version)
    clean = VersionRows(Path(version.data_path), split.deleted_path, split.rows_clean)
    sketch = run_dir / SKETCH_FILE  # the profile's pass also sketches the clean rows: what drift reads
    uncelled = never_compared(loaded.contract.drift, loaded.contract.keys)
    profiles: tuple[ColumnProfile, ...] = engine.stage("profile", profile, clean, None, None, run_dir, sketch, uncelled)
    drift = engine.stage("drift", run_drift, loaded.contract, clean, reference, run_dir, profiles)
    prediction_file = Path(predictions) if predictions else None
    slices = engine.stage("slice tests", run_slices, loaded.contract, clean, prediction_file, reference)
    history = engine.stage(
        "metric history", run_history, project.catalog, loaded.dataset, loaded.contract, version.version, profiles
    )
    results, sections = gather(split, outcome.checks, reference, drift, slices, history)
    verdict = engine.stage("verdict", decide, results, loaded.contract.gate)
    return _publish(project, version, run_id, run_dir, split, outcome, verdict, sections, engine)


def _publish(
    project: Project,
    version: catalog.VersionRecord,
    run_id: str,
    run_dir: Path,
    split: SplitResult,
    outcome: RowCheckOutcome,
    verdict: Verdict,
    sections: Sections,
    engine: Engine,
) -> dict[str, Any]:
    with signals.deferred():  # a signal now waits until the catalog says what was published
        report: dict[str, Any] = engine.stage(
            "publish", publish, project.catalog, version, run_id, run_dir, split, outcome, verdict, sections
        )
    return report


def _check_rows(
    project: Project,
    loaded: LoadedContract,
    data_path: str,
    run_dir: Path,
    settings: Resolved,
    engine: Engine,
    relations: tuple[RelationCheck, ...],
) -> RowCheckOutcome:
    """Row checks partition by partition (each a task of the engine), then the set checks and relations over the
    version."""
    parts = partitions(Path(data_path), settings.partition_rows, loaded.contract.batch_rows)
    failures = run_dir / "failures.parquet"
    if len(parts) == 1 and settings.task_runner == THREAD:
        single: RowCheckOutcome = engine.stage("row checks", check_rows, Path(data_path), loaded, failures, relations)
        return single
    jobs = partition_jobs(project, loaded, data_path, run_dir, parts)
    structural = first_structural(engine.partitions(jobs, settings))
    outs = [Path(job.out) for job in jobs]
    merged: RowCheckOutcome = engine.stage(
        "row checks: set checks and counts",
        finish_checks,
        Path(data_path),
        loaded,
        outs,
        structural,
        failures,
        relations,
    )
    return merged


def _undo(project: Project, ingested: Ingested, run_id: str, run_dir: Path) -> None:
    """Bad input: leave the catalog as it was before this run."""
    catalog.discard_run(project.catalog, run_id)
    shutil.rmtree(run_dir, ignore_errors=True)
    if ingested.new:
        catalog.forget_version(project.catalog, ingested.version.dataset, ingested.version.version)
        shutil.rmtree(Path(ingested.version.data_path).parent, ignore_errors=True)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
