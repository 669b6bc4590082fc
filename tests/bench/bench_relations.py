"""Benchmark: references and leak checks of a 10M-row version against a 1M-row other dataset.

Generates two seeded Parquet files:

- the version (``--rows``, default 10M): ``id`` 0..rows-1, ``ref`` a key of the other dataset for
  99% of the rows and a missing one for 1%, and a float ``x``;
- the other dataset (``--other-rows``, default 1M): ``key`` 0..other-1, and ``id``: 50,000 of them
  also ids of the version (the planted leak), the rest beyond them.

Each case runs in a child process of its own, so each peak RSS (VmHWM) is its own:

- dataguard ``References(columns="ref", to="key")`` and ``Disjoint(on="id")``: the checks as a run
  runs them (``write_relation_failures``, DuckDB with its 256 MB ceiling, spilling), writing the
  failure rows;
- the baseline in the same run: pandas reads both files and merges (``indicator=True``), the way
  one checks a foreign key or an overlap by hand.

It prints wall seconds, peak RSS and the failing rows found (which must be the planted counts).
A benchmark measures; it never asserts on time.

    .venv/bin/python -m tests.bench.bench_relations
    .venv/bin/python -m tests.bench.bench_relations --rows 1000000 --other-rows 100000   # quick check
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tests.bench.bench_validate import peak_rss_mib

DEFAULT_SCRATCH = Path("/tmp/dataguard-bench-relations")
RESULT_MARKER = "BENCH-RESULT "
LEAKED = 50_000
MISSING_SHARE = 0.01
CHUNK = 1_000_000


def make_data(folder: Path, rows: int, other_rows: int) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    version, other = folder / f"version-{rows}.parquet", folder / f"other-{other_rows}.parquet"
    if not version.exists():
        rng = np.random.default_rng(7)
        schema = pa.schema([("id", pa.int64()), ("ref", pa.int64()), ("x", pa.float64())])
        with pq.ParquetWriter(version, schema, compression="zstd") as writer:
            for start in range(0, rows, CHUNK):
                n = min(CHUNK, rows - start)
                ids = np.arange(start, start + n, dtype=np.int64)
                ref = rng.integers(0, other_rows, n)
                missing = rng.random(n) < MISSING_SHARE
                ref[missing] = other_rows + rng.integers(0, other_rows, int(missing.sum()))
                writer.write_table(pa.table({"id": ids, "ref": ref, "x": rng.normal(size=n)}, schema=schema))
    if not other.exists():
        keys = np.arange(other_rows, dtype=np.int64)
        ids = np.concatenate([np.arange(rows - LEAKED, rows), np.arange(rows, rows + other_rows - LEAKED)])
        pq.write_table(pa.table({"key": keys, "id": ids.astype(np.int64)}), other, compression="zstd")
    return version, other


def run_dataguard(kind: str, version: Path, other: Path, scratch: Path) -> dict[str, Any]:
    from dataguard.checks.failures import FAILURE_SCHEMA
    from dataguard.checks.relations import OtherRows, RelationCheck, write_relation_failures
    from dataguard.common.rows import version_relation
    from dataguard.spec.relations import Disjoint, References

    spec = References(columns="ref", dataset="other", to="key") if kind == "references" else Disjoint("other", on="id")
    check = RelationCheck(spec, OtherRows("other", 1, 0, version_relation(other)))
    out = scratch / f"failures-{kind}.parquet"
    started = time.perf_counter()
    with pq.ParquetWriter(out, FAILURE_SCHEMA) as writer:
        write_relation_failures(version, check, writer, scratch)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "failing_rows": pq.read_metadata(out).num_rows}


def run_pandas(kind: str, version: Path, other: Path) -> dict[str, Any]:
    import pandas as pd

    started = time.perf_counter()
    if kind == "references":
        rows = pd.read_parquet(version, columns=["id", "ref"])
        keys = pd.read_parquet(other, columns=["key"]).drop_duplicates()
        merged = rows.merge(keys, left_on="ref", right_on="key", how="left", indicator=True)
        failing = int((merged["_merge"] == "left_only").sum())
    else:
        rows = pd.read_parquet(version, columns=["id"])
        theirs = pd.read_parquet(other, columns=["id"]).drop_duplicates()
        failing = len(rows.merge(theirs, on="id", how="inner"))
    return {"wall_s": time.perf_counter() - started, "failing_rows": failing}


def child(args: argparse.Namespace) -> None:
    version, other = Path(args.version), Path(args.other)
    if args.engine == "dataguard":
        result = run_dataguard(args.kind, version, other, Path(args.scratch))
    else:
        result = run_pandas(args.kind, version, other)
    print(RESULT_MARKER + json.dumps(result | {"peak_rss_mib": peak_rss_mib()}))


def measure(engine: str, kind: str, version: Path, other: Path, scratch: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "tests.bench.bench_relations", "--child", "--engine", engine, "--kind", kind]
    command += ["--version", str(version), "--other", str(other), "--scratch", str(scratch)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(li for li in done.stdout.splitlines() if li.startswith(RESULT_MARKER))
    result: dict[str, Any] = json.loads(line[len(RESULT_MARKER) :])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--other-rows", type=int, default=1_000_000)
    parser.add_argument("--scratch", default=str(DEFAULT_SCRATCH))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--version", help=argparse.SUPPRESS)
    parser.add_argument("--other", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    scratch = Path(args.scratch)
    version, other = make_data(scratch, args.rows, args.other_rows)
    print(f"version {args.rows:,} rows, other {args.other_rows:,} rows ({scratch})")
    for kind in ("references", "leak"):
        for engine in ("dataguard", "pandas"):
            found = measure(engine, kind, version, other, scratch)
            print(
                f"{kind:<10} {engine:<9} wall {found['wall_s']:7.2f} s  peak RSS {found['peak_rss_mib']:7.0f} MiB"
                f"  failing rows {found['failing_rows']:,}"
            )


if __name__ == "__main__":
    main()
