"""Which version a new one is compared with, and why.

By default the reference is the newest earlier version whose gate opened; a
pinned baseline (``dataguard baseline set DATASET N``) wins over that. No
reference is reported as such, with its reason: never as a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dataguard import catalog
from dataguard.errors import BadInput


@dataclass(frozen=True)
class Reference:
    version: int | None
    clean_path: Path | None
    reason: str


def choose_reference(catalog_path: Path, dataset: str, version: int) -> Reference:
    with catalog.session(catalog_path):  # two reads, one open of the catalog
        pinned = pinned_baseline(catalog_path, dataset)
        runs = catalog.latest_runs(catalog_path, dataset)
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


def pinned_baseline(catalog_path: Path, dataset: str) -> int | None:
    if not catalog_path.exists():
        return None
    with catalog.connect(catalog_path) as con:
        row = con.execute("SELECT version FROM baselines WHERE dataset = ?", [dataset]).fetchone()
    return int(row[0]) if row else None


def pin_baseline(catalog_path: Path, dataset: str, version: int) -> None:
    if catalog.find_version(catalog_path, dataset, version=version) is None:
        raise BadInput(f"{dataset} has no version {version} to pin as its baseline")
    with catalog.transaction(catalog_path) as con:
        con.execute(
            """INSERT INTO baselines (dataset, version) VALUES (?, ?)
               ON CONFLICT (dataset) DO UPDATE SET version = excluded.version, pinned = now()""",
            [dataset, version],
        )


def clear_baseline(catalog_path: Path, dataset: str) -> bool:
    """Unpin; False when nothing was pinned."""
    if pinned_baseline(catalog_path, dataset) is None:
        return False
    with catalog.transaction(catalog_path) as con:
        con.execute("DELETE FROM baselines WHERE dataset = ?", [dataset])
    return True
