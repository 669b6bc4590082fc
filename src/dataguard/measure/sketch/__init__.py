"""A version's stored sketch: what drift needs of it as a reference, so the reference is never rescanned.

The profile stage builds it in its pass over the clean rows and writes it to the
run folder as ``sketch.parquet`` (``SKETCH_FILE``), beside report.json. Per column:

- counts and moments (rows, nulls, NaN/infinities, mean, std, min, max): ``SideStats``;
- numeric and temporal columns (temporal as epoch seconds): *cells* over the finite
  values, sorted and disjoint, each with its lowest value, highest value and count.
  Up to ``EXACT_MAX_VALUES`` values (1,000,000) every distinct value is its own cell
  (value + count: the exact sample); above, ``SKETCH_CELLS`` (65,536) cells cut
  evenly in the signed square root of (v - median) / (IQR / 2), so the middle is cut
  finely and the tails too, whatever the unit. Plus the even sample (every k-th row's value, at most
  200,000) that PSI's reference deciles are taken from, as before;
- text and boolean columns: every category's count (up to ``CATEGORY_MAX`` distinct
  values), and the distinct count of the even sample (``max_categories`` decides on it).

Drift compares two sketches (``dataguard.measure.sketch.ecdf``): the reference's
stored one and the current version's, built in this run's one pass. See there for
the bounds. Merging (``dataguard.measure.sketch.merge``) adds rows to a sketch:
counts, moments, min/max, null counts, categories and cells all merge; the
approximate distinct counts do not (the sketch keeps the run's) and the even
sample keeps the run's step.
"""

from dataguard.measure.sketch.model import (
    CATEGORY_MAX,
    EXACT_MAX_VALUES,
    SKETCH_CELLS,
    SKETCH_FILE,
    Cells,
    ColumnSketch,
    Sketch,
    read_sketch,
    write_sketch,
)

__all__ = [
    "CATEGORY_MAX",
    "EXACT_MAX_VALUES",
    "SKETCH_CELLS",
    "SKETCH_FILE",
    "Cells",
    "ColumnSketch",
    "Sketch",
    "read_sketch",
    "write_sketch",
]
