"""The training launcher: the command's environment, and a hard time ceiling on its process group.

``dataguard train DATASET --max-minutes M -- CMD ...`` is ``run_training``: it
opens the gate, writes the peek page, records the run in the catalog, then
runs CMD through ``run_with_ceiling`` with ``training_env`` (the clean data's
path, version and dataset in its environment) and records how it ended. CMD starts in a session (and
process group) of its own, so everything it starts can be stopped together:

- at the ceiling the group gets SIGTERM (and SIGCONT, so stopped members see
  it), then SIGKILL after ``grace_seconds``; the outcome is 124 and
  ``timed_out``, as ``timeout(1)`` reports it;
- when CMD exits by itself, members of its group still running (a training
  server it left in the background) are stopped the same way, so a run never
  outlives its record;
- when dataguard itself is told to stop (SIGINT, SIGTERM, SIGHUP) while CMD
  runs, the group is stopped first and the outcome is 128 + the signal.

CMD's output goes straight to dataguard's own stdout and stderr (inherited,
unbuffered); ``stdout=2`` sends its stdout to stderr instead, so that
``--json`` keeps stdout for the one JSON document. A child killed by a signal exits 128 + the signal, as a shell
reports it. A process that leaves the group on purpose (``setsid``) escapes
the ceiling, as it escapes ``timeout(1)``.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from dataguard import catalog
from dataguard.errors import BadInput, CouldNotRun
from dataguard.gate.opened import ValidatedVersion
from dataguard.gate.validated import open_validated
from dataguard.project import find_project
from dataguard.spec import defaults

TIMEOUT_EXIT = 124  # what timeout(1) exits with when the command hit the ceiling
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class TrainOutcome:
    """How a training command ended: what the catalog records of the run."""

    exit_code: int
    timed_out: bool
    started: datetime
    ended: datetime
    pid: int = 0
    interrupted_by: int | None = None  # the signal that stopped dataguard itself, if one did


@dataclass(frozen=True)
class TrainingRun:
    """A training run as the catalog records it: which data it trained on, and how it ended."""

    training_id: str
    dataset: str
    version: int
    revision: int
    outcome: TrainOutcome
    peek: Path | None  # the peek page written before the command started, if one was

    @property
    def seconds(self) -> float:
        return (self.outcome.ended - self.outcome.started).total_seconds()


def run_training(
    project: str | os.PathLike[str] | None,
    dataset: str,
    cmd: Sequence[str],
    *,
    version: int | None = None,
    max_minutes: float,
    grace_seconds: float = 5.0,
    peek_rows: int | None = defaults.PEEK_SAMPLE_ROWS,
    peek_seed: int = defaults.PEEK_SEED,
    stdout: int | None = None,
    announce: Callable[[str], None] = lambda line: None,
) -> TrainingRun:
    """Open the gate on the version (newest open one by default), run ``cmd`` on its clean data, record the run.

    The peek page (``peek_rows`` sampled rows; None: no page) is written before
    ``cmd`` starts; ``announce`` is told where it is and what is about to run.
    A closed gate or a clean file that is not what was validated raises before
    anything is recorded: ``cmd`` never runs.
    """
    from dataguard.gate.peek import check_sample_size
    from dataguard.gate.peek_html import peek_page

    if peek_rows is not None:
        check_sample_size(peek_rows)
    proj = find_project(project)
    opened = open_validated(dataset, version, proj, opened_by="train")
    if opened.rows is not None:  # the first open could not write it (a read-only warehouse)
        raise CouldNotRun(
            f"the clean file training reads cannot be made: {opened.clean_path.parent} is not writable",
            hint="make the warehouse writable, or read the rows in Python: open_validated(..., materialize=False)",
        )
    page = peek_page(proj.catalog, opened, peek_rows, peek_seed)[1] if peek_rows is not None else None
    if page is not None:
        announce(f"peek: {page}")
    training_id = uuid.uuid4().hex
    catalog.start_training(
        proj.catalog,
        training_id,
        dataset,
        opened.version,
        opened.revision,
        opened.fingerprint,
        shlex.join(cmd),
        opened.run_id or None,
    )
    announce(f"training on {dataset} v{opened.version} ({opened.clean_path}), ceiling {max_minutes:g} min")
    outcome = run_with_ceiling(cmd, training_env(opened), max_minutes * 60, grace_seconds, stdout=stdout)
    catalog.finish_training(proj.catalog, training_id, outcome.exit_code, outcome.timed_out)
    return TrainingRun(training_id, dataset, opened.version, opened.revision, outcome, page)


def training_env(validated: ValidatedVersion, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (the current environment by default) plus where the training data is."""
    env = dict(os.environ if base is None else base)
    env.update(
        DATAGUARD_DATA=str(validated.clean_path),
        DATAGUARD_VERSION=str(validated.version),
        DATAGUARD_DATASET=validated.dataset,
        DATAGUARD_FINGERPRINT=validated.fingerprint,
    )
    if validated.clean_fingerprint:  # runs published before fingerprints were recorded have none
        env["DATAGUARD_CLEAN_FINGERPRINT"] = validated.clean_fingerprint
    else:
        env.pop("DATAGUARD_CLEAN_FINGERPRINT", None)
    return env


