"""Chosen passwords: not common (a bundled public list, also with digits or symbols around a
listed word), not the person's 工号 or name; generated temporary passwords always pass."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from exam_app.accounts import services
from exam_app.accounts.models import Role
from exam_app.errors import DomainError
from tests.factories import PASSWORD, POLICY
from tests.web import csrf_token


def _change(client: FlaskClient, new: str) -> tuple[int, str]:
    response = client.post(
        "/accounts/password",
        data={
            "current_password": PASSWORD,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(client, "/accounts/password"),
        },
    )
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "new",
    [
        "password1",
        "PassWord1",  # any case
        "qwerty123",
        "1qaz2wsx",
        "dragon2026",  # a listed word with digits after it
        "Welcome1!",  # ... and a symbol
        "2024monkey",  # ... or digits before it
        "abc12345",
        "woaini1314",
    ],
)
def test_common_passwords_are_refused(client: FlaskClient, login_as, new: str) -> None:
    login_as(Role.OPERATOR)
    status, page = _change(client, new)
    assert status == 200 and "太常见" in page


@pytest.mark.parametrize(
    ("name", "employee_no", "new", "message"),
    [
        ("Qiao Feng", "GZ7001", "qiaofeng-77", "姓名"),  # the whole name, spaces dropped
        ("Qiao Feng", "GZ7001", "x-QIAO-99", "姓名"),  # a longer part of it, any case
        ("张三丰", "GZ7001", "张三丰abc2026", "姓名"),
        ("测试用户", "GZ7001", "gz7001-secure", "工号"),
    ],
)
def test_the_persons_own_name_or_number_is_refused(
    client: FlaskClient, login_as, name: str, employee_no: str, new: str, message: str
) -> None:
    login_as(Role.OPERATOR, name=name, employee_no=employee_no)
    status, page = _change(client, new)
    assert status == 200 and f"密码不能包含{message}" in page


def test_an_uncommon_password_is_accepted(client: FlaskClient, login_as) -> None:
    login_as(Role.OPERATOR, name="Qiao Feng")
    assert _change(client, "Harbour-kite-93")[0] == 302


def test_create_admin_refuses_a_common_password(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["users", "create-admin", "ADM01", "--password", "password1"])
    assert result.exit_code == 1 and "太常见" in result.output
    result = runner.invoke(
        args=["users", "create-admin", "ADM01", "--name", "Qiaofeng", "--password", "qiaofeng-8"]
    )
    assert result.exit_code == 1 and "姓名" in result.output
    ok = runner.invoke(args=["users", "create-admin", "ADM01", "--password", "Harbour-kite-93"])
    assert ok.exit_code == 0, ok.output


def test_generated_temporary_passwords_always_pass_the_rules() -> None:
    for _ in range(500):
        services.check_password_rules(services.temporary_password(POLICY), POLICY, "U0001", "测试")
    long_policy = services.PasswordPolicy(POLICY.method, 16)
    temp = services.temporary_password(long_policy)
    assert len(temp) == 16
    services.check_password_rules(temp, long_policy, "U0001", "测试")


def test_the_list_is_bundled_read_once_and_lower_case() -> None:
    common = services.common_passwords()
    assert common is services.common_passwords()
    assert len(common) > 5000 and {"123456", "password", "qwerty123"} <= common
    assert all(p == p.lower() for p in common)


@pytest.mark.parametrize("password", ["password1", "Dragon2026!", "abc12345"])
def test_the_rule_without_http(password: str) -> None:
    with pytest.raises(DomainError, match="太常见"):
        services.check_password_rules(password, POLICY)


@pytest.mark.parametrize("password", ["Harbour-kite-93", "brandnew42", PASSWORD, "ab9xx9ba"])
def test_uncommon_passwords_pass(password: str) -> None:
    services.check_password_rules(password, POLICY)
