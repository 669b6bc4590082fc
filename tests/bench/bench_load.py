"""Benchmark: wall time and peak memory of `dataguard validate` on awkward shapes of data.

Each case runs the real CLI (a fresh process, Prefect's embedded API, a DuckDB
catalog) on two versions of a generated file, the second drifted from the
first, and records the wall time and the peak RSS of the second run (which
also computes drift against the first). The baseline, run in the same
invocation, is the shipped flights sample (27,004 rows, 19 columns); the
ratios say how far each shape moves time and memory away from it.

- wide: 2,000 float columns (10,000 rows);
- long strings: rows carrying 1 MB strings (50 rows, one over the contract's limit);
- high cardinality: a string column with 1M distinct values (1M rows; 10M with --huge).

The suite's own load tests (tests/faults/test_load.py) check the results;
this only measures. Files are generated in a child process, so this
process's own memory never counts in a child's peak (Linux carries
ru_maxrss across fork).

    .venv/bin/python -m tests.bench.bench_load
    .venv/bin/python -m tests.bench.bench_load --huge
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.bench_validate import REPO, environment
from tests.conftest import flights_contract_text

DEFAULT_SCRATCH = Path("/tmp/dataguard-bench-load")
DEFAULT_OUT = REPO / "bench-results" / "load.json"
WIDE_COLUMNS, WIDE_ROWS = 2_000, 10_000
LONG_ROWS, LONG_CHARS = 50, 1_000_000


@dataclass(frozen=True)
class Case:
    name: str
    dataset: str
    contract: str
    files: tuple[str, str]  # version 1, version 2 (names under the case's folder)
    generate: str  # Python run in a child: writes both files into the folder given as sys.argv[1]


def wide_case() -> Case:
    fields = "\n".join(f"    c{i}: float = pa.Field(ge=0)" for i in range(WIDE_COLUMNS))
    return Case(
        f"wide ({WIDE_COLUMNS:,} columns)",
        "wide",
        f"import pandera.pandas as pa\n\n\nclass schema(pa.DataFrameModel):\n{fields}\n",
        ("wide-1.parquet", "wide-2.parquet"),
        f"""
        import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq
        rng = np.random.default_rng(7)
        for number, shift in ((1, 0.0), (2, 0.5)):
            names = [f"c{{i}}" for i in range({WIDE_COLUMNS})]
            table = pa.table({{n: rng.gamma(2.0, 1.0, {WIDE_ROWS}) + shift for n in names}})
            pq.write_table(table, f"{{sys.argv[1]}}/wide-{{number}}.parquet")
        """,
    )


def long_strings_case() -> Case:
    return Case(
        f"long strings ({LONG_ROWS} x 1 MB)",
        "texts",
        textwrap.dedent(
            f"""
            import pandera.pandas as pa


            class schema(pa.DataFrameModel):
                id: int
                body: str = pa.Field(str_length={{"max_value": {LONG_CHARS}}})
            """
        ).lstrip(),
        ("texts-1.jsonl", "texts-2.jsonl"),
        f"""
        import json, sys
        for number in (1, 2):
            with open(f"{{sys.argv[1]}}/texts-{{number}}.jsonl", "w") as out:
                for i in range({LONG_ROWS}):
                    size = {LONG_CHARS} + (1 if i == 0 and number == 2 else 0)
                    out.write(json.dumps({{"id": i, "body": chr(97 + (i + number) % 26) * size}}) + "\\n")
        """,
    )


def cardinality_case(rows: int) -> Case:
    return Case(
        f"high cardinality ({rows:,} distinct)",
        "users",
        textwrap.dedent(
            """
            import pandera.pandas as pa


            class schema(pa.DataFrameModel):
                user: str
                n: int = pa.Field(ge=0)
            """
        ).lstrip(),
        ("users-1.parquet", "users-2.parquet"),
        f"""
        import sys, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
        ids = pa.array(range({rows}), pa.int64())
        for number in (1, 2):
            users = pc.binary_join_element_wise("u{{number}}-".format(number=number), pc.cast(ids, pa.string()), "")
            pq.write_table(pa.table({{"user": users, "n": ids}}), f"{{sys.argv[1]}}/users-{{number}}.parquet")
        """,
    )


def baseline_case() -> Case:
    return Case(
        "baseline (flights sample)",
        "flights",
        flights_contract_text(),
        ("flights-2013-01.csv", "flights-2013-02.parquet"),
        """
        import shutil, sys
        for name in ("flights-2013-01.csv", "flights-2013-02.parquet"):
            shutil.copy(f"data/samples/{name}", f"{sys.argv[1]}/{name}")
        """,
    )


def run_case(case: Case, scratch: Path) -> dict[str, Any]:
    """Generate the files, then validate version 1 and version 2 with the CLI; figures of version 2."""
    folder = scratch / case.dataset
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "project" / "schemas").mkdir(parents=True)
    (folder / "project" / "schemas" / f"{case.dataset}.py").write_text(case.contract)
    print(f"{case.name}: generating ...", file=sys.stderr, flush=True)
    code = textwrap.dedent(case.generate)
    subprocess.run([sys.executable, "-c", code, str(folder)], cwd=REPO, check=True)
    input_bytes = sum((folder / name).stat().st_size for name in case.files)
    env = {**os.environ, "DATAGUARD_PROJECT": str(folder / "project")}
    env.setdefault("PREFECT_HOME", str(scratch / "prefect-home"))
    env.pop("DATAGUARD_WAREHOUSE", None)
    runs = []
    for name in case.files:
        print(f"{case.name}: validate {name} ...", file=sys.stderr, flush=True)
        command = [str(Path(sys.executable).parent / "dataguard"), "validate", case.dataset, str(folder / name)]
        command.append("--json")
        stderr = (folder / f"{name}.stderr").open("wb")
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=stderr)
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        stderr.close()
        if code not in (0, 1):  # 1 is a closed gate, a verdict; anything else is a failure to show
            print((folder / f"{name}.stderr").read_text(errors="replace")[-3000:], file=sys.stderr)
        report = json.loads(out) if out.strip().startswith(b"{") else {}
        runs.append(
            {
                "file": name,
                "exit_code": code,
                "wall_s": wall,
                "peak_rss_mib": usage.ru_maxrss / 1024,
                "verdict": report.get("verdict"),
                "rows": report.get("rows"),
            }
        )
    shutil.rmtree(folder, ignore_errors=True)
    return {"case": case.name, "input_mib": input_bytes / 2**20, "runs": runs}


def print_table(results: list[dict[str, Any]]) -> None:
    base = results[0]["runs"][-1]
    print(f"\n{'case':<34} {'input MiB':>10} {'rows':>11} {'verdict':>8} {'wall s':>8} {'x base':>7} "
          f"{'peak MiB':>9} {'x base':>7}")  # fmt: skip
    for result in results:
        run = result["runs"][-1]
        rows = (run["rows"] or {}).get("input")
        print(
            f"{result['case']:<34} {result['input_mib']:>10,.1f} {rows if rows is not None else '-':>11} "
            f"{run['verdict'] or 'exit ' + str(run['exit_code']):>8} {run['wall_s']:>8.1f} "
            f"{run['wall_s'] / base['wall_s']:>7.2f} {run['peak_rss_mib']:>9,.0f} "
            f"{run['peak_rss_mib'] / base['peak_rss_mib']:>7.2f}"
        )
    print("(figures of version 2: checks, split, drift against version 1, profiles, reports; one CLI process each)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_load", description=__doc__.split("\n")[0])
    parser.add_argument("--huge", action="store_true", help="the high-cardinality case at 10M rows too")
    parser.add_argument("--scratch", type=Path, default=DEFAULT_SCRATCH)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    scratch = args.scratch.resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    cases = [baseline_case(), wide_case(), long_strings_case(), cardinality_case(1_000_000)]
    if args.huge:
        cases.append(cardinality_case(10_000_000))
    results = [run_case(case, scratch) for case in cases]
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figures = {"command": " ".join(["python -m tests.bench.bench_load", *sys.argv[1:]]), "environment": environment()}
    args.out.write_text(json.dumps({**figures, "results": results}, indent=2) + "\n")
    print(f"figures written to {args.out}")
    failed = [r["case"] for r in results for run in r["runs"] if run["exit_code"] not in (0, 1)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
