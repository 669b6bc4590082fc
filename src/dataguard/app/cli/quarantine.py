"""Review of quarantined rows: the commands quarantine list, show, export, release, reject, diff and log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from dataguard.app.cli import JsonOpt, ProjectOpt, emit, out, print_lines, run
from dataguard.project import find_project
from dataguard.spec import defaults

quarantine_app: typer.Typer = typer.Typer(
    help="Review quarantined rows: list, show, export, release, reject, diff, log."
)
RequiredVersion = Annotated[
    int, typer.Option("--version", "-v", min=1, max=defaults.MAX_VERSION, help="Version number.")
]
Reviewer = Annotated[str | None, typer.Option("--reviewer", help="Who decides (default: $USER).")]
Note = Annotated[str, typer.Option("--note", help="Why: recorded in the audit log.")]
Rows = Annotated[str | None, typer.Option("--rows", help="Comma-separated _row_id values, e.g. 3,17,42.")]
Code = Annotated[str | None, typer.Option("--code", help="Every row quarantined with this reason code.")]


@quarantine_app.command("list")
def quarantine_list(
    dataset: str,
    version: RequiredVersion,
    code: Code = None,
    column: Annotated[str | None, typer.Option("--column", help="Rows with a reason on this column.")] = None,
    state: Annotated[str | None, typer.Option("--state", help="pending, released or rejected.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many rows (0: all).")] = 50,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Quarantined rows of a version with their state and reasons."""
    from dataguard.app.commands.review import quarantined_rows

    filters: dict[str, Any] = {"code": code, "column": column, "state": state, "limit": limit or None}
    rows = run(json_out, lambda: quarantined_rows(find_project(project), dataset, version, **filters))
    if json_out:
        return emit(rows)
    for row in rows:
        reasons = ", ".join(f"{r['code']}({r['column'] or 'row'})" for r in row["reasons"])
        out.print(f"{row['row_id']:>10}  {row['state']:<8}  {escape(reasons)}")
    out.print(f"{len(rows)} rows" + (f" (--limit {limit})" if limit and len(rows) == limit else ""))


@quarantine_app.command("show")
def quarantine_show(
    dataset: str, version: RequiredVersion, row_id: int, project: ProjectOpt = None, json_out: JsonOpt = False
) -> None:
    """One quarantined row: its values, every reason, its state and the decisions about it."""
    from dataguard.app.commands.review import quarantined_row

    row = run(json_out, lambda: quarantined_row(find_project(project), dataset, version, row_id))
    if json_out:
        return emit(row)
    out.print(f"row {row['row_id']} of {escape(dataset)} v{version}: {row['state']}")
    for name, value in row["values"].items():
        out.print(f"  {escape(name)} = {escape(repr(value))}")
    for r in row["reasons"]:
        out.print(f"  reason: {escape(r['code'])} on {escape(r['column'] or 'the row')}: {escape(str(r['value']))}")
    for d in row["history"]:
        out.print(f"  {d['created']:%Y-%m-%d %H:%M} {d['action']} by {escape(d['reviewer'])}: {escape(d['note'])}")


@quarantine_app.command("export")
def quarantine_export(
    dataset: str,
    version: RequiredVersion,
    out_path: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write the quarantine with each row's state (CSV cells are formula-escaped)."""
    from dataguard.app.commands.review import export_quarantine

    rows = run(json_out, lambda: export_quarantine(find_project(project), dataset, version, fmt, out_path))
    if json_out:
        return emit({"dataset": dataset, "version": version, "rows": rows, "path": str(out_path), "format": fmt})
    out.print(f"wrote {rows:,} rows to {escape(str(out_path))}")


def decision_command(action: str) -> Callable[..., None]:
    """The command that records ``action`` (release or reject) on rows: one implementation for both."""

    def decide_on_rows(
        dataset: str,
        version: RequiredVersion,
        note: Note,
        rows: Rows = None,
        code: Code = None,
        reviewer: Reviewer = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        from dataguard.app.commands.review import decide, decision_document

        decision = run(
            json_out,
            lambda: decide(
                find_project(project), dataset, version, action, rows=rows, code=code, note=note, reviewer=reviewer
            ),
        )
        if json_out:
            return emit(decision_document(decision, action))
        out.print(f"{escape(dataset)} v{version}: {escape(decision.message)}")

    return decide_on_rows


quarantine_app.command(
    "release", help="Release rows that were wrongly held: they join a new revision of the clean data."
)(decision_command("release"))
quarantine_app.command(
    "reject", help="Reject rows for good: they stay out of the clean data, and the decision is logged."
)(decision_command("reject"))


@quarantine_app.command("diff")
def quarantine_diff(
    dataset: str,
    version: RequiredVersion,
    against: Annotated[
        int, typer.Option("--against", min=1, max=defaults.MAX_VERSION, help="The version to compare with.")
    ],
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Which quarantine reasons appeared, disappeared, grew or shrank between two versions."""
    from dataguard.app.commands.review import reason_changes

    changes = run(json_out, lambda: reason_changes(find_project(project), dataset, version, against))
    print_lines(json_out, changes, _reason_change_line)


def _reason_change_line(c: dict[str, Any]) -> str:
    return f"{c['change']:<12} {escape(c['code'])} ({escape(c['column'] or 'row')}): {c['before']:,} -> {c['after']:,}"


@quarantine_app.command("log")
def quarantine_log(dataset: str, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """The audit log of review decisions, oldest first."""
    from dataguard.app.commands.review import decision_log

    log = run(json_out, lambda: decision_log(find_project(project), dataset))
    print_lines(json_out, log, _decision_line)


def _decision_line(d: dict[str, Any]) -> str:
    return (
        f"{d['created']:%Y-%m-%d %H:%M:%S}  v{d['version']}  {d['action']:<7} {len(d['row_ids']):>6,} rows  "
        f"by {escape(d['reviewer'])}  ({escape(d['selector'])}): {escape(d['note'])}"
    )
