"""Child of the validation benchmark: Great Expectations Core on the benchmark's rules, in GX's own venv.

Runs with the interpreter of the venv that ``gx_venv.sh`` makes, so it imports
nothing from dataguard or the tests. It reads the benchmark's Parquet file with
pandas and validates it against an expectation suite equivalent to the
benchmark contract (``bench_validate.CONTRACT``): the same ranges, sets, null
rules, string length, key uniqueness and exact column set. Results are asked
for in GX's ``COMPLETE`` format, which lists each failing row, because that is
what dataguard delivers (every bad row, with its reasons). It prints one line
``BENCH-RESULT {json}``: wall time (the Parquet read and the validation, not the
imports), peak RSS (VmHWM), and how many rows failed which expectations.

    python gx_child.py --file bench-1000000.parquet
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

RESULT_MARKER = "BENCH-RESULT "
CATEGORIES = ["books", "electronics", "garden", "grocery", "health", "home", "sports", "toys"]
COUNTRIES = ["AT", "BE", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GB", "GR", "HU", "IE", "IT", "NL", "NO", "PL", "PT"]
COLUMNS = [
    "id",
    "age",
    "quantity",
    "label",
    "price",
    "score",
    "weight",
    "category",
    "country",
    "comment",
    "is_active",
    "created_at",
]
NOT_NULL = ["id", "age", "quantity", "label", "weight", "category", "is_active", "created_at"]


def peak_rss_mib() -> float:
    """This process's own peak RSS so far: VmHWM, else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def expectations(gx: Any, pd: Any) -> list[Any]:
    """The benchmark contract's rules as GX expectations (nulls pass value checks, as in pandera)."""
    e = gx.expectations
    found: list[Any] = [e.ExpectTableColumnsToMatchSet(column_set=COLUMNS, exact_match=True)]
    found += [e.ExpectColumnValuesToNotBeNull(column=c) for c in NOT_NULL]
    found += [
        e.ExpectColumnValuesToBeBetween(column="id", min_value=0),
        e.ExpectColumnValuesToBeUnique(column="id"),
        e.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=120),
        e.ExpectColumnValuesToBeBetween(column="quantity", min_value=0, max_value=1000),
        e.ExpectColumnValuesToBeInSet(column="label", value_set=[0, 1]),
        e.ExpectColumnValuesToBeBetween(column="price", min_value=0.0, max_value=10000.0),
        e.ExpectColumnValuesToBeBetween(column="score", min_value=0.0, max_value=1.0),
        e.ExpectColumnValuesToBeBetween(column="weight", min_value=0.0, strict_min=True),
        e.ExpectColumnValuesToBeInSet(column="category", value_set=CATEGORIES),
        e.ExpectColumnValuesToBeInSet(column="country", value_set=COUNTRIES),
        e.ExpectColumnValueLengthsToBeBetween(column="comment", max_value=64),
        e.ExpectColumnValuesToBeBetween(column="created_at", min_value=pd.Timestamp("2020-01-01", tz="UTC")),
    ]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--file", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TQDM_DISABLE", "1")
    logging.disable(logging.WARNING)

    import great_expectations as gx
    import pandas as pd

    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("bench")
        .add_dataframe_asset("bench")
        .add_batch_definition_whole_dataframe("whole")
    )
    suite = context.suites.add(gx.ExpectationSuite(name="bench"))
    for expectation in expectations(gx, pd):
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(gx.ValidationDefinition(name="bench", data=batch, suite=suite))

    rss_before = peak_rss_mib()
    started = time.perf_counter()
    frame = pd.read_parquet(args.file)
    read = time.perf_counter()
    result = validation.run(batch_parameters={"dataframe": frame}, result_format={"result_format": "COMPLETE"})
    done = time.perf_counter()

    failing: set[int] = set()
    per_expectation: dict[str, int] = {}
    for r in result.results:
        config = r.expectation_config
        name = f"{config.type}({config.kwargs.get('column', '')})"
        per_expectation[name] = int(r.result.get("unexpected_count") or 0)
        failing.update(int(i) for i in r.result.get("unexpected_index_list") or [])
    document = {
        "tool": "gx",
        "version": metadata.version("great_expectations"),
        "wall_s": done - started,
        "read_s": read - started,
        "validate_s": done - read,
        "peak_rss_mib": peak_rss_mib(),
        "base_rss_mib": rss_before,
        "success": bool(result.success),
        "failing_rows": len(failing),
        "unexpected": per_expectation,
    }
    print(RESULT_MARKER + json.dumps(document), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
