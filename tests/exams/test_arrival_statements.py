"""What the pages a sitting lands on read (``bench/storm_profile.py`` follows the same path):
the ORM user without its roles, no user read for someone tracking does not know, and a paper
reloaded after many saves without its event log."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from exam_app.accounts.models import Role
from tests.web import page_token, save_answer, sent_statements, start_exam


def _reads_of(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and table in s]


def test_the_exam_pages_load_the_user_without_its_roles(
    app: Flask, client: FlaskClient, login_as, make_exam
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    exam_id = make_exam().id
    for url in ("/exams/", f"/exams/{exam_id}/start"):
        with sent_statements(app) as sent:
            assert client.get(url).status_code == 200
        user_rows = [s for s in _reads_of(sent, "FROM users") if "users.password_hash" in s]
        assert len(user_rows) == 1, url  # signed_in_user's entity
        roles = [s for s in _reads_of(sent, "user_roles") if "JOIN user_roles" not in s]
        assert roles == [], url  # only the principal's join reads roles


def test_the_home_page_reads_no_user_for_someone_untracked(
    app: Flask, client: FlaskClient, login_as
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    with sent_statements(app) as sent:
        page = client.get("/").get_data(as_text=True)
    assert "退出" in page
    assert len(_reads_of(sent, "FROM users")) == 1  # the principal


def test_a_reloaded_paper_does_not_read_the_event_log(
    app: Flask, client: FlaskClient, login_as, make_exam
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    for revision in range(6):  # each save logs an event
        saved = save_answer(
            client, attempt_id, token, position=1, chosen=[revision % 2], base_revision=revision
        )
        assert saved.status_code == 200
    with sent_statements(app) as sent:
        assert client.get(f"/exams/attempts/{attempt_id}").status_code == 200
    events = _reads_of(sent, "attempt_events")
    assert len(events) == 1 and "EXISTS" in events[0].upper()
    assert "attempt_events.detail" not in events[0]
