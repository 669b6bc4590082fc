"""The figures of one column, numeric or categorical, turned into judged ``DriftResult`` values."""

from __future__ import annotations

import math
from typing import Any

from dataguard.measure.drift.grid import Grid, NumericFigures
from dataguard.measure.drift.policy import ColumnPlan, judge
from dataguard.measure.drift.pvalues import chi2_p_value, ks_p_value, two_proportion, welch_p_value
from dataguard.measure.drift.results import DriftResult
from dataguard.measure.drift.scan import Sampled, SideStats
from dataguard.measure.drift.shares import Share, ShareFigures
from dataguard.spec.drift import (
    DriftSettings,
)


def _result(
    plan: ColumnPlan, metric: str, statistic: float, p_value: float | None, alpha: float, detail: dict[str, Any]
) -> DriftResult:
    drifted, severity, threshold = judge(metric, statistic, p_value, plan, alpha)
    full = {**detail, "block_threshold": plan.block_thresholds.get(metric) if threshold is not None else None}
    return DriftResult(plan.column, plan.kind, metric, statistic, p_value, threshold, drifted, severity, full)


def null_rate_result(plan: ColumnPlan, ref: SideStats, cur: SideStats, alpha: float) -> DriftResult:
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


def numeric_grid(sides: tuple[SideStats, SideStats], sample: Sampled, settings: DriftSettings) -> tuple[Grid, bool]:
    """The cells a numeric column is counted in (within the reference's PSI edges), and whether exactly."""
    ref, cur = sides
    lowest, highest = min(_known(ref.min), _known(cur.min)), max(_known(ref.max), _known(cur.max))
    grid = Grid.over(sorted(set(sample.quantiles)), lowest, highest, settings.grid_cells)
    return grid, ref.values + cur.values <= settings.exact_ks_max_rows


def numeric_results(
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


def categorical_results(
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
