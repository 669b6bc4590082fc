"""Drift plots as SVG written directly: reference vs current share per bin or category.

A plot is a handful of rectangles, one or two filled step outlines, tick
labels and a legend: a few kilobytes of markup built in well under a
millisecond. (matplotlib took about 110 ms a plot, which made drawing most of
report.html's time.) Every text from the data goes through
``markupsafe.escape``; numbers are formatted here. The only id is the root's,
which the caller makes unique on the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP = 64, 12, 30
BOTTOM_FLAT, BOTTOM_SLANTED = 28, 96
FONT_PX = 11
SLANT_DEGREES = 35
Y_TICKS = 4  # about this many gridlines above zero


@dataclass(frozen=True)
class Series:
    """One version's shares, one per bin or category, in plot order."""

    label: str
    shares: tuple[float, ...]
    color: str


def distribution_svg(
    plot_id: str, labels: Sequence[str], series: Sequence[Series], *, steps: bool, label_every: int = 1
) -> Markup:
    """An inline ``<svg>``: ``steps`` draws filled step outlines (numeric bins), else side-by-side bars.

    ``labels`` name the bins (already shortened by the caller); every
    ``label_every``-th one is written under the axis.
    """
    bins = len(labels)
    slanted = bins > 6 or max((len(label) for label in labels), default=0) > 12
    bottom = BOTTOM_SLANTED if slanted else BOTTOM_FLAT
    frame = _Frame(bottom=HEIGHT - bottom, top_value=_top_value(series), bins=max(bins, 1))
    parts = [
        f'<svg id="{escape(plot_id)}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="sans-serif" font-size="{FONT_PX}">',
        f"<title>{escape(' vs '.join(s.label for s in series))}: share of rows per bin</title>",
        *_y_axis(frame),
        *(_steps(frame, s) if steps else _bars(frame, s, i, len(series)) for i, s in enumerate(series)),
        *_x_labels(frame, labels, label_every, slanted),
        _line(LEFT, frame.bottom, WIDTH - RIGHT, frame.bottom, "#57606a"),
        *_legend(series),
        "</svg>",
    ]
    return Markup("\n".join(parts))  # built from escaped text and formatted numbers only


@dataclass(frozen=True)
class _Frame:
    bottom: float  # y of the zero line
    top_value: float  # the share at the top of the plot area
    bins: int

    @property
    def slot(self) -> float:
        return (WIDTH - LEFT - RIGHT) / self.bins

    def x(self, position: float) -> float:
        return LEFT + position * self.slot

    def y(self, share: float) -> float:
        return self.bottom - (self.bottom - TOP) * min(max(share, 0.0), self.top_value) / self.top_value


def _top_value(series: Sequence[Series]) -> float:
    """The highest share rounded up to a whole tick (at least one tick step above zero)."""
    highest = max((v for s in series for v in s.shares), default=0.0)
    step = tick_step(highest)
    return max(step, math.ceil(highest / step - 1e-9) * step)


def tick_step(highest: float) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about Y_TICKS ticks up to ``highest``."""
    if not highest > 0:
        return 0.25
    rough = highest / Y_TICKS
    power = 10.0 ** math.floor(math.log10(rough))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough))


def percent(share: float, step: float) -> str:
    """A tick label: as many decimals as the step needs (2.5% steps show one)."""
    decimals = 0
    while decimals < 6 and abs(round(step * 100, decimals) - step * 100) > 1e-9:
        decimals += 1
    return f"{share * 100:.{decimals}f}%"


def _y_axis(frame: _Frame) -> list[str]:
    step = tick_step(frame.top_value)
    parts = []
    for k in range(round(frame.top_value / step) + 1):
        share = k * step
        y = frame.y(share)
        if k:
            parts.append(_line(LEFT, y, WIDTH - RIGHT, y, "#d0d7de"))
        parts.append(_text(LEFT - 6, y + FONT_PX / 3, percent(share, step), anchor="end"))
    middle = (TOP + frame.bottom) / 2
    parts.append(_text(14, middle, "share of rows", anchor="middle", rotate=(-90, 14, middle)))
    parts.append(_line(LEFT, TOP, LEFT, frame.bottom, "#57606a"))
    return parts


def _steps(frame: _Frame, series: Series) -> str:
    """A filled outline over the bins (a histogram drawn as one path)."""
    points = [(frame.x(0), frame.bottom)]
    for i, share in enumerate(series.shares):
        points += [(frame.x(i), frame.y(share)), (frame.x(i + 1), frame.y(share))]
    points.append((frame.x(len(series.shares)), frame.bottom))
    path = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z"
    return (
        f'<path d="{path}" fill="{series.color}" fill-opacity="0.45" stroke="{series.color}" '
        f'stroke-width="1.2"><title>{escape(series.label)}</title></path>'
    )


def _bars(frame: _Frame, series: Series, index: int, count: int) -> str:
    """One bar per category: side by side with the other series, 80% of the slot together."""
    width = 0.8 / count
    rects = []
    for i, share in enumerate(series.shares):
        x, y = frame.x(i + 0.1 + index * width), frame.y(share)
        rects.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width * frame.slot:.1f}" height="{frame.bottom - y:.1f}" '
            f'fill="{series.color}"><title>{escape(series.label)}: {percent(share, 0.0001)}</title></rect>'
        )
    return "\n".join(rects)


def _x_labels(frame: _Frame, labels: Sequence[str], every: int, slanted: bool) -> list[str]:
    parts = []
    for i in range(0, len(labels), max(every, 1)):
        x, y = frame.x(i + 0.5), frame.bottom + FONT_PX + 3
        if slanted:
            parts.append(_text(x, y, labels[i], anchor="end", rotate=(-SLANT_DEGREES, x, y)))
        else:
            parts.append(_text(x, y, labels[i], anchor="middle"))
    return parts


def _legend(series: Sequence[Series]) -> list[str]:
    parts, x = [], float(WIDTH - RIGHT)
    for s in reversed(series):  # right-aligned: the last series ends at the right edge
        x -= len(s.label) * FONT_PX * 0.6 + 4
        parts.append(_text(x, 14, s.label, anchor="start"))
        x -= 14
        parts.append(f'<rect x="{x:.1f}" y="5" width="10" height="10" fill="{s.color}"/>')
        x -= 16
    return parts


def _line(x1: float, y1: float, x2: float, y2: float, color: str) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" stroke-width="1"/>'


def _text(x: float, y: float, text: str, *, anchor: str, rotate: tuple[float, float, float] | None = None) -> str:
    turn = f' transform="rotate({rotate[0]} {rotate[1]:.1f} {rotate[2]:.1f})"' if rotate else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{turn}>{escape(text)}</text>'
