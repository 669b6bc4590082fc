"""The command line: parse, call the library, print. No logic lives here."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from dataguard import catalog, gate
from dataguard.contract import load_contract
from dataguard.errors import BadInput, DataguardError
from dataguard.ingest import SourceOptions, ingest
from dataguard.project import Project, find_project, init_project

app = typer.Typer(
    name="dataguard",
    help="Validate dataset versions, quarantine bad rows, and gate training on the result.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)

ProjectOpt = Annotated[
    Path | None,
    typer.Option("--project", help="Project folder (default: found upwards from here, or $DATAGUARD_PROJECT)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there.")]
VersionOpt = Annotated[int | None, typer.Option("--version", "-v", help="Version number (default: the newest).")]
T = TypeVar("T")


def _run(json_mode: bool, call: Callable[[], T]) -> T:
    """Call the library; turn its errors into a message and the documented exit code."""
    try:
        return call()
    except DataguardError as exc:
        _fail(exc, json_mode)


def _fail(exc: DataguardError, json_mode: bool) -> NoReturn:
    if json_mode:
        print(json.dumps({"error": {"type": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code}}))
    err.print(f"[bold red]error:[/] {escape(str(exc))}")
    raise typer.Exit(exc.exit_code)


def _emit(document: Any) -> None:
    print(json.dumps(document, indent=2, default=str))


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder to make a dataguard project.")]) -> None:
    """Create a project: schemas/ (with a commented example contract), flows/, data/."""
    project = _run(False, lambda: init_project(directory))
    out.print(f"created dataguard project in {escape(str(project.root))}")
    out.print(
        f"  edit {escape(str(project.schemas_dir / 'example.py'))}, or write one with: dataguard infer DATASET FILE"
    )


@app.command("ingest")
def ingest_cmd(dataset: str, file: Path, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Register FILE as a new version of DATASET (the same bytes again give the same version)."""

    def call() -> dict[str, Any]:
        proj = find_project(project)
        loaded = load_contract(proj, dataset)
        with err.status(f"ingesting {file} ..."):
            result = ingest(proj, dataset, file, SourceOptions(loaded.contract.encoding, loaded.contract.csv_delimiter))
        v = result.version
        return {
            "dataset": dataset,
            "version": v.version,
            "fingerprint": v.fingerprint,
            "rows": v.rows,
            "new": result.new,
        }

    doc = _run(json_out, call)
    if json_out:
        return _emit(doc)
    state = "new version" if doc["new"] else "already ingested as version"
    out.print(f"{dataset}: {state} {doc['version']} ({doc['rows']:,} rows, {doc['fingerprint'][:19]})")


