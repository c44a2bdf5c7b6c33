"""What the Moodle formats (GIFT, Aiken, Moodle XML) share: decoding, items, metadata, reports.

Conventions every Moodle reader and writer here follows:

* A file is read in the encodings ``core.textfiles`` reads (UTF-8 with or without BOM, GB18030/GBK,
  UTF-16 with BOM); anything else is refused as a whole, saying which encodings are read. Line
  ends (``\\r\\n``, ``\\r``) become ``\\n`` on the way in and on the way out. Exports are UTF-8.
* The question *name* (GIFT ``::title::``, XML ``<name>``) is kept as the item's ``source``,
  unless it is only the start of the question text (the name Moodle makes up when a question has
  none). Exports write ``source`` as the name, or the start of the stem when there is none.
* Moodle categories ``$course$/top/电费电价/电价政策`` become ``电费电价/电价政策``.
* ``level`` and ``difficulty`` travel as Moodle tags ``level:中级工`` and ``difficulty:3``; on
  import such a tag with a known level or a difficulty 1–5 fills the field instead of ``tags``.
* Feedback on single answers has no place in an item: it is added to ``explanation`` after the
  general feedback, one line per option (``选项B的反馈：…``), so nothing a trainer wrote is lost.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from html.parser import HTMLParser
from typing import Any

from flask_babel import gettext as _

from exam_app.bank.importers.spreadsheet import LEVELS
from exam_app.bank.parsed import (
    JUDGE_OPTIONS,
    ItemType,
    OptionData,
    ParsedItem,
    ParseResult,
    SkippedQuestion,
)
from exam_app.bank.validation import validate_items
from exam_app.core import textfiles

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class MoodleFileError(Exception):
    """The file cannot be read at all; ``message`` tells the trainer why, ``details`` (if any)
    lists each place in the file that is wrong."""

    def __init__(self, message: str, details: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = tuple(details)


def decode_file(data: bytes, filename: str) -> str:
    """The file's text with ``\\n`` line ends (``core.textfiles.decode_text``, BOM removed); an
    encoding not read there raises ``MoodleFileError``."""
    try:
        text = textfiles.decode_text(data)
    except textfiles.UnknownEncoding as exc:
        raise MoodleFileError(
            _(
                "文件“%(name)s”的编码无法识别：只能读取 UTF-8（带或不带 BOM）、GB18030/GBK "
                "和带 BOM 的 UTF-16，请另存为 UTF-8 后再导入",
                name=filename,
            )
        ) from exc
    return unify_newlines(text.removeprefix("\ufeff"))


def unify_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------- HTML

_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "tr", "table", "thead", "tbody", "h1",
                     "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dl", "dt", "dd",
                     "hr"})  # fmt: skip
_HIDDEN = frozenset({"script", "style"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br" or tag in _BLOCKS:
            self.parts.append("\n")
        elif tag == "img":  # an image cannot come along: leave a visible mark for the reviewer
            alt = (dict(attrs).get("alt") or "").strip()
            self.parts.append(f"[图片：{alt}]" if alt else "[图片]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))  # HTML: any white space is one space


def html_to_text(markup: str) -> str:
    """Plain text of HTML: entities unescaped, tags gone, ``<br>`` and blocks start new lines."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ")
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def text_in_format(text: str, fmt: str) -> str:
    """Moodle text of format ``fmt`` as plain text: HTML is converted, any other kept as written.

    Moodle's own format (``moodle``, ``moodle_auto_format``) may hold HTML too, but what people
    type in it is mostly plain text, and ``<`` or spaces in such text must stay as they are.
    """
    return html_to_text(text) if fmt.lower() == "html" else text.strip()


# ---------------------------------------------------------------- names, categories, tags

_CONTEXT = re.compile(r"^\$[a-z]+\$/?")  # $course$/, $system$/, $module$/, $coursecategory$/


