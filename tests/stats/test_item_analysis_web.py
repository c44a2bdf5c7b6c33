"""Item analysis as trainers and HR read it: the exam's page, one item's distractors, the bank
item pooled, its flag in the bank list and on its review page, the exports; never operators."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from exam_app.accounts.models import Role, User
from exam_app.db import get_session, utcnow
from exam_app.exams import attempts, saving
from exam_app.exams.models import Exam
from exam_app.stats import refresh
from exam_app.stats.models import ItemFigures
from tests import factories

CANDIDATES = 32  # above the 30 a flag needs


@pytest.fixture
def analysed(app: Flask, make_user: Callable[..., User]) -> Exam:
    """32 candidates who all answer every single-choice question right: all twelve are far
    too easy (facility 1.0), the flag the bank must show."""
    people = [make_user() for _ in range(CANDIDATES)]
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


def _too_easy(app: Flask) -> int:
    with app.app_context():
        rows = get_session().scalars(select(ItemFigures)).all()
        return next(r.item_id for r in rows if "too_easy" in r.flags)


def test_a_trainer_meets_the_flagged_item_in_the_bank(
    app: Flask, client: FlaskClient, analysed: Exam, login_as: Callable[..., User]
) -> None:
    item_id = _too_easy(app)
    login_as(Role.TRAINER)
    listing = client.get("/bank/?flagged=1").get_data(as_text=True)
    assert f'href="/bank/items/{item_id}"' in listing and 'data-flag="too_easy"' in listing
    assert "n = 32" in listing
    review = client.get(f"/bank/items/{item_id}").get_data(as_text=True)
    assert (
        'data-testid="item-flags"' in review
        and f"/stats/exams/{analysed.id}/items/{item_id}" in review
    )


def test_the_exam_page_shows_the_figures_and_when(
    client: FlaskClient, analysed: Exam, login_as: Callable[..., User], app: Flask
) -> None:
    login_as(Role.HR)
    page = client.get(f"/stats/exams/{analysed.id}").get_data(as_text=True)
    assert 'data-testid="computed-at"' in page and "计入 32 次作答" in page
    assert page.count('class="flagged"') >= 12
    item_id = _too_easy(app)
    detail = client.get(f"/stats/exams/{analysed.id}/items/{item_id}").get_data(as_text=True)
    assert 'data-testid="distractors"' in detail and 'class="key"' in detail
    pooled = client.get(f"/stats/items/{item_id}").get_data(as_text=True)
    assert "too_easy" in pooled


def test_the_workbook_holds_the_tables_and_native_charts(
    app: Flask, client: FlaskClient, analysed: Exam, login_as: Callable[..., User]
) -> None:
    with app.app_context():
        used = len(get_session().scalars(select(ItemFigures)).all())
    login_as(Role.TRAINER)
    response = client.get(f"/stats/exams/{analysed.id}?export=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["整卷", "分数分布", "逐题", "选项分析"]
    items = book["逐题"]
    assert items.max_row == 1 + used  # a row per item any paper held
    assert book["分数分布"]._charts and items._charts
    test = {row[0].value: row[1].value for row in book["整卷"].iter_rows(min_row=3)}
    assert test["人数"] == CANDIDATES


@pytest.mark.parametrize("path", ["/stats/", "/stats/exams/{exam}", "/stats/outside"])
def test_operators_are_refused(
    client: FlaskClient, analysed: Exam, login_as: Callable[..., User], path: str
) -> None:
    login_as(Role.OPERATOR)
    assert client.get(path.format(exam=analysed.id)).status_code == 403
