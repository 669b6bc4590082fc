"""Benchmark: what proving the data costs at open, at 1M and 10M rows.

For each size it takes the seeded 12-column Parquet file of ``bench_validate``
(no bad rows, so the whole file is clean data), publishes it as the clean file
of a finished, open-gated run in a real DuckDB catalog (recording its SHA-256,
as ``publish`` does), and then measures in this process:

- ``open_validated(verify=False)``: the gate's catalog reads only (the baseline);
- ``open_validated()``: the same plus re-hashing the whole file, with the file
  in the page cache (warm) and evicted from it first (cold, ``posix_fadvise``
  DONTNEED: the disk's read speed counts too);
- the ratio of the two and the hashing throughput;
- the peek (``dataguard peek``: sample, DuckDB figures, plots, page), for scale.

A benchmark measures; it never asserts on time.

    .venv/bin/python -m tests.bench.bench_open                    # 1M and 10M rows
    .venv/bin/python -m tests.bench.bench_open --rows 100000      # quick check
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.bench_validate import REPO, data_file, environment

DEFAULT_SCRATCH = Path("/tmp/dataguard-bench-open")
DEFAULT_OUT = REPO / "bench-results" / "open.json"
DATASET = "bench"
REPEATS = 5


def publish_file(project: Path, clean: Path, rows: int) -> float:
    """A fresh project whose catalog has one version with an open gate on ``clean``; the hashing time."""
    from dataguard import catalog
    from dataguard.catalog.locks import dataset_lock
    from dataguard.common.integrity import file_fingerprint
    from dataguard.project import Project

    shutil.rmtree(project, ignore_errors=True)
    (project / "schemas").mkdir(parents=True)
    found = Project(project, project / "data" / "warehouse")
    started = time.perf_counter()
    fingerprint = file_fingerprint(clean)
    hashing_s = time.perf_counter() - started
    record = catalog.VersionRecord(
        DATASET, 1, fingerprint.digest, str(clean), "parquet", fingerprint.size_bytes, rows, str(clean), "ingested",
        datetime.now(UTC),
    )  # fmt: skip
    run_id = uuid.uuid4().hex
    with dataset_lock(found, DATASET) as lock:
        with catalog.writing(found.catalog) as con:
            catalog.insert_version(con, record)
        catalog.start_run(found.catalog, run_id, DATASET, 1, None, lock.lease)
        catalog.finish_run(found.catalog, fence=lock.fence, run=catalog.FinishedRun(
            run_id=run_id, dataset=DATASET, version=1, verdict="PASS", gate_open=True, reasons=[],
            rows_input=rows, rows_clean=rows, rows_quarantined=0, clean_path=str(clean),
            quarantine_path=str(clean), report_json=str(project / "report.json"), checks=[],
            clean_fingerprint=fingerprint.digest, clean_size=fingerprint.size_bytes,
        ))  # fmt: skip
    return hashing_s


def evict(path: Path) -> None:
    """Drop the file's pages from the page cache, so the next read comes from the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def timed(call: Callable[[], Any], repeats: int, before: Callable[[], None] | None = None) -> dict[str, float]:
    """Median and min wall time of ``repeats`` calls (``before`` runs untimed ahead of each)."""
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return {"median_s": statistics.median(times), "min_s": min(times), "repeats": repeats}


def measure(rows: int, clean: Path, scratch: Path, peek: bool) -> dict[str, Any]:
    import dataguard
    from dataguard.common.integrity import file_fingerprint

    project = scratch / f"project-{rows}"
    publish_hash_s = publish_file(project, clean, rows)
    size = clean.stat().st_size

    def opened(verify: bool) -> Callable[[], Any]:
        return lambda: dataguard.open_validated(DATASET, project=project, verify=verify)

    opened(True)()  # warm: imports, catalog file, page cache
    result: dict[str, Any] = {
        "rows": rows,
        "bytes": size,
        "publish_hash_s": publish_hash_s,
        "open_no_verify": timed(opened(False), REPEATS),
        "open_verify_warm": timed(opened(True), REPEATS),
        "open_verify_cold": timed(opened(True), 3, before=lambda: evict(clean)),
        "hash_warm": timed(lambda: file_fingerprint(clean), REPEATS),
        "hash_cold": timed(lambda: file_fingerprint(clean), 3, before=lambda: evict(clean)),
    }
    base = result["open_no_verify"]["median_s"]
    for kind in ("warm", "cold"):
        result[f"ratio_{kind}"] = result[f"open_verify_{kind}"]["median_s"] / base
        result[f"hash_gb_per_s_{kind}"] = size / result[f"hash_{kind}"]["median_s"] / 1e9
    if peek:
        result["peek"] = timed(lambda: _peek(project), 1)
    return result


def _peek(project: Path) -> None:
    import dataguard
    from dataguard.gate.peek_html import peek_page
    from dataguard.project import find_project

    proj = find_project(project)
    peek_page(proj.catalog, dataguard.open_validated(DATASET, project=proj), 20, 0, project / "peek.html")


def print_table(results: list[dict[str, Any]]) -> None:
    print("\nopen_validated, median wall time; hash = file_fingerprint alone (SHA-256 of every byte)")
    print(
        f"{'rows':>12} {'MiB':>6} {'no verify':>10} {'verify warm':>12} {'ratio':>6} {'verify cold':>12} "
        f"{'ratio':>6} {'hash warm':>10} {'GB/s':>5} {'hash cold':>10} {'GB/s':>5} {'peek':>7}"
    )
    for r in results:
        ms = {k: r[k]["median_s"] * 1e3 for k in ("open_no_verify", "open_verify_warm", "open_verify_cold")}
        hashed = {k: r[f"hash_{k}"]["median_s"] * 1e3 for k in ("warm", "cold")}
        peek = f"{r['peek']['median_s']:.2f}s" if "peek" in r else "-"
        print(
            f"{r['rows']:>12,} {r['bytes'] / 2**20:>6,.0f} {ms['open_no_verify']:>7.0f} ms "
            f"{ms['open_verify_warm']:>9.0f} ms {r['ratio_warm']:>5.1f}x {ms['open_verify_cold']:>9.0f} ms "
            f"{r['ratio_cold']:>5.1f}x {hashed['warm']:>7.0f} ms {r['hash_gb_per_s_warm']:>5.2f} "
            f"{hashed['cold']:>7.0f} ms {r['hash_gb_per_s_cold']:>5.2f} {peek:>7}"
        )
    if len(results) > 1:
        small, large = results[0], results[-1]
        growth = large["open_verify_warm"]["median_s"] / small["open_verify_warm"]["median_s"]
        print(
            f"\n{large['rows'] // small['rows']}x the rows ({large['bytes'] / small['bytes']:.1f}x the bytes): "
            f"open with verification takes {growth:.1f}x as long (warm)"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_open", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="sizes to measure")
    parser.add_argument("--scratch", type=Path, default=DEFAULT_SCRATCH, help="data files and projects")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-peek", action="store_true", help="skip timing the peek")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON figures go")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = args.scratch.resolve()
    results = []
    for rows in sorted(set(args.rows)):
        path, meta = data_file(scratch, rows, args.seed, 0.0)
        how = "reused" if meta["reused"] else f"generated in {meta['generate_s']:.1f} s"
        print(f"data {rows:,} rows: {path} ({meta['bytes'] / 2**20:,.0f} MiB, {how})", file=sys.stderr)
        results.append(measure(rows, path, scratch, not args.no_peek))
    print_table(results)
    figures = {
        "command": " ".join([Path(sys.executable).name, "-m", "tests.bench.bench_open", *sys.argv[1:]]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": environment(),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nfigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
