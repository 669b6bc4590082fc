"""Great Expectations (GX Core 1.x) on the validate benchmark's file: the contract as expectations.

Runs in its own venv (tests/bench/gx_venv.sh), never in dataguard's. Reads the
Parquet file with pandas, then validates one whole-dataframe batch against the
expectations equivalent to the benchmark contract (ranges, sets, not-null,
string lengths, the key's uniqueness). Prints one BENCH-RESULT line.

    /tmp/dataguard-bench/gx-venv/bin/python tests/bench/gx_child.py FILE
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

CATEGORIES = ["books", "electronics", "garden", "grocery", "health", "home", "sports", "toys"]
COUNTRIES = ["AT", "BE", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GB", "GR", "HU", "IE", "IT", "NL", "NO", "PL", "PT"]
NOT_NULL = ("id", "age", "quantity", "label", "weight", "category", "is_active", "created_at")


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def expectations(gxe: object) -> list[object]:
    e = gxe
    found = [
        e.ExpectColumnValuesToBeBetween(column="id", min_value=0),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeUnique(column="id"),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=120),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeBetween(column="quantity", min_value=0, max_value=1000),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeInSet(column="label", value_set=[0, 1]),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeBetween(column="price", min_value=0.0, max_value=10000.0),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeBetween(column="score", min_value=0.0, max_value=1.0),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeBetween(column="weight", min_value=0.0, strict_min=True),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeInSet(column="category", value_set=CATEGORIES),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeInSet(column="country", value_set=COUNTRIES),  # type: ignore[attr-defined]
        e.ExpectColumnValueLengthsToBeBetween(column="comment", max_value=64),  # type: ignore[attr-defined]
        e.ExpectColumnValuesToBeBetween(  # type: ignore[attr-defined]
            column="created_at", min_value="2020-01-01T00:00:00+00:00"
        ),
    ]
    return found + [e.ExpectColumnValuesToNotBeNull(column=c) for c in NOT_NULL]  # type: ignore[attr-defined]


def main(file: str) -> None:
    import great_expectations as gx
    import pandas as pd

    context = gx.get_context(mode="ephemeral")
    batch_definition = (
        context.data_sources.add_pandas("bench")
        .add_dataframe_asset("bench")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(gx.ExpectationSuite(name="bench"))
    for expectation in expectations(gx.expectations):
        suite.add_expectation(expectation)
    base = peak_rss_mib()
    started = time.perf_counter()
    frame = pd.read_parquet(file)
    read = time.perf_counter()
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format="SUMMARY")
    done = time.perf_counter()
    failed = [r.expectation_config.type for r in result.results if not r.success]
    figures = {
        "tool": "gx",
        "wall_s": done - started,
        "read_s": read - started,
        "validate_s": done - read,
        "peak_rss_mib": peak_rss_mib(),
        "base_rss_mib": base,
        "failed_expectations": len(failed),
        "gx_version": gx.__version__,
    }
    print("BENCH-RESULT " + json.dumps(figures), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
