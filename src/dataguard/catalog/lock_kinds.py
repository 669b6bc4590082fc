"""The two kinds of writer lock under a lease: a ``flock`` on a file beside an embedded catalog, a
session advisory lock on PostgreSQL (which a waiter may take over once the holder's lease expired).
Either goes when its process dies."""

from __future__ import annotations

import fcntl
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataguard.catalog.address import WAIT_ENV, CatalogDB
from dataguard.catalog.db import engine, mapped_errors, reading, server_now
from dataguard.catalog.schema import dataset_locks
from dataguard.errors import CatalogBusy


@dataclass(frozen=True)
class Holder:
    text: str
    expired: bool
    backend_pid: int | None


def current_holder(db: CatalogDB, dataset: str) -> Holder | None:
    with reading(db) as con:
        if con is None:
            return None
        row = con.execute(sa.select(dataset_locks).where(dataset_locks.c.dataset == dataset)).first()
        if row is None:
            return None
        now = server_now(con)
    since = row.since.isoformat(timespec="seconds") if isinstance(row.since, datetime) else str(row.since)
    text = f"pid {row.pid} on {row.host} since {since} ({row.command})"
    return Holder(text, row.expires < now, row.backend_pid)


# -- the two kinds of lock --------------------------------------------------------------


class WriterLock:
    db: CatalogDB

    @contextmanager
    def holding(self, dataset: str, timeout: float, on_wait: Callable[[str], None] | None) -> Iterator[int | None]:
        try:
            self._wait(dataset, timeout, on_wait)
        except BaseException:
            self.release()  # nothing held: close what the attempts opened
            raise
        try:
            yield self.backend_pid()
        finally:
            self.release()

    def _wait(self, dataset: str, timeout: float, on_wait: Callable[[str], None] | None) -> None:
        deadline = time.monotonic() + timeout
        delay = 0.05
        told = False
        while not self.try_acquire():
            holder = current_holder(self.db, dataset)
            who = holder.text if holder is not None else "a writer that is starting"
            if holder is not None and holder.expired and self.take_over(holder):
                continue
            if not told and on_wait is not None:
                on_wait(f"waiting for the other writer of {dataset} to finish ({self.describe()} held by {who})")
                told = True
            if time.monotonic() >= deadline:
                raise CatalogBusy(
                    f"{dataset} stayed locked by another writer for {timeout:.0f} s (held by {who})",
                    hint=f"another dataguard command is writing this dataset: retry when it finishes, "
                    f"or wait longer ({WAIT_ENV})",
                )
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def try_acquire(self) -> bool:
        raise NotImplementedError

    def take_over(self, holder: Holder) -> bool:
        return False

    def still_held(self) -> bool:
        return True

    def backend_pid(self) -> int | None:
        return None

    def release(self) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class FileLock(WriterLock):
    def __init__(self, db: CatalogDB, path: Path) -> None:
        self.db, self.path = db, path
        self.handle: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self.handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    def describe(self) -> str:
        return f"lock {self.path}"


class AdvisoryLock(WriterLock):
    def __init__(self, db: CatalogDB, dataset: str) -> None:
        self.db = db
        self.key = int.from_bytes(hashlib.sha256(f"dataguard:{dataset}".encode()).digest()[:8], "big", signed=True)
        self.con: Connection | None = None

    def _connection(self) -> Connection:
        if self.con is None:
            with mapped_errors(self.db):
                self.con = engine(self.db, read_only=False).connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.con

    def try_acquire(self) -> bool:
        with mapped_errors(self.db):
            got = self._connection().execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
        return bool(got)

    def take_over(self, holder: Holder) -> bool:
        """The holder stopped beating (its host is gone): end its server session, which frees the lock."""
        if holder.backend_pid is None:
            return False
        with mapped_errors(self.db):
            ended = (
                self._connection()
                .execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": holder.backend_pid})
                .scalar()
            )
        return bool(ended)

    def still_held(self) -> bool:
        query = sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
        )
        with mapped_errors(self.db):
            return bool(self._connection().execute(query).scalar())

    def backend_pid(self) -> int | None:
        return int(self._connection().execute(sa.text("SELECT pg_backend_pid()")).scalar_one())

    def release(self) -> None:
        if self.con is None:
            return
        try:
            self.con.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        except sa.exc.DBAPIError:
            pass  # the session is gone (taken over, or the server restarted): so is its lock
        finally:
            self.con.close()
            self.con = None

    def describe(self) -> str:
        return f"advisory lock {self.key} on {self.db.display}"
