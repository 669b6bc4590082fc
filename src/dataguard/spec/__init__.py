"""What a contract declares, as plain values: ``Contract`` and its parts, checked when built.

contract (Contract, GatePolicy, HistoryPolicy), slices (SliceTest), drift (DriftSettings,
ColumnDrift), source (SourceOptions, the reserved columns), execution (Execution), defaults (every
default threshold, one table), outcome (PASS/WARN/FAIL, the severities, one worst()).

Nothing here runs a check or reads data: importing ``dataguard.spec`` loads none of pandera,
pandas, DuckDB, pyarrow or Prefect (``tests/test_layout.py``). The stages that act on a spec
(``dataguard.checks``, ``dataguard.measure``, ``dataguard.verdict``) import it, never the reverse.
The public names are ``dataguard.Contract`` and the others; this package imports none of its
modules itself, so a command that needs one default loads only that.
"""
