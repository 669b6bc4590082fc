"""Reports: report.json is the source of truth; report.md is rendered from it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dataguard.catalog import VersionRecord
from dataguard.checks.rowchecks import CheckResult
from dataguard.split import SplitResult
from dataguard.verdict import Verdict

TOP_REASONS = 10


def build_report(
    version: VersionRecord,
    run_id: str,
    verdict: Verdict,
    split: SplitResult,
    checks: tuple[CheckResult, ...],
    run_dir: Path,
    sections: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report of one run, as plain JSON-ready data.

    ``sections`` holds what the later stages found (reference_version,
    reference_reason, drift, distributions, drift_columns, metric_history, slices):
    they replace the empty defaults.
    """
    report = {
        "dataset": version.dataset,
        "version": version.version,
        "fingerprint": version.fingerprint,
        "run_id": run_id,
        "source": {"path": version.source_path, "format": version.source_format, "size_bytes": version.size_bytes},
        "reference_version": None,
        "reference_reason": "drift not computed",
        "verdict": verdict.verdict,
        "gate_open": verdict.gate_open,
        "reasons": list(verdict.reasons),
        "revision": 0,
        "rows": {
            "input": split.rows_input,
            "clean": split.rows_clean,
            "quarantined": split.rows_quarantined,  # not in the clean data: pending + rejected
            "pending": split.rows_quarantined,
            "released": 0,
            "rejected": 0,
        },
        "checks": [
            {"name": c.name, "column": c.column, "code": c.code, "failed_rows": c.failed_rows, "severity": c.severity}
            for c in checks
        ],
        "quarantine_reasons": [{"code": r.code, "column": r.column, "rows": r.rows} for r in split.reasons],
        "drift": [],
        "slices": [],
        "paths": {
            "clean": str(split.clean_path),
            "quarantine": str(split.quarantine_path),
            "report_html": str(run_dir / "report.html"),
            "report_json": str(run_dir / "report.json"),
            "report_md": str(run_dir / "report.md"),
        },
    }
    report.update(sections or {})
    return report


def render_markdown(report: dict[str, Any]) -> str:
    rows = report["rows"]
    lines = [
        f"# {report['dataset']} v{report['version']}: {report['verdict']}",
        "",
        f"Gate: **{'open' if report['gate_open'] else 'closed'}** · fingerprint `{report['fingerprint']}`",
        "",
    ]
    lines += [f"- {_md(reason)}" for reason in report["reasons"]] or ["- every check passed"]
    lines += [
        "",
        "| input | clean | quarantined |",
        "|---:|---:|---:|",
        f"| {rows['input']:,} | {rows['clean']:,} | {rows['quarantined']:,} |",
        "",
    ]
    reasons = report["quarantine_reasons"]
    if reasons:
        lines += ["## Top quarantine reasons", "", "| code | column | rows |", "|---|---|---:|"]
        lines += [
            f"| {_md(r['code'])} | {_md(r['column'] or '(row)')} | {r['rows']:,} |" for r in reasons[:TOP_REASONS]
        ]
        if len(reasons) > TOP_REASONS:
            lines.append(f"\n{len(reasons) - TOP_REASONS} more reasons in report.json")
        lines.append("")
    lines += _drift_markdown(report) + _slices_markdown(report)
    lines += ["## Files", ""] + [f"- {name}: `{path}`" for name, path in report["paths"].items() if path]
    return "\n".join(lines) + "\n"


def _drift_markdown(report: dict[str, Any]) -> list[str]:
    """Drifted columns first (block, then warn), then a count of the quiet ones."""
    lines = ["## Drift", ""]
    if report.get("reference_version") is None:
        return [*lines, f"No reference: {_md(report.get('reference_reason', 'drift not computed'))}", ""]
    lines.append(f"Against v{report['reference_version']}: {_md(report.get('reference_reason', ''))}")
    rank = {"block": 0, "warn": 1}
    drifted = sorted(
        (d for d in report.get("drift", []) if d.get("drifted")),
        key=lambda d: (rank.get(d.get("severity") or "", 2), str(d["column"])),
    )
    quiet = {str(d["column"]) for d in report.get("drift", [])} - {str(d["column"]) for d in drifted}
    if drifted:
        lines += [
            "",
            "| column | metric | statistic | threshold | p-value | severity |",
            "|---|---|---:|---:|---:|---|",
        ]
        lines += [
            f"| {_md(d['column'])} | {_md(d['metric'])} | {_num(d.get('statistic'))} | {_num(d.get('threshold'))} "
            f"| {_num(d.get('p_value'))} | {_md(d.get('severity') or 'warn')} |"
            for d in drifted
        ]
    lines += ["", f"{len(quiet)} columns without drift.", ""]
    return lines


def _slices_markdown(report: dict[str, Any]) -> list[str]:
    slices = report.get("slices", [])
    if not slices:
        return []
    failed = [s for s in slices if not s["passed"]]
    lines = ["## Slices", "", f"{len(slices) - len(failed)} of {len(slices)} slice tests passed.", ""]
    if failed:
        lines += ["| slice | metric | value | rows | severity | reason |", "|---|---|---:|---:|---|---|"]
        lines += [
            f"| {_md(s['name'])} | {_md(s['metric'])} | {_num(s['value'])} | {s['rows']:,} | {_md(s['severity'])} "
            f"| {_md(s.get('reason') or '')} |"
            for s in failed
        ]
        lines.append("")
    return lines


def _num(value: object) -> str:
    return "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


def _md(text: str) -> str:
    """Data values as inert Markdown text: no tables broken, no markup injected."""
    return "".join("\\" + ch if ch in "\\`*_[]<>|#" else ch for ch in str(text)).replace("\n", " ")


def write_reports(report: dict[str, Any], history: list[dict[str, Any]]) -> None:
    """Write report.json, report.md and report.html, each replaced atomically.

    The HTML is written before the JSON that names it, so a reader of
    report.json never finds a report.html that is missing or stale.
    """
    from dataguard.publish.html import quarantine_sample, render_html

    sample, total = quarantine_sample(Path(report["paths"]["quarantine"]))
    _write_atomic(Path(report["paths"]["report_html"]), render_html(report, sample, total, history))
    _write_atomic(Path(report["paths"]["report_md"]), render_markdown(report))
    _write_atomic(Path(report["paths"]["report_json"]), json.dumps(report, indent=2) + "\n")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_report(path: str | Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return result
