"""The one pipeline function and its two engines: in-process and the Prefect flow publish the same report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dataguard import catalog, pipeline
from dataguard.errors import CatalogBusy, SourceError
from dataguard.pipeline import InProcess, Request, validate_version
from dataguard.project import Project
from tests.conftest import FEB, JAN, RELATED, REPO, SAMPLES
from tests.test_golden import normalise, rounded


def other_project(tmp_path: Path, name: str) -> Project:
    """The example project with the tables flights refers to validated (in process), flights not yet."""
    root = tmp_path / name
    (root / "schemas").mkdir(parents=True)
    project = Project(root=root, warehouse=root / "data" / "warehouse")
    for dataset, sample in (*RELATED.items(), ("flights", None)):
        shutil.copy(REPO / "schemas" / f"{dataset}.py", root / "schemas" / f"{dataset}.py")
        if sample is not None:
            validate_version(project, Request(dataset, str(SAMPLES / sample)))
    return project


def published(project: Project, report: dict[str, Any]) -> tuple[Any, str]:
    """report.json as published (run id, paths and last float bits aside) and report.md, normalised."""
    on_disk = Path(report["paths"]["report_json"]).read_text(encoding="utf-8")
    markdown = Path(report["paths"]["report_md"]).read_text(encoding="utf-8")
    return rounded(json.loads(normalise(on_disk, project, report))), normalise(markdown, project, report)


def test_both_engines_publish_the_same_reports(tmp_path: Path, prefect_harness: None) -> None:
    from dataguard.app.flows import validate_flow

    here, there = other_project(tmp_path, "in-process"), other_project(tmp_path, "flow")
    in_process = [validate_version(here, Request("flights", str(f))) for f in (JAN, FEB)]
    as_flow = [validate_flow("flights", str(f), project_dir=str(there.root)) for f in (JAN, FEB)]

    assert [published(here, r) for r in in_process] == [published(there, r) for r in as_flow]
    assert [(r["version"], r["verdict"], r["rows"]["quarantined"]) for r in in_process] == [
        (1, "WARN", 4_933),
        (2, "WARN", 4_435),
    ]
    assert [[(r["dataset"], r["version"], r["failed_rows"]) for r in report["relations"]] for report in as_flow] == [
        [("airlines", 1, 0), ("planes", 1, 4_324), ("airports", 1, 680)],
        [("airlines", 1, 0), ("planes", 1, 3_888), ("airports", 1, 608)],
    ]
    flow_runs = [catalog.latest_finished_run(there.catalog, "flights", v).run_id for v in (1, 2)]  # type: ignore[union-attr]
    assert [r["run_id"] for r in as_flow] == flow_runs


def test_the_in_process_engine_runs_the_stages_in_the_pipelines_order(flights_project: Project) -> None:
    seen: list[str] = []

    class Recording(InProcess):
        def stage(self, name: str, call: Any, *args: Any) -> Any:
            seen.append(name)
            return super().stage(name, call, *args)

    validate_version(flights_project, Request("flights", str(FEB)), Recording())
    assert seen == [
        "load contract",
        "ingest",
        "relations",
        "row checks",
        "split",
        "reference",
        "profile",
        "drift",
        "slice tests",
        "metric history",
        "verdict",
        "publish",
    ]


def test_a_transient_error_is_retried_in_process_with_the_flows_delays(
    flights_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_ingest = pipeline.ingest

    def busy_twice(*args: Any) -> Any:
        calls.append("ingest")
        if len(calls) <= 2:
            raise CatalogBusy("catalog stayed locked")
        return real_ingest(*args)

    monkeypatch.setattr(pipeline, "ingest", busy_twice)
    slept: list[float] = []
    report = validate_version(flights_project, Request("flights", str(FEB)), InProcess(sleep=slept.append))
    assert (report["version"], len(calls), slept) == (1, 3, [2.0, 4.0])


def test_a_bad_file_is_not_retried_and_leaves_the_catalog_as_it_was(
    flights_project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("year,month\n2013,1\n2013\n")
    slept: list[float] = []
    with pytest.raises(SourceError) as refused:
        validate_version(flights_project, Request("flights", str(ragged)), InProcess(sleep=slept.append))
    assert str(refused.value).startswith(f"{ragged}, line 3: expected 2 fields (as in the header), found 1")
    assert slept == []
    assert catalog.list_versions(flights_project.catalog, "flights") == []
