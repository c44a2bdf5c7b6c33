"""What tracking does when accounts announces a person's record (``accounts.events``): the
roster import and the admin's user page never import tracking, they send ``person_changed``.

- a row with a 入职日期 for someone not tracked starts tracking them (hire date, position, unit);
- for someone tracked, a unit or position other than the open spell's becomes a dated move
  (``history.move_to_unit`` / ``change_position``) on the row's 变动日期 (the admin's page:
  today in Beijing); the earlier spells are never rewritten;
- anything else (no hire date and not tracked, nothing different) does nothing.

A refusal of the history services (a date not after the open spell's start, no position for a
hire) is raised as the ``DomainError`` it is: the sender rolls its whole change back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.events import PersonChanged, person_changed
from exam_app.tracking import history
from exam_app.tracking.models import PositionSpell, TrackedPerson, UnitSpell


def follow_person(session: Session, person: PersonChanged) -> None:
    """Start tracking, or date a move, as ``person`` says (see the module's docstring)."""
    if session.get(TrackedPerson, person.user_id) is None:
        if person.hired_on is not None:
            if person.unit_id is None:
                return
            history.hire(
                session,
                person.user_id,
                person.hired_on,
                person.position,
                person.unit_id,
                person.by,
                person.now,
            )
        return
    unit = _open(session, UnitSpell.unit_id, UnitSpell, person.user_id)
    if person.unit_id is not None and unit is not None and unit != person.unit_id:
        history.move_to_unit(
            session, person.user_id, person.unit_id, person.effective_on, person.by, person.now
        )
    position = _open(session, PositionSpell.position, PositionSpell, person.user_id)
    wanted = person.position.strip()
    if wanted and position is not None and position != wanted:
        history.change_position(
            session, person.user_id, wanted, person.effective_on, person.by, person.now
        )


def _open(
    session: Session, column: Any, kind: type[UnitSpell | PositionSpell], user_id: int
) -> Any:
    return session.scalar(
        select(column)
        .where(kind.user_id == user_id, kind.ends_on.is_(None))
        .order_by(kind.starts_on.desc())
        .limit(1)
    )


def _on_person_changed(sender: Session, person: PersonChanged, **_extra: Any) -> None:
    follow_person(sender, person)


person_changed.connect(_on_person_changed, weak=False)
