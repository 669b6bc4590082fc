"""Exact two-sample KS and Wasserstein-1 without sorting every value
-------------------------------------------------------------------
Both need the two empirical CDFs at every distinct value. A full sort of both
samples costs seconds per column at 10M rows, so instead:

1. Every value falls in a *cell*: the PSI bins (between the reference's
   deciles; the outer two closed by the lowest and highest value of both
   versions) are each cut into ``grid_cells / psi_bins`` equal-width cells, so
   cells hold about equal shares of the reference whatever its shape. One
   GROUP BY over both files gives each cell's count and value sum per side,
   and its lowest and highest value.
2. At each cell's end the CDF difference is exact (counts are exact integers).
   Inside a cell it can move by at most the cell's share of either sample. A
   cell whose values are all equal (an *atom*: every value of a
   low-cardinality column) has no inside. The area between the CDFs over a
   cell follows from its sums when the difference cannot change sign in it.
3. Only the cells that could hold a larger KS difference than the largest
   cell-end difference, or where the difference may change sign, are
   *refined*: their rows alone are sorted, which gives the exact figures there
   (at 10M rows a side, about 0.05% of the rows).

The result equals a full sort, and scipy. Above ``exact_ks_max_rows`` values
in both samples together the refinement is skipped and the figures come with
the bound of their error: the KS statistic is then the largest cell-end
difference (a true ECDF difference, so a lower bound) and its error bound the
largest difference possible inside an unrefined cell, minus it; Wasserstein
likewise. Memory stays bounded: every query is a scan with a GROUP BY of at
most ``grid_cells`` groups (or, when refining, of the few rows refined).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from dataguard.measure.drift.scan import bind
from dataguard.measure.profile import fetch_row, optional_float

# -- numeric columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """The cells: each PSI bin (between consecutive reference deciles, the outer two closed by the
    lowest and highest value of both versions) cut into ``per_bin`` equal-width cells.

    The deciles give every bin a tenth of the reference, so cells hold about equal shares of it
    whatever the distribution's shape; the PSI bin of a cell is ``cell // per_bin``.
    """

    edges: tuple[float, ...]  # the PSI edges: bins are (-inf, e0], (e0, e1], ..., (e[-1], inf)
    lowest: float
    highest: float
    per_bin: int

    @classmethod
    def over(cls, edges: Sequence[float], lowest: float, highest: float, cells: int) -> Grid:
        return cls(tuple(edges), lowest, highest, max(cells // (len(edges) + 1), 1))

    def cell_sql(self) -> str:
        """The cell of ``v`` (a CASE over the bins, then a clipped linear position within the bin)."""
        last = len(self.edges)
        whens = " ".join(f"WHEN v <= $e{i} THEN {self._within(i)}" for i in range(last))
        return f"(CASE {whens} ELSE {self._within(last)} END)::BIGINT"

    def _within(self, i: int) -> str:
        return f"{i * self.per_bin} + least(greatest(floor((v - $lo{i}) * $k{i}), 0), {self.per_bin - 1})"

    def params(self) -> dict[str, float]:
        bounds = (self.lowest, *self.edges, self.highest)
        params: dict[str, float] = {f"e{i}": edge for i, edge in enumerate(self.edges)}
        for i in range(len(self.edges) + 1):
            width = bounds[i + 1] - bounds[i]
            params[f"lo{i}"] = bounds[i]
            params[f"k{i}"] = self.per_bin / width if width > 0 and math.isfinite(self.per_bin / width) else 0.0
        return params


@dataclass(frozen=True)
class NumericFigures:
    ks: float
    ks_at_ref: int  # reference values at or below the KS location (with ks_at_cur: the p-value's input)
    ks_at_cur: int
    ks_location: float | None
    ks_error: float  # 0 when exact
    wasserstein: float
    wasserstein_error: float  # 0 when exact
    exact: bool
    cells: int
    refined_cells: int
    refined_values: int
    psi_edges: tuple[float, ...]


def numeric_figures(
    con: duckdb.DuckDBPyConnection,
    files: tuple[str, str],
    value_sql: str,
    counts: tuple[int, int],
    grid: Grid,
    exact: bool,
) -> NumericFigures:
    """KS and Wasserstein-1 (exact, or within a reported bound), and ``dg_counts`` of the PSI bins."""
    n_ref, n_cur = counts
    center = grid.edges[len(grid.edges) // 2]  # sums are taken about it, for precision
    params: dict[str, Any] = {"center": center, **grid.params()}
    values = _values(value_sql, grid.cell_sql(), files)
    con.execute(*bind(_CELLS.format(values=values), params))
    sizes = {"n_ref": n_ref, "n_cur": n_cur}
    con.execute(_CELL_STATS, {**sizes, "center": center})
    ends = fetch_row(con, _CELL_SUMMARY, sizes)
    at_ref, at_cur, location = int(ends["best"]["r"]), int(ends["best"]["c"]), ends["best"]["x"]
    best = abs(at_ref * n_cur - at_cur * n_ref)
    wasserstein = float(ends["w_gaps"]) + float(ends["w_settled"])
    refined_cells = refined_values = 0
    if exact and int(ends["unsettled"]):
        refined = fetch_row(con, *bind(_REFINE.format(values=values), {**params, **sizes}))
        refined_cells, refined_values = int(ends["unsettled"]), int(refined["n"])
        wasserstein += float(refined["w"] or 0.0)
        if int(refined["d"]) > best:
            best, location = int(refined["d"]), refined["best"]["x"]
            at_ref, at_cur = int(refined["best"]["r"]), int(refined["best"]["c"])
    ks_error = wasserstein_error = 0.0
    if not exact:
        wasserstein += float(ends["w_unsettled"])
        wasserstein_error = float(ends["w_unsettled_error"])
        ks_error = max(int(ends["bound"]) - best, 0) / (n_ref * n_cur)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE dg_counts AS
           SELECT CAST(bin // $per_bin AS VARCHAR) AS label, sum(k_ref) AS k_ref, sum(k_cur) AS k_cur
           FROM dg_cells GROUP BY bin // $per_bin""",
        {"per_bin": grid.per_bin},
    )
    return NumericFigures(
        ks=best / (n_ref * n_cur),
        ks_at_ref=at_ref,
        ks_at_cur=at_cur,
        ks_location=optional_float(location),
        ks_error=ks_error,
        wasserstein=wasserstein,
        wasserstein_error=wasserstein_error,
        exact=exact,
        cells=int(ends["cells"]),
        refined_cells=refined_cells,
        refined_values=refined_values,
        psi_edges=grid.edges,
    )


