"""Ingest: a source file (CSV, Parquet, JSON Lines) becomes a canonical Parquet
file with ``_row_id`` (the record's position in the source), and a version.

Rows are counted twice, by two readers: a strict structural pass in Python that
knows where each record starts, and the typed reader (DuckDB or pyarrow). The
counts must agree: a reader that skips, merges or guesses away rows is refused.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import queue
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy.engine import Connection

from dataguard import catalog
from dataguard.catalog.locks import Held, dataset_lock
from dataguard.common import progress
from dataguard.common.faults import fault_point
from dataguard.common.integrity import fingerprint
from dataguard.common.sql import quote_ident
from dataguard.errors import SourceError, StorageFull, is_storage_full
from dataguard.ingest.preflight import check_not_binary, source_format
from dataguard.project import Project, check_dataset_name
from dataguard.spec.source import CASTS_THAT_CANNOT_FAIL, NAMED_TYPES, RESERVED_COLUMNS, ROW_ID, SourceOptions

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

CHUNK_BYTES = 8 << 20
BATCH_ROWS = 100_000
ROW_GROUP_ROWS = 100_000  # canonical files: row groups of at most this many rows
ROW_GROUP_BYTES = 64 << 20  # and about this much Arrow memory
STAGING = ".staging"
CSV_MAX_FIELD_CHARS = 64 << 20
"""The most characters one CSV field may hold (64 Mi: at least 64 MiB of text). A longer field is
refused by the strict pass, naming the line its record starts on. The csv module checks it as it
reads, at no cost per record; DuckDB's own limit on a record (2 MB by default, and named at the
wrong line) is raised past any record whose every field is within this one (``_duckdb_line_limit``)."""


@dataclass(frozen=True)
class Ingested:
    version: catalog.VersionRecord
    new: bool


def ingest(project: Project, dataset: str, source: Path, options: SourceOptions = SourceOptions()) -> Ingested:
    """Register ``source`` as a version of ``dataset``; identical bytes give the existing one."""
    source = Path(source)
    check_dataset_name(dataset)
    project.confined(project.warehouse / dataset)
    fmt = source_format(source)
    if not source.is_file():
        raise SourceError("no such file", path=str(source))
    digest = fingerprint(source)
    existing = catalog.find_version(project.catalog, dataset, fingerprint=digest)
    if existing:  # no lock needed to find what is already there
        return Ingested(existing, new=False)
    with dataset_lock(project, dataset) as held:
        remove_dead_staging(project, dataset, held.lease)
        staging = project.warehouse / STAGING / f"{dataset}-{held.lease}"
        staging.mkdir(parents=True, exist_ok=True)
        try:
            rows = _write_staged(source, fmt, staging / "source.parquet", options, staging)
            fault_point("ingest.staged")
            result = _register(project, held, source, fmt, digest, rows, staging)
            fault_point("ingest.registered")
            return result
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _write_staged(source: Path, fmt: str, out: Path, options: SourceOptions, scratch: Path) -> int:
    try:
        return write_canonical(source, fmt, out, options, scratch)
    except (OSError, duckdb.Error, pa.ArrowException) as exc:
        if is_storage_full(exc):
            raise StorageFull(f"no space left to write the canonical copy of {source} in {scratch}") from exc
        raise


def remove_dead_staging(project: Project, dataset: str, lease: str) -> None:
    """Staging folders of this dataset's earlier writers (killed mid-ingest): holding its lock proves them dead."""
    root = project.warehouse / STAGING
    if not root.is_dir():
        return
    for folder in root.glob(f"{dataset}-*"):
        if folder.name != f"{dataset}-{lease}":
            shutil.rmtree(folder, ignore_errors=True)


def _register(project: Project, held: Held, source: Path, fmt: str, digest: str, rows: int, staging: Path) -> Ingested:
    with catalog.writing(project.catalog) as con:
        held.fence(con)
        if catalog.fingerprint_known(con, held.dataset, digest):  # registered meanwhile by a writer we waited for
            record = None
        else:
            record = _move_and_insert(con, project, held.dataset, source, fmt, digest, rows, staging)
    if record is None:
        existing = catalog.find_version(project.catalog, held.dataset, fingerprint=digest)
        assert existing is not None
        return Ingested(existing, new=False)
    return Ingested(record, new=True)


