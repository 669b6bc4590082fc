"""Metric history: profiles per version, and the mean +/- k sd rule for sudden jumps."""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq
import pytest

from dataguard.history import Anomaly, anomalies
from dataguard.project import Project
from tests.conftest import FEB, JAN
from tests.test_cli import run_json


def past(values: list[float]) -> dict[int, dict[str, dict[str, Any]]]:
    return {v: {"x": {"null_rate": value}} for v, value in enumerate(values, start=1)}


def test_a_jump_outside_the_recent_band_is_an_anomaly() -> None:
    history = past([0.010, 0.012, 0.011, 0.009, 0.010, 0.011])  # the last 5 count: v2..v6
    found = anomalies({"x": {"null_rate": 0.05}}, history)
    band = found[0]
    assert (band.column, band.figure, band.value, band.versions) == ("x", "null_rate", 0.05, (2, 3, 4, 5, 6))
    assert band.low == pytest.approx(0.0106 - 3 * 0.0011401754250991378)
    assert band.high == pytest.approx(0.0106 + 3 * 0.0011401754250991378)
    assert anomalies({"x": {"null_rate": 0.011}}, history) == []


def test_too_little_history_never_fires() -> None:
    assert anomalies({"x": {"null_rate": 0.9}}, past([0.01, 0.01])) == []


def test_a_flat_history_uses_a_relative_floor() -> None:
    history = past([100.0, 100.0, 100.0])
    assert anomalies({"x": {"null_rate": 102.0}}, history) == []
    assert anomalies({"x": {"null_rate": 104.0}}, history) == [Anomaly("x", "null_rate", 104.0, 97.0, 103.0, (1, 2, 3))]


@pytest.mark.usefixtures("prefect_harness")
def test_history_shows_each_versions_profile(flights_project: Project) -> None:
    code, reports = run_json("validate", "flights", JAN, FEB)
    assert code == 0
    code, rows = run_json("history", "flights", "--column", "dep_time")
    assert code == 0
    expected = []
    for version, report in enumerate(reports, start=1):
        values = pq.read_table(report["paths"]["clean"], columns=["dep_time"]).column("dep_time")
        expected.append((version, len(values), values.null_count / len(values)))
    assert [(r["version"], r["rows"], r["null_rate"]) for r in rows] == expected
    assert run_json("history", "flights", "--column", "(dataset)")[1] == [
        {"version": 1, "column": "(dataset)", "rows": 26917},
        {"version": 2, "column": "(dataset)", "rows": 24871},
    ]
    assert reports[1]["metric_history"]["anomalies"] == []  # two versions are too few to judge
