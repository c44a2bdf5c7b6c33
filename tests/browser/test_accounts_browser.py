"""A newcomer signs in as each demo role and sees what that role may do; English works."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from exam_app.demo import DEMO_PASSWORD
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

#: Navigation each demo role should (and should not) see.
ROLE_NAV = [
    ("A0001", "管理员", ["用户", "单位", "名册导入"], []),
    ("H0001", "人资", [], ["用户", "名册导入"]),
    ("T0001", "培训师", [], ["用户", "名册导入"]),
    ("O0001", "受理员", [], ["用户", "名册导入"]),
]


@pytest.mark.parametrize(("employee_no", "role", "sees", "hidden"), ROLE_NAV)
def test_each_demo_role_signs_in_and_sees_its_menu(
    runner,
    live_server: str,
    page: Page,
    employee_no: str,
    role: str,
    sees,
    hidden,  # type: ignore[no-untyped-def]
) -> None:
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    sign_in(page, live_server, employee_no, DEMO_PASSWORD)
    expect(page.locator(".role-card h2")).to_have_text(role)
    nav = page.locator("nav.mainnav")
    for label in sees:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    for label in hidden:
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)
    if hidden:  # and typing the address does not help
        response = page.goto(f"{live_server}/accounts/users")
        assert response is not None and response.status == 403
        expect(page.locator("h1")).to_have_text("无权访问")


def test_switch_to_english_and_back(runner, live_server: str, page: Page) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(args=["demo", "load"])
    sign_in(page, live_server, "A0001", DEMO_PASSWORD)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("nav.mainnav").get_by_role("link", name="Users")).to_be_visible()
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_wrong_password_then_lockout_is_explained(runner, live_server: str, page: Page) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(args=["demo", "load"])
    for _ in range(4):
        sign_in(page, live_server, "O0002", "wrong-password1")
        expect(page.locator(".flash-danger")).to_contain_text("工号或密码错误")
    sign_in(page, live_server, "O0002", "wrong-password1")
    expect(page.locator(".flash-danger")).to_contain_text("已临时锁定")
    sign_in(page, live_server, "O0002", DEMO_PASSWORD)
    expect(page.locator(".flash-danger")).to_contain_text("已临时锁定")
