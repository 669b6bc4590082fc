"""The version file read for row checks: its layout, partitions of ``_row_id`` (positions), and pandas batches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa_arrow
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataguard.common.rows import positioned_batches, rebatched
from dataguard.common.sql import engine, quote_ident
from dataguard.errors import SourceError
from dataguard.spec.source import ROW_ID


@contextmanager
def unreadable(data_path: Path) -> Iterator[None]:
    """A page of the version that cannot be decoded, said as bad input (the file, not dataguard, is broken).

    A Parquet version is kept as it arrived and read first by the row checks:
    a damaged page without a checksum (none to verify at ingest) is found here.
    """
    try:
        yield
    except (pa_arrow.ArrowException, OSError, duckdb.Error) as exc:
        if isinstance(exc, duckdb.Error) and str(data_path) not in str(exc):
            raise  # a query's own failure, not a read of the version
        raise SourceError(f"the file cannot be read: {exc}", path=str(data_path)) from exc


@dataclass(frozen=True)
class Partition:
    """A contiguous range of ``_row_id`` (both ends included): one unit of row checks."""

    first: int
    last: int


def partitions(data_path: Path, rows: int, batch_rows: int) -> tuple[Partition, ...]:
    """The version cut into ranges of about ``rows`` row ids (one range when ``rows`` is 0 or covers it all).

    ``rows`` is rounded up to a whole number of record batches: a partition then
    holds exactly the batches a single pass reads (ids are positions, dense from
    the first), so a dataframe-wide check sees the same rows either way.
    """
    total = int(pq.ParquetFile(data_path).metadata.num_rows)
    if total == 0:
        return (Partition(0, -1),)
    rows = -(-rows // batch_rows) * batch_rows
    if rows <= 0 or total <= rows:
        return (Partition(0, total - 1),)
    return tuple(Partition(start, min(start + rows - 1, total - 1)) for start in range(0, total, rows))


@dataclass(frozen=True)
class FileLayout:
    """The version file's data columns, their Arrow types, and the integer columns read as float."""

    schema: pa_arrow.Schema
    columns: list[str]
    as_float: list[str]

    @classmethod
    def of(cls, data_path: Path) -> FileLayout:
        schema = pq.ParquetFile(data_path).schema_arrow
        columns = [name for name in schema.names if name != ROW_ID]
        return cls(schema, columns, _integer_columns_with_nulls(data_path, schema))

    def empty_frame(self) -> pd.DataFrame:
        """The file as a zero-row pandas frame, with the dtypes its batches have."""
        return _to_frame(self.schema.empty_table(), self.as_float)


def pandas_batches(
    data_path: Path, batch_rows: int, columns: list[str] | None = None, partition: Partition | None = None
) -> Iterator[pd.DataFrame]:
    """Record batches as pandas frames indexed by ``_row_id``, with file-wide dtypes.

    pandas turns an integer column with nulls into float64; decided per batch,
    a column's dtype would change from batch to batch. Integer columns that
    hold a null anywhere in the file are read as float64 in every batch,
    exactly as ``pd.read_parquet`` of the whole file would give them (pyarrow's
    default mapping, whatever pandas metadata the file carries).
    """
    parquet = pq.ParquetFile(data_path)
    as_float = _integer_columns_with_nulls(data_path, parquet.schema_arrow)
    if partition is None:
        batches = positioned_batches(data_path, batch_rows, columns)
        tables: Iterator[pa_arrow.Table] = (pa_arrow.Table.from_batches([batch]) for batch in batches)
    else:
        tables = rebatched(_partition_tables(data_path, parquet, batch_rows, columns, partition), batch_rows)
    for table in tables:
        frame = _to_frame(table.drop_columns([ROW_ID]), as_float)
        frame.index = pd.Index(table.column(ROW_ID).to_numpy(), name=None)
        yield frame


def _partition_tables(
    data_path: Path, parquet: pq.ParquetFile, batch_rows: int, columns: list[str] | None, partition: Partition
) -> Iterator[pa_arrow.Table]:
    """The partition's rows, read from the row groups that hold them."""
    groups = _row_groups_within(parquet, partition)
    first, last = (pa_arrow.scalar(end, pa_arrow.int64()) for end in (partition.first, partition.last))
    for batch in positioned_batches(data_path, batch_rows, columns, groups):
        ids = batch.column(ROW_ID)
        table = pa_arrow.Table.from_batches([batch]).filter(
            pc.and_(pc.greater_equal(ids, first), pc.less_equal(ids, last))
        )
        if table.num_rows:
            yield table


def _row_groups_within(parquet: pq.ParquetFile, partition: Partition) -> list[int]:
    """The row groups holding the partition's positions (contiguous: row ids are positions)."""
    groups, start = [], 0
    for group in range(parquet.num_row_groups):
        rows = parquet.metadata.row_group(group).num_rows
        if start <= partition.last and start + rows - 1 >= partition.first:
            groups.append(group)
        start += rows
    return groups


def _to_frame(table: pa_arrow.Table, as_float: list[str]) -> pd.DataFrame:
    # pandas metadata a writer left in the file would change dtypes by origin: ignore it
    table = table.replace_schema_metadata(None)
    for name in as_float:
        position = table.schema.get_field_index(name)
        if position >= 0:
            table = table.set_column(position, name, table.column(name).cast(pa_arrow.float64(), safe=False))
    if ROW_ID in table.schema.names:
        table = table.drop_columns([ROW_ID])
    return table.to_pandas()


def _integer_columns_with_nulls(data_path: Path, schema: pa_arrow.Schema) -> list[str]:
    """Integer columns holding a null anywhere: from the footer's null counts where every row group has
    them (no data read), else counted in one DuckDB scan."""
    ints = [f.name for f in schema if pa_arrow.types.is_integer(f.type) and f.name != ROW_ID]
    if not ints:
        return []
    counted = _footer_null_counts(data_path, ints)
    if counted is not None:
        return [name for name in ints if counted[name]]
    selects = ", ".join(f"count(*) - count({quote_ident(n)})" for n in ints)
    with engine() as con:
        row = con.execute(f"SELECT {selects} FROM read_parquet($path)", {"path": str(data_path)}).fetchone()
    assert row is not None
    return [name for name, nulls in zip(ints, row, strict=True) if nulls]


def _footer_null_counts(data_path: Path, names: list[str]) -> dict[str, int] | None:
    metadata = pq.ParquetFile(data_path).metadata
    leaf = {metadata.schema.column(i).path: i for i in range(metadata.num_columns)}
    if any(name not in leaf for name in names):
        return None
    counts = dict.fromkeys(names, 0)
    for group in range(metadata.num_row_groups):
        row_group = metadata.row_group(group)
        for name in names:
            stats = row_group.column(leaf[name]).statistics
            nulls = None if stats is None or not getattr(stats, "has_null_count", False) else stats.null_count
            if nulls is None:
                return None
            counts[name] += nulls
    return counts
