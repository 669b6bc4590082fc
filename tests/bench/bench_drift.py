"""Benchmark: dataguard's drift engine against scipy and Evidently on columns loaded in pandas.

Generates a seeded reference and a current version of the same size (12 mixed
columns; the current has a few drifts planted, from meaningful to negligible),
then measures, each in its own child process so each peak RSS is its own:

- dataguard: ``drift.compare(current, reference)``, every figure in DuckDB;
- scipy: per column, ``pd.read_parquet`` of that column from both files, then
  ``ks_2samp``, ``wasserstein_distance``, ``ttest_ind`` and PSI (numpy) for numbers,
  ``value_counts``, ``chi2_contingency``, ``jensenshannon`` and PSI for categories,
  and the null rates: the same figures, the way a careful user would get them;
- evidently: ``Report([DataDriftPreset()]).run(current, reference)`` after
  ``pd.read_parquet`` of both files, in a venv of its own (Evidently 0.7 does not
  import with pandas 3, which this venv has): ``tests/bench/evidently_venv.sh``
  makes it on demand (``--evidently-venv``), ``tests/bench/evidently_child.py``
  runs in it. If it cannot be installed or its child dies (memory at 10M rows),
  that is printed as its result; ``--no-evidently`` skips it.

Wall time excludes the imports in every child (scipy, pandas, duckdb, evidently).
It prints wall time, peak RSS and their ratios, which columns each flags
(dataguard: its effect-size verdict; scipy: the usual p < 0.05 on KS or
chi-square; Evidently: its preset's per-column tests, by default normed
Wasserstein >= 0.1 for numbers and Jensen-Shannon >= 0.1 for categories above
1,000 rows), and how far apart dataguard's and scipy's figures are. A benchmark
measures; it never asserts on time.

    .venv/bin/python -m tests.bench.bench_drift                    # 1M and 10M rows per version
    .venv/bin/python -m tests.bench.bench_drift --rows 100000      # quick check
    .venv/bin/python -m tests.bench.bench_drift --no-evidently     # dataguard and scipy only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from dataguard.measure.profile import QUANTILE_SAMPLE_ROWS
from tests.bench.bench_validate import peak_rss_mib, ru_maxrss_kib

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCRATCH = Path("/tmp/dataguard-bench-drift")
DEFAULT_OUT = REPO / "bench-results" / "drift.json"
DEFAULT_EVIDENTLY_VENV = DEFAULT_SCRATCH / "evidently-venv"
EVIDENTLY_SETUP = Path(__file__).with_name("evidently_venv.sh")
EVIDENTLY_CHILD = Path(__file__).with_name("evidently_child.py")
RESULT_MARKER = "BENCH-RESULT "
GENERATOR_VERSION = 1
CHUNK_ROWS = 1_000_000
CATEGORIES = ("books", "electronics", "garden", "grocery", "health", "home", "sports", "toys")
COUNTRIES = ("AT", "BE", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GB", "GR", "HU", "IE", "IT", "NL", "NO", "PL", "PT")
EXCLUDE = ("id",)  # an identifier: its "drift" means nothing
NUMERIC = ("age", "quantity", "label", "price", "score", "weight")
CATEGORICAL = ("category", "country", "is_active")
# comment (free text, ~all values distinct) and created_at (a timestamp) are left out by kind "auto":
# dataguard says so in its skipped list; scipy is not run on them either.
PLANTED = {
    "price": "mean +0.2 sd (meaningful)",
    "category": "'toys' share +5 points (meaningful)",
    "score": "mean +0.01 sd (negligible)",
    "weight": "sd x1.01 (negligible)",
    "is_active": "share of True +0.3 points (negligible)",
}
SCIPY_P = 0.05


# -- data ---------------------------------------------------------------------------------------------------


def data_files(scratch: Path, rows: int, seed: int) -> tuple[Path, Path]:
    """(current, reference), generated unless already there."""
    folder = scratch / "data"
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, drifted in (("current", True), ("reference", False)):
        path = folder / f"{name}-{rows}rows-seed{seed}-g{GENERATOR_VERSION}.parquet"
        if not path.is_file():
            _write(path, rows, seed + drifted, drifted)
        made.append(path)
    return made[0], made[1]


def _write(path: Path, rows: int, seed: int, drifted: bool) -> None:
    import numpy as np
    import pyarrow.parquet as pq

    tmp, writer = path.with_name(path.name + ".tmp"), None
    try:
        for number, start in enumerate(range(0, rows, CHUNK_ROWS)):
            table = _chunk(np.random.default_rng([seed, number]), start, min(CHUNK_ROWS, rows - start), drifted)
            writer = writer or pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, path)


def _chunk(rng: Any, start: int, n: int, drifted: bool) -> Any:
    import numpy as np
    import pyarrow as pa

    price_sd = 50.0 * np.sqrt(2.0)  # gamma(2, 50)
    category_p = np.full(len(CATEGORIES), 1 / len(CATEGORIES))
    if drifted:  # 'toys' (the last) gains 5 points, the others lose them evenly
        category_p[-1] += 0.05
        category_p[:-1] -= 0.05 / (len(CATEGORIES) - 1)
    words = np.array(["".join(rng.choice(list("abcdefghij"), 6)) for _ in range(500)])
    return pa.table(
        {
            "id": pa.array(np.arange(start, start + n, dtype=np.int64)),
            "age": pa.array(rng.integers(18, 91, n)),
            "quantity": pa.array(rng.poisson(3.0, n)),
            "label": pa.array(rng.integers(0, 2, n)),
            "price": pa.array(
                rng.gamma(2.0, 50.0, n) + (0.2 * price_sd if drifted else 0.0), mask=rng.random(n) < 0.02
            ),
            "score": pa.array(rng.random(n) + (0.01 * np.sqrt(1 / 12) if drifted else 0.0), mask=rng.random(n) < 0.05),
            "weight": pa.array(rng.normal(70.0, 12.0 * (1.01 if drifted else 1.0), n)),
            "category": pa.array(np.array(CATEGORIES)[rng.choice(len(CATEGORIES), n, p=category_p)]),
            "country": pa.array(np.array(COUNTRIES)[rng.integers(0, len(COUNTRIES), n)], mask=rng.random(n) < 0.01),
            "comment": pa.array(
                np.char.add(np.char.add(words[rng.integers(0, 500, n)], " "), words[rng.integers(0, 500, n)])
            ),
            "is_active": pa.array(rng.random(n) < (0.703 if drifted else 0.7)),
            "created_at": pa.array(
                (1_577_836_800_000_000 + rng.integers(0, 5 * 365 * 86_400_000_000, n)).astype("datetime64[us]"),
                type=pa.timestamp("us", tz="UTC"),
            ),
        }
    )


# -- the children -------------------------------------------------------------------------------------------------


def child_dataguard(current: Path, reference: Path) -> dict[str, Any]:
    import scipy.stats  # noqa: F401 - dataguard imports it for p-values; imported before timing, as in the scipy child

    from dataguard.measure.drift.compare import compare
    from dataguard.spec.drift import DriftSettings

    base = peak_rss_mib()
    started = time.perf_counter()
    outcome = compare(current, reference, DriftSettings(exclude=EXCLUDE), scratch=current.parent)
    wall = time.perf_counter() - started
    figures = {f"{r.column}.{r.metric}": r.statistic for r in outcome.results if r.column is not None}
    p_values = {f"{r.column}.{r.metric}": r.p_value for r in outcome.results if r.column is not None}
    return {
        "tool": "dataguard",
        "wall_s": wall,
        "peak_rss_mib": peak_rss_mib(),
        "base_rss_mib": base,
        "flags": {
            c.column: f"{c.severity}: {', '.join(c.drifted_metrics)}" for c in outcome.columns if c.drifted_metrics
        },
        "skipped": {s.column: s.reason for s in outcome.skipped},
        "figures": figures,
        "p_values": p_values,
        "ks_methods": {r.column: r.detail["method"] for r in outcome.results if r.metric == "ks"},
    }


def child_scipy(current: Path, reference: Path) -> dict[str, Any]:
    import numpy as np
    import pandas as pd
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import chi2_contingency, ks_2samp, ttest_ind, wasserstein_distance

    base = peak_rss_mib()
    started = time.perf_counter()
    figures: dict[str, float] = {}
    p_values: dict[str, float] = {}
    flags: dict[str, str] = {}
    for column in (*NUMERIC, *CATEGORICAL):
        ref_all = pd.read_parquet(reference, columns=[column])[column]
        cur_all = pd.read_parquet(current, columns=[column])[column]
        figures[f"{column}.null_rate_change"] = float(cur_all.isna().mean() - ref_all.isna().mean())
        ref, cur = ref_all.dropna(), cur_all.dropna()
        # dataguard's PSI edges: the deciles of every k-th reference row (all rows up to 200,000)
        every_kth = ref_all.iloc[:: -(-len(ref_all) // QUANTILE_SAMPLE_ROWS)].dropna()
        del ref_all, cur_all
        if column in NUMERIC:
            r, c = ref.to_numpy(dtype=float), cur.to_numpy(dtype=float)
            ks = ks_2samp(r, c)
            sd = r.std(ddof=1)
            w = wasserstein_distance(r, c)
            deciles = np.quantile(every_kth.to_numpy(dtype=float), np.arange(1, 10) / 10, method="inverted_cdf")
            edges = np.unique(deciles)
            psi = _psi(
                np.bincount(np.searchsorted(edges, r), minlength=edges.size + 1),
                np.bincount(np.searchsorted(edges, c), minlength=edges.size + 1),
            )
            figures |= {
                f"{column}.ks": float(ks.statistic),
                f"{column}.wasserstein": float(w),
                f"{column}.wasserstein_norm": float(w / sd),
                f"{column}.mean_shift_sd": float((c.mean() - r.mean()) / sd),
                f"{column}.std_ratio": float(c.std(ddof=1) / sd),
                f"{column}.psi": psi,
            }
            p_values |= {
                f"{column}.ks": float(ks.pvalue),
                f"{column}.mean_shift_sd": float(ttest_ind(r, c, equal_var=False).pvalue),
            }
            test_p = float(ks.pvalue)
        else:
            counts = pd.concat([ref.astype(str).value_counts(), cur.astype(str).value_counts()], axis=1).fillna(0)
            table = counts.to_numpy().T
            chi = chi2_contingency(table)
            p, q = table[0] / table[0].sum(), table[1] / table[1].sum()
            figures |= {
                f"{column}.chi2": float(chi.statistic),
                f"{column}.js_distance": float(jensenshannon(p, q, base=2)),
                f"{column}.psi": _psi(table[0], table[1]),
                f"{column}.category_share_change": float(np.abs(q - p).max()),
            }
            p_values[f"{column}.chi2"] = float(chi.pvalue)
            test_p = float(chi.pvalue)
        if test_p < SCIPY_P:
            flags[column] = f"p={test_p:.2g} < {SCIPY_P}"
    return {
        "tool": "scipy",
        "wall_s": time.perf_counter() - started,
        "peak_rss_mib": peak_rss_mib(),
        "base_rss_mib": base,
        "flags": flags,
        "figures": figures,
        "p_values": p_values,
    }


def _psi(ref_counts: Any, cur_counts: Any) -> float:
    import numpy as np

    p = np.maximum(ref_counts / ref_counts.sum(), 1e-4)
    q = np.maximum(cur_counts / cur_counts.sum(), 1e-4)
    return float(np.sum((q - p) * np.log(q / p)))


def child_sketch(current: Path, reference: Path) -> dict[str, Any]:
    """The reference's sketch stored first (not timed, as a reference's run stores it); then timed: the
    current version's one pass (``profile`` writing its sketch) and ``compare_sketches``: what a run does."""
    import scipy.stats  # noqa: F401

    from dataguard.measure.drift.sketched import compare_sketches
    from dataguard.measure.profile import profile
    from dataguard.measure.sketch.model import read_sketch
    from dataguard.spec.drift import DriftSettings

    stored = current.with_name(reference.stem + ".sketch.parquet")
    profile(reference, scratch=current.parent, sketch_to=stored)
    base = peak_rss_mib()
    started = time.perf_counter()
    mine = current.with_name(current.stem + ".sketch.parquet")
    profile(current, scratch=current.parent, sketch_to=mine)
    scanned = time.perf_counter()
    sketches = read_sketch(mine), read_sketch(stored)
    assert sketches[0] is not None
    assert sketches[1] is not None
    outcome = compare_sketches(*sketches, DriftSettings(exclude=EXCLUDE))
    wall = time.perf_counter() - started
    assert outcome is not None
    return {
        "tool": "dg-sketch",
        "wall_s": wall,
        "scan_s": scanned - started,
        "compare_s": wall - (scanned - started),
        "peak_rss_mib": peak_rss_mib(),
        "base_rss_mib": base,
        "flags": {
            c.column: f"{c.severity}: {', '.join(c.drifted_metrics)}" for c in outcome.columns if c.drifted_metrics
        },
        "figures": {f"{r.column}.{r.metric}": r.statistic for r in outcome.results if r.column is not None},
        "bounds": {
            f"{r.column}.{r.metric}": r.detail.get("error_bound")
            for r in outcome.results
            if r.metric in ("ks", "wasserstein")
        },
    }


