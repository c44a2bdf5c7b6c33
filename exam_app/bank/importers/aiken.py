"""Aiken text files (.aiken, or .txt) to and from items: single choice only.

A question is its text (one or more lines), its options ``A. …`` or ``A) …`` (a full-width ``．``,
``）`` or ``、`` after the letter is accepted too), then ``ANSWER: B``::

    客户服务热线是（ ）。
    A. 95598
    B. 12345
    ANSWER: A

Reading keeps Moodle's own Aiken rules (``qformat_aiken``), and its error messages, each with the
line Moodle names:

* an option or ``ANSWER:`` line outside a question: "Question not started on line N";
* ``ANSWER:`` after fewer than two options: "Question must have at least 2 answers on line N";
* a question that has not reached its ``ANSWER:`` line when the next one starts (a text line after
  its options, or after a blank line): "Question not completed before next question start on
  line N"; at the end of the file the same question is reported too (Moodle drops it silently).

Each of these questions is listed in ``skipped`` and not imported, as Moodle imports none of them.
Two things are read more widely than Moodle does: consecutive text lines make one question text
(Moodle wants it on one line), and ``answer：ｂ`` (any case, full-width) is ``ANSWER: B``. An
option without a space after its mark (``A)95598``) is an option inside a question, as in Moodle,
but starts the question text where no question is open (``A.B.C 分类法…``). As in Moodle, a line
of a single ASCII character is passed over.

The key is never guessed: the ``ANSWER:`` value must be exactly one of the question's option
letters. ``ANSWER:`` with nothing after it leaves the item without answer; anything else (``E``
for options A–C, ``A, B``, words) keeps the item without answer and says what the line held,
instead of taking letters out of it as Moodle does.

Aiken has no place for explanation, category, tags or any other metadata: export writes stem,
options and key, and refuses (``ValueError``) what Aiken cannot carry so that it reads back the
same; ``aiken_problem`` says beforehand which items those are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from exam_app.bank.importers._moodle_common import (
    export_item,
    export_problem,
    export_views,
    read_questions,
)
from exam_app.bank.parsed import (
    ItemType,
    OptionData,
    ParsedItem,
    ParseResult,
    Problem,
    ProblemCode,
    SkippedQuestion,
)
from exam_app.bank.validation import describe_labels

OPTION_LINE = re.compile(r"([A-Z])(?:[.)]\s+|[．）、]\s*)(.*)")
#: Moodle's option line: the letter and ``.`` or ``)``, a space or not.
_TIGHT_OPTION = re.compile(r"([A-Z])[.)](.*)")
ANSWER_LINE = re.compile(r"ANSWER\s*[:：]\s*(.*)", re.IGNORECASE)


@dataclass
class _Draft:
    line: int
    stem: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    #: a blank line came after the question text: a text line now starts the next question
    closed: bool = False


def parse_aiken(data: bytes, filename: str) -> ParseResult:
    """Read an Aiken file into validated single-choice items."""
    return read_questions(data, filename, lambda text: _Reader().read(text.split("\n")))


class _Reader:
    """Moodle's Aiken reading, line by line: items (numbered 1, 2, 3 …) and skipped questions."""

    def __init__(self) -> None:
        self.count = 0

    def read(self, lines: list[str]) -> Iterator[ParsedItem | SkippedQuestion]:
        draft: _Draft | None = None
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if line and len(line.encode()) < 2:
                continue  # Moodle passes over lines shorter than two bytes
            answer = ANSWER_LINE.fullmatch(line)
            option = OPTION_LINE.fullmatch(line) or (
                _TIGHT_OPTION.fullmatch(line) if draft is not None else None
            )
            if not line:
                if draft is not None and not draft.options:
                    draft.closed = True
            elif answer:
                if draft is None:
                    yield _not_started(number)
                elif len(draft.options) < 2:
                    yield _too_few(draft, number)
                else:
                    yield self._item(draft, answer[1], number)
                draft = None
            elif option:
                if draft is None:
                    yield _not_started(number)
                else:
                    draft.options.append((option[1], option[2].strip()))
            elif draft is not None and not draft.options and not draft.closed:
                draft.stem.append(line)  # the question text goes on
            else:
                if draft is not None:
                    yield _not_completed(draft, number)
                draft = _Draft(number, [line])
        if draft is not None:
            yield _not_completed(draft, None)

    def _item(self, draft: _Draft, raw_key: str, line: int) -> ParsedItem:
        self.count += 1
        labels = [label for label, _text in draft.options]
        value = unicodedata.normalize("NFKC", raw_key).strip()
        key = value.upper() if re.fullmatch("[A-Za-z]", value) else None
        item = ParsedItem(
            number=self.count,
            line=draft.line,
            type=ItemType.SINGLE,
            stem="\n".join(draft.stem),
            options=tuple(OptionData(label, text) for label, text in draft.options),
            answer=(key,) if key in labels else (),
        )
        # an option with no text: reported by ``validation`` for every importer (empty_option)
        if not value or key in labels:
            return item
        message = _(
            "第%(number)s题第%(line)s行的“%(text)s”不是该题的一个选项字母（%(labels)s），"
            "未作为答案",
            number=self.count,
            line=line,
            text=_shown(raw_key.strip()),
            labels=describe_labels(labels),
        )
        return item.with_problem(Problem(ProblemCode.ANSWER_NOT_IN_OPTIONS, message))


def _shown(text: str) -> str:
    return text if len(text) <= 50 else text[:50] + "…"


def _not_started(line: int) -> SkippedQuestion:
    """An option or ``ANSWER:`` line with no question open (Moodle: questionnotstarted)."""
    message = _(
        "第%(line)s行的选项或答案不属于任何题目：Question not started on line %(line)s，已跳过",
        line=line,
    )
    return SkippedQuestion(line, "malformed", message)


def _too_few(draft: _Draft, line: int) -> SkippedQuestion:
    """``ANSWER:`` after fewer than two options (Moodle: questionmissinganswers)."""
    message = _(
        "第%(start)s行的题目“%(text)s”少于 2 个选项："
        "Question must have at least 2 answers on line %(line)s，已跳过",
        start=draft.line,
        text=_shown(" ".join(draft.stem)),
        line=line,
    )
    return SkippedQuestion(draft.line, "malformed", message)


def _not_completed(draft: _Draft, line: int | None) -> SkippedQuestion:
    """A question without its ``ANSWER:`` line when the next starts (Moodle: questionnotcomplete),
    or when the file ends (Moodle drops it without a word)."""
    values = {"start": draft.line, "text": _shown(" ".join(draft.stem)), "line": line}
    if line is None:
        message = _(
            "第%(start)s行的题目“%(text)s”到文件结尾还没有 ANSWER 行，"
            "不是完整的 Aiken 题目，已跳过",
            **values,
        )
    else:
        message = _(
            "第%(start)s行的题目“%(text)s”没有 ANSWER 行就开始了下一题："
            "Question not completed before next question start on line %(line)s，已跳过",
            **values,
        )
    return SkippedQuestion(draft.line, "malformed", message)


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
