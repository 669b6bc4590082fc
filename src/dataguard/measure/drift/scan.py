"""The counts and moments of each side, and the reference's sample (PSI edges, distinct counts):
aggregate queries in DuckDB over the Parquet files; nothing loads a column into Python. ``ref`` is
the reference, ``cur`` the current version; every figure covers non-null (for numbers: finite) values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import duckdb

from dataguard.common.rows import VersionRows
from dataguard.common.sql import column_chunks, quote_ident
from dataguard.measure.profile import (
    ColumnProfile,
    fetch_row,
    numeric_value,
    optional_float,
    relation_of,
    sample_step,
    sampled_rows,
)

# -- counts and moments ----------------------------------------------------------------------------


class StatsRequest(NamedTuple):
    """A column whose counts (and moments, when ``numeric``) a side needs, with its type in the file."""

    column: str
    sql_type: str
    numeric: bool


@dataclass(frozen=True)
class SideStats:
    """One column on one side: rows, nulls, and moments of its finite values."""

    rows: int
    nulls: int
    values: int  # the values the distribution figures compare (non-null, and finite for numbers)
    non_finite: int = 0  # NaN and infinities of a numeric column, left out of every figure but the null rate
    mean: float | None = None
    std: float | None = None  # ddof=1
    min: float | None = None
    max: float | None = None


def side_stats(
    con: duckdb.DuckDBPyConnection, source: Path | VersionRows | str, requests: Sequence[StatsRequest]
) -> tuple[int, dict[str, SideStats]]:
    """The rows' count and each requested column's counts and moments: one pass per chunk of columns."""
    rows, stats = 0, dict[str, SideStats]()
    for chunk in column_chunks(requests):
        inner, outer = ["1 AS one"], ["count(*) AS rows"]
        for i, req in enumerate(chunk):
            inner.append(f"{quote_ident(req.column)} IS NOT NULL AS c{i}_present")
            outer.append(f"coalesce(count_if(c{i}_present), 0) AS c{i}_n")
            if req.numeric:  # non-finite values become NULL once here, so plain aggregates skip them
                v = numeric_value(req.column, req.sql_type)
                inner.append(f"CASE WHEN isfinite({v}) THEN {v} END AS c{i}_v")
                outer += [f"{agg}(c{i}_v) AS c{i}_{name}" for name, agg in _MOMENTS]
        query = f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {relation_of(source)})"
        row = fetch_row(con, query, {})
        rows = int(row["rows"])
        stats |= {req.column: _side(row, f"c{i}", rows, req) for i, req in enumerate(chunk)}
    return rows, stats


def side_of(found: ColumnProfile, numeric: bool) -> SideStats:
    """A column's side from its profile, which counted the same values with the same expressions."""
    present = found.rows - found.nulls
    if not numeric:
        return SideStats(rows=found.rows, nulls=found.nulls, values=present)
    return SideStats(
        rows=found.rows,
        nulls=found.nulls,
        values=present - found.non_finite,
        non_finite=found.non_finite,
        mean=found.mean,
        std=found.std,
        min=optional_float(found.min),
        max=optional_float(found.max),
    )


_MOMENTS = (("finite", "count"), ("mean", "avg"), ("std", "stddev_samp"), ("min", "min"), ("max", "max"))


def _side(row: Mapping[str, Any], key: str, rows: int, req: StatsRequest) -> SideStats:
    non_null = int(row[f"{key}_n"])
    if not req.numeric:
        return SideStats(rows=rows, nulls=rows - non_null, values=non_null)
    finite = int(row[f"{key}_finite"])
    return SideStats(
        rows=rows,
        nulls=rows - non_null,
        values=finite,
        non_finite=non_null - finite,
        mean=optional_float(row[f"{key}_mean"]),
        std=optional_float(row[f"{key}_std"]),
        min=optional_float(row[f"{key}_min"]),
        max=optional_float(row[f"{key}_max"]),
    )


@dataclass(frozen=True)
class SampleRequest:
    column: str
    sql_type: str
    quantiles: tuple[float, ...] = ()  # for a numeric column: its quantiles at these probabilities
    distinct: bool = False  # its approximate distinct count


@dataclass(frozen=True)
class Sampled:
    quantiles: tuple[float, ...]
    distinct: int | None
    step: int  # 1: every row; k: every k-th row


def reference_sample(
    con: duckdb.DuckDBPyConnection, source: Path | VersionRows | str, rows: int, requests: Sequence[SampleRequest]
) -> dict[str, Sampled]:
    """Quantiles (``quantile_disc``) and distinct counts over every k-th row: exact up to 200,000 rows.

    Exact quantiles hold every value in memory; a fixed stride keeps them
    deterministic and within the engine's memory ceiling at any size.
    """
    if not requests:
        return {}
    step = sample_step(rows)
    found: dict[str, Sampled] = {}
    for chunk in column_chunks(requests):
        parts, params = [], dict[str, Any]({"step": step})
        for i, req in enumerate(chunk):
            if req.quantiles:
                v = numeric_value(req.column, req.sql_type)
                parts.append(f"quantile_disc({v}, $q{i}) FILTER (WHERE isfinite({v})) AS c{i}_q")
                params[f"q{i}"] = list(req.quantiles)
            if req.distinct:
                parts.append(f"approx_count_distinct({quote_ident(req.column)}) AS c{i}_distinct")
        row = (
            fetch_row(con, f"SELECT {', '.join(parts)} FROM {sampled_rows(relation_of(source))}", params)
            if parts
            else {}
        )
        found |= {
            req.column: Sampled(
                quantiles=tuple(float(q) for q in row.get(f"c{i}_q") or ()),
                distinct=int(row[f"c{i}_distinct"]) if req.distinct else None,
                step=step,
            )
            for i, req in enumerate(chunk)
        }
    return found


def bind(query: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The query with just the parameters it names (DuckDB refuses unused ones)."""
    return query, {name: params[name] for name in set(re.findall(r"\$(\w+)", query))}
