"""The progress display: stage, rows done of the version's rows, elapsed; only when the command line asks."""

from __future__ import annotations

import io

from rich.console import Console

from dataguard.common import progress


def terminal() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=100)


def test_stages_and_rows_reach_the_display_once_it_is_shown() -> None:
    with progress.shown(terminal(), enabled=True, delay=0.0):
        bar = progress._sink["bar"]
        progress.stage("ingest")
        progress.advance(400)
        assert (bar.tasks[0].description, bar.tasks[0].completed, bar.tasks[0].total) == ("ingest", 400, None)
        progress.rows(1_000)
        progress.stage("row checks")
        progress.advance(250)
        progress.advance(250)
        assert (bar.tasks[0].description, bar.tasks[0].completed, bar.tasks[0].total) == ("row checks", 500, 1_000)
    assert progress._sink == {}


def test_nothing_is_drawn_when_not_enabled_and_notes_still_print() -> None:
    console = terminal()
    with progress.shown(console, enabled=False):
        progress.stage("ingest")
        progress.advance(10)
        progress.note("waiting for the other run of flights to finish")
        assert "bar" not in progress._sink
    assert console.file.getvalue() == "waiting for the other run of flights to finish\n"  # type: ignore[attr-defined]


def test_quiet_prints_no_notes_either() -> None:
    console = terminal()
    with progress.shown(console, enabled=False, notes=False):
        progress.note("waiting")
    assert console.file.getvalue() == ""  # type: ignore[attr-defined]


def test_a_short_run_never_draws() -> None:
    console = terminal()
    with progress.shown(console, enabled=True, delay=60.0):
        progress.stage("ingest")
    assert console.file.getvalue() == ""  # type: ignore[attr-defined]
