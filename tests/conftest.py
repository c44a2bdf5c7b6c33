"""Fixtures: one migrated database per run (SQLite file, or a fresh PostgreSQL database), emptied
after every test; the app, its client and CLI runner; users, and a signed-in client.

Fixtures only: the helpers they stand on live in ``tests.factories`` and ``tests.web``."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from exam_app import create_app, migrate
from exam_app.accounts.models import Role, User
from exam_app.config import TestConfig
from exam_app.db import Base, make_engine
from tests import factories
from tests.web import login


def _postgres_database(admin_url: str) -> Iterator[str]:
    """Create a database of our own on the server and drop it afterwards."""
    url = make_url(admin_url)
    name = f"exam_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("TEST_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        yield from _postgres_database(configured)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**settings, "DATABASE_URL": database_url})
    migrate.upgrade(app.extensions["db_engine"])  # the schema is built the way production does
    yield app
    app.extensions["db_session"].remove()
    app.extensions["db_engine"].dispose()


@pytest.fixture(autouse=True)
def _empty_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from empty tables (only tests that use the app touch the database)."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    app.extensions["db_session"].remove()
    with app.extensions["db_engine"].begin() as conn:
        # items and item_versions point at each other; cut that link before deleting either.
        conn.execute(Base.metadata.tables["items"].update().values(current_version_id=None))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "bank_state":  # the migration's one row, kept like the schema
                conn.execute(table.delete())


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session of the test's own (requests use theirs), closed before the tables are emptied."""
    # Deferred BEGIN: the test's own reads must not hold SQLite's write lock while the app's
    # requests (which begin IMMEDIATE) run.
    engine = make_engine(app.config["DATABASE_URL"], sqlite_begin="BEGIN")
    # No app context is held open here: Flask would reuse it for the client's requests, and the
    # request-scoped session would then outlive its request.
    with Session(engine, expire_on_commit=False) as s:
        yield s
        s.rollback()
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """``factories.make_user`` in the app's session, numbering this test's users U0001, U0002..."""
    counter = itertools.count(1)

    def make(*roles: Role, employee_no: str | None = None, **kwargs: object) -> User:
        number = employee_no or f"U{next(counter):04d}"
        return factories.make_user(app, *roles, employee_no=number, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def login_as(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Sign the test client in as a new user holding ``roles``."""

    def sign_in(*roles: Role, **kwargs: object) -> User:
        user = make_user(*roles, **kwargs)
        response = login(client, user.employee_no)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return sign_in


@pytest.fixture
def cert_settings(app: Flask, tmp_path: Path) -> Iterator[None]:
    """Certificates signed with a key file of the test's own, for a fixed public address."""
    old = {k: app.config[k] for k in ("CERT_SIGNING_KEY_FILE", "CERT_BASE_URL")}
    app.config["CERT_SIGNING_KEY_FILE"] = str(tmp_path / "signing.pem")
    app.config["CERT_BASE_URL"] = "https://exam.example.test"
    yield
    app.config.update(old)


@pytest.fixture
def in_app(app: Flask) -> Iterator[None]:
    """For tests that call services directly (web tests must not: the client would reuse it)."""
    with app.app_context():
        yield
