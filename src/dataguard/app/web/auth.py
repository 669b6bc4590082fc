"""Who is asking, and what they may do.

An API call carries ``Authorization: Bearer TOKEN`` (a token made by ``dataguard users add``); a
browser logs in with the token once and then carries an HttpOnly, SameSite=Strict session cookie,
and each form it posts carries the session's CSRF token. No credential, or a revoked one: 401. A
role below the one a route needs: 403. Roles, weakest first: viewer (reads), reviewer (also
releases and rejects rows), admin (everything).
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

from dataguard.app.commands.users import authenticate, session
from dataguard.catalog.users import ROLES, User
from dataguard.project import Project

SESSION_COOKIE = "dataguard_session"
REVIEWER = "reviewer"
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def project_of(request: Request) -> Project:
    project: Project = request.app.state.project
    return project


def api_user(request: Request) -> User:
    """The user a bearer token names; 401 without one, or with an unknown or revoked one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401, "send Authorization: Bearer TOKEN (dataguard users add)", {"WWW-Authenticate": "Bearer"}
        )
    user = authenticate(project_of(request), token.strip())
    if user is None:
        raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
    return user


def page_user(request: Request) -> tuple[User, str] | None:
    """The signed-in browser's user and its CSRF token, or None."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return None if not cookie else session(project_of(request), cookie)


def require_role(user: User, role: str) -> User:
    """``user`` when its role is at least ``role``; 403 otherwise."""
    if ROLES.index(user.role) < ROLES.index(role):
        raise HTTPException(403, f"{user.name} is a {user.role}; this needs a {role} (dataguard users add --role)")
    return user


def api_reviewer(request: Request) -> User:
    return require_role(api_user(request), REVIEWER)


def check_csrf(expected: str, given: str | None) -> None:
    """A form's CSRF token must be its session's; 403 otherwise (a page of another site cannot know it)."""
    if not given or not hmac.compare_digest(expected, given):
        raise HTTPException(403, "the form's CSRF token does not match this session; reload the page")