def run_with_ceiling(
    cmd: Sequence[str],
    env: Mapping[str, str],
    max_seconds: float,
    grace_seconds: float = 5.0,
    *,
    stdout: int | None = None,
) -> TrainOutcome:
    """Run ``cmd`` with ``env`` (its whole environment) and stop its process group at ``max_seconds``."""
    if not cmd:
        raise BadInput("no training command given", hint="dataguard train DATASET --max-minutes M -- CMD ARGS...")
    if not max_seconds > 0 or not grace_seconds >= 0:
        raise BadInput(f"the time ceiling must be positive (got {max_seconds!r} s, grace {grace_seconds!r} s)")
    started = datetime.now(UTC)
    with _stop_requests() as requests:
        child = _start(cmd, env, stdout)
        try:
            code = _wait(child, max_seconds, requests)
        finally:
            # before reaping the leader: while it is a zombie its pid, the group's id, cannot be reused
            stop_group(child.pid, grace_seconds)
            child.wait()
    ended = datetime.now(UTC)
    if requests:
        return TrainOutcome(128 + requests[0], False, started, ended, child.pid, requests[0])
    if code is None:
        return TrainOutcome(TIMEOUT_EXIT, True, started, ended, child.pid)
    return TrainOutcome(128 - code if code < 0 else code, False, started, ended, child.pid)


def _start(cmd: Sequence[str], env: Mapping[str, str], stdout: int | None) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(list(cmd), env=dict(env), stdout=stdout, start_new_session=True)
    except OSError as exc:
        raise BadInput(f"cannot run the training command {cmd[0]!r}: {exc.strerror or exc}") from exc


def _wait(child: subprocess.Popen[bytes], max_seconds: float, requests: list[int]) -> int | None:
    """The child's return code, or None at the ceiling or when dataguard was asked to stop."""
    deadline = time.monotonic() + max_seconds
    while (code := child.poll()) is None:
        remaining = deadline - time.monotonic()
        if requests or remaining <= 0:
            return None
        time.sleep(min(POLL_SECONDS, remaining))
    return code


def stop_group(pgid: int, grace_seconds: float) -> None:
    """SIGTERM the group, SIGKILL whatever is still alive after the grace period."""
    if not group_alive(pgid):
        return
    _signal_group(pgid, signal.SIGTERM)
    _signal_group(pgid, signal.SIGCONT)
    if _gone_within(pgid, grace_seconds):
        return
    _signal_group(pgid, signal.SIGKILL)
    _gone_within(pgid, 5.0)


def _signal_group(pgid: int, signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):  # gone already, or a member we may not signal
        os.killpg(pgid, signum)


def _gone_within(pgid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while group_alive(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs; zombies (dead, not yet reaped) do not count."""
    proc = Path("/proc")
    if sys.platform != "linux" or not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    return any(_in_group_and_running(stat, pgid) for stat in proc.glob("[0-9]*/stat"))


def _in_group_and_running(stat: Path, pgid: int) -> bool:
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()  # the name before ")" may hold spaces
    except (OSError, IndexError):
        return False  # the process ended while we looked
    state, group = fields[0], int(fields[2])
    return group == pgid and state not in ("Z", "X")


@contextmanager
def _stop_requests() -> Iterator[list[int]]:
    """Signals asking dataguard to stop, collected while the child runs (main thread only; elsewhere none)."""
    requests: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield requests
        return

    def record(signum: int, frame: FrameType | None) -> None:
        requests.append(signum)

    previous = {s: signal.signal(s, record) for s in STOP_SIGNALS}
    try:
        yield requests
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
