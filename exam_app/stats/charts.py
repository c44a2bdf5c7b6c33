"""The statistics charts' geometry, for inline SVG on the page and in the PDF. Pure.

As in ``tracking.progress``: x coordinates are percentages of the chart's width and y
coordinates pixels, so a chart stretches to a phone's width or a desktop's while its text keeps
its size. Each group is a series (``series-0`` … ``series-3`` in the CSS); the CSP allows no
inline styles, so colours come from classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: the plot's left and right edge (percent of the width) and its top and bottom (pixels)
LEFT, RIGHT = 8.0, 98.0
TOP, BOTTOM = 12, 172
HEIGHT = 200  #: the column and line charts' height (the x labels below the plot)
LABEL_CHARS = 14


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def y_of(value: float, top_value: float = 100.0) -> float:
    """The pixel row of ``value`` on a scale from 0 (bottom) to ``top_value`` (top)."""
    share = 0.0 if top_value <= 0 else min(1.0, max(0.0, value / top_value))
    return round(BOTTOM - (BOTTOM - TOP) * share, 2)


@dataclass(frozen=True)
class Grid:
    lines: tuple[tuple[str, float], ...]  #: (label, y)


def grid(top_value: float = 100.0, steps: int = 5, suffix: str = "%") -> Grid:
    return Grid(
        tuple(
            (f"{top_value * i / steps:g}{suffix}", y_of(top_value * i / steps, top_value))
            for i in range(steps + 1)
        )
    )


@dataclass(frozen=True)
class Column:
    series: int
    x: float  #: percent
    width: float  #: percent
    y: float
    height: float
    value: float


@dataclass(frozen=True)
class ColumnChart:
    columns: tuple[Column, ...]
    labels: tuple[tuple[str, float], ...]  #: (x label, x centre in percent)
    grid: Grid
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT


def _nice_top(values: Sequence[float]) -> float:
    """A round top for the scale: 10, 20, 25, 50 or 100 (values are percentages)."""
    peak = max(values, default=0.0)
    for top in (10.0, 20.0, 25.0, 50.0):
        if peak <= top:
            return top
    return 100.0


def columns(groups: Sequence[Sequence[float]], labels: Sequence[str]) -> ColumnChart:
    """Grouped columns: for each x label, one column per group (``groups[g][i]``: a percent)."""
    n, k = len(labels), max(1, len(groups))
    top = _nice_top([v for g in groups for v in g])
    slot = (RIGHT - LEFT) / max(1, n)
    width = slot * 0.8 / k
    out = []
    for g, values in enumerate(groups):
        for i, value in enumerate(values):
            y = y_of(value, top)
            x = LEFT + slot * i + slot * 0.1 + width * g
            out.append(Column(g, round(x, 3), round(width, 3), y, round(BOTTOM - y, 2), value))
    placed = tuple((label, round(LEFT + slot * (i + 0.5), 3)) for i, label in enumerate(labels))
    return ColumnChart(tuple(out), placed, grid(top))


@dataclass(frozen=True)
class Point:
    series: int
    x: float
    y: float
    value: float
    label: str


@dataclass(frozen=True)
class Segment:
    series: int
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class LineChart:
    points: tuple[Point, ...]
    segments: tuple[Segment, ...]  #: joins neighbouring months that both have a value
    labels: tuple[tuple[str, float], ...]
    grid: Grid
    height: int = HEIGHT
    left: float = LEFT
    right: float = RIGHT


def lines(series: Sequence[Sequence[float | None]], labels: Sequence[str]) -> LineChart:
    """One line per series over the x labels (a percent each; None: no value, a gap)."""
    n = max([len(labels), *(len(s) for s in series)], default=0)
    span = RIGHT - LEFT

    def x(i: int) -> float:
        return round(LEFT + span / 2 if n <= 1 else LEFT + span * i / (n - 1), 3)

    points, segments = [], []
    for g, values in enumerate(series):
        for i, value in enumerate(values):
            if value is None:
                continue
            points.append(Point(g, x(i), y_of(value), value, labels[i] if i < len(labels) else ""))
            before = values[i - 1] if i else None
            if before is not None:
                segments.append(Segment(g, x(i - 1), y_of(before), x(i), y_of(value)))
    placed = tuple((label, x(i)) for i, label in enumerate(labels))
    return LineChart(tuple(points), tuple(segments), placed, grid())


#: horizontal bars: pixels per row, the label's baseline, a bar's height and gap
ROW_LABEL, BAR, BAR_GAP = 16, 10, 3


@dataclass(frozen=True)
class Bar:
    series: int
    y: float
    width: float  #: percent of the chart's width (a value of 100 % fills it)
    value: float | None
    text: str  #: the figure written beside the bar


@dataclass(frozen=True)
class BarRow:
    label: str
    label_y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class BarChart:
    rows: tuple[BarRow, ...]
    height: int
    bar: int = BAR


def bars(rows: Sequence[tuple[str, Sequence[float | None]]], suffix: str = "%") -> BarChart:
    """For each (label, a value per group): the label on a line, then one bar per group."""
    out, top = [], 0.0
    for label, values in rows:
        label_y = top + ROW_LABEL - 4
        placed = []
        y = top + ROW_LABEL
        for g, value in enumerate(values):
            width = 0.0 if value is None else round(min(100.0, max(0.0, value)), 2)
            text = "—" if value is None else f"{value:g}{suffix}"
            placed.append(Bar(g, y, width, value, text))
            y += BAR + BAR_GAP
        out.append(BarRow(_label(label), label_y, tuple(placed)))
        top = y + 6
    return BarChart(tuple(out), max(1, int(top)))
