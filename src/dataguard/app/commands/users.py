"""Who may use the web page and its API: the commands users add, list and revoke, and signing in.

A token is shown once, when its user is added; the catalog keeps its SHA-256 only. A browser signs in
with the token and gets a session id (its cookie) and a CSRF token for its forms; the catalog keeps the
session id's SHA-256 only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dataguard import catalog
from dataguard.catalog import ROLES, User, UserRecord
from dataguard.errors import BadInput, did_you_mean
from dataguard.project import Project

NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class NewUser:
    name: str
    role: str
    token: str  # shown once: only its hash is stored


def hash_token(token: str) -> str:
    """The SHA-256 (hex) a token or a session id is stored and looked up as."""
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(project: Project, name: str, role: str) -> NewUser:
    """Add a user with ``role`` and a new random token (a revoked user's name may be taken again)."""
    _check_name(name)
    _check_role(role)
    token = secrets.token_urlsafe(32)
    with catalog.writing(project.catalog) as con:
        catalog.add_user(con, name, role, hash_token(token))
    return NewUser(name, role, token)


def _check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise BadInput(
            f"user name {name!r} is not valid",
            hint="a name is 1 to 64 letters, digits, '_', '-' or '.' (for example ana.lima)",
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        otherwise = "a viewer reads; a reviewer also releases and rejects rows; an admin may do everything"
        raise BadInput(
            f"role {role!r} is not one of {', '.join(ROLES)}", hint=did_you_mean(role, ROLES, otherwise=otherwise)
        )


def list_users(project: Project) -> list[UserRecord]:
    """Every user, live or revoked, by name (never a token)."""
    return catalog.list_users(project.catalog)


def revoke_user(project: Project, name: str) -> bool:
    """Revoke the user's token and end its sessions; False when it was revoked already."""
    with catalog.writing(project.catalog) as con:
        if catalog.revoke_user(con, name):
            return True
    known = [user.name for user in catalog.list_users(project.catalog)]
    if name in known:
        return False
    raise BadInput(f"no user {name!r}", hint=did_you_mean(name, known, otherwise="dataguard users list shows them"))


def authenticate(project: Project, token: str) -> User | None:
    """The live user holding ``token``; None for an empty, unknown or revoked token."""
    return catalog.user_by_token(project.catalog, hash_token(token)) if token else None


def open_session(project: Project, user: User, lifetime_seconds: int = SESSION_SECONDS) -> tuple[str, str]:
    """A new browser session of ``user``: its session id (the cookie) and its CSRF token."""
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(seconds=lifetime_seconds)
    with catalog.writing(project.catalog) as con:
        catalog.start_session(con, hash_token(session_id), user.name, csrf, expires)
    return session_id, csrf


def session(project: Project, session_id: str) -> tuple[User, str] | None:
    """The session's user and CSRF token; None when unknown, expired, or its user was revoked."""
    if not session_id:
        return None
    return catalog.session_user(project.catalog, hash_token(session_id), datetime.now(UTC))


def close_session(project: Project, session_id: str) -> None:
    """Sign out: the session id is forgotten."""
    with catalog.writing(project.catalog) as con:
        catalog.end_session(con, hash_token(session_id))
