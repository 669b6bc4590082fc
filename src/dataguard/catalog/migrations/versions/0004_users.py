"""Who may use the web page and its API: users with a role and a hashed token, and browser sessions.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from dataguard.catalog.columns import columns

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    users = "name str*, role str, token_hash str, created time, revoked time?"
    op.create_table("users", *columns(users, time=WHEN), sa.UniqueConstraint("token_hash"))
    sessions = "session_hash str*, user_name str, csrf str, created time, expires time"
    op.create_table("ui_sessions", *columns(sessions, time=WHEN))


def downgrade() -> None:
    op.drop_table("ui_sessions")
    op.drop_table("users")
