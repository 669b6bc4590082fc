"""dataguard: validate dataset versions, quarantine bad rows, gate training on the result.

Importing the package is cheap: Prefect loads only with ``dataguard.flows``.
"""

from dataguard.contract import Contract, GatePolicy
from dataguard.drift_policy import ColumnDrift, DriftSettings
from dataguard.errors import DataguardError, GateClosed
from dataguard.execution import Execution
from dataguard.gate import ValidatedVersion, open_validated
from dataguard.slices import SliceTest

__all__ = [
    "ColumnDrift",
    "Contract",
    "DataguardError",
    "DriftSettings",
    "Execution",
    "GateClosed",
    "GatePolicy",
    "SliceTest",
    "ValidatedVersion",
    "open_validated",
]
__version__ = "0.1.0"
