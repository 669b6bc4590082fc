"""Handing data to training: the commands train and peek."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dataguard.app.cli import JsonOpt, ProjectOpt, VersionOpt, emit, err, run
from dataguard.spec import defaults


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
    from dataguard.gate.train import run_training

    done = run(
        json_out,
        lambda: run_training(
            project,
            dataset,
            command,
            version=version,
            max_minutes=max_minutes,
            grace_seconds=grace_seconds,
            peek_rows=peek_rows if peek else None,
            peek_seed=peek_seed,
            stdout=2 if json_out else None,  # stdout holds the one JSON document
            announce=lambda line: err.print(escape(line)),
        ),
    )
    if json_out:
        emit(
            {
                "training_id": done.training_id,
                "dataset": done.dataset,
                "version": done.version,
                "revision": done.revision,
                "exit_code": done.outcome.exit_code,
                "timed_out": done.outcome.timed_out,
                "seconds": done.seconds,
                "peek": str(done.peek) if done.peek is not None else None,
            }
        )
    elif done.outcome.timed_out:
        err.print(f"[bold red]stopped:[/] the command reached the {max_minutes:g}-minute ceiling (exit 124)")
    raise typer.Exit(done.outcome.exit_code)


def peek(
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
    from dataguard.app.commands.peek import write_peek

    page = run(json_out, lambda: write_peek(project, dataset, version, rows, seed, out_path))
    if json_out:
        return emit(page)
    print(page.path)
