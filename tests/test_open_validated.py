"""What open_validated hands to training code: the path, version, fingerprints and ways to read the rows."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

import dataguard
from dataguard.errors import BadInput
from dataguard.project import Project
from tests.test_cli import run_json
from tests.toy import V2, clean, write_toy

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def report(project: Project, tmp_path: Path) -> dict[str, Any]:
    _, v2 = write_toy(project, tmp_path)
    code, report = run_json("validate", "toy", v2)
    assert code == 0
    return dict(report)


def expected_rows() -> pd.DataFrame:
    """The clean rows of V2 as training receives them: ``_row_id`` (the source position) first."""
    frame = clean(V2)
    frame.insert(0, "_row_id", [0, 1, 2, 4, 5, 6, 7, 8, 9])
    return frame


def test_the_object_names_the_data_and_its_fingerprints(report: dict[str, Any]) -> None:
    opened = dataguard.open_validated("toy")
    clean_path = Path(report["paths"]["clean"])
    assert (opened.dataset, opened.version, opened.revision, opened.verdict) == ("toy", 1, 0, "WARN")
    assert opened.clean_path == clean_path
    assert opened.report_path == Path(report["paths"]["report_json"])
    assert opened.fingerprint == report["fingerprint"]
    assert opened.clean_fingerprint == "sha256:" + hashlib.sha256(clean_path.read_bytes()).hexdigest()
    assert opened.verified is True


def test_to_pandas_is_the_clean_rows(report: dict[str, Any]) -> None:
    frame = dataguard.open_validated("toy").to_pandas()
    expected = expected_rows()
    assert list(frame.columns) == ["_row_id", "id", "price", "qty", "colour"]
    assert frame["_row_id"].tolist() == expected["_row_id"].tolist()
    assert frame["id"].tolist() == expected["id"].tolist()
    assert frame["qty"].tolist() == expected["qty"].tolist()
    assert frame["price"].isna().tolist() == expected["price"].isna().tolist()
    assert frame["price"].dropna().tolist() == expected["price"].dropna().tolist()
    assert [None if pd.isna(v) else v for v in frame["colour"]] == [
        None if pd.isna(v) else v for v in expected["colour"]
    ]


def test_to_pandas_with_columns(report: dict[str, Any]) -> None:
    frame = dataguard.open_validated("toy").to_pandas(columns=["qty", "id"])
    assert list(frame.columns) == ["qty", "id"]
    assert frame.to_dict("list") == {"qty": expected_rows()["qty"].tolist(), "id": expected_rows()["id"].tolist()}


def test_an_unknown_column_names_the_columns_there_are(report: dict[str, Any]) -> None:
    opened = dataguard.open_validated("toy")
    with pytest.raises(BadInput) as raised:
        opened.to_pandas(columns=["id", "prize"])
    assert str(raised.value) == (
        f"toy v1 has no column 'prize' in {opened.clean_path}\n  hint: columns: _row_id, id, price, qty, colour"
    )
    with pytest.raises(BadInput):
        opened.iter_batches(columns=["prize"])


@pytest.mark.parametrize(("batch_size", "sizes"), [(4, [4, 4, 1]), (9, [9]), (100, [9]), (1, [1] * 9)])
def test_iter_batches_streams_every_row_in_order(report: dict[str, Any], batch_size: int, sizes: list[int]) -> None:
    batches = list(dataguard.open_validated("toy").iter_batches(batch_size=batch_size, columns=["id"]))
    assert all(isinstance(b, pa.RecordBatch) for b in batches)
    assert [b.num_rows for b in batches] == sizes
    assert [v for b in batches for v in b.column("id").to_pylist()] == expected_rows()["id"].tolist()


def test_iter_batches_needs_a_positive_size(report: dict[str, Any]) -> None:
    with pytest.raises(BadInput, match="batch_size must be at least 1"):
        dataguard.open_validated("toy").iter_batches(batch_size=0)


def test_to_arrow_dataset_scans_lazily(report: dict[str, Any]) -> None:
    dataset = dataguard.open_validated("toy").to_arrow_dataset()
    assert isinstance(dataset, ds.Dataset)
    assert dataset.count_rows() == 9
    assert dataset.schema.names == ["_row_id", "id", "price", "qty", "colour"]
    red = dataset.to_table(columns=["id"], filter=ds.field("colour") == "red")
    assert red.column("id").to_pylist() == [1, 3, 7, 10]


@pytest.mark.parametrize("batch_size", [1, 2, 4, 9, 100])
def test_without_materializing_the_rows_stream_from_the_version_and_no_file_is_made(
    report: dict[str, Any], batch_size: int
) -> None:
    clean_path = Path(report["paths"]["clean"])
    streamed = dataguard.open_validated("toy", materialize=False)
    assert (streamed.rows is not None, streamed.verified, clean_path.exists()) == (True, True, False)
    batches = list(streamed.iter_batches(batch_size=batch_size, columns=["_row_id", "qty"]))
    expected_sizes = [batch_size] * (9 // batch_size) + ([9 % batch_size] if 9 % batch_size else [])
    assert [b.num_rows for b in batches] == expected_sizes
    assert pa.Table.from_batches(batches).to_pydict() == {
        "_row_id": expected_rows()["_row_id"].tolist(),
        "qty": expected_rows()["qty"].tolist(),
    }
    frame = streamed.to_pandas(columns=["id"])
    assert frame.to_dict("list") == {"id": expected_rows()["id"].tolist()}
    assert not clean_path.exists()

    made = dataguard.open_validated("toy")  # the default makes the file; it holds the same rows
    assert made.rows is None
    assert made.to_pandas().equals(streamed.to_pandas())


def test_a_lazy_dataset_makes_the_file_on_first_use(report: dict[str, Any]) -> None:
    clean_path = Path(report["paths"]["clean"])
    streamed = dataguard.open_validated("toy", materialize=False)
    dataset = streamed.to_arrow_dataset()
    assert clean_path.is_file()
    assert dataset.to_table(columns=["_row_id"]).column("_row_id").to_pylist() == [0, 1, 2, 4, 5, 6, 7, 8, 9]
    again = dataguard.open_validated("toy")  # recorded by the first use: verified like any clean file
    assert (again.clean_path, again.verified, again.rows) == (clean_path, True, None)
    assert again.clean_fingerprint == "sha256:" + hashlib.sha256(clean_path.read_bytes()).hexdigest()
