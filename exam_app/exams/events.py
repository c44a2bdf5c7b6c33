"""An attempt's event log (for HR and proctors), and the signal sent when an attempt is graded.

Other domains (certificates, tracking, statistics) subscribe to ``attempt_graded``; exams never
imports them. The signal is sent inside the grading transaction with the request's ``Session``
as sender, so a subscriber's writes commit or roll back together with the grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from blinker import Namespace
from sqlalchemy.orm import Session

from exam_app.exams.models import Attempt, AttemptEvent, AttemptEventKind


def log(
    session: Session,
    attempt: Attempt,
    kind: AttemptEventKind,
    now: datetime,
    actor_id: int | None = None,
    **detail: Any,
) -> None:
    session.add(
        AttemptEvent(attempt=attempt, kind=kind.value, at=now, actor_id=actor_id, detail=detail)
    )


class GradeCause(StrEnum):
    SUBMITTED = "submitted"  #: by the candidate
    AUTO_SUBMITTED = "auto_submitted"  #: at the deadline, by the next request or the sweeper
    REGRADED = "regraded"  #: an answer-key correction changed the score
    REGRADE_REVERTED = "regrade_reverted"  #: that correction was undone


@dataclass(frozen=True)
class AttemptGraded:
    """What a subscriber learns: plain values, no ORM objects."""

    attempt_id: int
    user_id: int
    exam_id: int
    passed: bool
    percent: float
    was_passed: bool | None  #: before this grading (None: first grading)
    at: datetime
    cause: GradeCause


_signals = Namespace()
#: ``attempt_graded.send(session, event=AttemptGraded(...))``; receivers take
#: ``(session: Session, event: AttemptGraded)``.
attempt_graded = _signals.signal("attempt-graded")


def announce_graded(
    session: Session,
    attempt: Attempt,
    now: datetime,
    cause: GradeCause,
    was_passed: bool | None = None,
) -> None:
    """Tell subscribers that ``attempt`` has a (new) grade; call after the grade is flushed."""
    attempt_graded.send(
        session,
        event=AttemptGraded(
            attempt_id=attempt.id,
            user_id=attempt.user_id,
            exam_id=attempt.exam_id,
            passed=bool(attempt.passed),
            percent=float(attempt.percent or 0.0),
            was_passed=was_passed,
            at=now,
            cause=cause,
        ),
    )
