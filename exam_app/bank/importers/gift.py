"""Moodle GIFT text files (.gift) to and from items.

Reading follows Moodle's own GIFT reader: questions are separated by blank lines; a line starting
with ``//`` is a comment (Moodle's ``// [tag:…]`` comments give the tags); ``$CATEGORY: …`` sets the
category of the questions after it; ``::name::`` is the question's name (kept as ``source``, see
``_moodle_common``); ``[html]``, ``[moodle]``, ``[plain]`` and ``[markdown]`` mark a text's format
(only HTML is converted, to plain text); ``\\~ \\= \\# \\{ \\} \\: \\\\`` are literal characters and
``\\n`` a line break. The first ``{…}`` holds the answers and ``####…`` in it the general feedback
(-> ``explanation``); text after the ``}`` makes a missing-word question: the gap becomes ``（ ）``.

Question types: ``{=a ~b}`` is single choice; several ``=``, or only ``~`` with ``%weight%``, is
multiple choice with the positively weighted options as key (a partially weighted option next to
one ``=`` does not count: the question stays single choice); ``{T}``/``{TRUE}``/``{F}``/``{FALSE}``
(any case) is a true/false item. Essay ``{}``, matching ``{=a -> b}``, numerical ``{#…}``,
short-answer ``{=x =y}`` and text without answers are reported as ``skipped``. Feedback on a
single answer (``~b#…``) is added to ``explanation`` as ``选项B的反馈：…``.

Writing escapes every special character, writes line breaks as ``\\n`` and marks a question
``[plain]`` when a text holds ``<`` or ``&`` (so Moodle shows it as typed) or starts with ``[``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from flask_babel import gettext as _

from exam_app.bank.importers._moodle_common import (
    JUDGE_TEXTS,
    LETTERS,
    BadGrades,
    Meta,
    category_from_moodle,
    category_to_moodle,
    default_name,
    export_views,
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
from exam_app.bank.parsed import ItemType, ParsedItem, ParseResult, SkippedQuestion

# Escaped characters are hidden behind private-use characters while the structure is read.
_HIDDEN = dict(zip("\\:#={}~", "\ue000\ue001\ue002\ue003\ue004\ue005\ue006", strict=True))
_SHOWN = str.maketrans({v: k for k, v in _HIDDEN.items()})
_ESCAPE = re.compile(r"\\([\\:#={}~n])")
_FORMAT = re.compile(r"\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
#: What Moodle's GIFT reader takes for a weight (``$giftanswerweightregex``); anything else
#: between ``%`` signs is answer text, as in Moodle.
_WEIGHT = re.compile(r"%(-*[0-9]{1,2}\.?[0-9]*)%")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]\n])+)\]")
_TRUE, _FALSE = ("T", "TRUE"), ("F", "FALSE")


def parse_gift(data: bytes, filename: str) -> ParseResult:
    """Read a GIFT file into validated items; other question types are listed in ``skipped``."""
    return read_questions(data, filename, lambda text: _questions(text, filename))


def _questions(text: str, filename: str) -> Iterator[ParsedItem | SkippedQuestion]:
    """Every question of the file in order, numbered 1, 2, 3 … whether read or skipped; a weight
    Moodle refuses refuses the whole file (as Moodle does), naming every such question."""
    found = list(_read(text))
    refuse_bad_grades(filename, [bad for _question, bad in found if bad is not None])
    return (question for question, _bad in found)


def _read(text: str) -> Iterator[tuple[ParsedItem | SkippedQuestion, BadGrades | None]]:
    category: str | None = None
    count = 0
    for block in _blocks(text.split("\n")):
        comments = [line for _number, line in block if line.startswith("//")]
        body = [(number, line) for number, line in block if not line.startswith("//")]
        if body and body[0][1].startswith("$CATEGORY:"):
            category = category_from_moodle(body[0][1][len("$CATEGORY:") :])
            body = body[1:]
        if body:
            count += 1
            question = _question(body, count, category, _comment_tags(comments))
            yield question, _bad_weights(body, question)


def _blocks(lines: list[str]) -> Iterable[list[tuple[int, str]]]:
    """Runs of non-blank lines, each line stripped and paired with its 1-based number."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line.strip()))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _comment_tags(comments: list[str]) -> list[str]:
    return [m[1].replace("\\]", "]").strip() for c in comments for m in _TAG.finditer(c)]


