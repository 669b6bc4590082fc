"""dataguard: validate dataset versions, quarantine bad rows, gate training on the result.

Importing the package is cheap: each public name loads its module on first
use, so ``import dataguard; dataguard.open_validated(...)`` never loads
pandera, pandas or Prefect.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataguard.contract import Contract, GatePolicy, HistoryPolicy
    from dataguard.drift_policy import ColumnDrift, DriftSettings
    from dataguard.errors import DataguardError, GateClosed
    from dataguard.execution import Execution
    from dataguard.gate import ValidatedVersion, open_validated
    from dataguard.slices import SliceTest

_HOMES = {
    "ColumnDrift": "dataguard.drift_policy",
    "Contract": "dataguard.contract",
    "DataguardError": "dataguard.errors",
    "DriftSettings": "dataguard.drift_policy",
    "Execution": "dataguard.execution",
    "GateClosed": "dataguard.errors",
    "GatePolicy": "dataguard.contract",
    "HistoryPolicy": "dataguard.contract",
    "SliceTest": "dataguard.slices",
    "ValidatedVersion": "dataguard.gate",
    "open_validated": "dataguard.gate",
}

__all__ = [
    "ColumnDrift",
    "Contract",
    "DataguardError",
    "DriftSettings",
    "Execution",
    "GateClosed",
    "GatePolicy",
    "HistoryPolicy",
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
