"""Slice tests: metrics equal to scikit-learn and hand counts, thresholds, joins, and a sandbox for contract SQL."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.stats import binomtest
from sklearn import metrics

from dataguard.errors import BadInput, ContractError
from dataguard.measure.slices import run as slices_module
from dataguard.measure.slices.guard import lock, validate_slices
from dataguard.measure.slices.judge import judge
from dataguard.measure.slices.metrics import wilson_interval
from dataguard.measure.slices.results import Measurement, SliceResult
from dataguard.measure.slices.run import evaluate_slices, measure_version
from dataguard.spec.slices import SliceTest

FEB = Path(__file__).resolve().parent.parent / "data" / "samples" / "flights-2013-02.parquet"
EXACT = {"rel": 1e-12, "abs": 1e-12}  # float rounding only


def exact(value: float) -> object:
    return pytest.approx(value, **EXACT)


# -- a small version, counted by hand ------------------------------------------------------

SMALL = {
    "_row_id": list(range(10)),
    "origin": ["JFK", "JFK", "JFK", "LGA", "LGA", "LGA", "EWR", "EWR", "EWR", "JFK"],
    "hour": [6, 21, 22, 7, 20, 9, 23, 12, 21, 8],
    "delay": [-5.0, 30.0, None, 0.0, 16.0, None, 45.0, 10.0, -2.0, 20.0],
}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "clean.parquet"
    pq.write_table(pa.table(SMALL), path)
    return path


def one(clean: Path, test: SliceTest, **kwargs: object) -> SliceResult:
    (result,) = evaluate_slices(clean, [test], **kwargs)  # type: ignore[arg-type]
    return result


@pytest.mark.parametrize(
    ("test", "value", "rows", "slice_rows", "interval"),
    [
        pytest.param(
            SliceTest("jfk_night", "origin = 'JFK' AND hour >= 20", "row_count", min=1, min_rows=1),
            2.0,
            2,
            2,
            None,
            id="row_count",
        ),
        pytest.param(
            SliceTest("jfk", "origin = 'JFK'", "share", min=0.1, min_rows=1),
            0.4,
            4,
            4,
            wilson_interval(4, 10),
            id="share",
        ),
        pytest.param(
            SliceTest("night_nulls", "hour >= 20", "null_rate", column="delay", max=0.5, min_rows=1),
            0.2,
            5,
            5,
            wilson_interval(1, 5),
            id="null_rate",
        ),
        pytest.param(
            SliceTest("jfk_mean", "origin = 'JFK'", "mean", column="delay", max=100, min_rows=1),
            15.0,
            3,
            4,
            None,
            id="mean-of-non-null",
        ),
        pytest.param(
            SliceTest("late", metric="rate", expression="delay > 15", max=1, min_rows=1),
            0.5,
            8,
            10,
            wilson_interval(4, 8),
            id="rate-where-known",
        ),
        pytest.param(
            SliceTest(
                "late_night", "hour >= 20 -- evening and night", "rate", expression="delay > 15", max=1, min_rows=1
            ),
            0.75,
            4,
            5,
            wilson_interval(3, 4),
            id="comment-in-where",
        ),
    ],
)
def test_data_metrics_equal_hand_counts(
    small: Path, test: SliceTest, value: float, rows: int, slice_rows: int, interval: tuple[float, float] | None
) -> None:
    result = one(small, test)
    assert (result.value, result.rows, result.slice_rows, result.interval) == (value, rows, slice_rows, interval)
    assert result.passed


def test_wilson_interval_equals_scipy() -> None:
    for successes, n in [(0, 1), (0, 10), (10, 10), (3, 10), (431, 1000), (9130, 26917), (1, 100_000)]:
        expected = binomtest(successes, n).proportion_ci(method="wilson")
        assert wilson_interval(successes, n) == (exact(expected.low), exact(expected.high))


# -- model metrics against scikit-learn ------------------------------------------------------


@pytest.fixture
def scored(tmp_path: Path) -> tuple[Path, Path, pd.DataFrame]:
    """500 rows with groups, a binary label (some NULL), a score with ties, a 0/1 prediction, a numeric target."""
    rng = np.random.default_rng(7)
    n = 500
    score = np.round(rng.random(n), 1)  # ties: only eleven distinct scores
    label = (rng.random(n) < score).astype(float)
    label[rng.choice(n, 25, replace=False)] = np.nan
    frame = pd.DataFrame(
        {
            "_row_id": np.arange(n, dtype=np.int64),
            "id": [f"r{i:04d}" for i in range(n)],
            "g": rng.choice(["a", "b", "c"], n),
            "x": rng.random(n),
            "late": label,
            "target": rng.normal(10, 3, n),
        }
    )
    frame["prediction"] = (frame["_row_id"] % 7 != 0) & (score >= 0.5)  # a model that misses some positives
    frame["score"] = score
    frame["estimate"] = frame["target"] + rng.normal(0, 2, n)
    clean, predictions = tmp_path / "clean.parquet", tmp_path / "predictions.parquet"
    frame[["_row_id", "id", "g", "x", "late", "target"]].to_parquet(clean, index=False)
    frame[["_row_id", "prediction", "score"]].assign(prediction=frame["prediction"].astype(int)).to_parquet(
        predictions, index=False
    )
    return clean, predictions, frame


SLICES = {
    "all": ("TRUE", slice(None)),
    "a": ("g = 'a'", "g == 'a'"),
    "x_not_c": ("x > 0.3 AND g <> 'c'", "x > 0.3 and g != 'c'"),
}


@pytest.mark.parametrize("where", sorted(SLICES))
@pytest.mark.parametrize(
    ("metric", "sklearn_metric"),
    [
        ("accuracy", metrics.accuracy_score),
        ("precision", metrics.precision_score),
        ("recall", metrics.recall_score),
        ("f1", metrics.f1_score),
        ("roc_auc", metrics.roc_auc_score),
    ],
)
def test_classification_metrics_equal_scikit_learn(
    scored: tuple[Path, Path, pd.DataFrame], where: str, metric: str, sklearn_metric: object
) -> None:
    clean, predictions, frame = scored
    sql, query = SLICES[where]
    rows = frame if isinstance(query, slice) else frame.query(query)
    rows = rows[rows["late"].notna()]
    truth = rows["late"].astype(int)
    guess = rows["score"] if metric == "roc_auc" else rows["prediction"].astype(int)

    result = one(clean, SliceTest(where, sql, metric, label="late", min=0.0, min_rows=1), predictions=predictions)

    assert result.value == exact(sklearn_metric(truth, guess))  # type: ignore[operator]
    assert result.rows == len(rows)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("mae", metrics.mean_absolute_error),
        ("rmse", metrics.root_mean_squared_error),
    ],
)
def test_regression_metrics_equal_scikit_learn(
    scored: tuple[Path, Path, pd.DataFrame], tmp_path: Path, metric: str, expected: object
) -> None:
    clean, _, frame = scored
    predictions = tmp_path / "estimates.parquet"
    frame[["_row_id"]].assign(prediction=frame["estimate"]).to_parquet(predictions, index=False)
    rows = frame[frame["g"] == "b"]

    result = one(clean, SliceTest("b", "g = 'b'", metric, label="target", max=100, min_rows=1), predictions=predictions)

    assert result.value == exact(expected(rows["target"], rows["estimate"]))  # type: ignore[operator]
    assert result.rows == len(rows)


def test_recall_comes_with_the_wilson_interval_of_the_positives(scored: tuple[Path, Path, pd.DataFrame]) -> None:
    clean, predictions, frame = scored
    rows = frame[frame["late"] == 1]
    hits = int(rows["prediction"].sum())
    result = one(clean, SliceTest("all", metric="recall", label="late", min=0.0, min_rows=1), predictions=predictions)
    assert result.value == exact(hits / len(rows))
    assert result.interval == wilson_interval(hits, len(rows))


def test_predictions_csv_join_on_the_contract_keys(scored: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> None:
    clean, _, frame = scored
    csv = tmp_path / "predictions.csv"
    frame[["id", "prediction"]].sample(frac=1.0, random_state=1).assign(
        prediction=frame["prediction"].astype(int)
    ).to_csv(csv, index=False)
    rows = frame[frame["late"].notna()]

    result = one(
        clean, SliceTest("all", metric="accuracy", label="late", min=0.0, min_rows=1), predictions=csv, keys=("id",)
    )

    assert result.value == exact(metrics.accuracy_score(rows["late"].astype(int), rows["prediction"].astype(int)))


def test_metrics_on_the_february_flights_equal_pandas_and_scikit_learn(tmp_path: Path) -> None:
    """A real month: the slice SQL and pandas pick the same rows, and the metrics agree."""
    clean, predictions = tmp_path / "clean.parquet", tmp_path / "predictions.parquet"
    flights = pd.read_parquet(FEB).reset_index(drop=True)
    flights.insert(0, "_row_id", np.arange(len(flights), dtype=np.int64))
    flights.to_parquet(clean, index=False)
    rule = pd.DataFrame(  # a rule for a model: late on arrival when late on departure
        {
            "_row_id": flights["_row_id"],
            "prediction": (flights["dep_delay"] > 15).astype(int),
            "score": flights["dep_delay"],
        }
    )
    rule.to_parquet(predictions, index=False)
    night = flights.query("origin == 'JFK' and hour >= 20")
    known = night[night["arr_delay"].notna() & night["dep_delay"].notna()]
    late = (known["arr_delay"] > 15).astype(int)
    where = "origin = 'JFK' AND hour >= 20"
    tests = [
        SliceTest("rows", where, "row_count", min=1),
        SliceTest("share", where, "share", min=0.0),
        SliceTest("nulls", where, "null_rate", column="arr_delay", max=1.0),
        SliceTest("mean", where, "mean", column="arr_delay", max=1e9),
        SliceTest("rate", where, "rate", expression="arr_delay > 15", max=1.0),
        SliceTest("recall", where + " AND dep_delay IS NOT NULL", "recall", label="arr_delay > 15", min=0.0),
        SliceTest("precision", where + " AND dep_delay IS NOT NULL", "precision", label="arr_delay > 15", min=0.0),
        SliceTest("auc", where + " AND dep_delay IS NOT NULL", "roc_auc", label="arr_delay > 15", min=0.0),
    ]

    values = {r.name: r.value for r in evaluate_slices(clean, tests, predictions)}

    arrived = night["arr_delay"].dropna()
    assert values == {
        "rows": len(night),
        "share": exact(len(night) / len(flights)),
        "nulls": exact(night["arr_delay"].isna().mean()),
        "mean": exact(arrived.mean()),
        "rate": exact((arrived > 15).mean()),
        "recall": exact(metrics.recall_score(late, known["dep_delay"] > 15)),
        "precision": exact(metrics.precision_score(late, known["dep_delay"] > 15)),
        "auc": exact(metrics.roc_auc_score(late, known["dep_delay"])),
    }


# -- the join must be complete -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(lambda p: p.iloc[3:], "3 of the version's 500 rows have no prediction", id="missing"),
        pytest.param(
            lambda p: pd.concat([p, p.head(2).assign(_row_id=[1000, 1001])]),
            "predictions that match no row: 2",
            id="unmatched",
        ),
        pytest.param(
            lambda p: pd.concat([p, p.iloc[[5]]]), "extra predictions for a row already predicted: 1", id="twice"
        ),
    ],
)
def test_predictions_that_do_not_join_completely_are_refused_with_counts(
    scored: tuple[Path, Path, pd.DataFrame], tmp_path: Path, edit: object, message: str
) -> None:
    clean, predictions, _ = scored
    broken = tmp_path / "broken.parquet"
    edit(pd.read_parquet(predictions)).to_parquet(broken, index=False)  # type: ignore[operator]
    with pytest.raises(BadInput) as caught:
        evaluate_slices(clean, [SliceTest("all", metric="accuracy", label="late", min=0.5)], broken)
    assert caught.value.message == f"{broken}: the predictions do not join completely on _row_id: {message}"


def test_predictions_without_join_columns_are_refused(scored: tuple[Path, Path, pd.DataFrame], tmp_path: Path) -> None:
    clean, _, frame = scored
    bare = tmp_path / "bare.parquet"
    frame[["prediction"]].astype(int).to_parquet(bare, index=False)
    with pytest.raises(BadInput, match="cannot be joined to the version: it needs `_row_id` or the key columns id"):
        evaluate_slices(clean, [SliceTest("all", metric="accuracy", label="late", min=0.5)], bare, keys=("id",))


def test_a_label_that_is_not_binary_is_refused(scored: tuple[Path, Path, pd.DataFrame]) -> None:
    clean, predictions, _ = scored
    with pytest.raises(BadInput, match="slice 'bad': 500 labels are not 0/1"):
        one(clean, SliceTest("bad", metric="recall", label="target", min=0.5), predictions=predictions)


def test_model_slices_are_skipped_without_predictions(small: Path) -> None:
    result = one(small, SliceTest("recall_jfk", "origin = 'JFK'", "recall", label="delay > 15", min=0.5))
    assert (result.passed, result.skipped, result.value, result.too_small) == (True, True, None, False)
    assert result.reason == "not evaluated: recall needs predictions and no predictions file was given"


# -- thresholds, small slices, the reference --------------------------------------------------


def test_a_slice_below_its_threshold_fails_with_the_reason(small: Path) -> None:
    result = one(small, SliceTest("jfk", "origin = 'JFK'", "share", min=0.5, min_rows=1, severity="warn"))
    low, high = wilson_interval(4, 10)
    assert result == SliceResult(
        name="jfk",
        metric="share",
        value=0.4,
        rows=4,
        passed=False,
        severity="warn",
        threshold={"min": 0.5, "max": None, "max_drop": None},
        interval=(low, high),
        too_small=False,
        reference_value=None,
        change=None,
        reason=f"share 0.4 is below the minimum 0.5; inconclusive: the 95% interval [{low:.4g}, {high:.4g}] "
        "on 4 rows holds the threshold",
        slice_rows=4,
        inconclusive=True,
        where="origin = 'JFK'",
    )


@pytest.mark.parametrize(("too_small_fails", "passed"), [(True, False), (False, True)])
def test_a_slice_below_min_rows_is_too_small(small: Path, too_small_fails: bool, passed: bool) -> None:
    test = SliceTest("jfk", "origin = 'JFK'", "row_count", min=1, min_rows=30, too_small_fails=too_small_fails)
    result = one(small, test)
    assert (result.value, result.too_small, result.passed) == (4.0, True, passed)
    assert result.reason == "only 4 rows, below min_rows 30: too small for its threshold to mean anything"


def test_an_undefined_metric_fails() -> None:
    result = judge(
        SliceTest("s", metric="recall", label="y", min=0.5, min_rows=10),
        Measurement(None, 40, 40, undefined="no positive label"),
        None,
    )
    assert (result.passed, result.reason) == (False, "recall is undefined on this slice: no positive label")


@pytest.mark.parametrize(
    ("metric", "before", "after", "passed"),
    [
        pytest.param("recall", 0.80, 0.76, True, id="small-drop"),
        pytest.param("recall", 0.80, 0.70, False, id="large-drop"),
        pytest.param("recall", 0.70, 0.95, True, id="a-rise-is-no-drop"),
        pytest.param("mae", 2.0, 2.04, True, id="lower-is-better-small-rise"),
        pytest.param("mae", 2.0, 2.5, False, id="lower-is-better-large-rise"),
        pytest.param("mae", 2.0, 1.0, True, id="lower-is-better-a-fall-is-better"),
    ],
)
def test_max_drop_against_the_reference(metric: str, before: float, after: float, passed: bool) -> None:
    test = SliceTest("s", metric=metric, label="y", max_drop=0.05, min_rows=10)
    result = judge(test, Measurement(after, 100, 100), Measurement(before, 100, 100))
    assert (result.passed, result.reference_value, result.change) == (passed, before, after - before)


def test_max_drop_on_real_versions(small: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference.parquet"
    pq.write_table(pa.table({**SMALL, "origin": ["JFK"] * 8 + ["LGA"] * 2}), reference)
    test = SliceTest("jfk_share", "origin = 'JFK'", "share", max_drop=0.25, min_rows=1)
    result = one(small, test, reference=reference)
    assert (result.value, result.reference_value, result.change, result.passed) == (0.4, 0.8, exact(-0.4), False)
    assert result.reason == "share 0.4 is 0.4 worse than the reference's 0.8, more than the 0.25 allowed"


def test_a_slice_the_reference_cannot_evaluate_has_no_reference_value(small: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference.parquet"
    pq.write_table(pa.table({k: v for k, v in SMALL.items() if k != "hour"}), reference)
    result = one(small, SliceTest("night", "hour >= 20", "row_count", max_drop=1, min_rows=1), reference=reference)
    assert (result.value, result.reference_value, result.passed) == (5.0, None, True)
    assert result.reason == "max_drop not checked: no reference value for this slice"


# -- the contract's SQL: checked when the contract loads -----------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"metric": "recal", "label": "y", "min": 0.5},
            "slice 's': unknown metric 'recal' (did you mean 'recall'?); the metrics are row_count, share, null_rate, "
            "mean, rate, accuracy, precision, recall, f1, roc_auc, mae, rmse",
        ),
        ({"metric": "mean", "min": 0}, "slice 's': metric 'mean' needs `column`"),
        ({"metric": "rate", "max": 1}, "slice 's': metric 'rate' needs `expression`"),
        ({"metric": "f1", "min": 0.5}, "slice 's': metric 'f1' needs `label`"),
        ({"metric": "row_count"}, "slice 's': no threshold: give min, max or max_drop"),
        ({"min": 5, "max": 1}, "slice 's': min 5 is above max 1"),
        ({"min": 1, "severity": "fatal"}, "slice 's': severity must be 'block' or 'warn', got 'fatal'"),
    ],
)
def test_a_malformed_slice_is_a_contract_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ContractError) as caught:
        SliceTest("s", **kwargs)  # type: ignore[arg-type]
    assert caught.value.message == message


COLUMNS = ["origin", "hour", "delay"]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("origin = 'JFK' AND hour >=", "is not valid SQL: syntax error"),
        ("", "is empty"),
        ("orgin = 'JFK'", "refers to column 'orgin', which is not in the version; did you mean 'origin'?"),
        ("hour > 1 AS night", "is not valid SQL"),
        ("hour > 1, TRUE", "is not a single SQL expression"),
        ("hour > 1\n) FROM data WHERE (TRUE", "is not a single SQL expression"),
        ("hour > (SELECT avg(hour) FROM data)", "uses a subquery"),
        ("origin IN (SELECT * FROM read_csv('/etc/passwd'))", "uses a subquery"),
        ("origin IN (SELECT * FROM query('SELECT 1'))", "uses a subquery"),
        ("hour > 1; COPY data TO '/tmp/leak.csv'", "is not valid SQL"),
        ("TRUE\n); COPY data TO '/tmp/leak.csv'; SELECT (TRUE", "holds more than one SQL statement"),
        ("TRUE\n); INSTALL httpfs; SELECT (TRUE", "holds more than one SQL statement"),
        ("TRUE\n); ATTACH '/tmp/x.db'; SELECT (TRUE", "holds more than one SQL statement"),
        ("TRUE\n); SET enable_external_access = true; SELECT (TRUE", "holds more than one SQL statement"),
        ("TRUE\n); PRAGMA version; SELECT (TRUE", "holds more than one SQL statement"),
    ],
)
def test_where_must_be_one_expression_on_the_version_columns(where: str, message: str) -> None:
    with pytest.raises(ContractError, match=r"^slice 'evil': `where` ") as caught:
        validate_slices([SliceTest("evil", where, min=1)], COLUMNS)
    assert message in caught.value.message


@pytest.mark.parametrize(
    "where",
    [
        "origin = 'JFK' AND hour >= 20",
        "hour >= 20 -- night departures",
        "/* winter */ origin IN ('JFK', 'LGA') AND delay IS NOT NULL",
        "coalesce(delay, 0) > 15 AND upper(origin) LIKE 'J%'",
        "list_filter([hour, 1], h -> h > 5) <> []",
        "ORIGIN = 'JFK'",
        "hour > 1) OR (hour < 0",  # balanced once in its parentheses: the same expression wherever it is spliced
    ],
)
def test_ordinary_conditions_are_accepted(where: str) -> None:
    validate_slices([SliceTest("ok", where, min=1)], COLUMNS)


def test_expression_label_and_column_are_checked_too() -> None:
    with pytest.raises(ContractError, match="slice 'r': `expression` 'delai > 15' refers to column 'delai'"):
        validate_slices([SliceTest("r", metric="rate", expression="delai > 15", max=1)], COLUMNS)
    with pytest.raises(ContractError, match="slice 'm': `label` 'late' refers to column 'late'"):
        validate_slices([SliceTest("m", metric="recall", label="late", min=1)], COLUMNS)
    with pytest.raises(ContractError, match="slice 'n': column 'dlay' is not in the version"):
        validate_slices([SliceTest("n", metric="null_rate", column="dlay", max=1)], COLUMNS)


def test_slice_names_are_unique() -> None:
    with pytest.raises(ContractError, match="slice 'jfk' is declared twice"):
        validate_slices([SliceTest("jfk", min=1), SliceTest("jfk", max=5)], COLUMNS)


def test_evaluation_checks_the_sql_against_the_version(small: Path) -> None:
    with pytest.raises(ContractError, match=r"slice 'evil': `where` .* uses a subquery"):
        one(small, SliceTest("evil", "origin IN (SELECT * FROM read_csv('/etc/passwd'))", min=1))


def test_sql_that_parses_but_cannot_run_names_the_slice(small: Path) -> None:
    with pytest.raises(ContractError, match=r"^slice 'agg' \(where 'count\(\*\) > 1'\) cannot be evaluated: "):
        one(small, SliceTest("agg", "count(*) > 1", min=1))


# -- the sandbox: even SQL that got past the parser cannot reach outside the version --------------


def test_a_locked_connection_refuses_files_extensions_databases_and_settings(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE data AS SELECT 1 AS x")
    lock(con)
    leak, other = tmp_path / "leak.csv", tmp_path / "other.db"
    refused = [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM glob('/etc/*')",
        f"COPY data TO '{leak}'",
        "INSTALL httpfs",
        "LOAD httpfs",
        f"ATTACH '{other}'",
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET lock_configuration = false",
    ]
    for sql in refused:
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    assert not leak.exists()
    assert not other.exists()
    assert con.execute("SELECT current_setting('enable_external_access')").fetchone() == (False,)


@pytest.mark.parametrize(
    "where",
    [
        "origin IN (SELECT * FROM read_csv('/etc/passwd'))",
        "EXISTS (SELECT 1 FROM read_text('/etc/passwd'))",
        "TRUE\n); COPY data TO '{tmp}/leak.csv'; SELECT (TRUE",
        "TRUE\n); ATTACH '{tmp}/other.db'; SELECT (TRUE",
        "TRUE\n); INSTALL httpfs; SELECT (TRUE",
        "TRUE\n); SET enable_external_access = true; SELECT (TRUE",
    ],
)
def test_without_the_parser_check_the_sandbox_still_refuses(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setattr(slices_module, "validate_slices", lambda *args: None)
    with pytest.raises(ContractError, match=r"^slice 'evil'"):
        measure_version(small, [SliceTest("evil", where.format(tmp=tmp_path), min=1)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.parquet"]


def test_wilson_interval_stays_within_0_and_1() -> None:
    assert all(0.0 <= low <= high <= 1.0 for low, high in (wilson_interval(k, 7) for k in range(8)))
    assert not any(math.isnan(v) for k in range(8) for v in wilson_interval(k, 7))
