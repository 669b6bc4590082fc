"""One run at a time per dataset: an operating-system file lock in the warehouse.

Two runs of the same dataset never interleave (ingest, run records and publish
would race); runs of different datasets go side by side. The lock is a file
per dataset under ``<warehouse>/.locks/``, held with ``flock``: it works the
same with Prefect's embedded API, a real server or no Prefect at all, and the
operating system releases it when its holder exits, so a killed run never
blocks the dataset. (A Prefect global concurrency limit would not: on the
embedded API nothing revokes the slot of a process that died holding it.)

The lock is re-entrant within one logical run: a flow holding it may call a
subflow that takes it again.
"""

from __future__ import annotations

import contextvars
import fcntl
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from dataguard.errors import BadInput, CatalogBusy
from dataguard.project import Project, check_dataset_name

LOCK_DIR = ".locks"
WAIT_ENV = "DATAGUARD_LOCK_WAIT_SECONDS"
DATASET_WAIT_SECONDS = 3600.0  # a run waits this long for another run of its dataset, then exits 3


def wait_seconds(default: float) -> float:
    """How long to wait for a lock: ``$DATAGUARD_LOCK_WAIT_SECONDS`` when set, else ``default``."""
    text = os.environ.get(WAIT_ENV)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError as exc:
        raise BadInput(f"{WAIT_ENV} must be a number of seconds, got {text!r}") from exc
    if value < 0:
        raise BadInput(f"{WAIT_ENV} must be 0 or more, got {text!r}")
    return value


_HELD: contextvars.ContextVar[frozenset[Path]] = contextvars.ContextVar("dataguard_dataset_locks", default=frozenset())


def lock_path(project: Project, dataset: str) -> Path:
    return project.warehouse / LOCK_DIR / f"{check_dataset_name(dataset)}.lock"


@contextmanager
def dataset_lock(
    project: Project,
    dataset: str,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold ``dataset``'s lock; wait for it while another run holds it.

    ``on_wait`` is told once, with who holds the lock, when the run has to wait.
    After ``timeout`` seconds of waiting (default: ``wait_seconds(DATASET_WAIT_SECONDS)``),
    raise ``CatalogBusy`` (retryable; exit 3), naming the holder.
    """
    timeout = wait_seconds(DATASET_WAIT_SECONDS) if timeout is None else timeout
    path = lock_path(project, dataset)
    held = _HELD.get()
    if path in held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        _acquire(handle, path, dataset, timeout, on_wait)
        _HELD.set(held | {path})
        try:
            _write_holder(handle)
            yield
        finally:
            _HELD.set(held)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle: IO[str], path: Path, dataset: str, timeout: float, on_wait: Callable[[str], None] | None) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.05
    told = False
    while not _try_lock(handle):
        if not told and on_wait is not None:
            on_wait(f"waiting for the other run of {dataset} to finish (lock {path} held by {_read(path)})")
            told = True
        if time.monotonic() >= deadline:
            raise CatalogBusy(
                f"{dataset} stayed locked by another run for {timeout:.0f} s (held by {_read(path)})",
                hint=f"another dataguard run of this dataset is still working: retry when it finishes, "
                f"or wait longer ({WAIT_ENV})",
            )
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write_holder(handle: IO[str]) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(
        f"pid {os.getpid()} on {socket.gethostname()} since {datetime.now(UTC).isoformat(timespec='seconds')}"
        f" ({_command()})\n"
    )
    handle.flush()


def _command() -> str:
    """The holder's command line, short: enough for a person to recognise it."""
    words = [Path(sys.argv[0]).name, *sys.argv[1:4]] if sys.argv and sys.argv[0] else ["python"]
    return " ".join(words)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "a run that is starting"
    except OSError:
        return "another run"
