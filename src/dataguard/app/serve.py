"""Serving a project's unattended runs (``dataguard serve``): with ``PREFECT_API_URL`` set, its
deployments handed to ``prefect.serve`` (the server's scheduler starts the runs, which show in its
UI); without, the same flows timed in process on Prefect's embedded API, which has no scheduler.
Ctrl-C (or SIGTERM) stops either cleanly."""

from __future__ import annotations

import asyncio
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any, TypedDict, Unpack

from dataguard.app.prefect_env import apply_defaults

apply_defaults()

import prefect  # noqa: E402
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy, State  # noqa: E402
from prefect.deployments.runner import RunnerDeployment  # noqa: E402
from prefect.schedules import Cron  # noqa: E402
from prefect.settings import PREFECT_API_URL  # noqa: E402
from prefect.types.entrypoint import EntrypointType  # noqa: E402

from dataguard.app.flows import validate_flow  # noqa: E402
from dataguard.app.schedule import NIGHTLY_CRON, POLL_SECONDS, SETTLE_SECONDS, nightly, watch_landing  # noqa: E402
from dataguard.catalog.locks import dataset_lock  # noqa: E402
from dataguard.errors import BadInput  # noqa: E402
from dataguard.ingest import landing  # noqa: E402
from dataguard.project import Project, find_project  # noqa: E402

# -- serving ------------------------------------------------------------------------------------


def server_url() -> str | None:
    """The Prefect server runs report to (``PREFECT_API_URL``); None means the embedded API."""
    url: str | None = PREFECT_API_URL.value()
    return url or None


@dataclass(frozen=True)
class Timing:
    """When a project's flows run: the nightly sweep on ``cron`` (in ``timezone``; UTC when None),
    the landing watch every ``poll_seconds`` (none when 0), a landed file taken once unchanged
    for ``settle_seconds``."""

    cron: str = NIGHTLY_CRON
    poll_seconds: float = POLL_SECONDS
    settle_seconds: float = SETTLE_SECONDS
    timezone: str | None = None


class TimingOptions(TypedDict, total=False):
    """``Timing``'s fields as keyword arguments: any left out take Timing's defaults."""

    cron: str
    poll_seconds: float
    settle_seconds: float
    timezone: str | None


def deployments(project_dir: str | Path | None = None, **options: Unpack[TimingOptions]) -> list[RunnerDeployment]:
    """The project's deployments, each named after the project folder.

    ``dataguard-nightly`` on ``cron``; ``dataguard-landing-watch`` every
    ``poll_seconds`` (none when 0); ``dataguard-validate``, unscheduled, to run
    one file or version on demand (parameters ``dataset`` and ``source`` or ``version``).
    A poll or a nightly run that finds the previous one still working is cancelled.
    """
    project, timing = find_project(project_dir), Timing(**options)
    check_cron(timing.cron, timing.timezone)
    name = deployment_name(project)
    sweep_params = {"project_dir": str(project.root), "settle_seconds": timing.settle_seconds}
    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    common: dict[str, Any] = {"tags": ["dataguard"], "entrypoint_type": EntrypointType.MODULE_PATH}
    found: list[Any] = [
        nightly.to_deployment(
            name,
            schedule=Cron(timing.cron, timezone=timing.timezone),
            parameters=sweep_params,
            concurrency_limit=one_at_a_time,
            **common,
        ),
        validate_flow.to_deployment(name, parameters={"project_dir": str(project.root)}, **common),
    ]
    if timing.poll_seconds > 0:
        watch = watch_landing.to_deployment(
            name,
            interval=timedelta(seconds=timing.poll_seconds),
            parameters=sweep_params,
            concurrency_limit=one_at_a_time,
            **common,
        )
        found.insert(1, watch)
    assert all(isinstance(d, RunnerDeployment) for d in found)  # to_deployment is sync outside an event loop
    return found


def deployment_name(project: Project) -> str:
    """The project folder's name, with the characters Prefect refuses in names replaced."""
    return re.sub(r"[/%&<>]", "-", project.root.name) or "dataguard"


