"""The rows of a version, and its clean rows: the stored file minus a deletion vector.

A Parquet version is kept as it arrived (its bytes, hashed): a row's ``_row_id``
is its position in the file, which DuckDB reads as ``file_row_number`` and the
pyarrow readers here count as they go. Versions converted from CSV or JSON
Lines, Parquet files with a column DuckDB's row number would clash with, and
every version stored before this layout carry ``_row_id`` as a column; it
holds the same positions. Every reader of version data goes through this
module, so it never matters which layout a file has.

The clean rows of a run (or of a reviewed revision) are the version minus a
*deletion vector*: a small Parquet file of one sorted ``_row_id`` column, the
rows held in quarantine. No clean copy is written to validate or review a
version; ``VersionRows.relation()`` is the clean rows for DuckDB, and
``VersionRows.arrow_batches()`` for pyarrow.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from dataguard.common.sql import quote_ident, quote_path
from dataguard.spec.source import ROW_ID

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

POSITION = "file_row_number"  # the column DuckDB adds for a row's position in its file
WIDE_COLUMNS = 200  # from here on a copy of rows streams them through pyarrow: DuckDB would buffer a row group
# of every column per thread


@lru_cache(maxsize=256)
def _stores_row_id(data_path: str, mtime_ns: int, size: int) -> bool:
    import pyarrow.parquet as pq

    return ROW_ID in pq.read_schema(data_path).names


def stores_row_id(data_path: Path | str) -> bool:
    """Whether the file keeps ``_row_id`` as a column (converted versions, and every older one)."""
    stat = Path(data_path).stat()
    return _stores_row_id(str(data_path), stat.st_mtime_ns, stat.st_size)


def needs_row_id_column(names: Sequence[str]) -> bool:
    """A Parquet source whose positions DuckDB cannot add beside its columns: it is converted, ``_row_id`` stored."""
    return any(name.lower() == POSITION for name in names)


def version_relation(data_path: Path | str) -> str:
    """Every row of a version file, ``_row_id`` first, as a DuckDB table expression (the path as a literal)."""
    path = quote_path(data_path)
    if stores_row_id(data_path):
        return f"read_parquet({path})"
    return (
        f"(SELECT {POSITION} AS {quote_ident(ROW_ID)}, * EXCLUDE ({POSITION}) "
        f"FROM read_parquet({path}, file_row_number = true))"
    )


@dataclass(frozen=True)
class VersionRows:
    """A version's rows less the ones a deletion vector names: what a run or revision calls clean.

    ``deleted_path`` is a Parquet file of one ``_row_id`` column (None: no row
    is left out). ``rows`` is how many rows remain, when known.
    """

    data_path: Path
    deleted_path: Path | None = None
    rows: int | None = None

    def relation(self) -> str:
        """The clean rows, ``_row_id`` first then the data columns, as a DuckDB table expression."""
        every = version_relation(self.data_path)
        if self.deleted_path is None:
            return every
        rid = quote_ident(ROW_ID)
        return (
            f"(SELECT * FROM {every} WHERE {rid} NOT IN "
            f"(SELECT {rid} FROM read_parquet({quote_path(self.deleted_path)})))"
        )

    def data_relation(self) -> str:
        """The clean rows' data columns only (no ``_row_id``)."""
        return f"(SELECT * EXCLUDE ({quote_ident(ROW_ID)}) FROM {self.relation()})"

    def arrow_batches(
        self, batch_rows: int = 65_536, columns: Sequence[str] | None = None, *, with_row_id: bool = True
    ) -> Iterator[pa.RecordBatch]:
        """The clean rows in ``_row_id`` order as Arrow batches (``_row_id`` first when ``with_row_id``)."""
        deleted = None if self.deleted_path is None else deleted_ids(self.deleted_path)
        for batch in positioned_batches(self.data_path, batch_rows, columns):
            if deleted is not None and len(deleted):
                batch = _without(batch, deleted)
            if not with_row_id:
                batch = batch.drop_columns([ROW_ID])
            if batch.num_rows:
                yield batch

    def read(self, columns: Sequence[str] | None = None) -> pa.Table:
        """The clean rows as one table, ``_row_id`` first (small data: the peek's sample, tests)."""
        import pyarrow as pa

        batches = list(self.arrow_batches(65_536, columns))
        if batches:
            return pa.Table.from_batches(batches)
        schema = file_schema(self.data_path)
        return schema.empty_table() if columns is None else schema.empty_table().select([ROW_ID, *columns])


