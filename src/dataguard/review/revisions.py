"""Decisions on quarantined rows, and the clean revisions a release publishes.

A writer of the dataset: under its lock the run and its row states are read
again, the revision (the run's clean rows plus every released row) is written
under a name of its own, and the decision, each row's new state and the
revision become visible in one catalog transaction. Rows are conserved at
every step: clean revision + pending + rejected = input.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dataguard import catalog
from dataguard.catalog.address import CatalogDB
from dataguard.catalog.locks import Held, dataset_lock
from dataguard.common.faults import fault_point
from dataguard.common.integrity import file_fingerprint
from dataguard.common.sql import quote_ident
from dataguard.errors import BadInput, InvariantViolation
from dataguard.measure.evaluate import recorded_findings
from dataguard.project import Project
from dataguard.publish.record import history_with
from dataguard.publish.report import read_report, write_reports
from dataguard.review.quarantine import ACTIONS, PENDING, REJECTED, RELEASED
from dataguard.spec.contract import GatePolicy
from dataguard.spec.outcome import Outcome
from dataguard.spec.source import ROW_ID
from dataguard.split import REASONS
from dataguard.verdict import CheckOutcome, Results, Verdict, decide


@dataclass(frozen=True)
class Decision:
    decision_id: str | None  # None when nothing changed
    action: str
    changed: tuple[int, ...]
    unchanged: tuple[int, ...]
    revision: int | None
    verdict: str
    gate_open: bool
    message: str
    clean_path: str  # the clean data training now receives (the new revision's file, when one was published)


@dataclass(frozen=True)
class Counts:
    input: int
    clean: int
    pending: int
    released: int
    rejected: int


def decide_rows(
    project: Project,
    run: catalog.RunRecord,
    action: str,
    row_ids: list[int],
    *,
    selector: str,
    reviewer: str,
    note: str,
    policy: GatePolicy,
) -> Decision:
    """Record a release or reject; publish a new clean revision when the released set changes.

    A writer of the dataset: under its lock, the run and its row states are read
    again, so two reviewers deciding at once take turns and the second builds on
    the first. The revision file gets a name of its own and becomes visible only
    in the transaction that records it; if that fails, the file is removed.
    """
    if action not in ACTIONS:
        raise BadInput(f"unknown action {action!r}", hint="release or reject")
    if not note.strip():
        raise BadInput("a decision needs a --note saying why")
    with dataset_lock(project, run.dataset) as held:
        run = _still_newest(project.catalog, run)
        decided = catalog.row_states(project.catalog, run.run_id)
        target = ACTIONS[action]
        changed = [r for r in row_ids if decided.get(r, PENDING) != target]
        unchanged = [r for r in row_ids if decided.get(r, PENDING) == target]
        if not changed:
            return Decision(
                None,
                action,
                (),
                tuple(unchanged),
                None,
                run.verdict or "",
                bool(run.gate_open),
                f"nothing to do: all {len(unchanged)} rows are already {target}",
                str(run.clean_path),
            )
        record = catalog.DecisionRecord(
            uuid.uuid4().hex, run.dataset, run.version, run.run_id, action, selector, changed, reviewer, note, target
        )
        after = {**decided, **{r: target for r in changed}}
        revision, counts, verdict, path, deleted = _record(project.catalog, held, run, record, decided, after, policy)
        number = revision if revision is not None else run.revision
        _refresh_report(project.catalog, run, counts, verdict, (path, deleted), number)
    message = f"{action}d {len(changed)} rows" + (f"; {len(unchanged)} were already {target}" if unchanged else "")
    if revision is not None:
        gate = "open" if verdict.gate_open else "closed"
        message += f"; published clean revision {revision}: {verdict.verdict}, gate {gate}"
    return Decision(
        record.decision_id,
        action,
        tuple(changed),
        tuple(unchanged),
        revision,
        verdict.verdict,
        verdict.gate_open,
        message,
        str(path),
    )


def _still_newest(db: CatalogDB, seen: catalog.RunRecord) -> catalog.RunRecord:
    """The run as it is now (another reviewer may have published a revision since it was read)."""
    now = catalog.latest_finished_run(db, seen.dataset, seen.version)
    if now is None or now.run_id != seen.run_id:
        raise BadInput(
            f"{seen.dataset} v{seen.version} was validated again since run {seen.run_id} was read; nothing was changed",
            hint=f"review the newest run: dataguard quarantine list {seen.dataset} --version {seen.version}",
        )
    return now


def _record(
    db: CatalogDB,
    held: Held,
    run: catalog.RunRecord,
    record: catalog.DecisionRecord,
    before: dict[int, str],
    after: dict[int, str],
    policy: GatePolicy,
) -> tuple[int | None, Counts, Verdict, Path, str | None]:
    """Publish the revision (when the released set changes) and record the decision, in one transaction.

    Also the revision's deletion vector, when one was published (None: the clean rows did not change)."""
    released_before = {r for r, s in before.items() if s == RELEASED}
    path = Path(str(run.clean_path))
    if released_before == {r for r, s in after.items() if s == RELEASED}:  # only rejections: clean data stays
        report = read_report(str(run.report_json))
        counts = _counts(report, after, int(report["rows"]["clean"]))
        assert run.verdict is not None  # a finished run (_still_newest) always has one
        verdict = Verdict(Outcome(run.verdict), tuple(run.reasons), bool(run.gate_open))
        with catalog.writing(db) as con:
            held.fence(con)
            catalog.record_decision(con, record, None)
        return None, counts, verdict, path, None
    number = run.revision + 1
    counts, verdict, path, vector = _publish_revision(catalog.run_results(db, run.run_id), run, after, number, policy)
    try:
        fault_point("review")
        revision = catalog.RevisionRecord(
            number,
            run.revision,
            str(path),
            counts.clean,
            counts.released,
            counts.rejected,
            verdict.verdict,
            verdict.gate_open,
            list(verdict.reasons),
        )
        with catalog.writing(db) as con:
            held.fence(con)
            catalog.record_decision(con, record, revision)
            catalog.record_deletion_vector(con, vector)
    except BaseException:
        Path(vector.path).unlink(missing_ok=True)  # never recorded: no reader can be handed it
        raise
    return number, counts, verdict, path, vector.path


