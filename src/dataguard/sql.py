"""The one place SQL identifiers are quoted. Values always go as parameters."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

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


ENGINE_MEMORY_ENV = "DATAGUARD_DUCKDB_MEMORY"
DEFAULT_ENGINE_MEMORY = "256MB"


def engine(scratch: object | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for heavy queries over Parquet, with a memory ceiling.

    Above the ceiling DuckDB spills to ``scratch`` instead of growing, which is
    what keeps a 10M-row version in the same memory as a 1M-row one.
    """
    import os

    import duckdb

    con = duckdb.connect()
    con.execute("SET memory_limit = $limit", {"limit": os.environ.get(ENGINE_MEMORY_ENV, DEFAULT_ENGINE_MEMORY)})
    con.execute("SET enable_progress_bar = false")  # it drew on stderr over the CLI's own output on long queries
    con.execute("SET parquet_metadata_cache = true")  # many queries over one wide file parse its footer once
    if scratch is not None:
        con.execute("SET temp_directory = $dir", {"dir": str(scratch)})
    return con