def _values(value_sql: str, cell_sql: str, relations: tuple[str, str]) -> str:
    """Both sides' finite values with their side (0 reference, 1 current) and cell."""
    ref, cur = relations
    return f"""SELECT v, side, {cell_sql} AS bin
               FROM (SELECT {value_sql} AS v, 0 AS side FROM {ref}
                     UNION ALL SELECT {value_sql}, 1 FROM {cur})
               WHERE isfinite(v)"""


# Counts, sums (about the center, for precision), lowest and highest value of each cell, per side.
_CELLS = """
    CREATE OR REPLACE TEMP TABLE dg_cells AS
    SELECT bin,
           count(*) FILTER (WHERE side = 0) AS k_ref, count(*) FILTER (WHERE side = 1) AS k_cur,
           coalesce(sum(v - $center) FILTER (WHERE side = 0), 0) AS s_ref,
           coalesce(sum(v - $center) FILTER (WHERE side = 1), 0) AS s_cur,
           min(v) AS lo, max(v) AS hi
    FROM ({values}) GROUP BY ALL"""

# Per cell, in value order: the CDF difference (current minus reference) times n_ref * n_cur, exact
# integers: d0 before the cell, d1 after it, and the highest (up) and lowest (down) it can reach inside;
# the area between the CDFs over the cell, exact when the difference keeps one sign there. A cell is
# unsettled when the difference inside it could exceed the largest difference at any cell end (the KS
# statistic may be there) or could change sign (its area is then not the |area| of the signed difference).
_CELL_STATS = """
    CREATE OR REPLACE TEMP TABLE dg_cell_stats AS
    WITH c AS (
        SELECT *, sum(k_ref) OVER w AS after_ref, sum(k_cur) OVER w AS after_cur,
               lo - lag(hi) OVER (ORDER BY bin) AS gap
        FROM dg_cells WINDOW w AS (ORDER BY bin ROWS UNBOUNDED PRECEDING)),
    d AS (
        SELECT *, after_ref - k_ref AS before_ref, after_cur - k_cur AS before_cur,
               (after_cur - k_cur) * $n_ref::HUGEINT - (after_ref - k_ref) * $n_cur::HUGEINT AS d0,
               after_cur * $n_ref::HUGEINT - after_ref * $n_cur::HUGEINT AS d1
        FROM c),
    e AS (
        SELECT *, d0 + k_cur * $n_ref::HUGEINT AS up, d0 - k_ref * $n_cur::HUGEINT AS down, lo = hi AS atom,
               d0 / ($n_ref::HUGEINT * $n_cur) * (hi - lo)
                 + (k_cur * (hi - $center) - s_cur) / $n_cur - (k_ref * (hi - $center) - s_ref) / $n_ref AS area
        FROM d)
    SELECT *, NOT atom AND (greatest(abs(up), abs(down)) > (SELECT max(abs(d1)) FROM d)
                            OR (down < 0 AND up > 0)) AS unsettled
    FROM e"""

