"""Hostile names and paths: quoted identifiers, confined paths, no pickles, formula-safe exports.

Covered elsewhere (not repeated): HTML injection through names, values and
categories is inert, in the page and inside the SVG plots
(tests/test_html_report.py test_hostile_*); control characters in JUnit
(tests/test_junit.py); slice predicates cannot read files, load extensions,
attach databases or change settings, with and without the parser check
(tests/test_slices.py test_where_must_be_one_expression_on_the_version_columns,
test_a_locked_connection_refuses_files_extensions_databases_and_settings,
test_without_the_parser_check_the_sandbox_still_refuses); dataset names that
are not plain folder names in ingest (tests/test_ingest.py); formula escaping
of =, +, -, @ (tests/test_review.py test_csv_export_cannot_run_formulas).
"""

from __future__ import annotations

import ast
import csv
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dataguard
from dataguard import catalog
from dataguard.app import flows
from dataguard.errors import SourceError
from dataguard.ingest.version import ingest
from dataguard.project import Project
from tests.catalog_sql import catalog_state
from tests.cleanrows import clean_of
from tests.conftest import REPO, write_contract
from tests.faults.conftest import CONTRACT
from tests.test_cli import run, run_json

pytestmark = pytest.mark.usefixtures("prefect_harness")

# -- column names that would break SQL built by pasting ------------------------------------------------

NAMES = ['a"b', "c;d", "e--f", "g\th", "h\ni", 'x"; DROP TABLE runs; --']
HOSTILE = f"""
    import pandera.pandas as pa

    import dataguard

    NAMES = {NAMES!r}
    schema = pa.DataFrameSchema(
        {{
            NAMES[0]: pa.Column(int, pa.Check.ge(0)),
            NAMES[1]: pa.Column(str, pa.Check.isin(["x", "y"])),
            NAMES[2]: pa.Column(float, nullable=True),
            NAMES[3]: pa.Column(str, unique=True),
            NAMES[4]: pa.Column(int),
            NAMES[5]: pa.Column(str),
        }}
    )
    contract = dataguard.Contract(
        keys=[NAMES[0]],
        gate=dataguard.GatePolicy(max_quarantined_fraction=0.5),
        drift=dataguard.DriftSettings(columns=[dataguard.ColumnDrift(NAMES[2]), dataguard.ColumnDrift(NAMES[1])]),
    )
"""


TYPES = [pa.int64(), pa.string(), pa.float64(), pa.string(), pa.int64(), pa.string()]


def hostile_parquet(path: Path, rows: list[tuple[object, ...]]) -> Path:
    """Parquet, because it can carry every name (a CSV header cannot hold a line break: see below)."""
    columns = [pa.array([row[i] for row in rows], kind) for i, kind in enumerate(TYPES)]
    pq.write_table(pa.table(dict(zip(NAMES, columns, strict=True))), path)
    return path


def test_hostile_column_names_are_quoted_everywhere(project: Project, tmp_path: Path) -> None:
    write_contract(project, "hostile", HOSTILE)
    v1 = hostile_parquet(
        tmp_path / "v1.parquet",
        [(1, "x", 0.5, "u1", 7, "'; --"), (2, "y", None, "u2", 8, "z"), (2, "q", 1.5, "u2", 9, "z")],
    )
    v2 = hostile_parquet(tmp_path / "v2.parquet", [(3, "x", 0.25, "u3", 1, "z"), (4, "x", 0.75, "u4", 2, "z")])

    code, first = run_json("validate", "hostile", v1)

    assert (code, first["verdict"], first["rows"]["quarantined"]) == (1, "FAIL", 2)  # 2 of 3 rows: above 50%
    assert first["quarantine_reasons"] == [
        {"code": "duplicate_key", "column": 'a"b', "rows": 2},
        {"code": "field_uniqueness", "column": "g\th", "rows": 2},
        {"code": "isin", "column": "c;d", "rows": 1},
    ]
    assert clean_of(first).to_pylist() == [
        {"_row_id": 0, 'a"b': 1, "c;d": "x", "e--f": 0.5, "g\th": "u1", "h\ni": 7, 'x"; DROP TABLE runs; --': "'; --"}
    ]
    code, second = run_json("validate", "hostile", v2)
    assert (code, second["verdict"], second["reference_version"]) == (0, "PASS", None)  # v1 failed: no reference
    assert run("baseline", "set", "hostile", "1").exit_code == 0
    code, third = run_json("validate", "hostile", "--version", "2")
    assert (code, third["reference_version"]) == (0, 1)
    compared = sorted({d["column"] for d in third["drift"]} - {None})
    assert compared == sorted(NAMES[1:])  # every column but the key, an identifier
    assert third["drift_skipped"] == [
        {
            "column": NAMES[0],
            "reason": "the contract's key: an identifier, not a feature; "
            f"declare ColumnDrift({NAMES[0]!r}) to compare it anyway",
        }
    ]
    assert "runs" in catalog_state(project)  # type: ignore[operator]  # the runs table is still there
    code, listed = run_json("quarantine", "list", "hostile", "--version", "1", "--column", "g\th")
    assert (code, [r["row_id"] for r in listed]) == (0, [1, 2])


