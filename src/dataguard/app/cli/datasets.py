"""Projects and their versions: the commands init, ingest, infer, gate and versions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from dataguard.app.cli import JsonOpt, ProjectOpt, VersionOpt, emit, err, out, print_lines, run
from dataguard.project import find_project
from dataguard.spec import defaults

if TYPE_CHECKING:
    from dataguard.app.commands.datasets import VersionRow


def init(
    directory: Annotated[Path, typer.Argument(help="Folder to make a dataguard project.")], json_out: JsonOpt = False
) -> None:
    """Create a project: schemas/ (with a commented example contract), flows/, data/."""
    from dataguard.app.commands.datasets import create_project

    project = run(json_out, lambda: create_project(directory))
    if json_out:
        return emit(
            {"root": str(project.root), "schemas": str(project.schemas_dir), "warehouse": str(project.warehouse)}
        )
    out.print(f"created dataguard project in {escape(str(project.root))}")
    out.print(
        f"  edit {escape(str(project.schemas_dir / 'example.py'))}, or write one with: dataguard infer DATASET FILE"
    )


def ingest(dataset: str, file: Path, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Register FILE as a new version of DATASET (the same bytes again give the same version)."""
    from dataguard.app.commands.datasets import ingest_file

    done = run(json_out, lambda: ingest_file(find_project(project), dataset, file, status=err.status))
    if json_out:
        return emit(done)
    state = "new version" if done.new else "already ingested as version"
    out.print(f"{dataset}: {state} {done.version} ({done.rows:,} rows, {done.fingerprint[:19]})")


def infer(
    dataset: str,
    file: Path,
    sample_rows: Annotated[int, typer.Option(help="Rows read from the start of FILE.")] = defaults.INFER_SAMPLE_ROWS,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing contract.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Write schemas/DATASET.py, a starting contract inferred from a sample of FILE, for you to edit."""
    from dataguard.app.commands.datasets import write_inferred_contract

    target = run(False, lambda: write_inferred_contract(find_project(project), dataset, file, sample_rows, force=force))
    out.print(f"wrote {escape(str(target))}: review its rules, then run: dataguard validate {escape(dataset)} FILE")


def gate(dataset: str, version: VersionOpt = None, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Exit 0 when training may start on the version (newest by default), 1 when not; say why."""
    from dataguard.gate.validated import judge

    decision = run(json_out, lambda: judge(find_project(project), dataset, version))
    if json_out:
        emit(decision)
    else:
        state = "[bold green]open[/]" if decision.open else "[bold red]closed[/]"
        out.print(f"gate {state} for {escape(dataset)} v{decision.version} ({decision.verdict or 'not validated'})")
        for reason in decision.reasons:
            out.print(f"  {escape(reason)}")
    raise typer.Exit(0 if decision.open else 1)


def versions(dataset: str, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """List DATASET's versions, oldest first, with their latest verdict."""
    from dataguard.app.commands.datasets import version_rows

    rows = run(json_out, lambda: version_rows(find_project(project), dataset))
    print_lines(json_out, rows, _version_line, none=f"{escape(dataset)} has no versions yet")


def _version_line(r: VersionRow) -> str:
    return (
        f"v{r.version:<4} {r.verdict or '-':<5} {r.rows:>12,} rows  {r.created[:19]}  "
        f"{r.fingerprint[:19]}  {escape(r.source)}"
    )
