"""The drift part of report.html: one view per column (its metrics, a plot, the bins drift found moved
most) and the plots, as SVG written by ``dataguard.publish.svg``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from dataguard.publish.filters import pick
from dataguard.publish.junit import (
    column_label,
    drift_columns,
    drift_outcome,
    drift_severity,
)
from dataguard.publish.svg import Series, distribution_svg
from dataguard.spec.outcome import rank

if TYPE_CHECKING:
    from markupsafe import Markup

REFERENCE_COLOR, CURRENT_COLOR = "#8c959f", "#0969da"
CONTRIBUTING_BINS = 5  # bins listed under each drift plot, largest PSI term first
MAX_PLOT_CATEGORIES = 30  # categories drawn per plot; the rest stay in report.json
MAX_TICK_LABELS = 12
LABEL_CHARS = 32
DRIFT_PLOT_CAP = 40  # columns drawn as plots, drifted first; report.json has every distribution
METRIC_FIELDS = ("metric", "statistic", "p_value", "threshold", "drifted", "severity")


def drift_view(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per column: its metrics, a plot and the bins that moved most; drifted columns first."""
    distributions = {column_label(d.get("column")): d for d in report.get("distributions") or []}
    columns = drift_columns(report.get("drift") or [])
    names = list(columns) + [name for name in distributions if name not in columns]
    ranked = sorted(
        enumerate(names), key=lambda item: -rank(drift_severity(columns.get(item[1], [])))
    )  # drifted columns first, so the plots drawn are the ones that matter
    return [
        _drift_column_view(index, name, columns.get(name, []), distributions.get(name), report, position)
        for position, (index, name) in enumerate(ranked)
    ]


def _drift_column_view(
    index: int,
    name: str,
    metrics: list[dict[str, Any]],
    distribution: dict[str, Any] | None,
    report: dict[str, Any],
    position: int = 0,
) -> dict[str, Any]:
    bins = (distribution or {}).get("bins") or []
    drawn = bool(bins) and position < DRIFT_PLOT_CAP
    return {
        "anchor": f"drift-{index}",
        "column": name,
        "kind": (metrics[0] if metrics else distribution or {}).get("kind") or "",
        "severity": drift_severity(metrics),
        "outcome": drift_outcome(metrics),
        "metrics": [pick(m, *METRIC_FIELDS) for m in metrics],
        "drifted": [pick(m, *METRIC_FIELDS) for m in metrics if m.get("drifted")],
        "plot": plot_svg(distribution, f"dataguard-{index}", report) if drawn else None,
        "plot_left_out": bool(bins) and not drawn,
        "contributing": _contributing_bins(metrics),
        "categories_left_out": max(0, len(bins) - MAX_PLOT_CATEGORIES) if _is_categorical(distribution) else 0,
    }


def _contributing_bins(metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bins or categories with the largest PSI terms, as drift computed them: where the distribution moved."""
    psi = next((m for m in metrics if m.get("metric") == "psi"), {})
    moved = (psi.get("detail") or {}).get("contributors") or []
    return [
        {
            "label": str(b["bin"] if "bin" in b else b.get("category")),
            "reference_share": b.get("reference_share"),
            "current_share": b.get("current_share"),
            "psi_term": b.get("contribution"),
        }
        for b in moved[:CONTRIBUTING_BINS]
    ]


# --- plots: SVG written by dataguard.publish.svg ---------------------------------------------------


def _is_categorical(distribution: dict[str, Any] | None) -> bool:
    return (distribution or {}).get("kind") == "categorical"


def plot_svg(distribution: dict[str, Any] | None, plot_id: str, report: dict[str, Any]) -> Markup:
    """Reference vs current: filled step outlines for numeric bins, paired bars for categories."""
    bins = (distribution or {}).get("bins") or []
    categorical = _is_categorical(distribution)
    if categorical and len(bins) > MAX_PLOT_CATEGORIES:
        bins = _top(bins)
    series = []
    if any(b.get("reference_share") is not None for b in bins):
        shares = tuple(b.get("reference_share") or 0.0 for b in bins)
        series.append(Series(_reference_label(report), shares, REFERENCE_COLOR))
    series.append(Series(_current_label(report), tuple(b.get("current_share") or 0.0 for b in bins), CURRENT_COLOR))
    labels = [_short(str(b.get("label"))) for b in bins]
    every = 1 if categorical else max(1, math.ceil(len(bins) / MAX_TICK_LABELS))
    return distribution_svg(plot_id, labels, series, steps=not categorical, label_every=every)


def _top(bins: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The categories with the largest share in either version, in their original order."""

    def weight(b: dict[str, Any]) -> float:
        return max(b.get("reference_share") or 0.0, b.get("current_share") or 0.0)

    keep = {id(b) for b in sorted(bins, key=weight, reverse=True)[:MAX_PLOT_CATEGORIES]}
    return [b for b in bins if id(b) in keep]


def _reference_label(report: dict[str, Any]) -> str:
    version = report.get("reference_version")
    return "reference" if version is None else f"reference v{version}"


def _current_label(report: dict[str, Any]) -> str:
    return f"current v{report.get('version')}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
