"""Bad input files: refused with what and where (exit 2, catalog unchanged), or rows quarantined, never dropped.

Already covered elsewhere (not repeated here): ragged rows, junk above the
header, unterminated quotes, header only, zero bytes, blank files, Latin-1
without and with a declared encoding, bytes that are not UTF-8 (line and byte
column, at any read-chunk boundary), truncated Parquet, invalid JSON Lines,
reserved and case-duplicated column names (tests/test_ingest.py REFUSALS);
multi-line quoted fields and blank lines (tests/test_ingest.py
test_ingested_rows_match_the_records); a reader whose row count disagrees with
the records (test_a_reader_that_disagrees_with_the_record_count_is_refused);
the CLI's exit 2 with an unchanged catalog and warehouse for empty, header-only,
ragged, truncated, non-UTF-8 and missing-column files (tests/test_cli_bad_input.py).
"""

from __future__ import annotations

import gzip
import io
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataguard import catalog
from dataguard.common.rows import read_version
from dataguard.errors import SourceError
from dataguard.ingest.version import ingest
from dataguard.project import Project
from dataguard.spec.source import SourceOptions
from tests.catalog_sql import catalog_state
from tests.cleanrows import clean_of
from tests.conftest import write_contract
from tests.test_cli import run, run_json

pytestmark = pytest.mark.usefixtures("prefect_harness")


def parquet_bytes(table: pa.Table, **options: Any) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **options)
    return buffer.getvalue()


def rows(path: str | Path) -> list[dict[str, Any]]:
    return read_version(path).to_pylist()


# -- refusals, with the exact message ------------------------------------------------------------


def _corrupt_page() -> bytes:
    """A Parquet file written with page checksums, one data page's bytes flipped (footer intact)."""
    table = pa.table({"a": list(range(50_000))})
    raw = bytearray(parquet_bytes(table, compression="none", write_page_checksum=True))
    for i in range(1_000, 1_200):
        raw[i] ^= 0xFF
    return bytes(raw)


DIALECT_CHANGE = b"a,b,c\n" + b"1,2,3\n" * 5_000 + b"4;5;6\n" + b"7,8,9\n"
RAGGED_HINT = "every row must have as many fields as the header; quote fields that hold the delimiter"

REFUSED = [
    pytest.param(
        "dialect.csv",
        DIALECT_CHANGE,
        SourceOptions(),
        f", line 5002: expected 3 fields (as in the header), found 1\n  hint: {RAGGED_HINT}",
        id="dialect-changes-mid-file",
    ),
    pytest.param(
        "dup.csv",
        b"id,name,id\n1,a,2\n",
        SourceOptions(),
        ", line 1, column 3: column 'id' appears twice in the header (as 'id' too; names are case-insensitive)",
        id="duplicate-header",
    ),
    pytest.param(
        "utf16.csv",
        "id,name\n1,é\n".encode("utf-16"),
        SourceOptions(),
        ": the file is UTF-16 text (it starts with a UTF-16 byte order mark), not utf-8\n"
        "  hint: declare the encoding in the contract: Contract(encoding='utf-16')",
        id="utf16-undeclared",
    ),
    pytest.param(
        "really.csv",
        parquet_bytes(pa.table({"a": [1, 2]})),
        SourceOptions(),
        ": the file is a Parquet file (it starts with PAR1), not CSV text\n  hint: rename it to .parquet",
        id="parquet-named-csv",
    ),
    pytest.param(
        "really.jsonl",
        gzip.compress(b'{"a": 1}\n'),
        SourceOptions(),
        ": the file is gzip-compressed, not JSONL text\n  hint: decompress it first (gunzip)",
        id="gzip-named-jsonl",
    ),
    pytest.param(
        "really.parquet",
        b"a,b\n1,2\n",
        SourceOptions(),
        ": not a readable Parquet file: Parquet magic bytes not found in footer. "
        "Either the file is corrupted or this is not a parquet file.",
        id="csv-named-parquet",
    ),
    pytest.param(
        "zero-rows.parquet",
        parquet_bytes(pa.table({"a": pa.array([], pa.int64())})),
        SourceOptions(),
        ": the file has no data records (only a header, or blank)",
        id="parquet-with-zero-rows",
    ),
]


@pytest.mark.parametrize(("name", "content", "options", "message"), REFUSED)
def test_refused_with_what_and_where(
    project: Project, tmp_path: Path, name: str, content: bytes, options: SourceOptions, message: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)

    with pytest.raises(SourceError) as caught:
        ingest(project, "ds", source, options)

    assert (caught.value.exit_code, str(caught.value)) == (2, f"{source}{message}")
    assert catalog.list_versions(project.catalog, "ds") == []


