"""What a long run is doing, for the person at the terminal.

The library says which stage it is in (``stage``), how many rows the version
has (``rows``) and how many are done (``advance``); nothing listens unless the
command line opens ``shown()``. The display appears only once a run has
taken ``DELAY_SECONDS``, only on a terminal, and never with ``--json`` or
``--quiet``: a short run prints nothing extra.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

DELAY_SECONDS = 2.0
_sink: dict[str, Any] = {}


def stage(name: str) -> None:
    if (bar := _sink.get("bar")) is not None:
        bar.update(_sink["task"], description=name, completed=0)


def rows(total: int | None) -> None:
    if (bar := _sink.get("bar")) is not None:
        bar.update(_sink["task"], total=total, completed=0)


def advance(done: int) -> None:
    if (bar := _sink.get("bar")) is not None:
        bar.advance(_sink["task"], done)


def note(message: str) -> None:
    """A line worth telling the person now (waiting for a lock), whether or not the display is up."""
    if (console := _sink.get("console")) is not None:
        console.print(message, markup=False, highlight=False)


@contextmanager
def shown(console: Console, *, enabled: bool, notes: bool = True, delay: float = DELAY_SECONDS) -> Iterator[None]:
    """Show progress on ``console`` while the block runs, from ``delay`` seconds on, when ``enabled``.

    ``notes``: print ``note`` lines on ``console`` (even without the display).
    """
    if not enabled:
        if notes:
            _sink["console"] = console
        try:
            yield
        finally:
            _sink.clear()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    _sink.update(bar=bar, task=bar.add_task("starting", total=None), console=console)
    timer = threading.Timer(delay, bar.start)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        bar.stop()
        _sink.clear()
