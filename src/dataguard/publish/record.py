"""Publish: reports first, then one catalog transaction that makes the run visible.

A crash before the commit leaves files nobody points to and the catalog as it
was; the gate only ever sees a run whose reports and data are complete.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataguard import catalog
from dataguard.catalog import VersionRecord
from dataguard.catalog.address import CatalogDB
from dataguard.catalog.locks import writer_of
from dataguard.common.faults import fault_point
from dataguard.common.integrity import file_fingerprint
from dataguard.measure.drift.results import DriftResult
from dataguard.measure.evaluate import Sections
from dataguard.publish.report import Report, build_report, document, slice_row, write_reports
from dataguard.spec.drift import NUMERIC
from dataguard.split import SplitResult
from dataguard.verdict import Verdict

if TYPE_CHECKING:
    from dataguard.checks.rowchecks import RowCheckOutcome


def publish(
    db: CatalogDB,
    version: VersionRecord,
    run_id: str,
    run_dir: Path,
    split: SplitResult,
    outcome: RowCheckOutcome,
    verdict: Verdict,
    sections: Sections,
) -> dict[str, Any]:
    """Write the run's reports, then record it in the catalog; the published report.json document."""
    report = build_report(version, run_id, verdict, split, outcome, run_dir, sections)
    published = document(report)
    deleted = file_fingerprint(split.deleted_path)  # what the clean file is proven against when it is made
    vector = catalog.DeletionVector(run_id, 0, str(split.deleted_path), deleted.digest, split.rows_quarantined)
    write_reports(published, history_with(catalog.version_history(db, version.dataset), published))
    fault_point("report")
    catalog.finish_run(db, fence=writer_of(db, version.dataset).fence, run=finished_run(report, vector))
    fault_point("publish")
    return published


def finished_run(report: Report, vector: catalog.DeletionVector) -> catalog.FinishedRun:
    """The run as the catalog records it: its outcome, where its files are, and every result."""
    version, verdict, rows, sections = report.version, report.verdict, report.rows, report.sections
    return catalog.FinishedRun(
        run_id=report.run_id,
        dataset=version.dataset,
        version=version.version,
        verdict=verdict.verdict,
        gate_open=verdict.gate_open,
        reasons=list(verdict.reasons),
        rows_input=rows.input,
        rows_clean=rows.clean,
        rows_quarantined=rows.quarantined,
        clean_path=report.paths.clean,
        quarantine_path=report.paths.quarantine,
        report_json=report.paths.report_json,
        checks=list(report.checks),
        slices=[catalog.SliceRow(slice_row(s)) for s in sections.slices],
        drift=[_drift_row(r) for r in sections.drift.results],
        reference_version=sections.reference.version,
        profiles=[
            catalog.ProfileRow(column, stored_profile(profile)) for column, profile in sections.history.profiles.items()
        ],
        deletion_vector=vector,
        anomalies=[catalog.AnomalyRow(a.column, a.figure, a.reason) for a in sections.history.anomalies],
        contract_fingerprint=report.contract["fingerprint"] if report.contract else None,
        relations=[_relation_row(r) for r in report.relations],
    )


def _relation_row(row: dict[str, Any]) -> catalog.RelationRow:
    fields = ("kind", "dataset", "version", "revision", "failed_rows", "fingerprint")
    return catalog.RelationRow(check_name=row["check"], **{name: row[name] for name in fields})


def stored_profile(profile: dict[str, Any]) -> dict[str, Any]:
    """A profile as the catalog keeps it: a numeric column's NaN and infinities counted even when none
    (report.json lists them only where there are some), which marks a profile drift may reuse."""
    if profile.get("kind") != NUMERIC:
        return profile
    return {**profile, "non_finite": profile.get("non_finite", 0)}


def _drift_row(result: DriftResult) -> catalog.DriftRow:
    """A drift result as the catalog records it; a metric of the whole dataset names no column."""
    column = catalog.DATASET_COLUMN if result.column is None else result.column
    return catalog.DriftRow(**(asdict(result) | {"column": column}))


def history_with(history: list[dict[str, Any]], report: dict[str, Any]) -> list[dict[str, Any]]:
    """The dataset's version history, with this (not yet committed) run in its place."""
    rows = report["rows"]
    current = {
        "version": report["version"],
        "verdict": report["verdict"],
        "rows": rows["input"],
        "quarantined": rows["quarantined"],
        "quarantined_share": rows["quarantined"] / rows["input"] if rows["input"] else None,
    }
    return sorted([h for h in history if h["version"] != report["version"]] + [current], key=lambda h: h["version"])
