"""Quarantine review: states, the audit log, clean revisions, row conservation, exports, diffs."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import dataguard
from dataguard.project import Project
from dataguard.review.quarantine import escape_cell
from tests.cleanrows import clean_of
from tests.conftest import FEB, JAN, write_contract
from tests.test_cli import run, run_json

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def february(flights_project: Project) -> dict[str, Any]:
    code, report = run_json("validate", "flights", FEB)
    assert code == 0
    return report  # type: ignore[no-any-return]


def tailnum_row(report: dict[str, Any]) -> int:
    code, rows = run_json("quarantine", "list", "flights", "--version", "1", "--code", "str_matches")
    assert code == 0
    assert len(rows) == 1
    return int(rows[0]["row_id"])


def test_every_quarantined_row_starts_pending(february: dict[str, Any]) -> None:
    code, rows = run_json("quarantine", "list", "flights", "--version", "1", "--limit", "0")
    assert code == 0
    assert len(rows) == 80
    assert {r["state"] for r in rows} == {"pending"}
    assert [r["row_id"] for r in rows] == sorted(r["row_id"] for r in rows)
    assert run_json("quarantine", "list", "flights", "--version", "1", "--state", "released")[1] == []
    assert len(run_json("quarantine", "list", "flights", "--version", "1", "--column", "tailnum")[1]) == 1


def test_release_publishes_a_revision_and_keeps_the_old_one(flights_project: Project, february: dict[str, Any]) -> None:
    row = tailnum_row(february)
    code, decision = run_json(
        "quarantine",
        "release",
        "flights",
        "--version",
        "1",
        "--rows",
        str(row),
        "--note",
        "foreign registration, real flight",
        "--reviewer",
        "ana",
    )
    assert code == 0
    assert (decision["changed"], decision["revision"], decision["verdict"], decision["gate_open"]) == (
        [row],
        1,
        "WARN",
        True,
    )
    opened = dataguard.open_validated("flights", project=flights_project.root)
    assert (opened.version, opened.revision, str(opened.clean_path)) == (1, 1, decision["clean_path"])
    assert re.fullmatch(r"clean\.r1\.[0-9a-f]{12}\.parquet", opened.clean_path.name) is not None
    revised = pq.read_table(opened.clean_path)
    original = clean_of(february)  # the run's own deletion vector is untouched: revision 0 is still there
    assert (revised.num_rows, original.num_rows) == (24872, 24871)
    assert row in revised.column("_row_id").to_pylist()
    assert revised.column("_row_id").to_pylist() == sorted(revised.column("_row_id").to_pylist())
    report = json.loads(Path(february["paths"]["report_json"]).read_text())
    assert report["rows"] == {
        "input": 24951,
        "clean": 24872,
        "quarantined": 79,
        "pending": 79,
        "released": 1,
        "rejected": 0,
    }
    assert (report["revision"], report["reasons"]) == (
        1,
        [
            "0.32% of rows quarantined (79 of 24,951)",
            "slice cancelled_rate: null_rate 0.0507 is above the maximum 0.05; inconclusive: "
            "the 95% interval [0.04804, 0.0535] on 24,871 rows holds the threshold",
        ],
    )


def test_deciding_the_same_rows_twice_is_a_no_op(flights_project: Project, february: dict[str, Any]) -> None:
    row = tailnum_row(february)
    args = ("quarantine", "release", "flights", "--version", "1", "--rows", str(row), "--note", "ok")
    assert run_json(*args)[1]["revision"] == 1
    code, again = run_json(*args)
    assert (code, again["decision_id"], again["revision"], again["message"]) == (
        0,
        None,
        None,
        "nothing to do: all 1 rows are already released",
    )
    assert len(run_json("quarantine", "log", "flights")[1]) == 1


def test_reject_logs_without_a_new_revision_and_rows_are_conserved(
    flights_project: Project, february: dict[str, Any]
) -> None:
    row = tailnum_row(february)
    run("quarantine", "release", "flights", "--version", "1", "--rows", str(row), "--note", "fine", "--reviewer", "ana")
    code, decision = run_json(
        "quarantine",
        "reject",
        "flights",
        "--version",
        "1",
        "--code",
        "arr_delay_unless_cancelled",
        "--note",
        "diverted flights have no arrival delay",
        "--reviewer",
        "bo",
    )
    assert (code, len(decision["changed"]), decision["revision"]) == (0, 79, None)
    report = json.loads(Path(february["paths"]["report_json"]).read_text())
    rows = report["rows"]
    assert rows == {"input": 24951, "clean": 24872, "quarantined": 79, "pending": 0, "released": 1, "rejected": 79}
    assert rows["clean"] + rows["pending"] + rows["rejected"] == rows["input"]
    log = run_json("quarantine", "log", "flights")[1]
    assert [(d["action"], d["reviewer"], d["selector"], len(d["row_ids"]), d["revision"]) for d in log] == [
        ("release", "ana", f"--rows {row}", 1, 1),
        ("reject", "bo", "--code arr_delay_unless_cancelled", 79, None),
    ]
    shown = run_json("quarantine", "show", "flights", "--version", "1", str(row))[1]
    assert (shown["state"], [h["action"] for h in shown["history"]]) == ("released", ["release"])
    assert shown["reasons"] == [
        {
            "code": "str_matches",
            "column": "tailnum",
            "check": "str_matches('^N[0-9A-Z]+$')",
            "value": shown["values"]["tailnum"],
        }
    ]


def test_releasing_rows_reruns_the_gate(flights_project: Project) -> None:
    contract = flights_project.contract_path("flights")
    contract.write_text(contract.read_text().replace("max_quarantined_fraction=0.25", "max_quarantined_fraction=0.001"))
    code, report = run_json("validate", "flights", FEB)
    assert (code, report["verdict"]) == (1, "FAIL")
    assert run("gate", "flights").exit_code == 1
    code, decision = run_json(
        "quarantine",
        "release",
        "flights",
        "--version",
        "1",
        "--code",
        "arr_delay_unless_cancelled",
        "--note",
        "diverted is fine",
    )
    assert (code, decision["verdict"], decision["gate_open"], decision["revision"]) == (0, "WARN", True, 1)
    assert run("gate", "flights").exit_code == 0
    assert dataguard.open_validated("flights", project=flights_project.root).revision == 1


def test_unknown_rows_and_codes_are_refused(february: dict[str, Any]) -> None:
    result = run("quarantine", "release", "flights", "--version", "1", "--rows", "0,1", "--note", "x")
    assert result.exit_code == 2
    assert "rows not quarantined in flights v1: 0, 1" in result.stderr
    result = run("quarantine", "reject", "flights", "--version", "1", "--code", "nope", "--note", "x")
    assert result.exit_code == 2
    assert "no quarantined row of flights v1 has reason code 'nope'" in result.stderr
    assert run("quarantine", "log", "flights", "--json").stdout.strip() == "[]"


def test_diff_shows_reasons_that_moved(flights_project: Project) -> None:
    run("validate", "flights", JAN, FEB)
    code, changes = run_json("quarantine", "diff", "flights", "--version", "2", "--against", "1")
    assert code == 0
    assert changes == [
        {"code": "str_matches", "column": "tailnum", "before": 0, "after": 1, "change": "appeared"},
        {"code": "arr_delay_unless_cancelled", "column": None, "before": 85, "after": 79, "change": "shrank"},
        {"code": "plausible_ground_speed", "column": None, "before": 2, "after": 0, "change": "disappeared"},
    ]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("plain", "plain"), ("", "")],
)
def test_escape_cell(text: str, escaped: str) -> None:
    assert escape_cell(text) == escaped


def test_csv_export_cannot_run_formulas(project: Project, tmp_path: Path) -> None:
    write_contract(
        project,
        "notes",
        """
        import pandera.pandas as pa

        class schema(pa.DataFrameModel):
            n: int = pa.Field(ge=0)
            text: str = pa.Field(str_length={"max_value": 4})
        """,
    )
    source = tmp_path / "notes.csv"
    source.write_text('n,text\n-5,"=HYPERLINK(""http://x"")"\n1,ok\n2,@SUM(A1)\n')
    assert run("validate", "notes", source).exit_code == 1  # 2 of 3 rows quarantined: FAIL
    out = tmp_path / "q.csv"
    assert run("quarantine", "export", "notes", "--version", "1", "--format", "csv", "--out", out).exit_code == 0
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["_row_id", "n", "text", "_state", "_reasons"],
        [
            "0",
            "-5",
            '\'=HYPERLINK("http://x")',
            "pending",
            'greater_than_or_equal_to(n)=-5; str_length(text)==HYPERLINK("http://x")',
        ],
        ["2", "2", "'@SUM(A1)", "pending", "str_length(text)=@SUM(A1)"],
    ]
    parquet = tmp_path / "q.parquet"
    assert (
        run("quarantine", "export", "notes", "--version", "1", "--format", "parquet", "--out", parquet).exit_code == 0
    )
    assert pq.read_table(parquet).column("_state").to_pylist() == ["pending", "pending"]


def test_a_row_id_beyond_64_bits_is_bad_input_not_a_crash() -> None:
    from dataguard.app.commands.review import parse_row_ids
    from dataguard.errors import BadInput

    assert parse_row_ids(f"0, {2**63 - 1}") == [0, 2**63 - 1]
    with pytest.raises(
        BadInput, match=r"^a row id is a whole number from 0 to 9223372036854775807, got '9223372036854775808'$"
    ):
        parse_row_ids(str(2**63))
