"""One pandera built-in check as a SQL condition a passing value meets, with pandera's semantics pinned.

A check is translated only when SQL states it exactly for the column's kind
(a type DuckDB and pandas read alike) and its arguments; otherwise the answer
is None and pandera runs the check. Arguments become bound parameters; sets
one list parameter joined with ``IN (SELECT unnest(...))``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow

from dataguard.checks.re2 import re2_pattern
from dataguard.common.sql import quote_ident

INT_KIND, FLOAT_KIND, STRING_KIND, BOOL_KIND, TIME_KIND = "int", "float", "string", "bool", "timestamp"
ORDERED_KINDS = (INT_KIND, FLOAT_KIND, STRING_KIND, TIME_KIND)


@dataclass(frozen=True)
class SqlColumn:
    """A column as SQL sees it: the expression of its value, what counts as null in it, and the kind
    of value a check compares it with."""

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


Translation = tuple[str, dict[str, Any]]


def translate_check(check: pa.Check, column: SqlColumn, prefix: str) -> Translation | None:
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
