"""Row checks: built-in checks pushed down into DuckDB, the rest with pandera, set-wide checks in DuckDB.

Built-in checks whose meaning is exact in SQL (see ``pushdown``) run as one
DuckDB pass over the Parquet file (a pass per 25 columns on wide files).
The rest (coercion, custom and dataframe-wide checks) runs with pandera's
pandas backend, ``lazy=True``, one record batch of only the columns it needs
at a time, so memory is bounded by the batch size. Checks that compare rows
with each other (``unique``, the contract's keys) would be wrong per batch,
so they run over the whole version in DuckDB. Every failure becomes a row of
``failures.parquet``: ``(_row_id, code, column, check, value)``. A failure
that names no row is a structural failure of the whole version.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pandera.errors import SchemaErrors

from dataguard.checks.load import LoadedContract
from dataguard.checks.pushdown import Pushdown, SqlCheck, split_schema, type_is_fixed
from dataguard.common import progress
from dataguard.common.sql import column_chunks, column_list, engine, quote_ident
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
STRUCTURAL_CHECKS = ("column_in_dataframe", "column_in_schema", "dtype")


@dataclass(frozen=True)
class DeclaredCheck:
    """A check the contract declares; ``check`` is pandera's name for it."""

    check: str
    column: str | None
    code: str


@dataclass(frozen=True)
class SetCheck:
    """A check over the whole version: rows sharing these columns' values fail."""

    columns: tuple[str, ...]
    code: str

    @property
    def check(self) -> str:
        return f"{self.code}({', '.join(self.columns)})"


@dataclass(frozen=True)
class CheckPlan:
    batch_schema: pa.DataFrameSchema
    set_checks: tuple[SetCheck, ...]
    declared: tuple[DeclaredCheck, ...]


@dataclass(frozen=True)
class CheckResult:
    name: str
    column: str | None
    code: str
    failed_rows: int
    severity: str


@dataclass(frozen=True)
class RowCheckOutcome:
    failures_path: Path
    checks: tuple[CheckResult, ...]
    structural: tuple[str, ...]


def check_code(check: str) -> str:
    """A stable snake_case code from pandera's check name: ``in_range(0, 1)`` -> ``in_range``."""
    return check.split("(", 1)[0].strip()


# -- planning -----------------------------------------------------------------------------


def plan_checks(loaded: LoadedContract) -> CheckPlan:
    """Split the schema into per-batch checks and whole-version set checks."""
    schema = copy.deepcopy(loaded.schema)
    set_checks: list[SetCheck] = []
    for name, column in schema.columns.items():
        if column.unique:
            set_checks.append(SetCheck((name,), "field_uniqueness"))
            schema = schema.update_column(name, unique=False)
    if schema.unique:
        set_checks.append(SetCheck(tuple(schema.unique), "multiple_fields_uniqueness"))
        schema.unique = None
    if loaded.contract.keys:
        set_checks.append(SetCheck(tuple(loaded.contract.keys), "duplicate_key"))
    return CheckPlan(schema, tuple(set_checks), tuple(_declared(schema, set_checks)))


def _declared(schema: pa.DataFrameSchema, set_checks: list[SetCheck]) -> Iterator[DeclaredCheck]:
    for name, column in schema.columns.items():
        if schema.coerce or column.coerce:
            yield DeclaredCheck(f"coerce_dtype('{column.dtype}')", name, "coerce_dtype")
        if not column.nullable:
            yield DeclaredCheck("not_nullable", name, "not_nullable")
        for check in column.checks:
            label = check.error or check.name
            yield DeclaredCheck(label, name, check_code(label))
    for check in schema.checks:
        label = check.error or check.name
        yield DeclaredCheck(label, None, check_code(label))
    for set_check in set_checks:
        yield DeclaredCheck(set_check.check, ", ".join(set_check.columns), set_check.code)


# -- running ------------------------------------------------------------------------------------


def check_rows(data_path: Path, loaded: LoadedContract, failures_path: Path) -> RowCheckOutcome:
    """Run every check of the contract over the version; failures go to ``failures_path``.

    Checks with an exact SQL meaning run in one DuckDB pass over the file
    (``pushdown``); the rest run through pandera on record batches of only the
    columns they need; set checks run over the whole version in DuckDB.
    """
    part = failures_path.with_name(failures_path.stem + ".part.parquet")
    structural = check_partition(data_path, loaded, None, part)
    return finish_checks(data_path, loaded, [part], structural, failures_path)


@dataclass(frozen=True)
class Partition:
    """A contiguous range of ``_row_id`` (both ends included): one unit of row checks."""

    first: int
    last: int


