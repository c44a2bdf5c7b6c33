"""Side-by-side differences between two versions of an item, character by character.

Chinese has no spaces, so a word diff would mark whole sentences; characters show exactly which
words changed. Pure: takes plain field texts, returns segments that the template marks up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from exam_app.bank.models import CONTENT_FIELDS


@dataclass(frozen=True)
class Segment:
    op: str  #: "equal", "delete" (only on the left) or "insert" (only on the right)
    text: str


@dataclass(frozen=True)
class FieldDiff:
    name: str
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]

    @property
    def changed(self) -> bool:
        return any(s.op != "equal" for s in self.left + self.right)


def version_fields(
    version: Any, labels: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, str]:
    """An item version's content as one text per field. ``labels``: per field, the words a
    reader sees for its stored codes (``{"type": {"judge": "判断题"}, "level": …}``)."""
    labels = labels or {}

    def shown(name: str, code: str | None) -> str:
        return "" if not code else labels.get(name, {}).get(code, code)

    return {
        "type": shown("type", version.type),
        "stem": version.stem,
        "options": "\n".join(f"{o['label']}、{o['text']}" for o in version.options),
        "answer": "、".join(version.answer),
        "explanation": version.explanation,
        "level": shown("level", version.level),
        "difficulty": "" if version.difficulty is None else str(version.difficulty),
        "source": version.source,
        "tags": "；".join(version.tags),
    }


def diff_text(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    left: list[Segment] = []
    right: list[Segment] = []
    for op, a0, a1, b0, b1 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(Segment("equal", old[a0:a1]))
            right.append(Segment("equal", new[b0:b1]))
            continue
        if a1 > a0:
            left.append(Segment("delete", old[a0:a1]))
        if b1 > b0:
            right.append(Segment("insert", new[b0:b1]))
    return tuple(left), tuple(right)


def diff_versions(old: dict[str, str], new: dict[str, str]) -> list[FieldDiff]:
    """Every field of two versions, with what was removed on the left and added on the right."""
    return [
        FieldDiff(name, *diff_text(old.get(name, ""), new.get(name, ""))) for name in CONTENT_FIELDS
    ]
