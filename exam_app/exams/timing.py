"""The server's clock rules for an attempt: deadlines, grace, windows, waits, heartbeat gaps.

Nothing here reads the clock: ``now`` is always passed in, so the rules can be tested with literal
datetimes and the sweeper, the answer endpoint and the proctor view all apply the same ones.

All datetimes must be timezone-aware (the app stores UTC); a naive one raises ``ValueError``
because comparing it with an aware one would either crash later or, worse, be off by hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Literal

WindowState = Literal["not_open", "open", "closed"]

#: Answers sent just before the deadline are still accepted for this long (network in flight).
GRACE_SECONDS = 30
#: A page that has not reached the server for longer than this is logged as a gap in contact.
HEARTBEAT_GAP_SECONDS = 60

_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Gap:
    """A stretch with no heartbeat: the page was closed, the network down, the laptop asleep."""

    start: datetime
    end: datetime
    seconds: int  #: whole seconds, rounded down


def _aware(*values: datetime | None) -> None:
    for value in values:
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError(f"naive datetime {value!r}; use timezone-aware UTC datetimes")


def _not_negative(**values: int | float) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} must not be negative, got {value}")


def deadline(
    started_at: datetime,
    duration_minutes: int,
    extra_seconds: int = 0,
    window_ends_at: datetime | None = None,
) -> datetime:
    """Start + duration + extra time, but never after the exam window closes: someone starting
    10 minutes before the close gets 10 minutes, not a private sitting after everyone left."""
    _aware(started_at, window_ends_at)
    _not_negative(duration_minutes=duration_minutes, extra_seconds=extra_seconds)
    end = started_at + timedelta(minutes=duration_minutes, seconds=extra_seconds)
    return min(end, window_ends_at) if window_ends_at is not None else end


def submitted_at(now: datetime, deadline: datetime, grace_seconds: int = GRACE_SECONDS) -> datetime:
    """The time an attempt counts as handed in: now, but never later than the end of the grace
    period (an attempt the sweeper grades an hour late was still over at deadline + grace)."""
    _aware(now, deadline)
    return min(now, deadline + timedelta(seconds=grace_seconds))


def sweep_cutoff(now: datetime, grace_seconds: int = GRACE_SECONDS) -> datetime:
    """Attempts whose deadline is before this are overdue (the sweeper's query bound)."""
    _aware(now)
    return now - timedelta(seconds=grace_seconds)


def remaining_seconds(now: datetime, deadline: datetime) -> int:
    """Whole seconds left (rounded down, never negative): the page counts down from this."""
    _aware(now, deadline)
    # Floor division of timedeltas is exact; float seconds could show 59 as 59.99999.
    return max(0, (deadline - now) // _SECOND)


def accepts_answers(now: datetime, deadline: datetime, grace_seconds: int = GRACE_SECONDS) -> bool:
    """True until deadline + grace (inclusive): an answer sent at 59:59 may arrive at 60:01."""
    return not is_overdue(now, deadline, grace_seconds)


def is_overdue(now: datetime, deadline: datetime, grace_seconds: int = GRACE_SECONDS) -> bool:
    """Past deadline + grace: the page will not save any more, so the sweeper grades it."""
    _aware(now, deadline)
    _not_negative(grace_seconds=grace_seconds)
    return now > deadline + timedelta(seconds=grace_seconds)


def window_state(
    now: datetime, opens_at: datetime | None, closes_at: datetime | None
) -> WindowState:
    """Where ``now`` falls in the window [opens_at, closes_at); a None bound is no bound.

    A window that closes before it opens is never "open" (it is misconfigured, and refusing to
    start is safer than raising in the middle of a candidate's request).
    """
    _aware(now, opens_at, closes_at)
    if closes_at is not None and now >= closes_at:
        return "closed"
    if opens_at is not None and now < opens_at:
        return "not_open"
    return "open"


def next_attempt_allowed_at(
    last_submitted_at: datetime | None, wait_minutes: int | None
) -> datetime | None:
    """When the next attempt may start; None = no wait (no earlier attempt, or no wait rule)."""
    _aware(last_submitted_at)
    if last_submitted_at is None or not wait_minutes:
        return None
    _not_negative(wait_minutes=wait_minutes)
    return last_submitted_at + timedelta(minutes=wait_minutes)


def heartbeat_gaps(
    beats: Sequence[datetime],
    threshold_seconds: int,
    started_at: datetime,
    until: datetime,
) -> list[Gap]:
    """Stretches longer than the threshold with no heartbeat between ``started_at`` and ``until``
    (the submission, or now), in order. The start and ``until`` bound the first and last gap:
    a page that never beat at all is one gap from start to ``until``.

    Beats outside [started_at, until] are ignored (a late request from a closed tab proves
    nothing about the attempt). A gap is reported only when strictly longer than the threshold.
    """
    _aware(started_at, until, *beats)
    if threshold_seconds <= 0:
        raise ValueError(f"threshold_seconds must be positive, got {threshold_seconds}")
    if until < started_at:
        raise ValueError("until is before started_at")
    inside = sorted(b for b in beats if started_at <= b <= until)
    points = [started_at, *inside, until]
    threshold = timedelta(seconds=threshold_seconds)
    return [
        Gap(start, end, (end - start) // _SECOND)
        for start, end in pairwise(points)
        if end - start > threshold
    ]
