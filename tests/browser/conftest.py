"""A live server in a thread, and Debian's chromium driven by Playwright (no downloaded browser)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class _ClosingBody:
    """A response body closed exactly once: by the server, or else when it is dropped."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self.body: Iterable[bytes] | None = body

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body or ())

    def close(self) -> None:
        body, self.body = self.body, None
        if body is not None and hasattr(body, "close"):
            body.close()

    __del__ = close


def closing_responses(app: Any) -> Any:
    """The app with every response body closed even when the browser drops the connection.

    werkzeug's dev server closes the body only after reading what is left of the request, and
    that read raises on a connection the browser reset (navigating on before a script
    arrived), so a static file was left to the garbage collector: a ResourceWarning, which
    fails the test that happened to be running."""

    def wsgi(environ: dict[str, Any], start_response: Any) -> _ClosingBody:
        return _ClosingBody(app(environ, start_response))

    return wsgi


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, closing_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not shutil.which("chromium"):
        pytest.fail(
            "Debian's chromium is missing: run `make system-deps` (apt-get install chromium)"
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def new_page(browser: Browser) -> Page:
    """A page in a fresh context (its own cookies): one person at one browser."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = new_page(browser)
    yield page
    page.context.close()


def sign_in(page: Page, base: str, employee_no: str, password: str) -> None:
    page.goto(f"{base}/accounts/login")
    page.fill("#employee_no", employee_no)
    page.fill("#password", password)
    page.click("input[type=submit]")
