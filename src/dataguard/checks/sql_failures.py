"""The row checks DuckDB runs: pushed-down checks in one pass over the file, set checks over the whole version."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa_arrow
import pyarrow.parquet as pq

from dataguard.checks.batches import FileLayout, Partition
from dataguard.checks.failures import FAILURE_SCHEMA, sql_failure_rows
from dataguard.checks.plan import SetCheck
from dataguard.checks.pushdown import SqlCheck
from dataguard.common.rows import version_relation
from dataguard.common.sql import column_chunks, column_list, engine, quote_ident
from dataguard.spec.source import ROW_ID

NO_STATISTICS = "SET disabled_optimizers = 'statistics_propagation'"  # a global setting: a database of its own


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
    query = f"""SELECT * FROM (SELECT {quote_ident(ROW_ID)} AS rid, {flags}, {values}
                               FROM {version_relation(data_path)} WHERE {rows})
                WHERE {" OR ".join(f"f{i}" for i in range(len(checks)))}"""
    params: dict[str, Any] = {}
    if partition is not None:
        params |= {"first": partition.first, "last": partition.last}
    for check in checks:
        params.update(check.params)
    # Parquet statistics leave NaN out of min/max, and DuckDB then folds isnan() to false: keep it honest
    with engine(data_path.parent, flavour=NO_STATISTICS) as con:
        reader = con.sql(query, params=params).to_arrow_reader(batch_rows)
        for batch in reader:
            for i, check in enumerate(checks):
                failing = batch.filter(batch.column(f"f{i}"))
                if failing.num_rows:
                    value = failing.column(f"v{columns.index(check.column)}")
                    writer.write_table(sql_failure_rows(check, failing.column("rid"), value, layout))


def set_check_failures(data_path: Path, set_check: SetCheck) -> pa_arrow.Table:
    cols = column_list(set_check.columns)
    value = " || ', ' || ".join(f"coalesce(CAST({quote_ident(c)} AS VARCHAR), 'null')" for c in set_check.columns)
    # Grouping by the values themselves needs every distinct value in memory at once: DuckDB could not
    # spill 100M distinct strings within its 256 MB. Their 64-bit hashes group within it (spilling);
    # only rows whose hash repeats are then grouped by value, which also drops hash collisions.
    query = f"""
        WITH data AS (SELECT * FROM {version_relation(data_path)}),
             repeated AS (SELECT hash({cols}) AS h FROM data GROUP BY h HAVING count(*) > 1),
             suspects AS (SELECT * FROM data WHERE hash({cols}) IN (SELECT h FROM repeated)),
             dup AS (SELECT {cols} FROM suspects GROUP BY ALL HAVING count(*) > 1)
        SELECT {quote_ident(ROW_ID)}, $code AS code, $column AS "column", $check AS "check", {value} AS value
        FROM suspects SEMI JOIN dup USING ({cols})
        ORDER BY {quote_ident(ROW_ID)}"""
    params = {
        "code": set_check.code,
        "column": ", ".join(set_check.columns),
        "check": set_check.check,
    }
    with engine(data_path.parent) as con:  # a memory ceiling: the grouping spills instead of growing
        table: pa_arrow.Table = con.sql(query, params=params).to_arrow_table()
    return table.cast(FAILURE_SCHEMA)
