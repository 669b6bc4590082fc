"""The per-dataset lock: one run per dataset, datasets side by side, re-entrant, released on exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

import pytest

from dataguard.catalog import locks
from dataguard.catalog.locks import dataset_lock, lock_path
from dataguard.errors import BadInput, CatalogBusy
from dataguard.project import Project


def hold_in_thread(project: Project, dataset: str, entered: list[str]) -> threading.Thread:
    def body() -> None:
        with dataset_lock(project, dataset):
            entered.append(dataset)

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def test_a_second_run_of_the_same_dataset_waits(project: Project) -> None:
    entered: list[str] = []
    waits: list[str] = []
    with dataset_lock(project, "flights"):
        thread = hold_in_thread(project, "flights", entered)
        time.sleep(0.5)
        assert entered == []
    thread.join(timeout=10)
    assert entered == ["flights"]
    with dataset_lock(project, "flights", on_wait=waits.append):
        pass
    assert waits == []


def test_other_datasets_do_not_wait(project: Project) -> None:
    entered: list[str] = []
    with dataset_lock(project, "flights"):
        hold_in_thread(project, "weather", entered).join(timeout=10)
        assert entered == ["weather"]


def test_the_lock_is_reentrant_within_one_run(project: Project) -> None:
    with dataset_lock(project, "flights"), dataset_lock(project, "flights"):
        pass
    with dataset_lock(project, "flights", timeout=0):
        pass


def test_waiting_past_the_timeout_is_a_retryable_error(project: Project) -> None:
    waits: list[str] = []
    failures: list[BaseException] = []

    def body() -> None:
        try:
            with dataset_lock(project, "flights", timeout=0.2, on_wait=waits.append):
                pass
        except CatalogBusy as exc:
            failures.append(exc)

    with dataset_lock(project, "flights"):
        thread = threading.Thread(target=body)
        thread.start()
        thread.join(timeout=10)
    assert len(failures) == 1
    assert getattr(failures[0], "retryable", False) is True
    assert str(failures[0]).startswith(
        f"flights stayed locked by another writer for 0 s (held by pid {os.getpid()} on "
    )
    assert f"({locks._command()})" in str(failures[0])  # the holder's command
    assert len(waits) == 1
    assert waits[0].startswith(
        f"waiting for the other writer of flights to finish (lock {lock_path(project, 'flights')}"
    )


def test_a_killed_holder_releases_the_lock(project: Project) -> None:
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from dataguard.catalog.locks import dataset_lock\n"
        "from dataguard.project import Project\n"
        "p = Path(sys.argv[1])\n"
        "with dataset_lock(Project(p, p / 'data' / 'warehouse'), 'flights'):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script, str(project.root)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(CatalogBusy), dataset_lock(project, "flights", timeout=0.2):
            pass
    finally:
        holder.kill()
        holder.wait()
    with dataset_lock(project, "flights", timeout=5):
        pass


def test_an_invalid_dataset_name_is_refused(project: Project) -> None:
    with pytest.raises(BadInput, match=re.escape("invalid dataset name '../x'")), dataset_lock(project, "../x"):
        pass
