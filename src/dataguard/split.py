"""Split: every input row ends in exactly one of clean.parquet or quarantine.parquet.

The quarantine keeps each row's original values, its ``_row_id`` and every
reason it failed (code, column, check, failing value). The split counts its
own output and refuses to finish if clean + quarantined differs from the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataguard.errors import InvariantViolation
from dataguard.ingest import ROW_ID
from dataguard.sql import engine, quote_ident

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


def split_rows(data_path: Path, failures_path: Path, out_dir: Path) -> SplitResult:
    """Write clean.parquet and quarantine.parquet for one run, then check the sums."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clean, quarantine = out_dir / "clean.parquet", out_dir / "quarantine.parquet"
    rid = quote_ident(ROW_ID)
    params = {"data": str(data_path), "failures": str(failures_path)}
    with engine(out_dir) as con:
        failing = con.sql(
            f"SELECT DISTINCT {rid} FROM read_parquet($failures)", params={"failures": str(failures_path)}
        )
        write_clean(data_path, failing.to_arrow_table().column(0), clean)
        con.execute(
            f"""COPY (SELECT d.*, r.{REASONS} FROM read_parquet($data) d
                      JOIN (SELECT {rid}, list({{'code': code, 'column': "column", 'check': "check", 'value': value}}
                                              ORDER BY code, "column", "check", value) AS {REASONS}
                            FROM read_parquet($failures) GROUP BY {rid}) r USING ({rid})
                      ORDER BY {rid})
                TO $out (FORMAT parquet, COMPRESSION zstd)""",
            {**params, "out": str(quarantine)},
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


def write_clean(data_path: Path, failing_ids: pa.ChunkedArray[Any], out: Path) -> None:
    """Stream the version, dropping failing rows: the file is in ``_row_id`` order already,
    so no sort is needed and memory stays at one record batch whatever the size."""
    source = pq.ParquetFile(data_path, pre_buffer=False)
    failing = failing_ids.combine_chunks() if failing_ids.num_chunks else pa.array([], pa.int64())
    with pq.ParquetWriter(out, source.schema_arrow, compression="zstd") as writer:
        for group in range(source.num_row_groups):
            table = source.read_row_group(group)
            keep = pc.invert(pc.is_in(table.column(ROW_ID), value_set=failing))
            writer.write_table(table.filter(keep))


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
