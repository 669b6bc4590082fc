"""Split: each row in exactly one output, quarantined rows with every reason."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataguard import split as split_module
from dataguard.checks.failures import FAILURE_SCHEMA
from dataguard.common.rows import VersionRows
from dataguard.errors import InvariantViolation
from dataguard.gate.materialize import write_clean
from dataguard.split import ReasonCount, SplitResult, check_conservation, split_rows


@pytest.fixture
def version(tmp_path: Path) -> Path:
    table = pa.table(
        {"_row_id": pa.array(range(5), pa.int64()), "x": [10, -1, 30, 40, 99], "y": ["a", "b", "c", "d", "e"]}
    )
    path = tmp_path / "source.parquet"
    pq.write_table(table, path)
    return path


def clean_table(result: SplitResult) -> pa.Table:
    """The clean rows: the version minus the split's deletion vector, written as training would get them."""
    out = result.quarantine_path.with_name("clean-for-test.parquet")
    write_clean(VersionRows(result.data_path, result.deleted_path), out)
    return pq.read_table(out)


def write_failures(tmp_path: Path, rows: list[tuple[int, str, str | None, str, str | None]]) -> Path:
    path = tmp_path / "failures.parquet"
    table = pa.Table.from_pylist(
        [dict(zip(FAILURE_SCHEMA.names, row, strict=True)) for row in rows], schema=FAILURE_SCHEMA
    )
    pq.write_table(table, path)
    return path


def test_rows_go_to_exactly_one_file_with_every_reason(version: Path, tmp_path: Path) -> None:
    failures = write_failures(
        tmp_path,
        [
            (4, "le", "x", "less_than_or_equal_to(50)", "99"),
            (1, "ge", "x", "greater_than_or_equal_to(0)", "-1"),
            (4, "isin", "y", "isin(['a'])", "e"),
            (1, "isin", "y", "isin(['a'])", "b"),
        ],
    )
    result = split_rows(version, failures, tmp_path / "run")

    assert clean_table(result).to_pylist() == [
        {"_row_id": 0, "x": 10, "y": "a"},
        {"_row_id": 2, "x": 30, "y": "c"},
        {"_row_id": 3, "x": 40, "y": "d"},
    ]
    assert pq.read_table(result.quarantine_path).to_pylist() == [
        {
            "_row_id": 1,
            "x": -1,
            "y": "b",
            "_reasons": [
                {"code": "ge", "column": "x", "check": "greater_than_or_equal_to(0)", "value": "-1"},
                {"code": "isin", "column": "y", "check": "isin(['a'])", "value": "b"},
            ],
        },
        {
            "_row_id": 4,
            "x": 99,
            "y": "e",
            "_reasons": [
                {"code": "isin", "column": "y", "check": "isin(['a'])", "value": "e"},
                {"code": "le", "column": "x", "check": "less_than_or_equal_to(50)", "value": "99"},
            ],
        },
    ]
    assert (result.rows_input, result.rows_clean, result.rows_quarantined) == (5, 3, 2)
    assert result.reasons == (ReasonCount("isin", "y", 2), ReasonCount("ge", "x", 1), ReasonCount("le", "x", 1))


def test_no_failures_gives_an_empty_quarantine_with_the_same_columns(version: Path, tmp_path: Path) -> None:
    result = split_rows(version, write_failures(tmp_path, []), tmp_path / "run")
    quarantine = pq.read_table(result.quarantine_path)
    assert quarantine.num_rows == 0
    assert quarantine.schema.names == ["_row_id", "x", "y", "_reasons"]
    assert clean_table(result).column("_row_id").to_pylist() == [0, 1, 2, 3, 4]


def test_a_broken_sum_stops_the_run(tmp_path: Path) -> None:
    files = (tmp_path / "clean.parquet", tmp_path / "q.parquet", tmp_path / "deleted.parquet", tmp_path / "v.parquet")
    broken = SplitResult(*files, 10, 7, 2, ())
    with pytest.raises(InvariantViolation, match=r"clean 7 \+ quarantined 2 != input 10"):
        check_conservation(broken, 2, 0, 9)
    whole = SplitResult(*files, 10, 8, 2, ())
    check_conservation(whole, 2, 0, 9)
    with pytest.raises(InvariantViolation, match=r"clean 8 \+ quarantined 2 != input 10"):
        check_conservation(whole, 3, 0, 9)  # a row in the deletion vector but not in the quarantine
    with pytest.raises(InvariantViolation):
        check_conservation(whole, 2, 0, 10)  # an id past the last row


def test_clean_rows_keep_row_id_order_across_many_row_groups(tmp_path: Path) -> None:
    """DuckDB copies in parallel; the bitmap filter keeps the file's order (a join would not)."""
    n = 300_000
    ids = pa.array(range(n), pa.int64())
    path = tmp_path / "source.parquet"
    pq.write_table(pa.table({"_row_id": ids, "x": pa.array(range(n, 2 * n))}), path, row_group_size=7_000)
    bad = sorted({*range(0, n, 7), *range(5, n, 11), n - 1})
    failures = write_failures(tmp_path, [(i, "ge", "x", "greater_than_or_equal_to(0)", None) for i in bad])

    result = split_rows(path, failures, tmp_path / "run")

    bad_set = set(bad)
    assert clean_table(result).column("_row_id").to_pylist() == [i for i in range(n) if i not in bad_set]
    assert pq.read_table(result.quarantine_path).column("_row_id").to_pylist() == bad
    assert clean_table(result).column("x").to_pylist()[:3] == [n + 1, n + 2, n + 3]


