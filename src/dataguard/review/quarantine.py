"""Quarantine review: reviewers release rows that were wrongly held or reject them for good.

Every quarantined row of a run is ``pending``, ``released`` or ``rejected``.
Each decision is appended to an audit log (who, when, note, which rows) and
never rewritten. Releasing rows publishes a new *revision* of the version's
clean data next to the earlier ones, with lineage to its parent, and re-runs
the gate on it (``dataguard.review.revisions``); nothing is rewritten in place. This
module reads the quarantine: list, show, select, export, diff.

Decisions belong to one run: validating the version again starts a new review
(the earlier run's decisions stay in the log).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dataguard import catalog
from dataguard.catalog.address import CatalogDB
from dataguard.common.sql import quote_ident, quote_path
from dataguard.errors import BadInput, NotFound
from dataguard.spec.source import ROW_ID
from dataguard.split import REASONS

PENDING, RELEASED, REJECTED = "pending", "released", "rejected"
STATES = (PENDING, RELEASED, REJECTED)
ACTIONS = {"release": RELEASED, "reject": REJECTED}


def published_run(db: CatalogDB, dataset: str, version: int) -> catalog.RunRecord:
    run = catalog.latest_finished_run(db, dataset, version)
    if run is None or run.quarantine_path is None:
        raise NotFound(
            f"{dataset} v{version} has no finished validation run to review",
            hint=f"dataguard validate {dataset} --version {version}",
        )
    return run


@dataclass(frozen=True)
class RowFilter:
    """Which quarantined rows a reviewer looks at: with a reason of check ``code``, on ``column``, in ``state``."""

    code: str | None = None
    column: str | None = None
    state: str | None = None

    def where(self) -> tuple[str, dict[str, Any]]:
        """The SQL condition over ``qs`` and its parameters: only the filters given, so a page of the whole
        quarantine reads neither the reasons nor the states of the rows it skips."""
        if self.state is not None and self.state not in STATES:
            raise BadInput(f"unknown state {self.state!r}", hint=f"states: {', '.join(STATES)}")
        given = {"state": self.state, "code": self.code, "column": self.column}
        params = {name: value for name, value in given.items() if value is not None}
        return " AND ".join(_CONDITIONS[name] for name in params) or "TRUE", params


STATE = "_review_state"  # each quarantined row's state, beside its columns in the view qs
_CONDITIONS = {
    "state": f"{STATE} = $state",
    "code": f"list_contains([r.code FOR r IN {REASONS}], $code)",
    "column": f'list_contains([r."column" FOR r IN {REASONS}], $column)',
}
_ID = quote_ident(ROW_ID)


def list_rows(
    run: catalog.RunRecord, decided: dict[int, str], wanted: RowFilter, limit: int | None = None
) -> list[dict[str, Any]]:
    """Quarantined rows with their state and reasons, filtered, in source order."""
    where, params = wanted.where()
    with _with_states(run, decided) as con:
        rows = con.execute(
            f"SELECT {_ID}, {STATE}, {REASONS} FROM qs WHERE {where} ORDER BY 1 LIMIT $limit",
            params | {"limit": limit if limit is not None else 2**62},
        ).fetchall()
    return [{"row_id": int(r), "state": s, "reasons": list(reasons)} for r, s, reasons in rows]


def page_rows(
    run: catalog.RunRecord, decided: dict[int, str], wanted: RowFilter, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """One page of the filtered quarantine in ``_row_id`` order: how many rows match, and the page's rows
    with their state, every reason and the original values.

    The page is found by its first ``_row_id`` (a scan of that one column, and of what the filters
    name), then read from there: the last page of a million rows reads 50 rows' values, not a million.
    """
    where, params = wanted.where()
    source = "qs" if wanted.state is not None else "q"  # without a state filter no row's state is needed
    with _with_states(run, decided) as con:
        ((total,),) = con.execute(f"SELECT count(*) FROM {source} WHERE {where}", params).fetchall()
        first = con.execute(
            f"SELECT {_ID} FROM {source} WHERE {where} ORDER BY 1 LIMIT 1 OFFSET $offset", params | {"offset": offset}
        ).fetchall()
        if not first:
            return int(total), []
        page = con.sql(
            f"SELECT * FROM qs WHERE {where} AND {_ID} >= $first ORDER BY {_ID} LIMIT $limit",
            params=params | {"first": first[0][0], "limit": limit},
        ).to_arrow_table()
    rows = []
    for record in page.to_pylist():
        state_of, row_id, reasons = record.pop(STATE), record.pop(ROW_ID), record.pop(REASONS)
        rows.append({"row_id": int(row_id), "state": state_of, "reasons": reasons, "values": record})
    return int(total), rows


class _with_states:  # noqa: N801 - used as a context manager, reads like a function
    """A DuckDB connection with views ``q`` (the quarantine) and ``qs`` (the same with each row's state)."""

    def __init__(self, run: catalog.RunRecord, decided: dict[int, str]) -> None:
        self.run, self.decided = run, decided

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con = duckdb.connect()
        # a view cannot take parameters; the path is the warehouse's own, quoted as a literal
        self.con.execute(f"CREATE VIEW q AS SELECT * FROM read_parquet({quote_path(self.run.quarantine_path)})")
        decided = pa.table(
            {
                ROW_ID: pa.array(list(self.decided), pa.int64()),
                "state": pa.array(list(self.decided.values()), pa.string()),
            }
        )
        self.con.register("decided", decided)
        self.con.execute(
            f"""CREATE VIEW qs AS SELECT q.*, coalesce(d.state, '{PENDING}') AS {STATE}
                FROM q LEFT JOIN decided d USING ({_ID})"""
        )
        return self.con

    def __exit__(self, *exc: object) -> None:
        self.con.close()


def show_row(run: catalog.RunRecord, decided: dict[int, str], row_id: int, log: list[dict[str, Any]]) -> dict[str, Any]:
    with duckdb.connect() as con:
        table = con.sql(
            f"SELECT * FROM read_parquet($p) WHERE {quote_ident(ROW_ID)} = $id",
            params={"p": run.quarantine_path, "id": row_id},
        ).to_arrow_table()
    if table.num_rows == 0:
        raise NotFound(f"row {row_id} is not quarantined in {run.dataset} v{run.version}")
    record = table.to_pylist()[0]
    reasons = record.pop(REASONS)
    history = [d for d in log if row_id in d["row_ids"]]
    return {
        "row_id": row_id,
        "state": decided.get(row_id, PENDING),
        "values": record,
        "reasons": reasons,
        "history": history,
    }


def select_rows(run: catalog.RunRecord, rows: list[int] | None, code: str | None) -> list[int]:
    """The quarantined rows a reviewer named, by id or by reason code; unknown ids are an error."""
    if (rows is None) == (code is None):
        raise BadInput("give either --rows IDS or --code CODE")
    with duckdb.connect() as con:
        if code is not None:
            found = con.execute(
                f"""SELECT {quote_ident(ROW_ID)} FROM read_parquet($p)
                    WHERE list_contains([r.code FOR r IN {REASONS}], $code) ORDER BY 1""",
                {"p": run.quarantine_path, "code": code},
            ).fetchall()
            if not found:
                raise BadInput(f"no quarantined row of {run.dataset} v{run.version} has reason code {code!r}")
            return [int(r) for (r,) in found]
        wanted = pa.table({ROW_ID: pa.array(sorted(set(rows or [])), pa.int64())})
        con.register("wanted", wanted)
        missing = con.execute(
            f"""SELECT {quote_ident(ROW_ID)} FROM wanted
                ANTI JOIN read_parquet($p) USING ({quote_ident(ROW_ID)}) ORDER BY 1""",
            {"p": run.quarantine_path},
        ).fetchall()
    if missing:
        ids = ", ".join(str(r) for (r,) in missing[:10])
        raise BadInput(f"rows not quarantined in {run.dataset} v{run.version}: {ids}")
    return sorted(set(rows or []))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection: tab and CR start formulas too


def escape_cell(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote, so it stays text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_rows(run: catalog.RunRecord, decided: dict[int, str], fmt: str, out: Path) -> int:
    """Write the quarantine with each row's state: Parquet as is, CSV flattened and formula-safe."""
    if fmt not in ("csv", "parquet"):
        raise BadInput(f"unknown export format {fmt!r}", hint="csv or parquet")
    with _with_states(run, decided) as con:
        query = f"SELECT * EXCLUDE ({REASONS}, {STATE}), {STATE} AS _state, {REASONS} FROM qs ORDER BY {_ID}"
        if fmt == "parquet":
            con.execute(f"COPY ({query}) TO $out (FORMAT parquet)", {"out": str(out)})
            return int(pq.ParquetFile(out).metadata.num_rows)
        return _write_csv(con.sql(query).to_arrow_reader(10_000), out)


def _write_csv(reader: pa.RecordBatchReader, out: Path) -> int:
    import csv

    text_columns = {f.name for f in reader.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)}
    written = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([escape_cell(name) for name in reader.schema.names])
        for batch in reader:
            for row in batch.to_pylist():
                writer.writerow([_csv_cell(name, value, text_columns) for name, value in row.items()])
                written += 1
    return written


def _csv_cell(name: str, value: object, text_columns: set[str]) -> str:
    if value is None:
        return ""
    if name == REASONS:
        assert isinstance(value, list)
        value = "; ".join(f"{r['code']}({r['column'] or 'row'})={r['value']}" for r in value)
        return escape_cell(str(value))
    return escape_cell(str(value)) if name in text_columns else str(value)


def diff_reasons(current: dict[str, Any], against: dict[str, Any]) -> list[dict[str, Any]]:
    """Which reasons appeared, disappeared, grew or shrank from version ``against`` to ``current``."""
    now = {(r["code"], r["column"]): r["rows"] for r in current["quarantine_reasons"]}
    before = {(r["code"], r["column"]): r["rows"] for r in against["quarantine_reasons"]}
    changes = []
    for key in sorted(now.keys() | before.keys(), key=lambda k: (k[0], k[1] or "")):
        a, b = before.get(key, 0), now.get(key, 0)
        change = (
            "appeared" if a == 0 else "disappeared" if b == 0 else "grew" if b > a else "shrank" if b < a else "same"
        )
        changes.append({"code": key[0], "column": key[1], "before": a, "after": b, "change": change})
    order = {"appeared": 0, "grew": 1, "shrank": 2, "disappeared": 3, "same": 4}
    return sorted(changes, key=lambda c: order[c["change"]])
