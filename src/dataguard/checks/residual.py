"""pandera's share of the row checks: the file's structure, then the residual schema over record batches.

The residual schema is what SQL cannot state (``pushdown``): coercion, custom
and dataframe-wide checks. It runs ``lazy=True`` on batches of only the
columns it needs; failures that name no row fail the version as a whole.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pyarrow.parquet as pq
from pandera.errors import SchemaErrors

from dataguard.checks.batches import FileLayout, Partition, pandas_batches
from dataguard.checks.failures import FAILURE_SCHEMA, check_code, pandera_failure_rows
from dataguard.checks.load import LoadedContract
from dataguard.checks.pushdown import Pushdown, type_is_fixed
from dataguard.common import progress

STRUCTURAL_CHECKS = ("column_in_dataframe", "column_in_schema", "dtype")


def structure_failures(
    schema: pa.DataFrameSchema, pushdown: Pushdown, empty: pd.DataFrame, loaded: LoadedContract
) -> list[str]:
    """Missing or extra columns and wrong types, judged by pandera on the file's zero-row frame.

    Types whose check looks at the values stay in the residual schema, which
    checks them on every batch.
    """
    shape = copy.deepcopy(schema)
    by_values = set(pushdown.residual_columns) if pushdown.residual is not None else set()
    updates: dict[str, dict[str, object]] = {}
    for name in shape.columns:
        updates[name] = {"checks": [], "nullable": True}
        if name in by_values and not type_is_fixed(shape.columns[name], empty, name):
            updates[name]["dtype"] = None
    shape = shape.update_columns(updates)
    shape.checks = []
    cases = _failure_cases(shape, empty)
    return [] if cases is None else _structural_reasons(cases, loaded)


def residual_failures(
    data_path: Path,
    pushdown: Pushdown,
    layout: FileLayout,
    loaded: LoadedContract,
    writer: pq.ParquetWriter,
    failures_path: Path,
    partition: Partition | None = None,
) -> list[str]:
    """pandera on what SQL cannot state, over batches of the columns it needs; structural reasons, if any.

    A dataframe-wide check given too few columns (it reached one its code does
    not name) fails to run: then the checks run again on every column.
    """
    if pushdown.residual is None:
        return []
    attempts = [list(pushdown.residual_columns)]
    if attempts[0] != layout.columns:
        attempts.append(layout.columns)
    staged = failures_path.with_name(failures_path.stem + ".residual.parquet")
    structural: list[str] = []
    for columns in attempts:
        structural = _stage_residual(data_path, pushdown.residual, columns, loaded, staged, partition)
        if not structural:
            for batch in pq.ParquetFile(staged).iter_batches():
                writer.write_batch(batch)
        staged.unlink(missing_ok=True)
        if not structural:
            return []
    return structural


def _stage_residual(
    data_path: Path,
    schema: pa.DataFrameSchema,
    columns: list[str],
    loaded: LoadedContract,
    staged: Path,
    partition: Partition | None,
) -> list[str]:
    with pq.ParquetWriter(staged, FAILURE_SCHEMA) as writer:
        for batch in pandas_batches(data_path, loaded.contract.batch_rows, columns, partition):
            cases = _validate_batch(schema, batch)
            progress.advance(len(batch))
            if cases is None:
                continue
            structural = _structural_reasons(cases, loaded)
            if structural:
                return structural  # the same in every batch: the version fails as a whole
            writer.write_table(pandera_failure_rows(cases))
    return []


def _validate_batch(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame | None:
    """pandera's failure cases for the batch, or None when every row passes.

    A value that cannot be coerced leaves its whole column uncoerced, and every
    other check on that column then fails for all rows. So rows with values
    that do not coerce are set aside with their reasons, and the rest of the
    batch is validated again without them.
    """
    cases = _failure_cases(schema, frame)
    if cases is None:
        return None
    uncoercible = cases["index"].notna() & (cases["check"].map(check_code) == "coerce_dtype")
    if not uncoercible.any():
        return cases
    bad_rows = pd.Index(cases.loc[uncoercible, "index"].astype("int64").unique())
    kept = cases["index"].isin(bad_rows) & (cases["check"].map(check_code) != "dtype")
    rest = _failure_cases(schema, frame.drop(index=bad_rows))
    return pd.concat([cases[kept], rest], ignore_index=True) if rest is not None else cases[kept]


def _failure_cases(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame | None:
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases: pd.DataFrame = exc.failure_cases
        return cases
    return None


def _structural_reasons(cases: pd.DataFrame, loaded: LoadedContract) -> list[str]:
    """Reasons the version fails as a whole; root causes first, their echoes dropped."""
    codes = cases["check"].map(check_code)
    structural = cases[cases["index"].isna() | codes.isin(STRUCTURAL_CHECKS)]
    primary = structural[structural["check"].map(check_code).isin(STRUCTURAL_CHECKS)]
    chosen = primary if len(primary) else structural
    unique = chosen[["schema_context", "check", "column", "failure_case"]].drop_duplicates(subset=["check", "column"])
    # a handful of schema-level rows, never one per data row
    return [
        _structural_reason(str(context), str(check), column, value, loaded)
        for context, check, column, value in unique.itertuples(index=False)
    ]


def _structural_reason(context: str, check: str, column: object, value: object, loaded: LoadedContract) -> str:
    code = check_code(check)
    if code == "column_in_dataframe":
        return f"column {value!s} is missing (the contract {loaded.path.name} requires it)"
    if code == "column_in_schema":
        return f"column {value!s} is not in the contract {loaded.path.name} (the schema is strict)"
    if code == "dtype":
        return (
            f"column {column!s} does not have the type the contract expects ({check}); "
            "set coerce=True on the field to convert values and quarantine those that do not convert"
        )
    target = "dataframe check" if context == "DataFrameSchema" else f"check on column {column!s}:"
    return f"{target} {check} could not be evaluated: {value!s}"
