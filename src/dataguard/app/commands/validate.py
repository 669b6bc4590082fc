"""What the command line's commands do, as functions returning values; the CLI parses and prints.

``validate_files`` checks everything a glance can check before anything
starts (the dataset, each file, the contract, the settings), then validates
each file in order: in this process by default, as the Prefect flow
``dataguard-validate`` when a Prefect API is configured, ``prefect`` is asked
for, or the row checks go to Dask.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataguard.app.prefect_env import configured_api_url
from dataguard.errors import CouldNotRun, DataguardError, PrefectUnavailable, could_not_run
from dataguard.ingest.preflight import check_sources, check_texts
from dataguard.project import Project
from dataguard.spec.execution import DASK, Execution, from_environment, resolve
from dataguard.spec.outcome import Outcome

PREFECT_HEALTH_TIMEOUT_SECONDS = 5.0


@dataclass
class FileOutcome:
    """One file (or ``--version N``) of a validate command: its report, or the error that stopped it."""

    label: str
    report: dict[str, Any] | None = None
    error: DataguardError | None = None

    def exit_code(self, strict: bool) -> int:
        if self.error is not None:
            return self.error.exit_code
        assert self.report is not None
        rejected = not self.report["gate_open"] or (strict and self.report["verdict"] == Outcome.WARN)
        return 1 if rejected else 0

    def document(self) -> dict[str, Any]:
        if self.report is not None:
            return self.report
        assert self.error is not None
        return {"file": self.label, "error": error_document(self.error)}


def error_document(error: DataguardError) -> dict[str, Any]:
    return {"type": type(error).__name__, "message": str(error), "exit_code": error.exit_code}


def validate_files(
    project: Project,
    dataset: str,
    files: list[Path],
    version: int | None,
    predictions: Path | None,
    requested: Execution,
    *,
    prefect: bool = False,
    on_done: Callable[[FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Validate each file (or ``version``); an error of one file is its outcome, the next file still runs.

    Raises before anything is ingested when the dataset, a file, the contract
    or the settings are unusable; stops after a file that could not run (exit 3).
    """
    project.require_contract(dataset)
    check_sources(files)
    from dataguard.checks.load import load_contract  # pandera: only once the cheap checks passed

    loaded = load_contract(project, dataset)
    check_texts(files, loaded.contract.encoding)
    settings = resolve(requested, loaded.contract.execution, from_environment(os.environ))
    url = configured_api_url()
    as_flow = prefect or settings.task_runner == DASK or url is not None
    run = _flow_runner(project, requested, url) if as_flow else _in_process_runner(project, requested)
    outcomes: list[FileOutcome] = []
    targets: list[tuple[str | None, int | None]] = [(str(f), None) for f in files] or [(None, version)]
    for source, number in targets:
        outcome = FileOutcome(source or f"version {number}")
        try:
            outcome.report = run(dataset, source, number, str(predictions) if predictions else None)
        except DataguardError as exc:
            outcome.error = exc
        except OSError as exc:
            if (infrastructure := could_not_run(exc)) is None:
                raise
            outcome.error = infrastructure
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
        if isinstance(outcome.error, CouldNotRun):
            break  # the machine, not this file: the next file would fail the same way
    return outcomes


Runner = Callable[[str, str | None, int | None, str | None], dict[str, Any]]


def _in_process_runner(project: Project, requested: Execution) -> Runner:
    from dataguard.pipeline import Request, validate_version

    def run(dataset: str, source: str | None, version: int | None, predictions: str | None) -> dict[str, Any]:
        return validate_version(project, Request(dataset, source, version, predictions, requested))

    return run


def _flow_runner(project: Project, requested: Execution, url: str | None) -> Runner:
    """The Prefect flow ``dataguard-validate`` (on the API at ``url``, else the embedded one); a closed
    gate's report is returned like an open one's."""
    if url:
        check_prefect_api(url)
    from dataguard.app.flows import VersionRejected, validate_flow

    def run(dataset: str, source: str | None, version: int | None, predictions: str | None) -> dict[str, Any]:
        state = validate_flow(
            dataset,
            source,
            version,
            str(project.root),
            predictions,
            requested.partition_rows,
            requested.task_runner,
            requested.dask_address,
            return_state=True,
        )
        result = state.result(raise_on_failure=False)
        if isinstance(result, VersionRejected):
            result = result.report  # a closed gate: its report, like an open one's
        if isinstance(result, BaseException):
            raise result
        report: dict[str, Any] = result  # type: ignore[assignment]  # a Completed run's value
        return report | {"prefect": flow_run_links(url, state.state_details.flow_run_id, dataset)}

    return run


def flow_run_links(url: str | None, flow_run_id: object, dataset: str) -> dict[str, Any]:
    """Where the Prefect flow run and its artifacts can be seen (the embedded API keeps them in Prefect's database)."""
    from dataguard.app.flows import artifact_key

    ui = url.removesuffix("/").removesuffix("/api") if url else None
    return {
        "flow_run_id": str(flow_run_id),
        "artifacts": [artifact_key(dataset), artifact_key(dataset) + "-quarantine"],
        "ui": f"{ui}/runs/flow-run/{flow_run_id}" if ui else None,
    }


def check_prefect_api(url: str) -> None:
    """``PrefectUnavailable`` (exit 3) unless the Prefect API at ``url`` answers its health check."""
    import httpx

    health = url.rstrip("/") + "/health"
    try:
        answer = httpx.get(health, timeout=PREFECT_HEALTH_TIMEOUT_SECONDS)
        answer.raise_for_status()
    except httpx.HTTPError as exc:
        raise PrefectUnavailable(
            f"the Prefect API at {url} does not answer ({type(exc).__name__}: {exc})",
            hint="start the server (prefect server start), fix PREFECT_API_URL, "
            "or unset it to validate in this process",
        ) from exc
