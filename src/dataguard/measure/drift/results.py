"""What drift reports: one ``DriftResult`` per column and metric, a ``ColumnSummary`` per column,
the ``DriftOutcome`` of a comparison, and ``describe`` (a column's drift as a person reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataguard.errors import DataguardError
from dataguard.measure.drift.policy import SkippedColumn
from dataguard.spec.drift import BLOCK, NONE
from dataguard.spec.outcome import worst


class DriftUnavailable(DataguardError):
    """Drift cannot be computed (an empty reference or version): never a silent pass."""


# -- results -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriftResult:
    """One metric of one column: a row of report.json's ``drift`` list (``column`` None: the dataset)."""

    column: str | None
    kind: str  # numeric | categorical | dataset
    metric: str
    statistic: float
    p_value: float | None
    threshold: float | None
    drifted: bool
    severity: str  # none | warn | block
    detail: dict[str, Any]


@dataclass(frozen=True)
class ColumnSummary:
    column: str
    kind: str
    severity: str  # the worst of its results
    drifted_metrics: tuple[str, ...]
    contributors: tuple[dict[str, Any], ...]  # the bins or categories that move its PSI most
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriftOutcome:
    reference_rows: int
    current_rows: int
    results: tuple[DriftResult, ...]
    columns: tuple[ColumnSummary, ...]
    skipped: tuple[SkippedColumn, ...]

    @property
    def severity(self) -> str:
        return worst((r.severity for r in self.results), NONE)

    @property
    def drifted(self) -> tuple[DriftResult, ...]:
        return tuple(r for r in self.results if r.drifted)

    @property
    def row_count_change(self) -> DriftResult:
        return next(r for r in self.results if r.metric == "row_count_change")

    @property
    def null_rate_changes(self) -> tuple[DriftResult, ...]:
        return tuple(r for r in self.results if r.metric == "null_rate_change")

    @property
    def reasons(self) -> tuple[str, ...]:
        """One line per drifted column (and the row count), blocking ones first: the verdict's reasons."""
        by_column: dict[str | None, list[DriftResult]] = {}
        for result in self.drifted:
            by_column.setdefault(result.column, []).append(result)
        lines = sorted(
            by_column.values(), key=lambda rs: (worst((r.severity for r in rs), NONE) != BLOCK, rs[0].column or "")
        )
        return tuple(describe(rs) for rs in lines)

    def report(self) -> list[dict[str, Any]]:
        """report.json's ``drift`` list: every result, JSON-ready."""
        return [
            {
                "column": r.column,
                "kind": r.kind,
                "metric": r.metric,
                "statistic": r.statistic,
                "p_value": r.p_value,
                "threshold": r.threshold,
                "drifted": r.drifted,
                "severity": r.severity,
                "detail": r.detail,
            }
            for r in self.results
        ]


def describe(results: list[DriftResult]) -> str:
    """One column's drift as a person reads it: each metric against its threshold, and what moved most."""
    where = f"column {results[0].column}" if results[0].column is not None else "the dataset"
    figures = ", ".join(
        f"{r.metric} {r.statistic:.3g} >= {r.threshold:g}" + ("" if r.p_value is None else f" (p={r.p_value:.2g})")
        for r in results
    )
    text = f"drift ({worst((r.severity for r in results), NONE)}) in {where}: {figures}"
    movers = next((r.detail["contributors"] for r in results if r.detail.get("contributors")), None)
    if movers:
        top = movers[0]
        label = top.get("category", top.get("bin"))
        text += f"; most moved: {label} {top['reference_share']:.1%} -> {top['current_share']:.1%}"
    return text
