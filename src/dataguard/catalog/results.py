"""What a finished run found, as the catalog records it: checks, slices, drift, history anomalies, profiles.

Written in the run's publishing transaction (``insert_results``) in the order
the run listed them, and read back (``run_results``) when a review decides the
run's verdict again: the catalog, not the run's report.json, is what a review reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataguard.catalog.address import CatalogDB
from dataguard.catalog.columns import row_of
from dataguard.catalog.db import reading, utcnow, writing
from dataguard.catalog.records import DeletionVector, record_deletion_vector
from dataguard.catalog.schema import (
    check_results,
    clean_files,
    deletion_vectors,
    drift_results,
    history_anomalies,
    profiles,
    run_relations,
    runs,
    slice_results,
    versions,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Recorded = TypeVar("Recorded", bound="DataclassInstance")

DATASET_COLUMN = "(dataset)"
"""The ``column_name`` of a drift metric of the whole dataset (the row count)."""


@dataclass(frozen=True)
class CheckResult:
    """A row check's result: how many rows failed it, and what failing does (``block`` or ``quarantine``)."""

    name: str
    column: str | None
    code: str
    failed_rows: int
    severity: str
    fingerprint: str | None = None  # of the check's definition (None: recorded before revision 0006)


@dataclass(frozen=True)
class RelationRow:
    """The other dataset's clean rows one relation was checked against (none for duplicates within the version)."""

    kind: str  # references, disjoint or duplicates
    check_name: str
    dataset: str | None
    version: int | None
    revision: int | None
    failed_rows: int
    fingerprint: str


@dataclass(frozen=True)
class SliceRow:
    """A slice test's result as report.json lists it; the table's other columns are copied from it for queries."""

    result: dict[str, Any]


@dataclass(frozen=True)
class DriftRow:
    column: str  # DATASET_COLUMN for a metric of the whole dataset
    kind: str
    metric: str
    statistic: float
    p_value: float | None
    threshold: float | None
    drifted: bool
    severity: str
    detail: dict[str, Any] = field(default_factory=dict)  # empty for runs recorded before revision 0003


@dataclass(frozen=True)
class AnomalyRow:
    column: str
    figure: str
    reason: str


@dataclass(frozen=True)
class ProfileRow:
    column: str
    profile: dict[str, Any]


@dataclass(frozen=True)
class RunResults:
    """Every result of one run, each list in the order the run listed it."""

    checks: list[CheckResult] = field(default_factory=list)
    slices: list[SliceRow] = field(default_factory=list)
    drift: list[DriftRow] = field(default_factory=list)
    anomalies: list[AnomalyRow] = field(default_factory=list)
    profiles: list[ProfileRow] = field(default_factory=list)
    reference_version: int | None = None  # the version drift was measured against
    relations: list[RelationRow] = field(default_factory=list)


def insert_results(con: Connection, run_id: str, dataset: str, version: int, found: RunResults) -> None:
    """A run's results, rows numbered in the order given (``position``); the caller holds the transaction."""
    ordered: list[tuple[sa.Table, list[dict[str, Any]]]] = [
        (check_results, [row_of(check_results, c, column_name=c.column) for c in found.checks]),
        (slice_results, [_slice_values(s) for s in found.slices]),
        (drift_results, [_drift_values(d, found.reference_version) for d in found.drift]),
        (history_anomalies, [row_of(history_anomalies, a, column_name=a.column) for a in found.anomalies]),
        (run_relations, [row_of(run_relations, r) for r in found.relations]),
    ]
    for table, values in ordered:
        if values:
            con.execute(table.insert(), [{"run_id": run_id, "position": n, **v} for n, v in enumerate(values)])
    if found.profiles:
        of_run = {"run_id": run_id, "dataset": dataset, "version": version}
        rows = [
            row_of(profiles, p, column_name=p.column, profile=json.dumps(p.profile), **of_run) for p in found.profiles
        ]
        con.execute(profiles.insert(), rows)


_AS_JSON = frozenset({"detail", "profile", "result"})  # dict fields stored as JSON text
_SLICE_COLUMNS = ("name", "metric", "value", "rows", "passed", "severity")


def _drift_values(row: DriftRow, reference_version: int | None) -> dict[str, Any]:
    detail = json.dumps(row.detail)
    return row_of(drift_results, row, column_name=row.column, detail=detail, reference_version=reference_version)


def _slice_values(row: SliceRow) -> dict[str, Any]:
    return {name: row.result[name] for name in _SLICE_COLUMNS} | {"result": json.dumps(row.result)}


def _record(kind: type[Recorded], row: sa.Row[Any]) -> Recorded:
    """A table row as the dataclass ``kind`` (``column`` is ``column_name``); NULL JSON reads as an empty dict."""
    stored = row._mapping
    values = {f.name: stored["column_name" if f.name == "column" else f.name] for f in fields(kind)}
    return kind(**{name: json.loads(value or "{}") if name in _AS_JSON else value for name, value in values.items()})


