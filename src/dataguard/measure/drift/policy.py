"""Drift policy: which columns are compared, as what, and when a figure counts as drift.

Pure functions and values only: the contract's drift settings, the documented
default thresholds, the column plan, and ``judge`` (effect size against
threshold, guarded by the p-value). ``dataguard.measure.drift.compare`` computes the figures
and documents the thresholds and their calibration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from dataguard.errors import ContractError, did_you_mean
from dataguard.ingest.version import ROW_ID
from dataguard.measure.profile import CATEGORICAL, NUMERIC, TEMPORAL, type_family

NONE, WARN, BLOCK = "none", "warn", "block"
AUTO = "auto"
KINDS = (AUTO, NUMERIC, CATEGORICAL)
SEVERITIES = (WARN, BLOCK)

NUMERIC_METRICS = ("ks", "wasserstein", "wasserstein_norm", "mean_shift_sd", "std_ratio", "psi")
CATEGORICAL_METRICS = (
    "chi2",
    "psi",
    "js_distance",
    "category_share_change",
    "new_category_share",
    "gone_category_share",
)
METRICS = tuple(dict.fromkeys((*NUMERIC_METRICS, *CATEGORICAL_METRICS, "null_rate_change", "row_count_change")))

DEFAULT_THRESHOLDS: Mapping[str, float | None] = MappingProxyType(
    {
        "psi": 0.10,
        "wasserstein_norm": 0.05,
        "mean_shift_sd": 0.05,
        "js_distance": 0.10,
        "category_share_change": 0.025,
        "new_category_share": 0.01,
        "gone_category_share": 0.01,
        "null_rate_change": 0.01,
        "row_count_change": 0.50,
    }
)
DEFAULT_BLOCK_THRESHOLDS: Mapping[str, float | None] = MappingProxyType(
    {
        "psi": 0.25,
        "wasserstein_norm": 0.25,
        "mean_shift_sd": 0.25,
        "js_distance": 0.20,
        "category_share_change": 0.10,
        "new_category_share": 0.05,
        "gone_category_share": 0.05,
        "null_rate_change": 0.05,
        "row_count_change": 0.90,
    }
)
DEFAULT_ALPHA = 1e-4
# Metrics whose verdict also needs their p-value below alpha (the others have no noise test).
NOISE_TESTED = frozenset(METRICS) - {"std_ratio", "row_count_change"}


# -- settings (declared in the contract) -----------------------------------------------------------------


@dataclass(frozen=True)
class ColumnDrift:
    """Drift settings of one column.

    kind: ``numeric``, ``categorical`` or ``auto`` (from the Parquet type: numbers are
        numeric, text and booleans categorical; declare ``categorical`` for integer codes,
        ``numeric`` to compare a timestamp or date as epoch seconds).
    severity: what drift of this column does to the gate: ``warn``, or ``block`` when the
        effect also reaches the block threshold. None: the settings' severity.
    thresholds, block_thresholds: per-metric overrides (None as a value: report only).
    """

    column: str
    kind: str = AUTO
    severity: str | None = None
    thresholds: Mapping[str, float | None] | None = None
    block_thresholds: Mapping[str, float | None] | None = None

    def __post_init__(self) -> None:
        _check_choice("ColumnDrift.kind", self.kind, KINDS)
        if self.severity is not None:
            _check_choice("ColumnDrift.severity", self.severity, SEVERITIES)
        for name in ("thresholds", "block_thresholds"):
            given = getattr(self, name)
            if given is not None:
                object.__setattr__(self, name, _check_thresholds(f"ColumnDrift({self.column!r}).{name}", given))


@dataclass(frozen=True)
class DriftSettings:
    """Contract-level drift settings: ``Contract(drift=DriftSettings(...))``.

    columns: per-column settings; every other column (but ``_row_id`` and ``exclude``)
        is compared too, with kind ``auto``, unless ``declared_only``.
    psi_bins: PSI bins on the reference's quantiles (10: deciles).
    exact_ks_max_rows: KS and Wasserstein are exact while both samples together have at
        most this many values; above, they come from fine bins with an error bound.
    thresholds, block_thresholds: warn and block thresholds per metric, merged over the
        documented defaults (None as a value: report the metric, never flag it).
    severity: what a drifted column does to the gate unless its ColumnDrift says otherwise.
    alpha: the noise guard: a metric with a test is drifted only with p-value below this.
    max_categories: a text column of kind ``auto`` with more distinct reference values is
        skipped (identifiers, free text); declare it categorical to compare it anyway.
    grid_cells: cells of the exact KS / Wasserstein pass (more: less refinement, bigger GROUP BY).
    """

    columns: tuple[ColumnDrift, ...] | list[ColumnDrift] = ()
    exclude: tuple[str, ...] | list[str] = ()
    declared_only: bool = False
    psi_bins: int = 10
    exact_ks_max_rows: int = 20_000_000
    thresholds: Mapping[str, float | None] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    block_thresholds: Mapping[str, float | None] = field(default_factory=lambda: dict(DEFAULT_BLOCK_THRESHOLDS))
    severity: str = WARN
    alpha: float = DEFAULT_ALPHA
    max_categories: int = 1_000
    grid_cells: int = 262_144

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "exclude", (self.exclude,) if isinstance(self.exclude, str) else tuple(self.exclude))
        _check_choice("DriftSettings.severity", self.severity, SEVERITIES)
        given = _check_thresholds("DriftSettings.thresholds", self.thresholds)
        object.__setattr__(self, "thresholds", {**DEFAULT_THRESHOLDS, **given})
        given = _check_thresholds("DriftSettings.block_thresholds", self.block_thresholds)
        object.__setattr__(self, "block_thresholds", {**DEFAULT_BLOCK_THRESHOLDS, **given})
        if self.psi_bins < 2:
            raise ContractError(f"DriftSettings.psi_bins must be at least 2, got {self.psi_bins!r}")
        if not 0 < self.alpha < 1:
            raise ContractError(f"DriftSettings.alpha must be within (0, 1), got {self.alpha!r}")
        if self.exact_ks_max_rows < 0 or self.max_categories < 1 or self.grid_cells < self.psi_bins:
            raise ContractError(
                "DriftSettings.exact_ks_max_rows must be >= 0, max_categories >= 1, grid_cells >= psi_bins"
            )
        names = [c.column for c in self.columns]
        if len(set(names)) != len(names):
            raise ContractError(f"DriftSettings.columns declares a column twice: {sorted(names)}")


def _check_choice(what: str, value: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ContractError(f"{what} must be one of {', '.join(map(repr, valid))}, got {value!r}")


def _check_thresholds(what: str, given: Mapping[str, float | None]) -> dict[str, float | None]:
    for metric, value in given.items():
        if metric not in METRICS:
            hint = " ".join(filter(None, (did_you_mean(metric, METRICS), f"metrics: {', '.join(METRICS)}")))
            raise ContractError(f"{what}: unknown metric {metric!r}", hint=hint)
        if value is not None and not (isinstance(value, int | float) and value >= 0):
            raise ContractError(f"{what}[{metric!r}] must be a number >= 0 or None, got {value!r}")
    return dict(given)


@dataclass(frozen=True)
class SkippedColumn:
    column: str
    reason: str


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
    identifier = keys[0] if len(keys) == 1 and keys[0] not in declared else None
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
