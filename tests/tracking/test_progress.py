"""The pure progress rules: the score trend, mastery per category, weak areas, chart geometry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from exam_app.tracking import progress
from exam_app.tracking.progress import AnswerRow, AttemptRow, Mastery

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _attempt(aid: int, hours: int | None, percent: float | None = 70.0, **kw: object) -> AttemptRow:
    values: dict[str, object] = {
        "attempt_id": aid,
        "status": "submitted",
        "submitted_at": None if hours is None else T0 + timedelta(hours=hours),
        "exam_title": f"考试{aid}",
        "mode": "practice",
        "percent": percent,
        "passed": percent is not None and percent >= 60,
        "pass_percent": 60.0,
    }
    values.update(kw)
    return AttemptRow(**values)  # type: ignore[arg-type]


def test_no_attempts_no_trend() -> None:
    assert progress.trend([]) == []
    chart = progress.trend_chart([])
    assert chart.points == [] and chart.line == [] and chart.pass_line == []


def test_trend_is_graded_attempts_in_submission_order() -> None:
    rows = [
        _attempt(3, 5, 90.0),
        _attempt(1, 1, 40.0, mode="certification"),
        _attempt(4, None, None, status="in_progress"),  # still running: left out
        _attempt(2, 1, 75.0),  # same moment as 1: by id
        _attempt(5, 2, None),  # submitted but not scored: left out
    ]
    points = progress.trend(rows)
    assert [p.attempt_id for p in points] == [1, 2, 3]
    assert [(p.percent, p.passed, p.mode) for p in points] == [
        (40.0, False, "certification"),
        (75.0, True, "practice"),
        (90.0, True, "practice"),
    ]


def test_a_regrade_shows_in_the_trend_as_the_stored_score() -> None:
    before = progress.trend([_attempt(1, 1, 55.0)])
    after = progress.trend([_attempt(1, 1, 65.0)])  # the regrade rewrote percent and pass
    assert (before[0].passed, after[0].passed) == (False, True)


def test_mastery_counts_right_answers_per_category() -> None:
    rows = [
        AnswerRow(7, 1.0, 1.0, True),
        AnswerRow(7, 1.0, 0.0, True),
        AnswerRow(7, 2.0, 1.0, True),  # partial credit is not right
        AnswerRow(7, 1.0, 1.0, True),
        AnswerRow(3, 1.0, 1.0, True),
        AnswerRow(3, 1.0, 0.0, False),  # left blank: no answer
        AnswerRow(3, 1.0, None, True),  # not graded
        AnswerRow(None, 1.0, 1.0, True),  # no category
        AnswerRow(3, 0.0, 0.0, True),  # worth nothing
    ]
    found = progress.mastery(rows)
    assert found == [Mastery(3, 1, 1), Mastery(7, 4, 2)]
    assert [m.percent for m in found] == [100.0, 50.0]
    assert progress.mastery([]) == []
    assert Mastery(1, 3, 1).percent == 33.3


def test_weak_areas_need_enough_answers_and_are_the_lowest() -> None:
    found = [
        Mastery(1, 4, 0),  # too few answers
        Mastery(2, 10, 7),
        Mastery(3, 5, 2),
        Mastery(4, 8, 8),  # all right: not weak
        Mastery(5, 10, 4),  # 40 %, as 3; more answers first
        Mastery(6, 6, 5),
    ]
    assert [m.category_id for m in progress.weak_areas(found)] == [5, 3, 2]
    assert [m.category_id for m in progress.weak_areas(found, limit=10)] == [5, 3, 2, 6]
    assert progress.weak_areas([]) == []


def test_trend_chart_geometry() -> None:
    points = progress.trend([_attempt(1, 1, 0.0), _attempt(2, 2, 100.0), _attempt(3, 3, 50.0)])
    chart = progress.trend_chart(points)
    assert [c.x for c in chart.points] == [progress.TREND_LEFT, 53.0, progress.TREND_RIGHT]
    assert [c.y for c in chart.points] == [
        progress.TREND_BOTTOM,
        progress.TREND_TOP,
        (progress.TREND_BOTTOM + progress.TREND_TOP) / 2,
    ]
    assert len(chart.line) == 2 and chart.line[0].x2 == chart.line[1].x1
    mark = progress.trend_y(60)
    assert chart.pass_line[0].x1 == progress.TREND_LEFT
    assert chart.pass_line[-1].x2 == progress.TREND_RIGHT
    assert {(s.y1, s.y2) for s in chart.pass_line} == {(mark, mark)}
    one = progress.trend_chart(points[:1])
    assert one.points[0].x == (progress.TREND_LEFT + progress.TREND_RIGHT) / 2


def test_trend_chart_steps_where_the_pass_mark_changes_and_keeps_the_latest() -> None:
    rows = [_attempt(i, i, 70.0, pass_percent=60.0 if i < 3 else 80.0) for i in range(1, 41)]
    chart = progress.trend_chart(progress.trend(rows))
    assert len(chart.points) == progress.CHART_POINTS
    assert chart.points[0].point.attempt_id == 11
    assert {s.y1 for s in chart.pass_line} == {progress.trend_y(80.0)}
    steps = progress.trend_chart(progress.trend(rows[:4])).pass_line
    verticals = [s for s in steps if s.x1 == s.x2]
    assert len(verticals) == 1
    assert (verticals[0].y1, verticals[0].y2) == (progress.trend_y(60), progress.trend_y(80))


def test_bars() -> None:
    long_name = "很长的分类名称" * 3
    chart = progress.bars([("电费电价", Mastery(1, 4, 1)), (long_name, Mastery(2, 2, 2))])
    assert [b.width for b in chart.bars] == [25.0, 100.0]
    assert chart.bars[1].label.endswith("…") and len(chart.bars[1].label) == 16
    assert chart.bars[1].y == progress.BAR_ROW + progress.BAR_Y
    assert chart.height == 2 * progress.BAR_ROW
