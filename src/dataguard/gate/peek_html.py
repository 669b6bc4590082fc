"""peek.html: the peek as one self-contained page, under report.html's rules.

It uses report.html's Jinja2 environment (autoescape on, the same filters) and
its SVG plots; no script, no external resource, so it opens from
disk with no network.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dataguard.catalog.address import CatalogDB
from dataguard.gate.opened import ValidatedVersion
from dataguard.gate.peek import (
    NUMERIC_FIGURES,
    OTHER_FIGURES,
    SHARE_PREFIX,
    SUMMARY_QUANTILES,
    Difference,
    Peek,
    build_peek,
    figure,
    quantile,
)
from dataguard.gate.peek_plots import Distribution
from dataguard.measure.profile import ColumnProfile
from dataguard.publish.filters import count, num, pct
from dataguard.publish.html import environment
from dataguard.publish.html_drift import plot_svg
from dataguard.spec.drift import NUMERIC

TEMPLATE = "peek.html.j2"
QUANTILE_LABELS = {0.05: "p5", 0.25: "p25", 0.5: "median", 0.75: "p75", 0.95: "p95"}


def default_peek_path(opened: ValidatedVersion) -> Path:
    """Next to the run's report: peek.html, or peek.rN.html for a reviewed revision."""
    name = "peek.html" if opened.revision == 0 else f"peek.r{opened.revision}.html"
    return opened.report_path.parent / name


def render_peek(peek: Peek) -> str:
    labels = {"version": peek.version, "reference_version": peek.reference_version}
    return (
        environment()
        .get_template(TEMPLATE)
        .render(
            peek=peek,
            title=f"{peek.dataset} v{peek.version}" + (f" r{peek.revision}" if peek.revision else ""),
            sample={"columns": peek.sample_columns, "rows": [list(row.values()) for row in peek.sample]},
            numeric=[_numeric_view(c) for c in peek.columns if c.kind == NUMERIC],
            other=[_other_view(c) for c in peek.columns if c.kind != NUMERIC],
            quantile_labels=[QUANTILE_LABELS[q] for q in SUMMARY_QUANTILES],
            differences=_differences_view(peek.differences),
            plots=[_plot_view(index, d, labels) for index, d in enumerate(peek.distributions)],
        )
    )


def write_peek(peek: Peek, out: Path) -> Path:
    """Write the page atomically: a reader sees the old page or the new one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    partial.write_text(render_peek(peek), encoding="utf-8")
    partial.replace(out)
    return out


def _plot_view(index: int, distribution: Distribution, labels: dict[str, Any]) -> dict[str, Any]:
    plot = {"kind": distribution.kind, "bins": distribution.bins}
    svg = plot_svg(plot, f"peek-{index}", labels)
    return {"column": distribution.column, "kind": distribution.kind, "svg": svg}


def _numeric_view(column: ColumnProfile) -> dict[str, Any]:
    return {
        "column": column.column,
        "sql_type": column.sql_type,
        "count": column.rows - column.nulls,
        "nulls": column.nulls,
        "null_rate": column.null_rate,
        "mean": column.mean,
        "std": column.std,
        "min": column.min,
        "quantiles": [quantile(column, q) for q in SUMMARY_QUANTILES],
        "max": column.max,
    }


def _other_view(column: ColumnProfile) -> dict[str, Any]:
    return {
        "column": column.column,
        "kind": column.kind,
        "sql_type": column.sql_type,
        "count": column.rows - column.nulls,
        "nulls": column.nulls,
        "null_rate": column.null_rate,
        "distinct": column.distinct,
        "min": figure(column, "min") if column.kind != "categorical" else None,
        "max": figure(column, "max") if column.kind != "categorical" else None,
        "top": [{"value": c.value, "rows": c.rows, "share": c.share} for c in column.top_categories],
    }


FIGURE_LABELS = {
    "rows": "rows",
    "nulls": "nulls",
    "null_rate": "null rate",
    "distinct": "distinct (approx.)",
    "mean": "mean",
    "std": "std",
    "min": "min",
    "median": "median",
    "max": "max",
    "mean_shift_sd": "mean shift (reference SDs)",
}


def _differences_view(found: list[Difference]) -> dict[str, Any]:
    """Differences per column: a numbers table, an other-columns table, and columns added, gone or retyped."""
    by_column: dict[str, dict[str, Difference]] = {}
    for d in found:
        by_column.setdefault(d.column, {})[d.figure] = d
    numeric, other, structure = [], [], []
    for column, figures in by_column.items():
        if "column" in figures or "kind" in figures:
            d = figures.get("column") or figures["kind"]
            structure.append(
                {"column": column, "figure": d.figure, "reference": str(d.reference), "current": str(d.current)}
            )
        elif "mean" in figures:
            numeric.append({"column": column, "cells": [_cell_view(figures.get(f)) for f in NUMERIC_FIGURES]})
        else:
            shares = [
                (f.removeprefix(SHARE_PREFIX), _cell_view(d)) for f, d in figures.items() if f.startswith(SHARE_PREFIX)
            ]
            other.append(
                {"column": column, "cells": [_cell_view(figures.get(f)) for f in OTHER_FIGURES], "shares": shares}
            )
    return {
        "numeric_labels": [FIGURE_LABELS[f] for f in NUMERIC_FIGURES],
        "other_labels": [FIGURE_LABELS[f] for f in OTHER_FIGURES],
        "numeric": numeric,
        "other": other,
        "structure": structure,
    }


def _cell_view(d: Difference | None) -> dict[str, str] | None:
    """This version's figure, the reference's and the change, as text."""
    if d is None:
        return None
    show = _figure_text(d.figure)
    change = "" if d.change is None else _signed(d.figure, d.change)
    reference = "" if d.figure == "mean_shift_sd" else show(d.reference)
    return {"current": show(d.current), "reference": reference, "change": change}


def _figure_text(name: str) -> Any:
    if name == "null_rate" or name.startswith(SHARE_PREFIX):
        return pct
    return count if name in ("rows", "nulls", "distinct") else num


def _signed(name: str, change: float) -> str:
    if name == "null_rate" or name.startswith(SHARE_PREFIX):
        return f"{change * 100:+.2f} pts"
    if name == "mean_shift_sd":
        return ""
    text = count(change) if isinstance(change, int) else num(change)
    return text if text.startswith("-") or change == 0 else "+" + text


def peek_page(
    db: CatalogDB, opened: ValidatedVersion, rows: int, seed: int, out: Path | None = None
) -> tuple[Peek, Path]:
    """Build the peek of what ``opened`` hands to training and write its page (default: beside the report)."""
    peek = build_peek(db, opened, rows, seed)
    return peek, write_peek(peek, out if out is not None else default_peek_path(opened))