def test_types_duckdb_would_change_take_the_streaming_path(tmp_path: Path) -> None:
    stamps = pa.array([0, 3_600_000_000, 7_200_000_000], pa.timestamp("us", tz="Europe/Paris"))
    source = pa.table({"_row_id": pa.array(range(3), pa.int64()), "at": stamps, "kind": pa.array(["a", "b", "a"])})
    source = source.set_column(2, "kind", source.column("kind").dictionary_encode())
    path = tmp_path / "source.parquet"
    pq.write_table(source, path)

    result = split_rows(path, write_failures(tmp_path, [(1, "ge", "at", "ge", None)]), tmp_path / "run")

    clean = clean_table(result)
    assert clean.schema == pq.read_table(path).schema
    assert clean.column("_row_id").to_pylist() == [0, 2]


def test_a_wide_file_streams_and_splits_exactly_as_a_narrow_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above WIDE_COLUMNS the split streams row groups through pyarrow; the files it writes are the same."""
    import dataguard.split as split

    columns = {f"c{i}": pa.array([float(r * i) for r in range(50)]) for i in range(split.WIDE_COLUMNS + 1)}
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({"_row_id": pa.array(range(50), pa.int64()), **columns}), path, row_group_size=16)
    failures = write_failures(
        tmp_path,
        [
            (33, "le", "c2", "less_than_or_equal_to(60)", "66.0"),
            (17, "le", "c5", "less_than_or_equal_to(80)", "85.0"),
            (33, "ge", "c1", "greater_than_or_equal_to(40)", "33.0"),
            (48, "le", "c2", "less_than_or_equal_to(60)", "96.0"),
        ],
    )
    streamed = split_rows(path, failures, tmp_path / "streamed")
    monkeypatch.setattr(split, "WIDE_COLUMNS", 10_000)
    copied = split_rows(path, failures, tmp_path / "copied")

    quarantined = pq.read_table(streamed.quarantine_path)
    assert quarantined.column("_row_id").to_pylist() == [17, 33, 48]
    assert quarantined.column("_reasons").to_pylist()[1] == [
        {"code": "ge", "column": "c1", "check": "greater_than_or_equal_to(40)", "value": "33.0"},
        {"code": "le", "column": "c2", "check": "less_than_or_equal_to(60)", "value": "66.0"},
    ]
    assert clean_table(streamed).column("_row_id").to_pylist() == [r for r in range(50) if r not in (17, 33, 48)]
    for ours, theirs in [
        (clean_table(streamed), clean_table(copied)),
        (pq.read_table(streamed.quarantine_path), pq.read_table(copied.quarantine_path)),
    ]:
        assert ours.to_pylist() == theirs.to_pylist()
        assert ours.schema.types == theirs.schema.types
    assert (streamed.rows_clean, streamed.rows_quarantined, streamed.reasons) == (47, 3, copied.reasons)


def test_the_quarantine_is_written_a_range_of_row_ids_at_a_time_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = 1_000
    table = pa.table({"_row_id": pa.array(range(rows), pa.int64()), "x": pa.array(range(rows), pa.int64())})
    source = tmp_path / "source.parquet"
    pq.write_table(table, source, row_group_size=100)  # the ranges prune row groups
    failing = [7, 8, 150, 151, 152, 499, 500, 998, 999]  # every reason listed twice for some rows, out of order
    failures = write_failures(
        tmp_path,
        [(i, "le", "x", "less_than_or_equal_to(5)", str(i)) for i in reversed(failing)]
        + [(i, "ge", "x", "greater_than_or_equal_to(1000)", str(i)) for i in failing[::2]],
    )
    monkeypatch.setattr(split_module, "QUARANTINE_CHUNK_ROWS", 2)  # five ranges: [7, 149], [150, 151], ...
    result = split_rows(source, failures, tmp_path / "run")

    quarantine = pq.read_table(result.quarantine_path).to_pylist()
    assert [row["_row_id"] for row in quarantine] == failing
    assert [[r["code"] for r in row["_reasons"]] for row in quarantine] == [
        ["ge", "le"] if i in failing[::2] else ["le"] for i in failing
    ]
    assert pq.ParquetFile(result.quarantine_path).schema_arrow.field("_reasons").type == pa.list_(
        pa.struct([("code", pa.string()), ("column", pa.string()), ("check", pa.string()), ("value", pa.string())])
    )
    assert (result.rows_clean, result.rows_quarantined) == (rows - len(failing), len(failing))
    assert [row["_row_id"] for row in clean_table(result).to_pylist()] == [i for i in range(rows) if i not in failing]
