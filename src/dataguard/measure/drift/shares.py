"""Shares of PSI bins and categories on each side, over a ``dg_counts`` table of one row per bin or
category: PSI, Jensen-Shannon distance, chi-square, and the bins that moved most."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from dataguard.common.sql import quote_ident
from dataguard.measure.profile import fetch_row

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


_SHARES = """
    WITH t AS (SELECT label, k_ref, k_cur, k_ref / $n_ref AS p, k_cur / $n_cur AS q
               FROM dg_counts WHERE k_ref + k_cur > 0),
    f AS (SELECT *, greatest(p, $floor) AS pf, greatest(q, $floor) AS qf, (p + q) / 2 AS m FROM t)
    """


def share_figures(con: duckdb.DuckDBPyConnection, n_ref: int, n_cur: int) -> ShareFigures:
    """PSI, Jensen-Shannon distance, chi-square and the largest movers of ``dg_counts``."""
    params = {"n_ref": n_ref, "n_cur": n_cur, "floor": SHARE_FLOOR}
    row = fetch_row(
        con,
        _SHARES
        + """SELECT coalesce(sum((qf - pf) * ln(qf / pf)), 0) AS psi,
                  sqrt(greatest(sum(CASE WHEN p > 0 THEN p * log2(p / m) ELSE 0 END
                                    + CASE WHEN q > 0 THEN q * log2(q / m) ELSE 0 END) / 2, 0)) AS js,
                  coalesce(max(abs(q - p)), 0) AS max_change,
                  arg_max(label, abs(q - p)) AS max_change_label,
                  count(*) FILTER (WHERE k_ref = 0) AS new_count, count(*) FILTER (WHERE k_cur = 0) AS gone_count,
                  coalesce(sum(q) FILTER (WHERE k_ref = 0), 0) AS new_share,
                  coalesce(sum(p) FILTER (WHERE k_cur = 0), 0) AS gone_share,
                  count(*) AS categories
           FROM f""",
        params,
    )
    chi2, dof = chi_square(con, n_ref, n_cur)
    return ShareFigures(
        psi=float(row["psi"]),
        js_distance=float(row["js"] or 0.0),
        chi2=chi2,
        chi2_dof=dof,
        max_change=float(row["max_change"]),
        max_change_label=row["max_change_label"],
        contributors=_shares(con, params, "TRUE", "abs((qf - pf) * ln(qf / pf)) DESC", TOP_CONTRIBUTORS),
        new=_shares(con, params, "k_ref = 0", "k_cur DESC", TOP_NEW_GONE),
        gone=_shares(con, params, "k_cur = 0", "k_ref DESC", TOP_NEW_GONE),
        new_count=int(row["new_count"]),
        gone_count=int(row["gone_count"]),
        new_share=float(row["new_share"]),
        gone_share=float(row["gone_share"]),
        categories=int(row["categories"]),
    )


def _shares(
    con: duckdb.DuckDBPyConnection, params: dict[str, Any], where: str, order: str, top: int
) -> tuple[Share, ...]:
    rows = con.execute(
        _SHARES
        + f"""SELECT label, k_ref, k_cur, p, q, (qf - pf) * ln(qf / pf) FROM f WHERE {where}
              ORDER BY {order}, label LIMIT {int(top)}""",
        params,
    ).fetchall()
    return tuple(Share(str(r[0]), int(r[1]), int(r[2]), float(r[3]), float(r[4]), float(r[5])) for r in rows)


def chi_square(con: duckdb.DuckDBPyConnection, n_ref: int, n_cur: int) -> tuple[float, int]:
    """Pearson's chi-square of the 2 x K table in ``dg_counts``, as ``chi2_contingency`` computes it.

    Yates' continuity correction applies when there is one degree of freedom
    (K = 2), as in scipy's default.
    """
    row = fetch_row(
        con,
        """WITH t AS (SELECT k_ref, k_cur, (k_ref + k_cur) * $n_ref / $n AS e_ref,
                             (k_ref + k_cur) * $n_cur / $n AS e_cur
                      FROM dg_counts WHERE k_ref + k_cur > 0),
                k AS (SELECT count(*) AS k FROM t),
                c AS (SELECT CASE WHEN k = 2 THEN 0.5 ELSE 0.0 END AS yates FROM k)
           SELECT coalesce(sum(pow(greatest(abs(k_ref - e_ref) - yates, 0), 2) / e_ref
                               + pow(greatest(abs(k_cur - e_cur) - yates, 0), 2) / e_cur), 0) AS chi2,
                  count(*) AS k
           FROM t, c""",
        {"n_ref": n_ref, "n_cur": n_cur, "n": n_ref + n_cur},
    )
    dof = max(int(row["k"]) - 1, 0)
    return (float(row["chi2"]) if dof else 0.0), dof


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
