"""Replay and --affected: what the current contract would move in a published version, and which training
runs read rows it now rejects."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dataguard.project import Project
from tests.conftest import write_contract
from tests.test_cli import run, run_json

CONTRACT = """
import pandera.pandas as pa

import dataguard


class schema(pa.DataFrameModel):
    id: int
    price: float = pa.Field(CHECK)
    shop: str


contract = dataguard.Contract(gate=dataguard.GatePolicy(max_quarantined_fraction=0.9))
"""

ROWS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6],
        "price": [-1.0, 2.0, 7.0, 12.0, 3.0, 20.0],
        "shop": ["a", "b", "a", "c", "a", "b"],
    }
)


def reason(code: str, check: str, value: str) -> dict[str, str]:
    return {"code": code, "column": "price", "check": check, "value": value}


@pytest.fixture
def published(project: Project, tmp_path: Path) -> dict[str, Any]:
    write_contract(project, "prices", CONTRACT.replace("CHECK", "ge=0"))
    source = tmp_path / "prices.csv"
    ROWS.to_csv(source, index=False)
    code, report = run_json("validate", "prices", source)
    assert code == 0
    return report  # type: ignore[no-any-return]


def test_replay_lists_rows_moving_both_ways_with_their_reasons(project: Project, published: dict[str, Any]) -> None:
    write_contract(project, "prices", CONTRACT.replace("CHECK", "in_range={'min_value': 2.5, 'max_value': 15}"))

    code, found = run_json("replay", "prices")

    assert code == 0
    rng = "in_range(2.5, 15)"
    assert {k: found[k] for k in ("dataset", "version", "rows", "quarantined_then", "quarantined_now")} == {
        "dataset": "prices",
        "version": 1,
        "rows": 6,
        "quarantined_then": 1,
        "quarantined_now": 3,
    }
    assert (found["to_quarantine"], found["to_clean"]) == (2, 0)
    assert found["moves"] == [
        {
            "row_id": 1,
            "to": "quarantine",
            "reasons": [{"code": "in_range", "column": "price", "check": rng, "value": "2.0"}],
        },
        {
            "row_id": 5,
            "to": "quarantine",
            "reasons": [{"code": "in_range", "column": "price", "check": rng, "value": "20.0"}],
        },
    ]
    assert found["moved_by"] == [{"to": "quarantine", "code": "in_range", "column": "price", "rows": 2}]
    assert found["run_id"] == published["run_id"]
    assert found["ran_fingerprint"] == published["contract"]["fingerprint"]
    assert found["contract_fingerprint"] != published["contract"]["fingerprint"]
    assert found["checks_changed"] == [
        {"name": rng, "column": "price", "change": "added"},
        {"name": "greater_than_or_equal_to(0)", "column": "price", "change": "removed"},
    ]


def test_replay_of_a_loosened_contract_lets_rows_back(project: Project, published: dict[str, Any]) -> None:
    write_contract(project, "prices", CONTRACT.replace("CHECK", "ge=-5"))

    code, found = run_json("replay", "prices", "--version", "1")

    assert code == 0
    assert (found["to_quarantine"], found["to_clean"], found["quarantined_now"]) == (0, 1, 0)
    ge = "greater_than_or_equal_to(0)"
    assert found["moves"] == [
        {
            "row_id": 0,
            "to": "clean",
            "reasons": [{"code": "greater_than_or_equal_to", "column": "price", "check": ge, "value": "-1.0"}],
        }
    ]
    assert found["moved_by"] == [{"to": "clean", "code": "greater_than_or_equal_to", "column": "price", "rows": 1}]


def test_replay_of_an_unchanged_contract_moves_nothing_and_publishes_nothing(
    project: Project, published: dict[str, Any]
) -> None:
    code, found = run_json("replay", "prices")
    text = run("replay", "prices")

    assert code == 0
    assert (found["to_quarantine"], found["to_clean"], found["moves"], found["checks_changed"]) == (0, 0, [], [])
    assert found["contract_fingerprint"] == found["ran_fingerprint"] == published["contract"]["fingerprint"]
    assert text.exit_code == 0
    assert text.output.splitlines()[0] == (
        f"prices v1, against run {published['run_id']}: 0 clean row(s) would be quarantined, 0 quarantined row(s) "
        "would be clean (1 quarantined then, 1 now, of 6)"
    )
    code, versions = run_json("versions", "prices")
    assert [v["verdict"] for v in versions] == ["WARN"]
    code, report = run_json("report", "prices")
    assert report["report_json"] == published["paths"]["report_json"]


def test_runs_affected_counts_the_rows_each_training_run_read_that_the_contract_now_rejects(
    project: Project, published: dict[str, Any]
) -> None:
    trained = run("train", "prices", "--max-minutes", "1", "--", sys.executable, "-c", "pass")
    assert trained.exit_code == 0
    code, none = run_json("runs", "prices", "--affected")
    assert (code, none) == (0, [])
    write_contract(project, "prices", CONTRACT.replace("CHECK", "in_range={'min_value': 2.5, 'max_value': 15}"))

    code, affected = run_json("runs", "prices", "--affected")

    assert code == 0
    assert [(a["version"], a["revision"], a["rows_rejected"], a["rejected_by"]) for a in affected] == [
        (1, 0, 2, [{"code": "in_range", "column": "price", "rows": 2}])
    ]
    assert affected[0]["run_id"] == published["run_id"]
    text = run("runs", "prices", "--affected").output.splitlines()
    assert text[0] == "prices: 1 training run(s) read rows the current contract rejects"
    assert text[2] == "    2 rows rejected now: in_range (price) 2"


KNOWN_SHOP = """
    @pa.check("shop", name="known_shop")
    def known_shop(cls, shop):
        return shop.isin(SHOPS)
"""
WITH_CUSTOM = CONTRACT.replace("    shop: str\n", "    shop: str\n" + KNOWN_SHOP).replace(
    "import dataguard\n", "import dataguard\n\nSHOPS = ['a', 'b', 'c']\n"
)


def test_a_changed_custom_check_body_changes_its_fingerprint(project: Project, tmp_path: Path) -> None:
    write_contract(project, "prices", WITH_CUSTOM.replace("CHECK", "ge=0"))
    source = tmp_path / "prices.csv"
    ROWS.to_csv(source, index=False)
    assert run("validate", "prices", source).exit_code == 0
    write_contract(
        project, "prices", WITH_CUSTOM.replace("CHECK", "ge=0").replace("return shop.isin", "return ~shop.isin")
    )

    code, found = run_json("replay", "prices")

    assert code == 0
    assert found["checks_changed"] == [
        {"name": "known_shop", "column": "shop", "change": "added"},
        {"name": "known_shop", "column": "shop", "change": "removed"},
    ]
    assert (found["to_quarantine"], found["to_clean"]) == (5, 0)  # every row but the one already quarantined
