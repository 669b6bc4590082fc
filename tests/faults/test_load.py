"""Load: 2,000 columns, 1 MB strings, a category with 1M distinct values (1,000 versions: test_a_thousand_versions).

Runs finish, rows are conserved, reports cap what they show and say so. The
cases run the real CLI. Peak memory of those runs is measured by
``tests/bench/bench_load.py``, not asserted here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataguard.measure.profile import TOP_CATEGORIES
from dataguard.project import Project
from dataguard.publish.html_drift import DRIFT_PLOT_CAP
from tests.cleanrows import clean_of
from tests.conftest import write_contract
from tests.test_cli import run_json


def wide_contract(columns: int) -> str:
    fields = "\n".join(f"        c{i}: float = pa.Field(ge=0)" for i in range(columns))
    return f"""
    import pandera.pandas as pa


    class schema(pa.DataFrameModel):
{fields}
"""


def test_two_thousand_columns(prefect_harness: None, project: Project, tmp_path: Path) -> None:
    write_contract(project, "wide", wide_contract(2_000))
    for number, shift in ((1, 0.0), (2, 5.0)):  # v2: every column moves by 5
        table = pa.table({f"c{i}": pa.array([float(r % 7) + shift for r in range(200)]) for i in range(2_000)})
        if number == 2:
            table = table.set_column(3, "c3", pa.array([-1.0] + [3.0] * 199))
        pq.write_table(table, tmp_path / f"wide-{number}.parquet")

    code, first = run_json("validate", "wide", tmp_path / "wide-1.parquet")
    assert (code, first["verdict"], first["rows"]["input"]) == (0, "PASS", 200)
    code, second = run_json("validate", "wide", tmp_path / "wide-2.parquet")

    assert (code, second["rows"]["quarantined"]) == (0, 1)
    assert second["quarantine_reasons"] == [{"code": "greater_than_or_equal_to", "column": "c3", "rows": 1}]
    assert len(second["checks"]) == 4_000  # ge and not_nullable per column
    assert len(second["profiles"]) == 2_001
    html = Path(second["paths"]["report_html"]).read_text()
    assert html.count("<svg") == DRIFT_PLOT_CAP
    assert html.count("No plot: plots are drawn for the first 40 columns only") == 2_000 - DRIFT_PLOT_CAP


def test_one_megabyte_strings(prefect_harness: None, project: Project, tmp_path: Path) -> None:
    write_contract(
        project,
        "texts",
        """
        import pandera.pandas as pa


        class schema(pa.DataFrameModel):
            id: int
            body: str = pa.Field(str_length={"max_value": 2_000_000})
        """,
    )
    big = "x" * 1_000_000
    bodies = [big, "short", big + "y" * 1_000_001, big]
    source = tmp_path / "texts.jsonl"
    source.write_text("".join(json.dumps({"id": i, "body": b}) + "\n" for i, b in enumerate(bodies)))

    code, report = run_json("validate", "texts", source)

    assert (code, report["rows"]["clean"], report["rows"]["quarantined"]) == (1, 3, 1)  # 25% quarantined: FAIL
    clean = clean_of(report).column("body").to_pylist()
    assert [len(b) for b in clean] == [1_000_000, 5, 1_000_000]
    quarantined = pq.read_table(report["paths"]["quarantine"])
    assert len(quarantined.column("body")[0].as_py()) == 2_000_001  # kept whole in the quarantine
    html = Path(report["paths"]["report_html"]).read_text()
    assert len(html) < 200_000  # the sample cuts values; the page does not carry the megabytes
    assert "x" * 200 + "…" in html
    assert "x" * 201 not in html


@pytest.mark.parametrize("rows", [1_000_000])
def test_a_category_with_a_million_distinct_values(
    prefect_harness: None, project: Project, tmp_path: Path, rows: int
) -> None:
    write_contract(
        project,
        "users",
        """
        import pandera.pandas as pa


        class schema(pa.DataFrameModel):
            user: str
            n: int = pa.Field(ge=0)
        """,
    )
    for number in (1, 2):
        table = pa.table(
            {"user": pa.array([f"u{number}-{i}" for i in range(rows)]), "n": pa.array(range(rows), pa.int64())}
        )
        pq.write_table(table, tmp_path / f"users-{number}.parquet")

    assert run_json("validate", "users", tmp_path / "users-1.parquet")[0] == 0
    code, report = run_json("validate", "users", tmp_path / "users-2.parquet")

    assert (code, report["verdict"], report["rows"]["clean"]) == (0, "PASS", rows)
    profile = report["profiles"]["user"]
    assert abs(profile["distinct"] - rows) <= 0.05 * rows  # HyperLogLog: documented as a few percent off
    assert [c["value"] for c in profile["top_categories"]] == sorted(f"u2-{i}" for i in range(rows))[:TOP_CATEGORIES]
    html = Path(report["paths"]["report_html"]).read_text()
    assert len(html) < 2_000_000
