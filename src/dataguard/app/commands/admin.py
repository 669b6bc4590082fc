"""The project's upkeep: the commands baseline set and clear, catalog upgrade and migrate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dataguard.app.commands.datasets import known_dataset
from dataguard.project import Project


def pin_baseline(project: Project, dataset: str, version: int) -> None:
    """Measure drift of every later version against ``version``."""
    from dataguard.measure.reference import pin_baseline as pin

    known_dataset(project, dataset)
    pin(project, dataset, version)


def clear_baseline(project: Project, dataset: str) -> bool:
    """Unpin the dataset's baseline; False when none was pinned."""
    from dataguard.measure.reference import clear_baseline as unpin

    known_dataset(project, dataset)
    return unpin(project, dataset)


@dataclass(frozen=True)
class SchemaUpgrade:
    catalog: str  # the catalog's address without its password
    before: str | None  # None: the catalog was empty
    after: str


def upgrade_catalog(project: Project) -> SchemaUpgrade:
    """Create the project's catalog, or migrate its schema to this dataguard's."""
    from dataguard.catalog.migrate import upgrade

    before, after = upgrade(project.catalog)
    return SchemaUpgrade(project.catalog.display, before, after)


@dataclass(frozen=True)
class CatalogMove:
    catalog: str  # the catalog's address without its password
    rows: dict[str, int]  # rows copied, per table


def migrate_catalog(project: Project, source: Path) -> CatalogMove:
    """Copy every row of the DuckDB catalog ``source`` (dataguard 0.1) into the project's catalog."""
    from dataguard.catalog.migrate import from_duckdb, upgrade

    upgrade(project.catalog)
    return CatalogMove(project.catalog.display, from_duckdb(project.catalog, source))
