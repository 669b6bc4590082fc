"""The project's catalog: datasets, versions, runs, results, reviews; every table and query of it lives here.

SQLAlchemy Core over two backends (``db``): an embedded SQLite file in the
warehouse, or PostgreSQL for a team. The schema is ``schema``, its history
``migrations`` (Alembic). Writers of one dataset are serialized by ``locks``.
Heavy queries never run here: they use their own DuckDB connection over Parquet files.
"""

from sqlalchemy.engine import Connection  # the type of a catalog transaction, for callers that pass one on

from dataguard.catalog.address import CatalogDB, catalog_url, wait_seconds
from dataguard.catalog.db import reading, session, writing
from dataguard.catalog.decisions import (
    DecisionRecord,
    RevisionRecord,
    audit_log,
    record_decision,
    row_states,
)
from dataguard.catalog.records import (
    CleanFile,
    Incident,
    clear_baseline,
    finish_training,
    list_incidents,
    list_training_runs,
    pin_baseline,
    pinned_baseline,
    record_clean_file,
    record_incident,
    recorded_clean_file,
    start_training,
)
from dataguard.catalog.results import (
    DATASET_COLUMN,
    AnomalyRow,
    CheckResult,
    DriftRow,
    FinishedRun,
    ProfileRow,
    RunResults,
    SliceRow,
    finish_run,
    run_results,
)
from dataguard.catalog.runs import (
    RunRecord,
    abandon_run,
    discard_run,
    fail_run,
    latest_finished_run,
    latest_runs,
    past_profiles,
    run_profiles,
    start_run,
    version_history,
)
from dataguard.catalog.versions import (
    VersionRecord,
    find_version,
    fingerprint_known,
    forget_version,
    insert_version,
    list_datasets,
    list_versions,
    next_version_number,
)

__all__ = [
    "DATASET_COLUMN",
    "AnomalyRow",
    "CatalogDB",
    "CheckResult",
    "CleanFile",
    "Connection",
    "DecisionRecord",
    "DriftRow",
    "FinishedRun",
    "Incident",
    "ProfileRow",
    "RevisionRecord",
    "RunRecord",
    "RunResults",
    "SliceRow",
    "VersionRecord",
    "abandon_run",
    "audit_log",
    "catalog_url",
    "clear_baseline",
    "discard_run",
    "fail_run",
    "find_version",
    "fingerprint_known",
    "finish_run",
    "finish_training",
    "forget_version",
    "insert_version",
    "latest_finished_run",
    "latest_runs",
    "list_datasets",
    "list_incidents",
    "list_training_runs",
    "list_versions",
    "next_version_number",
    "past_profiles",
    "pin_baseline",
    "pinned_baseline",
    "reading",
    "record_clean_file",
    "record_decision",
    "record_incident",
    "recorded_clean_file",
    "row_states",
    "run_profiles",
    "run_results",
    "session",
    "start_run",
    "start_training",
    "version_history",
    "wait_seconds",
    "writing",
]
