"""Column kinds and per-version column profiles (the metric history).

A profile is what a version's clean rows look like, column by column: rows, null rate, mean,
standard deviation, min, max, quantiles, distinct count and top categories, from one DuckDB
pass over the rows (plus a GROUP BY per categorical column for its top categories (above 2M
distinct values, of the candidates in an even sample: see top_categories), and one over the
rows whose ``_row_id`` is a multiple of k for quantiles: exact up to 200,000 rows, within the
engine's memory ceiling). The distinct count is DuckDB's HyperLogLog estimate
(``approx_count_distinct``): exact counts would cost a hash of every value.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from dataguard.common.rows import VersionRows
from dataguard.common.sql import column_chunks, engine, quote_ident
from dataguard.spec.drift import CATEGORICAL, NUMERIC, OTHER, TEMPORAL
from dataguard.spec.source import ROW_ID

PROFILE_QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
QUANTILE_SAMPLE_ROWS = 200_000  # quantiles are exact up to this many rows, then over every k-th row
TOP_CATEGORIES = 10
TOP_EXACT_MAX_DISTINCT = 2_000_000  # above: top values found in the even sample, then counted exactly
TOP_CANDIDATES = 100
CATEGORY_MAX = 100_000  # the sketch keeps a text column's category counts up to this many distinct values
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
_NUMERIC_TYPES = (*_INTEGER_TYPES, *("U" + t for t in _INTEGER_TYPES), "FLOAT", "DOUBLE")


@dataclass(frozen=True)
class CategoryShare:
    value: str
    rows: int
    share: float  # of the column's non-null values


@dataclass(frozen=True)
class ColumnProfile:
    """One column of one version. Moments and quantiles cover finite non-null values only."""

    column: str
    kind: str  # numeric | categorical | temporal | other
    sql_type: str
    rows: int
    nulls: int
    null_rate: float
    distinct: int  # approximate (HyperLogLog)
    mean: float | None = None
    std: float | None = None  # sample standard deviation (ddof=1)
    min: float | str | None = None  # ISO text for temporal columns
    max: float | str | None = None
    # (probability, value): quantile_disc (numpy's inverted_cdf), over every k-th row above 200,000 rows
    quantiles: tuple[tuple[float, float], ...] = ()
    top_categories: tuple[CategoryShare, ...] = ()
    non_finite: int = 0  # NaN and infinities of a numeric column: not null, but in no moment or quantile


def profile_from_json(data: Mapping[str, Any]) -> ColumnProfile | None:
    """A stored profile read back; None for a numeric one stored before NaN and infinities were counted."""
    if data.get("kind") == NUMERIC and "non_finite" not in data:
        return None
    tops = tuple(CategoryShare(**top) for top in data.get("top_categories") or ())
    quantiles = tuple((float(p), float(q)) for p, q in data.get("quantiles") or ())
    return ColumnProfile(**{**data, "quantiles": quantiles, "top_categories": tops})


def type_family(sql_type: str) -> str:
    """numeric, categorical (text, booleans), temporal or other, from a DuckDB type name."""
    base = sql_type.split("(", 1)[0].strip().upper()
    if base in _NUMERIC_TYPES or base == "DECIMAL":
        return NUMERIC
    if base in ("VARCHAR", "BOOLEAN", "ENUM"):
        return CATEGORICAL
    if base.startswith(("TIMESTAMP", "DATE")):
        return TEMPORAL
    return OTHER


def relation_of(source: Path | VersionRows | str) -> str:
    """A DuckDB table expression of the rows: a VersionRows' clean rows (``_row_id`` first), a Parquet file's
    rows with their positions as ``_row_id``, or a table expression as it is."""
    if isinstance(source, str):
        return source
    rows = source if isinstance(source, VersionRows) else VersionRows(Path(source))
    return rows.relation()


def column_types(con: duckdb.DuckDBPyConnection, source: Path | VersionRows | str) -> dict[str, str]:
    """Column name -> DuckDB type of the rows, in file order (``_row_id`` included)."""
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation_of(source)}").fetchall()
    return {str(name): str(sql_type) for name, sql_type, *_ in rows}


def sample_step(rows: int) -> int:
    """Every k-th row keeps at most QUANTILE_SAMPLE_ROWS rows: k (1 up to that many rows)."""
    return max(1, -(-rows // QUANTILE_SAMPLE_ROWS))


def sampled_rows(relation: str) -> str:
    """The rows whose ``_row_id`` is a multiple of ``$step``: a deterministic, even sample."""
    return f"(SELECT * FROM {relation} WHERE {quote_ident(ROW_ID)} % $step = 0)"


def numeric_value(column: str, sql_type: str) -> str:
    """The SQL expression that reads a column as DOUBLE (temporal columns as epoch seconds)."""
    if type_family(sql_type) == TEMPORAL:
        return f"epoch({quote_ident(column)})"
    return f"CAST({quote_ident(column)} AS DOUBLE)"


def profile(
    rows: VersionRows | Path,
    columns: Iterable[str] | None = None,
    kinds: Mapping[str, str] | None = None,
    scratch: Path | None = None,
    sketch_to: Path | None = None,
    uncelled: Collection[str] = (),
) -> tuple[ColumnProfile, ...]:
    """Profile the clean rows' columns (default: all but ``_row_id``).

    ``kinds`` overrides a column's kind (``numeric`` or ``categorical``), e.g.
    a low-cardinality integer profiled as categories. ``sketch_to``: also write the
    rows' sketch there (``dataguard.measure.sketch``; every column), from the same pass;
    ``uncelled``: columns drift never compares, sketched without cells (a GROUP BY each, saved).
    """
    relation = relation_of(rows)
    with engine(scratch) as con:
        types = column_types(con, relation)
        names = [c for c in types if c != ROW_ID] if columns is None or sketch_to else list(columns)
        plan = {name: (kinds or {}).get(name) or type_family(types[name]) for name in names}
        total = int(fetch_row(con, f"SELECT count(*) AS rows FROM {relation}", {})["rows"])
        row = _profile_row(con, relation, plan, types, total, sketching=sketch_to is not None)
        counts: dict[str, dict[str, int]] = {}
        counted: dict[str, Any] = {}
        if sketch_to is not None:
            from dataguard.measure.sketch import sample

            counts, counted = sample.counted(con, relation, types, row, names, uncelled)
        found = tuple(
            _column_profile(con, relation, (name, plan[name], types[name]), row, f"c{i}", counts if sketch_to else None)
            for i, name in enumerate(names)
        )
        if sketch_to is not None:
            from dataguard.measure.sketch.build import build_sketch
            from dataguard.measure.sketch.model import write_sketch

            even = sample.even_sample(row, plan)
            built = build_sketch(con, relation, types, found, counts, sample=even, counted=counted, uncelled=uncelled)
            write_sketch(built, sketch_to)
    wanted = None if columns is None else set(columns)
    return tuple(p for p in found if wanted is None or p.column in wanted)


def _profile_row(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    plan: Mapping[str, str],
    types: Mapping[str, str],
    rows: int,
    *,
    sketching: bool = False,
) -> dict[str, Any]:
    """Every column's counts and moments, named c<i>_<figure>.

    One scan per COLUMNS_PER_QUERY columns: Parquet is read by column, so the
    scans together read each column once, and a wide file (thousands of
    columns) is not planned as one enormous query. ``sketching``: the same scan
    also gathers the even sample (``dataguard.measure.sketch.sample``) and takes the quantiles from it.
    """
    if sketching:
        from dataguard.measure.sketch import sample
    keyed = [(f"c{i}", name, kind) for i, (name, kind) in enumerate(plan.items())]
    row: dict[str, Any] = {"rows": rows}
    params = {"step": sample_step(rows), "probs": list(PROFILE_QUANTILES)}
    for chunk in column_chunks(keyed):
        if not chunk:
            break
        inner = [expr for key, name, kind in chunk for expr in _inputs(key, name, kind, types[name])]
        parts = [part for key, name, kind in chunk for part in _figures(key, kind)]
        if sketching:
            inner += [f"{quote_ident(ROW_ID)} % $step = 0 AS _sampled"]
            inner += [e for key, name, kind in chunk for e in sample.sample_inputs(key, name, kind, types[name])]
            parts += [p for key, name, kind in chunk for p in sample.sample_figures(key, kind, types[name])]
        query = f"SELECT {', '.join(parts)} FROM (SELECT {', '.join(inner)} FROM {relation})"
        if sketching:
            row |= sample.sampled_row(
                con, query, {"step": params["step"]}, [key for key, _, kind in chunk if kind == NUMERIC]
            )
            continue
        row |= fetch_row(con, query, {})
        quantiles = [
            f"quantile_disc({v}, $probs) FILTER (WHERE isfinite({v})) AS {key}_q"
            for key, name, kind in chunk
            if kind == NUMERIC
            for v in [numeric_value(name, types[name])]
        ]
        if quantiles:
            row |= fetch_row(con, f"SELECT {', '.join(quantiles)} FROM {sampled_rows(relation)}", params)
    return row


def _inputs(key: str, name: str, kind: str, sql_type: str) -> list[str]:
    """One column's inputs to its figures: the value, and for a number its finite value (else NULL).

    Non-finite values become NULL once here, so the moments are plain aggregates:
    half the work of a FILTER (WHERE isfinite(...)) on each of them.
    """
    inputs = [f"{quote_ident(name)} AS {key}"]
    if kind == NUMERIC:
        v = numeric_value(name, sql_type)
        inputs.append(f"CASE WHEN isfinite({v}) THEN {v} END AS {key}_v")
    return inputs


def _figures(key: str, kind: str) -> list[str]:
    """The aggregate expressions of one column's profile, over its _inputs."""
    parts = [f"count({key}) AS {key}_n", f"approx_count_distinct({key}) AS {key}_distinct"]
    if kind == NUMERIC:
        parts += [f"count({key}_v) AS {key}_finite"] + [f"{agg}({key}_v) AS {key}_{name}" for name, agg in MOMENTS]
    elif kind == TEMPORAL:
        parts += [f"CAST(min({key}) AS VARCHAR) AS {key}_min", f"CAST(max({key}) AS VARCHAR) AS {key}_max"]
    return parts


