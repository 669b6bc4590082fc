"""Exit codes as a CI script sees them, from the real console script in a child process.

0 PASS or WARN, 1 data rejected, 2 bad input, 3 could not run, 130/143 stopped
by a signal. No expected error prints a traceback; a run that is not on a
terminal prints nothing on stderr but errors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dataguard import catalog
from dataguard.catalog.locks import dataset_lock
from dataguard.project import Project
from tests.catalog_sql import catalog_state
from tests.conftest import FEB, JAN
from tests.faults.conftest import catalog_rows
from tests.test_cli_bad_input import CASES

DATAGUARD = str(Path(sys.executable).parent / "dataguard")


@dataclass
class Child:
    code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)


@pytest.fixture
def cli(flights_project: Project) -> Callable[..., Child]:
    """The CLI in a child process, on the flights project, with no Prefect API configured."""

    def run(*args: str | Path, **env: str) -> Child:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "DATAGUARD_"))}
        environ |= {"DATAGUARD_PROJECT": str(flights_project.root), "PREFECT_HOME": str(flights_project.root), **env}
        done = subprocess.run(
            [DATAGUARD, *map(str, args)], env=environ, capture_output=True, text=True, timeout=120, check=False
        )
        assert "Traceback" not in done.stderr, done.stderr
        return Child(done.returncode, done.stdout, done.stderr)

    return run


def test_a_warn_exits_0_quietly_and_1_under_strict(cli: Callable[..., Child]) -> None:
    done = cli("validate", "flights", FEB)
    assert (done.code, done.stderr) == (0, "")
    assert done.stdout.startswith("flights v1  WARN  (gate open)\n")
    assert cli("validate", "flights", "--version", "1", "--strict").code == 1


@pytest.mark.parametrize(("make", "message"), [(m, msg) for _, m, msg in CASES], ids=[c[0] for c in CASES])
def test_every_bad_file_exits_2_without_a_traceback(
    cli: Callable[..., Child], tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    done = cli("validate", "flights", make(tmp_path))
    assert done.code == 2
    assert message in " ".join(done.stderr.split())
    assert done.stderr.startswith("error: ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("validate", "flight", JAN), "unknown dataset 'flight'"),
        (("validate", "flights", "/no/such.csv"), "/no/such.csv: no such file"),
        (("validate", "flights", "notes.txt"), "notes.txt: unsupported file type '.txt'"),
        (("validate", "flights", JAN, "--partition-rows", "-5"), "--partition-rows"),
        (("gate", "flights", "--version", "7"), "flights has no version 7"),
        (("gate", "flights", "--version", "99999999999999999999"), "Invalid value for '--version'"),
        (("quarantine", "list", "flights", "--version", "1"), "flights"),
    ],
)
def test_bad_usage_exits_2_without_a_traceback(cli: Callable[..., Child], args: tuple[str, ...], message: str) -> None:
    done = cli(*args)
    assert done.code == 2
    assert message in done.stderr


def test_a_broken_contract_exits_2_naming_its_line(cli: Callable[..., Child], flights_project: Project) -> None:
    contract = flights_project.contract_path("flights")
    contract.write_text(contract.read_text() + "\ndef broken(:\n")
    line = len(contract.read_text().splitlines())
    done = cli("validate", "flights", JAN)
    assert (done.code, f"{contract}, line {line}: syntax error" in " ".join(done.stderr.split())) == (2, True)
    assert catalog_state(flights_project) is None


def test_one_unreadable_file_of_three_ingests_none(
    cli: Callable[..., Child], flights_project: Project, tmp_path: Path
) -> None:
    done = cli("validate", "flights", JAN, tmp_path / "missing.parquet", FEB, "--json")
    assert done.code == 2
    assert done.json() == {
        "error": {
            "type": "SourceError",
            "message": f"{tmp_path / 'missing.parquet'}: no such file\n"
            "  hint: check the path (relative paths start here)",
            "exit_code": 2,
        }
    }
    assert catalog_state(flights_project) is None


def test_a_file_that_fails_later_leaves_the_others_published(
    cli: Callable[..., Child], flights_project: Project, tmp_path: Path
) -> None:
    no_carrier = CASES[-1][1](tmp_path)  # readable, but the contract's column carrier is missing
    done = cli("validate", "flights", JAN, no_carrier, FEB, "--json")
    first, refused, last = done.json()  # type: ignore[misc]
    assert done.code == 2
    assert (first["version"], first["verdict"], last["version"], last["verdict"]) == (1, "WARN", 2, "WARN")
    assert refused["file"] == str(no_carrier)
    assert (refused["error"]["type"], refused["error"]["exit_code"]) == ("StructuralFailure", 2)
    assert [v.version for v in catalog.list_versions(flights_project.catalog, "flights")] == [1, 2]


def test_a_dataset_locked_past_the_wait_exits_3_naming_the_holder(
    cli: Callable[..., Child], flights_project: Project
) -> None:
    with dataset_lock(flights_project, "flights"):
        done = cli("validate", "flights", FEB, "--json", DATAGUARD_LOCK_WAIT_SECONDS="0.5")
    error = done.json()["error"]  # type: ignore[index]
    assert (done.code, error["type"], error["exit_code"]) == (3, "CatalogBusy", 3)
    holder = f"(held by pid {os.getpid()} on "
    assert error["message"].startswith(f"flights stayed locked by another writer for 0 s {holder}")
    assert catalog.list_versions(flights_project.catalog, "flights") == []


def test_an_unreachable_prefect_api_exits_3(cli: Callable[..., Child], flights_project: Project) -> None:
    done = cli("validate", "flights", FEB, "--json", PREFECT_API_URL="http://127.0.0.1:9/api")
    error = done.json()["error"]  # type: ignore[index]
    assert (done.code, error["type"]) == (3, "PrefectUnavailable")
    assert error["message"].startswith("the Prefect API at http://127.0.0.1:9/api does not answer (ConnectError")
    assert catalog_state(flights_project) is None


def test_a_warehouse_it_may_not_write_exits_3(cli: Callable[..., Child]) -> None:
    forbidden = "/sys/fs/dataguard-warehouse"  # even root may not create folders in sysfs (EPERM)
    done = cli("validate", "flights", FEB, DATAGUARD_WAREHOUSE=forbidden)
    assert done.code == 3
    assert done.stderr.startswith(f"error: permission denied: {forbidden}")


@pytest.mark.parametrize(("stage", "signal_name", "code"), [("split", "sigterm", 143), ("rowchecks", "sigint", 130)])
def test_a_signal_abandons_the_run_at_once_and_publishes_nothing(
    cli: Callable[..., Child], flights_project: Project, stage: str, signal_name: str, code: int
) -> None:
    done = cli("validate", "flights", FEB, DATAGUARD_FAULT_AT=f"{stage}:{signal_name}")
    assert done.code == code
    assert f"stopped by SIG{signal_name[3:].upper()}: the run was marked abandoned" in done.stderr
    states = catalog.latest_runs(flights_project.catalog, "flights")
    assert states == {}  # no finished run
    run_dirs = list((flights_project.warehouse / "flights" / "1" / "runs").iterdir())
    assert run_dirs == []
    assert cli("gate", "flights").code == 1
    assert cli("validate", "flights", "--version", "1").code == 0


def test_the_flow_engine_refuses_a_bad_file_without_prefects_traceback(
    prefect_harness: None, cli: Callable[..., Child], flights_project: Project, tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    api = str(PREFECT_API_URL.value())
    refused = cli("validate", "flights", CASES[-1][1](tmp_path), PREFECT_API_URL=api)
    assert refused.code == 2
    assert "column carrier is missing (the contract flights.py requires it)" in " ".join(refused.stderr.split())
    assert "StructuralFailure: flights v1" in refused.stderr  # the flow run's one log line
    done = cli("validate", "flights", FEB, "--json", PREFECT_API_URL=api)
    report = done.json()
    assert (done.code, report["version"], report["prefect"]["artifacts"]) == (  # type: ignore[index]
        0,
        1,
        ["dataguard-flights", "dataguard-flights-quarantine"],
    )
    recorded = catalog_rows(flights_project, "SELECT flow_run_id FROM runs WHERE state = 'finished'")
    assert recorded == [(report["prefect"]["flow_run_id"],)]  # type: ignore[index]


def test_ctrl_c_during_ingest_exits_130_with_nothing_ingested(
    cli: Callable[..., Child], flights_project: Project
) -> None:
    done = cli("validate", "flights", FEB, DATAGUARD_FAULT_AT="ingest.staged:sigint")
    assert done.code == 130
    assert "stopped by SIGINT" in done.stderr
    assert catalog.list_versions(flights_project.catalog, "flights") == []
    assert list((flights_project.warehouse / ".staging").iterdir()) == []  # the half-written copy is gone


def test_a_signal_during_the_publishing_transaction_waits_for_it_and_says_so(
    cli: Callable[..., Child], flights_project: Project
) -> None:
    done = cli("validate", "flights", FEB, DATAGUARD_FAULT_AT="publish:sigterm")  # after the commit, inside publish
    assert done.code == 143
    assert "stopped by SIGTERM just after the run was published (it is complete)" in done.stderr
    assert [run.verdict for run in catalog.latest_runs(flights_project.catalog, "flights").values()] == ["WARN"]
    assert cli("gate", "flights").code == 0
