"""Validation runs: started under the dataset's lock with its lease, published in one transaction.

A run as the gate sees it is the run with its newest reviewed revision laid
over it (``run_view``): a reviewer's revision overrides the run's own verdict
and clean file.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Subquery

from dataguard.catalog.address import CatalogDB
from dataguard.catalog.db import reading, utcnow, writing
from dataguard.catalog.schema import (
    profiles,
    revisions,
    runs,
    versions,
)

ABANDONED_ERROR = "its process stopped before the run finished (killed, crashed, or its lease expired)"


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    dataset: str
    version: int
    state: str
    verdict: str | None
    gate_open: bool | None
    reasons: list[str]
    clean_path: str | None
    quarantine_path: str | None
    report_json: str | None
    finished: datetime | None
    revision: int = 0  # the newest clean revision (0: the run's own clean.parquet)


def newest_revisions() -> Subquery:
    """Each run's newest reviewed revision."""
    rank = sa.func.row_number().over(partition_by=revisions.c.run_id, order_by=revisions.c.revision.desc())
    ranked = sa.select(revisions, rank.label("rank")).subquery()
    return sa.select(ranked).where(ranked.c.rank == 1).subquery("newest")


def run_view() -> Subquery:
    n = newest_revisions()
    return (
        sa.select(
            runs.c.run_id,
            runs.c.dataset,
            runs.c.version,
            runs.c.state,
            sa.func.coalesce(n.c.verdict, runs.c.verdict).label("verdict"),
            sa.func.coalesce(n.c.gate_open, runs.c.gate_open).label("gate_open"),
            sa.func.coalesce(n.c.reasons, runs.c.reasons).label("reasons"),
            sa.func.coalesce(n.c.clean_path, runs.c.clean_path).label("clean_path"),
            runs.c.quarantine_path,
            runs.c.report_json,
            runs.c.finished,
            sa.func.coalesce(n.c.revision, 0).label("revision"),
            n.c.rows_clean.label("reviewed_rows_clean"),
        )
        .select_from(runs.outerjoin(n, n.c.run_id == runs.c.run_id))
        .subquery("run_view")
    )


def _run(row: Sequence[Any]) -> RunRecord:
    values = list(row[:12])
    values[5] = None if values[5] is None else bool(values[5])
    values[6] = json.loads(values[6]) if values[6] else []
    return RunRecord(*values)


def newest_finished(dataset: str) -> Subquery:
    """Per version of ``dataset``, its newest finished run (as the gate sees it)."""
    view = run_view()
    rank = sa.func.row_number().over(partition_by=view.c.version, order_by=view.c.finished.desc())
    ranked = (
        sa.select(view, rank.label("newest")).where(view.c.dataset == dataset, view.c.state == "finished").subquery()
    )
    return sa.select(ranked).where(ranked.c.newest == 1).subquery("latest")


_RUN_COLUMNS = (
    runs.c.run_id,
    runs.c.dataset,
    runs.c.version,
    runs.c.state,
    runs.c.verdict,
    runs.c.gate_open,
    runs.c.reasons,
    runs.c.clean_path,
    runs.c.quarantine_path,
    runs.c.report_json,
    runs.c.finished,
)
_REVISION_COLUMNS = (revisions.c.verdict, revisions.c.gate_open, revisions.c.reasons, revisions.c.clean_path)


def latest_finished_run(db: CatalogDB, dataset: str, version: int) -> RunRecord | None:
    """The version's newest run that finished (unfinished runs never count), with its newest revision laid over.

    Two plain reads in one snapshot, not ``run_view``: this is the gate's hot
    path, and compiling the windowed view cost more than the reads.
    """
    where = (runs.c.dataset == dataset, runs.c.version == version, runs.c.state == "finished")
    with reading(db) as con:
        if con is None:
            return None
        row = con.execute(sa.select(*_RUN_COLUMNS).where(*where).order_by(runs.c.finished.desc()).limit(1)).first()
        if row is None:
            return None
        newest = con.execute(
            sa.select(revisions.c.revision, *_REVISION_COLUMNS)
            .where(revisions.c.run_id == row.run_id)
            .order_by(revisions.c.revision.desc())
            .limit(1)
        ).first()
    values = list(row)
    revision = 0
    if newest is not None:
        revision = newest.revision
        values[4:8] = newest[1:]
    return _run((*values, revision))


def latest_runs(db: CatalogDB, dataset: str) -> dict[int, RunRecord]:
    """Per version, its newest finished run."""
    latest = newest_finished(dataset)
    with reading(db) as con:
        rows = [] if con is None else con.execute(sa.select(latest).order_by(latest.c.version)).all()
    return {record.version: record for record in map(_run, rows)}


