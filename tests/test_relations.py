"""Checks across datasets: references, leaks and repeated rows, with exact expected row sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dataguard.project import Project
from tests.conftest import write_contract
from tests.test_cli import run, run_json

CARRIERS = """
import pandera.pandas as pa


class schema(pa.DataFrameModel):
    carrier: str
    region: str = pa.Field(nullable=True)
    name: str
"""

FLIGHTS = """
import pandera.pandas as pa

import dataguard


class schema(pa.DataFrameModel):
    flight: int
    carrier: str = pa.Field(nullable=True)
    region: str = pa.Field(nullable=True)
    seats: int = pa.Field(ge=0)


contract = dataguard.Contract(
    gate=dataguard.GatePolicy(max_quarantined_fraction=1.0),
    references=[RELATIONS],
)
"""


def flights_contract(project: Project, relations: str, extra: str = "") -> None:
    write_contract(project, "flights", FLIGHTS.replace("RELATIONS", relations) + extra)


def csv(folder: Path, name: str, frame: pd.DataFrame) -> Path:
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path


def validate(dataset: str, path: Path) -> dict[str, Any]:
    code, report = run_json("validate", dataset, path)
    assert code == 0, report
    return report  # type: ignore[no-any-return]


def quarantined(report: dict[str, Any]) -> dict[int, list[tuple[str, str | None, str, str | None]]]:
    """Each quarantined row's reasons: (code, column, check, value)."""
    table = pq.read_table(report["paths"]["quarantine"]).to_pylist()
    return {
        row["_row_id"]: [(r["code"], r["column"], r["check"], r["value"]) for r in row["_reasons"]] for row in table
    }


CARRIER_ROWS = pd.DataFrame(
    {"carrier": ["AA", "UA", "DL", "UA"], "region": ["us", "us", "us", "eu"], "name": ["A", "U", "D", "U2"]}
)


@pytest.fixture
def carriers(project: Project, tmp_path: Path) -> dict[str, Any]:
    write_contract(project, "carriers", CARRIERS)
    return validate("carriers", csv(tmp_path, "carriers", CARRIER_ROWS))


FLIGHT_ROWS = pd.DataFrame(
    {
        "flight": [1, 2, 3, 4, 5, 6],
        "carrier": ["AA", "ZZ", None, "UA", "DL", "zz"],
        "region": ["us", "us", "us", "eu", "eu", None],
        "seats": [100, 120, 90, 80, 150, 60],
    }
)


def test_a_key_missing_from_the_referenced_dataset_is_quarantined(
    project: Project, tmp_path: Path, carriers: dict[str, Any]
) -> None:
    flights_contract(project, 'dataguard.References(columns=["carrier"], dataset="carriers")')

    report = validate("flights", csv(tmp_path, "flights", FLIGHT_ROWS))

    check = "references(carriers v1: carrier -> carrier)"
    assert quarantined(report) == {
        1: [("foreign_key", "carrier", check, "ZZ")],
        5: [("foreign_key", "carrier", check, "zz")],
    }
    assert report["relations"] == [
        {
            "kind": "references",
            "check": check,
            "code": "foreign_key",
            "column": "carrier",
            "dataset": "carriers",
            "version": 1,
            "revision": 0,
            "fingerprint": report["relations"][0]["fingerprint"],
            "failed_rows": 2,
        }
    ]
    assert [c["failed_rows"] for c in report["checks"] if c["code"] == "foreign_key"] == [2]
    html = Path(report["paths"]["report_html"]).read_text(encoding="utf-8")
    row = '<td>references</td><td class="text">references(carriers v1: carrier -&gt; carrier)</td>'
    assert row + '<td class="text">carriers v1</td><td class="n">2</td>' in html
    markdown = Path(report["paths"]["report_md"]).read_text(encoding="utf-8")
    assert "| references | references(carriers v1: carrier -\\> carrier) | 2 |" in markdown


def test_a_composite_key_with_a_null_is_not_checked(project: Project, tmp_path: Path, carriers: dict[str, Any]) -> None:
    flights_contract(project, 'dataguard.References(columns=["carrier", "region"], dataset="carriers")')

    report = validate("flights", csv(tmp_path, "flights", FLIGHT_ROWS))

    check = "references(carriers v1: carrier, region -> carrier, region)"
    assert quarantined(report) == {
        1: [("foreign_key", "carrier, region", check, "ZZ, us")],
        4: [("foreign_key", "carrier, region", check, "DL, eu")],
    }


