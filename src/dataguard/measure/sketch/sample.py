"""The profile's scan when it also sketches the rows (``dataguard.measure.profile.profile(sketch_to=...)``).

The same one scan then gathers the even sample (every k-th row by ``_row_id``: each numeric or
temporal column's finite values, each text column's approximate distinct count), a temporal
column's moments as epoch seconds, and the quantiles from the sample; one more scan (GROUPING
SETS) counts every category of the text columns and every value of the numeric columns with few
distinct values. ``dataguard.measure.sketch.build`` makes the sketch from them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from dataguard.common.sql import quote_ident
from dataguard.measure.profile import (
    CATEGORY_MAX,
    MOMENTS,
    PROFILE_QUANTILES,
    numeric_value,
    optional_float,
    sample_step,
    type_family,
)
from dataguard.measure.sketch import model
from dataguard.measure.sketch.build import counted_cells, value_counts
from dataguard.spec.drift import CATEGORICAL, NUMERIC, TEMPORAL
from dataguard.spec.source import ROW_ID

ROW_ID_SAMPLED = f"({quote_ident(ROW_ID)} % $step = 0)"


@dataclass(frozen=True)
class EvenSample:
    """Every ``step``-th row of the clean rows (by ``_row_id``), gathered in the profile's own scan: each
    numeric or temporal column's finite values (sorted) and each text column's approximate distinct count."""

    step: int
    values: dict[str, Any]  # column -> numpy array of float64
    distinct: dict[str, int]
    moments: dict[str, Moments] = field(default_factory=dict)  # temporal columns (as epoch seconds)


@dataclass(frozen=True)
class Moments:
    """A column's counts and the moments of its finite values as numbers, from the profile's scan: what
    ``dataguard.measure.drift.scan.side_stats`` measures, for a column whose profile has no moments."""

    rows: int
    nulls: int
    values: int
    non_finite: int
    mean: float | None
    std: float | None
    min: float | None
    max: float | None


def counted(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    types: Mapping[str, str],
    row: Mapping[str, Any],
    names: list[str],
    uncelled: Collection[str],
) -> tuple[dict[str, dict[str, int]], dict[str, Any]]:
    """What the sketch counts value by value, in one scan: every category of a text column of at most
    CATEGORY_MAX values, and every value of a numeric or temporal column of at most SKETCH_CELLS values
    (its cells are then its values: exact at any size, and cheaper than cutting it into cells), but for
    the ``uncelled`` ones. ``names``: every column, in the order of ``row``'s keys."""
    texts, numbers = {}, {}
    for i, name in enumerate(names):
        family, distinct = type_family(types[name]), int(row[f"c{i}_distinct"])
        if family == CATEGORICAL and distinct <= CATEGORY_MAX:
            texts[name] = f"CAST({quote_ident(name)} AS VARCHAR)"
        elif family in (NUMERIC, TEMPORAL) and distinct <= model.SKETCH_CELLS and name not in uncelled:
            v = numeric_value(name, types[name])
            numbers[name] = f"CASE WHEN isfinite({v}) THEN {v} END"
    found = value_counts(con, relation, texts | numbers)
    counts = {name: {str(value): n for value, n in found[name].items()} for name in texts}
    return counts, {name: counted_cells(found[name]) for name in numbers}


def sample_inputs(key: str, name: str, kind: str, sql_type: str) -> list[str]:
    """A numeric or temporal column's finite value in a sampled row (else NULL); a temporal column (or a number
    profiled as categories) also its finite value in every row, for the sketch's moments."""
    if type_family(sql_type) not in (NUMERIC, TEMPORAL):
        return []
    v = numeric_value(name, sql_type)
    inputs = [f"CASE WHEN {ROW_ID_SAMPLED} AND isfinite({v}) THEN {v} END AS {key}_sv"]
    if kind != NUMERIC:  # a numeric profile has these moments already
        inputs.append(f"CASE WHEN isfinite({v}) THEN {v} END AS {key}_ev")
    return inputs


def sample_figures(key: str, kind: str, sql_type: str) -> list[str]:
    """The even sample's figures of one column: its values and quantiles, or its distinct count."""
    family = type_family(sql_type)
    if family in (NUMERIC, TEMPORAL):
        parts = [f"list({key}_sv) FILTER (WHERE {key}_sv IS NOT NULL) AS {key}_sample"]
        if kind != NUMERIC:
            parts += [f"{agg}({key}_ev) AS {key}_e{name}" for name, agg in (("finite", "count"), *MOMENTS)]
        return parts
    if family == CATEGORICAL and sql_type.upper().startswith("VARCHAR"):
        return [f"approx_count_distinct({key}) FILTER (WHERE _sampled) AS {key}_sdistinct"]
    return []


def sampled_row(
    con: duckdb.DuckDBPyConnection, query: str, params: Mapping[str, Any], quantiled: list[str]
) -> dict[str, Any]:
    """The one row of the sketching scan, its samples as sorted float64 arrays (fetched as Arrow: no Python float
    per value), and the quantiles of each key in ``quantiled`` taken from its sample: numpy's ``inverted_cdf`` is
    DuckDB's ``quantile_disc``, without a second sort in the query."""
    import numpy as np

    with con.cursor() as own:  # a result of its own: an unfinished one on ``con`` would block con.sql
        table = own.sql(query, params=dict(params)).to_arrow_table()
    row: dict[str, Any] = {}
    for name in table.column_names:
        cell = table.column(name)[0]
        if name.endswith("_sample"):
            values = cell.values.to_numpy(zero_copy_only=False) if cell.is_valid else np.empty(0)
            row[name] = np.sort(np.asarray(values, dtype=np.float64))
        else:
            row[name] = cell.as_py()
    for key in quantiled:
        sample = row[f"{key}_sample"]
        found = np.quantile(sample, PROFILE_QUANTILES, method="inverted_cdf") if len(sample) else []
        row[f"{key}_q"] = [float(q) for q in found]
    return row


def even_sample(row: Mapping[str, Any], plan: Mapping[str, str]) -> EvenSample:
    """The even sample gathered by the sketching scan (``row``: its figures, keyed c<i> in ``plan``'s order)."""
    values, distinct, moments = {}, {}, {}
    rows = int(row["rows"])
    for i, name in enumerate(plan):
        key = f"c{i}"
        if f"{key}_sample" in row:
            values[name] = row[f"{key}_sample"]  # sorted
        if f"{key}_sdistinct" in row:
            distinct[name] = int(row[f"{key}_sdistinct"])
        if f"{key}_efinite" in row:
            present, finite = int(row[f"{key}_n"]), int(row[f"{key}_efinite"])
            figures = {figure: optional_float(row[f"{key}_e{figure}"]) for figure, _ in MOMENTS}
            moments[name] = Moments(rows, rows - present, finite, present - finite, **figures)
    return EvenSample(sample_step(rows), values, distinct, moments)
