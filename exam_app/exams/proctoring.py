"""What a proctor sees and does during an attempt: contact with the page, gaps in it, extra time."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app.errors import DomainError
from exam_app.exams import timing
from exam_app.exams.events import log
from exam_app.exams.models import Answer, Attempt, AttemptEventKind, AttemptStatus

#: The most extra time one grant may give.
MAX_EXTRA_SECONDS = 4 * 3600


def last_contact(session: Session, attempt: Attempt) -> datetime | None:
    """When the page last reached the server: its last heartbeat or its last saved answer."""
    saved = session.scalar(select(func.max(Answer.saved_at)).where(Answer.attempt_id == attempt.id))
    seen = [t for t in (attempt.last_seen_at, saved) if t is not None]
    return max(seen) if seen else None


def heartbeat(
    session: Session,
    attempt: Attempt,
    now: datetime,
    visible: bool | None,
    gap_threshold: int = timing.HEARTBEAT_GAP_SECONDS,
) -> None:
    """The page's pulse: a gap in contact longer than the threshold is logged for the proctor."""
    last = last_contact(session, attempt)
    if last is not None and last <= now:
        for gap in timing.heartbeat_gaps([], gap_threshold, last, now):
            log(
                session,
                attempt,
                AttemptEventKind.HEARTBEAT_GAP,
                now,
                None,
                since=gap.start.isoformat(),
                seconds=gap.seconds,
            )
    if visible is not None:
        kind = AttemptEventKind.VISIBLE if visible else AttemptEventKind.HIDDEN
        log(session, attempt, kind, now, attempt.user_id)
    attempt.last_seen_at = now
    session.flush()


def grant_extra_time(
    session: Session, attempt: Attempt, seconds: int, reason: str, actor_id: int, now: datetime
) -> None:
    """HR or a proctor gives time back (an outage, an accommodation); logged with the reason."""
    if not reason.strip():
        raise DomainError(_("请填写加时原因。"), field="reason")
    if not 0 < seconds <= MAX_EXTRA_SECONDS:
        raise DomainError(_("加时须在 1 秒到 4 小时之间。"), field="minutes")
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise DomainError(_("考试已结束，不能加时。"))
    attempt.extra_seconds += seconds
    attempt.deadline_at = attempt.deadline_at + timedelta(seconds=seconds)
    log(
        session,
        attempt,
        AttemptEventKind.EXTRA_TIME,
        now,
        actor_id,
        seconds=seconds,
        reason=reason.strip(),
    )
    session.flush()
