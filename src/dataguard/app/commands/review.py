"""Review of quarantined rows: the commands quarantine list, show, export, release, reject, diff and log.

The review engines (DuckDB, pyarrow) are imported by the functions that use them.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataguard import catalog
from dataguard.app.commands.datasets import known_dataset
from dataguard.errors import BadInput
from dataguard.project import Project
from dataguard.spec import defaults

if TYPE_CHECKING:
    from dataguard.review.quarantine import RowFilter
    from dataguard.review.revisions import Decision


def review_target(project: Project, dataset: str, version: int) -> catalog.RunRecord:
    """The version's latest finished run, whose quarantine is reviewed."""
    from dataguard.review.quarantine import published_run

    known_dataset(project, dataset)
    return published_run(project.catalog, dataset, version)


def quarantined_rows(
    project: Project,
    dataset: str,
    version: int,
    *,
    code: str | None,
    column: str | None,
    state: str | None,
    limit: int | None,
) -> list[dict[str, Any]]:
    """The version's quarantined rows with their state and reasons, filtered, at most ``limit`` of them."""
    from dataguard.review.quarantine import RowFilter, list_rows

    run = review_target(project, dataset, version)
    decided = catalog.row_states(project.catalog, run.run_id)
    return list_rows(run, decided, RowFilter(code, column, state), limit)


def quarantined_row(project: Project, dataset: str, version: int, row_id: int) -> dict[str, Any]:
    """One quarantined row: its values, reasons, state and the decisions about it."""
    from dataguard.review.quarantine import show_row

    run = review_target(project, dataset, version)
    log = [d for d in catalog.audit_log(project.catalog, dataset) if d["run_id"] == run.run_id]
    return show_row(run, catalog.row_states(project.catalog, run.run_id), row_id, log)


def export_quarantine(project: Project, dataset: str, version: int, fmt: str, out: Path) -> int:
    """Write the version's quarantine with each row's state to ``out`` as ``fmt``; the rows written."""
    from dataguard.review.quarantine import export_rows

    run = review_target(project, dataset, version)
    return export_rows(run, catalog.row_states(project.catalog, run.run_id), fmt, out)


def decide(
    project: Project,
    dataset: str,
    version: int,
    action: str,
    *,
    rows: str | None,
    code: str | None,
    note: str,
    reviewer: str | None,
) -> Decision:
    """Release or reject (``action``) the rows listed in ``rows`` (comma-separated ids) or quarantined for ``code``.

    ``reviewer`` defaults to the user running the command.
    """
    from dataguard.checks.load import load_contract
    from dataguard.review.quarantine import select_rows
    from dataguard.review.revisions import decide_rows

    if "\x00" in note + (code or ""):  # no catalog stores a NUL in text (PostgreSQL refuses it)
        raise BadInput("the note and the code cannot hold a NUL character")
    run = review_target(project, dataset, version)
    chosen = select_rows(run, parse_row_ids(rows) if rows is not None else None, code)
    selector = f"--rows {rows}" if rows is not None else f"--code {code}"
    who = reviewer or os.environ.get("USER") or getpass.getuser()
    policy = load_contract(project, dataset).contract.gate
    return decide_rows(project, run, action, chosen, selector=selector, reviewer=who, note=note, policy=policy)


def decision_document(decision: Decision, action: str) -> dict[str, Any]:
    """A decision as ``quarantine release --json`` prints it and the API returns it."""
    return {
        "decision_id": decision.decision_id,
        "action": action,
        "changed": list(decision.changed),
        "unchanged": list(decision.unchanged),
        "revision": decision.revision,
        "clean_path": decision.clean_path,
        "verdict": decision.verdict,
        "gate_open": decision.gate_open,
        "message": decision.message,
    }


@dataclass(frozen=True)
class QuarantinePage:
    """One page of a version's filtered quarantine: how many rows match, and this page's rows."""

    total: int
    rows: list[dict[str, Any]]


def quarantine_page(
    project: Project, dataset: str, version: int, wanted: RowFilter, limit: int = 50, offset: int = 0
) -> QuarantinePage:
    """The rows of the quarantine that match, in ``_row_id`` order, ``limit`` from ``offset``."""
    from dataguard.review.quarantine import page_rows

    run = review_target(project, dataset, version)
    total, rows = page_rows(run, catalog.row_states(project.catalog, run.run_id), wanted, limit, offset)
    return QuarantinePage(total, rows)


def parse_row_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError as exc:
        raise BadInput(f"--rows takes comma-separated row ids, got {text!r}") from exc
    if any(not 0 <= row <= defaults.MAX_ROW_ID for row in ids):
        raise BadInput(f"a row id is a whole number from 0 to {defaults.MAX_ROW_ID}, got {text!r}")
    return ids


def reason_changes(project: Project, dataset: str, version: int, against: int) -> list[dict[str, Any]]:
    """Which quarantine reasons appeared, disappeared, grew or shrank from ``against`` to ``version``."""
    from dataguard.publish.report import read_report
    from dataguard.review.quarantine import diff_reasons

    current = review_target(project, dataset, version)
    before = review_target(project, dataset, against)
    return diff_reasons(read_report(str(current.report_json)), read_report(str(before.report_json)))


def decision_log(project: Project, dataset: str) -> list[dict[str, Any]]:
    """The review decisions about the dataset, oldest first."""
    known_dataset(project, dataset)
    return catalog.audit_log(project.catalog, dataset)
