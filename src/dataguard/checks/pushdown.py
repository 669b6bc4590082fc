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
``IN (SELECT unnest(...))``, never as a literal IN list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from dataguard.common.sql import quote_ident

INT_KIND, FLOAT_KIND, STRING_KIND, BOOL_KIND, TIME_KIND = "int", "float", "string", "bool", "timestamp"
ORDERED_KINDS = (INT_KIND, FLOAT_KIND, STRING_KIND, TIME_KIND)
RE2_REPEAT_LIMIT = 1000


@dataclass(frozen=True)
class SqlColumn:
    """A column as SQL sees it: the value expression and what counts as null."""

    name: str
    kind: str

    @property
    def value(self) -> str:
        # an integer column with nulls is float64 in pandas: compare as DOUBLE, as pandas does
        return quote_ident(self.name) if self.kind != "int_as_float" else f"CAST({quote_ident(self.name)} AS DOUBLE)"

    @property
    def is_null(self) -> str:
        if self.kind == FLOAT_KIND:
            # NaN, spelled so that DuckDB cannot rule it out from Parquet min/max (they leave NaN out):
            # a plain isnan(), or NOT isfinite() AND NOT isinf(), is pushed into the scan, which then
            # skipped a row group whose min and max are 1.0 but which holds a NaN; coalesce() is not pushed
            return f"({self.value} IS NULL OR coalesce(isnan({self.value}), false))"
        return f"({quote_ident(self.name)} IS NULL)"

    @property
    def value_kind(self) -> str:
        return FLOAT_KIND if self.kind == "int_as_float" else self.kind


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


def column_kind(arrow_type: pa_arrow.DataType, as_float: bool) -> str | None:
    """The kind of a file column whose pandas and DuckDB values compare alike, or None."""
    if pa_arrow.types.is_int64(arrow_type):
        return "int_as_float" if as_float else INT_KIND
    if pa_arrow.types.is_float64(arrow_type):
        return FLOAT_KIND
    if pa_arrow.types.is_string(arrow_type) or pa_arrow.types.is_large_string(arrow_type):
        return STRING_KIND
    if pa_arrow.types.is_boolean(arrow_type):
        return BOOL_KIND
    if pa_arrow.types.is_timestamp(arrow_type) and arrow_type.unit in ("us", "ms", "s"):
        return TIME_KIND
    return None


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
        translated = _translate(check, column, f"p{first + len(pushed)}")
        if translated is None:
            kept.append(check)
            continue
        condition, params = translated
        fails = f"(NOT {column.is_null} AND NOT coalesce({condition}, false))"
        pushed.append(SqlCheck(column.name, label, label.split("(", 1)[0].strip(), fails, params))
    return pushed, kept


# -- translating one check ----------------------------------------------------------------------------


Translation = tuple[str, dict[str, Any]]


def _translate(check: pa.Check, column: SqlColumn, prefix: str) -> Translation | None:
    """The SQL condition a passing value meets, with its parameters; None when not exact."""
    plain = check.native is False and check.ignore_na and not check.element_wise and not check.raise_warning
    if not plain or check.groupby is not None or check.n_failure_cases is not None:
        return None
    translate = TRANSLATORS.get(str(check.name))
    if translate is None:
        return None
    try:
        return translate(check.statistics or {}, column, prefix)
    except (TypeError, ValueError, KeyError):
        return None  # arguments SQL cannot state exactly: pandera decides


def _comparison(operator: str, key: str) -> Callable[[dict[str, Any], SqlColumn, str], Translation | None]:
    def translate(stats: dict[str, Any], column: SqlColumn, prefix: str) -> Translation | None:
        if operator not in ("=", "<>") and column.value_kind not in ORDERED_KINDS:
            return None
        bound = _bound(stats[key], column.value_kind)
        if bound is None:
            return None
        return f"{column.value} {operator} ${prefix}", {prefix: bound}

    return translate


