"""Ingest: a source file becomes a canonical Parquet with `_row_id`, a version and a fingerprint, or a clear refusal."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataguard import catalog
from dataguard.common.rows import read_version
from dataguard.errors import BadInput, SourceError
from dataguard.ingest import canonical as canonical_module
from dataguard.ingest import readers as readers_module
from dataguard.ingest import text as text_module
from dataguard.ingest.canonical import write_canonical
from dataguard.ingest.stored import has_page_checksums
from dataguard.ingest.text import check_utf8, count_csv_records
from dataguard.ingest.version import Ingested, fingerprint, ingest
from dataguard.project import Project
from dataguard.spec.source import SourceOptions
from tests.catalog_sql import catalog_is_empty

CSV_3 = b"id,name,score\n1,a,0.5\n2,b,\n3,c,1.25\n"
ROWS_3 = [
    {"_row_id": 0, "id": 1, "name": "a", "score": 0.5},
    {"_row_id": 1, "id": 2, "name": "b", "score": None},
    {"_row_id": 2, "id": 3, "name": "c", "score": 1.25},
]
LATIN1_CSV = "id,name\n1,café\n".encode("latin-1")


def parquet_bytes(table: pa.Table, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **kwargs)
    return buffer.getvalue()


PARQUET_3 = parquet_bytes(
    pa.table(
        {
            "id": pa.array([10, 20, 30], pa.int32()),
            "ok": pa.array([True, None, False]),
            "day": pa.array([date(2024, 1, 1), date(2024, 1, 2), None], pa.date32()),
        }
    ),
    row_group_size=2,  # two row groups: the order must hold across them
)


@pytest.fixture
def write(tmp_path: Path):
    """Write bytes to a file named ``name`` under tmp_path and return its path."""

    def _write(name: str, content: bytes) -> Path:
        path = tmp_path / "sources" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path

    return _write


def canonical(result: Ingested) -> pa.Table:
    return read_version(result.version.data_path)


def types_of(table: pa.Table) -> list[tuple[str, pa.DataType]]:
    return [(field.name, field.type) for field in table.schema]


def warehouse_entries(project: Project) -> list[str]:
    """The warehouse's data files and folders (the catalog file and the writer locks are not data)."""
    if not project.warehouse.exists():
        return []
    found = (str(p.relative_to(project.warehouse)) for p in project.warehouse.rglob("*"))
    return sorted(name for name in found if not name.startswith(("catalog.sqlite", ".locks")))


def catalog_rows(project: Project, dataset: str) -> list[tuple[int, str, int, str, str, int]]:
    return [
        (v.version, v.fingerprint, v.rows, v.status, v.source_format, v.size_bytes)
        for v in catalog.list_versions(project.catalog, dataset)
    ]


def sha256(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


# -- canonical Parquet ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "rows", "types"),
    [
        pytest.param(
            "three.csv",
            CSV_3,
            ROWS_3,
            [("_row_id", pa.int64()), ("id", pa.int64()), ("name", pa.string()), ("score", pa.float64())],
            id="csv",
        ),
        pytest.param(
            "three.jsonl",
            b'{"id": 1, "name": "a", "score": 0.5}\n{"id": 2, "name": "b", "score": null}\n\n'
            b'{"id": 3, "name": "c", "score": 1.25}\n',
            ROWS_3,
            [("_row_id", pa.int64()), ("id", pa.int64()), ("name", pa.string()), ("score", pa.float64())],
            id="jsonl",
        ),
        pytest.param(
            "three.parquet",
            PARQUET_3,
            [
                {"_row_id": 0, "id": 10, "ok": True, "day": date(2024, 1, 1)},
                {"_row_id": 1, "id": 20, "ok": None, "day": date(2024, 1, 2)},
                {"_row_id": 2, "id": 30, "ok": False, "day": None},
            ],
            [("_row_id", pa.int64()), ("id", pa.int32()), ("ok", pa.bool_()), ("day", pa.date32())],
            id="parquet",
        ),
    ],
)
def test_source_becomes_canonical_parquet_with_row_id_first(project, write, name, content, rows, types):
    table = canonical(ingest(project, "ds", write(name, content)))

    assert table.to_pylist() == rows
    assert types_of(table) == types


