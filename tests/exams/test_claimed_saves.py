"""Issue 18: the answer save checks who is signed in inside its own statement (``claims.py``)
instead of reading the user first. Whatever would stop any other request stops a save the same
way, and writes nothing: a revoked session, a closed account, a lost role, a password to
change, a demo account where those are off, a bad CSRF token, someone else's attempt."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from exam_app.accounts.models import Role, User
from exam_app.exams.models import Answer
from tests.web import (
    client_for,
    csrf_token,
    page_token,
    post_json,
    save_answer,
    sent_statements,
    start_exam,
)


@pytest.fixture
def sitting(client: FlaskClient, login_as, make_exam):  # type: ignore[no-untyped-def]
    """An operator signed in, with a certification attempt open and one answer saved."""
    operator = login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    assert save_answer(client, attempt_id, token, position=1, chosen=[0]).status_code == 200
    return operator, attempt_id, token


def _stored(db_session: Session, attempt_id: int) -> int:
    db_session.expire_all()
    answer = db_session.get(Answer, (attempt_id, 1))
    assert answer is not None
    return answer.revision


def test_a_save_reads_no_user_of_its_own(client: FlaskClient, sitting, db_session) -> None:  # type: ignore[no-untyped-def]
    _, attempt_id, token = sitting
    with sent_statements(client.application) as sent:
        saved = save_answer(client, attempt_id, token, position=1, chosen=[1], base_revision=1)
    assert saved.status_code == 200 and saved.get_json()["revision"] == 2
    assert not [s for s in sent if s.startswith("SELECT") and "FROM users" in s], sent
    assert any("JOIN users u" in s for s in sent), "the save's statement checks the claim"
    assert _stored(db_session, attempt_id) == 2


def _page(response: TestResponse) -> str | None:
    """Where a refusal sends the browser (the sign-in page's ``next`` names the request)."""
    location = response.headers.get("Location")
    return location.split("?")[0] if location else None


def _revoke(user: User) -> None:
    user.session_version += 1


def _close(user: User) -> None:
    user.active = False


def _demand_new_password(user: User) -> None:
    user.must_change_password = True


def _take_role(user: User) -> None:
    user.role_rows.clear()


@pytest.mark.parametrize(
    "change", [_revoke, _close, _demand_new_password, _take_role], ids=lambda f: f.__name__
)
def test_a_save_is_refused_as_any_other_request_would_be(
    client: FlaskClient, sitting, db_session: Session, change: Callable[[User], None]
) -> None:  # type: ignore[no-untyped-def]
    operator, attempt_id, token = sitting
    user = db_session.get(User, operator.id)
    assert user is not None
    change(user)
    db_session.commit()
    # the heartbeat is an ordinary view for the same roles: the usual check answers it
    heartbeat = post_json(client, f"/exams/attempts/{attempt_id}/heartbeat", token, {})
    saved = save_answer(client, attempt_id, token, position=1, chosen=[1], base_revision=1)
    assert heartbeat.status_code in (302, 401, 403)
    assert (saved.status_code, _page(saved)) == (heartbeat.status_code, _page(heartbeat))
    assert _stored(db_session, attempt_id) == 1, "nothing written"


def test_a_demo_account_saves_only_where_demo_accounts_may_act(
    app: Flask, client: FlaskClient, sitting, db_session: Session, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    operator, attempt_id, token = sitting
    user = db_session.get(User, operator.id)
    assert user is not None
    user.is_demo = True
    db_session.commit()
    monkeypatch.setitem(app.config, "ALLOW_DEMO_DATA", True)
    kept = save_answer(client, attempt_id, token, position=1, chosen=[1], base_revision=1)
    assert kept.status_code == 200
    monkeypatch.setitem(app.config, "ALLOW_DEMO_DATA", False)
    refused = save_answer(client, attempt_id, token, position=1, chosen=[0], base_revision=2)
    assert refused.status_code == 302 and _page(refused) == "/accounts/login"
    assert _stored(db_session, attempt_id) == 2


def test_a_bad_token_is_refused_and_a_caller_without_the_role_still_sees_only_403(
    client: FlaskClient, sitting, db_session: Session
) -> None:  # type: ignore[no-untyped-def]
    operator, attempt_id, _ = sitting
    forged = save_answer(client, attempt_id, "not-a-token", position=1, chosen=[1], base_revision=1)
    assert forged.status_code == 400
    user = db_session.get(User, operator.id)
    assert user is not None
    user.role_rows.clear()
    db_session.commit()
    assert save_answer(client, attempt_id, "not-a-token", position=1, chosen=[1]).status_code == 403
    assert _stored(db_session, attempt_id) == 1


def test_someone_elses_attempt_is_not_found(
    app: Flask, sitting, make_user, db_session: Session
) -> None:  # type: ignore[no-untyped-def]
    _, attempt_id, _ = sitting
    other = client_for(app, make_user(Role.OPERATOR))
    token = csrf_token(other, "/exams/")
    taken = save_answer(other, attempt_id, token, position=1, chosen=[1], base_revision=1)
    assert taken.status_code == 404
    assert _stored(db_session, attempt_id) == 1


@pytest.mark.parametrize("body", [[1], {"chosen": [0]}], ids=["not an object", "no position"])
def test_a_malformed_save_of_a_revoked_session_is_refused_before_it_is_explained(
    client: FlaskClient, sitting, db_session: Session, body: object
) -> None:  # type: ignore[no-untyped-def]
    operator, attempt_id, token = sitting
    url = f"/exams/attempts/{attempt_id}/answer"
    assert post_json(client, url, token, body).status_code == 400  # signed in: explained
    user = db_session.get(User, operator.id)
    assert user is not None
    _revoke(user)
    db_session.commit()
    refused = post_json(client, url, token, body)
    assert refused.status_code == 302 and _page(refused) == "/accounts/login"