def category_from_moodle(path: str) -> str | None:
    """``$course$/top/电费/电价`` -> ``电费/电价``; the top category alone -> None."""
    path = _CONTEXT.sub("", path.strip())
    parts = [part.replace("//", "/").strip() for part in re.split(r"(?<!/)/(?!/)", path)]
    parts = [part for part in parts if part]
    if parts and parts[0].lower() == "top":
        parts = parts[1:]
    return "/".join(parts) or None


def category_to_moodle(category: str | None) -> str:
    parts = [part.strip() for part in re.split(r"[/／]", category or "") if part.strip()]
    return "/".join(["$course$", "top", *parts])


def _squash(text: str) -> str:
    return "".join(html.unescape(text).split())


def source_from_name(name: str, stem: str) -> str | None:
    """The question's name as its source, unless it is just the start of the question text."""
    name = name.strip()
    short = _squash(name.removesuffix("...").removesuffix("…"))
    if not short or _squash(stem).startswith(short):
        return None
    return name


def default_name(stem: str) -> str:
    """The name an export gives a question without source: the start of its first line."""
    first = stem.strip().split("\n", 1)[0].strip()
    return first[:50]


_META = re.compile(r"(level|difficulty)\s*[:：]\s*(.+)", re.IGNORECASE)


def read_tags(raw: Iterable[str]) -> tuple[tuple[str, ...], str | None, int | None]:
    """Tags as (tags, level, difficulty): ``level:中级工`` and ``difficulty:3`` fill the fields."""
    tags: list[str] = []
    level: str | None = None
    difficulty: int | None = None
    for tag in (t.strip() for t in raw):
        match = _META.fullmatch(tag)
        key, value = (match[1].lower(), match[2].strip()) if match else ("", "")
        if key == "level" and value in LEVELS and level is None:
            level = value
        elif key == "difficulty" and value in "12345" and len(value) == 1 and difficulty is None:
            difficulty = int(value)
        elif tag and tag not in tags:
            tags.append(tag)
    return tuple(tags), level, difficulty


# ---------------------------------------------------------------- grades

#: The grades Moodle accepts for an answer (``question_bank::fraction_options_full()``), as
#: fractions of 1: none, 100 %, every p/q for q <= 6, p/10, 1/q for q <= 10 and 1/20, and the
#: same negative. An import with any other grade stops in Moodle (``invalidgrade``).
_POSITIVE_FRACTIONS = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4,
                       0.3333333, 0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111,
                       0.1, 0.05)  # fmt: skip
MOODLE_FRACTIONS = (0.0, *_POSITIVE_FRACTIONS, *(-f for f in reversed(_POSITIVE_FRACTIONS)))
#: Moodle's ``match_grade_options``: a grade is an option when within 0.00001 of it (of 1).
FRACTION_TOLERANCE = 0.00001


def moodle_fraction(percent: str) -> float | None:
    """The Moodle grade option (a fraction of 1) that ``percent`` (as written in a file: ``50``,
    ``33.33333``) stands for, or None when Moodle accepts no such grade."""
    try:
        value = float(percent.strip()) / 100
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    return next((f for f in MOODLE_FRACTIONS if abs(value - f) < FRACTION_TOLERANCE), None)


@dataclass(frozen=True)
class BadGrades:
    """A question whose answers carry grades Moodle does not accept."""

    line: int
    name: str
    grades: tuple[str, ...]  #: as written in the file


def refuse_bad_grades(filename: str, bad: list[BadGrades]) -> None:
    """Raise ``MoodleFileError`` naming every question and grade of ``bad``, if there are any:
    Moodle imports nothing from such a file, and neither do we."""
    if not bad:
        return
    message = _(
        "文件“%(name)s”未导入：%(count)s 道题的得分比例不是 Moodle 允许的值"
        "（Moodle 同样拒绝导入整个文件），请改正后再导入",
        name=filename,
        count=len(bad),
    )
    details = [
        _(
            "第%(line)s行的题目“%(question)s”：得分比例 %(grades)s 不是 Moodle 允许的值"
            "（Grades (%(grades)s) do not match grade options）",
            line=question.line,
            question=question.name,
            grades=", ".join(question.grades),
        )
        for question in bad
    ]
    raise MoodleFileError(message, details)


# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class Meta:
    """What a question carries besides its text and options: ``ParsedItem``'s own field names."""

    explanation: str = ""
    category: str | None = None
    source: str | None = None
    tags: tuple[str, ...] = ()
    level: str | None = None
    difficulty: int | None = None

    def with_feedback(self, feedback: Iterable[tuple[str, str]]) -> Meta:
        """The same, with feedback on single options added to the explanation."""
        return replace(self, explanation=explanation_with_feedback(self.explanation, feedback))


def question_meta(
    *, name: str, stem: str, explanation: str, category: str | None, tags: Iterable[str]
) -> Meta:
    """A question's ``Meta``: its name as source (``source_from_name``) and its tags read by
    ``read_tags``, so ``level:…`` and ``difficulty:…`` fill those fields."""
    own_tags, level, difficulty = read_tags(tags)
    return Meta(
        explanation=explanation,
        category=category,
        source=source_from_name(name, stem),
        tags=own_tags,
        level=level,
        difficulty=difficulty,
    )


JUDGE_TEXTS = [text for _label, text in JUDGE_OPTIONS]  # judge items are choices A=正确, B=错误


def explanation_with_feedback(general: str, feedback: Iterable[tuple[str, str]]) -> str:
    """General feedback, then one ``选项X的反馈：…`` line per option that has feedback."""
    lines = [general.strip()] if general.strip() else []
    lines += [f"选项{label}的反馈：{text.strip()}" for label, text in feedback if text.strip()]
    return "\n".join(lines)


_LABELS = re.compile(r"labels\s*[:：]\s*(.+)", re.IGNORECASE)


def labels_tag(item: ParsedItem) -> str | None:
    """``labels:A,C,D`` for options not lettered A, B, C … in order (Moodle numbers answers by
    position: the tag keeps the item's own letters, and what validation says of them)."""
    labels = [option.label for option in item.options]
    if item.type is ItemType.JUDGE or labels == list(LETTERS[: len(labels)]):
        return None
    return "labels:" + ",".join(labels)


def _written_labels(tags: Iterable[str], count: int) -> list[str] | None:
    """The labels of a ``labels:`` tag when it names one per option, else None."""
    for tag in tags:
        match = _LABELS.fullmatch(tag.strip())
        labels = [label.strip() for label in match[1].split(",")] if match else []
        if match and len(labels) == count and all(labels):
            return labels
    return None


def make_item(
    where: tuple[int, int], item_type: ItemType, stem: str, options: list[str],
    correct: Iterable[int], meta: Meta,
) -> ParsedItem:  # fmt: skip
    """An item at ``where`` = (number, line); ``correct`` holds indexes into ``options``.

    Past Z there are no letters: such a label makes validation report the options. A
    ``labels:A,C,D`` tag (written by our exports for options that are not lettered A, B, C …)
    gives the options those labels back, so validation reports them again.
    """
    labels = [LETTERS[i] if i < len(LETTERS) else f"#{i + 1}" for i in range(len(options))]
    written = _written_labels(meta.tags, len(options)) if item_type is not ItemType.JUDGE else None
    if written is not None:
        labels = written
        meta = replace(meta, tags=tuple(t for t in meta.tags if not _LABELS.fullmatch(t)))
    return ParsedItem(
        number=where[0],
        line=where[1],
        type=item_type,
        stem=stem.strip(),
        options=tuple(OptionData(label, text) for label, text in zip(labels, options, strict=True)),
        answer=tuple(sorted({labels[index] for index in correct})),
        **asdict(meta),
    )


# ---------------------------------------------------------------- reports


