"""Which checks go to DuckDB, how they read in SQL, and the pandera behaviours the SQL path pins."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.parquet as pq
import pytest
from pandera.errors import SchemaErrors

from dataguard.checks.batches import FileLayout, _to_frame
from dataguard.checks.load import LoadedContract
from dataguard.checks.pushdown import split_schema
from dataguard.checks.re2 import re2_pattern
from dataguard.checks.rowchecks import check_rows
from dataguard.spec.contract import Contract


def write(tmp_path: Path, **columns: pa_arrow.Array) -> Path:
    n = len(next(iter(columns.values())))
    path = tmp_path / "source.parquet"
    pq.write_table(pa_arrow.table({"_row_id": pa_arrow.array(range(n), pa_arrow.int64()), **columns}), path)
    return path


def failures(path: Path, schema: pa.DataFrameSchema, tmp_path: Path) -> list[tuple[int, str, str | None, str | None]]:
    loaded = LoadedContract("t", tmp_path / "t.py", schema, Contract(batch_rows=2))
    outcome = check_rows(path, loaded, tmp_path / "failures.parquet")
    assert outcome.structural == ()
    rows = pq.read_table(outcome.failures_path).to_pylist()
    return sorted((r["_row_id"], r["check"], r["column"], r["value"]) for r in rows)


def test_built_in_checks_go_to_sql_and_custom_ones_stay_with_pandera(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        n=pa_arrow.array([1, None], pa_arrow.int64()),
        s=pa_arrow.array(["a", "b"]),
        o=pa_arrow.array([1, 2], pa_arrow.int64()),
    )
    schema = pa.DataFrameSchema(
        {
            "n": pa.Column(float, [pa.Check.ge(0), pa.Check(lambda s: s < 5, name="small")], nullable=True),
            "s": pa.Column(str, [pa.Check.isin(["a"]), pa.Check.str_matches(r"\w")]),
            "o": pa.Column(int, pa.Check.le(3), coerce=True),
        },
        checks=[pa.Check(lambda df: df["s"] != "c", name="no_c")],
    )
    layout = FileLayout.of(path)
    empty = _to_frame(layout.schema.empty_table(), layout.as_float)
    pushdown = split_schema(schema, layout.schema, layout.as_float, layout.columns, empty)

    assert [(c.column, c.check) for c in pushdown.sql_checks] == [
        ("n", "greater_than_or_equal_to(0)"),
        ("s", "not_nullable"),
        ("s", "isin(['a'])"),
    ]
    assert pushdown.sql_checks[0].fails == ('(NOT ("n" IS NULL) AND NOT coalesce(CAST("n" AS DOUBLE) >= $p0, false))')
    assert pushdown.sql_checks[2].fails == (
        '(NOT ("s" IS NULL) AND NOT coalesce("s" IN (SELECT unnest($p2)), false))'
    )  # the set is one list parameter, never a literal IN list
    assert pushdown.sql_checks[2].params == {"p2": ["a"]}
    assert pushdown.residual_columns == ("n", "s", "o")  # small(n), str_matches \w (Unicode), coerce, no_c(s)
    assert pushdown.residual is not None
    assert [c.name for c in pushdown.residual.columns["n"].checks] == ["small"]
    assert [c.name for c in pushdown.residual.checks] == ["no_c"]


@pytest.mark.parametrize(
    ("pattern", "anchored", "expected"),
    [
        (r"^N[0-9A-Z]+$", True, "^(?:^N[0-9A-Z]+(?:\n?$))"),
        (r"[a-c]+", True, "^(?:[a-c]+)"),
        (r"x.y", False, "x.y"),
        (r"(ab|cd)*$", True, "^(?:(ab|cd)*(?:\n?$))"),
        (r"a{2,3}", True, "^(?:a{2,3})"),
        (r"\.", True, "^(?:\\.)"),
        (r"\d", True, None),  # Unicode digits in Python, ASCII in RE2
        (r"\w+", True, None),
        (r"(?i)n1", True, None),  # inline flags
        (r"a|$", True, None),  # $ inside an alternation
        (r"(?=a)", True, None),  # look-ahead: no RE2 form
        (r"a{,3}", True, None),  # Python reads {0,3}, RE2 a literal
        (r"[[:alpha:]]", True, None),
        (r"\u00e9", True, None),
    ],
)
def test_regex_translation_is_exact_or_refused(pattern: str, anchored: bool, expected: str | None) -> None:
    assert re2_pattern(pattern, anchored) == expected


def test_str_matches_is_pythons_re_match_a_final_dollar_allows_a_trailing_newline(tmp_path: Path) -> None:
    values = ["N12", "N12\n", "N12\nx", "xN12", "n12", ""]
    path = write(tmp_path, tail=pa_arrow.array(values))
    schema = pa.DataFrameSchema({"tail": pa.Column(str, pa.Check.str_matches(r"^N[0-9A-Z]+$"))})
    check = "str_matches('^N[0-9A-Z]+$')"
    expected = [
        (2, check, "tail", "N12\nx"),
        (3, check, "tail", "xN12"),
        (4, check, "tail", "n12"),
        (5, check, "tail", ""),
    ]
    assert failures(path, schema, tmp_path) == expected
    with pytest.raises(SchemaErrors) as pandera_alone:
        schema.validate(pd.DataFrame({"tail": pd.Series(values, dtype="str")}), lazy=True)
    assert sorted(pandera_alone.value.failure_cases["index"]) == [2, 3, 4, 5]


def test_a_lone_nan_beside_zero_is_null(tmp_path: Path) -> None:
    path = write(tmp_path, f=pa_arrow.array([0.0, float("nan")], pa_arrow.float64(), from_pandas=False))
    assert failures(path, pa.DataFrameSchema({"f": pa.Column(float)}), tmp_path) == [(1, "not_nullable", "f", None)]


def test_nan_counts_as_null_and_infinity_as_a_value(tmp_path: Path) -> None:
    values = pa_arrow.array([0.5, float("nan"), None, float("inf"), -0.0], pa_arrow.float64(), from_pandas=False)
    path = write(tmp_path, x=values)
    schema = pa.DataFrameSchema({"x": pa.Column(float, pa.Check.in_range(0, 1))})
    assert failures(path, schema, tmp_path) == [
        (1, "not_nullable", "x", None),
        (2, "not_nullable", "x", None),
        (3, "in_range(0, 1)", "x", "inf"),
    ]


def test_a_value_is_written_in_its_own_type_where_pandera_upcasts_it(tmp_path: Path) -> None:
    """pandera gathers all failure cases in one column: a bool beside a NaN reads 1.0 there."""
    path = write(tmp_path, f=pa_arrow.array([None, 1.0], pa_arrow.float64()), b=pa_arrow.array([True, False]))
    schema = pa.DataFrameSchema({"f": pa.Column(float), "b": pa.Column(bool, pa.Check.eq(False))})
    assert failures(path, schema, tmp_path) == [(0, "equal_to(False)", "b", "True"), (0, "not_nullable", "f", None)]
    with pytest.raises(SchemaErrors) as pandera_alone:
        schema.validate(pd.DataFrame({"f": [None, 1.0], "b": [True, False]}), lazy=True)
    cases = pandera_alone.value.failure_cases
    assert str(cases.loc[cases["column"] == "b", "failure_case"].iloc[0]) == "1.0"


COLUMN_B = "b"


def test_a_dataframe_check_reaching_a_column_by_constant_runs_again_on_every_column(tmp_path: Path) -> None:
    path = write(tmp_path, a=pa_arrow.array([1, 2], pa_arrow.int64()), b=pa_arrow.array([2, 1], pa_arrow.int64()))
    schema = pa.DataFrameSchema(
        {"a": pa.Column(int), "b": pa.Column(int)},
        checks=[pa.Check(lambda df: df["a"] < df[COLUMN_B], name="a_below_b")],
    )
    assert failures(path, schema, tmp_path) == [(1, "a_below_b", None, None)]


@pytest.mark.parametrize("row_group_size", [1, 2, 6])
def test_nan_is_found_where_parquet_statistics_leave_it_out(tmp_path: Path, row_group_size: int) -> None:
    """Row-group min/max skip NaN; DuckDB must neither fold isnan() to false nor skip the row group."""
    nan = float("nan")
    values = pa_arrow.array([0.0, nan, 0.5, 0.7, nan, 2.0], pa_arrow.float64(), from_pandas=False)
    path = tmp_path / "source.parquet"
    pq.write_table(
        pa_arrow.table({"_row_id": pa_arrow.array(range(6), pa_arrow.int64()), "f": values}), path, row_group_size=2
    )
    schema = pa.DataFrameSchema({"f": pa.Column(float, pa.Check.in_range(0, 1))})
    assert failures(path, schema, tmp_path) == [
        (1, "not_nullable", "f", None),
        (4, "not_nullable", "f", None),
        (5, "in_range(0, 1)", "f", "2.0"),
    ]
