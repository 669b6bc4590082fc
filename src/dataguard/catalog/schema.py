"""Every table of the catalog, as SQLAlchemy Core metadata: the one description both backends share.

The schema's history is in ``migrations/`` (Alembic); ``HEAD`` names the
revision this metadata is. A new catalog is created from this metadata and
stamped ``HEAD``; an older one is brought here by ``dataguard catalog upgrade``.
Timestamps are stored in UTC and read back as aware UTC datetimes on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Double,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

HEAD = "0002"
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


def _text(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(name, String, nullable=nullable)


datasets = Table(
    "datasets",
    metadata,
    Column("name", String, primary_key=True),
    Column("created", UTCDateTime, nullable=False),
)

versions = Table(
    "versions",
    metadata,
    _text("dataset"),
    Column("version", Integer, nullable=False),
    _text("fingerprint"),
    _text("source_path"),
    _text("source_format"),
    Column("size_bytes", BigInteger, nullable=False),
    Column("row_count", BigInteger, nullable=False),
    _text("data_path"),
    _text("status"),
    Column("created", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("dataset", "version"),
    UniqueConstraint("dataset", "fingerprint"),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String, primary_key=True),
    _text("dataset"),
    Column("version", Integer, nullable=False),
    _text("state"),
    Column("started", UTCDateTime, nullable=False),
    Column("finished", UTCDateTime),
    _text("verdict", nullable=True),
    Column("gate_open", Boolean),
    Column("reasons", Text),
    Column("rows_input", BigInteger),
    Column("rows_clean", BigInteger),
    Column("rows_quarantined", BigInteger),
    _text("clean_path", nullable=True),
    _text("quarantine_path", nullable=True),
    _text("report_json", nullable=True),
    _text("flow_run_id", nullable=True),
    Column("error", Text),
    # the lease (revision 0002): which lock holding made the run, on which host, and its last heartbeat
    _text("lease", nullable=True),
    _text("host", nullable=True),
    Column("pid", Integer),
    Column("heartbeat", UTCDateTime),
)

quarantine_decisions = Table(
    "quarantine_decisions",
    metadata,
    Column("decision_id", String, primary_key=True),
    _text("dataset"),
    Column("version", Integer, nullable=False),
    _text("run_id"),
    _text("action"),
    _text("selector"),
    Column("row_ids", Text, nullable=False),  # a JSON list of row ids
    _text("reviewer"),
    Column("note", Text, nullable=False),
    Column("revision", Integer),
    Column("created", UTCDateTime, nullable=False),
)

quarantine_states = Table(
    "quarantine_states",
    metadata,
    _text("run_id"),
    Column("row_id", BigInteger, nullable=False),
    _text("state"),
    _text("decision_id"),
    PrimaryKeyConstraint("run_id", "row_id"),
)

revisions = Table(
    "revisions",
    metadata,
    _text("run_id"),
    Column("revision", Integer, nullable=False),
    Column("parent", Integer, nullable=False),
    _text("decision_id"),
    _text("clean_path"),
    Column("rows_clean", BigInteger, nullable=False),
    Column("rows_released", BigInteger, nullable=False),
    Column("rows_rejected", BigInteger, nullable=False),
    _text("verdict"),
    Column("gate_open", Boolean, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("run_id", "revision"),
)

baselines = Table(
    "baselines",
    metadata,
    Column("dataset", String, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("pinned", UTCDateTime, nullable=False),
)

drift_results = Table(
    "drift_results",
    metadata,
    _text("run_id"),
    Column("reference_version", Integer, nullable=False),
    _text("column_name"),
    _text("kind"),
    _text("metric"),
    Column("statistic", Double),
    Column("p_value", Double),
    Column("threshold", Double),
    Column("drifted", Boolean, nullable=False),
    _text("severity"),
)

profiles = Table(
    "profiles",
    metadata,
    _text("run_id"),
    _text("dataset"),
    Column("version", Integer, nullable=False),
    _text("column_name"),
    Column("profile", Text, nullable=False),
)

slice_results = Table(
    "slice_results",
    metadata,
    _text("run_id"),
    _text("name"),
    _text("metric"),
    Column("value", Double),
    Column("rows", BigInteger, nullable=False),
    Column("passed", Boolean, nullable=False),
    _text("severity"),
    Column("result", Text, nullable=False),
)

training_runs = Table(
    "training_runs",
    metadata,
    Column("training_id", String, primary_key=True),
    _text("dataset"),
    Column("version", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    _text("fingerprint"),
    Column("command", Text, nullable=False),
    Column("started", UTCDateTime, nullable=False),
    Column("ended", UTCDateTime),
    Column("exit_code", Integer),
    Column("timed_out", Boolean),
)

clean_files = Table(
    "clean_files",
    metadata,
    _text("run_id"),
    Column("revision", Integer, nullable=False),
    _text("clean_path"),
    _text("fingerprint"),
    Column("size_bytes", BigInteger, nullable=False),
    Column("recorded", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("run_id", "revision"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("incident_id", String, primary_key=True),
    _text("dataset"),
    Column("version", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    _text("run_id"),
    _text("kind"),
    _text("path"),
    _text("expected"),
    _text("actual"),
    _text("detected_by"),
    Column("detected", UTCDateTime, nullable=False),
)

check_results = Table(
    "check_results",
    metadata,
    _text("run_id"),
    _text("name"),
    _text("column_name", nullable=True),
    _text("code"),
    Column("failed_rows", BigInteger, nullable=False),
    _text("severity"),
)

dataset_locks = Table(  # revision 0002: who holds each dataset's writer lock, with the lease's heartbeat
    "dataset_locks",
    metadata,
    Column("dataset", String, primary_key=True),
    _text("lease"),
    _text("host"),
    Column("pid", Integer, nullable=False),
    Column("command", Text, nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("expires", UTCDateTime, nullable=False),
    Column("backend_pid", Integer),  # PostgreSQL: the server process holding the advisory lock
)
