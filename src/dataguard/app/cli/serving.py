"""Running unattended: the command serve."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from dataguard.app.cli import ProjectOpt, fail, out, run
from dataguard.errors import BadInput
from dataguard.spec import defaults


def serve(
    project: ProjectOpt = None,
    cron: Annotated[
        str, typer.Option("--cron", help="When the nightly sweep runs (cron: minute hour day month weekday).")
    ] = defaults.NIGHTLY_CRON,
    timezone: Annotated[str | None, typer.Option("--timezone", help="Time zone of --cron (default UTC).")] = None,
    poll_seconds: Annotated[
        float, typer.Option("--poll-seconds", help="How often the landing folders are polled (0: no watch).")
    ] = defaults.LANDING_POLL_SECONDS,
    settle_seconds: Annotated[
        float, typer.Option("--settle-seconds", help="A file written in place is taken once unchanged this long.")
    ] = defaults.LANDING_SETTLE_SECONDS,
) -> None:
    """Validate files landing in data/landing/<dataset>/ (once each) and run a nightly sweep, until Ctrl-C.

    With PREFECT_API_URL set, serves the project's Prefect deployments to that server;
    otherwise times the same flows in this process on Prefect's embedded API.
    """
    if poll_seconds < 0 or settle_seconds < 0:
        fail(BadInput("--poll-seconds and --settle-seconds must be 0 or more"), False)
    from dataguard.app.serve import serve as serve_project

    run(
        False,
        lambda: serve_project(
            project,
            cron=cron,
            poll_seconds=poll_seconds,
            settle_seconds=settle_seconds,
            timezone=timezone,
            announce=lambda line: out.print(escape(line)),
        ),
    )


def ui(
    project: ProjectOpt = None,
    host: Annotated[str, typer.Option("--host", help="The address to listen on (loopback unless told).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 8765,
) -> None:
    """Serve the review web app and the JSON API (/api/v1/) for this project's catalog, until Ctrl-C.

    Sign in with a token from `dataguard users add`. Anywhere but loopback is refused while no user exists.
    """
    from dataguard.app.web.server import check_listening, serve
    from dataguard.project import find_project

    found = run(False, lambda: find_project(project))
    run(False, lambda: check_listening(found, host))
    out.print(
        f"dataguard ui: http://{escape(host)}:{port}/ (sign in with a token from dataguard users add; Ctrl-C stops)"
    )
    run(False, lambda: serve(found, host, port))
