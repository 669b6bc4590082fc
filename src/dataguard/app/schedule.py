"""Unattended runs: the landing-folder watch, the nightly run, and serving them.

Three flows, each one call into the library per step:

- ``dataguard-validate`` (``dataguard.app.flows.validate_flow``, the one flow of
  a version): a version whose gate stays closed ends the flow run Failed with
  the reasons as its message, so Prefect's notifications and automations can
  act on it. Its report.md is an artifact of the same flow run.
- ``dataguard-landing-watch`` (``watch_landing``): validates each new settled
  file of ``data/landing/<dataset>/`` once (see ``dataguard.ingest.landing``).
- ``dataguard-nightly`` (``nightly``): the same sweep over every dataset, on a
  cron schedule: a safety net when no watch ran.

``dataguard.app.serve`` runs them for a project, on a Prefect server or in process.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from dataguard.app.prefect_env import apply_defaults

apply_defaults()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.schemas.objects import State  # noqa: E402
from prefect.states import Failed  # noqa: E402

from dataguard.app.flows import VersionRejected, is_transient, validate_flow  # noqa: E402
from dataguard.catalog.locks import dataset_lock  # noqa: E402
from dataguard.errors import BadInput, DataguardError  # noqa: E402
from dataguard.ingest import landing  # noqa: E402
from dataguard.pipeline import RETRIES, RETRY_DELAYS  # noqa: E402
from dataguard.project import Project, find_project  # noqa: E402
from dataguard.spec import defaults  # noqa: E402

NIGHTLY_CRON = defaults.NIGHTLY_CRON
POLL_SECONDS = defaults.LANDING_POLL_SECONDS
SETTLE_SECONDS = defaults.LANDING_SETTLE_SECONDS


class LandingFailed(DataguardError):
    """Some landed files were rejected, refused as bad input, or hit an error; ``outcomes`` has each file."""

    def __init__(self, message: str, outcomes: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.outcomes = outcomes


# -- one version --------------------------------------------------------------------------


# -- the landing sweep ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one landed file."""

    dataset: str
    file: str
    fingerprint: str
    status: str  # accepted | rejected | refused | error | still writing
    version: int | None = None
    verdict: str | None = None
    message: str | None = None
    flow_run_id: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("rejected", "refused", "error")


@task(
    name="recheck landed file",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=RETRIES,
    retry_delay_seconds=list(RETRY_DELAYS),
    retry_condition_fn=is_transient,
)
def recheck_task(
    project: Project, dataset: str, item: landing.Pending, settle_seconds: float
) -> landing.Pending | None:
    return landing.recheck(project, dataset, item, settle_seconds)


@flow(name="dataguard-landing-watch")
def watch_landing(
    project_dir: str | None = None, settle_seconds: float = SETTLE_SECONDS, datasets: list[str] | None = None
) -> list[dict[str, Any]] | State[Any]:
    """Validate each new settled file of the datasets' landing folders, once."""
    return _settle(sweep(find_project(project_dir), datasets, settle_seconds))


@flow(name="dataguard-nightly")
def nightly(
    project_dir: str | None = None, settle_seconds: float = SETTLE_SECONDS, datasets: list[str] | None = None
) -> list[dict[str, Any]] | State[Any]:
    """Validate every dataset whose landing folder has files not yet ingested."""
    return _settle(sweep(find_project(project_dir), datasets, settle_seconds))


def sweep(project: Project, datasets: list[str] | None, settle_seconds: float) -> list[Outcome]:
    """Validate the pending files of each dataset (all with contracts by default); call inside a flow."""
    outcomes: list[Outcome] = []
    for dataset in project.datasets() if datasets is None else datasets:
        with dataset_lock(project, dataset, on_wait=get_run_logger().info):
            for item in landing.pending(project, dataset, settle_seconds):
                outcome = _validate_landed(project, dataset, item, settle_seconds)
                if outcome is not None:
                    outcomes.append(outcome)
    return outcomes


def _validate_landed(project: Project, dataset: str, item: landing.Pending, settle_seconds: float) -> Outcome | None:
    checked = recheck_task(project, dataset, item, settle_seconds, return_state=True)
    if not checked.is_completed():
        return Outcome(dataset, item.landed.path.name, item.fingerprint, "still writing", message=checked.message)
    current: landing.Pending | None = checked.result()
    if current is None:  # gone, or its bytes became a version meanwhile
        return None
    state = validate_flow(dataset, source=str(current.landed.path), project_dir=str(project.root), return_state=True)
    return _outcome(project, dataset, current, state)


def _outcome(project: Project, dataset: str, item: landing.Pending, state: State[Any]) -> Outcome:
    file, digest = item.landed.path.name, item.fingerprint
    run_id = str(state.state_details.flow_run_id) if state.state_details.flow_run_id else None
    result: Any = state.result(raise_on_failure=False)
    if state.is_completed():
        return Outcome(dataset, file, digest, "accepted", result["version"], result["verdict"], None, run_id)
    if isinstance(result, VersionRejected):
        report = result.report
        return Outcome(dataset, file, digest, "rejected", report["version"], report["verdict"], result.message, run_id)
    if isinstance(result, BadInput):  # terminal: remembered, so no later poll tries the same bytes again
        landing.record_refusal(project, dataset, item, result.message)
        return Outcome(dataset, file, digest, "refused", message=result.message, flow_run_id=run_id)
    return Outcome(dataset, file, digest, "error", message=state.message, flow_run_id=run_id)  # tried next poll


def _settle(outcomes: list[Outcome]) -> list[dict[str, Any]] | State[Any]:
    """The outcomes; a Failed state naming each failed file when any failed."""
    documents = [asdict(o) for o in outcomes]
    failed = [o for o in outcomes if o.failed]
    if not failed:
        return documents
    lines = [f"{o.dataset}/{o.file}: {o.status}: {o.message}" for o in failed]
    message = f"{len(failed)} of {len(outcomes)} landed files failed: " + " | ".join(lines)
    return Failed(message=message, data=LandingFailed(message, documents))
