"""What the catalog recorded of a dataset: the commands report, incidents, runs and history."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from dataguard.app.cli import JsonOpt, ProjectOpt, VersionOpt, emit, out, print_lines, run
from dataguard.project import find_project


def report(dataset: str, version: VersionOpt = None, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Paths of the reports of a version's latest finished run (newest version by default)."""
    from dataguard.app.commands.datasets import report_paths

    paths = run(json_out, lambda: report_paths(find_project(project), dataset, version))
    if json_out:
        return emit(paths)
    out.print(f"{escape(dataset)} v{paths.version} ({paths.verdict})")
    for name in ("report_html", "report_json", "report_md"):
        out.print(f"  {name}: {escape(getattr(paths, name))}")


def incidents(dataset: str, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Integrity incidents of DATASET: clean files that no longer matched their recorded fingerprint."""
    from dataguard.app.commands.datasets import integrity_incidents

    found = run(json_out, lambda: integrity_incidents(find_project(project), dataset))
    print_lines(json_out, found, _incident_line, none=f"{escape(dataset)}: no integrity incident")


def _incident_line(i: dict[str, Any]) -> str:
    return (
        f"{i['detected']:%Y-%m-%d %H:%M:%S}  v{i['version']}.r{i['revision']}  {i['kind']}  by {i['detected_by']}"
        f"  {escape(i['path'])}\n    recorded {i['expected']}\n    found    {i['actual']}"
    )


def runs(
    dataset: str,
    affected: Annotated[
        bool,
        typer.Option(
            "--affected", help="Only training runs that read rows the current contract rejects, with how many."
        ),
    ] = False,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Training runs of DATASET: which command trained on which version, and how it ended."""
    from dataguard.app.commands.datasets import training_runs

    rows = run(json_out, lambda: training_runs(find_project(project), dataset, affected=affected))
    if affected and not json_out:
        return _print_affected(dataset, rows)
    print_lines(json_out, rows, _training_run_line)


def _training_run_line(r: dict[str, Any]) -> str:
    ended = "running" if r["ended"] is None else ("ceiling" if r["timed_out"] else f"exit {r['exit_code']}")
    return f"{r['started']:%Y-%m-%d %H:%M:%S}  v{r['version']}.r{r['revision']}  {ended:<8}  {escape(r['command'])}"


def _print_affected(dataset: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print(f"{escape(dataset)}: no training run read a row the current contract rejects")
        return
    out.print(f"{escape(dataset)}: {len(rows)} training run(s) read rows the current contract rejects")
    for r in rows:
        out.print(_training_run_line(r))
        if r["structural"]:
            out.print("    the current contract refuses the whole version: " + escape("; ".join(r["structural"])))
            continue
        by = ", ".join(_reason_count(b) for b in r["rejected_by"])
        out.print(f"    {r['rows_rejected']:,} rows rejected now: {escape(by)}")


def _reason_count(b: dict[str, Any]) -> str:
    """``in_range (price) 2``: a check code, its column, and the rows it rejects."""
    return f"{b['code']}" + (f" ({b['column']})" if b["column"] else "") + f" {b['rows']:,}"


def replay(
    dataset: str,
    version: VersionOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Rows listed (the counts cover every row).")] = 20,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Which rows the current contract would move in a published version (newest by default); publishes nothing."""
    from dataguard.checks.replay import replay as replay_version

    found = run(json_out, lambda: replay_version(find_project(project), dataset, version, limit))
    if json_out:
        return emit(found)
    out.print(
        f"{escape(dataset)} v{found.version}, against run {found.run_id}: "
        f"{found.to_quarantine:,} clean row(s) would be quarantined, {found.to_clean:,} quarantined row(s) would be "
        f"clean ({found.quarantined_then:,} quarantined then, {found.quarantined_now:,} now, of {found.rows:,})"
    )
    if found.ran_fingerprint != found.contract_fingerprint:
        ran = (found.ran_fingerprint or "not recorded")[:19]
        out.print(f"  the contract changed since that run ({ran} -> {found.contract_fingerprint[:19]})")
    for change in found.checks_changed or []:
        out.print(f"  check {change['change']}: {escape(change['name'])}")
    for reason in found.structural:
        out.print(f"  the current contract refuses the whole version: {escape(reason)}")
    for by in found.moved_by:
        where = f" ({escape(by['column'])})" if by["column"] else ""
        out.print(f"  to {by['to']}: {by['code']}{where}: {by['rows']:,}")
    for move in found.moves:
        reasons = "; ".join(f"{r['code']} {r['column'] or ''} {r['value'] or ''}".strip() for r in move["reasons"])
        out.print(f"  row {move['row_id']} -> {move['to']}: {escape(reasons)}")


def history(
    dataset: str,
    column: Annotated[str | None, typer.Option("--column", help="Only this column ((dataset) for row counts).")] = None,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """How each column's profile (rows, null rate, mean, std, min, max, distinct) moved across versions."""
    from dataguard.app.commands.datasets import column_history

    rows = run(json_out, lambda: column_history(find_project(project), dataset, column))
    if json_out:
        return emit(rows)
    out.print(f"{'version':>7}  {'column':<20} {'rows':>10} {'null rate':>9} {'mean':>12} {'std':>12} {'distinct':>9}")
    for r in rows:
        out.print(
            f"{r['version']:>7}  {escape(str(r['column'])):<20} {r['rows']:>10,} {_fig(r.get('null_rate')):>9} "
            f"{_fig(r.get('mean')):>12} {_fig(r.get('std')):>12} {_fig(r.get('distinct')):>9}"
        )


def _fig(value: object) -> str:
    return "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
