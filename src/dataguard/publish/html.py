"""report.html: one self-contained page per version, rendered from report.json.

The page is a Jinja2 template with autoescaping on; plots are inline SVG
from ``dataguard.publish.svg``, which escapes every text it writes. No string
from the data is ever spliced into markup unescaped. The page has no script, no
external stylesheet, font or image, so it opens from disk with no network.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataguard.publish.junit import (
    check_outcome,
    column_label,
    drift_columns,
    drift_outcome,
    drift_severity,
    slice_outcome,
)
from dataguard.publish.svg import Series, distribution_svg
from dataguard.spec.outcome import Outcome, rank
from dataguard.spec.source import ROW_ID
from dataguard.split import REASONS

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup

QUARANTINE_SAMPLE_CAP = 1000
TEMPLATE = "report.html.j2"
CONTRIBUTING_BINS = 5  # bins listed under each drift plot, largest PSI term first
MAX_PLOT_CATEGORIES = 30  # categories drawn per plot; the rest stay in report.json
MAX_TICK_LABELS = 12
LABEL_CHARS = 32
HISTORY_CAP = 100  # versions listed, newest first; the catalog has all of them (dataguard versions)
DRIFT_PLOT_CAP = 40  # columns drawn as plots, drifted first; report.json has every distribution
SAMPLE_VALUE_CHARS = 200  # a sample cell shows this much of a value; quarantine.parquet has all of it
PSI_FLOOR = 1e-4  # shares clipped here so an empty bin gives a finite PSI term
VERDICT_CLASSES: dict[str, str] = {Outcome.PASS: "pass", Outcome.WARN: "warn", Outcome.FAIL: "fail"}
METRIC_FIELDS = ("metric", "statistic", "p_value", "threshold", "drifted", "severity")
SLICE_FIELDS = ("name", "metric", "value", "interval", "rows", "reference_value", "change", "too_small", "reason")
REFERENCE_COLOR, CURRENT_COLOR = "#8c959f", "#0969da"


def quarantine_sample(quarantine_parquet: Path, cap: int = QUARANTINE_SAMPLE_CAP) -> tuple[list[dict[str, Any]], int]:
    """The first ``cap`` quarantined rows by ``_row_id`` (with their ``_reasons``), and how many there are.

    A streaming top-N in Arrow: only ``cap`` candidates and one record batch
    are held at a time, so memory grows neither with the quarantine nor with a
    wide file (a sort in DuckDB buffers every column per thread).
    """
    source = pq.ParquetFile(quarantine_parquet)
    total = int(source.metadata.num_rows)
    if total == 0 or cap <= 0:
        return [], total
    best: pa.Table | None = None
    for batch in source.iter_batches(batch_size=4096):
        table = pa.Table.from_batches([batch])
        if best is not None and best.num_rows == cap:  # only rows ahead of the current last can enter
            table = table.filter(pc.less(table.column(ROW_ID), pc.max(best.column(ROW_ID))))
        pool = table if best is None else pa.concat_tables([best, table])
        best = pool.take(pc.sort_indices(pool, sort_keys=[(ROW_ID, "ascending")])[:cap])
    return ([] if best is None else best.to_pylist()), total


def render_html(
    report: dict[str, Any], sample: list[dict[str, Any]], sample_total: int, history: list[dict[str, Any]]
) -> str:
    """report.html for one version: the report, a quarantine sample and the dataset's history."""
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            report=report,
            title=f"{report.get('dataset')} v{report.get('version')}",
            verdict=str(report.get("verdict")),
            verdict_class=VERDICT_CLASSES.get(str(report.get("verdict")), "unknown"),
            gate_open=bool(report.get("gate_open")),
            reasons=[str(r) for r in report.get("reasons") or []],
            reference=_reference_view(report),
            rows=_rows_view(report.get("rows") or {}),
            checks=_checks_view(report.get("checks") or []),
            quarantine_reasons=_quarantine_reasons_view(report),
            sample=_sample_view(sample, sample_total),
            drift=_drift_view(report),
            slices=[_slice_view(s) for s in report.get("slices") or []],
            history=_history_view(history, report.get("version"))[:HISTORY_CAP],
            history_total=len(history),
            history_cap=HISTORY_CAP,
            drift_plot_cap=DRIFT_PLOT_CAP,
            paths=[(name, str(path)) for name, path in (report.get("paths") or {}).items() if path],
        )
    )


@cache
def _environment() -> jinja2.Environment:
    import jinja2

    # autoescape=True, not select_autoescape(): the template's name ends in .j2, not .html.
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dataguard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(count=_count, pct=_pct, num=_num, pvalue=_pvalue, cell=_cell)
    return env


# --- view models: plain data the template only prints -------------------------------------------


def _pick(entry: dict[str, Any], *fields: str) -> dict[str, Any]:
    """The fields the template prints, None where the report lacks one (reports grow over time)."""
    return {name: entry.get(name) for name in fields}


def _reference_view(report: dict[str, Any]) -> dict[str, Any]:
    return {"version": report.get("reference_version"), "reason": report.get("reference_reason") or ""}


def _rows_view(rows: dict[str, Any]) -> list[dict[str, Any]]:
    total = int(rows.get("input") or 0)
    return [
        {
            "label": name,
            "rows": int(rows.get(name) or 0),
            "share": (int(rows.get(name) or 0) / total) if total else None,
        }
        for name in ("input", "clean", "quarantined", "released", "rejected")
    ]


