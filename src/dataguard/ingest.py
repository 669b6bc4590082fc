"""Ingest: a source file (CSV, Parquet, JSON Lines) becomes a canonical Parquet
file with ``_row_id`` (the record's position in the source), and a version.

Rows are counted twice, by two readers: a strict structural pass in Python that
knows where each record starts, and the typed reader (DuckDB or pyarrow). The
counts must agree: a reader that skips, merges or guesses away rows is refused.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dataguard import catalog
from dataguard.errors import SourceError
from dataguard.project import Project

ROW_ID = "_row_id"
RESERVED_COLUMNS = (ROW_ID, "_reasons")
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CHUNK_BYTES = 8 << 20
BATCH_ROWS = 100_000


@dataclass(frozen=True)
class SourceOptions:
    encoding: str = "utf-8"
    csv_delimiter: str = ","


@dataclass(frozen=True)
class Ingested:
    version: catalog.VersionRecord
    new: bool


def ingest(project: Project, dataset: str, source: Path, options: SourceOptions = SourceOptions()) -> Ingested:
    """Register ``source`` as a version of ``dataset``; identical bytes give the existing one."""
    source = Path(source)
    fmt = source_format(source)
    if not source.is_file():
        raise SourceError("no such file", path=str(source))
    digest = fingerprint(source)
    existing = catalog.find_version(project.catalog_path, dataset, fingerprint=digest)
    if existing:
        return Ingested(existing, new=False)
    staging = project.warehouse / ".staging" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        rows = write_canonical(source, fmt, staging / "source.parquet", options, staging)
        return _register(project, dataset, source, fmt, digest, rows, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _register(project: Project, dataset: str, source: Path, fmt: str, digest: str, rows: int, staging: Path) -> Ingested:
    with catalog.transaction(project.catalog_path) as con:
        number = catalog.next_version_number(con, dataset)
        folder = project.warehouse / dataset / str(number)
        if folder.exists():  # left behind by a run that crashed before its commit
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        data_path = folder / "source.parquet"
        os.replace(staging / "source.parquet", data_path)
        record = catalog.VersionRecord(
            dataset=dataset, version=number, fingerprint=digest, source_path=str(source.resolve()),
            source_format=fmt, size_bytes=source.stat().st_size, rows=rows, data_path=str(data_path),
            status="ingested", created=datetime.now(UTC),
        )
        catalog.insert_version(con, record)
    return Ingested(record, new=True)


def source_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(
            f"unsupported file type {path.suffix!r}",
            path=str(path),
            hint="dataguard reads " + ", ".join(sorted(FORMATS)),
        )
    return fmt


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def write_canonical(source: Path, fmt: str, out: Path, options: SourceOptions, scratch: Path) -> int:
    """Write ``out`` with ``_row_id`` first; return the number of records."""
    if source.stat().st_size == 0:
        raise SourceError("the file is empty (0 bytes)", path=str(source))
    if fmt == "parquet":
        return _write_batches(_parquet_batches(source), out, source, _parquet_records(source))
    text = _utf8_copy(source, options.encoding, scratch)
    if fmt == "csv":
        expected = count_csv_records(text, source, options.csv_delimiter)
        return _write_batches(_csv_batches(text, source, options.csv_delimiter), out, source, expected)
    expected = count_jsonl_records(text, source)
    return _write_batches(_jsonl_batches(text, source), out, source, expected)


def _write_batches(batches: Iterator[pa.RecordBatch], out: Path, source: Path, expected: int) -> int:
    if expected == 0:
        raise SourceError("the file has no data records (only a header, or blank)", path=str(source))
    writer: pq.ParquetWriter | None = None
    written = 0
    try:
        for batch in batches:
            _check_reserved(batch.schema.names, source)
            ids = pa.array(range(written, written + batch.num_rows), type=pa.int64())
            table = pa.Table.from_batches([batch]).add_column(0, ROW_ID, ids)
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema, compression="zstd")
            writer.write_table(table)
            written += batch.num_rows
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


def _check_reserved(names: list[str], source: Path) -> None:
    for name in names:
        if name in RESERVED_COLUMNS:
            raise SourceError(f"column name {name!r} is reserved by dataguard", path=str(source), column=name)


# -- text encodings ------------------------------------------------------------------


def _utf8_copy(source: Path, encoding: str, scratch: Path) -> Path:
    """The source itself when it is valid UTF-8; else a UTF-8 copy of it (declared encoding)."""
    if codecs.lookup(encoding).name == "utf-8":
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
    tail = b""  # bytes since the last newline, to place the column
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad = exc.start
                before = chunk[:bad]
                line = lines_before + before.count(b"\n") + 1
                last_nl = before.rfind(b"\n")
                column = (bad - last_nl) if last_nl >= 0 else len(tail) + bad + 1
                raise SourceError(
                    f"byte 0x{chunk[bad]:02x} is not valid UTF-8 (byte column {column}); "
                    "the file is not UTF-8 encoded",
                    path=str(path),
                    line=line,
                    hint="declare the file's encoding in the contract, e.g. Contract(encoding='latin-1')",
                ) from exc
            lines_before += chunk.count(b"\n")
            last_nl = chunk.rfind(b"\n")
            tail = chunk[last_nl + 1 :] if last_nl >= 0 else tail + chunk
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise SourceError("the file ends inside a UTF-8 character (truncated)", path=str(path)) from exc


# -- CSV --------------------------------------------------------------------------------


def count_csv_records(text: Path, source: Path, delimiter: str) -> int:
    """Count records with a strict parser, refusing ragged rows and broken quotes."""
    with text.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, strict=True)
        try:
            header = next(reader, None)
            if not header or header == [""]:
                raise SourceError("the file has no header row", path=str(source), line=1)
            _check_header(header, source)
            records = 0
            for record in reader:
                if not record:
                    continue  # blank line: no record (every reader agrees)
                if len(record) != len(header):
                    raise SourceError(
                        f"expected {len(header)} fields (as in the header), found {len(record)}",
                        path=str(source),
                        line=reader.line_num,
                        hint="every row must have as many fields as the header; quote fields that hold the delimiter",
                    )
                records += 1
        except csv.Error as exc:
            raise SourceError(f"malformed CSV: {exc}", path=str(source), line=reader.line_num) from exc
    return records


def _check_header(header: list[str], source: Path) -> None:
    seen: dict[str, str] = {}
    for position, name in enumerate(header, start=1):
        if not name.strip():
            raise SourceError("empty column name in the header", path=str(source), line=1, column=position)
        folded = name.lower()  # DuckDB treats column names case-insensitively
        if folded in seen:
            raise SourceError(
                f"column {name!r} appears twice in the header (as {seen[folded]!r} too; names are case-insensitive)",
                path=str(source),
                line=1,
                column=position,
            )
        seen[folded] = name


def _csv_batches(text: Path, source: Path, delimiter: str) -> Iterator[pa.RecordBatch]:
    # A fixed dialect: the sniffer may skip "junk" lines or fall back to one column.
    query = """SELECT * FROM read_csv($path, delim = $delim, quote = '"', escape = '"', header = true,
                 skip = 0, comment = '', strict_mode = true, null_padding = false, ignore_errors = false,
                 sample_size = -1)"""
    yield from _duckdb_batches(query, {"path": str(text), "delim": delimiter}, source)


def _duckdb_batches(query: str, params: dict[str, str], source: Path) -> Iterator[pa.RecordBatch]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # timestamps read the same on every machine
    try:
        reader = con.sql(query, params=params).to_arrow_reader(BATCH_ROWS)
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
            records += 1
    return records


def _jsonl_batches(text: Path, source: Path) -> Iterator[pa.RecordBatch]:
    query = "SELECT * FROM read_json($path, format = 'newline_delimited', sample_size = -1)"
    yield from _duckdb_batches(query, {"path": str(text)}, source)


# -- Parquet --------------------------------------------------------------------------------


def _open_parquet(source: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(source)
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
