"""The project's upkeep: the command groups baseline (set, clear) and catalog (upgrade, migrate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dataguard.app.cli import JsonOpt, ProjectOpt, emit, out, run
from dataguard.project import find_project
from dataguard.spec import defaults

baseline_app: typer.Typer = typer.Typer(help="Pin the reference version drift is measured against, or unpin it.")
catalog_app: typer.Typer = typer.Typer(
    help="The catalog database: upgrade its schema, or move a DuckDB catalog into it."
)


@baseline_app.command("set")
def baseline_set(
    dataset: str,
    version: Annotated[int, typer.Argument(min=1, max=defaults.MAX_VERSION, help="Version to pin.")],
    project: ProjectOpt = None,
) -> None:
    """Compare every new version of DATASET with version N, instead of the newest passed one."""
    from dataguard.app.commands.admin import pin_baseline

    run(False, lambda: pin_baseline(find_project(project), dataset, version))
    out.print(f"{escape(dataset)}: baseline pinned to v{version}")


@baseline_app.command("clear")
def baseline_clear(dataset: str, project: ProjectOpt = None) -> None:
    """Unpin: the reference is again the newest earlier version whose gate opened."""
    from dataguard.app.commands.admin import clear_baseline

    cleared = run(False, lambda: clear_baseline(find_project(project), dataset))
    out.print(f"{escape(dataset)}: " + ("baseline unpinned" if cleared else "no baseline was pinned"))


@catalog_app.command("upgrade")
def catalog_upgrade(project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Create the catalog, or migrate its schema to this dataguard's (Alembic); safe to run again."""
    from dataguard.app.commands.admin import upgrade_catalog

    done = run(json_out, lambda: upgrade_catalog(find_project(project)))
    if json_out:
        return emit({"catalog": done.catalog, "from": done.before, "to": done.after})
    change = "already at" if done.before == done.after else f"upgraded from {done.before or 'empty'} to"
    out.print(f"catalog {escape(done.catalog)}: {change} schema revision {done.after}")


@catalog_app.command("migrate")
def catalog_migrate(
    source: Annotated[Path, typer.Option("--from", help="The DuckDB catalog file of dataguard 0.1.")],
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Copy every row of an old DuckDB catalog into this project's catalog (which must hold no versions)."""
    from dataguard.app.commands.admin import migrate_catalog

    done = run(json_out, lambda: migrate_catalog(find_project(project), source))
    if json_out:
        return emit(done)
    rows = ", ".join(f"{table} {count}" for table, count in done.rows.items() if count)
    out.print(f"moved {escape(str(source))} into {escape(done.catalog)}: {escape(rows or 'no rows')}")
