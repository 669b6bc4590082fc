"""A run's results as the catalog records them, and the findings a review decides again from (no report.json)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dataguard import catalog
from dataguard.catalog.db import engine
from dataguard.catalog.locks import dataset_lock
from dataguard.catalog.migrate import upgrade
from dataguard.measure.evaluate import Findings, recorded_findings
from dataguard.project import Project
from dataguard.verdict import Finding
from tests.catalog_sql import catalog_rows

RUN = "run-1"
CHECKS = [
    catalog.CheckResult("not_null", "origin", "not_null", 3, "block"),
    catalog.CheckResult("in_range(0, 24)", "hour", "in_range", 0, "quarantine"),
]
LATE = {"name": "late evenings", "metric": "accuracy", "value": 0.7, "rows": 120, "passed": False, "severity": "block"}
ALL = {"name": "all rows", "metric": "row_count", "value": 900.0, "rows": 900, "passed": True, "severity": "warn"}
SLICES = [catalog.SliceRow(LATE | {"reason": "accuracy 0.7 below 0.8"}), catalog.SliceRow(ALL | {"reason": None})]
MOVED = {"contributors": [{"category": "JFK", "reference_share": 0.5, "current_share": 0.25}]}
DRIFT = [
    catalog.DriftRow("(dataset)", "dataset", "row_count_change", 0.4, None, 0.25, True, "warn"),
    catalog.DriftRow("origin", "categorical", "chi2", 40.0, 1e-5, None, False, "none"),
    catalog.DriftRow("origin", "categorical", "psi", 0.31, 1e-5, 0.2, True, "block", MOVED),
    catalog.DriftRow("dep_delay", "numeric", "ks", 0.12, 0.001, 0.1, True, "warn"),
    catalog.DriftRow("carrier", "categorical", "psi", 0.01, 0.5, 0.2, False, "none"),
]
OFF_HISTORY = "mean of dep_delay is 31, outside 9..14 (mean +/- 3 sd over v1, v2)"
ANOMALIES = [catalog.AnomalyRow("dep_delay", "mean", OFF_HISTORY)]
PROFILES = [catalog.ProfileRow("dep_delay", {"mean": 31.0}), catalog.ProfileRow("(dataset)", {"rows": 900})]


@pytest.fixture
def recorded(any_catalog: Project) -> Project:
    """A finished run whose results are listed out of name order, so the order read back is the run's own."""
    with dataset_lock(any_catalog, "flights") as lock:
        catalog.start_run(any_catalog.catalog, RUN, "flights", 2, None, lock.lease)
        run = catalog.FinishedRun(
            RUN, "flights", 2, "FAIL", False, ["drift in origin"], 1000, 997, 3, "c", "q", "r",
            checks=CHECKS, slices=SLICES, drift=DRIFT, reference_version=1, profiles=PROFILES, anomalies=ANOMALIES,
        )  # fmt: skip
        catalog.finish_run(any_catalog.catalog, run, lock.fence)
    return any_catalog


def test_a_run_reads_back_what_it_recorded_in_its_order(recorded: Project) -> None:
    assert catalog.run_results(recorded.catalog, RUN) == catalog.RunResults(
        checks=CHECKS, slices=SLICES, drift=DRIFT, anomalies=ANOMALIES, profiles=PROFILES, reference_version=1
    )


def test_a_run_that_recorded_nothing_reads_back_empty(recorded: Project) -> None:
    assert catalog.run_results(recorded.catalog, "no-such-run") == catalog.RunResults()


def test_findings_are_decided_per_column_from_the_recorded_results(recorded: Project) -> None:
    found = recorded_findings(catalog.run_results(recorded.catalog, RUN))

    assert found == Findings(
        slices=(
            Finding("late evenings", False, "block", "accuracy 0.7 below 0.8"),
            Finding("all rows", True, "warn", "passed"),
        ),
        drift=(  # the dataset's row count is not weighed again after a review
            Finding("origin", False, "block", "psi 0.31 >= 0.2 (p=1e-05); most moved: JFK 50.0% -> 25.0%"),
            Finding("dep_delay", False, "warn", "ks 0.12 >= 0.1 (p=0.001)"),
            Finding("carrier", True, "none", "no drift"),
        ),
        history=(Finding("history of dep_delay", False, "warn", OFF_HISTORY),),
    )  # fmt: skip


def test_result_rows_keep_the_run_order_and_their_queryable_columns(recorded: Project) -> None:
    slices = catalog_rows(
        recorded, "SELECT position, name, metric, value, rows, passed, severity FROM slice_results ORDER BY position"
    )
    checks = catalog_rows(recorded, "SELECT position, name, column_name FROM check_results ORDER BY position")

    assert slices == [
        (0, "late evenings", "accuracy", 0.7, 120, False, "block"),
        (1, "all rows", "row_count", 900.0, 900, True, "warn"),
    ]
    assert checks == [(0, "not_null", "origin"), (1, "in_range(0, 24)", "hour")]
    assert catalog_rows(recorded, "SELECT position, column_name, figure FROM history_anomalies") == [
        (0, "dep_delay", "mean")
    ]


def test_results_recorded_before_revision_0003_read_back_as_stored(any_catalog: Project) -> None:
    """Upgraded catalogs: no position (the stored order), no drift detail, no anomalies recorded."""
    db = any_catalog.catalog
    upgrade(db, "0002")
    with engine(db, read_only=False).begin() as con:
        con.execute(sa.text(
            "INSERT INTO drift_results VALUES ('old', 1, 'origin', 'categorical', 'psi', 0.31, 1e-5, 0.2, true, 'warn')"
        ))  # fmt: skip
    upgrade(db)

    assert catalog.run_results(db, "old") == catalog.RunResults(
        drift=[catalog.DriftRow("origin", "categorical", "psi", 0.31, 1e-5, 0.2, True, "warn", {})],
        reference_version=1,
    )