def test_ingest_records_the_version(project, write):
    source = write("three.csv", CSV_3)

    result = ingest(project, "ds", source)

    record = result.version
    assert result.new is True
    assert (record.dataset, record.version, record.rows, record.status) == ("ds", 1, 3, "ingested")
    assert (record.fingerprint, record.source_format, record.size_bytes) == (sha256(CSV_3), "csv", len(CSV_3))
    assert record.source_path == str(source.resolve())
    assert record.data_path == str(project.warehouse / "ds" / "1" / "source.parquet")


def test_write_canonical_returns_the_record_count(tmp_path, write):
    out = tmp_path / "out.parquet"

    count = write_canonical(write("three.csv", CSV_3), "csv", out, SourceOptions(), tmp_path)

    assert count == 3
    assert read_version(out).to_pylist() == ROWS_3


def test_fingerprint_is_the_sha256_of_the_bytes(write):
    assert fingerprint(write("abc.csv", b"abc")) == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_row_id_keeps_source_order_on_a_parallel_read(project, write):
    # ~30 MB: DuckDB splits a CSV this size between threads (a 3 MB one it reads on one thread)
    count = 300_000
    label = b"x" * 90
    content = b"n,label\n" + b"".join(b"%d,%s\n" % (i, label) for i in range(count))

    table = canonical(ingest(project, "big", write("big.csv", content)))

    assert table.num_rows == count
    assert table.column("n").equals(table.column("_row_id"))


# -- versions and the catalog -------------------------------------------------------------


def test_identical_bytes_return_the_existing_version(project, write):
    first = ingest(project, "ds", write("three.csv", CSV_3))

    again = ingest(project, "ds", write("copy-of-three.csv", CSV_3))

    assert (again.new, again.version) == (False, first.version)
    assert catalog_rows(project, "ds") == [(1, sha256(CSV_3), 3, "ingested", "csv", len(CSV_3))]


def test_different_bytes_make_version_2(project, write):
    four = CSV_3 + b"4,d,2.5\n"
    ingest(project, "ds", write("three.csv", CSV_3))

    second = ingest(project, "ds", write("four.csv", four))

    assert (second.new, second.version.version, second.version.rows) == (True, 2, 4)
    assert catalog_rows(project, "ds") == [
        (1, sha256(CSV_3), 3, "ingested", "csv", len(CSV_3)),
        (2, sha256(four), 4, "ingested", "csv", len(four)),
    ]


def test_versions_are_numbered_per_dataset(project, write):
    ingest(project, "ds", write("three.csv", CSV_3))

    other = ingest(project, "other", write("three.csv", CSV_3))

    assert (other.new, other.version.version) == (True, 1)
    assert catalog_rows(project, "other") == [(1, sha256(CSV_3), 3, "ingested", "csv", len(CSV_3))]


def test_same_bytes_registered_meanwhile_by_another_run_are_not_a_new_version(project, write, monkeypatch):
    source = write("three.csv", CSV_3)
    ingest(project, "ds", source)
    real_find = catalog.find_version
    calls = []

    def find_before_the_other_run_committed(*args, **kwargs):
        calls.append(args)
        return None if len(calls) == 1 else real_find(*args, **kwargs)

    monkeypatch.setattr(catalog, "find_version", find_before_the_other_run_committed)

    again = ingest(project, "ds", source)

    assert (again.new, again.version.version) == (False, 1)
    assert catalog_rows(project, "ds") == [(1, sha256(CSV_3), 3, "ingested", "csv", len(CSV_3))]
    assert warehouse_entries(project) == [".staging", "ds", "ds/1", "ds/1/source.parquet"]


