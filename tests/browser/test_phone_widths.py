"""Issue 17.6 and its "done when": every page a role reaches from the main navigation works on
a phone (375 px), a tablet (768 px) and a desk (1280 px): nothing scrolls sideways, no link of
the navigation nor any short button label wraps onto a second line (首/页, 搜/索), and axe-core
finds no WCAG 2.1 A/AA violation. A screenshot of each page at each width is kept, under
$UX_ARTIFACTS if set, else under the test's tmp_path."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from exam_app.accounts.models import Role, User
from exam_app.exams.models import ExamMode
from tests import factories
from tests.browser.axe import audit, describe
from tests.browser.conftest import new_page, sign_in

pytestmark = pytest.mark.browser

WIDTHS = (375, 768, 1280)
SHORT_LABEL = 8  # a label of at most this many characters fits on one line at any width

#: Elements whose label wraps onto more lines than one, each as "tag 'text' (n lines)".
_WRAPPED = """(maxChars) => {
  const out = [];
  const lines = el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set();
    for (const r of range.getClientRects())
      if (r.width > 0 && r.height > 0) tops.add(Math.round(r.top));
    return tops.size;
  };
  const visible = el => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  for (const el of document.querySelectorAll(
      '.topbar a, .topbar button, .topbar summary, main button, main .button, main a.button')) {
    const text = el.textContent.trim().replace(/\\s+/g, ' ');
    if (!text || !visible(el)) continue;
    const nav = !!el.closest('.topbar');
    if (!nav && text.length > maxChars) continue;
    const n = lines(el);
    if (n > 1) out.push(`${el.tagName.toLowerCase()} '${text}' (${n} lines)`);
  }
  for (const el of document.querySelectorAll('input[type=submit]')) {
    if (visible(el) && el.value.length <= maxChars
        && el.getBoundingClientRect().height > 2.2 * parseFloat(getComputedStyle(el).lineHeight))
      out.push(`input '${el.value}' (wraps)`);
  }
  return out;
}"""


def _artifacts(tmp_path: Path) -> Path:
    root = Path(os.environ["UX_ARTIFACTS"]) if os.environ.get("UX_ARTIFACTS") else tmp_path
    root.mkdir(parents=True, exist_ok=True)
    return root


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
    tmp_path: Path,
) -> None:
    user = _data(app, db_session)[role]
    shots = _artifacts(tmp_path)
    page = new_page(browser)
    sign_in(page, live_server, user.employee_no, factories.PASSWORD)
    problems: list[str] = []
    for path in _pages(page, live_server):
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            response = page.goto(f"{live_server}{path}")
            where = f"{role.value} {path} at {width} px"
            if response is None or not response.ok:
                problems.append(f"{where}: HTTP {response.status if response else '?'}")
                continue
            name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
            page.screenshot(path=str(shots / f"{role.value}-{name}-{width}.png"), full_page=True)
            scroll, client = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if scroll > client:
                problems.append(f"{where}: scrolls sideways ({scroll} > {client} px)")
            for wrapped in page.evaluate(_WRAPPED, SHORT_LABEL):
                problems.append(f"{where}: {wrapped} wraps")
            violations = audit(page)
            if violations:
                problems.append(f"{where}: axe\n{describe(violations)}")
    page.context.close()
    assert not problems, "\n".join(problems)
