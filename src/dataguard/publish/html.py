"""report.html: one self-contained page per version, rendered from report.json.

The page is a Jinja2 template with autoescaping on; plots are inline SVG
from ``dataguard.publish.svg``, which escapes every text it writes. No string
from the data is ever spliced into markup unescaped. The page has no script, no
external stylesheet, font or image, so it opens from disk with no network.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataguard.publish.filters import SAMPLE_VALUE_CHARS, cell, count, num, pct, pick, pvalue
from dataguard.publish.html_drift import DRIFT_PLOT_CAP, drift_view
from dataguard.publish.junit import (
    check_outcome,
    slice_outcome,
)
from dataguard.spec.outcome import Outcome
from dataguard.spec.source import ROW_ID
from dataguard.split import REASONS

if TYPE_CHECKING:
    import jinja2

QUARANTINE_SAMPLE_CAP = 1000
TEMPLATE = "report.html.j2"
HISTORY_CAP = 100  # versions listed, newest first; the catalog has all of them (dataguard versions)
VERDICT_CLASSES: dict[str, str] = {Outcome.PASS: "pass", Outcome.WARN: "warn", Outcome.FAIL: "fail"}
SLICE_FIELDS = ("name", "metric", "value", "interval", "rows", "reference_value", "change", "too_small", "reason")


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
        environment()
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
            relations=[_relation_view(r) for r in report.get("relations") or []],
            contract_fingerprint=(report.get("contract") or {}).get("fingerprint"),
            sample=_sample_view(sample, sample_total),
            drift=drift_view(report),
            slices=[_slice_view(s) for s in report.get("slices") or []],
            history=_history_view(history, report.get("version"))[:HISTORY_CAP],
            history_total=len(history),
            history_cap=HISTORY_CAP,
            drift_plot_cap=DRIFT_PLOT_CAP,
            paths=[(name, str(path)) for name, path in (report.get("paths") or {}).items() if path],
        )
    )


def _relation_view(relation: dict[str, Any]) -> dict[str, Any]:
    """A relation as the report lists it: which other version it was checked against (none: this version)."""
    other = relation.get("dataset")
    revision = relation.get("revision") or 0
    against = f"{other} v{relation.get('version')}" + (f" (revision {revision})" if revision else "") if other else ""
    return {
        "kind": relation.get("kind"),
        "check": relation.get("check"),
        "against": against or "this version",
        "failed_rows": int(relation.get("failed_rows") or 0),
    }


@cache
def environment() -> jinja2.Environment:
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
    env.filters.update(count=count, pct=pct, num=num, pvalue=pvalue, cell=cell)
    return env


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
        {**pick(c, "name", "column", "code", "severity", "failed_rows"), "outcome": check_outcome(c)} for c in checks
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
    return reason if value is None else {**reason, "value": cell(value)}


def _slice_view(result: dict[str, Any]) -> dict[str, Any]:
    threshold = result.get("threshold") or {}
    return {
        **pick(result, *SLICE_FIELDS),
        "outcome": slice_outcome(result),
        "bounds": _bounds(threshold.get("min"), threshold.get("max")),
    }


def _bounds(low: object, high: object) -> str:
    if low is not None and high is not None:
        return f"{num(low)} to {num(high)}"
    if low is not None:
        return f"≥ {num(low)}"
    return f"≤ {num(high)}" if high is not None else "n/a"


def _history_view(history: list[dict[str, Any]], current: object) -> list[dict[str, Any]]:
    """Newest version first; the share is recomputed when a row lacks it."""
    rows = sorted(history, key=lambda h: -int(h.get("version") or 0))
    return [
        {
            **pick(h, "version", "verdict", "rows", "quarantined"),
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