def test_a_csv_header_with_a_line_break_is_refused_by_name(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "names.csv"
    source.write_text('ok,"h\ni"\n1,2\n')

    with pytest.raises(SourceError) as caught:
        ingest(project, "ds", source)

    assert str(caught.value) == (
        f"{source}, line 1, column 2: column name 'h\\ni' holds a line break, which a CSV header cannot carry "
        "reliably\n  hint: rename the column in the source (Parquet keeps such names)"
    )


# -- dataset names, versions and paths -------------------------------------------------------------------

BAD_NAMES = ["../../x", "/etc/passwd", "a/../b", "..", "flights;rm", "x y"]
COMMANDS = [
    ["ingest", "{name}", "{file}"],
    ["validate", "{name}", "{file}"],
    ["gate", "{name}"],
    ["versions", "{name}"],
    ["report", "{name}"],
    ["history", "{name}"],
    ["quarantine", "list", "{name}", "--version", "1"],
    ["quarantine", "log", "{name}"],
    ["baseline", "set", "{name}", "1"],
    ["infer", "{name}", "{file}"],
]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]).replace(" {name}", ""))
def test_a_dataset_name_that_is_a_path_is_refused_by_every_command(
    project: Project, small: dict[str, Path], name: str, command: list[str]
) -> None:
    write_contract(project, "pets", CONTRACT)
    before = sorted(p for p in project.root.parent.rglob("*"))
    args = [part.format(name=name, file=small["v1"]) for part in command]

    result = run(*args)

    assert result.exit_code == 2, result.output
    assert f"invalid dataset name {name!r}" in " ".join(result.stderr.split())
    assert sorted(p for p in project.root.parent.rglob("*")) == before


@pytest.mark.parametrize("value", ["../../x", "/etc/passwd", "1;2", "-1x"])
def test_a_version_argument_that_is_not_a_number_is_refused(project: Project, value: str) -> None:
    write_contract(project, "pets", CONTRACT)

    result = run("gate", "pets", "--version", value)

    assert result.exit_code == 2
    message = " ".join(result.stderr.replace("│", " ").split())
    assert "Invalid value for '--version'" in message
    assert f"{value!r} is not a valid int range." in message  # click's wording for a bounded integer (1 to 2^31-1)


def test_a_symlink_from_the_warehouse_to_elsewhere_is_never_followed(
    project: Project, small: dict[str, Path], tmp_path: Path
) -> None:
    write_contract(project, "pets", CONTRACT)
    outside = tmp_path / "outside"
    (outside / "2").mkdir(parents=True)
    (outside / "2" / "keep.txt").write_text("not dataguard's")
    project.warehouse.mkdir(parents=True)
    (project.warehouse / "pets").symlink_to(outside, target_is_directory=True)

    result = run("validate", "pets", small["v1"], "--json")

    assert result.exit_code == 2
    message = json.loads(result.stdout)["error"]["message"]
    assert message == (
        f"{project.warehouse / 'pets'} leads to {outside.resolve()}, outside the warehouse "
        f"{project.warehouse.resolve()}; refusing to follow it\n"
        "  hint: remove the symlink from the warehouse (dataguard never writes or reads data outside it)"
    )
    assert sorted(str(p.relative_to(outside)) for p in outside.rglob("*")) == ["2", "2/keep.txt"]


def swap_for_a_symlink(path: Path, elsewhere: Path) -> None:
    """``path`` becomes a link to a copy of itself at ``elsewhere``: the same bytes, outside the warehouse."""
    shutil.copy(path, elsewhere)
    path.unlink()
    path.symlink_to(elsewhere)