def version_history(db: CatalogDB, dataset: str) -> list[dict[str, Any]]:
    """Per version, oldest first: its latest finished verdict, rows and quarantined share (after review)."""
    latest = newest_finished(dataset)
    r = sa.select(runs.c.run_id, runs.c.rows_quarantined).subquery("r")
    query = (
        sa.select(
            versions.c.version,
            latest.c.verdict,
            versions.c.row_count,
            sa.func.coalesce(versions.c.row_count - latest.c.reviewed_rows_clean, r.c.rows_quarantined),
        )
        .select_from(
            versions.outerjoin(latest, latest.c.version == versions.c.version).outerjoin(
                r, r.c.run_id == latest.c.run_id
            )
        )
        .where(versions.c.dataset == dataset)
        .order_by(versions.c.version)
    )
    with reading(db) as con:
        rows = [] if con is None else con.execute(query).all()
    return [
        {
            "version": int(version),
            "verdict": verdict,
            "rows": int(count),
            "quarantined": None if quarantined is None else int(quarantined),
            "quarantined_share": None if quarantined is None or not count else quarantined / count,
        }
        for version, verdict, count, quarantined in rows
    ]


def past_profiles(
    db: CatalogDB, dataset: str, before: int, newest: int | None = None
) -> dict[int, dict[str, dict[str, Any]]]:
    """Per earlier version (the ``newest`` of them, or all), the profiles of its newest finished run."""
    latest = newest_finished(dataset)
    chosen = (
        sa.select(latest.c.run_id, latest.c.version)
        .where(latest.c.version < before)
        .order_by(latest.c.version.desc())
        .limit(newest if newest is not None else 2**62)
        .subquery("chosen")
    )
    query = (
        sa.select(chosen.c.version, profiles.c.column_name, profiles.c.profile)
        .select_from(profiles.join(chosen, chosen.c.run_id == profiles.c.run_id))
        .order_by(chosen.c.version)
    )
    with reading(db) as con:
        rows = [] if con is None else con.execute(query).all()
    history: dict[int, dict[str, dict[str, Any]]] = {}
    for version, column, text in rows:
        history.setdefault(int(version), {})[column] = json.loads(text)
    return history


def run_profiles(db: CatalogDB, run_id: str) -> dict[str, dict[str, Any]]:
    """The profiles one run stored, by column."""
    query = sa.select(profiles.c.column_name, profiles.c.profile).where(profiles.c.run_id == run_id)
    with reading(db) as con:
        rows = [] if con is None else con.execute(query).all()
    return {column: json.loads(text) for column, text in rows}


# -- a run's life ------------------------------------------------------------------------


def start_run(
    db: CatalogDB, run_id: str, dataset: str, version: int, flow_run_id: str | None, lease: str
) -> list[tuple[int, str]]:
    """Record a new run under ``lease``; the dataset's runs still 'running' under another lease are abandoned.

    Called by a writer holding the dataset's lock (lease ``lease``): a run still
    marked running under any other lease lost its lock, so its process is gone.
    One transaction for both; the abandoned runs are returned.
    """
    now = utcnow()
    with writing(db) as con:
        dead = abandon_other_leases(con, dataset, lease)
        con.execute(
            runs.insert().values(
                run_id=run_id,
                dataset=dataset,
                version=version,
                state="running",
                started=now,
                flow_run_id=flow_run_id,
                lease=lease,
                host=socket.gethostname(),
                pid=os.getpid(),
                heartbeat=now,
            )
        )
    return dead


def abandon_other_leases(con: Connection, dataset: str, lease: str) -> list[tuple[int, str]]:
    alive = sa.and_(runs.c.dataset == dataset, runs.c.state == "running")
    others = sa.and_(alive, sa.or_(runs.c.lease.is_(None), runs.c.lease != lease))
    rows = con.execute(sa.select(runs.c.version, runs.c.run_id).where(others).order_by(runs.c.started)).all()
    if rows:
        con.execute(runs.update().where(others).values(state="abandoned", finished=utcnow(), error=ABANDONED_ERROR))
    return [(int(version), str(run_id)) for version, run_id in rows]


def beat(con: Connection, dataset: str, lease: str, now: datetime) -> None:
    """The heartbeat of the runs a lease holds."""
    con.execute(
        runs.update()
        .where(runs.c.dataset == dataset, runs.c.lease == lease, runs.c.state == "running")
        .values(heartbeat=now)
    )


def discard_run(db: CatalogDB, run_id: str) -> None:
    """Remove a run that ended on bad input: the catalog is left as it was."""
    with writing(db) as con:
        con.execute(runs.delete().where(runs.c.run_id == run_id))


def abandon_run(db: CatalogDB, run_id: str, error: str) -> bool:
    """Mark a run that is still 'running' as 'abandoned'; False when it had already ended (published)."""
    with writing(db) as con:
        done = con.execute(
            runs.update()
            .where(runs.c.run_id == run_id, runs.c.state == "running")
            .values(state="abandoned", finished=utcnow(), error=error)
        )
    return bool(done.rowcount)


def fail_run(db: CatalogDB, run_id: str, error: str) -> None:
    with writing(db) as con:
        con.execute(runs.update().where(runs.c.run_id == run_id).values(state="failed", finished=utcnow(), error=error))
