"""The peek: exact figures of what training receives (checked against pandas and numpy), the page, the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dataguard
from dataguard import catalog
from dataguard.common.sql import engine
from dataguard.gate.peek import SHARE_PREFIX, Peek, build_peek, sample_rows
from dataguard.gate.peek_html import render_peek
from dataguard.gate.peek_plots import HISTOGRAM_BINS, bin_columns
from dataguard.measure.profile import PROFILE_QUANTILES, ColumnProfile
from dataguard.project import Project
from tests.browser import SKIP_MESSAGE, find_chromium, open_page, png_size
from tests.catalog_sql import catalog_state
from tests.test_cli import run, run_json
from tests.test_html_report import Page
from tests.toy import IMG, SCRIPT, V1, V2, clean, write_toy

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def toy(project: Project, tmp_path: Path) -> dict[int, dict[str, Any]]:
    """Both versions validated (v1 becomes v2's reference); their reports by version."""
    reports = {}
    for number, source in enumerate(write_toy(project, tmp_path), start=1):
        code, report = run_json("validate", "toy", source)
        assert (code, report["verdict"], report["version"]) == (0, "WARN", number)
        reports[number] = report
    return reports


@pytest.fixture
def peek(project: Project, toy: dict[int, dict[str, Any]]) -> Peek:
    return build_peek(project.catalog, dataguard.open_validated("toy"), rows=4, seed=11)


# --- expected figures, computed independently with pandas and numpy -------------------------------


def numbers(series: pd.Series) -> np.ndarray:
    return series.dropna().to_numpy(dtype=float)


def column(peek: Peek, name: str) -> ColumnProfile:
    return next(c for c in peek.columns if c.column == name)


def top_values(series: pd.Series) -> list[tuple[str, int, float]]:
    counts = series.dropna().value_counts()
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(str(value), int(n), int(n) / int(counts.sum())) for value, n in ordered]


@pytest.mark.parametrize("name", ["price", "qty", "id"])
def test_numeric_figures_match_pandas_and_numpy(peek: Peek, name: str) -> None:
    frame = clean(V2)
    values = numbers(frame[name])
    got = column(peek, name)
    assert (got.kind, got.rows, got.nulls) == ("numeric", 9, int(frame[name].isna().sum()))
    assert got.null_rate == int(frame[name].isna().sum()) / 9
    assert got.mean == pytest.approx(float(values.mean()), rel=1e-12)
    assert got.std == pytest.approx(float(frame[name].std()), rel=1e-12)  # pandas: ddof=1
    assert (got.min, got.max) == (float(values.min()), float(values.max()))
    assert got.quantiles == tuple((q, float(np.quantile(values, q, method="inverted_cdf"))) for q in PROFILE_QUANTILES)


def test_price_figures_are_these_numbers(peek: Peek) -> None:
    """The same figures written out, for a reader: the clean prices are 4, 11.5, 6.25, 9, 13, 5.5, 8.75."""
    price = column(peek, "price")
    assert (price.rows, price.nulls, price.min, price.max) == (9, 2, 4.0, 13.0)
    assert price.mean == pytest.approx(58.0 / 7, rel=1e-12)
    assert dict(price.quantiles)[0.5] == 8.75


def test_category_figures_match_pandas(peek: Peek) -> None:
    colour = column(peek, "colour")
    expected = top_values(clean(V2)["colour"])
    assert expected[0] == ("red", 4, 0.5)
    assert [(c.value, c.rows, c.share) for c in colour.top_categories] == expected
    assert (colour.kind, colour.rows, colour.nulls, colour.distinct) == ("categorical", 9, 1, 5)