def serve(
    project_dir: str | Path | None = None,
    *,
    announce: Callable[[str], None] = print,
    **options: Unpack[TimingOptions],
) -> None:
    """Run the nightly sweep and the landing watch for a project until Ctrl-C or SIGTERM.

    Raises ``BadInput`` for a missing project or an invalid cron expression.
    """
    project = find_project(project_dir)
    timing = Timing(**options)
    check_cron(timing.cron, timing.timezone)
    for dataset in project.datasets():
        landing.landing_dir(project, dataset).mkdir(parents=True, exist_ok=True)
    url = server_url()
    if url is None:
        serve_embedded(project, announce=announce, **options)
        return
    announce(f"serving {project.root} on the Prefect server at {url} (Ctrl-C stops)")
    found = deployments(project.root, **options)
    try:
        with _sigterm_as_interrupt():
            prefect.serve(*found)
    except KeyboardInterrupt:
        pass
    announce("stopped")


def serve_embedded(
    project: Project,
    *,
    announce: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
    **options: Unpack[TimingOptions],
) -> None:
    """Time the nightly sweep and the watch in this process, on Prefect's embedded API.

    A poll starts a watch flow run only when a landing folder has a pending
    file, so quiet polls leave no runs behind. Returns on Ctrl-C or SIGTERM.
    """
    timing = Timing(**options)
    next_nightly = next_fire(timing.cron, timing.timezone)
    announce(
        f"serving {project.root} on Prefect's embedded API (set PREFECT_API_URL to use a server): "
        + (f"landing watch every {timing.poll_seconds:g} s, " if timing.poll_seconds > 0 else "")
        + f"nightly run at '{timing.cron}' ({timing.timezone or 'UTC'}), "
        + f"next {next_nightly.isoformat(timespec='minutes')}; "
        "Ctrl-C stops"
    )
    next_poll = time.time()
    try:
        with _sigterm_as_interrupt():
            while True:
                if datetime.now(UTC) >= next_nightly:
                    _announce_run(nightly(str(project.root), timing.settle_seconds, return_state=True), announce)
                    next_nightly = next_fire(timing.cron, timing.timezone)
                if timing.poll_seconds > 0 and time.time() >= next_poll:
                    if has_pending(project, timing.settle_seconds):
                        _announce_run(
                            watch_landing(str(project.root), timing.settle_seconds, return_state=True), announce
                        )
                    next_poll = time.time() + timing.poll_seconds
                wake = min(next_poll if timing.poll_seconds > 0 else float("inf"), next_nightly.timestamp())
                sleep(max(0.0, min(wake - time.time(), 60.0)))
    except KeyboardInterrupt:
        announce("stopped")


def has_pending(project: Project, settle_seconds: float) -> bool:
    for dataset in project.datasets():
        with dataset_lock(project, dataset):
            if landing.pending(project, dataset, settle_seconds):
                return True
    return False


def _announce_run(state: State[Any], announce: Callable[[str], None]) -> None:
    if state.is_completed():
        outcomes = state.result()
        for o in outcomes:
            announce(f"{o['dataset']}/{o['file']}: {o['status']} v{o['version']} {o['verdict']}")
    else:
        announce(f"{state.name}: {state.message}")


def check_cron(cron: str, timezone: str | None = None) -> None:
    try:
        _cron_schedule(cron, timezone)
    except ValueError as exc:
        raise BadInput(
            f"invalid nightly schedule {cron!r} (timezone {timezone or 'UTC'}): {_first_error(exc)}",
            hint="a cron expression has five fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *'",
        ) from exc


def next_fire(cron: str, timezone: str | None = None, after: datetime | None = None) -> datetime:
    """When ``cron`` fires next, computed as Prefect's own scheduler does."""
    start = after or datetime.now(UTC)
    dates = asyncio.run(_cron_schedule(cron, timezone).get_dates(n=1, start=start + timedelta(seconds=1)))
    return datetime.fromtimestamp(dates[0].timestamp(), UTC)


def _cron_schedule(cron: str, timezone: str | None) -> Any:
    from prefect.server.schemas.schedules import CronSchedule  # the server's, which computes dates

    return CronSchedule(cron=cron, timezone=timezone)


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg", e)) for e in errors())
    return str(exc)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the loop like Ctrl-C (only the main thread may set signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
