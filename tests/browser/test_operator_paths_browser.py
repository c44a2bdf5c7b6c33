"""Issue 17 in Debian's chromium, at a desk (1280 px) and on a phone (375 px): the exams list,
the start page, 开始答题, answering, the submit confirmation listing the unanswered and flagged
questions by number, and a result stating the pass mark. At 375 px nothing on any of these
pages scrolls sideways."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from exam_app.accounts.models import Role
from tests import factories
from tests.browser.conftest import new_page, sign_in

pytestmark = pytest.mark.browser

PHONE = 375


def _fits(page: Page, width: int, where: str) -> None:
    """Nothing makes the page scroll sideways (checked at phone width)."""
    if width != PHONE:
        return
    sizes = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert sizes[0] <= sizes[1], f"{where} overflows at {width} px: {sizes}"


@pytest.mark.parametrize("width", [1280, PHONE])
def test_list_start_page_answer_confirm_and_result(
    width: int, app: Flask, live_server: str, browser: Browser, db_session
) -> None:  # type: ignore[no-untyped-def]
    factories.load_bank(db_session)
    exam = factories.make_exam(
        db_session, title="中级工 认证考试（手机）", max_attempts=2, pass_percent=70
    )
    user = factories.make_user(app, Role.OPERATOR, employee_no="O0917")
    page = new_page(browser)
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, live_server, user.employee_no, factories.PASSWORD)

    page.goto(f"{live_server}/exams/")
    row = page.locator(f'tr[data-exam="{exam.id}"]')
    expect(row.get_by_test_id("pass-mark")).to_have_text("70%")
    expect(row.get_by_test_id("attempts-left")).to_contain_text("剩余 2 次")
    _fits(page, width, "the exams list")

    row.get_by_role("link", name="开始").click()
    expect(page.get_by_test_id("start-page")).to_be_visible()
    expect(page.get_by_test_id("pass-mark")).to_contain_text("70%")
    expect(page.get_by_test_id("questions")).to_contain_text("8 道题")
    expect(page.get_by_test_id("attempts")).to_contain_text("已用 0 次，剩余 2 次")
    assert "/exams/attempts/" not in page.url, "the start page starts nothing"
    _fits(page, width, "the start page")

    page.get_by_role("button", name="开始答题").click()
    expect(page.locator("#attempt")).to_be_visible()
    _fits(page, width, "the attempt page")
    for position in (1, 2):
        page.locator(f"#q{position} .answer-options input").first.check()
    page.locator("#q2 [data-flag]").check()
    page.locator("#q4 [data-flag]").check()
    expect(page.locator("#save-state")).to_contain_text("已保存")

    page.get_by_role("button", name="交卷").click()
    box = page.get_by_test_id("submit-confirm")
    expect(box).to_be_visible()
    unanswered = box.locator('[data-list="unanswered"] a')
    expect(unanswered).to_have_text(["3", "4", "5", "6", "7", "8"])
    expect(box.locator('[data-list="flagged"] a')).to_have_text(["2", "4"])
    expect(box).to_contain_text("共 8 题，未答 6 题，标记 2 题")
    _fits(page, width, "the submit confirmation")
    unanswered.first.click()  # a link to the question
    assert page.url.endswith("#q3")
    page.locator("#q3 .answer-options input").first.check()
    expect(unanswered).to_have_text(["4", "5", "6", "7", "8"])  # the list follows the page
    expect(page.locator("#save-state")).to_contain_text("已保存")

    box.get_by_role("button", name="确认交卷").click()
    expect(page.get_by_test_id("percent")).to_be_visible()
    expect(page.get_by_test_id("pass-mark")).to_contain_text("及格线：得分率 70% 及以上为通过")
    expect(page.get_by_test_id("next")).to_be_visible()
    _fits(page, width, "the result page")
    page.context.close()
