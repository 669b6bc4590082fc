"""Typed readers of a source, as Arrow record batches: CSV and JSON Lines with DuckDB, Parquet with pyarrow."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dataguard.common.sql import quote_ident
from dataguard.errors import SourceError
from dataguard.ingest.text import csv_header, longest_csv_record_bytes
from dataguard.spec.source import CASTS_THAT_CANNOT_FAIL, NAMED_TYPES

BATCH_ROWS = 100_000


def _text_types(header: list[str], declared: Mapping[str, str]) -> dict[str, str]:
    """read_csv ``types`` for the header's columns declared as text (``declared``: folded names).

    Only these are given to the reader: its inference would lose what makes them text (leading
    zeros, digits past any integer type), and reading any value as text cannot fail.
    """
    return {name: "VARCHAR" for name in header if declared.get(name.lower()) == "VARCHAR"}


def csv_batches(
    text: Path, source: Path, delimiter: str, width: int, declared: Mapping[str, str]
) -> Iterator[pa.RecordBatch]:
    # A fixed dialect: the sniffer may skip "junk" lines or fall back to one column.
    query = """SELECT * FROM read_csv($path, delim = $delim, quote = '"', escape = '"', header = true,
                 skip = 0, comment = '', strict_mode = true, null_padding = false, ignore_errors = false,
                 allow_quoted_nulls = false, sample_size = -1, max_line_size = $max_line{types})"""
    params: dict[str, object] = {
        "path": str(text),
        "delim": delimiter,
        "max_line": longest_csv_record_bytes(width),
    }
    types = _text_types(csv_header(text, delimiter), declared)
    if types:
        params["types"] = types
    query = query.format(types=", types = $types" if types else "")
    if width == 1:  # DuckDB reads a blank line of a one-column file as a NULL row; it is no record
        query += " WHERE COLUMNS(*) IS NOT NULL"
    yield from _duckdb_batches(query, params, source, declared)


def _duckdb_batches(
    query: str, params: dict[str, object], source: Path, declared: Mapping[str, str]
) -> Iterator[pa.RecordBatch]:
    con = _reading_connection()
    con.execute("SET TimeZone = 'UTC'")  # timestamps read the same on every machine
    try:
        relation = _as_declared(con.sql(query, params=params), declared)
        reader = relation.to_arrow_reader(BATCH_ROWS)
        yield from reader
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        raise SourceError(f"DuckDB could not read the file: {first}", path=str(source)) from exc
    finally:
        con.close()


_READERS: list[duckdb.DuckDBPyConnection] = []  # one database for the process's readers, made on first use
_READERS_LOCK = threading.Lock()


def _reading_connection() -> duckdb.DuckDBPyConnection:
    """A cursor of the process's reading database: a new DuckDB database costs about 15 ms, and the
    reader runs in a thread of its own each time, so a per-thread database would be new every time."""
    with _READERS_LOCK:
        if not _READERS:
            _READERS.append(duckdb.connect())
        return _READERS[0].cursor()


def jsonl_batches(text: Path, source: Path, declared: Mapping[str, str]) -> Iterator[pa.RecordBatch]:
    # read_json's ``columns`` would drop every column it does not name: the declared types are cast to instead
    query = "SELECT * FROM read_json($path, format = 'newline_delimited', sample_size = -1)"
    yield from _duckdb_batches(query, {"path": str(text)}, source, declared)


# -- declared types -----------------------------------------------------------------------------


def _as_declared(relation: duckdb.DuckDBPyRelation, declared: Mapping[str, str]) -> duckdb.DuckDBPyRelation:
    """``relation`` with each column whose inferred type converts to its declared one without fail cast to it.

    DuckDB has inferred every column from all its values (``sample_size = -1``) when the
    relation is bound, so which casts are safe is known before a row is read.
    """
    casts = [
        (name, declared[name.lower()])
        for name, inferred in zip(relation.columns, relation.types, strict=True)
        if _cast_cannot_fail(str(inferred), declared.get(name.lower()))
    ]
    if not casts:
        return relation
    replaced = ", ".join(f"CAST({quote_ident(name)} AS {kind}) AS {quote_ident(name)}" for name, kind in casts)
    return relation.project(f"* REPLACE ({replaced})")


def _cast_cannot_fail(inferred: str, declared: str | None) -> bool:
    if declared is None or inferred == declared:
        return False
    if inferred == '"NULL"':  # JSON Lines: a key that is null on every line
        return declared in NAMED_TYPES
    return inferred in CASTS_THAT_CANNOT_FAIL.get(declared, ())


# -- Parquet --------------------------------------------------------------------------------


def _open_parquet(source: Path) -> pq.ParquetFile:
    try:  # pages written with checksums are verified: a flipped bit is refused, not read as data
        return pq.ParquetFile(source, page_checksum_verification=True)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"not a readable Parquet file: {exc}", path=str(source)) from exc


def parquet_records(source: Path) -> int:
    return int(_open_parquet(source).metadata.num_rows)


def parquet_batches(source: Path) -> Iterator[pa.RecordBatch]:
    parquet = _open_parquet(source)
    for group in range(parquet.num_row_groups):
        try:
            yield from parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=[group])
        except (pa.ArrowException, OSError) as exc:
            raise SourceError(f"row group {group} cannot be read: {exc}", path=str(source)) from exc