def _protect(text: str) -> str:
    return _ESCAPE.sub(lambda m: "\n" if m[1] == "n" else _HIDDEN[m[1]], text)


def _split_format(text: str, default: str) -> tuple[str, str]:
    """(format, text): a leading ``[html]`` … marker names the format, else ``default``."""
    match = _FORMAT.match(text)
    return (match[1].lower(), text[match.end() :]) if match else (default, text)


def _plain(text: str, fmt: str) -> str:
    return text_in_format(text.translate(_SHOWN), fmt)


def _question(
    body: list[tuple[int, str]], number: int, category: str | None, raw_tags: list[str]
) -> ParsedItem | SkippedQuestion:
    line = body[0][0]
    text = _protect("\n".join(text for _n, text in body))
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            return malformed(line, number, _("题目名称缺少结尾的“::”"))
        name, text = text[2:end].translate(_SHOWN).strip(), text[end + 2 :].strip()
    start, close = text.find("{"), text.find("}")
    if start < 0 and close < 0:
        return unsupported(line, number, "description", name)
    if start < 0 or close < start:
        return malformed(line, number, _("答案块的“{”和“}”不成对（特殊字符请写成 \\{ \\}）"))
    answers, general = text[start + 1 : close], ""
    if "####" in answers:
        answers, general = answers[: answers.rfind("####")], answers[answers.rfind("####") + 4 :]
    kind = _kind(answers.strip())
    if kind not in ("multichoice", "truefalse"):
        return unsupported(line, number, kind, name)
    gap = "（ ）" + text[close + 1 :] if text[close + 1 :].strip() else ""  # missing-word format
    fmt, stem = _split_format((text[:start] + gap).strip(), "moodle")
    stem = _plain(stem, fmt)
    general_fmt, general = _split_format(general.strip(), fmt)
    meta = question_meta(
        name=name,
        stem=stem,
        explanation=_plain(general, general_fmt),
        category=category,
        tags=raw_tags,
    )
    if kind == "truefalse":
        return _judge(answers, fmt, (number, line), stem, meta)
    return _choice(answers, fmt, (number, line), stem, meta)


def _bad_weights(
    body: list[tuple[int, str]], question: ParsedItem | SkippedQuestion
) -> BadGrades | None:
    """The ``%weight%`` marks of a question's answers that are no Moodle grade option, or None.

    Moodle reads a weight where its GIFT reader does (``~%50%`` in a multiple choice, where ``=``
    is 100 % as written; ``=%50%`` in short answer and numerical questions) and checks it as it
    checks every grade; true/false, essay and matching questions carry none."""
    text = _protect("\n".join(text for _n, text in body))
    name = ""
    if text.startswith("::") and text.find("::", 2) >= 0:
        end = text.find("::", 2)
        name, text = text[2:end].translate(_SHOWN).strip(), text[end + 2 :]
    start, close = text.find("{"), text.find("}")
    if start < 0 or close < start:
        return None
    answers = text[start + 1 : close].split("####", 1)[0].strip()
    marker = {"multichoice": "~", "shortanswer": "=", "numerical": "="}.get(_kind(answers))
    weights = [
        match[1]
        for part in re.split(r"(?=[=~])", answers.removeprefix("#"))
        if part[:1] == marker and (match := _WEIGHT.match(part[1:].strip()))
    ]
    bad = tuple(weight for weight in weights if moodle_fraction(weight) is None)
    if not bad:
        return None
    stem = question.stem if isinstance(question, ParsedItem) else text[:start]
    return BadGrades(body[0][0], name or default_name(_plain(stem, "moodle")), bad)


def _fraction_of(weight: str) -> float:
    """A weight's value (one Moodle refuses, ``--50``, refused the file before)."""
    try:
        return float(weight)
    except ValueError:
        return 0.0


def _kind(answers: str) -> str:
    """Moodle's own order of deciding the question type from the answer block."""
    if not answers:
        return "essay"
    if answers.startswith("#"):
        return "numerical"
    if "~" in answers:
        return "multichoice"
    if "=" in answers and "->" in answers:
        return "matching"
    if answers.split("#", 1)[0].strip().upper() in (*_TRUE, *_FALSE):
        return "truefalse"
    return "shortanswer"


