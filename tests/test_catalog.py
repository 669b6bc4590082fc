"""The catalog: short transactions that wait for another process's lock instead of failing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from dataguard import catalog
from dataguard.errors import CatalogBusy

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the catalog file open for writing."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_write_waits_for_the_lock_then_lands(tmp_path: Path) -> None:
    path = tmp_path / "catalog.duckdb"
    with catalog.connect(path):
        pass  # create the file and its tables
    holder = hold_lock(path, 1.5)
    started = time.monotonic()
    catalog.start_run(path, "run-1", "flights", 1, None)
    waited = time.monotonic() - started
    holder.wait()
    assert waited > 0.5  # it really queued behind the other process
    with catalog.connect(path) as con:
        assert con.execute("SELECT run_id, dataset, version, state FROM runs").fetchall() == [
            ("run-1", "flights", 1, "running")
        ]


def test_a_lock_held_too_long_is_a_retryable_error(tmp_path: Path) -> None:
    path = tmp_path / "catalog.duckdb"
    with catalog.connect(path):
        pass
    holder = hold_lock(path, 3)
    try:
        with (
            pytest.raises(CatalogBusy, match="stayed locked by another process for 0 s") as busy,
            catalog.connect(path, timeout=0.3),
        ):
            pass
        assert busy.value.retryable is True
    finally:
        holder.wait()


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "catalog.duckdb"

    def crash_mid_transaction() -> None:
        with catalog.transaction(path) as con:
            con.execute("INSERT INTO datasets (name) VALUES ('flights')")
            raise RuntimeError("crash mid-transaction")

    with pytest.raises(RuntimeError, match="crash mid-transaction"):
        crash_mid_transaction()
    with catalog.connect(path) as con:
        assert con.execute("SELECT count(*) FROM datasets").fetchone() == (0,)


def test_reads_do_not_create_a_catalog(tmp_path: Path) -> None:
    path = tmp_path / "catalog.duckdb"
    assert catalog.find_version(path, "flights") is None
    assert catalog.list_versions(path, "flights") == []
    assert catalog.latest_runs(path, "flights") == {}
    assert not path.exists()
