"""The clean file training reads, made on first use from the version minus its deletion vector.

A run publishes no clean copy: its clean rows are the version's file minus the
deletion vector the catalog recorded (``dataguard.common.rows``). The first
``open_validated``, ``dataguard train`` or peek of a revision writes the file:

1. the version's file and the deletion vector are hashed and compared with the
   fingerprints recorded when they were published (a mismatch is an incident
   and a refusal, as for a clean file);
2. the rows are streamed into a file of the run's folder, ``_row_id`` first,
   in ``_row_id`` order, and counted (clean = input - deleted, or nothing is recorded);
3. its SHA-256 is recorded in the catalog and the file moved to its path in
   that one transaction. Two readers racing both write; the first to record
   wins and the other's file is dropped. Every later open verifies the file
   against that fingerprint, as before.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import replace
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataguard import catalog
from dataguard.common.faults import fault_point
from dataguard.common.integrity import file_fingerprint
from dataguard.common.rows import WIDE_COLUMNS, VersionRows, file_schema, version_relation
from dataguard.common.sql import engine, quote_ident, quote_path
from dataguard.errors import BadInput, GateClosed, IntegrityError, InvariantViolation
from dataguard.gate.opened import ValidatedVersion
from dataguard.ingest.canonical import ROW_GROUP_ROWS, parquet_writer
from dataguard.project import Project
from dataguard.spec.source import ROW_ID

MAX_BITMAP_BITS = 2**31 - 1  # get_bit takes an INTEGER position


def make_clean_file(
    project: Project, run: catalog.RunRecord, version: catalog.VersionRecord, opened_by: str
) -> catalog.CleanFile:
    """The recorded clean file of the run's current revision, written and recorded now if it was not yet."""
    recorded = catalog.recorded_clean_file(project.catalog, run.run_id, run.revision)
    if recorded is not None:
        return recorded
    return _write_recorded(project, run, version, proven_rows(project, run, version, opened_by))


def first_open(
    project: Project,
    run: catalog.RunRecord,
    version: catalog.VersionRecord,
    found: ValidatedVersion,
    opened_by: str,
    materialize: bool,
) -> ValidatedVersion:
    """``found`` on its revision's first open: the file made and recorded, or (``materialize=False``, or a
    warehouse that cannot be written, such as a read-only mount) the proven rows read without a file."""
    rows = proven_rows(project, run, version, opened_by)
    final = project.confined(Path(str(run.clean_path)))
    if not materialize or not os.access(final.parent, os.W_OK):
        made_later = partial(_made, project, run, version, opened_by)
        return replace(found, rows=rows, verified=True, make_file=made_later)
    made = _write_recorded(project, run, version, rows)
    return replace(found, clean_path=Path(made.clean_path), clean_fingerprint=made.fingerprint, verified=True)


def _made(project: Project, run: catalog.RunRecord, version: catalog.VersionRecord, opened_by: str) -> Path:
    return Path(make_clean_file(project, run, version, opened_by).clean_path)


def _write_recorded(
    project: Project, run: catalog.RunRecord, version: catalog.VersionRecord, rows: VersionRows
) -> catalog.CleanFile:
    final = project.confined(Path(str(run.clean_path)))
    remove_dead_scratch(final)
    scratch = final.with_name(f".{final.name}.{SCRATCH_HOST}.{os.getpid()}.{uuid.uuid4().hex[:12]}")
    try:
        written = write_clean(rows, scratch)
        fault_point("materialize")
        if written != rows.rows:
            raise InvariantViolation(
                f"{run.dataset} v{run.version}: the clean file would hold {written} rows, not {rows.rows} "
                f"({version.rows} minus the quarantine's); nothing was recorded"
            )
        digest = file_fingerprint(scratch)
        made = catalog.CleanFile(run.run_id, run.revision, str(final), digest.digest, digest.size_bytes)
        return catalog.claim_clean_file(project.catalog, run.dataset, made, lambda: os.replace(scratch, final))
    finally:
        scratch.unlink(missing_ok=True)


SCRATCH_HOST = socket.gethostname().replace(".", "_")


