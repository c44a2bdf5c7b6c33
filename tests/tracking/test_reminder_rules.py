"""The pure reminder rule with literal dates: 90, 30 and 7 days before, on the day, weekly
while overdue with one escalation, and the stable keys that make each go out once."""

from __future__ import annotations

from datetime import date

import pytest

from exam_app.tracking.reminder_rules import Kind, Reminder, due_reminders
from exam_app.tracking.rules import NOT_REQUIRED, Cause, State, Status

DUE = date(2026, 9, 1)  # the last day to comply
SOON = Status(State.DUE_SOON, due=DUE, cause=Cause.RENEWAL)
LATE = Status(State.OVERDUE, since=date(2026, 9, 2), cause=Cause.EXPIRED)


def kinds(on: date, status: Status = SOON, **kw: object) -> list[tuple[Kind, int]]:
    return [(r.kind, r.step) for r in due_reminders(status, on, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 5, 3), []),  # 121 days left
        (date(2026, 6, 2), []),  # 91 days left
        (date(2026, 6, 3), [(Kind.BEFORE, 90)]),  # 90 days left
        (date(2026, 7, 1), [(Kind.BEFORE, 90)]),  # 62: still the 90-day one (same key)
        (date(2026, 8, 1), [(Kind.BEFORE, 90)]),  # 31
        (date(2026, 8, 2), [(Kind.BEFORE, 30)]),  # 30 days left
        (date(2026, 8, 24), [(Kind.BEFORE, 30)]),  # 8
        (date(2026, 8, 25), [(Kind.BEFORE, 7)]),  # 7 days left
        (date(2026, 8, 31), [(Kind.BEFORE, 7)]),  # 1
        (date(2026, 9, 1), [(Kind.DUE_DAY, 0)]),  # on the day
    ],
)
def test_before_the_deadline_and_on_the_day(on: date, expected: list[tuple[Kind, int]]) -> None:
    assert kinds(on) == expected


def test_weekly_while_overdue_with_one_escalation() -> None:
    week = {
        date(2026, 9, 2): 1,
        date(2026, 9, 8): 1,
        date(2026, 9, 9): 2,
        date(2026, 9, 15): 2,
        date(2026, 9, 16): 3,
        date(2026, 12, 1): 13,  # 90 days late: (90 // 7) + 1
    }
    for on, n in week.items():
        assert kinds(on, LATE) == [(Kind.OVERDUE, n), (Kind.ESCALATION, 1)], on
    first = due_reminders(LATE, date(2026, 9, 2))
    assert first[0].deadline == DUE and first[0].overdue_since == date(2026, 9, 2)


def test_keys_are_stable_and_name_person_requirement_kind_deadline_and_step() -> None:
    a = due_reminders(SOON, date(2026, 8, 2))[0]
    b = due_reminders(SOON, date(2026, 8, 20))[0]
    assert a.key(12, 3) == b.key(12, 3) == "12:3:before:2026-09-01:30"
    assert due_reminders(SOON, DUE)[0].key(12, 3) == "12:3:due_day:2026-09-01:0"
    overdue, escalation = due_reminders(LATE, date(2026, 9, 10))
    assert overdue.key(12, 3) == "12:3:overdue:2026-09-01:2"
    assert escalation.key(12, 3) == "12:3:escalation:2026-09-01:1"
    assert escalation.key(12, 3) == due_reminders(LATE, date(2026, 10, 30))[1].key(12, 3)
    # an extension moves the deadline: new keys, so the reminders start over for the new date
    extended = Status(State.DUE_SOON, due=date(2026, 10, 31), extended=True)
    assert due_reminders(extended, date(2026, 10, 1))[0].key(12, 3) == ("12:3:before:2026-10-31:30")
    assert a.key(12, 4) != a.key(12, 3) != a.key(13, 3)


def test_offsets_are_configurable() -> None:
    assert kinds(date(2026, 8, 17), offsets=(60, 14, 3, 1)) == [(Kind.BEFORE, 60)]  # 15 left
    assert kinds(date(2026, 8, 18), offsets=(60, 14, 3, 1)) == [(Kind.BEFORE, 14)]
    assert kinds(date(2026, 8, 31), offsets=(60, 14, 3, 1)) == [(Kind.BEFORE, 1)]
    assert kinds(date(2026, 6, 3), offsets=(30,)) == []
    assert kinds(DUE, offsets=()) == [(Kind.DUE_DAY, 0)]


@pytest.mark.parametrize(
    "status",
    [
        Status(State.COMPLIANT, until=date(2029, 5, 31)),
        Status(State.COMPLIANT),
        Status(State.EXEMPT, until=date(2026, 12, 31)),
        NOT_REQUIRED,
    ],
)
def test_nothing_for_the_compliant_the_exempt_and_those_not_required(status: Status) -> None:
    assert due_reminders(status, date(2026, 9, 1)) == []


def test_a_reminder_value() -> None:
    assert due_reminders(SOON, date(2026, 8, 26)) == [Reminder(Kind.BEFORE, DUE, 7, days_left=6)]
