"""SQLite requests read without the write lock and run again when a write of theirs is refused
(``exam_app/optimistic.py``).

The mechanism exists only for SQLite files, so these tests build an app on a file of their own,
whatever database the rest of the suite uses. "Somebody else" is a second connection of the
tests' own that writes and commits while a request is between its read and its write, exactly
where another gunicorn worker's save would land.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, request
from sqlalchemy import text

from exam_app import create_app, migrate
from exam_app.accounts.permissions import public
from exam_app.config import TestConfig
from exam_app.db import get_session
from tests import factories
from tests.web import csrf_token, login


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    path = tmp_path / "optimistic.sqlite3"
    app = create_app({**settings, "DATABASE_URL": f"sqlite:///{path}"})
    engine = app.extensions["db_engine"]
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE tally (name TEXT PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO tally VALUES ('a', 0), ('b', 0)"))
    app.config["path"] = path
    app.config["runs"] = []
    _add_routes(app)
    yield app
    app.extensions["db_session"].remove()
    engine.dispose()


def _other_writer(path: Path, name: str, wait: float = 5.0) -> None:
    """Another process's write, committed at once."""
    with sqlite3.connect(path, isolation_level=None, timeout=wait) as other:
        other.execute("UPDATE tally SET n = n + 100 WHERE name = ?", (name,))
    other.close()


def _read(name: str) -> int:
    query = text("SELECT n FROM tally WHERE name = :n")
    return int(get_session().execute(query, {"n": name}).scalar_one())


def _add_routes(app: Flask) -> None:
    runs: list[dict[str, str]] = app.config["runs"]
    path: Path = app.config["path"]

    @app.route("/_t/add", methods=["POST"])
    @public
    def add() -> str:
        """Read a tally, let somebody else write on the first run only, then write what was read
        plus the form's amount: a lost update unless the write is refused and run again."""
        session = get_session()
        runs.append(dict(request.form))
        seen = _read("a")
        if len(runs) == 1:
            _other_writer(path, "a")
        amount = int(request.form["amount"])
        session.execute(text("UPDATE tally SET n = :n WHERE name = 'a'"), {"n": seen + amount})
        session.commit()
        return str(seen + amount)

    @app.route("/_t/two-commits", methods=["POST"])
    @public
    def two_commits() -> str:
        """A first transaction writes and commits; the second reads, then writes. Were the
        second to read first without the lock, somebody's write could make the request run
        again and do the first commit twice: it must hold the lock from its first read."""
        session = get_session()
        session.execute(text("UPDATE tally SET n = n + 1 WHERE name = 'b'"))
        session.commit()
        seen = _read("a")
        try:
            _other_writer(path, "a", wait=0.0)
            runs.append({"other": "wrote"})
        except sqlite3.OperationalError as exc:
            runs.append({"other": str(exc)})
        session.execute(text("UPDATE tally SET n = :n WHERE name = 'a'"), {"n": seen + 1})
        session.commit()
        return "ok"


def _tally(app: Flask, name: str) -> int:
    with sqlite3.connect(app.config["path"]) as conn:
        return int(conn.execute("SELECT n FROM tally WHERE name = ?", (name,)).fetchone()[0])


def test_a_write_after_somebody_elses_is_run_again_with_the_same_body(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    response = client.post("/_t/add", data={"amount": "7", "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "107"  # the second run read the other's write
    assert _tally(sqlite_app, "a") == 107  # neither write lost
    runs = sqlite_app.config["runs"]
    assert [run["amount"] for run in runs] == ["7", "7"]  # run twice, the form kept


def test_a_write_nobody_raced_runs_once(sqlite_app: Flask) -> None:
    sqlite_app.config["runs"].append({})  # as if this were the second run: nobody writes
    client = sqlite_app.test_client()
    response = client.post("/_t/add", data={"amount": "5", "csrf_token": csrf_token(client)})
    assert response.get_data(as_text=True) == "5"
    assert len(sqlite_app.config["runs"]) == 2  # the one taken above, and this one


def test_after_a_commit_the_request_is_never_run_again(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    response = client.post("/_t/two-commits", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 200
    assert sqlite_app.config["runs"] == [{"other": "database is locked"}]  # one run, locked
    assert _tally(sqlite_app, "b") == 1  # the first commit happened once
    assert _tally(sqlite_app, "a") == 1


def test_pages_and_sign_in_do_not_wait_for_a_writer(sqlite_app: Flask) -> None:
    """While another process holds SQLite's write lock (as a long save transaction would),
    the sign-in page, signing in and a signed-in page are served; before, each of them waited
    for the lock (up to the 30 s busy timeout)."""
    with sqlite_app.app_context():
        factories.make_user(get_session(), employee_no="O0001")
        get_session().commit()
    writer = sqlite3.connect(sqlite_app.config["path"], isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE tally SET n = n + 1 WHERE name = 'b'")
    served: dict[str, int] = {}

    def browse() -> None:
        client = sqlite_app.test_client()
        served["login page"] = client.get("/accounts/login").status_code
        served["sign in"] = login(client, "O0001").status_code
        served["exams"] = client.get("/exams/").status_code

    reader = threading.Thread(target=browse)
    reader.start()
    reader.join(timeout=20)
    still_waiting = reader.is_alive()
    writer.execute("COMMIT")
    writer.close()
    reader.join()
    assert not still_waiting, f"a reader waited for the write lock (served so far: {served})"
    assert served == {"login page": 200, "sign in": 302, "exams": 200}
