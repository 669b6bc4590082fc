"""The app ``dataguard ui`` serves, and serving it.

Errors become HTTP statuses the way they become exit codes on the command line: an unknown
dataset or version is 404, other bad input 422, a machine that could not run the command 503
(each with the message, never a traceback). The app listens on 127.0.0.1 unless told otherwise,
and refuses any other address while the catalog has no user (anyone could read it).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from dataguard import catalog
from dataguard.app.web import api, pages
from dataguard.errors import BadInput, CouldNotRun, DataguardError, NotFound, UnknownDataset
from dataguard.project import Project

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def create_app(project: Project) -> FastAPI:
    app = FastAPI(
        title="dataguard",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.project = project
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_exception_handler(DataguardError, _error_response)
    app.middleware("http")(pages.security_headers)
    return app


def status_of(error: DataguardError) -> int:
    if isinstance(error, UnknownDataset | NotFound):
        return 404
    if isinstance(error, BadInput):
        return 422
    return 503 if isinstance(error, CouldNotRun) else 500


async def _error_response(request: Request, error: Any) -> Response:
    """The error's message (and hint): JSON for the API, a page for a browser."""
    assert isinstance(error, DataguardError)
    status, hint = status_of(error), getattr(error, "hint", None)
    if request.url.path.startswith(api.router.prefix):
        return JSONResponse({"detail": str(error), "hint": hint}, status_code=status)
    return pages.error_page(request, status, str(error), hint)


def check_listening(project: Project, host: str) -> None:
    """Anywhere but loopback needs accounts: refuse while the catalog has no user."""
    if _loopback(host) or catalog.any_user(project.catalog):
        return
    raise BadInput(
        f"refusing to listen on {host} while no user exists: anyone who can reach it could read the catalog",
        hint="dataguard users add NAME --role reviewer, then run dataguard ui again",
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(project: Project, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve the app until Ctrl-C."""
    import uvicorn

    check_listening(project, host)
    uvicorn.run(create_app(project), host=host, port=port, log_level="warning")
