"""Sign-in and out: wrong passwords, lockout and its end, CSRF, revoked sessions, safe redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from exam_app.accounts import passwords, services
from exam_app.accounts.models import LoginThrottle, Role, User
from exam_app.config import Config
from exam_app.db import utcnow
from tests.factories import PASSWORD
from tests.web import client_for, csrf_token, login


def test_right_password_signs_in_and_lands_on_home(client: FlaskClient, make_user) -> None:
    user = make_user(Role.OPERATOR, name="张三")
    response = login(client, user.employee_no)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "张三" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_with_one_generic_message(client: FlaskClient, make_user) -> None:
    user = make_user()
    wrong = login(client, user.employee_no, "not-the-password1")
    unknown = login(client, "NOBODY", "not-the-password1")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "工号或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_five_failures_lock_the_account_even_for_the_right_password(
    client: FlaskClient, make_user
) -> None:
    user = make_user()
    for _ in range(4):
        assert login(client, user.employee_no, "wrong-password1").status_code == 401
    fifth = login(client, user.employee_no, "wrong-password1")
    assert fifth.status_code == 429
    assert "已临时锁定" in fifth.get_data(as_text=True)
    right = login(client, user.employee_no)
    assert right.status_code == 429, "a locked account must refuse even the right password"


def test_lockout_is_lifted_when_its_time_has_passed(
    client: FlaskClient, make_user, db_session
) -> None:
    user = make_user()
    for _ in range(5):
        login(client, user.employee_no, "wrong-password1")
    row = db_session.get(LoginThrottle, f"user:{user.employee_no.lower()}")
    assert row is not None and row.locked_until > utcnow()
    row.locked_until = utcnow() - timedelta(seconds=1)  # as if fifteen minutes went by
    db_session.commit()
    assert login(client, user.employee_no).status_code == 302


def test_admin_can_unlock_a_locked_account(app: Flask, make_user) -> None:
    operator, admin = make_user(), make_user(Role.ADMIN)
    victim, admin_client = app.test_client(), app.test_client()
    for _ in range(5):
        login(victim, operator.employee_no, "wrong-password1")
    assert login(admin_client, admin.employee_no).status_code == 302
    page = admin_client.get("/accounts/users").get_data(as_text=True)
    assert "已锁定" in page
    token = csrf_token(admin_client, "/accounts/users")
    admin_client.post(f"/accounts/users/{operator.id}/unlock", data={"csrf_token": token})
    assert login(victim, operator.employee_no).status_code == 302


LIMITS = services.LoginLimits(5, 30, timedelta(minutes=15), timedelta(minutes=15))


def test_lockout_window_rules_without_http(db_session, make_user) -> None:
    """Failures spread over more than the window do not add up; a lock ends on time."""
    user = make_user()
    t0 = utcnow()

    def attempt(at, password="wrong-password1"):  # type: ignore[no-untyped-def]
        return services.authenticate(db_session, user.employee_no, password, "10.0.0.1", LIMITS, at)

    for i in range(4):
        with pytest.raises(services.BadCredentials):
            attempt(t0 + timedelta(minutes=i))
    with pytest.raises(services.BadCredentials):  # window restarted: 20 min after the first
        attempt(t0 + timedelta(minutes=20))
    for i in range(3):
        with pytest.raises(services.BadCredentials):
            attempt(t0 + timedelta(minutes=21 + i))
    with pytest.raises(services.LoginLocked) as locked:
        attempt(t0 + timedelta(minutes=24))
    assert locked.value.until == t0 + timedelta(minutes=39)
    with pytest.raises(services.LoginLocked):
        attempt(t0 + timedelta(minutes=38), PASSWORD)
    assert attempt(t0 + timedelta(minutes=40), PASSWORD).id == user.id


def test_one_address_spraying_many_accounts_is_locked_out(db_session, make_user) -> None:
    users = [make_user() for _ in range(8)]
    t0 = utcnow()
    outcomes = []
    for n in range(30):
        try:
            services.authenticate(
                db_session, users[n % 8].employee_no, "wrong-password1", "203.0.113.9", LIMITS, t0
            )
        except services.DomainError as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes == ["BadCredentials"] * 29 + ["LoginLocked"]
    with pytest.raises(services.LoginLocked):  # now even a fresh account from that address
        services.authenticate(db_session, users[7].employee_no, PASSWORD, "203.0.113.9", LIMITS, t0)


def test_deactivated_user_cannot_sign_in(client: FlaskClient, make_user, db_session) -> None:
    user = make_user()
    db_session.get(User, user.id).active = False
    db_session.commit()
    assert login(client, user.employee_no).status_code == 401


def test_login_form_without_csrf_token_is_refused(client: FlaskClient, make_user) -> None:
    user = make_user()
    response = client.post(
        "/accounts/login", data={"employee_no": user.employee_no, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_needs_a_post_with_token(client: FlaskClient, login_as) -> None:
    login_as(Role.OPERATOR)
    assert client.post("/accounts/logout").status_code == 400
    assert client.get("/").status_code == 200
    client.post("/accounts/logout", data={"csrf_token": csrf_token(client, "/")})
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/accounts/password", "/accounts/password"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_redirects_within_the_site(
    client: FlaskClient, make_user, next_url: str, lands_on: str
) -> None:
    user = make_user()
    response = client.post(
        "/accounts/login",
        data={
            "employee_no": user.employee_no,
            "password": PASSWORD,
            "next": next_url,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"] == lands_on


def test_password_change_ends_other_sessions(app: Flask, make_user) -> None:
    user = make_user()
    first, second = client_for(app, user), client_for(app, user)
    response = second.post(
        "/accounts/password",
        data={
            "current_password": PASSWORD,
            "password": "brandnew42",
            "confirm": "brandnew42",
            "csrf_token": csrf_token(second, "/accounts/password"),
        },
    )
    assert response.status_code == 302
    assert second.get("/").status_code == 200, "the browser that changed it stays signed in"
    assert first.get("/").status_code == 302, "every other session is signed out"


@pytest.mark.parametrize(
    ("new", "message"),
    [("short1", "至少 8 位"), ("lettersonly", "字母和数字"), ("12345678", "字母和数字")],
)
def test_weak_new_passwords_are_refused_with_the_reason(
    client: FlaskClient, login_as, new: str, message: str
) -> None:
    login_as(Role.OPERATOR)
    response = client.post(
        "/accounts/password",
        data={
            "current_password": PASSWORD,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(client, "/accounts/password"),
        },
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_production_hashes_with_argon2id_at_owasp_parameters(make_user, db_session) -> None:
    user = db_session.get(User, make_user().id)
    services.set_password(
        user, "another42x", services.PasswordPolicy(Config.PASSWORD_HASH_METHOD, 8), utcnow()
    )
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(user.password_hash, "another42x")
    assert "another42x" not in user.password_hash


def test_user_with_temporary_password_must_change_it_first(
    client: FlaskClient, make_user, db_session
) -> None:
    user = make_user()
    db_session.get(User, user.id).must_change_password = True
    db_session.commit()
    login(client, user.employee_no)
    assert client.get("/").headers["Location"] == "/accounts/password"
    assert client.get("/accounts/password").status_code == 200
    client.post(
        "/accounts/password",
        data={
            "current_password": PASSWORD,
            "password": "mychoice77",
            "confirm": "mychoice77",
            "csrf_token": csrf_token(client, "/accounts/password"),
        },
    )
    assert client.get("/").status_code == 200
    stored = db_session.scalar(
        select(User).where(User.id == user.id).execution_options(populate_existing=True)
    )
    assert stored.must_change_password is False