def test_references_to_other_column_names(project: Project, tmp_path: Path) -> None:
    write_contract(
        project, "airports", "import pandera.pandas as pa\n\nclass schema(pa.DataFrameModel):\n    faa: str\n"
    )
    validate("airports", csv(tmp_path, "airports", pd.DataFrame({"faa": ["JFK", "LGA"]})))
    write_contract(
        project,
        "trips",
        """
        import pandera.pandas as pa
        import dataguard

        class schema(pa.DataFrameModel):
            origin: str
            dest: str

        contract = dataguard.Contract(
            gate=dataguard.GatePolicy(max_quarantined_fraction=1.0),
            references=[
                dataguard.References(columns="origin", dataset="airports", to="faa"),
                dataguard.References(columns="dest", dataset="airports", to="faa"),
            ],
        )
        """,
    )
    trips = pd.DataFrame({"origin": ["JFK", "EWR", "LGA"], "dest": ["LGA", "JFK", "SFO"]})

    report = validate("trips", csv(tmp_path, "trips", trips))

    assert quarantined(report) == {
        1: [("foreign_key", "origin", "references(airports v1: origin -> faa)", "EWR")],
        2: [("foreign_key", "dest", "references(airports v1: dest -> faa)", "SFO")],
    }


def test_a_referenced_dataset_without_an_open_version_is_a_structural_failure(project: Project, tmp_path: Path) -> None:
    write_contract(project, "carriers", CARRIERS)
    flights_contract(project, 'dataguard.References(columns=["carrier"], dataset="carriers")')

    result = run("validate", "flights", csv(tmp_path, "flights", FLIGHT_ROWS))

    assert result.exit_code == 2
    assert result.output == (
        f"error: {tmp_path / 'flights.csv'}: flights: references carriers: no version with an open gate to check "
        "against (no version has an open gate; no version of 'carriers' has been ingested yet)\n"
        "  hint: validate carriers first (dataguard validate carriers FILE), then run again\n"
    )
    assert "Traceback" not in result.output
    code, versions = run_json("versions", "flights")
    assert (code, versions) == (0, [])


def test_the_newest_open_version_is_used_and_a_pinned_one_when_asked(
    project: Project, tmp_path: Path, carriers: dict[str, Any]
) -> None:
    validate("carriers", csv(tmp_path, "carriers2", pd.DataFrame({"carrier": ["ZZ"], "region": ["us"], "name": ["Z"]})))
    flights_contract(project, 'dataguard.References(columns=["carrier"], dataset="carriers")')
    newest = validate("flights", csv(tmp_path, "flights", FLIGHT_ROWS))
    flights_contract(project, 'dataguard.References(columns=["carrier"], dataset="carriers", version=1)')
    pinned = run_json("validate", "flights", "--version", "1")[1]

    assert sorted(quarantined(newest)) == [0, 3, 4, 5]
    assert [r["version"] for r in newest["relations"]] == [2]
    assert sorted(quarantined(pinned)) == [1, 5]
    assert [r["version"] for r in pinned["relations"]] == [1]


EVAL = FLIGHTS.replace("    references=[RELATIONS],\n", "    RELATIONS,\n")  # any relation, or keys=[]

TRAIN_ROWS = pd.DataFrame(
    {
        "flight": [10, 11, 12, 13, 14],
        "carrier": ["AA", "UA", None, "DL", "AA"],
        "region": ["us", "eu", "us", "us", "us"],
        "seats": [100, 80, 90, 150, 100],
    }
)

EVAL_ROWS = pd.DataFrame(
    {
        "flight": [12, 20, 10, 21, 13, 22],
        "carrier": [None, " aa ", "AA", "UA", "DL", "WN"],
        "region": ["us", "US", "us", "eu", "us", "us"],
        "seats": [90, 100, 100, 80, 151, 70],
    }
)


@pytest.fixture
def train(project: Project, tmp_path: Path) -> dict[str, Any]:
    write_contract(project, "train", EVAL.replace("RELATIONS", "keys=[]"))
    return validate("train", csv(tmp_path, "train", TRAIN_ROWS))


