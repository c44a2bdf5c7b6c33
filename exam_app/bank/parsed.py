"""Plain values that every importer produces and every consumer (CLI, web, services) reads.

Nothing here touches Flask or the database: an importer turns a file into ``ParsedItem`` values,
and ``bank.services`` decides what to store.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache


class ItemType(StrEnum):
    SINGLE = "single"  # 单选
    MULTIPLE = "multiple"  # 多选
    JUDGE = "judge"  # 判断


#: The two fixed options every true/false item carries; the key is "A" (正确) or "B" (错误).
JUDGE_OPTIONS: tuple[tuple[str, str], ...] = (("A", "正确"), ("B", "错误"))


class ProblemCode(StrEnum):
    CUT_OFF = "cut_off"  # the item stops before its options
    NO_ANSWER = "no_answer"
    UNREADABLE_KEY = "unreadable_key"  # an answer line naming no option (答案：全错。)
    EMPTY_OPTION = "empty_option"  # an option label with no text
    ANSWER_NOT_IN_OPTIONS = "answer_not_in_options"
    OPTION_SEQUENCE = "option_sequence"  # A, C, D ... or A, B, B
    NOT_A_JUDGEMENT = "not_a_judgement"  # a 判断 item whose key is not 对/错
    ANSWER_COUNT = "answer_count"  # single with two keys, multiple with one
    TOO_FEW_OPTIONS = "too_few_options"
    EMPTY_STEM = "empty_stem"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    DUPLICATE_IN_BANK = "duplicate_in_bank"
    BAD_FIELD = "bad_field"  # spreadsheet cell that is not of its column's kind


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}


@dataclass(frozen=True)
class OptionData:
    label: str  # "A", "B", ...
    text: str


#: ``JUDGE_OPTIONS`` as the options of a true/false item.
JUDGE_OPTION_DATA = tuple(OptionData(label, text) for label, text in JUDGE_OPTIONS)


@dataclass(frozen=True)
class ParsedItem:
    """One question as read from a file, with whatever is wrong with it."""

    number: int  #: its number in the source (the running question number)
    line: int  #: 1-based line (or spreadsheet row) where it starts
    type: ItemType
    stem: str
    options: tuple[OptionData, ...]
    answer: tuple[str, ...]  #: option labels, sorted; empty when the source gives none
    explanation: str = ""
    #: Optional metadata a richer source (spreadsheet, export fields) carries.
    category: str | None = None
    level: str | None = None
    difficulty: int | None = None
    source: str | None = None  #: document (and clause) it comes from
    tags: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    #: ``None``, or where the same question already is: {"source": "file", "number", "line"}
    #: or {"source": "bank", "id"}.
    duplicate_of: dict[str, object] | None = None

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None

    @property
    def status(self) -> str:
        """``ready`` when it can be stored as is; ``needs_review`` when a person must look."""
        own = [p for p in self.problems if p.code not in DUPLICATE_CODES]
        return "needs_review" if own else "ready"

    def with_problem(self, problem: Problem, **changes: object) -> ParsedItem:
        return replace(self, problems=(*self.problems, problem), **changes)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "line": self.line,
            "type": str(self.type),
            "stem": self.stem,
            "options": [{"label": o.label, "text": o.text} for o in self.options],
            "answer": list(self.answer),
            "explanation": self.explanation,
            "category": self.category,
            "level": self.level,
            "difficulty": self.difficulty,
            "source": self.source,
            "tags": list(self.tags),
            "status": self.status,
            "problems": [p.as_dict() for p in self.problems],
            "duplicate_of": self.duplicate_of,
        }


DUPLICATE_CODES = frozenset({ProblemCode.DUPLICATE_IN_FILE, ProblemCode.DUPLICATE_IN_BANK})


@dataclass(frozen=True)
class SkippedQuestion:
    """A question the file holds that cannot become an item: reported, never silently dropped."""

    line: int
    #: "unsupported_type" (essay, matching, numerical …) or "malformed"
    code: str
    message: str
    number: int | None = None
    #: the source's own name for the question type (e.g. "essay"), when known
    kind: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "number": self.number,
            "code": self.code,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass(frozen=True)
class SectionReport:
    """One section's numbering, checked: what a trainer compares with the source file."""

    first_line: int
    header: str | None  #: as written, None for questions before any header
    type: str | None
    source: str | None  #: the bank title it is under
    count: int  #: questions read in it (those of unsupported types included)
    first: int | None
    last: int | None
    declared: int | None  #: the count its header declares (``共200题``)
    missing: tuple[int, ...]
    repeated: tuple[int, ...]
    resets: tuple[int, ...]  #: lines where the numbering starts again at 1 without a header
    no_key: tuple[int, ...]  #: numbers of the questions read without a usable key
    key_marks: int  #: answer marks in its lines, counted apart from the questions
    answered: int  #: questions read that took their key from an answer mark
    message: str

    @property
    def faults(self) -> bool:
        declared_differs = self.declared is not None and self.declared != self.count
        keys_differ = self.key_marks != self.answered  # a key mark outside every question
        empty = self.header is not None and self.count == 0  # a header over no question
        return bool(self.missing or self.repeated or self.resets or self.no_key) or (
            declared_differs or keys_differ or empty
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "first_line": self.first_line,
            "header": self.header,
            "type": self.type,
            "source": self.source,
            "count": self.count,
            "first": self.first,
            "last": self.last,
            "declared": self.declared,
            "missing": list(self.missing),
            "repeated": list(self.repeated),
            "resets": list(self.resets),
            "no_key": list(self.no_key),
            "key_marks": self.key_marks,
            "answered": self.answered,
            "message": self.message,
        }


