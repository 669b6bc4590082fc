"""``compare``: drift of a version against its reference, column by column, every figure in DuckDB.

The figures, the thresholds and their calibration are described in ``dataguard.measure.drift``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from dataguard.common.rows import VersionRows
from dataguard.common.sql import engine
from dataguard.measure.drift.columns import categorical_results, null_rate_result, numeric_grid, numeric_results
from dataguard.measure.drift.grid import numeric_figures
from dataguard.measure.drift.policy import ColumnPlan, SkippedColumn, judge, plan_columns
from dataguard.measure.drift.results import (
    ColumnSummary,
    DriftOutcome,
    DriftResult,
    DriftUnavailable,
)
from dataguard.measure.drift.scan import (
    Sampled,
    SampleRequest,
    SideStats,
    StatsRequest,
    reference_sample,
    side_of,
    side_stats,
)
from dataguard.measure.drift.shares import categorical_counts, share_figures
from dataguard.measure.profile import ColumnProfile, column_types, numeric_value, relation_of
from dataguard.spec.drift import (
    NONE,
    NUMERIC,
    DriftSettings,
)
from dataguard.spec.outcome import worst

# -- compare ----------------------------------------------------------------------------------------------------


def compare(
    current: Path | VersionRows,
    reference: Path | VersionRows,
    settings: DriftSettings | None = None,
    scratch: Path | None = None,
    keys: Sequence[str] = (),
    current_profiles: Sequence[ColumnProfile] = (),
    reference_profiles: Sequence[ColumnProfile] = (),
) -> DriftOutcome:
    """Drift of ``current`` against ``reference`` (clean rows, or Parquet files), every figure in DuckDB,
    scanning both sides: what runs when a side has no stored sketch (``dataguard.measure.drift.sketched``),
    such as a reference validated before sketches were stored.

    ``keys``: the contract's keys; a key of one column is an identifier and is skipped (see plan_columns).
    ``current_profiles``, ``reference_profiles``: profiles of the two files (this run's, and the one the
    reference's run stored); a column's counts and moments come from its profile (the one pass over
    the file that computes them), and only what a profile cannot give is scanned here: a column it
    profiled as another kind, and what needs the values (KS, Wasserstein, the PSI bins, categories).

    Raises DriftUnavailable when either file has no rows: an empty reference is never a pass.
    """
    settings = settings or DriftSettings()
    current_name, reference_name = _name(current), _name(reference)
    cur, ref = relation_of(current), relation_of(reference)
    with engine(scratch) as con:
        plans, skipped = plan_columns(column_types(con, cur), column_types(con, ref), settings, keys)
        ref_rows, ref_stats = _sides(con, ref, plans, reference_profiles)
        _require_rows(ref_rows, reference_name, "reference")
        samples = reference_sample(con, ref, ref_rows, [_sample_request(p, settings) for p in plans])
        plans, too_many = _drop_high_cardinality(plans, samples, settings.max_categories)
        cur_rows, cur_stats = _sides(con, cur, plans, current_profiles)
        _require_rows(cur_rows, current_name, "current version")
        results = [_row_count_result(ref_rows, cur_rows, settings)]
        summaries = []
        for plan in plans:
            sides = ref_stats[plan.column], cur_stats[plan.column]
            column_results, notes = _column_results(con, (ref, cur), plan, sides, samples, settings)
            results += column_results
            summaries.append(_summary(plan, column_results, notes))
    return DriftOutcome(ref_rows, cur_rows, tuple(results), tuple(summaries), (*skipped, *too_many))


def _name(source: Path | VersionRows) -> Path:
    return source.data_path if isinstance(source, VersionRows) else source


def _sides(
    con: duckdb.DuckDBPyConnection, path: str, plans: Sequence[ColumnPlan], profiles: Sequence[ColumnProfile]
) -> tuple[int, dict[str, SideStats]]:
    """Each planned column's side in ``path``: from its profile where one fits, else a scan."""
    by_column = {p.column: p for p in profiles}
    known = {
        plan.column: side_of(found, plan.kind == NUMERIC)
        for plan in plans
        if (found := by_column.get(plan.column)) is not None and _profile_fits(found, plan)
    }
    missing = [_request(plan) for plan in plans if plan.column not in known]
    if profiles and not missing:
        return profiles[0].rows, known
    rows, scanned = side_stats(con, path, missing)
    return rows, known | scanned


def _profile_fits(found: ColumnProfile, plan: ColumnPlan) -> bool:
    """Counts fit any column of the same type; moments only a column profiled as a number, as drift sees it."""
    return found.sql_type == plan.sql_type and (plan.kind != NUMERIC or found.kind == NUMERIC)


def _require_rows(rows: int, path: Path, what: str) -> None:
    if rows == 0:
        raise DriftUnavailable(
            f"drift cannot be computed: the {what} has 0 rows ({path})",
            hint="pin a non-empty baseline: dataguard baseline set DATASET N",
        )


def _request(plan: ColumnPlan) -> StatsRequest:
    return StatsRequest(plan.column, plan.sql_type, plan.kind == NUMERIC)


def _sample_request(plan: ColumnPlan, settings: DriftSettings) -> SampleRequest:
    """The reference's PSI edges (numeric), or its distinct count (text of kind auto)."""
    if plan.kind == NUMERIC:
        bins = settings.psi_bins
        return SampleRequest(plan.column, plan.sql_type, quantiles=tuple(i / bins for i in range(1, bins)))
    text = plan.auto and plan.sql_type.upper().startswith("VARCHAR")
    return SampleRequest(plan.column, plan.sql_type, distinct=text)


def _drop_high_cardinality(
    plans: tuple[ColumnPlan, ...], samples: Mapping[str, Sampled], limit: int
) -> tuple[tuple[ColumnPlan, ...], tuple[SkippedColumn, ...]]:
    kept, skipped = [], []
    for plan in plans:
        sample = samples[plan.column]
        if sample.distinct is not None and sample.distinct > limit:
            rows = "" if sample.step == 1 else f" (in every {sample.step:,}th row)"
            reason = (
                f"about {sample.distinct:,} distinct values in the reference{rows}, above max_categories={limit:,} "
                "(an identifier or free text?); declare kind='categorical' to compare it anyway"
            )
            skipped.append(SkippedColumn(plan.column, reason))
        else:
            kept.append(plan)
    return tuple(kept), tuple(skipped)


def _row_count_result(ref_rows: int, cur_rows: int, settings: DriftSettings) -> DriftResult:
    change = (cur_rows - ref_rows) / ref_rows
    dataset = ColumnPlan("", "dataset", "", False, settings.severity, settings.thresholds, settings.block_thresholds)
    drifted, severity, threshold = judge("row_count_change", change, None, dataset, settings.alpha)
    block = dataset.block_thresholds.get("row_count_change")
    detail = {"reference": ref_rows, "current": cur_rows, "block_threshold": block}
    return DriftResult(None, "dataset", "row_count_change", change, None, threshold, drifted, severity, detail)


def _column_results(
    con: duckdb.DuckDBPyConnection,
    files: tuple[str, str],
    plan: ColumnPlan,
    sides: tuple[SideStats, SideStats],
    samples: Mapping[str, Sampled],
    settings: DriftSettings,
) -> tuple[list[DriftResult], tuple[str, ...]]:
    ref, cur = sides
    results = [null_rate_result(plan, ref, cur, settings.alpha)]
    empty = [side for side, s in (("reference", ref), ("current version", cur)) if s.values == 0]
    if empty:
        return results, (f"no values to compare in the {' and the '.join(empty)}: null rate only",)
    if plan.kind == NUMERIC:
        grid, exact = numeric_grid(sides, samples[plan.column], settings)
        value_sql = numeric_value(plan.column, plan.sql_type)
        cells = numeric_figures(con, files, value_sql, (ref.values, cur.values), grid, exact)
        bins = share_figures(con, ref.values, cur.values)  # over the PSI bins numeric_figures counted
        return results + numeric_results(plan, ref, cur, (cells, bins), settings.alpha), ()
    categorical_counts(con, files[0], files[1], plan.column)
    shares = share_figures(con, ref.values, cur.values)
    return results + categorical_results(plan, ref, cur, shares, settings.alpha), ()


# -- summaries ------------------------------------------------------------------------------------------------------


def _summary(plan: ColumnPlan, results: list[DriftResult], notes: tuple[str, ...]) -> ColumnSummary:
    psi = next((r for r in results if r.metric == "psi"), None)
    return ColumnSummary(
        column=plan.column,
        kind=plan.kind,
        severity=worst((r.severity for r in results), NONE),
        drifted_metrics=tuple(r.metric for r in results if r.drifted),
        contributors=tuple(psi.detail["contributors"]) if psi else (),
        notes=notes,
    )
