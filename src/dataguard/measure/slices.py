"""Slice tests: a named subset of a version (a SQL predicate), a metric on it, a threshold.

Declared in the contract (``Contract(slices=[SliceTest(...), ...])``) and run in
DuckDB over the clean rows of a version, and of its reference version when a
``max_drop`` asks how much worse the slice may get.

Metrics, and the rows each is computed on (``SliceResult.rows``, compared with
``min_rows``):

- on the data: ``row_count`` and ``share`` (of the version's rows) on the rows
  of the slice; ``null_rate`` of ``column`` on the rows of the slice; ``mean``
  of ``column`` on its non-null values; ``rate`` of ``expression`` (a boolean
  SQL expression, e.g. ``arr_delay > 15``) on the rows where it is not NULL.
- on model predictions joined to the version, on the rows where the ``label``
  (a column or an expression) and the prediction are both not NULL:
  ``accuracy``, ``precision``, ``recall``, ``f1`` (binary: the label and
  ``prediction`` must be 0/1 or false/true, 1 being the positive class),
  ``roc_auc`` (on ``score`` instead of ``prediction``), ``mae`` and ``rmse``.

Rates (share, null_rate, rate, accuracy, precision, recall) come with a Wilson
95% interval. A result is ``inconclusive`` when that interval holds a threshold:
the slice is too small to tell on which side of it the truth lies.

The predictions file is Parquet (``.parquet``, ``.pq``) or CSV with a header
(``.csv``), one row per clean row of the version, with:

- the join columns: ``_row_id`` when the file has it, otherwise every key
  column of the contract (``keys``);
- ``prediction``: the predicted class (0/1 or false/true) for the
  classification metrics, or the predicted value for ``mae`` and ``rmse``;
- ``score`` (optional, needed by ``roc_auc``): the predicted probability or
  score of the positive class.

The join must be one to one: a version row without a prediction, a prediction
that matches no row, or a row with two predictions is a ``BadInput`` error
that counts them. Model slices are skipped (``skipped=True``, ``passed=True``)
when no predictions file is given, so data-only runs still decide.

Safety: ``where``, ``expression`` and ``label`` are SQL written in a contract,
so each is parsed alone first and must be exactly one expression over the
version's columns (no subquery, no table, no second statement; comments are
harmless because the text is spliced on lines of its own). The queries then
run on an in-memory DuckDB connection that holds the data as tables and has
``enable_external_access`` off and its configuration locked before any of that
SQL runs: no file, no COPY, no INSTALL, LOAD or ATTACH, no SET.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dataguard.common.sql import column_list, engine, quote_ident
from dataguard.errors import BadInput, ContractError, did_you_mean
from dataguard.spec.slices import (
    LOWER_IS_BETTER,
    MODEL_METRICS,
    REGRESSION_METRICS,
    WHERE_HINT,
    SliceTest,
)

ROW_ID = "_row_id"
Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal
PREDICTION, SCORE = "_dg_prediction", "_dg_score"


@dataclass(frozen=True)
class SliceResult:
    """One slice test on one version: what report.json lists under ``slices``.

    rows: the rows the metric was computed on (see the module docstring);
    slice_rows: all rows matching ``where``. reason: why it failed, or a note
    on a pass (too small, inconclusive, skipped). change: value minus the
    reference's value.
    """

    name: str
    metric: str
    value: float | None
    rows: int
    passed: bool
    severity: str
    threshold: dict[str, float | None]
    interval: tuple[float, float] | None
    too_small: bool
    reference_value: float | None
    change: float | None
    reason: str | None
    slice_rows: int = 0
    inconclusive: bool = False
    skipped: bool = False
    where: str = "TRUE"


@dataclass(frozen=True)
class Measurement:
    """A metric measured on one version's slice; ``undefined`` says why value is None."""

    value: float | None
    rows: int
    slice_rows: int
    interval: tuple[float, float] | None = None
    undefined: str | None = None
    skipped: bool = False


# -- checking the contract's SQL -------------------------------------------------------


def validate_slices(slices: Sequence[SliceTest], columns: Sequence[str]) -> None:
    """Contract-time check: unique names, and SQL that is one expression over known columns."""
    seen: set[str] = set()
    with _parser() as con:
        for test in slices:
            if not isinstance(test, SliceTest):
                raise ContractError(f"Contract.slices must hold dataguard SliceTest values, got {type(test).__name__}")
            if test.name in seen:
                raise ContractError(f"slice {test.name!r} is declared twice; slice names must be unique")
            seen.add(test.name)
            _check_columns(test, columns)
            for role, text in _sql_of(test):
                check_expression(con, text, columns, f"slice {test.name!r}: `{role}`")


