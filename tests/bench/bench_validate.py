"""Benchmark: dataguard end to end against pandera's ``validate(lazy=True)`` alone.

Generates seeded Parquet files (12 mixed columns, about 0.5% bad rows) of 1M and
10M rows, then measures in one child process per run, so each peak RSS is that
run's own:

- dataguard: ``pipeline.validate_version`` in-process, as ``dataguard validate``
  runs it, fresh warehouse, its fixed cost (a 1,000-row run) shown apart;
- pandera: ``pd.read_parquet`` then ``schema.validate(df, lazy=True)`` with the
  same schema object, loaded from the same contract;
- GX Core on the equivalent expectations (its own venv), scipy drift against the
  reference, and two DuckDB floors: a scan of every value, and a copy of the
  generated file under dataguard's memory ceiling.

It prints wall time, peak RSS and the ratios, and writes them to
``bench-results/validate.json``. Bounded memory is the requirement: peak RSS at
10M rows should not be several times that at 1M. A benchmark measures; it never
asserts on time.

    make bench                                  # 1M and 10M rows
    make bench BENCH_ARGS=--quick               # 100k rows, to check it works
    .venv/bin/python -m tests.bench.bench_validate --rows 1000000 10000000 --stages
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SCRATCH = Path("/tmp/dataguard-bench")
DEFAULT_OUT = REPO / "bench-results" / "validate.json"
DATASET = "bench"
RESULT_MARKER = "BENCH-RESULT "

GENERATOR_VERSION = 1
CHUNK_ROWS = 1_000_000
DUPLICATE_FRACTION = 0.0002  # rows given the key of another row; both rows are bad
CATEGORIES = ("books", "electronics", "garden", "grocery", "health", "home", "sports", "toys")
COUNTRIES = ("AT", "BE", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GB", "GR", "HU", "IE", "IT", "NL", "NO", "PL", "PT")
EPOCH_US = 1_577_836_800 * 1_000_000  # 2020-01-01T00:00:00Z
SPAN_US = 5 * 365 * 86_400 * 1_000_000
LONG_COMMENT = "x" * 80
GROWTH_WORTH_A_LOOK = 2.0
HUGE_ROWS = 100_000_000
REFERENCE_SEED_OFFSET = 1000  # 10x the rows in under 2x the memory reads as bounded
BAD_KINDS = (
    "age_out_of_range",
    "quantity_too_large",
    "label_not_in_set",
    "price_negative",
    "score_above_one",
    "weight_null",
    "category_not_in_set",
    "category_null",
    "country_not_in_set",
    "comment_too_long",
    "created_before_2020",
)

CONTRACT = f'''"""Benchmark contract: written by tests/bench/bench_validate.py."""

from typing import Annotated

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

import dataguard

CATEGORIES = {list(CATEGORIES)!r}
COUNTRIES = {list(COUNTRIES)!r}


class schema(pa.DataFrameModel):  # noqa: N801 - the contract's required name
    id: int = pa.Field(ge=0)
    age: int = pa.Field(in_range={{"min_value": 0, "max_value": 120}})
    quantity: int = pa.Field(in_range={{"min_value": 0, "max_value": 1000}})
    label: int = pa.Field(isin=[0, 1])
    price: float = pa.Field(in_range={{"min_value": 0.0, "max_value": 10000.0}}, nullable=True)
    score: float = pa.Field(in_range={{"min_value": 0.0, "max_value": 1.0}}, nullable=True)
    weight: float = pa.Field(gt=0.0)
    category: str = pa.Field(isin=CATEGORIES)
    country: str = pa.Field(isin=COUNTRIES, nullable=True)
    comment: str = pa.Field(str_length={{"max_value": 64}}, nullable=True)
    is_active: bool
    created_at: Series[Annotated[pd.DatetimeTZDtype, "us", "UTC"]] = pa.Field(
        ge=pd.Timestamp("2020-01-01", tz="UTC")
    )

    class Config:
        strict = True


contract = dataguard.Contract(keys=["id"])
'''


# -- measuring (used in the children) ----------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's own peak RSS so far: VmHWM, else ru_maxrss.

    Linux keeps ru_maxrss across fork and exec, so a child's ru_maxrss is at
    least the parent's peak at spawn time (the parent's peak after generating
    the data would hide the child's figure). VmHWM belongs to the child's own
    address space, which starts at exec.
    """
    kib = _proc_status_kib("self", "VmHWM")
    return (kib if kib is not None else ru_maxrss_kib()) / 1024


