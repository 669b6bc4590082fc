"""The catalog under load, both backends: operations per second and the longest reader wait.

    python -m tests.bench.bench_catalog [--seconds 30] [--workers 8]

The same mix as the stress test (tests/faults/test_catalog_stress.py: validate,
ingest, release, reject, baseline set, gate, versions, open_validated over two
datasets), without kills. Baseline, in the same run: one worker alone, so the
ratio says what 8 processes at once get out of each backend. A reader's wait is
the time to open a read snapshot of the catalog and read from it while the
writers work.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from dataguard.project import Project
from tests.conftest import flights_contract_text
from tests.faults.catalog_stress_worker import DATASETS, make_sources, operations, start
from tests.pg_server import PostgresServer

REPO = Path(__file__).resolve().parents[2]


def load(root: Path, sources: Path, workers: int, seconds: float) -> dict[str, Any]:
    if root.exists():
        shutil.rmtree(root)
    (root / "schemas").mkdir(parents=True)
    for dataset in DATASETS:
        (root / "schemas" / f"{dataset}.py").write_text(flights_contract_text())
    logs = root / "logs"
    logs.mkdir()
    project = Project(root, root / "data" / "warehouse")
    children = [start(project, sources, n, seconds, logs / f"{n}.jsonl") for n in range(workers)]
    for child in children:
        child.wait()
    ops = [op for op in operations(logs) if not op.get("skipped")]
    waits = sorted(op["wait"] for op in ops if "wait" in op)
    return {
        "ops": len(ops),
        "ops_per_s": len(ops) / seconds,
        "by_kind": Counter(op["op"] for op in ops),
        "tracebacks": sum(1 for op in ops if "traceback" in op),
        "reader_wait_p50_ms": 1000 * statistics.median(waits),
        "reader_wait_max_ms": 1000 * waits[-1],
    }


def report(backend: str, workers: int, alone: dict[str, Any], many: dict[str, Any]) -> None:
    print(f"\n{backend}")
    for label, figures in (("1 worker (baseline)", alone), (f"{workers} workers", many)):
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(figures["by_kind"].items()))
        print(
            f"  {label:<20} {figures['ops_per_s']:6.1f} ops/s ({figures['ops']} ops: {kinds}); "
            f"reader wait p50 {figures['reader_wait_p50_ms']:.1f} ms, max {figures['reader_wait_max_ms']:.1f} ms; "
            f"tracebacks {figures['tracebacks']}"
        )
    print(f"  throughput {workers} workers / 1 worker: {many['ops_per_s'] / alone['ops_per_s']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as scratch, PostgresServer() as server:
        base = Path(scratch)
        sources = make_sources(base / "sources")
        for backend in ("sqlite", "postgresql"):
            figures = []
            for workers in (1, args.workers):
                if backend == "postgresql":
                    os.environ["DATAGUARD_CATALOG_URL"] = server.new_database()
                else:
                    os.environ.pop("DATAGUARD_CATALOG_URL", None)
                figures.append(load(base / f"{backend}-{workers}", sources, workers, args.seconds))
            report(backend, args.workers, *figures)


if __name__ == "__main__":
    main()
