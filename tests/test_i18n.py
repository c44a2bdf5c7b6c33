"""Chinese by default, English per user; times shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, render_template_string
from flask.testing import FlaskClient

from exam_app.accounts.models import Role
from tests.web import client_for, csrf_token


def test_pages_are_chinese_by_default(client: FlaskClient) -> None:
    page = client.get("/accounts/login", headers={"Accept-Language": "en-US"}).get_data(
        as_text=True
    )
    assert "登录" in page and '<html lang="zh-CN">' in page


def test_switching_to_english_sticks_to_the_user(app: Flask, client: FlaskClient, login_as) -> None:
    user = login_as(Role.OPERATOR)
    client.post(
        "/locale", data={"locale": "en", "next": "/", "csrf_token": csrf_token(client, "/")}
    )
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign out" in page
    elsewhere = client_for(app, user)  # another browser, same person
    assert '<html lang="en">' in elsewhere.get("/").get_data(as_text=True)


def test_times_are_shown_in_shanghai(app: Flask) -> None:
    with app.test_request_context():
        shown = render_template_string(
            "{{ t|datetime }}", t=datetime(2026, 1, 1, 16, 30, tzinfo=UTC)
        )
    assert shown == "2026-01-02 00:30"
