"""Publish: reports first, then one catalog transaction that makes the run visible.

A crash before the commit leaves files nobody points to and the catalog as it
was; the gate only ever sees a run whose reports and data are complete.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dataguard import catalog
from dataguard.catalog import VersionRecord
from dataguard.catalog.address import CatalogDB
from dataguard.catalog.locks import writer_of
from dataguard.checks.rowchecks import CheckResult
from dataguard.common.faults import fault_point
from dataguard.common.integrity import file_fingerprint
from dataguard.publish.report import build_report, write_reports
from dataguard.split import SplitResult
from dataguard.verdict import Verdict


def publish(
    db: CatalogDB,
    version: VersionRecord,
    run_id: str,
    run_dir: Path,
    split: SplitResult,
    checks: tuple[CheckResult, ...],
    verdict: Verdict,
    sections: dict[str, Any] | None = None,
) -> dict[str, Any]:
    report = build_report(version, run_id, verdict, split, checks, run_dir, sections)
    clean = file_fingerprint(Path(split.clean_path))  # what open_validated will verify
    write_reports(report, history_with(catalog.version_history(db, version.dataset), report))
    fault_point("report")
    catalog.finish_run(
        db,
        fence=writer_of(db, version.dataset).fence,
        run=catalog.FinishedRun(
            run_id=run_id,
            dataset=version.dataset,
            version=version.version,
            verdict=verdict.verdict,
            gate_open=verdict.gate_open,
            reasons=list(verdict.reasons),
            rows_input=split.rows_input,
            rows_clean=split.rows_clean,
            rows_quarantined=split.rows_quarantined,
            clean_path=str(split.clean_path),
            quarantine_path=str(split.quarantine_path),
            report_json=report["paths"]["report_json"],
            checks=[(c.name, c.column, c.code, c.failed_rows, c.severity) for c in checks],
            slices=[
                (s["name"], s["metric"], s["value"], s["rows"], s["passed"], s["severity"], json.dumps(s))
                for s in report["slices"]
            ],
            drift=[
                (
                    d["column"] if d["column"] is not None else "(dataset)",
                    d["kind"],
                    d["metric"],
                    d.get("statistic"),
                    d.get("p_value"),
                    d.get("threshold"),
                    bool(d.get("drifted")),
                    d.get("severity") or "none",
                )
                for d in report["drift"]
            ],
            reference_version=report["reference_version"],
            profiles=[(column, json.dumps(profile)) for column, profile in report.get("profiles", {}).items()],
            clean_fingerprint=clean.digest,
            clean_size=clean.size_bytes,
        ),
    )
    fault_point("publish")
    return report


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
