"""Practice aimed at the weakest categories."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exam_app.accounts.models import Role, User
from exam_app.bank.categories import ensure_category
from exam_app.bank.models import Item
from exam_app.db import utcnow
from exam_app.errors import DomainError
from exam_app.exams import attempts, practice
from exam_app.exams.models import ExamMode
from tests.factories import answer_with_key


def test_weakest_categories_drive_a_personal_practice(db_session, make_exam, make_user) -> None:  # type: ignore[no-untyped-def]
    user_id = make_user(Role.OPERATOR).id
    other_id = make_user(Role.OPERATOR).id
    exam = make_exam(mode=ExamMode.PRACTICE, counts=(12, 6, 6))
    weak, _ = ensure_category(db_session, "电费电价")
    strong, _ = ensure_category(db_session, "业扩报装")
    for item in db_session.scalars(select(Item)):
        item.category = weak if item.current.type == "single" else strong
    db_session.commit()
    user = db_session.get(User, user_id)
    with pytest.raises(DomainError, match="还没有可分析的成绩"):
        practice.start_weakest_practice(db_session, user, "intermediate", utcnow())
    attempt = attempts.start_attempt(db_session, exam, user, utcnow())
    # right on everything but the single-choice items
    answer_with_key(db_session, attempt, wrong_rules={"r1"})
    attempts.submit_attempt(db_session, attempt, utcnow())
    assert practice.weakest_categories(db_session, user_id) == [weak.id]
    targeted = practice.start_weakest_practice(db_session, user, "intermediate", utcnow())
    assert len(targeted.items) == practice.PER_CATEGORY
    assert all(db_session.get(Item, i.item_id).category_id == weak.id for i in targeted.items)
    from exam_app.exams.definitions import is_assigned

    assert not is_assigned(db_session, targeted.exam, db_session.get(User, other_id))
