"""The landing folder: files dropped into ``data/landing/<dataset>/`` for unattended validation.

Plain functions; the Prefect flows in ``dataguard.app.schedule`` call them.

Conventions for whoever writes into a landing folder:

- Rename into place: write ``name.csv.part`` (or ``name.csv.tmp``, or a
  dotfile such as ``.name.csv``), then rename it to ``name.csv``. A rename is
  atomic, so a half-written file is never seen. ``*.part``, ``*.tmp`` and
  dotfiles are ignored, and so are folders.
- A file written in place is taken once it has settled: its modification time
  is at least ``settle_seconds`` old, and it is still unchanged (size,
  modification time, inode) when its turn to be validated comes.
- The content decides: a file whose bytes are already a validated version (a
  copy, a re-drop, the same file seen by another poll or after a restart) is
  never validated again; a version whose run never finished (a crash, Ctrl-C)
  is. A file refused as bad input is remembered by its fingerprint and the
  contract's, and tried again only when either changes.

The landing ledger (``<warehouse>/.landing/<dataset>.json``) caches each file's
fingerprint by (size, modification time, inode), so a poll hashes only new or
changed files, and remembers refused files. Read and write it under the
dataset's lock (``dataguard.catalog.locks.dataset_lock``).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dataguard import catalog
from dataguard.common.integrity import file_fingerprint, fingerprint
from dataguard.errors import FileStillWriting
from dataguard.project import Project, check_dataset_name

IGNORED_SUFFIXES = (".part", ".tmp")
LEDGER_DIR = ".landing"


@dataclass(frozen=True)
class Landed:
    """One observation of a file in a landing folder."""

    path: Path
    size: int
    mtime_ns: int
    inode: int

    @property
    def stamp(self) -> tuple[int, int, int]:
        return (self.size, self.mtime_ns, self.inode)


@dataclass(frozen=True)
class Pending:
    """A settled landed file whose content is not a validated version yet."""

    landed: Landed
    fingerprint: str


@dataclass
class Ledger:
    path: Path
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file name -> size, mtime_ns, inode, fingerprint
    refused: dict[str, dict[str, Any]] = field(default_factory=dict)  # fingerprint -> contract, file, reason, at


def landing_dir(project: Project, dataset: str) -> Path:
    return project.root / "data" / "landing" / check_dataset_name(dataset)


def is_ignored(name: str) -> bool:
    """Names that are still being written by the rename-into-place convention."""
    return name.startswith(".") or name.endswith(IGNORED_SUFFIXES)


def observe(path: Path) -> Landed:
    stat = path.stat()
    return Landed(path, stat.st_size, stat.st_mtime_ns, stat.st_ino)


def list_landed(folder: Path) -> list[Landed]:
    """The candidate files of a landing folder, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for entry in os.scandir(folder):
        if is_ignored(entry.name) or not entry.is_file(follow_symlinks=True):
            continue
        try:
            found.append(observe(Path(entry.path)))
        except FileNotFoundError:  # removed or renamed since the listing
            continue
    return sorted(found, key=lambda landed: (landed.mtime_ns, landed.path.name))


def is_settled(landed: Landed, settle_seconds: float, now: float | None = None) -> bool:
    """Unchanged for ``settle_seconds``: its modification time is at least that old."""
    age = (time.time() if now is None else now) - landed.mtime_ns / 1e9
    return age >= settle_seconds


def confirm_settled(landed: Landed, settle_seconds: float, now: float | None = None) -> Landed:
    """Observe the file again: it must still be settled; a change since ``landed`` is returned as found."""
    current = observe(landed.path)
    if not is_settled(current, settle_seconds, now):
        raise FileStillWriting(
            f"{landed.path} changed less than {settle_seconds:g} s ago; it is still being written",
            hint="write to NAME.part and rename it to NAME when complete",
        )
    return current


# -- what is new ------------------------------------------------------------------------------


