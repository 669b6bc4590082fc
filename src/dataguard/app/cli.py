"""The command line: parse, call the library, print. No logic lives here."""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from dataguard import catalog
from dataguard.common import progress
from dataguard.errors import BadInput, DataguardError, Interrupted, could_not_run
from dataguard.gate import validated as gate
from dataguard.project import Project, find_project, init_project
from dataguard.spec import defaults
from dataguard.spec.execution import from_command_line

if TYPE_CHECKING:
    from dataguard.app.commands import FileOutcome

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
VersionOpt = Annotated[int | None, typer.Option("--version", "-v", help="Version number (default: the newest).")]
T = TypeVar("T")


def _run(json_mode: bool, call: Callable[[], T]) -> T:
    """Call the library; turn its errors into a message and the documented exit code."""
    try:
        return call()
    except (DataguardError, Interrupted) as exc:
        _fail(exc, json_mode)
    except KeyboardInterrupt:  # Ctrl-C outside a run (a run turns it into Interrupted): 130, as a shell reports it
        err.print("[bold red]stopped:[/] interrupted (Ctrl-C)")
        raise typer.Exit(130) from None
    except OSError as exc:
        if (infrastructure := could_not_run(exc)) is None:
            raise
        _fail(infrastructure, json_mode)


def _fail(exc: DataguardError | Interrupted, json_mode: bool) -> NoReturn:
    if json_mode:
        print(json.dumps({"error": {"type": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code}}))
    err.print(f"[bold red]error:[/] {escape(str(exc))}")
    raise typer.Exit(exc.exit_code)


def _emit(document: Any) -> None:
    print(json.dumps(document, indent=2, default=str))


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to make a dataguard project.")], json_out: JsonOpt = False
) -> None:
    """Create a project: schemas/ (with a commented example contract), flows/, data/."""

    def call() -> Project:
        from dataguard.catalog.migrate import upgrade

        made = init_project(directory)
        upgrade(made.catalog)  # the catalog's schema, created (or brought up to date for a shared one)
        return made

    project = _run(json_out, call)
    if json_out:
        return _emit(
            {"root": str(project.root), "schemas": str(project.schemas_dir), "warehouse": str(project.warehouse)}
        )
    out.print(f"created dataguard project in {escape(str(project.root))}")
    out.print(
        f"  edit {escape(str(project.schemas_dir / 'example.py'))}, or write one with: dataguard infer DATASET FILE"
    )


@app.command("ingest")
def ingest_cmd(dataset: str, file: Path, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Register FILE as a new version of DATASET (the same bytes again give the same version)."""

    from dataguard.checks.load import load_contract
    from dataguard.ingest.preflight import check_source
    from dataguard.ingest.version import ingest

    def call() -> dict[str, Any]:
        proj = find_project(project)
        proj.require_contract(dataset)
        check_source(file)
        loaded = load_contract(proj, dataset)
        with err.status(f"ingesting {file} ..."):
            result = ingest(proj, dataset, file, loaded.source_options)
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


QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display on stderr.")]
PrefectOpt = Annotated[
    bool,
    typer.Option(
        "--prefect",
        help="Run as the Prefect flow dataguard-validate (the default when PREFECT_API_URL is set; "
        "without it, on Prefect's embedded API, which takes seconds to start).",
    ),
]


@app.command()
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
    from dataguard.app.commands import validate_files

    if bool(files) == (version is not None):
        _fail(BadInput("give either FILE(s) or --version N, not both and not neither"), json_out)
    requested = _run(json_out, lambda: from_command_line(partition_rows, task_runner, dask_address))
    show = not (quiet or json_out)
    with progress.shown(err, enabled=show and err.is_terminal, notes=show):
        outcomes = _run(
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
        _emit(documents[0] if len(documents) == 1 and len(files or []) <= 1 else documents)
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


@app.command()
def evaluate(
    dataset: str,
    version: Annotated[int, typer.Option("--version", "-v", help="Version number.")],
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
    for name in ("report_html", "report_json", "report_md", "clean", "quarantine"):
        out.print(f"  {name}: {escape(report['paths'][name])}")
    if flow := report.get("prefect"):
        where = flow["ui"] or "run `prefect server start` and open http://127.0.0.1:4200/artifacts"
        out.print(
            f"  prefect: flow run {flow['flow_run_id']}, artifacts {', '.join(flow['artifacts'])} "
            f"(report.md and the quarantine table): {escape(where)}"
        )


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
        runs = catalog.latest_runs(proj.catalog, dataset)
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
            for v in catalog.list_versions(proj.catalog, dataset)
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
    if not project.contract_path(dataset).is_file() and not catalog.list_versions(project.catalog, dataset):
        project.require_contract(dataset)  # raises UnknownDataset with a did-you-mean hint


@app.command()
def report(dataset: str, version: VersionOpt = None, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Paths of the reports of a version's latest finished run (newest version by default)."""

    def call() -> dict[str, Any]:
        proj = find_project(project)
        _known(proj, dataset)
        record = catalog.find_version(proj.catalog, dataset, version=version)
        if record is None:
            raise BadInput(f"{dataset} has no version {version if version is not None else 'yet'}")
        run = catalog.latest_finished_run(proj.catalog, dataset, record.version)
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
            "revision": run.revision,
            "report_html": str(folder / "report.html"),
            "report_json": str(folder / "report.json"),
            "report_md": str(folder / "report.md"),
        }

    doc = _run(json_out, call)
    if json_out:
        return _emit(doc)
    out.print(f"{escape(dataset)} v{doc['version']} ({doc['verdict']})")
    for name in ("report_html", "report_json", "report_md"):
        out.print(f"  {name}: {escape(doc[name])}")


