"""Shared fixtures: a throwaway project, contracts written on the fly, one Prefect harness."""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from dataguard.project import Project
from tests.pg_server import PostgresServer

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data" / "samples"
JAN = SAMPLES / "flights-2013-01.csv"
FEB = SAMPLES / "flights-2013-02.parquet"


# A command started in the background by a script (``cmd &``) inherits SIGINT ignored, and so would every
# process the tests start: a test that presses Ctrl-C on `dataguard serve` acts as a person at a terminal,
# whose shell starts commands with SIGINT at its default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One embedded Prefect API for the whole session (it takes seconds to start)."""
    from dataguard.app.prefect_env import apply_defaults

    apply_defaults()
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
        # the harness logs its shutdown after pytest has closed the captured stream it was given
        logging.getLogger("prefect").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def quiet_prefect_events(request: pytest.FixtureRequest) -> None:
    """Before a hypothesis test, stop the Prefect events client an earlier flow run in this worker left open.

    Its websocket pings from a background thread with the global ``random`` module, and hypothesis fails a
    test whose ``random`` state changed while it drew an example, whoever changed it.
    """
    if not getattr(request.function, "is_hypothesis_test", False) or "prefect.events.worker" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all()


def isolated(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """Work in ``root``, found from the working directory, with no dataguard setting from outside."""
    monkeypatch.chdir(root)
    monkeypatch.delenv("DATAGUARD_PROJECT", raising=False)
    monkeypatch.delenv("DATAGUARD_WAREHOUSE", raising=False)
    monkeypatch.delenv("DATAGUARD_CATALOG_URL", raising=False)


def project_template(factory: pytest.TempPathFactory, name: str, build: Callable[[Project], T]) -> tuple[Project, T]:
    """A flights project built once for a module (``build`` runs in it), and a pristine copy beside it.

    Validating the samples takes seconds; a module whose tests start from the same validated
    project builds it once and ``restored`` puts it back before each test.
    """
    from dataguard.catalog.db import dispose

    root = factory.mktemp(name) / "proj"
    (root / "schemas").mkdir(parents=True)
    project = Project(root=root, warehouse=root / "data" / "warehouse")
    copy_flights_contract(project)
    with pytest.MonkeyPatch.context() as env:
        isolated(env, root)
        made = build(project)
    dispose(project.catalog)
    shutil.copytree(root, root.parent / "pristine", symlinks=True)
    return project, made


def restored(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """``project_template``'s project as it was built, at the same path (the catalog records absolute
    paths), so what one test opens or changes no other test sees."""
    from dataguard.catalog.db import dispose

    dispose(project.catalog)  # no pooled connection to a file about to be replaced
    shutil.rmtree(project.root)
    shutil.copytree(project.root.parent / "pristine", project.root, symlinks=True)
    isolated(monkeypatch, project.root)
    return project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """An empty project in a temporary folder, found from the working directory."""
    root = tmp_path / "proj"
    (root / "schemas").mkdir(parents=True)
    isolated(monkeypatch, root)
    return Project(root=root, warehouse=root / "data" / "warehouse")


def flights_contract_text() -> str:
    """The repo's flights contract without its references to airlines, planes and airports.

    Those need the three tables validated first (as ``make demo`` does; ``related_flights`` has
    them): every other test of flights checks one table, with the counts it has alone.
    """
    text = (REPO / "schemas" / "flights.py").read_text(encoding="utf-8")
    assert text.count("references=REFERENCES,") == 1
    return text.replace("references=REFERENCES,", "")


def copy_flights_contract(project: Project) -> None:
    (project.schemas_dir / "flights.py").write_text(flights_contract_text(), encoding="utf-8")


@pytest.fixture
def flights_project(project: Project) -> Project:
    """A project holding the repo's own flights contract (without its references, see copy_flights_contract)."""
    copy_flights_contract(project)
    return project


RELATED = {"airlines": "airlines.csv", "airports": "airports.csv", "planes": "planes.parquet"}


@pytest.fixture
def related_flights(project: Project) -> Project:
    """The example project as ``make demo`` builds it: the repo's contracts, airlines, airports and planes validated."""
    from tests.test_cli import run

    for name in (*RELATED, "flights", "flights_eval"):
        shutil.copy(REPO / "schemas" / f"{name}.py", project.schemas_dir / f"{name}.py")
    for dataset, sample in RELATED.items():
        assert run("validate", dataset, SAMPLES / sample).exit_code == 0
    return project


def write_contract(project: Project, dataset: str, source: str) -> Path:
    path = project.contract_path(dataset)
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server per pytest process (each xdist worker starts its own), stopped at session end."""
    with PostgresServer() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """SQLAlchemy URL (postgresql+psycopg) of a fresh, empty database on the session's server."""
    return postgres_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_catalog(request: pytest.FixtureRequest, project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """The project with its catalog on each backend in turn: the embedded file, then a fresh PostgreSQL database."""
    from dataguard.catalog.db import dispose

    if request.param == "postgresql":
        monkeypatch.setenv("DATAGUARD_CATALOG_URL", request.getfixturevalue("postgres_url"))
    yield project
    dispose(project.catalog)


@pytest.fixture
def any_flights(any_catalog: Project) -> Project:
    """``any_catalog`` holding the repo's own flights contract."""
    copy_flights_contract(any_catalog)
    return any_catalog
