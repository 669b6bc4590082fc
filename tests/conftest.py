"""Shared fixtures: a throwaway project, contracts written on the fly, one Prefect harness."""

from __future__ import annotations

import logging
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataguard.project import Project

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data" / "samples"
JAN = SAMPLES / "flights-2013-01.csv"
FEB = SAMPLES / "flights-2013-02.parquet"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One embedded Prefect API for the whole session (it takes seconds to start)."""
    from dataguard._prefect_env import apply_defaults

    apply_defaults()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
        # the harness logs its shutdown after pytest has closed the captured stream it was given
        logging.getLogger("prefect").setLevel(logging.WARNING)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """An empty project in a temporary folder, found from the working directory."""
    root = tmp_path / "proj"
    (root / "schemas").mkdir(parents=True)
    monkeypatch.chdir(root)
    monkeypatch.delenv("DATAGUARD_PROJECT", raising=False)
    monkeypatch.delenv("DATAGUARD_WAREHOUSE", raising=False)
    return Project(root=root, warehouse=root / "data" / "warehouse")


@pytest.fixture
def flights_project(project: Project) -> Project:
    """A project holding the repo's own flights contract."""
    shutil.copy(REPO / "schemas" / "flights.py", project.schemas_dir / "flights.py")
    return project


def write_contract(project: Project, dataset: str, source: str) -> Path:
    path = project.contract_path(dataset)
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return path