def _move_and_insert(
    con: Connection,
    project: Project,
    dataset: str,
    source: Path,
    fmt: str,
    digest: str,
    rows: int,
    staging: Path,
) -> catalog.VersionRecord:
    number = catalog.next_version_number(con, dataset)
    folder = project.confined(project.warehouse / dataset / str(number))
    if folder.exists():  # left behind by a run that crashed before its commit
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    try:
        data_path = folder / "source.parquet"
        os.replace(staging / "source.parquet", data_path)
        record = catalog.VersionRecord(
            dataset=dataset,
            version=number,
            fingerprint=digest,
            source_path=str(source.resolve()),
            source_format=fmt,
            size_bytes=source.stat().st_size,
            rows=rows,
            data_path=str(data_path),
            status="ingested",
            created=datetime.now(UTC),
        )
        catalog.insert_version(con, record)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # the transaction rolls back; leave no orphan folder
        raise
    return record


def write_canonical(source: Path, fmt: str, out: Path, options: SourceOptions, scratch: Path) -> int:
    """Write ``out`` with ``_row_id`` first; return the number of records."""
    if source.stat().st_size == 0:
        raise SourceError("the file is empty (0 bytes)", path=str(source))
    if fmt == "parquet":
        return _write_batches(_parquet_batches(source), out, source, _parquet_records(source))
    check_not_binary(source, fmt, options.encoding)
    text = _utf8_copy(source, options.encoding, scratch)
    declared = options.declared_types()
    if fmt == "csv":
        expected, width = _count_csv(text, source, options.csv_delimiter)
        batches = _csv_batches(text, source, options.csv_delimiter, width, declared)
        return _write_batches(batches, out, source, expected)
    expected = count_jsonl_records(text, source)
    return _write_batches(_jsonl_batches(text, source, declared), out, source, expected)


def _write_batches(batches: Iterator[pa.RecordBatch], out: Path, source: Path, expected: int) -> int:
    if expected == 0:
        raise SourceError("the file has no data records (only a header, or blank)", path=str(source))
    writer: pq.ParquetWriter | None = None
    written = 0
    try:
        for table in _read_ahead(_row_groups(batches, source)):
            ids = pa.array(np.arange(written, written + table.num_rows, dtype=np.int64))
            table = table.add_column(0, ROW_ID, ids)
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


DICTIONARY_MAX_DISTINCT = 0.5  # share of distinct values above which a column is written without a dictionary


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
        _check_reserved(batch.schema.names, source)
        if not batch.num_rows:
            continue
        pending.append(batch)
        rows, size = rows + batch.num_rows, size + batch.nbytes
        if rows >= ROW_GROUP_ROWS or size >= ROW_GROUP_BYTES:
            yield pa.Table.from_batches(pending)
            pending, rows, size = [], 0, 0
    if pending:
        yield pa.Table.from_batches(pending)


def _check_reserved(names: list[str], source: Path) -> None:
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


# -- text encodings ------------------------------------------------------------------


def _utf8_copy(source: Path, encoding: str, scratch: Path) -> Path:
    """The source itself when it is valid UTF-8; else a UTF-8 copy of it (declared encoding)."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise SourceError(
            f"unknown text encoding {encoding!r}",
            path=str(source),
            hint="set Contract(encoding=...) to a Python codec name such as 'utf-8', 'latin-1' or 'cp1252'",
        ) from exc
    if codec == "utf-8":
        check_utf8(source)
        return source
    target = scratch / ("decoded" + source.suffix)
    try:
        with source.open(encoding=encoding, newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
            shutil.copyfileobj(src, dst, CHUNK_BYTES)
    except UnicodeDecodeError as exc:
        raise SourceError(f"bytes that are not valid {encoding}: {exc.reason}", path=str(source)) from exc
    return target


def check_utf8(path: Path) -> None:
    """Raise with line and column of the first byte sequence that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    tail = 0  # bytes since the last newline, to place the column
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            pending = decoder.getstate()[0]  # a character cut by the previous chunk's end
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                _raise_not_utf8(path, chunk, pending, exc.start, lines_before, tail, exc)
            lines_before += chunk.count(b"\n")
            last_nl = chunk.rfind(b"\n")
            tail = len(chunk) - last_nl - 1 if last_nl >= 0 else tail + len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise SourceError("the file ends inside a UTF-8 character (truncated)", path=str(path)) from exc


