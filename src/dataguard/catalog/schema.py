"""Every table of the catalog, as SQLAlchemy Core metadata: the one description both backends share.

The schema's history is in ``migrations/`` (Alembic); ``HEAD`` names the
revision this metadata is. A new catalog is created from this metadata and
stamped ``HEAD``; an older one is brought here by ``dataguard catalog upgrade``.
Timestamps are stored in UTC and read back as aware UTC datetimes on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, PrimaryKeyConstraint, Table, UniqueConstraint
from sqlalchemy.types import TypeDecorator

from dataguard.catalog.columns import columns

HEAD = "0006"
"""The Alembic revision of this metadata; a test checks it is the newest migration."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both backends (SQLite keeps it as naive UTC text, which sorts in time order)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("catalog timestamps must be timezone-aware")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()


def _table(name: str, spec: str, *constraints: Any) -> Table:
    return Table(name, metadata, *columns(spec, time=UTCDateTime()), *constraints)


datasets = _table("datasets", "name str*, created time")
versions = _table(
    "versions",
    "dataset str, version int, fingerprint str, source_path str, source_format str, size_bytes big, row_count big,"
    " data_path str, status str, created time,"
    " data_fingerprint str?",  # revision 0005: the sha256 of the file in the warehouse
    PrimaryKeyConstraint("dataset", "version"),
    UniqueConstraint("dataset", "fingerprint"),
)
runs = _table(
    "runs",
    "run_id str*, dataset str, version int, state str, started time, finished time?, verdict str?, gate_open bool?,"
    " reasons text?, rows_input big?, rows_clean big?, rows_quarantined big?, clean_path str?, quarantine_path str?,"
    " report_json str?, flow_run_id str?, error text?,"
    # the lease (revision 0002): which lock holding made the run, on which host, and its last heartbeat
    " lease str?, host str?, pid int?, heartbeat time?,"
    " contract_fingerprint str?",  # revision 0006: the sha256 of the contract the run ran
)
quarantine_decisions = _table(  # row_ids: a JSON list of row ids
    "quarantine_decisions",
    "decision_id str*, dataset str, version int, run_id str, action str, selector str, row_ids text, reviewer str,"
    " note text, revision int?, created time",
)
quarantine_states = _table(
    "quarantine_states", "run_id str, row_id big, state str, decision_id str", PrimaryKeyConstraint("run_id", "row_id")
)
revisions = _table(
    "revisions",
    "run_id str, revision int, parent int, decision_id str, clean_path str, rows_clean big, rows_released big,"
    " rows_rejected big, verdict str, gate_open bool, reasons text, created time",
    PrimaryKeyConstraint("run_id", "revision"),
)
baselines = _table("baselines", "dataset str*, version int, pinned time")
drift_results = _table(
    "drift_results",
    "run_id str, reference_version int, column_name str, kind str, metric str, statistic float?, p_value float?,"
    " threshold float?, drifted bool, severity str,"
    # revision 0003: the run's order (NULL: recorded before it) and the metric's detail as JSON (what moved most)
    " position int?, detail text?",
)
profiles = _table("profiles", "run_id str, dataset str, version int, column_name str, profile text")
slice_results = _table(
    "slice_results",
    "run_id str, name str, metric str, value float?, rows big, passed bool, severity str, result text,"
    " position int?",  # revision 0003
)
training_runs = _table(
    "training_runs",
    "training_id str*, dataset str, version int, revision int, fingerprint str, command text, started time,"
    " ended time?, exit_code int?, timed_out bool?,"
    " run_id str?",  # revision 0006: the run whose clean rows training read
)
clean_files = _table(
    "clean_files",
    "run_id str, revision int, clean_path str, fingerprint str, size_bytes big, recorded time",
    PrimaryKeyConstraint("run_id", "revision"),
)
deletion_vectors = _table(  # revision 0005: the rows each clean revision leaves out of its version
    "deletion_vectors",
    "run_id str, revision int, path str, fingerprint str, rows big, recorded time",
    PrimaryKeyConstraint("run_id", "revision"),
)
incidents = _table(
    "incidents",
    "incident_id str*, dataset str, version int, revision int, run_id str, kind str, path str, expected str,"
    " actual str, detected_by str, detected time",
)
check_results = _table(  # position: revision 0003; fingerprint (the check's definition): revision 0006
    "check_results",
    "run_id str, name str, column_name str?, code str, failed_rows big, severity str, position int?, fingerprint str?",
)
run_relations = _table(  # revision 0006: the other dataset's version (and revision) each relation was checked against
    "run_relations",
    "run_id str, position int, kind str, check_name str, dataset str?, version int?, revision int?,"
    " failed_rows big, fingerprint str",
)
history_anomalies = _table(  # revision 0003: the figures of a run that were far from their history
    "history_anomalies", "run_id str, position int, column_name str, figure str, reason text"
)
dataset_locks = _table(  # revision 0002: who holds each dataset's writer lock, with the lease's heartbeat
    "dataset_locks",  # backend_pid: on PostgreSQL, the server process holding the advisory lock
    "dataset str*, lease str, host str, pid int, command text, since time, expires time, backend_pid int?",
)
users = _table(  # revision 0004: who may use the web page and its API; a token is kept only as its SHA-256
    "users", "name str*, role str, token_hash str, created time, revoked time?", UniqueConstraint("token_hash")
)
ui_sessions = _table(  # revision 0004: browser sessions, by the SHA-256 of the cookie's session id
    "ui_sessions", "session_hash str*, user_name str, csrf str, created time, expires time"
)
