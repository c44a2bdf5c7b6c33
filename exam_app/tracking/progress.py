"""An operator's progress from plain rows: the score trend, mastery per category, the weak
areas, and the two charts' geometry. Pure: no Flask, no database, no clock.

The charts are drawn as inline SVG whose x coordinates are percentages of the chart's width
and whose y coordinates are pixels, so they stretch to any width (a phone's 390 px or a
desktop's) while their text keeps its size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

#: a category counts as a weak area only with at least this many answers
MIN_ANSWERS = 5
#: weak areas shown at most
WEAK_AREAS = 3
#: the trend chart shows the latest attempts only (the table lists them all)
CHART_POINTS = 30


@dataclass(frozen=True)
class AttemptRow:
    """One of the person's attempts, as stored."""

    attempt_id: int
    status: str  #: ``AttemptStatus`` value; only "submitted" is graded
    submitted_at: datetime | None
    exam_title: str
    mode: str  #: ``ExamMode`` value
    percent: float | None
    passed: bool | None
    pass_percent: float


@dataclass(frozen=True)
class TrendPoint:
    attempt_id: int
    at: datetime
    exam_title: str
    mode: str
    percent: float
    passed: bool
    pass_percent: float


def trend(rows: Iterable[AttemptRow]) -> list[TrendPoint]:
    """Every graded attempt in the order it was submitted (ties: by id). An attempt still in
    progress, or one without a score, is left out. A regrade changes the stored percent and
    pass, so the trend shows the attempt as it stands now."""
    graded = [
        TrendPoint(
            r.attempt_id,
            r.submitted_at,
            r.exam_title,
            r.mode,
            float(r.percent),
            bool(r.passed),
            float(r.pass_percent),
        )
        for r in rows
        if r.status == "submitted" and r.submitted_at is not None and r.percent is not None
    ]
    return sorted(graded, key=lambda p: (p.at, p.attempt_id))


@dataclass(frozen=True)
class AnswerRow:
    """One question of a graded paper: its item's category and what it earned."""

    category_id: int | None
    points: float
    earned: float | None  #: None: not graded
    answered: bool  #: a response was saved (a question left blank is no answer)


@dataclass(frozen=True)
class Mastery:
    category_id: int
    answers: int
    correct: int  #: answers that earned the question's full points

    @property
    def percent(self) -> float:
        return round(100.0 * self.correct / self.answers, 1) if self.answers else 0.0


def mastery(rows: Iterable[AnswerRow]) -> list[Mastery]:
    """Per category, the share of the person's answers that were right (full points; partial
    credit is not right), by category id. Questions without a category, worth nothing, not
    graded or left blank are not counted."""
    counts: dict[int, list[int]] = {}
    for r in rows:
        if r.category_id is None or r.earned is None or not r.answered or r.points <= 0:
            continue
        tally = counts.setdefault(r.category_id, [0, 0])
        tally[0] += 1
        tally[1] += r.earned >= r.points - 1e-9
    return [Mastery(cid, n, right) for cid, (n, right) in sorted(counts.items())]


def weak_areas(
    found: Iterable[Mastery], min_answers: int = MIN_ANSWERS, limit: int = WEAK_AREAS
) -> list[Mastery]:
    """The categories with at least ``min_answers`` answers and the lowest mastery (fewest
    right first; ties: more answers, then category id); a category answered all right is no
    weak area."""
    enough = [m for m in found if m.answers >= min_answers and m.correct < m.answers]
    enough.sort(key=lambda m: (m.correct / m.answers, -m.answers, m.category_id))
    return enough[:limit]


# --- the charts' geometry ----------------------------------------------------------------------

#: the trend chart: its height and the plot's top and bottom (pixels)
TREND_HEIGHT, TREND_TOP, TREND_BOTTOM = 220, 14, 196
#: the plot's left and right edge (percent of the width): room for the axis labels
TREND_LEFT, TREND_RIGHT = 9.0, 97.0


def trend_y(percent: float) -> float:
    """The pixel row of a percentage (0 at the bottom, 100 at the top)."""
    clipped = min(100.0, max(0.0, percent))
    return round(TREND_BOTTOM - (TREND_BOTTOM - TREND_TOP) * clipped / 100.0, 2)


@dataclass(frozen=True)
class ChartPoint:
    x: float  #: percent of the width
    y: float  #: pixels
    point: TrendPoint


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class TrendChart:
    points: list[ChartPoint]
    line: list[Segment]  #: joins the scores in order
    pass_line: list[Segment]  #: the pass mark of each attempt's exam, as a step line
    grid: list[tuple[int, float]]  #: (percent, y) of the horizontal grid lines
    height: int = TREND_HEIGHT
    left: float = TREND_LEFT
    right: float = TREND_RIGHT


def trend_chart(points: list[TrendPoint], last: int = CHART_POINTS) -> TrendChart:
    """The latest ``last`` points, evenly spaced in submission order."""
    shown = points[-last:]
    n = len(shown)
    span = TREND_RIGHT - TREND_LEFT

    def x(i: int) -> float:
        return round(TREND_LEFT + span / 2 if n == 1 else TREND_LEFT + span * i / (n - 1), 3)

    placed = [ChartPoint(x(i), trend_y(p.percent), p) for i, p in enumerate(shown)]
    line = [Segment(a.x, a.y, b.x, b.y) for a, b in zip(placed, placed[1:], strict=False)]
    pass_line: list[Segment] = []
    for i, p in enumerate(shown):
        left = TREND_LEFT if i == 0 else (x(i - 1) + x(i)) / 2
        right = TREND_RIGHT if i == n - 1 else (x(i) + x(i + 1)) / 2
        y = trend_y(p.pass_percent)
        if pass_line and pass_line[-1].y2 != y:  # the mark changes: a vertical step
            pass_line.append(Segment(round(left, 3), pass_line[-1].y2, round(left, 3), y))
        pass_line.append(Segment(round(left, 3), y, round(right, 3), y))
    grid = [(v, trend_y(v)) for v in (0, 20, 40, 60, 80, 100)]
    return TrendChart(placed, line, pass_line, grid)


#: the mastery bars: pixels per category, the label's baseline and the bar within a row
BAR_ROW, BAR_LABEL_Y, BAR_Y, BAR_HEIGHT = 40, 14, 20, 12
#: a longer category name is cut with an ellipsis in the chart (the table has it whole)
BAR_LABEL_CHARS = 16


@dataclass(frozen=True)
class Bar:
    label: str
    mastery: Mastery
    label_y: int
    y: int
    width: float  #: percent of the chart's width


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    height: int  #: pixels
    bar_height: int = BAR_HEIGHT


def bars(rows: list[tuple[str, Mastery]]) -> BarChart:
    """One horizontal bar per (category name, mastery), in the order given: the name and the
    figures on a line, the bar under them."""
    out = []
    for i, (name, m) in enumerate(rows):
        label = name if len(name) <= BAR_LABEL_CHARS else name[: BAR_LABEL_CHARS - 1] + "…"
        top = i * BAR_ROW
        out.append(Bar(label, m, top + BAR_LABEL_Y, top + BAR_Y, m.percent))
    return BarChart(out, max(1, len(out)) * BAR_ROW)
