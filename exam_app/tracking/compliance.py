"""Compliance as of a date: the stored facts of a set of people loaded in a few statements per
thousand people and handed to ``rules.status``. Reads only; no clock (``on`` is given).

Dates come from the stored facts: a certificate's ``valid_from`` / ``expires_on``, its
revocation and supersession as the Beijing date of ``revoked_at`` / ``superseded_at``; a pass is
a passed certification attempt at the exam's level, dated by the Beijing date of its
submission. A person without a hire date (``TrackedPerson``) is not required anything.

What is not yet dated: a regrade changes ``Attempt.passed`` in place, and restoring a
revoked certificate clears ``revoked_at``; the org tree is read as it is now when a
requirement's units are expanded to their subtrees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import OrgUnit
from exam_app.certificates.models import Certificate
from exam_app.exams.models import Attempt, Exam, ExamMode
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import rules
from exam_app.tracking.models import (
    Absence,
    Exemption,
    Extension,
    PositionSpell,
    RequirementVersion,
    TrackedPerson,
    UnitSpell,
)

#: people per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits
CHUNK = 1000


@dataclass
class Facts:
    """One person's dated facts, as ``rules.status`` takes them."""

    history: rules.History
    certificates: list[rules.Certificate] = field(default_factory=list)
    passes: list[rules.Pass] = field(default_factory=list)


def local_date(moment: datetime | None) -> date | None:
    return None if moment is None else moment.astimezone(DISPLAY_TZ).date()


def requirement_versions(session: Session, requirement_id: int) -> list[rules.RequirementVersion]:
    """The requirement's versions in order, each unit with its whole subtree."""
    rows = session.scalars(
        select(RequirementVersion)
        .where(RequirementVersion.requirement_id == requirement_id)
        .order_by(RequirementVersion.effective_from, RequirementVersion.id)
    ).all()
    children: dict[int | None, list[int]] = defaultdict(list)
    if any(row.unit_ids is not None for row in rows):
        for unit_id, parent_id in session.execute(select(OrgUnit.id, OrgUnit.parent_id)):
            children[parent_id].append(unit_id)
    return [
        rules.RequirementVersion(
            effective_from=row.effective_from,
            level=row.level,
            positions=None if row.positions is None else frozenset(row.positions),
            units=None if row.unit_ids is None else frozenset(_subtrees(row.unit_ids, children)),
            certificate=row.certificate,
            grace_days=row.grace_days,
            grace_from=row.grace_from,
            renewal_window_days=row.renewal_window_days,
            return_after_absence_days=row.return_after_absence_days,
            retired=row.retired,
        )
        for row in rows
    ]


