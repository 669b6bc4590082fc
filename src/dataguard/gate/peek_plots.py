"""The peek's small distributions: shared-edge histograms for numbers and the shares of the top
values for categories, of the data training receives and of its reference, counted in DuckDB."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from dataguard.common.rows import VersionRows
from dataguard.common.sql import engine, quote_ident
from dataguard.measure.profile import ColumnProfile, column_types, numeric_value, relation_of
from dataguard.spec.drift import CATEGORICAL, NUMERIC

HISTOGRAM_BINS = 20
TOP_VALUES = 10


@dataclass(frozen=True)
class Distribution:
    """Bins with the share of non-null values in each (``reference_share`` None without a reference)."""

    column: str
    kind: str  # numeric | categorical
    bins: list[dict[str, Any]]


# --- distributions ------------------------------------------------------------------------------


def distributions(
    clean: Path | VersionRows,
    current: Sequence[ColumnProfile],
    reference: Path | VersionRows | None,
    ref_columns: dict[str, ColumnProfile],
) -> list[Distribution]:
    """Per numeric or categorical column: its bins here, and in the reference when it has the column.

    One pass over each file bins every column at once.
    """
    compared = {c.column for c in current if reference is not None and _same_kind(c, ref_columns.get(c.column))}
    edges = {
        c.column: column_edges
        for c in current
        if c.kind == NUMERIC and (column_edges := histogram_edges(c, ref_columns.get(c.column))) is not None
    }
    categories = {
        c.column: _category_values(c, ref_columns.get(c.column) if c.column in compared else None)
        for c in current
        if c.kind == CATEGORICAL and c.top_categories
    }
    with engine() as con:
        here = bin_columns(con, clean, edges, categories)
        there: dict[str, dict[Any, int]] = {}
        if reference is not None:
            there = bin_columns(
                con,
                reference,
                {k: v for k, v in edges.items() if k in compared},
                {k: v for k, v in categories.items() if k in compared},
            )
    found: list[Distribution] = []
    for c in current:
        ref = ref_columns.get(c.column) if c.column in compared else None
        if c.column in edges:
            bins = _numeric_bins(edges[c.column], here[c.column], there.get(c.column))
            found.append(Distribution(c.column, NUMERIC, bins))
        elif c.column in categories:
            bins = _category_bins(categories[c.column], here[c.column], _values(c), there.get(c.column), _values(ref))
            found.append(Distribution(c.column, CATEGORICAL, bins))
    return found


def _same_kind(current: ColumnProfile, ref: ColumnProfile | None) -> bool:
    return ref is not None and ref.kind == current.kind


def _values(column: ColumnProfile | None) -> int:
    """Non-null values of a column."""
    return 0 if column is None else column.rows - column.nulls


def bin_columns(
    con: duckdb.DuckDBPyConnection,
    path: Path | VersionRows,
    edges: dict[str, list[float]],
    categories: dict[str, list[str]],
) -> dict[str, dict[Any, int]]:
    """Per numeric column, rows per bin index; per categorical column, rows per listed value.

    One narrow scan per column: Parquet reads only that column, and a GROUP BY
    is several times faster in DuckDB than one wide pass of ``histogram()`` aggregates.
    """
    types = column_types(con, path)
    found: dict[str, dict[Any, int]] = {}
    for name, column_edges in edges.items():
        found[name] = numeric_bins(con, path, numeric_value(name, types[name]), column_edges)
    for name, values in categories.items():
        found[name] = category_counts(con, path, name, values)
    return found


def numeric_bins(
    con: duckdb.DuckDBPyConnection, path: Path | VersionRows, value: str, edges: list[float]
) -> dict[int, int]:
    """Rows per bin as ``numpy.histogram`` places them: ``edges[i] <= v < edges[i + 1]``, the last bin closed.

    ``edges`` are numpy's ``linspace`` (edge i is ``i * step + low``, the last is
    ``high``), so the bin is computed arithmetically, then moved by one where
    rounding put a value on the wrong side of an edge. Nulls and non-finite values
    are in no bin; with one bin (every value equal) all are in bin 0.
    """
    bins = len(edges) - 1
    params = {"low": edges[0], "high": edges[-1], "step": (edges[-1] - edges[0]) / bins, "n": bins}
    rows = con.execute(
        f"""SELECT CASE WHEN v < g * $step + $low THEN g - 1
                        WHEN g < $n - 1 AND v >= (CASE WHEN g + 1 = $n THEN $high ELSE (g + 1) * $step + $low END)
                        THEN g + 1
                        ELSE g END AS bin,
                   count(*)
            FROM (SELECT v, coalesce(least(greatest(CAST(floor((v - $low) / nullif($step, 0)) AS BIGINT), 0), $n - 1),
                                     0) AS g
                  FROM (SELECT {value} AS v FROM {relation_of(path)}) WHERE isfinite(v))
            GROUP BY bin""",
        params,
    ).fetchall()
    return {int(index): int(n) for index, n in rows}


def category_counts(
    con: duckdb.DuckDBPyConnection, path: Path | VersionRows, column: str, values: list[str]
) -> dict[str, int]:
    """Rows per listed value (compared as text)."""
    text = f"CAST({quote_ident(column)} AS VARCHAR)"
    con.register("wanted", pa.table({"value": pa.array(values, pa.string())}))
    try:
        rows = con.execute(
            f"""SELECT {text} AS value, count(*) FROM {relation_of(path)}
                WHERE {text} IN (SELECT value FROM wanted) GROUP BY ALL"""
        ).fetchall()
    finally:
        con.unregister("wanted")
    return {str(value): int(n) for value, n in rows}


def histogram_edges(
    current: ColumnProfile, ref: ColumnProfile | None, bins: int = HISTOGRAM_BINS
) -> list[float] | None:
    """``bins`` equal-width bins over both versions' finite range (numpy's edges); one when all values are equal."""
    import numpy as np

    lows = [p.min for p in (current, ref) if p is not None and isinstance(p.min, float)]
    highs = [p.max for p in (current, ref) if p is not None and isinstance(p.max, float)]
    if not lows or not highs:
        return None
    low, high = min(lows), max(highs)
    if low == high:
        return [low, high]
    return [float(edge) for edge in np.linspace(low, high, bins + 1)]


def _numeric_bins(edges: list[float], here: dict[Any, int], there: dict[Any, int] | None) -> list[dict[str, Any]]:
    count = len(edges) - 1

    def shares(found: dict[Any, int] | None) -> list[float | None]:
        total = sum((found or {}).values())
        return [int(found.get(i, 0)) / total if found is not None and total else None for i in range(count)]

    labels = [f"{_edge(edges[i])} to {_edge(edges[i + 1])}" for i in range(count)]
    return [
        {"label": label, "current_share": cur, "reference_share": ref}
        for label, cur, ref in zip(labels, shares(here), shares(there), strict=True)
    ]


def _edge(value: float) -> str:
    return f"{value:.4g}"


def _category_values(current: ColumnProfile, ref: ColumnProfile | None) -> list[str]:
    """This version's top values, then the reference's top values it lacks."""
    values = [c.value for c in current.top_categories]
    if ref is not None:
        values += [c.value for c in ref.top_categories if c.value not in values]
    return values


def _category_bins(
    values: list[str], here: dict[Any, int], here_values: int, there: dict[Any, int] | None, there_values: int
) -> list[dict[str, Any]]:
    """Each listed value's share of the non-null values, here and in the reference (None without one)."""

    def share(found: dict[Any, int] | None, total: int, value: str) -> float | None:
        return None if found is None or not total else int(found.get(value, 0)) / total

    return [
        {"label": v, "current_share": share(here, here_values, v), "reference_share": share(there, there_values, v)}
        for v in values
    ]
