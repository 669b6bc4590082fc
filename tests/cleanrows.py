"""The clean rows a published run describes: its version's file minus its deletion vector (no file is made)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from dataguard.common.rows import VersionRows


def clean_of(report: dict[str, Any], columns: Sequence[str] | None = None) -> pa.Table:
    """``report``'s clean rows, ``_row_id`` first; the version's file is the one in its folder of the warehouse."""
    deleted = Path(report["paths"]["deleted"])
    return VersionRows(deleted.parents[2] / "source.parquet", deleted).read(columns)
