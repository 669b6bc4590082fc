"""report.md: the report as Markdown, rendered from its JSON document (report.json)."""

from __future__ import annotations

from typing import Any

from dataguard.spec.outcome import Severity, rank

TOP_REASONS = 10


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
    lines += _relations_markdown(report) + _drift_markdown(report) + _slices_markdown(report)
    lines += ["## Files", ""] + [f"- {name}: `{path}`" for name, path in report["paths"].items() if path]
    return "\n".join(lines) + "\n"


def _relations_markdown(report: dict[str, Any]) -> list[str]:
    """Each relation and the other version it was checked against (reports before relations have none)."""
    relations = report.get("relations") or []
    if not relations:
        return []
    lines = ["## Relations", "", "| kind | check | failed rows |", "|---|---|---:|"]
    lines += [f"| {r['kind']} | {_md(r['check'])} | {r['failed_rows']:,} |" for r in relations]
    return [*lines, ""]


def _drift_markdown(report: dict[str, Any]) -> list[str]:
    """Drifted columns first (block, then warn), then a count of the quiet ones."""
    lines = ["## Drift", ""]
    if report.get("reference_version") is None:
        return [*lines, f"No reference: {_md(report.get('reference_reason', 'drift not computed'))}", ""]
    lines.append(f"Against v{report['reference_version']}: {_md(report.get('reference_reason', ''))}")
    drifted = sorted(
        (d for d in report.get("drift", []) if d.get("drifted")),
        key=lambda d: (-rank(d.get("severity") or Severity.NONE), str(d["column"])),
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
            f"| {_num(d.get('p_value'))} | {_md(d.get('severity') or Severity.WARN)} |"
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