def _judge(answers: str, fmt: str, where: tuple[int, int], stem: str, meta: Meta) -> ParsedItem:
    value, wrong, right = (answers.split("#", 2) + ["", ""])[:3]
    is_true = value.strip().upper() in _TRUE
    feedback_true, feedback_false = (right, wrong) if is_true else (wrong, right)
    feedback = [("A", _plain(feedback_true, fmt)), ("B", _plain(feedback_false, fmt))]
    meta = meta.with_feedback(feedback)
    return make_item(where, ItemType.JUDGE, stem, JUDGE_TEXTS, [0 if is_true else 1], meta)


def _choice(
    answers: str, fmt: str, where: tuple[int, int], stem: str, meta: Meta
) -> ParsedItem | SkippedQuestion:
    texts: list[str] = []
    equals: list[int] = []
    weighted: list[int] = []
    feedback: list[tuple[str, str]] = []
    parts = [p.strip() for p in re.split(r"(?=[=~])", answers) if p.strip()]
    for index, part in enumerate(parts):
        marker, rest = (part[0], part[1:].strip()) if part[0] in "=~" else ("~", part)
        weight = _WEIGHT.match(rest) if marker == "~" else None
        if weight:
            rest = rest[weight.end() :].strip()
            weighted += [index] if _fraction_of(weight[1]) > 0 else []
        elif marker == "=":
            equals.append(index)
        option, _hash, note = rest.partition("#")
        option_fmt, option = _split_format(option.strip(), fmt)
        texts.append(_plain(option, option_fmt))
        if not texts[-1]:
            return malformed(where[1], where[0], _("第%(index)s个选项是空的", index=index + 1))
        feedback.append((LETTERS[index] if index < len(LETTERS) else "", _plain(note, option_fmt)))
    if equals:  # Moodle: a "=" answer makes the question single choice
        correct, item_type = equals, ItemType.SINGLE if len(equals) == 1 else ItemType.MULTIPLE
    else:  # only "~": Moodle lets the student tick several
        correct, item_type = weighted, ItemType.MULTIPLE
    return make_item(where, item_type, stem, texts, correct, meta.with_feedback(feedback))


# ---------------------------------------------------------------- writing


def export_gift(items: Iterable[ParsedItem | Mapping[str, Any]]) -> bytes:
    """Items as a UTF-8 GIFT file; an item GIFT cannot express raises ``ValueError``."""
    blocks: list[str] = []
    category: str | None = None
    for view in export_views(items):
        if view.category != category:
            blocks.append(f"$CATEGORY: {category_to_moodle(view.category)}\n")
            category = view.category
        blocks.append(_write_question(view))
    return "\n".join(blocks).encode("utf-8")


def _escape(text: str) -> str:
    for char in "\\#=~{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _write_text(text: str) -> str:
    """An answer or feedback text; ``[plain]`` keeps a leading ``[`` from reading as a format."""
    return ("[plain]" if text.startswith("[") else "") + _escape(text)


def _write_question(view: ParsedItem) -> str:
    lines = []
    tags = meta_tags(view)
    if tags:
        lines.append("// " + " ".join("[tag:" + t.replace("]", "\\]") + "]" for t in tags))
    texts = [view.stem, view.explanation, *(option.text for option in view.options)]
    plain = any("<" in t or "&" in t for t in texts) or view.stem.startswith(("[", "/"))
    head = (f"::{_escape(view.source)}::" if view.source else "") + ("[plain]" if plain else "")
    feedback = f"####{_write_text(view.explanation)}" if view.explanation else ""
    if view.type is ItemType.JUDGE:
        key = "TRUE" if view.answer == ("A",) else "FALSE"
        lines.append(f"{head}{_escape(view.stem)}{{{key}{feedback}}}")
        return "\n".join(lines) + "\n"
    lines.append(f"{head}{_escape(view.stem)}{{")
    shares = iter(key_shares(len(view.answer)))
    for label, text in ((o.label, o.text) for o in view.options):
        if view.type is ItemType.SINGLE:
            marker = "=" if label in view.answer else "~%0%" if text.startswith("%") else "~"
        else:
            marker = f"~%{next(shares)}%" if label in view.answer else "~%-100%"
        lines.append(f"\t{marker}{_write_text(text)}")
    if feedback:
        lines.append(f"\t{feedback}")
    lines.append("}")
    return "\n".join(lines) + "\n"
