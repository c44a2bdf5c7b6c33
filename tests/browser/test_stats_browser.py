"""In Debian's chromium: HR opens the statistics from the top navigation, compares two halls'
pass rates for an exam and downloads the workbook (opened with openpyxl, its figures checked),
at a desktop's 1280 px and a phone's 375 px; an operator is refused; a trainer meets a flagged
item in the bank and follows it to its analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role
from tests.browser.conftest import new_page, sign_in
from tests.factories import PASSWORD
from tests.stats.cohort_data import build
from tests.stats.item_data import CANDIDATES, build_flagged, too_easy_item

pytestmark = pytest.mark.browser


def _fits(page: Page) -> bool:
    """Nothing makes the page scroll sideways."""
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


@pytest.mark.parametrize("width", [1280, 375])
def test_hr_compares_two_halls_and_downloads_the_workbook(
    app: Flask,
    live_server: str,
    browser: Browser,
    db_session: Session,
    tmp_path: Path,
    width: int,
) -> None:
    data = build(app, db_session)
    th, yx = data.units["GD-GZ-TH"], data.units["GD-GZ-YX"]
    page = new_page(browser)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, data.hr.employee_no, PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="统计分析").click()
    page.get_by_test_id("cohort-links").get_by_role("link", name="群体统计").click()
    page.get_by_test_id("exam").select_option(str(data.exam.id))
    page.get_by_test_id("group-0").select_option(f"unit:{th.id}")
    page.get_by_test_id("group-1").select_option(f"unit:{yx.id}")
    page.get_by_test_id("show").click()

    overview = page.get_by_test_id("overview-table")
    first, second = overview.locator('tr[data-group="0"]'), overview.locator('tr[data-group="1"]')
    expect(first).to_contain_text("天河营业厅")
    expect(first.locator('td[data-figure="pass_rate"]')).to_have_text("50%")
    expect(first.locator('td[data-figure="mean"]')).to_have_text("50%")
    expect(second).to_contain_text("越秀营业厅")
    expect(second.locator('td[data-figure="mean"]')).to_have_text("70%")
    expect(page.get_by_test_id("headline-chart").locator("rect.bar.series-1")).to_have_count(2)
    expect(page.get_by_test_id("histogram-chart").locator("rect.bar")).to_have_count(20)
    expect(page.get_by_test_id("computed")).to_contain_text("计算于")
    assert _fits(page), "the page fits the width (tables scroll inside)"

    with page.expect_download() as download:
        page.get_by_test_id("export-xlsx").click()
    saved = tmp_path / "stats.xlsx"
    download.value.save_as(saved)
    wb = load_workbook(saved)
    rows = list(wb["概况"].iter_rows(values_only=True))
    assert rows[1][0] == "天河营业厅" and rows[1][3:8] == (2, 2, 1, 50.0, 50.0)
    assert rows[2][0] == "越秀营业厅" and rows[2][3:8] == (2, 2, 1, 50.0, 70.0)
    assert wb["概况"]._charts, "a native Excel chart beside the figures"  # noqa: SLF001
    page.context.close()


def test_an_operator_is_refused_the_statistics(
    app: Flask, live_server: str, browser: Browser, db_session: Session
) -> None:
    data = build(app, db_session)
    page = new_page(browser)
    sign_in(page, live_server, data.operator.employee_no, PASSWORD)
    expect(page.get_by_role("link", name="统计分析")).to_have_count(0)
    refused = page.goto(f"{live_server}/stats/cohort-stats?exam_id={data.exam.id}")
    assert refused is not None and refused.status == 403
    page.context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_a_trainer_meets_a_flagged_item_in_the_bank_and_follows_it_to_its_analysis(
    app: Flask, live_server: str, browser: Browser, make_user: Any, width: int
) -> None:
    exam = build_flagged(app, [make_user() for _ in range(CANDIDATES)])
    item_id = too_easy_item(app)
    trainer = make_user(Role.TRAINER)
    page = new_page(browser)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, trainer.employee_no, PASSWORD)
    page.goto(f"{live_server}/bank/")
    page.get_by_label("仅统计异常").check()
    page.get_by_role("button", name="筛选").click()
    row = page.locator("table.items tr").filter(
        has=page.locator(f'a[href="/bank/items/{item_id}"]')
    )
    expect(row.locator('[data-flag="too_easy"]')).to_have_text("过易")
    row.locator(f'a[href="/bank/items/{item_id}"]').click()
    flags = page.get_by_test_id("item-flags")
    expect(flags).to_contain_text("n = 32")
    flags.get_by_role("link", name="查看试题分析").first.click()
    expect(page).to_have_url(f"{live_server}/stats/exams/{exam.id}/items/{item_id}")
    expect(page.get_by_test_id("distractors").locator("tr.key")).to_have_count(1)
    assert _fits(page), "the item's analysis fits the width"
    page.context.close()
