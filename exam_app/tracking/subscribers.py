"""What tracking does when accounts announces a person's record (``accounts.events``): the
roster import and the admin's user page never import tracking, they send ``person_changed``.

- a row with a 入职日期 for someone not tracked starts tracking them (hire date, position, unit);
- for someone tracked, a unit or position other than the open spell's becomes a dated move
  (``history.move_to_unit`` / ``change_position``) on the row's 变动日期 (the admin's page:
  today in Beijing); the earlier spells are never rewritten;
- anything else (no hire date and not tracked, nothing different) does nothing.

A refusal of the history services (a date not after the open spell's start, no position for a
hire) is raised as the ``DomainError`` it is: the sender rolls its whole change back. The
roster's dry run asks first (``person_checked``): ``check_person`` names the same refusals as
``(column, message)`` problems, so the file is refused before anything is confirmed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.events import PersonChanged, person_changed, person_checked
from exam_app.tracking import history
from exam_app.tracking.models import PositionSpell, TrackedPerson, UnitSpell


def follow_person(session: Session, person: PersonChanged) -> None:
    """Start tracking, or date a move, as ``person`` says (see the module's docstring)."""
    if person.user_id is None:
        return
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
    unit = session.scalar(_open_stmt(UnitSpell, UnitSpell.unit_id, person.user_id))
    if person.unit_id is not None and unit is not None and unit != person.unit_id:
        history.move_to_unit(
            session, person.user_id, person.unit_id, person.effective_on, person.by, person.now
        )
    position = session.scalar(_open_stmt(PositionSpell, PositionSpell.position, person.user_id))
    wanted = person.position.strip()
    if wanted and position is not None and position != wanted:
        history.change_position(
            session, person.user_id, wanted, person.effective_on, person.by, person.now
        )


def check_person(session: Session, person: PersonChanged) -> list[tuple[str, str]]:
    """What ``follow_person`` would refuse, as (roster column, message); changes nothing."""
    uid = person.user_id
    if uid is None or session.get(TrackedPerson, uid) is None:
        if person.hired_on is not None and not person.position.strip():
            return [("岗位", _("填写了入职日期时须填写岗位。"))]
        return []
    on, wanted = person.effective_on, person.position.strip()
    unit = session.execute(_open_stmt(UnitSpell, UnitSpell.unit_id, uid)).first()
    position = session.execute(_open_stmt(PositionSpell, PositionSpell.position, uid)).first()
    changes = []
    if person.unit_id is not None and unit is not None and unit[0] != person.unit_id:
        changes.append(unit[1])
    if wanted and position is not None and position[0] != wanted:
        changes.append(position[1])
    late = [start for start in changes if on <= start]
    return [("变动日期", _later(on, max(late)))] if late else []


def _later(on: date, start: date) -> str:
    return _(
        "变动日期 %(on)s 须晚于当前记录的开始日期 %(start)s。",
        on=on.isoformat(),
        start=start.isoformat(),
    )


def _open_stmt(kind: type[UnitSpell | PositionSpell], column: Any, user_id: int) -> Any:
    return (
        select(column, kind.starts_on)
        .where(kind.user_id == user_id, kind.ends_on.is_(None))
        .order_by(kind.starts_on.desc())
        .limit(1)
    )


def _on_person_changed(sender: Session, person: PersonChanged, **_extra: Any) -> None:
    follow_person(sender, person)


def _on_person_checked(
    sender: Session, person: PersonChanged, **_extra: Any
) -> list[tuple[str, str]]:
    return check_person(sender, person)


person_changed.connect(_on_person_changed, weak=False)
person_checked.connect(_on_person_checked, weak=False)
