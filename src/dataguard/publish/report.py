"""The typed report of one run, and its JSON document (report.json) written only when it is published.

``Report`` is what the pipeline builds from the stages' results; ``document``
turns it into the JSON-ready dict that report.json holds and that report.md,
report.html and JUnit are rendered from. A review re-renders a published
run from its report.json, so the renderers read that document.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataguard.catalog import CheckResult, VersionRecord
from dataguard.measure.evaluate import DriftColumn, DriftSection, HistorySection, Sections
from dataguard.measure.history import Anomaly
from dataguard.measure.slices.results import SliceResult
from dataguard.publish.markdown import render_markdown
from dataguard.split import ReasonCount, SplitResult
from dataguard.verdict import Verdict

if TYPE_CHECKING:
    from dataguard.checks.rowchecks import RowCheckOutcome

CONTRIBUTORS = 5  # PSI contributors listed per drift column; distributions hold every bin


@dataclass(frozen=True)
class RowCounts:
    input: int
    clean: int
    quarantined: int  # not in the clean data: pending + rejected
    pending: int
    released: int
    rejected: int


@dataclass(frozen=True)
class ReportPaths:
    clean: str  # where the clean file is, or will be once first opened (open_validated, train, peek)
    clean_materialized: bool  # whether it was written yet (when the report was)
    deleted: str  # the deletion vector: the quarantined rows' ids (clean = the version minus these)
    quarantine: str
    report_html: str
    report_json: str
    report_md: str


@dataclass(frozen=True)
class Report:
    """One run: the version it checked, the verdict and every result behind it."""

    version: VersionRecord
    run_id: str
    verdict: Verdict
    rows: RowCounts
    checks: tuple[CheckResult, ...]
    quarantine_reasons: tuple[ReasonCount, ...]
    sections: Sections
    paths: ReportPaths
    revision: int = 0
    contract: dict[str, Any] | None = None  # {path, fingerprint}: the contract the run ran
    relations: tuple[dict[str, Any], ...] = ()  # each relation and the other version it was checked against


def build_report(
    version: VersionRecord,
    run_id: str,
    verdict: Verdict,
    split: SplitResult,
    outcome: RowCheckOutcome,
    run_dir: Path,
    sections: Sections,
) -> Report:
    """The report of one run, before any review: nothing released or rejected yet."""
    quarantined = split.rows_quarantined
    return Report(
        version=version,
        run_id=run_id,
        verdict=verdict,
        rows=RowCounts(split.rows_input, split.rows_clean, quarantined, quarantined, 0, 0),
        checks=outcome.checks,
        quarantine_reasons=split.reasons,
        sections=sections,
        paths=ReportPaths(
            clean=str(split.clean_path),
            clean_materialized=False,
            deleted=str(split.deleted_path),
            quarantine=str(split.quarantine_path),
            report_html=str(run_dir / "report.html"),
            report_json=str(run_dir / "report.json"),
            report_md=str(run_dir / "report.md"),
        ),
        contract={"fingerprint": outcome.contract_fingerprint},
        relations=outcome.relations,
    )


def document(report: Report) -> dict[str, Any]:
    """report.json's content: plain JSON data, keys in the order readers of earlier reports know."""
    version, verdict, sections = report.version, report.verdict, report.sections
    return {
        "dataset": version.dataset,
        "version": version.version,
        "fingerprint": version.fingerprint,
        "run_id": report.run_id,
        "source": {"path": version.source_path, "format": version.source_format, "size_bytes": version.size_bytes},
        "reference_version": sections.reference.version,
        "reference_reason": sections.reference.reason,
        "verdict": str(verdict.verdict),
        "gate_open": verdict.gate_open,
        "reasons": list(verdict.reasons),
        "revision": report.revision,
        "rows": asdict(report.rows),
        "checks": [asdict(c) for c in report.checks],
        "quarantine_reasons": [asdict(r) for r in report.quarantine_reasons],
        "drift": [] if sections.drift.outcome is None else sections.drift.outcome.report(),
        "slices": [slice_row(r) for r in sections.slices],
        "paths": asdict(report.paths),
        **_contract_fields(report),
        **_drift_fields(sections.drift),
        **_history_fields(sections.history),
    }


def _contract_fields(report: Report) -> dict[str, Any]:
    """The contract the run ran and the other versions its relations used (absent from reports before them)."""
    if report.contract is None:
        return {}
    return {"contract": report.contract, "relations": [dict(r) for r in report.relations]}


def slice_row(result: SliceResult) -> dict[str, Any]:
    row = asdict(result)
    row["interval"] = list(result.interval) if result.interval else None
    return row


def _drift_fields(drift: DriftSection) -> dict[str, Any]:
    """The drift stage's fields after ``paths``; ``drift_skipped`` only when drift was measured."""
    fields: dict[str, Any] = {"drift_columns": [_drift_column(c) for c in drift.columns]}
    if drift.outcome is not None:
        fields["drift_skipped"] = [asdict(skipped) for skipped in drift.outcome.skipped]
    fields["distributions"] = [_listed(asdict(d)) for d in drift.distributions]
    if drift.error is not None:
        fields["drift_error"] = drift.error
    return fields


def _drift_column(column: DriftColumn) -> dict[str, Any]:
    """A column's summary with its five largest PSI contributors, and the reason it drifted."""
    row = _listed(asdict(column.summary))
    return row | {"contributors": row["contributors"][:CONTRIBUTORS], "reason": column.reason}


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    """A typed part's tuples as the lists report.json has always held."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in row.items()}


def _history_fields(history: HistorySection) -> dict[str, Any]:
    return {
        "profiles": history.profiles,
        "metric_history": {"rule": history.rule, "anomalies": [anomaly_row(a) for a in history.anomalies]},
    }


def anomaly_row(anomaly: Anomaly) -> dict[str, Any]:
    """An anomaly as report.json has it: the rule above it already says k."""
    return {key: value for key, value in asdict(anomaly).items() if key != "k_sd"} | {"reason": anomaly.reason}


def write_reports(published: dict[str, Any], history: list[dict[str, Any]]) -> None:
    """Write report.json (``published``, a report's ``document``), report.md and report.html, each atomically.

    The HTML is written before the JSON that names it, so a reader of
    report.json never finds a report.html that is missing or stale.
    """
    from dataguard.publish.html import quarantine_sample, render_html

    paths = published["paths"]
    sample, total = quarantine_sample(Path(paths["quarantine"]))
    _write_atomic(Path(paths["report_html"]), render_html(published, sample, total, history))
    _write_atomic(Path(paths["report_md"]), render_markdown(published))
    _write_atomic(Path(paths["report_json"]), json.dumps(published, indent=2) + "\n")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_report(path: str | Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return result
