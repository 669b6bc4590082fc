"""Quarantine review: reviewers release rows that were wrongly held or reject them for good.

Every quarantined row of a run is ``pending``, ``released`` or ``rejected``.
Each decision is appended to an audit log (who, when, note, which rows) and
never rewritten. Releasing rows publishes a new *revision* of the version's
clean data (the run's clean rows plus every released row) next to the earlier
ones, with lineage to its parent, and re-runs the gate on it; nothing is
rewritten in place. Rows are conserved at every step:
clean revision + pending + rejected = input.

Decisions belong to one run: validating the version again starts a new review
(the earlier run's decisions stay in the log).
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
from dataguard.catalog.db import CatalogDB
from dataguard.catalog.locks import Held, dataset_lock
from dataguard.contract import GatePolicy
from dataguard.errors import BadInput, InvariantViolation
from dataguard.evaluate import findings_in
from dataguard.ingest import ROW_ID
from dataguard.integrity import file_fingerprint
from dataguard.project import Project
from dataguard.publish import history_with
from dataguard.report import read_report, write_reports
from dataguard.split import REASONS
from dataguard.sql import quote_ident, quote_path
from dataguard.verdict import CheckOutcome, Results, Verdict, decide

PENDING, RELEASED, REJECTED = "pending", "released", "rejected"
STATES = (PENDING, RELEASED, REJECTED)
ACTIONS = {"release": RELEASED, "reject": REJECTED}


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


def published_run(db: CatalogDB, dataset: str, version: int) -> catalog.RunRecord:
    run = catalog.latest_finished_run(db, dataset, version)
    if run is None or run.quarantine_path is None:
        raise BadInput(
            f"{dataset} v{version} has no finished validation run to review",
            hint=f"dataguard validate {dataset} --version {version}",
        )
    return run


def list_rows(
    run: catalog.RunRecord,
    decided: dict[int, str],
    *,
    code: str | None = None,
    column: str | None = None,
    state: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Quarantined rows with their state and reasons, filtered, in source order."""
    if state is not None and state not in STATES:
        raise BadInput(f"unknown state {state!r}", hint=f"states: {', '.join(STATES)}")
    with _with_states(run, decided) as con:
        rows = con.execute(
            f"""SELECT q.{quote_ident(ROW_ID)}, s.state, q.{REASONS} FROM q JOIN s USING ({quote_ident(ROW_ID)})
                WHERE ($state IS NULL OR s.state = $state)
                  AND ($code IS NULL OR list_contains([r.code FOR r IN q.{REASONS}], $code))
                  AND ($column IS NULL OR list_contains([r."column" FOR r IN q.{REASONS}], $column))
                ORDER BY 1 LIMIT $limit""",
            {"state": state, "code": code, "column": column, "limit": limit if limit is not None else 2**62},
        ).fetchall()
    return [{"row_id": int(r), "state": s, "reasons": list(reasons)} for r, s, reasons in rows]


class _with_states:  # noqa: N801 - used as a context manager, reads like a function
    """A DuckDB connection with views ``q`` (the quarantine) and ``s`` (each row's state)."""

    def __init__(self, run: catalog.RunRecord, decided: dict[int, str]) -> None:
        self.run, self.decided = run, decided

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con = duckdb.connect()
        # a view cannot take parameters; the path is the warehouse's own, quoted as a literal
        self.con.execute(f"CREATE VIEW q AS SELECT * FROM read_parquet({quote_path(self.run.quarantine_path)})")
        decided = pa.table(
            {
                ROW_ID: pa.array(list(self.decided), pa.int64()),
                "state": pa.array(list(self.decided.values()), pa.string()),
            }
        )
        self.con.register("decided", decided)
        self.con.execute(
            f"""CREATE VIEW s AS SELECT q.{quote_ident(ROW_ID)}, coalesce(d.state, 'pending') AS state
                FROM q LEFT JOIN decided d USING ({quote_ident(ROW_ID)})"""
        )
        return self.con

    def __exit__(self, *exc: object) -> None:
        self.con.close()


def show_row(run: catalog.RunRecord, decided: dict[int, str], row_id: int, log: list[dict[str, Any]]) -> dict[str, Any]:
    with duckdb.connect() as con:
        table = con.sql(
            f"SELECT * FROM read_parquet($p) WHERE {quote_ident(ROW_ID)} = $id",
            params={"p": run.quarantine_path, "id": row_id},
        ).to_arrow_table()
    if table.num_rows == 0:
        raise BadInput(f"row {row_id} is not quarantined in {run.dataset} v{run.version}")
    record = table.to_pylist()[0]
    reasons = record.pop(REASONS)
    history = [d for d in log if row_id in d["row_ids"]]
    return {
        "row_id": row_id,
        "state": decided.get(row_id, PENDING),
        "values": record,
        "reasons": reasons,
        "history": history,
    }