@dataclass(frozen=True)
class FinishedRun:
    run_id: str
    dataset: str
    version: int
    verdict: str
    gate_open: bool
    reasons: list[str]
    rows_input: int
    rows_clean: int
    rows_quarantined: int
    clean_path: str
    quarantine_path: str
    report_json: str
    checks: list[CheckResult]
    slices: list[SliceRow] = field(default_factory=list)
    drift: list[DriftRow] = field(default_factory=list)
    reference_version: int | None = None
    profiles: list[ProfileRow] = field(default_factory=list)
    deletion_vector: DeletionVector | None = None  # the quarantined rows' ids: clean = the version minus these
    anomalies: list[AnomalyRow] = field(default_factory=list)
    contract_fingerprint: str | None = None
    relations: list[RelationRow] = field(default_factory=list)

    @property
    def results(self) -> RunResults:
        return RunResults(
            self.checks, self.slices, self.drift, self.anomalies, self.profiles, self.reference_version, self.relations
        )


# the runs columns a FinishedRun fills as they are (its reasons are stored as JSON)
_OUTCOME_COLUMNS = (
    "verdict", "gate_open", "rows_input", "rows_clean", "rows_quarantined", "clean_path", "quarantine_path",
    "report_json", "contract_fingerprint",
)  # fmt: skip
_RESULT_TABLES = (check_results, slice_results, drift_results, history_anomalies, profiles, run_relations)


def finish_run(db: CatalogDB, run: FinishedRun, fence: Callable[[Connection], None]) -> None:
    """Publish a run's outcome in one transaction: all of it or none of it.

    ``fence(con)`` runs first inside the transaction: it refuses to publish when
    the run's writer no longer holds its dataset (see ``catalog.locks``).
    """
    with writing(db) as con:
        fence(con)
        # a retried publish (the first attempt committed, then failed) replaces its rows instead of adding twice
        for table in _RESULT_TABLES:
            con.execute(table.delete().where(table.c.run_id == run.run_id))
        for files in (clean_files, deletion_vectors):
            con.execute(files.delete().where(files.c.run_id == run.run_id, files.c.revision == 0))
        con.execute(
            runs.update()
            .where(runs.c.run_id == run.run_id)
            .values(
                state="finished",
                finished=utcnow(),
                reasons=json.dumps(run.reasons),
                **{name: getattr(run, name) for name in _OUTCOME_COLUMNS},
            )
        )
        insert_results(con, run.run_id, run.dataset, run.version, run.results)
        _record_deletion_vector(con, run)
        con.execute(
            versions.update()
            .where(versions.c.dataset == run.dataset, versions.c.version == run.version)
            .values(status="validated")
        )


def _record_deletion_vector(con: Connection, run: FinishedRun) -> None:
    if run.deletion_vector is not None:
        record_deletion_vector(con, run.deletion_vector)


def ran_contract(db: CatalogDB, run_id: str) -> str | None:
    """The fingerprint of the contract a run ran (None: a run recorded before revision 0006)."""
    with reading(db) as con:
        if con is None:
            return None
        found = con.execute(sa.select(runs.c.contract_fingerprint).where(runs.c.run_id == run_id)).scalar()
    return None if found is None else str(found)


def run_results(db: CatalogDB, run_id: str) -> RunResults:
    """What a run recorded when it was published (empty lists for a run that recorded nothing)."""
    with reading(db) as con:
        if con is None:
            return RunResults()
        checks, slices, drift, anomalies, profiled, related = (
            _rows_of(con, table, run_id) for table in (check_results, slice_results, drift_results,
                                                       history_anomalies, profiles, run_relations)
        )  # fmt: skip
    return RunResults(
        checks=[_record(CheckResult, r) for r in checks],
        slices=[SliceRow(json.loads(r.result)) for r in slices],
        drift=[_record(DriftRow, r) for r in drift],
        anomalies=[_record(AnomalyRow, r) for r in anomalies],
        profiles=[_record(ProfileRow, r) for r in profiled],
        reference_version=drift[0].reference_version if drift else None,
        relations=[RelationRow(**{f.name: r._mapping[f.name] for f in fields(RelationRow)}) for r in related],
    )


def _rows_of(con: Connection, table: sa.Table, run_id: str) -> Sequence[sa.Row[Any]]:
    """One run's rows of ``table`` in the order it listed them (rows recorded before revision 0003: as stored)."""
    query = sa.select(table).where(table.c.run_id == run_id)
    if "position" in table.c:  # profiles have no order of their own
        query = query.order_by(table.c.position)
    return con.execute(query).all()
