"""The layout holds: modules a reader can take in one sitting, a spec that loads no engine, and the
catalog's SQL in the catalog package alone."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dataguard.catalog.schema import metadata

SRC = Path(__file__).resolve().parent.parent / "src" / "dataguard"
CATALOG = SRC / "catalog"
MAX_LINES = 400
ENGINES = ("duckdb", "pandas", "pandera", "prefect", "pyarrow", "numpy", "scipy", "sqlalchemy")
STAGES = ("spec", "ingest", "checks", "split", "measure", "verdict", "publish", "gate", "review", "catalog", "app")


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def outside_the_catalog() -> list[Path]:
    return [path for path in modules() if CATALOG not in path.parents]


def test_the_stages_are_the_top_level_folders_and_modules() -> None:
    present = {p.stem if p.is_file() else p.name for p in SRC.iterdir() if not p.name.startswith("_")}
    assert set(STAGES) <= present


def test_no_module_is_longer_than_one_sitting() -> None:
    lengths = {str(path.relative_to(SRC)): len(path.read_text().splitlines()) for path in modules()}
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


SPEC_MODULES = sorted(f"dataguard.spec.{p.stem}" for p in (SRC / "spec").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize(
    "code", [f"import {', '.join(SPEC_MODULES)}", "import dataguard; dataguard.Contract; dataguard.SliceTest"]
)
def test_the_spec_loads_no_engine(code: str) -> None:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {ENGINES!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_the_spec_imports_only_the_spec_and_the_errors() -> None:
    imported = {
        node.module
        for path in (SRC / "spec").glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dataguard")
    }
    assert {m for m in imported if not m.startswith("dataguard.spec")} == {"dataguard.errors"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_catalog_package_talks_to_the_catalog_database() -> None:
    assert [str(p.relative_to(SRC)) for p in outside_the_catalog() if "sqlalchemy" in _imports(p)] == []


def _strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_sql_outside_the_catalog_package_names_a_catalog_table() -> None:
    tables = "|".join(sorted(metadata.tables))
    statement = re.compile(rf"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+\"?(?:{tables})\b", re.IGNORECASE)
    found = {
        f"{path.relative_to(SRC)}: {text.strip()[:60]}"
        for path in outside_the_catalog()
        for text in _strings(path)
        if statement.search(text)
    }
    assert found == set()


def test_the_catalog_table_check_sees_catalog_sql() -> None:
    """The check above would notice a query written elsewhere (it is not vacuous)."""
    tables = "|".join(sorted(metadata.tables))
    statement = re.compile(rf"\b(?:FROM|INTO|UPDATE|JOIN|TABLE)\s+\"?(?:{tables})\b", re.IGNORECASE)
    assert statement.search("SELECT run_id FROM runs WHERE dataset = ?")
    assert statement.search('INSERT INTO "quarantine_states" VALUES (?, ?)')
    assert not statement.search("SELECT count(*) FROM read_parquet($path)")
