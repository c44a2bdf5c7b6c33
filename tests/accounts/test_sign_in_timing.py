"""An unknown 工号 costs the same password-hash work as a known one, so the answer's timing
does not tell which numbers exist."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from exam_app.accounts import passwords, services
from exam_app.accounts.models import User
from exam_app.config import Config, TestConfig
from exam_app.db import utcnow
from tests.web import login


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stored hashes that sign-in checks a password against, in order."""
    checked: list[str] = []
    real = passwords.verify_password

    def counting(stored_hash: str, password: str) -> bool:
        checked.append(stored_hash)
        return real(stored_hash, password)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return checked


def test_every_failed_sign_in_checks_one_hash_of_the_configured_method(
    client: FlaskClient, make_user, db_session, hash_checks: list[str]
) -> None:
    known, gone = make_user(), make_user()
    db_session.get(User, gone.id).active = False
    db_session.commit()
    for number in ("NOBODY1", known.employee_no, gone.employee_no, "NOBODY2"):
        assert login(client, number, "not-the-password1").status_code == 401
    assert len(hash_checks) == 4, "unknown and deactivated numbers cost a hash check too"
    assert all(h.startswith(TestConfig.PASSWORD_HASH_METHOD + "$") for h in hash_checks)
    assert hash_checks[0] == hash_checks[3], "the dummy hash is made once, not per request"


def test_the_dummy_hash_is_made_once_per_method(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    real = passwords.hash_password

    def counting(password: str, method: str) -> str:
        made.append(method)
        return real(password, method)

    monkeypatch.setattr(passwords, "hash_password", counting)
    services._dummy_hash.cache_clear()
    first = services._dummy_hash("pbkdf2:sha256:1001")
    assert services._dummy_hash("pbkdf2:sha256:1001") == first and made == ["pbkdf2:sha256:1001"]
    services._dummy_hash.cache_clear()


def test_unknown_and_known_numbers_take_about_as_long(db_session, make_user) -> None:
    """With the production hash (argon2id; before it scrypt, where the gap was 10 ms against
    144 ms)."""
    policy = services.PasswordPolicy(Config.PASSWORD_HASH_METHOD, 8)
    user = db_session.get(User, make_user().id)
    services.set_password(user, "Real-pass-8126", policy, utcnow())
    db_session.commit()
    limits = services.LoginLimits(
        1000, 1000, timedelta(minutes=15), timedelta(minutes=15), Config.PASSWORD_HASH_METHOD
    )
    services._dummy_hash(limits.hash_method)  # made once per process, not part of a request

    def seconds(number: str) -> float:
        start = time.perf_counter()
        with pytest.raises(services.BadCredentials):
            services.authenticate(db_session, number, "wrong-pass1", "10.0.0.1", limits, utcnow())
        return time.perf_counter() - start

    known, unknown = [], []
    for _ in range(5):
        known.append(seconds(user.employee_no))
        unknown.append(seconds("NOBODY"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert ratio > 0.5, (
        f"unknown {statistics.median(unknown):.3f}s vs known {statistics.median(known):.3f}s"
    )