def select_rows(run: catalog.RunRecord, rows: list[int] | None, code: str | None) -> list[int]:
    """The quarantined rows a reviewer named, by id or by reason code; unknown ids are an error."""
    if (rows is None) == (code is None):
        raise BadInput("give either --rows IDS or --code CODE")
    with duckdb.connect() as con:
        if code is not None:
            found = con.execute(
                f"""SELECT {quote_ident(ROW_ID)} FROM read_parquet($p)
                    WHERE list_contains([r.code FOR r IN {REASONS}], $code) ORDER BY 1""",
                {"p": run.quarantine_path, "code": code},
            ).fetchall()
            if not found:
                raise BadInput(f"no quarantined row of {run.dataset} v{run.version} has reason code {code!r}")
            return [int(r) for (r,) in found]
        wanted = pa.table({ROW_ID: pa.array(sorted(set(rows or [])), pa.int64())})
        con.register("wanted", wanted)
        missing = con.execute(
            f"""SELECT {quote_ident(ROW_ID)} FROM wanted
                ANTI JOIN read_parquet($p) USING ({quote_ident(ROW_ID)}) ORDER BY 1""",
            {"p": run.quarantine_path},
        ).fetchall()
    if missing:
        ids = ", ".join(str(r) for (r,) in missing[:10])
        raise BadInput(f"rows not quarantined in {run.dataset} v{run.version}: {ids}")
    return sorted(set(rows or []))


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
        revision, counts, verdict, path = _record(project.catalog, held, run, record, decided, after, policy)
        _refresh_report(project.catalog, run, counts, verdict, path, revision if revision is not None else run.revision)
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
) -> tuple[int | None, Counts, Verdict, Path]:
    """Publish the revision (when the released set changes) and record the decision, in one transaction."""
    released_before = {r for r, s in before.items() if s == RELEASED}
    path = Path(str(run.clean_path))
    if released_before == {r for r, s in after.items() if s == RELEASED}:  # only rejections: clean data stays
        counts = _counts(read_report(str(run.report_json)), after, path)
        verdict = Verdict(run.verdict or "", tuple(run.reasons), bool(run.gate_open))
        with catalog.writing(db) as con:
            held.fence(con)
            catalog.record_decision(con, record, None)
        return None, counts, verdict, path
    number = run.revision + 1
    counts, verdict, path = _publish_revision(run, after, number, policy)
    try:
        fingerprint = file_fingerprint(path)  # the revision open_validated hands out is verified against this
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
            catalog.record_clean_file(con, run.run_id, number, str(path), fingerprint.digest, fingerprint.size_bytes)
    except BaseException:
        path.unlink(missing_ok=True)  # never recorded: no reader can be handed it
        raise
    return number, counts, verdict, path


def _publish_revision(
    run: catalog.RunRecord, after: dict[int, str], revision: int, policy: GatePolicy
) -> tuple[Counts, Verdict, Path]:
    report = read_report(str(run.report_json))
    base_clean = Path(str(run.report_json)).with_name("clean.parquet")  # the run's own clean rows
    out = base_clean.with_name(f"clean.r{revision}.{uuid.uuid4().hex[:12]}.parquet")  # never overwrites one
    rid = quote_ident(ROW_ID)
    released = pa.table({ROW_ID: pa.array(sorted(r for r, s in after.items() if s == RELEASED), pa.int64())})
    with duckdb.connect() as con:
        con.register("released", released)
        con.execute(
            f"""COPY (SELECT * FROM read_parquet($clean)
                      UNION ALL
                      SELECT * EXCLUDE ({REASONS}) FROM read_parquet($q) SEMI JOIN released USING ({rid})
                      ORDER BY {rid}) TO $out (FORMAT parquet, COMPRESSION zstd)""",
            {"clean": str(base_clean), "q": str(run.quarantine_path), "out": str(out)},
        )
        checks = _checks_after(con, report, run, rid)
    counts = _counts(report, after, out)
    found = findings_in(report)
    results = Results(
        counts.input,
        counts.pending + counts.rejected,
        checks,
        slices=found["slices"],
        drift=found["drift"],
        history=found["history"],
    )
    verdict = decide(results, policy)
    return counts, verdict, out


