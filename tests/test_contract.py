"""The data contract (schemas/<dataset>.py) and finding the project that holds it."""

from __future__ import annotations

from pathlib import Path

import pandera.pandas as pa
import pytest

from dataguard.checks.load import load_contract
from dataguard.errors import BadInput, ContractError, ProjectNotFound, UnknownDataset
from dataguard.project import Project, find_project, init_project
from dataguard.spec.contract import Contract, GatePolicy
from tests.conftest import write_contract

MODEL = """import pandera.pandas as pa


class schema(pa.DataFrameModel):
    id: int
    name: str
"""

RERUN_HINT = "  hint: fix the contract, then re-run; check it with: python {path}"


# -- contracts that load ----------------------------------------------------------------------


def test_schema_alone_is_a_complete_contract(project):
    path = write_contract(project, "people", MODEL)

    loaded = load_contract(project, "people")

    assert (loaded.dataset, loaded.path, loaded.columns) == ("people", path, ["id", "name"])
    assert loaded.contract == Contract()


def test_contract_defaults(project):
    write_contract(project, "people", MODEL)

    contract = load_contract(project, "people").contract

    assert contract.keys == ()
    assert contract.gate == GatePolicy(0.05, True, False, ())
    assert (contract.batch_rows, contract.encoding, contract.csv_delimiter) == (500_000, "utf-8", ",")


def test_dataframe_model_becomes_a_dataframe_schema(project):
    write_contract(project, "people", MODEL)

    schema = load_contract(project, "people").schema

    assert isinstance(schema, pa.DataFrameSchema)
    assert list(schema.columns) == ["id", "name"]


def test_dataframe_schema_is_a_schema_too(project):
    write_contract(
        project,
        "people",
        """
        import pandera.pandas as pa

        schema = pa.DataFrameSchema({"id": pa.Column(int), "score": pa.Column(float, nullable=True)})
        """,
    )

    loaded = load_contract(project, "people")

    assert loaded.columns == ["id", "score"]
    assert loaded.contract == Contract()


def test_declared_contract_is_read_exactly(project):
    write_contract(
        project,
        "people",
        MODEL
        + """
import dataguard

contract = dataguard.Contract(
    keys=["id", "name"],
    gate=dataguard.GatePolicy(
        max_quarantined_fraction=0.1, warn_on_quarantine=False, warn_blocks=True, block_checks=["duplicate_key"]
    ),
    batch_rows=500,
    encoding="latin-1",
    csv_delimiter=";",
)
""",
    )

    contract = load_contract(project, "people").contract

    assert contract == Contract(
        keys=("id", "name"),
        gate=GatePolicy(0.1, False, True, ("duplicate_key",)),
        batch_rows=500,
        encoding="latin-1",
        csv_delimiter=";",
    )