def test_failed_registration_leaves_no_version_folder(project, write, monkeypatch):
    def insert_fails(con, record):
        raise RuntimeError("disk full")

    monkeypatch.setattr(catalog, "insert_version", insert_fails)

    with pytest.raises(RuntimeError, match="disk full"):
        ingest(project, "ds", write("three.csv", CSV_3))

    assert catalog.list_versions(project.catalog, "ds") == []
    assert warehouse_entries(project) == [".staging", "ds"]  # no orphan ds/1


@pytest.mark.parametrize("dataset", ["../outside", "a/b", ".staging", "", "catalog.duckdb", "1st", "x" * 65])
def test_a_dataset_name_that_is_not_a_plain_folder_name_is_refused(project, write, dataset):
    with pytest.raises(BadInput) as caught:
        ingest(project, dataset, write("three.csv", CSV_3))

    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        f"invalid dataset name {dataset!r}\n"
        "  hint: use a letter, then letters, digits or underscores (at most 64), e.g. flights or click_logs"
    )
    assert warehouse_entries(project) == []


# -- what counts as a record ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "records"),
    [
        pytest.param(b"id,name\n1,a\n2,b\n", 2, id="plain"),
        pytest.param(b"id,name\n1,a\n2,b", 2, id="no-final-newline"),
        pytest.param(b"id,name\r\n1,a\r\n2,b\r\n", 2, id="crlf"),
        pytest.param(b"id,name\n\n1,a\n\n\n2,b\n\n", 2, id="blank-lines-are-not-records"),
        pytest.param(b'id,name\n1,"line one\nline two"\n2,b\n', 2, id="quoted-newline-is-one-record"),
        pytest.param(b'id,name\n1,"a, b"\n', 1, id="quoted-delimiter"),
        pytest.param(b"name\na\n\nb\n\n", 2, id="one-column-blank-lines"),
    ],
)
def test_count_csv_records(write, content, records):
    path = write("count.csv", content)

    assert count_csv_records(path, path, ",") == records


@pytest.mark.parametrize(
    ("content", "rows"),
    [
        pytest.param(
            b"id,name\n\n1,a\n\n\n2,b\n\n",
            [{"_row_id": 0, "id": 1, "name": "a"}, {"_row_id": 1, "id": 2, "name": "b"}],
            id="blank-lines",
        ),
        pytest.param(
            b'id,name\n1,"line one\nline two"\n2,b\n',
            [{"_row_id": 0, "id": 1, "name": "line one\nline two"}, {"_row_id": 1, "id": 2, "name": "b"}],
            id="quoted-newline",
        ),
        pytest.param(
            b"name\na\n\nb\n\n",
            [{"_row_id": 0, "name": "a"}, {"_row_id": 1, "name": "b"}],
            id="one-column-blank-lines",
        ),
    ],
)
def test_ingested_rows_match_the_records(project, write, content, rows):
    result = ingest(project, "ds", write("records.csv", content))

    assert result.version.rows == len(rows)
    assert canonical(result).to_pylist() == rows


def test_long_text_field_is_one_value(project, write):
    text = "x" * 200_000  # above the csv module's default field limit (128 KiB)

    result = ingest(project, "ds", write("long.csv", f"id,text\n1,{text}\n".encode()))

    assert canonical(result).to_pylist() == [{"_row_id": 0, "id": 1, "text": text}]


def test_a_reader_that_disagrees_with_the_record_count_is_refused(project, write, monkeypatch):
    source = write("three.csv", CSV_3)
    monkeypatch.setattr(canonical_module, "csv_records_and_width", lambda text, src, delimiter: (4, 3))

    with pytest.raises(SourceError) as caught:
        ingest(project, "ds", source)

    assert str(caught.value) == (
        f"{source}: the reader returned 3 rows but the file holds 4 records; "
        "refusing a read that skips, merges or invents rows"
    )
    assert catalog.list_versions(project.catalog, "ds") == []


# -- encodings ----------------------------------------------------------------------------------


def test_check_utf8_accepts_utf8(write):
    assert check_utf8(write("ok.csv", "id,name\n1,café\n".encode())) is None


