"""Split: every input row ends in exactly one of clean.parquet or quarantine.parquet.

The quarantine keeps each row's original values, its ``_row_id`` and every
reason it failed (code, column, check, failing value). The split counts its
own output and refuses to finish if clean + quarantined differs from the input.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataguard.errors import InvariantViolation
from dataguard.ingest import ROW_ID
from dataguard.sql import engine, quote_ident

if TYPE_CHECKING:
    import duckdb

REASONS = "_reasons"


@dataclass(frozen=True)
class ReasonCount:
    code: str
    column: str | None
    rows: int


@dataclass(frozen=True)
class SplitResult:
    clean_path: Path
    quarantine_path: Path
    rows_input: int
    rows_clean: int
    rows_quarantined: int
    reasons: tuple[ReasonCount, ...]


_REASONS_BY_ROW = f"""SELECT {quote_ident(ROW_ID)},
           list({{'code': code, 'column': "column", 'check': "check", 'value': value}}
                ORDER BY code, "column", "check", value) AS {REASONS}
    FROM read_parquet($failures) GROUP BY {quote_ident(ROW_ID)}"""
WIDE_COLUMNS = 200  # from here on the split streams row groups through pyarrow


def wide(data_path: Path) -> bool:
    return len(pq.ParquetFile(data_path).schema_arrow) > WIDE_COLUMNS


def split_rows(data_path: Path, failures_path: Path, out_dir: Path) -> SplitResult:
    """Write clean.parquet and quarantine.parquet for one run, then check the sums."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clean, quarantine = out_dir / "clean.parquet", out_dir / "quarantine.parquet"
    rid = quote_ident(ROW_ID)
    params = {"data": str(data_path), "failures": str(failures_path)}
    with engine(out_dir) as con:
        if wide(data_path):  # DuckDB would buffer a row group of every column per thread: stream instead
            write_clean_streaming(con, data_path, failures_path, clean, quarantine)
        else:
            failing = write_clean(con, data_path, failures_path, clean)
            con.execute(
                f"""COPY (SELECT d.*, r.{REASONS} FROM (SELECT * FROM read_parquet($data) WHERE {failing.sql}) d
                          JOIN ({_REASONS_BY_ROW}) r USING ({rid})
                          ORDER BY {rid})
                    TO $out (FORMAT parquet, COMPRESSION zstd)""",
                {**params, **failing.params, "out": str(quarantine)},
            )
        reasons = con.execute(
            f"""SELECT code, "column", count(DISTINCT {rid}) AS n FROM read_parquet($failures)
                GROUP BY ALL ORDER BY n DESC, code, "column" NULLS FIRST""",
            {"failures": str(failures_path)},
        ).fetchall()
    result = SplitResult(
        clean_path=clean,
        quarantine_path=quarantine,
        rows_input=_rows(data_path),
        rows_clean=_rows(clean),
        rows_quarantined=_rows(quarantine),
        reasons=tuple(ReasonCount(code, column, int(n)) for code, column, n in reasons),
    )
    check_conservation(result)
    return result


@dataclass(frozen=True)
class FailingFilter:
    """A filter keeping the failing rows of the version (TRUE: let the join decide)."""

    sql: str = "TRUE"
    params: dict[str, int] = field(default_factory=dict)


