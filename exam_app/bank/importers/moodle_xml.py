"""Moodle XML question files (.xml) to and from items.

Reading: ``<question type="multichoice">`` is single choice with ``<single>true</single>`` (key:
the answers worth 100 %; none makes an item without key that says so) and multiple choice with
``false`` (key: every answer with ``fraction`` > 0); the ``multichoiceset`` plugin
(all-or-nothing) is multiple choice; ``truefalse`` is a true/false item (key: the answer worth
100 %, as in Moodle). ``<question type="category">`` sets the category of the questions after
it; ``<name>`` is kept as ``source``, ``<generalfeedback>`` is the explanation and ``<tags>`` the
tags (see ``_moodle_common``). HTML texts become plain text; images cannot come
along and leave ``[图片]`` in the text. Any other type (essay, matching, cloze …) is reported in
``skipped`` with its line, as is a question without text.

Grades follow Moodle's: an answer's ``fraction`` must be one of Moodle's grade options
(``_moodle_common.MOODLE_FRACTIONS``, within Moodle's tolerance). Moodle refuses to import a file
in which any question (true/false aside, whose grades Moodle does not check) has another grade,
so such a file is refused as a whole, naming each question (its ``<name>`` and line) and grade.

The file is read with expat and must not declare a DOCTYPE, so no entity can be defined or
expanded (no "billion laughs", no external files).

Writing: every text is written as ``plain_text`` (Moodle shows it exactly as typed, ``<`` and
line breaks included), answers keep their order (``shuffleanswers`` false, numbered ABCD), a
multiple-choice key gives each right answer a share of 100% in Moodle's grade options
(``key_shares``) and each wrong one -100%.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from flask_babel import gettext as _

from exam_app.bank.importers._moodle_common import (
    FRACTION_TOLERANCE,
    JUDGE_TEXTS,
    LETTERS,
    BadGrades,
    Meta,
    MoodleFileError,
    category_from_moodle,
    category_to_moodle,
    default_name,
    export_views,
    html_to_text,
    key_shares,
    make_item,
    malformed,
    meta_tags,
    moodle_fraction,
    question_meta,
    read_questions,
    refuse_bad_grades,
    text_in_format,
    unsupported,
)
from exam_app.bank.parsed import (
    ItemType,
    ParsedItem,
    ParseResult,
    Problem,
    ProblemCode,
    SkippedQuestion,
)

_CHOICE_KINDS = ("multichoice", "multichoiceset", "truefalse")
_TRUE_WORDS = frozenset({"true", "t", "正确", "对", "是"})
_FALSE_WORDS = frozenset({"false", "f", "错误", "错", "否"})


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    def child(self, tag: str) -> _Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]

    def text(self, *path: str) -> str:
        """Character data of the element at ``path`` below this one, '' when there is none."""
        node: _Node | None = self
        for tag in path:
            node = node.child(tag) if node else None
        return "".join(node.parts) if node else ""


class _DoctypeRefused(Exception):
    pass


def _tree(text: str) -> _Node:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    stack: list[_Node] = []
    root: list[_Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = _Node(tag, attrs, parser.CurrentLineNumber)
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    def refuse(*_args: object) -> None:
        raise _DoctypeRefused

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _tag: stack.pop()
    parser.CharacterDataHandler = lambda data: stack[-1].parts.append(data) if stack else None
    parser.StartDoctypeDeclHandler = refuse  # before any entity can be declared
    parser.Parse(text, True)
    return root[0]


def parse_moodle_xml(data: bytes, filename: str) -> ParseResult:
    """Read a Moodle XML file into validated items; other question types go to ``skipped``."""
    return read_questions(data, filename, lambda text: _questions(_quiz(text, filename), filename))


def _quiz(text: str, filename: str) -> _Node:
    """The ``<quiz>`` element; a file that is no Moodle XML raises ``MoodleFileError``."""
    try:
        quiz = _tree(text)
    except _DoctypeRefused:
        raise MoodleFileError(
            _("文件“%(name)s”含有 DOCTYPE 声明，出于安全原因不予读取", name=filename)
        ) from None
    except expat.ExpatError as exc:
        error = expat.ErrorString(exc.code)
        message = _(
            "文件“%(name)s”不是有效的 XML（第%(line)s行：%(error)s）",
            name=filename,
            line=exc.lineno,
            error=error,
        )
        raise MoodleFileError(message) from exc
    if quiz.tag != "quiz":
        message = _(
            "文件“%(name)s”不是 Moodle XML 题目文件（根元素是 <%(tag)s>，应为 <quiz>）",
            name=filename,
            tag=quiz.tag,
        )
        raise MoodleFileError(message)
    return quiz


def _questions(quiz: _Node, filename: str) -> Iterator[ParsedItem | SkippedQuestion]:
    """Every question in order, numbered 1, 2, 3 … whether read or skipped; categories set the
    category of the questions after them. A grade Moodle refuses refuses the whole file."""
    refuse_bad_grades(filename, [bad for node in quiz.all("question") if (bad := _bad(node))])
    category: str | None = None
    count = 0
    for node in quiz.all("question"):
        kind = node.attrs.get("type", "").strip().lower()
        if kind == "category":
            category = category_from_moodle(node.text("category", "text"))
            continue
        count += 1
        yield _question(node, kind, count, category)


def _bad(node: _Node) -> BadGrades | None:
    """The grades of ``node`` Moodle would refuse, or None (categories and true/false: none)."""
    if node.attrs.get("type", "").strip().lower() in ("category", "truefalse"):
        return None
    grades = [a.attrs.get("fraction", "0") for a in node.all("answer")]
    bad = tuple(grade for grade in grades if moodle_fraction(grade) is None)
    if not bad:
        return None
    return BadGrades(node.line, _name(node) or default_name(_rich(node.child("questiontext"))), bad)


def _name(node: _Node) -> str:
    """The question's ``<name>`` as plain text."""
    name = node.text("name", "text")
    return html_to_text(name) if "<" in name else name.strip()


