"""Attempts against a real database: papers, saves, races, deadlines, limits, the sweeper."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.db import utcnow
from exam_app.errors import DomainError
from exam_app.exams import attempts, papers, proctoring, saving, timing, wrong_book
from exam_app.exams.models import (
    Answer,
    Attempt,
    AttemptEvent,
    AttemptEventKind,
    AttemptStatus,
    ExamMode,
    WrongBookEntry,
)
from tests.factories import answer_with_key, key_positions, wrong_choice


@pytest.fixture
def operator(db_session, make_user) -> User:  # type: ignore[no-untyped-def]
    return db_session.get(User, make_user(Role.OPERATOR).id)


def test_paper_has_the_blueprint_counts_and_rebuilds_exactly(
    db_session, make_exam, operator
) -> None:  # type: ignore[no-untyped-def]
    exam = make_exam()
    attempt = attempts.start_attempt(db_session, exam, operator, utcnow())
    kinds = [attempt.items[i].rule_key for i in range(len(attempt.items))]
    assert sorted(kinds) == ["r1"] * 4 + ["r2"] * 2 + ["r3"] * 2
    rebuilt = papers.rebuild_paper(db_session, attempt)
    assert [(d.position, d.version_id, tuple(d.option_order)) for d in rebuilt] == [
        (i.position, i.version_id, tuple(i.option_order)) for i in attempt.items
    ]


def test_answering_the_displayed_key_scores_full_marks_whatever_the_shuffle(
    db_session,
    make_exam,
    operator,  # type: ignore[no-untyped-def]
) -> None:
    exam = make_exam()
    attempt = attempts.start_attempt(db_session, exam, operator, utcnow())
    answer_with_key(db_session, attempt)
    attempts.submit_attempt(db_session, attempt, utcnow())
    assert attempt.percent == 100.0 and attempt.passed


def test_second_tab_with_a_stale_revision_cannot_overwrite(db_session, make_exam, operator) -> None:  # type: ignore[no-untyped-def]
    attempt = attempts.start_attempt(db_session, make_exam(), operator, utcnow())
    item = next(i for i in attempt.items if len(i.option_order) == 4 and i.rule_key == "r1")
    pos = item.position
    first = saving.save_answer(
        db_session, attempt.id, attempt.user_id, pos, [0], False, 0, utcnow()
    )  # tab A
    newer = saving.save_answer(
        db_session, attempt.id, attempt.user_id, pos, [1], False, first.revision, utcnow()
    )
    with pytest.raises(saving.StaleAnswer) as stale:  # tab B still shows revision 1
        saving.save_answer(
            db_session, attempt.id, attempt.user_id, pos, [2], False, first.revision, utcnow()
        )
    assert stale.value.revision == newer.revision
    assert stale.value.chosen == [1]  # tab A's newer choice, as the page displays it
    stored = db_session.get(Answer, (attempt.id, pos))
    assert stored.revision == newer.revision and stored.response == [item.option_order[1]]


def test_answers_after_deadline_and_grace_are_refused_and_the_attempt_graded(
    db_session,
    make_exam,
    operator,  # type: ignore[no-untyped-def]
) -> None:
    start = utcnow()
    attempt = attempts.start_attempt(db_session, make_exam(), operator, start)
    saving.save_answer(
        db_session, attempt.id, attempt.user_id, 1, [0], False, 0, start + timedelta(minutes=5)
    )
    in_grace = attempt.deadline_at + timedelta(seconds=10)
    saving.save_answer(
        db_session, attempt.id, attempt.user_id, 2, [0], False, 0, in_grace
    )  # in flight: accepted
    late = attempt.deadline_at + timedelta(seconds=timing.GRACE_SECONDS + 1)
    with pytest.raises(attempts.AttemptRefused):
        saving.save_answer(db_session, attempt.id, attempt.user_id, 3, [0], False, 0, late)
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.auto_submitted
    assert {a.position for a in attempt.answers} == {1, 2}


def test_sweeper_grades_overdue_attempts_from_saved_answers(
    db_session, make_exam, make_user
) -> None:  # type: ignore[no-untyped-def]
    ids = [make_user(Role.OPERATOR).id for _ in range(2)]
    exam = make_exam()
    start = utcnow()
    users = [db_session.get(User, i) for i in ids]
    done, open_one = (attempts.start_attempt(db_session, exam, u, start) for u in users)
    saving.save_answer(db_session, done.id, done.user_id, 1, [0], False, 0, start)
    assert attempts.close_overdue(db_session, start + timedelta(minutes=10)) == 0
    later = done.deadline_at + timedelta(minutes=5)
    open_one.deadline_at = later + timedelta(hours=1)  # extra time: not overdue
    assert attempts.close_overdue(db_session, later) == 1
    assert done.status == AttemptStatus.SUBMITTED and done.auto_submitted
    assert open_one.status == AttemptStatus.IN_PROGRESS


def test_a_grade_decided_on_a_stale_read_checks_again_under_the_lock(
    app, db_session, make_exam, operator
) -> None:  # type: ignore[no-untyped-def]
    """Grading re-reads the attempt once its row is locked: extra time granted since the
    attempt was read keeps it open, and a grade given since is not given twice."""
    start = utcnow()
    attempt = attempts.start_attempt(db_session, make_exam(), operator, start)
    db_session.commit()  # the object keeps what it read (expire_on_commit=False)
    late = attempt.deadline_at + timedelta(seconds=timing.GRACE_SECONDS + 60)
    with Session(app.extensions["db_engine"]) as hr:  # meanwhile, elsewhere: an hour more
        other = hr.get(Attempt, attempt.id)
        assert other is not None
        proctoring.grant_extra_time(hr, other, 3600, "停电", operator.id, start)
        hr.commit()
    attempts.ensure_open(db_session, attempt, late)  # overdue by what it read: not any more
    assert attempt.status == AttemptStatus.IN_PROGRESS and attempt.extra_seconds == 3600
    db_session.commit()
    with Session(app.extensions["db_engine"]) as other_tab:
        attempts.submit_attempt(other_tab, other_tab.get(Attempt, attempt.id), late)
        other_tab.commit()
    attempts.submit_attempt(db_session, attempt, late)  # read as in progress, graded since
    db_session.commit()
    graded = db_session.scalars(
        select(AttemptEvent.kind).where(
            AttemptEvent.attempt_id == attempt.id,
            AttemptEvent.kind == AttemptEventKind.SUBMITTED.value,
        )
    ).all()
    assert attempt.status == AttemptStatus.SUBMITTED and len(graded) == 1


def test_window_limits_and_one_at_a_time(db_session, make_exam, operator) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    later = make_exam(opens_at=now + timedelta(days=1))
    with pytest.raises(attempts.AttemptRefused, match="尚未开始"):
        attempts.start_attempt(db_session, later, operator, now)
    exam = make_exam(counts=(1, 1, 1), max_attempts=2, wait_minutes=10)
    first = attempts.start_attempt(db_session, exam, operator, now)
    with pytest.raises(attempts.AttemptRefused, match="正在进行"):
        attempts.start_attempt(db_session, exam, operator, now)
    attempts.submit_attempt(db_session, first, now)
    with pytest.raises(attempts.AttemptRefused, match="间隔 10 分钟"):
        attempts.start_attempt(db_session, exam, operator, now + timedelta(minutes=5))
    second = attempts.start_attempt(db_session, exam, operator, now + timedelta(minutes=11))
    attempts.submit_attempt(db_session, second, now + timedelta(minutes=12))
    with pytest.raises(attempts.AttemptRefused, match="用完"):
        attempts.start_attempt(db_session, exam, operator, now + timedelta(hours=1))
    closed = make_exam(closes_at=now - timedelta(minutes=1))
    with pytest.raises(attempts.AttemptRefused, match="已于"):
        attempts.start_attempt(db_session, closed, operator, now)


def test_extra_time_moves_the_deadline_and_is_logged(
    db_session, make_exam, operator, make_user
) -> None:  # type: ignore[no-untyped-def]
    hr = make_user(Role.HR)
    db_session.rollback()
    attempt = attempts.start_attempt(db_session, make_exam(), operator, utcnow())
    before = attempt.deadline_at
    with pytest.raises(DomainError, match="原因"):
        proctoring.grant_extra_time(db_session, attempt, 600, " ", hr.id, utcnow())
    proctoring.grant_extra_time(db_session, attempt, 600, "停电", hr.id, utcnow())
    assert attempt.deadline_at == before + timedelta(minutes=10)
    assert attempt.events[-1].kind == "extra_time" and attempt.events[-1].detail["reason"] == "停电"


def test_practice_feedback_and_the_wrong_book(db_session, make_exam, operator) -> None:  # type: ignore[no-untyped-def]
    exam = make_exam(mode=ExamMode.PRACTICE)
    attempt = attempts.start_attempt(db_session, exam, operator, utcnow())
    keys = key_positions(db_session, attempt)
    wrong = wrong_choice(attempt.items[0], keys[1])
    receipt = saving.save_answer(
        db_session, attempt.id, attempt.user_id, 1, wrong, False, 0, utcnow(), confirm=True
    )
    assert receipt.feedback["correct"] is False and receipt.feedback["key"] == sorted(keys[1])
    entry = db_session.query(WrongBookEntry).one()
    item_id = attempt.items[0].item_id
    assert entry.item_id == item_id
    labels_key = _item_key(db_session, item_id)
    first = wrong_book.answer_wrong_book(db_session, operator.id, item_id, labels_key, utcnow())
    assert first["correct"] and not first["mastered"]
    second = wrong_book.answer_wrong_book(db_session, operator.id, item_id, labels_key, utcnow())
    assert second["mastered"] and db_session.query(WrongBookEntry).count() == 0


def _item_key(db_session, item_id):  # type: ignore[no-untyped-def]
    from exam_app.bank.models import Item

    version = db_session.get(Item, item_id).current
    labels = [o["label"] for o in version.options]
    return [labels.index(lab) for lab in version.answer]


def test_different_candidates_get_different_orders(db_session, make_exam, make_user) -> None:  # type: ignore[no-untyped-def]
    ids = [make_user(Role.OPERATOR).id for _ in range(5)]
    exam = make_exam()
    orders = set()
    for user_id in ids:
        user = db_session.get(User, user_id)
        attempt = attempts.start_attempt(
            db_session, exam, user, utcnow(), seed=random.getrandbits(48)
        )
        orders.add(tuple(i.item_id for i in attempt.items))
    assert len(orders) > 1


def _events(db_session, attempt, kind):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from exam_app.exams.models import AttemptEvent

    return list(
        db_session.scalars(
            select(AttemptEvent).where(
                AttemptEvent.attempt_id == attempt.id, AttemptEvent.kind == kind.value
            )
        )
    )


def test_a_silent_page_is_logged_as_a_heartbeat_gap(db_session, make_exam, operator) -> None:  # type: ignore[no-untyped-def]
    from exam_app.exams.models import AttemptEventKind

    start = utcnow()
    attempt = attempts.start_attempt(db_session, make_exam(), operator, start)
    proctoring.heartbeat(db_session, attempt, start + timedelta(seconds=30), True)
    proctoring.heartbeat(db_session, attempt, start + timedelta(seconds=210), True)
    (gap,) = _events(db_session, attempt, AttemptEventKind.HEARTBEAT_GAP)
    assert gap.detail["seconds"] == 180


def test_a_saved_answer_counts_as_contact_between_heartbeats(
    db_session, make_exam, operator
) -> None:  # type: ignore[no-untyped-def]
    """Saves do not touch the attempt row (the hot path); their saved_at still shows the page
    was alive, so no gap is logged for a candidate who answered instead of pulsing."""
    from exam_app.exams.models import AttemptEventKind

    start = utcnow()
    attempt = attempts.start_attempt(db_session, make_exam(), operator, start)
    proctoring.heartbeat(db_session, attempt, start + timedelta(seconds=30), True)
    saving.save_answer(
        db_session, attempt.id, attempt.user_id, 1, [0], False, 0, start + timedelta(seconds=100)
    )
    proctoring.heartbeat(db_session, attempt, start + timedelta(seconds=150), True)
    assert _events(db_session, attempt, AttemptEventKind.HEARTBEAT_GAP) == []


def test_a_save_is_visible_through_objects_loaded_before_it(
    db_session, make_exam, operator
) -> None:  # type: ignore[no-untyped-def]
    """The save writes with one SQL statement; answers the session already held must not
    keep showing the old choice."""
    attempt = attempts.start_attempt(db_session, make_exam(), operator, utcnow())
    first = saving.save_answer(db_session, attempt.id, attempt.user_id, 1, [0], False, 0, utcnow())
    (before,) = attempt.answers
    item = next(i for i in attempt.items if i.position == 1)
    saving.save_answer(
        db_session, attempt.id, attempt.user_id, 1, [1], True, first.revision, utcnow()
    )
    assert before.revision == first.revision + 1 and before.flagged
    assert before.response == [item.option_order[1]]
    assert [a.revision for a in attempt.answers] == [first.revision + 1]


def test_save_exam_changes_drafts_only(db_session, make_exam, make_user) -> None:  # type: ignore[no-untyped-def]
    from exam_app.exams.definitions import ExamSettings, RuleSpec, save_exam
    from exam_app.exams.models import ReviewPolicy

    trainer_id = make_user(Role.TRAINER).id
    settings = ExamSettings(
        title="草稿",
        mode=ExamMode.PRACTICE,
        level=None,
        duration_minutes=20,
        pass_percent=60,
        points_single=1,
        points_multiple=2,
        points_judge=1,
        partial_credit=False,
        shuffle_questions=True,
        shuffle_options=True,
        review_policy=ReviewPolicy.FULL,
        opens_at=None,
        closes_at=None,
        max_attempts=None,
        wait_minutes=0,
        org_unit_ids=(),
    )
    rules = [RuleSpec(count=0), RuleSpec(count=3), RuleSpec(count=0, item_ids=(5, 6))]
    draft = save_exam(db_session, None, settings, rules, trainer_id)
    assert (draft.title, draft.mode, draft.status) == ("草稿", "practice", "draft")
    assert [(r.position, r.count, r.item_ids) for r in draft.rules] == [(1, 3, []), (2, 2, [5, 6])]
    published = make_exam()
    with pytest.raises(DomainError, match="已发布"):
        save_exam(db_session, published, settings, rules, trainer_id)
