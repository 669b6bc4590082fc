"""The row checks' reader: integer columns with a null anywhere are float in every batch, found from the footer."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataguard.checks.batches import _integer_columns_with_nulls, pandas_batches


@pytest.mark.parametrize("statistics", [True, False])
def test_integer_columns_with_a_null_anywhere_are_float_in_every_batch(tmp_path: Path, statistics: bool) -> None:
    path = tmp_path / "v.parquet"
    table = pa.table({"full": [1, 2, 3, 4], "holed": [1, 2, 3, None], "s": ["a", "b", None, "d"]})
    pq.write_table(table, path, row_group_size=2, write_statistics=statistics)
    assert _integer_columns_with_nulls(path, pq.read_schema(path)) == ["holed"]
    frames = list(pandas_batches(path, 2))
    assert [str(f["holed"].dtype) for f in frames] == ["float64", "float64"]
    assert [str(f["full"].dtype) for f in frames] == ["int64", "int64"]
    assert [list(f.index) for f in frames] == [[0, 1], [2, 3]]
