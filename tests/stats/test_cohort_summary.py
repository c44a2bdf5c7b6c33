"""The cohort figures' pure parts: counting rules, Beijing days and months, the histogram's
edges, mean / median / SD, per-category points read fast and by ``json`` alike, the periods,
and the charts' geometry. No fixtures."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import numpy as np
import pytest

from exam_app.stats import charts, summary
from exam_app.stats.summary import Sheets


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def _sheets(rows: list[tuple[int, int, str, float, dict[str, list[float]] | None]]) -> Sheets:
    return summary.sheets_from_rows(
        [
            (a, u, a, _epoch(at), p, p >= 60, None if c is None else json.dumps(c))
            for a, u, at, p, c in rows
        ]
    )


ROWS = [
    (1, 7, "2026-03-01 02:00:00", 40.0, {"3": [2.0, 5.0], "none": [1.0, 1.0]}),
    (2, 8, "2026-03-02 02:00:00", 90.0, {"3": [5.0, 5.0], "4": [4.0, 5.0]}),
    (3, 7, "2026-03-31 16:30:00", 80.0, {"4": [4.0, 5.0]}),  # 1 April 00:30 in Beijing
    (4, 7, "2026-04-10 02:00:00", 60.0, None),
]


@pytest.mark.parametrize(
    ("counting", "attempt_ids"),
    [("all", [1, 2, 3, 4]), ("first", [1, 2]), ("last", [2, 4]), ("best", [2, 3])],
)
def test_counting_rules_pick_one_attempt_per_person(counting: str, attempt_ids: list[int]) -> None:
    assert summary.counted(_sheets(ROWS), counting).attempt_id.tolist() == attempt_ids


def test_a_tie_for_best_goes_to_the_earlier_attempt() -> None:
    tied = _sheets(
        [(5, 1, "2026-01-01 00:00:00", 70.0, None), (6, 1, "2026-01-02 00:00:00", 70.0, None)]
    )
    assert summary.counted(tied, "best").attempt_id.tolist() == [5]


def test_days_and_months_are_beijings() -> None:
    sheets = _sheets(ROWS)
    march = summary.in_period(sheets, date(2026, 3, 1), date(2026, 3, 31))
    assert march.attempt_id.tolist() == [1, 2], "31 March 16:30 UTC is 1 April in Beijing"
    figures = summary.summarize(sheets, summary.months_between(date(2026, 2, 1), date(2026, 4, 30)))
    assert [(m.month, m.attempts, m.candidates) for m in figures.months] == [
        ("2026-02", 0, 0),
        ("2026-03", 2, 2),
        ("2026-04", 2, 1),
    ]
    assert figures.months[0].pass_rate is None and figures.months[2].pass_rate == 100.0


def test_the_figures_by_hand() -> None:
    figures = summary.summarize(_sheets(ROWS))
    assert (figures.candidates, figures.attempts, figures.passed) == (2, 4, 3)
    assert (figures.pass_rate, figures.mean, figures.median) == (75.0, 67.5, 70.0)
    assert figures.sd == 22.17  # √((27.5² + 22.5² + 12.5² + 7.5²) / 3) = √(1475 / 3)
    assert (figures.minimum, figures.maximum) == (40.0, 90.0)
    # 3: (40 + 100) / 2; 4: 80 on both papers that had it; "none" is no category
    assert [(c.category_id, c.attempts, c.mean) for c in figures.categories] == [
        (3, 2, 70.0),
        (4, 2, 80.0),
    ]
    assert figures.newest == _epoch("2026-04-10 02:00:00")


def test_nobody_gives_empty_figures() -> None:
    figures = summary.summarize(summary.sheets_from_rows([]), ["2026-01"])
    assert (figures.attempts, figures.pass_rate, figures.mean, figures.sd) == (0, None, None, None)
    assert figures.histogram == (0,) * 10 and figures.histogram_share() == (0.0,) * 10


@pytest.mark.parametrize(
    ("percent", "bin_index"),
    [(0.0, 0), (9.99, 0), (10.0, 1), (59.9, 5), (60.0, 6), (99.9, 9), (100.0, 9)],
)
def test_histogram_edges(percent: float, bin_index: int) -> None:
    assert summary.histogram(np.array([percent])).index(1) == bin_index


def test_category_points_fast_and_json_agree() -> None:
    texts = [
        '{"12": [3.0, 4.0], "none": [1.0, 1.0]}',
        None,
        '{"3": [1e-05, 2], "12": [0.5, 4.0]}',
        "{}",
    ]
    fast = summary.category_points(texts)
    slow = summary._category_points_json([t or "" for t in texts], len(texts))  # noqa: SLF001
    assert fast[0] == slow[0] == (3, 12)
    np.testing.assert_array_equal(fast[1], slow[1])
    np.testing.assert_array_equal(fast[2], slow[2])
    odd = summary.category_points(['{"12": [3.0, 4.0, 5.0]}'])  # not pairs: json decides
    assert odd[0] == (12,)


def test_periods() -> None:
    assert summary.last_twelve_months(date(2026, 3, 15)) == (date(2025, 4, 1), date(2026, 3, 15))
    assert summary.last_twelve_months(date(2026, 12, 1)) == (date(2026, 1, 1), date(2026, 12, 1))
    assert summary.year_against_last(date(2028, 2, 29)) == (
        (date(2028, 1, 1), date(2028, 2, 29)),
        (date(2027, 1, 1), date(2027, 2, 28)),
    )
    assert summary.months_between(date(2025, 11, 5), date(2026, 1, 2)) == [
        "2025-11",
        "2025-12",
        "2026-01",
    ]
    first, after = summary.day_bounds_utc(date(2026, 1, 1), date(2026, 1, 1))
    assert (after - first, first) == (86400, _epoch("2025-12-31 16:00:00"))


def test_chart_geometry() -> None:
    assert (charts.y_of(0), charts.y_of(100), charts.y_of(150)) == (
        charts.BOTTOM,
        charts.TOP,
        charts.TOP,
    )
    grouped = charts.columns([[10.0, 40.0], [20.0, 0.0]], ["a", "b"])
    assert len(grouped.columns) == 4 and grouped.grid.lines[-1][0] == "50%", "a round top above 40"
    assert all(c.x >= charts.LEFT and c.x + c.width <= charts.RIGHT for c in grouped.columns)
    line = charts.lines([[50.0, None, 70.0, 80.0]], ["1", "2", "3", "4"])
    assert len(line.points) == 3 and len(line.segments) == 1, (
        "no line across a month without figures"
    )
    bars = charts.bars([("通过率", [50.0, None])])
    assert [b.text for b in bars.rows[0].bars] == ["50%", "—"] and bars.rows[0].bars[1].width == 0.0
