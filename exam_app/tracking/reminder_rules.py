"""Pure rule of reminders: which reminders a status calls for on a date. Plain values in,
``Reminder`` values out; no Flask, no database, no clock.

Given a person's ``rules.Status`` under one requirement as of ``on``:

- **due soon** with due date ``D`` (the last day to comply), ``left = D - on`` days:

  * ``0 < left <= max(offsets)``: one ``before`` reminder for the smallest offset that is not
    below ``left`` (offsets 90, 30, 7: at 90..31 days left the 90-day one, at 30..8 the 30-day
    one, at 7..1 the 7-day one). A run that was missed on the exact day catches up on the next,
    and someone who comes due with 20 days left gets only the 30-day reminder, not the 90-day
    one too;
  * ``left == 0``: the ``due_day`` reminder;
- **overdue** since ``S`` (the first day late; the deadline is ``S - 1``): an ``overdue``
  reminder for week ``w = (on - S) // 7 + 1`` (days ``S .. S+6`` are week 1, and so on), so
  one a week while it lasts; and one ``escalation`` (to the supervisor, or HR) per overdue
  episode (``step`` 1);
- anything else (compliant, exempt, not required): nothing.

Each reminder is named by a stable key: person, requirement, kind, the deadline date and the
offset (or the overdue week), e.g. ``12:3:before:2026-09-01:30``. The same status on another
day yields the same key until something new is owed, so a reminder recorded under its key is
sent once; a new deadline (an extension, a renewal) makes new keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from exam_app.tracking.rules import State, Status

ONE_DAY = timedelta(days=1)
#: days before a deadline at which the person is reminded
DEFAULT_OFFSETS: tuple[int, ...] = (90, 30, 7)


class Kind(StrEnum):
    BEFORE = "before"  #: ``step`` days before the deadline
    DUE_DAY = "due_day"  #: on the deadline itself
    OVERDUE = "overdue"  #: week ``step`` of being late, to the person
    ESCALATION = "escalation"  #: late: to the person's supervisor (or HR)


@dataclass(frozen=True)
class Reminder:
    kind: Kind
    deadline: date  #: the last day to comply
    step: int  #: before: the offset in days; due day: 0; overdue: the week; escalation: 1
    days_left: int = 0  #: before: days to the deadline as of the day computed
    overdue_since: date | None = None

    def key(self, person_id: int, requirement_id: int) -> str:
        """The stable name under which the reminder is recorded once."""
        return f"{person_id}:{requirement_id}:{self.kind}:{self.deadline.isoformat()}:{self.step}"


def due_reminders(
    status: Status, on: date, offsets: Sequence[int] = DEFAULT_OFFSETS
) -> list[Reminder]:
    """The reminders ``status`` calls for on ``on`` (see the module's docstring)."""
    if status.state == State.DUE_SOON and status.due is not None:
        left = (status.due - on).days
        if left == 0:
            return [Reminder(Kind.DUE_DAY, status.due, 0)]
        reached = [o for o in offsets if o > 0 and left <= o]
        if left > 0 and reached:
            return [Reminder(Kind.BEFORE, status.due, min(reached), days_left=left)]
        return []
    if status.state == State.OVERDUE and status.since is not None and on >= status.since:
        deadline = status.since - ONE_DAY
        week = (on - status.since).days // 7 + 1
        return [
            Reminder(Kind.OVERDUE, deadline, week, overdue_since=status.since),
            Reminder(Kind.ESCALATION, deadline, 1, overdue_since=status.since),
        ]
    return []
