"""Issue 17, the HR officer's path in Debian's chromium at 1280 px and at 375 px, every page
screenshotted and audited with axe-core (``walk.Walk``), while an operator sits a
certification in a browser of their own:

9. HR's home and navigation lead to what HR does: compliance, certificates, statistics,
   exams and results (each link opens);
11. the attempt log is a proctor's record in the reader's language (question numbers, the
   answer chosen and changed, the device), technical details folded away, and extra time
   given from it is recorded with who gave it and why;
10. HR reads the candidate's result, without the keys;
12. the study page's search.
"""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role
from exam_app.exams.models import ReviewPolicy
from tests import factories
from tests.browser.conftest import new_page, sign_in
from tests.browser.walk import DESK, PHONE, Walk

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cert_settings")]

HR_HOME_LINKS = {  # data-testid: the heading of the page it opens
    "hr-tracking": "培训达标",
    "hr-certificates": "证书",
    "hr-stats": "统计",
    "hr-results": "考试",
}


def _operator_starts(page: Page, base: str, exam_id: int) -> None:
    """The candidate's own browser: start, answer question 1 with A, change it to B."""
    page.goto(f"{base}/exams/{exam_id}/start")
    page.get_by_role("button", name="开始答题").click()
    options = page.locator("#q1 .answer-options input")
    options.nth(0).check()
    expect(page.locator("#save-state")).to_contain_text("已保存")
    options.nth(1).check()
    expect(page.locator("#save-state")).to_contain_text("已保存")


def _operator_submits(page: Page) -> None:
    page.reload()
    page.get_by_role("button", name="交卷").click()
    page.get_by_test_id("submit-confirm").get_by_role("button", name="确认交卷").click()
    expect(page.get_by_test_id("percent")).to_be_visible()


@pytest.mark.parametrize("width", [DESK, PHONE])
def test_the_hr_officers_path(
    width: int, app: Flask, live_server: str, browser: Browser, db_session: Session
) -> None:
    units = factories.make_org_tree(db_session)
    factories.load_bank(db_session)
    exam = factories.make_exam(
        db_session,
        title="中级工 认证考试",
        review_policy=ReviewPolicy.FULL,
        certificate_months=36,
        shuffle_questions=False,  # question 1 is single choice: a second click changes it
    )
    operator = factories.make_user(
        db_session, Role.OPERATOR, employee_no="O1702", name="张受理", org_unit=units["GD-GZ-TH"]
    )
    hr = factories.make_user(db_session, Role.HR, employee_no="H1701", name="王人资")
    candidate = new_page(browser)
    sign_in(candidate, live_server, operator.employee_no, factories.PASSWORD)
    _operator_starts(candidate, live_server, exam.id)

    page = new_page(browser)
    walk = Walk(page, "hr", width)
    sign_in(page, live_server, hr.employee_no, factories.PASSWORD)
    walk.see("home")

    # 9: every promise on the home card is a link that opens
    nav = page.get_by_role("navigation")
    for name in ("证书登记", "培训达标", "统计分析", "考试管理"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    home = page.url
    for testid, heading in HR_HOME_LINKS.items():
        page.get_by_test_id(testid).click()
        expect(page.locator("h1")).to_contain_text(heading)
        walk.see(f"home link {testid}")
        page.goto(home)

    # 11: the running attempt's record, as a proctor reads it
    nav.get_by_role("link", name="考试管理").click()
    page.get_by_role("link", name="中级工 认证考试").click()
    walk.see("exam page")
    page.get_by_role("row", name="张受理").get_by_role("link", name="记录").click()
    record = page.get_by_test_id("proctor-record")
    expect(record).to_contain_text("开始作答，试卷共 8 题")
    expect(record).to_contain_text("打开试卷：Chrome")
    expect(record).to_contain_text("第 1 题：选择 A")
    expect(record).to_contain_text("第 1 题：由 A 改为 B")
    expect(page.get_by_test_id("record-summary")).to_contain_text("作答 1 / 8 题，改答 1 次")
    technical = page.get_by_test_id("technical")
    expect(technical).not_to_have_attribute("open", "")
    for raw in ("agent=", "Mozilla/5.0", "revision=", "position="):
        expect(record).not_to_contain_text(raw)
    walk.see("attempt log")
    page.get_by_label("加时（分钟）").fill("5")
    page.get_by_label("原因").fill("营业厅停电")
    page.get_by_role("button", name="加时").click()
    expect(record).to_contain_text("加时 5 分 0 秒：营业厅停电（王人资）")
    walk.see("attempt log after extra time")

    # 10: the candidate submits; HR reads the result from the exam page, no key on it
    _operator_submits(candidate)
    candidate.context.close()
    page.get_by_role("link", name="← 中级工 认证考试").click()
    page.get_by_role("row", name="张受理").get_by_test_id("result-link").click()
    expect(page.get_by_test_id("candidate")).to_have_text("张受理 (O1702)")
    expect(page.get_by_test_id("percent")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("解析秘文")
    assert page.locator("main .key").count() == 0, "HR reads the result, never the keys"
    walk.see("result")

    # 12: the study page's search, its button on one line at every width
    nav.get_by_role("link", name="学习资料").click()
    page.get_by_role("searchbox").fill("投诉")
    page.get_by_role("button", name="搜索").click()
    walk.see("study search")
    page.context.close()
    walk.done()
