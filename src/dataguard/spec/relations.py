"""Relations to other datasets (and within one version) that a contract declares.

``References``: a row's key must exist in another dataset (code ``foreign_key``).
``Disjoint``: a row must not also occur in another dataset (code ``leak``).
``Duplicates``: a row must not repeat an earlier row of the same version (code ``duplicate``).

The other dataset's rows are the clean rows of its newest version whose gate
is open, or of the ``version`` given; the version used is recorded with the
run. Like the rest of ``dataguard.spec`` these are plain values: nothing here
reads data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dataguard.errors import ContractError

FOREIGN_KEY = "foreign_key"
LEAK = "leak"
DUPLICATE = "duplicate"

_DATASET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _names(names: tuple[str, ...] | list[str] | str | None, what: str) -> tuple[str, ...]:
    """A lone string is one name; every name is a non-empty string, none repeated."""
    if names is None:
        return ()
    found = (names,) if isinstance(names, str) else tuple(names)
    if not all(isinstance(n, str) and n for n in found):
        raise ContractError(f"{what} takes column names (non-empty strings), got {list(found)!r}")
    if len(set(found)) != len(found):
        raise ContractError(f"{what} names a column twice: {list(found)!r}")
    return found


def _dataset(name: object, what: str) -> str:
    if not isinstance(name, str) or not _DATASET.match(name):
        raise ContractError(
            f"{what}: dataset must be a dataset name (letters, digits, '_', '.', '-'), got {name!r}",
            hint="the name of the other dataset's contract, schemas/<dataset>.py",
        )
    return name


def _version(version: object, what: str) -> int | None:
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise ContractError(f"{what}: version must be a version number (1 or more) or None, got {version!r}")
    return version


def _near(near: object, what: str) -> Any:
    if near is None:
        return None
    from dataguard.spec.near import NearDuplicates

    if not isinstance(near, NearDuplicates):
        raise ContractError(
            f"{what}: near takes a dataguard.NearDuplicates, got {type(near).__name__}",
            hint="near=dataguard.NearDuplicates(columns=['text'], threshold=0.8)",
        )
    return near


@dataclass(frozen=True)
class References:
    """Each row's ``columns`` must match ``to`` (default: the same names) in a row of ``dataset``.

    A row whose key has a null in any column is not checked (as SQL's MATCH
    SIMPLE foreign keys). ``version`` pins the referenced version; by default
    it is the newest one whose gate is open.
    """

    columns: tuple[str, ...] | list[str] | str
    dataset: str
    to: tuple[str, ...] | list[str] | str | None = None
    version: int | None = None

    def __post_init__(self) -> None:
        what = "References"
        columns = _names(self.columns, f"{what}.columns")
        to = _names(self.to, f"{what}.to") or columns
        if not columns:
            raise ContractError(f"{what}.columns must name at least one column")
        if len(to) != len(columns):
            raise ContractError(
                f"{what}: columns {list(columns)!r} and to {list(to)!r} must have the same length",
                hint="one referenced column for each column of the key, in the same order",
            )
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "to", to)
        object.__setattr__(self, "dataset", _dataset(self.dataset, what))
        object.__setattr__(self, "version", _version(self.version, what))

    @property
    def code(self) -> str:
        return FOREIGN_KEY


@dataclass(frozen=True)
class Disjoint:
    """No row may also occur in ``dataset``: by the key ``on``, or by the whole row when ``on`` is empty.

    A whole row is compared on the columns both datasets have, text trimmed,
    lower-cased and its runs of white space made one space, and nulls equal. A
    key with a null is not compared. ``near`` also finds rows whose text is
    nearly the same (``dataguard.NearDuplicates``). ``version`` pins the other
    dataset's version; by default it is the newest one whose gate is open.
    """

    dataset: str
    on: tuple[str, ...] | list[str] | str | None = None
    version: int | None = None
    near: Any = None  # dataguard.NearDuplicates | None (kept Any: spec.near is imported when one is given)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dataset", _dataset(self.dataset, "Disjoint"))
        object.__setattr__(self, "on", _names(self.on, "Disjoint.on"))
        object.__setattr__(self, "version", _version(self.version, "Disjoint"))
        object.__setattr__(self, "near", _near(self.near, "Disjoint"))

    @property
    def code(self) -> str:
        return LEAK


@dataclass(frozen=True)
class Duplicates:
    """No row may repeat an earlier row of the same version: by the key ``on``, or the whole row.

    The first occurrence stays clean; each later one is quarantined and names
    the first's ``_row_id``. (The contract's ``keys`` quarantine every row of a
    repeated key instead.) Rows are compared as ``Disjoint`` compares them, and
    ``near`` adds rows whose text is nearly the same as an earlier row's.
    """

    on: tuple[str, ...] | list[str] | str | None = None
    near: Any = None  # dataguard.NearDuplicates | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "on", _names(self.on, "Duplicates.on"))
        object.__setattr__(self, "near", _near(self.near, "Duplicates"))

    @property
    def code(self) -> str:
        return DUPLICATE


Relation = References | Disjoint | Duplicates
