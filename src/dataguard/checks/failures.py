"""The failure table: one row per failing row and check, ``(_row_id, code, column, check, value)``.

Values are written as pandera writes them in its failure cases, whichever
engine found the failure; a row with no ``_row_id`` is a structural failure.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pyarrow as pa_arrow

from dataguard.checks.batches import FileLayout
from dataguard.checks.pushdown import SqlCheck
from dataguard.spec.source import ROW_ID

FAILURE_SCHEMA: pa_arrow.Schema = pa_arrow.schema(
    [  # type: ignore[arg-type]  # pyarrow-stubs reject a list of fields, pyarrow takes it
        pa_arrow.field(ROW_ID, pa_arrow.int64()),
        pa_arrow.field("code", pa_arrow.string()),
        pa_arrow.field("column", pa_arrow.string()),
        pa_arrow.field("check", pa_arrow.string()),
        pa_arrow.field("value", pa_arrow.string()),
    ]
)


def check_code(check: str) -> str:
    """A stable snake_case code from pandera's check name: ``in_range(0, 1)`` -> ``in_range``."""
    return check.split("(", 1)[0].strip()


def sql_failure_rows(
    check: SqlCheck, row_ids: pa_arrow.Array[Any], values: pa_arrow.Array[Any], layout: FileLayout
) -> pa_arrow.Table:
    """The failure rows of one pushed-down check, values written as pandera would write them."""
    if check.code == "not_nullable":
        text: list[str | None] = [None] * len(row_ids)
    else:
        if check.column in layout.as_float:
            values = values.cast(pa_arrow.float64(), safe=False)
        text = [_as_text(value) for value in values.to_pandas().tolist()]
    n = len(row_ids)
    return pa_arrow.Table.from_arrays(
        [
            row_ids,
            pa_arrow.array([check.code] * n),
            pa_arrow.array([check.column] * n),
            pa_arrow.array([check.check] * n),
            pa_arrow.array(text, pa_arrow.string()),
        ],
        schema=FAILURE_SCHEMA,
    )


def pandera_failure_rows(cases: pd.DataFrame) -> pa_arrow.Table:
    """The failure rows of pandera's failure cases; a dataframe-wide check names no column or value."""
    frame_level = cases["schema_context"] == "DataFrameSchema"
    columns = cases["column"].where(~frame_level, None)
    values = cases["failure_case"].map(_as_text).where(~frame_level, None)
    rows = pd.DataFrame(
        {
            ROW_ID: cases["index"].astype("int64"),
            "code": cases["check"].map(check_code),
            "column": columns,
            "check": cases["check"],
            "value": values,
        }
    ).drop_duplicates()
    return pa_arrow.Table.from_pandas(rows, schema=FAILURE_SCHEMA, preserve_index=False)


def _as_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT or value is pd.NA:
        return None
    return str(value)
