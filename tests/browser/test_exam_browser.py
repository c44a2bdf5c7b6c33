"""An operator takes a certification exam in Debian's chromium: answers survive a reload and an
outage, and an attempt left open past its deadline is graded with every saved answer. Another
operator practises and uses the wrong-question book."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from exam_app.db import utcnow
from exam_app.demo import DEMO_PASSWORD
from exam_app.exams.models import Answer, Attempt, Exam
from exam_app.exams.timing import GRACE_SECONDS
from tests.browser.conftest import new_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(runner) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["bank", "load-shipped"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0


def _answer(page: Page, position: int, option: int = 0) -> None:
    card = page.locator(f"#q{position}")
    card.locator(".answer-options input").nth(option).check()


def _start(page: Page, base: str, title: str) -> None:
    """The list links to the exam's start page; its 开始答题 button starts the clock."""
    page.goto(f"{base}/exams/")
    row = page.locator("tr", has_text=title)
    row.get_by_role("link", name="开始").click()
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator("#attempt")).to_be_visible()


def test_certification_answers_survive_reload_outage_and_timeout(
    demo,
    live_server: str,
    browser: Browser,
    db_session,  # type: ignore[no-untyped-def]
) -> None:
    page = new_page(browser)
    sign_in(page, live_server, "O0001", DEMO_PASSWORD)
    _start(page, live_server, "中级工 认证考试")
    for position in (1, 2, 3):
        _answer(page, position)
        expect(page.locator("#save-state")).to_contain_text("已保存")
    expect(page.locator("#answered-count")).to_have_text("3")

    page.reload()
    for position in (1, 2, 3):
        expect(page.locator(f"#q{position} .answer-options input").nth(0)).to_be_checked()
    expect(page.locator("#answered-count")).to_have_text("3")

    page.context.set_offline(True)
    _answer(page, 4)
    _answer(page, 5)
    expect(page.locator("#save-state")).to_contain_text("网络中断")
    page.context.set_offline(False)
    expect(page.locator("#save-state")).to_contain_text("已保存", timeout=20_000)
    expect(page.locator('[data-nav="5"]')).to_have_class("answered")
    page.context.close()  # the tab is closed for good

    attempt_id = db_session.scalars(select(Attempt.id)).one()
    saved = {a.position for a in db_session.scalars(select(Answer))}
    assert saved == {1, 2, 3, 4, 5}
    # The time runs out. A fresh transaction that writes first: on SQLite, one that had read
    # could not write after the server logged the closed tab (a stale snapshot is refused).
    db_session.rollback()
    db_session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id)
        .values(deadline_at=utcnow() - timedelta(seconds=GRACE_SECONDS + 5))
    )
    db_session.commit()

    again = new_page(browser)
    sign_in(again, live_server, "O0001", DEMO_PASSWORD)
    again.goto(f"{live_server}/exams/")
    expect(again.locator("td", has_text="到时自动交卷")).to_be_visible()
    again.locator("a", has_text="中级工 认证考试").first.click()
    expect(again.get_by_test_id("auto")).to_be_visible()
    db_session.expire_all()
    graded = db_session.get(Attempt, attempt_id)
    assert graded.auto_submitted and len(graded.answers) == 5
    again.context.close()


def test_practice_feedback_and_wrong_question_book(
    demo, live_server: str, page: Page, db_session
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_server, "O0002", DEMO_PASSWORD)
    _start(page, live_server, "中级工 练习")
    exam = db_session.scalar(select(Exam).where(Exam.title == "中级工 练习"))
    assert exam is not None
    # Answer every question with the first option: some will be wrong. Single choice and
    # true/false answer on the click; multiple choice is ticked, then confirmed.
    for card in page.locator(".question-card").all():
        options = card.locator(".answer-options input")
        if card.get_attribute("data-type") == "multiple":
            confirm = card.get_by_role("button", name="确认答案")
            expect(confirm).to_be_disabled()
            options.nth(1).check()
            options.nth(0).check()
            options.nth(1).uncheck()  # changing the mind before confirming is allowed
            expect(page.locator("#save-state")).to_contain_text("已保存")
            expect(card.locator(".feedback")).to_be_hidden()
            confirm.click()
        else:
            options.nth(0).check()
        expect(card.locator(".feedback")).to_be_visible()
        expect(options.nth(0)).to_be_disabled()  # the key is shown: the answer is final
    wrong = page.locator(".feedback.wrong").count()
    assert wrong > 0, "the first option cannot be right for every question"
    page.get_by_role("button", name="交卷").click()  # the confirmation lists what is left
    page.get_by_role("button", name="确认交卷").click()
    expect(page.get_by_test_id("percent")).to_be_visible()

    page.goto(f"{live_server}/exams/wrong-book")
    cards = page.locator("#wrong-book .question-card")
    expect(cards).to_have_count(wrong)
    first = cards.first
    item_id = first.get_attribute("data-item")
    first.locator(".answer-options input").nth(0).check()
    first.locator("[data-check]").click()
    expect(first.locator(".feedback")).to_be_visible()
    expect(first.locator(".answer-options li.key").first).to_be_visible()  # the key, now
    key = [
        i
        for i, li in enumerate(first.locator(".answer-options li").all())
        if "key" in (li.get_attribute("class") or "")
    ]
    first_was_right = "回答正确" in first.locator(".feedback").inner_text()
    for _ in range(1 if first_was_right else 2):  # two right answers in a row: out of the book
        page.goto(f"{live_server}/exams/wrong-book")
        card = page.locator(f'.question-card[data-item="{item_id}"]')
        for i in key:
            card.locator(".answer-options input").nth(i).check()
        card.locator("[data-check]").click()
        expect(card.locator(".feedback")).to_contain_text("回答正确")
    expect(card.locator(".feedback")).to_contain_text("移出错题本")
    page.goto(f"{live_server}/exams/wrong-book")
    expect(page.locator(f'.question-card[data-item="{item_id}"]')).to_have_count(0)
