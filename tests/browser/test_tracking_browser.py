"""In Debian's chromium: HR opens the compliance board, drills down to a hall with an overdue
operator, exports the workbook (opened with openpyxl); the operator who is due sees the
requirement and its deadline on their home page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role
from exam_app.db import utcnow
from exam_app.i18n import DISPLAY_TZ
from exam_app.tracking import history, requirements
from exam_app.tracking.requirements import VersionSpec
from tests.browser.conftest import new_page, sign_in
from tests.factories import PASSWORD, make_org_tree, make_user

pytestmark = pytest.mark.browser
REP = "客服代表"


def _fits(page: Page) -> bool:
    """Nothing makes the page scroll sideways."""
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_hr_drills_down_to_an_overdue_operator_and_exports(
    app: Flask, live_server: str, browser: Browser, db_session: Session, tmp_path: Path
) -> None:
    now = utcnow()
    today = now.astimezone(DISPLAY_TZ).date()
    units = make_org_tree(db_session)
    hall = units["GD-GZ-TH"]
    hr = make_user(db_session, Role.HR, name="人资", employee_no="H9001")
    late = make_user(db_session, name="逾期员工", employee_no="O9001")
    new = make_user(db_session, name="新员工", employee_no="O9002")
    with app.app_context():
        requirement = requirements.create_requirement(
            db_session,
            "营业厅客服代表持中级工证",
            VersionSpec(today - timedelta(days=1000), "intermediate", positions=(REP,)),
            hr.id,
            now,
        )
        history.hire(db_session, late.id, today - timedelta(days=400), REP, hall.id, hr.id, now)
        history.hire(db_session, new.id, today - timedelta(days=10), REP, hall.id, hr.id, now)
        db_session.commit()
    assert requirement.id

    page = new_page(browser)
    sign_in(page, live_server, hr.employee_no, PASSWORD)
    page.get_by_role("link", name="培训达标").first.click()
    expect(page.get_by_test_id("as-of")).to_contain_text(today.isoformat())
    row = page.locator(f'tr[data-unit="{hall.id}"]')
    expect(row.locator('td[data-state="overdue"]')).to_have_text("1")
    expect(row.locator("svg.status-bar rect.st-overdue")).to_have_count(1)
    row.get_by_role("link", name="天河营业厅").click()
    person = page.locator(f'tr[data-user="{late.id}"]')
    expect(person).to_have_attribute("data-state", "overdue")
    since = today - timedelta(days=400 - 91)
    expect(person).to_contain_text(f"自 {since.isoformat()} 起逾期")

    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    saved = tmp_path / "board.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet is not None
    rows = {r[0]: r for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert set(rows) == {"逾期员工", "新员工"}
    assert rows["逾期员工"][6] == "已逾期" and rows["新员工"][6] == "即将到期"
    # on a phone the board, the chart and the drill-down fit the width (tables scroll inside)
    page.set_viewport_size({"width": 390, "height": 844})
    for url in (f"{live_server}/tracking/", f"{live_server}/tracking/?unit_id={hall.id}"):
        page.goto(url)
        expect(page.locator("svg.month-chart g[data-month]")).to_have_count(12)
        assert _fits(page), url
    page.context.close()

    operator = new_page(browser)
    sign_in(operator, live_server, new.employee_no, PASSWORD)
    card = operator.get_by_test_id("my-requirements")
    expect(card).to_contain_text("营业厅客服代表持中级工证")
    expect(card).to_contain_text((today + timedelta(days=80)).isoformat())
    operator.set_viewport_size({"width": 390, "height": 844})
    assert _fits(operator)
    operator.goto(f"{live_server}/exams/")
    assert _fits(operator)
    refused = operator.goto(f"{live_server}/tracking/")
    assert refused is not None and refused.status == 403
    operator.context.close()
