"""A Parquet source kept as it arrived: its bytes copied into the warehouse, never rewritten.

A row's ``_row_id`` is its position in the file (see ``dataguard.common.rows``),
so nothing has to be added to the file. What ingest still proves before the
copy is registered: the footer is readable, no column name is reserved or
repeated (names are case-insensitive), there is at least one row, the file did
not change while it was hashed and copied, and, where the writer stored page
checksums, every page matches its checksum (pyarrow reads the pages once for
that; files without checksums are not read at all).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataguard.errors import SourceError
from dataguard.ingest.canonical import check_columns
from dataguard.ingest.readers import parquet_batches

BATCH_ROWS = 65_536


def store_parquet(source: Path, out: Path) -> int:
    """Copy ``source`` to ``out`` byte for byte after the checks above; the number of rows."""
    before = os.stat(source)
    try:
        parquet = pq.ParquetFile(source)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"not a readable Parquet file: {exc}", path=str(source)) from exc
    check_columns(parquet.schema_arrow.names, source)
    rows = int(parquet.metadata.num_rows)
    if rows == 0:
        raise SourceError("the file has no data records (only a header, or blank)", path=str(source))
    if has_page_checksums(source, parquet.metadata):
        for _ in parquet_batches(source):  # the pages are read only to verify them
            pass
    shutil.copyfile(source, out)
    after = os.stat(source)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        out.unlink(missing_ok=True)
        raise SourceError(
            "the file changed while it was being ingested; ingest it again once it is complete", path=str(source)
        )
    return rows


def has_page_checksums(source: Path, metadata: pq.FileMetaData) -> bool:
    """Whether the first page of any column chunk of the first row group carries a CRC.

    A page header is a Thrift struct in the compact protocol: fields 1 to 3 are
    the page type and its two sizes (i32), field 4 the optional CRC. Writers
    that checksum pages checksum them all.
    """
    if metadata.num_row_groups == 0:
        return False
    group = metadata.row_group(0)
    with source.open("rb") as handle:
        for i in range(group.num_columns):
            column = group.column(i)
            start = column.dictionary_page_offset if column.has_dictionary_page else column.data_page_offset
            if start is None:
                continue
            handle.seek(start)
            if _header_has_crc(handle.read(64)):
                return True
    return False


I32 = 5  # the compact protocol's type code for i32


def _header_has_crc(raw: bytes) -> bool:
    at, field = 0, 0
    while at < len(raw):
        head = raw[at]
        delta, kind = head >> 4, head & 0x0F
        if delta == 0 or kind != I32:  # a long-form header or another type: past the i32 fields
            return False
        field += delta
        if field == 4:
            return True
        if field > 4:
            return False
        at += 1
        while at < len(raw) and raw[at] & 0x80:  # the value: a varint
            at += 1
        at += 1
    return False
