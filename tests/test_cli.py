"""End to end through the CLI: the real Prefect flow, a real DuckDB catalog, real Parquet files."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import dataguard
from dataguard.app.cli import app
from dataguard.project import Project
from tests import catalog_sql
from tests.cleanrows import clean_of
from tests.conftest import FEB, JAN, project_template, restored

pytestmark = pytest.mark.usefixtures("prefect_harness")
runner = CliRunner()

JAN_REASONS = [
    {"code": "arr_delay_unless_cancelled", "column": None, "rows": 85},
    {"code": "plausible_ground_speed", "column": None, "rows": 2},
]
FEB_REASONS = [
    {"code": "arr_delay_unless_cancelled", "column": None, "rows": 79},
    {"code": "str_matches", "column": "tailnum", "rows": 1},
]


def run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def run_json(*args: str | Path) -> tuple[int, Any]:
    result = run(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


def _both_months(project: Project) -> list[dict[str, Any]]:
    code, reports = run_json("validate", "flights", JAN, FEB)
    assert code == 0
    return reports  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def validated_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list[dict[str, Any]]]:
    """Both sample months validated once for this module (see ``project_template``)."""
    return project_template(tmp_path_factory, "validated", _both_months)


@pytest.fixture
def validated_project(validated_once: tuple[Project, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch) -> Project:
    return restored(validated_once[0], monkeypatch)


@pytest.fixture
def validated(validated_project: Project, validated_once: tuple[Project, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return validated_once[1]


def test_validate_two_months_reports_exact_counts_and_reasons(validated: list[dict[str, Any]]) -> None:
    jan, feb = validated
    assert [r["version"] for r in validated] == [1, 2]
    assert (jan["verdict"], jan["gate_open"], jan["rows"]) == (
        "WARN",
        True,
        {"input": 27004, "clean": 26917, "quarantined": 87, "pending": 87, "released": 0, "rejected": 0},
    )
    assert (feb["verdict"], feb["gate_open"], feb["rows"]) == (
        "WARN",
        True,
        {"input": 24951, "clean": 24871, "quarantined": 80, "pending": 80, "released": 0, "rejected": 0},
    )
    assert jan["reasons"] == ["0.32% of rows quarantined (87 of 27,004)"]
    assert jan["quarantine_reasons"] == JAN_REASONS
    assert feb["quarantine_reasons"] == FEB_REASONS
    assert (jan["reference_version"], jan["reference_reason"], jan["drift"]) == (
        None,
        "no reference: this is the first validated version",
        [],
    )
    assert (feb["reference_version"], feb["reference_reason"]) == (
        1,
        "v1 is the newest earlier version whose gate opened",
    )
    assert feb["reasons"] == [
        "0.32% of rows quarantined (80 of 24,951)",
        *[
            f"drift in {c}: null_rate_change 0.0313 >= 0.01 (p=4e-85)"
            for c in ("dep_time", "dep_delay", "arr_time", "arr_delay", "air_time")
        ],
        "slice cancelled_rate: null_rate 0.0507 is above the maximum 0.05; inconclusive: "
        "the 95% interval [0.04804, 0.0535] on 24,871 rows holds the threshold",
    ]
    assert [(s["name"], s["passed"], s["skipped"]) for s in feb["slices"]][:6] == [
        ("all_rows", True, False),
        ("jfk_share", True, False),
        ("cancelled_rate", False, False),
        ("late_arrival_rate", True, False),
        ("night_departures", True, False),
        ("ewr_evening_mean_arr_delay", True, False),
    ]
    assert all(s["skipped"] and s["passed"] for s in feb["slices"][6:])  # model slices need predictions
    assert {
        "name": "duplicate_key(year, month, day, carrier, flight, origin, sched_dep_time)",
        "column": "year, month, day, carrier, flight, origin, sched_dep_time",
        "code": "duplicate_key",
        "failed_rows": 0,
        "severity": "block",
    } in [{k: v for k, v in c.items() if k != "fingerprint"} for c in jan["checks"]]
    assert {
        "name": "str_matches('^N[0-9A-Z]+$')",
        "column": "tailnum",
        "code": "str_matches",
        "failed_rows": 1,
        "severity": "quarantine",
    } in [{k: v for k, v in c.items() if k != "fingerprint"} for c in feb["checks"]]


def test_outputs_hold_every_row_once(validated: list[dict[str, Any]]) -> None:
    for report in validated:
        clean = clean_of(report)
        quarantine = pq.read_table(report["paths"]["quarantine"])
        ids = clean.column("_row_id").to_pylist() + quarantine.column("_row_id").to_pylist()
        assert sorted(ids) == list(range(report["rows"]["input"]))
        assert (clean.num_rows, quarantine.num_rows) == (report["rows"]["clean"], report["rows"]["quarantined"])
        assert quarantine.schema.names == [*clean.schema.names, "_reasons"]


def test_january_quarantine_is_exactly_the_rows_pandas_finds(validated: list[dict[str, Any]]) -> None:
    import pandas as pd

    frame = pd.read_csv(JAN)
    mph = frame["distance"] / (frame["air_time"] / 60)
    diverted = frame["dep_time"].notna() & frame["arr_delay"].isna()
    implausible = frame["air_time"].notna() & ~mph.between(100, 650)
    expected = sorted(frame.index[diverted | implausible])
    quarantine = pq.read_table(validated[0]["paths"]["quarantine"])
    assert quarantine.column("_row_id").to_pylist() == expected
    assert quarantine.column("flight").to_pylist() == frame.loc[expected, "flight"].tolist()


def test_reports_are_written_and_match_stdout(validated: list[dict[str, Any]]) -> None:
    for report in validated:
        on_disk = json.loads(Path(report["paths"]["report_json"]).read_text())
        assert on_disk == report
        markdown = Path(report["paths"]["report_md"]).read_text()
        assert markdown.startswith(f"# flights v{report['version']}: WARN\n")
        assert "| arr\\_delay\\_unless\\_cancelled | (row) |" in markdown


def test_catalog_records_versions_and_finished_runs(validated_project: Project) -> None:
    with catalog_sql.reading(validated_project) as con:
        versions = con.execute(
            "SELECT version, row_count, status, source_format, size_bytes FROM versions ORDER BY version"
        ).fetchall()
        runs = con.execute(
            "SELECT version, state, verdict, gate_open, rows_input, rows_clean, rows_quarantined"
            " FROM runs ORDER BY version"
        ).fetchall()
        failed = con.execute(
            "SELECT code, sum(failed_rows) FROM check_results GROUP BY code HAVING sum(failed_rows) > 0 ORDER BY code"
        ).fetchall()
    assert versions == [
        (1, 27004, "validated", "csv", JAN.stat().st_size),
        (2, 24951, "validated", "parquet", FEB.stat().st_size),
    ]
    assert runs == [
        (1, "finished", "WARN", True, 27004, 26917, 87),
        (2, "finished", "WARN", True, 24951, 24871, 80),
    ]
    assert failed == [("arr_delay_unless_cancelled", 164), ("plausible_ground_speed", 2), ("str_matches", 1)]


def test_gate_opens_on_a_validated_version(validated: list[dict[str, Any]]) -> None:
    result = run("gate", "flights")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "gate open for flights v2 (WARN)"
    code, doc = run_json("gate", "flights", "--version", "1")
    jan = validated[0]
    clean = Path(jan["paths"]["clean"])
    expected = {
        "dataset": "flights",
        "version": 1,
        "open": True,
        "verdict": "WARN",
        "reasons": ["0.32% of rows quarantined (87 of 27,004)"],
        "fingerprint": "sha256:" + hashlib.sha256(JAN.read_bytes()).hexdigest(),
        "clean_fingerprint": None,  # the clean file is made on the first open, its fingerprint recorded then
        "clean_path": str(clean),
    }
    assert (code, doc, clean.exists()) == (0, expected, False)
    dataguard.open_validated("flights", version=1)
    code, doc = run_json("gate", "flights", "--version", "1")
    made = "sha256:" + hashlib.sha256(clean.read_bytes()).hexdigest()
    assert (code, doc) == (0, expected | {"clean_fingerprint": made})


def test_open_validated_gives_the_newest_clean_data(
    validated_project: Project, validated: list[dict[str, Any]]
) -> None:
    opened = dataguard.open_validated("flights", project=validated_project.root)
    assert (opened.version, opened.verdict, str(opened.clean_path)) == (2, "WARN", validated[1]["paths"]["clean"])
    assert opened.fingerprint == validated[1]["fingerprint"]
    assert dataguard.open_validated("flights", version=1, project=validated_project.root).version == 1


def test_versions_lists_oldest_first(validated: list[dict[str, Any]]) -> None:
    code, rows = run_json("versions", "flights")
    assert code == 0
    assert [(r["version"], r["rows"], r["verdict"], r["fingerprint"]) for r in rows] == [
        (1, 27004, "WARN", validated[0]["fingerprint"]),
        (2, 24951, "WARN", validated[1]["fingerprint"]),
    ]
    assert set(rows[0]) >= {"version", "fingerprint", "rows", "verdict", "created"}


def test_report_gives_the_paths_of_the_latest_run(validated: list[dict[str, Any]]) -> None:
    code, doc = run_json("report", "flights", "--version", "1")
    assert code == 0
    assert (doc["report_json"], doc["report_md"], doc["report_html"]) == (
        validated[0]["paths"]["report_json"],
        validated[0]["paths"]["report_md"],
        validated[0]["paths"]["report_html"],
    )


def test_ingest_is_idempotent_by_content(flights_project: Project, tmp_path: Path) -> None:
    assert run_json("ingest", "flights", JAN)[1] == {
        "dataset": "flights",
        "version": 1,
        "fingerprint": dataguard.ingest.version.fingerprint(JAN),
        "rows": 27004,
        "new": True,
    }
    copy = tmp_path / "same-bytes.csv"
    shutil.copy(JAN, copy)
    code, again = run_json("ingest", "flights", copy)
    assert (code, again["version"], again["new"]) == (0, 1, False)


def test_an_ingested_but_unvalidated_version_keeps_the_gate_closed(flights_project: Project) -> None:
    run("ingest", "flights", JAN)
    code, doc = run_json("gate", "flights")
    assert (code, doc["open"], doc["verdict"]) == (1, False, None)
    assert doc["reasons"] == ["version 1 has no finished validation run (run: dataguard validate flights --version 1)"]
    with pytest.raises(dataguard.GateClosed, match="no version has an open gate"):
        dataguard.open_validated("flights", project=flights_project.root)
    code, report = run_json("validate", "flights", "--version", "1")
    assert (code, report["version"], report["verdict"]) == (0, 1, "WARN")


def test_a_failing_version_closes_the_gate_and_exits_1(flights_project: Project) -> None:
    contract = flights_project.contract_path("flights")
    contract.write_text(contract.read_text().replace("max_quarantined_fraction=0.25", "max_quarantined_fraction=0.001"))
    code, report = run_json("validate", "flights", JAN)
    assert (code, report["verdict"], report["gate_open"]) == (1, "FAIL", False)
    assert report["reasons"] == ["0.32% of rows quarantined (87 of 27,004), above the 0.10% allowed"]
    gate = run("gate", "flights")
    assert gate.exit_code == 1
    assert gate.stdout.splitlines() == [
        "gate closed for flights v1 (FAIL)",
        "  0.32% of rows quarantined (87 of 27,004), above the 0.10% allowed",
    ]
    with pytest.raises(dataguard.GateClosed) as closed:
        dataguard.open_validated("flights", project=flights_project.root)
    assert closed.value.reasons == [
        "no version has an open gate",
        "0.32% of rows quarantined (87 of 27,004), above the 0.10% allowed",
    ]


def test_strict_makes_warn_exit_1(flights_project: Project) -> None:
    assert run("validate", "flights", FEB, "--strict").exit_code == 1
    assert run("gate", "flights").exit_code == 0  # the gate itself follows the contract, not the flag


def test_warn_blocks_policy_closes_the_gate(flights_project: Project) -> None:
    contract = flights_project.contract_path("flights")
    contract.write_text(
        contract.read_text().replace(
            "max_quarantined_fraction=0.25,", "max_quarantined_fraction=0.25, warn_blocks=True,"
        )
    )
    code, report = run_json("validate", "flights", FEB)
    assert (code, report["verdict"], report["gate_open"]) == (1, "WARN", False)
    code, doc = run_json("gate", "flights")
    assert (code, doc["reasons"]) == (
        1,
        [
            "the contract's gate policy blocks on WARN",
            "0.32% of rows quarantined (80 of 24,951)",
            "slice cancelled_rate: null_rate 0.0507 is above the maximum 0.05; inconclusive: "
            "the 95% interval [0.04804, 0.0535] on 24,871 rows holds the threshold",
        ],
    )


def test_report_md_is_a_prefect_artifact(flights_project: Project) -> None:
    from prefect.client.orchestration import get_client

    code, report = run_json("validate", "flights", FEB, "--prefect")
    assert code == 0
    validated = [None, report]

    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts()  # one per key: the newest
    latest = {a.key: a for a in artifact}
    assert latest["dataguard-flights"].data == Path(validated[1]["paths"]["report_md"]).read_text()
    table = latest["dataguard-flights-quarantine"]
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert (table.type, rows) == ("table", validated[1]["quarantine_reasons"])


def test_init_then_infer_writes_a_contract_that_validates_its_own_sample(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    assert run("init", root).exit_code == 0
    assert sorted(p.name for p in root.iterdir()) == [".gitignore", "data", "flows", "schemas"]
    assert run("infer", "flights", JAN, "--project", root).exit_code == 0
    source = (root / "schemas" / "flights.py").read_text()
    carriers = "['9E', 'AA', 'AS', 'B6', 'DL', 'EV', 'F9', 'FL', 'HA', 'MQ', 'OO', 'UA', 'US', 'VX', 'WN', 'YV']"
    assert f"    carrier: str = pa.Field(isin={carriers}, nullable=False)" in source
    assert "    dep_time: float = pa.Field(ge=1.0, le=2359.0, nullable=True)" in source
    assert "    year: int = pa.Field(ge=2013, le=2013, nullable=False)" in source
    code, report = run_json("validate", "flights", JAN, "--project", root)
    assert (code, report["verdict"], report["rows"]) == (
        0,
        "PASS",
        {"input": 27004, "clean": 27004, "quarantined": 0, "pending": 0, "released": 0, "rejected": 0},
    )
    assert run("infer", "flights", JAN, "--project", root).exit_code == 2  # never overwrites without --force


def test_published_report_html_renders_in_chromium(validated: list[dict[str, Any]], tmp_path: Path) -> None:
    from tests.browser import SKIP_MESSAGE, find_chromium, open_page, png_size

    page = Path(validated[1]["paths"]["report_html"])
    html = page.read_text()
    assert "<script" not in html
    assert "flights v2" in html
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(SKIP_MESSAGE)
    browser = open_page(chromium, page, tmp_path)
    assert browser.console == []
    assert png_size(browser.screenshot) == (1366, 900)
    assert "0.32% of rows quarantined (80 of 24,951)" in browser.dom
    assert "arr_delay_unless_cancelled" in browser.dom


def test_junit_lists_checks_as_test_cases(flights_project: Project, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    out = tmp_path / "dataguard.xml"
    assert run("validate", "flights", FEB, "--junit", out).exit_code == 0
    root = ET.parse(out).getroot()
    suites = {suite.get("name"): suite for suite in root}
    assert list(suites) == ["flights.checks", "flights.drift", "flights.slices", "flights.verdict"]
    checks = suites["flights.checks"]
    skipped = [case.get("name") for case in checks if case.find("skipped") is not None]
    assert skipped == ["tailnum: str_matches('^N[0-9A-Z]+$')", "arr_delay_unless_cancelled"]
    assert (checks.get("failures"), checks.get("skipped")) == ("0", "2")


def null_share(report: dict[str, Any], column: str) -> float:
    values = clean_of(report, [column]).column(column)
    return values.null_count / len(values)


def test_drift_and_slice_figures_match_the_clean_files(validated: list[dict[str, Any]]) -> None:
    jan, feb = validated
    expected = null_share(feb, "dep_time") - null_share(jan, "dep_time")
    change = next(d for d in feb["drift"] if d["column"] == "dep_time" and d["metric"] == "null_rate_change")
    assert change["statistic"] == pytest.approx(expected, abs=1e-12)
    assert (change["drifted"], change["severity"], change["threshold"]) == (True, "warn", 0.01)
    cancelled = next(s for s in feb["slices"] if s["name"] == "cancelled_rate")
    assert cancelled["value"] == pytest.approx(null_share(feb, "dep_time"), abs=1e-12)
    assert cancelled["reference_value"] == pytest.approx(null_share(jan, "dep_time"), abs=1e-12)
    quiet = {c["column"] for c in feb["drift_columns"] if c["severity"] == "none"}
    assert quiet == {"sched_dep_time", "sched_arr_time", "carrier", "origin", "dest", "distance", "hour", "minute"}
