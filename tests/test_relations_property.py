"""References, leaks and repeated rows agree with a pandas merge on random small tables.

The relation checks run as a run runs them (``write_relation_failures`` over real Parquet files in
DuckDB); the expected rows come from pandas: a merge on the key, nulls never matching, text compared
trimmed, lower-cased and with runs of white space as one space, a whole row comparing its nulls equal.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from dataguard.checks.failures import FAILURE_SCHEMA
from dataguard.checks.relations import OtherRows, RelationCheck, write_relation_failures
from dataguard.common.rows import version_relation
from dataguard.spec.relations import Disjoint, Duplicates, References, Relation
from dataguard.spec.source import ROW_ID

TEXTS = ["a", "A", " a ", "b", "b  c", "B c", "c"]
rows = st.lists(
    st.tuples(st.one_of(st.none(), st.integers(0, 3)), st.one_of(st.none(), st.sampled_from(TEXTS)), st.integers(0, 2)),
    max_size=12,
)
SCHEMA = pa.schema([("k1", pa.int64()), ("k2", pa.string()), ("v", pa.int64())])


def table(path: Path, values: list[tuple[Any, Any, Any]]) -> Path:
    columns = list(zip(*values, strict=True)) if values else [[], [], []]
    pq.write_table(
        pa.Table.from_arrays([pa.array(c, t.type) for c, t in zip(columns, SCHEMA, strict=True)], schema=SCHEMA), path
    )
    return path


def found(folder: Path, spec: Relation, data: Path, other: Path | None) -> dict[int, str]:
    rows_of = None if other is None else OtherRows("other", 1, 0, version_relation(other))
    out = folder / "failures.parquet"
    with pq.ParquetWriter(out, FAILURE_SCHEMA) as writer:
        write_relation_failures(data, RelationCheck(spec, rows_of), writer, folder)
    failures = pq.read_table(out).to_pylist()
    return {f[ROW_ID]: f["value"] for f in failures}


def frame(values: list[tuple[Any, Any, Any]]) -> pd.DataFrame:
    return pd.DataFrame(values, columns=["k1", "k2", "v"], dtype=object)  # ints stay ints beside None


def normal(value: Any) -> Any:
    return re.sub(r"\s+", " ", value).strip().lower() if isinstance(value, str) else value


def keyed(frame: pd.DataFrame, on: list[str], normalise: bool) -> pd.Series:
    """Each row's key as a tuple (None: a key with a null, when nulls never match)."""
    values = frame[on].map(normal) if normalise else frame[on]
    keys = [tuple(None if pd.isna(x) else x for x in row) for row in values.itertuples(index=False)]
    return pd.Series(keys, index=frame.index, dtype=object)


@settings(max_examples=40, deadline=None)
@given(here=rows, there=rows)
def test_references_and_leaks_match_pandas(tmp_path_factory: Any, here: list[Any], there: list[Any]) -> None:
    folder = tmp_path_factory.mktemp("rel")
    data, other = table(folder / "data.parquet", here), table(folder / "other.parquet", there)
    mine, theirs = frame(here), frame(there)

    for on in (["k1"], ["k1", "k2"]):
        known = {k for k in keyed(theirs, on, False) if None not in k}
        expected = {
            i: ", ".join(str(x) for x in k)
            for i, k in keyed(mine, on, False).items()
            if None not in k and k not in known
        }
        assert found(folder, References(on, "other"), data, other) == expected

    for on, nulls_match in ((["k1", "k2"], False), ([], True)):
        columns = on or ["k1", "k2", "v"]
        first: dict[tuple[Any, ...], int] = {}
        for i, k in keyed(theirs, columns, True).items():
            if nulls_match or None not in k:
                first.setdefault(k, int(i))
        expected = {
            i: f"other v1 {ROW_ID} {first[k]}"
            for i, k in keyed(mine, columns, True).items()
            if (nulls_match or None not in k) and k in first
        }
        assert found(folder, Disjoint("other", on=on), data, other) == expected


@settings(max_examples=40, deadline=None)
@given(here=rows)
def test_repeated_rows_match_pandas(tmp_path_factory: Any, here: list[Any]) -> None:
    folder = tmp_path_factory.mktemp("dup")
    data = table(folder / "data.parquet", here)
    mine = frame(here)

    for on, nulls_match in ((["k2"], False), ([], True)):
        first: dict[tuple[Any, ...], int] = {}
        expected: dict[int, str] = {}
        for i, k in keyed(mine, on or ["k1", "k2", "v"], True).items():
            if not nulls_match and None in k:
                continue
            if k in first:
                expected[int(i)] = f"{ROW_ID} {first[k]}"
            first.setdefault(k, int(i))
        assert found(folder, Duplicates(on=on), data, None) == expected
