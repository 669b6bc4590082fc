"""What a contract says about drift: ``DriftSettings`` and ``ColumnDrift``, the metric names and
the documented default thresholds. Engine-free; ``dataguard.measure.drift`` computes and judges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from dataguard.errors import ContractError, did_you_mean
from dataguard.spec.defaults import DRIFT_ALPHA, DRIFT_THRESHOLDS
from dataguard.spec.outcome import Severity

NUMERIC, CATEGORICAL, TEMPORAL, OTHER = "numeric", "categorical", "temporal", "other"  # column kinds
NONE, WARN, BLOCK = Severity.NONE, Severity.WARN, Severity.BLOCK
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

DEFAULT_THRESHOLDS: Mapping[str, float | None] = MappingProxyType({m: w for m, (w, _) in DRIFT_THRESHOLDS.items()})
DEFAULT_BLOCK_THRESHOLDS: Mapping[str, float | None] = MappingProxyType(
    {m: b for m, (_, b) in DRIFT_THRESHOLDS.items()}
)
DEFAULT_ALPHA = DRIFT_ALPHA
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
