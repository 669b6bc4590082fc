"""report.html: exact sections and cells for a fixed report, inert data, a real browser."""

from __future__ import annotations

import copy
import math
from collections import Counter
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dataguard.publish.html import QUARANTINE_SAMPLE_CAP, environment, quarantine_sample, render_html
from tests.browser import SKIP_MESSAGE, find_chromium, open_page, png_size

HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</td>", "{{ 7*7 }} $x$ costs $5")
REASON = pa.struct([("code", pa.string()), ("column", pa.string()), ("check", pa.string()), ("value", pa.string())])


def share(kind: str, label: str, reference: float, current: float) -> dict[str, Any]:
    """A PSI contributor as drift records it (shares floored at 1e-4); the page shows this figure."""
    ref, cur = max(reference, 1e-4), max(current, 1e-4)
    term = (cur - ref) * math.log(cur / ref)
    return {kind: label, "reference_share": reference, "current_share": current, "contribution": term}


class Page(HTMLParser):
    """The parts of a page the tests read: tags, headings, tables by section, text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: dict[str, list[str]] = {"h1": [], "h2": [], "h3": []}
        self.tables: dict[str, list[list[list[str]]]] = {}
        self.text: list[str] = []
        self.svg_text: list[str] = []
        self._section = ""
        self._heading: str | None = None
        self.cell: list[str] | None = None
        self._svg_depth = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "section":
            self._section = dict(attrs).get("id") or ""
        elif tag in self.headings:
            self._heading, self.headings[tag] = tag, [*self.headings[tag], ""]
        elif tag == "table":
            self.tables.setdefault(self._section, []).append([])
        elif tag == "tr":
            self.tables[self._section][-1].append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "svg":
            self._svg_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings[tag][-1] = " ".join(self.headings[tag][-1].split())
            self._heading = None
        elif tag in ("td", "th") and self.cell is not None:
            self.tables[self._section][-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "svg":
            self._svg_depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._svg_depth:
            self.svg_text.append(data)
        if self._heading:
            self.headings[self._heading][-1] += data
        if self.cell is not None:
            self.cell.append(data)

    def table(self, section: str, index: int = 0) -> list[list[str]]:
        return self.tables[section][index]


def check(name: str, column: str | None, code: str, failed_rows: int, severity: str) -> dict[str, Any]:
    return {"name": name, "column": column, "code": code, "failed_rows": failed_rows, "severity": severity}


def fixed_report() -> dict[str, Any]:
    return {
        "dataset": "toy",
        "version": 3,
        "fingerprint": "sha256:abc",
        "run_id": "20260101T000000-00000000",
        "source": {"path": "/data/toy.csv", "format": "csv", "size_bytes": 10},
        "reference_version": 2,
        "reference_reason": "newest version whose gate opened",
        "verdict": "FAIL",
        "gate_open": False,
        "reasons": ["1 row failed blocking check duplicate_key", "column colour drifted (chi_square)"],
        "rows": {"input": 1000, "clean": 990, "quarantined": 10, "released": 2, "rejected": 1},
        "checks": [
            check("in_range(0, 100)", "price", "in_range", 9, "quarantine"),
            check("not_nullable", "colour", "not_nullable", 0, "quarantine"),
            check("duplicate_key(id)", "id", "duplicate_key", 1, "block"),
        ],
        "quarantine_reasons": [
            {"code": "in_range", "column": "price", "rows": 9},
            {"code": "duplicate_key", "column": "id", "rows": 1},
        ],
        "drift": [
            {"column": "price", "kind": "numeric", "metric": "psi", "statistic": 0.15, "p_value": None,
             "threshold": 0.1, "drifted": True, "severity": "warn", "detail": {"contributors": [
                 share("bin", "[0, 10)", 0.5, 0.25), share("bin", "[20, 30)", 0.2, 0.4),
                 share("bin", "[10, 20)", 0.3, 0.35),
             ]}},
            {"column": "price", "kind": "numeric", "metric": "ks", "statistic": 0.05, "p_value": 0.00001,
             "threshold": 0.1, "drifted": False, "severity": "none", "detail": {}},
            {"column": "colour", "kind": "categorical", "metric": "chi_square", "statistic": 42.0, "p_value": 0.0213,
             "threshold": 0.3, "drifted": True, "severity": "block", "detail": {}},
            {"column": "colour", "kind": "categorical", "metric": "psi", "statistic": 1.6, "p_value": None,
             "threshold": 0.1, "drifted": False, "severity": "none", "detail": {"contributors": [
                 share("category", "green", 0.0, 0.2), share("category", "blue", 0.4, 0.2),
                 share("category", "red", 0.6, 0.6),
             ]}},
            {"column": None, "kind": "dataset", "metric": "row_count_change", "statistic": 0.25, "p_value": None,
             "threshold": 0.5, "drifted": False, "severity": "none", "detail": {}},
        ],
        "distributions": [
            {"column": "price", "kind": "numeric", "bins": [
                {"label": "[0, 10)", "reference_share": 0.5, "current_share": 0.25},
                {"label": "[10, 20)", "reference_share": 0.3, "current_share": 0.35},
                {"label": "[20, 30)", "reference_share": 0.2, "current_share": 0.4},
            ]},
            {"column": "colour", "kind": "categorical", "bins": [
                {"label": "red", "reference_share": 0.6, "current_share": 0.6},
                {"label": "blue", "reference_share": 0.4, "current_share": 0.2},
                {"label": "green", "reference_share": 0.0, "current_share": 0.2},
            ]},
        ],
        "slices": [
            {"name": "cheap items", "metric": "row_count", "value": 120, "threshold": {"min": 100, "max": None},
             "rows": 120, "passed": True, "severity": "none", "interval": None, "too_small": False,
             "reference_value": 110, "change": 10, "reason": ""},
            {"name": "blue items", "metric": "mean(price)", "value": 55.5, "threshold": {"min": 10, "max": 50},
             "rows": 200, "passed": False, "severity": "block", "interval": [50.25, 60.75], "too_small": False,
             "reference_value": 40.0, "change": 15.5, "reason": "mean(price) 55.5 above max 50"},
        ],
        "paths": {"clean": "/wh/toy/3/clean.parquet", "quarantine": "/wh/toy/3/quarantine.parquet",
                  "report_html": "/wh/toy/3/report.html", "report_json": "/wh/toy/3/report.json", "report_md": None},
    }  # fmt: skip


SAMPLE = [
    {"_row_id": 4, "id": 7, "price": 120.5, "colour": None,
     "_reasons": [{"code": "in_range", "column": "price", "check": "in_range(0, 100)", "value": "120.5"}]},
    {"_row_id": 9, "id": 7, "price": -1.0, "colour": "blue",
     "_reasons": [{"code": "duplicate_key", "column": "id", "check": "duplicate_key(id)", "value": "7"},
                  {"code": "in_range", "column": "price", "check": "in_range(0, 100)", "value": "-1.0"}]},
]  # fmt: skip
HISTORY = [
    {"version": 1, "verdict": "PASS", "rows": 800, "quarantined": 0, "quarantined_share": 0.0},
    {"version": 2, "verdict": "WARN", "rows": 900, "quarantined": 9, "quarantined_share": 0.01},
    {"version": 3, "verdict": "FAIL", "rows": 1000, "quarantined": 10},
]


@pytest.fixture(scope="module")
def page() -> Page:
    return Page(render_html(fixed_report(), SAMPLE, 1500, HISTORY))


def test_sections_in_reading_order(page: Page) -> None:
    assert page.headings["h1"] == ["toy v3"]
    assert page.headings["h2"] == ["Rows", "Checks", "Quarantine sample", "Drift", "Slices", "Version history", "Files"]


def test_verdict_banner_comes_first_with_every_reason(page: Page) -> None:
    first_section = next(attrs for tag, attrs in page.tags if tag == "section")
    assert first_section == {"class": "banner fail", "id": "verdict", "aria-label": "Verdict"}
    text = " ".join("".join(page.text).split())
    assert "FAILgate closed 1 row failed blocking check duplicate_key column colour drifted (chi_square)" in text


def test_row_counts(page: Page) -> None:
    assert page.table("rows") == [
        ["input", "clean", "quarantined", "released", "rejected"],
        ["1,000", "990", "10", "2", "1"],
        ["100.00%", "99.00%", "1.00%", "0.20%", "0.10%"],
    ]


def test_checks_failing_first_then_passed(page: Page) -> None:
    reasons, failing, passed = page.tables["checks"]
    assert reasons == [
        ["code", "column", "rows", "share of input"],
        ["in_range", "price", "9", "0.90%"],
        ["duplicate_key", "id", "1", "0.10%"],
    ]
    assert failing == [
        ["check", "column", "code", "severity", "failed rows", "result"],
        ["in_range(0, 100)", "price", "in_range", "quarantine", "9", "warn"],
        ["duplicate_key(id)", "id", "duplicate_key", "block", "1", "fail"],
    ]
    assert passed == [["check", "column", "code", "severity"], ["not_nullable", "colour", "not_nullable", "quarantine"]]


def test_quarantine_sample_states_the_cap_and_lists_every_reason(page: Page) -> None:
    text = " ".join("".join(page.text).split())
    assert (
        "Showing the first 2 of 1,500 quarantined rows, by _row_id "
        f"(the sample is capped at {QUARANTINE_SAMPLE_CAP:,} rows; every row is in quarantine.parquet)." in text
    )
    assert page.table("quarantine") == [
        ["_row_id", "reasons", "id", "price", "colour"],
        ["4", "in_range · price = 120.5", "7", "120.5", "null"],
        ["9", "duplicate_key · id = 7 in_range · price = -1.0", "7", "-1.0", "blue"],
    ]  # fmt: skip


def test_drift_summary_puts_blocking_columns_first(page: Page) -> None:
    assert page.table("drift", 0) == [
        ["column", "kind", "result", "drifted metrics"],
        ["colour", "categorical", "fail", "chi_square 42"],
        ["price", "numeric", "warn", "psi 0.15"],
        ["(dataset)", "dataset", "pass", "none"],
    ]
    assert page.headings["h3"][2:] == ["colour", "Contributing bins", "price", "Contributing bins", "(dataset)"]


def test_drift_metrics_and_contributing_bins(page: Page) -> None:
    colour_metrics, colour_bins, price_metrics, price_bins, dataset_metrics = page.tables["drift"][1:]
    assert colour_metrics == [
        ["metric", "statistic", "p-value", "threshold", "drifted", "severity"],
        ["chi_square", "42", "0.0213", "0.3", "yes", "block"],
        ["psi", "1.6", "n/a", "0.1", "no", "none"],
    ]
    assert price_metrics[1:] == [
        ["psi", "0.15", "n/a", "0.1", "yes", "warn"],
        ["ks", "0.05", "1.0e-05", "0.1", "no", "none"],
    ]
    assert price_bins == [
        ["bin", "reference", "current", "PSI term"],
        ["[0, 10)", "50.00%", "25.00%", "0.1733"],
        ["[20, 30)", "20.00%", "40.00%", "0.1386"],
        ["[10, 20)", "30.00%", "35.00%", "0.007708"],
    ]
    assert colour_bins[1] == ["green", "0.00%", "20.00%", "1.519"]
    assert dataset_metrics[1:] == [["row_count_change", "0.25", "n/a", "0.5", "no", "none"]]


def test_one_svg_plot_per_distribution_with_unique_ids(page: Page) -> None:
    assert sum(tag == "svg" for tag, _ in page.tags) == 2
    ids = Counter(attrs["id"] for _, attrs in page.tags if attrs.get("id"))
    assert [name for name, n in ids.items() if n > 1] == []
    assert {"reference v2", "current v3", "red", "blue", "green", "[0, 10)"} <= set(page.svg_text)


def test_slices(page: Page) -> None:
    assert page.table("slices") == [
        ["slice", "metric", "value", "interval", "threshold", "rows", "reference", "change", "result", "reason"],
        ["cheap items", "row_count", "120", "n/a", "≥ 100", "120", "110", "10", "pass", ""],
        ["blue items", "mean(price)", "55.5", "50.25 to 60.75", "10 to 50", "200", "40", "15.5", "fail",
         "mean(price) 55.5 above max 50"],
    ]  # fmt: skip


def test_history_newest_first_with_this_version_marked(page: Page) -> None:
    assert page.table("history") == [
        ["version", "verdict", "rows", "quarantined", "quarantined share"],
        ["3 (this)", "FAIL", "1,000", "10", "1.00%"],
        ["2", "WARN", "900", "9", "1.00%"],
        ["1", "PASS", "800", "0", "0.00%"],
    ]
    assert ("tr", {"class": "current"}) in page.tags


def test_self_contained_no_script_no_network(page: Page) -> None:
    names = {tag for tag, _ in page.tags}
    assert names.isdisjoint({"script", "link", "iframe", "object", "embed", "img", "base"})
    for _, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on")
            if name in ("href", "src", "xlink:href"):
                assert (value or "").startswith("#"), (name, value)
    csp = [attrs["content"] for tag, attrs in page.tags if tag == "meta" and attrs.get("http-equiv")]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]


def test_template_environment_escapes_everything() -> None:
    assert environment().autoescape is True


def test_sparse_report_renders_with_missing_sections() -> None:
    """A report from before drift, slices and released/rejected existed still renders."""
    report = fixed_report()
    for key in ("drift", "distributions", "slices", "reference_version", "reference_reason", "run_id", "source"):
        report.pop(key)
    report["rows"] = {"input": 5, "clean": 5, "quarantined": 0}
    report["reasons"], report["verdict"], report["gate_open"] = [], "PASS", True
    page = Page(render_html(report, [], 0, []))
    assert page.headings["h2"] == ["Rows", "Checks", "Quarantine sample", "Drift", "Version history", "Files"]
    assert page.table("rows")[1] == ["5", "5", "0", "0", "0"]
    text = " ".join("".join(page.text).split())
    assert "Every check passed." in text
    assert "No row was quarantined." in text
    assert "No reference version. Drift is measured once a reference exists." in text
    assert "No history recorded." in text


def test_numeric_plot_without_reference_draws_current_only() -> None:
    report = fixed_report()
    report["reference_version"] = None
    report["drift"] = []  # without a reference drift measures nothing
    for dist in report["distributions"]:
        for b in dist["bins"]:
            b["reference_share"] = None
    page = Page(render_html(report, [], 0, []))
    assert "current v3" in page.svg_text
    assert not any(text.startswith("reference") for text in page.svg_text)
    assert [h for h in page.headings["h3"] if h == "Contributing bins"] == []


def test_long_values_are_cut_in_the_sample() -> None:
    sample = [{"_row_id": 0, "note": "x" * 250, "_reasons": []}]
    page = Page(render_html(fixed_report(), sample, 1, []))
    assert page.table("quarantine")[1][2] == "x" * 200 + "… (50 more characters)"


# --- hostile data ---------------------------------------------------------------------------------


def hostile_report() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Every place data reaches the page holds the hostile strings: names, values, categories, reasons."""
    report = fixed_report()
    h0, h1, h2, h3 = HOSTILE
    report["reasons"] = [f"column {h0} drifted"]
    report["reference_reason"] = h2
    report["checks"][0] |= {"name": h1, "column": h0, "code": h2}
    report["quarantine_reasons"][0] |= {"code": h3, "column": h1}
    for metric in report["drift"][:2]:
        metric["column"] = h0
    report["drift"][2]["column"] = h1
    report["distributions"][0]["column"] = h0
    report["distributions"][1]["column"] = h1
    for label, b in zip(HOSTILE, report["distributions"][1]["bins"], strict=False):
        b["label"] = label
    report["distributions"][1]["bins"].append({"label": h3, "reference_share": 0.1, "current_share": 0.0})
    report["distributions"][0]["bins"][0]["label"] = h2
    report["slices"][0]["name"], report["slices"][1]["name"], report["slices"][1]["reason"] = h0, h1, h3
    sample = [{"_row_id": 1, h0: h1, h2: h3, "_reasons": [{"code": h0, "column": h1, "check": h2, "value": h3}]}]
    history = [{"version": 3, "verdict": h0, "rows": 1000, "quarantined": 10}]
    return report, sample, history


