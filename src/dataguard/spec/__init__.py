"""What a contract declares, as plain values: ``Contract`` and its parts, checked when built.

Nothing here runs a check or reads data: importing ``dataguard.spec`` loads none of pandera,
pandas, DuckDB, pyarrow or Prefect (``tests/test_layout.py``). The stages that act on a
spec (``dataguard.checks``, ``dataguard.measure``, ``dataguard.verdict``) import it, never the reverse.
"""

from dataguard.spec.contract import Contract, GatePolicy, HistoryPolicy
from dataguard.spec.drift import ColumnDrift, DriftSettings
from dataguard.spec.execution import Execution
from dataguard.spec.slices import SliceTest
from dataguard.spec.source import SourceOptions

__all__ = [
    "ColumnDrift",
    "Contract",
    "DriftSettings",
    "Execution",
    "GatePolicy",
    "HistoryPolicy",
    "SliceTest",
    "SourceOptions",
]
