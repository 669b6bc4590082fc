"""The gate: may training start on this version? Reads the catalog only."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dataguard import catalog
from dataguard.errors import BadInput, GateClosed, UnknownDataset
from dataguard.project import Project, find_project


@dataclass(frozen=True)
class GateDecision:
    dataset: str
    version: int | None
    open: bool
    verdict: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ValidatedVersion:
    """A version training may use: read ``clean_path``, nothing else."""

    dataset: str
    version: int
    fingerprint: str
    clean_path: Path
    report_path: Path
    verdict: str
    revision: int = 0  # the reviewed clean revision (0: as validated)


def judge(project: Project, dataset: str, version: int | None = None) -> GateDecision:
    """The gate's decision for one version (the newest when not given)."""
    record = _version(project, dataset, version)
    if record is None:
        return GateDecision(dataset, None, False, None, (f"no version of {dataset!r} has been ingested yet",))
    run = catalog.latest_finished_run(project.catalog_path, dataset, record.version)
    if run is None:
        rerun = f"dataguard validate {dataset} --version {record.version}"
        reason = f"version {record.version} has no finished validation run (run: {rerun})"
        return GateDecision(dataset, record.version, False, None, (reason,))
    reasons = tuple(run.reasons)
    if run.gate_open:
        return GateDecision(dataset, record.version, True, run.verdict, reasons)
    if run.verdict == "WARN":
        reasons = ("the contract's gate policy blocks on WARN", *reasons)
    return GateDecision(dataset, record.version, False, run.verdict, reasons)


def _version(project: Project, dataset: str, version: int | None) -> catalog.VersionRecord | None:
    record = catalog.find_version(project.catalog_path, dataset, version=version)
    if record is None and version is not None:
        known = [v.version for v in catalog.list_versions(project.catalog_path, dataset)]
        if not known and not project.contract_path(dataset).is_file():
            raise UnknownDataset(f"unknown dataset {dataset!r}: no contract and no versions in {project.catalog_path}")
        raise BadInput(f"{dataset} has no version {version}; versions: {_ranges(known) or 'none'}")
    if record is None and not project.contract_path(dataset).is_file():
        raise UnknownDataset(f"unknown dataset {dataset!r}: no contract at {project.contract_path(dataset)}")
    return record


def _ranges(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def open_validated(
    dataset: str, version: int | None = None, project: str | os.PathLike[str] | Project | None = None
) -> ValidatedVersion:
    """The newest (or given) version whose gate is open; ``GateClosed`` otherwise."""
    proj = project if isinstance(project, Project) else find_project(project)
    if version is not None:
        return _opened(proj, judge(proj, dataset, version))
    runs = catalog.latest_runs(proj.catalog_path, dataset)
    for number in sorted(runs, reverse=True):
        if runs[number].gate_open:
            return _opened(proj, judge(proj, dataset, number))
    newest = judge(proj, dataset)
    raise GateClosed(dataset, ["no version has an open gate", *newest.reasons])


def _opened(project: Project, decision: GateDecision) -> ValidatedVersion:
    if not decision.open or decision.version is None:
        raise GateClosed(decision.dataset, [f"version {decision.version}: {r}" for r in decision.reasons])
    record = catalog.find_version(project.catalog_path, decision.dataset, version=decision.version)
    run = catalog.latest_finished_run(project.catalog_path, decision.dataset, decision.version)
    assert record is not None
    assert run is not None
    assert run.clean_path
    assert run.report_json
    clean = Path(run.clean_path)
    try:
        project.confined(clean)
    except BadInput as outside:
        raise GateClosed(decision.dataset, [f"version {decision.version}: {outside.message}"]) from outside
    if not clean.is_file():
        raise GateClosed(decision.dataset, [f"version {decision.version}: its clean data is missing at {clean}"])
    return ValidatedVersion(
        dataset=decision.dataset,
        version=decision.version,
        fingerprint=record.fingerprint,
        clean_path=clean,
        report_path=Path(run.report_json),
        verdict=run.verdict or "",
        revision=run.revision,
    )