def assert_inert(page: Page) -> None:
    names = {tag for tag, _ in page.tags}
    assert names.isdisjoint({"script", "img", "iframe", "object", "embed", "link", "base"})
    assert [(tag, a) for tag, attrs in page.tags for a in attrs if a.startswith("on")] == []
    text = "".join(page.text)
    for hostile in HOSTILE:
        assert hostile in text


def test_hostile_values_names_and_categories_render_as_text() -> None:
    report, sample, history = hostile_report()
    page = Page(render_html(report, sample, 1, history))
    assert_inert(page)
    assert page.table("quarantine")[0] == ["_row_id", "reasons", HOSTILE[0], HOSTILE[2]]
    assert page.table("quarantine")[1] == ["1", f"{HOSTILE[0]} · {HOSTILE[1]} = {HOSTILE[3]}", HOSTILE[1], HOSTILE[3]]
    assert page.table("slices")[1][0] == HOSTILE[0]
    assert page.table("drift", 0)[1][0] == HOSTILE[1]


def test_hostile_categories_are_text_inside_the_svg_plots() -> None:
    report, sample, history = hostile_report()
    page = Page(render_html(report, sample, 1, history))
    assert set(HOSTILE) <= set(page.svg_text)  # "$x$" stays a dollar sign: no TeX


