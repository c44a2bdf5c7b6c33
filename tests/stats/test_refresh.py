"""Figures kept current: sheets written by the real grading path, folded in one at a time by
the job, and always equal to a recomputation from scratch."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.bank.models import Item
from exam_app.db import utcnow
from exam_app.exams import attempts, regrade, saving
from exam_app.exams.models import Attempt, AttemptItem, Exam
from exam_app.stats import refresh
from exam_app.stats.models import AnswerSheet, Counting, Figures, ItemFigures, PendingSheet
from exam_app.stats.tally import Tally
from tests import factories

pytestmark = pytest.mark.usefixtures("in_app")


@pytest.fixture
def exam(db_session: Session) -> Exam:
    factories.load_bank(db_session)
    return factories.make_exam(db_session, counts=(4, 2, 2), max_attempts=None, wait_minutes=0)


def _sit(session: Session, exam: Exam, user: User, rng: random.Random, skill: float) -> Attempt:
    """Start, answer each question right with probability ``skill`` (else a wrong option),
    submit: the real path, which writes the sheet and queues it."""
    now = utcnow()
    attempt = attempts.start_attempt(session, exam, user, now)
    keys = factories.key_positions(session, attempt)
    for item in attempt.items:
        chosen = keys[item.position]
        if rng.random() > skill:
            chosen = factories.wrong_choice(item, chosen)
        saving.save_answer(session, attempt.id, user.id, item.position, chosen, False, 0, now)
    attempts.submit_attempt(session, attempt, now)
    session.commit()
    return attempt


def _figures(session: Session, exam: Exam) -> dict[Counting, Figures]:
    session.expire_all()
    rows = session.scalars(select(Figures).where(Figures.exam_id == exam.id))
    return {r.counting: r for r in rows}


def test_every_graded_attempt_leaves_a_sheet_and_a_queue_row(
    db_session: Session, exam: Exam, make_user: Callable[..., User]
) -> None:
    rng = random.Random(1)
    attempt = _sit(db_session, exam, make_user(), rng, 0.7)
    sheet = db_session.get(AnswerSheet, attempt.id)
    assert sheet is not None and sheet.exam_id == exam.id
    assert sheet.earned == attempt.earned and len(sheet.items) == 4 * len(attempt.items)
    queued = db_session.scalars(select(PendingSheet)).all()
    assert [(q.attempt_id, q.regraded) for q in queued] == [(attempt.id, False)]


def test_folding_in_one_at_a_time_equals_recomputing(
    db_session: Session, exam: Exam, make_user: Callable[..., User]
) -> None:
    rng = random.Random(7)
    people = [make_user() for _ in range(6)]
    for person in people:
        _sit(db_session, exam, person, rng, rng.random())
    assert refresh.refresh(db_session, utcnow()).startswith(
        "0 attempts folded in, 1 exams recomputed"
    )
    db_session.commit()
    first = _figures(db_session, exam)
    assert set(first) == set(Counting) and first[Counting.FIRST].sheets == 6
    revisions = {c: r.revision for c, r in first.items()}
    # second sittings, better or worse: "first" stays, "last" and "best" move, "all" grows
    for person in people[:3]:
        _sit(db_session, exam, person, rng, rng.random())
    assert refresh.apply_pending(db_session, utcnow()).startswith("3 attempts folded in")
    db_session.commit()
    staged = _figures(db_session, exam)  # the default figures first, the others a job later
    assert staged[Counting.FIRST].revision == revisions[Counting.FIRST]  # firsts unchanged
    assert (
        staged[Counting.ALL].sheets == 6
        and staged[Counting.ALL].revision == revisions[Counting.ALL]
    )
    assert refresh.apply_second_stage(db_session, utcnow()).startswith("3 attempts folded")
    db_session.commit()
    folded = {c: (r.tally, r.result, r.sheets) for c, r in _figures(db_session, exam).items()}
    assert folded[Counting.ALL][2] == 9 and folded[Counting.FIRST][2] == 6
    assert folded[Counting.LAST][2] == 6 and folded[Counting.BEST][2] == 6
    refresh.recompute_exam(db_session, exam.id, utcnow())
    db_session.commit()
    again = {c: (r.tally, r.result, r.sheets) for c, r in _figures(db_session, exam).items()}
    for counting in Counting:
        assert Tally.from_json(folded[counting][0]) == Tally.from_json(again[counting][0])
        assert folded[counting][2] == again[counting][2]
        assert _close(folded[counting][1], again[counting][1]), counting
    assert db_session.scalar(select(func.count()).select_from(PendingSheet)) == 0


def _close(a: object, b: object) -> bool:
    """The same figures to 1e-6 (sums run in another order; the Rasch fit starts from the
    previous difficulties), everything else exactly."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_the_best_attempt_replaces_the_earlier_one(
    db_session: Session, exam: Exam, make_user: Callable[..., User]
) -> None:
    rng = random.Random(3)
    person = make_user()
    weak = _sit(db_session, exam, person, rng, 0.0)
    refresh.refresh(db_session, utcnow())
    db_session.commit()
    strong = _sit(db_session, exam, person, rng, 1.0)
    refresh.refresh(db_session, utcnow())
    db_session.commit()
    figures = _figures(db_session, exam)
    best = figures[Counting.BEST].result["test"]["mean"]
    first = figures[Counting.FIRST].result["test"]["mean"]
    assert best == pytest.approx(strong.earned) and first == pytest.approx(weak.earned)


