"""The wrong-question book never tells more than a certification's review policy: misses of a
certification that hides its answers (score, category) stay out of the book, over HTTP too."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts.models import Role, User
from exam_app.bank import review
from exam_app.bank.models import Exposure, Item
from exam_app.exams.models import Attempt, ExamMode, ReviewPolicy, WrongBookEntry
from tests.factories import make_attempt
from tests.web import client_for, page_token, post_json


def _book(client: FlaskClient) -> tuple[str, set[int]]:
    page = client.get("/exams/wrong-book").get_data(as_text=True)
    return page, {int(i) for i in re.findall(r'data-item="(\d+)"', page)}


@pytest.mark.parametrize("policy", [ReviewPolicy.SCORE_ONLY, ReviewPolicy.BY_CATEGORY])
def test_misses_of_a_certification_that_hides_answers_stay_out_of_the_book(
    app, db_session, make_exam, make_user, policy
) -> None:  # type: ignore[no-untyped-def]
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    exam = make_exam(ExamMode.CERTIFICATION, review_policy=policy)
    attempt = make_attempt(db_session, exam, user, "submitted", answers="wrong")
    assert attempt.earned == 0
    assert db_session.scalars(select(WrongBookEntry)).all() == []

    client = client_for(app, user)
    page, shown = _book(client)
    assert shown == set() and "错题本是空的" in page
    token = page_token(client, "/exams/wrong-book")
    for item in attempt.items:  # asking for a missed item's key directly: not in the book
        response = post_json(
            client, f"/exams/wrong-book/{item.item_id}/answer", token, {"chosen": [0]}
        )
        assert response.status_code == 404 and "key" not in response.get_json()


def test_a_hidden_miss_leaves_an_existing_entry_as_it_was(db_session, make_exam, make_user) -> None:  # type: ignore[no-untyped-def]
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    practice = make_exam(ExamMode.PRACTICE, counts=(12, 6, 6), shuffle_questions=False)
    make_attempt(db_session, practice, user, "submitted", answers="wrong")
    before = {
        e.item_id: (e.misses, e.right_streak) for e in db_session.scalars(select(WrongBookEntry))
    }
    assert len(before) == 24
    exam = make_exam(ExamMode.CERTIFICATION, review_policy=ReviewPolicy.SCORE_ONLY)
    make_attempt(db_session, exam, user, "submitted", answers="wrong")
    db_session.expire_all()
    after = {
        e.item_id: (e.misses, e.right_streak) for e in db_session.scalars(select(WrongBookEntry))
    }
    assert after == before, "the book does not learn which questions the candidate missed"


def test_misses_of_a_certification_with_full_review_go_in_but_not_secret_ones(
    app, db_session, make_exam, make_user
) -> None:  # type: ignore[no-untyped-def]
    user_id, trainer_id = make_user(Role.OPERATOR).id, make_user(Role.TRAINER).id
    user = db_session.get(User, user_id)
    secret = [
        i for i in db_session.scalars(select(Item).order_by(Item.id)) if i.current.type == "judge"
    ]
    for item in secret:
        review.set_exposure(db_session, item, trainer_id, Exposure.CERTIFICATION)
    db_session.commit()
    exam = make_exam(ExamMode.CERTIFICATION, review_policy=ReviewPolicy.FULL)
    attempt = make_attempt(db_session, exam, user, "submitted", answers="wrong")
    secret_ids = {i.id for i in secret}
    drawn = {i.item_id for i in db_session.get(Attempt, attempt.id).items}
    assert drawn & secret_ids, "the certification drew certification-only items"

    client = client_for(app, user)
    _, shown = _book(client)
    assert shown == drawn - secret_ids
    token = page_token(client, "/exams/wrong-book")
    for item_id in sorted(drawn):
        response = post_json(client, f"/exams/wrong-book/{item_id}/answer", token, {"chosen": [0]})
        body = response.get_json()
        assert ("key" in body) is (item_id not in secret_ids), item_id