def test_a_single_key_given_as_a_string_is_one_key(project):
    write_contract(project, "people", MODEL + "\nimport dataguard\n\ncontract = dataguard.Contract(keys='id')\n")

    assert load_contract(project, "people").contract.keys == ("id",)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            from __future__ import annotations

            import pandera.pandas as pa
            from pandera.typing import Series


            class schema(pa.DataFrameModel):
                id: Series[int]
                name: Series[str]
            """,
            id="postponed-annotations",
        ),
        pytest.param(
            """
            from __future__ import annotations

            import dataclasses

            import pandera.pandas as pa


            @dataclasses.dataclass
            class Threshold:
                value: float


            class schema(pa.DataFrameModel):
                id: int
                name: str
            """,
            id="dataclass-in-contract",
        ),
    ],
)
def test_contract_loads_like_a_normal_module(project, source):
    write_contract(project, "people", source)

    assert load_contract(project, "people").columns == ["id", "name"]


# -- contracts that cannot be loaded -------------------------------------------------------------


BROKEN = [
    pytest.param(
        """
        import pandera.pandas as pa


        class schema(pa.DataFrameModel)
            id: int
        """,
        "{path}, line 4: syntax error: expected ':'\n" + RERUN_HINT,
        id="syntax-error",
    ),
    pytest.param(
        """
        import pandera.pandas as pa


        limit = undefined_name + 1
        """,
        "{path}, line 4: the contract failed to import: NameError: name 'undefined_name' is not defined\n" + RERUN_HINT,
        id="name-error-at-import",
    ),
    pytest.param(
        """
        import sys

        sys.exit(3)
        """,
        "{path}, line 3: the contract failed to import: SystemExit: 3\n" + RERUN_HINT,
        id="exit-at-import",
    ),
    pytest.param(
        """
        import pandera.pandas as pa

        columns = ["id"]
        """,
        "{path}: the contract defines no `schema`\n"
        "  hint: define `schema` as a pandera DataFrameModel subclass or DataFrameSchema (pandas backend)",
        id="no-schema",
    ),
    pytest.param(
        """
        import pandera.pandas as pa

        schema = {"id": int}
        """,
        "{path}, line 3: `schema` must be a pandera DataFrameModel subclass or DataFrameSchema (pandas backend), "
        "got dict",
        id="schema-of-wrong-type",
    ),
    pytest.param(
        MODEL + '\ncontract = {"keys": ["id"]}\n',
        "{path}, line 8: `contract` must be a dataguard.Contract, got dict",
        id="contract-of-wrong-type",
    ),
    pytest.param(
        MODEL + "\nimport dataguard\n\ncontract = dataguard.Contract(keys=['idd'])\n",
        "{path}, line 10: key column 'idd' is not in the schema\n  hint: did you mean 'id'?",
        id="unknown-key-close-to-a-column",
    ),
    pytest.param(
        MODEL + "\nimport dataguard\n\ncontract = dataguard.Contract(keys=['flight'])\n",
        "{path}, line 10: key column 'flight' is not in the schema\n  hint: schema columns: id, name",
        id="unknown-key",
    ),
    pytest.param(
        MODEL
        + """
import dataguard

