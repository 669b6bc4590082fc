"""Row checks: pandera over record batches, set-wide checks in DuckDB, exact failures."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataguard.catalog.results import CheckResult
from dataguard.checks.batches import pandas_batches
from dataguard.checks.load import load_contract
from dataguard.checks.rowchecks import check_rows
from dataguard.project import Project
from tests.conftest import write_contract

CONTRACT = """
    import pandera.pandas as pa
    import dataguard

    class schema(pa.DataFrameModel):
        id: int = pa.Field(ge=0)
        score: float = pa.Field(in_range={"min_value": 0, "max_value": 1}, nullable=True)
        label: str = pa.Field(isin=["cat", "dog"])

        @pa.dataframe_check(name="cats_score_low")
        def cats_score_low(cls, df):
            return (df["label"] != "cat") | df["score"].isna() | (df["score"] < 0.5)

    contract = dataguard.Contract(keys=["id"], batch_rows=BATCH_ROWS)
"""


def canonical(tmp_path: Path, frame: pd.DataFrame) -> Path:
    """A canonical version file: ``_row_id`` first, then the columns."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.add_column(0, "_row_id", pa.array(range(len(frame)), pa.int64()))
    path = tmp_path / "source.parquet"
    pq.write_table(table, path)
    return path


def failures(path: Path) -> list[tuple[int, str, str | None, str, str | None]]:
    rows = pq.read_table(path).to_pylist()
    return sorted((r["_row_id"], r["code"], r["column"], r["check"], r["value"]) for r in rows)


FRAME = pd.DataFrame(
    {
        "id": [0, 1, -2, 3, 3, 5],
        "score": [0.1, 1.5, None, 0.9, 0.2, 0.3],
        "label": ["cat", "dog", "cow", "cat", "dog", None],
    }
)


@pytest.mark.parametrize("batch_rows", [1, 2, 100])
def test_failures_are_exact_whatever_the_batch_size(project: Project, tmp_path: Path, batch_rows: int) -> None:
    write_contract(project, "pets", CONTRACT.replace("BATCH_ROWS", str(batch_rows)))
    loaded = load_contract(project, "pets")
    outcome = check_rows(canonical(tmp_path, FRAME), loaded, tmp_path / "failures.parquet")

    assert outcome.structural == ()
    assert failures(outcome.failures_path) == [
        (1, "in_range", "score", "in_range(0, 1)", "1.5"),
        (2, "greater_than_or_equal_to", "id", "greater_than_or_equal_to(0)", "-2"),
        (2, "isin", "label", "isin(['cat', 'dog'])", "cow"),
        (3, "cats_score_low", None, "cats_score_low", None),
        (3, "duplicate_key", "id", "duplicate_key(id)", "3"),
        (4, "duplicate_key", "id", "duplicate_key(id)", "3"),
        (5, "not_nullable", "label", "not_nullable", None),
    ]


def test_every_declared_check_is_reported_with_its_count(project: Project, tmp_path: Path) -> None:
    write_contract(project, "pets", CONTRACT.replace("BATCH_ROWS", "2"))
    loaded = load_contract(project, "pets")
    outcome = check_rows(canonical(tmp_path, FRAME), loaded, tmp_path / "failures.parquet")

    q = "quarantine"
    fingerprints = [c.fingerprint or "" for c in outcome.checks]
    assert [re.fullmatch(r"sha256:[0-9a-f]{64}", f) is not None for f in fingerprints] == [True] * 7
    assert len(set(fingerprints)) == 7  # each check its own definition
    assert tuple(dataclasses.replace(c, fingerprint=None) for c in outcome.checks) == (
        CheckResult("not_nullable", "id", "not_nullable", 0, q),
        CheckResult("greater_than_or_equal_to(0)", "id", "greater_than_or_equal_to", 1, q),
        CheckResult("in_range(0, 1)", "score", "in_range", 1, q),
        CheckResult("not_nullable", "label", "not_nullable", 1, q),
        CheckResult("isin(['cat', 'dog'])", "label", "isin", 1, q),
        CheckResult("cats_score_low", None, "cats_score_low", 1, q),
        CheckResult("duplicate_key(id)", "id", "duplicate_key", 2, q),
    )


def test_unique_field_is_checked_across_batches(project: Project, tmp_path: Path) -> None:
    write_contract(
        project,
        "u",
        """
        import pandera.pandas as pa
        import dataguard

        class schema(pa.DataFrameModel):
            code: str = pa.Field(unique=True)

        contract = dataguard.Contract(batch_rows=1)
        """,
    )
    frame = pd.DataFrame({"code": ["a", "b", "a", "c", "b"]})
    outcome = check_rows(canonical(tmp_path, frame), load_contract(project, "u"), tmp_path / "f.parquet")
    assert failures(outcome.failures_path) == [
        (0, "field_uniqueness", "code", "field_uniqueness(code)", "a"),
        (1, "field_uniqueness", "code", "field_uniqueness(code)", "b"),
        (2, "field_uniqueness", "code", "field_uniqueness(code)", "a"),
        (4, "field_uniqueness", "code", "field_uniqueness(code)", "b"),
    ]