def ru_maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _proc_status_kib(pid: int | str, field: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def current_rss_mib() -> float | None:
    kib = _proc_status_kib("self", "VmRSS")
    return None if kib is None else kib / 1024


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS to its current RSS (Linux >= 4.0); False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# -- data generation -----------------------------------------------------------------------------


def data_file(scratch: Path, rows: int, seed: int, bad_fraction: float) -> tuple[Path, dict[str, Any]]:
    """The seeded Parquet file for these parameters, generated unless it already exists."""
    params = {"generator": GENERATOR_VERSION, "rows": rows, "seed": seed, "bad_fraction": bad_fraction}
    path = scratch / "data" / f"bench-{rows}rows-seed{seed}-bad{bad_fraction}-g{GENERATOR_VERSION}.parquet"
    sidecar = path.with_suffix(".json")
    if path.is_file() and sidecar.is_file():
        meta: dict[str, Any] = json.loads(sidecar.read_text())
        if {k: meta.get(k) for k in params} == params:
            return path, {**meta, "reused": True}
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    counts = _write_data(path, rows, seed, bad_fraction)
    meta = {**params, **counts, "bytes": path.stat().st_size, "generate_s": round(time.perf_counter() - started, 2)}
    sidecar.write_text(json.dumps(meta, indent=2))
    return path, {**meta, "reused": False}


def _write_data(path: Path, rows: int, seed: int, bad_fraction: float) -> dict[str, Any]:
    """Write ``rows`` rows chunk by chunk (never all in memory); return the bad-row counts."""
    import numpy as np
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    bad_by_kind = dict.fromkeys((*BAD_KINDS, "duplicate_key"), 0)
    writer = None
    try:
        for number, start in enumerate(range(0, rows, CHUNK_ROWS)):
            rng = np.random.default_rng([seed, number])
            table, chunk_bad = _chunk(rng, start, min(CHUNK_ROWS, rows - start), bad_fraction)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table)
            for kind, n in chunk_bad.items():
                bad_by_kind[kind] += n
    finally:
        if writer is not None:
            writer.close()
    os.replace(tmp, path)
    return {"bad_rows": sum(bad_by_kind.values()), "bad_by_kind": bad_by_kind}


