"""One person's performance: the score trend, mastery per category, weak areas, certificates
and requirements. Reads only; ``now`` is given. The computation is ``progress`` (pure) over
rows read here; nothing read carries a key or a response, only what each question earned.

Mastery counts the answers of practice and of certifications whose review shows scores by
category: a certification that shows only the total must not have its breakdown told here
(the same rule as ``exams.practice.weakest_categories``); it still counts in the trend.
A question's category is its item's (a classification, not part of the version's content),
as it stands now, as in grading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.bank.models import Category, Item
from exam_app.certificates.issuing import certificates_of, shown_status
from exam_app.certificates.models import Certificate
from exam_app.exams.models import (
    Answer,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Exam,
    ExamMode,
    ReviewPolicy,
)
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import board, progress


@dataclass(frozen=True)
class CategoryMastery:
    name: str  #: the category's path (业扩报装/高压)
    mastery: progress.Mastery


@dataclass
class Performance:
    user: User
    trend: list[progress.TrendPoint]
    chart: progress.TrendChart
    mastery: list[CategoryMastery]  #: by name
    bars: progress.BarChart
    weak: list[CategoryMastery]  #: weakest first
    certificates: list[tuple[Certificate, str]]  #: with the status shown today
    requirements: list[board.Row]


def attempt_rows(session: Session, user_id: int) -> list[progress.AttemptRow]:
    stmt = (
        select(
            Attempt.id,
            Attempt.status,
            Attempt.submitted_at,
            Exam.title,
            Exam.mode,
            Attempt.percent,
            Attempt.passed,
            Exam.pass_percent,
        )
        .join(Exam, Exam.id == Attempt.exam_id)
        .where(Attempt.user_id == user_id)
    )
    return [
        progress.AttemptRow(aid, str(status), at, title, str(mode), pct, passed, mark)
        for aid, status, at, title, mode, pct, passed, mark in session.execute(stmt)
    ]


def answer_rows(session: Session, user_id: int) -> list[progress.AnswerRow]:
    """Every question of the person's graded papers that mastery may count (see above)."""
    stmt = (
        select(Item.category_id, AttemptItem.points, AttemptItem.earned, Answer.response)
        .select_from(AttemptItem)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(Exam, Exam.id == Attempt.exam_id)
        .join(Item, Item.id == AttemptItem.item_id)
        .outerjoin(
            Answer,
            and_(
                Answer.attempt_id == AttemptItem.attempt_id,
                Answer.position == AttemptItem.position,
            ),
        )
        .where(
            Attempt.user_id == user_id,
            Attempt.status == AttemptStatus.SUBMITTED.value,
            or_(
                Exam.mode == ExamMode.PRACTICE.value,
                Exam.review_policy != ReviewPolicy.SCORE_ONLY.value,
            ),
        )
    )
    return [
        progress.AnswerRow(cid, points, earned, bool(response))
        for cid, points, earned, response in session.execute(stmt)
    ]


def category_names(session: Session) -> dict[int, str]:
    parent: dict[int, int | None] = {}
    name: dict[int, str] = {}
    for cid, cname, pid in session.execute(select(Category.id, Category.name, Category.parent_id)):
        name[cid], parent[cid] = cname, pid
    paths: dict[int, str] = {}
    for cid in name:
        parts: list[str] = []
        node: int | None = cid
        seen: set[int] = set()
        while node is not None and node not in seen:
            seen.add(node)
            parts.append(name[node])
            node = parent.get(node)
        paths[cid] = "/".join(reversed(parts))
    return paths


def performance(session: Session, user_id: int, now: datetime) -> Performance | None:
    """The person's performance as of ``now`` (None: no such person)."""
    user = session.get(User, user_id)
    if user is None:
        return None
    today = now.astimezone(DISPLAY_TZ).date()
    points = progress.trend(attempt_rows(session, user_id))
    found = progress.mastery(answer_rows(session, user_id))
    names = category_names(session)
    named = {m.category_id: CategoryMastery(names.get(m.category_id, ""), m) for m in found}
    by_name = sorted(named.values(), key=lambda c: (c.name, c.mastery.category_id))
    return Performance(
        user=user,
        trend=points,
        chart=progress.trend_chart(points),
        mastery=by_name,
        bars=progress.bars([(c.name, c.mastery) for c in by_name]),
        weak=[named[m.category_id] for m in progress.weak_areas(found)],
        certificates=[(c, shown_status(c, today)) for c in certificates_of(session, user_id)],
        requirements=board.person_statuses(session, user_id, today),
    )
