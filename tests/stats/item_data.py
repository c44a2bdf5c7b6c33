"""An exam whose single-choice items every candidate answers right: each of them far too easy
(facility 1.0), flagged once 30 candidates have sat it. Graded through the real path and
folded in by the refresh job, as in production."""

from __future__ import annotations

import random
from collections.abc import Sequence

from flask import Flask
from sqlalchemy import select

from exam_app.accounts.models import User
from exam_app.db import get_session, utcnow
from exam_app.exams import attempts, saving
from exam_app.exams.models import Exam
from exam_app.stats import refresh
from exam_app.stats.models import ItemFigures
from tests import factories

CANDIDATES = 32  # above the 30 a flag needs


def build_flagged(app: Flask, people: Sequence[User]) -> Exam:
    with app.app_context():
        session = get_session()
        factories.load_bank(session)
        exam = factories.make_exam(session, counts=(12, 1, 1))
        rng = random.Random(2)
        for person in people:
            user = session.get(User, person.id)
            assert user is not None
            now = utcnow()
            attempt = attempts.start_attempt(session, exam, user, now)
            keys = factories.key_positions(session, attempt)
            for item in attempt.items:
                chosen = keys[item.position]
                if item.rule_key != "r1" and rng.random() < 0.5:
                    chosen = factories.wrong_choice(item, chosen)
                saving.save_answer(
                    session, attempt.id, user.id, item.position, chosen, False, 0, now
                )
            attempts.submit_attempt(session, attempt, now)
            session.commit()
        refresh.refresh(session, utcnow())
        session.commit()
        session.expunge(exam)
        return exam


def too_easy_item(app: Flask) -> int:
    with app.app_context():
        rows = get_session().scalars(select(ItemFigures)).all()
        return next(r.item_id for r in rows if "too_easy" in r.flags)