def remove_dead_scratch(final: Path) -> None:
    """Files this host's readers were making for ``final`` when they died (a reader that is still
    running is left alone; another host's are left to that host)."""
    for stale in final.parent.glob(f".{final.name}.{SCRATCH_HOST}.*"):
        pid = stale.name.removeprefix(f".{final.name}.{SCRATCH_HOST}.").split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def proven_rows(
    project: Project, run: catalog.RunRecord, version: catalog.VersionRecord, opened_by: str
) -> VersionRows:
    """The revision's clean rows, once the version's file and its deletion vector match their fingerprints."""
    vector = catalog.recorded_deletion_vector(project.catalog, run.run_id, run.revision)
    if vector is None or version.data_fingerprint is None or not run.clean_path:
        rerun = f"dataguard validate {run.dataset} --version {run.version}"
        raise GateClosed(run.dataset, [f"version {run.version}: no clean data was recorded for it (run: {rerun})"])
    for path, expected in (
        (Path(version.data_path), version.data_fingerprint),
        (Path(vector.path), vector.fingerprint),
    ):
        try:
            project.confined(path)
        except BadInput as outside:
            raise GateClosed(run.dataset, [f"version {run.version}: {outside.message}"]) from outside
        prove(project, run, path, expected, opened_by)
    return VersionRows(Path(version.data_path), Path(vector.path), version.rows - vector.rows)


def prove(project: Project, run: catalog.RunRecord, path: Path, expected: str, opened_by: str) -> None:
    """Hash ``path``; on a mismatch record the incident and refuse."""
    if not path.is_file():
        raise GateClosed(run.dataset, [f"version {run.version}: {path} is missing"])
    actual = file_fingerprint(path).digest
    if actual == expected:
        return
    refuse(project, run, path, expected, actual, opened_by)


def refuse(project: Project, run: catalog.RunRecord, path: Path, expected: str, actual: str, by: str) -> None:
    """Record a fingerprint mismatch as an incident, then raise it."""
    incident = catalog.Incident(
        dataset=run.dataset,
        version=run.version,
        revision=run.revision,
        run_id=run.run_id,
        kind="fingerprint_mismatch",
        path=str(path),
        expected=expected,
        actual=actual,
        detected_by=by,
    )
    refused = IntegrityError(run.dataset, run.version, str(path), expected, actual)
    try:
        catalog.record_incident(project.catalog, incident)
    except Exception as unrecorded:  # a read-only catalog: the refusal matters more than its record
        refused.add_note(f"the incident could not be recorded: {unrecorded}")
    raise refused


def write_clean(rows: VersionRows, out: Path) -> int:
    """The clean rows into ``out``, ``_row_id`` first and in order; the number written.

    DuckDB copies the file with one filter, in parallel and without a sort:
    the deleted ids become a bitmap (one bit per row id) and a filter keeps the
    file's order where a join would not. Types DuckDB would write back
    differently (zones other than UTC, dictionaries, nested types), and very
    wide files, are streamed through pyarrow instead.
    """
    schema = file_schema(rows.data_path)
    total = int(pq.ParquetFile(rows.data_path).metadata.num_rows)
    if len(schema) > WIDE_COLUMNS or not all(_duckdb_keeps(f.type) for f in schema) or total > MAX_BITMAP_BITS:
        return _write_streaming(rows, schema, out)
    rid = quote_ident(ROW_ID)
    with engine(out.parent) as con:
        if rows.deleted_path is not None:
            con.execute(
                f"SET VARIABLE dataguard_deleted = (SELECT bitstring_agg({rid}, 0, {max(total - 1, 0):d}) "
                f"FROM read_parquet({quote_path(rows.deleted_path)}))"
            )
            bits = "getvariable('dataguard_deleted')"
            kept = f"{bits} IS NULL OR get_bit({bits}, {rid}::INTEGER) = 0"
        else:
            kept = "TRUE"
        con.execute(
            f"""COPY (SELECT * FROM {version_relation(rows.data_path)} WHERE {kept})
                TO {quote_path(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS:d})"""
        )
    return int(pq.ParquetFile(out).metadata.num_rows)


def _write_streaming(rows: VersionRows, schema: pa.Schema, out: Path) -> int:
    written = 0
    writer: pq.ParquetWriter | None = None
    try:
        for batch in rows.arrow_batches(ROW_GROUP_ROWS):
            table = pa.Table.from_batches([batch])
            if writer is None:
                writer = parquet_writer(out, table, schema)
            writer.write_table(table)
            written += batch.num_rows
        if writer is None:
            writer = parquet_writer(out, schema.empty_table(), schema)
    finally:
        if writer is not None:
            writer.close()
    return written


def _duckdb_keeps(arrow_type: pa.DataType) -> bool:
    """Types a DuckDB COPY writes back as the same Arrow type."""
    if pa.types.is_timestamp(arrow_type):
        return arrow_type.tz in (None, "UTC", "+00:00") and arrow_type.unit in ("us", "ms", "s")
    simple = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_string, pa.types.is_date32)
    return any(test(arrow_type) for test in simple)
