"""The catalog as dataguard 0.1 kept it in DuckDB: datasets, versions, runs, results and reviews.

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from dataguard.catalog.columns import columns

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    ("datasets", "name str*, created time", ()),
    (
        "versions",
        "dataset str, version int, fingerprint str, source_path str, source_format str, size_bytes big,"
        " row_count big, data_path str, status str, created time",
        (sa.PrimaryKeyConstraint("dataset", "version"), sa.UniqueConstraint("dataset", "fingerprint")),
    ),
    (
        "runs",
        "run_id str*, dataset str, version int, state str, started time, finished time?, verdict str?,"
        " gate_open bool?, reasons text?, rows_input big?, rows_clean big?, rows_quarantined big?, clean_path str?,"
        " quarantine_path str?, report_json str?, flow_run_id str?, error text?",
        (),
    ),
    (
        "quarantine_decisions",
        "decision_id str*, dataset str, version int, run_id str, action str, selector str, row_ids text,"
        " reviewer str, note text, revision int?, created time",
        (),
    ),
    (
        "quarantine_states",
        "run_id str, row_id big, state str, decision_id str",
        (sa.PrimaryKeyConstraint("run_id", "row_id"),),
    ),
    (
        "revisions",
        "run_id str, revision int, parent int, decision_id str, clean_path str, rows_clean big, rows_released big,"
        " rows_rejected big, verdict str, gate_open bool, reasons text, created time",
        (sa.PrimaryKeyConstraint("run_id", "revision"),),
    ),
    ("baselines", "dataset str*, version int, pinned time", ()),
    (
        "drift_results",
        "run_id str, reference_version int, column_name str, kind str, metric str, statistic float?,"
        " p_value float?, threshold float?, drifted bool, severity str",
        (),
    ),
    ("profiles", "run_id str, dataset str, version int, column_name str, profile text", ()),
    (
        "slice_results",
        "run_id str, name str, metric str, value float?, rows big, passed bool, severity str, result text",
        (),
    ),
    (
        "training_runs",
        "training_id str*, dataset str, version int, revision int, fingerprint str, command text, started time,"
        " ended time?, exit_code int?, timed_out bool?",
        (),
    ),
    (
        "clean_files",
        "run_id str, revision int, clean_path str, fingerprint str, size_bytes big, recorded time",
        (sa.PrimaryKeyConstraint("run_id", "revision"),),
    ),
    (
        "incidents",
        "incident_id str*, dataset str, version int, revision int, run_id str, kind str, path str,"
        " expected str, actual str, detected_by str, detected time",
        (),
    ),
    ("check_results", "run_id str, name str, column_name str?, code str, failed_rows big, severity str", ()),
)
"""Every table of 0.1, as (name, columns, constraints); columns as ``dataguard.catalog.columns`` reads them."""


def upgrade() -> None:
    for name, spec, constraints in TABLES:
        op.create_table(name, *columns(spec, time=sa.DateTime(timezone=True)), *constraints)


def downgrade() -> None:
    for name, _, _ in reversed(TABLES):
        op.drop_table(name)
