"""The graded-attempt signal: sent on submit, at the deadline, on a regrade and on its revert,
carrying plain values; a subscriber's writes share the grade's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.bank.models import Item
from exam_app.db import utcnow
from exam_app.exams import attempts, regrade
from exam_app.exams.events import AttemptGraded, GradeCause, attempt_graded
from tests.factories import change_key, make_attempt


@pytest.fixture
def heard() -> Iterator[list[tuple[Session, AttemptGraded]]]:
    received: list[tuple[Session, AttemptGraded]] = []

    def listen(sender: Session, event: AttemptGraded) -> None:
        received.append((sender, event))

    attempt_graded.connect(listen)
    yield received
    attempt_graded.disconnect(listen)


def test_submit_sends_one_event_with_plain_values(db_session, make_exam, make_user, heard) -> None:  # type: ignore[no-untyped-def]
    exam = make_exam(pass_percent=100)
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    attempt = make_attempt(db_session, exam, user, "submitted", answers="key")
    attempts.submit_attempt(db_session, attempt, utcnow())  # a second submit changes nothing
    assert len(heard) == 1
    sender, event = heard[0]
    assert sender is db_session
    assert (event.attempt_id, event.user_id, event.exam_id) == (attempt.id, user.id, exam.id)
    assert (event.passed, event.percent, event.cause) == (True, 100.0, GradeCause.SUBMITTED)
    assert event.was_passed is None


def test_the_sweeper_sends_an_auto_submitted_event(db_session, make_exam, make_user, heard) -> None:  # type: ignore[no-untyped-def]
    exam = make_exam()
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    attempt = make_attempt(db_session, exam, user)
    later = attempt.deadline_at + timedelta(minutes=5)
    assert attempts.close_overdue(db_session, later) == 1
    [(_, event)] = heard
    assert (event.attempt_id, event.passed, event.cause) == (
        attempt.id,
        False,
        GradeCause.AUTO_SUBMITTED,
    )


def test_regrade_and_revert_send_the_flip(db_session, make_exam, make_user, heard) -> None:  # type: ignore[no-untyped-def]
    trainer_id = make_user(Role.TRAINER).id
    exam = make_exam(counts=(2, 1, 1), pass_percent=100)
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    attempt = make_attempt(db_session, exam, user, "submitted", answers="key")
    single = next(i for i in attempt.items if i.rule_key == "r1")
    item = db_session.get(Item, single.item_id)
    change_key(db_session, item, trainer_id)
    heard.clear()

    record = regrade.apply(db_session, item, trainer_id, "原答案有误", utcnow())
    [(_, flipped)] = heard
    assert (flipped.cause, flipped.was_passed, flipped.passed) == (
        GradeCause.REGRADED,
        True,
        False,
    )
    regrade.revert(db_session, record, trainer_id, utcnow())
    assert (heard[1][1].cause, heard[1][1].was_passed, heard[1][1].passed) == (
        GradeCause.REGRADE_REVERTED,
        False,
        True,
    )


def test_a_failing_subscriber_rolls_the_grade_back(db_session, make_exam, make_user) -> None:  # type: ignore[no-untyped-def]
    """Subscribers run inside the grading transaction: if one fails, no grade is half-kept."""
    exam = make_exam()
    user = db_session.get(User, make_user(Role.OPERATOR).id)
    attempt = make_attempt(db_session, exam, user)

    def explode(sender: Session, event: AttemptGraded) -> None:
        raise RuntimeError("subscriber failed")

    attempt_graded.connect(explode)
    try:
        with pytest.raises(RuntimeError):
            attempts.submit_attempt(db_session, attempt, utcnow())
    finally:
        attempt_graded.disconnect(explode)
    db_session.rollback()
    db_session.refresh(attempt)
    assert attempt.status == "in_progress" and attempt.submitted_at is None
