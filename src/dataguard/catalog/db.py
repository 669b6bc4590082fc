"""Connections to the catalog: readers that never write, writers one transaction at a time.

Two backends, one code path (SQLAlchemy Core):

- embedded (the default): ``<warehouse>/catalog.sqlite``, SQLite in WAL mode.
  Any number of processes read while one writes; a reader never waits for a
  writer. Writers take the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``) and wait
  for each other up to the catalog's wait.
- PostgreSQL for a team: ``DATAGUARD_CATALOG_URL=postgresql://...`` (or
  ``catalog_url`` in the project's ``dataguard.toml``). Readers run read-only
  transactions, so the server itself refuses a write from a reader.

The URL's password is never shown: ``CatalogDB.display`` masks it, and every
error message from the database layer is scrubbed of it.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from dataguard.catalog import schema
from dataguard.catalog.address import CONNECT_TIMEOUT_SECONDS, CatalogDB, wait_seconds
from dataguard.errors import CatalogBusy, CatalogUnavailable, CouldNotRun, DataguardError, StorageFull

CATALOG_WAIT_SECONDS = 60.0  # a writer waits this long for another writer's transaction, then exits 3

_VERSION_TABLE = sa.Table(  # Alembic's own bookkeeping table, written here only when a new catalog is stamped
    "alembic_version", sa.MetaData(), sa.Column("version_num", sa.String(32), primary_key=True)
)


# -- engines ------------------------------------------------------------------------

_ENGINES: dict[tuple[str, bool], Engine] = {}


def engine(db: CatalogDB, *, read_only: bool) -> Engine:
    key = (db.url, read_only)
    made = _ENGINES.get(key)
    if made is None:
        made = _sqlite_engine(db, read_only) if db.backend == "sqlite" else _server_engine(db, read_only)
        _ENGINES[key] = made
    return made


def dispose(db: CatalogDB) -> None:
    """Close this process's pooled connections to ``db`` (a server's pool holds a few open between uses)."""
    for read_only in (True, False):
        made = _ENGINES.pop((db.url, read_only), None)
        if made is not None:
            made.dispose()


def _sqlite_engine(db: CatalogDB, read_only: bool) -> Engine:
    file = db.file
    assert file is not None
    wait = wait_seconds(CATALOG_WAIT_SECONDS)
    if read_only:
        # mode=ro: this connection cannot write; immutable when the folder is read-only (a read-only mount)
        flags = "mode=ro" if os.access(file.parent, os.W_OK) else "immutable=1"
        url = sa.URL.create("sqlite+pysqlite", database=f"file:{file}?{flags}", query={"uri": "true"})
    else:
        url = sa.URL.create("sqlite+pysqlite", database=str(file))
    made = sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": wait, "isolation_level": None})

    @event.listens_for(made, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        if not read_only:
            cursor.execute("PRAGMA journal_mode = WAL")  # readers go on while one writer writes
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable at each checkpoint; WAL keeps it consistent
        cursor.close()

    @event.listens_for(made, "begin")
    def _begin(connection: Connection) -> None:
        # a writer takes the write lock at once, so two writers queue instead of failing on upgrade
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return made


def _server_engine(db: CatalogDB, read_only: bool) -> Engine:
    args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": "dataguard"}
    if read_only:
        args["options"] = "-c default_transaction_read_only=on"  # the server refuses any write from a reader
    return sa.create_engine(db.sa_url, pool_pre_ping=True, pool_size=2, max_overflow=8, connect_args=args)


# -- connections --------------------------------------------------------------------

_SESSION: contextvars.ContextVar[tuple[str, Connection] | None] = contextvars.ContextVar(
    "dataguard_catalog_session", default=None
)
_CHECKED: set[tuple[str, int]] = set()


@contextmanager
def reading(db: CatalogDB) -> Iterator[Connection | None]:
    """A read-only connection in one transaction (one snapshot); None while there is no catalog yet."""
    held = _SESSION.get()
    if held is not None and held[0] == db.url:
        yield held[1]
        return
    if not db.exists():
        refuse_a_legacy_catalog(db)
        yield None
        return
    with mapped_errors(db), engine(db, read_only=True).connect() as con, con.begin():
        yield con if _schema_ready(db, con, create=False) else None


@contextmanager
def session(db: CatalogDB) -> Iterator[None]:
    """Within the block, every catalog read of ``db`` shares one connection and one snapshot."""
    if _SESSION.get() is not None:
        yield
        return
    with reading(db) as con:
        if con is None:
            yield
            return
        token = _SESSION.set((db.url, con))
        try:
            yield
        finally:
            _SESSION.reset(token)


@contextmanager
def writing(db: CatalogDB) -> Iterator[Connection]:
    """One write transaction: all of it lands or none of it. A new catalog is created first."""
    file = db.file
    if file is not None:
        if not file.exists():
            refuse_a_legacy_catalog(db)
        file.parent.mkdir(parents=True, exist_ok=True)
    with mapped_errors(db), engine(db, read_only=False).connect() as con, con.begin():
        _schema_ready(db, con, create=True)
        yield con


LEGACY_NAME = "catalog.duckdb"


def refuse_a_legacy_catalog(db: CatalogDB) -> None:
    """A warehouse whose catalog is still dataguard 0.1's DuckDB file: never start an empty one beside it."""
    file = db.file
    legacy = None if file is None else file.with_name(LEGACY_NAME)
    if legacy is not None and legacy.is_file():
        raise CatalogUnavailable(
            f"this warehouse's catalog is {legacy}, the DuckDB file of dataguard 0.1; the catalog is now {db.display}",
            hint=f"move it over once: dataguard catalog migrate --from {legacy}",
        )


