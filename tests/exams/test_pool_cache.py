"""The per-process cache of prepared pools: a draw from it equals a draw from the bank as it is
now, because the database changes the bank token on every change that can change a draw."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exam_app.accounts.models import Role, User
from exam_app.bank.models import Item, ItemStatus
from exam_app.db import utcnow
from exam_app.exams import attempts, papers, pool_cache
from exam_app.exams.models import ExamMode


@pytest.fixture(autouse=True)
def _cold_cache() -> None:
    pool_cache.clear()


def _singles(db_session) -> list[Item]:  # type: ignore[no-untyped-def]
    items = db_session.scalars(select(Item).order_by(Item.id)).all()
    return [i for i in items if i.current.type == "single"]


def test_the_token_changes_with_what_can_change_a_draw_and_only_that(db_session, bank) -> None:  # type: ignore[no-untyped-def]
    item = _singles(db_session)[0]
    before = pool_cache.bank_token(db_session)
    item.needs_review = True  # not something a draw looks at
    db_session.flush()
    assert pool_cache.bank_token(db_session) == before
    item.status = ItemStatus.RETIRED.value
    db_session.flush()
    retired = pool_cache.bank_token(db_session)
    assert retired != before
    db_session.rollback()
    assert pool_cache.bank_token(db_session) == before
    item = _singles(db_session)[0]
    item.category_id = None if item.category_id else item.category_id
    item.status = ItemStatus.DRAFT.value
    db_session.flush()
    # A random token: the rolled-back change's token can never come back as current.
    assert pool_cache.bank_token(db_session) not in (before, retired)


def test_a_retired_item_is_never_drawn_from_a_warm_cache(db_session, make_exam, make_user) -> None:  # type: ignore[no-untyped-def]
    ids = [make_user(Role.OPERATOR).id for _ in range(6)]  # before this session reads
    exam = make_exam(ExamMode.PRACTICE, counts=(11, 1, 1), shuffle_questions=False)
    users = [db_session.get(User, i) for i in ids]
    attempts.start_attempt(db_session, exam, users[0], utcnow(), seed=1)  # warms the cache
    gone = _singles(db_session)[0]
    gone.status = ItemStatus.RETIRED.value
    db_session.commit()
    for n, user in enumerate(users[1:], start=2):
        attempt = attempts.start_attempt(db_session, exam, user, utcnow(), seed=n)
        assert gone.id not in {i.item_id for i in attempt.items}


def test_a_paper_from_the_warm_cache_equals_one_drawn_from_the_bank(
    db_session, make_exam, make_user
) -> None:  # type: ignore[no-untyped-def]
    ids = [make_user(Role.OPERATOR).id for _ in range(2)]
    exam = make_exam(ExamMode.PRACTICE)
    first, second = (db_session.get(User, i) for i in ids)
    attempts.start_attempt(db_session, exam, first, utcnow())
    cached = attempts.start_attempt(db_session, exam, second, utcnow())  # a cache hit
    rebuilt = papers.rebuild_paper(db_session, cached)  # reads the pool afresh
    assert [(d.position, d.version_id, d.option_order) for d in rebuilt] == [
        (i.position, i.version_id, tuple(i.option_order)) for i in cached.items
    ]
