"""The project's catalog: one DuckDB file holding datasets, versions, runs, results.

Every access opens the file briefly and retries while another process holds its
lock, so concurrent runs queue instead of crashing. Writes are one transaction.
Heavy queries never run here; they use their own connection over Parquet files.
"""

from __future__ import annotations

import contextvars
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from dataguard.errors import CatalogBusy
from dataguard.locks import wait_seconds

LOCK_TIMEOUT_SECONDS = 60.0

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS datasets (
    name VARCHAR PRIMARY KEY,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS versions (
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,
    source_path VARCHAR NOT NULL,
    source_format VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    row_count BIGINT NOT NULL,
    data_path VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    created TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, version),
    UNIQUE (dataset, fingerprint)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    state VARCHAR NOT NULL,
    started TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished TIMESTAMPTZ,
    verdict VARCHAR,
    gate_open BOOLEAN,
    reasons VARCHAR,
    rows_input BIGINT,
    rows_clean BIGINT,
    rows_quarantined BIGINT,
    clean_path VARCHAR,
    quarantine_path VARCHAR,
    report_json VARCHAR,
    flow_run_id VARCHAR,
    error VARCHAR
);
CREATE TABLE IF NOT EXISTS quarantine_decisions (
    decision_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    run_id VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    selector VARCHAR NOT NULL,
    row_ids BIGINT[] NOT NULL,
    reviewer VARCHAR NOT NULL,
    note VARCHAR NOT NULL,
    revision INTEGER,
    created TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS quarantine_states (
    run_id VARCHAR NOT NULL,
    row_id BIGINT NOT NULL,
    state VARCHAR NOT NULL,
    decision_id VARCHAR NOT NULL,
    PRIMARY KEY (run_id, row_id)
);
CREATE TABLE IF NOT EXISTS revisions (
    run_id VARCHAR NOT NULL,
    revision INTEGER NOT NULL,
    parent INTEGER NOT NULL,
    decision_id VARCHAR NOT NULL,
    clean_path VARCHAR NOT NULL,
    rows_clean BIGINT NOT NULL,
    rows_released BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    verdict VARCHAR NOT NULL,
    gate_open BOOLEAN NOT NULL,
    reasons VARCHAR NOT NULL,
    created TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, revision)
);
CREATE TABLE IF NOT EXISTS baselines (
    dataset VARCHAR PRIMARY KEY,
    version INTEGER NOT NULL,
    pinned TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS drift_results (
    run_id VARCHAR NOT NULL,
    reference_version INTEGER NOT NULL,
    column_name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    statistic DOUBLE,
    p_value DOUBLE,
    threshold DOUBLE,
    drifted BOOLEAN NOT NULL,
    severity VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS profiles (
    run_id VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    column_name VARCHAR NOT NULL,
    profile VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS slice_results (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value DOUBLE,
    rows BIGINT NOT NULL,
    passed BOOLEAN NOT NULL,
    severity VARCHAR NOT NULL,
    result VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS training_runs (
    training_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,
    command VARCHAR NOT NULL,
    started TIMESTAMPTZ NOT NULL,
    ended TIMESTAMPTZ,
    exit_code INTEGER,
    timed_out BOOLEAN
);
CREATE TABLE IF NOT EXISTS clean_files (
    run_id VARCHAR NOT NULL,
    revision INTEGER NOT NULL,
    clean_path VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    recorded TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, revision)
);
CREATE TABLE IF NOT EXISTS incidents (
    incident_id VARCHAR PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    version INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    run_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    expected VARCHAR NOT NULL,
    actual VARCHAR NOT NULL,
    detected_by VARCHAR NOT NULL,
    detected TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS check_results (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    column_name VARCHAR,
    code VARCHAR NOT NULL,
    failed_rows BIGINT NOT NULL,
    severity VARCHAR NOT NULL
);
"""


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


@contextmanager
def connect(path: Path, *, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the catalog, waiting (with backoff) while another process holds it.

    The wait is ``$DATAGUARD_LOCK_WAIT_SECONDS`` when set, else ``LOCK_TIMEOUT_SECONDS``;
    past it, ``CatalogBusy`` (exit 3).
    """
    held = _SESSION.get()
    if held is not None and held[0] == path:
        yield held[1]  # inside ``session``: the connection already open
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open_with_retry(path, wait_seconds(LOCK_TIMEOUT_SECONDS) if timeout is None else timeout)
    try:
        _ensure_schema(con, path)
        yield con
    finally:
        con.close()


_SCHEMA_DONE: set[tuple[str, int, int]] = set()


def _ensure_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The tables exist: created once per catalog file per process, not on every open (a third of its cost)."""
    stat = path.stat()
    identity = (str(path), stat.st_dev, stat.st_ino)  # a catalog deleted and made anew is another file
    if identity not in _SCHEMA_DONE:
        con.execute(SCHEMA_SQL)
        _SCHEMA_DONE.add(identity)


_SESSION: contextvars.ContextVar[tuple[Path, duckdb.DuckDBPyConnection] | None] = contextvars.ContextVar(
    "dataguard_catalog_session", default=None
)


@contextmanager
def session(path: Path) -> Iterator[None]:
    """Within the block, every catalog call on ``path`` shares one connection (opened once, not per query).

    For a few reads in a row (the gate's decision): the file stays locked for
    the block, so never hold a session around slow work.
    """
    if _SESSION.get() is not None or not exists(path):
        yield
        return
    with connect(path) as con:
        token = _SESSION.set((path, con))
        try:
            yield
        finally:
            _SESSION.reset(token)


def _open_with_retry(path: Path, timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise CatalogBusy(
                    f"catalog {path} stayed locked by another process for {timeout:.0f} s",
                    hint="another process holds the catalog file open (a dataguard run, or a notebook): "
                    "retry when it finishes, or wait longer (DATAGUARD_LOCK_WAIT_SECONDS)",
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


@contextmanager
def transaction(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def exists(path: Path) -> bool:
    return path.is_file()


# -- versions -------------------------------------------------------------------

_VERSION_COLUMNS = (
    "dataset, version, fingerprint, source_path, source_format, size_bytes, row_count, data_path, status, created"
)


def _version(row: tuple[Any, ...] | None) -> VersionRecord | None:
    return VersionRecord(*row) if row else None


def find_version(
    path: Path, dataset: str, *, version: int | None = None, fingerprint: str | None = None
) -> VersionRecord | None:
    """The version with this number or fingerprint, or the newest one."""
    if not exists(path):
        return None
    query = f"SELECT {_VERSION_COLUMNS} FROM versions WHERE dataset = ?"
    params: list[Any] = [dataset]
    if version is not None:
        query += " AND version = ?"
        params.append(version)
    if fingerprint is not None:
        query += " AND fingerprint = ?"
        params.append(fingerprint)
    with connect(path) as con:
        return _version(con.execute(query + " ORDER BY version DESC LIMIT 1", params).fetchone())


def list_versions(path: Path, dataset: str) -> list[VersionRecord]:
    if not exists(path):
        return []
    with connect(path) as con:
        rows = con.execute(
            f"SELECT {_VERSION_COLUMNS} FROM versions WHERE dataset = ? ORDER BY version", [dataset]
        ).fetchall()
    return [VersionRecord(*r) for r in rows]


def insert_version(con: duckdb.DuckDBPyConnection, record: VersionRecord) -> None:
    con.execute("INSERT INTO datasets (name) VALUES (?) ON CONFLICT DO NOTHING", [record.dataset])
    con.execute(
        f"INSERT INTO versions ({_VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.dataset,
            record.version,
            record.fingerprint,
            record.source_path,
            record.source_format,
            record.size_bytes,
            record.rows,
            record.data_path,
            record.status,
            record.created,
        ],
    )


def next_version_number(con: duckdb.DuckDBPyConnection, dataset: str) -> int:
    row = con.execute("SELECT coalesce(max(version), 0) + 1 FROM versions WHERE dataset = ?", [dataset]).fetchone()
    assert row is not None
    return int(row[0])


def forget_version(path: Path, dataset: str, version: int) -> None:
    """Undo a registration made by a run that then failed on bad input."""
    with transaction(path) as con:
        con.execute("DELETE FROM versions WHERE dataset = ? AND version = ?", [dataset, version])
        remaining = con.execute("SELECT count(*) FROM versions WHERE dataset = ?", [dataset]).fetchone()
        if remaining is not None and remaining[0] == 0:
            con.execute("DELETE FROM datasets WHERE name = ?", [dataset])


# -- runs -------------------------------------------------------------------------

# A run as the gate sees it: a reviewer's newest revision overrides the run's own verdict and clean file.
_RUN_VIEW = """
    WITH newest AS (
        SELECT * FROM revisions QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY revision DESC) = 1
    )
    SELECT r.run_id, r.dataset, r.version, r.state,
           coalesce(n.verdict, r.verdict), coalesce(n.gate_open, r.gate_open), coalesce(n.reasons, r.reasons),
           coalesce(n.clean_path, r.clean_path), r.quarantine_path, r.report_json, r.finished,
           coalesce(n.revision, 0)
    FROM runs r LEFT JOIN newest n USING (run_id)
"""


def _run(row: tuple[Any, ...]) -> RunRecord:
    values = list(row)
    values[6] = json.loads(values[6]) if values[6] else []
    return RunRecord(*values)


def start_run(path: Path, run_id: str, dataset: str, version: int, flow_run_id: str | None) -> list[tuple[int, str]]:
    """Record a new run; the dataset's runs still 'running' are marked abandoned first, and returned.

    Called by a run that holds the dataset's lock: no other run of the dataset
    is alive, so a run still marked running is one whose process died. One
    transaction (one open of the catalog) for both.
    """
    with transaction(path) as con:
        dead = _abandon_dead(con, dataset)
        con.execute(
            "INSERT INTO runs (run_id, dataset, version, state, flow_run_id) VALUES (?, ?, ?, 'running', ?)",
            [run_id, dataset, version, flow_run_id],
        )
    return dead


def discard_run(path: Path, run_id: str) -> None:
    """Remove a run that ended on bad input: the catalog is left as it was."""
    with transaction(path) as con:
        con.execute("DELETE FROM runs WHERE run_id = ?", [run_id])


def _abandon_dead(con: duckdb.DuckDBPyConnection, dataset: str) -> list[tuple[int, str]]:
    rows = con.execute(
        "SELECT version, run_id FROM runs WHERE dataset = ? AND state = 'running' ORDER BY started", [dataset]
    ).fetchall()
    if rows:
        con.execute(
            """UPDATE runs SET state = 'abandoned', finished = now(),
                   error = 'its process stopped before the run finished (killed or crashed)'
               WHERE dataset = ? AND state = 'running'""",
            [dataset],
        )
    return [(int(version), str(run_id)) for version, run_id in rows]


def abandon_run(path: Path, run_id: str, error: str) -> bool:
    """Mark a run that is still 'running' as 'abandoned'; False when it had already ended (published)."""
    with transaction(path) as con:
        rows = con.execute(
            "UPDATE runs SET state = 'abandoned', finished = now(), error = ? WHERE run_id = ? AND state = 'running' "
            "RETURNING run_id",
            [error, run_id],
        ).fetchall()
    return bool(rows)


def fail_run(path: Path, run_id: str, error: str) -> None:
    with transaction(path) as con:
        con.execute("UPDATE runs SET state = 'failed', finished = now(), error = ? WHERE run_id = ?", [error, run_id])


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
    checks: list[tuple[str, str | None, str, int, str]]
    slices: list[tuple[Any, ...]] = field(default_factory=list)
    drift: list[tuple[Any, ...]] = field(default_factory=list)
    reference_version: int | None = None
    profiles: list[tuple[str, str]] = field(default_factory=list)
    clean_fingerprint: str | None = None  # sha256 of clean_path, verified when the gate hands it out
    clean_size: int | None = None


_DELETE_RUN_RESULTS = (
    "DELETE FROM check_results WHERE run_id = ?",
    "DELETE FROM slice_results WHERE run_id = ?",
    "DELETE FROM drift_results WHERE run_id = ?",
    "DELETE FROM profiles WHERE run_id = ?",
    "DELETE FROM clean_files WHERE run_id = ? AND revision = 0",
)


def finish_run(path: Path, run: FinishedRun) -> None:
    """Publish a run's outcome in one transaction: all of it or none of it."""
    with transaction(path) as con:
        # a retried publish (the first attempt committed, then failed) replaces its rows instead of adding twice
        for delete in _DELETE_RUN_RESULTS:
            con.execute(delete, [run.run_id])
        con.execute(
            """UPDATE runs SET state = 'finished', finished = now(), verdict = ?, gate_open = ?, reasons = ?,
                   rows_input = ?, rows_clean = ?, rows_quarantined = ?, clean_path = ?, quarantine_path = ?,
                   report_json = ?
               WHERE run_id = ?""",
            [
                run.verdict,
                run.gate_open,
                json.dumps(run.reasons),
                run.rows_input,
                run.rows_clean,
                run.rows_quarantined,
                run.clean_path,
                run.quarantine_path,
                run.report_json,
                run.run_id,
            ],
        )
        if run.checks:
            con.executemany(
                "INSERT INTO check_results VALUES (?, ?, ?, ?, ?, ?)",
                [(run.run_id, *check) for check in run.checks],
            )
        if run.slices:
            con.executemany(
                "INSERT INTO slice_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [(run.run_id, *s) for s in run.slices]
            )
        if run.drift:
            con.executemany(
                "INSERT INTO drift_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run.run_id, run.reference_version, *d) for d in run.drift],
            )
        if run.profiles:
            con.executemany(
                "INSERT INTO profiles VALUES (?, ?, ?, ?, ?)",
                [(run.run_id, run.dataset, run.version, column, profile) for column, profile in run.profiles],
            )
        if run.clean_fingerprint is not None and run.clean_size is not None:
            record_clean_file(con, run.run_id, 0, run.clean_path, run.clean_fingerprint, run.clean_size)
        con.execute(
            "UPDATE versions SET status = 'validated' WHERE dataset = ? AND version = ?", [run.dataset, run.version]
        )


def latest_finished_run(path: Path, dataset: str, version: int) -> RunRecord | None:
    """The version's newest run that finished; unfinished runs never count."""
    if not exists(path):
        return None
    with connect(path) as con:
        row = con.execute(
            f"""SELECT * FROM ({_RUN_VIEW}) WHERE dataset = ? AND version = ? AND state = 'finished'
                ORDER BY finished DESC LIMIT 1""",
            [dataset, version],
        ).fetchone()
    return _run(row) if row else None


def latest_runs(path: Path, dataset: str) -> dict[int, RunRecord]:
    """Per version, its newest finished run."""
    if not exists(path):
        return {}
    with connect(path) as con:
        rows = con.execute(
            f"""SELECT * FROM ({_RUN_VIEW}) WHERE dataset = ? AND state = 'finished'
                QUALIFY row_number() OVER (PARTITION BY version ORDER BY finished DESC) = 1""",
            [dataset],
        ).fetchall()
    return {r.version: r for r in map(_run, rows)}


def version_history(path: Path, dataset: str) -> list[dict[str, Any]]:
    """Per version, oldest first: its latest finished verdict, rows and quarantined share (after review)."""
    if not exists(path):
        return []
    with connect(path) as con:
        rows = con.execute(
            """WITH latest AS (
                   SELECT * FROM runs WHERE dataset = ? AND state = 'finished'
                   QUALIFY row_number() OVER (PARTITION BY version ORDER BY finished DESC) = 1),
               newest AS (
                   SELECT * FROM revisions QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY revision DESC) = 1)
               SELECT v.version, coalesce(n.verdict, r.verdict), v.row_count,
                      coalesce(v.row_count - n.rows_clean, r.rows_quarantined)
               FROM versions v LEFT JOIN latest r USING (version) LEFT JOIN newest n USING (run_id)
               WHERE v.dataset = ? ORDER BY v.version""",
            [dataset, dataset],
        ).fetchall()
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


# -- clean file fingerprints and incidents ---------------------------------------


@dataclass(frozen=True)
class CleanFile:
    """What the catalog recorded of a published clean file (a run's, or a reviewed revision's)."""

    run_id: str
    revision: int
    clean_path: str
    fingerprint: str
    size_bytes: int


def record_clean_file(
    con: duckdb.DuckDBPyConnection, run_id: str, revision: int, clean_path: str, fingerprint: str, size_bytes: int
) -> None:
    """Inside the publishing transaction: the clean file and its fingerprint become visible together."""
    con.execute(
        "INSERT INTO clean_files (run_id, revision, clean_path, fingerprint, size_bytes) VALUES (?, ?, ?, ?, ?)",
        [run_id, revision, clean_path, fingerprint, size_bytes],
    )


def recorded_clean_file(path: Path, run_id: str, revision: int) -> CleanFile | None:
    if not exists(path):
        return None
    with connect(path) as con:
        row = con.execute(
            """SELECT run_id, revision, clean_path, fingerprint, size_bytes FROM clean_files
               WHERE run_id = ? AND revision = ?""",
            [run_id, revision],
        ).fetchone()
    return CleanFile(*row) if row else None


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


def record_incident(path: Path, incident: Incident) -> str:
    incident_id = uuid.uuid4().hex
    with transaction(path) as con:
        con.execute(
            f"INSERT INTO incidents ({', '.join(INCIDENT_FIELDS[:-1])}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                incident_id,
                incident.dataset,
                incident.version,
                incident.revision,
                incident.run_id,
                incident.kind,
                incident.path,
                incident.expected,
                incident.actual,
                incident.detected_by,
            ],
        )
    return incident_id


def incidents(path: Path, dataset: str) -> list[dict[str, Any]]:
    """Integrity incidents of a dataset, oldest first."""
    if not exists(path):
        return []
    with connect(path) as con:
        rows = con.execute(
            f"SELECT {', '.join(INCIDENT_FIELDS)} FROM incidents WHERE dataset = ? ORDER BY detected, incident_id",
            [dataset],
        ).fetchall()
    return [dict(zip(INCIDENT_FIELDS, row, strict=True)) for row in rows]


# -- training runs ----------------------------------------------------------------


def start_training(
    path: Path, training_id: str, dataset: str, version: int, revision: int, fingerprint: str, command: str
) -> None:
    with transaction(path) as con:
        con.execute(
            """INSERT INTO training_runs (training_id, dataset, version, revision, fingerprint, command, started)
               VALUES (?, ?, ?, ?, ?, ?, now())""",
            [training_id, dataset, version, revision, fingerprint, command],
        )


def finish_training(path: Path, training_id: str, exit_code: int, timed_out: bool) -> None:
    with transaction(path) as con:
        con.execute(
            "UPDATE training_runs SET ended = now(), exit_code = ?, timed_out = ? WHERE training_id = ?",
            [exit_code, timed_out, training_id],
        )


def training_runs(path: Path, dataset: str) -> list[dict[str, Any]]:
    """Which model trained on which data, oldest first."""
    if not exists(path):
        return []
    keys = (
        "training_id",
        "version",
        "revision",
        "fingerprint",
        "command",
        "started",
        "ended",
        "exit_code",
        "timed_out",
    )
    with connect(path) as con:
        rows = con.execute(
            f"SELECT {', '.join(keys)} FROM training_runs WHERE dataset = ? ORDER BY started, training_id", [dataset]
        ).fetchall()
    return [dict(zip(keys, row, strict=True)) for row in rows]
