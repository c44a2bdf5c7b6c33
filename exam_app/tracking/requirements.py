"""Requirements HR defines, their dated versions, and exemptions and extensions for a person.
Services: they take the session, the acting user's id and ``now``, flush, never commit, and
raise ``DomainError``. Nothing is edited in place: an edit of a rule is a new version with the
date it takes effect, so every earlier date keeps its answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, User
from exam_app.bank.models import Level
from exam_app.core import audit
from exam_app.errors import DomainError
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking.models import (
    Exemption,
    Extension,
    Requirement,
    RequirementVersion,
    TrackedPerson,
)
from exam_app.tracking.rules import GraceFrom


@dataclass(frozen=True)
class VersionSpec:
    """What a version asks (``rules.RequirementVersion``, with units as chosen, not expanded)."""

    effective_from: date
    level: str
    positions: tuple[str, ...] | None = None  #: None: every position
    unit_ids: tuple[int, ...] | None = None  #: each with its subtree; None: every unit
    certificate: bool = True
    grace_days: int = 90
    grace_from: GraceFrom = GraceFrom.HIRE
    renewal_window_days: int = 90
    return_after_absence_days: int | None = None
    retired: bool = False


def create_requirement(
    session: Session, name: str, first: VersionSpec, by: int | None, now: datetime
) -> Requirement:
    """A new requirement with its first version.

    :raises DomainError: for an empty or taken name, or a version ``add_version`` refuses
    """
    name = name.strip()
    if not name:
        raise DomainError(_("请填写要求名称。"), field="name")
    taken = session.scalar(
        select(func.count()).select_from(Requirement).where(Requirement.name == name)
    )
    if taken:
        raise DomainError(_("已有同名的培训要求。"), field="name")
    requirement = Requirement(name=name, created_at=now, created_by_id=by)
    session.add(requirement)
    session.flush()
    add_version(session, requirement.id, first, by, now)
    audit.record(session, by, "tracking.requirement", f"requirement:{requirement.id}", name=name)
    return requirement


def add_version(
    session: Session, requirement_id: int, spec: VersionSpec, by: int | None, now: datetime
) -> RequirementVersion:
    """The requirement as it stands from ``spec.effective_from`` on. The first version may
    record a rule that stood before; an edit takes effect today (Beijing) or later, so what
    the board said for a past day stays what it says.

    :raises DomainError: for a missing requirement, an edit dated in the past, an unknown
        level or unit, negative days
    """
    if session.get(Requirement, requirement_id) is None:
        raise DomainError(_("没有这项培训要求。"))
    is_edit = session.scalar(
        select(func.count())
        .select_from(RequirementVersion)
        .where(RequirementVersion.requirement_id == requirement_id)
    )
    if is_edit and spec.effective_from < now.astimezone(DISPLAY_TZ).date():
        raise DomainError(
            _("修改的生效日期不能早于今天：已经过去的日子，达标结论不能改变。"),
            field="effective_from",
        )
    if spec.level not in {v.value for v in Level}:
        raise DomainError(_("请选择等级。"), field="level")
    if spec.grace_days < 0 or spec.renewal_window_days < 0:
        raise DomainError(_("天数不能为负数。"), field="grace_days")
    if spec.return_after_absence_days is not None and spec.return_after_absence_days <= 0:
        raise DomainError(_("缺勤天数须大于 0。"), field="return_after_absence_days")
    unit_ids = None if spec.unit_ids is None else sorted(set(spec.unit_ids))
    if unit_ids is not None:
        found = set(session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(unit_ids))))
        if found != set(unit_ids) or not unit_ids:
            raise DomainError(_("没有这个单位。"), field="unit_ids")
    positions = None
    if spec.positions is not None:
        positions = sorted({p.strip() for p in spec.positions if p.strip()}) or None
    version = RequirementVersion(
        requirement_id=requirement_id,
        effective_from=spec.effective_from,
        level=spec.level,
        positions=positions,
        unit_ids=unit_ids,
        certificate=spec.certificate,
        grace_days=spec.grace_days,
        grace_from=spec.grace_from,
        renewal_window_days=spec.renewal_window_days,
        return_after_absence_days=spec.return_after_absence_days,
        retired=spec.retired,
        created_at=now,
        created_by_id=by,
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        by,
        "tracking.requirement_version",
        f"requirement:{requirement_id}",
        effective_from=spec.effective_from.isoformat(),
    )
    return version


def _person(session: Session, requirement_id: int, user_id: int) -> None:
    if session.get(Requirement, requirement_id) is None:
        raise DomainError(_("没有这项培训要求。"))
    if session.get(User, user_id) is None or session.get(TrackedPerson, user_id) is None:
        raise DomainError(_("尚未记录此人的入职信息。"))


def exempt(
    session: Session,
    requirement_id: int,
    user_id: int,
    starts_on: date,
    until: date,
    reason: str,
    by: int | None,
    now: datetime,
) -> Exemption:
    """Not required from ``starts_on`` to ``until``, and why (who and when are kept).

    :raises DomainError: for a missing requirement or person, no reason, ``until`` before start
    """
    _check_grant(session, requirement_id, user_id, reason)
    if until < starts_on:
        raise DomainError(_("结束日期不能早于开始日期。"), field="until")
    row = Exemption(starts_on=starts_on, until=until)
    return _record_grant(session, row, requirement_id, user_id, reason, by, now, "tracking.exempt")


def extend(
    session: Session,
    requirement_id: int,
    user_id: int,
    granted_on: date,
    due_on: date,
    reason: str,
    by: int | None,
    now: datetime,
) -> Extension:
    """From ``granted_on``, due dates before ``due_on`` move to it.

    :raises DomainError: for a missing requirement or person, no reason, a due date before
        the grant
    """
    _check_grant(session, requirement_id, user_id, reason)
    if due_on < granted_on:
        raise DomainError(_("新的截止日期不能早于批准日期。"), field="due_on")
    row = Extension(granted_on=granted_on, due_on=due_on)
    return _record_grant(session, row, requirement_id, user_id, reason, by, now, "tracking.extend")


def _check_grant(session: Session, requirement_id: int, user_id: int, reason: str) -> None:
    _person(session, requirement_id, user_id)
    if not reason.strip():
        raise DomainError(_("请填写原因。"), field="reason")


G = TypeVar("G", Exemption, Extension)


def _record_grant(
    session: Session,
    row: G,
    requirement_id: int,
    user_id: int,
    reason: str,
    by: int | None,
    now: datetime,
    action: str,
) -> G:
    """Store an exemption or extension with who granted it, when and why, in the audit log."""
    row.requirement_id, row.user_id, row.reason = requirement_id, user_id, reason.strip()
    row.granted_at, row.granted_by_id = now, by
    session.add(row)
    session.flush()
    audit.record(session, by, action, f"user:{user_id}", grant=row.id, reason=row.reason)
    return row


def positions_from(text: str) -> tuple[str, ...] | None:
    """Positions typed one per line or separated by commas (、，,); none: every position."""
    for sep in ("、", "，", ",", "\n"):
        text = text.replace(sep, "\n")
    found = tuple(p.strip() for p in text.split("\n") if p.strip())
    return found or None


def unit_ids_from(values: Iterable[int]) -> tuple[int, ...] | None:
    ids = tuple(sorted(set(values)))
    return ids or None
