"""Issue 17, the operator's path in Debian's chromium at a desk (1280 px) and on a phone
(375 px), every page screenshotted and audited with axe-core (``walk.Walk``):

1. an open practice neither blocks the certification nor is started twice;
2. 薄弱分类练习 offers the weakest category after a graded attempt;
3. 开始 leads to a start page (duration, questions, pass mark, attempts, window, review), only
   开始答题 starts the clock, and the submit confirmation lists unanswered and flagged
   questions by number, with links;
4. a passed certification says 已通过, the attempts left and the pass mark, and the result page
   says what happens next;
5. 历史成绩 leads to the performance page, whose history links to each result;
6. every page works at 375 px (the walk checks it);
12. the study page shows no internal note.
"""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role
from exam_app.bank.categories import ensure_category
from exam_app.bank.models import Item
from exam_app.db import utcnow
from exam_app.exams import attempts
from exam_app.exams.models import Attempt, Exam, ExamMode
from tests import factories
from tests.browser.conftest import new_page, sign_in
from tests.browser.walk import DESK, PHONE, Walk

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("cert_settings")]


def _exams(db_session: Session) -> tuple[Exam, Exam]:
    """A bank in two categories, a practice the operator already did (wrong on every single
    choice, so 电费电价 is the weakest) and a certification."""
    factories.load_bank(db_session)
    weak, _ = ensure_category(db_session, "电费电价")
    strong, _ = ensure_category(db_session, "业扩报装")
    for item in db_session.scalars(select(Item)):
        item.category = weak if item.current.type == "single" else strong
    db_session.commit()
    practice = factories.make_exam(db_session, ExamMode.PRACTICE, title="中级工 练习")
    certification = factories.make_exam(
        db_session, title="中级工 认证考试", max_attempts=2, pass_percent=70
    )
    return practice, certification


def _attempt_id(page: Page) -> int:
    return int(page.url.split("/attempts/", 1)[1].split("/")[0].split("#")[0])


def _answer_with_key(page: Page, db_session: Session, skip: int) -> None:
    """Click the key of every question but ``skip``, as the candidate would."""
    db_session.expire_all()
    attempt = db_session.get(Attempt, _attempt_id(page))
    assert attempt is not None
    for position, key in factories.key_positions(db_session, attempt).items():
        if position != skip:
            for index in key:
                page.locator(f"#q{position} .answer-options input").nth(index).check()
    expect(page.locator("#save-state")).to_contain_text("已保存")


