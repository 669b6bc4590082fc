"""The stages after the split: slice tests and drift, as values the report and the gate use.

Each function is one stage the flow runs as one task; each returns plain data:
the report's section and the findings the verdict weighs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dataguard import catalog
from dataguard.catalog.address import CatalogDB
from dataguard.checks.load import LoadedContract
from dataguard.checks.rowchecks import CheckResult
from dataguard.measure.drift.compare import compare
from dataguard.measure.drift.results import ColumnSummary, DriftOutcome, DriftUnavailable, describe
from dataguard.measure.history import anomalies, profiles_json, rule_text
from dataguard.measure.profile import ColumnProfile
from dataguard.measure.reference import Reference
from dataguard.measure.slices.results import SliceResult
from dataguard.measure.slices.run import evaluate_slices
from dataguard.split import SplitResult
from dataguard.verdict import CheckOutcome, Finding, Results


@dataclass(frozen=True)
class StageResult:
    """What a stage adds to the report (``section``) and what it tells the gate (``findings``)."""

    section: dict[str, Any]
    findings: tuple[Finding, ...]


def run_slices(loaded: LoadedContract, clean: Path, predictions: Path | None, reference: Reference) -> StageResult:
    """Every slice test of the contract on the clean rows, compared with the reference's."""
    results = evaluate_slices(
        clean, loaded.contract.slices, predictions, tuple(loaded.contract.keys), reference=reference.clean_path
    )
    return StageResult({"slices": [slice_row(r) for r in results]}, tuple(slice_finding(r) for r in results))


def slice_row(result: SliceResult) -> dict[str, Any]:
    row = asdict(result)
    row["interval"] = list(result.interval) if result.interval else None
    return row


def slice_finding(result: SliceResult) -> Finding:
    return Finding(result.name, result.passed, result.severity, result.reason or "passed")


def findings_in(report: dict[str, Any]) -> dict[str, tuple[Finding, ...]]:
    """The slice and drift findings a published report holds, to decide again after a review."""
    slices = tuple(
        Finding(s["name"], bool(s["passed"]), s["severity"], s.get("reason") or "passed") for s in report["slices"]
    )
    drift = tuple(
        Finding(c["column"], c["severity"] == "none", c["severity"], c.get("reason") or "drifted")
        for c in report.get("drift_columns", [])
        if c["severity"] in ("none", "warn", "block")
    )
    history = tuple(
        Finding(f"history of {a['column']}", False, "warn", a["reason"])
        for a in report.get("metric_history", {}).get("anomalies", [])
    )
    return {"slices": slices, "drift": drift, "history": history}


def run_drift(
    loaded: LoadedContract, clean: Path, reference: Reference, scratch: Path, profiles: Sequence[ColumnProfile]
) -> StageResult:
    """Drift of the clean rows against the reference's, column by column (DuckDB over Parquet); the clean
    rows' counts and moments come from their ``profiles``."""
    if reference.clean_path is None:
        return StageResult({"drift": [], "drift_columns": [], "distributions": []}, ())
    try:
        drift = loaded.contract.drift
        outcome = compare(clean, reference.clean_path, drift, scratch, loaded.contract.keys, profiles)
    except DriftUnavailable as exc:  # an empty side is a reason to look, never a silent pass
        finding = Finding("(reference)", False, "warn", str(exc))
        return StageResult({"drift": [], "drift_columns": [], "distributions": [], "drift_error": str(exc)}, (finding,))
    columns = [_column_row(summary, outcome) for summary in outcome.columns]
    section = {
        "drift": outcome.report(),
        "drift_columns": columns,
        "drift_skipped": [asdict(skipped) for skipped in outcome.skipped],
        "distributions": [d for summary in outcome.columns if (d := _distribution(summary))],
    }
    findings = tuple(
        Finding(c["column"], c["severity"] == "none", c["severity"], c["reason"] or "no drift") for c in columns
    )
    row_count = outcome.row_count_change
    if row_count.drifted:
        findings += (Finding("(row count)", False, row_count.severity, describe([row_count])),)
    return StageResult(section, findings)


def _column_row(summary: ColumnSummary, outcome: DriftOutcome) -> dict[str, Any]:
    drifted = [r for r in outcome.drifted if r.column == summary.column]
    return {
        "column": summary.column,
        "kind": summary.kind,
        "severity": summary.severity,
        "drifted_metrics": list(summary.drifted_metrics),
        "contributors": list(summary.contributors[:5]),
        "notes": list(summary.notes),
        "reason": _without_prefix(describe(drifted)) if drifted else None,
    }


def _without_prefix(text: str) -> str:
    """describe() starts with "drift (warn) in column x: "; the verdict names the column itself."""
    return text.split(": ", 1)[1] if ": " in text else text


def _distribution(summary: ColumnSummary) -> dict[str, Any] | None:
    """Reference vs current shares per PSI bin or category: the data of the report's plots."""
    bins = list(summary.contributors)
    if not bins:
        return None
    if summary.kind == "numeric":
        bins.sort(key=lambda b: -math.inf if b.get("lower") is None else b["lower"])
        labels = [b["bin"] for b in bins]
    else:
        bins.sort(key=lambda b: -(b.get("reference_share") or 0.0))
        labels = [str(b["category"]) for b in bins]
    return {
        "column": summary.column,
        "kind": summary.kind,
        "bins": [
            {"label": label, "reference_share": b.get("reference_share"), "current_share": b.get("current_share")}
            for label, b in zip(labels, bins, strict=True)
        ],
    }


def run_history(db: CatalogDB, loaded: LoadedContract, version: int, columns: Sequence[ColumnProfile]) -> StageResult:
    """The clean rows' profiles; a figure far from its recent history (the contract's rule) becomes a WARN reason."""
    policy = loaded.contract.history
    profiles = profiles_json(columns)
    past = catalog.past_profiles(db, loaded.dataset, version, newest=policy.window)  # all the rule reads
    found = anomalies(profiles, past, policy)
    section = {
        "profiles": profiles,
        "metric_history": {
            "rule": rule_text(policy),
            "anomalies": [{**_without_k(asdict(a)), "reason": a.reason} for a in found],
        },
    }
    return StageResult(section, tuple(Finding(f"history of {a.column}", False, "warn", a.reason) for a in found))


def _without_k(anomaly: dict[str, Any]) -> dict[str, Any]:
    """An anomaly as report.json has it: the rule above it already says k."""
    return {key: value for key, value in anomaly.items() if key != "k_sd"}


def gather(
    split: SplitResult,
    checks: tuple[CheckResult, ...],
    reference: Reference,
    drift: StageResult,
    slices: StageResult,
    history: StageResult,
) -> tuple[Results, dict[str, Any]]:
    """What the verdict weighs, and the report sections the stages after the split add."""
    results = Results(
        rows_input=split.rows_input,
        rows_quarantined=split.rows_quarantined,
        checks=tuple(CheckOutcome(c.name, c.column, c.code, c.failed_rows) for c in checks),
        slices=slices.findings,
        drift=drift.findings,
        history=history.findings,
    )
    sections = {"reference_version": reference.version, "reference_reason": reference.reason}
    return results, sections | drift.section | slices.section | history.section