def test_non_utf8_bytes_name_line_and_byte_column(write):
    source = write("latin1.csv", LATIN1_CSV)

    with pytest.raises(SourceError) as caught:
        check_utf8(source)

    assert (caught.value.line, caught.value.exit_code) == (2, 2)
    assert str(caught.value) == (
        f"{source}, line 2: byte 0xe9 is not valid UTF-8 (byte column 6); the file is not UTF-8 encoded\n"
        "  hint: declare the file's encoding in the contract, e.g. Contract(encoding='latin-1')"
    )


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 4, 5, 7, 13, 64])
def test_byte_column_does_not_depend_on_read_chunks(write, monkeypatch, chunk_bytes):
    # 'é' (bytes 12 and 13) just before the bad byte: 13-byte reads cut it, the bad byte in the next read
    source = write("cut.csv", b"id,name\n1,ab\xc3\xa9\xff\n")
    monkeypatch.setattr(text_module, "CHUNK_BYTES", chunk_bytes)

    with pytest.raises(SourceError) as caught:
        check_utf8(source)

    assert caught.value.message == f"{source}, line 2: byte 0xff is not valid UTF-8 (byte column 7); " + (
        "the file is not UTF-8 encoded"
    )


def test_file_ending_inside_a_character_is_refused(write):
    source = write("cut.csv", b"id,name\n1,caf\xc3")

    with pytest.raises(SourceError) as caught:
        check_utf8(source)

    assert str(caught.value) == f"{source}: the file ends inside a UTF-8 character (truncated)"


def test_declared_encoding_decodes_the_file(project, write):
    result = ingest(project, "ds", write("latin1.csv", LATIN1_CSV), SourceOptions(encoding="latin-1"))

    assert canonical(result).to_pylist() == [{"_row_id": 0, "id": 1, "name": "café"}]
    assert result.version.fingerprint == sha256(LATIN1_CSV)  # the source's bytes, not the decoded copy


# -- refusals -------------------------------------------------------------------------------------

RAGGED_HINT = "every row must have as many fields as the header; quote fields that hold the delimiter"
RESERVED_HINT = "rename the column in the source; dataguard adds _row_id, _reasons itself"


def _row_id_parquet() -> bytes:
    return parquet_bytes(pa.table({"_row_id": [7], "a": [1]}))


