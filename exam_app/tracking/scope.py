"""Whose compliance and performance a viewer may see. HR and administrators: everyone.
A supervisor (客服主管/班组长): the people of their own unit's subtree, counted by the unit a
person works in (their open unit spell, else ``User.org_unit_id``); a supervisor without a unit
sees no one. Trainers: everyone's performance (they train everyone), not the board. Anyone:
themself. Reads only."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, Role, User
from exam_app.tracking.models import UnitSpell

#: roles that see every person
EVERYONE = (Role.HR, Role.ADMIN)


def subtree(session: Session, unit_id: int) -> frozenset[int]:
    """``unit_id`` and every unit below it, as the tree stands now."""
    children: dict[int | None, list[int]] = {}
    for uid, parent in session.execute(select(OrgUnit.id, OrgUnit.parent_id)):
        children.setdefault(parent, []).append(uid)
    found: set[int] = set()
    stack = [unit_id]
    while stack:
        unit = stack.pop()
        if unit not in found:
            found.add(unit)
            stack.extend(children.get(unit, ()))
    return frozenset(found)


def board_units(session: Session, viewer: User) -> frozenset[int] | None:
    """The units whose people ``viewer`` sees on the board (None: all of them)."""
    if viewer.has_role(*EVERYONE):
        return None
    if viewer.has_role(Role.SUPERVISOR) and viewer.org_unit_id is not None:
        return subtree(session, viewer.org_unit_id)
    return frozenset()


def current_unit(session: Session, user_id: int) -> int | None:
    """Where the person works now: the open unit spell, else their account's unit."""
    spell = session.scalar(
        select(UnitSpell.unit_id)
        .where(UnitSpell.user_id == user_id, UnitSpell.ends_on.is_(None))
        .order_by(UnitSpell.starts_on.desc())
        .limit(1)
    )
    if spell is not None:
        return spell
    return session.scalar(select(User.org_unit_id).where(User.id == user_id))


def may_view_person(session: Session, viewer: User, user_id: int) -> bool:
    """Whether ``viewer`` may open the person's performance and requirements."""
    if viewer.id == user_id or viewer.has_role(*EVERYONE, Role.TRAINER):
        return True
    units = board_units(session, viewer)
    if units is None:
        return True
    unit = current_unit(session, user_id)
    return unit is not None and unit in units
