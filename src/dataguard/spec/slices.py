"""What a slice test declares: ``SliceTest`` and the metric names, checked as values
(names, thresholds a metric can reach). Engine-free; ``dataguard.measure.slices`` runs them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dataguard.errors import ContractError, did_you_mean
from dataguard.spec.outcome import Severity

DATA_METRICS = ("row_count", "share", "null_rate", "mean", "rate")
CLASS_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
REGRESSION_METRICS = ("mae", "rmse")
METRICS = DATA_METRICS + CLASS_METRICS + REGRESSION_METRICS
MODEL_METRICS = CLASS_METRICS + REGRESSION_METRICS
LOWER_IS_BETTER = frozenset({"null_rate", "mae", "rmse"})
SEVERITIES = (Severity.BLOCK, Severity.WARN)
WHERE_HINT = "write one SQL condition on the version's columns, e.g. origin = 'JFK' AND hour >= 20"


@dataclass(frozen=True)
class SliceTest:
    """One slice test of the contract.

    name: unique within the contract; where: a SQL boolean expression over the
    version's columns; metric: one of ``METRICS``; column: for null_rate and
    mean; expression: for rate; label: for model metrics, the true value as a
    column or expression. min / max: the threshold on the metric. min_rows:
    below it the slice is too small, a failure unless ``too_small_fails`` is
    False. severity: "block" or "warn". max_drop: the largest allowed worsening
    against the same slice on the reference version, in the metric's units (a
    decrease, or an increase for null_rate, mae and rmse, where lower is better).
    """

    name: str
    where: str = "TRUE"
    metric: str = "row_count"
    column: str | None = None
    expression: str | None = None
    label: str | None = None
    min: float | None = None
    max: float | None = None
    min_rows: int = 30
    too_small_fails: bool = True
    severity: str = Severity.BLOCK
    max_drop: float | None = None

    def __post_init__(self) -> None:
        for problem in _spec_problems(self):
            raise ContractError(f"slice {self.name!r}: {problem}")


def _spec_problems(test: SliceTest) -> Iterator[str]:
    if not test.name or not test.name.strip():
        yield "a slice needs a non-empty name"
    if test.metric not in METRICS:
        close = did_you_mean(test.metric, METRICS)
        yield f"unknown metric {test.metric!r}{f' ({close})' if close else ''}; the metrics are {', '.join(METRICS)}"
    if test.severity not in SEVERITIES:
        yield f"severity must be 'block' or 'warn', got {test.severity!r}"
    needs = {"null_rate": "column", "mean": "column", "rate": "expression"}
    needs.update(dict.fromkeys(MODEL_METRICS, "label"))
    if test.metric in needs and getattr(test, needs[test.metric]) is None:
        yield f"metric {test.metric!r} needs `{needs[test.metric]}`"
    if test.min is None and test.max is None and test.max_drop is None:
        yield "no threshold: give min, max or max_drop"
    if test.min is not None and test.max is not None and test.min > test.max:
        yield f"min {test.min} is above max {test.max}"
    if test.min_rows < 0 or (test.max_drop is not None and test.max_drop < 0):
        yield "min_rows and max_drop cannot be negative"
    yield from _impossible_bounds(test)


SHARE_METRICS = frozenset({"share", "null_rate", "rate", *CLASS_METRICS})  # each lies within 0..1


def _impossible_bounds(test: SliceTest) -> Iterator[str]:
    """A threshold no value of the metric can meet would fail (or pass) every version, whatever the data."""
    bounds = {"min": test.min, "max": test.max, "max_drop": test.max_drop}
    if test.metric in SHARE_METRICS:
        for name, value in bounds.items():
            if value is not None and not 0.0 <= value <= 1.0:
                yield f"{name} {value} is impossible: {test.metric} lies within 0..1"
    elif test.metric in ("row_count", "mae", "rmse") and test.max is not None and test.max < 0:
        yield f"max {test.max} is impossible: {test.metric} is never negative"
