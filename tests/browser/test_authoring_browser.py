"""A trainer writes an item of each type, a second trainer approves, the first edits, compares
versions side by side and retires the item — all in Debian's chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from exam_app.demo import DEMO_PASSWORD
from tests.browser.conftest import new_page, sign_in

pytestmark = pytest.mark.browser

ITEMS = [
    ("single", "客户投诉应在（ ）个工作日内答复。", ["3", "5", "7"], [1], None),
    (
        "multiple",
        "客户服务渠道包括（ ）。",
        ["电话", "营业厅", "网上", "传真机房"],
        [0, 1, 2],
        None,
    ),
    ("judge", "供电营业厅应设置周界报警装置。", [], [], "A"),
]


def _write(
    page: Page,
    base: str,
    kind: str,
    stem: str,
    options: list[str],
    keys: list[int],
    judge: str | None,
) -> str:
    page.goto(f"{base}/bank/items/new")
    page.select_option("#type", kind)
    page.fill("#stem", stem)
    if judge:
        page.check(f"input[name=judge_answer][value={judge}]")
    else:
        while page.locator("textarea.option-text").count() < len(options):
            page.click("#add-option")
        rows = page.locator("li.option-row")
        while rows.count() > max(len(options), 2):
            rows.last.locator("[data-remove]").click()
        for i, text in enumerate(options):
            rows.nth(i).locator("textarea").fill(text)
        for i in keys:
            rows.nth(i).locator("input[type=checkbox]").check()
    expect(page.locator("#preview .stem")).to_have_text(stem)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("已保存为草稿")
    return re.search(r"/bank/items/(\d+)", page.url).group(1)


def test_write_review_edit_diff_retire(runner, live_server: str, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    author, reviewer = new_page(browser), new_page(browser)
    sign_in(author, live_server, "T0001", DEMO_PASSWORD)
    sign_in(reviewer, live_server, "T0002", DEMO_PASSWORD)

    ids = [_write(author, live_server, *spec) for spec in ITEMS]
    for item_id in ids:
        author.goto(f"{live_server}/bank/items/{item_id}")
        author.get_by_role("button", name="送审").click()
        expect(author.get_by_test_id("status")).to_have_text("待审核")
        expect(author.get_by_role("button", name="审核通过并发布")).to_have_count(0)

    for item_id in ids:  # the second trainer approves
        reviewer.goto(f"{live_server}/bank/items/{item_id}")
        reviewer.get_by_role("button", name="审核通过并发布").click()
        expect(reviewer.get_by_test_id("status")).to_have_text("已发布")

    single = ids[0]
    author.goto(f"{live_server}/bank/items/{single}/edit")
    author.locator("li.option-row").nth(2).locator("textarea").fill("10")
    author.get_by_role("button", name="保存").click()
    expect(author.locator(".flash-warning")).to_contain_text("需要重新审核")
    expect(author.get_by_test_id("status")).to_have_text("草稿")

    author.get_by_role("button", name="并排比较").click()
    expect(author.locator("h1")).to_contain_text("v1 → v2")
    changed = author.locator("tr.changed")
    expect(changed).to_have_count(1)
    expect(changed.locator("del.diff")).to_have_text("7")
    expect(changed.locator("ins.diff")).to_have_text("10")
    expect(author.locator("thead")).to_contain_text("培训师甲")

    author.goto(f"{live_server}/bank/items/{single}")
    author.once("dialog", lambda dialog: dialog.accept())
    author.get_by_role("button", name="停用").click()
    expect(author.get_by_test_id("status")).to_have_text("已停用")
    author.context.close()
    reviewer.context.close()


def test_editor_explains_what_is_missing(runner, live_server: str, page: Page) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(args=["demo", "load"])
    sign_in(page, live_server, "T0001", DEMO_PASSWORD)
    page.goto(f"{live_server}/bank/items/new")
    page.fill("#stem", "没有标答案的题（ ）。")
    page.locator("textarea.option-text").nth(0).fill("甲")
    page.locator("textarea.option-text").nth(1).fill("乙")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#problems")).to_contain_text("请标出正确答案")
    expect(page.locator("#stem")).to_have_value("没有标答案的题（ ）。")  # nothing typed is lost
