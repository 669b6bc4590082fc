"""Versions of a dataset: one per distinct content (fingerprint), numbered 1, 2, ... per dataset."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dataguard.catalog.address import CatalogDB
from dataguard.catalog.columns import row_of
from dataguard.catalog.db import reading, utcnow, writing
from dataguard.catalog.schema import datasets, versions
from dataguard.errors import NotFound, UnknownDataset


@dataclass(frozen=True)
class VersionRecord:
    dataset: str
    version: int
    fingerprint: str
    source_path: str
    source_format: str
    size_bytes: int
    rows: int
    data_path: str
    status: str
    created: datetime
    data_fingerprint: str | None = None  # sha256 of data_path (None: stored before it was recorded)


_COLUMNS = (
    versions.c.dataset,
    versions.c.version,
    versions.c.fingerprint,
    versions.c.source_path,
    versions.c.source_format,
    versions.c.size_bytes,
    versions.c.row_count,
    versions.c.data_path,
    versions.c.status,
    versions.c.created,
    versions.c.data_fingerprint,
)


def _record(row: Sequence[Any]) -> VersionRecord:
    return VersionRecord(*row)


def find_version(
    db: CatalogDB, dataset: str, *, version: int | None = None, fingerprint: str | None = None
) -> VersionRecord | None:
    """The version with this number or fingerprint, or the newest one."""
    query = sa.select(*_COLUMNS).where(versions.c.dataset == dataset)
    if version is not None:
        query = query.where(versions.c.version == version)
    if fingerprint is not None:
        query = query.where(versions.c.fingerprint == fingerprint)
    with reading(db) as con:
        row = None if con is None else con.execute(query.order_by(versions.c.version.desc()).limit(1)).first()
    return _record(row) if row is not None else None


def ingested_version(db: CatalogDB, dataset: str, version: int | None) -> VersionRecord:
    """The dataset's version (the newest when None); bad input naming the versions there are, if it has none."""
    record = find_version(db, dataset, version=version)
    if record is not None:
        return record
    known = [v.version for v in list_versions(db, dataset)]
    if not known:
        raise UnknownDataset(f"{dataset} has no ingested versions", hint=f"dataguard validate {dataset} FILE")
    raise NotFound(f"{dataset} has no version {version}; versions: {', '.join(map(str, known))}")


def list_versions(db: CatalogDB, dataset: str) -> list[VersionRecord]:
    query = sa.select(*_COLUMNS).where(versions.c.dataset == dataset).order_by(versions.c.version)
    with reading(db) as con:
        return [] if con is None else [_record(row) for row in con.execute(query)]


def list_datasets(db: CatalogDB) -> list[str]:
    with reading(db) as con:
        return [] if con is None else list(con.execute(sa.select(datasets.c.name).order_by(datasets.c.name)).scalars())


def fingerprint_known(con: Connection, dataset: str, fingerprint: str) -> bool:
    query = sa.select(sa.func.count()).where(versions.c.dataset == dataset, versions.c.fingerprint == fingerprint)
    return bool(con.execute(query).scalar())


def next_version_number(con: Connection, dataset: str) -> int:
    query = sa.select(sa.func.coalesce(sa.func.max(versions.c.version), 0) + 1).where(versions.c.dataset == dataset)
    return int(con.execute(query).scalar_one())


def insert_version(con: Connection, record: VersionRecord) -> None:
    if con.execute(sa.select(datasets.c.name).where(datasets.c.name == record.dataset)).first() is None:
        con.execute(datasets.insert().values(name=record.dataset, created=utcnow()))
    con.execute(versions.insert().values(row_of(versions, record, row_count=record.rows)))


def forget_version(db: CatalogDB, dataset: str, version: int) -> None:
    """Undo a registration made by a run that then failed on bad input."""
    with writing(db) as con:
        con.execute(versions.delete().where(versions.c.dataset == dataset, versions.c.version == version))
        left = con.execute(sa.select(sa.func.count()).where(versions.c.dataset == dataset)).scalar()
        if not left:
            con.execute(datasets.delete().where(datasets.c.name == dataset))