def test_integer_column_keeps_one_dtype_in_every_batch(tmp_path: Path) -> None:
    frame = pd.DataFrame({"n": pd.array([1, 2, 3, None], dtype="Int64")})
    path = canonical(tmp_path, frame)
    dtypes = [batch["n"].dtype for batch in pandas_batches(path, 2)]
    assert dtypes == [pd.Series([1.0]).dtype] * 2  # float64 in both, as pd.read_parquet gives the whole file
    assert [list(batch.index) for batch in pandas_batches(path, 2)] == [[0, 1], [2, 3]]


def test_nullable_int_field_passes_when_nulls_sit_in_a_later_batch(project: Project, tmp_path: Path) -> None:
    write_contract(
        project,
        "n",
        """
        import pandera.pandas as pa
        import dataguard

        class schema(pa.DataFrameModel):
            n: float = pa.Field(nullable=True, ge=0)

        contract = dataguard.Contract(batch_rows=2)
        """,
    )
    frame = pd.DataFrame({"n": pd.array([1, 2, -3, None], dtype="Int64")})
    outcome = check_rows(canonical(tmp_path, frame), load_contract(project, "n"), tmp_path / "f.parquet")
    assert outcome.structural == ()
    assert failures(outcome.failures_path) == [
        (2, "greater_than_or_equal_to", "n", "greater_than_or_equal_to(0)", "-3.0")
    ]


def test_missing_column_is_a_structural_failure(project: Project, tmp_path: Path) -> None:
    write_contract(project, "pets", CONTRACT.replace("BATCH_ROWS", "100"))
    frame = FRAME.drop(columns=["label"])
    outcome = check_rows(canonical(tmp_path, frame), load_contract(project, "pets"), tmp_path / "f.parquet")
    assert outcome.structural == ("column label is missing (the contract pets.py requires it)",)
    assert outcome.checks == ()


def test_wrong_type_without_coercion_is_structural(project: Project, tmp_path: Path) -> None:
    write_contract(
        project,
        "t",
        """
        import pandera.pandas as pa

        class schema(pa.DataFrameModel):
            n: int
        """,
    )
    frame = pd.DataFrame({"n": ["1", "x"]})
    outcome = check_rows(canonical(tmp_path, frame), load_contract(project, "t"), tmp_path / "f.parquet")
    assert outcome.structural == (
        "column n does not have the type the contract expects (dtype('int64')); set coerce=True on the field "
        "to convert values and quarantine those that do not convert",
    )


def test_values_that_do_not_coerce_are_quarantined_row_by_row(project: Project, tmp_path: Path) -> None:
    write_contract(
        project,
        "t",
        """
        import pandera.pandas as pa

        class schema(pa.DataFrameModel):
            n: int = pa.Field(coerce=True, ge=0)
            tag: str = pa.Field(isin=["a", "b", "c"])
        """,
    )
    frame = pd.DataFrame({"n": ["1", "x", "-3", "4"], "tag": ["a", "zz", "c", "zz"]})
    outcome = check_rows(canonical(tmp_path, frame), load_contract(project, "t"), tmp_path / "f.parquet")
    assert outcome.structural == ()
    assert failures(outcome.failures_path) == [
        (1, "coerce_dtype", "n", "coerce_dtype('int64')", "x"),
        (1, "isin", "tag", "isin(['a', 'b', 'c'])", "zz"),
        (2, "greater_than_or_equal_to", "n", "greater_than_or_equal_to(0)", "-3"),
        (3, "isin", "tag", "isin(['a', 'b', 'c'])", "zz"),
    ]


def test_extra_column_in_a_strict_schema_is_structural(project: Project, tmp_path: Path) -> None:
    write_contract(
        project,
        "s",
        """
        import pandera.pandas as pa

        class schema(pa.DataFrameModel):
            n: int

            class Config:
                strict = True
        """,
    )
    frame = pd.DataFrame({"n": [1], "extra": [2]})
    outcome = check_rows(canonical(tmp_path, frame), load_contract(project, "s"), tmp_path / "f.parquet")
    assert outcome.structural == ("column extra is not in the contract s.py (the schema is strict)",)


def test_a_wide_contract_is_checked_in_column_chunks_with_exact_failures(project: Project, tmp_path: Path) -> None:
    """60 columns are three pushed-down passes of 25; every failure is found once, whatever its chunk."""
    fields = "\n".join(f"    c{i}: int = pa.Field(le={i})" for i in range(60))
    write_contract(project, "wide", f"import pandera.pandas as pa\n\nclass schema(pa.DataFrameModel):\n{fields}\n")
    frame = pd.DataFrame({f"c{i}": [i + 1 if row == i % 3 else 0 for row in range(3)] for i in range(60)})
    outcome = check_rows(canonical(tmp_path, frame), load_contract(project, "wide"), tmp_path / "failures.parquet")

    expected = [(i % 3, "less_than_or_equal_to", f"c{i}", f"less_than_or_equal_to({i})", str(i + 1)) for i in range(60)]
    assert failures(outcome.failures_path) == sorted(expected)
