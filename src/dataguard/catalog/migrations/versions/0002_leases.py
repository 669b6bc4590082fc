"""Leases instead of PIDs: each dataset's writer lock with its holder and heartbeat; runs carry their lease.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from dataguard.catalog.columns import columns

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    lock = "dataset str*, lease str, host str, pid int, command text, since time, expires time, backend_pid int?"
    op.create_table("dataset_locks", *columns(lock, time=WHEN))
    with op.batch_alter_table("runs") as runs:
        for column in columns("lease str?, host str?, pid int?, heartbeat time?", time=WHEN):
            runs.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        for name in ("heartbeat", "pid", "host", "lease"):
            runs.drop_column(name)
    op.drop_table("dataset_locks")
