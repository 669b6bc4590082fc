"""Releasing quarantined rows of a large version, and what a version costs on disk.

    python -m tests.bench.bench_release [--rows 10000000] [--bad 50000] [--repeat 5]

One Parquet version of ``--rows`` rows of which ``--bad`` (spread evenly) fail a check, validated
in-process. Then, each timed: a release of one row and of 1,000 rows and a rejection of 1,000 (each
a new revision: a smaller deletion vector), the first ``open_validated`` of the newest revision
(which makes its clean file), a second open (hashes it), and an open with ``materialize=False``
streaming every clean row. The same-run baseline is the old design's release: writing the whole
clean file again (``write_clean`` of that revision). Disk: the source, the version's stored file,
the run's own files (quarantine, deletion vectors, reports) and a made clean file. A benchmark
measures; it never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "bench-results" / "release.json"
CONTRACT = """
import pandera.pandas as pa
import dataguard
schema = pa.DataFrameSchema({
    "id": pa.Column(int), "score": pa.Column(float, pa.Check.ge(0)), "amount": pa.Column(float),
    "label": pa.Column(str),
})
contract = dataguard.Contract(gate=dataguard.GatePolicy(max_quarantined_fraction=1.0))
"""


def write_version(path: Path, rows: int, bad: int) -> Path:
    rng = np.random.default_rng(7)
    ids = np.arange(rows, dtype=np.int64)
    scores = rng.random(rows)
    scores[:: max(1, rows // bad)][:bad] = -1.0
    labels = np.array(["a", "b", "c", "d"])[rng.integers(0, 4, rows)]
    columns = {"id": ids, "score": scores, "amount": rng.normal(100, 15, rows), "label": labels}
    table = pa.table({name: pa.array(values) for name, values in columns.items()})
    pq.write_table(table, path, row_group_size=1_000_000)
    return path


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def size_mib(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths if p.is_file()) / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_release", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--bad", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5, help="releases of one row measured (median)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    import dataguard
    from dataguard import catalog
    from dataguard.gate.materialize import write_clean
    from dataguard.measure.reference import reference_rows
    from dataguard.pipeline import Request, validate_version
    from dataguard.project import find_project
    from dataguard.review.revisions import decide_rows
    from dataguard.spec.contract import GatePolicy

    with tempfile.TemporaryDirectory(prefix="dataguard-bench-release-") as scratch:
        root = Path(scratch) / "project"
        (root / "schemas").mkdir(parents=True)
        (root / "schemas" / "big.py").write_text(CONTRACT)
        source = write_version(Path(scratch) / "big.parquet", args.rows, args.bad)
        project = find_project(root)
        validate_s, report = timed(lambda: validate_version(project, Request("big", str(source))))
        run = catalog.latest_finished_run(project.catalog, "big", 1)
        assert run is not None
        quarantined = pq.read_table(str(run.quarantine_path), columns=["_row_id"]).column("_row_id")
        ids: list[int] = quarantined.to_numpy().tolist()
        policy = GatePolicy(max_quarantined_fraction=1.0)

        def decide(action: str, rows: list[int]) -> float:
            now = catalog.latest_finished_run(project.catalog, "big", 1)
            assert now is not None
            wall, _ = timed(
                lambda: decide_rows(
                    project, now, action, rows, selector="bench", reviewer="bench", note="bench", policy=policy
                )
            )
            return wall

        one = [decide("release", [ids[i]]) for i in range(args.repeat)]
        thousand = decide("release", ids[args.repeat : args.repeat + 1_000])
        rejected = decide("reject", ids[args.repeat + 1_000 : args.repeat + 2_000])
        newest = catalog.latest_finished_run(project.catalog, "big", 1)
        assert newest is not None
        rewrite_s, _ = timed(
            lambda: write_clean(reference_rows(project.catalog, newest), Path(scratch) / "old-design.parquet")
        )
        first_open_s, opened = timed(lambda: dataguard.open_validated("big", project=project))
        second_open_s, _ = timed(lambda: dataguard.open_validated("big", project=project))

        def stream() -> int:
            streamed = dataguard.open_validated("big", project=project, materialize=False)
            return sum(batch.num_rows for batch in streamed.iter_batches())

        stream_s, streamed_rows = timed(stream)
        version = catalog.find_version(project.catalog, "big", version=1)
        assert version is not None
        run_dir = Path(report["paths"]["report_json"]).parent
        figures = {
            "rows": args.rows,
            "quarantined": report["rows"]["quarantined"],
            "validate_s": validate_s,
            "release_1_row_s": statistics.median(one),
            "release_1000_rows_s": thousand,
            "reject_1000_rows_s": rejected,
            "old_design_release_rewrite_s": rewrite_s,
            "first_open_makes_clean_file_s": first_open_s,
            "second_open_hashes_s": second_open_s,
            "stream_without_file_s": stream_s,
            "streamed_rows": streamed_rows,
            "disk_mib": {
                "source": size_mib([source]),
                "version_file": size_mib([Path(version.data_path)]),
                "run_files_before_open": {
                    p.name: round(size_mib([p]), 2) for p in sorted(run_dir.iterdir()) if p != opened.clean_path
                },
                "clean_file_made_on_open": size_mib([opened.clean_path]),
            },
        }
    print(json.dumps(figures, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
