"""In Debian's chromium: an operator passes the 中级工 certification and downloads the
certificate; HR revokes it with a reason; the certificate's own link (its QR code) says valid
before and revoked, with the reason, after — on a phone as on a desktop."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from exam_app.bank.models import ItemVersion
from exam_app.certificates.models import Certificate
from exam_app.demo import DEMO_PASSWORD
from exam_app.exams.models import Attempt
from tests.browser.conftest import new_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(runner, app: Flask, live_server: str, tmp_path: Path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    old = {k: app.config[k] for k in ("CERT_SIGNING_KEY_FILE", "CERT_BASE_URL")}
    app.config.update(CERT_SIGNING_KEY_FILE=str(tmp_path / "k.pem"), CERT_BASE_URL=live_server)
    assert runner.invoke(args=["bank", "load-shipped"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    yield
    app.config.update(old)


def _pass_certification(page: Page, base: str, db_session) -> int:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/exams/")
    page.locator("tr", has_text="中级工 认证考试").get_by_role("link", name="开始").click()
    page.get_by_role("button", name="开始答题").click()  # the start page comes first
    expect(page.locator("#attempt")).to_be_visible()
    attempt_id = int(page.url.rstrip("/").split("/")[-1])
    attempt = db_session.get(Attempt, attempt_id)
    for item in attempt.items:
        key = db_session.get(ItemVersion, item.version_id).answer
        inputs = page.locator(f"#q{item.position} .answer-options input")
        for label in key:
            inputs.nth(item.option_order.index(label)).check()
    expect(page.locator("#save-state")).to_contain_text("已保存")
    page.get_by_role("button", name="交卷").click()
    page.get_by_role("button", name="确认交卷").click()
    expect(page.get_by_test_id("percent")).to_be_visible()
    db_session.rollback()
    return attempt_id


def test_pass_download_revoke_and_the_qr_link_follows(
    demo, live_server: str, browser: Browser, db_session, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    operator = new_page(browser)
    sign_in(operator, live_server, "O0001", DEMO_PASSWORD)
    attempt_id = _pass_certification(operator, live_server, db_session)
    cert = db_session.scalar(select(Certificate).where(Certificate.attempt_id == attempt_id))
    assert cert is not None
    db_session.rollback()

    operator.goto(f"{live_server}/")
    expect(operator.get_by_test_id("certificates")).to_contain_text(cert.number)
    with operator.expect_download() as download:
        operator.get_by_test_id("download-pdf").first.click()
    saved = tmp_path / "mine.pdf"
    download.value.save_as(saved)
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True).stdout
    assert "用电客户受理员 中级工" in text and cert.number in text

    verify_url = f"{live_server}/certificates/verify/{cert.number}/{cert.verification_code}"
    phone = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN").new_page()
    phone.goto(verify_url)
    expect(phone.get_by_test_id("status")).to_have_attribute("data-status", "valid")
    expect(phone.get_by_test_id("holder")).to_contain_text(cert.holder_name)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the verification page overflows a phone: {width}px"

    hr = new_page(browser)
    sign_in(hr, live_server, "H0001", DEMO_PASSWORD)
    hr.goto(f"{live_server}/certificates/")
    hr.get_by_role("link", name=cert.number).click()
    hr.get_by_label("撤销原因").fill("核查发现替考")
    hr.once("dialog", lambda dialog: dialog.accept())
    hr.get_by_role("button", name="撤销证书").click()
    expect(hr.get_by_test_id("status")).to_contain_text("已撤销")

    phone.goto(verify_url)
    expect(phone.get_by_test_id("status")).to_have_attribute("data-status", "revoked")
    expect(phone.get_by_test_id("status")).to_contain_text("核查发现替考")
    desktop = new_page(browser)
    desktop.goto(verify_url)
    expect(desktop.get_by_test_id("status")).to_contain_text("已撤销")
