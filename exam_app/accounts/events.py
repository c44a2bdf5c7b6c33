"""Signals accounts sends when a person's record changes, for the domains above it.

Tracking keeps people's dated history (hire, unit and position spells) and subscribes here;
accounts never imports it. Each signal is sent inside the transaction that made the change,
with the request's ``Session`` as sender, so what a subscriber writes commits or rolls back
with it, and a subscriber that refuses (``DomainError``) refuses the whole change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from blinker import Namespace


@dataclass(frozen=True)
class PersonChanged:
    """A person as a roster row or the admin's user page states them: plain values."""

    user_id: int | None  #: None only when checking a row whose account does not exist yet
    hired_on: date | None  #: the roster's 入职日期 (None: not given)
    position: str  #: "" when not given
    unit_id: int | None
    effective_on: date  #: the day a change of unit or position takes effect (变动日期)
    by: int | None
    now: datetime
    source: str = "roster"  #: "roster" or "admin"


_signals = Namespace()
#: ``person_changed.send(session, person=PersonChanged(...))``: once per applied roster row
#: (changed or not: a hire date may start tracking), and when the admin's user page changes a
#: user's unit or position (dated today in Beijing). Receivers take
#: ``(session: Session, person: PersonChanged)`` and may raise ``DomainError``.
person_changed = _signals.signal("person-changed")


#: ``person_checked.send(session, person=PersonChanged(...))``: the roster's dry run asks
#: whether the domains above would take a row; each receiver returns a list of
#: ``(column, message)`` problems (the column as the roster names it: 变动日期, 岗位 …).
person_checked = _signals.signal("person-checked")


def announce(session: object, person: PersonChanged) -> None:
    person_changed.send(session, person=person)


def problems(session: object, person: PersonChanged) -> list[tuple[str, str]]:
    """What the subscribers would refuse about ``person`` (nothing is changed)."""
    found: list[tuple[str, str]] = []
    for _receiver, answer in person_checked.send(session, person=person):
        found.extend(answer or ())
    return found
