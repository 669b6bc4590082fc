"""CSV and JSON Lines columns read as the contract declares them, and CSV fields up to 64 MiB (issue 16).

Whole numbers in a float column are floats; a value that is no number still reaches the row
checks as it is (quarantined with coerce=True, else a structural failure naming the type);
a field over the limit is refused naming the line its record starts on, not line 1.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataguard.checks.load import load_contract
from dataguard.checks.rowchecks import RowCheckOutcome, check_rows
from dataguard.common.rows import read_version
from dataguard.errors import SourceError
from dataguard.ingest import text as text_module
from dataguard.ingest.version import ingest
from dataguard.project import Project
from dataguard.spec.source import SourceOptions
from tests.conftest import write_contract

PRICES = """
    import pandera.pandas as pa


    class schema(pa.DataFrameModel):
        price: float = pa.Field(ge=0)
        n: int = pa.Field(ge=0)
"""
PRICES_ROWS = [
    {"_row_id": 0, "price": 1.0, "n": 10},
    {"_row_id": 1, "price": 2.0, "n": 20},
    {"_row_id": 2, "price": 3.0, "n": 30},
]
NOT_A_NUMBER = """
    import pandera.pandas as pa


    class schema(pa.DataFrameModel):
        price: float = pa.Field(COERCE)
