"""dataguard: validate dataset versions, quarantine bad rows, gate training on the result.

Importing the package is cheap: each public name loads its module on first
use, so ``import dataguard; dataguard.open_validated(...)`` never loads
pandera, pandas or Prefect.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataguard.errors import DataguardError, GateClosed
    from dataguard.gate.opened import ValidatedVersion
    from dataguard.gate.validated import open_validated
    from dataguard.spec.contract import Contract, GatePolicy, HistoryPolicy
    from dataguard.spec.drift import ColumnDrift, DriftSettings
    from dataguard.spec.execution import Execution
    from dataguard.spec.near import NearDuplicates
    from dataguard.spec.relations import Disjoint, Duplicates, References
    from dataguard.spec.slices import SliceTest

_HOMES = {
    "ColumnDrift": "dataguard.spec.drift",
    "Contract": "dataguard.spec.contract",
    "DataguardError": "dataguard.errors",
    "Disjoint": "dataguard.spec.relations",
    "Duplicates": "dataguard.spec.relations",
    "DriftSettings": "dataguard.spec.drift",
    "Execution": "dataguard.spec.execution",
    "GateClosed": "dataguard.errors",
    "GatePolicy": "dataguard.spec.contract",
    "HistoryPolicy": "dataguard.spec.contract",
    "NearDuplicates": "dataguard.spec.near",
    "References": "dataguard.spec.relations",
    "SliceTest": "dataguard.spec.slices",
    "ValidatedVersion": "dataguard.gate.opened",
    "open_validated": "dataguard.gate.validated",
}

__all__ = [
    "ColumnDrift",
    "Contract",
    "DataguardError",
    "Disjoint",
    "DriftSettings",
    "Duplicates",
    "Execution",
    "GateClosed",
    "GatePolicy",
    "HistoryPolicy",
    "NearDuplicates",
    "References",
    "SliceTest",
    "ValidatedVersion",
    "open_validated",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'dataguard' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
