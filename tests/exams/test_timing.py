"""The server's clock rules (pure: every ``now`` is a literal datetime)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from exam_app.exams.timing import (
    Gap,
    accepts_answers,
    deadline,
    heartbeat_gaps,
    is_overdue,
    next_attempt_allowed_at,
    remaining_seconds,
    window_state,
)


def _utc(hour: int, minute: int) -> datetime:
    return datetime(2025, 3, 1, hour, minute, tzinfo=UTC)


START = _utc(1, 0)  # 09:00 in Guangzhou
BEIJING = timezone(timedelta(hours=8))
NAIVE = datetime(2025, 3, 1, 1, 0)


def _at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("duration", "extra", "window_ends_at", "expected"),
    [
        (90, 0, None, _utc(2, 30)),
        (90, 300, None, _utc(2, 35)),
        (90, 0, _utc(2, 0), _utc(2, 0)),
        (90, 300, _utc(2, 32), _utc(2, 32)),
        (90, 0, _utc(2, 30), _utc(2, 30)),
        (90, 0, _utc(18, 0), _utc(2, 30)),
        (90, 0, _utc(0, 30), _utc(0, 30)),  # window already shut: no time at all
        # The window's end in Beijing time (10:00 +08:00 = 02:00 UTC) caps just the same.
        (90, 0, datetime(2025, 3, 1, 10, 0, tzinfo=BEIJING), _utc(2, 0)),
    ],
)  # fmt: skip
def test_deadline_is_capped_by_the_window(
    duration: int, extra: int, window_ends_at: datetime | None, expected: datetime
) -> None:
    assert deadline(START, duration, extra, window_ends_at) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (_at(0), 3600),
        (_at(0.5), 3599),  # rounded down: the page never promises a second it does not have
        (_at(3540.000001), 59),
        (_at(3599.999999), 0),
        (_at(3600), 0),
        (_at(7200), 0),  # never negative
    ],
)
def test_remaining_seconds(now: datetime, expected: int) -> None:
    assert remaining_seconds(now, _at(3600)) == expected


@pytest.mark.parametrize(
    ("now", "grace", "accepts"),
    [
        (_at(3599), 30, True),
        (_at(3600), 30, True),  # at the deadline
        (_at(3615), 30, True),  # in flight: sent before the deadline, arriving after it
        (_at(3630), 30, True),  # the last moment of grace
        (_at(3630.000001), 30, False),
        (_at(3600), 0, True),
        (_at(3600.000001), 0, False),
    ],
)
def test_grace_after_the_deadline(now: datetime, grace: int, accepts: bool) -> None:
    assert accepts_answers(now, _at(3600), grace) is accepts
    # The sweeper takes over exactly when answers stop being accepted: no gap, no overlap.
    assert is_overdue(now, _at(3600), grace) is not accepts


OPENS, CLOSES = _at(0), _at(86400)


@pytest.mark.parametrize(
    ("now", "opens_at", "closes_at", "expected"),
    [
        (_at(-1), OPENS, CLOSES, "not_open"),
        (_at(0), OPENS, CLOSES, "open"),  # opens at the stroke of the hour
        (_at(86399), OPENS, CLOSES, "open"),
        (_at(86400), OPENS, CLOSES, "closed"),  # [opens, closes)
        (_at(-1), None, CLOSES, "open"),
        (_at(10**6), OPENS, None, "open"),
        (_at(10**6), None, None, "open"),
        (_at(-1), CLOSES, OPENS, "not_open"),  # closes before it opens: never open
        (_at(100), CLOSES, OPENS, "closed"),
        (_at(86400), CLOSES, OPENS, "closed"),
    ],
)
def test_window_state(
    now: datetime, opens_at: datetime | None, closes_at: datetime | None, expected: str
) -> None:
    assert window_state(now, opens_at, closes_at) == expected


@pytest.mark.parametrize(
    ("last_submitted_at", "wait_minutes", "expected"),
    [
        (START, 30, _at(1800)),
        (START, 0, None),
        (START, None, None),
        (None, 30, None),  # no earlier attempt
    ],
)
def test_next_attempt_allowed_at(
    last_submitted_at: datetime | None, wait_minutes: int | None, expected: datetime | None
) -> None:
    assert next_attempt_allowed_at(last_submitted_at, wait_minutes) == expected


@pytest.mark.parametrize(
    ("beats", "until", "expected"),
    [
        ([_at(s) for s in range(30, 600, 30)], _at(600), []),
        ([_at(30), _at(200), _at(230)], _at(250), [Gap(_at(30), _at(200), 170)]),
        ([], _at(300), [Gap(_at(0), _at(300), 300)]),  # the page never beat at all
        ([_at(60)], _at(400), [Gap(_at(60), _at(400), 340)]),  # gone until the submission
        ([_at(90.7)], _at(120), [Gap(_at(0), _at(90.7), 90)]),  # whole seconds, rounded down
        ([_at(60), _at(120)], _at(180), []),  # exactly the threshold is not a gap
        ([_at(60.000001)], _at(100), [Gap(_at(0), _at(60.000001), 60)]),
        # unsorted, and beats outside [start, until] prove nothing about the attempt
        ([_at(500), _at(50), _at(-500), _at(200), _at(100)], _at(250),
         [Gap(_at(100), _at(200), 100)]),
        ([_at(50), _at(100)], _at(100), []),
        ([], _at(0), []),
    ],
)  # fmt: skip
def test_heartbeat_gaps(beats: list[datetime], until: datetime, expected: list[Gap]) -> None:
    assert heartbeat_gaps(beats, 60, START, until) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: deadline(NAIVE, 90),
        lambda: deadline(START, 90, 0, NAIVE),
        lambda: remaining_seconds(NAIVE, START),
        lambda: accepts_answers(START, NAIVE, 30),
        lambda: is_overdue(NAIVE, START, 30),
        lambda: window_state(START, NAIVE, None),
        lambda: next_attempt_allowed_at(NAIVE, 30),
        lambda: heartbeat_gaps([NAIVE], 60, START, _at(600)),
        lambda: heartbeat_gaps([], 60, NAIVE, _at(600)),
    ],
)
def test_naive_datetimes_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="naive"):
        call()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: deadline(START, -1), "duration_minutes"),
        (lambda: deadline(START, 90, -60), "extra_seconds"),
        (lambda: accepts_answers(START, START, -1), "grace_seconds"),
        (lambda: next_attempt_allowed_at(START, -5), "wait_minutes"),
        (lambda: heartbeat_gaps([], 0, START, _at(600)), "threshold_seconds"),
        (lambda: heartbeat_gaps([], 60, _at(600), START), "before started_at"),
    ],
)
def test_impossible_numbers_are_refused(call: Callable[[], object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