def test_hostile_data_does_not_leak_into_the_input_report() -> None:
    report, sample, history = hostile_report()
    before = copy.deepcopy((report, sample, history))
    render_html(report, sample, 1, history)
    assert (report, sample, history) == before


# --- quarantine sample ------------------------------------------------------------------------------


def write_quarantine(path: Path, row_ids: list[int]) -> Path:
    table = pa.table(
        {
            "_row_id": pa.array(row_ids, pa.int64()),
            "x": pa.array([float(i) / 2 for i in row_ids]),
            "at": pa.array([datetime(2013, 1, 1, 5, tzinfo=UTC)] * len(row_ids), pa.timestamp("us", tz="UTC")),
            "_reasons": pa.array(
                [
                    [{"code": "in_range", "column": "x", "check": "in_range(0, 1)", "value": str(i / 2)}]
                    for i in row_ids
                ],
                pa.list_(REASON),
            ),
        }
    )
    pq.write_table(table, path, row_group_size=300)
    return path


def test_quarantine_sample_takes_the_first_rows_by_row_id(tmp_path: Path) -> None:
    row_ids = [(i * 7919) % 2500 for i in range(2500)]  # every id once, shuffled
    rows, total = quarantine_sample(write_quarantine(tmp_path / "q.parquet", row_ids))
    assert total == 2500
    assert [r["_row_id"] for r in rows] == list(range(QUARANTINE_SAMPLE_CAP))
    assert rows[3] == {
        "_row_id": 3,
        "x": 1.5,
        "at": datetime(2013, 1, 1, 5, tzinfo=UTC),
        "_reasons": [{"code": "in_range", "column": "x", "check": "in_range(0, 1)", "value": "1.5"}],
    }


