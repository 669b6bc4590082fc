"""What ``open_validated`` hands out: a version training may use, and the ways to read its clean rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dataguard.common.rows import VersionRows, rebatched
from dataguard.errors import BadInput
from dataguard.spec.source import ROW_ID

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as ds

DEFAULT_BATCH_ROWS = 65_536


@dataclass(frozen=True)
class ValidatedVersion:
    """A version training may use: its clean rows, proven to be the validated ones.

    Opened with ``materialize=True`` (the default) they are the file at
    ``clean_path``, made on the revision's first open. Opened with
    ``materialize=False`` before anyone made it, ``rows`` are the version's own
    file minus its deletion vector, both proven when opened: ``to_pandas`` and
    ``iter_batches`` stream them and no file is written; ``to_arrow_dataset``
    (a lazy dataset needs a file) makes the file then.
    """

    dataset: str
    version: int
    fingerprint: str
    clean_path: Path
    report_path: Path
    verdict: str
    revision: int = 0  # the reviewed clean revision (0: as validated)
    clean_fingerprint: str = ""  # sha256 of clean_path, recorded when it was made and verified at open
    verified: bool = False  # whether what is read was hashed and compared with its record when it was opened
    run_id: str = ""  # the validation run whose clean rows these are
    rows: VersionRows | None = None  # set when read without a clean file
    make_file: Callable[[], Path] | None = field(default=None, repr=False, compare=False)

    def to_pandas(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The clean rows (``_row_id`` included unless ``columns`` leaves it out) as one DataFrame."""
        return self._read_table(columns).to_pandas()

    def to_arrow_dataset(self) -> ds.Dataset:
        """A lazy pyarrow dataset over the clean file: scan, filter and project without loading it."""
        import pyarrow.dataset as ds

        path = self.make_file() if self.rows is not None and self.make_file is not None else self.clean_path
        return ds.dataset(path, format="parquet")

    def iter_batches(
        self, batch_size: int = DEFAULT_BATCH_ROWS, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The clean rows in order, ``batch_size`` rows at a time (the last batch may be shorter)."""
        import pyarrow.parquet as pq

        if batch_size < 1:
            raise BadInput(f"batch_size must be at least 1 (got {batch_size})")
        names = self._columns(columns)  # checked now, not at the first batch
        if self.rows is None:
            return pq.ParquetFile(self.clean_path).iter_batches(batch_size=batch_size, columns=names)
        return _exactly(self._streamed(batch_size, names), batch_size)

    def _streamed(self, batch_size: int, names: list[str] | None) -> Iterator[pa.RecordBatch]:
        assert self.rows is not None
        data = None if names is None else [n for n in names if n != ROW_ID]
        for batch in self.rows.arrow_batches(batch_size, data):
            yield batch if names is None else batch.select(names)

    def _read_table(self, columns: Sequence[str] | None) -> pa.Table:
        import pyarrow.parquet as pq

        names = self._columns(columns)
        if self.rows is None:
            return pq.read_table(self.clean_path, columns=names)
        table = self.rows.read(None if names is None else [n for n in names if n != ROW_ID])
        return table if names is None else table.select(names)

    def _columns(self, columns: Sequence[str] | None) -> list[str] | None:
        """``columns`` checked against the clean rows', so a typo names the columns there are."""
        if columns is None:
            return None
        import pyarrow.parquet as pq

        from dataguard.common.rows import file_schema

        names = (file_schema(self.rows.data_path) if self.rows else pq.read_schema(self.clean_path)).names
        unknown = [c for c in columns if c not in names]
        if unknown:
            raise BadInput(
                f"{self.dataset} v{self.version} has no column {', '.join(map(repr, unknown))} in {self.clean_path}",
                hint=f"columns: {', '.join(names)}",
            )
        return list(columns)


def _exactly(batches: Iterator[pa.RecordBatch], size: int) -> Iterator[pa.RecordBatch]:
    """``batches`` cut and joined into batches of ``size`` rows (the last may be shorter)."""
    import pyarrow as pa

    for table in rebatched((pa.Table.from_batches([batch]) for batch in batches), size):
        yield from table.combine_chunks().to_batches()
