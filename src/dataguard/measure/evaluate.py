"""The stages after the split: slice tests and drift, as values the report and the gate use.

Each function is one stage the flow runs as one task; each returns plain data:
the report's section and the findings the verdict weighs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from dataguard import catalog
from dataguard.catalog import CheckResult
from dataguard.catalog.address import CatalogDB
from dataguard.common.rows import VersionRows
from dataguard.measure.drift.compare import compare
from dataguard.measure.drift.results import ColumnSummary, DriftOutcome, DriftResult, DriftUnavailable, describe
from dataguard.measure.drift.sketched import compare_sketches
from dataguard.measure.history import Anomaly, anomalies, profiles_json, rule_text
from dataguard.measure.profile import ColumnProfile
from dataguard.measure.reference import Reference
from dataguard.measure.sketch.merge import stored_sketch
from dataguard.measure.sketch.model import SKETCH_FILE, read_sketch
from dataguard.measure.slices.results import SliceResult
from dataguard.measure.slices.run import evaluate_slices
from dataguard.spec.contract import Contract
from dataguard.spec.outcome import Severity, worst
from dataguard.split import SplitResult
from dataguard.verdict import CheckOutcome, Finding, Results

S = TypeVar("S")


@dataclass(frozen=True)
class StageResult(Generic[S]):
    """What a stage adds to the report (``section``) and what it tells the gate (``findings``)."""

    section: S
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class DriftColumn:
    """One compared column as the report lists it: its summary (the worst severity) and why it drifted."""

    summary: ColumnSummary
    reason: str | None


@dataclass(frozen=True)
class Distribution:
    """Reference vs current shares per PSI bin or category: the data of the report's plots."""

    column: str
    kind: str
    bins: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class DriftSection:
    """The drift stage's part of the report; ``outcome`` None: no reference, or drift could not be computed."""

    outcome: DriftOutcome | None = None
    columns: tuple[DriftColumn, ...] = ()
    distributions: tuple[Distribution, ...] = ()
    error: str | None = None

    @property
    def results(self) -> tuple[DriftResult, ...]:
        return () if self.outcome is None else self.outcome.results


@dataclass(frozen=True)
class HistorySection:
    """The metric-history stage's part of the report: this version's profiles and the figures off their history."""

    profiles: dict[str, dict[str, Any]]
    rule: str
    anomalies: tuple[Anomaly, ...]


@dataclass(frozen=True)
class Sections:
    """What the stages after the split add to the report."""

    reference: Reference
    drift: DriftSection
    slices: tuple[SliceResult, ...]
    history: HistorySection


def run_slices(
    contract: Contract, rows: VersionRows, predictions: Path | None, reference: Reference
) -> StageResult[tuple[SliceResult, ...]]:
    """Every slice test of the contract on the clean rows, compared with the reference's."""
    results = evaluate_slices(rows, contract.slices, predictions, tuple(contract.keys), reference=reference.rows)
    return StageResult(results, tuple(slice_finding(r.name, r.passed, r.severity, r.reason) for r in results))


def slice_finding(name: str, passed: bool, severity: str, reason: str | None) -> Finding:
    return Finding(name, passed, severity, reason or "passed")


def drift_finding(column: str, severity: str, reason: str | None) -> Finding:
    """A compared column as the gate sees it: it passes when none of its metrics drifted."""
    return Finding(column, severity == Severity.NONE, severity, reason or "no drift")


def history_finding(column: str, reason: str) -> Finding:
    """A figure far from its recent history: always a reason to warn, never to block."""
    return Finding(f"history of {column}", False, Severity.WARN, reason)


def run_drift(
    contract: Contract, rows: VersionRows, reference: Reference, scratch: Path, profiles: Sequence[ColumnProfile]
) -> StageResult[DriftSection]:
    """Drift of the clean rows against the reference's, column by column.

    From the sketches when both sides have one: this run's (``scratch/sketch.parquet``, written by the
    profile stage in its pass over ``rows``) and the one the reference's run stored (plus the rows a
    review released since): no row is read here. Else (a reference validated before sketches were
    stored, or a column a sketch cannot serve) both sides' rows are scanned in DuckDB, the clean rows'
    counts and moments taken from their ``profiles``.
    """
    if reference.rows is None:
        return StageResult(DriftSection(), ())
    try:
        drift, keys = contract.drift, contract.keys
        outcome = None
        current = read_sketch(scratch / SKETCH_FILE)
        stored = stored_sketch(reference.run_dir, reference.revision, reference.rows) if current else None
        if current is not None and stored is not None:
            outcome = compare_sketches(current, stored, drift, keys)
        if outcome is None:
            outcome = compare(rows, reference.rows, drift, scratch, keys, profiles, reference.profiles)
    except DriftUnavailable as exc:  # an empty side is a reason to look, never a silent pass
        return StageResult(DriftSection(error=str(exc)), (Finding("(reference)", False, Severity.WARN, str(exc)),))
    columns = tuple(_drift_column(summary, outcome) for summary in outcome.columns)
    distributions = tuple(d for summary in outcome.columns if (d := _distribution(summary)))
    findings = tuple(drift_finding(c.summary.column, c.summary.severity, c.reason) for c in columns)
    row_count = outcome.row_count_change
    if row_count.drifted:
        findings += (Finding("(row count)", False, row_count.severity, describe([row_count])),)
    return StageResult(DriftSection(outcome, columns, distributions), findings)


