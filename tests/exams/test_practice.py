"""Practice aimed at the weakest categories."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from exam_app.accounts.models import Role, User
from exam_app.bank.categories import ensure_category
from exam_app.bank.models import Item
from exam_app.db import utcnow
from exam_app.errors import DomainError
from exam_app.exams import attempts, papers, practice
from exam_app.exams.models import Attempt, Exam, ExamMode, ExamStatus
from tests.factories import answer_with_key
from tests.web import client_for, csrf_token, submit_exam


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


def _published(db_session) -> list[Exam]:  # type: ignore[no-untyped-def]
    db_session.rollback()
    return list(db_session.scalars(select(Exam).where(Exam.status == ExamStatus.PUBLISHED.value)))


def test_asking_for_weakest_practice_again_reuses_the_personal_exam(
    app, db_session, make_exam, make_user
) -> None:  # type: ignore[no-untyped-def]
    user_id = make_user(Role.OPERATOR).id
    client = client_for(app, db_session.get(User, user_id))
    exam = make_exam(mode=ExamMode.PRACTICE, counts=(12, 6, 6))
    weak, _ = ensure_category(db_session, "电费电价")
    other, _ = ensure_category(db_session, "业扩报装")
    for item in db_session.scalars(select(Item)):
        item.category = weak if item.current.type == "single" else other
    db_session.commit()
    graded = attempts.start_attempt(db_session, exam, db_session.get(User, user_id), utcnow())
    answer_with_key(db_session, graded, wrong_rules={"r1"})
    attempts.submit_attempt(db_session, graded, utcnow())
    db_session.commit()
    before = len(_published(db_session))

    def ask() -> int:
        response = client.post(
            "/exams/practice/weakest",
            data={"csrf_token": csrf_token(client, "/exams/"), "level": "intermediate"},
        )
        return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))

    def attempt(attempt_id: int) -> Attempt:
        db_session.rollback()  # see what the requests wrote
        return db_session.get(Attempt, attempt_id)

    first = ask()
    assert ask() == first, "the round still running is resumed"
    assert len(_published(db_session)) == before + 1
    personal_id = attempt(first).exam_id
    submit_exam(client, first)
    second = ask()
    assert second != first and attempt(second).exam_id == personal_id
    assert len(_published(db_session)) == before + 1, "asking again makes no new exam"

    submit_exam(client, second)
    db_session.rollback()  # a fresh snapshot before this session writes (SQLite)
    graded = attempts.start_attempt(db_session, exam, db_session.get(User, user_id), utcnow())
    answer_with_key(db_session, graded, wrong_rules={"r2", "r3"})  # now the others are weak too
    attempts.submit_attempt(db_session, graded, utcnow())
    db_session.commit()
    replaced = attempt(ask()).exam
    assert replaced.id != personal_id
    assert {r.category_id for r in replaced.rules} == {weak.id, other.id}
    assert db_session.get(Exam, personal_id).status == ExamStatus.CLOSED, "the old one closes"
    assert len(_published(db_session)) == before + 1
    assert papers.audit_paper(db_session, attempt(first)).matches, "its papers still rebuild"


def test_practice_of_one_chosen_category(app, db_session, make_exam, make_user) -> None:  # type: ignore[no-untyped-def]
    """The performance page's weak-area button: a round of the category posted, even before
    any graded answer; a category with nothing practice may show, or none at all, is refused."""
    user_id = make_user(Role.OPERATOR).id
    make_exam(mode=ExamMode.PRACTICE, counts=(12, 6, 6))
    chosen, _ = ensure_category(db_session, "电费电价")
    other, _ = ensure_category(db_session, "业扩报装")
    empty, _ = ensure_category(db_session, "空分类")
    for item in db_session.scalars(select(Item)):
        item.category = chosen if item.current.type == "judge" else other
    db_session.commit()
    client = client_for(app, db_session.get(User, user_id))

    def ask(**data: object) -> str:
        data = {"csrf_token": csrf_token(client, "/exams/"), **data}
        response = client.post("/exams/practice/weakest", data=data)
        assert response.status_code == 302
        return response.headers["Location"]

    assert "/attempts/" not in ask(category_id=empty.id)
    assert "/attempts/" not in ask(category_id=999999)
    started = int(re.search(r"/attempts/(\d+)", ask(category_id=chosen.id)).group(1))
    db_session.rollback()
    attempt = db_session.get(Attempt, started)
    assert len(attempt.items) == practice.PER_CATEGORY
    assert {db_session.get(Item, i.item_id).category_id for i in attempt.items} == {chosen.id}
    bad = client.post(
        "/exams/practice/weakest",
        data={"csrf_token": csrf_token(client, "/exams/"), "category_id": "x"},
    )
    assert bad.status_code == 400
