"""Fault injection for the crash tests: a test hook, inert unless its variable is set.

``DATAGUARD_FAULT_AT=<stage>`` makes the process kill itself with SIGKILL (as
``kill -9`` would) when the run reaches ``<stage>``; ``<stage>:transient``
raises a retryable ``CatalogBusy`` there instead, once per process;
``<stage>:sigterm`` and ``<stage>:sigint`` send the process that signal (as
``kill`` or Ctrl-C would), once. The tests
in tests/faults/ use it to stop a real run at an exact stage boundary, with no
timing involved. Stages, in the order a run reaches them:

    ingest.staged      canonical Parquet written to staging, version not registered
    ingest.registered  version registered, no run started
    rowchecks          failures.parquet written, nothing split
    split              quarantine and deletion vector written, no report
    report             report files written, catalog not told
    publish            catalog transaction committed, flow not returned
    review             a revision's deletion vector written, the decision not recorded
    materialize        a clean file made on first open, not yet recorded or moved into place

Several stages may be given, comma-separated. Nothing else reads the variable.
"""

from __future__ import annotations

import os
import signal

from dataguard.errors import CatalogBusy

FAULT_ENV = "DATAGUARD_FAULT_AT"
STAGES = (
    "ingest.staged",
    "ingest.registered",
    "rowchecks",
    "split",
    "report",
    "publish",
    "review",
    "materialize",
)
_SIGNALS = {"sigterm": signal.SIGTERM, "sigint": signal.SIGINT}
_fired: set[str] = set()


def fault_point(stage: str) -> None:
    """Die (or fail once, retryably) here if the test hook asks for ``stage``."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    for spec in wanted.split(","):
        name, _, kind = spec.strip().partition(":")
        if name != stage:
            continue
        if kind in _SIGNALS or kind == "transient":
            if stage in _fired:
                continue
            _fired.add(stage)
            if kind == "transient":
                raise CatalogBusy(f"injected transient fault at {stage} ({FAULT_ENV})")
            os.kill(os.getpid(), _SIGNALS[kind])
            continue
        os.kill(os.getpid(), signal.SIGKILL)
