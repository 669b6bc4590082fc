"""Drift policy: which columns are compared, as what, and when a figure counts as drift.

Pure functions and values only: the contract's drift settings, the documented
default thresholds, the column plan, and ``judge`` (effect size against
threshold, guarded by the p-value). ``dataguard.measure.drift.compare`` computes the figures
and documents the thresholds and their calibration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dataguard.measure.profile import type_family
from dataguard.spec.drift import (
    AUTO,
    BLOCK,
    CATEGORICAL,
    NOISE_TESTED,
    NONE,
    NUMERIC,
    TEMPORAL,
    WARN,
    ColumnDrift,
    DriftSettings,
)
from dataguard.spec.source import ROW_ID

# -- planning: which columns, which kind --------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnPlan:
    column: str
    kind: str
    sql_type: str
    auto: bool  # kind came from the type, not the contract
    severity: str
    thresholds: Mapping[str, float | None]
    block_thresholds: Mapping[str, float | None]


@dataclass(frozen=True)
class SkippedColumn:
    """A column drift leaves out, and why (report.json's ``drift_skipped``)."""

    column: str
    reason: str


def _identifier(settings: DriftSettings, keys: Sequence[str]) -> str | None:
    """The contract's key when it is one column that ``settings`` does not declare."""
    return keys[0] if len(keys) == 1 and keys[0] not in {c.column for c in settings.columns} else None


def never_compared(settings: DriftSettings, keys: Sequence[str] = ()) -> frozenset[str]:
    """Columns drift leaves out whatever their type or data: the identifier and the excluded columns (their
    sketch needs no cells; were a later contract to compare one, drift would read its rows instead)."""
    identifier = _identifier(settings, keys)
    return frozenset(settings.exclude) | ({identifier} if identifier is not None else set())


def plan_columns(
    current: Mapping[str, str], reference: Mapping[str, str], settings: DriftSettings, keys: Sequence[str] = ()
) -> tuple[tuple[ColumnPlan, ...], tuple[SkippedColumn, ...]]:
    """Which columns to compare, as which kind, and the columns left out with why.

    A key of one column (``Contract(keys=["id"])``) identifies rows: unique by
    contract, its distribution says nothing about the data, so it is left out
    unless ``settings.columns`` declares it. A part of a composite key is a
    feature like any other.
    """
    declared = {c.column: c for c in settings.columns}
    wanted = list(declared) if settings.declared_only else [*current, *(c for c in declared if c not in current)]
    identifier = _identifier(settings, keys)
    plans, skipped = [], []
    for name in dict.fromkeys(wanted):
        if name == ROW_ID or name in settings.exclude:
            continue
        if name == identifier:
            reason = "the contract's key: an identifier, not a feature; declare ColumnDrift(%r) to compare it anyway"
            skipped.append(SkippedColumn(name, reason % name))
            continue
        plan = _plan(name, current, reference, declared.get(name) or ColumnDrift(name), settings)
        if isinstance(plan, SkippedColumn):
            skipped.append(plan)
        else:
            plans.append(plan)
    return tuple(plans), tuple(skipped)


def _plan(
    name: str, current: Mapping[str, str], reference: Mapping[str, str], declared: ColumnDrift, settings: DriftSettings
) -> ColumnPlan | SkippedColumn:
    if name not in current:
        return SkippedColumn(name, "declared in the drift settings but not in the current version")
    if name not in reference:
        return SkippedColumn(name, "not in the reference version")
    families = type_family(current[name]), type_family(reference[name])
    if families[0] != families[1] and declared.kind != CATEGORICAL:
        return SkippedColumn(name, f"type changed from {reference[name]} to {current[name]}")
    kind = declared.kind if declared.kind != AUTO else {NUMERIC: NUMERIC, CATEGORICAL: CATEGORICAL}.get(families[0])
    if kind is None:
        why = "declare kind='numeric' to compare it as epoch seconds" if families[0] == TEMPORAL else "no statistic"
        return SkippedColumn(name, f"type {current[name]} is not compared by kind 'auto' ({why})")
    if kind == NUMERIC and families[0] not in (NUMERIC, TEMPORAL):
        return SkippedColumn(name, f"declared numeric but its type is {current[name]}")
    return ColumnPlan(
        column=name,
        kind=kind,
        sql_type=current[name],
        auto=declared.kind == AUTO,
        severity=declared.severity or settings.severity,
        thresholds={**settings.thresholds, **(declared.thresholds or {})},
        block_thresholds={**settings.block_thresholds, **(declared.block_thresholds or {})},
    )


# -- judging: effect size and noise guard --------------------------------------------------------------------


def effect_size(metric: str, statistic: float) -> float:
    """The magnitude compared with thresholds: |statistic|, and for std_ratio max(r, 1/r) - 1."""
    if metric == "std_ratio":
        return math.inf if statistic <= 0 else max(statistic, 1 / statistic) - 1
    return abs(statistic)


def judge(
    metric: str, statistic: float, p_value: float | None, plan: ColumnPlan, alpha: float
) -> tuple[bool, str, float | None]:
    """(drifted, severity, threshold): the effect reaches the threshold and noise cannot explain it."""
    threshold, block = plan.thresholds.get(metric), plan.block_thresholds.get(metric)
    if threshold is None:
        return False, NONE, None
    beyond_noise = metric not in NOISE_TESTED or (p_value is not None and p_value < alpha)
    effect = effect_size(metric, statistic)
    if not (effect >= threshold and beyond_noise):
        return False, NONE, threshold
    blocks = plan.severity == BLOCK and block is not None and effect >= block
    return True, BLOCK if blocks else WARN, threshold
