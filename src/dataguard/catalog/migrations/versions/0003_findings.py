"""What a review decides again from: result rows keep the run's order, drift rows their detail, and a
run's history anomalies are recorded (until now they were only in its report.json).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from dataguard.catalog.columns import columns

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ORDERED = ("check_results", "slice_results", "drift_results")


def upgrade() -> None:
    for name in ORDERED:
        with op.batch_alter_table(name) as table:
            table.add_column(*columns("position int?"))
    with op.batch_alter_table("drift_results") as drift:
        drift.add_column(*columns("detail text?"))
    op.create_table("history_anomalies", *columns("run_id str, position int, column_name str, figure str, reason text"))


def downgrade() -> None:
    op.drop_table("history_anomalies")
    with op.batch_alter_table("drift_results") as drift:
        drift.drop_column("detail")
    for name in ORDERED:
        with op.batch_alter_table(name) as table:
            table.drop_column("position")
