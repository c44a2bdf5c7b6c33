"""Practice aimed at an operator's weakest categories, judged by their own graded answers."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.bank.models import Category
from exam_app.errors import DomainError
from exam_app.exams import assembly
from exam_app.exams.attempts import (
    ensure_no_certification,
    in_progress,
    lock_person,
    start_attempt,
)
from exam_app.exams.definitions import pool_for
from exam_app.exams.models import (
    Attempt,
    AttemptStatus,
    Exam,
    ExamAssignment,
    ExamMode,
    ExamRule,
    ExamStatus,
    ReviewPolicy,
)

PER_CATEGORY = 5


def weakest_categories(session: Session, user_id: int, limit: int = 3) -> list[int]:
    """Categories where the operator's graded answers earned the smallest share of the points.

    Only attempts whose review shows scores by category count: a certification that shows
    only the total must not have its breakdown told through the choice of practice."""
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for by_category in session.scalars(
        select(Attempt.by_category)
        .join(Exam, Exam.id == Attempt.exam_id)
        .where(
            Attempt.user_id == user_id,
            Attempt.status == AttemptStatus.SUBMITTED.value,
            or_(
                Exam.mode == ExamMode.PRACTICE.value,
                Exam.review_policy != ReviewPolicy.SCORE_ONLY.value,
            ),
        )
    ):
        for key, (earned, possible) in (by_category or {}).items():
            if key != "none":
                totals[int(key)][0] += earned
                totals[int(key)][1] += possible
    ranked = sorted(
        (earned / possible, cid)
        for cid, (earned, possible) in totals.items()
        if possible > 0 and earned < possible
    )
    return [cid for _, cid in ranked[:limit]]


def _personal_exams(session: Session, user: User, level: str | None) -> list[Exam]:
    """The person's published weakest-area exams of ``level``: made for them alone, by them."""
    return list(
        session.scalars(
            select(Exam)
            .join(ExamAssignment, ExamAssignment.exam_id == Exam.id)
            .where(
                Exam.mode == ExamMode.PRACTICE.value,
                Exam.status == ExamStatus.PUBLISHED.value,
                Exam.created_by_id == user.id,
                ExamAssignment.user_id == user.id,
                Exam.level == level if level is not None else Exam.level.is_(None),
            )
            .order_by(Exam.id)
        )
    )


def _plan(session: Session, weakest: list[int], level: str | None) -> list[ExamRule]:
    """Up to PER_CATEGORY items from each weakest category that practice may draw from."""
    pool = pool_for(session, Exam(mode=ExamMode.PRACTICE, level=level))
    rules: list[ExamRule] = []
    for cid in weakest:
        available = len(
            assembly.candidates(
                assembly.Rule(key="x", count=1, category_ids=frozenset({cid})), pool
            )
        )
        if available:
            rules.append(
                ExamRule(
                    position=len(rules) + 1, count=min(PER_CATEGORY, available), category_id=cid
                )
            )
    return rules


def _same_rules(exam: Exam, rules: list[ExamRule]) -> bool:
    return [(r.category_id, r.count) for r in exam.rules] == [
        (r.category_id, r.count) for r in rules
    ]


def start_weakest_practice(
    session: Session,
    user: User,
    level: str | None,
    now: datetime,
    category_id: int | None = None,
) -> Attempt:
    """A personal practice paper: up to five published items from each weakest category, or
    from ``category_id`` alone when given (a weak area picked on the performance page; no
    graded answers needed).

    One personal exam per person and level: a practice attempt at it still running is
    resumed; otherwise the exam is reused while the weakest categories give the same rules.
    When they change, a new exam replaces it and the old one is closed, not edited: the
    papers drawn from it must stay rebuildable from their seeds. So asking again and again
    never piles up published exams.

    :raises DomainError: no graded answers yet, no such category, nothing to practise, or a
        certification runs
    """
    lock_person(session, user.id)  # two clicks: the second resumes the first's round
    ensure_no_certification(session, user.id, now)
    if category_id is not None:
        if session.get(Category, category_id) is None:
            raise DomainError(_("没有这个分类。"))
        weakest = [category_id]
    else:
        weakest = weakest_categories(session, user.id)
    if not weakest:
        raise DomainError(_("还没有可分析的成绩：先完成一次练习或考试。"))
    mine = _personal_exams(session, user, level)
    for exam in mine:
        running = in_progress(session, user.id, exam.id)
        if running:
            return running[0]
    rules = _plan(session, weakest, level)
    if not rules:
        raise DomainError(
            _("该分类中暂时没有可练习的试题。")
            if category_id is not None
            else _("薄弱分类中暂时没有可练习的试题。")
        )
    kept = next((e for e in mine if _same_rules(e, rules)), None)
    for exam in mine:
        if exam is not kept:
            exam.status = ExamStatus.CLOSED
    if kept is None:
        names = {
            c.id: c.name for c in session.scalars(select(Category).where(Category.id.in_(weakest)))
        }
        kept = Exam(
            title=_("薄弱分类练习：%(c)s", c="、".join(names.get(c, "") for c in weakest)),
            mode=ExamMode.PRACTICE,
            level=level,
            duration_minutes=30,
            review_policy=ReviewPolicy.FULL,
            status=ExamStatus.PUBLISHED,
            created_by_id=user.id,
            assignments=[ExamAssignment(user_id=user.id)],
            rules=rules,
        )
        session.add(kept)
    session.flush()
    return start_attempt(session, kept, user, now)
