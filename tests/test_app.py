"""The factory, production safety, response headers and cookies."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exam_app import create_app
from exam_app.accounts.models import Role
from exam_app.config import PROJECT_ROOT, ProductionConfig, TestConfig
from exam_app.security import ConfigError
from tests.factories import load_bank


def test_factory_takes_a_test_mapping(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        }
    )
    assert app.testing and app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"


def test_production_refuses_the_development_secret(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(ProductionConfig, "ENV_NAME", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(ProductionConfig)
    app = create_app(
        {
            **vars_of(ProductionConfig),
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
            "SCHEDULER_ENABLED": False,  # not a server: no timer thread in the test run
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] and not app.config["ALLOW_DEMO_DATA"]


def vars_of(cls: type) -> dict[str, object]:
    return {k: getattr(cls, k) for k in dir(cls) if k.isupper()}


def test_production_refuses_demo_accounts(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = {
        **vars_of(ProductionConfig),
        "ENV_NAME": "production",
        "SECRET_KEY": "y" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
        "SCHEDULER_ENABLED": False,  # not a server: no timer thread in the test run
    }
    runner = create_app(settings).test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 1 and "refused" in result.output


def test_pages_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/accounts/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient, login_as) -> None:
    login_as(Role.OPERATOR)
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_oversized_upload_is_refused(client: FlaskClient, login_as, app: Flask) -> None:
    login_as(Role.ADMIN)
    body = b"x" * (TestConfig.MAX_CONTENT_LENGTH + 1)
    response = client.post("/accounts/roster", data=body, content_type="application/octet-stream")
    assert response.status_code == 413


def test_health_check_reaches_the_database(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_demo_load_is_idempotent(runner) -> None:  # type: ignore[no-untyped-def]
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "A0001" in first.output and first.output == second.output


def test_data_commands_on_an_unmigrated_database_say_to_migrate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
            "TESTING": True,
            "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        }
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["exams", "sweep"])
    assert result.exit_code == 1 and "db upgrade" in result.output
    assert runner.invoke(args=["bank", "import", "--help"]).exit_code == 0  # help needs no DB
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["exams", "sweep"]).output.startswith("graded 0")


@pytest.mark.parametrize(
    ("role", "url"),
    [
        *((Role.TRAINER, f"/bank/export.{fmt}") for fmt in ("xlsx", "csv", "gift", "xml", "aiken")),
        (Role.TRAINER, "/bank/template.xlsx"),
        (Role.TRAINER, "/bank/template.csv"),
        (Role.ADMIN, "/accounts/roster/template.csv"),
    ],
)
def test_downloads_are_never_stored_by_browsers_or_proxies(
    client: FlaskClient,
    login_as,
    db_session,  # type: ignore[no-untyped-def]
    role: Role,
    url: str,
) -> None:
    """A bank export is the full answer key; other downloads may hold personal data."""
    load_bank(db_session)
    login_as(role)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_the_served_app_leaves_its_import_out_of_garbage_collection(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A worker's full collection must not walk the libraries and the app it imported (a
    120-170 ms pause in the middle of some answer save, before ``wsgi.py`` froze them)."""
    probe = (
        "import gc, wsgi; "
        "print(gc.get_freeze_count(), len(gc.get_objects()))"  # frozen, and what a pass walks
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        "SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "SCHEDULER_ENABLED": "false",
    }
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    frozen, walked = map(int, out.stdout.split())
    assert frozen > 100_000 and walked < frozen / 10