def deleted_ids(deleted_path: Path) -> np.ndarray:
    """The row ids a deletion vector names, sorted, as one int64 array."""
    import numpy as np
    import pyarrow.parquet as pq

    values = pq.read_table(deleted_path, columns=[ROW_ID]).column(ROW_ID).to_numpy()
    return np.sort(values.astype(np.int64, copy=False))


def _without(batch: pa.RecordBatch, deleted: np.ndarray) -> pa.RecordBatch:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = batch.column(0)
    first, last = ids[0].as_py(), ids[-1].as_py()
    low, high = int(np.searchsorted(deleted, first, "left")), int(np.searchsorted(deleted, last, "right"))
    if low == high:  # the vector is sorted: only the ids within this batch's span can match
        return batch
    return batch.filter(pc.invert(pc.is_in(ids, value_set=pa.array(deleted[low:high]))))


def positioned_batches(
    data_path: Path, batch_rows: int, columns: Sequence[str] | None = None, row_groups: Sequence[int] | None = None
) -> Iterator[pa.RecordBatch]:
    """Every row of a version file, ``_row_id`` first, read with pyarrow (page checksums verified).

    ``row_groups`` must be contiguous when given: positions count on from the first one's.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(data_path, pre_buffer=False, page_checksum_verification=True)
    stored = ROW_ID in parquet.schema_arrow.names
    wanted = None if columns is None else [c for c in columns if c != ROW_ID]
    if stored and wanted is not None:
        wanted = [ROW_ID, *wanted]
    groups = list(range(parquet.num_row_groups)) if row_groups is None else list(row_groups)
    if not groups:
        return
    position = sum(parquet.metadata.row_group(g).num_rows for g in range(groups[0]))
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=wanted, row_groups=groups):
        if stored:
            if batch.schema.names[0] != ROW_ID:
                batch = batch.select([ROW_ID, *(n for n in batch.schema.names if n != ROW_ID)])
        else:
            ids = pa.array(np.arange(position, position + batch.num_rows, dtype=np.int64))
            batch = pa.RecordBatch.from_arrays([ids, *batch.columns], names=[ROW_ID, *batch.schema.names])
        position += batch.num_rows
        yield batch


def file_schema(data_path: Path) -> pa.Schema:
    """The version's columns as readers here give them: ``_row_id`` (int64) first, then the data columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(data_path)
    data = [field for field in schema if field.name != ROW_ID]
    return pa.schema([pa.field(ROW_ID, pa.int64()), *data])


def read_version(data_path: Path | str, columns: Sequence[str] | None = None) -> pa.Table:
    """Every row of a version file as one table, ``_row_id`` first."""
    return VersionRows(Path(data_path)).read(columns)


def rebatched(tables: Iterator[pa.Table], rows: int) -> Iterator[pa.Table]:
    """``tables`` cut and joined again into tables of exactly ``rows`` rows (the last may be shorter)."""
    import pyarrow as pa

    pending: list[pa.Table] = []
    held = 0
    for table in tables:
        pending.append(table)
        held += table.num_rows
        while held >= rows:
            whole = pa.concat_tables(pending)
            yield whole.slice(0, rows)
            rest = whole.slice(rows)
            pending, held = ([rest] if rest.num_rows else []), rest.num_rows
    if held:
        yield pa.concat_tables(pending)