# Differences at cell ends, the flat stretches between cells, the area of every settled cell; for the
# unsettled ones, the |area| of the signed difference and how far the true area can be from it.
_CELL_SUMMARY = """
    SELECT arg_max({'r': after_ref, 'c': after_cur, 'x': hi}, abs(d1)) AS best,
           coalesce(sum(abs(d0) / ($n_ref::HUGEINT * $n_cur) * gap), 0) AS w_gaps,
           coalesce(sum(abs(area)) FILTER (WHERE NOT atom AND NOT unsettled), 0) AS w_settled,
           coalesce(sum(abs(area)) FILTER (WHERE unsettled), 0) AS w_unsettled,
           coalesce(sum(greatest(abs(up), abs(down)) / ($n_ref::HUGEINT * $n_cur) * (hi - lo) - abs(area))
                    FILTER (WHERE unsettled), 0) AS w_unsettled_error,
           coalesce(max(greatest(abs(up), abs(down))) FILTER (WHERE unsettled), 0) AS bound,
           count(*) FILTER (WHERE unsettled) AS unsettled,
           count(*) AS cells
    FROM dg_cell_stats"""

# The rows of unsettled cells only (found by cell number first, which is cheap), sorted within their
# cell: the exact CDF difference at each of their distinct values, and the area up to the next one.
_REFINE = """
    WITH u AS (SELECT bin, before_ref, before_cur FROM dg_cell_stats WHERE unsettled),
    x AS (SELECT v, side, bin FROM ({values}) SEMI JOIN u USING (bin)),
    r AS (SELECT bin, v, count(*) FILTER (WHERE side = 0) AS k_ref, count(*) FILTER (WHERE side = 1) AS k_cur
          FROM x GROUP BY ALL),
    w AS (SELECT r.v, u.before_ref + sum(r.k_ref) OVER p AS at_ref, u.before_cur + sum(r.k_cur) OVER p AS at_cur,
                 lead(r.v) OVER p AS next_v, r.k_ref + r.k_cur AS n
          FROM r JOIN u USING (bin)
          WINDOW p AS (PARTITION BY r.bin ORDER BY r.v ROWS UNBOUNDED PRECEDING)),
    d AS (SELECT *, at_cur * $n_ref::HUGEINT - at_ref * $n_cur::HUGEINT AS diff FROM w)
    SELECT coalesce(max(abs(diff)), 0) AS d, arg_max({{'r': at_ref, 'c': at_cur, 'x': v}}, abs(diff)) AS best,
           coalesce(sum(abs(diff) / ($n_ref::HUGEINT * $n_cur) * (next_v - v)), 0) AS w, coalesce(sum(n), 0) AS n
    FROM d"""
