"""Where an operator stands with an exam: attempts used and left, passed or not, and what a
start would give them now (questions, minutes, the window). Read by the exams list, the start
page and the result page; the rules themselves stay in ``attempts.check_may_start``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.errors import DomainError
from exam_app.exams import attempts, timing
from exam_app.exams.models import Attempt, AttemptStatus, Exam, ExamMode


@dataclass(frozen=True)
class Standing:
    used: int  #: attempts started (a running one counts: it took a chance)
    left: int | None  #: None: no limit
    passed_attempt_id: int | None  #: the first passing attempt, if any
    running_id: int | None  #: an attempt at this exam still in progress
    last_graded_id: int | None

    @property
    def passed(self) -> bool:
        return self.passed_attempt_id is not None


def standings(session: Session, user_id: int, exams: list[Exam]) -> dict[int, Standing]:
    """Each exam's standing for the person, from one query."""
    rows = session.execute(
        select(Attempt.exam_id, Attempt.id, Attempt.status, Attempt.passed)
        .where(Attempt.user_id == user_id, Attempt.exam_id.in_([e.id for e in exams]))
        .order_by(Attempt.id)
    ).all()
    out = {}
    for exam in exams:
        mine = [r for r in rows if r.exam_id == exam.id]
        graded = [r for r in mine if r.status == AttemptStatus.SUBMITTED]
        limited = exam.mode == ExamMode.CERTIFICATION and exam.max_attempts is not None
        left = max(0, (exam.max_attempts or 0) - len(mine)) if limited else None
        out[exam.id] = Standing(
            used=len(mine),
            left=left,
            passed_attempt_id=next((r.id for r in graded if r.passed), None),
            running_id=next((r.id for r in mine if r.status == AttemptStatus.IN_PROGRESS), None),
            last_graded_id=graded[-1].id if graded else None,
        )
    return out


def question_count(exam: Exam) -> int:
    return sum(len(r.item_ids) if r.item_ids else r.count for r in exam.rules)


@dataclass(frozen=True)
class StartFacts:
    """What the start page tells before the clock starts."""

    questions: int
    minutes: int  #: the time a paper started now gets (the window's close may cut it)
    cut_by_window: bool
    standing: Standing
    refused: str | None  #: why the person may not start now, if they may not


def start_facts(session: Session, exam: Exam, user: User, now: datetime) -> StartFacts:
    standing = standings(session, user.id, [exam])[exam.id]
    try:
        attempts.check_may_start(session, exam, user, now)
        refused = None
    except DomainError as exc:
        refused = exc.message
    closes = exam.closes_at if exam.mode == ExamMode.CERTIFICATION else None
    if timing.window_state(now, None, closes) != "open":
        closes = None  # refused anyway; the page still says how long a sitting is
    ends = timing.deadline(now, exam.duration_minutes, 0, closes)
    minutes = timing.remaining_seconds(now, ends) // 60
    return StartFacts(
        questions=question_count(exam),
        minutes=minutes,
        cut_by_window=minutes < exam.duration_minutes,
        standing=standing,
        refused=refused,
    )
