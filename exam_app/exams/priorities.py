"""Which certification levels a person is asked to hold, so the exams page offers those first.

The exams know nothing of requirements; a higher domain registers a ``Need`` source with
``asked_by`` (tracking: the levels of the person's requirements that are due soon or
overdue). The exams page asks ``needs_of`` and puts the matching certifications first, each
with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Need:
    level: str  #: bank Level code
    reason: str  #: shown beside the exam ("培训要求：…，须在 … 前")
    by: date | None = None  #: the deadline, if any (earlier needs come first)
    late: bool = False  #: already overdue


#: (session, user id, now) -> the levels the person is asked to certify in
Source = Callable[[Session, int, datetime], list[Need]]

_sources: list[Source] = []


def asked_by(source: Source) -> Source:
    """Register ``source`` (once; usable as a decorator)."""
    if source not in _sources:
        _sources.append(source)
    return source


def needs_of(session: Session, user_id: int, now: datetime) -> dict[str, Need]:
    """The most pressing need per level: overdue first, then the earliest deadline."""
    found: dict[str, Need] = {}
    for source in _sources:
        for need in source(session, user_id, now):
            known = found.get(need.level)
            if known is None or _urgency(need) < _urgency(known):
                found[need.level] = need
    return found


def _urgency(need: Need) -> tuple[bool, date]:
    return (not need.late, need.by or date.max)
