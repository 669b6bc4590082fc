"""A run retried after a transient failure publishes once.

``DATAGUARD_FAULT_AT=<stage>:transient`` raises a retryable ``CatalogBusy``
once at that stage; Prefect's task retry (``flows.is_transient``) runs the
task again. The flow runs in this process on the session's Prefect harness.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dataguard.app.flows import validate_flow
from dataguard.common import faults
from dataguard.project import Project
from tests.faults.conftest import CHECK_NAMES, catalog_rows, run_states, version_numbers


@pytest.mark.parametrize(
    "fault",
    [
        "ingest.registered:transient",  # after the version's commit: the retry finds it, no second version
        "report:transient",  # before the catalog transaction
        "publish:transient",  # after the catalog transaction committed: the retry must not add rows twice
        "ingest.registered:transient,publish:transient",
    ],
)
def test_a_retried_run_publishes_once(
    prefect_harness: None, project: Project, small: dict[str, Path], monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setenv(faults.FAULT_ENV, fault)
    monkeypatch.setattr(faults, "_fired", set())

    report = validate_flow("pets", str(small["v1"]), project_dir=str(project.root))

    assert faults._fired == {spec.split(":")[0] for spec in fault.split(",")}  # every fault did fire
    assert (report["version"], report["verdict"], report["rows"]["clean"], report["rows"]["quarantined"]) == (
        1,
        "WARN",
        38,
        2,
    )
    assert [v for v, _, _ in version_numbers(project, "pets")] == [1]
    assert run_states(project, "pets") == [(1, "finished")]
    assert (
        catalog_rows(project, "SELECT name, column_name FROM check_results ORDER BY name, column_name") == CHECK_NAMES
    )
    assert catalog_rows(project, "SELECT column_name FROM profiles ORDER BY column_name") == [
        ("(dataset)",),
        ("id",),
        ("label",),
        ("score",),
    ]
    assert pq.read_table(report["paths"]["quarantine"]).column("_row_id").to_pylist() == [0, 1]