def test_a_leak_by_key_names_the_other_row(project: Project, tmp_path: Path, train: dict[str, Any]) -> None:
    write_contract(
        project, "eval", EVAL.replace("RELATIONS", 'disjoint_from=[dataguard.Disjoint("train", on="flight")]')
    )

    report = validate("eval", csv(tmp_path, "eval", EVAL_ROWS))

    check = "leak(train v1: flight)"
    assert quarantined(report) == {
        0: [("leak", "flight", check, "train v1 _row_id 2")],
        2: [("leak", "flight", check, "train v1 _row_id 0")],
        4: [("leak", "flight", check, "train v1 _row_id 3")],
    }


def test_a_leak_by_whole_row_normalises_text_and_compares_nulls(
    project: Project, tmp_path: Path, train: dict[str, Any]
) -> None:
    write_contract(project, "eval", EVAL.replace("RELATIONS", 'disjoint_from=[dataguard.Disjoint("train")]'))

    report = validate("eval", csv(tmp_path, "eval", EVAL_ROWS))

    # row 1 (" aa ", "US", 100 seats, flight 20) differs from train row 0 by its flight number; row 4 by its seats
    check = "leak(train v1: row)"
    assert quarantined(report) == {
        0: [("leak", None, check, "train v1 _row_id 2")],
        2: [("leak", None, check, "train v1 _row_id 0")],
    }


def test_a_key_with_a_null_never_leaks(project: Project, tmp_path: Path, train: dict[str, Any]) -> None:
    write_contract(
        project,
        "eval",
        EVAL.replace("RELATIONS", 'disjoint_from=[dataguard.Disjoint("train", on=["carrier", "region"])]'),
    )

    report = validate("eval", csv(tmp_path, "eval", EVAL_ROWS))

    check = "leak(train v1: carrier, region)"
    assert quarantined(report) == {
        1: [("leak", "carrier, region", check, "train v1 _row_id 0")],
        2: [("leak", "carrier, region", check, "train v1 _row_id 0")],
        3: [("leak", "carrier, region", check, "train v1 _row_id 1")],
        4: [("leak", "carrier, region", check, "train v1 _row_id 3")],
    }


DUPLICATED = pd.DataFrame(
    {
        "flight": [1, 2, 1, 3, 1, 2, 4, 4],
        "carrier": ["AA", "UA", "aa", None, "AA ", "UA", None, None],
        "region": ["us", "eu", "us", "us", "us", "eu", None, None],
        "seats": [100, 80, 100, 90, 100, 81, 5, 5],
    }
)


@pytest.mark.parametrize(
    ("relations", "column", "expected"),
    [
        ("duplicates=dataguard.Duplicates()", None, {2: 0, 4: 0, 7: 6}),
        ('duplicates=dataguard.Duplicates(on="flight")', "flight", {2: 0, 4: 0, 5: 1, 7: 6}),
        ('duplicates=dataguard.Duplicates(on=["carrier", "flight"])', "carrier, flight", {2: 0, 4: 0, 5: 1}),
    ],
)
def test_a_later_repeat_of_a_row_is_quarantined_naming_the_first(
    project: Project, tmp_path: Path, relations: str, column: str | None, expected: dict[int, int]
) -> None:
    write_contract(project, "rows", EVAL.replace("RELATIONS", relations))

    report = validate("rows", csv(tmp_path, "rows", DUPLICATED))

    check = f"duplicate({column or 'row'})"
    assert quarantined(report) == {
        row: [("duplicate", column, check, f"_row_id {first}")] for row, first in expected.items()
    }
    assert report["relations"][0]["dataset"] is None


TEXTS = """
import pandera.pandas as pa

import dataguard


class schema(pa.DataFrameModel):
    id: int
    text: str = pa.Field(nullable=True)


contract = dataguard.Contract(gate=dataguard.GatePolicy(max_quarantined_fraction=1.0), RELATIONS)
"""

WORDS = [f"word{n}" for n in range(20)]
BASE = " ".join(WORDS)  # 20 words: 18 shingles of 3
LAST_CHANGED = " ".join([*WORDS[:-1], "zebra"])  # 17 of 19 shingles shared: jaccard 17/19 = 0.895
MIDDLE_CHANGED = " ".join([*WORDS[:10], "zebra", *WORDS[11:]])  # 15 of 21 shared: 0.714