def _sql_of(test: SliceTest) -> Iterator[tuple[str, str]]:
    yield "where", test.where
    if test.metric == "rate" and test.expression is not None:
        yield "expression", test.expression
    if test.metric in MODEL_METRICS and test.label is not None:
        yield "label", test.label


def _check_columns(test: SliceTest, columns: Sequence[str]) -> None:
    known = {c.lower() for c in columns}
    if test.metric in ("null_rate", "mean") and str(test.column).lower() not in known:
        raise ContractError(
            f"slice {test.name!r}: column {test.column!r} is not in the version",
            hint=did_you_mean(str(test.column), columns, otherwise=f"columns: {', '.join(columns)}"),
        )


@contextmanager
def _parser() -> Iterator[duckdb.DuckDBPyConnection]:
    """A throwaway connection that only parses: locked, like the one that runs the SQL."""
    con = duckdb.connect()
    try:
        lock(con)
        yield con
    finally:
        con.close()


def check_expression(con: duckdb.DuckDBPyConnection, text: str, columns: Sequence[str], where: str) -> None:
    """Refuse SQL that is not exactly one expression on ``columns``, before any of it runs."""
    if not isinstance(text, str) or not text.strip():
        raise ContractError(f"{where} is empty", hint=WHERE_HINT)
    query = f"SELECT {splice(text)}"
    with suppress(duckdb.Error):  # a syntax error: the parser's own message follows
        if len(con.extract_statements(query)) > 1:
            raise ContractError(f"{where} {text!r} holds more than one SQL statement (a `;`)", hint=WHERE_HINT)
    row = con.execute("SELECT json_serialize_sql($q)", {"q": query}).fetchone()
    assert row is not None
    parsed = json.loads(row[0])
    if parsed.get("error"):
        raise ContractError(f"{where} {text!r} is not valid SQL: {parsed.get('error_message')}", hint=WHERE_HINT)
    problem = _shape_problem(parsed["statements"]) or _content_problem(parsed["statements"], columns)
    if problem:
        raise ContractError(f"{where} {text!r} {problem}", hint=WHERE_HINT)


def splice(text: str) -> str:
    """User SQL in parentheses on lines of its own, so a trailing ``--`` comment cannot swallow the rest."""
    return f"(\n{text}\n)"


def _shape_problem(statements: list[dict[str, Any]]) -> str | None:
    """Anything beyond ``SELECT (<one expression>)`` means the text broke out of its parentheses."""
    node = statements[0]["node"] if len(statements) == 1 else {}
    empty = (
        node.get("type") == "SELECT_NODE"
        and len(node.get("select_list", ())) == 1
        and not node["select_list"][0].get("alias")
        and node["select_list"][0].get("function_name") != "row"  # "a, b" in parentheses: a row of two
        and node.get("from_table", {}).get("type") == "EMPTY"
        and not any(node.get(k) for k in ("where_clause", "having", "qualify", "sample", "group_expressions"))
        and not node.get("modifiers")
        and not node.get("cte_map", {}).get("map")
    )
    return None if empty else "is not a single SQL expression (a list, a second statement or a clause)"


_FORBIDDEN = {"SUBQUERY": "a subquery", "TABLE_FUNCTION": "a table function", "BASE_TABLE": "a table"}


def _content_problem(statements: list[dict[str, Any]], columns: Sequence[str]) -> str | None:
    nodes = list(_nodes(statements[0]["node"]["select_list"]))
    for node in nodes:
        kind = _FORBIDDEN.get(node.get("class", "")) or _FORBIDDEN.get(node.get("type", ""))
        if kind:
            return f"uses {kind}: a slice may only use the version's own columns, row by row"
    params = {ref for n in nodes if n.get("class") == "LAMBDA" for ref in _column_refs(n["lhs"])}
    known = {c.lower() for c in (*columns, ROW_ID)} | params
    for ref in sorted({ref for n in nodes if n.get("class") == "COLUMN_REF" for ref in _column_refs(n)}):
        if ref not in known:
            close = did_you_mean(ref, columns)
            return f"refers to column {ref!r}, which is not in the version{f'; {close}' if close else ''}"
    return None


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            yield from _nodes(item)