@dataclass(frozen=True)
class UnreadLine:
    """A line that is neither part of a question nor recognised noise."""

    line: int
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "text": self.text}


@dataclass(frozen=True)
class DocumentReport:
    """Where every line of a document went: questions by type and status, numbering per
    section, noise lines by kind, and the lines read as nothing (with their numbers)."""

    lines: int  #: non-empty lines in the file
    by_type: dict[str, dict[str, int]]
    sections: tuple[SectionReport, ...]
    noise: dict[str, int]  #: kind -> lines (or fragments) taken out as page/system furniture
    unread: tuple[UnreadLine, ...]
    messages: tuple[str, ...]  #: the report in sentences, in the reader's language

    @property
    def clean(self) -> bool:
        """Nothing for a person to look at: every line read into a question or recognised,
        every section's numbers whole, no question needing review."""
        review = any(row.get("needs_review") for row in self.by_type.values())
        return not (self.unread or review or any(section.faults for section in self.sections))

    def as_dict(self) -> dict[str, object]:
        return {
            "clean": self.clean,
            "lines": self.lines,
            "by_type": self.by_type,
            "sections": [section.as_dict() for section in self.sections],
            "noise": self.noise,
            "unread": [line.as_dict() for line in self.unread],
            "messages": list(self.messages),
        }


@dataclass
class ParseResult:
    """What an importer read from one file."""

    filename: str
    items: list[ParsedItem] = field(default_factory=list)
    #: Problems of the file as a whole (unreadable, wrong encoding, no questions found).
    file_problems: list[str] = field(default_factory=list)
    #: Questions found but not importable (a type we do not have, or too broken to read).
    skipped: list[SkippedQuestion] = field(default_factory=list)
    #: Where every line went (exam documents only; None for the structured formats).
    report: DocumentReport | None = None

    def summary(self) -> dict[str, int]:
        return {
            "total": len(self.items),
            "ready": sum(1 for i in self.items if i.status == "ready" and not i.is_duplicate),
            "needs_review": sum(
                1 for i in self.items if i.status == "needs_review" and not i.is_duplicate
            ),
            "duplicates": sum(1 for i in self.items if i.is_duplicate),
            "problems": sum(len(i.problems) for i in self.items),
            "skipped": len(self.skipped),
        }


_PUNCT_FOLD = str.maketrans({"（": "(", "）": ")", "，": ",", "。": ".", "：": ":", "；": ";"})
_SPACE = re.compile(r"\s+")
_BLANK = re.compile(r"\(\s*[A-Za-z√×对错]*\s*\)")


def normalize_text(text: str) -> str:
    """Fold width, punctuation and spacing so that the same words compare equal."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT_FOLD)
    text = _BLANK.sub("()", text)
    return _SPACE.sub("", text).lower()


def fingerprint(stem: str, option_texts: list[str] | tuple[str, ...]) -> str:
    """Identity of a question for duplicate detection: same stem, same option texts in any order."""
    return _fingerprint(stem, tuple(option_texts))


@lru_cache(maxsize=65536)  # an import computes it several times per item (validate, check, store)
def _fingerprint(stem: str, option_texts: tuple[str, ...]) -> str:
    opts = sorted(normalize_text(t) for t in option_texts)
    return normalize_text(stem) + "\x1f" + "\x1e".join(opts)
