"""The peek: exactly what training receives, looked at right before it does.

A peek reads the clean Parquet file that ``open_validated`` handed out (after
its fingerprint was verified) and computes, all in DuckDB:

- a seeded random sample of rows: ``k`` positions drawn without replacement by
  numpy's ``default_rng(seed)``, read in file order (the same seed gives the
  same rows of the same file);
- per-column figures from ``dataguard.measure.profile`` (count, nulls, mean, sample
  standard deviation, min, max, quantiles; top values for categories);
- small distributions (shared-edge histograms for numbers, shares of the top
  values for categories) of this data and of the reference version's;
- the differences between this data's figures and the reference's
  (``dataguard.measure.reference`` chooses the reference).

``dataguard.gate.peek_html`` renders it as one self-contained page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dataguard.catalog.db import CatalogDB
from dataguard.common.sql import engine, quote_ident
from dataguard.errors import BadInput
from dataguard.gate.validated import ValidatedVersion
from dataguard.measure.profile import ColumnProfile, column_types, numeric_value, profile
from dataguard.measure.reference import choose_reference
from dataguard.spec import defaults
from dataguard.spec.drift import CATEGORICAL, NUMERIC, TEMPORAL

DEFAULT_SAMPLE_ROWS = defaults.PEEK_SAMPLE_ROWS
MAX_SAMPLE_ROWS = 10_000  # a page, not an export: more rows belong in to_pandas()
DEFAULT_SEED = defaults.PEEK_SEED
HISTOGRAM_BINS = 20
SUMMARY_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
TOP_VALUES = 10


@dataclass(frozen=True)
class Difference:
    """One figure of one column, here and in the reference; ``change`` is here minus reference."""

    column: str
    figure: str
    reference: int | float | str | None
    current: int | float | str | None
    change: int | float | None


@dataclass(frozen=True)
class Distribution:
    """Bins with the share of non-null values in each (``reference_share`` None without a reference)."""

    column: str
    kind: str  # numeric | categorical
    bins: list[dict[str, Any]]


@dataclass(frozen=True)
class Peek:
    dataset: str
    version: int
    revision: int
    verdict: str
    clean_path: str
    clean_fingerprint: str
    verified: bool
    rows: int
    seed: int
    sample: list[dict[str, Any]]  # the sampled rows, in file order
    sample_columns: list[str]
    sample_positions: list[int]  # their positions in the clean file (0-based)
    columns: tuple[ColumnProfile, ...]
    reference_version: int | None
    reference_reason: str
    reference_columns: dict[str, ColumnProfile] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)


def build_peek(
    db: CatalogDB, opened: ValidatedVersion, rows: int = DEFAULT_SAMPLE_ROWS, seed: int = DEFAULT_SEED
) -> Peek:
    """Everything the peek page shows, for the data ``opened`` hands to training."""
    check_sample_size(rows)
    clean = opened.clean_path
    current = profile(clean)
    reference = choose_reference(db, opened.dataset, opened.version)
    ref_columns = _reference_profiles(reference.clean_path, reference.version, opened.version)
    table, positions = sample_rows(clean, rows, seed)
    plotted = distributions(clean, current, reference.clean_path if ref_columns else None, ref_columns)
    return Peek(
        dataset=opened.dataset,
        version=opened.version,
        revision=opened.revision,
        verdict=opened.verdict,
        clean_path=str(clean),
        clean_fingerprint=opened.clean_fingerprint,
        verified=opened.verified,
        rows=int(pq.ParquetFile(clean).metadata.num_rows),
        seed=seed,
        sample=table.to_pylist(),
        sample_columns=table.column_names,
        sample_positions=positions,
        columns=current,
        reference_version=reference.version if ref_columns else None,
        reference_reason=reference.reason,
        reference_columns=ref_columns,
        differences=differences(current, ref_columns, plotted),
        distributions=plotted,
    )


def check_sample_size(rows: int) -> None:
    if not 1 <= rows <= MAX_SAMPLE_ROWS:
        raise BadInput(
            f"the peek samples 1 to {MAX_SAMPLE_ROWS:,} rows (got {rows})",
            hint="read more rows with open_validated(...).to_pandas() or .iter_batches()",
        )


def _reference_profiles(path: Path | None, version: int | None, current: int) -> dict[str, ColumnProfile]:
    if path is None or version is None or version == current or not path.is_file():
        return {}
    return {p.column: p for p in profile(path)}


# --- the sample -------------------------------------------------------------------------------


def sample_positions(total: int, rows: int, seed: int) -> list[int]:
    """``rows`` distinct positions of ``total`` (all when fewer), drawn with ``seed``, ascending."""
    import numpy as np

    if rows >= total:
        return list(range(total))
    picked = np.random.default_rng(seed).choice(total, size=rows, replace=False)
    return sorted(int(p) for p in picked)


def sample_rows(path: Path, rows: int, seed: int) -> tuple[pa.Table, list[int]]:
    """The seeded sample of a Parquet file's rows, in file order, with their positions."""
    positions = sample_positions(int(pq.ParquetFile(path).metadata.num_rows), rows, seed)
    with engine() as con:
        con.register("picked", pa.table({"position": pa.array(positions, pa.int64())}))
        table = con.sql(
            """SELECT * EXCLUDE (file_row_number) FROM read_parquet($path, file_row_number = true)
               WHERE file_row_number IN (SELECT position FROM picked) ORDER BY file_row_number""",
            params={"path": str(path)},
        ).to_arrow_table()
    return table, positions


# --- differences from the reference -------------------------------------------------------------

