"""The peek: exactly what training receives, looked at right before it does.

A peek reads the clean Parquet file that ``open_validated`` handed out (after
its fingerprint was verified) and computes, all in DuckDB:

- a seeded random sample of rows: ``k`` positions drawn without replacement by
  numpy's ``default_rng(seed)``, read in file order (the same seed gives the
  same rows of the same file);
- per-column figures from ``dataguard.measure.profile`` (count, nulls, mean, sample
  standard deviation, min, max, quantiles; top values for categories);
- small distributions (shared-edge histograms for numbers, shares of the top
  values for categories) of this data and of the reference version's;
- the differences between this data's figures and the reference's
  (``dataguard.measure.reference`` chooses the reference).

``dataguard.gate.peek_html`` renders it as one self-contained page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dataguard.catalog.address import CatalogDB
from dataguard.common.rows import VersionRows
from dataguard.common.sql import engine
from dataguard.errors import BadInput, CouldNotRun
from dataguard.gate.opened import ValidatedVersion
from dataguard.gate.peek_plots import Distribution, distributions
from dataguard.measure.profile import ColumnProfile, profile
from dataguard.measure.reference import choose_reference
from dataguard.spec import defaults
from dataguard.spec.drift import CATEGORICAL, NUMERIC, TEMPORAL

DEFAULT_SAMPLE_ROWS = defaults.PEEK_SAMPLE_ROWS
MAX_SAMPLE_ROWS = 10_000  # a page, not an export: more rows belong in to_pandas()
DEFAULT_SEED = defaults.PEEK_SEED
SUMMARY_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class Difference:
    """One figure of one column, here and in the reference; ``change`` is here minus reference."""

    column: str
    figure: str
    reference: int | float | str | None
    current: int | float | str | None
    change: int | float | None


@dataclass(frozen=True)
class Peek:
    dataset: str
    version: int
    revision: int
    verdict: str
    clean_path: str
    clean_fingerprint: str
    verified: bool
    rows: int
    seed: int
    sample: list[dict[str, Any]]  # the sampled rows, in file order
    sample_columns: list[str]
    sample_positions: list[int]  # their positions in the clean file (0-based)
    columns: tuple[ColumnProfile, ...]
    reference_version: int | None
    reference_reason: str
    reference_columns: dict[str, ColumnProfile] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)


def build_peek(
    db: CatalogDB, opened: ValidatedVersion, rows: int = DEFAULT_SAMPLE_ROWS, seed: int = DEFAULT_SEED
) -> Peek:
    """Everything the peek page shows, for the data ``opened`` hands to training."""
    check_sample_size(rows)
    if opened.rows is not None:  # the first open could not write it (a read-only warehouse)
        raise CouldNotRun(
            f"the peek reads the clean file, which cannot be made: {opened.clean_path.parent} is read-only"
        )
    clean = opened.clean_path
    current = profile(VersionRows(clean))
    reference = choose_reference(db, opened.dataset, opened.version)
    ref_columns = _reference_profiles(reference.rows, reference.version, opened.version)
    table, positions = sample_rows(clean, rows, seed)
    plotted = distributions(
        VersionRows(clean), current, reference.rows if ref_columns and reference.rows else None, ref_columns
    )
    return Peek(
        dataset=opened.dataset,
        version=opened.version,
        revision=opened.revision,
        verdict=opened.verdict,
        clean_path=str(clean),
        clean_fingerprint=opened.clean_fingerprint,
        verified=opened.verified,
        rows=int(pq.ParquetFile(clean).metadata.num_rows),
        seed=seed,
        sample=table.to_pylist(),
        sample_columns=table.column_names,
        sample_positions=positions,
        columns=current,
        reference_version=reference.version if ref_columns else None,
        reference_reason=reference.reason,
        reference_columns=ref_columns,
        differences=differences(current, ref_columns, plotted),
        distributions=plotted,
    )


def check_sample_size(rows: int) -> None:
    if not 1 <= rows <= MAX_SAMPLE_ROWS:
        raise BadInput(
            f"the peek samples 1 to {MAX_SAMPLE_ROWS:,} rows (got {rows})",
            hint="read more rows with open_validated(...).to_pandas() or .iter_batches()",
        )


def _reference_profiles(rows: VersionRows | None, version: int | None, current: int) -> dict[str, ColumnProfile]:
    if rows is None or version is None or version == current or not rows.data_path.is_file():
        return {}
    return {p.column: p for p in profile(rows)}


# --- the sample -------------------------------------------------------------------------------


def sample_positions(total: int, rows: int, seed: int) -> list[int]:
    """``rows`` distinct positions of ``total`` (all when fewer), drawn with ``seed``, ascending."""
    import numpy as np

    if rows >= total:
        return list(range(total))
    picked = np.random.default_rng(seed).choice(total, size=rows, replace=False)
    return sorted(int(p) for p in picked)


def sample_rows(path: Path, rows: int, seed: int) -> tuple[pa.Table, list[int]]:
    """The seeded sample of a Parquet file's rows, in file order, with their positions."""
    positions = sample_positions(int(pq.ParquetFile(path).metadata.num_rows), rows, seed)
    with engine() as con:
        con.register("picked", pa.table({"position": pa.array(positions, pa.int64())}))
        table = con.sql(
            """SELECT * EXCLUDE (file_row_number) FROM read_parquet($path, file_row_number = true)
               WHERE file_row_number IN (SELECT position FROM picked) ORDER BY file_row_number""",
            params={"path": str(path)},
        ).to_arrow_table()
    return table, positions


