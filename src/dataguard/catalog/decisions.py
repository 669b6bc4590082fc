"""Quarantine review in the catalog: each row's state, the decisions (the audit log) and clean revisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataguard.catalog.address import CatalogDB
from dataguard.catalog.columns import row_of
from dataguard.catalog.db import reading, utcnow
from dataguard.catalog.schema import quarantine_decisions, quarantine_states, revisions


def row_states(db: CatalogDB, run_id: str) -> dict[int, str]:
    """Decided rows of a run; any other quarantined row is pending."""
    q = quarantine_states.c
    with reading(db) as con:
        rows = [] if con is None else con.execute(sa.select(q.row_id, q.state).where(q.run_id == run_id)).all()
    return {int(row_id): str(state) for row_id, state in rows}


@dataclass(frozen=True)
class DecisionRecord:
    decision_id: str
    dataset: str
    version: int
    run_id: str
    action: str
    selector: str
    row_ids: list[int]
    reviewer: str
    note: str
    target: str  # the state the rows move to


@dataclass(frozen=True)
class RevisionRecord:
    revision: int
    parent: int
    clean_path: str
    rows_clean: int
    rows_released: int
    rows_rejected: int
    verdict: str
    gate_open: bool
    reasons: list[str]


def record_decision(con: Connection, decision: DecisionRecord, revision: RevisionRecord | None) -> None:
    """The decision, each row's new state and the revision it publishes: one transaction's worth."""
    published = None if revision is None else revision.revision
    row = row_of(quarantine_decisions, decision, row_ids=json.dumps(decision.row_ids), revision=published)
    con.execute(quarantine_decisions.insert().values(row | {"created": utcnow()}))
    q = quarantine_states
    con.execute(
        q.delete().where(q.c.run_id == decision.run_id, q.c.row_id.in_(sa.bindparam("ids", expanding=True))),
        {"ids": decision.row_ids},
    )
    con.execute(
        q.insert(),
        [
            {"run_id": decision.run_id, "row_id": r, "state": decision.target, "decision_id": decision.decision_id}
            for r in decision.row_ids
        ],
    )
    if revision is not None:
        con.execute(
            revisions.insert().values(
                run_id=decision.run_id,
                decision_id=decision.decision_id,
                created=utcnow(),
                **{**revision.__dict__, "reasons": json.dumps(revision.reasons)},
            )
        )


AUDIT_FIELDS = (
    "decision_id",
    "version",
    "run_id",
    "action",
    "selector",
    "row_ids",
    "reviewer",
    "note",
    "revision",
    "created",
)


def audit_log(db: CatalogDB, dataset: str) -> list[dict[str, Any]]:
    d = quarantine_decisions.c
    query = (
        sa.select(*[d[name] for name in AUDIT_FIELDS]).where(d.dataset == dataset).order_by(d.created, d.decision_id)
    )
    with reading(db) as con:
        rows = [] if con is None else con.execute(query).all()
    entries = [dict(zip(AUDIT_FIELDS, row, strict=True)) for row in rows]
    for entry in entries:
        entry["row_ids"] = json.loads(entry["row_ids"])
    return entries
