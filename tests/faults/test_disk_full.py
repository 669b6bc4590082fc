"""Disk full while writing: a clear message, nothing published, the catalog intact and still usable.

The child runs under a file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so
a write past it fails with EFBIG as on a full disk) small enough that the
canonical Parquet, or the run's clean file, cannot be written.
"""

from __future__ import annotations

import json
import random
import resource
import signal
import string
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dataguard.project import Project
from tests.catalog_sql import catalog_state
from tests.faults.conftest import Child, catalog_rows, run_states, version_numbers

ROWS = 200_000


def big_version(path: Path, seed: int, first_id: int = 0) -> Path:
    """Incompressible text: its canonical Parquet is megabytes (a negative first id: rows that fail ``id >= 0``)."""
    rng = random.Random(seed)
    lines = ["id,label,score"]
    lines += [f"{first_id + i},{''.join(rng.choices(string.ascii_letters, k=120))},0.5" for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n")
    return path


CONTRACT = """
    import pandera.pandas as pa


    class schema(pa.DataFrameModel):
        id: int = pa.Field(ge=0)
        label: str
        score: float
"""


def limit_file_size(limit: int) -> Callable[[], None]:
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


@pytest.fixture
def big(project: Project, tmp_path: Path) -> dict[str, Path]:
    from tests.conftest import write_contract

    write_contract(project, "pets", CONTRACT)
    return {"v1": big_version(tmp_path / "big-1.csv", 1), "v2": big_version(tmp_path / "big-2.csv", 2)}


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".staging" not in p.parts)


def test_disk_full_during_ingest(project: Project, big: dict[str, Path], cli: Callable[..., Child]) -> None:
    assert cli("validate", "pets", big["v1"]).returncode == 0
    source_size = (project.warehouse / "pets" / "1" / "source.parquet").stat().st_size
    before, files_before = catalog_state(project), files_under(project.warehouse)
    limit = source_size // 2
    assert project.catalog.file is not None
    assert limit > project.catalog.file.stat().st_size  # the catalog itself still fits

    full = cli("validate", "pets", big["v2"], preexec=limit_file_size(limit))

    assert full.returncode == 3, full.stderr  # could not run: the machine, not the data
    message = " ".join(full.stderr.split())
    assert f"error: no space left to write the canonical copy of {big['v2']}" in message
    assert "hint: free disk space (or raise the quota or file-size limit), then run the command again" in message
    assert full.stderr.strip().splitlines()[-2].startswith("error: no space left")  # the last word is ours
    assert catalog_state(project) == before
    assert files_under(project.warehouse) == files_before
    assert cli("validate", "pets", big["v2"]).returncode == 0  # with space again, the same file goes through
    assert [v for v, _, _ in version_numbers(project, "pets")] == [1, 2]


def test_disk_full_while_writing_the_split(
    project: Project, big: dict[str, Path], cli: Callable[..., Child], tmp_path: Path
) -> None:
    """The split writes only the quarantine and its deletion vector: a version whose every row fails
    makes the quarantine about as large as the version, and the space runs out there."""
    failing = big_version(tmp_path / "all-bad.csv", 3, first_id=-ROWS)
    assert cli("ingest", "pets", failing).returncode == 0
    source_size = (project.warehouse / "pets" / "1" / "source.parquet").stat().st_size

    full = cli("validate", "pets", "--version", "1", preexec=limit_file_size(source_size // 2))

    assert full.returncode == 3, full.stderr
    message = " ".join(full.stderr.split())
    assert "error: pets: a write ran out of space" in message
    assert "File too large" in message
    assert "nothing was published" in message
    assert run_states(project, "pets") == [(1, "failed")]
    assert list((project.warehouse / "pets" / "1" / "runs").iterdir()) == []  # the partial run's files are gone
    error = catalog_rows(project, "SELECT error FROM runs")[0][0]
    assert "File too large" in error
    code = cli("gate", "pets", "--json")
    assert (code.returncode, json.loads(code.stdout)["open"]) == (1, False)

    again = cli("validate", "pets", "--version", "1", "--json")

    assert again.returncode == 1, again.stderr  # every row quarantined: FAIL, published this time
    report = json.loads(again.stdout)
    assert report["rows"] == {
        "input": ROWS,
        "clean": 0,
        "quarantined": ROWS,
        "pending": ROWS,
        "released": 0,
        "rejected": 0,
    }
    assert run_states(project, "pets") == [(1, "failed"), (1, "finished")]
    assert pq.read_metadata(report["paths"]["quarantine"]).num_rows == ROWS