def _in_range(stats: dict[str, Any], column: SqlColumn, prefix: str) -> Translation | None:
    low, high = _bound(stats["min_value"], column.value_kind), _bound(stats["max_value"], column.value_kind)
    if low is None or high is None or column.value_kind not in ORDERED_KINDS:
        return None
    left = ">=" if stats.get("include_min", True) else ">"
    right = "<=" if stats.get("include_max", True) else "<"
    condition = f"{column.value} {left} ${prefix}_lo AND {column.value} {right} ${prefix}_hi"
    return condition, {f"{prefix}_lo": low, f"{prefix}_hi": high}


def _membership(negate: bool, key: str) -> Callable[[dict[str, Any], SqlColumn, str], Translation | None]:
    def translate(stats: dict[str, Any], column: SqlColumn, prefix: str) -> Translation | None:
        values = [_bound(v, column.value_kind) for v in stats[key]]
        if not values or any(v is None for v in values) or len({type(v) for v in values}) > 1:
            return None
        member = f"{column.value} IN (SELECT unnest(${prefix}))"
        return (f"NOT ({member})" if negate else member), {prefix: values}

    return translate


def _str_matches(anchored: bool) -> Callable[[dict[str, Any], SqlColumn, str], Translation | None]:
    def translate(stats: dict[str, Any], column: SqlColumn, prefix: str) -> Translation | None:
        pattern = stats["pattern"]
        regex = re2_pattern(pattern, anchored) if isinstance(pattern, str) else None
        if column.value_kind != STRING_KIND or regex is None:
            return None
        return f"regexp_matches({column.value}, ${prefix})", {prefix: regex}

    return translate


def _affix(function: str) -> Callable[[dict[str, Any], SqlColumn, str], Translation | None]:
    def translate(stats: dict[str, Any], column: SqlColumn, prefix: str) -> Translation | None:
        if column.value_kind != STRING_KIND or not isinstance(stats["string"], str):
            return None
        return f"{function}({column.value}, ${prefix})", {prefix: stats["string"]}

    return translate


def _str_length(stats: dict[str, Any], column: SqlColumn, prefix: str) -> Translation | None:
    """pandas' ``str.len`` counts code points, as DuckDB's ``length`` does."""
    if column.value_kind != STRING_KIND:
        return None
    exact, low, high = stats.get("exact_value"), stats.get("min_value"), stats.get("max_value")
    limits = {"eq": exact} if exact is not None else {"ge": low, "le": high}
    if not all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in limits.values()):
        return None
    if all(v is None for v in limits.values()):
        return None
    operators = {"eq": "=", "ge": ">=", "le": "<="}
    parts = [f"length({column.value}) {operators[k]} ${prefix}_{k}" for k, v in limits.items() if v is not None]
    return " AND ".join(parts), {f"{prefix}_{k}": v for k, v in limits.items() if v is not None}


TRANSLATORS: dict[str, Callable[[dict[str, Any], SqlColumn, str], Translation | None]] = {
    "equal_to": _comparison("=", "value"),
    "not_equal_to": _comparison("<>", "value"),
    "greater_than": _comparison(">", "min_value"),
    "greater_than_or_equal_to": _comparison(">=", "min_value"),
    "less_than": _comparison("<", "max_value"),
    "less_than_or_equal_to": _comparison("<=", "max_value"),
    "in_range": _in_range,
    "isin": _membership(negate=False, key="allowed_values"),
    "notin": _membership(negate=True, key="forbidden_values"),
    "str_matches": _str_matches(anchored=True),
    "str_contains": _str_matches(anchored=False),
    "str_startswith": _affix("starts_with"),
    "str_endswith": _affix("suffix"),
    "str_length": _str_length,
}


def _bound(value: Any, kind: str) -> Any:
    """A check's argument as a parameter DuckDB compares exactly as pandas does, else None."""
    if kind in (INT_KIND, FLOAT_KIND):
        return _numeric_bound(value)
    if kind == STRING_KIND:
        return value if isinstance(value, str) else None
    if kind == BOOL_KIND:
        return bool(value) if isinstance(value, bool) else None
    if kind == TIME_KIND and isinstance(value, datetime):
        stamp = pd.Timestamp(value)
        if stamp.nanosecond or stamp.tzinfo is None:
            return None  # naive bounds against zoned columns raise in pandas: pandera reports it
        return stamp.to_pydatetime()
    return None


