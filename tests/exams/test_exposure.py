"""Item exposure: certification-only items stay out of practice (papers, feedback, the wrong
book, results), practice-only items out of certification papers, and the trainer is warned
when a certification draws items practice shows too."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts.models import Role, User
from exam_app.bank import review
from exam_app.bank.models import Exposure, Item, ItemEvent, ItemEventKind
from exam_app.db import utcnow
from exam_app.errors import NotFound
from exam_app.exams import attempts, definitions, papers, pool_cache, saving, wrong_book
from exam_app.exams.models import ExamMode, WrongBookEntry
from tests.factories import key_positions, make_user, wrong_choice
from tests.web import client_for


@pytest.fixture(autouse=True)
def _cold_cache() -> None:
    pool_cache.clear()


@pytest.fixture
def trainer_id(app) -> int:  # type: ignore[no-untyped-def]
    return make_user(app, Role.TRAINER, employee_no="T0001").id


@pytest.fixture
def operator(app, db_session) -> User:  # type: ignore[no-untyped-def]
    return db_session.get(User, make_user(app, Role.OPERATOR, employee_no="O0001").id)


def _by_type(db_session, kind: str) -> list[Item]:  # type: ignore[no-untyped-def]
    items = db_session.scalars(select(Item).order_by(Item.id)).all()
    return [i for i in items if i.current.type == kind]


def _expose(db_session, items: Iterable[Item], exposure: Exposure, actor_id: int) -> None:  # type: ignore[no-untyped-def]
    for item in items:
        review.set_exposure(db_session, item, actor_id, exposure)
    db_session.commit()


def test_existing_and_new_items_are_shown_in_both_modes(db_session, bank) -> None:  # type: ignore[no-untyped-def]
    assert {i.exposure for i in db_session.scalars(select(Item))} == {Exposure.BOTH}


def test_each_mode_draws_only_what_it_may_show_even_from_a_warm_cache(
    db_session, make_exam, trainer_id, operator
) -> None:  # type: ignore[no-untyped-def]
    singles = _by_type(db_session, "single")  # 12
    secret, drill = singles[:4], singles[4:8]
    _expose(db_session, secret, Exposure.CERTIFICATION, trainer_id)
    _expose(db_session, drill, Exposure.PRACTICE, trainer_id)
    # Same level and same rules: only the mode tells the two pools apart (and the cache key).
    practice = make_exam(ExamMode.PRACTICE, counts=(8, 1, 1))
    certification = make_exam(ExamMode.CERTIFICATION, counts=(8, 1, 1))
    single_ids = {i.id for i in singles}

    drawn = attempts.start_attempt(db_session, practice, operator, utcnow(), seed=7)
    attempts.submit_attempt(db_session, drawn, utcnow())
    practice_singles = {i.item_id for i in drawn.items} & single_ids
    assert practice_singles == {i.id for i in singles if i not in secret}

    sitting = attempts.start_attempt(db_session, certification, operator, utcnow(), seed=7)
    cert_singles = {i.item_id for i in sitting.items} & single_ids
    assert cert_singles == {i.id for i in singles if i not in drill}
    assert papers.audit_paper(db_session, sitting).matches  # the audit reads the same pool


def test_changing_the_exposure_changes_the_bank_token(db_session, bank, trainer_id) -> None:  # type: ignore[no-untyped-def]
    before = pool_cache.bank_token(db_session)
    _expose(db_session, _by_type(db_session, "judge")[:1], Exposure.CERTIFICATION, trainer_id)
    assert pool_cache.bank_token(db_session) != before


def test_exposure_is_classification_recorded_in_the_history(db_session, bank, trainer_id) -> None:  # type: ignore[no-untyped-def]
    item = _by_type(db_session, "judge")[0]
    versions = len(item.versions)
    _expose(db_session, [item], Exposure.CERTIFICATION, trainer_id)
    assert len(item.versions) == versions, "no new version for a change of exposure"
    event = db_session.scalars(select(ItemEvent).where(ItemEvent.item_id == item.id)).all()[-1]
    assert event.kind == ItemEventKind.EXPOSE and event.actor_id == trainer_id


def test_certification_rules_drawing_items_practice_shows_are_warned(
    app, db_session, make_exam, trainer_id
) -> None:  # type: ignore[no-untyped-def]
    certification = make_exam(ExamMode.CERTIFICATION, counts=(2, 2, 2))
    practice = make_exam(ExamMode.PRACTICE, counts=(2, 2, 2))
    warned = definitions.exposure_warnings(db_session, certification)
    assert [(w.rule_key, w.exposed) for w in warned] == [("r1", 12), ("r2", 6), ("r3", 6)]
    assert definitions.exposure_warnings(db_session, practice) == []

    _expose(db_session, _by_type(db_session, "multiple"), Exposure.CERTIFICATION, trainer_id)
    db_session.expire_all()
    warned = definitions.exposure_warnings(db_session, certification)
    assert [w.rule_key for w in warned] == ["r1", "r3"], "a secret rule is not warned about"

    trainer = client_for(app, db_session.get(User, trainer_id))
    page = trainer.get(f"/exams/manage/{certification.id}").get_data(as_text=True)
    assert 'data-testid="exposure-warnings"' in page and "仅认证考试" in page
    page = trainer.get(f"/exams/manage/{practice.id}").get_data(as_text=True)
    assert 'data-testid="exposure-warnings"' not in page


def test_an_item_made_certification_only_after_the_draw_shows_no_key_in_practice(
    client: FlaskClient, app, db_session, make_exam, trainer_id, operator
) -> None:  # type: ignore[no-untyped-def]
    exam = make_exam(ExamMode.PRACTICE, counts=(2, 1, 1))
    attempt = attempts.start_attempt(db_session, exam, operator, utcnow())
    keys = key_positions(db_session, attempt)
    first, second = attempt.items[0], attempt.items[1]
    db_session.commit()
    _expose(db_session, [db_session.get(Item, first.item_id)], Exposure.CERTIFICATION, trainer_id)

    receipt = saving.save_answer(
        db_session,
        attempt.id,
        operator.id,
        first.position,
        wrong_choice(first, keys[first.position]),
        False,
        0,
        utcnow(),
        confirm=True,
    )
    assert receipt.feedback == {"withheld": True} and receipt.final
    assert db_session.scalars(select(WrongBookEntry)).all() == [], "not put in the book"
    shown = saving.save_answer(
        db_session,
        attempt.id,
        operator.id,
        second.position,
        wrong_choice(second, keys[second.position]),
        False,
        0,
        utcnow(),
        confirm=True,
    )
    assert shown.feedback is not None and "key" in shown.feedback
    attempts.submit_attempt(db_session, attempt, utcnow())
    db_session.commit()

    reviewed = {q.position: q for q in papers.reviewed_paper(db_session, attempt)}
    assert reviewed[first.position].withheld and reviewed[first.position].key == []
    assert reviewed[first.position].explanation == ""
    assert reviewed[second.position].key and not reviewed[second.position].withheld
    secret = db_session.get(Item, first.item_id).current.explanation
    page = client_for(app, operator).get(f"/exams/attempts/{attempt.id}/result")
    body = page.get_data(as_text=True)
    assert secret not in body and 'data-testid="withheld"' in body


def test_the_wrong_book_hides_items_made_certification_only(
    db_session, make_exam, trainer_id, operator
) -> None:  # type: ignore[no-untyped-def]
    exam = make_exam(ExamMode.PRACTICE, counts=(2, 1, 1))
    attempt = attempts.start_attempt(db_session, exam, operator, utcnow())
    keys = key_positions(db_session, attempt)
    for item in attempt.items:
        chosen = wrong_choice(item, keys[item.position])
        saving.save_answer(
            db_session, attempt.id, operator.id, item.position, chosen, False, 0, utcnow(), True
        )
    db_session.commit()
    missed = sorted(e.item_id for e in wrong_book.entries_of(db_session, operator.id))
    assert missed == sorted(i.item_id for i in attempt.items)

    hidden = db_session.get(Item, missed[0])
    _expose(db_session, [hidden], Exposure.CERTIFICATION, trainer_id)
    assert hidden.id not in {e.item_id for e in wrong_book.entries_of(db_session, operator.id)}
    with pytest.raises(NotFound):
        wrong_book.answer_wrong_book(db_session, operator.id, hidden.id, [0], utcnow())
    _expose(db_session, [hidden], Exposure.BOTH, trainer_id)  # shown again: back in the book
    assert hidden.id in {e.item_id for e in wrong_book.entries_of(db_session, operator.id)}