def test_near_duplicate_text_leaks_above_the_threshold_only(project: Project, tmp_path: Path) -> None:
    write_contract(project, "train", TEXTS.replace("RELATIONS", "keys=['id']"))
    train = pd.DataFrame({"id": [1, 2], "text": ["Something else entirely, of five words", BASE]})
    validate("train", csv(tmp_path, "train", train))
    near = "near=dataguard.NearDuplicates('text', threshold=0.8)"
    write_contract(
        project, "eval", TEXTS.replace("RELATIONS", f"disjoint_from=[dataguard.Disjoint('train', on='id', {near})]")
    )
    evaluation = pd.DataFrame(
        {"id": [10, 11, 12, 13, 2], "text": [BASE.upper() + "!", LAST_CHANGED, MIDDLE_CHANGED, None, "no words alike"]}
    )

    report = validate("eval", csv(tmp_path, "eval", evaluation))

    near_check = "leak(train v1: near text >= 0.8)"
    assert quarantined(report) == {
        0: [("leak", "text", near_check, "train v1 _row_id 1 (jaccard 1.000)")],
        1: [("leak", "text", near_check, "train v1 _row_id 1 (jaccard 0.895)")],
        4: [("leak", "id", "leak(train v1: id)", "train v1 _row_id 1")],
    }
    assert [r["check"] for r in report["relations"]] == ["leak(train v1: id)", near_check]


def test_near_duplicates_within_a_version_point_at_the_earlier_row(project: Project, tmp_path: Path) -> None:
    dup = "duplicates=dataguard.Duplicates(on='id', near=dataguard.NearDuplicates(['text'], threshold=0.85))"
    write_contract(project, "texts", TEXTS.replace("RELATIONS", dup))
    rows = pd.DataFrame({"id": [1, 2, 3, 4, 1], "text": [BASE, MIDDLE_CHANGED, LAST_CHANGED, BASE, "other"]})

    report = validate("texts", csv(tmp_path, "texts", rows))

    near_check = "duplicate(near text >= 0.85)"
    assert quarantined(report) == {
        2: [("duplicate", "text", near_check, "_row_id 0 (jaccard 0.895)")],
        3: [("duplicate", "text", near_check, "_row_id 0 (jaccard 1.000)")],
        4: [("duplicate", "id", "duplicate(id)", "_row_id 0")],
    }


@pytest.mark.parametrize(
    ("relations", "message"),
    [
        (
            'dataguard.References(columns=["carier"], dataset="carriers")',
            "line 13: References to carriers names column 'carier', not in the schema",
        ),
        (
            'dataguard.References(columns=["carrier", "region"], dataset="carriers", to=["carrier"])',
            "line 15: References: columns ['carrier', 'region'] and to ['carrier'] must have the same length",
        ),
        (
            'dataguard.References(columns="carrier", dataset="flights")',
            "line 13: References names the contract's own dataset 'flights'",
        ),
        (
            'dataguard.References(columns="carrier", dataset="../x")',
            "line 15: References: dataset must be a dataset name",
        ),
        (
            'dataguard.References(columns="carrier", dataset="carriers", version=0)',
            "line 15: References: version must be a version number (1 or more) or None, got 0",
        ),
    ],
)
def test_a_relation_that_cannot_be_checked_is_a_contract_error(
    project: Project, tmp_path: Path, relations: str, message: str
) -> None:
    flights_contract(project, relations)

    result = run("validate", "flights", csv(tmp_path, "flights", FLIGHT_ROWS))

    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_referenced_column_the_other_dataset_lacks_is_a_contract_error(
    project: Project, tmp_path: Path, carriers: dict[str, Any]
) -> None:
    flights_contract(project, 'dataguard.References(columns=["carrier"], dataset="carriers", to="code")')

    result = run("validate", "flights", csv(tmp_path, "flights", FLIGHT_ROWS))

    assert result.exit_code == 2
    assert "References to carriers v1: it has no column 'code'" in result.output
    assert "its columns: carrier, region, name" in result.output
    assert run_json("versions", "flights") == (0, [])
