"""Version diffs mark exactly the characters that changed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from exam_app.bank.diff import Segment, diff_text, diff_versions, version_fields


@pytest.mark.parametrize(
    ("old", "new", "left", "right"),
    [
        (
            "供电企业应在3天内答复",
            "供电企业应在5天内答复",
            [("equal", "供电企业应在"), ("delete", "3"), ("equal", "天内答复")],
            [("equal", "供电企业应在"), ("insert", "5"), ("equal", "天内答复")],
        ),
        ("相同", "相同", [("equal", "相同")], [("equal", "相同")]),
        ("", "新增", [], [("insert", "新增")]),
        ("删除", "", [("delete", "删除")], []),
    ],
)
def test_character_diff(old: str, new: str, left, right) -> None:  # type: ignore[no-untyped-def]
    got_left, got_right = diff_text(old, new)
    assert got_left == tuple(Segment(*s) for s in left)
    assert got_right == tuple(Segment(*s) for s in right)


def _version(**changes):  # type: ignore[no-untyped-def]
    base = dict(
        type="single",
        stem="题干()。",
        options=[{"label": "A", "text": "甲"}, {"label": "B", "text": "乙"}],
        answer=["A"],
        explanation="",
        level="senior",
        difficulty=None,
        source="",
        tags=[],
    )
    return SimpleNamespace(**{**base, **changes})


def test_only_changed_fields_are_marked() -> None:
    old = version_fields(_version())
    new = version_fields(_version(answer=["B"], tags=["新"]))
    changed = {d.name for d in diff_versions(old, new) if d.changed}
    assert changed == {"answer", "tags"}
    options = next(d for d in diff_versions(old, new) if d.name == "options")
    assert "".join(s.text for s in options.left) == "A、甲\nB、乙"
