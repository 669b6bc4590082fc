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
from dataguard.errors import BadInput
from dataguard.project import Project


@dataclass(frozen=True)
class Reference:
    version: int | None
    clean_path: Path | None
    reason: str


def choose_reference(db: CatalogDB, dataset: str, version: int) -> Reference:
    with catalog.session(db):  # two reads, one open of the catalog
        pinned = catalog.pinned_baseline(db, dataset)
        runs = catalog.latest_runs(db, dataset)
    if pinned is not None and pinned != version:
        run = runs.get(pinned)
        if run is None or not run.clean_path:
            return Reference(None, None, f"the pinned baseline v{pinned} has no finished validation run")
        return Reference(pinned, Path(run.clean_path), f"v{pinned} is the pinned baseline (dataguard baseline set)")
    earlier = [n for n, run in runs.items() if n < version and run.gate_open and run.clean_path]
    if not earlier:
        first = not any(n < version for n in runs)
        why = "this is the first validated version" if first else "no earlier version has an open gate"
        return Reference(None, None, f"no reference: {why}")
    newest = max(earlier)
    return Reference(
        newest, Path(str(runs[newest].clean_path)), f"v{newest} is the newest earlier version whose gate opened"
    )


def pin_baseline(project: Project, dataset: str, version: int) -> None:
    """Pin ``version`` as the reference of later versions (a dataset writer: under its lock)."""
    with dataset_lock(project, dataset), catalog.writing(project.catalog) as con:
        if catalog.find_version(project.catalog, dataset, version=version) is None:
            raise BadInput(f"{dataset} has no version {version} to pin as its baseline")
        catalog.pin_baseline(con, dataset, version)


def clear_baseline(project: Project, dataset: str) -> bool:
    """Unpin; False when nothing was pinned."""
    with dataset_lock(project, dataset), catalog.writing(project.catalog) as con:
        return catalog.clear_baseline(con, dataset)
