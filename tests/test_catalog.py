"""The catalog on both backends: schema and migrations, readers that never write, transactions, writer locks.

Every test here runs twice (``any_catalog``): on the embedded SQLite file and on
a fresh database of the real PostgreSQL server the suite starts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dataguard import catalog
from dataguard.catalog import schema
from dataguard.catalog.db import dispose, engine, forget_checks
from dataguard.catalog.locks import dataset_lock, holding
from dataguard.catalog.migrate import head_of_migrations, upgrade
from dataguard.errors import BadInput, CatalogBusy, CatalogUnavailable, LockLost
from dataguard.project import Project
from tests.catalog_sql import catalog_rows, catalog_state


def version(dataset: str, number: int) -> catalog.VersionRecord:
    return catalog.VersionRecord(
        dataset,
        number,
        f"sha256:{number}",
        f"/src/{number}.csv",
        "csv",
        10,
        5,
        f"/wh/{dataset}/{number}/source.parquet",
        "ingested",
        datetime(2026, 1, number, 12, 30, tzinfo=UTC),
    )


def add_version(project: Project, dataset: str, number: int) -> None:
    with dataset_lock(project, dataset), catalog.writing(project.catalog) as con:
        catalog.insert_version(con, version(dataset, number))


def test_reads_do_not_create_a_catalog(any_catalog: Project) -> None:
    db = any_catalog.catalog
    assert catalog.find_version(db, "flights") is None
    assert catalog.list_versions(db, "flights") == []
    assert catalog.latest_runs(db, "flights") == {}
    assert catalog.audit_log(db, "flights") == []
    assert catalog_state(any_catalog) is None  # no file, or a server database with no table


def test_a_version_reads_back_exactly_as_written(any_catalog: Project) -> None:
    add_version(any_catalog, "flights", 1)
    add_version(any_catalog, "flights", 2)
    db = any_catalog.catalog
    assert catalog.list_versions(db, "flights") == [version("flights", 1), version("flights", 2)]
    assert catalog.find_version(db, "flights") == version("flights", 2)
    assert catalog.find_version(db, "flights", fingerprint="sha256:1") == version("flights", 1)
    assert catalog.list_datasets(db) == ["flights"]


def test_a_failed_transaction_leaves_nothing(any_catalog: Project) -> None:
    add_version(any_catalog, "flights", 1)
    before = catalog_state(any_catalog)

    def crash_mid_transaction() -> None:
        with dataset_lock(any_catalog, "flights"), catalog.writing(any_catalog.catalog) as con:
            catalog.insert_version(con, version("flights", 2))
            raise RuntimeError("crash mid-transaction")

    with pytest.raises(RuntimeError, match="crash mid-transaction"):
        crash_mid_transaction()
    assert catalog_state(any_catalog) == before


def test_a_reader_cannot_write(any_catalog: Project) -> None:
    add_version(any_catalog, "flights", 1)
    with catalog.reading(any_catalog.catalog) as con:
        assert con is not None
        with pytest.raises(sa.exc.DBAPIError, match=r"read-only|readonly"):
            con.execute(sa.text("DELETE FROM versions"))
    assert [v.version for v in catalog.list_versions(any_catalog.catalog, "flights")] == [1]


def test_the_migrations_build_exactly_the_schema_of_the_metadata(any_catalog: Project) -> None:
    assert (head_of_migrations(), upgrade(any_catalog.catalog)) == (schema.HEAD, (None, schema.HEAD))
    with engine(any_catalog.catalog, read_only=True).connect() as con:
        assert compare_metadata(MigrationContext.configure(con), schema.metadata) == []
    assert upgrade(any_catalog.catalog) == (schema.HEAD, schema.HEAD)  # again: nothing to do


def test_a_catalog_behind_says_to_upgrade_and_upgrades_with_its_rows(any_catalog: Project) -> None:
    db = any_catalog.catalog
    assert upgrade(db, "0001") == (None, "0001")
    with engine(db, read_only=False).begin() as con:  # a row written by dataguard 0.1
        con.execute(schema.datasets.insert().values(name="flights", created=datetime(2026, 1, 1, tzinfo=UTC)))
        values = dict(version("flights", 1).__dict__)
        values["row_count"] = values.pop("rows")
        values.pop("data_fingerprint")  # a column of revision 0005
        con.execute(schema.versions.insert().values(**values))
    with pytest.raises(CatalogUnavailable) as behind:
        catalog.list_versions(db, "flights")
    assert str(behind.value) == (
        f"the catalog {db.display} has schema revision 0001; this dataguard needs {schema.HEAD}\n"
        "  hint: dataguard catalog upgrade"
    )
    assert upgrade(db) == ("0001", schema.HEAD)
    assert catalog.list_versions(db, "flights") == [version("flights", 1)]


def test_a_newer_catalog_says_to_upgrade_dataguard(any_catalog: Project) -> None:
    db = any_catalog.catalog
    upgrade(db)
    with engine(db, read_only=False).begin() as con:
        con.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    forget_checks()
    with pytest.raises(CatalogUnavailable, match=r"revision 9999, newer than this dataguard's 0006"):
        catalog.list_versions(db, "flights")


# -- writer locks and leases -------------------------------------------------------------------

HOLDER = """
import sys, time
from dataguard.catalog.locks import dataset_lock
from dataguard.project import Project
root = __import__("pathlib").Path(sys.argv[1])
with dataset_lock(Project(root, root / "data" / "warehouse"), "flights"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold(project: Project, seconds: float, **env: str) -> subprocess.Popen[str]:
    """Another process holding the dataset's writer lock."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(project.root), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "held\n"
    return child


def test_a_second_writer_waits_and_names_the_holder(any_catalog: Project) -> None:
    holder = hold(any_catalog, 30)
    try:
        with pytest.raises(CatalogBusy) as busy, dataset_lock(any_catalog, "flights", timeout=0.3):
            pass
        message = str(busy.value)
        assert message.startswith(f"flights stayed locked by another writer for 0 s (held by pid {holder.pid} on ")
        assert "(-c " in message  # the holder's command line
        assert busy.value.retryable is True
    finally:
        holder.kill()
        holder.wait()


def test_a_writer_killed_with_9_frees_its_dataset_and_its_run_is_abandoned(any_catalog: Project) -> None:
    add_version(any_catalog, "flights", 1)
    db = any_catalog.catalog
    holder = hold(any_catalog, 60)
    lease = catalog_rows(any_catalog, "SELECT lease FROM dataset_locks WHERE dataset = 'flights'")[0][0]
    with catalog.writing(db) as con:  # the run the killed writer was doing
        con.execute(
            schema.runs.insert().values(
                run_id="killed", dataset="flights", version=1, state="running", started=datetime.now(UTC), lease=lease
            )
        )
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    with dataset_lock(any_catalog, "flights") as mine:
        waited = time.monotonic() - started
        dead = catalog.start_run(db, "next", "flights", 1, None, mine.lease)
    assert waited < 1.0  # the lock went with the process, not after a timeout
    assert dead == [(1, "killed")]
    assert catalog_rows(any_catalog, "SELECT run_id, state FROM runs ORDER BY run_id") == [
        ("killed", "abandoned"),
        ("next", "running"),
    ]


def test_the_lock_is_reentrant_and_released(any_catalog: Project) -> None:
    with dataset_lock(any_catalog, "flights") as outer, dataset_lock(any_catalog, "flights") as inner:
        assert inner is outer
        assert holding(any_catalog.catalog, "flights") is outer
    assert holding(any_catalog.catalog, "flights") is None
    assert catalog_rows(any_catalog, "SELECT count(*) FROM dataset_locks") == [(0,)]


def test_a_heartbeat_keeps_the_lease_and_a_fence_passes(any_catalog: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAGUARD_LEASE_SECONDS", "0.6")
    with dataset_lock(any_catalog, "flights") as mine:
        first = catalog_rows(any_catalog, "SELECT expires FROM dataset_locks")[0][0]
        deadline = time.monotonic() + 5
        while catalog_rows(any_catalog, "SELECT expires FROM dataset_locks")[0][0] == first:
            assert time.monotonic() < deadline, "the heartbeat never renewed the lease"
            time.sleep(0.05)
        with catalog.writing(any_catalog.catalog) as con:
            mine.fence(con)  # still ours: no error


def test_a_writer_whose_lease_was_taken_over_publishes_nothing(any_catalog: Project) -> None:
    with dataset_lock(any_catalog, "flights") as mine:
        with catalog.writing(any_catalog.catalog) as con:  # another writer took the dataset over
            con.execute(schema.dataset_locks.update().values(lease="someone-else"))
        with (
            pytest.raises(LockLost, match="this writer's lease expired and another writer took the dataset over"),
            catalog.writing(any_catalog.catalog) as con,
        ):
            mine.fence(con)


def test_an_unreachable_server_is_exit_3_without_the_password(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAGUARD_CATALOG_URL", "postgresql://ana:hunter2-secret@127.0.0.1:9/team")
    db = project.catalog
    with pytest.raises(CatalogUnavailable) as failed:
        catalog.list_versions(db, "flights")
    dispose(db)
    assert failed.value.exit_code == 3
    assert str(failed.value).startswith("cannot use the catalog postgresql://ana:***@127.0.0.1:9/team: ")
    assert "hunter2" not in str(failed.value)
    assert "hunter2" not in repr(db)


FROZEN = """
import sys
from dataguard import catalog
from dataguard.catalog.locks import dataset_lock
from dataguard.errors import LockLost
from dataguard.project import Project
root = __import__("pathlib").Path(sys.argv[1])
project = Project(root, root / "data" / "warehouse")
with dataset_lock(project, "flights") as mine:
    print("held", flush=True)
    sys.stdin.readline()  # frozen here (SIGSTOP) while another writer takes the dataset over
    try:
        with catalog.writing(project.catalog) as con:
            mine.fence(con)
        print("published", flush=True)
    except LockLost:
        print("refused: lock lost", flush=True)
"""


def test_a_frozen_writer_is_taken_over_when_its_lease_expires_and_then_publishes_nothing(
    project: Project, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAGUARD_CATALOG_URL", postgres_url)
    monkeypatch.setenv("DATAGUARD_LEASE_SECONDS", "1")
    frozen = subprocess.Popen(
        [sys.executable, "-c", FROZEN, str(project.root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert frozen.stdin is not None
    assert frozen.stdout is not None
    try:
        assert frozen.stdout.readline() == "held\n"
        frozen.send_signal(signal.SIGSTOP)  # a host gone quiet: its connection stays open, its heart stops
        with dataset_lock(project, "flights", timeout=60) as mine:
            assert catalog_rows(project, "SELECT lease, pid FROM dataset_locks") == [(mine.lease, os.getpid())]
        frozen.send_signal(signal.SIGCONT)
        frozen.stdin.write("go\n")
        frozen.stdin.flush()
        assert frozen.stdout.readline() == "refused: lock lost\n"
    finally:
        frozen.send_signal(signal.SIGCONT)
        frozen.kill()
        frozen.wait()
        dispose(project.catalog)


def test_the_catalog_url_comes_from_the_environment_then_the_project_then_the_warehouse(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert project.catalog.url == f"sqlite:///{project.warehouse / 'catalog.sqlite'}"
    (project.root / "dataguard.toml").write_text('catalog_url = "postgresql://ana@db.example/team"\n')
    assert (project.catalog.url, project.catalog.backend) == ("postgresql://ana@db.example/team", "postgresql")
    monkeypatch.setenv("DATAGUARD_CATALOG_URL", "sqlite:////srv/shared/catalog.sqlite")
    assert (project.catalog.url, project.catalog.file) == (
        "sqlite:////srv/shared/catalog.sqlite",
        Path("/srv/shared/catalog.sqlite"),
    )
    monkeypatch.setenv("DATAGUARD_CATALOG_URL", "mysql://ana@db.example/team")
    with pytest.raises(BadInput, match="unsupported catalog database 'mysql'"):
        _ = project.catalog


def dataguard_cli(project: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "dataguard", *map(str, args), "--project", str(project)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_an_embedded_catalog_on_a_read_only_mount_is_read_and_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import FEB, flights_contract_text

    monkeypatch.delenv("DATAGUARD_CATALOG_URL", raising=False)
    mount = tmp_path / "mount"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], check=True)
    try:
        root = mount / "proj"
        (root / "schemas").mkdir(parents=True)
        (root / "schemas" / "flights.py").write_text(flights_contract_text())
        assert dataguard_cli(root, "validate", "flights", FEB).returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)

        gate = dataguard_cli(root, "gate", "flights", "--json")
        versions = dataguard_cli(root, "versions", "flights", "--json")
        opened = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import dataguard; print(dataguard.open_validated('flights', project={str(root)!r}))",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        writer = dataguard_cli(root, "baseline", "set", "flights", "1")

        assert (gate.returncode, json.loads(gate.stdout)["open"]) == (0, True)
        assert [v["version"] for v in json.loads(versions.stdout)] == [1]
        assert (opened.returncode, opened.stdout.startswith("ValidatedVersion(dataset='flights', version=1")) == (
            0,
            True,
        )
        assert writer.returncode == 3  # a writer cannot write here: could not run, nothing changed
        assert "Traceback" not in gate.stderr + versions.stderr + opened.stderr + writer.stderr
    finally:
        subprocess.run(["umount", str(mount)], check=True)