def _checks_view(checks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Checks that failed rows first (most rows first), then the ones that passed, in declared order."""
    viewed = [
        {**_pick(c, "name", "column", "code", "severity", "failed_rows"), "outcome": check_outcome(c)} for c in checks
    ]
    failing = sorted((c for c in viewed if c["outcome"] != "passed"), key=lambda c: -int(c.get("failed_rows") or 0))
    return {"failing": failing, "passed": [c for c in viewed if c["outcome"] == "passed"]}


def _quarantine_reasons_view(report: dict[str, Any]) -> list[dict[str, Any]]:
    total = int((report.get("rows") or {}).get("input") or 0)
    return [
        {"code": r.get("code"), "column": r.get("column"), "rows": r.get("rows") or 0,
         "share": (r.get("rows") or 0) / total if total else None}
        for r in report.get("quarantine_reasons") or []
    ]  # fmt: skip


def _sample_view(sample: list[dict[str, Any]], total: int) -> dict[str, Any]:
    columns = [name for name in (sample[0] if sample else {}) if name not in (ROW_ID, REASONS)]
    return {
        "columns": columns,
        "rows": [
            {
                "row_id": row.get(ROW_ID),
                "reasons": [_cut_reason(r) for r in row.get(REASONS) or []],
                "values": [row.get(c) for c in columns],
            }
            for row in sample
        ],
        "shown": len(sample),
        "total": total,
        "cap": QUARANTINE_SAMPLE_CAP,
        "value_chars": SAMPLE_VALUE_CHARS,
    }


def _cut_reason(reason: dict[str, Any]) -> dict[str, Any]:
    """A reason with its failing value cut like a sample cell (the value can be the whole cell)."""
    value = reason.get("value")
    return reason if value is None else {**reason, "value": _cell(value)}


def _drift_view(report: dict[str, Any]) -> list[dict[str, Any]]:
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
        "metrics": [_pick(m, *METRIC_FIELDS) for m in metrics],
        "drifted": [_pick(m, *METRIC_FIELDS) for m in metrics if m.get("drifted")],
        "plot": _distribution_svg(distribution, f"dataguard-{index}", report) if drawn else None,
        "plot_left_out": bool(bins) and not drawn,
        "contributing": _contributing_bins(bins),
        "categories_left_out": max(0, len(bins) - MAX_PLOT_CATEGORIES) if _is_categorical(distribution) else 0,
    }


def _contributing_bins(bins: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bins with the largest PSI terms: where the distribution moved."""
    if not bins or any(b.get("reference_share") is None for b in bins):
        return []
    terms = [{**b, "psi_term": _psi_term(b["reference_share"], b.get("current_share") or 0.0)} for b in bins]
    return sorted(terms, key=lambda b: -b["psi_term"])[:CONTRIBUTING_BINS]


def _psi_term(reference: float, current: float) -> float:
    ref, cur = max(reference, PSI_FLOOR), max(current, PSI_FLOOR)
    return (cur - ref) * math.log(cur / ref)


def _slice_view(result: dict[str, Any]) -> dict[str, Any]:
    threshold = result.get("threshold") or {}
    return {
        **_pick(result, *SLICE_FIELDS),
        "outcome": slice_outcome(result),
        "bounds": _bounds(threshold.get("min"), threshold.get("max")),
    }


def _bounds(low: object, high: object) -> str:
    if low is not None and high is not None:
        return f"{_num(low)} to {_num(high)}"
    if low is not None:
        return f"≥ {_num(low)}"
    return f"≤ {_num(high)}" if high is not None else "n/a"


def _history_view(history: list[dict[str, Any]], current: object) -> list[dict[str, Any]]:
    """Newest version first; the share is recomputed when a row lacks it."""
    rows = sorted(history, key=lambda h: -int(h.get("version") or 0))
    return [
        {
            **_pick(h, "version", "verdict", "rows", "quarantined"),
            "share": _share(h),
            "current": h.get("version") == current,
        }
        for h in rows
    ]


def _share(entry: dict[str, Any]) -> float | None:
    if entry.get("quarantined_share") is not None:
        return float(entry["quarantined_share"])
    rows, quarantined = entry.get("rows"), entry.get("quarantined")
    return quarantined / rows if rows and quarantined is not None else None


# --- plots: SVG written by dataguard.publish.svg ---------------------------------------------------


def _is_categorical(distribution: dict[str, Any] | None) -> bool:
    return (distribution or {}).get("kind") == "categorical"


def _distribution_svg(distribution: dict[str, Any] | None, plot_id: str, report: dict[str, Any]) -> Markup:
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


# --- filters -----------------------------------------------------------------------------------


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else _num(value)


def _pct(share: object) -> str:
    if not isinstance(share, int | float):
        return "n/a"
    return "<0.01%" if 0 < share < 0.0001 else f"{share * 100:.2f}%"


def _num(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _pvalue(value: object) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "n/a"
    return f"{value:.1e}" if 0 < value < 1e-4 else f"{value:.4f}"


def _cell(value: object) -> str:
    """A data value as plain text (the template marks nulls itself), cut after SAMPLE_VALUE_CHARS."""
    text = _plain(value)
    if len(text) <= SAMPLE_VALUE_CHARS:
        return text
    return f"{text[:SAMPLE_VALUE_CHARS]}… ({len(text) - SAMPLE_VALUE_CHARS:,} more characters)"


def _plain(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
