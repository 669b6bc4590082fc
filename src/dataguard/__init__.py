"""dataguard: validate dataset versions, quarantine bad rows, gate training on the result.

Importing the package is cheap: Prefect loads only with ``dataguard.flows``.
"""

from dataguard.contract import Contract, GatePolicy
from dataguard.errors import DataguardError, GateClosed
from dataguard.gate import ValidatedVersion, open_validated
from dataguard.slices import SliceTest

__all__ = [
    "Contract",
    "DataguardError",
    "GateClosed",
    "GatePolicy",
    "SliceTest",
    "ValidatedVersion",
    "open_validated",
]
__version__ = "0.1.0"