NUMERIC_FIGURES = ("rows", "nulls", "null_rate", "mean", "std", "min", "median", "max", "mean_shift_sd")
OTHER_FIGURES = ("rows", "nulls", "null_rate", "distinct", "min", "max")
SHARE_PREFIX = "share:"  # categorical figures: "share:<value>", that value's share of the non-null values
_COUNTS = ("rows", "nulls", "distinct")

Figure = int | float | str | None


def figure(column: ColumnProfile, name: str) -> Figure:
    """One named figure of a column profile (``median`` is its 0.5 quantile)."""
    if name == "median":
        return quantile(column, 0.5)
    value = getattr(column, name)
    if value is None or isinstance(value, str):
        return value
    return int(value) if name in _COUNTS else float(value)


def quantile(column: ColumnProfile, probability: float) -> float | None:
    return dict(column.quantiles).get(probability)


def differences(
    current: Sequence[ColumnProfile], reference: dict[str, ColumnProfile], plotted: Sequence[Distribution] = ()
) -> list[Difference]:
    """Per column present in both, each figure here and in the reference; added and gone columns too.

    A categorical column's top values are compared by their exact shares in ``plotted``.
    """
    if not reference:
        return []
    found: list[Difference] = []
    here = {c.column for c in current}
    bins = {d.column: d.bins for d in plotted if d.kind == CATEGORICAL}
    for column in current:
        ref = reference.get(column.column)
        if ref is None:
            found.append(Difference(column.column, "column", None, "added", None))
            continue
        found += _column_differences(column, ref, bins.get(column.column, []))
    found += [Difference(name, "column", "present", "gone", None) for name in reference if name not in here]
    return found


def _column_differences(current: ColumnProfile, ref: ColumnProfile, bins: list[dict[str, Any]]) -> list[Difference]:
    if current.kind != ref.kind:
        return [Difference(current.column, "kind", ref.kind, current.kind, None)]
    if current.kind == NUMERIC:
        names = [n for n in NUMERIC_FIGURES if n != "mean_shift_sd"]
        return [*(_difference(current, ref, n) for n in names), _mean_shift(current, ref)]
    found = [_difference(current, ref, n) for n in OTHER_FIGURES if current.kind == TEMPORAL or n not in ("min", "max")]
    return found + [_category_share(current.column, b) for b in bins]


def _difference(current: ColumnProfile, ref: ColumnProfile, name: str) -> Difference:
    before, now = figure(ref, name), figure(current, name)
    numbers = isinstance(before, int | float) and isinstance(now, int | float)
    return Difference(current.column, name, before, now, now - before if numbers else None)  # type: ignore[operator]


def _category_share(column: str, bin_: dict[str, Any]) -> Difference:
    """A top value's exact share of the non-null values, here and in the reference."""
    before, now = bin_["reference_share"], bin_["current_share"]
    change = now - before if before is not None and now is not None else None
    return Difference(column, SHARE_PREFIX + str(bin_["label"]), before, now, change)


def _mean_shift(current: ColumnProfile, ref: ColumnProfile) -> Difference:
    """How far the mean moved, in the reference's standard deviations."""
    shift = None
    if current.mean is not None and ref.mean is not None and ref.std:
        shift = (current.mean - ref.mean) / ref.std
    return Difference(current.column, "mean_shift_sd", None, shift, shift)


# --- distributions ------------------------------------------------------------------------------


def distributions(
    clean: Path, current: Sequence[ColumnProfile], reference: Path | None, ref_columns: dict[str, ColumnProfile]
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
    con: duckdb.DuckDBPyConnection, path: Path, edges: dict[str, list[float]], categories: dict[str, list[str]]
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


def numeric_bins(con: duckdb.DuckDBPyConnection, path: Path, value: str, edges: list[float]) -> dict[int, int]:
    """Rows per bin as ``numpy.histogram`` places them: ``edges[i] <= v < edges[i + 1]``, the last bin closed.

    ``edges`` are numpy's ``linspace`` (edge i is ``i * step + low``, the last is
    ``high``), so the bin is computed arithmetically, then moved by one where
    rounding put a value on the wrong side of an edge. Nulls and non-finite values
    are in no bin; with one bin (every value equal) all are in bin 0.
    """
    bins = len(edges) - 1
    params = {"path": str(path), "low": edges[0], "high": edges[-1], "step": (edges[-1] - edges[0]) / bins, "n": bins}
    rows = con.execute(
        f"""SELECT CASE WHEN v < g * $step + $low THEN g - 1
                        WHEN g < $n - 1 AND v >= (CASE WHEN g + 1 = $n THEN $high ELSE (g + 1) * $step + $low END)
                        THEN g + 1
                        ELSE g END AS bin,
                   count(*)
            FROM (SELECT v, coalesce(least(greatest(CAST(floor((v - $low) / nullif($step, 0)) AS BIGINT), 0), $n - 1),
                                     0) AS g
                  FROM (SELECT {value} AS v FROM read_parquet($path)) WHERE isfinite(v))
            GROUP BY bin""",
        params,
    ).fetchall()
    return {int(index): int(n) for index, n in rows}


def category_counts(con: duckdb.DuckDBPyConnection, path: Path, column: str, values: list[str]) -> dict[str, int]:
    """Rows per listed value (compared as text)."""
    text = f"CAST({quote_ident(column)} AS VARCHAR)"
    con.register("wanted", pa.table({"value": pa.array(values, pa.string())}))
    try:
        rows = con.execute(
            f"""SELECT {text} AS value, count(*) FROM read_parquet($path)
                WHERE {text} IN (SELECT value FROM wanted) GROUP BY ALL""",
            {"path": str(path)},
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