def test_differences_from_the_reference_match_pandas(peek: Peek) -> None:
    now, before = clean(V2), clean(V1)
    found = {(d.column, d.figure): d for d in peek.differences}
    assert peek.reference_version == 1
    for name in ("price", "qty"):
        a, b = numbers(before[name]), numbers(now[name])
        mean = found[(name, "mean")]
        assert (mean.reference, mean.current) == pytest.approx((a.mean(), b.mean()), rel=1e-12)
        assert mean.change == pytest.approx(b.mean() - a.mean(), rel=1e-9)
        assert found[(name, "std")].change == pytest.approx(b.std(ddof=1) - a.std(ddof=1), rel=1e-9)
        median = found[(name, "median")]
        q = np.quantile(b, 0.5, method="inverted_cdf") - np.quantile(a, 0.5, method="inverted_cdf")
        assert median.change == q
        shift = found[(name, "mean_shift_sd")]
        assert shift.current == pytest.approx((b.mean() - a.mean()) / a.std(ddof=1), rel=1e-9)
    rows = found[("price", "rows")]
    assert (rows.reference, rows.current, rows.change) == (11, 9, -2)
    nulls = found[("colour", "null_rate")]
    assert (nulls.reference, nulls.current) == (2 / 11, 1 / 9)
    assert nulls.change == pytest.approx(1 / 9 - 2 / 11, rel=1e-12)


def test_category_shares_against_the_reference_match_pandas(peek: Peek) -> None:
    now = clean(V2)["colour"].dropna().value_counts(normalize=True)
    before = clean(V1)["colour"].dropna().value_counts(normalize=True)
    shares = [(d.figure, d.reference, d.current) for d in peek.differences if d.figure.startswith(SHARE_PREFIX)]
    assert shares == [
        (SHARE_PREFIX + value, float(before.get(value, 0.0)), float(now[value]))
        for value, _, _ in top_values(clean(V2)["colour"])
    ]
    assert shares[0] == (SHARE_PREFIX + "red", 5 / 9, 4 / 8)


def test_histograms_match_numpy(peek: Peek) -> None:
    plotted = {d.column: d for d in peek.distributions}
    assert {name: d.kind for name, d in plotted.items()} == {
        "id": "numeric",
        "price": "numeric",
        "qty": "numeric",
        "colour": "categorical",
    }
    for name in ("price", "qty", "id"):
        now, before = numbers(clean(V2)[name]), numbers(clean(V1)[name])
        low, high = min(now.min(), before.min()), max(now.max(), before.max())
        here, _ = np.histogram(now, bins=HISTOGRAM_BINS, range=(low, high))
        there, _ = np.histogram(before, bins=HISTOGRAM_BINS, range=(low, high))
        bins = plotted[name].bins
        assert [b["current_share"] for b in bins] == [int(n) / len(now) for n in here]
        assert [b["reference_share"] for b in bins] == [int(n) / len(before) for n in there]


