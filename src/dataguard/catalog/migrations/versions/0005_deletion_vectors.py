"""Versions kept as they arrived: the stored file's own fingerprint, and each clean revision's deletion vector.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from dataguard.catalog.columns import columns

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # versions: the sha256 of the file in the warehouse (NULL: stored before 0005, when each run wrote its clean file)
    with op.batch_alter_table("versions") as batch:
        batch.add_column(*columns("data_fingerprint str?"))
    vectors = "run_id str, revision int, path str, fingerprint str, rows big, recorded time"
    op.create_table(
        "deletion_vectors",
        *columns(vectors, time=sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("run_id", "revision"),
    )


def downgrade() -> None:
    op.drop_table("deletion_vectors")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("data_fingerprint")
