"""Contracts and configuration: a broken contract is exit 2 naming the file and the problem, nothing recorded;
validation that is off or reduced never gives PASS; an empty version or reference is never PASS.

Covered elsewhere: a syntax error with file and line through the CLI
(tests/test_cli_bad_input.py), import errors, a missing or malformed `schema`
and bad GatePolicy values through load_contract (tests/test_contract.py), bad
drift settings (tests/test_drift.py test_bad_settings_are_contract_errors),
malformed slices and unknown slice columns (tests/test_slices.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from dataguard.project import Project
from tests.catalog_sql import catalog_state
from tests.conftest import write_contract
from tests.faults.conftest import CONTRACT, Child
from tests.test_cli import run, run_json

pytestmark = pytest.mark.usefixtures("prefect_harness")

HEAD = """
    import pandera.pandas as pa

    import dataguard


    class schema(pa.DataFrameModel):
        id: int = pa.Field(ge=0)
        label: str = pa.Field(isin=["cat", "dog"])
        score: float = pa.Field(in_range={"min_value": 0, "max_value": 1})
"""

BROKEN = [
    pytest.param(
        HEAD.replace("class schema", "class schemata"),
        "the contract defines no `schema`",
        id="no-schema",
    ),
    pytest.param(
        HEAD + "\n    contract = dataguard.Contract(slices=[dataguard.SliceTest('s', where='colour = 1', "
        "metric='row_count', min=1)])\n",
        "colour",
        id="slice-names-an-unknown-column",
    ),
    pytest.param(
        HEAD + "\n    contract = dataguard.Contract(drift=dataguard.DriftSettings(exclude=['labels']))\n",
        "drift names column 'labels', not in the schema",
        id="drift-names-an-unknown-column",
    ),
    pytest.param(
        HEAD + "\n    contract = dataguard.Contract(keys=['ident'])\n",
        "key column 'ident' is not in the schema",
        id="unknown-key",
    ),
    pytest.param(
        HEAD + "\n    contract = dataguard.Contract(gate=dataguard.GatePolicy(max_quarantined_fraction=1.5))\n",
        "GatePolicy.max_quarantined_fraction must be within 0..1, got 1.5",
        id="impossible-quarantine-fraction",
    ),
    pytest.param(
        HEAD + "\n    contract = dataguard.Contract(slices=[dataguard.SliceTest('s', where='id > 0', "
        "metric='share', min=1.5)])\n",
        "slice 's': min 1.5 is impossible: share lies within 0..1",
        id="impossible-slice-threshold",
    ),
    pytest.param(
        HEAD + "\n    contract = dataguard.Contract(drift=dataguard.DriftSettings(thresholds={'psi': -1}))\n",
        "must be a number >= 0 or None, got -1",
        id="impossible-drift-threshold",
    ),
    pytest.param(
        HEAD + "\n    undefined_name + 1\n", "NameError: name 'undefined_name' is not defined", id="import-error"
    ),
]


@pytest.mark.parametrize(("source", "problem"), BROKEN)
def test_a_broken_contract_is_exit_2_naming_file_and_problem(
    project: Project, small: dict[str, Path], source: str, problem: str
) -> None:
    write_contract(project, "pets", CONTRACT)
    assert run("validate", "pets", small["v1"]).exit_code == 0
    before = catalog_state(project)
    path = write_contract(project, "pets", source)

    result = run("validate", "pets", small["v2"], "--json")

    assert result.exit_code == 2
    message = json.loads(result.stdout)["error"]["message"]
    assert message.startswith(str(path))
    assert problem in message
    assert catalog_state(project) == before
    code, gate = run_json("gate", "pets")
    assert (code, gate["version"], gate["open"]) == (0, 1, True)  # v2 never became a version, let alone open


# -- validation switched off or reduced --------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "shown"),
    [
        ("PANDERA_VALIDATION_ENABLED", "False", "validation_enabled=False, validation_depth=SCHEMA_AND_DATA"),
        ("PANDERA_VALIDATION_DEPTH", "SCHEMA_ONLY", "validation_enabled=True, validation_depth=SCHEMA_ONLY"),
        ("PANDERA_VALIDATION_DEPTH", "DATA_ONLY", "validation_enabled=True, validation_depth=DATA_ONLY"),
    ],
)
def test_validation_off_or_reduced_never_passes(
    project: Project,
    small: dict[str, Path],
    cli: Callable[..., Child],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    shown: str,
) -> None:
    monkeypatch.setenv(variable, value)  # the child reads it when it imports pandera

    result = cli("validate", "pets", small["v1"], "--json")

    assert result.returncode == 2, result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["message"].startswith(f"pandera is not validating ({shown}")
    assert "refusing to check rows" in error["message"]
    assert not project.catalog.exists() or catalog_state(project)["versions"] == []  # type: ignore[index]
    monkeypatch.delenv(variable)
    gate = cli("gate", "pets", "--json")
    assert (gate.returncode, json.loads(gate.stdout)["open"]) == (1, False)


# -- empty versions and empty references ---------------------------------------------------------------

ALL_QUARANTINED_OK = HEAD + (
    "\n    contract = dataguard.Contract(gate=dataguard.GatePolicy(max_quarantined_fraction=1.0))\n"
)


def test_a_reference_with_zero_clean_rows_is_never_pass(project: Project, tmp_path: Path) -> None:
    write_contract(project, "pets", ALL_QUARANTINED_OK)
    v1, v2 = tmp_path / "v1.csv", tmp_path / "v2.csv"
    v1.write_text("id,label,score\n1,cow,0.5\n2,cow,0.5\n")  # every row quarantined, yet the gate opens (WARN)
    v2.write_text("id,label,score\n1,cat,0.5\n2,dog,0.5\n")  # a perfect version
    code, first = run_json("validate", "pets", v1)
    assert (code, first["verdict"], first["gate_open"], first["rows"]["clean"]) == (0, "WARN", True, 0)

    code, second = run_json("validate", "pets", v2)

    assert (code, second["verdict"], second["reference_version"]) == (0, "WARN", 1)
    assert second["rows"]["quarantined"] == 0
    assert any("reference" in reason and "0 rows" in reason for reason in second["reasons"]), second["reasons"]
