"""Practice aimed at an operator's weakest categories, judged by their own graded answers."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import User
from exam_app.bank.models import Category
from exam_app.errors import DomainError
from exam_app.exams import assembly
from exam_app.exams.attempts import start_attempt
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
    """Categories where the operator's graded answers earned the smallest share of the points."""
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for by_category in session.scalars(
        select(Attempt.by_category).where(
            Attempt.user_id == user_id, Attempt.status == AttemptStatus.SUBMITTED.value
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


def start_weakest_practice(
    session: Session, user: User, level: str | None, now: datetime
) -> Attempt:
    """A personal practice paper: up to five published items from each weakest category."""
    weakest = weakest_categories(session, user.id)
    if not weakest:
        raise DomainError(_("还没有可分析的成绩：先完成一次练习或考试。"))
    names = {
        c.id: c.name for c in session.scalars(select(Category).where(Category.id.in_(weakest)))
    }
    exam = Exam(
        title=_("薄弱分类练习：%(c)s", c="、".join(names.get(c, "") for c in weakest)),
        mode=ExamMode.PRACTICE,
        level=level,
        duration_minutes=30,
        review_policy=ReviewPolicy.FULL,
        status=ExamStatus.PUBLISHED,
        assignments=[ExamAssignment(user_id=user.id)],
    )
    pool = pool_for(session, exam)
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
    if not rules:
        raise DomainError(_("薄弱分类中暂时没有可练习的试题。"))
    exam.rules = rules
    session.add(exam)
    session.flush()
    return start_attempt(session, exam, user, now)