"""
TOO_LONG = (
    "a field of the record starting on this line is longer than 1,000 characters, the most a CSV field may hold\n"
    "  hint: store values this large in a Parquet file"
)


def write_source(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / "sources" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def validated(project: Project, dataset: str, source: Path, tmp_path: Path) -> tuple[pa.Table, RowCheckOutcome]:
    """Ingest ``source`` as the dataset's contract says, then run the contract's row checks on it."""
    loaded = load_contract(project, dataset)
    data_path = Path(ingest(project, dataset, source, loaded.source_options).version.data_path)
    return read_version(data_path), check_rows(data_path, loaded, tmp_path / "failures.parquet")


def failures(outcome: RowCheckOutcome) -> list[tuple[int, str, str | None, str | None]]:
    rows = pq.read_table(outcome.failures_path).to_pylist()
    return sorted((r["_row_id"], r["code"], r["column"], r["value"]) for r in rows)


def types_of(table: pa.Table) -> dict[str, str]:
    return {field.name: str(field.type) for field in table.schema}


# -- the contract's types --------------------------------------------------------------------------


def test_the_contract_declares_a_duckdb_type_for_each_typed_column(project: Project) -> None:
    write_contract(
        project,
        "wide",
        """
        from typing import Annotated

        import pandas as pd
        import pandera.pandas as pa
        from pandera.typing import Series


        class schema(pa.DataFrameModel):
            f: float
            f32: Series[pa.Float32]
            i: int
            ni: Series[pd.Int64Dtype] = pa.Field(nullable=True)
            i32: Series[pa.Int32]
            u8: Series[pa.UInt8]
            b: bool
            s: str
            day: Series[pa.Date]
            t: pd.Timestamp
            tz: Series[Annotated[pd.DatetimeTZDtype, "us", "UTC"]]
            c: Series[pd.CategoricalDtype]
            o: object
        """,
    )

    options = load_contract(project, "wide").source_options

    assert options.column_types == (
        ("f", "DOUBLE"),
        ("f32", "FLOAT"),
        ("i", "BIGINT"),
        ("ni", "BIGINT"),
        ("i32", "INTEGER"),
        ("u8", "UTINYINT"),
        ("b", "BOOLEAN"),
        ("s", "VARCHAR"),
        ("day", "DATE"),
        ("t", "TIMESTAMP"),
        ("tz", "TIMESTAMPTZ"),
    )
    assert (options.encoding, options.csv_delimiter, options.text_columns) == ("utf-8", ",", ())


# -- whole numbers in a float column --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("prices.csv", b"price,n\n1,10\n2,20\n3,30\n", id="csv"),
        pytest.param(
            "prices.jsonl", b'{"price": 1, "n": 10}\n{"price": 2, "n": 20}\n{"price": 3, "n": 30}\n', id="jsonl"
        ),
    ],
)
def test_whole_numbers_in_a_float_column_are_read_as_floats_and_pass(
    project: Project, tmp_path: Path, name: str, content: bytes
) -> None:
    write_contract(project, "prices", PRICES)

    table, outcome = validated(project, "prices", write_source(tmp_path, name, content), tmp_path)

    assert types_of(table) == {"_row_id": "int64", "price": "double", "n": "int64"}  # the int column stays int
    assert table.to_pylist() == PRICES_ROWS
    assert [type(value) for value in table.column("price").to_pylist()] == [float, float, float]
    assert outcome.structural == ()
    assert failures(outcome) == []


def test_column_names_match_the_contract_whatever_their_case(project: Project, tmp_path: Path) -> None:
    source = write_source(tmp_path, "upper.csv", b"PRICE,n\n1,10\n")

    result = ingest(project, "ds", source, SourceOptions(column_types=(("price", "DOUBLE"),)))

    table = read_version(result.version.data_path)
    assert types_of(table) == {"_row_id": "int64", "PRICE": "double", "n": "int64"}
    assert table.to_pylist() == [{"_row_id": 0, "PRICE": 1.0, "n": 10}]


@pytest.mark.parametrize(
    ("coerce", "structural", "quarantined"),
    [
        pytest.param(
            "",
            (
                "column price does not have the type the contract expects (dtype('float64')); "
                "set coerce=True on the field to convert values and quarantine those that do not convert",
            ),
            [],
            id="structural-without-coerce",
        ),
        pytest.param("coerce=True", (), [(1, "coerce_dtype", "price", "abc")], id="quarantined-with-coerce"),
    ],
)
def test_a_value_that_is_no_number_still_reaches_the_row_checks(
    project: Project,
    tmp_path: Path,
    coerce: str,
    structural: tuple[str, ...],
    quarantined: list[tuple[int, str, str, str]],
) -> None:
    """No cast that can fail is made: "abc" is neither a read error nor a silent null."""
    write_contract(project, "prices", NOT_A_NUMBER.replace("COERCE", coerce))

    table, outcome = validated(project, "prices", write_source(tmp_path, "abc.csv", b"price\n1\nabc\n3\n"), tmp_path)

    assert table.column("price").to_pylist() == ["1", "abc", "3"]
    assert outcome.structural == structural
    assert failures(outcome) == quarantined


def test_a_json_key_that_is_null_on_every_line_takes_the_declared_type(project: Project, tmp_path: Path) -> None:
    source = write_source(tmp_path, "nulls.jsonl", b'{"price": null, "n": 1}\n{"price": null, "n": 2}\n')

    result = ingest(project, "ds", source, SourceOptions(column_types=(("price", "DOUBLE"), ("n", "BIGINT"))))

    table = read_version(result.version.data_path)
    assert types_of(table) == {"_row_id": "int64", "price": "double", "n": "int64"}
    assert table.to_pylist() == [{"_row_id": 0, "price": None, "n": 1}, {"_row_id": 1, "price": None, "n": 2}]


def test_dates_fill_a_timestamp_column_and_naive_times_are_never_read_as_utc(project: Project, tmp_path: Path) -> None:
    source = write_source(tmp_path, "times.csv", b"day,at\n2024-01-01,2024-01-01 10:00:00\n")
    options = SourceOptions(column_types=(("day", "TIMESTAMP"), ("at", "TIMESTAMPTZ")))

    result = ingest(project, "ds", source, options)

    table = read_version(result.version.data_path)
    assert types_of(table) == {"_row_id": "int64", "day": "timestamp[us]", "at": "timestamp[us]"}  # "at": no zone
    assert table.to_pylist() == [{"_row_id": 0, "day": datetime(2024, 1, 1), "at": datetime(2024, 1, 1, 10)}]


# -- long CSV fields ---------------------------------------------------------------------------------


def test_a_field_over_duckdbs_default_2_mb_line_is_read_exactly(project: Project, tmp_path: Path) -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(3 << 20)) + "é"  # 3 MiB and a two-byte character
    source = write_source(tmp_path, "long.csv", f"id,text\n1,a\n2,{text}\n3,c\n".encode())

    result = ingest(project, "ds", source)

    assert read_version(result.version.data_path).to_pylist() == [
        {"_row_id": 0, "id": 1, "text": "a"},
        {"_row_id": 1, "id": 2, "text": text},
        {"_row_id": 2, "id": 3, "text": "c"},
    ]


@pytest.mark.parametrize(
    ("record", "line"),
    [
        pytest.param(b"2," + b"y" * 1_001 + b"\n", 3, id="one-character-over"),
        pytest.param(b'2,"' + b"y\n" * 501 + b'"\n', 3, id="quoted-field-over-many-lines"),
        pytest.param(b"\n\n2," + b"y" * 1_001 + b"\n", 5, id="after-blank-lines"),
        pytest.param(b"y" * 1_001 + b",2\n", 3, id="first-field"),
    ],
)
def test_a_field_over_the_limit_is_refused_naming_the_line_its_record_starts_on(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record: bytes, line: int
) -> None:
    monkeypatch.setattr(text_module, "CSV_MAX_FIELD_CHARS", 1_000)
    source = write_source(tmp_path, "long.csv", b"id,text\n1,a\n" + record + b"3,c\n")

    with pytest.raises(SourceError) as caught:
        ingest(project, "ds", source)

    assert (caught.value.exit_code, caught.value.line) == (2, line)
    assert str(caught.value) == f"{source}, line {line}: {TOO_LONG}"


def test_a_header_name_over_the_limit_is_refused_naming_line_1(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_module, "CSV_MAX_FIELD_CHARS", 1_000)
    source = write_source(tmp_path, "wide.csv", b"id," + b"t" * 1_001 + b"\n1,2\n")

    with pytest.raises(SourceError) as caught:
        ingest(project, "ds", source)

    assert str(caught.value) == f"{source}, line 1: {TOO_LONG}"


def test_fields_at_the_limit_are_read_however_long_their_record(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's limit on a record is above any record whose fields are within the limit: here two fields of
    1,000 four-byte characters, quoted, with a CRLF line break: 8,007 bytes, DuckDB's limit 8,008."""
    monkeypatch.setattr(text_module, "CSV_MAX_FIELD_CHARS", 1_000)
    wide = "\U0001f600" * 1_000
    source = write_source(tmp_path, "wide.csv", f'a,b\r\n"{wide}","{wide}"\r\nx,y\r\n'.encode())

    result = ingest(project, "ds", source)

    assert read_version(result.version.data_path).to_pylist() == [
        {"_row_id": 0, "a": wide, "b": wide},
        {"_row_id": 1, "a": "x", "b": "y"},
    ]


def test_a_field_just_over_64_mib_is_refused_naming_its_line(project: Project, tmp_path: Path) -> None:
    limit = text_module.CSV_MAX_FIELD_CHARS
    source = write_source(tmp_path, "huge.csv", b"id,text\n1,a\n2," + b"y" * (limit + 1) + b"\n3,c\n")

    with pytest.raises(SourceError) as caught:
        ingest(project, "ds", source)

    assert limit == 64 << 20
    assert str(caught.value) == (
        f"{source}, line 3: a field of the record starting on this line is longer than 67,108,864 characters, "
        "the most a CSV field may hold\n  hint: store values this large in a Parquet file"
    )