def _rich(node: _Node | None) -> str:
    """Plain text of an element with ``format`` and ``<text>``, such as ``<questiontext>``."""
    if node is None:
        return ""
    return text_in_format(node.text("text"), node.attrs.get("format", "html"))


def _question(
    node: _Node, kind: str, number: int, category: str | None
) -> ParsedItem | SkippedQuestion:
    if kind not in _CHOICE_KINDS:
        return unsupported(node.line, number, kind or "?", _name(node))
    stem = _rich(node.child("questiontext"))
    if not stem:
        return malformed(node.line, number, _("缺少题干（<questiontext> 为空）"))
    meta = question_meta(
        name=node.text("name", "text"),
        stem=stem,
        explanation=_rich(node.child("generalfeedback")),
        category=category,
        tags=(t.text("text") for t in _children(node, "tags", "tag")),
    )
    answers = [
        (_rich(a), _fraction(a.attrs.get("fraction", "0")), _rich(a.child("feedback")))
        for a in node.all("answer")
    ]  # grades Moodle refuses were refused with the file, true/false aside
    where = (number, node.line)
    if kind == "truefalse":
        return _judge(answers, where, stem, meta)
    answers = [answer for answer in answers if answer[0]]  # Moodle ignores blank answers too
    single = kind == "multichoice" and node.text("single").strip().lower() not in ("false", "0")
    correct = [
        index
        for index, (_text, fraction, _fb) in enumerate(answers)
        if (_full(fraction) if single else fraction > 0)
    ]
    feedback = [(LETTERS[i % 26], fb) for i, (_t, _f, fb) in enumerate(answers)]
    item_type = ItemType.SINGLE if single else ItemType.MULTIPLE
    texts = [t for t, _f, _fb in answers]
    item = make_item(where, item_type, stem, texts, correct, meta.with_feedback(feedback))
    best = max((fraction for _t, fraction, _f in answers), default=0.0)
    if not single or correct or best <= 0:
        return item
    message = _(
        "第%(number)s题是单选题，却没有得分 100%% 的选项（最高 %(best)s%%），未定答案",
        number=number,
        best=f"{best * 100:.5f}".rstrip("0").rstrip("."),
    )
    return item.with_problem(Problem(ProblemCode.ANSWER_COUNT, message))


