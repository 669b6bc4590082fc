"""Drift from two stored sketches: the reference is never rescanned, the current version was sketched
in its own profile pass (``dataguard.measure.sketch``).

Every figure is the one ``compare`` computes from the files, from the same inputs:

- counts, moments, null rates and the row count: the sketches' ``SideStats``;
- KS and Wasserstein-1: ``dataguard.measure.sketch.ecdf.distances``. Exact (equal
  to scipy's) when both sides have at most ``EXACT_MAX_VALUES`` finite values (each
  sketch then holds every value with its count); above, within the bound reported
  in ``detail["error_bound"]`` (``detail["method"]`` is then ``"sketch"``). The KS
  p-value is scipy's for the estimated D and the counts it was measured at;
- PSI: the reference's deciles from its stored even sample (as ``compare``: the
  same rows, the same ``quantile_disc``), each side's values per bin from its
  cells: exact when no decile falls inside a cell (always for exact sketches),
  else the cell's values split by linear interpolation;
- categories: the stored counts of every category (integers: from exact cells).

``compare_sketches`` returns None when a sketch lacks what a column needs (a text
column of more than ``CATEGORY_MAX`` categories compared as categories, a float
declared categorical): the caller then compares the rows as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from dataguard.measure.drift.columns import categorical_results, null_rate_result, numeric_results
from dataguard.measure.drift.compare import _drop_high_cardinality, _row_count_result, _summary
from dataguard.measure.drift.grid import NumericFigures
from dataguard.measure.drift.policy import ColumnPlan, plan_columns
from dataguard.measure.drift.results import DriftOutcome, DriftResult, DriftUnavailable
from dataguard.measure.drift.scan import Sampled
from dataguard.measure.drift.shares import figures_of
from dataguard.measure.sketch.ecdf import bin_counts, distances
from dataguard.measure.sketch.model import ColumnSketch, Sketch
from dataguard.spec.drift import NUMERIC, DriftSettings

_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


def compare_sketches(
    current: Sketch, reference: Sketch, settings: DriftSettings | None = None, keys: Sequence[str] = ()
) -> DriftOutcome | None:
    """Drift of the sketched current version against the reference's sketch; None: a sketch cannot serve."""
    settings = settings or DriftSettings()
    plans, skipped = plan_columns(current.types, reference.types, settings, keys)
    for rows, what in ((reference.rows, "reference"), (current.rows, "current version")):
        if rows == 0:
            raise DriftUnavailable(
                f"drift cannot be computed: the {what} has 0 rows",
                hint="pin a non-empty baseline: dataguard baseline set DATASET N",
            )
    if not all(plan.column in reference.columns for plan in plans):
        return None
    samples = {p.column: _sampled(p, reference.columns[p.column], reference.step) for p in plans}
    plans, too_many = _drop_high_cardinality(plans, samples, settings.max_categories)
    if not all(_serves(plan, s.columns.get(plan.column)) for plan in plans for s in (current, reference)):
        return None
    results = [_row_count_result(reference.rows, current.rows, settings)]
    summaries = []
    for plan in plans:
        column_results, notes = _column(plan, reference.columns[plan.column], current.columns[plan.column], settings)
        results += column_results
        summaries.append(_summary(plan, column_results, notes))
    return DriftOutcome(reference.rows, current.rows, tuple(results), tuple(summaries), (*skipped, *too_many))


def _serves(plan: ColumnPlan, column: ColumnSketch | None) -> bool:
    if column is None or column.stats is None:
        return False
    if plan.kind == NUMERIC:
        return column.cells is not None and column.sample is not None
    return _categories(column) is not None


def _categories(column: ColumnSketch) -> dict[str, int] | None:
    """A column's category counts: stored, or an integer column's exact cells."""
    if column.categories is not None:
        return column.categories
    cells = column.cells
    if cells is None or column.sql_type.upper() not in _INTEGER or not cells.exact:
        return None
    return {str(int(v)): int(n) for v, n in zip(cells.lo, cells.counts, strict=True)}


def _sampled(plan: ColumnPlan, column: ColumnSketch, step: int) -> Sampled:
    text = plan.auto and plan.sql_type.upper().startswith("VARCHAR")
    return Sampled((), column.sampled_distinct if text else None, step)


def _column(
    plan: ColumnPlan, ref: ColumnSketch, cur: ColumnSketch, settings: DriftSettings
) -> tuple[list[DriftResult], tuple[str, ...]]:
    assert ref.stats is not None  # _serves
    assert cur.stats is not None
    results = [null_rate_result(plan, ref.stats, cur.stats, settings.alpha)]
    empty = [side for side, s in (("reference", ref.stats), ("current version", cur.stats)) if s.values == 0]
    if empty:
        return results, (f"no values to compare in the {' and the '.join(empty)}: null rate only",)
    if plan.kind == NUMERIC:
        figures, (k_ref, k_cur) = _numeric(ref, cur, settings.psi_bins)
        bins = figures_of([str(i) for i in range(len(k_ref))], k_ref, k_cur, ref.stats.values, cur.stats.values)
        return results + numeric_results(plan, ref.stats, cur.stats, (figures, bins), settings.alpha), ()
    ref_counts, cur_counts = _categories(ref) or {}, _categories(cur) or {}
    labels = sorted(set(ref_counts) | set(cur_counts))
    k_ref, k_cur = [ref_counts.get(k, 0) for k in labels], [cur_counts.get(k, 0) for k in labels]
    shares = figures_of(labels, k_ref, k_cur, ref.stats.values, cur.stats.values)
    return results + categorical_results(plan, ref.stats, cur.stats, shares, settings.alpha), ()


def _numeric(ref: ColumnSketch, cur: ColumnSketch, psi_bins: int) -> tuple[NumericFigures, tuple[list[int], list[int]]]:
    import numpy as np

    assert ref.cells is not None
    assert cur.cells is not None
    assert ref.sample is not None
    probs = [i / psi_bins for i in range(1, psi_bins)]
    edges = sorted(set(quantile_disc(ref.sample, probs))) if len(ref.sample) else []
    found = distances(ref.cells, cur.cells)
    (k_ref, _), (k_cur, _) = bin_counts(ref.cells, np.asarray(edges)), bin_counts(cur.cells, np.asarray(edges))
    figures = NumericFigures(
        ks=found.ks,
        ks_at_ref=found.at_ref,
        ks_at_cur=found.at_cur,
        ks_location=found.location,
        ks_error=found.ks_error,
        wasserstein=found.wasserstein,
        wasserstein_error=found.wasserstein_error,
        exact=found.exact,
        cells=found.points,
        refined_cells=0,
        refined_values=0,
        psi_edges=tuple(edges),
    )
    return figures, (k_ref.tolist(), k_cur.tolist())


def quantile_disc(values: object, probs: Sequence[float]) -> list[float]:
    """DuckDB's ``quantile_disc`` over sorted values (numpy's ``inverted_cdf``), for the PSI edges."""
    import numpy as np

    return [float(q) for q in np.quantile(np.asarray(values), probs, method="inverted_cdf")]
