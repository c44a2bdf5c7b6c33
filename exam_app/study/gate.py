"""Whether a person may open the study pages now.

Study sits below the exams and knows nothing of them; a higher domain adds its reason to keep
the pages closed with ``closed_when`` (exams: while the person sits a certification, the
regulations and the items citing each clause are closed-book). The views ask ``ensure_open``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from exam_app.errors import DomainError

#: (session, user id, now) -> why the pages are closed to this person, or None
Check = Callable[[Session, int, datetime], str | None]

_checks: list[Check] = []


class StudyClosed(DomainError):
    pass


def closed_when(check: Check) -> Check:
    """Register ``check`` (once; usable as a decorator)."""
    if check not in _checks:
        _checks.append(check)
    return check


def ensure_open(session: Session, user_id: int, now: datetime) -> None:
    """:raises StudyClosed: with the first registered reason that applies"""
    for check in _checks:
        reason = check(session, user_id, now)
        if reason:
            raise StudyClosed(reason)
