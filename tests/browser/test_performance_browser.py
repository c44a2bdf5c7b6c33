"""In Debian's chromium: an operator opens their performance page from the home page at a
phone's width (390 px) and a desktop's (1280 px); both charts render, with their points and
bars, and nothing runs off the page sideways."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from exam_app.bank.categories import ensure_category
from exam_app.bank.models import Item
from exam_app.exams.models import ExamMode
from tests.browser.conftest import new_page, sign_in
from tests.factories import (
    PASSWORD,
    load_bank,
    make_attempt,
    make_exam,
    make_org_tree,
    make_user,
)

pytestmark = pytest.mark.browser
LONG = "业扩报装/高压供电方案答复与受电工程设计审查"  # a long category path must not widen the page


def _no_sideways_overflow(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


def test_operator_performance_page_at_phone_and_desktop_widths(
    app: Flask, live_server: str, browser: Browser, db_session: Session
) -> None:
    units = make_org_tree(db_session)
    operator = make_user(db_session, name="甲一", employee_no="O9101", org_unit=units["GD-GZ-TH"])
    load_bank(db_session)
    fees, _ = ensure_category(db_session, "电费电价")
    connect, _ = ensure_category(db_session, LONG)
    for item in db_session.scalars(select(Item)):
        item.category = fees if item.current.type == "single" else connect
    db_session.commit()
    practice = make_exam(db_session, ExamMode.PRACTICE)
    with app.app_context():
        for answers in ("wrong", "key", "wrong"):
            make_attempt(db_session, practice, operator, "submitted", answers)  # type: ignore[arg-type]

    page = new_page(browser)
    sign_in(page, live_server, operator.employee_no, PASSWORD)
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server}/")
        page.get_by_test_id("my-performance").click()
        expect(page.locator("h1")).to_have_text("我的成绩分析")
        trend = page.get_by_test_id("trend-chart")
        expect(trend).to_be_visible()
        expect(trend.locator("circle.score-point")).to_have_count(3)
        expect(trend.locator("circle.score-point.passed")).to_have_count(1)
        expect(trend.locator("line.pass-mark").first).to_be_attached()
        mastery = page.get_by_test_id("mastery-chart")
        expect(mastery).to_be_visible()
        expect(mastery.locator("rect.bar-fill")).to_have_count(2)
        for chart in (trend, mastery):
            box = chart.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 50
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
            assert chart.get_attribute("role") == "img"
        # the bars are as wide as the share: 1 of 3 attempts right -> 33.3 %
        track = mastery.locator("rect.bar-track").first.bounding_box()
        fill = mastery.locator(f'rect.bar-fill[data-category="{fees.id}"]').bounding_box()
        assert track is not None and fill is not None
        assert abs(fill["width"] / track["width"] - 1 / 3) < 0.02
        expect(page.get_by_test_id("weak-areas")).to_contain_text("电费电价")
        expect(page.get_by_test_id("weak-areas").get_by_role("button")).to_have_count(2)
        _no_sideways_overflow(page)
    page.context.close()