# fmt: off
def _kind_name(kind: str) -> str:
    names = {
        "essay": _("论述题"), "matching": _("匹配题"), "match": _("匹配题"),
        "numerical": _("数值题"), "shortanswer": _("简答（填空）题"),
        "multianswer": _("嵌入式答案（完形填空）题"), "cloze": _("嵌入式答案（完形填空）题"),
        "description": _("说明文字（不是题目）"), "calculated": _("计算题"),
        "calculatedsimple": _("简单计算题"), "calculatedmulti": _("计算型选择题"),
        "ddwtos": _("拖放文字题"), "ddimageortext": _("拖放图片题"), "ddmarker": _("拖放标记题"),
        "gapselect": _("选择缺词题"), "randomsamatch": _("随机简答匹配题"),
        "ordering": _("排序题"), "random": _("随机题"),
    }
    return names.get(kind, _("“%(kind)s”题型", kind=kind))


def unsupported(line: int, number: int, kind: str, name: str = "") -> SkippedQuestion:
    """A question of a type the bank does not hold: its line, number, Moodle's type name and its
    own name (when it has one) in the message."""
    if name.strip():
        message = _("第%(line)s行的第%(number)s题“%(name)s”是%(kind)s（%(type)s），"
                    "题库只有单选、多选和判断题，已跳过", line=line, number=number,
                    name=name.strip(), kind=_kind_name(kind), type=kind)
    else:
        message = _("第%(line)s行的第%(number)s题是%(kind)s，题库只有单选、多选和判断题，已跳过",
                    line=line, number=number, kind=_kind_name(kind))
    return SkippedQuestion(line, "unsupported_type", message, number=number, kind=kind)


def malformed(line: int, number: int, reason: str) -> SkippedQuestion:
    message = _("第%(line)s行的第%(number)s题无法读取：%(reason)s，已跳过",
                line=line, number=number, reason=reason)
    return SkippedQuestion(line, "malformed", message, number=number)


def finish(result: ParseResult) -> ParseResult:
    """Validate the items; a file without a single importable question gets a file problem."""
    result.items = validate_items(result.items)
    if not result.items and not result.file_problems:
        name, count = result.filename, len(result.skipped)
        result.file_problems.append(
            _("文件“%(name)s”中没有可导入的题目：%(count)s 道题都被跳过", name=name, count=count)
            if count else _("文件“%(name)s”中没有找到题目", name=name)
        )
    return result
# fmt: on


def refused(filename: str, message: str) -> ParseResult:
    return ParseResult(filename=filename, file_problems=[message])


def read_questions(
    data: bytes,
    filename: str,
    questions: Callable[[str], Iterable[ParsedItem | SkippedQuestion]],
) -> ParseResult:
    """A text file of one of these formats, read by ``questions`` (the text in; items and skipped
    questions out, in file order), then ``finish``-ed. A file in no encoding read, or in which
    ``questions`` raises ``MoodleFileError``, is refused as a whole."""
    try:
        found = list(questions(decode_file(data, filename)))
    except MoodleFileError as exc:
        return ParseResult(filename=filename, file_problems=[exc.message, *exc.details])
    result = ParseResult(filename=filename)
    for question in found:
        if isinstance(question, SkippedQuestion):
            result.skipped.append(question)
        else:
            result.items.append(question)
    return finish(result)


# ---------------------------------------------------------------- export


#: Most right answers a multiple-choice key can have in Moodle: each needs at least 5 %.
MAX_KEYS = 20


def key_shares(count: int) -> list[str]:
    """Grades for ``count`` right answers, as Moodle writes them, that are Moodle grade options
    and add up to 100 %: an equal share (50, 33.33333, 12.5 …) up to 10 answers, else 10 % and
    5 % (11 answers: nine 10 % and two 5 %). More than ``MAX_KEYS`` raises ``ValueError``."""
    if not 1 <= count <= MAX_KEYS:
        raise ValueError(f"no Moodle grades for {count} right answers")
    if count <= 10:
        return [f"{100 / count:.5f}".rstrip("0").rstrip(".")] * count
    tens = 20 - count
    return ["10"] * tens + ["5"] * (count - tens)