def _publish_revision(
    recorded: catalog.RunResults, run: catalog.RunRecord, after: dict[int, str], revision: int, policy: GatePolicy
) -> tuple[Counts, Verdict, Path, catalog.DeletionVector]:
    """The revision's deletion vector: the run's quarantined rows less every released one; the verdict decided
    again on what the run recorded. Its clean file is made on first open (``gate.materialize``)."""
    report = read_report(str(run.report_json))
    folder = Path(str(run.report_json)).parent
    name = f"r{revision}.{uuid.uuid4().hex[:12]}"  # never overwrites one
    out, clean = folder / f"deleted.{name}.parquet", folder / f"clean.{name}.parquet"
    rid = quote_ident(ROW_ID)
    released = pa.table({ROW_ID: pa.array(sorted(r for r, s in after.items() if s == RELEASED), pa.int64())})
    with duckdb.connect() as con:
        con.register("released", released)
        con.execute(
            f"""COPY (SELECT {rid} FROM read_parquet($q) ANTI JOIN released USING ({rid}) ORDER BY {rid})
                TO $out (FORMAT parquet, COMPRESSION zstd)""",
            {"q": str(run.quarantine_path), "out": str(out)},
        )
        checks = _checks_after(con, recorded.checks, run, rid)
    deleted = int(pq.ParquetFile(out).metadata.num_rows)
    counts = _counts(report, after, report["rows"]["input"] - deleted)
    found = recorded_findings(recorded)
    results = Results(
        counts.input,
        counts.pending + counts.rejected,
        checks,
        slices=found.slices,
        drift=found.drift,
        history=found.history,
    )
    verdict = decide(results, policy)
    digest = file_fingerprint(out)  # the clean file made later is proven against this
    return counts, verdict, clean, catalog.DeletionVector(run.run_id, revision, str(out), digest.digest, deleted)


def _checks_after(
    con: duckdb.DuckDBPyConnection, recorded: list[catalog.CheckResult], run: catalog.RunRecord, rid: str
) -> tuple[CheckOutcome, ...]:
    """Each check's failing rows once released rows no longer count."""
    failing = con.execute(
        f"""SELECT r."check", r."column", count(DISTINCT {rid})
            FROM (SELECT {rid}, unnest({REASONS}) AS r FROM read_parquet($q) ANTI JOIN released USING ({rid}))
            GROUP BY ALL""",
        {"q": str(run.quarantine_path)},
    ).fetchall()
    counts = {(check, column): int(n) for check, column, n in failing}
    return tuple(CheckOutcome(c.name, c.column, c.code, counts.get((c.name, c.column), 0)) for c in recorded)


def _counts(report: dict[str, Any], after: dict[int, str], clean: int) -> Counts:
    rows = report["rows"]
    quarantined_in_run = rows["pending"] + rows["released"] + rows["rejected"]
    released = sum(1 for s in after.values() if s == RELEASED)
    rejected = sum(1 for s in after.values() if s == REJECTED)
    counts = Counts(
        input=rows["input"],
        clean=clean,
        pending=quarantined_in_run - released - rejected,
        released=released,
        rejected=rejected,
    )
    base_clean = rows["input"] - quarantined_in_run
    if counts.clean != base_clean + released or counts.clean + counts.pending + counts.rejected != counts.input:
        raise InvariantViolation(
            f"revision would lose rows: clean {counts.clean} + pending {counts.pending} + rejected {counts.rejected} "
            f"!= input {counts.input}; nothing was published"
        )
    return counts


def _refresh_report(
    db: CatalogDB,
    run: catalog.RunRecord,
    counts: Counts,
    verdict: Verdict,
    files: tuple[Path, str | None],
    revision: int,
) -> None:
    """Re-render the run's reports with the reviewed counts, verdict and clean revision.

    ``files``: the clean file's path and, for a new revision, its deletion vector's."""
    report = read_report(str(run.report_json))
    report["rows"].update(
        clean=counts.clean,
        quarantined=counts.pending + counts.rejected,
        pending=counts.pending,
        released=counts.released,
        rejected=counts.rejected,
    )
    report.update(
        verdict=verdict.verdict, reasons=list(verdict.reasons), gate_open=verdict.gate_open, revision=revision
    )
    clean, deleted = files
    if deleted is not None:  # a new revision: its clean file is made on first open
        report["paths"].update(clean=str(clean), clean_materialized=False, deleted=deleted)
    write_reports(report, history_with(catalog.version_history(db, run.dataset), report))
