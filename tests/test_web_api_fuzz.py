"""schemathesis against the API's own OpenAPI document, with a reviewer's token and without one:
requests generated from the document never get a 5xx, and never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from dataguard.app.commands.users import add_user
from dataguard.project import Project
from tests.conftest import FEB, flights_contract_text
from tests.test_cli import run_json
from tests.web_server import serving

pytestmark = pytest.mark.usefixtures("prefect_harness")
EXAMPLES = 25  # per route and token; each decision writes a catalog transaction


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One served project for every generated case, on each catalog backend: February validated, a reviewer's
    token."""
    import os

    from dataguard.catalog.db import dispose

    root = tmp_path_factory.mktemp("fuzz") / "proj"
    (root / "schemas").mkdir(parents=True)
    (root / "schemas" / "flights.py").write_text(flights_contract_text())
    before, environ = os.getcwd(), dict(os.environ)
    if request.param == "postgresql":
        os.environ["DATAGUARD_CATALOG_URL"] = request.getfixturevalue("postgres_server").new_database()
    project = Project(root=root, warehouse=root / "data" / "warehouse")
    os.chdir(root)
    try:
        assert run_json("validate", "flights", FEB)[0] == 0
        token = add_user(project, "rene", "reviewer").token
        with serving(project) as base:
            document = httpx.get(f"{base}/api/v1/openapi.json").json()
            yield {"base": base, "token": token, "document": document}
    finally:
        dispose(project.catalog)
        os.chdir(before)
        os.environ.clear()
        os.environ.update(environ)


def call(case: Any, live: dict[str, Any], headers: dict[str, str]) -> Any:
    response = case.call(base_url=live["base"], headers=headers)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    assert "Traceback" not in response.text
    return response


def operations(live: dict[str, Any]) -> list[Any]:
    return [found.ok() for found in schemathesis.openapi.from_dict(live["document"]).get_all_operations()]


@pytest.mark.parametrize("signed", [True, False], ids=["reviewer", "no-token"])
def test_no_generated_request_gets_a_server_error(live: dict[str, Any], signed: bool) -> None:
    headers = {"Authorization": f"Bearer {live['token']}"} if signed else {}
    found = operations(live)
    assert len(found) == 8
    for operation in found:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def each(case: Any) -> None:
            response = call(case, live, headers)
            if not signed:
                assert response.status_code == 401

        each()
