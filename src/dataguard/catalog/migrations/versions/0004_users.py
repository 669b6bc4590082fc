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


def upgrade() -> None:
    # a token and a session id are stored as their SHA-256 only
    users = "name str*, role str, token_hash str, created time, revoked time?"
    sessions = "session_hash str*, user_name str, csrf str, created time, expires time"
    op.create_table("users", *columns(users, time=sa.DateTime(timezone=True)), sa.UniqueConstraint("token_hash"))
    op.create_table("ui_sessions", *columns(sessions, time=sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_table("ui_sessions")
    op.drop_table("users")