def _raise_not_utf8(
    path: Path, chunk: bytes, pending: bytes, start: int, lines_before: int, tail: int, exc: UnicodeDecodeError
) -> NoReturn:
    bad = start - len(pending)  # offset in the chunk; negative when the sequence began in the chunk before
    before = chunk[: max(bad, 0)]
    last_nl = before.rfind(b"\n")
    column = bad - last_nl if last_nl >= 0 else tail + bad + 1
    byte = (pending + chunk)[start]
    raise SourceError(
        f"byte 0x{byte:02x} is not valid UTF-8 (byte column {column}); the file is not UTF-8 encoded",
        path=str(path),
        line=lines_before + before.count(b"\n") + 1,
        hint="declare the file's encoding in the contract, e.g. Contract(encoding='latin-1')",
    ) from exc


# -- CSV --------------------------------------------------------------------------------


def count_csv_records(text: Path, source: Path, delimiter: str) -> int:
    """Count records with a strict parser, refusing ragged rows and broken quotes."""
    return _count_csv(text, source, delimiter)[0]


def _count_csv(text: Path, source: Path, delimiter: str) -> tuple[int, int]:
    """(records, fields per record)."""
    with text.open(encoding="utf-8", newline="") as handle, _csv_field_limit(CSV_MAX_FIELD_CHARS):
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        try:
            header = next(reader, None)
            if not header or header == [""]:
                raise SourceError("the file has no header row", path=str(source), line=1)
            _check_header(header, source)
            return _count_records(reader, header, source), len(header)
        except csv.Error as exc:
            if _over_field_limit(exc):
                raise _field_too_long(source, 1) from exc
            raise SourceError(f"malformed CSV: {exc}", path=str(source), line=reader.line_num) from exc


def _over_field_limit(exc: csv.Error) -> bool:
    return str(exc).startswith("field larger than field limit")


def _field_too_long(source: Path, line: int) -> SourceError:
    return SourceError(
        f"a field of the record starting on this line is longer than {CSV_MAX_FIELD_CHARS:,} characters, "
        "the most a CSV field may hold",
        path=str(source),
        line=line,
        hint="store values this large in a Parquet file",
    )


def _count_records(reader: CsvReader, header: list[str], source: Path) -> int:
    records = 0
    end = reader.line_num  # the line the previous record ended on
    try:
        for record in reader:
            end = reader.line_num
            if not record:
                continue  # blank line: no record
            if len(record) != len(header):
                raise _ragged(source, end, header, record, first=records == 0)
            if record == [""]:  # DuckDB reads a quoted "" like a blank line in a one-column file
                raise SourceError(
                    "empty value in a one-column file; it cannot be told from a blank line",
                    path=str(source),
                    line=end,
                    hint="remove the line, or write a value in it",
                )
            records += 1
    except csv.Error as exc:
        if _over_field_limit(exc):  # the field is cut where the limit is reached: name where its record starts
            raise _field_too_long(source, end + 1) from exc
        if str(exc) != "unexpected end of data":
            raise
        raise SourceError(
            f"a quoted field is never closed: the record starting on this line runs to the end of the file "
            f"(line {reader.line_num})",
            path=str(source),
            line=end + 1,
            hint='close the quote; a quote inside a quoted field is written twice ("")',
        ) from exc
    return records


def _ragged(source: Path, line: int, header: list[str], record: list[str], *, first: bool) -> SourceError:
    if first:  # e.g. a title line above the header: a sniffing reader would silently skip it
        hint = "line 1 is taken as the header; remove any lines above the real header"
    else:
        hint = "every row must have as many fields as the header; quote fields that hold the delimiter"
    message = f"expected {_fields(len(header))} (as in the header), found {len(record)}"
    return SourceError(message, path=str(source), line=line, hint=hint)


def _fields(count: int) -> str:
    return f"{count} field" if count == 1 else f"{count} fields"


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _check_header(header: list[str], source: Path) -> None:
    seen: dict[str, str] = {}
    for position, name in enumerate(header, start=1):
        if not name.strip():
            raise SourceError("empty column name in the header", path=str(source), line=1, column=position)
        if "\n" in name or "\r" in name:  # DuckDB's CSV reader cannot take a header record over two lines
            raise SourceError(
                f"column name {name!r} holds a line break, which a CSV header cannot carry reliably",
                path=str(source),
                line=1,
                column=position,
                hint="rename the column in the source (Parquet keeps such names)",
            )
        folded = name.lower()  # DuckDB treats column names case-insensitively
        if folded in seen:
            raise SourceError(
                f"column {name!r} appears twice in the header (as {seen[folded]!r} too; names are case-insensitive)",
                path=str(source),
                line=1,
                column=position,
            )
        seen[folded] = name