def _chunk(rng: Any, start: int, n: int, bad_fraction: float) -> tuple[Any, dict[str, int]]:
    """One chunk of rows; every bad row is bad in exactly one way, so the count is exact."""
    import numpy as np
    import pyarrow as pa

    n_bad = round(n * bad_fraction)
    n_dup = min(n_bad // 2, max(1, round(n * DUPLICATE_FRACTION)))
    picked = rng.choice(n, size=n_bad, replace=False)
    copies, originals, value_bad = picked[:n_dup], picked[n_dup : 2 * n_dup], picked[2 * n_dup :]
    kinds = rng.integers(0, len(BAD_KINDS), size=value_bad.size)
    bad = {kind: value_bad[kinds == i] for i, kind in enumerate(BAD_KINDS)}

    ids = start + rng.permutation(n).astype(np.int64)
    ids[copies] = ids[originals]
    columns = {
        "id": pa.array(ids),
        **_numeric_columns(rng, n, bad),
        **_string_columns(rng, n, bad),
        "is_active": pa.array(rng.random(n) < 0.7),
        "created_at": _timestamps(rng, n, bad["created_before_2020"]),
    }
    counts = {kind: int(rows.size) for kind, rows in bad.items()}
    counts["duplicate_key"] = 2 * n_dup
    return pa.table(columns), counts


def _numeric_columns(rng: Any, n: int, bad: dict[str, Any]) -> dict[str, Any]:
    import numpy as np
    import pyarrow as pa

    age = rng.integers(0, 121, n)
    age[bad["age_out_of_range"]] = rng.integers(121, 200, bad["age_out_of_range"].size)
    quantity = rng.integers(0, 1001, n)
    quantity[bad["quantity_too_large"]] = rng.integers(1001, 5000, bad["quantity_too_large"].size)
    label = rng.integers(0, 2, n)
    label[bad["label_not_in_set"]] = 2
    price = np.minimum(rng.gamma(2.0, 50.0, n), 10_000.0)
    price[bad["price_negative"]] = -price[bad["price_negative"]] - 1.0
    score = rng.random(n)
    score[bad["score_above_one"]] += 1.5
    weight = rng.uniform(0.1, 100.0, n)
    return {
        "age": pa.array(age),
        "quantity": pa.array(quantity),
        "label": pa.array(label),
        "price": pa.array(price, mask=_nulls(rng, n, 0.02, bad["price_negative"])),
        "score": pa.array(score, mask=_nulls(rng, n, 0.05, bad["score_above_one"])),
        "weight": pa.array(weight, mask=_mask(n, bad["weight_null"])),
    }


def _string_columns(rng: Any, n: int, bad: dict[str, Any]) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    category = rng.integers(0, len(CATEGORIES), n)
    category[bad["category_not_in_set"]] = len(CATEGORIES)  # "unknown"
    country = rng.integers(0, len(COUNTRIES), n)
    country[bad["country_not_in_set"]] = len(COUNTRIES)  # "XX"
    words = _words(rng, 2000)
    first, second, third = (words.take(pa.array(rng.integers(0, len(words), n))) for _ in range(3))
    comment = pc.binary_join_element_wise(first, second, third, " ")
    comment = pc.if_else(pa.array(_mask(n, bad["comment_too_long"])), pa.scalar(LONG_COMMENT), comment)
    comment_nulls = _nulls(rng, n, 0.10, bad["comment_too_long"])
    return {
        "category": _take((*CATEGORIES, "unknown"), category, _mask(n, bad["category_null"])),
        "country": _take((*COUNTRIES, "XX"), country, _nulls(rng, n, 0.01, bad["country_not_in_set"])),
        "comment": pc.if_else(pa.array(comment_nulls), pa.scalar(None, pa.string()), comment),
    }


def _words(rng: Any, count: int) -> Any:
    import pyarrow as pa

    letters = "abcdefghijklmnopqrstuvwxyz"
    lengths = rng.integers(3, 10, count)
    return pa.array("".join(letters[i] for i in rng.integers(0, 26, size)) for size in lengths)


def _take(values: tuple[str, ...], indices: Any, nulls: Any) -> Any:
    import pyarrow as pa

    return pa.array(values).take(pa.array(indices, mask=nulls))


def _timestamps(rng: Any, n: int, too_early: Any) -> Any:
    import pyarrow as pa

    micros = rng.integers(EPOCH_US, EPOCH_US + SPAN_US, n)
    micros[too_early] = EPOCH_US - rng.integers(1, SPAN_US, too_early.size)
    return pa.array(micros.astype("datetime64[us]"), type=pa.timestamp("us", tz="UTC"))


def _mask(n: int, rows: Any) -> Any:
    import numpy as np

    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def _nulls(rng: Any, n: int, rate: float, keep: Any) -> Any:
    """Random nulls in a nullable column, never on ``keep`` (rows whose bad value must stay)."""
    mask = rng.random(n) < rate
    mask[keep] = False
    return mask


def write_project(scratch: Path) -> Path:
    root = scratch / "project"
    (root / "schemas").mkdir(parents=True, exist_ok=True)
    (root / "schemas" / f"{DATASET}.py").write_text(CONTRACT)
    return root


# -- the children: one measurement each -----------------------------------------------------------


def child_dataguard(file: Path, project: Path, reference: Path | None = None) -> dict[str, Any]:
    """The command line's engine end to end: ``pipeline.validate_version`` in this process, fresh warehouse.

    First a run of the file's first 1,000 rows in a warehouse of its own: its
    wall is the fixed cost every run pays whatever its size (contract load,
    catalog, reports), so ``wall_s - fixed_s`` is the work that grows with the
    data. With a reference file, that file is validated next (not timed), so
    the measured run includes drift against a reference of the same size; the
    1,000-row run then has a reference too (the reference's first 1,000 rows,
    validated before it, not timed), so the fixed cost includes what drift
    pays whatever the size (scipy's import for the p-values, the reference's
    sketch read).
    """
    started = time.perf_counter()
    from dataguard.pipeline import Request, validate_version
    from dataguard.project import Project

    loaded = time.perf_counter()
    tiny_warehouse = project.parent / "tiny-warehouse"
    shutil.rmtree(tiny_warehouse, ignore_errors=True)  # a first run every time, whatever an earlier bench left
    tiny_project = Project(project, tiny_warehouse)
    if reference is not None:
        tiny_reference = _first_rows(reference, 1_000, project.parent / "tiny-reference.parquet")
        validate_version(tiny_project, Request(DATASET, str(tiny_reference)))
    imported = time.perf_counter()
    tiny = _first_rows(file, 1_000, project.parent / "tiny.parquet")
    validate_version(tiny_project, Request(DATASET, str(tiny)))
    fixed = time.perf_counter() - imported
    proj = Project(project, Path(os.environ["DATAGUARD_WAREHOUSE"]))
    warmed = time.perf_counter()
    reference_s = None
    if reference is not None:
        validate_version(proj, Request(DATASET, str(reference)))
        reference_s = time.perf_counter() - warmed
        reset_peak_rss()  # the measured run's own peak from here
        warmed = time.perf_counter()
    rss_before = current_rss_mib() if reference is not None else peak_rss_mib()
    report = validate_version(proj, Request(DATASET, str(file)))
    done = time.perf_counter()
    return {
        "reference_s": reference_s,
        "reference_version": report.get("reference_version"),
        "drifted_columns": [c["column"] for c in report.get("drift_columns", []) if c.get("drifted_metrics")],
        "tool": "dataguard",
        "wall_s": done - warmed,
        "fixed_s": fixed,
        "work_s": done - warmed - fixed,
        "import_s": loaded - started,
        "child_s": done - started,
        "peak_rss_mib": peak_rss_mib(),
        "base_rss_mib": rss_before,
        "verdict": report["verdict"],
        "rows": report["rows"],
        "quarantine_reasons": report["quarantine_reasons"],
    }


def _first_rows(file: Path, rows: int, out: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = next(pq.ParquetFile(file).iter_batches(batch_size=rows))
    pq.write_table(pa.Table.from_batches([first]), out)
    return out


def child_pandera(file: Path, project: Path, reference: Path | None = None) -> dict[str, Any]:
    """pd.read_parquet and schema.validate(lazy=True), with the contract's own schema object."""
    import pandas as pd
    from pandera.errors import SchemaErrors

    from dataguard.checks.load import load_contract
    from dataguard.project import find_project

    schema = load_contract(find_project(project), DATASET).schema
    rss_before = peak_rss_mib()
    started = time.perf_counter()
    frame = pd.read_parquet(file)
    read = time.perf_counter()
    try:
        schema.validate(frame, lazy=True)
        cases = frame.iloc[0:0]
    except SchemaErrors as exc:
        cases = exc.failure_cases
    done = time.perf_counter()
    return {
        "tool": "pandera",
        "wall_s": done - started,
        "read_s": read - started,
        "validate_s": done - read,
        "peak_rss_mib": peak_rss_mib(),
        "base_rss_mib": rss_before,
        "failure_cases": len(cases),
        "failing_rows": int(cases["index"].dropna().nunique()) if len(cases) else 0,
    }


def child_scan(file: Path, project: Path, reference: Path | None = None) -> dict[str, Any]:
    """DuckDB's floor: read and hash every value of every column once (no checks, no output)."""
    import duckdb
    import pyarrow.parquet as pq

    from dataguard.common.sql import quote_ident

    names = pq.ParquetFile(file).schema_arrow.names
    sums = ", ".join(f"sum(hash({quote_ident(n)}))" for n in names)
    con = duckdb.connect()
    base = peak_rss_mib()
    started = time.perf_counter()
    con.execute(f"SELECT count(*), {sums} FROM read_parquet($f)", {"f": str(file)}).fetchall()
    return {
        "tool": "duckdb-scan",
        "wall_s": time.perf_counter() - started,
        "peak_rss_mib": peak_rss_mib(),
        "base_rss_mib": base,
    }


def child_copy(file: Path, project: Path, reference: Path | None = None) -> dict[str, Any]:
    """The write floor: DuckDB reads the generated file and writes it back once, under dataguard's ceiling.

    dataguard must write a clean file of about the input's size on every run.
    The split copies the canonical file, whose 100k-row groups DuckDB copies
    in about 40% of this time under the same ceiling (3.7 s against 9.3 s at 10M
    rows): the generated file's 1M-row groups make this copy the slower one.
    """
    from dataguard.common.sql import engine

    out = file.with_name(f"copy-floor-{uuid.uuid4().hex}.parquet")
    with engine(out.parent) as con:
        base = peak_rss_mib()
        started = time.perf_counter()
        con.execute(
            "COPY (SELECT * FROM read_parquet($f)) TO $out (FORMAT parquet, COMPRESSION zstd)",
            {"f": str(file), "out": str(out)},
        )
        wall = time.perf_counter() - started
    out.unlink()
    return {"tool": "duckdb-copy", "wall_s": wall, "peak_rss_mib": peak_rss_mib(), "base_rss_mib": base}


def child_scipy(file: Path, project: Path, reference: Path | None = None) -> dict[str, Any]:
    """scipy drift of the version against the reference, column by column (tests/bench/bench_drift.py)."""
    from tests.bench import bench_drift

    if reference is None:
        raise SystemExit("the scipy drift child needs --reference")
    result = bench_drift.child_scipy(file, reference)
    return {
        "tool": "scipy-drift",
        "wall_s": result["wall_s"],
        "peak_rss_mib": result["peak_rss_mib"],
        "base_rss_mib": result["base_rss_mib"],
        "flags": result["flags"],
    }


def child_stages(file: Path, project: Path, reference: Path | None = None) -> dict[str, Any]:
    """Every stage of the flow as a library call, without Prefect, each with its own peak RSS.

    With a reference file, that file is validated first through the flow (not
    timed), so drift runs against a published reference of the same size.
    """
    from dataguard.app.flows import validate_flow  # first: Prefect's defaults

    from dataguard import catalog  # isort: skip
    from dataguard.checks.load import load_contract
    from dataguard.checks.rowchecks import check_rows
    from dataguard.common.rows import VersionRows
    from dataguard.ingest.version import ingest
    from dataguard.measure.drift.policy import never_compared
    from dataguard.measure.evaluate import gather, run_drift, run_history, run_slices
    from dataguard.measure.profile import profile
    from dataguard.measure.reference import choose_reference
    from dataguard.measure.sketch.model import SKETCH_FILE
    from dataguard.pipeline import new_run_id
    from dataguard.project import find_project
    from dataguard.publish.record import publish
    from dataguard.spec.source import SourceOptions
    from dataguard.split import split_rows
    from dataguard.verdict import decide

    found = find_project(project)
    if reference is not None:
        validate_flow(DATASET, source=str(reference), project_dir=str(project))
        import scipy.stats  # noqa: F401  (drift's p-values import it once per process: a fixed cost, not a stage's)
    from dataguard.catalog.locks import dataset_lock

    loaded = load_contract(found, DATASET)
    options = SourceOptions(loaded.contract.encoding, loaded.contract.csv_delimiter)
    stages: list[dict[str, Any]] = []
    with dataset_lock(found, DATASET) as lock:  # a writer, as validate is
        ingested = _stage(stages, "ingest", lambda: ingest(found, DATASET, file, options))
        version = ingested.version
        data_path = Path(version.data_path)
        run_id = new_run_id()
        run_dir = data_path.parent / "runs" / run_id
        run_dir.mkdir(parents=True)
        catalog.start_run(found.catalog, run_id, DATASET, version.version, None, lock.lease)
        outcome = _stage(stages, "check_rows", lambda: check_rows(data_path, loaded, run_dir / "failures.parquet"))
        split = _stage(stages, "split_rows", lambda: split_rows(data_path, outcome.failures_path, run_dir))
        ref = choose_reference(found.catalog, DATASET, version.version)
        contract = loaded.contract
        clean = VersionRows(data_path, split.deleted_path, split.rows_clean)
        sketch = run_dir / SKETCH_FILE
        left = never_compared(contract.drift, contract.keys)
        profiles = _stage(stages, "profile", lambda: profile(clean, scratch=run_dir, sketch_to=sketch, uncelled=left))
        drift = _stage(stages, "drift", lambda: run_drift(contract, clean, ref, run_dir, profiles))
        slices = _stage(stages, "slices", lambda: run_slices(contract, clean, None, ref))
        history = _stage(
            stages, "history", lambda: run_history(found.catalog, DATASET, contract, version.version, profiles)
        )
        results, sections = gather(split, outcome.checks, ref, drift, slices, history)
        verdict = decide(results, loaded.contract.gate)
        _stage(
            stages,
            "publish",
            lambda: publish(found.catalog, version, run_id, run_dir, split, outcome, verdict, sections),
        )
    return {"tool": "stages", "stages": stages, "peak_rss_mib": peak_rss_mib(), "reference_version": ref.version}


def _stage(stages: list[dict[str, Any]], name: str, run: Any) -> Any:
    resettable = reset_peak_rss()
    rss_start = current_rss_mib()
    started = time.perf_counter()
    result = run()
    stages.append(
        {
            "stage": name,
            "wall_s": time.perf_counter() - started,
            "rss_start_mib": rss_start,
            "peak_rss_mib": peak_rss_mib(),
            "peak_is_stage_own": resettable,
        }
    )
    return result


CHILDREN = {
    "dataguard": child_dataguard,
    "pandera": child_pandera,
    "stages": child_stages,
    "scan": child_scan,
    "copy": child_copy,
    "scipy": child_scipy,
}
GX_SETUP = Path(__file__).with_name("gx_venv.sh")
GX_CHILD = Path(__file__).with_name("gx_child.py")


def run_child(
    kind: str, file: Path, project: Path, scratch: Path, rows: int, reference: Path | None = None
) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter with a fresh warehouse; return its figures."""
    workdir = scratch / "runs" / f"{kind}-{rows}-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(parents=True)
    env = {**os.environ, "DATAGUARD_WAREHOUSE": str(workdir / "warehouse")}
    env.setdefault("PREFECT_HOME", str(scratch / "prefect-home"))  # not the user's own Prefect database
    if kind == "gx":
        return _run_gx(file, scratch, rows, env, workdir)
    command = [sys.executable, "-m", "tests.bench.bench_validate", "--child", kind]
    command += ["--file", str(file), "--project", str(project)]
    if reference is not None:
        command += ["--reference", str(reference)]
    print(f"  {kind:<9} {rows:>12,} rows ...", file=sys.stderr, flush=True)
    try:
        done = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    found = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    for line in done.stdout.splitlines():
        if not line.startswith(RESULT_MARKER):
            print(line, file=sys.stderr)
    if done.returncode != 0 or not found:
        return {"tool": kind, "rows": rows, "error": f"child exited with {done.returncode}"}
    result: dict[str, Any] = json.loads(found[-1][len(RESULT_MARKER) :])
    return {**result, "rows_generated": rows}


def _run_gx(file: Path, scratch: Path, rows: int, env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """GX Core in its own venv (made by gx_venv.sh on first use); its failure is printed as its result."""
    venv = scratch / "gx-venv"
    made = subprocess.run(["bash", str(GX_SETUP), str(venv)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        return {"tool": "gx", "rows": rows, "error": "GX venv could not be made: " + made.stderr.strip()[-300:]}
    print(f"  {'gx':<9} {rows:>12,} rows ...", file=sys.stderr, flush=True)
    command = [str(venv / "bin" / "python"), str(GX_CHILD), "--file", str(file)]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    found = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if done.returncode != 0 or not found:
        return {"tool": "gx", "rows": rows, "error": f"GX child exited with {done.returncode}: {done.stderr[-300:]}"}
    return {**json.loads(found[-1][len(RESULT_MARKER) :]), "rows_generated": rows}


# -- figures -----------------------------------------------------------------------------------------


def ratios(runs: list[dict[str, Any]], sizes: list[int]) -> dict[str, Any]:
    by = {(r["tool"], r["rows_generated"]): r for r in runs if "error" not in r}
    per_size = {}
    for rows in sizes:
        dg, pdr = by.get(("dataguard", rows)), by.get(("pandera", rows))
        if dg and pdr:
            per_size[str(rows)] = {
                "time_dataguard_over_pandera": dg["wall_s"] / pdr["wall_s"],
                "memory_dataguard_over_pandera": dg["peak_rss_mib"] / pdr["peak_rss_mib"],
            }
    growth = {}
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        for tool in ("dataguard", "pandera"):
            a, b = by.get((tool, small)), by.get((tool, large))
            if a and b:
                growth[tool] = {
                    "rows": f"{large}/{small}",
                    "peak_rss": b["peak_rss_mib"] / a["peak_rss_mib"],
                    "peak_rss_above_base": _above_base(b) / max(_above_base(a), 1.0),
                    "wall": b["wall_s"] / a["wall_s"],
                }
    return {"per_size": per_size, "growth": growth}


def _above_base(run: dict[str, Any]) -> float:
    return float(run["peak_rss_mib"] - run["base_rss_mib"])


def print_tables(runs: list[dict[str, Any]], computed: dict[str, Any], files: dict[int, dict[str, Any]]) -> None:
    print()
    print(f"{'rows':>12}  {'tool':<10} {'wall s':>8}  {'peak RSS MiB':>12}  {'base MiB':>8}  detail")
    for run in runs:
        if run["tool"] == "stages":
            continue
        if "error" in run:
            print(f"{run['rows']:>12,}  {run['tool']:<10} {'failed':>8}  {run['error']}")
            continue
        print(
            f"{run['rows_generated']:>12,}  {run['tool']:<10} {run['wall_s']:>8.2f}  {run['peak_rss_mib']:>12,.0f}"
            f"  {run['base_rss_mib']:>8,.0f}  {_detail(run)}"
        )
    print("\n(wall s: dataguard = the validate_version call, fixed + work; pandera = read_parquet + validate.")
    print(" base MiB: peak RSS of the child before the measured call. Whole-process figures: bench_cli.)")
    _print_ratios(computed)
    _print_rows(runs, files)
    _print_stages(runs)
    print_summary(runs)


def _detail(run: dict[str, Any]) -> str:
    if run["tool"] == "dataguard":
        against = f"drift vs v{run['reference_version']}" if run.get("reference_version") else "no reference"
        return (
            f"fixed {run['fixed_s']:.2f} s (a 1,000-row run) + work {run['work_s']:.2f} s; "
            f"{run['import_s']:.2f} s imports before; verdict {run['verdict']}; {against}"
        )
    if run["tool"] == "pandera":
        cases = run["failure_cases"]
        return f"read {run['read_s']:.2f} s + validate {run['validate_s']:.2f} s; {cases:,} failure cases"
    if run["tool"] == "gx":
        failed = sum(1 for rows in run["unexpected"].values() if rows)
        return (
            f"read {run['read_s']:.2f} s + validate {run['validate_s']:.2f} s; "
            f"{run['failing_rows']:,} failing rows, {failed} expectations failed"
        )
    if run["tool"] == "scipy-drift":
        return f"columns flagged (p < 0.05): {', '.join(run['flags']) or 'none'}"
    if run["tool"] == "duckdb-copy":
        group = min(CHUNK_ROWS, run["rows_generated"])
        return f"read the generated file ({group:,}-row groups), write it back once (zstd) under the ceiling"
    return "count and hash of every value of every column"


def print_summary(runs: list[dict[str, Any]]) -> None:
    """The one table: every tool at every size, with time and memory against pandera and dataguard."""
    done = [r for r in runs if "error" not in r and r["tool"] != "stages"]
    by = {(r["tool"], r["rows_generated"]): r for r in done}
    header = f"{'wall s':>8}  {'peak RSS MiB':>12}  {'wall/pandera':>12}  {'dataguard faster':>16}"
    print(f"\n{'rows':>12}  {'tool':<12} {header}")
    for run in done:
        size = run["rows_generated"]
        pandera, dataguard = by.get(("pandera", size)), by.get(("dataguard", size))
        vs_pandera = f"{run['wall_s'] / pandera['wall_s']:.2f}x" if pandera else "-"
        faster = f"{run['wall_s'] / dataguard['wall_s']:.2f}x" if dataguard and run is not dataguard else "-"
        print(
            f"{size:>12,}  {run['tool']:<12} {run['wall_s']:>8.2f}  {run['peak_rss_mib']:>12,.0f}"
            f"  {vs_pandera:>12}  {faster:>16}"
        )
    print("(dataguard faster: the tool's wall time over dataguard's end to end; above 1 means dataguard is faster)")


def _print_ratios(computed: dict[str, Any]) -> None:
    print(f"\n{'rows':>12}  {'time dataguard/pandera':>22}  {'memory dataguard/pandera':>24}")
    for rows, r in computed["per_size"].items():
        time_ratio, memory_ratio = r["time_dataguard_over_pandera"], r["memory_dataguard_over_pandera"]
        print(f"{int(rows):>12,}  {time_ratio:>21.2f}x  {memory_ratio:>23.2f}x")
    for tool, g in computed["growth"].items():
        print(
            f"growth {g['rows']} rows, {tool:<9}: peak RSS {g['peak_rss']:.2f}x "
            f"(above base {g['peak_rss_above_base']:.2f}x), wall {g['wall']:.2f}x"
        )
    if computed["growth"].get("dataguard", {}).get("peak_rss", 0) >= GROWTH_WORTH_A_LOOK:
        print("dataguard's peak RSS grows with the rows: --stages shows which stage holds the memory")


def _print_rows(runs: list[dict[str, Any]], files: dict[int, dict[str, Any]]) -> None:
    print(
        f"\n{'rows':>12}  {'input':>12} {'clean':>12} {'quarantined':>12}  {'clean+q=input':<13}"
        f"  {'generated bad':>13}  {'pandera failing rows':>20}"
    )
    pandera = {r["rows_generated"]: r for r in runs if r["tool"] == "pandera" and "error" not in r}
    for run in runs:
        if run["tool"] != "dataguard" or "error" in run:
            continue
        rows, size = run["rows"], run["rows_generated"]
        holds = rows["clean"] + rows["quarantined"] == rows["input"]
        failing = f"{pandera[size]['failing_rows']:,}" if size in pandera else "-"
        print(
            f"{size:>12,}  {rows['input']:>12,} {rows['clean']:>12,} {rows['quarantined']:>12,}  {holds!s:<13}"
            f"  {files[size]['bad_rows']:>13,}  {failing:>20}"
        )
    print("(pandera alone has no key check: its failing rows exclude the duplicate-key rows.)")


def _print_stages(runs: list[dict[str, Any]]) -> None:
    staged = [r for r in runs if r["tool"] == "stages" and "error" not in r]
    if not staged:
        return
    print(f"\n{'rows':>12}  {'stage':<11} {'wall s':>8}  {'RSS at start MiB':>16}  {'peak RSS MiB':>12}")
    for run in staged:
        for s in run["stages"]:
            own = "" if s["peak_is_stage_own"] else "  (cumulative: peak reset not allowed)"
            print(
                f"{run['rows_generated']:>12,}  {s['stage']:<11} {s['wall_s']:>8.2f}  {s['rss_start_mib'] or 0:>16,.0f}"
                f"  {s['peak_rss_mib']:>12,.0f}{own}"
            )


def environment() -> dict[str, Any]:
    packages = ("dataguard", "pandas", "pandera", "pyarrow", "duckdb", "prefect", "numpy")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "packages": {name: metadata.version(name) for name in packages},
    }


# -- command line ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_validate", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000], help="sizes to measure")
    parser.add_argument("--huge", action="store_true", help="also 100M rows (dataguard and the scan floor only)")
    parser.add_argument("--no-reference", action="store_true", help="dataguard without a reference version (no drift)")
    parser.add_argument("--no-gx", action="store_true", help="skip Great Expectations (its venv is made on first use)")
    parser.add_argument("--no-scipy", action="store_true", help="skip the scipy drift baseline")
    parser.add_argument("--quick", action="store_true", help="100k rows only, to check the benchmark works")
    parser.add_argument("--scratch", type=Path, default=DEFAULT_SCRATCH, help="data files, project, warehouses")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--bad-fraction", type=float, default=0.005, help="share of bad rows in the data")
    parser.add_argument("--stages", action="store_true", help="also measure each stage apart (no Prefect)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON figures go")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reference", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = [100_000]
    if args.huge:
        args.rows = [*args.rows, HUGE_ROWS]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        result = CHILDREN[args.child](args.file, args.project, args.reference)
        result["ru_maxrss_mib"] = ru_maxrss_kib() / 1024  # for reference: includes the parent's peak
        print(RESULT_MARKER + json.dumps(result), flush=True)
        return 0
    sizes = sorted(set(args.rows))
    scratch = args.scratch.resolve()
    project = write_project(scratch)
    files: dict[int, dict[str, Any]] = {}
    references: dict[int, Path | None] = {}
    for rows in sizes:
        path, files[rows] = data_file(scratch, rows, args.seed, args.bad_fraction)
        how = "reused" if files[rows]["reused"] else f"generated in {files[rows]['generate_s']:.1f} s"
        print(f"data {rows:,} rows: {path} ({files[rows]['bytes'] / 2**20:,.0f} MiB, {how})", file=sys.stderr)
        files[rows]["path"] = str(path)
        references[rows] = None
        if not args.no_reference:  # the same generator, another seed: the reference version for drift
            references[rows], _ = data_file(scratch, rows, args.seed + REFERENCE_SEED_OFFSET, args.bad_fraction)
            files[rows]["reference"] = str(references[rows])
    runs = []
    for rows in sizes:
        kinds = ["dataguard", "scan", "copy"]
        if rows != HUGE_ROWS:  # at 100M rows pandas would need about 31 GiB (3.1 at 10M): pandera, scipy, GX left out
            kinds.insert(1, "pandera")
            kinds += [*(("scipy",) if references[rows] and not args.no_scipy else ()), *(() if args.no_gx else ("gx",))]
        kinds += ["stages"] if args.stages else []
        for kind in kinds:
            runs.append(run_child(kind, Path(files[rows]["path"]), project, scratch, rows, references[rows]))
    computed = ratios(runs, sizes)
    figures = {
        "command": " ".join([Path(sys.executable).name, "-m", "tests.bench.bench_validate", *sys.argv[1:]]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "environment": environment(),
        "files": {str(k): v for k, v in files.items()},
        "runs": runs,
        "ratios": computed,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")  # first: a long run's figures outlive a print bug
    print_tables(runs, computed, files)
    print(f"\nfigures written to {args.out}")
    return 1 if any("error" in r for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
