"""Checks across datasets: the other versions a run checked against, and the contract it ran.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from dataguard.catalog.columns import columns

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RELATIONS = (
    "run_id str, position int, kind str, check_name str, dataset str?, version int?, revision int?,"
    " failed_rows big, fingerprint str"
)


def upgrade() -> None:
    # runs: the sha256 of the contract module's source and its resolved settings (NULL: run before 0006)
    with op.batch_alter_table("runs") as batch:
        batch.add_column(*columns("contract_fingerprint str?"))
    with op.batch_alter_table("check_results") as batch:  # each check's own fingerprint
        batch.add_column(*columns("fingerprint str?"))
    with op.batch_alter_table("training_runs") as batch:  # the run whose clean rows training read
        batch.add_column(*columns("run_id str?"))
    op.create_table("run_relations", *columns(RELATIONS, time=sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_table("run_relations")
    for table, column in (
        ("training_runs", "run_id"),
        ("check_results", "fingerprint"),
        ("runs", "contract_fingerprint"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