def _csv_header(text: Path, delimiter: str) -> list[str]:
    with text.open(encoding="utf-8-sig", newline="") as handle, _csv_field_limit(CSV_MAX_FIELD_CHARS):
        return next(csv.reader(handle, delimiter=delimiter), [])


def _text_types(header: list[str], declared: Mapping[str, str]) -> dict[str, str]:
    """read_csv ``types`` for the header's columns declared as text (``declared``: folded names).

    Only these are given to the reader: its inference would lose what makes them text (leading
    zeros, digits past any integer type), and reading any value as text cannot fail.
    """
    return {name: "VARCHAR" for name in header if declared.get(name.lower()) == "VARCHAR"}


def _csv_batches(
    text: Path, source: Path, delimiter: str, width: int, declared: Mapping[str, str]
) -> Iterator[pa.RecordBatch]:
    # A fixed dialect: the sniffer may skip "junk" lines or fall back to one column.
    query = """SELECT * FROM read_csv($path, delim = $delim, quote = '"', escape = '"', header = true,
                 skip = 0, comment = '', strict_mode = true, null_padding = false, ignore_errors = false,
                 allow_quoted_nulls = false, sample_size = -1, max_line_size = $max_line{types})"""
    params: dict[str, object] = {
        "path": str(text),
        "delim": delimiter,
        "max_line": _duckdb_line_limit(width),
    }
    types = _text_types(_csv_header(text, delimiter), declared)
    if types:
        params["types"] = types
    query = query.format(types=", types = $types" if types else "")
    if width == 1:  # DuckDB reads a blank line of a one-column file as a NULL row; it is no record
        query += " WHERE COLUMNS(*) IS NOT NULL"
    yield from _duckdb_batches(query, params, source, declared)


def _duckdb_line_limit(width: int) -> int:
    """Bytes in the longest record of ``width`` fields within CSV_MAX_FIELD_CHARS: a character is at most
    4 bytes of UTF-8 (a doubled quote 2), then two quotes, a delimiter, and CR of a CRLF line break."""
    return width * (4 * CSV_MAX_FIELD_CHARS + 4)


def _duckdb_batches(
    query: str, params: dict[str, object], source: Path, declared: Mapping[str, str]
) -> Iterator[pa.RecordBatch]:
    con = duckdb.connect()
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


# -- JSON Lines ---------------------------------------------------------------------------


def count_jsonl_records(text: Path, source: Path) -> int:
    """Count records: every non-blank line must be one JSON object."""
    records = 0
    keys: dict[str, str] = {}  # folded key -> first spelling seen
    with text.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SourceError(f"invalid JSON: {exc.msg}", path=str(source), line=number, column=exc.colno) from exc
            if not isinstance(value, dict):
                raise SourceError(
                    f"each line must be a JSON object, found {type(value).__name__}", path=str(source), line=number
                )
            _check_keys(value, keys, source, number)
            records += 1
    return records


def _check_keys(value: dict[str, object], keys: dict[str, str], source: Path, line: int) -> None:
    """DuckDB would rename a key that differs from another only by case (``A`` -> ``A_1``); refuse it."""
    for key in value:
        spelling = keys.setdefault(key.lower(), key)
        if spelling != key:
            raise SourceError(
                f"key {key!r} differs from key {spelling!r} only by case; column names are case-insensitive",
                path=str(source),
                line=line,
            )


def _jsonl_batches(text: Path, source: Path, declared: Mapping[str, str]) -> Iterator[pa.RecordBatch]:
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


def _parquet_records(source: Path) -> int:
    return int(_open_parquet(source).metadata.num_rows)


def _parquet_batches(source: Path) -> Iterator[pa.RecordBatch]:
    parquet = _open_parquet(source)
    for group in range(parquet.num_row_groups):
        try:
            yield from parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=[group])
        except (pa.ArrowException, OSError) as exc:
            raise SourceError(f"row group {group} cannot be read: {exc}", path=str(source)) from exc