def _subtrees(roots: Iterable[int], children: dict[int | None, list[int]]) -> set[int]:
    found: set[int] = set()
    stack = list(roots)
    while stack:
        unit = stack.pop()
        if unit not in found:
            found.add(unit)
            stack.extend(children.get(unit, ()))
    return found


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def people_facts(session: Session, user_ids: Iterable[int]) -> dict[int, Facts]:
    """The tracked people among ``user_ids`` with their history, certificates and passes."""
    ids = sorted(set(user_ids))
    facts: dict[int, Facts] = {}
    for chunk in _chunks(ids):
        hired: dict[int, date] = {
            user_id: hired_on
            for user_id, hired_on in session.execute(
                select(TrackedPerson.user_id, TrackedPerson.hired_on).where(
                    TrackedPerson.user_id.in_(chunk)
                )
            )
        }
        tracked = list(hired)
        if not tracked:  # nobody here is tracked: no history to read (a trainer's own pages)
            continue
        positions: dict[int, list[rules.Spell[str]]] = defaultdict(list)
        for user_id, starts, ends, position in session.execute(
            select(
                PositionSpell.user_id,
                PositionSpell.starts_on,
                PositionSpell.ends_on,
                PositionSpell.position,
            ).where(PositionSpell.user_id.in_(tracked))
        ):
            positions[user_id].append(rules.Spell(starts, ends, position))
        units: dict[int, list[rules.Spell[int]]] = defaultdict(list)
        for user_id, starts, ends, unit_id in session.execute(
            select(
                UnitSpell.user_id, UnitSpell.starts_on, UnitSpell.ends_on, UnitSpell.unit_id
            ).where(UnitSpell.user_id.in_(tracked))
        ):
            units[user_id].append(rules.Spell(starts, ends, unit_id))
        absences: dict[int, list[rules.Absence]] = defaultdict(list)
        for user_id, starts, ends, reason in session.execute(
            select(Absence.user_id, Absence.starts_on, Absence.ends_on, Absence.reason).where(
                Absence.user_id.in_(tracked)
            )
        ):
            absences[user_id].append(rules.Absence(starts, ends, reason))
        for user_id, hired_on in hired.items():
            facts[user_id] = Facts(
                rules.History(
                    hired_on,
                    tuple(positions[user_id]),
                    tuple(units[user_id]),
                    tuple(absences[user_id]),
                )
            )
        for user_id, level, valid_from, expires_on, revoked_at, superseded_at in session.execute(
            select(
                Certificate.user_id,
                Certificate.level,
                Certificate.valid_from,
                Certificate.expires_on,
                Certificate.revoked_at,
                Certificate.superseded_at,
            ).where(Certificate.user_id.in_(tracked))
        ):
            facts[user_id].certificates.append(
                rules.Certificate(
                    level, valid_from, expires_on, local_date(revoked_at), local_date(superseded_at)
                )
            )
        for user_id, exam_level, submitted_at in session.execute(
            select(Attempt.user_id, Exam.level, Attempt.submitted_at)
            .join(Exam, Exam.id == Attempt.exam_id)
            .where(
                Attempt.user_id.in_(tracked),
                Attempt.passed.is_(True),
                Attempt.submitted_at.is_not(None),
                Exam.mode == ExamMode.CERTIFICATION,
                Exam.level.is_not(None),
            )
        ):
            day = local_date(submitted_at)
            if exam_level is not None and day is not None:
                facts[user_id].passes.append(rules.Pass(day, exam_level))
    return facts


def statuses(
    session: Session, requirement_id: int, user_ids: Iterable[int], on: date
) -> dict[int, rules.Status]:
    """Each of ``user_ids``'s status under the requirement as of ``on``."""
    ids = sorted(set(user_ids))
    return statuses_with_facts(session, requirement_id, people_facts(session, ids), ids, on)


def statuses_with_facts(
    session: Session,
    requirement_id: int,
    facts: dict[int, Facts],
    user_ids: Iterable[int],
    on: date,
) -> dict[int, rules.Status]:
    """As ``statuses``, with the people's facts already loaded (``people_facts``), so that
    several requirements are answered from one load (the board)."""
    ids = sorted(set(user_ids))
    versions = requirement_versions(session, requirement_id)
    exemptions, extensions = grants(session, requirement_id, [i for i in ids if i in facts])
    result: dict[int, rules.Status] = {}
    for user_id in ids:
        person = facts.get(user_id)
        if person is None:
            result[user_id] = rules.NOT_REQUIRED
            continue
        result[user_id] = rules.status(
            versions,
            person.history,
            person.certificates,
            exemptions[user_id],
            extensions[user_id],
            on,
            person.passes,
        )
    return result


def grants(
    session: Session, requirement_id: int, user_ids: Sequence[int]
) -> tuple[dict[int, list[rules.Exemption]], dict[int, list[rules.Extension]]]:
    """The exemptions and extensions under the requirement of each of ``user_ids``."""
    exemptions: dict[int, list[rules.Exemption]] = defaultdict(list)
    extensions: dict[int, list[rules.Extension]] = defaultdict(list)
    for chunk in _chunks(user_ids):
        for user_id, starts, until, reason in session.execute(
            select(Exemption.user_id, Exemption.starts_on, Exemption.until, Exemption.reason).where(
                Exemption.requirement_id == requirement_id, Exemption.user_id.in_(chunk)
            )
        ):
            exemptions[user_id].append(rules.Exemption(starts, until, reason))
        for user_id, granted, due, reason in session.execute(
            select(
                Extension.user_id, Extension.granted_on, Extension.due_on, Extension.reason
            ).where(Extension.requirement_id == requirement_id, Extension.user_id.in_(chunk))
        ):
            extensions[user_id].append(rules.Extension(granted, due, reason))
    return exemptions, extensions
