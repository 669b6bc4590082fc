"""kill -9 during a run that checks references: the gate keeps the previous state, a rerun completes once."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

import dataguard
from dataguard.project import Project
from tests.conftest import write_contract
from tests.faults.conftest import CONTRACT, Child, run_states

LABELS = """
    import pandera.pandas as pa


    class schema(pa.DataFrameModel):
        label: str
"""
# pets whose label is not among the known labels are quarantined as foreign_key
REFERENCING = CONTRACT.replace(
    'keys=["id"],', 'keys=["id"], references=[dataguard.References(columns="label", dataset="labels")],'
)


@pytest.mark.parametrize("stage", ["rowchecks"])  # after the relations ran, before anything is published
def test_kill_9_during_a_run_with_references_leaves_the_gate_as_before(
    project: Project, small: dict[str, Path], cli: Callable[..., Child], tmp_path: Path, stage: str
) -> None:
    write_contract(project, "labels", LABELS)
    labels = tmp_path / "labels.csv"
    labels.write_text("label\ncat\ndog\n")
    assert cli("validate", "labels", labels).returncode == 0
    assert REFERENCING != CONTRACT
    write_contract(project, "pets", REFERENCING)
    assert cli("validate", "pets", small["v1"]).returncode == 0
    before = dataguard.open_validated("pets", project=project)

    killed = cli("validate", "pets", small["v2"], fault=stage)

    assert killed.returncode == -signal.SIGKILL
    gate = json.loads(cli("gate", "pets", "--json").stdout)
    assert (gate["version"], gate["open"]) == (2, False)
    assert dataguard.open_validated("pets", project=project) == before
    rerun = cli("validate", "pets", small["v2"], "--json")
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert (report["rows"]["clean"], report["rows"]["quarantined"]) == (27, 3)
    assert [(r["check"], r["version"], r["failed_rows"]) for r in report["relations"]] == [
        ("references(labels v1: label -> label)", 1, 3)
    ]
    assert [s for s in run_states(project, "pets") if s[0] == 2] == [(2, "abandoned"), (2, "finished")]
