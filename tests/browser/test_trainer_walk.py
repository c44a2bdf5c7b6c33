"""Issue 17, the trainer's path in Debian's chromium at 1280 px and at 375 px, every page
screenshotted and audited with axe-core (``walk.Walk``):

7. the new-exam form: every field labelled (axe), rule rows added and removed in the page with
   the live supply check per row (exam_rules.js), and the saved exam's page describing each
   rule (category, type, difficulty, count) and the exam's settings;
8. the version diff in labels (判断, 高级工), never codes (judge, senior);
12. the bank's filter buttons on one line (the walk checks every short label at every width).
"""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role
from exam_app.bank import authoring
from exam_app.bank.models import Item, Level
from exam_app.bank.parsed import ItemType
from tests import factories
from tests.browser.conftest import new_page, sign_in
from tests.browser.walk import DESK, PHONE, Walk

pytestmark = pytest.mark.browser

STEM = "居民客户申请峰谷分时电价，应在受理后几个工作日内答复？"


def _revised_item(db_session: Session, author_id: int) -> Item:
    """A true/false item for 高级工 that a second version made single choice for 技师."""
    item = factories.make_item(db_session, author_id, stem=STEM, level=Level.SENIOR)
    draft = authoring.draft_from_version(item)
    changed = dataclasses.replace(
        draft, type=ItemType.SINGLE, options=("3 个", "5 个"), correct=frozenset({0}),
        judge_true=None, level=Level.TECHNICIAN,
    )  # fmt: skip
    authoring.edit_item(db_session, item, changed, author_id)
    db_session.commit()
    return item


def _rows(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#rule-rows tbody tr[data-rule-row]")


def _fill_rule(page: Page, index: int, count: int, type_label: str) -> None:
    row = _rows(page).nth(index)
    row.get_by_label(f"规则 {index + 1} 题数").fill(str(count))
    row.get_by_label(f"规则 {index + 1} 题型").select_option(label=type_label)


@pytest.mark.parametrize("width", [DESK, PHONE])
def test_the_trainers_path(
    width: int, app: Flask, live_server: str, browser: Browser, db_session: Session
) -> None:
    factories.load_bank(db_session)  # 12 single, 6 multiple, 6 true/false
    trainer = factories.make_user(db_session, Role.TRAINER, employee_no="T1701", name="李培训")
    item = _revised_item(db_session, trainer.id)
    page = new_page(browser)
    walk = Walk(page, "trainer", width)
    sign_in(page, live_server, trainer.employee_no, factories.PASSWORD)
    walk.see("home")
    nav = page.get_by_role("navigation")
    nav.get_by_role("link", name="考试管理").click()
    walk.see("exams")
    page.get_by_role("link", name="新建考试").click()
    walk.see("new exam form")  # axe: every field labelled

    # 7: rows added and removed in the page, each checked against the bank as it is typed
    page.get_by_label("考试名称").fill("高级工 认证考试（春季）")
    page.get_by_label("时长（分钟）").fill("45")
    page.get_by_label("及格线（%）").fill("80")
    start = _rows(page).count()
    _fill_rule(page, 0, 4, "单选")
    # 12: the revised item is a draft, which no exam draws
    expect(_rows(page).nth(0).locator("[data-supply]")).to_have_text("可用 12 题")
    page.get_by_role("button", name="添加规则").click()
    expect(_rows(page)).to_have_count(start + 1)
    added = start  # the new row's index
    expect(_rows(page).nth(added).get_by_label(f"规则 {added + 1} 题数")).to_be_focused()
    _fill_rule(page, added, 50, "多选")
    supply = _rows(page).nth(added).locator("[data-supply]")
    expect(supply).to_have_text("不足：需要 50 题，可用 6 题")
    expect(_rows(page).nth(added)).to_have_class("problem")
    walk.see("new exam form with a short rule")
    _rows(page).nth(added).get_by_role("button", name=f"删除 规则 {added + 1}").click()
    expect(_rows(page)).to_have_count(start)
    for index in range(1, start):  # the form's other rows: left empty, so ignored
        expect(_rows(page).nth(index).locator("[data-supply]")).to_have_text("")
    page.get_by_role("button", name="添加规则").click()
    _fill_rule(page, start, 2, "判断")
    expect(_rows(page).nth(start).locator("[data-supply]")).to_have_text("可用 6 题")
    page.get_by_role("button", name="保存").click()

    # 7: the exam's page says what each rule draws and how the exam is set
    settings = page.get_by_test_id("exam-settings")
    expect(settings).to_contain_text("45 分钟")
    expect(settings).to_contain_text("80%")
    expect(settings.get_by_test_id("eligible-units")).to_have_text("所有考生")
    rules = page.get_by_test_id("rules").locator("tbody tr")
    expect(rules).to_have_count(2)
    # rule, category, type, difficulty, count needed, count in the bank
    expect(rules.nth(0).locator("td")).to_have_text(
        ["r1", "任意分类", "单选", "任意难度", "4", "12"]
    )
    expect(rules.nth(1).locator("td")).to_have_text(
        ["r2", "任意分类", "判断", "任意难度", "2", "6"]
    )
    walk.see("exam page")

    # 8: the bank, its search, the item's two versions side by side in labels
    nav.get_by_role("link", name="题库").click()
    page.get_by_role("searchbox", name="搜索").fill("峰谷分时")
    page.get_by_role("button", name="筛选").click()
    walk.see("bank search")
    page.get_by_role("link", name=STEM).click()
    walk.see("item page")
    page.get_by_role("button", name="并排比较").click()
    assert f"/bank/items/{item.id}/diff" in page.url
    changes = page.locator("main table tbody")
    for label in ("判断", "单选", "高级工", "技师"):
        expect(changes).to_contain_text(label)
    for code in ("judge", "single", "senior", "technician"):
        expect(changes).not_to_contain_text(code)
    walk.see("version diff")
    page.context.close()
    walk.done()