def _column_refs(node: dict[str, Any]) -> Iterator[str]:
    """The column each reference starts from (``s.f`` is field f of column s)."""
    for n in _nodes(node):
        if n.get("class") == "COLUMN_REF":
            yield str(n["column_names"][0]).lower()


# -- the sandbox -------------------------------------------------------------------------


def lock(con: duckdb.DuckDBPyConnection) -> None:
    """From here on the connection can read nothing outside itself and change no setting."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


@dataclass(frozen=True)
class _Version:
    con: duckdb.DuckDBPyConnection
    rows: int
    columns: tuple[str, ...]
    predictions: Path | None = None
    prediction_columns: frozenset[str] = field(default_factory=frozenset)


def evaluate_slices(
    clean: Path,
    slices: Sequence[SliceTest],
    predictions: Path | None = None,
    keys: tuple[str, ...] = (),
    reference: Path | None = None,
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
    clean: Path,
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
            return tuple(_measure(version, test) for test in slices)
        return tuple(_measure_if_it_fits(version, test) for test in slices)


def _measure_if_it_fits(version: _Version, test: SliceTest) -> Measurement | None:
    try:
        validate_slices([test], version.columns)
        return _measure(version, test)
    except ContractError:
        return None


def _load(con: duckdb.DuckDBPyConnection, clean: Path, predictions: Path | None, keys: tuple[str, ...]) -> _Version:
    try:
        con.execute("CREATE TABLE data AS SELECT * FROM read_parquet($path)", {"path": str(clean)})
    except duckdb.Error as exc:
        raise BadInput(f"{clean}: cannot read the version's clean rows: {exc}") from exc
    columns = tuple(str(r[0]) for r in con.execute("SELECT name FROM pragma_table_info('data')").fetchall())
    rows = _scalar(con, "SELECT count(*) FROM data")
    if predictions is None:
        return _Version(con, rows, columns)
    found = _load_predictions(con, predictions, keys, columns, rows)
    return _Version(con, rows, columns, predictions, found)


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


# -- metrics ---------------------------------------------------------------------------------


def _measure(version: _Version, test: SliceTest) -> Measurement:
    if test.metric in MODEL_METRICS and version.predictions is None:
        return Measurement(None, 0, 0, undefined="no predictions file was given", skipped=True)
    try:
        return _MEASURES[test.metric](version, test)
    except duckdb.PermissionException as exc:
        raise ContractError(
            f"slice {test.name!r}: refused: its SQL tried to reach outside the version (external access is off): {exc}"
        ) from exc
    except duckdb.Error as exc:
        raise ContractError(f"slice {test.name!r} (where {test.where!r}) cannot be evaluated: {exc}") from exc


def _fetch(version: _Version, sql: str) -> tuple[Any, ...]:
    row = version.con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def _where(test: SliceTest) -> str:
    return f"WHERE {splice(test.where)}"


def _count(version: _Version, test: SliceTest) -> Measurement:
    (n,) = _fetch(version, f"SELECT count(*) FROM data {_where(test)}")
    return Measurement(float(n), n, n)


def _share(version: _Version, test: SliceTest) -> Measurement:
    (n,) = _fetch(version, f"SELECT count(*) FROM data {_where(test)}")
    share = _rate(n, version.rows, n, "the version has no rows")
    return Measurement(share.value, n, n, share.interval, share.undefined)  # the slice's size is what min_rows weighs


def _null_rate(version: _Version, test: SliceTest) -> Measurement:
    column = quote_ident(str(test.column))
    n, nulls = _fetch(version, f"SELECT count(*), count(*) FILTER ({column} IS NULL) FROM data {_where(test)}")
    return _rate(nulls, n, n, "no rows in the slice")


def _mean(version: _Version, test: SliceTest) -> Measurement:
    column = quote_ident(str(test.column))
    n, present, mean = _fetch(version, f"SELECT count(*), count({column}), avg({column}) FROM data {_where(test)}")
    if not present:
        return Measurement(None, 0, n, undefined=f"no non-null {test.column} in the slice")
    return Measurement(float(mean), present, n)


def _rate_of_expression(version: _Version, test: SliceTest) -> Measurement:
    hit = f"CAST({splice(str(test.expression))} AS BOOLEAN)"
    n, known, hits = _fetch(
        version,
        f"SELECT count(*), count(hit), count(*) FILTER (hit) FROM (SELECT {hit} AS hit FROM data {_where(test)})",
    )
    return _rate(hits, known, n, f"{test.expression} is NULL on every row of the slice")


def _rate(successes: int, n: int, slice_rows: int, undefined: str) -> Measurement:
    if not n:
        return Measurement(None, n, slice_rows, undefined=undefined)
    return Measurement(successes / n, n, slice_rows, wilson_interval(successes, n))


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default), as statsmodels and scipy give it."""
    p, z2 = successes / n, z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exactly 0 and 1 at the ends, not 1 - 1e-16
    return low, 1.0 if successes == n else min(1.0, centre + half)