def test_a_corrupt_page_is_refused_not_read_as_data(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "corrupt.parquet"
    source.write_bytes(_corrupt_page())

    with pytest.raises(SourceError) as caught:
        ingest(project, "ds", source)

    assert str(caught.value).startswith(f"{source}: row group 0 cannot be read: ")
    assert "CRC" in str(caught.value) or "checksum" in str(caught.value).lower()
    assert catalog.list_versions(project.catalog, "ds") == []


# -- through the CLI: exit 2 and the catalog unchanged ------------------------------------------

PETS = """
    import pandera.pandas as pa


    class schema(pa.DataFrameModel):
        id: int = pa.Field(ge=0)
        label: str
"""


@pytest.mark.parametrize(("name", "content", "options", "message"), REFUSED)
def test_cli_refuses_with_exit_2_and_changes_nothing(
    project: Project, tmp_path: Path, name: str, content: bytes, options: SourceOptions, message: str
) -> None:
    write_contract(project, "pets", PETS)
    good = tmp_path / "good.csv"
    good.write_text("id,label\n1,a\n")
    assert run("validate", "pets", good).exit_code == 0
    before = catalog_state(project)
    source = tmp_path / name
    source.write_bytes(content)

    result = run("validate", "pets", source, "--json")

    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["message"] == f"{source}{message}"
    assert catalog_state(project) == before


def test_a_damaged_page_without_a_checksum_is_bad_input_found_by_the_first_read(
    project: Project, tmp_path: Path
) -> None:
    """A Parquet version is kept as it arrived and not read at ingest when it has no checksums: the row
    checks read it first, and a page that cannot be decoded is the file's fault (exit 2), named as the source."""
    write_contract(project, "pets", PETS)
    good = tmp_path / "good.csv"
    good.write_text("id,label\n1,a\n")
    assert run("validate", "pets", good).exit_code == 0
    before = catalog_state(project)
    table = pa.table({"id": list(range(50_000)), "label": [f"x{i % 7}" for i in range(50_000)]})
    raw = bytearray(parquet_bytes(table, compression="snappy", use_dictionary=False))
    for i in range(3_000, 3_400):
        raw[i] ^= 0x5A
    source = tmp_path / "damaged.parquet"
    source.write_bytes(bytes(raw))

    result = run("validate", "pets", source, "--json")

    assert (result.exit_code, "Traceback" in result.stderr) == (2, False)
    assert json.loads(result.stdout)["error"]["message"] == (
        f'{source}: the file cannot be read: Invalid Input Error: Failed to read file "{source}": '
        "Snappy decompression failure"
    )
    assert catalog_state(project) == before


# -- accepted, with exact values ---------------------------------------------------------------------


def test_a_utf8_bom_is_not_part_of_the_first_column_name(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "bom.csv"
    source.write_bytes(b"\xef\xbb\xbfcode,name\n007,a\n")

    result = ingest(project, "ds", source, SourceOptions(text_columns=("code",)))

    assert rows(result.version.data_path) == [{"_row_id": 0, "code": "007", "name": "a"}]


def test_utf16_declared_is_decoded(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "utf16.csv"
    source.write_bytes("id,name\n1,é\n2,日本\n".encode("utf-16"))

    result = ingest(project, "ds", source, SourceOptions(encoding="utf-16"))

    assert rows(result.version.data_path) == [
        {"_row_id": 0, "id": 1, "name": "é"},
        {"_row_id": 1, "id": 2, "name": "日本"},
    ]


CODES = """
    import pandera.pandas as pa


    class schema(pa.DataFrameModel):
        zip: str
        account: str
        amount: int
"""


@pytest.mark.parametrize(
    "lines",
    [
        pytest.param(["02134,12345678901234567890,1", "10001,00000000000000000001,2"], id="leading-zeros"),
        pytest.param(["10001,12345678901234567890,1", "90210,98765432109876543210,2"], id="digits-only"),
    ],
)
def test_leading_zero_codes_and_20_digit_ids_survive_byte_for_byte(
    project: Project, tmp_path: Path, lines: list[str]
) -> None:
    """Columns the contract declares as text are read as text, whatever a reader would guess from the digits."""
    write_contract(project, "codes", CODES)
    source = tmp_path / "codes.csv"
    source.write_text("zip,account,amount\n" + "\n".join(lines) + "\n")

    code, report = run_json("validate", "codes", source)

    assert (code, report["verdict"], report["rows"]["clean"]) == (0, "PASS", 2)
    expected = [line.split(",") for line in lines]
    assert clean_of(report).to_pylist() == [
        {"_row_id": i, "zip": z, "account": a, "amount": int(n)} for i, (z, a, n) in enumerate(expected)
    ]


INTS = """
    import pandera.pandas as pa


    class schema(pa.DataFrameModel):
        n: int = pa.Field(ge=0, coerce=True)
"""


def test_a_type_change_after_thousands_of_rows_is_quarantined_not_guessed_away(
    project: Project, tmp_path: Path
) -> None:
    write_contract(project, "ints", INTS)
    source = tmp_path / "late.csv"
    source.write_text("n\n" + "1\n" * 30_000 + "abc\n" + "2\n")

    code, report = run_json("validate", "ints", source)

    assert code == 0
    assert report["rows"] == {
        "input": 30_002,
        "clean": 30_001,
        "quarantined": 1,
        "pending": 1,
        "released": 0,
        "rejected": 0,
    }
    assert report["quarantine_reasons"] == [{"code": "coerce_dtype", "column": "n", "rows": 1}]
    quarantined = rows(report["paths"]["quarantine"])
    assert [(r["_row_id"], r["n"], [x["value"] for x in r["_reasons"]]) for r in quarantined] == [
        (30_000, "abc", ["abc"])
    ]


# -- NaN, None, empty string, "nan", "NULL": one meaning in every path ---------------------------

NULLS = """
    import pandera.pandas as pa


    class schema(pa.DataFrameModel):
        s: str = pa.Field(nullable=True)
        f: float = pa.Field(nullable=False)
"""
NULLS_CSV = b's,f\n"",1\n,2\nNULL,3\nnan,nan\nNone,\n'
NULLS_JSONL = (
    b'{"s": "", "f": 1.0}\n{"s": null, "f": 2.0}\n{"s": "NULL", "f": 3.0}\n'
    b'{"s": "nan", "f": NaN}\n{"s": "None", "f": null}\n'
)
NULLS_PARQUET = parquet_bytes(
    pa.table({"s": ["", None, "NULL", "nan", "None"], "f": pa.array([1.0, 2.0, 3.0, float("nan"), None], pa.float64())})
)


@pytest.mark.parametrize(
    ("name", "content"),
    [("nulls.csv", NULLS_CSV), ("nulls.jsonl", NULLS_JSONL), ("nulls.parquet", NULLS_PARQUET)],
    ids=["csv", "jsonl", "parquet"],
)
def test_missing_values_mean_the_same_in_every_format(
    project: Project, tmp_path: Path, name: str, content: bytes
) -> None:
    """Null (empty CSV field, JSON null, Parquet null) is missing; NaN in a number column is missing too;
    an empty quoted string and the texts "NULL", "nan", "None" are values."""
    write_contract(project, "nulls", NULLS)
    source = tmp_path / name
    source.write_bytes(content)

    code, report = run_json("validate", "nulls", source)

    assert code == 1  # 2 of 5 rows quarantined: above the 5% allowed
    canonical = rows(catalog.find_version(project.catalog, "nulls").data_path)  # type: ignore[union-attr]
    assert [r["s"] for r in canonical] == ["", None, "NULL", "nan", "None"]
    assert [r["f"] for r in canonical][:3] == [1.0, 2.0, 3.0]
    assert math.isnan(canonical[3]["f"])
    assert canonical[4]["f"] is None
    assert report["quarantine_reasons"] == [{"code": "not_nullable", "column": "f", "rows": 2}]
    assert [r["_row_id"] for r in rows(report["paths"]["quarantine"])] == [3, 4]
    assert [(r["_row_id"], r["s"]) for r in clean_of(report).to_pylist()] == [(0, ""), (1, None), (2, "NULL")]


# -- naive and time-zone-aware timestamps across versions ------------------------------------------

AWARE = """
    from typing import Annotated

    import pandas as pd
    import pandera.pandas as pa
    from pandera.typing import Series


    class schema(pa.DataFrameModel):
        t: Series[Annotated[pd.DatetimeTZDtype, "us", "UTC"]]
"""


def test_a_naive_version_after_an_aware_one_is_refused_never_shifted(project: Project, tmp_path: Path) -> None:
    write_contract(project, "times", AWARE)
    aware, naive = tmp_path / "aware.csv", tmp_path / "naive.csv"
    aware.write_text("t\n2024-01-01T10:00:00+02:00\n2024-01-02T00:00:00Z\n")
    naive.write_text("t\n2024-01-03 10:00:00\n2024-01-04 00:00:00\n")
    code, first = run_json("validate", "times", aware)
    assert (code, first["verdict"]) == (0, "PASS")
    assert [str(r["t"]) for r in clean_of(first).to_pylist()] == [
        "2024-01-01 08:00:00+00:00",
        "2024-01-02 00:00:00+00:00",
    ]
    before = catalog_state(project)

    result = run("validate", "times", naive, "--json")

    assert result.exit_code == 2
    message = json.loads(result.stdout)["error"]["message"]
    assert "column t does not have the type the contract expects" in message
    assert "datetime64[us, UTC]" in message
    assert catalog_state(project) == before
    assert run_json("gate", "times")[1]["version"] == 1


def test_naive_and_aware_values_in_one_file_are_read_as_utc(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "mixed.csv"
    source.write_text("t\n2024-01-01 10:00:00\n2024-01-01T10:00:00+02:00\n")

    result = ingest(project, "ds", source)

    table = read_version(result.version.data_path)
    assert str(table.schema.field("t").type) == "timestamp[us, tz=UTC]"
    assert [str(v) for v in table.column("t").to_pylist()] == ["2024-01-01 10:00:00+00:00", "2024-01-01 08:00:00+00:00"]