# --- differences from the reference -------------------------------------------------------------

NUMERIC_FIGURES = ("rows", "nulls", "null_rate", "mean", "std", "min", "median", "max", "mean_shift_sd")
OTHER_FIGURES = ("rows", "nulls", "null_rate", "distinct", "min", "max")
SHARE_PREFIX = "share:"  # categorical figures: "share:<value>", that value's share of the non-null values
_COUNTS = ("rows", "nulls", "distinct")

Figure = int | float | str | None


def figure(column: ColumnProfile, name: str) -> Figure:
    """One named figure of a column profile (``median`` is its 0.5 quantile)."""
    if name == "median":
        return quantile(column, 0.5)
    value = getattr(column, name)
    if value is None or isinstance(value, str):
        return value
    return int(value) if name in _COUNTS else float(value)


def quantile(column: ColumnProfile, probability: float) -> float | None:
    return dict(column.quantiles).get(probability)


def differences(
    current: Sequence[ColumnProfile], reference: dict[str, ColumnProfile], plotted: Sequence[Distribution] = ()
) -> list[Difference]:
    """Per column present in both, each figure here and in the reference; added and gone columns too.

    A categorical column's top values are compared by their exact shares in ``plotted``.
    """
    if not reference:
        return []
    found: list[Difference] = []
    here = {c.column for c in current}
    bins = {d.column: d.bins for d in plotted if d.kind == CATEGORICAL}
    for column in current:
        ref = reference.get(column.column)
        if ref is None:
            found.append(Difference(column.column, "column", None, "added", None))
            continue
        found += _column_differences(column, ref, bins.get(column.column, []))
    found += [Difference(name, "column", "present", "gone", None) for name in reference if name not in here]
    return found


def _column_differences(current: ColumnProfile, ref: ColumnProfile, bins: list[dict[str, Any]]) -> list[Difference]:
    if current.kind != ref.kind:
        return [Difference(current.column, "kind", ref.kind, current.kind, None)]
    if current.kind == NUMERIC:
        names = [n for n in NUMERIC_FIGURES if n != "mean_shift_sd"]
        return [*(_difference(current, ref, n) for n in names), _mean_shift(current, ref)]
    found = [_difference(current, ref, n) for n in OTHER_FIGURES if current.kind == TEMPORAL or n not in ("min", "max")]
    return found + [_category_share(current.column, b) for b in bins]


def _difference(current: ColumnProfile, ref: ColumnProfile, name: str) -> Difference:
    before, now = figure(ref, name), figure(current, name)
    numbers = isinstance(before, int | float) and isinstance(now, int | float)
    return Difference(current.column, name, before, now, now - before if numbers else None)  # type: ignore[operator]


def _category_share(column: str, bin_: dict[str, Any]) -> Difference:
    """A top value's exact share of the non-null values, here and in the reference."""
    before, now = bin_["reference_share"], bin_["current_share"]
    change = now - before if before is not None and now is not None else None
    return Difference(column, SHARE_PREFIX + str(bin_["label"]), before, now, change)


def _mean_shift(current: ColumnProfile, ref: ColumnProfile) -> Difference:
    """How far the mean moved, in the reference's standard deviations."""
    shift = None
    if current.mean is not None and ref.mean is not None and ref.std:
        shift = (current.mean - ref.mean) / ref.std
    return Difference(current.column, "mean_shift_sd", None, shift, shift)
