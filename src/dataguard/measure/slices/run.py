"""Running slice tests: a version's clean rows (and predictions) loaded into a locked in-memory
DuckDB, each test measured there and judged (the metrics are described in ``dataguard.measure.slices``)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

from dataguard.common.rows import VersionRows
from dataguard.common.sql import column_list, engine, quote_ident
from dataguard.errors import BadInput, ContractError
from dataguard.measure.slices.guard import lock, validate_slices
from dataguard.measure.slices.judge import judge
from dataguard.measure.slices.metrics import PREDICTION, SCORE, SliceData, measure
from dataguard.measure.slices.results import Measurement, SliceResult
from dataguard.spec.slices import (
    SliceTest,
)
from dataguard.spec.source import ROW_ID


def evaluate_slices(
    clean: Path | VersionRows,
    slices: Sequence[SliceTest],
    predictions: Path | None = None,
    keys: tuple[str, ...] = (),
    reference: Path | VersionRows | None = None,
    reference_predictions: Path | None = None,
) -> tuple[SliceResult, ...]:
    """Every slice test on the clean rows of a version, against its reference when given."""
    if not slices:
        return ()
    current = [m for m in measure_version(clean, slices, predictions, keys) if m is not None]
    if reference is None:
        return tuple(judge(t, m, None) for t, m in zip(slices, current, strict=True))
    before = measure_version(reference, slices, reference_predictions, keys, strict=False)
    return tuple(judge(t, m, r) for t, m, r in zip(slices, current, before, strict=True))


def measure_version(
    clean: Path | VersionRows,
    slices: Sequence[SliceTest],
    predictions: Path | None = None,
    keys: tuple[str, ...] = (),
    *,
    strict: bool = True,
) -> tuple[Measurement | None, ...]:
    """Each slice's metric on one version, in a locked DuckDB that holds only this version.

    Not ``strict`` (a reference version): a slice whose SQL does not fit this
    version (a column added since) gives None instead of an error.
    """
    with tempfile.TemporaryDirectory(prefix="dataguard-slices-") as scratch, engine(scratch, private=True) as con:
        version = _load(con, clean, predictions, keys)
        lock(con)
        if strict:
            validate_slices(slices, version.columns)
            return tuple(measure(version, test) for test in slices)
        return tuple(_measure_if_it_fits(version, test) for test in slices)


def _measure_if_it_fits(version: SliceData, test: SliceTest) -> Measurement | None:
    try:
        validate_slices([test], version.columns)
        return measure(version, test)
    except ContractError:
        return None


def _load(
    con: duckdb.DuckDBPyConnection, clean: Path | VersionRows, predictions: Path | None, keys: tuple[str, ...]
) -> SliceData:
    try:
        if isinstance(clean, VersionRows):  # the clean rows, _row_id first
            con.execute(f"CREATE TABLE data AS SELECT * FROM {clean.relation()}")
        else:
            con.execute("CREATE TABLE data AS SELECT * FROM read_parquet($path)", {"path": str(clean)})
    except duckdb.Error as exc:
        raise BadInput(f"{getattr(clean, 'data_path', clean)}: cannot read the version's clean rows: {exc}") from exc
    columns = tuple(str(r[0]) for r in con.execute("SELECT name FROM pragma_table_info('data')").fetchall())
    rows = _scalar(con, "SELECT count(*) FROM data")
    if predictions is None:
        return SliceData(con, rows, columns)
    found = _load_predictions(con, predictions, keys, columns, rows)
    return SliceData(con, rows, columns, predictions, found)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> int:
    row = con.execute(sql, params or {}).fetchone()
    assert row is not None
    return int(row[0] or 0)


# -- predictions ---------------------------------------------------------------------------


def _load_predictions(
    con: duckdb.DuckDBPyConnection, path: Path, keys: tuple[str, ...], columns: tuple[str, ...], rows: int
) -> frozenset[str]:
    reader = {".parquet": "read_parquet($path)", ".pq": "read_parquet($path)", ".csv": "read_csv($path, header = true)"}
    if path.suffix.lower() not in reader:
        raise BadInput(f"{path}: a predictions file must be .parquet or .csv")
    try:
        con.execute(f"CREATE TABLE raw_predictions AS SELECT * FROM {reader[path.suffix.lower()]}", {"path": str(path)})
    except duckdb.Error as exc:
        raise BadInput(f"{path}: cannot read the predictions: {exc}") from exc
    found = {str(r[0]) for r in con.execute("SELECT name FROM pragma_table_info('raw_predictions')").fetchall()}
    on = _join_columns(path, found, keys, columns)
    _check_join(con, path, on, rows)
    select = ", ".join(f"p.{quote_ident(c)} AS {alias}" if c in found else f"NULL AS {alias}" for c, alias in _OUT)
    con.execute(f"CREATE TABLE predictions AS SELECT d.{quote_ident(ROW_ID)}, {select} {_joined(on)}")
    return frozenset(c for c, _ in _OUT if c in found)


_OUT = (("prediction", PREDICTION), ("score", SCORE))


def _join_columns(path: Path, found: set[str], keys: tuple[str, ...], columns: tuple[str, ...]) -> tuple[str, ...]:
    if ROW_ID in found:
        return (ROW_ID,)
    if keys and all(k in found for k in keys) and all(k in columns for k in keys):
        return keys
    if not {"prediction", "score"} & found:
        raise BadInput(f"{path}: the predictions file has neither a `prediction` nor a `score` column")
    wanted = f"`{ROW_ID}` or the key columns {', '.join(keys)}" if keys else f"`{ROW_ID}`"
    raise BadInput(
        f"{path}: the predictions cannot be joined to the version: it needs {wanted}; it has {', '.join(sorted(found))}"
    )


def _joined(on: tuple[str, ...]) -> str:
    match = " AND ".join(f"d.{quote_ident(c)} IS NOT DISTINCT FROM p.{quote_ident(c)}" for c in on)
    return f"FROM data d JOIN raw_predictions p ON {match}"


def _check_join(con: duckdb.DuckDBPyConnection, path: Path, on: tuple[str, ...], rows: int) -> None:
    """One prediction per row, one row per prediction, or a count of what went wrong."""
    cols = column_list(on)
    match = " AND ".join(f"d.{quote_ident(c)} IS NOT DISTINCT FROM p.{quote_ident(c)}" for c in on)
    try:
        missing = _scalar(
            con, f"SELECT count(*) FROM data d WHERE NOT EXISTS (SELECT 1 FROM raw_predictions p WHERE {match})"
        )
        unmatched = _scalar(
            con, f"SELECT count(*) FROM raw_predictions p WHERE NOT EXISTS (SELECT 1 FROM data d WHERE {match})"
        )
        repeated = _scalar(con, f"SELECT sum(n - 1) FROM (SELECT count(*) AS n FROM raw_predictions GROUP BY {cols})")
        twice = _scalar(con, f"SELECT sum(n - 1) FROM (SELECT count(*) AS n FROM data GROUP BY {cols})")
    except duckdb.Error as exc:
        raise BadInput(f"{path}: the predictions cannot be joined to the version on {', '.join(on)}: {exc}") from exc
    if missing or unmatched or repeated or twice:
        problems = [
            f"{missing:,} of the version's {rows:,} rows have no prediction" if missing else "",
            f"predictions that match no row: {unmatched:,}" if unmatched else "",
            f"extra predictions for a row already predicted: {repeated:,}" if repeated else "",
            f"version rows that share their {', '.join(on)} with another row: {twice:,}" if twice else "",
        ]
        raise BadInput(
            f"{path}: the predictions do not join completely on {', '.join(on)}: "
            + "; ".join(p for p in problems if p),
            hint="write exactly one prediction per clean row of the version, with its _row_id",
        )
