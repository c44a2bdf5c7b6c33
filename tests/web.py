"""Driving the app over HTTP with Flask's test client: CSRF tokens, signing in, taking an exam."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.test import TestResponse

from exam_app.accounts.models import User
from tests.factories import PASSWORD

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def csrf_token(client: FlaskClient, url: str = "/accounts/login") -> str:
    """Open ``url`` and return its form's CSRF token."""
    return csrf_from(client.get(url).get_data(as_text=True))


def login(client: FlaskClient, employee_no: str, password: str = PASSWORD) -> TestResponse:
    """Post the sign-in form (the response tells whether it worked)."""
    return client.post(
        "/accounts/login",
        data={
            "employee_no": employee_no,
            "password": password,
            "csrf_token": csrf_token(client),
        },
    )


def client_for(app: Flask, user: User, password: str = PASSWORD) -> FlaskClient:
    """Another browser, signed in as ``user``."""
    client = app.test_client()
    response = login(client, user.employee_no, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@contextmanager
def sent_statements(app: Flask) -> Iterator[list[str]]:
    """The SQL the app sends to its database while the block runs, in order, each statement's
    whitespace collapsed to single spaces."""
    sent: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(" ".join(statement.split()))

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", seen)


# --- taking an exam ------------------------------------------------------------------------


def start_exam(client: FlaskClient, exam_id: int) -> int:
    """Start the exam from the exam list; returns the new attempt's id."""
    response = client.post(
        f"/exams/{exam_id}/start", data={"csrf_token": csrf_token(client, "/exams/")}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    started = re.search(r"/attempts/(\d+)", response.headers["Location"])
    assert started, response.headers["Location"]
    return int(started.group(1))


def submit_exam(client: FlaskClient, attempt_id: int) -> TestResponse:
    """Press the attempt page's submit button."""
    return client.post(
        f"/exams/attempts/{attempt_id}/submit",
        data={"csrf_token": csrf_token(client, f"/exams/attempts/{attempt_id}")},
    )


def page_token(client: FlaskClient, url: str) -> str:
    """The CSRF token a page hands its scripts (``<meta name="csrf-token">``)."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, f"{url} has no csrf-token meta"
    return match.group(1)


def post_json(client: FlaskClient, url: str, token: str, body: object) -> TestResponse:
    """POST ``body`` as JSON with the CSRF header, as the pages' scripts do."""
    return client.post(
        url, data=json.dumps(body), content_type="application/json", headers={"X-CSRFToken": token}
    )


def save_answer(client: FlaskClient, attempt_id: int, token: str, **body: object) -> TestResponse:
    """One answer saved from the attempt page (``position``, ``chosen``, ``base_revision``,
    ``flagged``, ``confirm``)."""
    return post_json(client, f"/exams/attempts/{attempt_id}/answer", token, body)
