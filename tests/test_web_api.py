"""The JSON API of ``dataguard ui``, over HTTP (httpx through FastAPI's httpx.Client, the app unmodified):
the same documents as the CLI's --json, who may do what, and the errors as statuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dataguard.app.commands.users import add_user, revoke_user
from dataguard.app.web.server import check_listening
from dataguard.errors import BadInput
from dataguard.project import Project
from tests.conftest import FEB
from tests.test_cli import run_json
from tests.web_server import serving

pytestmark = pytest.mark.usefixtures("prefect_harness")
API = "/api/v1"
QUARANTINE = f"{API}/datasets/flights/versions/1/quarantine"


@pytest.fixture
def served(any_flights: Project) -> Iterator[dict[str, Any]]:
    """On each catalog backend: February validated (80 rows quarantined), a viewer and a reviewer, and an HTTP
    client of the served app."""
    flights_project = any_flights
    code, report = run_json("validate", "flights", FEB)
    assert code == 0
    viewer, reviewer = add_user(flights_project, "vera", "viewer"), add_user(flights_project, "rene", "reviewer")
    with serving(flights_project) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield {
            "project": flights_project,
            "report": report,
            "client": client,
            "viewer": {"Authorization": f"Bearer {viewer.token}"},
            "reviewer": {"Authorization": f"Bearer {reviewer.token}"},
        }


def get(served: dict[str, Any], path: str, **params: Any) -> Any:
    response = served["client"].get(path, headers=served["viewer"], params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_reading_needs_a_live_token(served: dict[str, Any]) -> None:
    client: httpx.Client = served["client"]
    bare = client.get(f"{API}/datasets")
    assert (bare.status_code, bare.headers["www-authenticate"]) == (401, "Bearer")
    assert client.get(f"{API}/datasets", headers={"Authorization": "Bearer nope"}).json() == {
        "detail": "unknown or revoked token"
    }
    revoke_user(served["project"], "vera")
    assert client.get(f"{API}/datasets", headers=served["viewer"]).status_code == 401


def test_the_documents_are_the_clis(served: dict[str, Any]) -> None:
    assert get(served, f"{API}/datasets") == [run_json("gate", "flights")[1]]
    assert get(served, f"{API}/datasets/flights/gate", version=1) == run_json("gate", "flights", "--version", "1")[1]
    assert get(served, f"{API}/datasets/flights/versions") == run_json("versions", "flights")[1]
    assert get(served, f"{API}/datasets/flights/log") == run_json("quarantine", "log", "flights")[1] == []
    report = json.loads(Path(served["report"]["paths"]["report_json"]).read_text())
    assert get(served, f"{API}/datasets/flights/versions/1/report") == report


def test_the_quarantine_pages_in_row_id_order(served: dict[str, Any]) -> None:
    listed = run_json("quarantine", "list", "flights", "--version", "1", "--limit", "0")[1]
    assert len(listed) == 80
    page = get(served, QUARANTINE, limit=30, offset=60)
    assert page["total"] == 80
    assert [r["row_id"] for r in page["rows"]] == [r["row_id"] for r in listed[60:]]
    assert [(r["state"], r["reasons"]) for r in page["rows"]] == [(r["state"], r["reasons"]) for r in listed[60:]]
    tailnum = get(served, QUARANTINE, code="str_matches")
    assert tailnum["total"] == 1
    (row,) = tailnum["rows"]
    assert [reason["code"] for reason in row["reasons"]] == ["str_matches"]
    assert row["values"]["tailnum"] == row["reasons"][0]["value"]  # the original value, as the reason names it
    assert sorted(row["values"]) == sorted(set(served["report"]["profiles"]) - {"(dataset)"})
    assert get(served, QUARANTINE, state="released") == {"total": 0, "rows": []}
    assert get(served, QUARANTINE, offset=80) == {"total": 80, "rows": []}  # past the end: an empty page
    pending = get(served, QUARANTINE, state="pending", limit=5, offset=78)
    assert (pending["total"], [r["row_id"] for r in pending["rows"]]) == (80, [r["row_id"] for r in listed[78:]])


def test_a_reviewer_decides_as_themself_and_a_viewer_cannot(served: dict[str, Any]) -> None:
    client: httpx.Client = served["client"]
    row = get(served, QUARANTINE, code="str_matches")["rows"][0]["row_id"]
    body = {"rows": [row], "note": "a real tail number"}
    refused = client.post(f"{QUARANTINE}/release", headers=served["viewer"], json=body)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "vera is a viewer; this needs a reviewer (dataguard users add --role)",
    )
    named = client.post(f"{QUARANTINE}/release", headers=served["reviewer"], json=body | {"reviewer": "mallory"})
    assert named.status_code == 422  # the client cannot name the reviewer
    done = client.post(f"{QUARANTINE}/release", headers=served["reviewer"], json=body)
    assert done.status_code == 200, done.text
    decision = done.json()
    assert (decision["action"], decision["changed"], decision["unchanged"], decision["revision"]) == (
        "release",
        [row],
        [],
        1,
    )
    assert (decision["verdict"], decision["gate_open"]) == ("WARN", True)
    (logged,) = get(served, f"{API}/datasets/flights/log")
    assert (logged["reviewer"], logged["note"], logged["row_ids"], logged["action"]) == (
        "rene",
        "a real tail number",
        [row],
        "release",
    )
    assert get(served, QUARANTINE, state="released")["rows"][0]["row_id"] == row


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        (f"{API}/datasets/nope/versions", {}, 404),
        (f"{API}/datasets/flights/gate", {"version": 9}, 404),
        (f"{API}/datasets/flights/versions/9/quarantine", {}, 404),
        (QUARANTINE, {"limit": 0}, 422),
        (QUARANTINE, {"limit": 1001}, 422),
        (QUARANTINE, {"state": "lost"}, 422),
        (f"{API}/datasets/flights/gate", {"version": 2**70}, 422),  # found by schemathesis: was a 500
        (f"{API}/datasets/flights/versions/{2**70}/quarantine", {}, 422),
    ],
)
def test_errors_are_statuses_with_their_message(
    served: dict[str, Any], path: str, params: dict[str, Any], status: int
) -> None:
    response = served["client"].get(path, headers=served["viewer"], params=params)
    assert response.status_code == status
    assert "Traceback" not in response.text


def test_a_decision_needs_a_note_and_rows_or_a_code(served: dict[str, Any]) -> None:
    client: httpx.Client = served["client"]
    assert client.post(f"{QUARANTINE}/reject", headers=served["reviewer"], json={"rows": [1]}).status_code == 422
    huge = client.post(f"{QUARANTINE}/reject", headers=served["reviewer"], json={"rows": [2**64], "note": "x"})
    assert huge.status_code == 422
    neither = client.post(f"{QUARANTINE}/reject", headers=served["reviewer"], json={"note": "x"})
    assert (neither.status_code, neither.json()["detail"]) == (422, "give either --rows IDS or --code CODE")


def test_the_openapi_document_lists_every_route(served: dict[str, Any]) -> None:
    document = served["client"].get(f"{API}/openapi.json").json()
    assert sorted(document["paths"]) == [
        f"{API}/datasets",
        f"{API}/datasets/{{dataset}}/gate",
        f"{API}/datasets/{{dataset}}/log",
        f"{API}/datasets/{{dataset}}/versions",
        f"{API}/datasets/{{dataset}}/versions/{{version}}/quarantine",
        f"{API}/datasets/{{dataset}}/versions/{{version}}/quarantine/reject",
        f"{API}/datasets/{{dataset}}/versions/{{version}}/quarantine/release",
        f"{API}/datasets/{{dataset}}/versions/{{version}}/report",
    ]


def test_only_loopback_without_a_user(project: Project) -> None:
    check_listening(project, "127.0.0.1")
    check_listening(project, "::1")
    with pytest.raises(BadInput, match=r"^refusing to listen on 0\.0\.0\.0 while no user exists"):
        check_listening(project, "0.0.0.0")
    add_user(project, "ana", "admin")
    check_listening(project, "0.0.0.0")


def test_signing_in_gives_a_strict_http_only_session_cookie_and_signing_out_ends_it(served: dict[str, Any]) -> None:
    client: httpx.Client = served["client"]
    token = served["viewer"]["Authorization"].removeprefix("Bearer ")
    refused = client.post("/login", data={"token": "nope"})
    assert (refused.status_code, "unknown or revoked token" in refused.text) == (200, True)
    signed = client.post("/login", data={"token": token}, follow_redirects=False)
    assert (signed.status_code, signed.headers["location"]) == (303, "/")
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith("dataguard_session=")
    assert sorted(part.strip().lower() for part in cookie.split(";")[1:]) == ["httponly", "path=/", "samesite=strict"]
    home = client.get("/")
    assert (home.status_code, "signed in as vera (viewer)" in home.text) == (200, True)
    csrf = home.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
