"""Which version a new one is compared with, and why.

By default the reference is the newest earlier version whose gate opened; a
pinned baseline (``dataguard baseline set DATASET N``) wins over that. No
reference is reported as such, with its reason: never as a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dataguard import catalog
from dataguard.catalog.address import CatalogDB
from dataguard.catalog.locks import dataset_lock
from dataguard.common.rows import VersionRows
from dataguard.errors import NotFound
from dataguard.measure.profile import ColumnProfile, profile_from_json
from dataguard.project import Project


@dataclass(frozen=True)
class Reference:
    """The version drift compares with, why, and what its run stored.

    ``rows``: its clean rows (at ``revision``); ``run_dir``: its run's folder, where the run's sketch
    (``sketch.parquet``) and ``quarantine.parquet`` are: drift reads the sketch, plus the rows a
    review released since (``revision`` > 0), and never rescans the rows. ``profiles``: the profiles
    the run stored, only while its clean rows are still the ones profiled (revision 0): what drift
    uses, with a scan, for a run that stored no sketch.
    """

    version: int | None
    rows: VersionRows | None
    reason: str
    profiles: tuple[ColumnProfile, ...] = ()
    run_dir: Path | None = None
    revision: int = 0


def reference_rows(db: CatalogDB, run: catalog.RunRecord) -> VersionRows:
    """The clean rows of a run at its newest revision: its version minus that revision's deletion vector
    (a run published before deletion vectors wrote its clean file: that file)."""
    vector = catalog.recorded_deletion_vector(db, run.run_id, run.revision)
    version = catalog.find_version(db, run.dataset, version=run.version)
    if vector is None or version is None:
        return VersionRows(Path(str(run.clean_path)))
    return VersionRows(Path(version.data_path), Path(vector.path), version.rows - vector.rows)


def _reference(db: CatalogDB, run: catalog.RunRecord, why: str) -> Reference:
    run_dir = Path(str(run.report_json)).parent if run.report_json else None
    rows = reference_rows(db, run)
    return Reference(run.version, rows, why, _stored_profiles(db, run), run_dir, run.revision)


def choose_reference(db: CatalogDB, dataset: str, version: int) -> Reference:
    with catalog.session(db):  # a few reads, one open of the catalog
        return _choose(db, dataset, version)


def _choose(db: CatalogDB, dataset: str, version: int) -> Reference:
    pinned = catalog.pinned_baseline(db, dataset)
    runs = catalog.latest_runs(db, dataset)
    if pinned is not None and pinned != version:
        run = runs.get(pinned)
        if run is None or not run.clean_path:
            return Reference(None, None, f"the pinned baseline v{pinned} has no finished validation run")
        why = f"v{pinned} is the pinned baseline (dataguard baseline set)"
        return _reference(db, run, why)
    earlier = [n for n, run in runs.items() if n < version and run.gate_open and run.clean_path]
    if not earlier:
        first = not any(n < version for n in runs)
        why = "this is the first validated version" if first else "no earlier version has an open gate"
        return Reference(None, None, f"no reference: {why}")
    run = runs[max(earlier)]
    why = f"v{run.version} is the newest earlier version whose gate opened"
    return _reference(db, run, why)


def _stored_profiles(db: CatalogDB, run: catalog.RunRecord) -> tuple[ColumnProfile, ...]:
    if run.revision:  # a review changed the clean rows since they were profiled
        return ()
    found = [
        profile_from_json(data)
        for column, data in catalog.run_profiles(db, run.run_id).items()
        if column != "(dataset)"
    ]
    return tuple(p for p in found if p is not None)


def pin_baseline(project: Project, dataset: str, version: int) -> None:
    """Pin ``version`` as the reference of later versions (a dataset writer: under its lock)."""
    with dataset_lock(project, dataset), catalog.writing(project.catalog) as con:
        if catalog.find_version(project.catalog, dataset, version=version) is None:
            raise NotFound(f"{dataset} has no version {version} to pin as its baseline")
        catalog.pin_baseline(con, dataset, version)


def clear_baseline(project: Project, dataset: str) -> bool:
    """Unpin; False when nothing was pinned."""
    with dataset_lock(project, dataset), catalog.writing(project.catalog) as con:
        return catalog.clear_baseline(con, dataset)
