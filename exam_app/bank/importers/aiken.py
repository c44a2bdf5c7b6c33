"""Aiken text files (.aiken, or .txt) to and from items: single choice only.

A question is its text (one or more lines), its options ``A. …`` or ``A) …`` (a full-width ``．``,
``）`` or ``、`` after the letter is accepted too), then ``ANSWER: B``::

    客户服务热线是（ ）。
    A. 95598
    B. 12345
    ANSWER: A

Every Aiken question is single choice. A question without an ``ANSWER:`` line becomes an item
without answer (validation reports it), an answer letter that is no option stays as written
(validation reports that too), and text that is followed by a blank line before any option
(a stray title, a broken question) is reported in ``skipped``.

Aiken has no place for explanation, category, tags or any other metadata: export writes stem,
options and key, and refuses (``ValueError``) what Aiken cannot carry so that it reads back the
same; ``aiken_problem`` says beforehand which items those are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flask_babel import gettext as _

from exam_app.bank.importers._moodle_common import (
    export_item,
    export_problem,
    export_views,
    read_questions,
)
from exam_app.bank.parsed import ItemType, OptionData, ParsedItem, ParseResult, SkippedQuestion

OPTION_LINE = re.compile(r"([A-Z])(?:[.)]\s+|[．）、]\s*)(.*)")
ANSWER_LINE = re.compile(r"ANSWER\s*[:：]\s*(.*)", re.IGNORECASE)


@dataclass
class _Draft:
    line: int
    stem: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)


def parse_aiken(data: bytes, filename: str) -> ParseResult:
    """Read an Aiken file into validated single-choice items."""
    return read_questions(data, filename, lambda text: _numbered(_questions(text.split("\n"))))


def _numbered(
    questions: Iterable[ParsedItem | SkippedQuestion],
) -> Iterator[ParsedItem | SkippedQuestion]:
    """Items numbered 1, 2, 3 … in file order; stray text is no question and counts for none."""
    count = 0
    for question in questions:
        if isinstance(question, ParsedItem):
            count += 1
            question = replace(question, number=count)
        yield question


def _questions(lines: list[str]) -> Iterator[ParsedItem | SkippedQuestion]:
    """Items (numbered later) and stray lines, in file order."""
    draft: _Draft | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        option, answer = OPTION_LINE.fullmatch(line), ANSWER_LINE.fullmatch(line)
        if not line:
            if draft is not None and not draft.options:  # text, then a blank line: no question
                yield _stray(draft)
                draft = None
        elif answer:
            yield _item(draft, _key(answer[1])) if draft else _stray(_Draft(number, [line]))
            draft = None
        elif option:
            draft = draft or _Draft(number)
            draft.options.append((option[1], option[2].strip()))
        else:
            if draft is not None and draft.options:  # a new question: the last had no ANSWER
                yield _item(draft, ())
                draft = None
            draft = draft or _Draft(number)
            draft.stem.append(line)
    if draft is not None:
        yield _item(draft, ()) if draft.options else _stray(draft)


def _stray(draft: _Draft) -> SkippedQuestion:
    """Text that is no question: a title, or a question that lost its options."""
    text = " ".join(draft.stem)
    shown = text if len(text) <= 30 else text[:30] + "…"
    message = _(
        "第%(line)s行的“%(text)s”不是完整的 Aiken 题目（缺少选项或题干），已跳过",
        line=draft.line,
        text=shown,
    )
    return SkippedQuestion(draft.line, "malformed", message)


def _key(raw: str) -> tuple[str, ...]:
    """``B``, ``b`` -> ("B",); ``A, C`` -> ("A", "C") (validation reports two); else as written."""
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value:
        return ()
    letters = re.sub(r"[\s,;、]+", "", value).upper()
    return tuple(sorted(set(letters))) if re.fullmatch("[A-Z]+", letters) else (value,)


def _item(draft: _Draft, answer: tuple[str, ...]) -> ParsedItem:
    return ParsedItem(
        number=0,
        line=draft.line,
        type=ItemType.SINGLE,
        stem="\n".join(draft.stem),
        options=tuple(OptionData(label, text) for label, text in draft.options),
        answer=answer,
    )


# ---------------------------------------------------------------- writing


def aiken_problem(item: ParsedItem | Mapping[str, Any], position: int = 1) -> str | None:
    """Why ``item`` (the ``position``-th exported) cannot be written as Aiken, or None."""
    view = export_item(item, position)
    common = export_problem(view)
    if common or view.type is not ItemType.SINGLE:
        kind = _("多选题") if view.type is ItemType.MULTIPLE else _("判断题")
        return common or _(
            "第%(number)s题是%(kind)s，Aiken 格式只能导出单选题", number=position, kind=kind
        )
    for option in view.options:
        if not re.fullmatch("[A-Z]", option.label):
            return _("第%(number)s题的选项“%(label)s”不是字母", number=position, label=option.label)
        if "\n" in option.text:
            return _(
                "第%(number)s题选项%(label)s有多行，Aiken 格式的选项只能写一行",
                number=position,
                label=option.label,
            )
    for line in (line.strip() for line in view.stem.split("\n")):
        if not line:
            return _("第%(number)s题题干中有空行，Aiken 格式不允许", number=position)
        if OPTION_LINE.fullmatch(line) or ANSWER_LINE.fullmatch(line):
            return _(
                "第%(number)s题题干中的一行“%(line)s”会被 Aiken 当作选项或答案",
                number=position,
                line=line,
            )
    return None


def export_aiken(items: Iterable[ParsedItem | Mapping[str, Any]]) -> bytes:
    """Single-choice items as a UTF-8 Aiken file; any other item raises ``ValueError``."""
    items = list(items)
    for position, item in enumerate(items, start=1):
        problem = aiken_problem(item, position)
        if problem:
            raise ValueError(problem)
    blocks = []
    for view in export_views(items):
        lines = [line.strip() for line in view.stem.split("\n")]
        lines += [f"{option.label}. {option.text}" for option in view.options]
        lines.append(f"ANSWER: {view.answer[0]}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks).encode("utf-8")
