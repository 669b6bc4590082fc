"""Fixtures for the fault suite: a small contract, small versions, the CLI in a child process.

Children run the command line as a user does, with no Prefect API configured:
the pipeline runs in the child's own process (tests/test_pipeline.py shows
the Prefect flow publishes the same; tests/faults/test_retry.py runs it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dataguard.project import Project
from tests.catalog_sql import catalog_rows
from tests.conftest import write_contract

DATAGUARD = str(Path(sys.executable).with_name("dataguard"))

CONTRACT = """
    import pandera.pandas as pa

    import dataguard


    class schema(pa.DataFrameModel):
        id: int = pa.Field(ge=0)
        label: str = pa.Field(isin=["cat", "dog"])
        score: float = pa.Field(in_range={"min_value": 0, "max_value": 1})


    contract = dataguard.Contract(keys=["id"], gate=dataguard.GatePolicy(max_quarantined_fraction=0.2))
"""
CHECK_NAMES = sorted(
    [
        ("greater_than_or_equal_to(0)", "id"),
        ("not_nullable", "id"),
        ("isin(['cat', 'dog'])", "label"),
        ("not_nullable", "label"),
        ("in_range(0, 1)", "score"),
        ("not_nullable", "score"),
        ("duplicate_key(id)", "id"),
    ]
)


def version_csv(rows: int, bad: int, seed: int) -> str:
    """``rows`` rows of which the first ``bad`` have a label outside the set; ids start at ``seed``."""
    lines = ["id,label,score"]
    for i in range(rows):
        label = "cow" if i < bad else ("cat" if i % 2 else "dog")
        lines.append(f"{seed + i},{label},{(i % 10) / 10}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def small(project: Project, tmp_path: Path) -> dict[str, Path]:
    """The `pets` contract and two versions: v1 (40 rows, 2 bad), v2 (30 rows, 3 bad)."""
    write_contract(project, "pets", CONTRACT)
    files = {"v1": tmp_path / "pets-1.csv", "v2": tmp_path / "pets-2.csv"}
    files["v1"].write_text(version_csv(40, 2, 0))
    files["v2"].write_text(version_csv(30, 3, 1000))
    return files


@dataclass
class Child:
    returncode: int
    stdout: str
    stderr: str


def child_environment() -> dict[str, str]:
    """This process's environment without a Prefect API: a child runs the pipeline in-process."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}


@pytest.fixture
def cli(project: Project) -> Callable[..., Child]:
    """Run the dataguard CLI in a child process; ``fault=`` sets DATAGUARD_FAULT_AT, ``preexec=`` runs in the child."""

    def run(*args: str | Path, fault: str | None = None, preexec: Callable[[], None] | None = None) -> Child:
        env = {**child_environment(), "DATAGUARD_PROJECT": str(project.root)}
        env.pop("DATAGUARD_FAULT_AT", None)
        if fault:
            env["DATAGUARD_FAULT_AT"] = fault
        done = subprocess.run(
            [DATAGUARD, *map(str, args)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=preexec,
            check=False,
        )
        return Child(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def spawn(project: Project) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start the CLI in a child without waiting (for runs side by side); every child is reaped."""
    env = {**child_environment(), "DATAGUARD_PROJECT": str(project.root)}
    env.pop("DATAGUARD_FAULT_AT", None)
    started: list[subprocess.Popen[str]] = []

    def start(*args: str | Path) -> subprocess.Popen[str]:
        child = subprocess.Popen(
            [DATAGUARD, *map(str, args)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        started.append(child)
        return child

    yield start
    for child in started:
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
        child.communicate()


def run_states(project: Project, dataset: str) -> list[tuple[int, str]]:
    """(version, state) of every run of the dataset, by version then state."""
    return [
        (int(v), str(s))
        for v, s in catalog_rows(
            project, "SELECT version, state FROM runs WHERE dataset = ? ORDER BY version, state", [dataset]
        )
    ]


def version_numbers(project: Project, dataset: str) -> list[tuple[int, str, int]]:
    query = "SELECT version, fingerprint, row_count FROM versions WHERE dataset = ? ORDER BY version"
    return [(int(v), str(f), int(n)) for v, f, n in catalog_rows(project, query, [dataset])]
