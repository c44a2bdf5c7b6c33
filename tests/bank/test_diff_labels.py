"""The version diff names types and levels in words, as every other page does (issue 17.8)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from flask.testing import FlaskClient

from exam_app.accounts.models import Role
from exam_app.bank import authoring
from exam_app.bank.diff import version_fields
from exam_app.bank.models import Level
from exam_app.bank.parsed import ItemType
from tests.factories import make_item


def test_fields_show_the_labels_given_and_codes_without_them() -> None:
    version = SimpleNamespace(
        type="judge", stem="s", options=[], answer=[], explanation="", level="senior",
        difficulty=None, source="", tags=[],
    )  # fmt: skip
    labels = {"type": {"judge": "判断"}, "level": {"senior": "高级工"}}
    shown = version_fields(version, labels)
    assert (shown["type"], shown["level"]) == ("判断", "高级工")
    assert version_fields(version)["type"] == "judge"
    no_level = SimpleNamespace(**{**vars(version), "level": None})
    assert version_fields(no_level, labels)["level"] == ""


def test_diff_page_shows_labels_not_codes(client: FlaskClient, login_as, db_session) -> None:  # type: ignore[no-untyped-def]
    author = login_as(Role.TRAINER)
    item = make_item(db_session, author.id, level=Level.SENIOR)
    draft = authoring.draft_from_version(item)
    changed = dataclasses.replace(
        draft, type=ItemType.SINGLE, options=("甲", "乙"), correct=frozenset({0}),
        judge_true=None, level=Level.TECHNICIAN,
    )  # fmt: skip
    authoring.edit_item(db_session, item, changed, author.id)
    db_session.commit()
    page = client.get(f"/bank/items/{item.id}/diff?a=1&b=2")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for word in ("判断", "单选", "高级工", "技师"):
        assert word in html
    rows = html[html.index("<tbody>") :]
    for code in ("judge", "single", "senior", "technician"):
        assert code not in rows
