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

The stages live beside this module: ``plan`` (which checks run where),
``batches`` (reading the file), ``sql_failures`` (DuckDB), ``residual``
(pandera) and ``failures`` (the failure table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from dataguard.catalog.results import CheckResult  # what a check found, as the catalog records it
from dataguard.checks.batches import FileLayout, Partition, unreadable
from dataguard.checks.failures import FAILURE_SCHEMA
from dataguard.checks.load import LoadedContract
from dataguard.checks.plan import CheckPlan, contract_fingerprint, plan_checks
from dataguard.checks.pushdown import split_schema
from dataguard.checks.relations import RelationCheck, describe, write_relation_failures
from dataguard.checks.residual import residual_failures, structure_failures
from dataguard.checks.sql_failures import set_check_failures, write_sql_failures
from dataguard.common.sql import engine, quote_ident
from dataguard.spec.outcome import Severity
from dataguard.spec.source import ROW_ID


@dataclass(frozen=True)
class RowCheckOutcome:
    failures_path: Path
    checks: tuple[CheckResult, ...]
    structural: tuple[str, ...]
    contract_fingerprint: str = ""
    relations: tuple[dict[str, Any], ...] = ()  # each relation and the other version it used (report.json)


def check_rows(
    data_path: Path, loaded: LoadedContract, failures_path: Path, relations: Sequence[RelationCheck] = ()
) -> RowCheckOutcome:
    """Run every check of the contract over the version; failures go to ``failures_path``.

    Checks with an exact SQL meaning run in one DuckDB pass over the file
    (``pushdown``); the rest run through pandera on record batches of only the
    columns they need; set checks run over the whole version in DuckDB.
    """
    part = failures_path.with_name(failures_path.stem + ".part.parquet")
    structural = check_partition(data_path, loaded, None, part)
    return finish_checks(data_path, loaded, [part], structural, failures_path, relations)


def check_partition(data_path: Path, loaded: LoadedContract, partition: Partition | None, out: Path) -> list[str]:
    """The per-row checks of one partition (None: all rows) into ``out``; structural reasons, if any."""
    with unreadable(data_path):
        return _check_partition(data_path, loaded, partition, out)


def _check_partition(data_path: Path, loaded: LoadedContract, partition: Partition | None, out: Path) -> list[str]:
    plan = plan_checks(loaded)
    layout = FileLayout.of(data_path)
    empty = layout.empty_frame()
    pushdown = split_schema(plan.batch_schema, layout.schema, layout.as_float, layout.columns, empty)
    structural = structure_failures(plan.batch_schema, pushdown, empty, loaded)
    with pq.ParquetWriter(out, FAILURE_SCHEMA) as writer:
        if not structural:
            batch_rows = loaded.contract.batch_rows
            write_sql_failures(data_path, pushdown.sql_checks, layout, writer, batch_rows, partition)
            structural = residual_failures(data_path, pushdown, layout, loaded, writer, out, partition)
    return structural


def finish_checks(
    data_path: Path,
    loaded: LoadedContract,
    parts: list[Path],
    structural: list[str],
    failures_path: Path,
    relations: Sequence[RelationCheck] = (),
) -> RowCheckOutcome:
    """Merge the partitions' failures, run the set checks and relations over the whole version, count per check.

    ``structural``: the reasons of the first partition that had any (see ``first_structural``).
    """
    plan = plan_checks(loaded, relations)
    with pq.ParquetWriter(failures_path, FAILURE_SCHEMA) as writer:
        if not structural:
            for part in parts:
                for batch in pq.ParquetFile(part).iter_batches():
                    writer.write_batch(batch)
            for set_check in plan.set_checks:
                with unreadable(data_path):
                    writer.write_table(set_check_failures(data_path, set_check))
            for relation in relations:
                with unreadable(data_path):
                    write_relation_failures(data_path, relation, writer, failures_path.parent)
    for part in parts:
        part.unlink(missing_ok=True)
    checks = () if structural else summarise(failures_path, plan, loaded.contract.gate.block_checks)
    failed = {c.name: c.failed_rows for c in checks}
    used = tuple(row | {"failed_rows": failed.get(row["check"], 0)} for row in describe(relations))
    return RowCheckOutcome(failures_path, checks, tuple(structural), contract_fingerprint(loaded, plan), used)


def first_structural(per_partition: list[list[str]]) -> list[str]:
    """The structural reasons a single pass would give: those of the first partition, in order, that has any.

    A single pass stops at its first batch with a structural failure; the
    partitions hold the same batches in the same order.
    """
    return next((reasons for reasons in per_partition if reasons), [])


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
        results.append(_result(declared.check, declared.column, declared.code, n, block_checks, declared.fingerprint))
    for (check, column), (code, n) in sorted(failed.items(), key=lambda item: (str(item[0][1]), item[0][0])):
        results.append(_result(check, column, code, n, block_checks, None))  # failures pandera named differently
    return tuple(results)


def _result(
    check: str,
    column: str | None,
    code: str,
    failed: int,
    block_checks: tuple[str, ...] | list[str],
    fingerprint: str | None,
) -> CheckResult:
    severity = Severity.BLOCK if code in block_checks else Severity.QUARANTINE
    return CheckResult(check, column, code, failed, severity, fingerprint)