def _numeric_bound(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        import numpy as np

        if isinstance(value, (np.integer, np.floating)) and not isinstance(value, np.bool_):
            return _numeric_bound(value.item())
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    return value if -(2**63) <= value < 2**63 else None


# -- regular expressions ---------------------------------------------------------------------------------


def re2_pattern(pattern: str, anchored: bool) -> str | None:
    """An RE2 pattern that matches exactly where Python's ``re.match`` (or ``re.search``) does.

    Only a subset is translated: literals, ``.``, classes of literals and
    ranges, groups, alternation, repetition, ``^`` and a final ``$``. Classes
    like ``\\d`` or ``\\w`` are Unicode-aware in Python and ASCII in RE2, inline
    flags and look-arounds differ or do not exist: those patterns return None.
    Python's ``$`` also matches before a final newline, so a final ``$``
    becomes ``\\n?$`` (RE2's ``$`` is the end of the text).
    """
    parsed = _parse(pattern)
    if parsed is None or not _safe_text(pattern) or not _safe_items(list(parsed), top_level=True):
        return None
    body = pattern
    if len(parsed) and parsed[-1] == (_AT, _AT_END):
        body = pattern[:-1] + "(?:\n?$)"
    return f"^(?:{body})" if anchored else body


_ESCAPABLE = set("\\.^$|?*+()[]{}-/nrtf&~# '\"!,:;<=>@`%")


def _safe_text(pattern: str) -> bool:
    """No escapes or brace forms that Python and RE2 read differently."""
    escapes = re.findall(r"\\(.)", pattern, flags=re.DOTALL)
    if any(ch not in _ESCAPABLE for ch in escapes):
        return False
    braces = re.sub(r"\{\d+(,\d*)?\}", "", pattern)
    return "{" not in braces and "}" not in braces and "[:" not in pattern and "(?" not in pattern.replace("(?:", "")


def _parse(pattern: str) -> Any:
    import warnings

    try:
        import re._parser as sre_parse  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - Python < 3.11 is not supported anyway
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = sre_parse.parse(pattern)
    except (re.error, Warning, RecursionError):
        return None
    return parsed if parsed.state.flags in (0, re.UNICODE) else None


def _opcodes() -> dict[str, Any]:
    from re import _constants as c  # type: ignore[attr-defined]

    return {name: getattr(c, name) for name in dir(c) if name.isupper()}


_C = _opcodes()
_AT, _AT_END, _AT_BEGINNING = _C["AT"], _C["AT_END"], _C["AT_BEGINNING"]
_SIMPLE = {_C["LITERAL"], _C["NOT_LITERAL"], _C["ANY"]}
_REPEATS = {_C["MAX_REPEAT"], _C["MIN_REPEAT"]}
_CLASS_ITEMS = {_C["LITERAL"], _C["RANGE"], _C["NEGATE"]}


def _safe_items(items: list[Any], top_level: bool = False) -> bool:
    for position, (op, arg) in enumerate(items):
        last = top_level and position == len(items) - 1
        if not _safe_item(op, arg, last):
            return False
    return True


def _safe_item(op: Any, arg: Any, last: bool) -> bool:
    if op in _SIMPLE:
        return True
    if op == _C["IN"]:
        return all(item_op in _CLASS_ITEMS for item_op, _ in arg)
    if op in _REPEATS:
        low, high, sub = arg
        bounded = low <= RE2_REPEAT_LIMIT and (high == _C["MAXREPEAT"] or high <= RE2_REPEAT_LIMIT)
        return bounded and _safe_items(list(sub))
    if op == _C["SUBPATTERN"]:
        _, add_flags, del_flags, sub = arg
        return not add_flags and not del_flags and _safe_items(list(sub))
    if op == _C["BRANCH"]:
        return all(_safe_items(list(branch)) for branch in arg[1])
    if op == _AT:
        return arg == _AT_BEGINNING or (arg == _AT_END and last)
    return False


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
