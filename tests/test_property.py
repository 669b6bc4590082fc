"""Invariants over generated data: no row lost, and each quarantined row carries pandera's reasons."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandera.errors import SchemaErrors

from dataguard.checks.load import LoadedContract
from dataguard.checks.rowchecks import check_rows
from dataguard.common.rows import VersionRows
from dataguard.spec.contract import Contract
from dataguard.split import split_rows

LABELS = ["a", "b", "c", "d"]


@st.composite
def frames_and_schemas(draw: st.DrawFn) -> tuple[pd.DataFrame, pa.DataFrameSchema, int]:
    n = draw(st.integers(min_value=1, max_value=40))
    ints = draw(st.lists(st.one_of(st.none(), st.integers(-50, 50)), min_size=n, max_size=n))
    labels = draw(st.lists(st.one_of(st.none(), st.sampled_from(LABELS)), min_size=n, max_size=n))
    floats = draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=n, max_size=n))
    frame = pd.DataFrame({"i": pd.array(ints, dtype="Int64"), "label": labels, "f": floats})
    lo = draw(st.integers(-60, 0))
    hi = draw(st.integers(0, 60))
    allowed = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=4, unique=True))
    schema = pa.DataFrameSchema(
        {
            "i": pa.Column(float, pa.Check.in_range(lo, hi), nullable=draw(st.booleans()), coerce=True),
            "label": pa.Column(str, pa.Check.isin(allowed), nullable=draw(st.booleans())),
            "f": pa.Column(float, pa.Check.le(draw(st.floats(-10, 10, allow_nan=False)))),
        },
        checks=[pa.Check(lambda df: ~((df["f"] > 5) & df["i"].isna()), name="f_needs_i")],
    )
    return frame, schema, draw(st.integers(min_value=1, max_value=n + 1))


def pandera_reasons(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> dict[int, set[tuple[str | None, str]]]:
    """What pandera says of the whole frame at once, per row: {(column, check)}."""
    reasons: dict[int, set[tuple[str | None, str]]] = defaultdict(set)
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        for context, column, check, index in cases[["schema_context", "column", "check", "index"]].itertuples(
            index=False
        ):
            reasons[int(index)].add((None if context == "DataFrameSchema" else column, check))
    return reasons


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames_and_schemas())
def test_clean_plus_quarantined_is_input_and_reasons_match_pandera(
    case: tuple[pd.DataFrame, pa.DataFrameSchema, int],
) -> None:
    frame, schema, batch_rows = case
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        data = folder / "source.parquet"
        table = pa_arrow.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
        pq.write_table(table.add_column(0, "_row_id", pa_arrow.array(range(len(frame)), pa_arrow.int64())), data)
        loaded = LoadedContract("gen", folder / "gen.py", schema, Contract(batch_rows=batch_rows))

        outcome = check_rows(data, loaded, folder / "failures.parquet")
        assert outcome.structural == ()
        split = split_rows(data, outcome.failures_path, folder / "run")

        clean_ids = VersionRows(data, split.deleted_path).read([]).column("_row_id").to_pylist()
        quarantine = pq.read_table(split.quarantine_path).to_pylist()

    expected = pandera_reasons(frame.astype({"i": "float64"}), schema)
    assert sorted(clean_ids + [row["_row_id"] for row in quarantine]) == list(range(len(frame)))
    assert split.rows_clean + split.rows_quarantined == split.rows_input == len(frame)
    assert set(clean_ids).isdisjoint(expected)
    assert {row["_row_id"]: {(r["column"], r["check"]) for r in row["_reasons"]} for row in quarantine} == expected