def _drift_column(summary: ColumnSummary, outcome: DriftOutcome) -> DriftColumn:
    return DriftColumn(summary, drift_reason([r for r in outcome.drifted if r.column == summary.column]))


def drift_reason(drifted: list[DriftResult]) -> str | None:
    """describe() starts with "drift (warn) in column x: "; the verdict names the column itself."""
    if not drifted:
        return None
    text = describe(drifted)
    return text.split(": ", 1)[1] if ": " in text else text


def _distribution(summary: ColumnSummary) -> Distribution | None:
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
    return Distribution(
        summary.column,
        summary.kind,
        tuple(
            {"label": label, "reference_share": b.get("reference_share"), "current_share": b.get("current_share")}
            for label, b in zip(labels, bins, strict=True)
        ),
    )


def run_history(
    db: CatalogDB, dataset: str, contract: Contract, version: int, columns: Sequence[ColumnProfile]
) -> StageResult[HistorySection]:
    """The clean rows' profiles; a figure far from its recent history (the contract's rule) becomes a WARN reason."""
    policy = contract.history
    profiles = profiles_json(columns)
    past = catalog.past_profiles(db, dataset, version, newest=policy.window)  # all the rule reads
    found = tuple(anomalies(profiles, past, policy))
    section = HistorySection(profiles, rule_text(policy), found)
    return StageResult(section, tuple(history_finding(a.column, a.reason) for a in found))


def recorded_findings(recorded: catalog.RunResults) -> Findings:
    """The slice, drift and history findings a published run recorded in the catalog, to decide again after a review.

    Drift is judged per column, as when the run was published; the dataset's row count is not among them
    (a review has never weighed it again).
    """
    by_column: dict[str, list[DriftResult]] = {}
    for row in recorded.drift:
        if row.column != catalog.DATASET_COLUMN:
            by_column.setdefault(row.column, []).append(_drift_result(row))
    drift = tuple(
        drift_finding(
            column,
            worst((r.severity for r in results), Severity.NONE),
            drift_reason([r for r in results if r.drifted]),
        )
        for column, results in by_column.items()
    )
    return Findings(
        slices=tuple(_recorded_slice(s.result) for s in recorded.slices),
        drift=drift,
        history=tuple(history_finding(a.column, a.reason) for a in recorded.anomalies),
    )


def _recorded_slice(result: dict[str, Any]) -> Finding:
    return slice_finding(result["name"], bool(result["passed"]), result["severity"], result.get("reason"))


def _drift_result(row: catalog.DriftRow) -> DriftResult:
    return DriftResult(
        row.column,
        row.kind,
        row.metric,
        row.statistic,
        row.p_value,
        row.threshold,
        row.drifted,
        row.severity,
        row.detail,
    )


@dataclass(frozen=True)
class Findings:
    """What the gate weighs besides the row checks."""

    slices: tuple[Finding, ...]
    drift: tuple[Finding, ...]
    history: tuple[Finding, ...]


def gather(
    split: SplitResult,
    checks: tuple[CheckResult, ...],
    reference: Reference,
    drift: StageResult[DriftSection],
    slices: StageResult[tuple[SliceResult, ...]],
    history: StageResult[HistorySection],
) -> tuple[Results, Sections]:
    """What the verdict weighs, and the report sections the stages after the split add."""
    results = Results(
        rows_input=split.rows_input,
        rows_quarantined=split.rows_quarantined,
        checks=tuple(CheckOutcome(c.name, c.column, c.code, c.failed_rows) for c in checks),
        slices=slices.findings,
        drift=drift.findings,
        history=history.findings,
    )
    return results, Sections(reference, drift.section, slices.section, history.section)
