"""The sketch's values and its file: one long Parquet table, the small figures in its metadata."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dataguard.measure.drift.scan import SideStats
from dataguard.measure.profile import CATEGORY_MAX

if TYPE_CHECKING:
    import numpy as np

SKETCH_FILE = "sketch.parquet"
FORMAT = 1
EXACT_MAX_VALUES = 1_000_000  # a column with at most this many finite values keeps every value (+ count)
SKETCH_CELLS = 65_536  # above: this many cells


@dataclass(frozen=True)
class Cells:
    """Disjoint cells over a column's finite values, in value order: lo[i] <= hi[i] < lo[i + 1].

    Every value of cell i is in [lo[i], hi[i]], and both ends are values of the
    column. A cell with lo == hi holds one distinct value (an *atom*): a sketch
    whose cells are all atoms is the exact sample.
    """

    lo: np.ndarray
    hi: np.ndarray
    counts: np.ndarray  # int64

    @property
    def exact(self) -> bool:
        return bool((self.lo == self.hi).all())

    @property
    def total(self) -> int:
        return int(self.counts.sum())


@dataclass(frozen=True)
class ColumnSketch:
    column: str
    sql_type: str
    stats: SideStats | None = None  # None: a column of no kind drift compares
    cells: Cells | None = None  # numeric and temporal columns
    sample: np.ndarray | None = None  # the finite values of every step-th row, sorted
    categories: dict[str, int] | None = None  # text and booleans, up to CATEGORY_MAX distinct values
    sampled_distinct: int | None = None  # text: approx_count_distinct of the even sample


@dataclass(frozen=True)
class Sketch:
    rows: int
    step: int  # the even sample's: rows whose _row_id is a multiple of it
    columns: dict[str, ColumnSketch] = field(default_factory=dict)

    @property
    def types(self) -> dict[str, str]:
        return {name: c.sql_type for name, c in self.columns.items()}


_PARTS = ("cell", "sample", "category")
__all__ = ["CATEGORY_MAX", "EXACT_MAX_VALUES", "SKETCH_CELLS", "SKETCH_FILE", "Cells", "ColumnSketch", "Sketch"]


def write_sketch(sketch: Sketch, path: Path) -> Path:
    """Write ``sketch`` to ``path`` atomically (a temporary name, then a rename)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables: list[Any] = []
    meta: dict[str, Any] = {}
    start = 0
    for name, c in sketch.columns.items():
        mine = {}
        exact = c.cells is not None and c.cells.exact
        if c.cells is not None:  # cells of one value each (exact): their highest value is their lowest, not stored
            mine["cell"] = _part(
                name, "cell", len(c.cells.counts), c.cells.lo, None if exact else c.cells.hi, c.cells.counts
            )
        if c.sample is not None:
            mine["sample"] = _part(name, "sample", len(c.sample), c.sample)
        if c.categories is not None:
            labels = list(c.categories)
            counts = np.array([c.categories[k] for k in labels], np.int64)
            mine["category"] = _part(name, "category", len(labels), counts=counts, labels=labels)
        parts = {}
        for part, table in mine.items():
            parts[part] = [start, table.num_rows]  # read back as a slice
            start += table.num_rows
            tables.append(table)
        meta[name] = {
            "sql_type": c.sql_type,
            "stats": None if c.stats is None else asdict(c.stats),
            "sampled_distinct": c.sampled_distinct,
            "parts": parts,
            **({"exact_cells": True} if exact else {}),
        }
    head = json.dumps({"format": FORMAT, "rows": sketch.rows, "step": sketch.step})
    schema = pa.schema(
        [  # type: ignore[arg-type]
            pa.field("column", pa.string()),
            pa.field("part", pa.string()),
            pa.field("lo", pa.float64()),
            pa.field("hi", pa.float64()),
            pa.field("count", pa.int64()),
            pa.field("label", pa.string()),
        ],
        metadata={"dataguard_sketch": head, "columns": json.dumps(meta)},
    )
    table = pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # a dictionary only where values repeat (tried on a million distinct floats, it cost most of the write), and
    # the values uncompressed: zstd gains nothing on distinct floats and took 1.4 s to read 5M of them back
    pq.write_table(
        table.replace_schema_metadata(schema.metadata),
        tmp,
        compression={"column": "zstd", "part": "zstd", "lo": "none", "hi": "none", "count": "zstd", "label": "zstd"},
        use_dictionary=["column", "part"],  # type: ignore[arg-type]  # pyarrow takes column names too
    )
    os.replace(tmp, path)
    return path


def _part(
    name: str, part: str, n: int, lo: Any = None, hi: Any = None, counts: Any = None, labels: list[str] | None = None
) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "column": pa.repeat(pa.scalar(name, pa.string()), n),
            "part": pa.repeat(pa.scalar(part, pa.string()), n),
            "lo": pa.array(lo, pa.float64()) if lo is not None else pa.nulls(n, pa.float64()),
            "hi": pa.array(hi, pa.float64()) if hi is not None else pa.nulls(n, pa.float64()),
            "count": pa.array(counts, pa.int64()) if counts is not None else pa.nulls(n, pa.int64()),
            "label": pa.array(labels, pa.string()) if labels is not None else pa.nulls(n, pa.string()),
        }
    )


def read_sketch(path: Path) -> Sketch | None:
    """The sketch stored at ``path``; None when there is none or it is of another format."""
    import numpy as np
    import pyarrow.parquet as pq

    if not path.is_file():
        return None
    table = pq.read_table(path, columns=["lo", "hi", "count", "label"])  # the parts are slices (metadata)
    meta = table.schema.metadata or {}
    head = json.loads(meta.get(b"dataguard_sketch", b"{}"))
    if head.get("format") != FORMAT:
        return None
    columns = {}
    for name, info in json.loads(meta[b"columns"]).items():
        parts = {p: table.slice(start, rows) for p, (start, rows) in info["parts"].items()}
        cells = sample = categories = None
        if "cell" in parts:
            t = parts["cell"]
            lo = t.column("lo").to_numpy()
            hi = lo if info.get("exact_cells") else t.column("hi").to_numpy()
            cells = Cells(lo, hi, t.column("count").to_numpy())
        if "sample" in parts:
            sample = parts["sample"].column("lo").to_numpy()
        if "category" in parts:
            t = parts["category"]
            labels, counts = t.column("label").to_pylist(), t.column("count").to_pylist()
            categories = {str(k): int(n or 0) for k, n in zip(labels, counts, strict=True)}
        stats = SideStats(**info["stats"]) if info["stats"] is not None else None
        columns[name] = ColumnSketch(
            name, info["sql_type"], stats, cells, None if sample is None else np.asarray(sample), categories,
            info["sampled_distinct"],
        )  # fmt: skip
    return Sketch(int(head["rows"]), int(head["step"]), columns)
