"""The reviewer's pages: server-rendered HTML that works without JavaScript (the app serves none).

Sign in with a token (``/login``); then the datasets, a dataset's versions, a version's report
(the published report.html), its peek, the quarantine browser (filter by check code, column and
state, paged in ``_row_id`` order; select rows or a whole code; release or reject with a note) and
the audit log. Every page is sent with a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from dataguard.app.commands import datasets as dataset_commands
from dataguard.app.commands import review
from dataguard.app.commands.users import authenticate, close_session, open_session
from dataguard.app.web.auth import REVIEWER, SESSION_COOKIE, check_csrf, page_user, project_of, require_role
from dataguard.catalog.users import ROLES, User
from dataguard.gate.validated import judge
from dataguard.review.quarantine import RowFilter

if TYPE_CHECKING:
    import jinja2

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 50
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@cache
def _templates() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("dataguard", "templates/ui"), autoescape=True, undefined=jinja2.StrictUndefined
    )


def _page(name: str, signed_in: tuple[User, str] | None, **values: Any) -> HTMLResponse:
    user, csrf = signed_in if signed_in else (None, "")
    return HTMLResponse(_templates().get_template(name).render(user=user, csrf=csrf, **values))


def _signed_in(request: Request) -> tuple[User, str]:
    found = page_user(request)
    if found is None:
        raise HTTPException(303, headers={"Location": "/login"})
    return found


def error_page(request: Request, status: int, message: str, hint: str | None) -> HTMLResponse:
    page = _page("error.html.j2", page_user(request), status=status, message=message, hint=hint)
    page.status_code = status
    return page


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _page("login.html.j2", None, error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    token = _one(await form_of(request), "token")
    project = project_of(request)
    user = authenticate(project, token.strip())
    if user is None:
        return _page("login.html.j2", None, error="unknown or revoked token")
    session_id, _ = open_session(project, user)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict", path="/")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    _, expected = _signed_in(request)
    check_csrf(expected, _one(await form_of(request), "csrf"))
    close_session(project_of(request), request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def form_of(request: Request) -> dict[str, list[str]]:
    """A posted form (application/x-www-form-urlencoded), each field with all its values."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise HTTPException(415, "post the form as application/x-www-form-urlencoded")
    return parse_qs((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)


def _one(form: dict[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[-1]


@router.get("/")
def home(request: Request) -> HTMLResponse:
    signed_in = _signed_in(request)
    project = project_of(request)
    return _page("datasets.html.j2", signed_in, gates=[judge(project, name) for name in project.datasets()])


@router.get("/datasets/{dataset}")
def dataset_page(request: Request, dataset: str) -> HTMLResponse:
    signed_in = _signed_in(request)
    project = project_of(request)
    rows = dataset_commands.version_rows(project, dataset)
    return _page("versions.html.j2", signed_in, dataset=dataset, versions=rows, gate=judge(project, dataset))


@router.get("/datasets/{dataset}/versions/{version}/report")
def report_page(request: Request, dataset: str, version: int) -> HTMLResponse:
    """The version's published report.html, as the run wrote it, with links to the rest of the app."""
    _signed_in(request)
    paths = dataset_commands.report_paths(project_of(request), dataset, version)
    with open(paths.report_html, encoding="utf-8") as page:
        html = page.read()
    nav = _templates().get_template("report_nav.html.j2").render(dataset=dataset, version=version)
    head, tag, rest = html.partition("<body>")  # the links to the rest of the app, first in the page
    return HTMLResponse(head + tag + nav + rest if tag else html)


@router.get("/datasets/{dataset}/versions/{version}/peek")
def peek_page(request: Request, dataset: str, version: int) -> HTMLResponse:
    """What training receives from the version: its peek page, made now from the verified clean file."""
    import tempfile
    from pathlib import Path

    from dataguard.app.commands.peek import write_peek
    from dataguard.spec import defaults

    _signed_in(request)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "peek.html"
        root = project_of(request).root
        write_peek(root, dataset, version, defaults.PEEK_SAMPLE_ROWS, defaults.PEEK_SEED, out)
        return HTMLResponse(out.read_text(encoding="utf-8"))


@router.get("/datasets/{dataset}/versions/{version}/quarantine")
def quarantine_page(
    request: Request, dataset: str, version: int, wanted: Annotated[RowFilter, Depends()], offset: int = 0
) -> HTMLResponse:
    signed_in = _signed_in(request)
    filters = RowFilter(wanted.code or None, wanted.column or None, wanted.state or None)  # an empty field: any
    found = review.quarantine_page(project_of(request), dataset, version, filters, PAGE_ROWS, max(0, offset))
    may_decide = ROLES.index(signed_in[0].role) >= ROLES.index(REVIEWER)
    values = {"dataset": dataset, "version": version, "filters": filters, "offset": max(0, offset)}
    return _page("quarantine.html.j2", signed_in, page=found, page_rows=PAGE_ROWS, may_decide=may_decide, **values)


@router.post("/datasets/{dataset}/versions/{version}/quarantine/decide")
async def decide_page(request: Request, dataset: str, version: int) -> HTMLResponse:
    """Release or reject the selected rows (or every row with ``whole_code``), as the CLI does, as the user."""
    user, expected = signed_in = _signed_in(request)
    form = await form_of(request)
    check_csrf(expected, _one(form, "csrf"))
    require_role(user, REVIEWER)
    action, whole_code = _one(form, "action"), _one(form, "whole_code") or None
    if action not in ("release", "reject"):
        raise HTTPException(422, "action is release or reject")
    chosen = None if whole_code else ",".join(form.get("rows", []))
    made = review.decide(
        project_of(request),
        dataset,
        version,
        action,
        rows=chosen,
        code=whole_code,
        note=_one(form, "note"),
        reviewer=user.name,
    )
    return _page("decided.html.j2", signed_in, dataset=dataset, version=version, decision=made, action=action)


@router.get("/datasets/{dataset}/log")
def log_page(request: Request, dataset: str) -> HTMLResponse:
    signed_in = _signed_in(request)
    return _page("log.html.j2", signed_in, dataset=dataset, log=review.decision_log(project_of(request), dataset))
