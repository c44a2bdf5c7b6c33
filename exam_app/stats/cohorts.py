"""The groups HR compares: org units (a unit with its subtree) and cohorts HR defines (a
training class, a hiring batch, a hand-picked list, a saved filter). Create, change and delete
a cohort, add and remove members (from a file: ``member_files``), and who the members are on
a day (``members``). Services flush, never commit.

A saved filter's members are whoever matches on the day: the position (``User.position``), a
level (holds a certificate of that level valid on the day), a unit with its subtree (the unit on
the account, ``User.org_unit_id``) and a hire date range (tracking's ``TrackedPerson``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit, User
from exam_app.certificates.models import Certificate, CertificateStatus
from exam_app.core import audit
from exam_app.errors import DomainError, NotFound
from exam_app.stats.models import Cohort, CohortKind, CohortMember
from exam_app.tracking.models import TrackedPerson
from exam_app.tracking.scope import subtree

#: 工号 looked up per statement
LOOKUP_CHUNK = 900


@dataclass(frozen=True)
class Criteria:
    """A saved filter; an empty field matches everyone."""

    position: str = ""
    level: str = ""  #: holds a valid certificate of this level (bank ``Level`` code)
    unit_id: int | None = None  #: the unit and its subtree
    hired_from: date | None = None
    hired_to: date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "level": self.level,
            "unit_id": self.unit_id,
            "hired_from": self.hired_from.isoformat() if self.hired_from else None,
            "hired_to": self.hired_to.isoformat() if self.hired_to else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Criteria:
        def day(key: str) -> date | None:
            return date.fromisoformat(data[key]) if data.get(key) else None

        unit = data.get("unit_id")
        return cls(
            str(data.get("position") or ""),
            str(data.get("level") or ""),
            int(unit) if unit else None,
            day("hired_from"),
            day("hired_to"),
        )


@dataclass(frozen=True)
class CohortSpec:
    name: str
    kind: CohortKind
    description: str = ""
    starts_on: date | None = None
    criteria: Criteria = Criteria()


def _check(session: Session, spec: CohortSpec, cohort_id: int | None) -> str:
    name = spec.name.strip()
    if not name:
        raise DomainError(_("请填写名称。"), field="name")
    taken = session.scalar(select(Cohort.id).where(Cohort.name == name))
    if taken is not None and taken != cohort_id:
        raise DomainError(_("已有同名的群组：%(n)s", n=name), field="name")
    c = spec.criteria
    if c.hired_from and c.hired_to and c.hired_from > c.hired_to:
        raise DomainError(_("入职日期范围的起始日期晚于结束日期。"), field="hired_to")
    if c.unit_id is not None and session.get(OrgUnit, c.unit_id) is None:
        raise DomainError(_("单位不存在。"), field="unit_id")
    return name


def create_cohort(
    session: Session, spec: CohortSpec, actor_id: int | None, now: datetime
) -> Cohort:
    """A new cohort (a filter keeps its criteria; the others start without members).

    :raises DomainError: no name, a name taken, or criteria that cannot match
    """
    name = _check(session, spec, None)
    cohort = Cohort(
        name=name,
        kind=spec.kind,
        description=spec.description.strip(),
        starts_on=spec.starts_on,
        criteria=spec.criteria.as_json() if spec.kind is CohortKind.FILTER else {},
        created_by_id=actor_id,
        created_at=now,
    )
    session.add(cohort)
    session.flush()
    audit.record(session, actor_id, "stats.cohort.create", name, kind=spec.kind.value)
    return cohort


def get_cohort(session: Session, cohort_id: int) -> Cohort:
    """:raises NotFound: no such cohort"""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(_("群组不存在。"))
    return cohort


def update_cohort(
    session: Session, cohort_id: int, spec: CohortSpec, actor_id: int | None, now: datetime
) -> Cohort:
    """Rename a cohort, change its description, first day or (a filter's) criteria; its kind
    stays what it was."""
    cohort = get_cohort(session, cohort_id)
    name = _check(session, CohortSpec(spec.name, cohort.kind, criteria=spec.criteria), cohort_id)
    old = cohort.name
    cohort.name, cohort.description, cohort.starts_on = (
        name,
        spec.description.strip(),
        spec.starts_on,
    )
    if cohort.kind is CohortKind.FILTER:
        cohort.criteria = spec.criteria.as_json()
    session.flush()
    audit.record(session, actor_id, "stats.cohort.update", name, old_name=old)
    return cohort


def delete_cohort(session: Session, cohort_id: int, actor_id: int | None, now: datetime) -> str:
    """Delete a cohort and its member list (nobody's results change); returns its name."""
    cohort = get_cohort(session, cohort_id)
    name = cohort.name
    session.execute(delete(CohortMember).where(CohortMember.cohort_id == cohort_id))
    session.delete(cohort)
    session.flush()
    audit.record(session, actor_id, "stats.cohort.delete", name)
    return name


def ensure_listed(cohort: Cohort) -> None:
    if cohort.kind is CohortKind.FILTER:
        raise DomainError(_("按条件筛选的群组没有名单：成员按条件自动确定。"))


def user_ids_by_employee_no(session: Session, employee_nos: Iterable[str]) -> dict[str, int]:
    """Lower-cased 工号 → user id, for those that exist (工号 are unique regardless of case)."""
    wanted = sorted({e.strip().lower() for e in employee_nos if e.strip()})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        key = func.lower(User.employee_no)
        found.update((k, u) for k, u in session.execute(select(key, User.id).where(key.in_(chunk))))
    return found


def existing_members(session: Session, cohort_id: int) -> set[int]:
    query = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)
    return set(session.scalars(query))


def add_user_ids(
    session: Session, cohort: Cohort, user_ids: Iterable[int], actor_id: int | None, now: datetime
) -> int:
    new = sorted(set(user_ids) - existing_members(session, cohort.id))
    session.add_all(
        CohortMember(cohort_id=cohort.id, user_id=u, added_at=now, added_by_id=actor_id)
        for u in new
    )
    session.flush()
    return len(new)


_SPLIT = re.compile(r"[\s,，;；、]+")


def add_members(
    session: Session, cohort_id: int, text: str, actor_id: int | None, now: datetime
) -> int:
    """Add the people whose 工号 ``text`` lists (separated by spaces, commas or new lines);
    returns how many were new. Nobody is added if a 工号 is unknown.

    :raises DomainError: a filter cohort, no 工号, or unknown ones (named)
    """
    cohort = get_cohort(session, cohort_id)
    ensure_listed(cohort)
    numbers = [n for n in _SPLIT.split(text) if n]
    if not numbers:
        raise DomainError(_("请填写工号。"), field="employee_nos")
    found = user_ids_by_employee_no(session, numbers)
    unknown = [n for n in numbers if n.lower() not in found]
    if unknown:
        raise DomainError(_("未找到工号：%(n)s", n="、".join(unknown[:20])), field="employee_nos")
    added = add_user_ids(session, cohort, (found[n.lower()] for n in numbers), actor_id, now)
    audit.record(session, actor_id, "stats.cohort.add", cohort.name, added=added)
    return added


def remove_member(
    session: Session, cohort_id: int, user_id: int, actor_id: int | None, now: datetime
) -> None:
    cohort = get_cohort(session, cohort_id)
    ensure_listed(cohort)
    gone = session.execute(
        delete(CohortMember).where(
            CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id
        )
    )
    if not getattr(gone, "rowcount", 1):
        raise NotFound(_("此人不在名单中。"))
    audit.record(session, actor_id, "stats.cohort.remove", cohort.name, user_id=user_id)
    session.flush()


# --- who the members are ---------------------------------------------------------------------


def unit_members(session: Session, unit_id: int) -> frozenset[int]:
    """The people whose account is in the unit or below it."""
    units = sorted(subtree(session, unit_id))
    query = select(User.id).where(User.org_unit_id.in_(units))
    return frozenset(session.connection().execute(query).scalars())


def filter_members(session: Session, criteria: Criteria, on: date) -> frozenset[int]:
    """Whoever matches the saved filter on ``on``: one statement."""
    query = select(User.id)
    if criteria.position:
        query = query.where(User.position == criteria.position)
    if criteria.unit_id is not None:
        query = query.where(User.org_unit_id.in_(sorted(subtree(session, criteria.unit_id))))
    if criteria.hired_from or criteria.hired_to:
        query = query.join(TrackedPerson, TrackedPerson.user_id == User.id)
        if criteria.hired_from:
            query = query.where(TrackedPerson.hired_on >= criteria.hired_from)
        if criteria.hired_to:
            query = query.where(TrackedPerson.hired_on <= criteria.hired_to)
    if criteria.level:
        holds = select(Certificate.id).where(
            Certificate.user_id == User.id,
            Certificate.level == criteria.level,
            Certificate.status == CertificateStatus.VALID,
            Certificate.valid_from <= on,
            Certificate.expires_on >= on,
        )
        query = query.where(holds.exists())
    return frozenset(session.connection().execute(query).scalars())


def members(session: Session, cohort_or_unit: Cohort | OrgUnit, on: date) -> frozenset[int]:
    """The user ids of a unit (with its subtree) or a cohort, as they stand on ``on``."""
    if isinstance(cohort_or_unit, OrgUnit):
        return unit_members(session, cohort_or_unit.id)
    if cohort_or_unit.kind is CohortKind.FILTER:
        return filter_members(session, Criteria.from_json(cohort_or_unit.criteria or {}), on)
    return frozenset(existing_members(session, cohort_or_unit.id))


def member_rows(
    session: Session, user_ids: Sequence[int] | frozenset[int], limit: int
) -> list[tuple[int, str, str, int | None, str]]:
    """(id, 工号, name, unit id, position) of up to ``limit`` of the people, by 工号."""
    ids = sorted(user_ids)[:100_000]
    out: list[tuple[int, str, str, int | None, str]] = []
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        query = select(User.id, User.employee_no, User.name, User.org_unit_id, User.position)
        out.extend(session.execute(query.where(User.id.in_(chunk))))
    out.sort(key=lambda r: r[1])
    return out[:limit]
