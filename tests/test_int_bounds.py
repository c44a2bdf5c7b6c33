"""Numbers beyond what the database holds: an id in a URL names nothing (404), a number in a
body or a query is a bad request (400) or ignored; never a database error (500).

Every id column is SQL INTEGER (32-bit on PostgreSQL, whose driver binds parameters as
``::INTEGER``; SQLite's 64-bit integers end at 2**63 - 1).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exam_app.accounts.models import Role
from tests import factories
from tests.web import csrf_token, login, start_exam

#: The top of SQL INTEGER (written here, not imported: the test states the range it expects).
INT_MAX = 2**31 - 1
#: Just beyond PostgreSQL's INTEGER, just beyond SQLite's (and BIGINT), and far beyond.
TOO_BIG = (INT_MAX + 1, 2**63, 10**23)
_INT_ARGUMENT = re.compile(r"<int:[^>]+>")


def _int_routes(app: Flask) -> Iterator[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route with an ``int`` argument."""
    for rule in app.url_map.iter_rules():
        if _INT_ARGUMENT.search(rule.rule):
            methods = rule.methods or set()
            yield rule.endpoint, "GET" if "GET" in methods else "POST", rule.rule


def _open(client: FlaskClient, method: str, url: str, token: str) -> int:
    """The status of ``url``; a POST carries a valid CSRF token (as a field and a header)."""
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token})
    response.close()
    return response.status_code


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR, Role.TRAINER, Role.HR], ids=str)
def test_ids_beyond_the_database_range_name_nothing(
    app: Flask, client: FlaskClient, make_user, role: Role
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(role)
    assert login(client, user.employee_no).status_code == 302
    token = csrf_token(client, "/accounts/password")
    routes = list(_int_routes(app))
    assert len(routes) > 30
    # werkzeug rules out a route on its method before its converters: a path that a GET and
    # a POST route share answers the other method's request 405, naming nothing either
    shared = {rule for _e, _m, rule in routes if sum(r == rule for _x, _y, r in routes) > 1}
    wrong = []
    for endpoint, method, rule in routes:
        for number in (*TOO_BIG, INT_MAX):
            url = _INT_ARGUMENT.sub(str(number), rule)
            status = _open(client, method, url, token)
            # Beyond the range: no route matches. At the top of it: a 500 is the only failure.
            refused = {404, 405} if rule in shared else {404}
            if status == 500 or (number > INT_MAX and status not in refused):
                wrong.append((endpoint, number, status))
    assert wrong == []
    # More digits than Python's int() reads from text (4,300) must not get that far either.
    assert client.get("/exams/attempts/" + "9" * 5000).status_code == 404


def test_query_and_form_numbers_beyond_the_range_are_ignored(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    trainer = login_as(Role.TRAINER)
    item = factories.make_item(db_session, trainer.id)
    token = csrf_token(client, "/bank/")
    for number in TOO_BIG:
        for url in (
            f"/bank/?page={number}",
            f"/bank/?category_id={number}",
            f"/bank/export.csv?category_id={number}",
            f"/bank/items/{item.id}/diff?a={number}&b={number}",
        ):
            assert client.get(url).status_code in (200, 404), url
        bulk = client.post(
            "/bank/bulk",
            data={
                "csrf_token": token,
                "action": "recategorize",
                "ids": [str(number), "²", str(item.id)],
                "category_id": str(number),
            },
        )
        assert bulk.status_code in (200, 302), bulk.get_data(as_text=True)


def test_admin_pages_ignore_a_page_number_beyond_the_range(client: FlaskClient, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.ADMIN)
    for number in TOO_BIG:
        assert client.get(f"/accounts/users?page={number}").status_code == 200


def _post_json(client: FlaskClient, url: str, token: str, body: object):  # type: ignore[no-untyped-def]
    return client.post(
        url, data=json.dumps(body), content_type="application/json", headers={"X-CSRFToken": token}
    )


def test_saves_with_numbers_beyond_the_range_are_bad_requests(
    client: FlaskClient, login_as, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    factories.load_bank(db_session)
    exam = factories.make_exam(db_session)
    attempt_id = start_exam(client, exam.id)
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match
    token, url = match.group(1), f"/exams/attempts/{attempt_id}/answer"
    for number in TOO_BIG:
        for body in (
            {"position": number, "chosen": [0]},
            {"position": 1, "chosen": [0], "base_revision": number},
            {"position": 1, "chosen": [number]},
            {"position": str(number), "chosen": [0]},
        ):
            response = _post_json(client, url, token, body)
            assert response.status_code == 400, (body, response.get_data(as_text=True))
    for raw in ('{"position": 1e400, "chosen": [0]}', '{"position": NaN, "chosen": [0]}'):
        response = client.post(
            url, data=raw, content_type="application/json", headers={"X-CSRFToken": token}
        )
        assert response.status_code == 400, raw
    # The top of the range is a well-formed request for a question the paper does not have.
    assert _post_json(client, url, token, {"position": INT_MAX, "chosen": [0]}).status_code == 423
    # A body that is JSON but not an object is as bad as one that is not JSON.
    for body in ([1, 2], "text", 7, None):
        for path in ("answer", "heartbeat"):
            response = _post_json(client, f"/exams/attempts/{attempt_id}/{path}", token, body)
            assert response.status_code in (200, 400), (path, body, response.status_code)
        response = _post_json(client, url, token, body)
        assert response.status_code == 400, body
    assert _post_json(client, url, token, {"position": 1, "chosen": [0]}).status_code == 200


def test_wrong_book_answers_with_numbers_beyond_the_range_are_bad_requests(
    client: FlaskClient, login_as
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    token = csrf_token(client, "/exams/")
    for body in ({"chosen": [10**23]}, [1, 2], "text"):
        response = _post_json(client, "/exams/wrong-book/1/answer", token, body)
        assert response.status_code in (400, 404), (body, response.status_code)