@pytest.mark.parametrize("width", [DESK, PHONE])
def test_the_operators_path(
    width: int, app: Flask, live_server: str, browser: Browser, db_session: Session
) -> None:
    practice, certification = _exams(db_session)
    practice_id, certification_id = practice.id, certification.id
    units = factories.make_org_tree(db_session)
    user = factories.make_user(
        db_session, Role.OPERATOR, employee_no="O1701", name="张受理", org_unit=units["GD-GZ-TH"]
    )
    with app.app_context():
        done = factories.make_attempt(db_session, practice, user)
        factories.answer_with_key(db_session, done, wrong_rules={"r1"})
        attempts.submit_attempt(db_session, done, utcnow())
        db_session.commit()
    page = new_page(browser)
    walk = Walk(page, "operator", width)
    sign_in(page, live_server, user.employee_no, factories.PASSWORD)
    walk.see("home")
    page.get_by_role("navigation").get_by_role("link", name="我的考试").click()
    walk.see("exams")

    # 2: the weakest category, from the graded practice
    weakest = page.locator("section", has=page.get_by_role("heading", name="薄弱分类练习"))
    expect(weakest).to_contain_text("最需要加强的分类：电费电价")
    expect(weakest.get_by_role("button", name="针对薄弱分类练习")).to_be_visible()

    # 1: an open practice, started twice, is one attempt and blocks nothing
    practice_row = page.locator(f'tr[data-exam="{practice_id}"]')
    practice_row.get_by_role("link", name="开始练习").click()
    walk.see("practice start page")
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator("#attempt")).to_be_visible()
    first = _attempt_id(page)
    walk.see("practice")
    page.goto(f"{live_server}/exams/{practice_id}/start")  # its start page again: 继续答题
    expect(page.get_by_role("button", name="开始答题")).to_have_count(0)
    page.get_by_role("link", name="继续答题").click()
    assert _attempt_id(page) == first, "the same practice resumes, it is not started again"
    page.goto(f"{live_server}/exams/")
    expect(page.get_by_role("link", name="继续：中级工 练习")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text("正在进行")  # no false message
    walk.see("exams with a practice open")

    # 3: the certification's start page, then the clock
    cert_row = page.locator(f'tr[data-exam="{certification_id}"]')
    expect(cert_row.get_by_test_id("pass-mark")).to_have_text("70%")
    expect(cert_row.get_by_test_id("attempts-left")).to_contain_text("剩余 2 次")
    cert_row.get_by_role("link", name="开始").click()
    start = page.get_by_test_id("start-page")
    expect(start.get_by_test_id("duration")).to_contain_text("30 分钟")
    expect(start.get_by_test_id("questions")).to_contain_text("8 道题")
    expect(start.get_by_test_id("pass-mark")).to_contain_text("得分率 70% 及以上为通过")
    expect(start.get_by_test_id("attempts")).to_contain_text("已用 0 次，剩余 2 次")
    expect(start.get_by_test_id("window")).to_contain_text("–")
    expect(start.get_by_test_id("review")).not_to_be_empty()
    assert "/attempts/" not in page.url, "the start page starts nothing"
    walk.see("certification start page")
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator("#attempt")).to_be_visible()
    walk.see("certification")
    _answer_with_key(page, db_session, skip=3)
    page.locator("#q5 [data-flag]").check()
    page.get_by_role("button", name="交卷").click()
    box = page.get_by_test_id("submit-confirm")
    expect(box.locator('[data-list="unanswered"] a')).to_have_text(["3"])
    expect(box.locator('[data-list="flagged"] a')).to_have_text(["5"])
    walk.see("submit confirmation")
    box.locator('[data-list="unanswered"] a').click()
    assert page.url.endswith("#q3")
    _answer_with_key(page, db_session, skip=0)  # question 3 now; the others stay as they are
    expect(box.locator('[data-list="unanswered"]')).to_be_hidden()
    box.get_by_role("button", name="确认交卷").click()

    # 4: the result says the pass mark and what comes next; the list says 已通过
    expect(page.get_by_test_id("percent")).to_have_text("100.0%")
    steps = page.get_by_test_id("next-steps")
    expect(steps.get_by_test_id("pass-mark")).to_contain_text("得分率 70% 及以上为通过")
    expect(steps.get_by_test_id("next")).to_contain_text("您已通过本次认证考试。")
    walk.see("certification result")
    page.get_by_role("navigation").get_by_role("link", name="我的考试").click()
    cert_row = page.locator(f'tr[data-exam="{certification_id}"]')
    expect(cert_row.get_by_test_id("passed")).to_have_text("已通过")
    expect(cert_row.get_by_test_id("attempts-left")).to_contain_text("剩余 1 次")
    expect(cert_row.get_by_role("link", name="查看成绩")).to_be_visible()
    walk.see("exams after passing")

    # 5: the history is the performance page, each result a link
    page.get_by_test_id("all-results").click()
    history = page.get_by_test_id("history")
    expect(history.locator("tbody tr")).to_have_count(2)
    walk.see("performance")
    history.get_by_role("link", name="中级工 认证考试").click()
    expect(page.get_by_test_id("percent")).to_have_text("100.0%")

    # 12: the study page speaks to its reader
    page.get_by_role("navigation").get_by_role("link", name="学习资料").click()
    expect(page.locator("main")).not_to_contain_text("种子文档")
    walk.see("study")
    page.context.close()
    walk.done()
