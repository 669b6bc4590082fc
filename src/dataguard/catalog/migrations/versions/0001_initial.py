"""The catalog as dataguard 0.1 kept it in DuckDB: datasets, versions, runs, results and reviews.

Revision ID: 0001
Revises:
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TEXT = sa.String
WHEN = sa.DateTime(timezone=True)


def _required(name: str, kind: sa.types.TypeEngine[Any] | type = TEXT) -> sa.Column[Any]:
    return sa.Column(name, kind, nullable=False)


def upgrade() -> None:
    op.create_table("datasets", sa.Column("name", TEXT, primary_key=True), _required("created", WHEN))
    op.create_table(
        "versions",
        *map(_required, ("dataset",)),
        _required("version", sa.Integer),
        *map(_required, ("fingerprint", "source_path", "source_format")),
        _required("size_bytes", sa.BigInteger),
        _required("row_count", sa.BigInteger),
        *map(_required, ("data_path", "status")),
        _required("created", WHEN),
        sa.PrimaryKeyConstraint("dataset", "version"),
        sa.UniqueConstraint("dataset", "fingerprint"),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", TEXT, primary_key=True),
        _required("dataset"),
        _required("version", sa.Integer),
        _required("state"),
        _required("started", WHEN),
        sa.Column("finished", WHEN),
        sa.Column("verdict", TEXT),
        sa.Column("gate_open", sa.Boolean),
        sa.Column("reasons", sa.Text),
        sa.Column("rows_input", sa.BigInteger),
        sa.Column("rows_clean", sa.BigInteger),
        sa.Column("rows_quarantined", sa.BigInteger),
        *(sa.Column(name, TEXT) for name in ("clean_path", "quarantine_path", "report_json", "flow_run_id")),
        sa.Column("error", sa.Text),
    )
    op.create_table(
        "quarantine_decisions",
        sa.Column("decision_id", TEXT, primary_key=True),
        _required("dataset"),
        _required("version", sa.Integer),
        *map(_required, ("run_id", "action", "selector")),
        _required("row_ids", sa.Text),
        _required("reviewer"),
        _required("note", sa.Text),
        sa.Column("revision", sa.Integer),
        _required("created", WHEN),
    )
    op.create_table(
        "quarantine_states",
        _required("run_id"),
        _required("row_id", sa.BigInteger),
        *map(_required, ("state", "decision_id")),
        sa.PrimaryKeyConstraint("run_id", "row_id"),
    )
    op.create_table(
        "revisions",
        _required("run_id"),
        _required("revision", sa.Integer),
        _required("parent", sa.Integer),
        *map(_required, ("decision_id", "clean_path")),
        *(_required(name, sa.BigInteger) for name in ("rows_clean", "rows_released", "rows_rejected")),
        _required("verdict"),
        _required("gate_open", sa.Boolean),
        _required("reasons", sa.Text),
        _required("created", WHEN),
        sa.PrimaryKeyConstraint("run_id", "revision"),
    )
    op.create_table(
        "baselines",
        sa.Column("dataset", TEXT, primary_key=True),
        _required("version", sa.Integer),
        _required("pinned", WHEN),
    )
    op.create_table(
        "drift_results",
        _required("run_id"),
        _required("reference_version", sa.Integer),
        *map(_required, ("column_name", "kind", "metric")),
        *(sa.Column(name, sa.Double) for name in ("statistic", "p_value", "threshold")),
        _required("drifted", sa.Boolean),
        _required("severity"),
    )
    op.create_table(
        "profiles",
        _required("run_id"),
        _required("dataset"),
        _required("version", sa.Integer),
        _required("column_name"),
        _required("profile", sa.Text),
    )
    op.create_table(
        "slice_results",
        *map(_required, ("run_id", "name", "metric")),
        sa.Column("value", sa.Double),
        _required("rows", sa.BigInteger),
        _required("passed", sa.Boolean),
        _required("severity"),
        _required("result", sa.Text),
    )
    op.create_table(
        "training_runs",
        sa.Column("training_id", TEXT, primary_key=True),
        _required("dataset"),
        _required("version", sa.Integer),
        _required("revision", sa.Integer),
        _required("fingerprint"),
        _required("command", sa.Text),
        _required("started", WHEN),
        sa.Column("ended", WHEN),
        sa.Column("exit_code", sa.Integer),
        sa.Column("timed_out", sa.Boolean),
    )
    op.create_table(
        "clean_files",
        _required("run_id"),
        _required("revision", sa.Integer),
        *map(_required, ("clean_path", "fingerprint")),
        _required("size_bytes", sa.BigInteger),
        _required("recorded", WHEN),
        sa.PrimaryKeyConstraint("run_id", "revision"),
    )
    op.create_table(
        "incidents",
        sa.Column("incident_id", TEXT, primary_key=True),
        _required("dataset"),
        _required("version", sa.Integer),
        _required("revision", sa.Integer),
        *map(_required, ("run_id", "kind", "path", "expected", "actual", "detected_by")),
        _required("detected", WHEN),
    )
    op.create_table(
        "check_results",
        _required("run_id"),
        _required("name"),
        sa.Column("column_name", TEXT),
        _required("code"),
        _required("failed_rows", sa.BigInteger),
        _required("severity"),
    )


def downgrade() -> None:
    for table in (
        "check_results",
        "incidents",
        "clean_files",
        "training_runs",
        "slice_results",
        "profiles",
        "drift_results",
        "baselines",
        "revisions",
        "quarantine_states",
        "quarantine_decisions",
        "runs",
        "versions",
        "datasets",
    ):
        op.drop_table(table)
