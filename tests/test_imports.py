"""Cheap imports: the gate, ``import dataguard`` and ``open_validated`` load no pandera, pandas, Prefect or scipy.

Each case runs in a fresh interpreter, so what it imported is exactly what the
command needed. How long they take is measured by tests/bench/bench_cli.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import dataguard
from dataguard.project import Project
from tests.conftest import FEB
from tests.test_cli import run

HEAVY = ("pandas", "pandera", "prefect", "scipy")


def heavy_modules_after(code: str, project: Project | None = None) -> list[str]:
    probe = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
    """)
    cwd = project.root if project is not None else None
    done = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_import_dataguard_loads_no_heavy_module() -> None:
    assert heavy_modules_after("import dataguard") == []


def test_a_public_name_loads_its_module_on_first_use() -> None:
    assert heavy_modules_after("import dataguard; dataguard.GateClosed; dataguard.open_validated") == []
    # the spec is values only: a contract is declared without loading the engines that run it
    assert (
        heavy_modules_after("import dataguard; dataguard.Contract; dataguard.SliceTest; dataguard.DriftSettings") == []
    )
    assert heavy_modules_after("import dataguard.checks.load") == ["pandas", "pandera"]


@pytest.mark.parametrize(
    "code",
    [
        """
        import sys
        from dataguard.app.cli import main
        sys.argv = ["dataguard", "gate", "flights"]
        try:
            main()
        except SystemExit as stop:
            assert stop.code == 0, stop.code
        """,
        """
        import dataguard
        assert dataguard.open_validated("flights").version == 1
        """,
    ],
    ids=["gate", "open_validated"],
)
def test_the_gate_loads_no_heavy_module(flights_project: Project, code: str) -> None:
    assert run("validate", "flights", FEB).exit_code == 0
    dataguard.open_validated("flights", project=flights_project)  # the first open makes the file; later ones hash it
    assert heavy_modules_after(code, flights_project) == []