@pytest.mark.parametrize(("cap", "expected"), [(2, [1, 2]), (10, [1, 2, 5]), (0, [])])
def test_quarantine_sample_cap(tmp_path: Path, cap: int, expected: list[int]) -> None:
    rows, total = quarantine_sample(write_quarantine(tmp_path / "q.parquet", [5, 1, 2]), cap=cap)
    assert ([r["_row_id"] for r in rows], total) == (expected, 3)


def test_quarantine_sample_of_an_empty_quarantine(tmp_path: Path) -> None:
    assert quarantine_sample(write_quarantine(tmp_path / "q.parquet", [])) == ([], 0)


def test_sample_from_parquet_renders_timestamps_and_floats(tmp_path: Path) -> None:
    rows, total = quarantine_sample(write_quarantine(tmp_path / "q.parquet", [8, 3]))
    page = Page(render_html(fixed_report(), rows, total, []))
    assert page.table("quarantine") == [
        ["_row_id", "reasons", "x", "at"],
        ["3", "in_range · x = 1.5", "1.5", "2013-01-01 05:00:00+00:00"],
        ["8", "in_range · x = 4.0", "4.0", "2013-01-01 05:00:00+00:00"],
    ]


# --- a real browser -------------------------------------------------------------------------------


def test_report_in_headless_chromium(tmp_path: Path) -> None:
    """Chromium opens the page from disk with no network: no console message, hostile data shown as text."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(SKIP_MESSAGE)
    report, _, history = hostile_report()
    h0, h1, h2, h3 = HOSTILE
    quarantine = tmp_path / "quarantine.parquet"
    pq.write_table(
        pa.table(
            {
                "_row_id": pa.array([2, 1], pa.int64()),
                h0: [h1, h3],
                h2: [1.5, None],
                "_reasons": pa.array([[{"code": h0, "column": h1, "check": h2, "value": h3}]] * 2, pa.list_(REASON)),
            }
        ),
        quarantine,
    )
    sample, total = quarantine_sample(quarantine)
    html_path = tmp_path / "report.html"
    html_path.write_text(render_html(report, sample, total, history), encoding="utf-8")

    run = open_page(chromium, html_path, tmp_path)

    assert run.screenshot.stat().st_size > 0
    assert png_size(run.screenshot) == (1366, 900)
    assert run.console == []
    dom = Page(run.dom)
    assert_inert(dom)
    assert dom.headings["h2"] == ["Rows", "Checks", "Quarantine sample", "Drift", "Slices", "Version history", "Files"]
    assert dom.table("quarantine")[1:] == [
        ["1", f"{h0} · {h1} = {h3}", h3, "null"],
        ["2", f"{h0} · {h1} = {h3}", h1, "1.5"],
    ]