def _schema_ready(db: CatalogDB, con: Connection, *, create: bool) -> bool:
    """True when the catalog has this dataguard's schema; creates it (writers) when the catalog is empty.

    An older or newer schema is ``CatalogUnavailable`` naming the fix. Checked once per catalog per process.
    """
    key = (db.url, _file_identity(db))
    if key in _CHECKED:
        return True
    revision = _revision(con)
    if revision is None:
        if not create:
            return False
        _create(con)
        revision = schema.HEAD
    if revision != schema.HEAD:
        raise outdated(db, revision)
    _CHECKED.add(key)
    return True


def _file_identity(db: CatalogDB) -> int:
    file = db.file
    return file.stat().st_ino if file is not None and file.exists() else 0  # a file made anew is another catalog


_HAS_VERSION_TABLE = {  # asked of the database directly: an Inspector costs more than the gate's own reads
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'",
    "postgresql": "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'alembic_version' "
    "AND schemaname = ANY (current_schemas(false))",
}


def _revision(con: Connection) -> str | None:
    if not con.exec_driver_sql(_HAS_VERSION_TABLE[con.dialect.name]).scalar():
        return None
    return con.execute(sa.select(_VERSION_TABLE.c.version_num)).scalar()


def _create(con: Connection) -> None:
    """A new catalog at ``HEAD`` (as Alembic advises: create from the metadata, then stamp)."""
    if con.dialect.name == "postgresql":  # two first writers at once: one creates, the other waits and sees it
        con.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x6461746167756172})
        if _revision(con) is not None:
            return
    schema.metadata.create_all(con)
    _VERSION_TABLE.create(con, checkfirst=True)
    con.execute(_VERSION_TABLE.insert().values(version_num=schema.HEAD))


def outdated(db: CatalogDB, revision: str) -> CatalogUnavailable:
    if revision < schema.HEAD:
        return CatalogUnavailable(
            f"the catalog {db.display} has schema revision {revision}; this dataguard needs {schema.HEAD}",
            hint="dataguard catalog upgrade",
        )
    return CatalogUnavailable(
        f"the catalog {db.display} has schema revision {revision}, newer than this dataguard's {schema.HEAD}",
        hint="upgrade dataguard on this machine (pip install -U dataguard)",
    )


def forget_checks() -> None:
    """After a migration: check the schema again on the next use."""
    _CHECKED.clear()


@contextmanager
def mapped_errors(db: CatalogDB) -> Iterator[None]:
    """Database errors a person can act on become exit 3 with what to fix; the password never shows."""
    try:
        yield
    except DataguardError:
        raise
    except exc.DBAPIError as error:
        if not _about_the_database(db, error):
            raise  # a query dataguard got wrong: a bug, shown as one
        raise _could_not_run(db, error) from None


SQLITE_MACHINE_ERRORS = ("locked", "unable to open", "disk i/o", "disk is full", "not a database", "readonly")


def _about_the_database(db: CatalogDB, error: exc.DBAPIError) -> bool:
    """The machine, not the query: the server down, a login refused, a file locked, full or unreadable."""
    if error.connection_invalidated:
        return True
    if db.backend == "sqlite":
        return isinstance(error, exc.OperationalError) and any(
            text in str(error.orig).lower() for text in SQLITE_MACHINE_ERRORS
        )
    return isinstance(error, exc.OperationalError)


def _could_not_run(db: CatalogDB, error: exc.DBAPIError) -> CouldNotRun:
    detail = db.scrub(str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error).__name__)
    if db.backend == "sqlite" and "disk is full" in detail:
        return StorageFull(f"no space left to write the catalog {db.display}; nothing was recorded")
    if db.backend == "sqlite" and "locked" in detail:
        wait = wait_seconds(CATALOG_WAIT_SECONDS)
        return CatalogBusy(
            f"catalog {db.display} stayed locked by another writer for {wait:.0f} s",
            hint="another process is writing the catalog: retry when it finishes, "
            "or wait longer (DATAGUARD_LOCK_WAIT_SECONDS)",
        )
    return CatalogUnavailable(
        f"cannot use the catalog {db.display}: {detail}",
        hint="check that the database is up and DATAGUARD_CATALOG_URL (or dataguard.toml) names it, "
        "with a password from ~/.pgpass or PGPASSWORD",
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def server_now(con: Connection) -> datetime:
    """The database's clock where there is a server (leases compare times from many hosts), else this one."""
    if con.dialect.name == "postgresql":
        value = con.execute(sa.text("SELECT clock_timestamp()")).scalar()
        assert isinstance(value, datetime)
        return value.astimezone(UTC)
    return utcnow()
