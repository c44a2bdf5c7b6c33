"""axe-core in the browser tests: ``audit(page)`` lists the page's WCAG 2.1 A/AA violations,
``assert_accessible(page, where)`` fails naming each one (rule, impact, help, elements).

axe.min.js comes from the npm registry through ``scripts/fetch_axe.py`` (``make test`` runs it;
this module runs it too when the file is missing). It is injected with ``page.evaluate``, which
the page's Content-Security-Policy does not govern.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fetch_axe.py"


@cache
def _source() -> str:
    spec = importlib.util.spec_from_file_location("fetch_axe", _SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Path(module.fetch()).read_text(encoding="utf-8")


def audit(page: Page) -> list[dict[str, Any]]:
    """axe's violations of WCAG 2.1 A and AA on the page as it stands."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_source())
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}")
        for node in v["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '').splitlines()[-1:]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str) -> None:
    violations = audit(page)
    assert not violations, f"axe: {where} ({page.url}) violates WCAG 2.1 A/AA:\n" + describe(
        violations
    )