contract = dataguard.Contract(
    keys=["id"],
    gate=dataguard.GatePolicy(
        max_quarantined_fraction=1.5,
    ),
)
""",
        "{path}, line 12: GatePolicy.max_quarantined_fraction must be within 0..1, got 1.5\n" + RERUN_HINT,
        id="fraction-above-1",
    ),
    pytest.param(
        MODEL + "\nimport dataguard\n\ncontract = dataguard.Contract(encoding='utf-9')\n",
        "{path}, line 10: Contract.encoding 'utf-9' is not a known text encoding\n"
        "  hint: use a Python codec name such as 'utf-8', 'latin-1' or 'cp1252'",
        id="unknown-encoding",
    ),
    pytest.param(
        MODEL + "\nimport dataguard\n\ncontract = dataguard.Contract(csv_delimiter='||')\n",
        "{path}, line 10: Contract.csv_delimiter must be one character other than a quote or newline, got '||'\n"
        + RERUN_HINT,
        id="long-delimiter",
    ),
    pytest.param(
        MODEL + "\nimport dataguard\n\ncontract = dataguard.Contract(batch_rows=0)\n",
        "{path}, line 10: Contract.batch_rows must be at least 1, got 0\n" + RERUN_HINT,
        id="no-batch-rows",
    ),
]


@pytest.mark.parametrize(("source", "message"), BROKEN)
def test_broken_contract_names_file_and_line(project, source, message):
    path = write_contract(project, "people", source)

    with pytest.raises(ContractError) as caught:
        load_contract(project, "people")

    assert caught.value.exit_code == 2
    assert str(caught.value) == message.format(path=path)


# -- unknown datasets --------------------------------------------------------------------------------


def test_unknown_dataset_suggests_a_close_name(project):
    write_contract(project, "flights", MODEL)

    with pytest.raises(UnknownDataset) as caught:
        load_contract(project, "flight")

    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        f"unknown dataset 'flight': no contract at {project.schemas_dir / 'flight.py'}\n"
        "  hint: did you mean 'flights'?; to start one: dataguard infer flight FILE"
    )


def test_unknown_dataset_lists_the_known_ones(project):
    write_contract(project, "flights", MODEL)
    (project.schemas_dir / "_helpers.py").write_text("X = 1\n")  # a private module is no dataset

    with pytest.raises(UnknownDataset) as caught:
        load_contract(project, "weather")

    assert str(caught.value) == (
        f"unknown dataset 'weather': no contract at {project.schemas_dir / 'weather.py'}\n"
        "  hint: known datasets: flights; to start one: dataguard infer weather FILE"
    )


# -- finding the project ----------------------------------------------------------------------------


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside any project."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_project_is_found_from_a_subfolder(project, monkeypatch):
    deep = project.root / "data" / "landing" / "2024"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)

    found = find_project()

    assert found == Project(root=project.root.resolve(), warehouse=project.root.resolve() / "data" / "warehouse")


def test_project_is_found_from_a_given_start(project, elsewhere, monkeypatch):
    monkeypatch.chdir(elsewhere)

    assert find_project(start=project.root / "schemas").root == project.root.resolve()


def test_explicit_project_wins_over_the_working_directory(project, elsewhere, monkeypatch):
    other = init_project(elsewhere / "other")
    monkeypatch.chdir(project.root)

    assert find_project(elsewhere / "other").root == other.root


def test_project_from_the_environment(project, elsewhere, monkeypatch):
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("DATAGUARD_PROJECT", str(project.root))

    assert find_project().root == project.root.resolve()


def test_warehouse_from_the_environment(project, elsewhere, monkeypatch):
    monkeypatch.setenv("DATAGUARD_WAREHOUSE", str(elsewhere / "wh"))

    assert find_project().warehouse == (elsewhere / "wh").resolve()


def test_no_project_outside_any_project(project, elsewhere, monkeypatch):
    monkeypatch.chdir(elsewhere)

    with pytest.raises(ProjectNotFound) as caught:
        find_project()

    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        f"no dataguard project found in {elsewhere.resolve()} or any folder above it (looked for schemas/)\n"
        "  hint: run inside a project, pass --project DIR, set DATAGUARD_PROJECT, or run: dataguard init DIR"
    )


def test_explicit_folder_without_schemas_is_not_a_project(project, elsewhere):
    with pytest.raises(ProjectNotFound) as caught:
        find_project(elsewhere)

    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        f"{elsewhere.resolve()} is not a dataguard project: it has no schemas/ folder\n"
        f"  hint: create one with: dataguard init {elsewhere}"
    )


# -- creating a project --------------------------------------------------------------------------------


def test_init_creates_the_project_layout(elsewhere):
    root = elsewhere / "new"

    init_project(root)

    created = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    assert created == [".gitignore", "data", "data/landing", "flows", "schemas", "schemas/example.py"]
    assert (root / ".gitignore").read_text() == "data/warehouse/\n"


def test_init_returns_the_project(elsewhere, monkeypatch):
    monkeypatch.delenv("DATAGUARD_WAREHOUSE", raising=False)
    root = elsewhere / "new"

    assert init_project(root) == Project(root=root.resolve(), warehouse=root.resolve() / "data" / "warehouse")


def test_example_contract_loads(elsewhere):
    project = init_project(elsewhere / "new")

    loaded = load_contract(project, "example")

    assert loaded.columns == ["id", "label", "score"]
    assert loaded.contract == Contract(keys=("id",))


def test_init_refuses_an_existing_project(project):
    with pytest.raises(BadInput) as caught:
        init_project(project.root)

    assert caught.value.exit_code == 2
    assert str(caught.value) == f"{project.root.resolve()} is already a dataguard project (it has schemas/)"


INDEXED_MODEL = """
import pandera.pandas as pa
from pandera.typing import Index, Series


class schema(pa.DataFrameModel):
    idx: Index[int] = pa.Field(ge=0)
    label: Series[str] = pa.Field(isin=["cat", "dog"])
    score: float = pa.Field(nullable=True)
"""


def test_a_model_with_an_index_becomes_the_schema_pandera_builds(project):
    write_contract(project, "pets", INDEXED_MODEL)
    loaded = load_contract(project, "pets")
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("pets_by_pandera", project.contract_path("pets"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        assert loaded.schema == module.schema.to_schema()  # pandera's own lists of index and series types
    finally:
        del sys.modules[spec.name]
    assert (type(loaded.schema.index).__name__, list(loaded.schema.columns)) == ("Index", ["label", "score"])


def test_loading_a_contract_does_not_import_dask(project):
    import subprocess
    import sys

    write_contract(project, "pets", INDEXED_MODEL)
    probe = (
        "import sys; from dataguard.checks.load import load_contract; from dataguard.project import find_project; "
        "load_contract(find_project(), 'pets'); print('dask.dataframe' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=project.root, capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"