def _truncated_parquet() -> bytes:
    return PARQUET_3[: len(PARQUET_3) // 2]


REFUSALS = [
    pytest.param(
        "junk.csv",
        b"exported by tool v2\nid,name\n1,a\n2,b\n",
        SourceOptions(),
        ", line 2: expected 1 field (as in the header), found 2\n"
        "  hint: line 1 is taken as the header; remove any lines above the real header",
        id="junk-first-line",
    ),
    pytest.param(
        "fewer.csv",
        b"id,name\n1,a\n2\n3,c\n",
        SourceOptions(),
        f", line 3: expected 2 fields (as in the header), found 1\n  hint: {RAGGED_HINT}",
        id="fewer-fields",
    ),
    pytest.param(
        "more.csv",
        b"id,name\n1,a\n2,b,x\n",
        SourceOptions(),
        f", line 3: expected 2 fields (as in the header), found 3\n  hint: {RAGGED_HINT}",
        id="more-fields",
    ),
    pytest.param(
        "multiline.csv",
        b'id,name\n1,"a\nb"\n2\n',
        SourceOptions(),
        f", line 4: expected 2 fields (as in the header), found 1\n  hint: {RAGGED_HINT}",
        id="ragged-line-counts-physical-lines",
    ),
    pytest.param(
        "unterminated.csv",
        b'id,name\n1,a\n2,"b\n3,c\n',
        SourceOptions(),
        ", line 3: a quoted field is never closed: the record starting on this line runs to the end of the file "
        '(line 4)\n  hint: close the quote; a quote inside a quoted field is written twice ("")',
        id="unterminated-quote",
    ),
    pytest.param(
        "stray.csv",
        b'id,name\n1,"ab"c\n',
        SourceOptions(),
        ", line 2: malformed CSV: ',' expected after '\"'",
        id="text-after-closing-quote",
    ),
    pytest.param(
        "latin1.csv",
        LATIN1_CSV,
        SourceOptions(),
        ", line 2: byte 0xe9 is not valid UTF-8 (byte column 6); the file is not UTF-8 encoded\n"
        "  hint: declare the file's encoding in the contract, e.g. Contract(encoding='latin-1')",
        id="not-utf8",
    ),
    pytest.param(
        "enc.csv",
        b"id\n1\n",
        SourceOptions(encoding="no-such-codec"),
        ": unknown text encoding 'no-such-codec'\n"
        "  hint: set Contract(encoding=...) to a Python codec name such as 'utf-8', 'latin-1' or 'cp1252'",
        id="unknown-encoding",
    ),
    pytest.param("empty.csv", b"", SourceOptions(), ": the file is empty (0 bytes)", id="empty-csv"),
    pytest.param("empty.parquet", b"", SourceOptions(), ": the file is empty (0 bytes)", id="empty-parquet"),
    pytest.param(
        "header.csv",
        b"id,name\n",
        SourceOptions(),
        ": the file has no data records (only a header, or blank)",
        id="header-only",
    ),
    pytest.param("blank.csv", b"\n\n", SourceOptions(), ", line 1: the file has no header row", id="blank-csv"),
    pytest.param(
        "blank.jsonl",
        b"\n  \n\n",
        SourceOptions(),
        ": the file has no data records (only a header, or blank)",
        id="blank-jsonl",
    ),
    pytest.param(
        "cut.parquet",
        _truncated_parquet(),
        SourceOptions(),
        ": not a readable Parquet file: Parquet magic bytes not found in footer. "
        "Either the file is corrupted or this is not a parquet file.",
        id="truncated-parquet",
    ),
    pytest.param(
        "bad.jsonl",
        b'{"a": 1}\n{"a": 2,}\n',
        SourceOptions(),
        ", line 2, column 9: invalid JSON: Expecting property name enclosed in double quotes",
        id="invalid-json",
    ),
    pytest.param(
        "array.jsonl",
        b'{"a": 1}\n[1, 2]\n',
        SourceOptions(),
        ", line 2: each line must be a JSON object, found list",
        id="json-array-line",
    ),
    pytest.param(
        "case.jsonl",
        b'{"a": 1}\n{"A": 2}\n',
        SourceOptions(),
        ", line 2: key 'A' differs from key 'a' only by case; column names are case-insensitive",
        id="json-keys-differ-by-case",
    ),
    pytest.param(
        "reserved.csv",
        b"_row_id,a\n1,2\n",
        SourceOptions(),
        f", column _row_id: column name '_row_id' is reserved by dataguard\n  hint: {RESERVED_HINT}",
        id="reserved-csv",
    ),
    pytest.param(
        "reserved.csv",
        b"a,_ROW_ID\n1,2\n",
        SourceOptions(),
        f", column _ROW_ID: column name '_ROW_ID' is reserved by dataguard\n  hint: {RESERVED_HINT}",
        id="reserved-any-case",
    ),
    pytest.param(
        "reserved.jsonl",
        b'{"a": 1, "_reasons": "x"}\n',
        SourceOptions(),
        f", column _reasons: column name '_reasons' is reserved by dataguard\n  hint: {RESERVED_HINT}",
        id="reserved-jsonl",
    ),
    pytest.param(
        "reserved.parquet",
        _row_id_parquet(),
        SourceOptions(),
        f", column _row_id: column name '_row_id' is reserved by dataguard\n  hint: {RESERVED_HINT}",
        id="reserved-parquet",
    ),
    pytest.param(
        "dup.csv",
        b"id,name,ID\n1,a,2\n",
        SourceOptions(),
        ", line 1, column 3: column 'ID' appears twice in the header (as 'id' too; names are case-insensitive)",
        id="duplicate-header-by-case",
    ),
    pytest.param(
        "dup.parquet",
        parquet_bytes(pa.table({"a": [1], "A": [2]})),
        SourceOptions(),
        ", column A: column 'A' appears twice (as 'a' too; names are case-insensitive)",
        id="duplicate-parquet-column-by-case",
    ),
    pytest.param(
        "one.csv",
        b'name\na\n""\n',
        SourceOptions(),
        ", line 3: empty value in a one-column file; it cannot be told from a blank line\n"
        "  hint: remove the line, or write a value in it",
        id="one-column-empty-value",
    ),
    pytest.param(
        "data.txt",
        b"id\n1\n",
        SourceOptions(),
        ": unsupported file type '.txt'\n  hint: dataguard reads .csv, .jsonl, .ndjson, .parquet, .pq",
        id="unsupported-suffix",
    ),
]


@pytest.mark.parametrize(("name", "content", "options", "message"), REFUSALS)
def test_unreadable_source_is_refused_with_path_and_place(project, write, name, content, options, message):
    source = write(name, content)

    with pytest.raises(SourceError) as caught:
        ingest(project, "ds", source, options)

    assert caught.value.exit_code == 2
    assert str(caught.value) == f"{source}{message}"


@pytest.mark.parametrize(("name", "content", "options", "message"), REFUSALS)
def test_refused_source_leaves_no_catalog_and_no_files(project, write, name, content, options, message):
    with pytest.raises(SourceError):
        ingest(project, "ds", write(name, content), options)

    assert catalog_is_empty(project)
    assert warehouse_entries(project) in ([], [".staging"])


def test_refused_source_leaves_existing_versions_as_they_were(project, write):
    ingest(project, "ds", write("three.csv", CSV_3))

    with pytest.raises(SourceError):
        ingest(project, "ds", write("fewer.csv", b"id,name\n1,a\n2\n"))

    assert catalog_rows(project, "ds") == [(1, sha256(CSV_3), 3, "ingested", "csv", len(CSV_3))]
    assert warehouse_entries(project) == [".staging", "ds", "ds/1", "ds/1/source.parquet"]


def test_missing_file_is_refused(project, tmp_path):
    source = tmp_path / "nowhere.csv"

    with pytest.raises(SourceError) as caught:
        ingest(project, "ds", source)

    assert str(caught.value) == f"{source}: no such file"
    assert warehouse_entries(project) == []


# -- row groups and the read-ahead ------------------------------------------------------------


def test_canonical_row_groups_are_bounded_by_rows_and_by_bytes(
    project: Project, write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Parquet source is rewritten only when DuckDB's row number clashes with a column of it."""
    clash = pa.array(range(2_500), pa.int64())
    table = pa.table({"n": clash, "s": pa.array(["x" * 100] * 2_500), "file_row_number": clash})
    source = write("rows.parquet", parquet_bytes(table, row_group_size=250))
    monkeypatch.setattr(readers_module, "BATCH_ROWS", 250)
    monkeypatch.setattr(canonical_module, "ROW_GROUP_ROWS", 1_000)
    result = ingest(project, "ds", source)
    meta = pq.ParquetFile(result.version.data_path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [1_000, 1_000, 500]
    got = canonical(result)
    assert got.column("_row_id").to_pylist() == list(range(2_500))
    assert got.column("n").to_pylist() == list(range(2_500))

    wide = pa.table(
        {"n": pa.array(range(2_500, 5_000), pa.int64()), "s": pa.array(["y" * 100] * 2_500), "file_row_number": clash}
    )
    source = write("bytes.parquet", parquet_bytes(wide, row_group_size=250))
    batch_bytes = pa.Table.from_batches(wide.slice(0, 250).to_batches()).nbytes
    monkeypatch.setattr(canonical_module, "ROW_GROUP_BYTES", 2 * batch_bytes)  # two batches of 250 rows a group
    result = ingest(project, "ds", source)
    meta = pq.ParquetFile(result.version.data_path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [500] * 5
    assert canonical(result).column("n").to_pylist() == list(range(2_500, 5_000))


def test_a_parquet_source_is_kept_byte_for_byte_and_its_rows_are_numbered_by_position(project: Project, write) -> None:
    table = pa.table({"n": pa.array([5, 6, 7], pa.int64()), "s": ["a", None, "c"]})
    source = write("kept.parquet", parquet_bytes(table, row_group_size=2))
    result = ingest(project, "ds", source)
    stored = Path(result.version.data_path)
    assert stored.read_bytes() == source.read_bytes()
    assert result.version.data_fingerprint == result.version.fingerprint == fingerprint(source)
    assert read_version(stored).to_pylist() == [
        {"_row_id": 0, "n": 5, "s": "a"},
        {"_row_id": 1, "n": 6, "s": None},
        {"_row_id": 2, "n": 7, "s": "c"},
    ]
    converted = ingest(project, "csv", write("t.csv", b"n\n1\n2\n")).version
    assert converted.data_fingerprint == fingerprint(Path(converted.data_path)) != converted.fingerprint


def test_page_checksums_are_found_in_the_page_headers(tmp_path: Path) -> None:
    table = pa.table({"n": pa.array(range(100), pa.int64()), "s": ["x"] * 100})
    for checksums in (True, False):
        path = tmp_path / f"crc-{checksums}.parquet"
        pq.write_table(table, path, write_page_checksum=checksums)
        assert has_page_checksums(path, pq.ParquetFile(path).metadata) is checksums


def test_the_read_ahead_keeps_order_raises_the_readers_error_and_stops_with_the_writer() -> None:
    tables = [pa.table({"n": [i]}) for i in range(3)]

    def failing() -> Iterator[pa.Table]:
        yield from tables
        raise SourceError("row group 3 cannot be read: boom", path="f.parquet")

    got: list[int] = []

    def drain() -> None:
        got.extend(table.column("n")[0].as_py() for table in canonical_module._read_ahead(failing()))

    with pytest.raises(SourceError, match="row group 3 cannot be read: boom"):
        drain()
    assert got == [0, 1, 2]

    read = []

    def endless() -> Iterator[pa.Table]:
        for i in range(10**9):
            read.append(i)
            yield pa.table({"n": [i]})

    for table in canonical_module._read_ahead(endless()):
        if table.column("n")[0].as_py() == 5:
            break  # the writer stops: the reader thread must end, not run on or hang
    assert 5 <= len(read) <= 8
    assert not [t for t in threading.enumerate() if t.name == "dataguard-ingest-read"]


def test_only_columns_whose_values_repeat_are_dictionary_encoded(project: Project, write) -> None:
    """Near-unique columns are written plain (a dictionary there only costs time and bytes); repeating ones,
    including a column that is all null and nested values, keep pyarrow's dictionary."""
    n = 1_000
    table = pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "price": pa.array([i / 7 for i in range(n)], pa.float64()),
            "country": pa.array(["NL", "DE", "FR", "IT"] * (n // 4)),
            "half": pa.array([i // 2 for i in range(n)], pa.int64()),  # 500 distinct of 1,000: at the limit
            "empty": pa.nulls(n, pa.string()),
            "tags": pa.array([["a"], ["b", "c"]] * (n // 2), pa.list_(pa.string())),
            "file_row_number": pa.array(range(n), pa.int64()),  # DuckDB's row number would clash: rewritten
        }
    )
    result = ingest(project, "ds", write("mixed.parquet", parquet_bytes(table)))
    meta = pq.ParquetFile(result.version.data_path).metadata
    group = meta.row_group(0)
    with_dictionary = sorted(
        meta.schema.column(i).path for i in range(group.num_columns) if group.column(i).has_dictionary_page
    )
    assert with_dictionary == ["country", "empty", "half", "tags.list.element"]
    assert canonical_module.dictionary_columns(pa.table({"x": pa.array([1, 2, 3])})) == []
    nested = pa.table(
        {"m": pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int64())), "s": pa.array([{"a": 1, "b": [2]}])}
    )
    assert canonical_module.dictionary_columns(nested) == [
        "m.key_value.key",
        "m.key_value.value",
        "s.a",
        "s.b.list.element",
    ]
    assert canonical(result).drop(["_row_id"]).equals(table)
