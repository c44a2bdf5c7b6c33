"""The secret key: random per installation (instance/secret_key, 0600) unless configured;
production demands it from the environment."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from exam_app import create_app, security
from exam_app.config import Config, ProductionConfig
from exam_app.security import ConfigError

#: These tests start apps with the default settings, as `make run` and `make serve` do.
pytestmark = pytest.mark.skipif("SECRET_KEY" in os.environ, reason="SECRET_KEY is set here")


def _app(tmp_path: Path, key_file: Path, **settings: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY_FILE": str(key_file),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            **settings,
        }
    )


def _forge_admin_cookie(app: Flask, key: str) -> str:
    """A session cookie for user 1 signed with ``key``, as an attacker would make it."""
    forger = Flask("forger")
    forger.secret_key = key
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    assert serializer is not None
    return serializer.dumps({"_user_id": "1:1", "_fresh": True})


def test_the_source_holds_no_secret_key() -> None:
    source = (Path(__file__).parent.parent / "exam_app" / "config.py").read_text()
    assert "dev-only-not-secret" not in source
    assert Config.SECRET_KEY == "", "without SECRET_KEY in the environment there is no key"


def test_an_installation_makes_its_own_key_once_private_to_its_owner(tmp_path: Path) -> None:
    key_file = tmp_path / "instance" / "secret_key"
    first = _app(tmp_path, key_file)
    key = first.config["SECRET_KEY"]
    assert len(key) >= 32 and key != "dev-only-not-secret"
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _app(tmp_path, key_file).config["SECRET_KEY"] == key, "read back, not made anew"
    other = _app(tmp_path, tmp_path / "elsewhere" / "secret_key").config["SECRET_KEY"]
    assert other != key, "every installation has its own key"
    assert list(key_file.parent.iterdir()) == [key_file], "no temporary file is left behind"


def test_a_cookie_signed_with_the_old_constant_is_worthless(tmp_path: Path) -> None:
    app = _app(tmp_path, tmp_path / "secret_key")
    client = app.test_client()
    client.set_cookie("session", _forge_admin_cookie(app, "dev-only-not-secret"))
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_a_configured_key_wins_and_no_file_is_made(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    app = _app(tmp_path, key_file, SECRET_KEY="k" * 40)
    assert app.config["SECRET_KEY"] == "k" * 40 and not key_file.exists()


def test_an_empty_key_file_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    key_file.write_text("\n")
    with pytest.raises(ConfigError, match="delete it"):
        security.load_secret_key(key_file)


def test_production_demands_the_key_from_the_environment_even_with_a_key_file(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "secret_key"
    security.load_secret_key(key_file)  # this machine has a key: not enough for production
    settings = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(
            {
                **settings,
                "ENV_NAME": "production",
                "SECRET_KEY": "",
                "SECRET_KEY_FILE": str(key_file),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
            }
        )
