"""Benchmark: what a whole ``dataguard`` command costs, started as a fresh process.

Sets up the example project in a temporary folder (``schemas/flights.py``, the
two sample months validated once), then runs each case as its own process,
``--repeat`` times, with ``PREFECT_API_URL`` removed from the environment:

- ``python -c pass``: the interpreter's own start, the baseline of the ratios;
- ``import dataguard``;
- ``dataguard gate flights`` and ``dataguard.open_validated('flights')`` on the
  project after the two versions;
- ``dataguard validate flights`` on a 1,000-row CSV (the first 1,000 rows of
  ``flights-2013-01.csv``), on an empty file and on a missing one (exit 2), each
  repetition in a new warehouse (``DATAGUARD_WAREHOUSE``) so it really validates
  (the 1,000 rows exit 1: the contract's slices want at least 20,000 rows);
- the 1,000-row validate with ``--prefect`` (at most twice; ``--no-prefect``
  skips it): the fixed cost of Prefect's embedded server. The first ``--prefect``
  run on a machine also creates Prefect's database in ``PREFECT_HOME``.

How it measures: each command runs under a tiny launcher (``LAUNCHER``) that
``fork``s and ``exec``s it and reaps it with ``os.wait4``, so the launcher gets
that one child's own ``ru_maxrss`` and times fork to reap with
``perf_counter`` (the launcher's own start is not counted). Python's subprocess
would ``vfork``, and a vforked child's ``ru_maxrss`` starts at the parent's
peak; a real ``fork`` from a small launcher starts it at the launcher's anonymous
RSS (about 4 MiB, recorded as ``floor_mib``), below any Python process's peak,
so the figure is the command's own (it matches ``/usr/bin/time -f %M``). For
``--prefect`` the embedded server is a subprocess of the command: ``ru_maxrss``
then covers it as the larger of the two peaks, not their sum.
A benchmark measures; it never asserts on time.

    .venv/bin/python -m tests.bench.bench_cli                      # 5 repetitions
    .venv/bin/python -m tests.bench.bench_cli --repeat 3 --no-prefect --targets
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.bench_validate import REPO, environment
from tests.conftest import flights_contract_text

DEFAULT_OUT = REPO / "bench-results" / "cli.json"
SAMPLES = REPO / "data" / "samples"
SAMPLE_ROWS = 1_000
PREFECT_RUNS = 2
BASELINE = "interpreter start"
RESULT_MARKER = "BENCH-RESULT "
LAUNCHER = """
import json, os, sys, time
marker, command = sys.argv[1], sys.argv[2:]
floor = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("RssAnon:"))
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
result = {"exit_code": os.waitstatus_to_exitcode(status), "wall_s": wall,
          "peak_rss_mib": usage.ru_maxrss / 1024, "floor_mib": floor / 1024}