def refused_as_outside(project: Project, link: Path, elsewhere: Path) -> None:
    with pytest.raises(dataguard.GateClosed) as closed:
        dataguard.open_validated("pets", project=project)
    assert closed.value.reasons == [
        f"version 1: {link} leads to {elsewhere.resolve()}, outside the warehouse {project.warehouse.resolve()}; "
        "refusing to follow it"
    ]


def test_clean_data_swapped_for_a_symlink_out_of_the_warehouse_is_not_handed_to_training(
    project: Project, small: dict[str, Path], tmp_path: Path
) -> None:
    write_contract(project, "pets", CONTRACT)
    code, _ = run_json("validate", "pets", small["v1"])
    assert code == 0
    clean = dataguard.open_validated("pets", project=project).clean_path  # the first open makes the file
    elsewhere = tmp_path / "elsewhere.parquet"
    swap_for_a_symlink(clean, elsewhere)

    refused_as_outside(project, clean, elsewhere)
    trained = run("train", "pets", "--max-minutes", "1", "--", "true")
    assert trained.exit_code == 1


def test_a_version_file_swapped_for_a_symlink_is_not_read_to_make_the_clean_file(
    project: Project, small: dict[str, Path], tmp_path: Path
) -> None:
    write_contract(project, "pets", CONTRACT)
    code, report = run_json("validate", "pets", small["v1"])
    assert code == 0
    version = catalog.find_version(project.catalog, "pets", version=1)
    assert version is not None
    data = Path(version.data_path)
    elsewhere = tmp_path / "elsewhere.parquet"
    swap_for_a_symlink(data, elsewhere)  # the same bytes: only the place is wrong

    refused_as_outside(project, data, elsewhere)
    assert not Path(report["paths"]["clean"]).exists()


# -- nothing is unpickled -----------------------------------------------------------------------------

UNPICKLERS = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal", "shelve", "joblib"}


def test_the_package_imports_no_unpickler() -> None:
    found = []
    for path in sorted((REPO / "src" / "dataguard").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            found += [f"{path.name}: {n}" for n in names if n in UNPICKLERS]
            if isinstance(node, ast.keyword) and node.arg == "allow_pickle":
                found.append(f"{path.name}: allow_pickle")
    assert found == []


def test_prefect_persists_no_result() -> None:
    """Prefect would pickle a persisted result; no task or flow of dataguard asks for that."""
    stages = [
        "drift", "ingest", "load contract", "metric history", "publish", "reference", "row checks",
        "row checks: set checks and counts", "slice tests", "split", "verdict",
    ]  # fmt: skip
    tasks = [flows.stage_task(name) for name in stages] + [flows.check_partition_task]
    assert [task.name for task in tasks] == [*stages, "row checks: partition"]
    assert {task.name: task.persist_result for task in tasks} == dict.fromkeys((t.name for t in tasks), False)
    assert flows.validate_flow.persist_result is False


def test_the_warehouse_holds_only_parquet_json_and_text(project: Project, small: dict[str, Path]) -> None:
    write_contract(project, "pets", CONTRACT)
    assert run("validate", "pets", small["v1"], small["v2"]).exit_code == 0
    assert run("quarantine", "release", "pets", "--version", "1", "--rows", "0", "--note", "ok").exit_code == 0

    suffixes = {p.suffix for p in project.warehouse.rglob("*") if p.is_file()}

    assert suffixes <= {".parquet", ".json", ".md", ".html", ".sqlite", ".lock"}


# -- CSV export -------------------------------------------------------------------------------------------


def test_csv_export_escapes_tab_and_carriage_return_starts_and_hostile_headers(
    project: Project, tmp_path: Path
) -> None:
    write_contract(
        project,
        "notes",
        """
        import pandera.pandas as pa

        class schema(pa.DataFrameModel):
            n: int = pa.Field(ge=10)
            text: str
        """,
    )
    source = tmp_path / "notes.csv"
    source.write_text('n,text\n1,"\t=1+1"\n2,"\r=cmd|\' /C calc\'!A0"\n3,a-b\n', newline="")
    assert run("validate", "notes", source).exit_code == 1
    out = tmp_path / "q.csv"

    assert run("quarantine", "export", "notes", "--version", "1", "--format", "csv", "--out", out).exit_code == 0

    with out.open(newline="") as handle:
        cells = [row[2] for row in csv.reader(handle)][1:]
    assert cells == ["'\t=1+1", "'\r=cmd|' /C calc'!A0", "a-b"]
