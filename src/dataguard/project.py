"""Finding a project (a folder with ``schemas/``) and creating one."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dataguard.errors import BadInput, ProjectNotFound, UnknownDataset, did_you_mean

if TYPE_CHECKING:
    from dataguard.catalog.address import CatalogDB

PROJECT_ENV = "DATAGUARD_PROJECT"
WAREHOUSE_ENV = "DATAGUARD_WAREHOUSE"


@dataclass(frozen=True)
class Project:
    root: Path
    warehouse: Path

    @property
    def schemas_dir(self) -> Path:
        return self.root / "schemas"

    @property
    def catalog(self) -> CatalogDB:
        """Where the catalog is: ``$DATAGUARD_CATALOG_URL``, ``dataguard.toml``, or the embedded file."""
        from dataguard.catalog.address import CatalogDB, catalog_url

        return CatalogDB(catalog_url(self.root, self.warehouse))

    def contract_path(self, dataset: str) -> Path:
        return self.schemas_dir / f"{check_dataset_name(dataset)}.py"

    def confined(self, path: Path) -> Path:
        """``path``, if it stays inside the warehouse once symlinks are resolved; refused otherwise.

        dataguard writes, deletes and hands out files only inside its warehouse:
        a symlink there pointing elsewhere is never followed.
        """
        root = self.warehouse.resolve()
        real = Path(path).resolve()
        if real != root and root not in real.parents:
            raise BadInput(
                f"{path} leads to {real}, outside the warehouse {root}; refusing to follow it",
                hint="remove the symlink from the warehouse (dataguard never writes or reads data outside it)",
            )
        return Path(path)

    def datasets(self) -> list[str]:
        return sorted(p.stem for p in self.schemas_dir.glob("*.py") if not p.name.startswith("_"))

    def require_contract(self, dataset: str) -> Path:
        """The dataset's contract file; ``UnknownDataset`` naming the closest known dataset when there is none."""
        path = self.contract_path(dataset)
        if not path.is_file():
            known = self.datasets()
            hint = did_you_mean(dataset, known, otherwise=f"known datasets: {', '.join(known) or 'none'}")
            raise UnknownDataset(
                f"unknown dataset {dataset!r}: no contract at {path}",
                hint=f"{hint}; to start one: dataguard infer {dataset} FILE",
            )
        return path


DATASET_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def check_dataset_name(name: str) -> str:
    """A dataset name is a Python module name: it becomes a file and folder name."""
    if not DATASET_NAME.fullmatch(name):
        raise BadInput(
            f"invalid dataset name {name!r}",
            hint="use a letter, then letters, digits or underscores (at most 64), e.g. flights or click_logs",
        )
    return name


def find_project(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Project:
    """The project given, or named by $DATAGUARD_PROJECT, or found upwards like git."""
    given = explicit or os.environ.get(PROJECT_ENV)
    if given:
        root = Path(given).resolve()
        if not (root / "schemas").is_dir():
            raise ProjectNotFound(
                f"{root} is not a dataguard project: it has no schemas/ folder",
                hint=f"create one with: dataguard init {given}",
            )
        return _project_at(root)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "schemas").is_dir():
            return _project_at(folder)
    raise ProjectNotFound(
        f"no dataguard project found in {here} or any folder above it (looked for schemas/)",
        hint="run inside a project, pass --project DIR, set DATAGUARD_PROJECT, or run: dataguard init DIR",
    )


def _project_at(root: Path) -> Project:
    warehouse = os.environ.get(WAREHOUSE_ENV)
    return Project(root=root, warehouse=Path(warehouse).resolve() if warehouse else root / "data" / "warehouse")


EXAMPLE_CONTRACT = '''"""Data contract for the `example` dataset: edit it, or copy it per dataset.

A module with only `schema` is a complete contract. Run
`dataguard infer DATASET FILE` to write a starting contract from a sample file.
"""

import pandera.pandas as pa

import dataguard


class schema(pa.DataFrameModel):  # noqa: N801 - the contract's required name
    id: int = pa.Field(ge=0)
    label: str = pa.Field(isin=["cat", "dog"], nullable=False)
    score: float = pa.Field(in_range={"min_value": 0.0, "max_value": 1.0}, nullable=True)


# Everything below is optional; these are the defaults.
contract = dataguard.Contract(
    keys=["id"],  # key columns: duplicates are quarantined (checked over the whole version)
    gate=dataguard.GatePolicy(
        max_quarantined_fraction=0.05,  # FAIL above this share of quarantined rows
        warn_on_quarantine=True,  # WARN when any row is quarantined
        warn_blocks=False,  # True: a WARN closes the gate too
        block_checks=[],  # check codes that FAIL the version on any failing row
    ),
    # Relations to other datasets (their newest version with an open gate), none by default:
    # references=[dataguard.References(columns=["owner_id"], dataset="owners", to=["id"])],  # foreign_key
    # disjoint_from=[dataguard.Disjoint(dataset="example_eval", on=["id"])],  # leak: no row in both
    # duplicates=dataguard.Duplicates(on=["label", "score"]),  # duplicate: later repeats of a row
)
'''

GITIGNORE = "data/warehouse/\n"


def init_project(directory: str | os.PathLike[str]) -> Project:
    """Create schemas/, flows/ and data/ with a commented example contract."""
    root = Path(directory).resolve()
    if (root / "schemas").is_dir():
        raise BadInput(f"{root} is already a dataguard project (it has schemas/)")
    for sub in ("schemas", "flows", "data/landing"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "schemas" / "example.py").write_text(EXAMPLE_CONTRACT)
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(GITIGNORE)
    return _project_at(root)
