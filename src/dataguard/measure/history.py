"""Metric history: a profile per version and column, and a rule that turns a sudden jump into a reason.

The rule: a figure (a column's null rate, mean, standard deviation, distinct
count; the dataset's row count) is an anomaly when it lies outside
mean +/- K standard deviations of the same figure over the last N versions
(N = 5, K = 3, at least 3 earlier versions by default; the contract's
``HistoryPolicy`` sets them;
and a flat history uses a floor of 1% of its mean so that noise on a
constant does not fire). Anomalies are WARN reasons, never FAIL: history
says "look", not "this is wrong".
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from dataguard import catalog
from dataguard.catalog.address import CatalogDB
from dataguard.measure.profile import ColumnProfile
from dataguard.spec.contract import HistoryPolicy
from dataguard.spec.source import ROW_ID

RELATIVE_FLOOR = 0.01
TRACKED = ("null_rate", "mean", "std", "distinct")


@dataclass(frozen=True)
class Anomaly:
    column: str
    figure: str
    value: float
    low: float
    high: float
    versions: tuple[int, ...]
    k_sd: float

    @property
    def reason(self) -> str:
        window = ", ".join(f"v{v}" for v in self.versions)
        return (
            f"{self.figure} of {self.column} is {self.value:.4g}, outside {self.low:.4g}..{self.high:.4g} "
            f"(mean +/- {self.k_sd:g} sd over {window})"
        )


def profiles_json(profiles: Sequence[ColumnProfile]) -> dict[str, dict[str, Any]]:
    """Every column's profile (JSON-ready), plus the row count under ``(dataset)``."""
    found = {p.column: _as_json(p) for p in profiles if p.column != ROW_ID}
    rows = profiles[0].rows if profiles else 0
    return {**found, "(dataset)": {"rows": rows}}


def _as_json(p: ColumnProfile) -> dict[str, Any]:
    data = asdict(p)
    data["quantiles"] = [list(q) for q in p.quantiles]
    if not p.non_finite:  # listed only where a column has NaN or infinities
        del data["non_finite"]
    return data


def rule_text(policy: HistoryPolicy) -> str:
    return f"outside mean +/- {policy.k_sd:g} sd of the last {policy.window} versions (at least {policy.min_history})"


def anomalies(
    current: dict[str, dict[str, Any]], past: dict[int, dict[str, dict[str, Any]]], policy: HistoryPolicy
) -> list[Anomaly]:
    """Figures of this version outside mean +/- k sd of the last ``window`` versions."""
    versions = sorted(past)[-policy.window :]
    if len(versions) < policy.min_history:
        return []
    found = []
    for column, figures in current.items():
        for figure in ("rows",) if column == "(dataset)" else TRACKED:
            value = figures.get(figure)
            earlier = [past[v].get(column, {}).get(figure) for v in versions]
            if value is None or any(e is None for e in earlier):
                continue
            anomaly = _outside(
                column, figure, float(value), [float(e) for e in earlier if e is not None], tuple(versions), policy.k_sd
            )
            if anomaly:
                found.append(anomaly)
    return found


def _outside(
    column: str, figure: str, value: float, earlier: list[float], versions: tuple[int, ...], k_sd: float
) -> Anomaly | None:
    centre = statistics.fmean(earlier)
    spread = max(statistics.stdev(earlier), RELATIVE_FLOOR * abs(centre), 1e-12)
    low, high = centre - k_sd * spread, centre + k_sd * spread
    if math.isfinite(value) and low <= value <= high:
        return None
    return Anomaly(column, figure, value, low, high, versions, k_sd)


def history_rows(db: CatalogDB, dataset: str, column: str | None) -> list[dict[str, Any]]:
    """How the profiled figures moved across versions (one row per version and column)."""
    everything = catalog.past_profiles(db, dataset, 2**31 - 1)
    rows = []
    for version, columns in sorted(everything.items()):
        for name, figures in columns.items():
            if column is not None and name != column:
                continue
            keep = ("rows",) if name == "(dataset)" else ("rows", "null_rate", "mean", "std", "min", "max", "distinct")
            rows.append({"version": version, "column": name, **{k: figures.get(k) for k in keep}})
    return rows
