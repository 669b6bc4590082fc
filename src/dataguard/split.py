"""Split: every input row is clean or quarantined, and only the quarantine is written.

The quarantine keeps each failing row's original values, its ``_row_id`` and
every reason it failed (code, column, check, failing value); beside it the
*deletion vector*, ``deleted.parquet``: the sorted ``_row_id`` of those rows.
The clean rows are the version minus that set (``dataguard.common.rows``); no
clean copy is written here. The file training reads is made from them on
first use (``dataguard.gate.materialize``). The split counts its output and
refuses to finish unless clean + quarantined = input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataguard.common.rows import WIDE_COLUMNS, file_schema, positioned_batches, version_relation
from dataguard.common.sql import engine, quote_ident, quote_path
from dataguard.errors import InvariantViolation
from dataguard.ingest.canonical import parquet_writer
from dataguard.spec.source import ROW_ID

if TYPE_CHECKING:
    import duckdb

REASONS = "_reasons"


@dataclass(frozen=True)
class ReasonCount:  # how many quarantined rows carry one reason (a check code, on a column or on none)
    code: str
    column: str | None
    rows: int


@dataclass(frozen=True)
class SplitResult:
    clean_path: Path  # where the clean file is made on first use (not written by the split)
    quarantine_path: Path
    deleted_path: Path  # the deletion vector: the quarantined rows' sorted _row_id
    data_path: Path  # the version's file
    rows_input: int
    rows_clean: int
    rows_quarantined: int
    reasons: tuple[ReasonCount, ...]


def _reasons_by_row(where: str = "TRUE") -> str:
    """Each failing row's ``_row_id`` and its reasons as one list, in a fixed order."""
    return f"""SELECT {quote_ident(ROW_ID)},
           list({{'code': code, 'column': "column", 'check': "check", 'value': value}}
                ORDER BY code, "column", "check", value) AS {REASONS}
    FROM read_parquet($failures) WHERE {where} GROUP BY {quote_ident(ROW_ID)}"""


QUARANTINE_CHUNK_ROWS = 50_000  # failing rows whose reasons are gathered by one query


def wide(data_path: Path) -> bool:
    return len(pq.ParquetFile(data_path).schema_arrow) > WIDE_COLUMNS


def split_rows(data_path: Path, failures_path: Path, out_dir: Path) -> SplitResult:
    """Write quarantine.parquet and deleted.parquet for one run, then check the sums."""
    out_dir.mkdir(parents=True, exist_ok=True)
    quarantine, deleted = out_dir / "quarantine.parquet", out_dir / "deleted.parquet"
    rid = quote_ident(ROW_ID)
    params = {"failures": str(failures_path)}
    with engine(out_dir) as con:
        con.execute(
            f"""COPY (SELECT DISTINCT {rid} FROM read_parquet($failures) ORDER BY {rid})
                TO $out (FORMAT parquet, COMPRESSION zstd)""",
            {**params, "out": str(deleted)},
        )
        if wide(data_path):  # DuckDB would buffer a row group of every column per thread: stream instead
            write_quarantine_streaming(con, data_path, failures_path, deleted, quarantine)
        else:
            write_quarantine(con, data_path, failures_path, deleted, quarantine)
        reasons = con.execute(
            f"""SELECT code, "column", count(DISTINCT {rid}) AS n FROM read_parquet($failures)
                GROUP BY ALL ORDER BY n DESC, code, "column" NULLS FIRST""",
            params,
        ).fetchall()
        ids = con.execute(
            f"SELECT count(*), min({rid}), max({rid}) FROM read_parquet($deleted)", {"deleted": str(deleted)}
        ).fetchall()[0]
    rows_input = _rows(data_path)
    quarantined = _rows(quarantine)
    result = SplitResult(
        clean_path=out_dir / "clean.parquet",
        quarantine_path=quarantine,
        deleted_path=deleted,
        data_path=data_path,
        rows_input=rows_input,
        rows_clean=rows_input - int(ids[0]),
        rows_quarantined=quarantined,
        reasons=tuple(ReasonCount(code, column, int(n)) for code, column, n in reasons),
    )
    check_conservation(result, int(ids[0]), ids[1], ids[2])
    return result


