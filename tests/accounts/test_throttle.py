"""Failed sign-ins are counted per account and per address, separately: an address that tries
many numbers is refused for a while but locks nobody's account; behind the load balancer the
address is the client's (TRUSTED_PROXIES), and X-Forwarded-For is trusted no further."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from exam_app import create_app
from exam_app.accounts import services
from exam_app.config import TestConfig
from exam_app.db import utcnow
from tests.factories import PASSWORD
from tests.web import csrf_token

LIMITS = services.LoginLimits(
    5, 30, timedelta(minutes=15), timedelta(minutes=15), TestConfig.PASSWORD_HASH_METHOD
)
ATTACKER, COLLEAGUE = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def proxied(app: Flask) -> Iterator[Flask]:
    """The app as deployed behind one load balancer (TRUSTED_PROXIES = 1), on the same database."""
    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    behind = create_app(
        {**settings, "DATABASE_URL": app.config["DATABASE_URL"], "TRUSTED_PROXIES": 1}
    )
    yield behind
    behind.extensions["db_session"].remove()
    behind.extensions["db_engine"].dispose()


def _sign_in(client: FlaskClient, employee_no: str, password: str, forwarded_for: str = "") -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    token = csrf_token(client)
    data = {"employee_no": employee_no, "password": password, "csrf_token": token}
    return client.post("/accounts/login", data=data, headers=headers).status_code


def test_an_address_trying_many_numbers_is_refused_but_locks_no_account(
    db_session, make_user
) -> None:
    user = make_user()
    now = utcnow()
    for n in range(29):
        with pytest.raises(services.BadCredentials):
            services.authenticate(db_session, f"X{n:04d}", "guess-1234", ATTACKER, LIMITS, now)
    with pytest.raises(services.LoginLocked) as refused:
        services.authenticate(db_session, "X9999", "guess-1234", ATTACKER, LIMITS, now)
    assert refused.value.scope == "address"
    with pytest.raises(services.LoginLocked) as again:  # the address waits, whatever it names
        services.authenticate(db_session, user.employee_no, PASSWORD, ATTACKER, LIMITS, now)
    assert again.value.scope == "address"
    signed_in = services.authenticate(
        db_session, user.employee_no, PASSWORD, COLLEAGUE, LIMITS, now
    )
    assert signed_in.id == user.id, "the account itself is not locked"
    assert services.is_locked(db_session, signed_in, now) is None
    later = now + LIMITS.lockout + timedelta(seconds=1)
    assert services.authenticate(db_session, user.employee_no, PASSWORD, ATTACKER, LIMITS, later)


def test_an_accounts_lock_is_its_own(db_session, make_user) -> None:
    """Five failures lock that account from every address; others sign in from the same one."""
    target, neighbour = make_user(), make_user()
    now = utcnow()
    for n in range(4):
        with pytest.raises(services.BadCredentials):
            services.authenticate(
                db_session, target.employee_no, "wrong-pass1", f"10.0.0.{n}", LIMITS, now
            )
    with pytest.raises(services.LoginLocked) as locked:
        services.authenticate(db_session, target.employee_no, "wrong-pass1", ATTACKER, LIMITS, now)
    assert locked.value.scope == "account"
    with pytest.raises(services.LoginLocked):
        services.authenticate(db_session, target.employee_no, PASSWORD, COLLEAGUE, LIMITS, now)
    assert services.authenticate(db_session, neighbour.employee_no, PASSWORD, ATTACKER, LIMITS, now)


def test_behind_the_balancer_one_address_spraying_numbers_locks_out_only_itself(
    proxied: Flask, make_user
) -> None:
    users = [make_user() for _ in range(3)]
    attacker = proxied.test_client()
    statuses = [_sign_in(attacker, f"X{n:04d}", "guess-1234", ATTACKER) for n in range(30)]
    assert statuses == [401] * 29 + [429]
    assert _sign_in(attacker, users[0].employee_no, PASSWORD, ATTACKER) == 429
    for user in users:  # everyone else, through the same balancer, signs in as usual
        assert _sign_in(proxied.test_client(), user.employee_no, PASSWORD, COLLEAGUE) == 302


def test_the_balancer_appends_the_address_so_a_forged_one_in_front_does_not_help(
    proxied: Flask,
) -> None:
    attacker = proxied.test_client()
    statuses = [
        _sign_in(attacker, f"X{n:04d}", "guess-1234", f"10.9.{n}.1, {ATTACKER}") for n in range(30)
    ]
    assert statuses[-1] == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client: FlaskClient) -> None:
    statuses = [_sign_in(client, f"X{n:04d}", "guess-1234", f"10.9.{n}.1") for n in range(30)]
    assert statuses[-1] == 429, "a header anybody can write must not reset the address count"
