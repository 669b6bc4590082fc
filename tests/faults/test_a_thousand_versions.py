"""Load: 1,000 small versions of one dataset in a row.

Each goes through ``pipeline.validate_version`` with the in-process engine (the
stages the flow's tasks call, without a Prefect flow run each). Runs finish,
every gate opens, and the report caps its version history and says so.

The file's name puts it first in the suite: it is the longest test, and a
test started last would hold the run up on its own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dataguard import catalog
from dataguard.checks.load import LoadedContract, load_contract
from dataguard.pipeline import Request, validate_version
from dataguard.project import Project
from dataguard.publish.html import HISTORY_CAP
from tests.conftest import write_contract
from tests.faults.conftest import CONTRACT, version_csv


def validate_without_flow(project: Project, loaded: LoadedContract, source: Path) -> dict[str, Any]:
    """One version through every stage with the in-process engine: the same stages the flow runs, minus Prefect."""
    return validate_version(project, Request(loaded.dataset, str(source)))


def same_values_new_bytes(number: int) -> str:
    """20 rows, the first one bad in odd versions; the values repeat, the bytes never do.

    Row i writes its score with a trailing zero when bit i of ``number`` is
    set (0.3 or 0.30), so each version is a new file to ingest while its
    distributions stay put: no drift, no history anomaly, every verdict decided
    by the quarantine alone.
    """
    rows = version_csv(20, number % 2, 0).splitlines()
    body = [row + ("0" if number >> i & 1 else "") for i, row in enumerate(rows[1:])]
    return "\n".join([rows[0], *body]) + "\n"


def test_a_thousand_small_versions_in_a_row(project: Project, tmp_path: Path) -> None:
    write_contract(project, "pets", CONTRACT)
    loaded = load_contract(project, "pets")
    last: dict[str, Any] = {}
    for number in range(1, 1_001):
        source = tmp_path / "v.csv"
        source.write_text(same_values_new_bytes(number))
        last = validate_without_flow(project, loaded, source)
        assert (last["version"], last["rows"]["input"]) == (number, 20)

    versions = catalog.list_versions(project.catalog, "pets")
    assert [v.version for v in versions] == list(range(1, 1_001))
    runs = catalog.latest_runs(project.catalog, "pets")
    assert sum(r.gate_open is True for r in runs.values()) == 1_000
    assert last["verdict"] == "PASS"  # v1000: no quarantined row; its reference is v999
    assert last["reference_version"] == 999
    html = Path(last["paths"]["report_html"]).read_text()
    assert f"Showing the newest {HISTORY_CAP} of 1,000 versions" in html
    history = html[html.index('<section id="history">') : html.index('<section id="files">')]
    assert len(re.findall(r"<tr[ >]", history)) == HISTORY_CAP + 1  # the header row and the newest 100
    assert ">1000 (this)<" in history
    assert ">900<" not in history
    assert ">901<" in history
