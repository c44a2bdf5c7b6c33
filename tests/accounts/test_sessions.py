"""Signing out ends the session for good: copied session and remember-me cookies die with it;
remember-me lasts two weeks; the CSRF token changes at sign-in and sign-out."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from exam_app.accounts.models import Role
from exam_app.config import ProductionConfig
from exam_app.db import utcnow
from tests.factories import PASSWORD
from tests.web import csrf_token, login

REMEMBER = "remember_token"


def _sign_in(client: FlaskClient, employee_no: str, remember: bool = False) -> None:
    data = {"employee_no": employee_no, "password": PASSWORD, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    assert client.post("/accounts/login", data=data).status_code == 302


def _sign_out(client: FlaskClient) -> None:
    response = client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302


def _browser_with(app: Flask, name: str, value: str) -> FlaskClient:
    """Another browser holding nothing but a copy of one cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def test_a_copied_session_cookie_stops_working_at_sign_out(app: Flask, make_user) -> None:
    user = make_user()
    browser = app.test_client()
    _sign_in(browser, user.employee_no)
    cookie = browser.get_cookie("session")
    assert cookie is not None
    assert _browser_with(app, "session", cookie.value).get("/").status_code == 200  # a copy works
    _sign_out(browser)
    thief = _browser_with(app, "session", cookie.value)
    response = thief.get("/")
    assert response.status_code == 302 and "/accounts/login" in response.headers["Location"]


def test_a_copied_remember_me_cookie_stops_working_at_sign_out(app: Flask, make_user) -> None:
    user = make_user()
    browser = app.test_client()
    _sign_in(browser, user.employee_no, remember=True)
    cookie = browser.get_cookie(REMEMBER)
    assert cookie is not None
    assert _browser_with(app, REMEMBER, cookie.value).get("/").status_code == 200
    _sign_out(browser)
    assert browser.get_cookie(REMEMBER) is None, "this browser's own copy is deleted"
    assert _browser_with(app, REMEMBER, cookie.value).get("/").status_code == 302


def test_signing_out_ends_the_accounts_other_sessions_too(app: Flask, make_user) -> None:
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    _sign_in(laptop, user.employee_no)
    _sign_in(phone, user.employee_no, remember=True)
    _sign_out(laptop)
    assert phone.get("/").status_code == 302
    _sign_in(laptop, user.employee_no)  # and signing in again works as ever
    assert laptop.get("/").status_code == 200


def test_remember_me_lasts_two_weeks_httponly_and_same_site(client: FlaskClient, make_user) -> None:
    _sign_in(client, make_user().employee_no, remember=True)
    cookie = client.get_cookie(REMEMBER)
    assert cookie is not None and cookie.expires is not None
    lasts = cookie.expires - utcnow()
    assert timedelta(days=13) < lasts <= timedelta(days=14), lasts
    assert cookie.http_only and cookie.same_site == "Lax"


def test_production_cookies_are_secure_httponly_and_same_site() -> None:
    for kind in ("SESSION", "REMEMBER"):
        assert getattr(ProductionConfig, f"{kind}_COOKIE_SECURE") is True
        assert getattr(ProductionConfig, f"{kind}_COOKIE_HTTPONLY") is True
        assert getattr(ProductionConfig, f"{kind}_COOKIE_SAMESITE") == "Lax"


def _post_locale(client: FlaskClient, token: str) -> int:
    data = {"locale": "en", "next": "/", "csrf_token": token}
    return client.post("/locale", data=data).status_code


def test_the_csrf_token_from_before_sign_in_is_refused_after_it(
    client: FlaskClient, make_user
) -> None:
    user = make_user()
    before = csrf_token(client)
    assert login(client, user.employee_no).status_code == 302
    assert _post_locale(client, before) == 400
    after = csrf_token(client, "/")
    assert after != before
    assert _post_locale(client, after) == 302


def test_the_csrf_token_from_before_sign_out_is_refused_after_it(
    client: FlaskClient, login_as
) -> None:
    login_as(Role.OPERATOR)
    signed_in = csrf_token(client, "/")
    client.post("/accounts/logout", data={"csrf_token": signed_in})
    assert client.get("/").status_code == 302
    assert _post_locale(client, signed_in) == 400
    assert _post_locale(client, csrf_token(client)) == 302