@app.command()
def infer(
    dataset: str,
    file: Path,
    sample_rows: Annotated[int, typer.Option(help="Rows read from the start of FILE.")] = defaults.INFER_SAMPLE_ROWS,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing contract.")] = False,
    project: ProjectOpt = None,
) -> None:
    """Write schemas/DATASET.py, a starting contract inferred from a sample of FILE, for you to edit."""
    from dataguard.checks.infer import infer_contract

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


@app.command()
def train(
    dataset: str,
    command: Annotated[list[str], typer.Argument(help="The training command and its arguments, after --.")],
    max_minutes: Annotated[float, typer.Option("--max-minutes", help="Hard time ceiling (fractions allowed).")],
    version: VersionOpt = None,
    grace_seconds: Annotated[float, typer.Option("--grace-seconds", help="Between TERM and KILL.")] = 5.0,
    peek: Annotated[bool, typer.Option("--peek/--no-peek", help="Write the peek page before CMD starts.")] = True,
    peek_rows: Annotated[
        int, typer.Option("--peek-rows", help="Rows in the peek's random sample.")
    ] = defaults.PEEK_SAMPLE_ROWS,
    peek_seed: Annotated[int, typer.Option("--peek-seed", help="Seed of the peek's sample.")] = defaults.PEEK_SEED,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open the gate, run CMD on the clean data with a hard time ceiling, record the run.

    CMD gets DATAGUARD_DATA (the clean Parquet file), DATAGUARD_VERSION, DATAGUARD_DATASET,
    DATAGUARD_FINGERPRINT (the version's) and DATAGUARD_CLEAN_FINGERPRINT (the clean file's sha256, verified
    just before CMD starts). At the ceiling its whole process group is stopped and dataguard exits 124.
    Unless --no-peek, the peek page of exactly that data is written first and its path printed.
    """
    import shlex
    import uuid

    from dataguard.gate.train import run_with_ceiling, training_env

    def call() -> dict[str, Any]:
        from dataguard.gate.peek import check_sample_size
        from dataguard.gate.peek_html import peek_page

        if peek:
            check_sample_size(peek_rows)
        proj = find_project(project)
        # GateClosed or IntegrityError (the file is not what was validated): exit 1, CMD never runs
        opened = gate.open_validated(dataset, version, proj, opened_by="train")
        page = peek_page(proj.catalog, opened, peek_rows, peek_seed)[1] if peek else None
        if page is not None:
            err.print(f"peek: {escape(str(page))}")
        training_id = uuid.uuid4().hex
        catalog.start_training(
            proj.catalog,
            training_id,
            dataset,
            opened.version,
            opened.revision,
            opened.fingerprint,
            shlex.join(command),
        )
        err.print(
            f"training on {escape(dataset)} v{opened.version} ({escape(str(opened.clean_path))}), "
            f"ceiling {max_minutes:g} min"
        )
        outcome = run_with_ceiling(
            command, training_env(opened), max_minutes * 60, grace_seconds, stdout=2 if json_out else None
        )
        catalog.finish_training(proj.catalog, training_id, outcome.exit_code, outcome.timed_out)
        return {
            "training_id": training_id,
            "dataset": dataset,
            "version": opened.version,
            "revision": opened.revision,
            "exit_code": outcome.exit_code,
            "timed_out": outcome.timed_out,
            "seconds": (outcome.ended - outcome.started).total_seconds(),
            "peek": str(page) if page is not None else None,
        }

    doc = _run(json_out, call)
    if json_out:
        _emit(doc)
    elif doc["timed_out"]:
        err.print(f"[bold red]stopped:[/] the command reached the {max_minutes:g}-minute ceiling (exit 124)")
    raise typer.Exit(doc["exit_code"])


@app.command("peek")
def peek_cmd(
    dataset: str,
    version: VersionOpt = None,
    rows: Annotated[int, typer.Option("--rows", help="Rows in the random sample.")] = defaults.PEEK_SAMPLE_ROWS,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the sample (the same seed shows the same rows).")
    ] = defaults.PEEK_SEED,
    out_path: Annotated[Path | None, typer.Option("--out", help="Where to write the page.")] = None,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write a page of exactly what training would receive (verified): sample, figures, plots, changes.

    The page goes next to the version's report (peek.html) unless --out is given; its path is printed.
    """
    from dataguard.gate.peek import check_sample_size
    from dataguard.gate.peek_html import peek_page

    def call() -> dict[str, Any]:
        check_sample_size(rows)
        proj = find_project(project)
        opened = gate.open_validated(dataset, version, proj, opened_by="peek")
        peeked, page = peek_page(proj.catalog, opened, rows, seed, out_path)
        return {
            "dataset": dataset,
            "version": opened.version,
            "revision": opened.revision,
            "clean": str(opened.clean_path),
            "clean_fingerprint": opened.clean_fingerprint,
            "rows": peeked.rows,
            "sample_rows": len(peeked.sample),
            "seed": seed,
            "reference_version": peeked.reference_version,
            "path": str(page),
        }

    doc = _run(json_out, call)
    if json_out:
        return _emit(doc)
    print(doc["path"])


@app.command()
def incidents(dataset: str, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Integrity incidents of DATASET: clean files that no longer matched their recorded fingerprint."""

    def call() -> list[dict[str, Any]]:
        proj = find_project(project)
        _known(proj, dataset)
        return catalog.list_incidents(proj.catalog, dataset)

    found = _run(json_out, call)
    if json_out:
        return _emit(found)
    if not found:
        out.print(f"{escape(dataset)}: no integrity incident")
    for i in found:
        out.print(
            f"{i['detected']:%Y-%m-%d %H:%M:%S}  v{i['version']}.r{i['revision']}  {i['kind']}  by {i['detected_by']}"
            f"  {escape(i['path'])}\n    recorded {i['expected']}\n    found    {i['actual']}"
        )


@app.command()
def runs(dataset: str, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Training runs of DATASET: which command trained on which version, and how it ended."""

    def call() -> list[dict[str, Any]]:
        proj = find_project(project)
        _known(proj, dataset)
        return catalog.list_training_runs(proj.catalog, dataset)

    rows = _run(json_out, call)
    if json_out:
        return _emit(rows)
    for r in rows:
        ended = "running" if r["ended"] is None else ("ceiling" if r["timed_out"] else f"exit {r['exit_code']}")
        out.print(
            f"{r['started']:%Y-%m-%d %H:%M:%S}  v{r['version']}.r{r['revision']}  {ended:<8}  {escape(r['command'])}"
        )


@app.command()
def history(
    dataset: str,
    column: Annotated[str | None, typer.Option("--column", help="Only this column ((dataset) for row counts).")] = None,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """How each column's profile (rows, null rate, mean, std, min, max, distinct) moved across versions."""
    from dataguard.measure.history import history_rows

    def call() -> list[dict[str, Any]]:
        proj = find_project(project)
        _known(proj, dataset)
        return history_rows(proj.catalog, dataset, column)

    rows = _run(json_out, call)
    if json_out:
        return _emit(rows)
    out.print(f"{'version':>7}  {'column':<20} {'rows':>10} {'null rate':>9} {'mean':>12} {'std':>12} {'distinct':>9}")
    for r in rows:
        out.print(
            f"{r['version']:>7}  {escape(str(r['column'])):<20} {r['rows']:>10,} {_fig(r.get('null_rate')):>9} "
            f"{_fig(r.get('mean')):>12} {_fig(r.get('std')):>12} {_fig(r.get('distinct')):>9}"
        )


def _fig(value: object) -> str:
    return "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


quarantine_app = typer.Typer(help="Review quarantined rows: list, show, export, release, reject, diff, log.")
app.add_typer(quarantine_app, name="quarantine")
RequiredVersion = Annotated[int, typer.Option("--version", "-v", help="Version number.")]
Reviewer = Annotated[str | None, typer.Option("--reviewer", help="Who decides (default: $USER).")]
Note = Annotated[str, typer.Option("--note", help="Why: recorded in the audit log.")]
Rows = Annotated[str | None, typer.Option("--rows", help="Comma-separated _row_id values, e.g. 3,17,42.")]
Code = Annotated[str | None, typer.Option("--code", help="Every row quarantined with this reason code.")]


def _review_target(project: Path | None, dataset: str, version: int) -> tuple[Project, catalog.RunRecord]:
    from dataguard.review.quarantine import published_run

    proj = find_project(project)
    _known(proj, dataset)
    return proj, published_run(proj.catalog, dataset, version)


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
    from dataguard.review.quarantine import list_rows

    def call() -> list[dict[str, Any]]:
        proj, run = _review_target(project, dataset, version)
        decided = catalog.row_states(proj.catalog, run.run_id)
        return list_rows(run, decided, code=code, column=column, state=state, limit=limit or None)

    rows = _run(json_out, call)
    if json_out:
        return _emit(rows)
    for row in rows:
        reasons = ", ".join(f"{r['code']}({r['column'] or 'row'})" for r in row["reasons"])
        out.print(f"{row['row_id']:>10}  {row['state']:<8}  {escape(reasons)}")
    out.print(f"{len(rows)} rows" + (f" (--limit {limit})" if limit and len(rows) == limit else ""))


@quarantine_app.command("show")
def quarantine_show(
    dataset: str, version: RequiredVersion, row_id: int, project: ProjectOpt = None, json_out: JsonOpt = False
) -> None:
    """One quarantined row: its values, every reason, its state and the decisions about it."""
    from dataguard.review.quarantine import show_row

    def call() -> dict[str, Any]:
        proj, run = _review_target(project, dataset, version)
        log = [d for d in catalog.audit_log(proj.catalog, dataset) if d["run_id"] == run.run_id]
        return show_row(run, catalog.row_states(proj.catalog, run.run_id), row_id, log)

    row = _run(json_out, call)
    if json_out:
        return _emit(row)
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
    from dataguard.review.quarantine import export_rows

    def call() -> dict[str, Any]:
        proj, run = _review_target(project, dataset, version)
        rows = export_rows(run, catalog.row_states(proj.catalog, run.run_id), fmt, out_path)
        return {"dataset": dataset, "version": version, "rows": rows, "path": str(out_path), "format": fmt}

    doc = _run(json_out, call)
    if json_out:
        return _emit(doc)
    out.print(f"wrote {doc['rows']:,} rows to {escape(doc['path'])}")


def _decide(
    action: str,
    dataset: str,
    version: int,
    rows: str | None,
    code: str | None,
    note: str,
    reviewer: str | None,
    project: Path | None,
    json_out: bool,
) -> None:
    import getpass

    from dataguard.review.quarantine import select_rows
    from dataguard.review.revisions import decide_rows

    def call() -> dict[str, Any]:
        proj, run = _review_target(project, dataset, version)
        ids = _parse_ids(rows) if rows is not None else None
        chosen = select_rows(run, ids, code)
        selector = f"--rows {rows}" if rows is not None else f"--code {code}"
        who = reviewer or os.environ.get("USER") or getpass.getuser()
        from dataguard.checks.load import load_contract

        policy = load_contract(proj, dataset).contract.gate
        decision = decide_rows(proj, run, action, chosen, selector=selector, reviewer=who, note=note, policy=policy)
        return {
            "decision_id": decision.decision_id,
            "action": action,
            "changed": list(decision.changed),
            "unchanged": list(decision.unchanged),
            "revision": decision.revision,
            "clean_path": decision.clean_path,
            "verdict": decision.verdict,
            "gate_open": decision.gate_open,
            "message": decision.message,
        }

    doc = _run(json_out, call)
    if json_out:
        return _emit(doc)
    out.print(f"{escape(dataset)} v{version}: {escape(doc['message'])}")


def _parse_ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError as exc:
        raise BadInput(f"--rows takes comma-separated row ids, got {text!r}") from exc


@quarantine_app.command("release")
def quarantine_release(
    dataset: str,
    version: RequiredVersion,
    note: Note,
    rows: Rows = None,
    code: Code = None,
    reviewer: Reviewer = None,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Release rows that were wrongly held: they join a new revision of the clean data."""
    _decide("release", dataset, version, rows, code, note, reviewer, project, json_out)


@quarantine_app.command("reject")
def quarantine_reject(
    dataset: str,
    version: RequiredVersion,
    note: Note,
    rows: Rows = None,
    code: Code = None,
    reviewer: Reviewer = None,
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Reject rows for good: they stay out of the clean data, and the decision is logged."""
    _decide("reject", dataset, version, rows, code, note, reviewer, project, json_out)


@quarantine_app.command("diff")
def quarantine_diff(
    dataset: str,
    version: RequiredVersion,
    against: Annotated[int, typer.Option("--against", help="The version to compare with.")],
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Which quarantine reasons appeared, disappeared, grew or shrank between two versions."""
    from dataguard.publish.report import read_report
    from dataguard.review.quarantine import diff_reasons

    def call() -> list[dict[str, Any]]:
        proj = find_project(project)
        _, current = _review_target(proj.root, dataset, version)
        _, before = _review_target(proj.root, dataset, against)
        return diff_reasons(read_report(str(current.report_json)), read_report(str(before.report_json)))

    changes = _run(json_out, call)
    if json_out:
        return _emit(changes)
    for c in changes:
        out.print(
            f"{c['change']:<12} {escape(c['code'])} ({escape(c['column'] or 'row')}): {c['before']:,} -> {c['after']:,}"
        )


@quarantine_app.command("log")
def quarantine_log(dataset: str, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """The audit log of review decisions, oldest first."""

    def call() -> list[dict[str, Any]]:
        proj = find_project(project)
        _known(proj, dataset)
        return catalog.audit_log(proj.catalog, dataset)

    log = _run(json_out, call)
    if json_out:
        return _emit(log)
    for d in log:
        rows = len(d["row_ids"])
        out.print(
            f"{d['created']:%Y-%m-%d %H:%M:%S}  v{d['version']}  {d['action']:<7} {rows:>6,} rows  "
            f"by {escape(d['reviewer'])}  ({escape(d['selector'])}): {escape(d['note'])}"
        )


baseline_app = typer.Typer(help="Pin the reference version drift is measured against, or unpin it.")
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("set")
def baseline_set(
    dataset: str, version: Annotated[int, typer.Argument(help="Version to pin.")], project: ProjectOpt = None
) -> None:
    """Compare every new version of DATASET with version N, instead of the newest passed one."""
    from dataguard.measure.reference import pin_baseline

    def call() -> None:
        proj = find_project(project)
        _known(proj, dataset)
        pin_baseline(proj, dataset, version)

    _run(False, call)
    out.print(f"{escape(dataset)}: baseline pinned to v{version}")


@baseline_app.command("clear")
def baseline_clear(dataset: str, project: ProjectOpt = None) -> None:
    """Unpin: the reference is again the newest earlier version whose gate opened."""
    from dataguard.measure.reference import clear_baseline

    def call() -> bool:
        proj = find_project(project)
        _known(proj, dataset)
        return clear_baseline(proj, dataset)

    cleared = _run(False, call)
    out.print(f"{escape(dataset)}: " + ("baseline unpinned" if cleared else "no baseline was pinned"))


catalog_app = typer.Typer(help="The catalog database: upgrade its schema, or move a DuckDB catalog into it.")
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("upgrade")
def catalog_upgrade(project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
    """Create the catalog, or migrate its schema to this dataguard's (Alembic); safe to run again."""
    from dataguard.catalog.migrate import upgrade

    def call() -> dict[str, Any]:
        proj = find_project(project)
        before, after = upgrade(proj.catalog)
        return {"catalog": proj.catalog.display, "from": before, "to": after}

    done = _run(json_out, call)
    if json_out:
        return _emit(done)
    change = "already at" if done["from"] == done["to"] else f"upgraded from {done['from'] or 'empty'} to"
    out.print(f"catalog {escape(done['catalog'])}: {change} schema revision {done['to']}")


@catalog_app.command("migrate")
def catalog_migrate(
    source: Annotated[Path, typer.Option("--from", help="The DuckDB catalog file of dataguard 0.1.")],
    project: ProjectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Copy every row of an old DuckDB catalog into this project's catalog (which must hold no versions)."""
    from dataguard.catalog.migrate import from_duckdb, upgrade

    def call() -> dict[str, Any]:
        proj = find_project(project)
        upgrade(proj.catalog)
        return {"catalog": proj.catalog.display, "rows": from_duckdb(proj.catalog, source)}

    done = _run(json_out, call)
    if json_out:
        return _emit(done)
    rows = ", ".join(f"{table} {count}" for table, count in done["rows"].items() if count)
    out.print(f"moved {escape(str(source))} into {escape(done['catalog'])}: {escape(rows or 'no rows')}")


@app.command()
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
        _fail(BadInput("--poll-seconds and --settle-seconds must be 0 or more"), False)
    from dataguard.app.schedule import serve as serve_project

    _run(
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


if __name__ == "__main__":
    main()
