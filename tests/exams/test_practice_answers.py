"""Practice answers over HTTP: single choice and true/false show their feedback on the click,
multiple choice may be ticked option by option and shows it once confirmed (确认答案); an
answer whose key was shown is final. Certification saves pay nothing for any of it."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, select

from exam_app.accounts.models import Role, User
from exam_app.bank.models import ItemVersion
from exam_app.db import utcnow
from exam_app.exams import attempts, grading, saving
from exam_app.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptItem,
    ExamMode,
    WrongBookEntry,
)
from tests.factories import key_positions, wrong_choice
from tests.web import page_token, save_answer, start_exam, submit_exam


def _paper(db_session, attempt_id: int) -> tuple[Attempt, dict[str, list[AttemptItem]]]:  # type: ignore[no-untyped-def]
    db_session.rollback()  # see what the requests wrote
    attempt = db_session.get(Attempt, attempt_id)
    by_type: dict[str, list[AttemptItem]] = {}
    for item in attempt.items:
        by_type.setdefault(db_session.get(ItemVersion, item.version_id).type, []).append(item)
    return attempt, by_type


def _book(db_session) -> dict[int, int]:  # type: ignore[no-untyped-def]
    db_session.rollback()
    return {e.item_id: e.misses for e in db_session.scalars(select(WrongBookEntry))}


def test_a_multiple_choice_practice_answer_waits_for_its_confirmation(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam(ExamMode.PRACTICE, counts=(1, 2, 1)).id)
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    attempt, by_type = _paper(db_session, attempt_id)
    keys = key_positions(db_session, attempt)
    first, second = by_type["multiple"]
    key = keys[first.position]
    assert len(key) == 2

    ticked = save_answer(client, attempt_id, token, position=first.position, chosen=key[:1])
    assert ticked.status_code == 200, ticked.get_json()
    assert ticked.get_json()["feedback"] is None and ticked.get_json()["final"] is False
    both = save_answer(
        client, attempt_id, token, position=first.position, chosen=key, base_revision=1
    )
    assert both.status_code == 200, "an unconfirmed multiple-choice answer may still change"
    assert both.get_json()["feedback"] is None
    confirmed = save_answer(
        client,
        attempt_id,
        token,
        position=first.position,
        chosen=key,
        base_revision=2,
        confirm=True,
    ).get_json()
    assert confirmed["final"] and confirmed["feedback"]["correct"] is True
    assert confirmed["feedback"]["key"] == sorted(key)
    changed = save_answer(
        client, attempt_id, token, position=first.position, chosen=key[:1], base_revision=3
    )
    assert changed.status_code == 423, "a confirmed answer is final"
    flagged = save_answer(
        client,
        attempt_id,
        token,
        position=first.position,
        chosen=key,
        base_revision=3,
        flagged=True,
    )
    assert flagged.status_code == 200 and flagged.get_json()["feedback"] is None, "flag only"
    assert _book(db_session) == {}, "neither the ticks nor the right answer went in the book"

    wrong = wrong_choice(second, keys[second.position])
    save_answer(client, attempt_id, token, position=second.position, chosen=wrong)
    assert _book(db_session) == {}, "an unconfirmed tick is no miss"
    missed = save_answer(
        client,
        attempt_id,
        token,
        position=second.position,
        chosen=wrong,
        base_revision=1,
        confirm=True,
    ).get_json()
    assert missed["feedback"]["correct"] is False
    assert _book(db_session) == {second.item_id: 1}

    (single,) = by_type["single"]
    clicked = save_answer(
        client, attempt_id, token, position=single.position, chosen=keys[single.position]
    ).get_json()
    assert clicked["final"] and clicked["feedback"]["correct"] is True, "feedback on the click"

    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    card = re.search(rf'<section[^>]*id="q{first.position}".*?</section>', page, re.S).group(0)
    assert 'data-final="1"' in card and "disabled" in card, "a reload keeps the answer locked"
    (judge,) = by_type["judge"]
    card = re.search(rf'<section[^>]*id="q{judge.position}".*?</section>', page, re.S).group(0)
    assert "data-final" not in card and " disabled" not in card


def test_the_confirm_button_is_offered_for_multiple_choice_in_practice_only(
    client: FlaskClient, login_as, make_exam
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    practice = start_exam(client, make_exam(ExamMode.PRACTICE, counts=(1, 2, 1)).id)
    page = client.get(f"/exams/attempts/{practice}").get_data(as_text=True)
    assert page.count("data-confirm-answer") == 2 and "确认答案" in page
    submit_exam(client, practice)
    certification = start_exam(client, make_exam(counts=(1, 2, 1)).id)
    page = client.get(f"/exams/attempts/{certification}").get_data(as_text=True)
    assert "data-confirm-answer" not in page


def test_a_certification_save_costs_its_statements(db_session, make_exam, make_user) -> None:  # type: ignore[no-untyped-def]
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    attempt = attempts.start_attempt(db_session, make_exam(), user, utcnow())
    db_session.commit()
    item = next(i for i in attempt.items if len(i.option_order) == 4)
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "WITH"):
            seen.append(statement)

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for revision, chosen in enumerate(([0], [1], [2])):
            saving.save_answer(
                db_session, attempt.id, user.id, item.position, chosen, False, revision, utcnow()
            )
            db_session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # (exams.fast_save) on PostgreSQL one data-modifying statement per save, reading the
    # option order itself; on SQLite an upsert that reads it too, and an insert, per save
    if engine.dialect.name == "postgresql":
        assert len(seen) == 3, seen
    else:
        assert len(seen) == 3 * 2, seen


def test_a_save_stores_the_original_labels_the_page_showed(
    db_session, make_exam, make_user
) -> None:  # type: ignore[no-untyped-def]
    """The one-statement save turns displayed positions into original labels as
    ``grading.to_original`` does (sorted, the empty answer included), in the answer and its log
    entry; a position past the options, or one chosen twice, is refused with the general
    path's message."""
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    attempt = attempts.start_attempt(db_session, make_exam(counts=(1, 2, 1)), user, utcnow())
    item = next(i for i in attempt.items if len(i.option_order) == 4)
    item.option_order = ["C", "A", "D", "B"]  # as a shuffled paper shows them
    db_session.commit()
    for revision, chosen in enumerate(([3, 0], [], [1, 2, 0], [2])):
        saving.save_answer(
            db_session, attempt.id, user.id, item.position, chosen, False, revision, utcnow()
        )
        db_session.commit()
        db_session.expire_all()
        stored = db_session.get(Answer, (attempt.id, item.position))
        expected = list(grading.to_original(chosen, ("C", "A", "D", "B")))
        assert stored.response == expected and stored.revision == revision + 1
        logged = db_session.scalars(
            select(AttemptEvent)
            .where(AttemptEvent.attempt_id == attempt.id)
            .order_by(AttemptEvent.id.desc())
        ).first()
        assert logged.detail["chosen"] == expected and logged.detail["revision"] == revision + 1
    for wrong in ([4], [1, 1], [-1]):
        with pytest.raises(attempts.AttemptRefused, match="答案无效"):
            saving.save_answer(
                db_session, attempt.id, user.id, item.position, wrong, False, 4, utcnow()
            )
        db_session.rollback()
    assert db_session.get(Answer, (attempt.id, item.position)).response == ["D"]
