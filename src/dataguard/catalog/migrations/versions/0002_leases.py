"""Leases instead of PIDs: each dataset's writer lock with its holder and heartbeat; runs carry their lease.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dataset_locks",
        sa.Column("dataset", sa.String, primary_key=True),
        sa.Column("lease", sa.String, nullable=False),
        sa.Column("host", sa.String, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("since", WHEN, nullable=False),
        sa.Column("expires", WHEN, nullable=False),
        sa.Column("backend_pid", sa.Integer),
    )
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("lease", sa.String))
        runs.add_column(sa.Column("host", sa.String))
        runs.add_column(sa.Column("pid", sa.Integer))
        runs.add_column(sa.Column("heartbeat", WHEN))


def downgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        for name in ("heartbeat", "pid", "host", "lease"):
            runs.drop_column(name)
    op.drop_table("dataset_locks")
