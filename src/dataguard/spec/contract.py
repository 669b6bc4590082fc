"""The data contract: a pandera schema plus the policy around it.

``schemas/<dataset>.py`` must expose ``schema`` (a pandera ``DataFrameModel``
subclass or ``DataFrameSchema``, pandas backend). ``contract =
dataguard.Contract(...)`` is optional; every field has a documented default.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import TypeVar

from dataguard.errors import ContractError
from dataguard.spec.defaults import HISTORY_K_SD, HISTORY_MIN, HISTORY_WINDOW, MAX_QUARANTINED_FRACTION
from dataguard.spec.drift import DriftSettings
from dataguard.spec.execution import Execution
from dataguard.spec.relations import Disjoint, Duplicates, References
from dataguard.spec.slices import SliceTest

T = TypeVar("T")


@dataclass(frozen=True)
class GatePolicy:
    """How results become a verdict (see ``verdict.decide``).

    max_quarantined_fraction: FAIL when more than this share of rows is quarantined.
    warn_on_quarantine: WARN when any row is quarantined (and not FAIL).
    warn_blocks: a WARN verdict closes the gate too.
    block_checks: check codes (e.g. ``"duplicate_key"``) that FAIL the version
        when any row fails them, whatever the fraction.
    """

    max_quarantined_fraction: float = MAX_QUARANTINED_FRACTION
    warn_on_quarantine: bool = True
    warn_blocks: bool = False
    block_checks: tuple[str, ...] | list[str] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_quarantined_fraction <= 1.0:
            raise ContractError(
                f"GatePolicy.max_quarantined_fraction must be within 0..1, got {self.max_quarantined_fraction!r}"
            )
        object.__setattr__(self, "block_checks", _names(self.block_checks))


@dataclass(frozen=True)
class HistoryPolicy:
    """The metric-history rule: a figure outside mean +/- ``k_sd`` standard deviations of the
    same figure over the last ``window`` versions is a WARN reason, once at least
    ``min_history`` earlier versions exist."""

    window: int = HISTORY_WINDOW
    k_sd: float = HISTORY_K_SD
    min_history: int = HISTORY_MIN

    def __post_init__(self) -> None:
        if not (isinstance(self.window, int) and self.window >= 2):
            raise ContractError(f"HistoryPolicy.window must be a whole number of versions >= 2, got {self.window!r}")
        if not (isinstance(self.k_sd, int | float) and self.k_sd > 0):
            raise ContractError(f"HistoryPolicy.k_sd must be a number > 0, got {self.k_sd!r}")
        if not (isinstance(self.min_history, int) and 2 <= self.min_history <= self.window):
            raise ContractError(
                f"HistoryPolicy.min_history must be a whole number from 2 to the window ({self.window}), "
                f"got {self.min_history!r}"
            )


@dataclass(frozen=True)
class Contract:
    """Everything about a dataset beyond its schema.

    keys: columns that identify a row; duplicates are quarantined with code
        ``duplicate_key`` (checked over the whole version in DuckDB).
    gate: the gate policy.
    batch_rows: rows per record batch for the pandera checks (bounds memory).
    encoding: text encoding of CSV / JSON Lines sources; decoded to UTF-8
        before DuckDB reads them.
    csv_delimiter: the CSV field separator (the dialect is fixed, never sniffed).
    slices: slice tests (``dataguard.SliceTest``), evaluated on the clean rows.
    drift: drift settings (``dataguard.DriftSettings``): columns, kinds, thresholds, severities.
    execution: where the row checks run (``dataguard.Execution``): partition size,
        task runner, Dask scheduler address; the command line overrides it, and
        it overrides the environment.
    history: the metric-history rule (``dataguard.HistoryPolicy``): window, k, minimum.
    references: keys that must exist in other datasets (``dataguard.References``, code ``foreign_key``).
    disjoint_from: datasets no row may also occur in (``dataguard.Disjoint``, code ``leak``).
    duplicates: rows that may not repeat an earlier row of the version (``dataguard.Duplicates``,
        code ``duplicate``); None: not checked.
    """

    keys: tuple[str, ...] | list[str] = ()
    gate: GatePolicy = field(default_factory=GatePolicy)
    batch_rows: int = 500_000
    encoding: str = "utf-8"
    csv_delimiter: str = ","
    slices: tuple[SliceTest, ...] | list[SliceTest] = ()
    drift: DriftSettings = field(default_factory=DriftSettings)
    execution: Execution = field(default_factory=Execution)
    history: HistoryPolicy = field(default_factory=HistoryPolicy)
    references: tuple[References, ...] | list[References] = ()
    disjoint_from: tuple[Disjoint, ...] | list[Disjoint] = ()
    duplicates: Duplicates | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "references", _all_of(self.references, References, "references"))
        object.__setattr__(self, "disjoint_from", _all_of(self.disjoint_from, Disjoint, "disjoint_from"))
        if self.duplicates is not None and not isinstance(self.duplicates, Duplicates):
            raise ContractError(
                f"Contract.duplicates takes a dataguard.Duplicates, got {type(self.duplicates).__name__}",
                hint="duplicates=dataguard.Duplicates(on=['id'])",
            )
        if not isinstance(self.history, HistoryPolicy):
            raise ContractError(
                f"Contract.history takes a dataguard.HistoryPolicy, got {type(self.history).__name__}",
                hint="history=dataguard.HistoryPolicy(window=5, k_sd=3.0, min_history=3)",
            )
        if not isinstance(self.execution, Execution):
            raise ContractError(
                f"Contract.execution takes a dataguard.Execution, got {type(self.execution).__name__}",
                hint="execution=dataguard.Execution(task_runner='dask', dask_address='tcp://host:8786')",
            )
        object.__setattr__(self, "keys", _names(self.keys))
        object.__setattr__(self, "slices", tuple(self.slices))
        for test in self.slices:
            if not isinstance(test, SliceTest):
                raise ContractError(f"Contract.slices takes dataguard.SliceTest values, got {type(test).__name__}")
        names = [test.name for test in self.slices]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ContractError(f"Contract.slices: slice names must be unique; repeated: {', '.join(twice)}")
        if self.batch_rows < 1:
            raise ContractError(f"Contract.batch_rows must be at least 1, got {self.batch_rows!r}")
        try:
            codecs.lookup(self.encoding)
        except LookupError as exc:
            raise ContractError(
                f"Contract.encoding {self.encoding!r} is not a known text encoding",
                hint="use a Python codec name such as 'utf-8', 'latin-1' or 'cp1252'",
            ) from exc
        if len(self.csv_delimiter) != 1 or self.csv_delimiter in '"\r\n':
            raise ContractError(
                "Contract.csv_delimiter must be one character other than a quote or newline, "
                f"got {self.csv_delimiter!r}"
            )


def _all_of(values: object, kind: type[T], name: str) -> tuple[T, ...]:
    """A list of ``kind`` values (a lone value is a list of one)."""
    found = (values,) if isinstance(values, kind) else tuple(values) if isinstance(values, list | tuple) else None
    if found is None or not all(isinstance(v, kind) for v in found):
        raise ContractError(
            f"Contract.{name} takes a list of dataguard.{kind.__name__}, got {values!r}",
            hint=f"{name}=[dataguard.{kind.__name__}(...)]",
        )
    return found


def _names(names: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    """A lone string is one name, not a sequence of one-letter names."""
    return (names,) if isinstance(names, str) else tuple(names)