@app.command()
def validate(
    dataset: str,
    files: Annotated[list[Path] | None, typer.Argument(help="Source files, validated in order.")] = None,
    version: VersionOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on WARN too.")] = False,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Ingest FILE(s) and run the whole pipeline; or re-run it on --version N. Prints the verdict."""
    if bool(files) == (version is not None):
        _fail(BadInput("give either FILE(s) or --version N, not both and not neither"), json_out)
    from dataguard.flows import validate_flow  # Prefect loads only for commands that run flows

    proj = _run(json_out, lambda: find_project(project))
    targets: list[tuple[str | None, int | None]] = [(str(f), None) for f in files or []] or [(None, version)]
    reports = []
    for source, number in targets:
        label = source or f"version {number}"
        with err.status(f"validating {dataset}: {label} (Prefect flow; the first run starts the embedded API) ..."):
            report = _run(json_out, functools.partial(validate_flow, dataset, source, number, str(proj.root)))
        reports.append(report)
        if not json_out:
            _print_report(report)
    if json_out:
        _emit(reports[0] if len(reports) == 1 else reports)
    raise typer.Exit(max(_exit_code(r, strict) for r in reports))


def _exit_code(report: dict[str, Any], strict: bool) -> int:
    if not report["gate_open"] or (strict and report["verdict"] == "WARN"):
        return 1
    return 0


def _print_report(report: dict[str, Any]) -> None:
    rows = report["rows"]
    colour = {"PASS": "green", "WARN": "yellow", "FAIL": "red"}[report["verdict"]]
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
    for name in ("report_json", "report_md", "clean", "quarantine"):
        out.print(f"  {name}: {escape(report['paths'][name])}")


@app.command("gate")
def gate_cmd(dataset: str, version: VersionOpt = None, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Exit 0 when training may start on the version (newest by default), 1 when not; say why."""
    decision = _run(json_out, lambda: gate.judge(find_project(project), dataset, version))
    if json_out:
        _emit(
            {
                "dataset": dataset,
                "version": decision.version,
                "open": decision.open,
                "verdict": decision.verdict,
                "reasons": list(decision.reasons),
            }
        )
    else:
        state = "[bold green]open[/]" if decision.open else "[bold red]closed[/]"
        out.print(f"gate {state} for {escape(dataset)} v{decision.version} ({decision.verdict or 'not validated'})")
        for reason in decision.reasons:
            out.print(f"  {escape(reason)}")
    raise typer.Exit(0 if decision.open else 1)


@app.command()
def versions(dataset: str, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """List DATASET's versions, oldest first, with their latest verdict."""

    def call() -> list[dict[str, Any]]:
        proj = find_project(project)
        _known(proj, dataset)
        runs = catalog.latest_runs(proj.catalog_path, dataset)
        return [
            {
                "version": v.version,
                "fingerprint": v.fingerprint,
                "rows": v.rows,
                "verdict": runs[v.version].verdict if v.version in runs else None,
                "gate_open": bool(runs[v.version].gate_open) if v.version in runs else False,
                "status": v.status,
                "source": v.source_path,
                "created": v.created.isoformat(),
            }
            for v in catalog.list_versions(proj.catalog_path, dataset)
        ]

    rows = _run(json_out, call)
    if json_out:
        return _emit(rows)
    if not rows:
        out.print(f"{escape(dataset)} has no versions yet")
    for r in rows:
        out.print(
            f"v{r['version']:<4} {r['verdict'] or '-':<5} {r['rows']:>12,} rows  {r['created'][:19]}  "
            f"{r['fingerprint'][:19]}  {escape(r['source'])}"
        )


def _known(project: Project, dataset: str) -> None:
    if not project.contract_path(dataset).is_file() and not catalog.list_versions(project.catalog_path, dataset):
        load_contract(project, dataset)  # raises UnknownDataset with a did-you-mean hint


@app.command()
def report(dataset: str, version: VersionOpt = None, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Paths of the reports of a version's latest finished run (newest version by default)."""

    def call() -> dict[str, Any]:
        proj = find_project(project)
        _known(proj, dataset)
        record = catalog.find_version(proj.catalog_path, dataset, version=version)
        if record is None:
            raise BadInput(f"{dataset} has no version {version if version is not None else 'yet'}")
        run = catalog.latest_finished_run(proj.catalog_path, dataset, record.version)
        if run is None or run.report_json is None:
            raise BadInput(
                f"{dataset} v{record.version} has no finished run yet",
                hint=f"dataguard validate {dataset} --version {record.version}",
            )
        folder = Path(run.report_json).parent
        return {
            "dataset": dataset,
            "version": record.version,
            "verdict": run.verdict,
            "report_html": None,
            "report_json": str(folder / "report.json"),
            "report_md": str(folder / "report.md"),
        }

    doc = _run(json_out, call)
    if json_out:
        return _emit(doc)
    out.print(f"{escape(dataset)} v{doc['version']} ({doc['verdict']})")
    for name in ("report_json", "report_md"):
        out.print(f"  {name}: {escape(doc[name])}")


@app.command()
def infer(
    dataset: str,
    file: Path,
    sample_rows: Annotated[int, typer.Option(help="Rows read from the start of FILE.")] = 100_000,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing contract.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Write schemas/DATASET.py, a starting contract inferred from a sample of FILE, for you to edit."""
    from dataguard.infer import infer_contract

    def call() -> Path:
        proj = find_project(project)
        target = proj.contract_path(dataset)
        if target.exists() and not force:
            raise BadInput(f"{target} exists already", hint="pass --force to overwrite it")
        source = infer_contract(dataset, file, sample_rows)
        target.write_text(source, encoding="utf-8")
        return target

    target = _run(False, call)
    out.print(f"wrote {escape(str(target))}: review its rules, then run: dataguard validate {escape(dataset)} FILE")


def main() -> None:
    app(prog_name="dataguard")


if __name__ == "__main__":
    main()
