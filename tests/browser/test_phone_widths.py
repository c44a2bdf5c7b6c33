"""Issue 17.6 and its "done when": every page a role reaches from the main navigation works on
a phone (375 px), a tablet (768 px) and a desk (1280 px): nothing scrolls sideways, no link of
the navigation nor any short button label wraps onto a second line (首/页, 搜/索), and axe-core
finds no WCAG 2.1 A/AA violation (``walk.Walk``, which keeps a screenshot of each page at each
width)."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.exams.models import ExamMode
from tests import factories
from tests.browser.conftest import new_page, sign_in
from tests.browser.walk import DESK, PHONE, TABLET, Walk

pytestmark = pytest.mark.browser

WIDTHS = (PHONE, TABLET, DESK)


def _data(app: Flask, db_session: Session) -> dict[Role, User]:
    units = factories.make_org_tree(db_session)
    hall = units["GD-GZ-TH"]
    factories.load_bank(db_session)
    factories.make_exam(db_session, title="中级工 认证考试", pass_percent=70)
    practice = factories.make_exam(db_session, ExamMode.PRACTICE, title="中级工 练习")
    people = {
        Role.OPERATOR: factories.make_user(
            db_session, Role.OPERATOR, employee_no="O0375", name="张受理", org_unit=hall
        ),
        Role.TRAINER: factories.make_user(
            db_session, Role.TRAINER, employee_no="T0375", name="李培训"
        ),
        Role.HR: factories.make_user(db_session, Role.HR, employee_no="H0375", name="王人资"),
        Role.ADMIN: factories.make_user(db_session, Role.ADMIN, employee_no="A0375", name="赵管理"),
    }
    factories.make_attempt(db_session, practice, people[Role.OPERATOR], "submitted", "wrong")
    return people


def _pages(page: Page, base: str) -> list[str]:
    """Home, every link of the main navigation and the user menu, and one study document."""
    page.goto(f"{base}/")
    hrefs = page.eval_on_selector_all(
        ".topbar a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    paths = ["/"]
    for href in hrefs:
        if href.startswith("/") and href not in paths:
            paths.append(href)
    if "/study/" in paths:
        page.goto(f"{base}/study/")
        first = page.locator(".docs a").first.get_attribute("href")
        if first:
            paths.append(first)
        paths.append("/study/?q=投诉")
    return paths


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.TRAINER, Role.HR, Role.ADMIN])
def test_every_page_of_the_role_at_phone_tablet_and_desk_widths(
    role: Role,
    app: Flask,
    live_server: str,
    browser: Browser,
    db_session: Session,
) -> None:
    user = _data(app, db_session)[role]
    page = new_page(browser)
    sign_in(page, live_server, user.employee_no, factories.PASSWORD)
    paths = _pages(page, live_server)
    walks = [Walk(page, f"nav-{role.value}", width) for width in WIDTHS]
    for walk in walks:
        page.set_viewport_size({"width": walk.width, "height": 800})
        for path in paths:
            walk.goto(f"{live_server}{path}", path)
    page.context.close()
    problems = [p for walk in walks for p in walk.problems]
    assert not problems, "\n".join(problems)
