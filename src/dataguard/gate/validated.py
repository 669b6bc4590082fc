"""The gate: may training start on this version? Reads the catalog, then proves the data.

The decision reads the catalog only. Handing the data out (``open_validated``)
also re-hashes the clean file and compares it with the fingerprint recorded
when it was published (see ``dataguard.common.integrity``): a file replaced, edited
or swapped since validation is refused, and the incident is recorded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dataguard import catalog
from dataguard.common.integrity import file_fingerprint
from dataguard.errors import BadInput, GateClosed, NotFound, UnknownDataset
from dataguard.gate.opened import ValidatedVersion
from dataguard.project import Project, find_project
from dataguard.spec import defaults
from dataguard.spec.outcome import Outcome

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class GateDecision:
    """The gate on one version; with a finished run, also what training would read: the version's
    fingerprint, and the clean file (its newest revision) with the fingerprint recorded for it."""

    dataset: str
    version: int | None
    open: bool
    verdict: str | None
    reasons: tuple[str, ...]
    fingerprint: str | None = None
    clean_fingerprint: str | None = None
    clean_path: str | None = None


def judge(project: Project, dataset: str, version: int | None = None) -> GateDecision:
    """The gate's decision for one version (the newest when not given)."""
    with catalog.session(project.catalog):
        return _judge(project, dataset, version)


def _judge(project: Project, dataset: str, version: int | None) -> GateDecision:
    record = _version(project, dataset, version)
    if record is None:
        return GateDecision(dataset, None, False, None, (f"no version of {dataset!r} has been ingested yet",))
    run = catalog.latest_finished_run(project.catalog, dataset, record.version)
    if run is None:
        rerun = f"dataguard validate {dataset} --version {record.version}"
        reason = f"version {record.version} has no finished validation run (run: {rerun})"
        return GateDecision(dataset, record.version, False, None, (reason,))
    reasons = tuple(run.reasons)
    if not run.gate_open and run.verdict == Outcome.WARN:
        reasons = ("the contract's gate policy blocks on WARN", *reasons)
    clean = catalog.recorded_clean_file(project.catalog, run.run_id, run.revision)
    files = (record.fingerprint, clean.fingerprint if clean else None, run.clean_path)
    return GateDecision(dataset, record.version, bool(run.gate_open), run.verdict, reasons, *files)


def _version(project: Project, dataset: str, version: int | None) -> catalog.VersionRecord | None:
    if version is not None and not 1 <= version <= defaults.MAX_VERSION:
        raise NotFound(f"{dataset} has no version {version}: versions are numbered 1 to {defaults.MAX_VERSION}")
    record = catalog.find_version(project.catalog, dataset, version=version)
    if record is None and version is not None:
        known = [v.version for v in catalog.list_versions(project.catalog, dataset)]
        if not known and not project.contract_path(dataset).is_file():
            raise UnknownDataset(
                f"unknown dataset {dataset!r}: no contract and no versions in the catalog {project.catalog.display}"
            )
        raise NotFound(f"{dataset} has no version {version}; versions: {_ranges(known) or 'none'}")
    if record is None and not project.contract_path(dataset).is_file():
        raise UnknownDataset(f"unknown dataset {dataset!r}: no contract at {project.contract_path(dataset)}")
    return record


def _ranges(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def open_validated(
    dataset: str,
    version: int | None = None,
    project: str | os.PathLike[str] | Project | None = None,
    *,
    verify: bool = True,
    opened_by: str = "open_validated",
    materialize: bool = True,
) -> ValidatedVersion:
    """The newest (or given) version whose gate is open; ``GateClosed`` otherwise.

    The first open of a revision makes its clean file (``gate.materialize``):
    the version's file and deletion vector are proven against their recorded
    fingerprints, the file written and its own fingerprint recorded. Later, with
    ``verify`` (the default) the clean file is hashed and compared with that
    fingerprint. A mismatch raises ``IntegrityError`` (a ``GateClosed``) and
    records an incident naming ``opened_by``.

    With ``materialize=False`` no file is made: until someone makes it, the
    clean rows are read from the proven version and deletion vector
    (``ValidatedVersion.rows``).
    """
    proj = project if isinstance(project, Project) else find_project(project)
    with catalog.session(proj.catalog):  # every read in one open of the catalog; the hash after it
        found, run, recorded = _open_version(proj, dataset, version)
    if recorded is None:  # the revision's first open: its file is made from the proven version and deletion vector
        from dataguard.gate.materialize import first_open  # DuckDB and pyarrow: the first open only

        record = catalog.find_version(proj.catalog, dataset, version=found.version)
        assert record is not None
        return first_open(proj, run, record, found, opened_by, materialize)
    if verify:
        _verify(proj, run, found.clean_path, recorded, opened_by)
    return replace(found, verified=verify)


def _open_version(
    project: Project, dataset: str, version: int | None
) -> tuple[ValidatedVersion, catalog.RunRecord, catalog.CleanFile | None]:
    if version is not None:
        return _opened(project, judge(project, dataset, version))
    runs = catalog.latest_runs(project.catalog, dataset)
    for number in sorted(runs, reverse=True):
        if runs[number].gate_open:
            return _opened(project, judge(project, dataset, number))
    newest = judge(project, dataset)
    raise GateClosed(dataset, ["no version has an open gate", *newest.reasons])


def _opened(
    project: Project, decision: GateDecision
) -> tuple[ValidatedVersion, catalog.RunRecord, catalog.CleanFile | None]:
    if not decision.open or decision.version is None:
        raise GateClosed(decision.dataset, [f"version {decision.version}: {r}" for r in decision.reasons])
    record = catalog.find_version(project.catalog, decision.dataset, version=decision.version)
    run = catalog.latest_finished_run(project.catalog, decision.dataset, decision.version)
    assert record is not None
    assert run is not None
    assert run.clean_path
    assert run.report_json
    clean = Path(run.clean_path)
    try:
        project.confined(clean)
    except BadInput as outside:
        raise GateClosed(decision.dataset, [f"version {decision.version}: {outside.message}"]) from outside
    recorded = catalog.recorded_clean_file(project.catalog, run.run_id, run.revision)
    if recorded is None and catalog.recorded_deletion_vector(project.catalog, run.run_id, run.revision) is None:
        rerun = f"dataguard validate {decision.dataset} --version {decision.version}"
        reason = (
            f"version {decision.version}: no fingerprint was recorded when {clean} was published, "
            f"so it cannot be proven to be the validated data (run: {rerun})"
        )
        raise GateClosed(decision.dataset, [reason])
    if recorded is not None and not clean.is_file():
        raise GateClosed(decision.dataset, [f"version {decision.version}: its clean data is missing at {clean}"])
    opened = ValidatedVersion(
        dataset=decision.dataset,
        version=decision.version,
        fingerprint=record.fingerprint,
        clean_path=clean,
        report_path=Path(run.report_json),
        verdict=run.verdict or "",
        revision=run.revision,
        clean_fingerprint=recorded.fingerprint if recorded else "",
        run_id=run.run_id,
    )
    return opened, run, recorded


def _verify(project: Project, run: catalog.RunRecord, clean: Path, recorded: catalog.CleanFile, opened_by: str) -> None:
    """Hash the file; on a mismatch record the incident, then refuse."""
    actual = file_fingerprint(clean).digest
    if actual != recorded.fingerprint:
        from dataguard.gate.materialize import refuse

        refuse(project, run, clean, recorded.fingerprint, actual, opened_by)
