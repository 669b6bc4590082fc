"""Metric history: profiles per version, and the mean +/- k sd rule for sudden jumps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dataguard.errors import ContractError
from dataguard.measure.history import Anomaly, anomalies, rule_text
from dataguard.pipeline import Request, validate_version
from dataguard.project import Project
from dataguard.spec.contract import HistoryPolicy
from tests.cleanrows import clean_of
from tests.conftest import FEB, JAN, write_contract
from tests.faults.conftest import CONTRACT, version_csv
from tests.test_cli import run_json

DEFAULT = HistoryPolicy()
OVER_V1_V2 = "(mean +/- 3 sd over v1, v2)"


def past(values: list[float]) -> dict[int, dict[str, dict[str, Any]]]:
    return {v: {"x": {"null_rate": value}} for v, value in enumerate(values, start=1)}


def test_a_jump_outside_the_recent_band_is_an_anomaly() -> None:
    history = past([0.010, 0.012, 0.011, 0.009, 0.010, 0.011])  # the last 5 count: v2..v6
    found = anomalies({"x": {"null_rate": 0.05}}, history, DEFAULT)
    band = found[0]
    assert (band.column, band.figure, band.value, band.versions) == ("x", "null_rate", 0.05, (2, 3, 4, 5, 6))
    assert band.low == pytest.approx(0.0106 - 3 * 0.0011401754250991378)
    assert band.high == pytest.approx(0.0106 + 3 * 0.0011401754250991378)
    assert anomalies({"x": {"null_rate": 0.011}}, history, DEFAULT) == []


def test_too_little_history_never_fires() -> None:
    assert anomalies({"x": {"null_rate": 0.9}}, past([0.01, 0.01]), DEFAULT) == []


def test_a_flat_history_uses_a_relative_floor() -> None:
    history = past([100.0, 100.0, 100.0])
    assert anomalies({"x": {"null_rate": 102.0}}, history, DEFAULT) == []
    assert anomalies({"x": {"null_rate": 104.0}}, history, DEFAULT) == [
        Anomaly("x", "null_rate", 104.0, 97.0, 103.0, (1, 2, 3), 3.0)
    ]


def test_the_contract_sets_the_window_k_and_minimum() -> None:
    history = past([100.0, 100.0, 100.0, 50.0])
    narrow = HistoryPolicy(window=2, k_sd=1.0, min_history=2)  # v3 and v4 only: mean 75, sd 35.355
    (found,) = anomalies({"x": {"null_rate": 20.0}}, history, narrow)
    assert (found.versions, found.k_sd) == ((3, 4), 1.0)
    assert (found.low, found.high) == pytest.approx((75.0 - 35.35533905932738, 75.0 + 35.35533905932738))
    assert found.reason == "null_rate of x is 20, outside 39.64..110.4 (mean +/- 1 sd over v3, v4)"
    assert anomalies({"x": {"null_rate": 20.0}}, past([100.0]), narrow) == []  # one earlier version: too few
    assert rule_text(narrow) == "outside mean +/- 1 sd of the last 2 versions (at least 2)"
    assert rule_text(DEFAULT) == "outside mean +/- 3 sd of the last 5 versions (at least 3)"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"window": 1}, "HistoryPolicy.window must be a whole number of versions >= 2, got 1"),
        ({"k_sd": 0}, "HistoryPolicy.k_sd must be a number > 0, got 0"),
        ({"min_history": 6}, "HistoryPolicy.min_history must be a whole number from 2 to the window (5), got 6"),
        ({"min_history": 1}, "HistoryPolicy.min_history must be a whole number from 2 to the window (5), got 1"),
    ],
)
def test_an_impossible_history_rule_is_a_contract_error(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ContractError) as refused:
        HistoryPolicy(**settings)
    assert str(refused.value) == message


@pytest.mark.usefixtures("prefect_harness")
def test_history_shows_each_versions_profile(flights_project: Project) -> None:
    code, reports = run_json("validate", "flights", JAN, FEB)
    assert code == 0
    code, rows = run_json("history", "flights", "--column", "dep_time")
    assert code == 0
    expected = []
    for version, report in enumerate(reports, start=1):
        values = clean_of(report, ["dep_time"]).column("dep_time")
        expected.append((version, len(values), values.null_count / len(values)))
    assert [(r["version"], r["rows"], r["null_rate"]) for r in rows] == expected
    assert run_json("history", "flights", "--column", "(dataset)")[1] == [
        {"version": 1, "column": "(dataset)", "rows": 26917},
        {"version": 2, "column": "(dataset)", "rows": 24871},
    ]
    assert reports[1]["metric_history"]["anomalies"] == []  # two versions are too few to judge


@pytest.mark.parametrize(
    ("history", "rule", "row_anomalies"),
    [
        ("", "outside mean +/- 3 sd of the last 5 versions (at least 3)", []),  # two earlier versions: too few
        (
            ", history=dataguard.HistoryPolicy(window=2, min_history=2)",
            "outside mean +/- 3 sd of the last 2 versions (at least 2)",
            [
                (
                    "rows",
                    40.0,
                    19.4,
                    20.6,
                    [1, 2],
                    "rows of (dataset) is 40, outside 19.4..20.6 (mean +/- 3 sd over v1, v2)",
                )
            ],
        ),
    ],
)
def test_the_contracts_history_rule_is_the_one_a_run_applies(
    project: Project, tmp_path: Path, history: str, rule: str, row_anomalies: list[tuple[Any, ...]]
) -> None:
    write_contract(
        project, "pets", CONTRACT.replace("max_quarantined_fraction=0.2)", f"max_quarantined_fraction=0.2){history}")
    )
    report: dict[str, Any] = {}
    for number, (rows, seed) in enumerate([(20, 0), (20, 100), (40, 200)], start=1):
        source = tmp_path / f"pets-{number}.csv"
        source.write_text(version_csv(rows, 0, seed))
        report = validate_version(project, Request("pets", str(source)))
    found = report["metric_history"]
    assert found["rule"] == rule
    assert [
        (a["figure"], a["value"], a["low"], pytest.approx(a["high"]), list(a["versions"]), a["reason"])
        for a in found["anomalies"]
        if a["column"] == "(dataset)"
    ] == row_anomalies
