"""One writer per dataset at a time, serialized by the catalog, held as a lease with a heartbeat.

Every writer of a dataset (ingest, validate, release, reject, baseline) holds
the dataset's lock while it works. Runs of different datasets go side by side.

- PostgreSQL: a session advisory lock on the server, on a connection the
  writer keeps open. The server releases it the moment the writer's
  connection ends (a process killed with -9 closes its socket), on any host.
- Embedded SQLite: ``flock`` on ``<warehouse>/.locks/<dataset>.lock``; the
  operating system releases it when its holder exits.

Either way the holder writes its lease in the catalog (``dataset_locks``:
host, pid, command, since, and an expiry its heartbeat pushes forward every
``lease/3`` seconds). A waiting writer names the holder from that row, and on
PostgreSQL takes over a lock whose lease expired (a host that vanished
without closing its connection) by ending the holder's server session.
Whatever a writer publishes is fenced: the publishing transaction checks the
lease is still its own, so a writer that lost its lock publishes nothing.

The lock is re-entrant within one logical run: a flow holding it may call a
subflow or task that takes it again.
"""

from __future__ import annotations

import contextvars
import os
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataguard.catalog import runs as run_records
from dataguard.catalog.address import CatalogDB, wait_seconds
from dataguard.catalog.db import server_now, writing
from dataguard.catalog.lock_kinds import AdvisoryLock, FileLock, WriterLock
from dataguard.catalog.schema import dataset_locks
from dataguard.errors import BadInput, LockLost
from dataguard.project import Project, check_dataset_name

LOCK_DIR = ".locks"
LEASE_ENV = "DATAGUARD_LEASE_SECONDS"
DATASET_WAIT_SECONDS = 3600.0  # a writer waits this long for another writer of its dataset, then exits 3
LEASE_SECONDS = 30.0  # a holder that has not beaten for this long is presumed gone


def lease_seconds() -> float:
    text = os.environ.get(LEASE_ENV, "").strip()
    try:
        value = float(text) if text else LEASE_SECONDS
    except ValueError as error:
        raise BadInput(f"{LEASE_ENV} must be a number of seconds, got {text!r}") from error
    if value <= 0:
        raise BadInput(f"{LEASE_ENV} must be more than 0, got {text!r}")
    return value


@dataclass
class Held:
    """A dataset lock this run holds."""

    db: CatalogDB
    dataset: str
    lease: str
    lost: threading.Event = field(default_factory=threading.Event)

    def fence(self, con: Connection) -> None:
        """Inside a publishing transaction: refuse when the lease is no longer this writer's."""
        holder = con.execute(sa.select(dataset_locks.c.lease).where(dataset_locks.c.dataset == self.dataset)).scalar()
        if self.lost.is_set() or holder != self.lease:
            raise LockLost(
                f"{self.dataset}: this writer's lease expired and another writer took the dataset over; "
                "nothing was published",
                hint="run the command again (a writer must keep beating: is the catalog reachable from here?)",
            )


_HELD: contextvars.ContextVar[dict[tuple[str, str], Held]] = contextvars.ContextVar("dataguard_dataset_locks")


def holding(db: CatalogDB, dataset: str) -> Held | None:
    """The lock on ``dataset`` this run holds, if any."""
    return _HELD.get({}).get((db.url, dataset))


def writer_of(db: CatalogDB, dataset: str) -> Held:
    """The lock this run holds on ``dataset``; a writer without it is a bug, never a race."""
    held = holding(db, dataset)
    if held is None:
        raise RuntimeError(f"a write of {dataset} without holding its lock (dataguard.catalog.locks.dataset_lock)")
    return held


def lock_path(project: Project, dataset: str) -> Path:
    return project.warehouse / LOCK_DIR / f"{check_dataset_name(dataset)}.lock"


@contextmanager
def dataset_lock(
    project: Project,
    dataset: str,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[Held]:
    """Hold ``dataset``'s writer lock; wait while another writer holds it.

    ``on_wait`` is told once, with who holds the lock, when the writer has to wait.
    After ``timeout`` seconds of waiting (default: ``wait_seconds(DATASET_WAIT_SECONDS)``),
    raise ``CatalogBusy`` (retryable; exit 3) naming the holder.
    """
    check_dataset_name(dataset)
    db = project.catalog
    held = _HELD.get({})
    if (db.url, dataset) in held:
        yield held[(db.url, dataset)]
        return
    timeout = wait_seconds(DATASET_WAIT_SECONDS) if timeout is None else timeout
    lock: WriterLock = (
        FileLock(db, lock_path(project, dataset)) if db.backend == "sqlite" else AdvisoryLock(db, dataset)
    )
    with lock.holding(dataset, timeout, on_wait) as backend_pid:
        mine = Held(db, dataset, uuid.uuid4().hex)
        _claim(mine, backend_pid)
        heart = _Heartbeat(mine, lock)
        token = _HELD.set({**held, (db.url, dataset): mine})
        try:
            yield mine
        finally:
            _HELD.reset(token)
            heart.stop()
            _give_up(mine)


# -- the lease row -------------------------------------------------------------------


def _claim(mine: Held, backend_pid: int | None) -> None:
    lease = lease_seconds()
    with writing(mine.db) as con:
        now = server_now(con)
        con.execute(dataset_locks.delete().where(dataset_locks.c.dataset == mine.dataset))
        con.execute(
            dataset_locks.insert().values(
                dataset=mine.dataset,
                lease=mine.lease,
                host=socket.gethostname(),
                pid=os.getpid(),
                command=_command(),
                since=now,
                expires=now + timedelta(seconds=lease),
                backend_pid=backend_pid,
            )
        )


def _give_up(mine: Held) -> None:
    try:
        with writing(mine.db) as con:
            locks = dataset_locks.c
            con.execute(dataset_locks.delete().where(locks.dataset == mine.dataset, locks.lease == mine.lease))
    except Exception:  # the lock itself is released below regardless; a stale row only names an old holder
        pass


def _renew(mine: Held) -> None:
    lease = lease_seconds()
    with writing(mine.db) as con:
        now = server_now(con)
        locks = dataset_locks.c
        renewed = con.execute(
            dataset_locks.update()
            .where(locks.dataset == mine.dataset, locks.lease == mine.lease)
            .values(expires=now + timedelta(seconds=lease))
        )
        if not renewed.rowcount:
            mine.lost.set()
            return
        run_records.beat(con, mine.dataset, mine.lease, now)


class _Heartbeat:
    """Pushes the lease forward every lease/3 seconds until stopped; marks it lost when it could not."""

    def __init__(self, mine: Held, lock: WriterLock) -> None:
        self.mine, self.lock = mine, lock
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"dataguard-lease-{mine.dataset}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(lease_seconds() / 3):
            try:
                if not self.lock.still_held():
                    self.mine.lost.set()
                _renew(self.mine)
            except Exception:  # the catalog out of reach for a beat: the next one tries again
                continue

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join()


def _command() -> str:
    """The holder's command line, short: enough for a person to recognise it."""
    words = [Path(sys.argv[0]).name, *sys.argv[1:4]] if sys.argv and sys.argv[0] else ["python"]
    return " ".join(words)
