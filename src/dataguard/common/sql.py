"""The one place SQL identifiers are quoted. Values always go as parameters."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from dataguard.errors import BadInput

if TYPE_CHECKING:
    import duckdb


def quote_ident(name: str) -> str:
    """Quote a column or table name for DuckDB, doubling embedded quotes."""
    return '"' + name.replace('"', '""') + '"'


def column_list(names: Iterable[str]) -> str:
    return ", ".join(quote_ident(n) for n in names)


def quote_path(path: object) -> str:
    """A file path as a SQL string literal (DuckDB table functions need literals)."""
    return "'" + str(path).replace("'", "''") + "'"


T = TypeVar("T")
COLUMNS_PER_QUERY = 25  # DuckDB plans a query with thousands of aggregates in super-linear time


def column_chunks(items: Sequence[T]) -> list[Sequence[T]]:
    """``items`` in runs of COLUMNS_PER_QUERY, one query each; one empty run when there are none."""
    return [items[start : start + COLUMNS_PER_QUERY] for start in range(0, len(items), COLUMNS_PER_QUERY)] or [items]


ENGINE_MEMORY_ENV = "DATAGUARD_DUCKDB_MEMORY"
ENGINE_TEMP_ENV = "DATAGUARD_DUCKDB_TEMP"
ENGINE_THREADS_ENV = "DATAGUARD_DUCKDB_THREADS"
DEFAULT_ENGINE_MEMORY = "256MB"
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class EngineSettings:
    """How heavy DuckDB queries may use the machine, from the environment.

    memory_limit: DuckDB's ceiling (``DATAGUARD_DUCKDB_MEMORY``, default 256MB);
        above it, sorts, joins and groupings spill to ``temp_directory``.
    temp_directory: where they spill (``DATAGUARD_DUCKDB_TEMP``; default: the
        run's own folder, so spill files live and die with the run).
    threads: DuckDB worker threads (``DATAGUARD_DUCKDB_THREADS``; default: DuckDB's, one per core).
    """

    memory_limit: str = DEFAULT_ENGINE_MEMORY
    temp_directory: str | None = None
    threads: int | None = None

    @classmethod
    def from_env(cls) -> EngineSettings:
        memory = os.environ.get(ENGINE_MEMORY_ENV, "").strip() or DEFAULT_ENGINE_MEMORY
        if not _MEMORY.match(memory):
            raise BadInput(
                f"{ENGINE_MEMORY_ENV}={memory!r} is not a memory size",
                hint=f"use a number and a unit, such as {DEFAULT_ENGINE_MEMORY} or 2GB",
            )
        threads = os.environ.get(ENGINE_THREADS_ENV, "").strip()
        if threads and (not threads.isdigit() or int(threads) < 1):
            raise BadInput(f"{ENGINE_THREADS_ENV}={threads!r} is not a positive whole number", hint="such as 2")
        temp = os.environ.get(ENGINE_TEMP_ENV, "").strip() or None
        return cls(memory, temp, int(threads) if threads else None)


def engine(
    scratch: object | None = None, *, private: bool = False, flavour: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for heavy queries over Parquet, with a memory ceiling.

    Above the ceiling DuckDB spills to the configured temp directory (else
    ``scratch``) instead of growing, which is what keeps a 10M-row version in
    the same memory as a 1M-row one. See ``EngineSettings`` for the settings.

    A new DuckDB database costs about 11 ms, and a run asks for one per stage:
    the connection returned is a cursor of a database kept per thread and
    settings (so concurrent partitions keep a ceiling each, as before), which
    costs nothing. ``private``: a database of its own, for a caller that
    changes global settings (locks its configuration). ``flavour``: a kept
    database with one more global setting (``SET`` statement), for callers that
    need it every time (an optimizer disabled). Close the connection when done;
    the database stays for the next caller.
    """
    settings = EngineSettings.from_env()
    temp = settings.temp_directory or (str(scratch) if scratch is not None else None)
    if private:
        return _database(settings, temp)
    databases: dict[tuple[EngineSettings, str | None], tuple[duckdb.DuckDBPyConnection, str | None]] = (
        _PER_THREAD.__dict__.setdefault("databases", {})
    )
    key = (settings, flavour)
    kept = databases.pop(key, None)
    database = kept[0] if kept is not None and _spills_to(kept, temp) else _database(settings, temp, flavour)
    databases[key] = (database, temp)  # the newest last
    while len(databases) > KEPT_DATABASES:
        databases.pop(next(iter(databases)))[0].close()
    return database.cursor()


def _spills_to(kept: tuple[duckdb.DuckDBPyConnection, str | None], temp: str | None) -> bool:
    """Whether a kept database now spills to ``temp``: DuckDB moves its spill folder until it first spills
    (each run spills into its own folder); a database that spilled already is left to its run. A caller
    without a folder of its own (small work) spills where the kept database does."""
    import duckdb

    database, current = kept
    if temp is None or temp == current:
        return True
    try:
        database.execute("SET temp_directory = $dir", {"dir": temp})
    except duckdb.Error:
        return False
    return True


KEPT_DATABASES = 4
_PER_THREAD = threading.local()


def _database(settings: EngineSettings, temp: str | None, flavour: str | None = None) -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    con.execute("SET memory_limit = $limit", {"limit": settings.memory_limit})
    con.execute("SET enable_progress_bar = false")  # it drew on stderr over the CLI's own output on long queries
    con.execute("SET parquet_metadata_cache = true")  # many queries over one wide file parse its footer once
    if temp is not None:
        con.execute("SET temp_directory = $dir", {"dir": temp})
    if settings.threads is not None:
        con.execute("SET threads = $n", {"n": settings.threads})
    if flavour is not None:
        con.execute(flavour)
    return con
