"""A question while it is being read, and how it becomes a ``ParsedItem``.

The scanner fills a ``Draft`` piece by piece (stem, options, key, explanation). ``build_item``
then settles what only the whole question shows: a key written in the stem's brackets
(``…应（ B ）。``), the item's type when no header gave it, and the fixed options of a judgement.
It never supplies a missing key: that is reported by ``bank.validation``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from exam_app.bank.importers._segments import BLANK, BRACKET_KEY, JUDGE_BRACKET
from exam_app.bank.parsed import (
    JUDGE_OPTION_DATA,
    ItemType,
    OptionData,
    ParsedItem,
    Problem,
    ProblemCode,
)

Piece = tuple[int, str]  # (line number, text found on that line)

_TRUE_WORDS = frozenset({"对", "正确", "√", "✓", "✔", "T"})
_FALSE_WORDS = frozenset({"错", "错误", "×", "✗", "✘", "F"})
_DIFFICULTY_WORDS = {"易": 1, "容易": 1, "简单": 1, "较易": 2, "中": 3, "中等": 3, "一般": 3}
_DIFFICULTY_WORDS |= {"较难": 4, "难": 5, "困难": 5}


@dataclass
class Draft:
    number: int
    line: int
    source: str | None
    level: str | None
    declared: ItemType | None  #: from a section header or a 题型 field
    in_context: bool  #: directly follows a header or a kept question (no stray text between)
    stem: list[Piece] = field(default_factory=list)
    options: list[tuple[str, list[Piece]]] = field(default_factory=list)
    key: str | None = None  #: the answer as written (``A,B,D``, ``对``), if any
    answer_seen: bool = False
    explanation: list[Piece] = field(default_factory=list)
    category: str | None = None
    difficulty: int | None = None
    has_fields: bool = False  #: read from a learning platform's 题型/题干 export
    unsupported: str | None = None  #: 简答题 …: reported as skipped, not built
    #: What an answer mark held when it named no option or truth value (``答案：全错。``).
    unreadable_key: str | None = None
    lines: set[int] = field(default_factory=set)  #: every line that gave it something

    def stem_text(self) -> str:
        return join_pieces(self.stem)

    @property
    def is_solid(self) -> bool:
        """It carries something only a question has: options, an answer (a (√) in the stem
        included), an explanation or learning-platform fields."""
        marks = self.options or self.answer_seen or self.explanation or self.has_fields
        return bool(marks) or JUDGE_BRACKET.search(self.stem_text()) is not None

    @property
    def looks_like_question(self) -> bool:
        stem = self.stem_text()
        marks = (BLANK, JUDGE_BRACKET, BRACKET_KEY)
        return any(mark.search(stem) for mark in marks) or stem.endswith(("?", "？"))


def join_pieces(pieces: list[Piece]) -> str:
    """Pieces of one line are glued as they were; lines are joined without a space unless
    both sides are Latin words (Chinese text wraps anywhere)."""
    text, last_line = "", None
    for line, piece in pieces:
        if last_line is not None and line != last_line and _needs_space(text, piece):
            text += " "
        text, last_line = text + piece, line
    return re.sub(r"\s+", " ", text).strip()


def _needs_space(before: str, after: str) -> bool:
    left, right = before.rstrip()[-1:], after.lstrip()[:1]
    return left.isascii() and left.isalnum() and right.isascii() and right.isalnum()


def difficulty_of(value: str) -> int | None:
    """``3`` or ``较难``: the 1 (easiest) – 5 scale of the spreadsheet; anything else is None."""
    value = value.strip()
    number = int(value) if value.isdigit() else _DIFFICULTY_WORDS.get(value)
    return number if number is not None and 1 <= number <= 5 else None


def build_item(draft: Draft) -> ParsedItem:
    options = [(label, _clean_option(join_pieces(pieces))) for label, pieces in draft.options]
    stem, key = _take_bracket_key(draft.stem_text(), draft.key, bool(options))
    item_type = _item_type(draft.declared, key, options)
    if item_type is ItemType.JUDGE:
        option_data, answer = _judgement(options, key)
    else:
        option_data = tuple(OptionData(label, text) for label, text in options)
        answer = _choice_answer(key)
    return ParsedItem(
        number=draft.number,
        line=draft.line,
        type=item_type,
        stem=stem,
        options=option_data,
        answer=answer,
        explanation=join_pieces(draft.explanation),
        category=draft.category,
        level=draft.level,
        difficulty=draft.difficulty,
        source=draft.source,
        problems=_key_problems(draft, answer),
    )


def _key_problems(draft: Draft, answer: tuple[str, ...]) -> tuple[Problem, ...]:
    """An answer line whose words name no key is reported with those words, never guessed."""
    if answer or not draft.unreadable_key:
        return ()
    message = _(
        "第%(number)s题的答案“%(key)s”不是选项字母或对/错，需人工确认",
        number=draft.number,
        key=draft.unreadable_key,
    )
    return (Problem(ProblemCode.UNREADABLE_KEY, message),)


def _clean_option(text: str) -> str:
    return text.rstrip(" ;；,，")  # "A、甲；B、乙" separates options with a semicolon


def _take_bracket_key(stem: str, written: str | None, has_options: bool) -> tuple[str, str | None]:
    """The key written in the stem's brackets, and the stem with that blank emptied.

    With an answer given elsewhere, only a bracket holding that same key is emptied, so that
    ``电压(AC)`` stays when the answer line says B. Letters count only when there are options
    to point at; √/×/对/错 only when there are none (a judgement). A stem that still has an
    empty blank has no key written in: its ``(A)`` is a unit (``电流(A)为()``).
    """
    if BLANK.search(stem):
        return stem, written
    found = [m for m in BRACKET_KEY.finditer(stem) if _usable_key(m.group("key"), has_options)]
    if written is not None:
        found = [m for m in found if _same_key(m.group("key"), written)]
    if not found:
        return stem, written
    match = found[-1]  # the blank is at the end of the sentence more often than not
    blank = f"{match.group('open')} {match.group('close')}"
    return stem[: match.start()] + blank + stem[match.end() :], written or match.group("key")


def _usable_key(key: str, has_options: bool) -> bool:
    if _judge_word(key) is not None and not (has_options and key.strip() in ("T", "F")):
        return not has_options  # with options, "(F)" is option F, not "false"
    letters = _letters(key)
    return has_options and list(letters) == sorted(set(letters))  # "DC" is a word, not a key


def _same_key(one: str, other: str) -> bool:
    judge = _judge_word(one)
    if judge is not None:
        return judge == _judge_word(other)
    return sorted(set(_letters(one))) == sorted(set(_letters(other)))


def _letters(key: str) -> str:
    return re.sub(r"[\s,，、/]+", "", key).upper()


def _judge_word(key: str) -> str | None:
    """``A`` for 对/√/正确/T, ``B`` for 错/×/错误/F, otherwise None."""
    key = key.strip()
    if key in _TRUE_WORDS:
        return "A"
    return "B" if key in _FALSE_WORDS else None


def _item_type(
    declared: ItemType | None, key: str | None, options: list[tuple[str, str]]
) -> ItemType:
    if declared is not None:
        return declared
    if key is not None and not options and _judge_word(key) is not None:
        return ItemType.JUDGE
    if _judgement_labels(options) is not None:
        return ItemType.JUDGE
    return ItemType.MULTIPLE if key and len(set(_letters(key))) >= 2 else ItemType.SINGLE


def _judgement_labels(options: list[tuple[str, str]]) -> dict[str, str] | None:
    """For options ``A、正确 B、错误`` (or 对/错, either order): each label's A/B meaning."""
    if len(options) != 2:
        return None
    meaning = {label: _judge_word(text.rstrip("。.")) for label, text in options}
    if sorted(map(str, meaning.values())) != ["A", "B"]:
        return None
    return {label: str(value) for label, value in meaning.items()}


def _judgement(
    options: list[tuple[str, str]], key: str | None
) -> tuple[tuple[OptionData, ...], tuple[str, ...]]:
    """A judgement carries the fixed options A=正确, B=错误 and the key A or B.

    Options of its own that are not 正确/错误 are kept as they are, for validation to report.
    """
    fixed = JUDGE_OPTION_DATA
    if not options:
        if key is None:
            return fixed, ()
        return fixed, (_judge_word(key) or _letters(key) or key,)
    labels = _judgement_labels(options)
    if labels is None:
        return tuple(OptionData(label, text) for label, text in options), _choice_answer(key)
    if key is None:
        return fixed, ()
    letters = _letters(key)
    return fixed, (labels.get(letters) or _judge_word(key) or letters,)


def _choice_answer(key: str | None) -> tuple[str, ...]:
    if key is None:
        return ()
    if _judge_word(key) is not None and key not in ("F", "T"):
        return (key,)  # 对/错 on a choice question: kept as written, validation names it
    return tuple(sorted(set(_letters(key))))
