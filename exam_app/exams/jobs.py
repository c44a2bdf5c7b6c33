"""Exams' scheduled work (``core.jobs``): the overdue-attempt sweeper, every minute."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from exam_app.core import jobs
from exam_app.exams.attempts import close_overdue


def sweep_overdue(session: Session, now: datetime) -> str:
    return f"graded {close_overdue(session, now)} overdue attempt(s)"


SWEEP = jobs.register(jobs.Job("exams.sweep_overdue", timedelta(minutes=1), sweep_overdue))