def partitions(data_path: Path, rows: int, batch_rows: int) -> tuple[Partition, ...]:
    """The version cut into ranges of about ``rows`` row ids (one range when ``rows`` is 0 or covers it all).

    ``rows`` is rounded up to a whole number of record batches: a partition then
    holds exactly the batches a single pass reads (ids are positions, dense from
    the first), so a dataframe-wide check sees the same rows either way.
    """
    rid = quote_ident(ROW_ID)
    with engine() as con:
        query = f"SELECT min({rid}), max({rid}) FROM read_parquet($p)"
        low, high = con.execute(query, {"p": str(data_path)}).fetchall()[0]
    if low is None:
        return (Partition(0, -1),)
    rows = -(-rows // batch_rows) * batch_rows
    if rows <= 0 or high - low + 1 <= rows:
        return (Partition(int(low), int(high)),)
    return tuple(Partition(start, min(start + rows - 1, int(high))) for start in range(int(low), int(high) + 1, rows))


def check_partition(data_path: Path, loaded: LoadedContract, partition: Partition | None, out: Path) -> list[str]:
    """The per-row checks of one partition (None: all rows) into ``out``; structural reasons, if any."""
    plan = plan_checks(loaded)
    layout = FileLayout.of(data_path)
    empty = _to_frame(layout.schema.empty_table(), layout.as_float)
    pushdown = split_schema(plan.batch_schema, layout.schema, layout.as_float, layout.columns, empty)
    structural = _structure_failures(plan.batch_schema, pushdown, empty, loaded)
    with pq.ParquetWriter(out, FAILURE_SCHEMA) as writer:
        if not structural:
            batch_rows = loaded.contract.batch_rows
            write_sql_failures(data_path, pushdown.sql_checks, layout, writer, batch_rows, partition)
            structural = _residual_failures(data_path, pushdown, layout, loaded, writer, out, partition)
    return structural


def finish_checks(
    data_path: Path, loaded: LoadedContract, parts: list[Path], structural: list[str], failures_path: Path
) -> RowCheckOutcome:
    """Merge the partitions' failures, run the set checks over the whole version, count per check.

    ``structural``: the reasons of the first partition that had any (see ``first_structural``).
    """
    plan = plan_checks(loaded)
    with pq.ParquetWriter(failures_path, FAILURE_SCHEMA) as writer:
        if not structural:
            for part in parts:
                for batch in pq.ParquetFile(part).iter_batches():
                    writer.write_batch(batch)
            for set_check in plan.set_checks:
                writer.write_table(_set_check_failures(data_path, set_check))
    for part in parts:
        part.unlink(missing_ok=True)
    checks = () if structural else summarise(failures_path, plan, loaded.contract.gate.block_checks)
    return RowCheckOutcome(failures_path, checks, tuple(structural))


def first_structural(per_partition: list[list[str]]) -> list[str]:
    """The structural reasons a single pass would give: those of the first partition, in order, that has any.

    A single pass stops at its first batch with a structural failure; the
    partitions hold the same batches in the same order.
    """
    return next((reasons for reasons in per_partition if reasons), [])


@dataclass(frozen=True)
class FileLayout:
    """The version file's data columns, their Arrow types, and the integer columns read as float."""

    schema: pa_arrow.Schema
    columns: list[str]
    as_float: list[str]

    @classmethod
    def of(cls, data_path: Path) -> FileLayout:
        schema = pq.ParquetFile(data_path).schema_arrow
        columns = [name for name in schema.names if name != ROW_ID]
        return cls(schema, columns, _integer_columns_with_nulls(data_path, schema))


def _structure_failures(
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


def write_sql_failures(
    data_path: Path,
    checks: tuple[SqlCheck, ...],
    layout: FileLayout,
    writer: pq.ParquetWriter,
    batch_rows: int,
    partition: Partition | None = None,
) -> None:
    """One DuckDB pass per COLUMNS_PER_QUERY columns: each failing row with the checks it fails.

    A contract over thousands of columns is not planned as one query (DuckDB's
    memory for a query grows with its expressions); a narrow one is one pass.
    """
    if not checks:
        return
    for names in column_chunks(sorted({check.column for check in checks})):
        wanted = set(names)
        chunk = [check for check in checks if check.column in wanted]
        _write_sql_failures(data_path, chunk, layout, writer, batch_rows, partition)


def _write_sql_failures(
    data_path: Path,
    checks: Sequence[SqlCheck],
    layout: FileLayout,
    writer: pq.ParquetWriter,
    batch_rows: int,
    partition: Partition | None,
) -> None:
    columns = sorted({check.column for check in checks})
    flags = ", ".join(f"{check.fails} AS f{i}" for i, check in enumerate(checks))
    values = ", ".join(f"{quote_ident(name)} AS v{j}" for j, name in enumerate(columns))
    rows = "TRUE" if partition is None else f"{quote_ident(ROW_ID)} BETWEEN $first AND $last"
    query = f"""SELECT * FROM (SELECT {quote_ident(ROW_ID)} AS rid, {flags}, {values} FROM read_parquet($path)
                               WHERE {rows})
                WHERE {" OR ".join(f"f{i}" for i in range(len(checks)))}"""
    params: dict[str, Any] = {"path": str(data_path)}
    if partition is not None:
        params |= {"first": partition.first, "last": partition.last}
    for check in checks:
        params.update(check.params)
    with engine(data_path.parent, private=True) as con:  # a global setting: a database of its own
        # Parquet statistics leave NaN out of min/max, and DuckDB then folds isnan() to false: keep it honest
        con.execute("SET disabled_optimizers = 'statistics_propagation'")
        reader = con.sql(query, params=params).to_arrow_reader(batch_rows)
        for batch in reader:
            for i, check in enumerate(checks):
                failing = batch.filter(batch.column(f"f{i}"))
                if failing.num_rows:
                    value = failing.column(f"v{columns.index(check.column)}")
                    writer.write_table(_sql_failure_rows(check, failing.column("rid"), value, layout))


def _sql_failure_rows(
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


def _residual_failures(
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
            writer.write_table(_row_failures(cases))
    return []


def pandas_batches(
    data_path: Path, batch_rows: int, columns: list[str] | None = None, partition: Partition | None = None
) -> Iterator[pd.DataFrame]:
    """Record batches as pandas frames indexed by ``_row_id``, with file-wide dtypes.

    pandas turns an integer column with nulls into float64; decided per batch,
    a column's dtype would change from batch to batch. Integer columns that
    hold a null anywhere in the file are read as float64 in every batch,
    exactly as ``pd.read_parquet`` of the whole file would give them (pyarrow's
    default mapping, whatever pandas metadata the file carries).
    """
    parquet = pq.ParquetFile(data_path, pre_buffer=False)  # pre-buffering keeps every chunk read: memory grows
    as_float = _integer_columns_with_nulls(data_path, parquet.schema_arrow)
    wanted = None if columns is None else [ROW_ID, *columns]
    if partition is None:
        batches = parquet.iter_batches(batch_size=batch_rows, columns=wanted)
        tables: Iterator[pa_arrow.Table] = (pa_arrow.Table.from_batches([batch]) for batch in batches)
    else:
        tables = _rebatched(_partition_tables(parquet, batch_rows, wanted, partition), batch_rows)
    for table in tables:
        frame = _to_frame(table.drop_columns([ROW_ID]), as_float)
        frame.index = pd.Index(table.column(ROW_ID).to_numpy(), name=None)
        yield frame


def _partition_tables(
    parquet: pq.ParquetFile, batch_rows: int, wanted: list[str] | None, partition: Partition
) -> Iterator[pa_arrow.Table]:
    """The partition's rows, read from the row groups that can hold them."""
    groups = _row_groups_within(parquet, partition)
    first, last = (pa_arrow.scalar(end, pa_arrow.int64()) for end in (partition.first, partition.last))
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=wanted, row_groups=groups):
        ids = batch.column(ROW_ID)
        table = pa_arrow.Table.from_batches([batch]).filter(
            pc.and_(pc.greater_equal(ids, first), pc.less_equal(ids, last))
        )
        if table.num_rows:
            yield table


def _rebatched(tables: Iterator[pa_arrow.Table], batch_rows: int) -> Iterator[pa_arrow.Table]:
    """Tables cut again into ``batch_rows`` rows: row groups start anywhere, a single pass's batches do not."""
    pending: list[pa_arrow.Table] = []
    held = 0
    for table in tables:
        pending.append(table)
        held += table.num_rows
        while held >= batch_rows:
            whole = pa_arrow.concat_tables(pending)
            yield whole.slice(0, batch_rows)
            rest = whole.slice(batch_rows)
            pending, held = ([rest] if rest.num_rows else []), rest.num_rows
    if held:
        yield pa_arrow.concat_tables(pending)


def _row_groups_within(parquet: pq.ParquetFile, partition: Partition) -> list[int]:
    """Row groups whose ``_row_id`` statistics overlap the partition (all of them without statistics)."""
    position = parquet.schema_arrow.get_field_index(ROW_ID)
    groups = []
    for group in range(parquet.num_row_groups):
        stats = parquet.metadata.row_group(group).column(position).statistics
        low, high = (stats.min, stats.max) if stats is not None and stats.has_min_max else (None, None)
        if low is None or high is None or (int(low) <= partition.last and int(high) >= partition.first):
            groups.append(group)
    return groups


def _to_frame(table: pa_arrow.Table, as_float: list[str]) -> pd.DataFrame:
    # pandas metadata a writer left in the file would change dtypes by origin: ignore it
    table = table.replace_schema_metadata(None)
    for name in as_float:
        position = table.schema.get_field_index(name)
        if position >= 0:
            table = table.set_column(position, name, table.column(name).cast(pa_arrow.float64(), safe=False))
    if ROW_ID in table.schema.names:
        table = table.drop_columns([ROW_ID])
    return table.to_pandas()


def _integer_columns_with_nulls(data_path: Path, schema: pa_arrow.Schema) -> list[str]:
    ints = [f.name for f in schema if pa_arrow.types.is_integer(f.type) and f.name != ROW_ID]
    if not ints:
        return []
    selects = ", ".join(f"count(*) - count({quote_ident(n)})" for n in ints)
    with engine() as con:
        row = con.execute(f"SELECT {selects} FROM read_parquet($path)", {"path": str(data_path)}).fetchone()
    assert row is not None
    return [name for name, nulls in zip(ints, row, strict=True) if nulls]


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


def _row_failures(cases: pd.DataFrame) -> pa_arrow.Table:
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


def _set_check_failures(data_path: Path, set_check: SetCheck) -> pa_arrow.Table:
    cols = column_list(set_check.columns)
    value = " || ', ' || ".join(f"coalesce(CAST({quote_ident(c)} AS VARCHAR), 'null')" for c in set_check.columns)
    # Grouping by the values themselves needs every distinct value in memory at once: DuckDB could not
    # spill 100M distinct strings within its 256 MB. Their 64-bit hashes group within it (spilling);
    # only rows whose hash repeats are then grouped by value, which also drops hash collisions.
    query = f"""
        WITH data AS (SELECT * FROM read_parquet($path)),
             repeated AS (SELECT hash({cols}) AS h FROM data GROUP BY h HAVING count(*) > 1),
             suspects AS (SELECT * FROM data WHERE hash({cols}) IN (SELECT h FROM repeated)),
             dup AS (SELECT {cols} FROM suspects GROUP BY ALL HAVING count(*) > 1)
        SELECT {quote_ident(ROW_ID)}, $code AS code, $column AS "column", $check AS "check", {value} AS value
        FROM suspects SEMI JOIN dup USING ({cols})
        ORDER BY {quote_ident(ROW_ID)}"""
    params = {
        "path": str(data_path),
        "code": set_check.code,
        "column": ", ".join(set_check.columns),
        "check": set_check.check,
    }
    with engine(data_path.parent) as con:  # a memory ceiling: the grouping spills instead of growing
        table: pa_arrow.Table = con.sql(query, params=params).to_arrow_table()
    return table.cast(FAILURE_SCHEMA)


def summarise(
    failures_path: Path, plan: CheckPlan, block_checks: tuple[str, ...] | list[str]
) -> tuple[CheckResult, ...]:
    """Failed-row counts for every declared check, zero for those that passed."""
    with engine() as con:
        counted = con.execute(
            f"""SELECT "check", "column", code, count(DISTINCT {quote_ident(ROW_ID)})
                FROM read_parquet($path) GROUP BY ALL""",
            {"path": str(failures_path)},
        ).fetchall()
    failed = {(check, column): (code, int(n)) for check, column, code, n in counted}
    results: list[CheckResult] = []
    for declared in plan.declared:
        _, n = failed.pop((declared.check, declared.column), (declared.code, 0))
        results.append(_result(declared.check, declared.column, declared.code, n, block_checks))
    for (check, column), (code, n) in sorted(failed.items(), key=lambda item: (str(item[0][1]), item[0][0])):
        results.append(_result(check, column, code, n, block_checks))  # failures pandera named differently
    return tuple(results)


def _result(
    check: str, column: str | None, code: str, failed: int, block_checks: tuple[str, ...] | list[str]
) -> CheckResult:
    severity = "block" if code in block_checks else "quarantine"
    return CheckResult(name=check, column=column, code=code, failed_rows=failed, severity=severity)
