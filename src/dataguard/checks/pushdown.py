"""Row checks pushed down into DuckDB: the pandera checks whose meaning is exact in SQL.

A pandera built-in check on a column whose type DuckDB and pandas read alike
becomes a SQL predicate that is true when the row *fails*, with pandera's own
semantics pinned: a null (and NaN in a float column, which pandas counts as
null) never fails a value check, only ``not_nullable``; ``str_matches`` is
Python's ``re.match`` (anchored at the start only, ``$`` also before a final
newline), pushed down only for patterns whose meaning RE2 shares. Everything
else (coercion, custom and dataframe-wide checks, other column types, patterns
with Unicode classes) stays with pandera, which remains the oracle:
tests/test_pushdown_differential.py checks both paths agree.

Values are bound parameters; sets go in as one list parameter joined with
``IN (SELECT unnest(...))``, never as a literal IN list. One check's
translation is in ``translate``; patterns RE2 reads as Python does, in ``re2``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from dataguard.checks.translate import SqlColumn, column_kind, translate_check


@dataclass(frozen=True)
class SqlCheck:
    """One check as SQL: ``fails`` is true for the rows that fail it."""

    column: str
    check: str
    code: str
    fails: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pushdown:
    """The schema split in two: checks DuckDB runs, and the schema left for pandera."""

    sql_checks: tuple[SqlCheck, ...]
    residual: pa.DataFrameSchema | None
    residual_columns: tuple[str, ...]


# -- splitting the schema -------------------------------------------------------------------------


def split_schema(
    schema: pa.DataFrameSchema,
    file_schema: pa_arrow.Schema,
    as_float: Iterable[str],
    data_columns: list[str],
    empty: pd.DataFrame,
) -> Pushdown:
    """Push down what has an exact SQL form; the rest stays a (smaller) pandera schema.

    ``empty`` is the file as a zero-row pandas frame: a column is pushed down only
    when its type check does not depend on the values (pandera's check of an
    object column looks at every value, so such columns stay with pandera).
    """
    if not _pushable_schema(schema):
        return Pushdown((), schema, tuple(data_columns))
    floats = set(as_float)
    sql_checks: list[SqlCheck] = []
    residual: dict[str, pa.Column] = {}
    for name, column in schema.columns.items():
        kind = column_kind(file_schema.field(name).type, name in floats) if name in file_schema.names else None
        if kind is None or column.coerce or column.parsers or not type_is_fixed(column, empty, name):
            residual[name] = column
            continue
        pushed, kept = _split_column(SqlColumn(name, kind), column, len(sql_checks))
        sql_checks += pushed
        if kept:
            residual[name] = _with_checks(column, kept)
    needed = set(residual) | _dataframe_check_columns(schema, data_columns)
    if not residual and not schema.checks:
        return Pushdown(tuple(sql_checks), None, ())
    for name in needed - set(residual):
        residual[name] = _with_checks(schema.columns[name], []) if name in schema.columns else pa.Column()
    kept_schema = pa.DataFrameSchema(
        {name: residual[name] for name in data_columns if name in residual}, checks=schema.checks, name=schema.name
    )
    return Pushdown(tuple(sql_checks), kept_schema, tuple(n for n in data_columns if n in residual))


def type_is_fixed(column: pa.Column, empty: pd.DataFrame, name: str) -> bool:
    """True when pandera's type check of this column passes on the dtype alone, whatever the values."""
    if column.dtype is None:
        return True
    if name not in empty.columns or empty[name].dtype == object:
        return False
    from pandera.engines.pandas_engine import Engine

    # without the values, a type check answers from the dtype alone; True only when it always passes
    return bool(column.dtype.check(Engine.dtype(empty[name].dtype)) is True)


def _pushable_schema(schema: pa.DataFrameSchema) -> bool:
    """Schema-wide options that make columns depend on each other keep the whole schema in pandera."""
    regex_columns = any(column.regex for column in schema.columns.values())
    return not (
        schema.coerce or schema.dtype is not None or schema.index is not None or schema.parsers or regex_columns
    )


def _with_checks(column: pa.Column, checks: list[pa.Check]) -> pa.Column:
    """The column's type only (nulls allowed), with these checks: nullability is pushed down."""
    return pa.Column(column.dtype, checks=checks, nullable=True, name=column.name)


def _split_column(column: SqlColumn, spec: pa.Column, first: int) -> tuple[list[SqlCheck], list[pa.Check]]:
    pushed: list[SqlCheck] = []
    kept: list[pa.Check] = []
    if not spec.nullable:
        pushed.append(SqlCheck(column.name, "not_nullable", "not_nullable", column.is_null))
    for check in spec.checks:
        label = str(check.error or check.name)
        translated = translate_check(check, column, f"p{first + len(pushed)}")
        if translated is None:
            kept.append(check)
            continue
        condition, params = translated
        fails = f"(NOT {column.is_null} AND NOT coalesce({condition}, false))"
        pushed.append(SqlCheck(column.name, label, label.split("(", 1)[0].strip(), fails, params))
    return pushed, kept


# -- which columns a dataframe-wide check reads ------------------------------------------------------------


def _dataframe_check_columns(schema: pa.DataFrameSchema, data_columns: list[str]) -> set[str]:
    """Columns the dataframe-wide checks name in their code: string constants that are column names.

    A check that reaches a column another way (a module constant, ``df.columns``)
    fails on the narrower frame; the caller then runs it again on every column.
    """
    names: set[str] = set()
    for check in schema.checks:
        names |= _strings_in(check._check_fn) & set(data_columns)
        if check.groupby is not None:
            return set(data_columns)
    return names


def _strings_in(fn: Any, depth: int = 0) -> set[str]:
    found: set[str] = set()
    if depth > 4 or fn is None:
        return found
    code = getattr(fn, "__code__", None)
    if code is not None:
        found |= _code_strings(code)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, str):
            found.add(value)
        elif callable(value):
            found |= _strings_in(value, depth + 1)
        elif isinstance(value, (list, tuple, set, frozenset)):
            found |= {v for v in value if isinstance(v, str)}
    for attr in ("__wrapped__", "__func__", "func"):
        found |= _strings_in(getattr(fn, attr, None), depth + 1)
    return found


def _code_strings(code: Any) -> set[str]:
    found: set[str] = set()
    for const in code.co_consts:
        if isinstance(const, str):
            found.add(const)
        elif isinstance(const, (tuple, frozenset)):
            found |= {v for v in const if isinstance(v, str)}
        elif hasattr(const, "co_consts"):
            found |= _code_strings(const)
    return found
