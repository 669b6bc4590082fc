"""The JSON API under ``/api/v1/`` (its OpenAPI document at ``/api/v1/openapi.json``).

Each route calls the command the CLI calls and returns the document its ``--json`` prints
(``dataguard.app.documents``): the same shapes. Reading needs a viewer's token, deciding a reviewer's;
the decision is recorded under the authenticated user's name, never one the client sends.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from dataguard.app.commands import datasets as dataset_commands
from dataguard.app.commands import review
from dataguard.app.documents import dumps
from dataguard.app.web.auth import api_reviewer, api_user, project_of
from dataguard.catalog.users import User
from dataguard.gate.validated import judge
from dataguard.publish.report import read_report
from dataguard.review.quarantine import RowFilter
from dataguard.spec import defaults

router = APIRouter(prefix="/api/v1", tags=["dataguard"])
Viewer = Annotated[User, Depends(api_user)]
Reviewer = Annotated[User, Depends(api_reviewer)]
PAGE_LIMIT = 1000  # rows a quarantine page holds at most
VersionNumber = Annotated[int, Path(ge=1, le=defaults.MAX_VERSION)]
OptionalVersion = Annotated[int | None, Query(ge=1, le=defaults.MAX_VERSION)]


class Decision(BaseModel):
    """Release or reject rows: by id (``rows``) or every row with one reason ``code``; a note is required."""

    model_config = ConfigDict(extra="forbid")
    rows: list[Annotated[int, Field(ge=0, le=defaults.MAX_ROW_ID)]] | None = None
    code: str | None = None
    note: str = Field(min_length=1)


def document(value: Any) -> Response:
    return Response(dumps(value), media_type="application/json")


@router.get("/datasets")
def datasets(request: Request, user: Viewer) -> Response:
    """Every dataset with a contract, with its newest version's verdict and gate."""
    project = project_of(request)
    return document([judge(project, name) for name in project.datasets()])


@router.get("/datasets/{dataset}/versions")
def versions(request: Request, user: Viewer, dataset: str) -> Response:
    return document(dataset_commands.version_rows(project_of(request), dataset))


@router.get("/datasets/{dataset}/gate")
def gate(
    request: Request,
    user: Viewer,
    dataset: str,
    version: Annotated[int | None, Query(ge=1, le=defaults.MAX_VERSION)] = None,
) -> Response:
    return document(judge(project_of(request), dataset, version))


@router.get("/datasets/{dataset}/versions/{version}/report")
def report(request: Request, user: Viewer, dataset: str, version: VersionNumber) -> Response:
    """The version's report.json, as its latest finished run published it."""
    paths = dataset_commands.report_paths(project_of(request), dataset, version)
    return document(read_report(paths.report_json))


@router.get("/datasets/{dataset}/versions/{version}/quarantine")
def quarantine(
    request: Request,
    user: Viewer,
    dataset: str,
    version: VersionNumber,
    wanted: Annotated[RowFilter, Depends()],
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=defaults.MAX_ROW_ID)] = 0,
) -> Response:
    """A page of the quarantine in ``_row_id`` order: ``{total, rows}``, each row with its state, reasons and values;
    filtered by check ``code``, ``column`` and ``state`` (pending, released, rejected)."""
    return document(review.quarantine_page(project_of(request), dataset, version, wanted, limit, offset))


@router.post("/datasets/{dataset}/versions/{version}/quarantine/release")
def release(request: Request, user: Reviewer, dataset: str, version: VersionNumber, body: Decision) -> Response:
    return _decide(request, user, dataset, version, "release", body)


@router.post("/datasets/{dataset}/versions/{version}/quarantine/reject")
def reject(request: Request, user: Reviewer, dataset: str, version: VersionNumber, body: Decision) -> Response:
    return _decide(request, user, dataset, version, "reject", body)


def _decide(
    request: Request, user: User, dataset: str, version: VersionNumber, action: str, body: Decision
) -> Response:
    rows = None if body.rows is None else ",".join(map(str, body.rows))
    made = review.decide(
        project_of(request), dataset, version, action, rows=rows, code=body.code, note=body.note, reviewer=user.name
    )
    return document(review.decision_document(made, action))


@router.get("/datasets/{dataset}/log")
def log(request: Request, user: Viewer, dataset: str) -> Response:
    """The review decisions of the dataset, oldest first (who, when, which rows, the note)."""
    return document(review.decision_log(project_of(request), dataset))
