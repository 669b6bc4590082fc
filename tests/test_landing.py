"""The landing folder as plain functions: which files are candidates, settled, new; the ledger."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dataguard import catalog
from dataguard.catalog.locks import dataset_lock
from dataguard.ingest import landing
from dataguard.ingest.landing import FileStillWriting, Pending
from dataguard.ingest.version import fingerprint, ingest
from dataguard.project import Project
from tests.conftest import write_contract

HOUR_AGO = time.time() - 3600
TINY = """
    import pandera.pandas as pa

    class schema(pa.DataFrameModel):
        id: int
"""


@pytest.fixture
def tiny(project: Project) -> Project:
    write_contract(project, "tiny", TINY)
    return project


def drop(project: Project, name: str, text: str, mtime: float = HOUR_AGO) -> Path:
    folder = landing.landing_dir(project, "tiny")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    os.utime(path, (mtime, mtime))
    return path


def validated(project: Project, path: Path, *, finished: bool = True) -> None:
    """Ingest ``path`` as a version of tiny and record a run of it (finished, or left running by a crash)."""
    version = ingest(project, "tiny", path).version.version
    run_id = f"run-{path.name}-{version}"
    with dataset_lock(project, "tiny") as lock:
        catalog.start_run(
            project.catalog, run_id, "tiny", version, None, "a-dead-lease" if not finished else lock.lease
        )
        if finished:
            run = catalog.FinishedRun(run_id, "tiny", version, "PASS", True, [], 1, 1, 0, "c", "q", "r", [])
            catalog.finish_run(project.catalog, run, lock.fence)


def names(items: list[Pending]) -> list[str]:
    return [item.landed.path.name for item in items]


@pytest.mark.parametrize(
    ("name", "ignored"),
    [
        ("jan.csv", False),
        ("jan.parquet", False),
        ("jan.csv.part", True),
        ("jan.csv.tmp", True),
        (".jan.csv", True),
        (".DS_Store", True),
    ],
)
def test_rename_into_place_names_are_ignored(name: str, ignored: bool) -> None:
    assert landing.is_ignored(name) is ignored


def test_list_landed_skips_ignored_names_and_folders_oldest_first(tiny: Project) -> None:
    drop(tiny, "b.csv", "id\n1\n", mtime=HOUR_AGO)
    drop(tiny, "a.csv", "id\n2\n", mtime=HOUR_AGO + 10)
    drop(tiny, "c.csv.part", "id\n3\n")
    drop(tiny, ".hidden.csv", "id\n4\n")
    (landing.landing_dir(tiny, "tiny") / "sub").mkdir()
    listed = landing.list_landed(landing.landing_dir(tiny, "tiny"))
    assert [f.path.name for f in listed] == ["b.csv", "a.csv"]
    assert listed[0].size == len("id\n1\n")


def test_a_missing_landing_folder_lists_nothing(tiny: Project) -> None:
    assert landing.list_landed(landing.landing_dir(tiny, "tiny")) == []


def test_settled_means_unchanged_for_settle_seconds(tiny: Project) -> None:
    landed = landing.observe(drop(tiny, "a.csv", "id\n1\n", mtime=1000.0))
    assert landing.is_settled(landed, 10, now=1010.0)
    assert not landing.is_settled(landed, 10, now=1009.5)


def test_pending_keeps_settled_new_content_once(tiny: Project) -> None:
    drop(tiny, "a.csv", "id\n1\n")
    drop(tiny, "a-copy.csv", "id\n1\n", mtime=HOUR_AGO + 1)  # the same bytes: counts once, the oldest
    drop(tiny, "b.csv", "id\n2\n", mtime=HOUR_AGO + 2)
    drop(tiny, "growing.csv", "id\n3\n", mtime=time.time())  # still being written
    drop(tiny, "c.csv.part", "id\n4\n")
    found = landing.pending(tiny, "tiny", settle_seconds=5)
    assert names(found) == ["a.csv", "b.csv"]
    assert [item.fingerprint for item in found] == [fingerprint(item.landed.path) for item in found]


def test_pending_skips_content_that_is_already_a_validated_version(tiny: Project) -> None:
    path = drop(tiny, "a.csv", "id\n1\n")
    drop(tiny, "b.csv", "id\n2\n")
    validated(tiny, path)
    assert names(landing.pending(tiny, "tiny", settle_seconds=5)) == ["b.csv"]
    path.rename(path.with_name("renamed.csv"))  # a rename, or a restart, changes nothing
    assert names(landing.pending(tiny, "tiny", settle_seconds=5)) == ["b.csv"]


def test_a_version_whose_run_never_finished_is_pending_again(tiny: Project) -> None:
    crashed = drop(tiny, "crashed.csv", "id\n1\n")
    drop(tiny, "ingested.csv", "id\n2\n")
    validated(tiny, crashed, finished=False)
    ingest(tiny, "tiny", landing.landing_dir(tiny, "tiny") / "ingested.csv")  # e.g. by `dataguard ingest`
    assert names(landing.pending(tiny, "tiny", settle_seconds=5)) == ["crashed.csv", "ingested.csv"]


def test_a_refusal_holds_until_the_file_or_the_contract_changes(tiny: Project) -> None:
    path = drop(tiny, "bad.csv", "id\n1\n2,3\n")
    (item,) = landing.pending(tiny, "tiny", settle_seconds=5)
    landing.record_refusal(tiny, "tiny", item, "ragged")
    assert landing.pending(tiny, "tiny", settle_seconds=5) == []
    contract = tiny.contract_path("tiny")
    contract.write_text(contract.read_text() + "# edited\n")
    assert names(landing.pending(tiny, "tiny", settle_seconds=5)) == ["bad.csv"]
    landing.record_refusal(tiny, "tiny", item, "ragged")
    path.write_text("id\n1\n2\n")
    os.utime(path, (HOUR_AGO, HOUR_AGO))
    assert names(landing.pending(tiny, "tiny", settle_seconds=5)) == ["bad.csv"]


def test_a_poll_hashes_only_new_or_changed_files(tiny: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    drop(tiny, "a.csv", "id\n1\n")
    drop(tiny, "b.csv", "id\n2\n")
    hashed: list[str] = []

    def counting(path: Path) -> str:
        hashed.append(path.name)
        return fingerprint(path)

    monkeypatch.setattr(landing, "fingerprint", counting)
    landing.pending(tiny, "tiny", settle_seconds=5)
    landing.pending(tiny, "tiny", settle_seconds=5)
    drop(tiny, "b.csv", "id\n3\n", mtime=HOUR_AGO + 5)
    landing.pending(tiny, "tiny", settle_seconds=5)
    assert hashed == ["a.csv", "b.csv", "b.csv"]


def test_an_unreadable_ledger_is_rebuilt(tiny: Project) -> None:
    drop(tiny, "a.csv", "id\n1\n")
    path = landing.ledger_path(tiny, "tiny")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert names(landing.pending(tiny, "tiny", settle_seconds=5)) == ["a.csv"]
    assert list(landing.load_ledger(path).files) == ["a.csv"]


def test_confirm_settled_refuses_a_file_that_changed_meanwhile(tiny: Project) -> None:
    path = drop(tiny, "a.csv", "id\n1\n")
    landed = landing.observe(path)
    assert landing.confirm_settled(landed, 5) == landed
    with path.open("a") as handle:
        handle.write("2\n")
    with pytest.raises(FileStillWriting, match="still being written") as error:
        landing.confirm_settled(landed, 5)
    assert error.value.retryable is True


def test_recheck_follows_a_file_that_changed_and_settled(tiny: Project) -> None:
    path = drop(tiny, "a.csv", "id\n1\n")
    (item,) = landing.pending(tiny, "tiny", settle_seconds=5)
    assert landing.recheck(tiny, "tiny", item, 5) == item
    drop(tiny, "a.csv", "id\n1\n2\n")
    changed = landing.recheck(tiny, "tiny", item, 5)
    assert changed is not None
    assert (changed.landed.size, changed.fingerprint) == (len("id\n1\n2\n"), fingerprint(path))
    validated(tiny, path)
    assert landing.recheck(tiny, "tiny", changed, 5) is None  # its bytes are a validated version now
    path.unlink()
    assert landing.recheck(tiny, "tiny", item, 5) is None
