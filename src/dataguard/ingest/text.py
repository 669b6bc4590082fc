"""The strict pass over a text source: UTF-8 (transcoding a declared encoding), then its records counted.

Python's own parsers know where each record starts, so a problem is named by
line (and column); the count is what the typed reader must match.
"""

from __future__ import annotations

import codecs
import csv
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from dataguard.errors import SourceError

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

CHUNK_BYTES = 8 << 20
CSV_MAX_FIELD_CHARS = 64 << 20
"""The most characters one CSV field may hold (64 Mi: at least 64 MiB of text). A longer field is
refused by the strict pass, naming the line its record starts on. The csv module checks it as it
reads, at no cost per record; DuckDB's own limit on a record (2 MB by default, and named at the
wrong line) is raised past any record whose every field is within this one (``longest_csv_record_bytes``)."""


# -- text encodings ------------------------------------------------------------------


def utf8_copy(source: Path, encoding: str, scratch: Path) -> Path:
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
    return csv_records_and_width(text, source, delimiter)[0]


def csv_records_and_width(text: Path, source: Path, delimiter: str) -> tuple[int, int]:
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


def csv_header(text: Path, delimiter: str) -> list[str]:
    with text.open(encoding="utf-8-sig", newline="") as handle, _csv_field_limit(CSV_MAX_FIELD_CHARS):
        return next(csv.reader(handle, delimiter=delimiter), [])


def longest_csv_record_bytes(width: int) -> int:
    """Bytes in the longest record of ``width`` fields within CSV_MAX_FIELD_CHARS: a character is at most
    4 bytes of UTF-8 (a doubled quote 2), then two quotes, a delimiter, and CR of a CRLF line break."""
    return width * (4 * CSV_MAX_FIELD_CHARS + 4)


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
