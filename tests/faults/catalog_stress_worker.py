"""One process of the catalog stress test: a random mix of writers and readers until a deadline.

    python -m tests.faults.catalog_stress_worker ROOT SOURCES SEED SECONDS LOG

Each operation is the real command (the CLI app, in this process) or the real
Python API (``open_validated``). One JSON line per finished operation goes to
LOG, flushed at once, so a worker killed with -9 leaves every line it finished.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import sqlalchemy as sa
from typer.testing import CliRunner

import dataguard
from dataguard import catalog
from dataguard.app.cli import app
from dataguard.catalog import schema
from dataguard.errors import DataguardError
from dataguard.project import Project, find_project

DATASETS = ("flights", "flights_b")
READERS = ("gate", "versions", "open_validated")
SOURCE_FILES = 10
REPO = Path(__file__).resolve().parents[2]
FEB = REPO / "data" / "samples" / "flights-2013-02.parquet"
WRITERS = ("validate", "validate", "ingest", "release", "reject", "baseline")


def command(op: str, rng: random.Random, root: Path, sources: list[Path]) -> list[str] | None:
    dataset = rng.choice(DATASETS)
    if op in ("validate", "ingest"):
        return [op, dataset, str(rng.choice(sources)), "--json"]
    if op in ("gate", "versions"):
        return [op, dataset, "--json"]
    project = find_project(root)
    known = catalog.list_versions(project.catalog, dataset)
    if not known:
        return None
    if op == "baseline":
        return ["baseline", "set", dataset, str(rng.choice(known).version)]
    # a version with rows still to decide, in random order: an ingested-only version or a decided quarantine
    # has none, and picking one of those left a short run without a single reject
    for record in rng.sample(known, len(known)):
        run = catalog.latest_finished_run(project.catalog, dataset, record.version)
        pending = [] if run is None else _pending(project, run)
        if pending:
            rows = ",".join(str(r) for r in rng.sample(pending, min(2, len(pending))))
            version = str(record.version)
            return ["quarantine", op, dataset, "--version", version, "--rows", rows, "--note", "stress", "--json"]
    return None


def _pending(project: Any, run: catalog.RunRecord) -> list[int]:
    quarantined = pq.read_table(str(run.quarantine_path), columns=["_row_id"]).column("_row_id").to_pylist()
    decided = catalog.row_states(project.catalog, run.run_id)
    return [r for r in quarantined if r not in decided]


def snapshot_wait(root: Path) -> float:
    """How long a reader waits to see the catalog: open a read snapshot and read from it (what every reader does)."""
    started = time.monotonic()
    with catalog.reading(find_project(root).catalog) as con:
        if con is not None:
            con.execute(sa.select(sa.func.count()).select_from(schema.versions)).scalar()
    return time.monotonic() - started


def operate(op: str, rng: random.Random, root: Path, sources: list[Path], runner: CliRunner) -> dict[str, Any]:
    if op in READERS:
        return {"wait": snapshot_wait(root), **_operate(op, rng, root, sources, runner)}
    return _operate(op, rng, root, sources, runner)


def _operate(op: str, rng: random.Random, root: Path, sources: list[Path], runner: CliRunner) -> dict[str, Any]:
    started = time.monotonic()
    if op == "open_validated":
        try:
            opened = dataguard.open_validated(rng.choice(DATASETS), project=root)
            outcome: dict[str, Any] = {"exit": 0, "version": opened.version, "revision": opened.revision}
        except DataguardError as error:
            outcome = {"exit": error.exit_code, "error": type(error).__name__}
        except Exception:
            outcome = {"exit": -1, "traceback": traceback.format_exc()}
        return {"op": op, "seconds": time.monotonic() - started, **outcome}
    args = command(op, rng, root, sources)
    if args is None:
        return {"op": op, "skipped": True, "seconds": time.monotonic() - started}
    result = runner.invoke(app, [*args, "--project", str(root)])
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    outcome = {"exit": result.exit_code, "args": args}
    if crashed or "Traceback" in result.output:
        outcome["traceback"] = "".join(traceback.format_exception(result.exception)) if crashed else result.output
    elif result.exit_code not in (0, 1):
        outcome["output"] = result.output[-500:]
    return {"op": op, "seconds": time.monotonic() - started, **outcome}


def make_sources(folder: Path) -> Path:
    """Ten distinct small versions of February: 1,500 rows each, drawn at random, so they do not drift."""
    folder.mkdir()
    table = pq.read_table(FEB)
    for n in range(SOURCE_FILES):
        rows = sorted(random.Random(n).sample(range(table.num_rows), 1500))
        pq.write_table(table.take(rows), folder / f"feb-{n}.parquet")
    return folder


def start(project: Project, sources: Path, seed: int, seconds: float, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "tests.faults.catalog_stress_worker", str(project.root), str(sources)]
    env = {**os.environ, "DATAGUARD_LOCK_WAIT_SECONDS": "300"}
    return subprocess.Popen([*command, str(seed), str(seconds), str(log)], cwd=REPO, env=env)


def operations(logs: Path, *, complete: bool = True) -> list[dict[str, Any]]:
    """Every operation the workers logged; ``complete=False`` while they still write (a last line may be cut)."""
    lines = [line for path in sorted(logs.glob("*.jsonl")) for line in path.read_text().splitlines()]
    if not complete:
        lines = [line for line in lines if line.endswith("}")]
    return [op for op in map(json.loads, lines) if "op" in op]


def stop_file(log: Path) -> Path:
    """Created by the test when the load has run long enough: every worker then ends after its operation."""
    return log.parent / "stop"


def main() -> None:
    root, sources_dir, seed, seconds, log = sys.argv[1:6]
    rng = random.Random(int(seed))
    sources = sorted(Path(sources_dir).glob("*.parquet"))
    deadline = time.monotonic() + float(seconds)
    runner = CliRunner()
    with open(log, "a", encoding="utf-8") as out:
        # the process's first connection (engine, login, schema check) is set-up, not waiting for a writer
        print(json.dumps({"started": True, "first_read": snapshot_wait(Path(root))}), file=out, flush=True)
        # writers take turns through every kind, each worker from its own place in the turn, so that a short
        # or slow run still releases, rejects and pins (a random pick left release out of one 18 s run)
        writers = itertools.cycle(WRITERS[int(seed) % len(WRITERS) :] + WRITERS[: int(seed) % len(WRITERS)])
        waiting: str | None = None  # a writer skipped for want of data keeps its turn
        stop = stop_file(Path(log))
        while time.monotonic() < deadline and not stop.exists():
            writer = rng.random() >= 0.5
            op = (waiting or next(writers)) if writer else rng.choice(READERS)
            done = operate(op, rng, Path(root), sources, runner)
            waiting = op if writer and done.get("skipped") else None
            print(json.dumps(done), file=out, flush=True)


if __name__ == "__main__":
    main()
