"""Replay: the current contract's row checks on a published version, publishing nothing.

``replay`` says which rows the current contract would move against the run
that was published: clean rows it would quarantine (with the reasons it would
give) and quarantined rows it would let through (with the reasons they had).
It compares with what the contract decided then, before any review (a row a
reviewer released is still "quarantined then"). ``affected_training`` asks the
same of every training run: how many of the rows it trained on does the current
contract reject?

The checks run in a temporary folder with the run's own DuckDB settings; the
other datasets' versions are resolved now, as a new run would resolve them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from dataguard import catalog
from dataguard.checks.load import LoadedContract, load_contract, require_full_validation
from dataguard.checks.relations import RelationCheck, resolve_relations
from dataguard.checks.rowchecks import RowCheckOutcome, check_rows
from dataguard.common.sql import engine, quote_ident, quote_path
from dataguard.errors import NotFound
from dataguard.project import Project
from dataguard.spec.source import ROW_ID

RID = quote_ident(ROW_ID)
SHOWN_ROWS = 20


@dataclass(frozen=True)
class Replay:
    """What the current contract would change in one published version."""

    dataset: str
    version: int
    run_id: str  # the published run compared with
    ran_fingerprint: str | None  # the contract that run ran (None: recorded before fingerprints)
    contract_fingerprint: str  # the contract now
    rows: int
    quarantined_then: int
    quarantined_now: int
    to_quarantine: int
    to_clean: int
    moved_by: list[dict[str, Any]] = field(default_factory=list)  # {to, code, column, rows}
    moves: list[dict[str, Any]] = field(default_factory=list)  # {row_id, to, reasons}, the first ``limit``
    checks_changed: list[dict[str, Any]] | None = None  # {name, change}: None when the run recorded no fingerprints
    relations: list[dict[str, Any]] = field(default_factory=list)
    structural: list[str] = field(default_factory=list)  # the current contract would refuse the whole version


def replay(project: Project, dataset: str, version: int | None = None, limit: int = SHOWN_ROWS) -> Replay:
    """Run the current contract's row checks on a published version and compare with its run."""
    loaded = load_contract(project, dataset)
    record, run = _published(project, dataset, version)
    relations = resolve_relations(project, loaded)
    ran = catalog.ran_contract(project.catalog, run.run_id), catalog.run_results(project.catalog, run.run_id).checks
    with _checked(loaded, Path(record.data_path), relations) as outcome:
        return _compared(record, run, outcome, limit, ran)


def _published(project: Project, dataset: str, version: int | None) -> tuple[catalog.VersionRecord, catalog.RunRecord]:
    record = catalog.ingested_version(project.catalog, dataset, version)
    run = catalog.latest_finished_run(project.catalog, dataset, record.version)
    if run is None or not run.quarantine_path:
        raise NotFound(
            f"{dataset} v{record.version} has no published run to compare with",
            hint=f"dataguard validate {dataset} --version {record.version}",
        )
    return record, run


@contextmanager
def _checked(
    loaded: LoadedContract, data_path: Path, relations: tuple[RelationCheck, ...]
) -> Iterator[RowCheckOutcome]:
    """The row checks' outcome over the version, its failure table in a folder removed afterwards."""
    require_full_validation()
    with tempfile.TemporaryDirectory(prefix="dataguard-replay-") as folder:
        yield check_rows(data_path, loaded, Path(folder) / "failures.parquet", relations)


def _compared(
    record: catalog.VersionRecord,
    run: catalog.RunRecord,
    outcome: RowCheckOutcome,
    limit: int,
    ran: tuple[str | None, list[catalog.CheckResult]],
) -> Replay:
    base: dict[str, Any] = {
        "dataset": record.dataset,
        "version": record.version,
        "run_id": run.run_id,
        "ran_fingerprint": ran[0],
        "contract_fingerprint": outcome.contract_fingerprint,
        "rows": record.rows,
        "relations": list(outcome.relations),
        "checks_changed": _checks_changed(ran[1], outcome.checks),
    }
    assert run.quarantine_path is not None
    then = pq.ParquetFile(run.quarantine_path).metadata.num_rows  # one row per quarantined row
    if outcome.structural:
        return Replay(**base, quarantined_then=then, quarantined_now=0, to_quarantine=0, to_clean=0,
                      structural=list(outcome.structural))  # fmt: skip
    now_path = str(outcome.failures_path)
    with engine() as con:
        con.execute(f"CREATE TEMP TABLE moved AS {moved(now_path, run.quarantine_path)}")
        now = con.execute(f"SELECT count(DISTINCT {RID}) FROM read_parquet($now)", {"now": now_path})
        quarantined_now = int(now.fetchone()[0])  # type: ignore[index]  # a count always has its one row
        counts = dict(con.execute("SELECT direction, count(*) FROM moved GROUP BY ALL").fetchall())
        moved_by = con.execute(MOVED_BY).fetchall()
        moves = con.execute("SELECT row_id, direction, reasons FROM moved ORDER BY row_id LIMIT $n", {"n": limit})
        shown = [{"row_id": int(r), "to": d, "reasons": list(reasons)} for r, d, reasons in moves.fetchall()]
    return Replay(
        **base,
        quarantined_then=then,
        quarantined_now=quarantined_now,
        to_quarantine=int(counts.get("quarantine", 0)),
        to_clean=int(counts.get("clean", 0)),
        moved_by=[{"to": d, "code": code, "column": column, "rows": int(n)} for d, code, column, n in moved_by],
        moves=shown,
    )


