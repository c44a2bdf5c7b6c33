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

    user_id: int
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


def announce(session: object, person: PersonChanged) -> None:
    person_changed.send(session, person=person)
