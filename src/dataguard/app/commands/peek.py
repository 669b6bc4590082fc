"""The command peek: a page of exactly what training would receive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dataguard.project import find_project


@dataclass(frozen=True)
class PeekPage:
    dataset: str
    version: int
    revision: int
    clean: str  # the clean file the page shows, verified against its fingerprint
    clean_fingerprint: str
    rows: int
    sample_rows: int
    seed: int
    reference_version: int | None
    path: str  # the page


def write_peek(
    project: Path | None, dataset: str, version: int | None, rows: int, seed: int, out: Path | None
) -> PeekPage:
    """Open the version (newest open one by default) and write its peek page (default: beside its report).

    ``project`` is found like ``find_project`` does, after the sample size is checked.
    """
    from dataguard.gate.peek import check_sample_size
    from dataguard.gate.peek_html import peek_page
    from dataguard.gate.validated import open_validated

    check_sample_size(rows)
    proj = find_project(project)
    opened = open_validated(dataset, version, proj, opened_by="peek")
    peeked, page = peek_page(proj.catalog, opened, rows, seed, out)
    return PeekPage(
        dataset,
        opened.version,
        opened.revision,
        str(opened.clean_path),
        opened.clean_fingerprint,
        peeked.rows,
        len(peeked.sample),
        seed,
        peeked.reference_version,
        str(page),
    )
