"""Demo accounts (public password) sign in only where ALLOW_DEMO_DATA is on: never under
production settings, and a demo session ends when the setting is off."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from exam_app import create_app, demo, migrate
from exam_app.accounts import passwords, services
from exam_app.accounts.models import User
from exam_app.accounts.policy import login_limits
from exam_app.config import ProductionConfig
from exam_app.db import make_engine, utcnow
from tests.factories import POLICY
from tests.web import login

DEMO_NUMBERS = [row[0] for row in demo.DEMO_USERS]


@pytest.fixture
def demo_loaded(db_session) -> None:  # type: ignore[no-untyped-def]
    demo.load_demo(db_session, POLICY, utcnow())
    db_session.commit()


@pytest.fixture
def demo_off(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "ALLOW_DEMO_DATA", False)


def test_load_demo_flags_its_accounts(db_session, demo_loaded) -> None:  # type: ignore[no-untyped-def]
    for number in DEMO_NUMBERS:
        assert services.find_user(db_session, number).is_demo


def test_demo_accounts_are_refused_where_demo_data_is_off(
    client: FlaskClient, make_user, demo_loaded, demo_off
) -> None:
    for number in DEMO_NUMBERS:
        response = login(client, number, demo.DEMO_PASSWORD)
        assert response.status_code == 401, number
        assert "演示账号" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert login(client, make_user().employee_no).status_code == 302, "others sign in as usual"


def test_demo_accounts_sign_in_where_demo_data_is_on(client: FlaskClient, demo_loaded) -> None:
    assert login(client, "A0001", demo.DEMO_PASSWORD).status_code == 302


def test_a_demo_session_ends_when_demo_data_is_switched_off(
    app: Flask, client: FlaskClient, demo_loaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert login(client, "O0001", demo.DEMO_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    monkeypatch.setitem(app.config, "ALLOW_DEMO_DATA", False)
    assert client.get("/").status_code == 302


def test_a_wrong_password_for_a_demo_number_is_an_ordinary_failure(
    client: FlaskClient, demo_loaded, demo_off
) -> None:
    response = login(client, "A0001", "wrong-password1")
    assert response.status_code == 401 and "工号或密码错误" in response.get_data(as_text=True)


def test_production_settings_refuse_demo_accounts(tmp_path: Path) -> None:
    settings = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    prod = create_app(
        {
            **settings,
            "ENV_NAME": "production",
            "SECRET_KEY": "p" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "SCHEDULER_ENABLED": False,  # not a server: no timer thread in the test run
        }
    )
    migrate.upgrade(prod.extensions["db_engine"])
    with prod.app_context():
        session = prod.extensions["db_session"]()
        demo.load_demo(session, POLICY, utcnow())  # as if someone loaded it by hand
        session.commit()
        with pytest.raises(services.BadCredentials, match="演示账号"):
            services.authenticate(
                session,
                "A0001",
                demo.DEMO_PASSWORD,
                "10.0.0.1",
                login_limits(prod.config),
                utcnow(),
            )
    prod.extensions["db_session"].remove()
    prod.extensions["db_engine"].dispose()


def test_the_migration_flags_demo_accounts_made_before_it_and_keeps_roles(
    tmp_path: Path,
) -> None:
    """Accounts loaded before the flag existed: a demo number that still has the demo password
    is a demo account; a real person who took such a number and changed it is not. The users
    table is altered in place: with SQLite's foreign keys on, copying it would drop the roles."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(engine, "7c2d4e5f6a01")
    demo_hash = passwords.hash_password(demo.DEMO_PASSWORD, POLICY.method)
    other_hash = passwords.hash_password("Kx7-room-4821", POLICY.method)
    rows = [("A0001", demo_hash), ("O0001", other_hash), ("Z0001", demo_hash)]
    with engine.begin() as conn:
        for number, hash_ in rows:
            conn.execute(
                text(
                    "INSERT INTO users (employee_no, name, position, password_hash, active,"
                    " must_change_password, session_version, created_at)"
                    " VALUES (:no, 'x', '', :h, 1, 0, 1, '2026-01-01 00:00:00')"
                ),
                {"no": number, "h": hash_},
            )
        conn.execute(text("INSERT INTO user_roles (user_id, role) SELECT id, 'admin' FROM users"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        flags = dict(conn.execute(text("SELECT employee_no, is_demo FROM users")).all())
        roles = conn.execute(text("SELECT count(*) FROM user_roles")).scalar()
    assert flags == {"A0001": True, "O0001": False, "Z0001": False}
    assert roles == 3
    migrate.downgrade(engine, "7c2d4e5f6a01")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_roles")).scalar() == 3
    engine.dispose()


def test_the_flag_is_not_given_to_a_real_account_on_a_demo_number(db_session, make_user) -> None:  # type: ignore[no-untyped-def]
    real = make_user(employee_no="A0001")
    demo.load_demo(db_session, POLICY, utcnow())
    db_session.commit()
    assert db_session.get(User, real.id).is_demo is False
