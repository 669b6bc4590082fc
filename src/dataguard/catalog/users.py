"""Who may use the web page and its API: users with a role and a token, and their browser sessions.

A token and a session id are never stored: only their SHA-256 (the caller hashes them), so a copy of
the catalog lets nobody sign in. Revoking a user keeps its row (``list_users`` shows when) and ends
its sessions at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from dataguard.catalog.address import CatalogDB
from dataguard.catalog.db import reading, utcnow
from dataguard.catalog.schema import ui_sessions, users
from dataguard.errors import BadInput

ROLES = ("viewer", "reviewer", "admin")
"""Each role may do what the ones before it may: read; release and reject; manage users."""


@dataclass(frozen=True)
class User:
    """Who is signed in: the name the audit log records, and the role that says what they may do."""

    name: str
    role: str


@dataclass(frozen=True)
class UserRecord:
    """A user as ``dataguard users list`` shows one: never its token or the token's hash."""

    name: str
    role: str
    created: datetime
    revoked: datetime | None  # None: the user may sign in


def add_user(con: Connection, name: str, role: str, token_hash: str) -> None:
    """A new user; a revoked user's name is taken over. ``BadInput`` when a live user has the name."""
    fresh = {"role": role, "token_hash": token_hash, "created": utcnow(), "revoked": None}
    u = users.c
    if con.execute(users.update().where(u.name == name, u.revoked.is_not(None)).values(fresh)).rowcount:
        return
    try:
        con.execute(users.insert().values(name=name, **fresh))
    except exc.IntegrityError as taken:
        raise BadInput(
            f"user {name!r} exists", hint=f"choose another name, or revoke it first: dataguard users revoke {name}"
        ) from taken


def list_users(db: CatalogDB) -> list[UserRecord]:
    """Every user, live or revoked, by name."""
    u = users.c
    query = sa.select(u.name, u.role, u.created, u.revoked).order_by(u.name)
    with reading(db) as con:
        rows = [] if con is None else con.execute(query).all()
    return [UserRecord(*row) for row in rows]


def revoke_user(con: Connection, name: str) -> bool:
    """Revoke a live user and end its sessions; False when no live user has the name."""
    u = users.c
    revoked = con.execute(users.update().where(u.name == name, u.revoked.is_(None)).values(revoked=utcnow()))
    con.execute(ui_sessions.delete().where(ui_sessions.c.user_name == name))
    return bool(revoked.rowcount)


def user_by_token(db: CatalogDB, token_hash: str) -> User | None:
    """The live user whose token hashes to ``token_hash``; None when unknown or revoked."""
    u = users.c
    query = sa.select(u.name, u.role).where(u.token_hash == token_hash, u.revoked.is_(None))
    with reading(db) as con:
        row = None if con is None else con.execute(query).first()
    return None if row is None else User(*row)


def any_user(db: CatalogDB) -> bool:
    """Whether a live user exists (the web page listens beyond this machine only then)."""
    query = sa.select(sa.exists().where(users.c.revoked.is_(None)))
    with reading(db) as con:
        return con is not None and bool(con.execute(query).scalar())


def start_session(con: Connection, session_hash: str, user_name: str, csrf: str, expires: datetime) -> None:
    """A browser session of ``user_name`` until ``expires``; sessions already expired are swept away."""
    now = utcnow()
    con.execute(ui_sessions.delete().where(ui_sessions.c.expires <= now))
    session = {"session_hash": session_hash, "user_name": user_name, "csrf": csrf, "expires": expires}
    con.execute(ui_sessions.insert().values(created=now, **session))


def session_user(db: CatalogDB, session_hash: str, now: datetime) -> tuple[User, str] | None:
    """The session's user and CSRF token; None when unknown, expired at ``now``, or its user was revoked."""
    s, u = ui_sessions.c, users.c
    query = (
        sa.select(u.name, u.role, s.csrf)
        .join_from(ui_sessions, users, s.user_name == u.name)
        .where(s.session_hash == session_hash, s.expires > now, u.revoked.is_(None))
    )
    with reading(db) as con:
        row = None if con is None else con.execute(query).first()
    return None if row is None else (User(row.name, row.role), str(row.csrf))


def end_session(con: Connection, session_hash: str) -> None:
    con.execute(ui_sessions.delete().where(ui_sessions.c.session_hash == session_hash))
