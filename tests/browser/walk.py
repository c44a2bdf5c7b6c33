"""A person's walk through the site in the browser (issue 17): ``Walk.see(where)`` takes a
screenshot of the page as it stands and records what is wrong with it: axe-core's WCAG 2.1
A/AA violations, a page that scrolls sideways, a navigation link or short button label that
wraps onto a second line (首/页, 搜/索). ``Walk.done()`` fails naming every problem of the walk,
so one run reports them all.

Screenshots are kept as artifacts: under $UX_ARTIFACTS if set, else ``artifacts/screens`` at
the top of the checkout (ignored by git), one folder per walk and width, numbered in order.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page

from tests.browser.axe import audit, describe

PHONE, TABLET, DESK = 375, 768, 1280
SHORT_LABEL = 8  # a label of at most this many characters fits on one line at any width
_ROOT = Path(__file__).resolve().parents[2]

#: Elements whose label wraps onto more lines than one, each as "tag 'text' (n lines)".
_WRAPPED = """(maxChars) => {
  const out = [];
  // lines of the text a sighted reader sees (words only for screen readers left out)
  const lines = el => {
    const tops = new Set();
    const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      if (!node.textContent.trim() || node.parentElement.closest('.sr-only')) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects())
        if (r.width > 0 && r.height > 0) tops.add(Math.round(r.top));
    }
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


def artifacts(name: str) -> Path:
    """The folder a walk's screenshots go to (made if missing)."""
    base = Path(os.environ["UX_ARTIFACTS"]) if os.environ.get("UX_ARTIFACTS") else None
    folder = (base or _ROOT / "artifacts" / "screens") / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):  # a walk's folder shows its last run only
        old.unlink()
    return folder


class Walk:
    """One person at one width: ``see`` each page they reach, ``done`` at the end."""

    def __init__(self, page: Page, name: str, width: int, height: int = 800) -> None:
        self.page = page
        self.width = width
        self.height = height
        self.folder = artifacts(f"{name}-{width}")
        self.problems: list[str] = []
        self.seen: list[str] = []
        page.set_viewport_size({"width": width, "height": height})

    def goto(self, url: str, where: str) -> None:
        response = self.page.goto(url)
        if response is None or not response.ok:
            status = response.status if response else "no response"
            self.problems.append(f"{where} ({url}): HTTP {status}")
        self.see(where)

    def see(self, where: str) -> None:
        """Screenshot the page and check it, as a person at this width sees it now."""
        page = self.page
        page.wait_for_load_state("load")
        slug = re.sub(r"[^\w]+", "_", where).strip("_") or "home"
        shot = self.folder / f"{len(self.seen) + 1:02d}-{slug}.png"
        at = page.evaluate("[window.scrollX, window.scrollY]")
        page.screenshot(path=str(shot), full_page=True)
        # a full-page shot stretches the viewport; without this the page's first click after it
        # can land where the stretched layout had the element (seen: a row's 删除 missed)
        page.set_viewport_size({"width": self.width, "height": self.height})
        page.evaluate("([x, y]) => window.scrollTo(x, y)", at)
        self.seen.append(where)
        label = f"{where} at {self.width} px ({page.url})"
        scroll, client = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll > client:
            self.problems.append(f"{label}: scrolls sideways ({scroll} > {client} px)")
        for wrapped in page.evaluate(_WRAPPED, SHORT_LABEL):
            self.problems.append(f"{label}: {wrapped} wraps")
        violations = audit(page)
        if violations:
            self.problems.append(f"{label}: axe\n{describe(violations)}")

    def done(self) -> None:
        assert self.seen, "a walk sees at least one page"
        assert not self.problems, "\n".join(self.problems)
