"""The canonical copy of a CSV or JSON Lines source: Parquet, one row per record, in the source's order.

A row's ``_row_id`` is its position (see ``dataguard.common.rows``); only a
Parquet source with a column named like DuckDB's row number is rewritten here,
with ``_row_id`` stored first. Other Parquet sources are kept as they are
(``stored``).

Rows are counted twice, by two readers: a strict structural pass in Python that
knows where each record starts (``text``), and the typed reader (``readers``:
DuckDB or pyarrow). The counts must agree: a reader that skips, merges or
guesses away rows is refused.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataguard.common import progress
from dataguard.errors import SourceError
from dataguard.ingest.preflight import check_not_binary
from dataguard.ingest.readers import csv_batches, jsonl_batches, parquet_batches, parquet_records
from dataguard.ingest.text import count_jsonl_records, csv_records_and_width, utf8_copy
from dataguard.spec.source import RESERVED_COLUMNS, ROW_ID, SourceOptions

ROW_GROUP_ROWS = 100_000  # canonical files: row groups of at most this many rows
ROW_GROUP_BYTES = 64 << 20  # and about this much Arrow memory
DICTIONARY_MAX_DISTINCT = 0.5  # share of distinct values above which a column is written without a dictionary


def write_canonical(source: Path, fmt: str, out: Path, options: SourceOptions, scratch: Path) -> int:
    """Write ``out``; return the number of records."""
    if source.stat().st_size == 0:
        raise SourceError("the file is empty (0 bytes)", path=str(source))
    if fmt == "parquet":  # a column DuckDB's row number would clash with: the positions are stored
        return _write_batches(parquet_batches(source), out, source, parquet_records(source), row_ids=True)
    check_not_binary(source, fmt, options.encoding)
    text = utf8_copy(source, options.encoding, scratch)
    declared = options.declared_types()
    if fmt == "csv":
        expected, width = csv_records_and_width(text, source, options.csv_delimiter)
        batches = csv_batches(text, source, options.csv_delimiter, width, declared)
        return _write_batches(batches, out, source, expected)
    expected = count_jsonl_records(text, source)
    return _write_batches(jsonl_batches(text, source, declared), out, source, expected)


def _write_batches(
    batches: Iterator[pa.RecordBatch], out: Path, source: Path, expected: int, *, row_ids: bool = False
) -> int:
    if expected == 0:
        raise SourceError("the file has no data records (only a header, or blank)", path=str(source))
    writer: pq.ParquetWriter | None = None
    written = 0
    try:
        for table in _read_ahead(_row_groups(batches, source)):
            if row_ids:
                table = table.add_column(
                    0, ROW_ID, pa.array(np.arange(written, written + table.num_rows, dtype=np.int64))
                )
            if writer is None:
                writer = parquet_writer(out, table)
            writer.write_table(table, row_group_size=table.num_rows)
            written += table.num_rows
            progress.advance(table.num_rows)
    finally:
        if writer is not None:
            writer.close()
    if written != expected:
        raise SourceError(
            f"the reader returned {written} rows but the file holds {expected} records; "
            "refusing a read that skips, merges or invents rows",
            path=str(source),
        )
    return written


def _row_groups(batches: Iterator[pa.RecordBatch], source: Path) -> Iterator[pa.Table]:
    """The batches gathered into row groups of up to ROW_GROUP_ROWS rows and about ROW_GROUP_BYTES.

    A source cut into small row groups is not copied as many tiny ones. Larger
    groups write faster but cost more later: measured at 10M rows, 1M-row
    groups took ingest from 7.1 to 5.6 s, yet the split from 6.5 to 10.8 s
    (DuckDB's parallel COPY works a row group per thread) and the row checks'
    peak from 630 to 860 MiB; 100,000 rows is the best sum. The byte bound
    keeps a wide or text-heavy group, which every later reader holds whole, small.
    """
    pending: list[pa.RecordBatch] = []
    rows = size = 0
    for batch in batches:
        check_columns(batch.schema.names, source)
        if not batch.num_rows:
            continue
        pending.append(batch)
        rows, size = rows + batch.num_rows, size + batch.nbytes
        if rows >= ROW_GROUP_ROWS or size >= ROW_GROUP_BYTES:
            yield pa.Table.from_batches(pending)
            pending, rows, size = [], 0, 0
    if pending:
        yield pa.Table.from_batches(pending)


def check_columns(names: list[str], source: Path) -> None:
    """No reserved name, and no name twice (DuckDB resolves names case-insensitively)."""
    seen: dict[str, str] = {}
    for name in names:
        folded = name.lower()  # DuckDB resolves column names case-insensitively
        if folded in RESERVED_COLUMNS:
            raise SourceError(
                f"column name {name!r} is reserved by dataguard",
                path=str(source),
                column=name,
                hint="rename the column in the source; dataguard adds " + ", ".join(RESERVED_COLUMNS) + " itself",
            )
        if folded in seen:
            raise SourceError(
                f"column {name!r} appears twice (as {seen[folded]!r} too; names are case-insensitive)",
                path=str(source),
                column=name,
            )
        seen[folded] = name


def _read_ahead(tables: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """The tables, the next one read in a thread while this one is written (both release the GIL).

    One table is held ahead at most; an error of the reader is raised here, in order.
    """
    done = object()
    ahead: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        """Put ``item`` in the queue; False when the writer has stopped (it will never take it)."""
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for table in tables:
                if not hand_over(table):
                    return
            hand_over(done)
        except BaseException as exc:  # handed to the writer's thread, raised there
            hand_over(exc)

    reader = threading.Thread(target=read, name="dataguard-ingest-read", daemon=True)
    reader.start()
    try:
        while (item := ahead.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join()


# -- writing Parquet -------------------------------------------------------------------------


def dictionary_columns(table: pa.Table) -> list[str] | bool:
    """The Parquet columns of ``table`` worth dictionary encoding: those whose values repeat.

    pyarrow tries a dictionary for every column and falls back, page by page,
    once it outgrows its limit: for near-unique columns (ids, prices,
    timestamps, free text) that attempt was over a third of the write time,
    and the fallback pages came out larger than plain ones. ``table`` is the
    first row group; later ones are assumed alike. Nested columns keep
    pyarrow's default (a dictionary for each of their leaves). ``True``, the
    default for every column, when the leaves cannot be matched to the columns.
    """
    leaves = _leaf_paths(table.schema)
    if leaves is None:
        return True
    chosen: list[str] = []
    for column, paths in zip(table.columns, leaves, strict=True):
        if _repeats(column):
            chosen.extend(paths)
    return chosen


def _repeats(column: pa.ChunkedArray[Any]) -> bool:
    if pa.types.is_nested(column.type):
        return True
    try:
        distinct = pc.count_distinct(column, mode="all").as_py()
    except pa.ArrowNotImplementedError:  # a type without the kernel: pyarrow's default
        return True
    return bool(distinct <= DICTIONARY_MAX_DISTINCT * max(len(column), 1))


def _leaf_paths(schema: pa.Schema) -> list[list[str]] | None:
    """Each column's Parquet leaf paths (``tags.list.element``: what ``use_dictionary`` names), in order."""
    buffer = pa.BufferOutputStream()
    pq.write_table(schema.empty_table(), buffer)
    parquet_schema = pq.ParquetFile(pa.BufferReader(buffer.getvalue())).schema
    paths = [parquet_schema.column(i).path for i in range(len(parquet_schema))]
    counts = [_leaf_count(field.type) for field in schema]
    if sum(counts) != len(paths):
        return None
    starts = np.cumsum([0, *counts])
    return [paths[starts[i] : starts[i + 1]] for i in range(len(counts))]


def _leaf_count(arrow_type: pa.DataType) -> int:
    if pa.types.is_struct(arrow_type):
        return sum(_leaf_count(arrow_type.field(i).type) for i in range(arrow_type.num_fields))
    if pa.types.is_map(arrow_type):
        return _leaf_count(arrow_type.key_type) + _leaf_count(arrow_type.item_type)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_fixed_size_list(arrow_type):
        return _leaf_count(arrow_type.value_type)
    return 1


def parquet_writer(out: Path, first: pa.Table, schema: pa.Schema | None = None) -> pq.ParquetWriter:
    """A zstd Parquet writer for tables like ``first``, dictionary encoding only the columns that repeat."""
    dictionary: Any = dictionary_columns(first)  # pyarrow takes a list of column paths; its stubs say bool only
    return pq.ParquetWriter(out, schema or first.schema, compression="zstd", use_dictionary=dictionary)
