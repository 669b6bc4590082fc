"""Child of the drift benchmark: Evidently's DataDriftPreset, in Evidently's own venv.

Runs with the interpreter of the venv that ``evidently_venv.sh`` makes (Evidently
0.7 with pandas < 3), so it imports nothing from dataguard or the tests. It loads
the same current and reference Parquet files with pandas, runs
``Report([DataDriftPreset()]).run(current, reference)`` with the column kinds the
other tools use, and prints one line ``BENCH-RESULT {json}``: wall time (the
Parquet reads and the report, not the imports), peak RSS (VmHWM), Evidently's
per-column drift score, method and threshold, and which columns it flags.

    python evidently_child.py --current C.parquet --reference R.parquet --numeric a b --categorical c
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from importlib import metadata
from pathlib import Path

RESULT_MARKER = "BENCH-RESULT "
PREFIX = "Value Drift for column "


def peak_rss_mib() -> float:
    """This process's own peak RSS so far: VmHWM, else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--current", type=Path, required=True)
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--numeric", nargs="*", default=[])
    parser.add_argument("--categorical", nargs="*", default=[])
    args = parser.parse_args(argv)

    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    columns = [*args.numeric, *args.categorical]
    definition = DataDefinition(numerical_columns=args.numeric, categorical_columns=args.categorical)
    base = peak_rss_mib()
    started = time.perf_counter()
    current = Dataset.from_pandas(pd.read_parquet(args.current, columns=columns), data_definition=definition)
    reference = Dataset.from_pandas(pd.read_parquet(args.reference, columns=columns), data_definition=definition)
    snapshot = Report([DataDriftPreset()], include_tests=True).run(current, reference)
    wall = time.perf_counter() - started
    outcome = snapshot.dict()

    scores, flags = {}, {}
    for metric in outcome["metrics"]:
        config = metric["config"]
        if config.get("type", "").endswith("ValueDrift"):
            scores[config["column"]] = {
                "score": float(metric["value"]),
                "method": config["method"],
                "threshold": config["threshold"],
            }
    for test in outcome["tests"]:
        if test["name"].startswith(PREFIX) and test["status"] != "SUCCESS":
            column = test["name"][len(PREFIX) :]
            found = scores.get(column, {})
            flags[column] = f"{found.get('method', '?')} {found.get('score', float('nan')):.3g}"
    result = {
        "tool": "evidently",
        "wall_s": wall,
        "peak_rss_mib": peak_rss_mib(),
        "base_rss_mib": base,
        "flags": flags,
        "scores": scores,
        "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "packages": {name: metadata.version(name) for name in ("evidently", "pandas", "pyarrow", "numpy", "scipy")},
    }
    print(RESULT_MARKER + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
