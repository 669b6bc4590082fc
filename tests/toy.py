"""A tiny dataset with known values for the peek and open_validated tests: two versions, one bad row each."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dataguard.project import Project
from tests.conftest import write_contract

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'

CONTRACT = """
import pandera.pandas as pa

import dataguard


class schema(pa.DataFrameModel):
    id: int
    price: float = pa.Field(ge=0, nullable=True)
    qty: int
    colour: str = pa.Field(nullable=True)


contract = dataguard.Contract(
    gate=dataguard.GatePolicy(max_quarantined_fraction=0.5),
    drift=dataguard.DriftSettings(declared_only=True),
)
"""

# The reference: row id 4 (price -1) is quarantined.
V1 = pd.DataFrame(
    {
        "id": list(range(1, 13)),
        "price": [10.5, None, 7.25, -1.0, 12.0, 3.5, 8.0, None, 15.75, 2.0, 9.5, 6.0],
        "qty": [3, 1, 2, 5, 4, 1, 2, 6, 3, 2, 1, 5],
        "colour": ["red", "blue", "red", "green", None, "blue", "red", "green", "red", "blue", None, "red"],
    }
)

# The version training receives: row id 4 (price -2) is quarantined; two colours are hostile markup.
V2 = pd.DataFrame(
    {
        "id": list(range(1, 11)),
        "price": [4.0, None, 11.5, -2.0, 6.25, 9.0, None, 13.0, 5.5, 8.75],
        "qty": [2, 7, 1, 3, 4, 2, 5, 3, 1, 6],
        "colour": ["red", SCRIPT, "red", "blue", None, IMG, "red", "blue", "green", "red"],
    }
)


def write_toy(project: Project, folder: Path) -> tuple[Path, Path]:
    """The contract, and the two versions as CSV files."""
    write_contract(project, "toy", CONTRACT)
    paths = folder / "toy-v1.csv", folder / "toy-v2.csv"
    for frame, path in zip((V1, V2), paths, strict=True):
        frame.to_csv(path, index=False)
    return paths


def clean(frame: pd.DataFrame) -> pd.DataFrame:
    """What the contract keeps: rows whose price is null or not negative."""
    return frame[frame["price"].isna() | (frame["price"] >= 0)].reset_index(drop=True)
