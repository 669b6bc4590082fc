"""The drift plots' SVG: exact geometry, round ticks, escaped text, well-formed markup."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from dataguard.publish.svg import Series, distribution_svg, percent, tick_step

NS = {"s": "http://www.w3.org/2000/svg"}
REF = Series("reference v2", (0.6, 0.4, 0.0), "#8c959f")
CUR = Series("current v3", (0.6, 0.2, 0.2), "#0969da")


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # our own output, parsed to check it is well formed


@pytest.mark.parametrize(
    ("highest", "step"), [(0.6, 0.2), (0.05, 0.02), (0.3, 0.1), (1.0, 0.25), (0.0009, 0.00025), (0.0, 0.25)]
)
def test_tick_steps_are_round(highest: float, step: float) -> None:
    assert tick_step(highest) == pytest.approx(step, rel=1e-12)


def test_tick_labels_carry_the_decimals_their_step_needs() -> None:
    assert [percent(0.4, 0.2), percent(0.025, 0.025), percent(0.0005, 0.00025)] == ["40%", "2.5%", "0.050%"]


def test_paired_bars_have_exact_heights_and_a_legend() -> None:
    svg = parse(distribution_svg("plot-7", ["red", "blue", "green"], [REF, CUR], steps=False))
    assert svg.get("id") == "plot-7"
    bars = [r for r in svg.findall("s:rect", NS) if r.find("s:title", NS) is not None]
    # zero line at 260 - 28 = 232, top of the plot at 30: 202 px for the highest tick, 60%
    assert [(r.get("fill"), r.get("height")) for r in bars] == [
        ("#8c959f", "202.0"),
        ("#8c959f", "134.7"),
        ("#8c959f", "0.0"),
        ("#0969da", "202.0"),
        ("#0969da", "67.3"),
        ("#0969da", "67.3"),
    ]
    texts = [t.text for t in svg.findall("s:text", NS)]
    assert texts == ["0%", "20%", "40%", "60%", "share of rows", "red", "blue", "green", "current v3", "reference v2"]


def test_numeric_bins_are_one_filled_outline_per_version_with_thinned_labels() -> None:
    labels = [f"[{i}, {i + 1})" for i in range(20)]
    current = Series("current v3", tuple([0.05] * 20), "#0969da")
    svg = parse(distribution_svg("p", labels, [current], steps=True, label_every=5))
    (path,) = svg.findall("s:path", NS)
    points = path.get("d", "").removeprefix("M").removesuffix(" Z").split(" L")
    assert len(points) == 2 + 2 * 20
    # slanted labels: zero line at 260 - 96 = 164; ticks of 2% up to 6%: 5% is 134 px * 5/6 above it
    assert points[:2] == ["64.0,164.0", "64.0,52.3"]
    assert [t.text for t in svg.findall("s:text", NS)][-5:] == [
        "[0, 1)",
        "[5, 6)",
        "[10, 11)",
        "[15, 16)",
        "current v3",
    ]


def test_text_from_the_data_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & $x$'
    markup = str(distribution_svg('a"b', [hostile], [Series(hostile, (1.0,), "#000")], steps=False))
    assert "<script>" not in markup
    svg = parse(markup)
    assert svg.get("id") == 'a"b'
    assert hostile in [t.text for t in svg.findall("s:text", NS)]
