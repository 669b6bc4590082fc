"""The version's rows and its clean rows (version minus a deletion vector), in DuckDB and pyarrow alike."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dataguard.common.rows import VersionRows, positioned_batches, stores_row_id, version_relation


def _files(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "v.parquet"
    pq.write_table(pa.table({"x": list(range(10)), "y": [str(i) for i in range(10)]}), data, row_group_size=3)
    deleted = tmp_path / "deleted.parquet"
    pq.write_table(pa.table({"_row_id": pa.array([7, 2, 5], pa.int64())}), deleted)
    return data, deleted


def test_positions_are_row_ids_in_duckdb_and_pyarrow(tmp_path: Path) -> None:
    data, deleted = _files(tmp_path)
    rows = VersionRows(data, deleted)
    assert not stores_row_id(data)
    got = duckdb.sql(f"SELECT _row_id, x, y FROM {rows.relation()} ORDER BY _row_id").fetchall()
    assert got == [(i, i, str(i)) for i in (0, 1, 3, 4, 6, 8, 9)]
    batches = [b.to_pydict() for b in rows.arrow_batches(4)]
    assert batches == [
        {"_row_id": [0, 1, 3], "x": [0, 1, 3], "y": ["0", "1", "3"]},
        {"_row_id": [4, 6], "x": [4, 6], "y": ["4", "6"]},
        {"_row_id": [8, 9], "x": [8, 9], "y": ["8", "9"]},
    ]
    assert [b.to_pydict() for b in rows.arrow_batches(100, ["y"], with_row_id=False)] == [
        {"y": ["0", "1", "3", "4", "6", "8", "9"]}
    ]


def test_row_groups_count_on_from_the_first_one_read(tmp_path: Path) -> None:
    data, _ = _files(tmp_path)
    ids = [b.column(0).to_pylist() for b in positioned_batches(data, 4, ["y"], row_groups=[1, 2])]
    assert ids == [[3, 4, 5, 6], [7, 8]]


def test_a_stored_row_id_column_is_read_as_it_is(tmp_path: Path) -> None:
    data = tmp_path / "old.parquet"
    pq.write_table(pa.table({"_row_id": pa.array([0, 1, 2], pa.int64()), "x": [5, 6, 7]}), data)
    assert stores_row_id(data)
    assert duckdb.sql(f"SELECT * FROM {version_relation(data)}").fetchall() == [(0, 5), (1, 6), (2, 7)]
    assert [b.to_pydict() for b in positioned_batches(data, 2, ["x"])] == [
        {"_row_id": [0, 1], "x": [5, 6]},
        {"_row_id": [2], "x": [7]},
    ]
