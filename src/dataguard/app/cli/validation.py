"""Validating versions: the commands validate and evaluate, and how a verdict is printed."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from dataguard.app.cli import JsonOpt, ProjectOpt, VersionOpt, emit, err, fail, out, run
from dataguard.common import progress
from dataguard.errors import BadInput
from dataguard.project import find_project
from dataguard.spec import defaults
from dataguard.spec.execution import from_command_line
from dataguard.spec.outcome import Outcome

if TYPE_CHECKING:
    from dataguard.app.commands.validate import FileOutcome

QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display on stderr.")]
PrefectOpt = Annotated[
    bool,
    typer.Option(
        "--prefect",
        help="Run as the Prefect flow dataguard-validate (the default when PREFECT_API_URL is set; "
        "without it, on Prefect's embedded API, which takes seconds to start).",
    ),
]


def validate(
    dataset: str,
    files: Annotated[list[Path] | None, typer.Argument(help="Source files, validated in order.")] = None,
    version: VersionOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on WARN too.")] = False,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write checks, drift and slices as JUnit XML to this file.")
    ] = None,
    predictions: Annotated[
        Path | None, typer.Option("--predictions", help="Model predictions for the model slice tests.")
    ] = None,
    partition_rows: Annotated[
        int | None,
        typer.Option(
            "--partition-rows",
            help="Rows per row-check partition (0: one partition; default 10,000,000).",
        ),
    ] = None,
    task_runner: Annotated[
        str | None,
        typer.Option("--task-runner", help="Where the partitions run: thread (this process, default) or dask."),
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option("--dask-address", help="Dask scheduler for --task-runner dask, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    prefect: PrefectOpt = False,
    quiet: QuietOpt = False,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Ingest FILE(s) and run the whole pipeline; or re-run it on --version N. Prints the verdict.

    Every file is checked before any is ingested: one that cannot be read stops the command
    (exit 2) with nothing ingested. Exit codes: 0 PASS or WARN, 1 rejected (gate closed, or WARN
    with --strict), 2 bad input, 3 could not run (catalog busy, Prefect API down, disk full,
    permission denied); with several files, the worst of them.
    """
    from dataguard.app.commands.validate import validate_files

    if bool(files) == (version is not None):
        fail(BadInput("give either FILE(s) or --version N, not both and not neither"), json_out)
    requested = run(json_out, lambda: from_command_line(partition_rows, task_runner, dask_address))
    show = not (quiet or json_out)
    with progress.shown(err, enabled=show and err.is_terminal, notes=show):
        outcomes = run(
            json_out,
            lambda: validate_files(
                find_project(project),
                dataset,
                files or [],
                version,
                predictions,
                requested,
                prefect=prefect,
                on_done=functools.partial(_print_outcome, errors_only=json_out),
            ),
        )
    reports = [o.report for o in outcomes if o.report is not None]
    if junit is not None and reports:
        _write_junit(junit, reports)
    if json_out:
        documents = [o.document() for o in outcomes]
        emit(documents[0] if len(documents) == 1 and len(files or []) <= 1 else documents)
    raise typer.Exit(max(o.exit_code(strict) for o in outcomes))


def _print_outcome(outcome: FileOutcome, *, errors_only: bool = False) -> None:
    """A file's verdict on stdout, or its error on stderr (errors only under --json: stdout holds the document)."""
    if outcome.report is not None:
        if not errors_only:
            _print_report(outcome.report)
    elif outcome.error is not None:
        message = str(outcome.error)
        if outcome.label not in message and isinstance(outcome.error, BadInput):
            message = f"{outcome.label}: {message}"  # which of several files it was
        err.print(f"[bold red]error:[/] {escape(message)}")


def evaluate(
    dataset: str,
    version: Annotated[int, typer.Option("--version", "-v", min=1, max=defaults.MAX_VERSION, help="Version number.")],
    predictions: Annotated[Path, typer.Option("--predictions", help="Model predictions to test on the slices.")],
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on WARN too.")] = False,
    junit: Annotated[Path | None, typer.Option("--junit", help="Also write JUnit XML to this file.")] = None,
    prefect: PrefectOpt = False,
    quiet: QuietOpt = False,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Run the model slice tests on --version N with these predictions (a new validation run of it)."""
    validate(
        dataset,
        None,
        version,
        strict,
        junit,
        predictions,
        prefect=prefect,
        quiet=quiet,
        project=project,
        json_out=json_out,
    )


def _write_junit(path: Path, reports: list[dict[str, Any]]) -> None:
    """One JUnit file; with several versions, their suites side by side."""
    from dataguard.publish.junit import to_junit, to_junit_many

    path.write_text(to_junit(reports[0]) if len(reports) == 1 else to_junit_many(reports), encoding="utf-8")


def _print_report(report: dict[str, Any]) -> None:
    rows = report["rows"]
    colour = {Outcome.PASS: "green", Outcome.WARN: "yellow", Outcome.FAIL: "red"}[report["verdict"]]
    share = rows["quarantined"] / rows["input"] if rows["input"] else 0.0
    out.print(
        f"[bold]{escape(report['dataset'])} v{report['version']}[/]  [bold {colour}]{report['verdict']}[/]"
        f"  (gate {'open' if report['gate_open'] else 'closed'})"
    )
    out.print(
        f"  rows: input {rows['input']:,} · clean {rows['clean']:,} · quarantined {rows['quarantined']:,} ({share:.2%})"
    )
    for reason in report["reasons"]:
        out.print(f"  reason: {escape(reason)}")
    if report["quarantine_reasons"]:
        out.print("  top quarantine reasons:")
        for r in report["quarantine_reasons"][:5]:
            out.print(f"    {r['rows']:>8,}  {escape(r['code'])}  {escape(r['column'] or '(row)')}")
    for name in ("report_html", "report_json", "report_md", "clean", "quarantine"):
        out.print(f"  {name}: {escape(report['paths'][name])}")
    if flow := report.get("prefect"):
        where = flow["ui"] or "run `prefect server start` and open http://127.0.0.1:4200/artifacts"
        out.print(
            f"  prefect: flow run {flow['flow_run_id']}, artifacts {', '.join(flow['artifacts'])} "
            f"(report.md and the quarantine table): {escape(where)}"
        )
