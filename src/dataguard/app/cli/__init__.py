"""The command line: parse, call ``dataguard.app.commands`` (or the library), print. No logic lives here.

This package holds the Typer app, the options shared by every group and the
helpers that turn errors into exit codes (``run``, ``fail``) and values into
``--json`` documents (``emit``). The commands live in one module per group and
are registered at the end of this file, in the order ``dataguard --help``
lists them. Only typer, rich, the standard library and engine-free dataguard
modules are imported here and at the top of the group modules: a command
imports the engines it needs, so ``dataguard gate`` starts in a fraction of a second.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from dataguard.app.documents import dumps
from dataguard.errors import DataguardError, Interrupted, could_not_run
from dataguard.spec import defaults

app = typer.Typer(
    name="dataguard",
    help="Validate dataset versions, quarantine bad rows, and gate training on the result.\n\n"
    "Exit codes: 0 PASS or WARN (gate open); 1 data rejected (FAIL, gate closed); 2 bad usage or bad input "
    "(nothing changed); 3 could not run (catalog busy, Prefect API unreachable, disk full, permission denied); "
    "130/143 stopped by Ctrl-C/SIGTERM.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

ProjectOpt = Annotated[
    Path | None,
    typer.Option("--project", help="Project folder (default: found upwards from here, or $DATAGUARD_PROJECT)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there.")]
VersionOpt = Annotated[
    int | None,
    typer.Option("--version", "-v", min=1, max=defaults.MAX_VERSION, help="Version number (default: the newest)."),
]
T = TypeVar("T")


def run(json_mode: bool, call: Callable[[], T]) -> T:
    """Call the library; turn its errors into a message and the documented exit code."""
    try:
        return call()
    except (DataguardError, Interrupted) as exc:
        fail(exc, json_mode)
    except KeyboardInterrupt:  # Ctrl-C outside a run (a run turns it into Interrupted): 130, as a shell reports it
        err.print("[bold red]stopped:[/] interrupted (Ctrl-C)")
        raise typer.Exit(130) from None
    except OSError as exc:
        if (infrastructure := could_not_run(exc)) is None:
            raise
        fail(infrastructure, json_mode)


def fail(exc: DataguardError | Interrupted, json_mode: bool) -> NoReturn:
    """Say what failed (on stdout too, as the JSON document, under --json) and exit with its code."""
    if json_mode:
        print(json.dumps({"error": {"type": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code}}))
    err.print(f"[bold red]error:[/] {escape(str(exc))}")
    raise typer.Exit(exc.exit_code)


def emit(document: Any) -> None:
    """Print the one JSON document of --json; a command's result values become objects with their fields in order."""
    print(dumps(document, indent=2))


def print_lines(json_out: bool, items: Sequence[T], line: Callable[[T], str], *, none: str | None = None) -> None:
    """Under --json the items as one document; else a line per item (``none`` when there is no item)."""
    if json_out:
        return emit(items)
    if not items and none is not None:
        out.print(none)
    for item in items:
        out.print(line(item))


BUG_EXIT_CODE = 3


def main() -> None:
    """The console script: an error nobody expected is a bug, said so under its traceback (exit 3)."""
    try:
        app(prog_name="dataguard")
    except Exception:
        traceback.print_exc()
        print(
            "dataguard: the error above is a bug in dataguard, not a problem with your data or setup; "
            "please report it with the traceback",
            file=sys.stderr,
        )
        sys.exit(BUG_EXIT_CODE)


# The groups import the app and helpers above, so they come last.
from dataguard.app.cli import admin, datasets, quarantine, records, serving, training, users, validation  # noqa: E402

for command in (
    datasets.init,
    datasets.ingest,
    validation.validate,
    validation.evaluate,
    datasets.gate,
    datasets.versions,
    records.report,
    datasets.infer,
    training.train,
    training.peek,
    records.incidents,
    records.runs,
    records.replay,
    records.history,
    serving.serve,
    serving.ui,
):
    app.command()(command)
app.add_typer(quarantine.quarantine_app, name="quarantine")
app.add_typer(admin.baseline_app, name="baseline")
app.add_typer(admin.catalog_app, name="catalog")
app.add_typer(users.users_app, name="users")