MOMENTS = (("mean", "avg"), ("std", "stddev_samp"), ("min", "min"), ("max", "max"))


def fetch_row(con: duckdb.DuckDBPyConnection, query: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The one row of an aggregate query, by column name."""
    cursor = con.execute(query, dict(params))
    names = [d[0] for d in cursor.description]
    values = cursor.fetchone()
    if values is None:
        raise RuntimeError(f"an aggregate query returned no row: {query[:80]}")
    return dict(zip(names, values, strict=True))


def _column_profile(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    column: tuple[str, str, str],
    row: Mapping[str, Any],
    key: str,
    counts: dict[str, dict[str, int]] | None = None,
) -> ColumnProfile:
    """One column's profile; ``counts``: the category counts of text columns, gathered for the sketch."""
    name, kind, sql_type = column
    rows, values = int(row["rows"]), int(row[f"{key}_n"])
    base = ColumnProfile(
        column=name,
        kind=kind,
        sql_type=sql_type,
        rows=rows,
        nulls=rows - values,
        null_rate=(rows - values) / rows if rows else 0.0,
        distinct=int(row[f"{key}_distinct"]),
    )
    if kind == NUMERIC:
        quantiles = row[f"{key}_q"] or []
        return replace(
            base,
            mean=optional_float(row[f"{key}_mean"]),
            std=optional_float(row[f"{key}_std"]),
            min=optional_float(row[f"{key}_min"]),
            max=optional_float(row[f"{key}_max"]),
            quantiles=tuple(zip(PROFILE_QUANTILES, (float(q) for q in quantiles), strict=False)),
            non_finite=values - int(row[f"{key}_finite"]),
        )
    if kind == TEMPORAL:
        return replace(base, min=row[f"{key}_min"], max=row[f"{key}_max"])
    if counts is not None and name in counts and kind == CATEGORICAL:
        ranked = sorted(counts[name].items(), key=lambda item: (-item[1], item[0]))[:TOP_CATEGORIES]
        return replace(base, top_categories=tuple(CategoryShare(v, n, n / values) for v, n in ranked))
    if kind == CATEGORICAL:
        return replace(base, top_categories=top_categories(con, relation, name, values, distinct=base.distinct))
    return base


def top_categories(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    column: str,
    values: int,
    top: int = TOP_CATEGORIES,
    distinct: int = 0,
) -> tuple[CategoryShare, ...]:
    """The most frequent non-null values, most rows first (ties by value), with their exact rows.

    Up to TOP_EXACT_MAX_DISTINCT distinct values (``distinct``: the profile's
    estimate) every value is counted. Above, a GROUP BY of every value needs a
    hash table of the whole column, which DuckDB could not spill (100M
    distinct strings ran out of 256 MB): the candidates are then the
    TOP_CANDIDATES most frequent values of the even sample (every k-th row,
    as for quantiles), and only they are counted over every row. A value with
    more than about 0.01% of the rows is in that sample; among rare values that
    tie, the ones listed may differ from a full sort's. Both ways are deterministic.
    """
    col = quote_ident(column)
    params: dict[str, Any] = {"top": top}
    candidates = ""
    if distinct > TOP_EXACT_MAX_DISTINCT:
        candidates = f"""AND {col} IN (SELECT {col} FROM {sampled_rows(relation)} WHERE {col} IS NOT NULL GROUP BY {col}
                                       ORDER BY count(*) DESC, CAST({col} AS VARCHAR) LIMIT $candidates)"""
        params |= {"step": sample_step(values), "candidates": TOP_CANDIDATES}
    rows = con.execute(
        f"""SELECT CAST({col} AS VARCHAR) AS value, count(*) AS n FROM {relation}
            WHERE {col} IS NOT NULL {candidates} GROUP BY {col} ORDER BY n DESC, value LIMIT $top""",
        params,
    ).fetchall()
    return tuple(CategoryShare(str(value), int(n), int(n) / values) for value, n in rows)


def optional_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
