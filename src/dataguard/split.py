"""Split: every input row ends in exactly one of clean.parquet or quarantine.parquet.

The quarantine keeps each row's original values, its ``_row_id`` and every
reason it failed (code, column, check, failing value). The split counts its
own output and refuses to finish if clean + quarantined differs from the input.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataguard.common.sql import engine, quote_ident
from dataguard.errors import InvariantViolation
from dataguard.ingest.canonical import ROW_GROUP_ROWS, parquet_writer
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
    clean_path: Path
    quarantine_path: Path
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
WIDE_COLUMNS = 200  # from here on the split streams row groups through pyarrow


def wide(data_path: Path) -> bool:
    return len(pq.ParquetFile(data_path).schema_arrow) > WIDE_COLUMNS


def split_rows(data_path: Path, failures_path: Path, out_dir: Path) -> SplitResult:
    """Write clean.parquet and quarantine.parquet for one run, then check the sums."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clean, quarantine = out_dir / "clean.parquet", out_dir / "quarantine.parquet"
    rid = quote_ident(ROW_ID)
    with engine(out_dir) as con:
        if wide(data_path):  # DuckDB would buffer a row group of every column per thread: stream instead
            write_clean_streaming(con, data_path, failures_path, clean, quarantine)
        else:
            write_clean(con, data_path, failures_path, clean)
            write_quarantine(con, data_path, failures_path, quarantine)
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


def write_clean(con: duckdb.DuckDBPyConnection, data_path: Path, failures_path: Path, out: Path) -> None:
    """Every row of the version whose ``_row_id`` has no failure, in ``_row_id`` order.

    DuckDB copies the file with one filter, in parallel and without a sort:
    the failing ids become a bitmap (one bit per row id), and a filter keeps
    the file's order where a join would not. Row groups as large as the
    version's: DuckDB's default (122,880 rows) made it carry partial groups
    across threads under the memory ceiling, about a third slower. Types
    DuckDB would write back differently (zones other than UTC, dictionaries,
    nested types) take the streaming pyarrow path instead.
    """
    source = pq.ParquetFile(data_path)
    kept = all(_duckdb_keeps(field.type) for field in source.schema_arrow)
    span = _row_id_span(con, data_path) if kept else None
    if span is None:
        write_clean_streaming(con, data_path, failures_path, out)
        return
    low, high = span
    con.execute(
        f"SET VARIABLE dataguard_failing = (SELECT bitstring_agg({quote_ident(ROW_ID)}, {low:d}, {high:d}) "
        "FROM read_parquet($failures))",
        {"failures": str(failures_path)},
    )
    bit = f"get_bit(getvariable('dataguard_failing'), ({quote_ident(ROW_ID)} - $low)::INTEGER)"
    con.execute(
        f"""COPY (SELECT * FROM read_parquet($data) WHERE getvariable('dataguard_failing') IS NULL OR {bit} = 0)
            TO $out (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS:d})""",
        {"data": str(data_path), "low": low, "out": str(out)},
    )


def write_quarantine(con: duckdb.DuckDBPyConnection, data_path: Path, failures_path: Path, out: Path) -> None:
    """The failing rows with every reason, in ``_row_id`` order, QUARANTINE_CHUNK_ROWS rows per query.

    A row's reasons are gathered by DuckDB's ``list`` aggregate, whose state
    cannot spill to disk: over all 500,000 failing rows of a 100M-row version
    at once it ran out of the engine's 256 MB. A range of row ids at a time
    keeps that state small; the range also prunes the version's row groups by
    their ``_row_id`` statistics, so the version is still read about once.
    """
    rid = quote_ident(ROW_ID)
    starts = [
        int(row[0])
        for row in con.execute(
            f"""SELECT {rid} FROM (SELECT {rid}, row_number() OVER (ORDER BY {rid}) - 1 AS i
                                  FROM (SELECT DISTINCT {rid} FROM read_parquet($failures)))
                WHERE i % $chunk = 0 ORDER BY {rid}""",
            {"failures": str(failures_path), "chunk": QUARANTINE_CHUNK_ROWS},
        ).fetchall()
    ]
    ends = [start - 1 for start in starts[1:]] + [2**63 - 1]
    ranges = list(zip(starts, ends, strict=True)) if starts else [(0, -1)]  # no failure: an empty file, typed
    within = f"{rid} BETWEEN $low AND $high"
    query = f"""SELECT d.*, r.{REASONS} FROM (SELECT * FROM read_parquet($data) WHERE {within}) d
                JOIN ({_reasons_by_row(within)}) r USING ({rid}) ORDER BY {rid}"""
    writer: pq.ParquetWriter | None = None
    try:
        for low, high in ranges:
            params = {"data": str(data_path), "failures": str(failures_path), "low": low, "high": high}
            table = con.sql(query, params=params).to_arrow_table()
            if writer is None:
                writer = parquet_writer(out, table)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


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
    stays at one row group whatever the size. The reasons are gathered a row group at a time, for the
    row ids it holds (see write_quarantine: the list aggregate cannot spill)."""
    rid = quote_ident(ROW_ID)
    params: dict[str, object] = {"failures": str(failures_path)}
    ids = con.sql(f"SELECT DISTINCT {rid} FROM read_parquet($failures)", params=params).to_arrow_table().column(0)
    failing_ids = ids.combine_chunks() if len(ids) else pa.array([], pa.int64())
    source = pq.ParquetFile(data_path, pre_buffer=False)
    reasons_field = con.sql(_reasons_by_row("FALSE"), params=params).to_arrow_table().schema.field(REASONS)
    with ExitStack() as files:
        first = source.read_row_group(0) if source.num_row_groups else source.schema_arrow.empty_table()
        clean = files.enter_context(parquet_writer(out, first))
        failed = None
        if quarantine is not None:
            schema = source.schema_arrow.append(reasons_field)
            failed = files.enter_context(parquet_writer(quarantine, first, schema))
        del first  # read again below: holding a wide row group through the loop would double the memory
        for group in range(source.num_row_groups):
            table = source.read_row_group(group)
            failing = pc.is_in(table.column(ROW_ID), value_set=failing_ids)
            clean.write_table(table.filter(pc.invert(failing)))
            bad = table.filter(failing)
            if failed is not None and bad.num_rows:
                span = pc.min_max(bad.column(ROW_ID))
                reasons = con.sql(
                    _reasons_by_row(f"{rid} BETWEEN $low AND $high"),
                    params={**params, "low": span["min"].as_py(), "high": span["max"].as_py()},
                ).to_arrow_table()
                at = pc.index_in(bad.column(ROW_ID), value_set=reasons.column(ROW_ID))
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