def _scored(version: _Version, test: SliceTest, needs: str) -> str:
    """The slice's rows as (y, yhat, score), with the columns the metric needs present."""
    column = {PREDICTION: "prediction", SCORE: "score"}[needs]
    if column not in version.prediction_columns:
        raise BadInput(f"slice {test.name!r}: metric {test.metric} needs a `{column}` column in {version.predictions}")
    label = f"CAST({splice(str(test.label))} AS DOUBLE)"
    return (
        f"SELECT {label} AS y, CAST({PREDICTION} AS DOUBLE) AS yhat, CAST({SCORE} AS DOUBLE) AS score "
        f"FROM data JOIN predictions USING ({quote_ident(ROW_ID)}) {_where(test)}"
    )


def _confusion(version: _Version, test: SliceTest) -> Measurement:
    n_slice, tp, fp, fn, tn, bad_y, bad_yhat = _fetch(
        version,
        f"""SELECT count(*), count(*) FILTER (y = 1 AND yhat = 1), count(*) FILTER (y = 0 AND yhat = 1),
                   count(*) FILTER (y = 1 AND yhat = 0), count(*) FILTER (y = 0 AND yhat = 0),
                   count(*) FILTER (y NOT IN (0, 1)), count(*) FILTER (yhat NOT IN (0, 1))
            FROM ({_scored(version, test, PREDICTION)})""",
    )
    if bad_y or bad_yhat:
        what = f"{bad_y:,} labels" if bad_y else f"{bad_yhat:,} predictions in {version.predictions}"
        raise BadInput(f"slice {test.name!r}: {what} are not 0/1 or false/true; {test.metric} is a binary metric")
    return classification_metric(test.metric, tp, fp, fn, tn, n_slice)


def classification_metric(metric: str, tp: int, fp: int, fn: int, tn: int, slice_rows: int) -> Measurement:
    """Accuracy, precision, recall or F1 from a confusion matrix; rates with their Wilson interval."""
    n = tp + fp + fn + tn
    if metric == "f1":
        if not 2 * tp + fp + fn:
            return Measurement(None, n, slice_rows, undefined="no positive label and no positive prediction")
        return Measurement(2 * tp / (2 * tp + fp + fn), n, slice_rows)
    successes, trials, undefined = {
        "accuracy": (tp + tn, n, "no rows with both a label and a prediction"),
        "precision": (tp, tp + fp, "no positive prediction"),
        "recall": (tp, tp + fn, "no positive label"),
    }[metric]
    measured = _rate(successes, trials, slice_rows, undefined)
    return Measurement(measured.value, n, slice_rows, measured.interval, measured.undefined)


def _roc_auc(version: _Version, test: SliceTest) -> Measurement:
    """Mann-Whitney: the rank sum of the positives, ties sharing their average rank (as scikit-learn counts them)."""
    n_slice, n, positives, rank_sum, bad = _fetch(
        version,
        f"""SELECT (SELECT count(*) FROM data {_where(test)}), count(*), count(*) FILTER (y = 1),
                   sum(rank) FILTER (y = 1), count(*) FILTER (y NOT IN (0, 1))
            FROM (SELECT y, rank() OVER (ORDER BY score) + (count(*) OVER (PARTITION BY score) - 1) / 2 AS rank
                  FROM ({_scored(version, test, SCORE)}) WHERE y IS NOT NULL AND score IS NOT NULL)""",
    )
    if bad:
        raise BadInput(f"slice {test.name!r}: {bad:,} labels are not 0/1 or false/true; roc_auc is a binary metric")
    negatives = n - positives
    if not positives or not negatives:
        return Measurement(None, n, n_slice, undefined="only one class among the labels")
    auc = (float(rank_sum) - positives * (positives + 1) / 2) / (positives * negatives)
    return Measurement(auc, n, n_slice)


