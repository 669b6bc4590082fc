"""Ctrl-C and SIGTERM during a run: stop at once, mark the run abandoned, publish nothing.

``abandoning()`` turns both signals into ``Interrupted`` (exit 130 or 143)
for the length of a run. A signal that lands inside a native call (a DuckDB
query, a Parquet write) interrupts it, and the error it raises there may not
be ours: ``received()`` tells the run what really stopped it. Inside
``deferred()`` (the publishing transaction) a signal waits until the block
ends, so a version is either published whole or not at all.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from dataguard.errors import Interrupted

STOPPING = (signal.SIGINT, signal.SIGTERM)
_state: dict[str, Any] = {"received": None, "deferring": 0, "pending": None}


def received() -> signal.Signals | None:
    """The signal that stopped the current run, if one did."""
    found: signal.Signals | None = _state["received"]
    return found


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _state["received"] = signal.Signals(signum)
    if _state["deferring"]:
        _state["pending"] = signum
        return
    raise Interrupted(signum)


@contextmanager
def abandoning() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise ``Interrupted`` (main thread only; elsewhere a no-op)."""
    _state.update(received=None, pending=None)
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _on_signal) for s in STOPPING}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block a signal is held; it is raised when the block ends."""
    _state["deferring"] += 1
    try:
        yield
    finally:
        _state["deferring"] -= 1
    pending = _state["pending"]
    if pending is not None and not _state["deferring"]:
        _state["pending"] = None
        raise Interrupted(pending)