def write_clean(con: duckdb.DuckDBPyConnection, data_path: Path, failures_path: Path, out: Path) -> FailingFilter:
    """Every row of the version whose ``_row_id`` has no failure, in ``_row_id`` order.

    DuckDB copies the file with one filter, in parallel and without a sort:
    the failing ids become a bitmap (one bit per row id), and a filter keeps
    the file's order where a join would not. Types DuckDB would write back
    differently (zones other than UTC, dictionaries, nested types) take the
    streaming pyarrow path instead. Returns a filter that selects the failing
    rows on the same connection, so the quarantine skips clean rows early.
    """
    source = pq.ParquetFile(data_path)
    kept = all(_duckdb_keeps(field.type) for field in source.schema_arrow)
    span = _row_id_span(con, data_path) if kept else None
    if span is None:
        write_clean_streaming(con, data_path, failures_path, out)
        return FailingFilter()
    low, high = span
    con.execute(
        f"SET VARIABLE dataguard_failing = (SELECT bitstring_agg({quote_ident(ROW_ID)}, {low:d}, {high:d}) "
        "FROM read_parquet($failures))",
        {"failures": str(failures_path)},
    )
    bit = f"get_bit(getvariable('dataguard_failing'), ({quote_ident(ROW_ID)} - $low)::INTEGER)"
    con.execute(
        f"""COPY (SELECT * FROM read_parquet($data) WHERE getvariable('dataguard_failing') IS NULL OR {bit} = 0)
            TO $out (FORMAT parquet, COMPRESSION zstd)""",
        {"data": str(data_path), "low": low, "out": str(out)},
    )
    return FailingFilter(f"coalesce({bit} = 1, false)", {"low": low})


MAX_BITMAP_BITS = 2**31 - 1  # get_bit takes an INTEGER position


def _row_id_span(con: duckdb.DuckDBPyConnection, data_path: Path) -> tuple[int, int] | None:
    """The row ids' range when a bitmap over it is small (ids are positions: dense from 0)."""
    row = con.execute(
        f"SELECT min({quote_ident(ROW_ID)}), max({quote_ident(ROW_ID)}), count(*) FROM read_parquet($data)",
        {"data": str(data_path)},
    ).fetchall()[0]
    if row[0] is None:
        return None
    low, high, rows = int(row[0]), int(row[1]), int(row[2])
    return (low, high) if high - low < min(MAX_BITMAP_BITS, 8 * rows + 1024) else None


def _duckdb_keeps(arrow_type: pa.DataType) -> bool:
    """Types a DuckDB COPY writes back as the same Arrow type."""
    if pa.types.is_timestamp(arrow_type):
        return arrow_type.tz in (None, "UTC", "+00:00") and arrow_type.unit in ("us", "ms", "s")
    simple = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_string, pa.types.is_date32)
    return any(test(arrow_type) for test in simple)


def write_clean_streaming(
    con: duckdb.DuckDBPyConnection, data_path: Path, failures_path: Path, out: Path, quarantine: Path | None = None
) -> None:
    """Stream the version, dropping failing rows (and, given ``quarantine``, writing them there with their
    reasons, in the same pass): the file is in ``_row_id`` order already, so no sort is needed and memory
    stays at one row group whatever the size."""
    reasons = con.sql(
        f"{_REASONS_BY_ROW} ORDER BY {quote_ident(ROW_ID)}", params={"failures": str(failures_path)}
    ).to_arrow_table()
    ids = reasons.column(ROW_ID).combine_chunks() if reasons.num_rows else pa.array([], pa.int64())
    source = pq.ParquetFile(data_path, pre_buffer=False)
    reasons_field = reasons.schema.field(REASONS)
    with ExitStack() as files:
        clean = files.enter_context(pq.ParquetWriter(out, source.schema_arrow, compression="zstd"))
        failed = None
        if quarantine is not None:
            schema = source.schema_arrow.append(reasons_field)
            failed = files.enter_context(pq.ParquetWriter(quarantine, schema, compression="zstd"))
        for group in range(source.num_row_groups):
            table = source.read_row_group(group)
            failing = pc.is_in(table.column(ROW_ID), value_set=ids)
            clean.write_table(table.filter(pc.invert(failing)))
            if failed is not None:
                bad = table.filter(failing)
                at = pc.index_in(bad.column(ROW_ID), value_set=ids)
                failed.write_table(bad.append_column(reasons_field, reasons.column(REASONS).take(at)))


def _rows(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows)


def check_conservation(result: SplitResult) -> None:
    """clean + quarantined = input, or the run stops here, loudly."""
    if result.rows_clean + result.rows_quarantined != result.rows_input:
        raise InvariantViolation(
            f"rows lost or duplicated in the split: clean {result.rows_clean} + quarantined "
            f"{result.rows_quarantined} != input {result.rows_input} ({result.clean_path.parent}); "
            "nothing was published. This is a dataguard bug: please report it with this message."
        )