CHILDREN = {"dataguard": child_dataguard, "scipy": child_scipy, "dg-sketch": child_sketch}


def run_child(kind: str, current: Path, reference: Path, rows: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "tests.bench.bench_drift", "--child", kind]
    command += ["--current", str(current), "--reference", str(reference)]
    print(f"  {kind:<9} {rows:>12,} rows per version ...", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=REPO, stdout=subprocess.PIPE, text=True, check=False)
    found = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if done.returncode != 0 or not found:
        return {"tool": kind, "rows": rows, "error": f"child exited with {done.returncode}"}
    return {**json.loads(found[-1][len(RESULT_MARKER) :]), "rows": rows}


def evidently_python(venv: Path) -> tuple[Path | None, str | None]:
    """(the venv's python, None), making the venv if need be, or (None, why it could not be made)."""
    print(f"  evidently venv {venv} ...", file=sys.stderr, flush=True)
    done = subprocess.run(
        ["bash", str(EVIDENTLY_SETUP), str(venv)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if done.returncode != 0:
        return None, f"could not install Evidently (exit {done.returncode}): {_tail(done.stdout)}"
    return venv / "bin" / "python", None


def run_evidently(python: Path, current: Path, reference: Path, rows: int) -> dict[str, Any]:
    command = [str(python), str(EVIDENTLY_CHILD), "--current", str(current), "--reference", str(reference)]
    command += ["--numeric", *NUMERIC, "--categorical", *CATEGORICAL]
    print(f"  {'evidently':<9} {rows:>12,} rows per version ...", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    found = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if done.returncode == 0 and found:
        return {**json.loads(found[-1][len(RESULT_MARKER) :]), "rows": rows}
    if done.returncode < 0:
        why = f"killed by signal {-done.returncode}" + (" (out of memory?)" if done.returncode == -9 else "")
    else:
        why = f"exited with {done.returncode}: {_tail(done.stderr)}"
    return {"tool": "evidently", "rows": rows, "error": f"Evidently crashed: {why}"}


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no output"


# -- figures ---------------------------------------------------------------------------------------------------------


def print_tables(runs: list[dict[str, Any]]) -> None:
    print(f"\n{'rows/version':>12}  {'tool':<10} {'wall s':>8}  {'peak RSS MiB':>12}  {'base MiB':>8}")
    for run in runs:
        if "error" in run:
            print(f"{run['rows']:>12,}  {run['tool']:<10} {run['error']}")
            continue
        print(
            f"{run['rows']:>12,}  {run['tool']:<10} {run['wall_s']:>8.2f}  {run['peak_rss_mib']:>12,.0f}"
            f"  {run['base_rss_mib']:>8,.0f}"
        )
    for run in runs:
        if run["tool"] == "dg-sketch" and "error" not in run:
            bounds = {k: v for k, v in run["bounds"].items() if v}
            worst = max(bounds.items(), key=lambda kv: kv[1]) if bounds else ("none", 0.0)
            print(
                f"{run['rows']:>12,}  dg-sketch: current's one pass (profile + sketch) {run['scan_s']:.2f} s, "
                f"compare with the stored reference sketch {run['compare_s']:.2f} s; "
                f"largest bound {worst[0]} {worst[1]:.2g}"
            )
    pairs = _pairs(runs)
    evidently = {r["rows"]: r for r in runs if r["tool"] == "evidently"}
    print(
        f"\n{'rows/version':>12}  {'time dataguard/scipy':>20}  {'memory dataguard/scipy':>22}"
        f"  {'time dataguard/evidently':>24}  {'memory dataguard/evidently':>26}"
    )
    for rows, (dg, sp) in pairs.items():
        ev = evidently.get(rows)
        if ev is None:
            versus = f"  {'not run':>24}  {'not run':>26}"
        elif "error" in ev:
            versus = f"  {'evidently failed':>24}  {'evidently failed':>26}"
        else:
            versus = f"  {dg['wall_s'] / ev['wall_s']:>23.3f}x  {dg['peak_rss_mib'] / ev['peak_rss_mib']:>25.2f}x"
        print(
            f"{rows:>12,}  {dg['wall_s'] / sp['wall_s']:>19.3f}x  {dg['peak_rss_mib'] / sp['peak_rss_mib']:>21.2f}x"
            + versus
        )
    for rows, (dg, sp) in pairs.items():
        _print_flags(rows, dg, sp, evidently.get(rows))
        _print_agreement(rows, dg, sp)
    if not evidently:
        print("\nEvidently: not run (--no-evidently).")


def _pairs(runs: list[dict[str, Any]]) -> dict[int, tuple[dict[str, Any], dict[str, Any]]]:
    by = {(r["tool"], r["rows"]): r for r in runs if "error" not in r}
    rows = sorted({r["rows"] for r in runs})
    return {n: (by[("dataguard", n)], by[("scipy", n)]) for n in rows if ("dataguard", n) in by and ("scipy", n) in by}


def _print_flags(rows: int, dg: dict[str, Any], sp: dict[str, Any], ev: dict[str, Any] | None) -> None:
    print(f"\nflags at {rows:,} rows per version (planted drift in the current version):")
    print(
        f"  {'column':<10} {'planted':<40} {'dataguard (effect size + noise guard)':<48} "
        f"{f'scipy (p < {SCIPY_P})':<18} evidently (DataDriftPreset)"
    )
    for column in (*NUMERIC, *CATEGORICAL):
        if ev is None:
            ev_flag = "not run"
        elif "error" in ev:
            ev_flag = "failed"
        else:
            ev_flag = ev["flags"].get(column, "none")
        print(
            f"  {column:<10} {PLANTED.get(column, '-'):<40} {dg['flags'].get(column, 'none'):<48} "
            f"{sp['flags'].get(column, 'none'):<18} {ev_flag}"
        )
    if ev is not None and "error" in ev:
        print(f"  evidently: {ev['error']}")
    for column, reason in dg["skipped"].items():
        print(f"  {column:<10} skipped by dataguard: {reason}")


def _print_agreement(rows: int, dg: dict[str, Any], sp: dict[str, Any]) -> None:
    worst: dict[str, tuple[float, str]] = {}
    for key, expected in sp["figures"].items():
        metric = key.split(".", 1)[1]
        gap = abs(dg["figures"][key] - expected)
        if gap >= worst.get(metric, (-1.0, ""))[0]:
            worst[metric] = (gap, key)
    for key, expected in sp["p_values"].items():
        gap = abs(dg["p_values"][key] - expected)
        if gap >= worst.get("p-value", (-1.0, ""))[0]:
            worst["p-value"] = (gap, key)
    methods = sorted(set(dg["ks_methods"].values()))
    print(f"  largest |dataguard - scipy| per figure at {rows:,} rows (KS / Wasserstein method: {', '.join(methods)}):")
    for metric, (gap, key) in sorted(worst.items()):
        print(f"    {metric:<22} {gap:.2e}  ({key})")


def environment(runs: list[dict[str, Any]]) -> dict[str, Any]:
    packages = ("duckdb", "scipy", "numpy", "pandas", "pyarrow")
    evidently = next((r["packages"] for r in runs if r["tool"] == "evidently" and "packages" in r), None)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "packages": {name: metadata.version(name) for name in packages},
        "evidently_venv_packages": evidently,
    }


# -- command line --------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_drift", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="rows per version")
    parser.add_argument("--scratch", type=Path, default=DEFAULT_SCRATCH, help="where the data files go")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON figures go")
    parser.add_argument(
        "--evidently-venv", type=Path, default=DEFAULT_EVIDENTLY_VENV, help="Evidently's own venv (made if missing)"
    )
    parser.add_argument("--no-evidently", action="store_true", help="skip Evidently")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--current", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reference", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        result = CHILDREN[args.child](args.current, args.reference)
        result["ru_maxrss_mib"] = ru_maxrss_kib() / 1024
        print(RESULT_MARKER + json.dumps(result), flush=True)
        return 0
    runs = []
    python, why_not = (None, None) if args.no_evidently else evidently_python(args.evidently_venv.resolve())
    for rows in sorted(set(args.rows)):
        started = time.perf_counter()
        current, reference = data_files(args.scratch.resolve(), rows, args.seed)
        print(
            f"data {rows:,} rows per version: {current.parent} ({time.perf_counter() - started:.1f} s)", file=sys.stderr
        )
        for kind in ("dataguard", "dg-sketch", "scipy"):
            runs.append(run_child(kind, current, reference, rows))
        if python is not None:
            runs.append(run_evidently(python, current, reference, rows))
        elif why_not is not None:
            runs.append({"tool": "evidently", "rows": rows, "error": why_not})
    print_tables(runs)
    figures = {
        "command": " ".join([Path(sys.executable).name, "-m", "tests.bench.bench_drift", *sys.argv[1:]]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": environment(runs),
        "planted": PLANTED,
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nfigures written to {args.out}")
    return 1 if any("error" in r for r in runs if r["tool"] != "evidently") else 0  # Evidently's failure is a result


if __name__ == "__main__":
    sys.exit(main())