def _checks_after(
    con: duckdb.DuckDBPyConnection, report: dict[str, Any], run: catalog.RunRecord, rid: str
) -> tuple[CheckOutcome, ...]:
    """Each check's failing rows once released rows no longer count."""
    failing = con.execute(
        f"""SELECT r."check", r."column", count(DISTINCT {rid})
            FROM (SELECT {rid}, unnest({REASONS}) AS r FROM read_parquet($q) ANTI JOIN released USING ({rid}))
            GROUP BY ALL""",
        {"q": str(run.quarantine_path)},
    ).fetchall()
    counts = {(check, column): int(n) for check, column, n in failing}
    return tuple(
        CheckOutcome(c["name"], c["column"], c["code"], counts.get((c["name"], c["column"]), 0))
        for c in report["checks"]
    )


def _counts(report: dict[str, Any], after: dict[int, str], out: Path) -> Counts:
    rows = report["rows"]
    quarantined_in_run = rows["pending"] + rows["released"] + rows["rejected"]
    released = sum(1 for s in after.values() if s == RELEASED)
    rejected = sum(1 for s in after.values() if s == REJECTED)
    counts = Counts(
        input=rows["input"],
        clean=int(pq.ParquetFile(out).metadata.num_rows),
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
    db: CatalogDB, run: catalog.RunRecord, counts: Counts, verdict: Verdict, clean: Path, revision: int
) -> None:
    """Re-render the run's reports with the reviewed counts, verdict and clean revision."""
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
    report["paths"]["clean"] = str(clean)
    write_reports(report, history_with(catalog.version_history(db, run.dataset), report))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection: tab and CR start formulas too


def escape_cell(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote, so it stays text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_rows(run: catalog.RunRecord, decided: dict[int, str], fmt: str, out: Path) -> int:
    """Write the quarantine with each row's state: Parquet as is, CSV flattened and formula-safe."""
    if fmt not in ("csv", "parquet"):
        raise BadInput(f"unknown export format {fmt!r}", hint="csv or parquet")
    with _with_states(run, decided) as con:
        query = f"""SELECT q.* EXCLUDE ({REASONS}), s.state AS _state, q.{REASONS}
                    FROM q JOIN s USING ({quote_ident(ROW_ID)}) ORDER BY q.{quote_ident(ROW_ID)}"""
        if fmt == "parquet":
            con.execute(f"COPY ({query}) TO $out (FORMAT parquet)", {"out": str(out)})
            return int(pq.ParquetFile(out).metadata.num_rows)
        return _write_csv(con.sql(query).to_arrow_reader(10_000), out)


def _write_csv(reader: pa.RecordBatchReader, out: Path) -> int:
    import csv

    text_columns = {f.name for f in reader.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)}
    written = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([escape_cell(name) for name in reader.schema.names])
        for batch in reader:
            for row in batch.to_pylist():
                writer.writerow([_csv_cell(name, value, text_columns) for name, value in row.items()])
                written += 1
    return written


def _csv_cell(name: str, value: object, text_columns: set[str]) -> str:
    if value is None:
        return ""
    if name == REASONS:
        assert isinstance(value, list)
        value = "; ".join(f"{r['code']}({r['column'] or 'row'})={r['value']}" for r in value)
        return escape_cell(str(value))
    return escape_cell(str(value)) if name in text_columns else str(value)


def diff_reasons(current: dict[str, Any], against: dict[str, Any]) -> list[dict[str, Any]]:
    """Which reasons appeared, disappeared, grew or shrank from version ``against`` to ``current``."""
    now = {(r["code"], r["column"]): r["rows"] for r in current["quarantine_reasons"]}
    before = {(r["code"], r["column"]): r["rows"] for r in against["quarantine_reasons"]}
    changes = []
    for key in sorted(now.keys() | before.keys(), key=lambda k: (k[0], k[1] or "")):
        a, b = before.get(key, 0), now.get(key, 0)
        change = (
            "appeared" if a == 0 else "disappeared" if b == 0 else "grew" if b > a else "shrank" if b < a else "same"
        )
        changes.append({"code": key[0], "column": key[1], "before": a, "after": b, "change": change})
    order = {"appeared": 0, "grew": 1, "shrank": 2, "disappeared": 3, "same": 4}
    return sorted(changes, key=lambda c: order[c["change"]])