def moved(now: str, then: str) -> str:
    """Rows quarantined now and not then (with the reasons they would get), and then and not now (with those
    they had). A query that creates a table takes no parameters: the paths are quoted literals."""
    return f"""
    WITH now AS (SELECT {RID}, list({{'code': code, 'column': "column", 'check': "check", 'value': value}}
                                      ORDER BY code, "column", "check", value) AS reasons
                 FROM read_parquet({quote_path(now)}) GROUP BY {RID}),
         was AS (SELECT {RID}, _reasons AS reasons FROM read_parquet({quote_path(then)}))
    SELECT coalesce(now.{RID}, was.{RID}) AS row_id,
           CASE WHEN was.{RID} IS NULL THEN 'quarantine' ELSE 'clean' END AS direction,
           coalesce(now.reasons, was.reasons) AS reasons
    FROM now FULL OUTER JOIN was ON now.{RID} = was.{RID}
    WHERE now.{RID} IS NULL OR was.{RID} IS NULL"""


MOVED_BY = """
    SELECT direction, reason.code, reason."column", count(DISTINCT row_id)
    FROM (SELECT direction, row_id, unnest(reasons) AS reason FROM moved)
    GROUP BY ALL ORDER BY direction DESC, reason.code, reason."column" NULLS FIRST"""


def _checks_changed(
    then: list[catalog.CheckResult], now: tuple[catalog.CheckResult, ...]
) -> list[dict[str, Any]] | None:
    """Checks whose definition the run did not have (added or changed) and those it had that are gone."""
    if not then or any(c.fingerprint is None for c in then):
        return None
    before = {c.fingerprint for c in then}
    after = {c.fingerprint for c in now}
    added = [{"name": c.name, "column": c.column, "change": "added"} for c in now if c.fingerprint not in before]
    gone = [{"name": c.name, "column": c.column, "change": "removed"} for c in then if c.fingerprint not in after]
    return added + gone


# -- training runs on rows the contract now rejects -------------------------------------------------


def affected_training(project: Project, dataset: str) -> list[dict[str, Any]]:
    """Every training run of ``dataset`` whose rows the current contract rejects, with how many, oldest first."""
    loaded = load_contract(project, dataset)
    trained = [t | {"dataset": dataset} for t in catalog.list_training_runs(project.catalog, dataset)]
    if not trained:
        return []
    relations = resolve_relations(project, loaded)
    found: list[dict[str, Any]] = []
    for version in sorted({t["version"] for t in trained}):
        record = catalog.find_version(project.catalog, dataset, version=version)
        if record is None:
            continue
        with _checked(loaded, Path(record.data_path), relations) as outcome:
            for training in (t for t in trained if t["version"] == version):
                found += _rejected_rows(project, training, outcome)
    return sorted(found, key=lambda t: (t["started"], t["training_id"]))


def _rejected_rows(project: Project, training: dict[str, Any], outcome: RowCheckOutcome) -> list[dict[str, Any]]:
    """The training run with the number of its rows the current contract rejects; nothing when none."""
    if outcome.structural:
        return [training | {"rows_rejected": None, "rejected_by": [], "structural": list(outcome.structural)}]
    left_out = _left_out(project, training)
    read = f"""FROM read_parquet($now) WHERE {RID} NOT IN (SELECT {RID} FROM read_parquet($left_out))"""
    files = {"now": str(outcome.failures_path), "left_out": left_out}
    with engine() as con:  # a row may fail several checks: the total is not the sum of the counts per check
        counted = con.execute(
            f"""SELECT code, "column", count(DISTINCT {RID}) {read} GROUP BY ALL ORDER BY code, "column" NULLS FIRST""",
            files,
        ).fetchall()
        total = con.execute(f"SELECT count(DISTINCT {RID}) {read}", files).fetchone()
    rows = int(total[0]) if total else 0
    if not rows:
        return []
    by = [{"code": code, "column": column, "rows": int(n)} for code, column, n in counted]
    return [training | {"rows_rejected": rows, "rejected_by": by, "structural": []}]


def _left_out(project: Project, training: dict[str, Any]) -> str:
    """A Parquet file of the ``_row_id`` the training run did not read: its revision's quarantine."""
    run_id = training.get("run_id") or _run_of(project, training)
    vector = catalog.recorded_deletion_vector(project.catalog, run_id, training["revision"])
    if vector is not None:
        return vector.path
    run = catalog.latest_finished_run(project.catalog, training["dataset"], training["version"])
    if run is None or run.quarantine_path is None:
        raise NotFound(f"{training['dataset']} v{training['version']} has no finished run")
    return run.quarantine_path  # a run from before deletion vectors: its quarantine, as validated


def _run_of(project: Project, training: dict[str, Any]) -> str:
    """A training run recorded before revision 0006 names no run: the version's latest finished one."""
    run = catalog.latest_finished_run(project.catalog, training["dataset"], training["version"])
    if run is None:
        raise NotFound(f"{training['dataset']} v{training['version']} has no finished run")
    return run.run_id
