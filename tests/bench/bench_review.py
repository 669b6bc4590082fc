"""Paging the quarantine: the first and the last page of a 1M-row quarantine against a 10-row one.

    python -m tests.bench.bench_review [--rows 1000000] [--repeat 7]

A version whose every row but ten fails one check (so its quarantine holds ``--rows`` rows) and a
version with ten quarantined rows, validated in one project; then pages of 50 rows read three ways:
the command (``quarantine_page``), the JSON API and the page a browser gets, both over HTTP from the
app ``dataguard ui`` serves. Median and max over the repetitions, in milliseconds. A benchmark
measures; it never asserts on time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "bench-results" / "review.json"
PAGE = 50
CONTRACT = """
import pandera.pandas as pa
import dataguard
schema = pa.DataFrameSchema({"id": pa.Column(int), "score": pa.Column(float, pa.Check.ge(0))})
contract = dataguard.Contract(gate=dataguard.GatePolicy(max_quarantined_fraction=1.0))
"""


def write_version(path: Path, rows: int, bad: int) -> Path:
    ids = pa.array(range(rows), pa.int64())
    scores = pa.array([-1.0 if i < bad else 1.0 for i in range(rows)], pa.float64())
    pq.write_table(pa.table({"id": ids, "score": scores}), path)
    return path


def timed(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    call()  # the first call opens files and warms caches; a reviewer's next page is the measured case
    walls = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        walls.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(walls), "max_ms": max(walls)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_review", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="quarantined rows of the large version")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    import httpx
    from typer.testing import CliRunner

    from dataguard.app.cli import app
    from dataguard.app.commands.review import quarantine_page
    from dataguard.app.commands.users import add_user
    from dataguard.project import Project
    from dataguard.review.quarantine import RowFilter
    from tests.web_server import serving

    with tempfile.TemporaryDirectory(prefix="dataguard-bench-review-") as scratch:
        root = Path(scratch) / "proj"
        (root / "schemas").mkdir(parents=True)
        (root / "schemas" / "scores.py").write_text(textwrap.dedent(CONTRACT).lstrip())
        project = Project(root, root / "data" / "warehouse")
        runner = CliRunner()
        sizes = {"large": args.rows, "small": 10}
        for number, (name, bad) in enumerate(sizes.items(), start=1):
            source = write_version(Path(scratch) / f"{name}.parquet", bad + 10, bad)
            done = runner.invoke(app, ["validate", "scores", str(source), "--project", str(root), "--quiet"])
            assert done.exit_code in (0, 1), done.output
            sizes[name] = number
        token = add_user(project, "bench", "viewer").token
        headers = {"Authorization": f"Bearer {token}"}
        results: list[dict[str, Any]] = []
        with serving(project) as base, httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            cookie = client.post("/login", data={"token": token}, follow_redirects=False).cookies
            for version in sizes.values():
                total = quarantine_page(project, "scores", version, RowFilter(), PAGE, 0).total
                for page_name, offset in (("first", 0), ("last", max(0, total - PAGE))):
                    path = f"/datasets/scores/versions/{version}/quarantine"

                    def command(v: int = version, o: int = offset) -> Any:
                        return quarantine_page(project, "scores", v, RowFilter(), PAGE, o)

                    def api(p: str = path, o: int = offset) -> Any:
                        return client.get(f"/api/v1{p}", params={"limit": PAGE, "offset": o}).raise_for_status()

                    def page(p: str = path, o: int = offset) -> Any:
                        return client.get(p, params={"offset": o}, cookies=cookie).raise_for_status()

                    for how, call in (("command", command), ("api", api), ("page", page)):
                        figures = timed(call, args.repeat)
                        results.append({"quarantine_rows": total, "page": page_name, "via": how, **figures})
    print(f"{'quarantined rows':>16}  {'page':<5}  {'via':<8} {'median ms':>9} {'max ms':>8}")
    for r in results:
        print(f"{r['quarantine_rows']:>16,}  {r['page']:<5}  {r['via']:<8} {r['median_ms']:>9.1f} {r['max_ms']:>8.1f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"figures written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
