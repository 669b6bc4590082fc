"""The one vocabulary of results: a verdict's ``Outcome`` and a result's ``Severity``, ranked by ``worst``.

Both are ``StrEnum`` so that a member equals its spelling (``Outcome.WARN ==
"WARN"``) and JSON, Markdown and the catalog carry the same text as before.
Engine-free: standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar


class Outcome(StrEnum):
    """The gate's verdict on a version, best first."""

    PASS = "PASS"
    WARN = "WARN"
    FAIL = "FAIL"


class Severity(StrEnum):
    """What a result does to the gate, mildest first.

    ``none``: nothing (a drift metric that did not drift). ``quarantine``: a row
    check whose failing rows are only set aside. ``warn``: a reason for WARN.
    ``block``: a reason for FAIL.
    """

    NONE = "none"
    QUARANTINE = "quarantine"
    WARN = "warn"
    BLOCK = "block"


Ranked = TypeVar("Ranked", Outcome, Severity)

# Declaration order is the ranking; a plain string ranks as the member it spells.
_RANK: dict[str, int] = {
    **{member: rank for rank, member in enumerate(Outcome)},
    **{member: rank for rank, member in enumerate(Severity)},
}


def rank(value: str) -> int:
    """How bad ``value`` is within its vocabulary (0: the best); a sort key, worst last."""
    return _RANK[value]


def worst(found: Iterable[str], best: Ranked) -> Ranked:
    """The worst of ``found`` as a member of ``best``'s vocabulary; ``best`` when ``found`` is empty."""
    members = [type(best)(value) for value in found]
    return max(members, key=rank, default=best)
