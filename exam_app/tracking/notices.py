"""In-app notices (a list with an unread count) and what reminders were sent to whom, when.
Services: they take the session (and ``now`` where they write), flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from exam_app.tracking.models import Notice, SentReminder


def notify(
    session: Session,
    user_id: int,
    title: str,
    body: str,
    now: datetime,
    reminder_id: int | None = None,
) -> Notice:
    notice = Notice(
        user_id=user_id, title=title, body=body, created_at=now, reminder_id=reminder_id
    )
    session.add(notice)
    session.flush()
    return notice


@dataclass(frozen=True)
class NewNotice:
    user_id: int
    title: str
    body: str
    reminder_id: int | None = None


def notify_all(session: Session, new: Sequence[NewNotice], now: datetime) -> int:
    """Many notices in one executemany (the reminder job's); returns how many."""
    if new:
        session.execute(
            insert(Notice),
            [
                {
                    "user_id": n.user_id,
                    "title": n.title,
                    "body": n.body,
                    "created_at": now,
                    "reminder_id": n.reminder_id,
                }
                for n in new
            ],
        )
    return len(new)


def unread_count(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notice)
            .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        )
        or 0
    )


def notices_for(session: Session, user_id: int, limit: int = 50) -> Sequence[Notice]:
    """The user's newest notices first."""
    return session.scalars(
        select(Notice)
        .where(Notice.user_id == user_id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(limit)
    ).all()


def mark_read(
    session: Session, user_id: int, now: datetime, notice_ids: Iterable[int] | None = None
) -> int:
    """Mark the user's unread notices (all, or those of ``notice_ids``) read; how many."""
    stmt = update(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    if notice_ids is not None:
        stmt = stmt.where(Notice.id.in_(list(notice_ids)))
    result = session.execute(stmt.values(read_at=now).execution_options(synchronize_session=False))
    session.expire_all()
    return int(getattr(result, "rowcount", 0) or 0)


def reminders_about(session: Session, user_id: int) -> Sequence[SentReminder]:
    """The reminders sent about a person (to them or, escalated, about them), newest first:
    what a person's page shows as sent when."""
    return session.scalars(
        select(SentReminder)
        .where(SentReminder.user_id == user_id)
        .order_by(SentReminder.sent_at.desc(), SentReminder.id.desc())
    ).all()
