"""Correcting an answer key: the preview says who changes, the regrade is recorded and undone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exam_app.accounts.models import Role
from exam_app.bank.models import Item
from exam_app.db import utcnow
from exam_app.errors import DomainError
from exam_app.exams import regrade
from exam_app.exams.models import Attempt
from tests.factories import change_key, make_attempt
from tests.web import csrf_token


def test_key_correction_regrades_and_reverts(db_session, make_exam, make_user) -> None:  # type: ignore[no-untyped-def]
    trainer_id = make_user(Role.TRAINER).id
    user_ids = [make_user(Role.OPERATOR).id for _ in range(2)]
    exam = make_exam(counts=(2, 1, 1), pass_percent=100)
    done = [make_attempt(db_session, exam, u, "submitted", answers="key") for u in user_ids]
    assert [a.percent for a in done] == [100.0, 100.0]
    single = next(i for i in done[0].items if i.rule_key == "r1")
    item = db_session.get(Item, single.item_id)
    change_key(db_session, item, trainer_id)

    effects = regrade.preview(db_session, item)
    users_with_item = {a.id for a in done if any(i.item_id == item.id for i in a.items)}
    assert {e.attempt.id for e in effects} == users_with_item
    assert all(e.flips and not e.new_passed for e in effects)
    assert [a.percent for a in done] == [100.0, 100.0], "a preview changes nothing"

    with pytest.raises(DomainError, match="原因"):
        regrade.apply(db_session, item, trainer_id, " ", utcnow())
    record = regrade.apply(db_session, item, trainer_id, "原答案有误", utcnow())
    db_session.commit()
    changed = db_session.get(Attempt, done[0].id)
    assert changed.percent < 100 and not changed.passed
    assert changed.events[-1].kind == "regraded"
    assert regrade.preview(db_session, item) == [], "regraded attempts use the new key"

    regrade.revert(db_session, record, trainer_id, utcnow())
    db_session.commit()
    assert db_session.get(Attempt, done[0].id).percent == 100.0
    assert db_session.scalars(select(Attempt)).all()
    with pytest.raises(DomainError, match="撤销过"):
        regrade.revert(db_session, record, trainer_id, utcnow())


def test_the_editor_sends_a_key_change_to_the_regrade_page(
    client, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    make_exam()
    login_as(Role.TRAINER)
    item = db_session.scalars(select(Item).order_by(Item.id)).first()
    url = f"/bank/items/{item.id}/edit"
    data = {
        "csrf_token": csrf_token(client, url),
        "type": "single",
        "stem": item.current.stem,
        "category_id": "0",
        "level": "intermediate",
        "explanation": "x",
    }
    for n, option in enumerate(item.current.options):
        data[f"options-{n}-text"] = option["text"]
    data["options-0-correct"] = "y"  # the key was B; now A
    response = client.post(url, data=data)
    assert response.headers["Location"].endswith(f"/exams/regrade/items/{item.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="affected"' in page