def test_a_regrade_recomputes_the_exam(
    db_session: Session, exam: Exam, make_user: Callable[..., User]
) -> None:
    rng = random.Random(5)
    trainer = make_user(Role.TRAINER)
    sat = [_sit(db_session, exam, make_user(), rng, 1.0) for _ in range(3)]
    refresh.refresh(db_session, utcnow())
    db_session.commit()
    before = _figures(db_session, exam)[Counting.FIRST].result["test"]["mean"]
    # the key of sat[0]'s first single-choice question moves: the old key now scores nothing
    item_id = next(i.item_id for i in sat[0].items if i.rule_key == "r1")
    item = db_session.get(Item, item_id)
    factories.change_key(db_session, item, trainer.id)
    regrade.apply(db_session, item, trainer.id, "答案更正", utcnow())
    db_session.commit()
    queued = db_session.scalars(select(PendingSheet)).all()
    assert queued and all(q.regraded for q in queued)
    assert refresh.refresh(db_session, utcnow()).startswith(
        "0 attempts folded in, 1 exams recomputed"
    )
    db_session.commit()
    after = _figures(db_session, exam)[Counting.FIRST].result["test"]["mean"]
    regraded = [db_session.get(Attempt, a.id) for a in sat]
    assert after == pytest.approx(sum(a.earned for a in regraded if a) / 3)
    assert after < before  # sat[0] at least answered the old key of that question


def test_the_pooled_item_carries_each_exam_flag(
    db_session: Session, exam: Exam, make_user: Callable[..., User]
) -> None:
    rng = random.Random(11)
    for _ in range(4):
        _sit(db_session, exam, make_user(), rng, 0.6)
    refresh.refresh(db_session, utcnow() + timedelta(minutes=1))
    db_session.commit()
    pooled = db_session.scalars(select(ItemFigures)).all()
    used = dict(
        db_session.execute(
            select(AttemptItem.item_id, func.count()).group_by(AttemptItem.item_id)
        ).all()
    )
    assert {p.item_id: p.n for p in pooled} == used
    assert all(p.flags == [] for p in pooled)  # four candidates: too few for any flag


def test_the_daily_recomputation_with_nothing_graded_yet(db_session: Session) -> None:
    """A fresh database (every new server's first day) has no sheets: nothing to recompute,
    and the job says so instead of failing."""
    assert refresh.recompute_all(db_session, utcnow()) == "0 exams recomputed"


def test_the_daily_recomputation_takes_every_exam_and_empties_the_queue(
    db_session: Session, exam: Exam, make_user: Callable[..., User]
) -> None:
    other = factories.make_exam(db_session, counts=(2, 1, 1), title="另一场考试")
    rng = random.Random(3)
    for person in [make_user() for _ in range(3)]:
        _sit(db_session, exam, person, rng, 0.6)
        _sit(db_session, other, person, rng, 0.6)
    assert refresh.recompute_all(db_session, utcnow()) == "2 exams recomputed"
    db_session.commit()
    for each in (exam, other):
        figures = _figures(db_session, each)
        assert set(figures) == set(Counting) and figures[Counting.FIRST].sheets == 3
    assert db_session.scalar(select(func.count()).select_from(PendingSheet)) == 0
