"""What the person's requirements ask them to certify in, for the exams page
(``exams.priorities``): each requirement due soon or overdue today, with its level and date."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from exam_app.exams.priorities import Need, asked_by
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking.board import person_statuses
from exam_app.tracking.rules import State


@asked_by
def requirement_needs(session: Session, user_id: int, now: datetime) -> list[Need]:
    today = now.astimezone(DISPLAY_TZ).date()
    needs = []
    for row in person_statuses(session, user_id, today):
        s, r = row.status, row.requirement
        if not row.level or s.state not in (State.DUE_SOON, State.OVERDUE):
            continue
        if s.state == State.OVERDUE and s.since is not None:
            reason = _(
                "培训要求「%(r)s」：自 %(d)s 起逾期", r=row.requirement, d=s.since.isoformat()
            )
        elif s.due is not None:
            reason = _("培训要求「%(r)s」：须在 %(d)s 前", r=r, d=s.due.isoformat())
        else:
            reason = _("培训要求「%(r)s」", r=r)
        needs.append(Need(row.level, reason, s.due or s.since, s.state == State.OVERDUE))
    return needs
