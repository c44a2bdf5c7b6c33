"""Signed cookies and CSRF tokens remembered once verified (``exam_app/signed_cookies.py``): a
remembered one is still refused once too old, exactly when the full check would refuse it."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exam_app.signed_cookies import Verified
from tests.web import csrf_token


def test_a_kept_string_is_given_back_only_while_young_enough() -> None:
    kept = Verified(size=2)
    kept.keep("a", {"x": 1}, signed_at=1000.0)
    assert kept.get("a", max_age=60, now=1030.0) == {"x": 1}
    assert kept.get("a", max_age=60, now=1061.0) is None  # too old: dropped
    assert kept.get("a", max_age=60, now=1030.0) is None  # and not kept any more
    kept.keep("b", 1, signed_at=2000.0)
    assert kept.get("b", max_age=60, now=1999.0) is None  # signed in the future: refused
    assert kept.get("b", max_age=None, now=9999.0) is None  # (dropped by the refusal above)
    for key in ("c", "d", "e"):
        kept.keep(key, key, signed_at=0.0)
    assert kept.get("c", max_age=None, now=5.0) is None  # the least recently used went first
    assert kept.get("e", max_age=None, now=5.0) == "e"


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Move the clock on (for itsdangerous' own check as for the remembered one)."""
    real = time.time

    def move(seconds: float) -> None:
        monkeypatch.setattr(time, "time", lambda: real() + seconds)

    return move


def _switch_language(client: FlaskClient, token: str) -> int:
    form = {"locale": "en", "csrf_token": token, "next": "/accounts/login"}
    return client.post("/locale", data=form).status_code


def test_a_remembered_csrf_token_expires_with_its_time_limit(
    app: Flask, client: FlaskClient, later: Callable[[float], None]
) -> None:
    token = csrf_token(client)
    assert _switch_language(client, token) == 302  # verified, and now remembered
    assert _switch_language(client, token) == 302  # remembered
    later(app.config["WTF_CSRF_TIME_LIMIT"] - 60)
    assert _switch_language(client, token) == 302  # still within the limit
    later(app.config["WTF_CSRF_TIME_LIMIT"] + 60)
    assert _switch_language(client, token) == 400  # expired, remembered or not


def test_a_forged_token_is_refused_after_a_good_one(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client)
    assert _switch_language(client, token) == 302
    assert _switch_language(client, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) == 400


def test_a_remembered_session_cookie_expires_with_the_session(
    app: Flask, login_as: Callable[..., object], client: FlaskClient, later: Callable[[float], None]
) -> None:
    login_as()
    assert client.get("/exams/").status_code == 200
    assert client.get("/exams/").status_code == 200  # the cookie, remembered
    later(app.permanent_session_lifetime.total_seconds() + 60)
    response = client.get("/exams/")
    assert response.status_code == 302
    assert "/accounts/login" in response.headers["Location"]


def test_a_session_with_flashed_messages_is_not_shared(app: Flask, client: FlaskClient) -> None:
    """A session holding a list is verified afresh each time, so no request sees another's
    copy of the list: the sign-in failure's message is shown once, then gone."""
    token = csrf_token(client)
    form = {"employee_no": "nobody", "password": "wrong-password", "csrf_token": token}
    page = client.post("/accounts/login", data=form).get_data(as_text=True)
    assert "工号或密码错误" in page
    assert "工号或密码错误" not in client.get("/accounts/login").get_data(as_text=True)
