"""Projects, versions, and what the catalog recorded of them: the commands init, ingest, infer, versions, report,
history, incidents and runs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataguard import catalog
from dataguard.errors import BadInput, NotFound
from dataguard.project import Project, init_project


def known_dataset(project: Project, dataset: str) -> None:
    """``UnknownDataset`` (with a did-you-mean hint) unless the dataset has a contract or versions."""
    if not project.contract_path(dataset).is_file() and not catalog.list_versions(project.catalog, dataset):
        project.require_contract(dataset)


def create_project(directory: Path) -> Project:
    """A new project, with its catalog's schema created (or brought up to date for a shared catalog)."""
    from dataguard.catalog.migrate import upgrade

    made = init_project(directory)
    upgrade(made.catalog)
    return made


@dataclass(frozen=True)
class IngestedFile:
    dataset: str
    version: int
    fingerprint: str
    rows: int
    new: bool  # False: the same bytes were ingested before, as ``version``


def _no_status(message: str) -> AbstractContextManager[object]:
    return nullcontext()


def ingest_file(
    project: Project,
    dataset: str,
    file: Path,
    *,
    status: Callable[[str], AbstractContextManager[Any]] = _no_status,
) -> IngestedFile:
    """Register ``file`` as a version of ``dataset``; ``status`` shows a message while the file is read."""
    from dataguard.checks.load import load_contract
    from dataguard.ingest.preflight import check_source
    from dataguard.ingest.version import ingest

    project.require_contract(dataset)
    check_source(file)
    loaded = load_contract(project, dataset)
    with status(f"ingesting {file} ..."):
        result = ingest(project, dataset, file, loaded.source_options)
    v = result.version
    return IngestedFile(dataset, v.version, v.fingerprint, v.rows, result.new)


def write_inferred_contract(project: Project, dataset: str, file: Path, sample_rows: int, *, force: bool) -> Path:
    """Write ``schemas/<dataset>.py`` inferred from the first ``sample_rows`` of ``file``; its path."""
    from dataguard.checks.infer import infer_contract

    target = project.contract_path(dataset)
    if target.exists() and not force:
        raise BadInput(f"{target} exists already", hint="pass --force to overwrite it")
    target.write_text(infer_contract(dataset, file, sample_rows), encoding="utf-8")
    return target


@dataclass(frozen=True)
class VersionRow:
    """A version with the verdict of its latest finished run (None: not validated yet)."""

    version: int
    fingerprint: str
    rows: int
    verdict: str | None
    gate_open: bool
    status: str
    source: str
    created: str  # ISO 8601


def version_rows(project: Project, dataset: str) -> list[VersionRow]:
    """The dataset's versions, oldest first."""
    known_dataset(project, dataset)
    runs = catalog.latest_runs(project.catalog, dataset)
    return [
        VersionRow(
            v.version,
            v.fingerprint,
            v.rows,
            runs[v.version].verdict if v.version in runs else None,
            bool(runs[v.version].gate_open) if v.version in runs else False,
            v.status,
            v.source_path,
            v.created.isoformat(),
        )
        for v in catalog.list_versions(project.catalog, dataset)
    ]


@dataclass(frozen=True)
class ReportPaths:
    dataset: str
    version: int
    verdict: str | None
    revision: int
    report_html: str
    report_json: str
    report_md: str


def report_paths(project: Project, dataset: str, version: int | None) -> ReportPaths:
    """Where the reports of the version's (newest by default) latest finished run are."""
    known_dataset(project, dataset)
    record = catalog.find_version(project.catalog, dataset, version=version)
    if record is None:
        raise NotFound(f"{dataset} has no version {version if version is not None else 'yet'}")
    run = catalog.latest_finished_run(project.catalog, dataset, record.version)
    if run is None or run.report_json is None:
        raise BadInput(
            f"{dataset} v{record.version} has no finished run yet",
            hint=f"dataguard validate {dataset} --version {record.version}",
        )
    folder = Path(run.report_json).parent
    return ReportPaths(
        dataset,
        record.version,
        run.verdict,
        run.revision,
        str(folder / "report.html"),
        str(folder / "report.json"),
        str(folder / "report.md"),
    )


def column_history(project: Project, dataset: str, column: str | None) -> list[dict[str, Any]]:
    """Each column's profile per version (``column``: only that one)."""
    from dataguard.measure.history import history_rows

    known_dataset(project, dataset)
    return history_rows(project.catalog, dataset, column)


def integrity_incidents(project: Project, dataset: str) -> list[dict[str, Any]]:
    """Clean files of the dataset found not to match their recorded fingerprint, oldest first."""
    known_dataset(project, dataset)
    return catalog.list_incidents(project.catalog, dataset)


def training_runs(project: Project, dataset: str, affected: bool = False) -> list[dict[str, Any]]:
    """Which command trained on which version of the dataset, and how it ended, oldest first; with
    ``affected``, only those that read rows the current contract rejects, with how many."""
    known_dataset(project, dataset)
    if affected:
        from dataguard.checks.replay import affected_training

        return affected_training(project, dataset)
    return catalog.list_training_runs(project.catalog, dataset)