def pending(project: Project, dataset: str, settle_seconds: float, now: float | None = None) -> list[Pending]:
    """Settled files of the dataset's landing folder whose content is neither a validated version nor refused.

    Copies of the same bytes count once (the oldest file). Call under the dataset's lock.
    """
    ledger = load_ledger(ledger_path(project, dataset))
    listed = list_landed(landing_dir(project, dataset))
    settled = [f for f in listed if is_settled(f, settle_seconds, now)]
    done = known_fingerprints(project, dataset) | refused_fingerprints(ledger, contract_digest(project, dataset))
    found: list[Pending] = []
    for landed in settled:
        digest = cached_fingerprint(ledger, landed)
        if digest is not None and digest not in done:
            found.append(Pending(landed, digest))
            done.add(digest)
    _forget_missing(ledger, {f.path.name for f in listed})
    save_ledger(ledger)
    return found


def recheck(project: Project, dataset: str, item: Pending, settle_seconds: float) -> Pending | None:
    """``item`` as it is now: None when it is gone or its content became known meanwhile.

    Raises ``FileStillWriting`` (retryable) when the file changed too recently.
    """
    try:
        current = confirm_settled(item.landed, settle_seconds)
    except FileNotFoundError:
        return None
    ledger = load_ledger(ledger_path(project, dataset))
    digest = item.fingerprint if current.stamp == item.landed.stamp else cached_fingerprint(ledger, current)
    save_ledger(ledger)
    done = known_fingerprints(project, dataset) | refused_fingerprints(ledger, contract_digest(project, dataset))
    if digest is None or digest in done:
        return None
    return item if digest == item.fingerprint and current == item.landed else Pending(current, digest)


def known_fingerprints(project: Project, dataset: str) -> set[str]:
    """Contents that are validated versions: a version with a finished run.

    A version without one (its run crashed, was interrupted, or hit an error) is
    validated again. Under the dataset's lock no other run is alive, so an
    unfinished run seen then is a dead one.
    """
    finished = catalog.latest_runs(project.catalog, dataset)
    return {v.fingerprint for v in catalog.list_versions(project.catalog, dataset) if v.version in finished}


def contract_digest(project: Project, dataset: str) -> str:
    """The contract file's content: a refusal holds only for the contract that refused."""
    path = project.contract_path(dataset)
    return file_fingerprint(path).digest if path.is_file() else "missing"


# -- the ledger -------------------------------------------------------------------------------


def ledger_path(project: Project, dataset: str) -> Path:
    return project.warehouse / LEDGER_DIR / f"{check_dataset_name(dataset)}.json"


def load_ledger(path: Path) -> Ledger:
    """The ledger, or an empty one when missing or unreadable (it is a cache plus refusals)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return Ledger(path, dict(doc["files"]), dict(doc["refused"]))
    except (OSError, ValueError, KeyError, TypeError):
        return Ledger(path)


def save_ledger(ledger: Ledger) -> None:
    ledger.path.parent.mkdir(parents=True, exist_ok=True)
    scratch = ledger.path.with_name(f".{ledger.path.name}.{os.getpid()}.tmp")
    scratch.write_text(json.dumps({"files": ledger.files, "refused": ledger.refused}, indent=1), encoding="utf-8")
    os.replace(scratch, ledger.path)


def cached_fingerprint(ledger: Ledger, landed: Landed) -> str | None:
    """The file's content fingerprint, hashed only when the file is new or changed; None if it vanished."""
    entry = ledger.files.get(landed.path.name)
    if entry is not None and (entry["size"], entry["mtime_ns"], entry["inode"]) == landed.stamp:
        return str(entry["fingerprint"])
    try:
        digest = fingerprint(landed.path)
    except FileNotFoundError:
        return None
    ledger.files[landed.path.name] = {
        "size": landed.size,
        "mtime_ns": landed.mtime_ns,
        "inode": landed.inode,
        "fingerprint": digest,
    }
    return digest


def refused_fingerprints(ledger: Ledger, contract: str) -> set[str]:
    return {digest for digest, entry in ledger.refused.items() if entry["contract"] == contract}


def record_refusal(project: Project, dataset: str, item: Pending, reason: str) -> None:
    """Remember that this content was refused as bad input under the current contract."""
    ledger = load_ledger(ledger_path(project, dataset))
    ledger.refused[item.fingerprint] = {
        "contract": contract_digest(project, dataset),
        "file": item.landed.path.name,
        "reason": reason,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    save_ledger(ledger)


def _forget_missing(ledger: Ledger, present: set[str]) -> None:
    for name in set(ledger.files) - present:
        del ledger.files[name]