def write_quarantine(
    con: duckdb.DuckDBPyConnection, data_path: Path, failures_path: Path, deleted: Path, out: Path
) -> None:
    """The failing rows with every reason, in ``_row_id`` order: one scan of the version.

    The version's failing rows come from one semi join with the deletion
    vector, sorted (they are few); their reasons are gathered QUARANTINE_CHUNK_ROWS
    rows at a time, for the ids each chunk spans: DuckDB's ``list`` aggregate
    cannot spill, and over all 500,000 failing rows of a 100M-row version at
    once it ran out of the engine's 256 MB.
    """
    rid = quote_ident(ROW_ID)
    rows = con.sql(
        f"""SELECT * FROM {version_relation(data_path)}
            WHERE {rid} IN (SELECT {rid} FROM read_parquet({quote_path(deleted)})) ORDER BY {rid}"""
    ).to_arrow_reader(QUARANTINE_CHUNK_ROWS)
    with con.cursor() as reasons_con:  # the reader above holds ``con`` until it is drained
        _write_with_reasons(reasons_con, rows, failures_path, out)


def write_quarantine_streaming(
    con: duckdb.DuckDBPyConnection, data_path: Path, failures_path: Path, deleted: Path, out: Path
) -> None:
    """The same file from a pyarrow stream of the version: memory stays at one batch however wide the rows."""
    reader = pa.RecordBatchReader.from_batches(file_schema(data_path), _failing_rows(data_path, deleted))
    _write_with_reasons(con, reader, failures_path, out)


def _failing_rows(data_path: Path, deleted: Path) -> Iterator[pa.RecordBatch]:
    failing = pq.read_table(deleted).column(ROW_ID).combine_chunks()
    for batch in positioned_batches(data_path, QUARANTINE_CHUNK_ROWS):
        bad = batch.filter(pc.is_in(batch.column(ROW_ID), value_set=failing))
        if bad.num_rows:
            yield bad


def _write_with_reasons(
    con: duckdb.DuckDBPyConnection, rows: pa.RecordBatchReader, failures_path: Path, out: Path
) -> None:
    rid = quote_ident(ROW_ID)
    params: dict[str, object] = {"failures": str(failures_path)}
    reasons_field = con.sql(_reasons_by_row("FALSE"), params=params).to_arrow_table().schema.field(REASONS)
    schema = rows.schema.append(reasons_field)
    writer: pq.ParquetWriter | None = None
    try:
        for batch in rows:
            if not batch.num_rows:
                continue
            span = pc.min_max(batch.column(ROW_ID))
            reasons = con.sql(
                _reasons_by_row(f"{rid} BETWEEN $low AND $high"),
                params={**params, "low": span["min"].as_py(), "high": span["max"].as_py()},
            ).to_arrow_table()
            at = pc.index_in(batch.column(ROW_ID), value_set=reasons.column(ROW_ID))
            table = pa.Table.from_batches([batch]).append_column(reasons_field, reasons.column(REASONS).take(at))
            if writer is None:
                writer = parquet_writer(out, table, schema)
            writer.write_table(table)
        if writer is None:  # no failure: an empty file, typed
            writer = parquet_writer(out, schema.empty_table(), schema)
    finally:
        if writer is not None:
            writer.close()


def _rows(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows)


def check_conservation(result: SplitResult, deleted: int, low: int | None, high: int | None) -> None:
    """clean + quarantined = input, every quarantined row in the deletion vector and every id a row's, or the
    run stops here, loudly."""
    outside = low is not None and (low < 0 or high is None or high >= result.rows_input)
    if (
        result.rows_clean + result.rows_quarantined != result.rows_input
        or deleted != result.rows_quarantined
        or outside
    ):
        raise InvariantViolation(
            f"rows lost or duplicated in the split: clean {result.rows_clean} + quarantined "
            f"{result.rows_quarantined} != input {result.rows_input} ({result.clean_path.parent}); "
            "nothing was published. This is a dataguard bug: please report it with this message."
        )
