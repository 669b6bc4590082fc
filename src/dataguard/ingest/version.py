"""Ingest: a source file becomes a version of a dataset.

The version's file is written in a staging folder under the dataset's lock (a
Parquet source's own bytes, ``stored``; a CSV or JSON Lines source converted
once, ``canonical``), then moved into the warehouse and registered in the catalog
in one transaction. Identical bytes give the existing version.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from dataguard import catalog
from dataguard.catalog.locks import Held, dataset_lock
from dataguard.common.faults import fault_point
from dataguard.common.integrity import fingerprint
from dataguard.common.rows import needs_row_id_column
from dataguard.errors import SourceError, StorageFull, is_storage_full
from dataguard.ingest.canonical import write_canonical
from dataguard.ingest.preflight import parquet_columns, source_format
from dataguard.ingest.stored import store_parquet
from dataguard.project import Project, check_dataset_name
from dataguard.spec.source import SourceOptions

STAGING = ".staging"


@dataclass(frozen=True)
class Ingested:
    version: catalog.VersionRecord
    new: bool


def ingest(project: Project, dataset: str, source: Path, options: SourceOptions = SourceOptions()) -> Ingested:
    """Register ``source`` as a version of ``dataset``; identical bytes give the existing one."""
    source = Path(source)
    check_dataset_name(dataset)
    project.confined(project.warehouse / dataset)
    fmt = source_format(source)
    if not source.is_file():
        raise SourceError("no such file", path=str(source))
    digest = fingerprint(source)
    existing = catalog.find_version(project.catalog, dataset, fingerprint=digest)
    if existing:  # no lock needed to find what is already there
        return Ingested(existing, new=False)
    with dataset_lock(project, dataset) as held:
        remove_dead_staging(project, dataset, held.lease)
        staging = project.warehouse / STAGING / f"{dataset}-{held.lease}"
        staging.mkdir(parents=True, exist_ok=True)
        try:
            rows, data_digest = _write_staged(source, fmt, staging / "source.parquet", options, staging, digest)
            fault_point("ingest.staged")
            result = _register(project, held, source, fmt, (digest, data_digest), rows, staging)
            fault_point("ingest.registered")
            return result
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _write_staged(
    source: Path, fmt: str, out: Path, options: SourceOptions, scratch: Path, digest: str
) -> tuple[int, str]:
    """The version's file (a Parquet source's own bytes, or the conversion of the others): rows and sha256."""
    if source.stat().st_size == 0:
        raise SourceError("the file is empty (0 bytes)", path=str(source))
    try:
        if fmt == "parquet" and not needs_row_id_column(parquet_columns(source)):
            return store_parquet(source, out), digest  # the same bytes: the same fingerprint
        rows = write_canonical(source, fmt, out, options, scratch)
        return rows, fingerprint(out)
    except (OSError, duckdb.Error, pa.ArrowException) as exc:
        if is_storage_full(exc):
            raise StorageFull(f"no space left to write the canonical copy of {source} in {scratch}") from exc
        raise


def remove_dead_staging(project: Project, dataset: str, lease: str) -> None:
    """Staging folders of this dataset's earlier writers (killed mid-ingest): holding its lock proves them dead."""
    root = project.warehouse / STAGING
    if not root.is_dir():
        return
    for folder in root.glob(f"{dataset}-*"):
        if folder.name != f"{dataset}-{lease}":
            shutil.rmtree(folder, ignore_errors=True)


def _register(
    project: Project, held: Held, source: Path, fmt: str, digests: tuple[str, str], rows: int, staging: Path
) -> Ingested:
    digest = digests[0]
    with catalog.writing(project.catalog) as con:
        held.fence(con)
        if catalog.fingerprint_known(con, held.dataset, digest):  # registered meanwhile by a writer we waited for
            record = None
        else:
            record = _move_and_insert(con, project, held.dataset, source, fmt, digests, rows, staging)
    if record is None:
        existing = catalog.find_version(project.catalog, held.dataset, fingerprint=digest)
        assert existing is not None
        return Ingested(existing, new=False)
    return Ingested(record, new=True)


def _move_and_insert(
    con: catalog.Connection,
    project: Project,
    dataset: str,
    source: Path,
    fmt: str,
    digests: tuple[str, str],
    rows: int,
    staging: Path,
) -> catalog.VersionRecord:
    """Move the staged file into the version's folder and register it: ``digests`` are the source's and the file's."""
    number = catalog.next_version_number(con, dataset)
    folder = project.confined(project.warehouse / dataset / str(number))
    if folder.exists():  # left behind by a run that crashed before its commit
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    try:
        data_path = folder / "source.parquet"
        os.replace(staging / "source.parquet", data_path)
        record = catalog.VersionRecord(
            dataset=dataset,
            version=number,
            fingerprint=digests[0],
            source_path=str(source.resolve()),
            source_format=fmt,
            size_bytes=source.stat().st_size,
            rows=rows,
            data_path=str(data_path),
            status="ingested",
            created=datetime.now(UTC),
            data_fingerprint=digests[1],
        )
        catalog.insert_version(con, record)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # the transaction rolls back; leave no orphan folder
        raise
    return record
