"""Shares of PSI bins and categories on each side, over a ``dg_counts`` table of one row per bin or
category: PSI, Jensen-Shannon distance, chi-square, and the bins that moved most."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from dataguard.common.sql import quote_ident

SHARE_FLOOR = 1e-4  # PSI: a share of 0 (a bin or category on one side only) counts as 0.01%
TOP_CONTRIBUTORS = 5
TOP_NEW_GONE = 10


# -- shares of bins and categories: PSI, Jensen-Shannon, chi-square --------------------------------------


@dataclass(frozen=True)
class Share:
    """A bin or category with each side's rows and share, and its term of the PSI."""

    label: str
    ref_rows: int
    cur_rows: int
    ref_share: float
    cur_share: float
    psi_term: float


@dataclass(frozen=True)
class ShareFigures:
    """Figures over the ``dg_counts`` table (one row per bin or category)."""

    psi: float
    js_distance: float  # base 2: 0 identical, 1 disjoint
    chi2: float
    chi2_dof: int
    max_change: float  # largest |current share - reference share|
    max_change_label: str | None
    contributors: tuple[Share, ...]  # largest |PSI term| first
    new: tuple[Share, ...]  # in the current version only, most rows first
    gone: tuple[Share, ...]  # in the reference only
    new_count: int
    gone_count: int
    new_share: float  # of the current values
    gone_share: float  # of the reference values
    categories: int


def share_figures(con: duckdb.DuckDBPyConnection, n_ref: int, n_cur: int) -> ShareFigures:
    """PSI, Jensen-Shannon distance, chi-square and the largest movers of ``dg_counts``."""
    rows = con.execute("SELECT label, k_ref, k_cur FROM dg_counts WHERE k_ref + k_cur > 0").fetchall()
    labels = [str(r[0]) for r in rows]
    return figures_of(labels, [int(r[1]) for r in rows], [int(r[2]) for r in rows], n_ref, n_cur)


def figures_of(
    labels: Sequence[str], k_ref: Sequence[int], k_cur: Sequence[int], n_ref: int, n_cur: int
) -> ShareFigures:
    """The figures of one row per bin or category (``k_ref``, ``k_cur`` rows on each side): a few thousand
    numbers at most, so numpy, not a query each (a DuckDB query costs milliseconds, a column had six)."""
    import numpy as np

    kr, kc = np.asarray(k_ref, dtype=np.int64), np.asarray(k_cur, dtype=np.int64)
    kept = (kr + kc) > 0
    names = [label for label, keep in zip(labels, kept.tolist(), strict=True) if keep]
    kr, kc = kr[kept], kc[kept]
    p, q = kr / n_ref if n_ref else kr * 0.0, kc / n_cur if n_cur else kc * 0.0
    pf, qf, m = np.maximum(p, SHARE_FLOOR), np.maximum(q, SHARE_FLOOR), (p + q) / 2
    terms = (qf - pf) * np.log(qf / pf)
    with np.errstate(divide="ignore", invalid="ignore"):
        js = np.where(p > 0, p * np.log2(p / m), 0.0) + np.where(q > 0, q * np.log2(q / m), 0.0)
    change = np.abs(q - p)
    chi2, dof = _chi_square(kr, kc, n_ref, n_cur)
    shares = [
        Share(name, int(a), int(b), float(x), float(y), float(t))
        for name, a, b, x, y, t in zip(
            names, kr.tolist(), kc.tolist(), p.tolist(), q.tolist(), terms.tolist(), strict=True
        )
    ]
    return ShareFigures(
        psi=float(terms.sum()) if len(terms) else 0.0,
        js_distance=float(np.sqrt(max(float(js.sum()) / 2, 0.0))) if len(js) else 0.0,
        chi2=chi2,
        chi2_dof=dof,
        max_change=float(change.max()) if len(change) else 0.0,
        max_change_label=names[int(np.argmax(change))] if len(change) else None,
        contributors=_top(shares, lambda s: (-abs(s.psi_term), s.label), TOP_CONTRIBUTORS),
        new=_top([s for s in shares if s.ref_rows == 0], lambda s: (-s.cur_rows, s.label), TOP_NEW_GONE),
        gone=_top([s for s in shares if s.cur_rows == 0], lambda s: (-s.ref_rows, s.label), TOP_NEW_GONE),
        new_count=int((kr == 0).sum()),
        gone_count=int((kc == 0).sum()),
        new_share=float(q[kr == 0].sum()),
        gone_share=float(p[kc == 0].sum()),
        categories=len(names),
    )


def _top(shares: list[Share], key: Callable[[Share], Any], top: int) -> tuple[Share, ...]:
    return tuple(sorted(shares, key=key)[:top])


def _chi_square(kr: Any, kc: Any, n_ref: int, n_cur: int) -> tuple[float, int]:
    """Pearson's chi-square of the 2 x K table, as ``chi2_contingency`` computes it: Yates' continuity
    correction when there is one degree of freedom (K = 2), as in scipy's default."""
    import numpy as np

    dof = max(len(kr) - 1, 0)
    if not dof:
        return 0.0, dof
    n = n_ref + n_cur
    e_ref, e_cur = (kr + kc) * n_ref / n, (kr + kc) * n_cur / n
    yates = 0.5 if len(kr) == 2 else 0.0
    chi2 = (
        np.maximum(np.abs(kr - e_ref) - yates, 0) ** 2 / e_ref + np.maximum(np.abs(kc - e_cur) - yates, 0) ** 2 / e_cur
    )
    return float(chi2.sum()), dof


# -- categorical columns ------------------------------------------------------------------------------


def categorical_counts(con: duckdb.DuckDBPyConnection, ref: str, cur: str, column: str) -> None:
    """``dg_counts``: each non-null value with its rows on each side (one GROUP BY over both relations)."""
    col = quote_ident(column)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE dg_counts AS
            SELECT CAST(v AS VARCHAR) AS label,
                   count(*) FILTER (WHERE side = 0) AS k_ref, count(*) FILTER (WHERE side = 1) AS k_cur
            FROM (SELECT {col} AS v, 0 AS side FROM {ref}
                  UNION ALL SELECT {col}, 1 FROM {cur})
            WHERE v IS NOT NULL GROUP BY v"""
    )
