"""A revision's sketch: the run's stored sketch plus the rows a review released, read from the run's
small quarantine.parquet (their original values), never from the clean rows.

What merges exactly: rows, nulls, NaN/infinities, values, min and max (sums and
extremes); mean and standard deviation (Chan's pairwise formulas: equal to a
rescan up to floating-point rounding); category counts; cells (a released value
inside a cell adds to its count, one between cells becomes a cell of its own, so
cells stay disjoint and the bounds hold); the even sample (released rows whose
``_row_id`` is a multiple of the run's step join it; the step stays the run's).
What does not: the approximate distinct counts (HyperLogLog states are not
stored): the sketch keeps the run's, which only decide whether a text column has
too many categories to compare.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from dataguard.common.rows import VersionRows
from dataguard.common.sql import engine, quote_ident, quote_path
from dataguard.measure.drift.scan import SideStats
from dataguard.measure.profile import CATEGORY_MAX, column_types, profile, type_family
from dataguard.measure.sketch.build import build_sketch, disjoint, value_counts
from dataguard.measure.sketch.model import SKETCH_FILE, Cells, ColumnSketch, Sketch, read_sketch
from dataguard.spec.drift import CATEGORICAL
from dataguard.spec.source import ROW_ID

QUARANTINE_FILE = "quarantine.parquet"
REASONS = "_reasons"


def stored_sketch(run_dir: Path | None, revision: int, rows: VersionRows) -> Sketch | None:
    """The sketch of a run's clean rows at ``revision`` (its rows: ``rows``); None when the run stored none."""
    if run_dir is None:
        return None
    base = read_sketch(run_dir / SKETCH_FILE)
    quarantine = run_dir / QUARANTINE_FILE
    if base is None or revision == 0:
        return base
    if not quarantine.is_file():
        return None
    return merge(base, sketch_of(released_rows(rows, quarantine), base.step))


def released_rows(rows: VersionRows, quarantine: Path) -> str:
    """The quarantined rows a revision holds (its clean rows less those it leaves out), as a relation."""
    rid = quote_ident(ROW_ID)
    held = f"(SELECT * EXCLUDE ({quote_ident(REASONS)}) FROM read_parquet({quote_path(quarantine)}))"
    if rows.deleted_path is not None:  # the quarantine rows not in the revision's deletion vector
        deleted = f"(SELECT {rid} FROM read_parquet({quote_path(rows.deleted_path)}))"
        return f"(SELECT * FROM {held} WHERE {rid} NOT IN {deleted})"
    return f"(SELECT * FROM {held} WHERE {rid} IN (SELECT {rid} FROM {rows.relation()}))"


def sketch_of(relation: str, step: int) -> Sketch:
    """The sketch of a few rows (every value kept), its even sample on ``step``."""
    profiles = profile(relation)  # type: ignore[arg-type]
    with engine() as con:
        types = column_types(con, relation)
        texts = {
            p.column: f"CAST({quote_ident(p.column)} AS VARCHAR)"
            for p in profiles
            if type_family(types[p.column]) == CATEGORICAL and p.distinct <= CATEGORY_MAX
        }
        found = value_counts(con, relation, texts)
        counts = {name: {str(value): n for value, n in found[name].items()} for name in texts}
        return build_sketch(con, relation, types, profiles, counts, step=step, exact_max=2**62)


def merge(base: Sketch, more: Sketch) -> Sketch:
    """``base`` with ``more``'s rows added (the columns ``base`` has)."""
    if more.rows == 0:
        return base
    columns = {}
    for name, column in base.columns.items():
        extra = more.columns.get(name)
        columns[name] = column if extra is None else _merge_column(column, extra)
    return Sketch(base.rows + more.rows, base.step, columns)


def _merge_column(a: ColumnSketch, b: ColumnSketch) -> ColumnSketch:
    import numpy as np

    stats = None if a.stats is None or b.stats is None else merge_stats(a.stats, b.stats)
    cells = None if a.cells is None or b.cells is None else merge_cells(a.cells, b.cells)
    sample = None if a.sample is None or b.sample is None else np.sort(np.concatenate((a.sample, b.sample)))
    categories = None
    if a.categories is not None and b.categories is not None:
        categories = dict(a.categories)
        for label, n in b.categories.items():
            categories[label] = categories.get(label, 0) + n
    return replace(a, stats=stats, cells=cells, sample=sample, categories=categories)


def merge_cells(a: Cells, b: Cells) -> Cells:
    """Cells holding the values of both: ``b``'s values inside one of ``a``'s cells are counted there."""
    import numpy as np

    if not len(a.hi):
        return b
    j = np.minimum(np.searchsorted(a.hi, b.lo, side="left"), len(a.hi) - 1)
    inside = (a.lo[j] <= b.lo) & (b.hi <= a.hi[j])
    counts = a.counts.copy()
    np.add.at(counts, j[inside], b.counts[inside])
    out = ~inside
    lo, hi = np.concatenate((a.lo, b.lo[out])), np.concatenate((a.hi, b.hi[out]))
    return disjoint(lo, hi, np.concatenate((counts, b.counts[out])))


def merge_stats(a: SideStats, b: SideStats) -> SideStats:
    """Counts added; mean and std (ddof=1) of the finite values combined; min and max."""
    n = a.values + b.values
    mean = std = None
    if a.values and b.values and a.mean is not None and b.mean is not None:
        delta = b.mean - a.mean
        mean = a.mean + delta * b.values / n
        spread = (a.values - 1) * (a.std or 0.0) ** 2 + (b.values - 1) * (b.std or 0.0) ** 2
        spread += delta * delta * a.values * b.values / n
        std = math.sqrt(max(spread, 0.0) / (n - 1)) if n > 1 else None
    else:
        mean, std = (a.mean, a.std) if a.values else (b.mean, b.std)
    return SideStats(
        rows=a.rows + b.rows,
        nulls=a.nulls + b.nulls,
        values=n,
        non_finite=a.non_finite + b.non_finite,
        mean=mean,
        std=std,
        min=_extreme(min, a.min, b.min),
        max=_extreme(max, a.max, b.max),
    )


def _extreme(pick: object, x: float | None, y: float | None) -> float | None:
    known = [v for v in (x, y) if v is not None]
    return pick(known) if known else None  # type: ignore[operator]
