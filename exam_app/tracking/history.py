"""People's dated history: hiring, moves between units and positions, absences. Services:
they take the session, the acting user's id and ``now``, flush, never commit, and raise
``DomainError``. A move is dated: the open spell ends the day before and a new one starts,
so every earlier date keeps its answer.

The account follows the history: a hire, move or change of position dated on or before today
(Beijing, from ``now``) also sets ``User.org_unit_id`` / ``User.position``, so the account's
current unit and position are the ones the history gives for today. A change dated later
leaves the account as it is."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, User
from exam_app.core import audit
from exam_app.errors import DomainError
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking.models import Absence, PositionSpell, TrackedPerson, UnitSpell

ONE_DAY = timedelta(days=1)
S = TypeVar("S", UnitSpell, PositionSpell)


def hire(
    session: Session,
    user_id: int,
    hired_on: date,
    position: str,
    unit_id: int,
    by: int | None,
    now: datetime,
) -> TrackedPerson:
    """Start tracking a person: the hire date and the first position and unit, from it.

    :raises DomainError: for someone already tracked, a missing user or unit, no position
    """
    if session.get(User, user_id) is None:
        raise DomainError(_("用户不存在。"))
    if session.get(TrackedPerson, user_id) is not None:
        raise DomainError(_("已记录此人的入职日期。"))
    position = position.strip()
    if not position:
        raise DomainError(_("请填写岗位。"), field="position")
    if session.get(OrgUnit, unit_id) is None:
        raise DomainError(_("没有这个单位。"), field="unit_id")
    person = TrackedPerson(user_id=user_id, hired_on=hired_on, recorded_at=now, recorded_by_id=by)
    session.add(person)
    session.add(
        PositionSpell(
            user_id=user_id,
            position=position,
            starts_on=hired_on,
            recorded_at=now,
            recorded_by_id=by,
        )
    )
    session.add(
        UnitSpell(
            user_id=user_id,
            unit_id=unit_id,
            starts_on=hired_on,
            recorded_at=now,
            recorded_by_id=by,
        )
    )
    _follow(session, user_id, hired_on, now, unit_id=unit_id, position=position)
    session.flush()
    audit.record(session, by, "tracking.hire", f"user:{user_id}", hired_on=hired_on.isoformat())
    return person


def move_to_unit(
    session: Session, user_id: int, unit_id: int, on: date, by: int | None, now: datetime
) -> UnitSpell:
    """From ``on`` the person works in ``unit_id``; the open unit spell ends the day before.

    :raises DomainError: for someone not tracked, a missing unit, the unit they are in, or a
        date not after the open spell's start
    """
    if session.get(OrgUnit, unit_id) is None:
        raise DomainError(_("没有这个单位。"), field="unit_id")
    current = _open_spell(session, UnitSpell, user_id)
    if current.unit_id == unit_id:
        raise DomainError(_("此人已在该单位。"), field="unit_id")
    _close(current, on)
    spell = UnitSpell(
        user_id=user_id, unit_id=unit_id, starts_on=on, recorded_at=now, recorded_by_id=by
    )
    session.add(spell)
    _follow(session, user_id, on, now, unit_id=unit_id)
    session.flush()
    audit.record(
        session, by, "tracking.move", f"user:{user_id}", unit_id=unit_id, on=on.isoformat()
    )
    return spell


def change_position(
    session: Session, user_id: int, position: str, on: date, by: int | None, now: datetime
) -> PositionSpell:
    """From ``on`` the person holds ``position``; the open position spell ends the day before.

    :raises DomainError: as ``move_to_unit``
    """
    position = position.strip()
    if not position:
        raise DomainError(_("请填写岗位。"), field="position")
    current = _open_spell(session, PositionSpell, user_id)
    if current.position == position:
        raise DomainError(_("此人已在该岗位。"), field="position")
    _close(current, on)
    spell = PositionSpell(
        user_id=user_id, position=position, starts_on=on, recorded_at=now, recorded_by_id=by
    )
    session.add(spell)
    _follow(session, user_id, on, now, position=position)
    session.flush()
    audit.record(
        session,
        by,
        "tracking.position",
        f"user:{user_id}",
        position=position,
        on=on.isoformat(),
    )
    return spell


def record_absence(
    session: Session,
    user_id: int,
    starts_on: date,
    ends_on: date | None,
    reason: str,
    by: int | None,
    now: datetime,
) -> Absence:
    """An absence from ``starts_on`` to ``ends_on`` (the last day away; None: not back yet).

    :raises DomainError: for someone not tracked, an end before the start, an absence that
        overlaps another, or one still open
    """
    if session.get(TrackedPerson, user_id) is None:
        raise DomainError(_("尚未记录此人的入职信息。"))
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("结束日期不能早于开始日期。"), field="ends_on")
    for other in session.scalars(select(Absence).where(Absence.user_id == user_id)):
        if other.starts_on <= (ends_on or date.max) and starts_on <= (other.ends_on or date.max):
            raise DomainError(_("与已记录的缺勤时间重叠。"), field="starts_on")
    absence = Absence(
        user_id=user_id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        recorded_at=now,
        recorded_by_id=by,
    )
    session.add(absence)
    session.flush()
    audit.record(session, by, "tracking.absence", f"user:{user_id}", starts_on=str(starts_on))
    return absence


def end_absence(
    session: Session, absence_id: int, ends_on: date, by: int | None, now: datetime
) -> Absence:
    """The person is back: the open absence's last day away is ``ends_on``.

    :raises DomainError: for a missing or already ended absence, an end before its start
    """
    absence = session.get(Absence, absence_id)
    if absence is None or absence.ends_on is not None:
        raise DomainError(_("没有进行中的这项缺勤。"))
    if ends_on < absence.starts_on:
        raise DomainError(_("结束日期不能早于开始日期。"), field="ends_on")
    absence.ends_on = ends_on
    session.flush()
    audit.record(
        session, by, "tracking.absence_end", f"user:{absence.user_id}", ends_on=str(ends_on)
    )
    return absence


def _follow(
    session: Session,
    user_id: int,
    on: date,
    now: datetime,
    unit_id: int | None = None,
    position: str | None = None,
) -> None:
    """Keep the account's current unit and position in step with a change dated ``on``."""
    if on > now.astimezone(DISPLAY_TZ).date():
        return
    user = session.get(User, user_id)
    if user is None:
        return
    if unit_id is not None and user.org_unit_id != unit_id:
        user.org_unit = session.get(OrgUnit, unit_id)
    if position is not None and user.position != position:
        user.position = position


def _open_spell(session: Session, kind: type[S], user_id: int) -> S:
    spell = session.scalar(
        select(kind)
        .where(kind.user_id == user_id, kind.ends_on.is_(None))
        .order_by(kind.starts_on.desc())
    )
    if spell is None:
        raise DomainError(_("尚未记录此人的入职信息。"))
    return spell


def _close(spell: UnitSpell | PositionSpell, on: date) -> None:
    if on <= spell.starts_on:
        raise DomainError(_("变动日期须晚于当前记录的开始日期。"), field="on")
    spell.ends_on = on - ONE_DAY