def export_views(items: Iterable[ParsedItem | Mapping[str, Any]]) -> list[ParsedItem]:
    """Items as ``ParsedItem`` numbered by position, texts with ``\\n`` line ends and stripped.

    An item no Moodle format can carry so that it reads back the same raises ``ValueError``.
    """
    views = [export_item(item, position) for position, item in enumerate(items, start=1)]
    for view in views:
        problem = export_problem(view)
        if problem:
            raise ValueError(problem)
    return views


def export_item(item: ParsedItem | Mapping[str, Any], position: int) -> ParsedItem:
    """One item as ``export_views`` gives it, unchecked; an unknown type raises ``ValueError``."""

    def get(name: str) -> Any:
        return item.get(name) if isinstance(item, Mapping) else getattr(item, name)

    def text(value: str | None) -> str:
        return unify_newlines(value or "").strip()

    try:
        item_type = ItemType(str(get("type")))
    except ValueError:
        raise ValueError(f"unknown item type {get('type')!r}") from None
    options = [(o.label, o.text) if isinstance(o, OptionData) else (o["label"], o["text"])
               for o in get("options") or ()]  # fmt: skip
    tags = get("tags") or ()
    return ParsedItem(
        number=position,
        line=0,
        type=item_type,
        stem=text(get("stem")),
        options=tuple(
            OptionData(label, text(t))
            for label, t in (JUDGE_OPTIONS if item_type is ItemType.JUDGE else options)
        ),  # fmt: skip
        answer=tuple(get("answer") or ()),  # a string "AB" becomes ("A", "B") too
        explanation=text(get("explanation")),
        category=get("category") or None,
        level=get("level") or None,
        difficulty=get("difficulty"),
        source=text(get("source")) or None,
        tags=tuple(re.split("[;；,，、]", tags) if isinstance(tags, str) else tags),
    )


def meta_tags(item: ParsedItem) -> list[str]:
    """Tags plus ``level:…`` and ``difficulty:…``, how Moodle carries those two, and
    ``labels:…`` for options not lettered A, B, C … (``labels_tag``)."""
    tags = list(item.tags)
    labels = labels_tag(item)
    if labels:
        tags.append(labels)
    if item.level:
        tags.append(f"level:{item.level}")
    if item.difficulty is not None:
        tags.append(f"difficulty:{item.difficulty}")
    return tags


# fmt: off
def export_problem(item: ParsedItem) -> str | None:
    """Why ``item`` cannot be written so that it reads back the same, or None."""
    labels, n = [option.label for option in item.options], item.number
    strangers = "".join(key for key in item.answer if key not in labels)
    empty = "、".join(option.label for option in item.options if not option.text)
    if not item.stem:
        return _("第%(number)s题题干为空，无法导出", number=n)
    if not item.answer:
        return _("第%(number)s题没有答案，无法导出", number=n)
    if strangers:
        return _("第%(number)s题的答案“%(key)s”不在选项中，无法导出", number=n, key=strangers)
    if item.type is not ItemType.MULTIPLE and len(item.answer) != 1:
        return _("第%(number)s题是%(kind)s，却有 %(count)s 个答案，无法导出", number=n,
                 kind=_("单选题") if item.type is ItemType.SINGLE else _("判断题"),
                 count=len(item.answer))
    if len(item.options) < 2:
        return _("第%(number)s题少于 2 个选项，无法导出", number=n)
    if len(item.answer) > MAX_KEYS:
        return _("第%(number)s题有 %(count)s 个正确选项，Moodle 最多 %(max)s 个，无法导出",
                 number=n, count=len(item.answer), max=MAX_KEYS)
    if empty:
        return _("第%(number)s题选项%(labels)s为空，无法导出", number=n, labels=empty)
    return None
# fmt: on
