"""Bad input: a clear error naming what and where, exit code 2, and the catalog unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from dataguard.project import Project
from tests.catalog_sql import catalog_state
from tests.conftest import FEB, JAN
from tests.test_cli import run

pytestmark = pytest.mark.usefixtures("prefect_harness")


def head_of_january(rows: int) -> pd.DataFrame:
    return pd.read_csv(JAN, nrows=rows)


def empty(tmp: Path) -> Path:
    path = tmp / "empty.csv"
    path.write_bytes(b"")
    return path


def header_only(tmp: Path) -> Path:
    path = tmp / "header.csv"
    path.write_text(JAN.read_text().splitlines()[0] + "\n")
    return path


def ragged(tmp: Path) -> Path:
    lines = JAN.read_text().splitlines()[:6]
    lines[4] = lines[4].rsplit(",", 2)[0]  # line 5 loses two fields
    path = tmp / "ragged.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def truncated(tmp: Path) -> Path:
    path = tmp / "truncated.parquet"
    path.write_bytes(FEB.read_bytes()[: FEB.stat().st_size // 2])
    return path


def latin1(tmp: Path) -> Path:
    lines = JAN.read_text().splitlines()[:4]
    lines[3] = lines[3].replace(",", ",\xe9", 1)  # the second field of line 4 starts with a Latin-1 byte
    path = tmp / "latin1.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


def missing_column(tmp: Path) -> Path:
    path = tmp / "no-carrier.csv"
    head_of_january(50).drop(columns=["carrier"]).to_csv(path, index=False)
    return path


CASES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("empty", empty, "empty.csv: the file is empty (0 bytes)"),
    ("header-only", header_only, "header.csv: the file has no data records (only a header, or blank)"),
    ("ragged", ragged, "ragged.csv, line 5: expected 19 fields (as in the header), found 17"),
    ("truncated", truncated, "truncated.parquet: not a readable Parquet file"),
    ("non-utf8", latin1, "latin1.csv, line 4: byte 0xe9 is not valid UTF-8 (byte column 6)"),
    ("missing-column", missing_column, "column carrier is missing (the contract flights.py requires it)"),
]


@pytest.mark.parametrize(
    ("make", "message"), [(make, message) for _, make, message in CASES], ids=[c[0] for c in CASES]
)
def test_bad_file_exits_2_and_changes_nothing(
    flights_project: Project, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    assert run("validate", "flights", FEB).exit_code == 0
    before = catalog_state(flights_project)
    warehouse_before = sorted(p.relative_to(flights_project.warehouse) for p in flights_project.warehouse.rglob("*"))

    result = run("validate", "flights", make(tmp_path), "--json")

    assert result.exit_code == 2
    assert message in result.stderr.replace("\n", " ") or message in " ".join(result.stderr.split())
    error = json.loads(result.stdout)["error"]
    assert (error["exit_code"], message in " ".join(error["message"].split())) == (2, True)
    assert catalog_state(flights_project) == before
    after = sorted(p.relative_to(flights_project.warehouse) for p in flights_project.warehouse.rglob("*"))
    assert [p for p in after if p.parts[0] != ".staging"] == [p for p in warehouse_before if p.parts[0] != ".staging"]


def test_broken_contract_names_file_and_line(flights_project: Project) -> None:
    assert run("validate", "flights", FEB).exit_code == 0
    before = catalog_state(flights_project)
    contract = flights_project.contract_path("flights")
    contract.write_text(contract.read_text().replace("CLOCK = {", "CLOCK = {{"))

    result = run("validate", "flights", JAN)

    assert result.exit_code == 2
    line = next(n for n, text in enumerate(contract.read_text().splitlines(), 1) if "CLOCK = {{" in text)
    assert f"{contract}, line {line}: syntax error" in " ".join(result.stderr.split())
    assert catalog_state(flights_project) == before


def test_unknown_dataset_suggests_the_close_name(flights_project: Project) -> None:
    result = run("validate", "flight", JAN)
    assert result.exit_code == 2
    assert "unknown dataset 'flight'" in result.stderr
    assert "did you mean 'flights'?" in result.stderr
    assert catalog_state(flights_project) is None


def test_file_and_version_together_is_bad_usage(flights_project: Project) -> None:
    result = run("validate", "flights", JAN, "--version", "1")
    assert result.exit_code == 2
    assert "give either FILE(s) or --version N" in result.stderr
