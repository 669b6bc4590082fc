"""KS and Wasserstein-1 between two cell sketches, exact or within a stated bound.

Each side is a list of disjoint cells in value order (``Cells``). At a point x,
the side's empirical CDF count F(x) (values <= x) is known exactly unless x lies
inside a cell (lo <= x < hi); then F(x) is between A + 1 and A + k - 1 (A the
values of the cells wholly at or below x, k the cell's count: its lowest value is
<= x, its highest is not). Between two consecutive cell ends of either side that
interval does not change, so over the segments cut at every cell end:

KS      D_hat = |F_ref / n_ref - F_cur / n_cur| at the segment where it is largest,
        each F estimated by linear interpolation inside its cell (rounded to a
        count), so D_hat is the KS statistic of two CDFs within the bounds. The
        true D lies in [D_low, D_up], the largest difference the bounds force and
        allow; the reported error bound is max(D_up - D_hat, D_hat - D_low), so
        |D_hat - D| <= bound.
W1      the integral of |F_ref / n_ref - F_cur / n_cur| over the segments: W_hat with
        the interpolated CDFs (at each segment's middle), W_low and W_up with the
        bounds; bound max(W_up - W_hat, W_hat - W_low).

When every cell of both sides is one value (two exact sketches) every F is
exact: D and W are scipy's ``ks_2samp`` and ``wasserstein_distance``, bound 0.
The KS p-value is computed from D_hat (with the counts it was measured at) by
scipy's rule, as for an exact D (``dataguard.measure.drift.pvalues.ks_p_value``);
the bound on D is reported beside it. A cell holds about 1/65,536 of its side's
values, so the bound is of that order: far below any drift threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dataguard.measure.sketch.model import Cells

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Envelope:
    """One side's CDF count at each point: lowest, highest, interpolated there and at ``inside``."""

    low: np.ndarray
    high: np.ndarray
    guess: np.ndarray
    guess_inside: np.ndarray


def envelope(cells: Cells, points: np.ndarray, inside: np.ndarray | None = None) -> Envelope:
    """F at ``points`` (sorted); ``inside``: a second point per point, in the same segment, to interpolate at."""
    import numpy as np

    cum = np.concatenate(([0], np.cumsum(cells.counts)))
    full = np.searchsorted(cells.hi, points, side="right")  # cells wholly at or below each point
    below = cum[full].astype(np.float64)
    if cells.exact:  # every cell one value: F is exact everywhere
        return Envelope(below, below, below, below)
    j = np.minimum(full, len(cells.counts) - 1)
    partial = (full < len(cells.counts)) & (cells.lo[j] <= points)
    k = np.where(partial, cells.counts[j], 0).astype(np.float64)
    low = below + partial
    high = below + np.where(partial, k - 1, 0)
    width = np.where(partial, cells.hi[j] - cells.lo[j], 1.0)
    width = np.where(width > 0, width, 1.0)

    def guess(at: np.ndarray) -> np.ndarray:
        share = np.clip((at - cells.lo[j]) / width, 0.0, 1.0)
        return np.where(partial, np.clip(below + 1 + (k - 2) * share, low, high), below)

    return Envelope(low, high, guess(points), guess(points if inside is None else inside))


@dataclass(frozen=True)
class Distance:
    ks: float
    at_ref: int
    at_cur: int
    location: float | None
    ks_error: float
    wasserstein: float
    wasserstein_error: float
    exact: bool
    points: int


def distances(ref: Cells, cur: Cells) -> Distance:
    """KS and Wasserstein-1 of the two sketches, with their error bounds (0 when both are exact)."""
    import numpy as np

    n_ref, n_cur = ref.total, cur.total
    ends = [side.lo if side.exact else np.concatenate((side.lo, side.hi)) for side in (ref, cur)]
    points = np.unique(np.concatenate(ends))
    middles = np.concatenate(((points[:-1] + points[1:]) / 2, points[-1:]))
    r, c = envelope(ref, points, middles), envelope(cur, points, middles)
    # KS: at the points (the left end of each segment), the counts rounded to whole values
    at_r, at_c = np.rint(r.guess), np.rint(c.guess)
    gaps = np.abs(at_r * n_cur - at_c * n_ref)
    i = int(np.argmax(gaps))
    d_hat = float(gaps[i]) / (n_ref * n_cur)
    exact = ref.exact and cur.exact
    lengths = np.diff(points)
    ks_error = w_error = 0.0
    if not exact:
        up = np.maximum(c.high / n_cur - r.low / n_ref, r.high / n_ref - c.low / n_cur)
        low = np.maximum(np.maximum(c.low / n_cur - r.high / n_ref, r.low / n_ref - c.high / n_cur), 0.0)
        ks_error = max(float(up.max()) - d_hat, d_hat - float(low.max()), 0.0)
    w_hat = float(np.sum(lengths * np.abs(c.guess_inside[:-1] / n_cur - r.guess_inside[:-1] / n_ref)))
    if not exact:
        w_up, w_low = float(np.sum(lengths * up[:-1])), float(np.sum(lengths * low[:-1]))
        w_error = max(w_up - w_hat, w_hat - w_low, 0.0)
    return Distance(
        ks=d_hat,
        at_ref=int(at_r[i]),
        at_cur=int(at_c[i]),
        location=float(points[i]) if gaps[i] > 0 else None,
        ks_error=ks_error,
        wasserstein=w_hat,
        wasserstein_error=w_error,
        exact=exact,
        points=len(points),
    )


def bin_counts(cells: Cells, edges: np.ndarray) -> tuple[np.ndarray, bool]:
    """Values in (-inf, e0], (e0, e1], ..., (e_last, inf): exact unless an edge falls inside a cell
    (then the cell's values are split by linear interpolation, rounded); and whether exact."""
    import numpy as np

    at = envelope(cells, np.asarray(edges, np.float64))
    cum = np.concatenate(([0.0], np.rint(at.guess), [float(cells.total)]))
    return np.diff(cum).astype(np.int64), bool((at.low == at.high).all())