def _full(fraction: float) -> bool:
    """Worth 100 %, within Moodle's tolerance."""
    return abs(fraction - 1) < FRACTION_TOLERANCE


def _judge(
    answers: list[tuple[str, float, str]], where: tuple[int, int], stem: str, meta: Meta
) -> ParsedItem:
    key: int | None = None
    feedback: list[tuple[str, str]] = []
    for position, (text, fraction, note) in enumerate(answers[:2]):
        word = text.strip().lower()
        index = 0 if word in _TRUE_WORDS else 1 if word in _FALSE_WORDS else position
        key = index if _full(fraction) else key
        feedback.append(("AB"[index], note))
    correct = [] if key is None else [key]
    return make_item(
        where, ItemType.JUDGE, stem, JUDGE_TEXTS, correct, meta.with_feedback(sorted(feedback))
    )


def _children(node: _Node, *path: str) -> list[_Node]:
    *parents, last = path
    for tag in parents:
        found = node.child(tag)
        if found is None:
            return []
        node = found
    return node.all(last)


def _fraction(raw: str) -> float:
    """A grade in percent as a fraction of 1; what is no number counts for nothing."""
    try:
        value = float(raw) / 100
    except ValueError:
        return 0.0
    return value if math.isfinite(value) else 0.0


# ---------------------------------------------------------------- writing


def export_moodle_xml(items: Iterable[ParsedItem | Mapping[str, Any]]) -> bytes:
    """Items as a UTF-8 Moodle XML file; an item with no usable key raises ``ValueError``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    category: str | None = None
    for item in export_views(items):
        if item.category != category:
            out += _category(item.category)
            category = item.category
        out += _write_question(item)
    out.append("</quiz>\n")
    return "\n".join(out).encode("utf-8")


def _text(value: str) -> str:
    # XML 1.0 cannot hold most control characters; a text never needs them.
    kept = "".join(c for c in value if c in "\t\n" or ord(c) >= 32)
    return f"<text>{escape(kept)}</text>"


def _rich_out(tag: str, value: str, extra: str = "") -> str:
    return f'<{tag} format="plain_text">{_text(value)}{extra}</{tag}>'


def _category(category: str | None) -> list[str]:
    return [
        '  <question type="category">',
        f"    <category>{_text(category_to_moodle(category))}</category>",
        "  </question>",
    ]


def _write_question(item: ParsedItem) -> list[str]:
    kind = "truefalse" if item.type is ItemType.JUDGE else "multichoice"
    lines = [
        f"  <question type={quoteattr(kind)}>",
        f"    <name>{_text(item.source or default_name(item.stem))}</name>",
        f"    {_rich_out('questiontext', item.stem)}",
        f"    {_rich_out('generalfeedback', item.explanation)}",
        "    <defaultgrade>1</defaultgrade>",
        f"    <penalty>{'1' if kind == 'truefalse' else '0.3333333'}</penalty>",
        "    <hidden>0</hidden>",
    ]
    if item.type is ItemType.JUDGE:
        for label, word in (("A", "true"), ("B", "false")):
            fraction = "100" if item.answer == (label,) else "0"
            lines.append(f'    <answer fraction="{fraction}" format="moodle_auto_format">')
            lines.append(f"      {_text(word)}{_rich_out('feedback', '')}</answer>")
    else:
        single = item.type is ItemType.SINGLE
        lines += [
            f"    <single>{'true' if single else 'false'}</single>",
            "    <shuffleanswers>false</shuffleanswers>",
            "    <answernumbering>ABCD</answernumbering>",
        ]
        shares = iter(key_shares(len(item.answer))) if not single else iter(())
        for option in item.options:
            right = option.label in item.answer
            fraction = ("100" if single else next(shares)) if right else ("0" if single else "-100")
            lines.append(f'    <answer fraction="{fraction}" format="plain_text">')
            lines.append(f"      {_text(option.text)}{_rich_out('feedback', '')}</answer>")
    tags = meta_tags(item)
    if tags:
        lines.append("    <tags>")
        lines += [f"      <tag>{_text(tag)}</tag>" for tag in tags]
        lines.append("    </tags>")
    lines.append("  </question>")
    return lines
