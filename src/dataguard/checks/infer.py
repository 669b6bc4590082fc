"""``dataguard infer``: a starting contract from a sample of a file, for a person to edit."""

from __future__ import annotations

import keyword
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from dataguard.checks.batches import pandas_batches
from dataguard.ingest.canonical import write_canonical
from dataguard.ingest.preflight import source_format
from dataguard.spec import defaults
from dataguard.spec.source import SourceOptions

SAMPLE_ROWS = defaults.INFER_SAMPLE_ROWS
MAX_CATEGORIES = 20


def infer_contract(dataset: str, source: Path, sample_rows: int = SAMPLE_ROWS) -> str:
    """Python source of ``schemas/<dataset>.py`` inferred from the first rows of ``source``."""
    sample = read_sample(source, sample_rows)
    schema = pa.infer_schema(sample)
    fields = [_field_line(name, sample[name], schema.columns[name]) for name in sample.columns]
    today = datetime.now(UTC).date().isoformat()
    return (
        HEADER.format(dataset=dataset, source=source.name, rows=len(sample), today=today) + "\n".join(fields) + FOOTER
    )


def read_sample(source: Path, sample_rows: int) -> pd.DataFrame:
    """The sample as the pipeline will see it (same reader, same dtypes)."""
    scratch = Path(tempfile.mkdtemp(prefix="dataguard-infer-"))
    try:
        canonical = scratch / "source.parquet"
        write_canonical(source, source_format(source), canonical, SourceOptions(), scratch)
        return next(pandas_batches(canonical, sample_rows))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


HEADER = '''"""Data contract for `{dataset}`, inferred by `dataguard infer` from {source} ({rows} rows) on {today}.

Review every rule: bounds and value sets are only what the sample showed.
Tighten them to what the data must be, and add rules that span columns with
@pa.dataframe_check.
"""

import pandas as pd
import pandera.pandas as pa

import dataguard


class schema(pa.DataFrameModel):  # noqa: N801 - the contract's required name
'''

FOOTER = """

    class Config:
        coerce = False  # True converts values to the declared types and quarantines those that do not convert
        strict = False  # True makes columns not declared here a structural failure


contract = dataguard.Contract(
    keys=[],  # columns that identify a row; duplicates are quarantined
    gate=dataguard.GatePolicy(max_quarantined_fraction=0.05),
)
"""


def _field_line(name: str, values: pd.Series, column: pa.Column) -> str:
    attr, alias = _attribute(name)
    annotation, extra = _annotation(values)
    args = [*extra, *_range_args(column, integer=annotation == "int"), *_category_args(values)]
    args.append(f"nullable={bool(values.isna().any())}")
    if alias:
        args.append(f"alias={name!r}")
    return f"    {attr}: {annotation} = pa.Field({', '.join(args)})"


def _attribute(name: str) -> tuple[str, bool]:
    if name.isidentifier() and not keyword.iskeyword(name) and name not in ("schema", "Config"):
        return name, False
    cleaned = re.sub(r"\W+", "_", name).strip("_") or "column"
    if cleaned[0].isdigit() or keyword.iskeyword(cleaned):
        cleaned = "c_" + cleaned
    return cleaned, True


def _annotation(values: pd.Series) -> tuple[str, list[str]]:
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool", []
    if pd.api.types.is_integer_dtype(dtype):
        return "int", []
    if pd.api.types.is_float_dtype(dtype):
        return "float", []
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return "pd.Timestamp", ["coerce=True"]  # coerce: the file's time unit may differ from ns
    return "str", []


def _range_args(column: pa.Column, *, integer: bool) -> list[str]:
    args = []
    for check in column.checks:
        stats = check.statistics or {}
        for key, arg in (("min_value", "ge"), ("max_value", "le")):
            value = stats.get(key)
            if _plain_number(value):
                args.append(f"{arg}={int(value) if integer else float(value)!r}")  # type: ignore[arg-type]
    return args


def _plain_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _category_args(values: pd.Series) -> list[str]:
    if not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
        return []
    distinct = values.dropna().unique()
    if len(distinct) == 0 or len(distinct) > MAX_CATEGORIES:
        return []
    return [f"isin={sorted(str(v) for v in distinct)!r}"]