def test_binning_agrees_with_numpy_on_edges_and_skips_nulls_and_non_finite(tmp_path: Path) -> None:
    values = [i / 20 for i in range(21)] + [i / 7 for i in range(8)] + [0.3, 0.7, 1 / 3]
    path = tmp_path / "x.parquet"
    pq.write_table(
        pa.table(
            {
                "x": pa.array([*values, None, float("nan"), float("inf"), float("-inf")], pa.float64()),
                "same": pa.array([2.0] * (len(values) + 1) + [None] * 3, pa.float64()),
            }
        ),
        path,
    )
    edges = {"x": [float(e) for e in np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)], "same": [2.0, 2.0]}
    with engine() as con:
        found = bin_columns(con, path, edges, {})
    expected, _ = np.histogram(values, bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    assert [found["x"].get(i, 0) for i in range(HISTOGRAM_BINS)] == expected.tolist()
    assert found["same"] == {0: len(values) + 1}


def test_the_sample_is_seeded_distinct_and_exactly_the_clean_rows(
    project: Project, peek: Peek, toy: dict[int, dict[str, Any]]
) -> None:
    training = dataguard.open_validated("toy").to_pandas()
    assert len(peek.sample) == 4
    ids = [row["_row_id"] for row in peek.sample]
    assert ids == sorted(set(ids))
    by_id = training.set_index("_row_id")
    for row in peek.sample:
        expected = by_id.loc[row["_row_id"]]
        assert row["id"] == expected["id"]
        assert row["qty"] == expected["qty"]
        assert row["colour"] == (None if pd.isna(expected["colour"]) else expected["colour"])
    assert [training.iloc[p]["_row_id"] for p in peek.sample_positions] == ids
    again = build_peek(project.catalog, dataguard.open_validated("toy"), rows=4, seed=11)
    assert again.sample == peek.sample


def test_other_seeds_draw_other_rows_and_a_large_sample_takes_every_row(toy: dict[int, dict[str, Any]]) -> None:
    path = dataguard.open_validated("toy", 2).clean_path  # the first open makes the clean file
    seen = {tuple(sample_rows(path, 4, seed)[1]) for seed in range(6)}
    assert len(seen) > 1
    table, positions = sample_rows(path, 100, 0)
    assert positions == list(range(9))
    assert table.column("id").to_pylist() == clean(V2)["id"].tolist()


# --- the page ----------------------------------------------------------------------------------------


def test_the_page_shows_the_sample_and_the_figures(peek: Peek) -> None:
    page = Page(render_peek(peek))
    assert page.headings["h2"] == [
        "Sample",
        "Numbers",
        "Other columns",
        "Differences from the reference",
        "Distributions",
    ]
    sample = page.table("sample")
    assert sample[0] == ["_row_id", "id", "price", "qty", "colour"]
    assert sample[1:] == [
        [str(r["_row_id"]), str(r["id"]), "null" if r["price"] is None else str(r["price"]), str(r["qty"]),
         "null" if r["colour"] is None else r["colour"]]
        for r in peek.sample
    ]  # fmt: skip
    price = numbers(clean(V2)["price"])
    rows = {r[0]: r for r in page.table("numbers")[1:]}
    q = [np.quantile(price, p, method="inverted_cdf") for p in (0.05, 0.25, 0.5, 0.75, 0.95)]
    assert rows["price"] == [
        "price", "DOUBLE", "7", "2", "22.22%", f"{price.mean():.4g}", f"{price.std(ddof=1):.4g}", "4",
        *[f"{v:.4g}" for v in q], "13",
    ]  # fmt: skip
    assert page.table("categories")[1][:7] == ["colour", "categorical", "VARCHAR", "8", "1", "11.11%", "5"]
    assert len([t for t, _ in page.tags if t == "svg"]) == 4


def test_hostile_values_are_text(peek: Peek) -> None:
    page = Page(render_peek(peek))
    names = {tag for tag, _ in page.tags}
    assert names.isdisjoint({"script", "img", "iframe", "object", "embed", "link", "base"})
    assert [(tag, a) for tag, attrs in page.tags for a in attrs if a.startswith("on")] == []
    text = "".join(page.text)
    assert SCRIPT in text
    assert IMG in text
    assert SCRIPT in "".join(page.svg_text)  # the category plot's labels


def test_without_a_reference_the_page_says_why(project: Project, tmp_path: Path) -> None:
    v1, _ = write_toy(project, tmp_path)
    assert run("validate", "toy", v1).exit_code == 0
    peek = build_peek(project.catalog, dataguard.open_validated("toy"), rows=3, seed=0)
    assert (peek.reference_version, peek.differences) == (None, [])
    assert peek.reference_reason == "no reference: this is the first validated version"
    page = Page(render_peek(peek))
    assert "No reference to compare with: no reference: this is the first validated version." in " ".join(
        " ".join(page.text).split()
    )
    assert all(b["reference_share"] is None for d in peek.distributions for b in d.bins)


# --- the CLI -----------------------------------------------------------------------------------------


def test_peek_command_writes_the_page_beside_the_report(toy: dict[int, dict[str, Any]]) -> None:
    result = run("peek", "toy")
    assert result.exit_code == 0
    expected = Path(toy[2]["paths"]["report_json"]).with_name("peek.html")
    assert result.stdout == f"{expected}\n"
    assert len(Page(expected.read_text(encoding="utf-8")).table("sample")) == 1 + 9  # 20 asked, 9 clean rows


def test_peek_json_and_out(toy: dict[int, dict[str, Any]], tmp_path: Path) -> None:
    out = tmp_path / "look" / "p.html"
    code, doc = run_json("peek", "toy", "--version", "1", "--rows", "3", "--seed", "5", "--out", out)
    assert code == 0
    clean_path = Path(toy[1]["paths"]["clean"])
    assert doc == {
        "dataset": "toy",
        "version": 1,
        "revision": 0,
        "clean": str(clean_path),
        "clean_fingerprint": dataguard.open_validated("toy", 1).clean_fingerprint,
        "rows": 11,
        "sample_rows": 3,
        "seed": 5,
        "reference_version": None,
        "path": str(out),
    }
    assert len(Page(out.read_text(encoding="utf-8")).table("sample")) == 1 + 3


@pytest.mark.parametrize("rows", ["0", "10001"])
def test_peek_sample_size_out_of_range_is_bad_usage(
    project: Project, toy: dict[int, dict[str, Any]], rows: str
) -> None:
    before = catalog_state(project)
    result = run("peek", "toy", "--rows", rows)
    assert result.exit_code == 2
    assert f"the peek samples 1 to 10,000 rows (got {rows})" in result.stderr
    assert catalog_state(project) == before


def test_peek_refuses_a_changed_file(project: Project, toy: dict[int, dict[str, Any]]) -> None:
    path = dataguard.open_validated("toy", 2).clean_path  # made by the first open, then changed
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    result = run("peek", "toy")
    assert result.exit_code == 1
    assert "is not the file that was validated" in result.stderr
    assert not path.with_name("peek.html").exists()
    assert [i["detected_by"] for i in catalog.list_incidents(project.catalog, "toy")] == ["peek"]


def test_train_writes_the_peek_first_unless_told_not_to(toy: dict[int, dict[str, Any]], tmp_path: Path) -> None:
    page = Path(toy[2]["paths"]["report_json"]).with_name("peek.html")
    seen = tmp_path / "seen"
    script = f"import pathlib; pathlib.Path({str(seen)!r}).write_text(str(pathlib.Path({str(page)!r}).exists()))"
    result = run("train", "toy", "--max-minutes", "1", "--peek-rows", "2", "--json", "--", "python3", "-c", script)
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["peek"] == str(page)
    assert f"peek: {page}" in " ".join(result.stderr.split())
    assert seen.read_text() == "True"  # written before the command started
    assert len(Page(page.read_text(encoding="utf-8")).table("sample")) == 1 + 2

    page.unlink()
    result = run("train", "toy", "--max-minutes", "1", "--no-peek", "--json", "--", "true")
    assert (result.exit_code, json.loads(result.stdout)["peek"]) == (0, None)
    assert not page.exists()


def test_peek_of_a_reviewed_revision(project: Project, toy: dict[int, dict[str, Any]]) -> None:
    code, _ = run_json("quarantine", "release", "toy", "--version", "2", "--rows", "3", "--note", "refund")
    assert code == 0
    result = run("peek", "toy", "--rows", "20")
    assert result.exit_code == 0
    path = Path(result.stdout.strip())
    assert path.name == "peek.r1.html"
    ids = [row[0] for row in Page(path.read_text(encoding="utf-8")).table("sample")[1:]]
    assert ids == [str(i) for i in range(10)]  # the released row (_row_id 3) is now training data


# --- a real browser --------------------------------------------------------------------------------


def test_peek_page_in_headless_chromium(toy: dict[int, dict[str, Any]], tmp_path: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(SKIP_MESSAGE)
    out = tmp_path / "peek.html"
    assert run("peek", "toy", "--rows", "5", "--seed", "2", "--out", out).exit_code == 0
    shutil.copy(out, tmp_path / "copy.html")  # the page stands alone: no file beside it is needed

    browser = open_page(chromium, tmp_path / "copy.html", tmp_path)

    assert browser.screenshot.stat().st_size > 0
    assert png_size(browser.screenshot) == (1366, 900)
    assert browser.console == []
    dom = Page(browser.dom)
    assert {tag for tag, _ in dom.tags}.isdisjoint({"script", "img", "iframe", "link"})
    training = dataguard.open_validated("toy").to_pandas()
    shown = dom.table("sample")[1:]
    assert len(shown) == 5
    for row in shown:
        source = training[training["_row_id"] == int(row[0])].iloc[0]
        colour = "null" if pd.isna(source["colour"]) else source["colour"]
        price = "null" if pd.isna(source["price"]) else str(source["price"])
        assert row == [row[0], str(source["id"]), price, str(source["qty"]), colour]
    text = "".join(dom.text)
    assert SCRIPT in text  # the top values of colour, as text
    assert IMG in text