def _regression(version: _Version, test: SliceTest) -> Measurement:
    n_slice, n, mae, mse = _fetch(
        version,
        f"""SELECT count(*), count(y - yhat), avg(abs(y - yhat)), avg((y - yhat) * (y - yhat))
            FROM ({_scored(version, test, PREDICTION)})""",
    )
    if not n:
        return Measurement(None, 0, n_slice, undefined="no rows with both a label and a prediction")
    return Measurement(float(mae) if test.metric == "mae" else math.sqrt(mse), n, n_slice)


_MEASURES = {
    "row_count": _count,
    "share": _share,
    "null_rate": _null_rate,
    "mean": _mean,
    "rate": _rate_of_expression,
    **dict.fromkeys(("accuracy", "precision", "recall", "f1"), _confusion),
    "roc_auc": _roc_auc,
    **dict.fromkeys(REGRESSION_METRICS, _regression),
}


# -- judging: pure ---------------------------------------------------------------------------


def judge(test: SliceTest, current: Measurement, reference: Measurement | None) -> SliceResult:
    """Pass or fail one slice test on its measurement (and its reference's), with the reason in words."""
    usable = reference if reference is not None and not reference.skipped and reference.value is not None else None
    ref_value = usable.value if usable is not None else None
    change = current.value - ref_value if current.value is not None and ref_value is not None else None
    too_small = not current.skipped and current.rows < test.min_rows
    inconclusive = not too_small and _straddles(current.interval, test)
    if current.skipped:
        failures = [f"not evaluated: {test.metric} needs predictions and {current.undefined}"]
    elif too_small:
        failures = [
            f"only {current.rows:,} rows, below min_rows {test.min_rows:,}: "
            "too small for its threshold to mean anything"
        ]
    else:
        failures = _threshold_failures(test, current, usable, change)
    notes = [*failures, *_notes(test, current, usable, inconclusive)]
    return SliceResult(
        name=test.name,
        metric=test.metric,
        value=current.value,
        rows=current.rows,
        passed=current.skipped or (not test.too_small_fails if too_small else not failures),
        severity=test.severity,
        threshold={"min": test.min, "max": test.max, "max_drop": test.max_drop},
        interval=current.interval,
        too_small=too_small,
        reference_value=ref_value,
        change=change,
        reason="; ".join(notes) or None,
        slice_rows=current.slice_rows,
        inconclusive=inconclusive,
        skipped=current.skipped,
        where=test.where,
    )


def _threshold_failures(
    test: SliceTest, current: Measurement, reference: Measurement | None, change: float | None
) -> list[str]:
    value = current.value
    if value is None:
        return [f"{test.metric} is undefined on this slice: {current.undefined}"]
    failures = []
    if test.min is not None and value < test.min:
        failures.append(f"{test.metric} {_fmt(value)} is below the minimum {_fmt(test.min)}")
    if test.max is not None and value > test.max:
        failures.append(f"{test.metric} {_fmt(value)} is above the maximum {_fmt(test.max)}")
    if test.max_drop is not None and change is not None and reference is not None and reference.rows >= test.min_rows:
        worse = change if test.metric in LOWER_IS_BETTER else -change
        if worse > test.max_drop:
            assert reference.value is not None
            failures.append(
                f"{test.metric} {_fmt(value)} is {_fmt(worse)} worse than the reference's {_fmt(reference.value)}, "
                f"more than the {_fmt(test.max_drop)} allowed"
            )
    return failures


def _notes(test: SliceTest, current: Measurement, reference: Measurement | None, inconclusive: bool) -> list[str]:
    notes = []
    if inconclusive and current.interval is not None:
        low, high = current.interval
        notes.append(
            f"inconclusive: the 95% interval [{_fmt(low)}, {_fmt(high)}] on {current.rows:,} rows holds the threshold"
        )
    if test.max_drop is not None and not current.skipped:
        if reference is None:
            notes.append("max_drop not checked: no reference value for this slice")
        elif reference.rows < test.min_rows:
            notes.append(f"max_drop not checked: the reference slice has only {reference.rows:,} rows")
    return notes


def _straddles(interval: tuple[float, float] | None, test: SliceTest) -> bool:
    if interval is None:
        return False
    low, high = interval
    return any(bound is not None and low < bound < high for bound in (test.min, test.max))


def _fmt(number: float) -> str:
    return f"{number:,.0f}" if float(number).is_integer() and abs(number) >= 1 else f"{number:.4g}"