print("\\n" + marker + json.dumps(result), flush=True)
"""
UNSET = ("PREFECT_API_URL", "DATAGUARD_WAREHOUSE", "DATAGUARD_PROJECT")  # removed from the children's environment
# The targets (median wall s); printed with --targets, never enforced.
TARGETS = {
    "validate 1,000 rows": 2.0,
    "validate empty file": 1.5,
    "validate missing file": 1.5,
    "gate": 0.3,
    "open_validated": 0.5,
}


@dataclass(frozen=True)
class Case:
    name: str
    argv: list[str]
    fresh_warehouse: bool = False  # a new DATAGUARD_WAREHOUSE each repetition
    runs: int | None = None  # repetitions; None: --repeat


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """One fresh process of ``argv`` under the launcher: exit code, wall s, peak RSS MiB."""
    launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, RESULT_MARKER]  # -I -S: no site packages, a small floor
    done = subprocess.run([*launcher, *argv], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    found = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if not found:
        raise RuntimeError(f"launcher failed ({done.returncode}): {done.stderr[-500:]}")
    result: dict[str, Any] = json.loads(found[-1][len(RESULT_MARKER) :])
    if result["exit_code"] not in (0, 1, 2):  # neither a verdict nor bad input: keep the end of its message
        result["stderr_tail"] = done.stderr.strip()[-300:]
    return result


def set_up_project(scratch: Path, env: dict[str, str]) -> tuple[Path, Path, Path]:
    """The example project with both sample months validated; the 1,000-row and the empty CSV."""
    project = scratch / "project"
    (project / "schemas").mkdir(parents=True)
    (project / "schemas" / "flights.py").write_text(flights_contract_text())
    for sample in ("flights-2013-01.csv", "flights-2013-02.parquet"):
        command = [str(dataguard_exe()), "validate", "flights", str(SAMPLES / sample), "--quiet"]
        subprocess.run(command, cwd=project, env=env, stdout=subprocess.DEVNULL, check=True)
    small = scratch / f"flights-{SAMPLE_ROWS}rows.csv"
    with (SAMPLES / "flights-2013-01.csv").open() as source:
        small.write_text("".join(itertools.islice(source, SAMPLE_ROWS + 1)))  # the header and 1,000 rows
    empty = scratch / "empty.csv"
    empty.touch()
    return project, small, empty


def dataguard_exe() -> Path:
    return Path(sys.executable).parent / "dataguard"


def cases(small: Path, empty: Path, scratch: Path, repeat: int, prefect: bool) -> list[Case]:
    python, dg = sys.executable, str(dataguard_exe())
    validate = [dg, "validate", "flights"]
    found = [
        Case(BASELINE, [python, "-c", "pass"]),
        Case("import dataguard", [python, "-c", "import dataguard"]),
        Case("gate", [dg, "gate", "flights"]),
        Case("open_validated", [python, "-c", "import dataguard; dataguard.open_validated('flights')"]),
        Case(f"validate {SAMPLE_ROWS:,} rows", [*validate, str(small)], fresh_warehouse=True),
        Case("validate empty file", [*validate, str(empty)], fresh_warehouse=True),
        Case("validate missing file", [*validate, str(scratch / "missing.csv")], fresh_warehouse=True),
    ]
    if prefect:
        runs = min(repeat, PREFECT_RUNS)
        prefect_argv = [*validate, str(small), "--prefect"]
        found.append(Case(f"validate {SAMPLE_ROWS:,} rows --prefect", prefect_argv, fresh_warehouse=True, runs=runs))
    return found


def measure(case: Case, project: Path, scratch: Path, env: dict[str, str], repeat: int) -> dict[str, Any]:
    runs = []
    for number in range(case.runs or repeat):
        run_env = dict(env)
        if case.fresh_warehouse:
            run_env["DATAGUARD_WAREHOUSE"] = str(scratch / "warehouses" / f"{case.name.replace(' ', '_')}-{number}")
        runs.append(run_once(case.argv, project, run_env))
    walls = [r["wall_s"] for r in runs]
    return {
        "case": case.name,
        "command": " ".join(case.argv),
        "exit_codes": sorted({r["exit_code"] for r in runs}),
        "median_wall_s": statistics.median(walls),
        "min_wall_s": min(walls),
        "max_peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "runs": runs,
    }


def print_table(results: list[dict[str, Any]]) -> None:
    print(f"\n{'case':<32} {'exit':>5} {'median s':>9} {'min s':>7} {'peak RSS MiB':>12} {'wall/start':>10}")
    for r in results:
        codes = ",".join(map(str, r["exit_codes"]))
        print(
            f"{r['case']:<32} {codes:>5} {r['median_wall_s']:>9.3f} {r['min_wall_s']:>7.3f}"
            f" {r['max_peak_rss_mib']:>12.1f} {r['wall_over_interpreter_start']:>9.1f}x"
        )
    print(f"(median and min over the repetitions; peak RSS: the largest; wall/start: median over {BASELINE}'s)")


def print_targets(results: list[dict[str, Any]]) -> None:
    medians = {r["case"]: r["median_wall_s"] for r in results}
    parts = [f"{name} {medians[name]:.2f} s (target < {limit} s)" for name, limit in TARGETS.items() if name in medians]
    print("targets: " + "; ".join(parts))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_cli", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="processes per case (--prefect: at most 2)")
    parser.add_argument("--no-prefect", action="store_true", help="skip the --prefect validate (10-20 s a run)")
    parser.add_argument("--targets", action="store_true", help="also print the issue's targets next to the medians")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON figures go")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = {name: value for name, value in os.environ.items() if name not in UNSET}
    with tempfile.TemporaryDirectory(prefix="dataguard-bench-cli-") as tmp:
        scratch = Path(tmp)
        print("validating the two sample months for gate and open_validated ...", file=sys.stderr, flush=True)
        project, small, empty = set_up_project(scratch, env)
        results = []
        for case in cases(small, empty, scratch, args.repeat, not args.no_prefect):
            print(f"  {case.name} ...", file=sys.stderr, flush=True)
            results.append(measure(case, project, scratch, env, args.repeat))
    baseline = next(r["median_wall_s"] for r in results if r["case"] == BASELINE)
    for r in results:
        r["wall_over_interpreter_start"] = r["median_wall_s"] / baseline
    figures = {
        "command": " ".join([Path(sys.executable).name, "-m", "tests.bench.bench_cli", *sys.argv[1:]]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": environment(),
        "repeat": args.repeat,
        "targets_s": TARGETS,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print_table(results)
    if args.targets:
        print_targets(results)
    print(f"\nfigures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
