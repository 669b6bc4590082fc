"""What else the catalog keeps: clean file fingerprints, integrity incidents, training runs, baselines."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataguard.catalog.address import CatalogDB
from dataguard.catalog.columns import row_of
from dataguard.catalog.db import reading, utcnow, writing
from dataguard.catalog.schema import baselines, clean_files, datasets, deletion_vectors, incidents, training_runs


@dataclass(frozen=True)
class CleanFile:
    """What the catalog recorded of a published clean file (a run's, or a reviewed revision's)."""

    run_id: str
    revision: int
    clean_path: str
    fingerprint: str
    size_bytes: int


def record_clean_file(
    con: Connection, run_id: str, revision: int, clean_path: str, fingerprint: str, size_bytes: int
) -> None:
    """Inside the publishing transaction: the clean file and its fingerprint become visible together."""
    file = {"clean_path": clean_path, "fingerprint": fingerprint, "size_bytes": size_bytes}
    con.execute(clean_files.insert().values(run_id=run_id, revision=revision, recorded=utcnow(), **file))


def recorded_clean_file(db: CatalogDB, run_id: str, revision: int) -> CleanFile | None:
    return _recorded(db, clean_files, CleanFile, run_id, revision)


Kept = TypeVar("Kept", "CleanFile", "DeletionVector")


def _recorded(db: CatalogDB, table: sa.Table, kind: type[Kept], run_id: str, revision: int) -> Kept | None:
    """The record of one revision of a run's file (a dataclass named like the table's columns)."""
    names = [f.name for f in fields(kind)]
    query = sa.select(*(table.c[n] for n in names)).where(table.c.run_id == run_id, table.c.revision == revision)
    with reading(db) as con:
        row = None if con is None else con.execute(query).first()
    return kind(*row) if row is not None else None


def claim_clean_file(db: CatalogDB, dataset: str, file: CleanFile, place: Callable[[], None]) -> CleanFile:
    """Record a clean file made on first use, unless another reader recorded one first: the one recorded.

    ``place()`` moves the new file to its recorded path inside the transaction
    that records it; a reader that finds one recorded leaves the file it made unplaced.
    """
    with writing(db) as con:
        lock_dataset_row(con, dataset)
        c = clean_files.c
        row = con.execute(
            sa.select(c.run_id, c.revision, c.clean_path, c.fingerprint, c.size_bytes).where(
                c.run_id == file.run_id, c.revision == file.revision
            )
        ).first()
        if row is not None:
            return CleanFile(*row)
        record_clean_file(con, file.run_id, file.revision, file.clean_path, file.fingerprint, file.size_bytes)
        place()
    return file


@dataclass(frozen=True)
class DeletionVector:
    """The rows a clean revision leaves out of its version: a Parquet file of sorted ``_row_id``."""

    run_id: str
    revision: int
    path: str
    fingerprint: str
    rows: int


def record_deletion_vector(con: Connection, vector: DeletionVector) -> None:
    """Inside the transaction that publishes the run or revision it belongs to."""
    con.execute(deletion_vectors.insert().values(row_of(deletion_vectors, vector, recorded=utcnow())))


def recorded_deletion_vector(db: CatalogDB, run_id: str, revision: int) -> DeletionVector | None:
    return _recorded(db, deletion_vectors, DeletionVector, run_id, revision)


def lock_dataset_row(con: Connection, dataset: str) -> None:
    """Serialize this transaction with every other write of ``dataset`` (PostgreSQL: its row; SQLite: the file)."""
    if con.dialect.name == "postgresql":
        con.execute(sa.select(datasets.c.name).where(datasets.c.name == dataset).with_for_update())


# -- integrity incidents ---------------------------------------------------------------


@dataclass(frozen=True)
class Incident:
    dataset: str
    version: int
    revision: int
    run_id: str
    kind: str  # fingerprint_mismatch
    path: str
    expected: str
    actual: str
    detected_by: str  # open_validated | train | peek


INCIDENT_FIELDS = (
    "incident_id",
    "dataset",
    "version",
    "revision",
    "run_id",
    "kind",
    "path",
    "expected",
    "actual",
    "detected_by",
    "detected",
)


def record_incident(db: CatalogDB, incident: Incident) -> str:
    incident_id = uuid.uuid4().hex
    with writing(db) as con:
        lock_dataset_row(con, incident.dataset)
        con.execute(
            incidents.insert().values(incident_id=incident_id, detected=utcnow(), **incident.__dict__),
        )
    return incident_id


def list_incidents(db: CatalogDB, dataset: str) -> list[dict[str, Any]]:
    """Integrity incidents of a dataset, oldest first."""
    columns = [incidents.c[name] for name in INCIDENT_FIELDS]
    query = (
        sa.select(*columns)
        .where(incidents.c.dataset == dataset)
        .order_by(incidents.c.detected, incidents.c.incident_id)
    )
    with reading(db) as con:
        rows = [] if con is None else con.execute(query).all()
    return [dict(zip(INCIDENT_FIELDS, row, strict=True)) for row in rows]


# -- training runs ----------------------------------------------------------------------

TRAINING_FIELDS = (
    "training_id",
    "version",
    "revision",
    "fingerprint",
    "command",
    "started",
    "ended",
    "exit_code",
    "timed_out",
    "run_id",
)


def start_training(
    db: CatalogDB,
    training_id: str,
    dataset: str,
    version: int,
    revision: int,
    fingerprint: str,
    command: str,
    run_id: str | None = None,
) -> None:
    with writing(db) as con:
        lock_dataset_row(con, dataset)
        con.execute(
            training_runs.insert().values(
                training_id=training_id,
                dataset=dataset,
                version=version,
                revision=revision,
                fingerprint=fingerprint,
                command=command,
                started=utcnow(),
                run_id=run_id,
            )
        )


def finish_training(db: CatalogDB, training_id: str, exit_code: int, timed_out: bool) -> None:
    with writing(db) as con:
        dataset = con.execute(
            sa.select(training_runs.c.dataset).where(training_runs.c.training_id == training_id)
        ).scalar_one()
        lock_dataset_row(con, dataset)
        con.execute(
            training_runs.update()
            .where(training_runs.c.training_id == training_id)
            .values(ended=utcnow(), exit_code=exit_code, timed_out=timed_out)
        )


def list_training_runs(db: CatalogDB, dataset: str) -> list[dict[str, Any]]:
    """Which model trained on which data, oldest first."""
    query = (
        sa.select(*[training_runs.c[name] for name in TRAINING_FIELDS])
        .where(training_runs.c.dataset == dataset)
        .order_by(training_runs.c.started, training_runs.c.training_id)
    )
    with reading(db) as con:
        rows = [] if con is None else con.execute(query).all()
    return [dict(zip(TRAINING_FIELDS, row, strict=True)) for row in rows]


# -- baselines ----------------------------------------------------------------------------


def pinned_baseline(db: CatalogDB, dataset: str) -> int | None:
    with reading(db) as con:
        value = (
            None
            if con is None
            else con.execute(sa.select(baselines.c.version).where(baselines.c.dataset == dataset)).scalar()
        )
    return None if value is None else int(value)


def pin_baseline(con: Connection, dataset: str, version: int) -> None:
    con.execute(baselines.delete().where(baselines.c.dataset == dataset))
    con.execute(baselines.insert().values(dataset=dataset, version=version, pinned=utcnow()))


def clear_baseline(con: Connection, dataset: str) -> bool:
    return bool(con.execute(baselines.delete().where(baselines.c.dataset == dataset)).rowcount)
