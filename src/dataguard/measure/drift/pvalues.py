"""Tail probabilities of the drift statistics, by scipy's own rules.

The statistics themselves come from DuckDB; a p-value is a function of the
statistic and the sample sizes only, so it is computed here from those few
numbers, never from the data. scipy is imported inside each function (it is
needed for p-values only).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from dataguard.errors import DataguardError

KS_EXACT_MAX_N = 10_000  # scipy's ks_2samp(method="auto") is exact when both samples are this small
SCIPY_HINT = "drift p-values need scipy: pip install 'scipy>=1.13'"


def _scipy_stats() -> Any:
    try:
        import scipy.stats  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - scipy is installed wherever the tests run
        raise DataguardError("scipy is not installed", hint=SCIPY_HINT) from exc
    return scipy.stats


def ks_p_value(at_ref: int, at_cur: int, n_ref: int, n_cur: int) -> tuple[float, str]:
    """Two-sided p-value of the KS statistic, as ``ks_2samp(method="auto")`` gives it.

    ``at_ref`` and ``at_cur`` are the values of each sample at or below the
    point where the ECDFs differ most, so D = |at_ref / n_ref - at_cur / n_cur|.
    Returns the p-value and the method scipy used: ``exact`` when both samples
    have at most 10,000 values (unless scipy's exact computation fails and it
    falls back), else ``asymp``: ``kstwo.sf(D, round(n_ref * n_cur / (n_ref + n_cur)))``.
    """
    stats = _scipy_stats()
    if max(n_ref, n_cur) > KS_EXACT_MAX_N:
        d = abs(at_ref * n_cur - at_cur * n_ref) / (n_ref * n_cur)
        p = float(stats.distributions.kstwo.sf(d, round(n_ref * n_cur / (n_ref + n_cur))))
        return min(max(p, 0.0), 1.0), "asymp"
    # scipy's exact p-value depends on D and the sizes only, but is reachable through
    # ks_2samp only: two 0/1 samples with the same sizes and the same D let scipy compute it.
    ref = [0] * at_ref + [1] * (n_ref - at_ref)
    cur = [0] * at_cur + [1] * (n_cur - at_cur)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = float(stats.ks_2samp(ref, cur, method="auto").pvalue)
    fell_back = any("asymp" in str(w.message) for w in caught)
    return p, "asymp" if fell_back else "exact"


def chi2_p_value(statistic: float, dof: int) -> float:
    """Upper tail of chi-square with ``dof`` degrees of freedom; 1.0 for dof 0, as chi2_contingency."""
    if dof <= 0:
        return 1.0
    return float(_scipy_stats().chi2.sf(statistic, dof))


def welch_p_value(
    mean_ref: float, std_ref: float, n_ref: int, mean_cur: float, std_cur: float, n_cur: int
) -> float | None:
    """Welch's t-test p-value (``ttest_ind(equal_var=False)``) from the moments.

    None with fewer than two values on a side. Two constant samples: 1.0 when
    they are equal, 0.0 when they differ (scipy gives nan there).
    """
    if min(n_ref, n_cur) < 2:
        return None
    if std_ref == 0 and std_cur == 0:
        return 1.0 if mean_ref == mean_cur else 0.0
    result = _scipy_stats().ttest_ind_from_stats(mean_ref, std_ref, n_ref, mean_cur, std_cur, n_cur, equal_var=False)
    return float(result.pvalue)


def two_proportion(hits_ref: int, n_ref: int, hits_cur: int, n_cur: int) -> tuple[float, float]:
    """Pearson chi-square of a 2x2 table without continuity correction, and its p-value.

    The same as ``chi2_contingency([[hits, misses], ...], correction=False)``
    (the square of the pooled two-proportion z statistic).
    """
    total_hits, total = hits_ref + hits_cur, n_ref + n_cur
    if total_hits in (0, total):
        return 0.0, 1.0
    pooled = total_hits / total
    z = (hits_cur / n_cur - hits_ref / n_ref) / math.sqrt(pooled * (1 - pooled) * (1 / n_ref + 1 / n_cur))
    return z * z, chi2_p_value(z * z, 1)
