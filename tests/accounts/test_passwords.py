"""Password hashes: Argon2id at OWASP's parameters, werkzeug's methods still read, malformed
hashes no match, and a hash of an earlier method replaced at the next right sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.security import DEFAULT_PBKDF2_ITERATIONS

from exam_app.accounts import passwords, services
from exam_app.accounts.models import User
from exam_app.config import Config, ProductionConfig
from exam_app.core.models import AuditEvent
from exam_app.db import utcnow
from tests.factories import PASSWORD
from tests.web import client_for, login

#: The prefix of a hash made with OWASP's first Argon2id configuration.
OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$"
#: Hashes made before argon2id, with the methods this project used or might have used.
OLD_METHODS = ["scrypt", "pbkdf2:sha256:1000"]


def test_production_default_is_argon2id_at_owasp_parameters() -> None:
    assert Config.PASSWORD_HASH_METHOD == ProductionConfig.PASSWORD_HASH_METHOD == "argon2id"
    assert passwords.argon2_parameters("argon2id") == (19456, 2, 1)


@pytest.mark.parametrize("method", ["argon2id", "argon2id:19456:2:1"])
def test_argon2id_hashes_verify_the_password_and_nothing_else(method: str) -> None:
    stored = passwords.hash_password("Kx7-room-4821", method)
    assert stored.startswith(OWASP_PREFIX) and "Kx7-room-4821" not in stored
    assert passwords.verify_password(stored, "Kx7-room-4821")
    assert not passwords.verify_password(stored, "Kx7-room-4822")
    assert not passwords.verify_password(stored, "")
    assert passwords.hash_password("Kx7-room-4821", method) != stored, "salted"
    assert not passwords.needs_rehash(stored, "argon2id")
    assert not passwords.needs_rehash(stored, "argon2id:19456:2:1")


def test_explicit_argon2id_parameters_are_used_and_differ_from_the_default() -> None:
    stored = passwords.hash_password("Kx7-room-4821", "argon2id:8192:1:1")
    assert stored.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert passwords.verify_password(stored, "Kx7-room-4821")
    assert passwords.needs_rehash(stored, "argon2id")
    assert not passwords.needs_rehash(stored, "argon2id:8192:1:1")


@pytest.mark.parametrize("method", ["argon2id:19456:2", "argon2id:19456:2:1:0", "argon2id:a:b:c"])
def test_a_misspelt_argon2id_method_is_refused(method: str) -> None:
    with pytest.raises(ValueError, match="argon2id:MEMORY_KIB"):
        passwords.hash_password("Kx7-room-4821", method)


@pytest.mark.parametrize("method", [*OLD_METHODS, "scrypt:16384:8:1"])
def test_werkzeug_methods_still_hash_and_verify(method: str) -> None:
    stored = passwords.hash_password("Kx7-room-4821", method)
    assert stored.startswith(method.split(":")[0] + ":")
    assert passwords.verify_password(stored, "Kx7-room-4821")
    assert not passwords.verify_password(stored, "Kx7-room-4822")
    assert not passwords.needs_rehash(stored, method)
    assert passwords.needs_rehash(stored, "argon2id")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "garbage",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$!!$!!",
        "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        "$argon2x$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo",
        "md5$salt$5f4dcc3b5aa765d61d8327deb882cf99",
        "scrypt:1:1:1$salt$00",
        "scrypt:32768:8$salt$00",
        "pbkdf2:sha256:many$salt$00",
        "pbkdf2:no-such-digest:1000$salt$00",
        "pbkdf2:sha256:0$salt$00",
        "pbkdf2:sha256:1000$salt",
    ],
)
def test_a_malformed_stored_hash_is_no_match_and_raises_nothing(stored: str) -> None:
    assert passwords.verify_password(stored, "Kx7-room-4821") is False
    assert passwords.needs_rehash(stored, "argon2id")


def test_a_truncated_argon2id_hash_is_no_match() -> None:
    stored = passwords.hash_password("Kx7-room-4821", "argon2id")
    assert not passwords.verify_password(stored[:-5], "Kx7-room-4821")
    assert not passwords.verify_password(stored.replace("m=19456", "m=19457"), "Kx7-room-4821")


def test_werkzeug_methods_compare_as_werkzeug_writes_them() -> None:
    """ "scrypt" and "pbkdf2" are shorthands: a hash they made says what they stand for."""
    assert not passwords.needs_rehash("scrypt:32768:8:1$salt$00", "scrypt")
    assert passwords.needs_rehash("scrypt:16384:8:1$salt$00", "scrypt")
    full = f"pbkdf2:sha256:{DEFAULT_PBKDF2_ITERATIONS}$salt$00"
    assert not passwords.needs_rehash(full, "pbkdf2")
    assert not passwords.needs_rehash(full, "pbkdf2:sha256")
    assert passwords.needs_rehash("pbkdf2:sha256:1000$salt$00", "pbkdf2:sha256:2000")
    assert passwords.needs_rehash(passwords.hash_password("Kx7-room-4821", "argon2id"), "scrypt")


# --- the upgrade at sign-in ---------------------------------------------------------------

ARGON2ID_LIMITS = services.LoginLimits(
    5, 30, timedelta(minutes=15), timedelta(minutes=15), hash_method="argon2id"
)


def _store_hash(db_session, user_id: int, method: str) -> User:
    """Give the account a hash of PASSWORD made with ``method``, as an earlier setting would
    have (nothing else about the account changes)."""
    user = db_session.get(User, user_id)
    user.password_hash = passwords.hash_password(PASSWORD, method)
    db_session.commit()
    return user


def _stored_hash(db_session, user_id: int) -> str:
    """The account's hash as stored now: this session's read snapshot ends first (the requests
    wrote in sessions of their own), and a column is read, not a cached object."""
    db_session.rollback()
    return db_session.scalar(select(User.password_hash).where(User.id == user_id))


def _audit_count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("old_method", OLD_METHODS)
def test_a_right_sign_in_stores_the_password_again_with_argon2id(
    db_session, make_user, old_method: str
) -> None:
    user = _store_hash(db_session, make_user().id, old_method)
    old_hash, version, changed_at = (
        user.password_hash,
        user.session_version,
        user.password_changed_at,
    )
    audits = _audit_count(db_session)
    signed_in = services.authenticate(
        db_session, user.employee_no, PASSWORD, "10.0.0.1", ARGON2ID_LIMITS, utcnow()
    )
    db_session.commit()
    assert signed_in.id == user.id
    db_session.expire_all()
    user = db_session.get(User, user.id)
    assert user.password_hash != old_hash and user.password_hash.startswith(OWASP_PREFIX)
    assert passwords.verify_password(user.password_hash, PASSWORD)
    assert not passwords.verify_password(user.password_hash, "not-the-password1")
    assert (user.session_version, user.password_changed_at) == (version, changed_at), (
        "the same password: no session ends, it was not changed"
    )
    assert _audit_count(db_session) == audits, "a quiet upgrade, like a sign-in"
    upgraded = user.password_hash
    services.authenticate(
        db_session, user.employee_no, PASSWORD, "10.0.0.1", ARGON2ID_LIMITS, utcnow()
    )
    db_session.commit()
    assert db_session.get(User, user.id).password_hash == upgraded, "upgraded once, not each time"


@pytest.mark.parametrize("old_method", OLD_METHODS)
def test_a_wrong_password_upgrades_nothing(db_session, make_user, old_method: str) -> None:
    user = _store_hash(db_session, make_user().id, old_method)
    old_hash = user.password_hash
    with pytest.raises(services.BadCredentials):
        services.authenticate(
            db_session, user.employee_no, "not-the-password1", "10.0.0.1", ARGON2ID_LIMITS, utcnow()
        )
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(User, user.id).password_hash == old_hash


@pytest.mark.parametrize("old_method", OLD_METHODS)
def test_signing_in_through_the_form_upgrades_the_hash_and_keeps_other_sessions(
    app: Flask,
    client: FlaskClient,
    make_user,
    db_session,
    monkeypatch: pytest.MonkeyPatch,
    old_method: str,
) -> None:
    user = _store_hash(db_session, make_user().id, old_method)
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", old_method)
    earlier = client_for(app, user)  # signed in while the old method was the setting
    assert _stored_hash(db_session, user.id).startswith(old_method.split(":")[0])

    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "argon2id")
    response = login(client, user.employee_no)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    stored = _stored_hash(db_session, user.id)
    assert stored.startswith(OWASP_PREFIX) and passwords.verify_password(stored, PASSWORD)
    assert earlier.get("/").status_code == 200, "the other browser stays signed in"
    assert client.get("/").status_code == 200

    again = app.test_client()
    assert login(again, user.employee_no, "not-the-password1").status_code == 401
    assert login(again, user.employee_no).status_code == 302, "the new hash signs in"
    assert _stored_hash(db_session, user.id) == stored
