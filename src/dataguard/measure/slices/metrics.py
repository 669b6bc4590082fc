"""Each slice metric as SQL over a version loaded into a locked connection: data metrics, rates with
their Wilson interval, and model metrics over the joined predictions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from dataguard.common.sql import quote_ident
from dataguard.errors import BadInput, ContractError
from dataguard.measure.slices.guard import splice
from dataguard.measure.slices.results import Measurement
from dataguard.spec.slices import (
    MODEL_METRICS,
    REGRESSION_METRICS,
    SliceTest,
)
from dataguard.spec.source import ROW_ID

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal
PREDICTION, SCORE = "_dg_prediction", "_dg_score"


@dataclass(frozen=True)
class SliceData:
    con: duckdb.DuckDBPyConnection
    rows: int
    columns: tuple[str, ...]
    predictions: Path | None = None
    prediction_columns: frozenset[str] = field(default_factory=frozenset)


# -- metrics ---------------------------------------------------------------------------------


def measure(version: SliceData, test: SliceTest) -> Measurement:
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


def _fetch(version: SliceData, sql: str) -> tuple[Any, ...]:
    row = version.con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def _where(test: SliceTest) -> str:
    return f"WHERE {splice(test.where)}"


def _count(version: SliceData, test: SliceTest) -> Measurement:
    (n,) = _fetch(version, f"SELECT count(*) FROM data {_where(test)}")
    return Measurement(float(n), n, n)


def _share(version: SliceData, test: SliceTest) -> Measurement:
    (n,) = _fetch(version, f"SELECT count(*) FROM data {_where(test)}")
    share = _rate(n, version.rows, n, "the version has no rows")
    return Measurement(share.value, n, n, share.interval, share.undefined)  # the slice's size is what min_rows weighs


def _null_rate(version: SliceData, test: SliceTest) -> Measurement:
    column = quote_ident(str(test.column))
    n, nulls = _fetch(version, f"SELECT count(*), count(*) FILTER ({column} IS NULL) FROM data {_where(test)}")
    return _rate(nulls, n, n, "no rows in the slice")


def _mean(version: SliceData, test: SliceTest) -> Measurement:
    column = quote_ident(str(test.column))
    n, present, mean = _fetch(version, f"SELECT count(*), count({column}), avg({column}) FROM data {_where(test)}")
    if not present:
        return Measurement(None, 0, n, undefined=f"no non-null {test.column} in the slice")
    return Measurement(float(mean), present, n)


def _rate_of_expression(version: SliceData, test: SliceTest) -> Measurement:
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


def _scored(version: SliceData, test: SliceTest, needs: str) -> str:
    """The slice's rows as (y, yhat, score), with the columns the metric needs present."""
    column = {PREDICTION: "prediction", SCORE: "score"}[needs]
    if column not in version.prediction_columns:
        raise BadInput(f"slice {test.name!r}: metric {test.metric} needs a `{column}` column in {version.predictions}")
    label = f"CAST({splice(str(test.label))} AS DOUBLE)"
    return (
        f"SELECT {label} AS y, CAST({PREDICTION} AS DOUBLE) AS yhat, CAST({SCORE} AS DOUBLE) AS score "
        f"FROM data JOIN predictions USING ({quote_ident(ROW_ID)}) {_where(test)}"
    )


def _confusion(version: SliceData, test: SliceTest) -> Measurement:
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


def _roc_auc(version: SliceData, test: SliceTest) -> Measurement:
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


def _regression(version: SliceData, test: SliceTest) -> Measurement:
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
