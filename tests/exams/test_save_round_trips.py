"""Issue 18: what an answer save costs PostgreSQL, counted on the wire (libpq's protocol trace
of every connection the app's pool hands out: one ReadyForQuery per round trip), and that the
pool survives the database closing its connections (a restart) without a ping per checkout.

SQLite has no round trips; its statement count is checked in test_practice_answers.py."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, select, text

from exam_app.accounts.models import Role
from exam_app.exams.models import Answer, AttemptEvent
from tests.web import page_token, save_answer, start_exam


@pytest.fixture(autouse=True)
def _postgresql_only(app: Flask) -> None:
    if app.extensions["db_engine"].dialect.name != "postgresql":
        pytest.skip("round trips and server restarts are PostgreSQL's (make test-pg)")


@contextmanager
def wire(app: Flask) -> Iterator[list[str]]:
    """The client's protocol messages of every connection checked out meanwhile, as lines
    ("F Parse …", "B ReadyForQuery …"), filled in when the block ends."""
    engine = app.extensions["db_engine"]
    trace = tempfile.NamedTemporaryFile(delete=False)  # noqa: SIM115 (closed below)
    flags = psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE

    def on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.pgconn.trace(trace.fileno())
        dbapi_conn.pgconn.set_trace_flags(flags)

    def on_checkin(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.pgconn.untrace()

    lines: list[str] = []
    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "checkin", on_checkin)
    try:
        yield lines
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "checkin", on_checkin)
        trace.close()
        with open(trace.name, encoding="utf-8", errors="replace") as f:
            lines.extend(f.read().splitlines())
        os.unlink(trace.name)


def _round_trips(lines: list[str]) -> int:
    return sum(1 for line in lines if "\tReadyForQuery\t" in line)


def _simple_queries(lines: list[str]) -> list[str]:
    return [line.split("\t")[-1].strip() for line in lines if "\tQuery\t" in line]


def test_a_certification_save_is_one_round_trip(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    operator = login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    first = save_answer(client, attempt_id, token, position=1, chosen=[0], base_revision=0)
    assert first.status_code == 200  # this process now knows the paper's option orders
    with wire(client.application) as lines:
        for revision, chosen in enumerate(([1], [0], [1]), start=1):
            saved = save_answer(
                client, attempt_id, token, position=1, chosen=chosen, base_revision=revision
            )
            assert saved.status_code == 200 and saved.get_json()["revision"] == revision + 1
    # the save, which checks who is signed in itself: no user read, no ping, BEGIN or COMMIT
    assert _round_trips(lines) == 3, "\n".join(lines)
    assert _simple_queries(lines) == [], "nothing sent outside the statement"
    db_session.expire_all()
    answer = db_session.get(Answer, (attempt_id, 1))
    assert answer is not None and answer.revision == 4
    logged = db_session.scalars(
        select(AttemptEvent.detail)
        .where(AttemptEvent.attempt_id == attempt_id, AttemptEvent.kind == "answered")
        .order_by(AttemptEvent.id)
    ).all()
    assert [d["revision"] for d in logged] == [1, 2, 3, 4]
    assert all(d["position"] == 1 and d["flagged"] is False for d in logged)
    assert {tuple(d["chosen"]) for d in logged} <= {(lab,) for lab in "ABCDEFGH"}
    assert answer.response == logged[-1]["chosen"], "the log says what was stored"
    assert operator.id is not None


def test_a_stale_save_through_the_same_path_is_refused_and_logged(
    client: FlaskClient, login_as, make_exam, db_session
) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    assert save_answer(client, attempt_id, token, position=2, chosen=[0]).status_code == 200
    assert save_answer(client, attempt_id, token, position=2, chosen=[1], base_revision=1)
    stale = save_answer(client, attempt_id, token, position=2, chosen=[0], base_revision=1)
    assert stale.status_code == 409 and stale.get_json()["revision"] == 2
    db_session.expire_all()
    kinds = db_session.scalars(
        select(AttemptEvent.kind)
        .where(AttemptEvent.attempt_id == attempt_id)
        .order_by(AttemptEvent.id)
    ).all()
    assert kinds.count("answered") == 2 and kinds[-1] == "conflict"


def test_the_pool_survives_the_database_closing_every_connection(
    app: Flask, client: FlaskClient, login_as, make_exam
) -> None:  # type: ignore[no-untyped-def]
    """What a PostgreSQL restart does to the pool: every connection it holds is dead. With no
    pre-ping, the first statement finds out, the pool is invalidated, and the request goes on
    with a new connection: the candidate sees nothing of it."""
    login_as(Role.OPERATOR)
    attempt_id = start_exam(client, make_exam().id)
    token = page_token(client, f"/exams/attempts/{attempt_id}")
    assert save_answer(client, attempt_id, token, position=1, chosen=[0]).status_code == 200
    url = app.extensions["db_engine"].url
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND application_name = ''"
            )
        ).scalar_one()
    admin.dispose()
    assert killed >= 1, "the app's pooled connections were open"
    again = save_answer(client, attempt_id, token, position=1, chosen=[1], base_revision=1)
    assert again.status_code == 200 and again.get_json()["revision"] == 2
    assert client.get(f"/exams/attempts/{attempt_id}").status_code == 200
