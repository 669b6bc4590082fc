"""Bad input refused before anything starts: no engine, no server, no catalog write.

Everything here is cheap (no pandera, no Prefect): a person who typed a wrong
name or path hears it in well under a second, with the file and what to do.
The checks a file can only fail on a full read (a ragged CSV line, a bad
value) stay with ingest; these are the ones a glance can make.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from dataguard.errors import SourceError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# What a text file's first bytes say it really is: (magic, what it is, what to do).
_NOT_TEXT = (
    (b"PAR1", "a Parquet file (it starts with PAR1)", "rename it to .parquet"),
    (b"\x1f\x8b", "gzip-compressed", "decompress it first (gunzip)"),
    (b"PK\x03\x04", "a zip archive", "unzip it first"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def source_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceError(
            f"unsupported file type {path.suffix!r}",
            path=str(path),
            hint="dataguard reads " + ", ".join(sorted(FORMATS)),
        )
    return fmt


def check_sources(paths: list[Path]) -> None:
    """Every file exists, can be read, is not empty, and has a known format; the first that does not is refused."""
    for path in paths:
        check_source(path)


def check_source(path: Path) -> str:
    """The file's format, once it is known to be readable at a glance (a Parquet file: its footer too)."""
    fmt = source_format(path)
    if not path.exists():
        raise SourceError("no such file", path=str(path), hint="check the path (relative paths start here)")
    if not path.is_file():
        raise SourceError("not a regular file", path=str(path))
    if not os.access(path, os.R_OK):
        raise SourceError("permission denied: this user may not read the file", path=str(path))
    if path.stat().st_size == 0:
        raise SourceError("the file is empty (0 bytes)", path=str(path), hint="nothing to validate")
    if fmt == "parquet":
        _check_parquet_footer(path)
    return fmt


def check_texts(paths: list[Path], encoding: str) -> None:
    """Each CSV or JSON Lines file is text of ``encoding`` at first glance (not gzip, zip, Parquet, UTF-16)."""
    for path in paths:
        if (fmt := source_format(path)) != "parquet":
            check_not_binary(path, fmt, encoding)


def _check_parquet_footer(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"not a readable Parquet file: {exc}", path=str(path)) from exc


def parquet_columns(path: Path) -> list[str]:
    """The column names of a Parquet file's footer (a SourceError when it has none to read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"not a readable Parquet file: {exc}", path=str(path)) from exc


def check_not_binary(source: Path, fmt: str, encoding: str) -> None:
    """A file that is not text of the declared encoding, said plainly instead of as a bad byte."""
    with source.open("rb") as handle:
        head = handle.read(4)
    for magic, what, hint in _NOT_TEXT:
        if head.startswith(magic):
            raise SourceError(f"the file is {what}, not {fmt.upper()} text", path=str(source), hint=hint)
    if head[:2] in _UTF16_BOMS and codecs.lookup(encoding).name not in ("utf-16", "utf-16-le", "utf-16-be"):
        raise SourceError(
            f"the file is UTF-16 text (it starts with a UTF-16 byte order mark), not {encoding}",
            path=str(source),
            hint="declare the encoding in the contract: Contract(encoding='utf-16')",
        )
