"""The state machine that turns cleaned lines into ``ParsedItem`` values (unvalidated).

It reads line by line, mark by mark, and relies on the *running* question number: after question
N only ``N+1.`` (or ``1.`` right after a header or bank title) opens a question, so the ``10`` of
``1.10千伏`` or the ``15`` of ``D、1511.根据…`` never does. Text between questions (regulations,
document titles) is skipped. A question that stops before its options is kept when it follows
other questions or a header (validation reports it as cut off); a "question" in stray text is
kept only when it proves itself with options or an answer. A source that skips a number is
picked up again at a line opening with a slightly later number, when options follow. Questions
of sections the bank cannot hold (简答题, 计算题 …) are reported as ``SkippedQuestion`` values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from exam_app.bank.importers._drafts import Draft, build_item, difficulty_of
from exam_app.bank.importers._noise import normalised
from exam_app.bank.importers._segments import (
    BLANK,
    BRACKET_KEY,
    JUDGE_BRACKET,
    Mark,
    find_answer,
    find_bracket_field,
    find_explanation,
    find_header,
    find_number,
    first_option,
    first_option_after,
    first_option_plausible,
    has_item_marks,
    is_title_like,
    level_of,
    match_field,
    option_at_line_start,
    options_lettered,
    starts_item_part,
    starts_with_number,
    title_end,
)
from exam_app.bank.parsed import ItemType, ParsedItem, SkippedQuestion

#: How far ahead a stem, option or explanation may continue on lines of its own.
LOOKAHEAD_LINES = 3
#: A stem longer than this is not continued onto further lines (it would be swallowing text).
MAX_STEM_CHARS = 500
#: A numbering gap this wide is bridged (a source that skips question 3 goes on at 4).
MAX_SKIPPED_NUMBERS = 3
#: Same start: a header wins over a field, a field over a number, and so on.
_PRIORITY = {"header": 0, "type": 1, "stem": 1, "question": 2, "answer": 3, "explanation": 4}
_SENTENCE_END = frozenset("。.？?！!；;)）")
_NOT_STRAY_ENDINGS = tuple(_SENTENCE_END | set("，,、"))
_OPTION_SEPARATOR = re.compile(r"\s*[.．;；,，]\s*$")
_OPENING_NUMBER = re.compile(r"(?P<digits>\d{1,5})\s*[.、．]")
_DECLARED_COUNT = re.compile(r"共\s*(\d+)\s*(?:道|小)?题")


@dataclass
class Section:
    """A run of questions under one header (or bank title): what the report checks per section.

    ``first_line``/``last_line`` bound its lines, so that the report can count the key lines
    in it independently of what the scanner made of them."""

    first_line: int
    header: str | None  #: the header as written (``一、单选题（共200题）``), None before any
    kind: ItemType | None
    declared: int | None  #: the count the header declares, to cross-check
    source: str | None
    last_line: int = 0
    numbers: list[tuple[int, int]] = field(default_factory=list)  #: (number, line) read
    repeated_headers: int = 0
    answered: int = 0  #: questions that took their key from an answer mark


def scan_lines(lines: list[str]) -> tuple[list[ParsedItem], list[SkippedQuestion]]:
    """The questions in ``lines`` (as ``clean_lines`` made them), in order, and those of
    sections the bank cannot hold (简答题, 填空题 …)."""
    scanner = Scanner(lines)
    return scanner.run(), scanner.skipped


class Scanner:
    """Walks the cleaned lines once, keeping the running number and the question being read."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.items: list[ParsedItem] = []
        self.skipped: list[SkippedQuestion] = []
        self.source: str | None = None
        self.level: str | None = None
        self.section: ItemType | None = None
        self.unsupported: str | None = None  # the section is 简答题, 填空题 …
        self.last_number = 0
        self.restart_ok = True  # "1." may open a question: start of file, header, title
        self.in_context = False  # nothing but questions since the last header / question
        self.draft: Draft | None = None
        self.phase: str | None = None  # stem, option, answer, explanation; None between items
        self.index = 0  # of the line being scanned
        #: 1-based line -> what it was used for: "question", "structure" (title, header),
        #: "page_header" (a header or title repeated inside a section). Lines not here are unread.
        self.used: dict[int, str] = {}
        self.sections: list[Section] = []
        self.stray: list[int] = []  #: lines between a finished stem and its options
        self._opening_mark = (-1, False)  # (line index, does a mark open it)

    def run(self) -> list[ParsedItem]:
        for index, line in enumerate(self.lines):
            self.index = index
            if line:
                self._scan_line(index, line)
        self._finish()
        if self.sections:
            self.sections[-1].last_line = len(self.lines)
        return self.items

    def _open_section(self, line_number: int, header: str | None, kind: ItemType | None) -> None:
        if self.sections:
            self.sections[-1].last_line = line_number - 1
        match = _DECLARED_COUNT.search(header or "")
        declared = int(match.group(1)) if match else None
        self.sections.append(Section(line_number, header, kind, declared, self.source))

    def _section(self) -> Section:
        if not self.sections:
            self._open_section(1, None, None)
        return self.sections[-1]

    # ------------------------------------------------------------ lines

    def _scan_line(self, index: int, line: str) -> None:
        start, after = 0, None
        end = title_end(line)
        if end == len(line) and (self.draft or self.last_number) and not self._bank_follows(index):
            end = None  # title-like words inside a bank ("…安全考试题") open no new bank
        if end is not None:
            self._open_bank(line[:end].strip())
            start, after = end, "title"
        elif self.draft is not None and self._stray_line(index, line):
            self.stray.append(index + 1)
            return
        elif self.draft is not None and not self._continues_draft(index, line):
            self._finish()
        self._scan_marks(index + 1, line, start, after)

    def _next_number_follows(self, index: int) -> bool:
        """The last option wrapped onto a line of its own, right before the next question
        (a key in the stem's brackets leaves no answer line between them)."""
        assert self.draft is not None
        if is_title_like(self.lines[index]):
            return False
        wanted = self.draft.number + 1
        following = self._following(index + 1, 1)
        return bool(following) and any(s == 0 for s, _e in find_number(following[0], 0, wanted))

    def _following(self, index: int, count: int) -> list[str]:
        """The next ``count`` non-empty lines from ``index`` on: blanked noise (a page header
        between a stem and its options) does not push the options out of sight."""
        found: list[str] = []
        lines = self.lines
        while index < len(lines) and len(found) < count:
            if lines[index]:
                found.append(lines[index])
            index += 1
        return found

    def _bank_follows(self, index: int) -> bool:
        """After a title line inside a bank: does a new bank begin (a header, or question 1)?"""
        if self.lines[index].strip() == self.source:
            return True  # the title again: a page header, which _open_bank counts as such
        for ahead in self._following(index + 1, 1):
            header = find_header(ahead, 0)
            if header is not None and header.start == 0:
                return True
            return any(start == 0 for start, _end in find_number(ahead, 0, 1))
        return False

    def _stray_line(self, index: int, line: str) -> bool:
        """A line with no mark between a stem that is complete (its blank written, its
        sentence ended) and the options that follow, itself no sentence (a document name, a
        web address): not the stem's, so reported as unread. A further sentence ("路径标志应
        清晰。") is the stem going on."""
        if self.phase != "stem" or line.endswith(_NOT_STRAY_ENDINGS):
            return False
        if not self._stem_complete() or self._starts_with_mark(line) or is_title_like(line):
            return False
        return self._stem_goes_on(index)

    def _stem_complete(self) -> bool:
        """The stem has its blank (or its key in brackets) and ends a sentence."""
        if self.draft is None:
            return False
        stem = self.draft.stem_text()
        key_last = JUDGE_BRACKET.search(stem[-6:]) or BRACKET_KEY.search(stem[-12:])
        if key_last and stem.endswith((")", "）")):
            return True  # "…。（√）", "…（AB）": the key closes the stem
        written = BLANK.search(stem) or BRACKET_KEY.search(stem) or JUDGE_BRACKET.search(stem)
        return bool(written) and stem.endswith(("。", "？", "?", "：", ":"))

    def _open_bank(self, title: str) -> None:
        if title == self.source and (self.draft is not None or self.last_number):
            self.used[self.index + 1] = "page_header"  # the title repeated: the bank goes on
            return
        self._finish()
        self.used[self.index + 1] = "structure"
        self.source, self.level, self.section = title, level_of(title), None
        self.unsupported = None
        self.last_number, self.restart_ok, self.in_context = 0, True, False
        self._open_section(self.index + 1, None, None)

    def _continues_draft(self, index: int, line: str) -> bool:
        """Does a line that begins with no mark of its own still belong to the current draft?"""
        if self._starts_with_mark(line):
            return True
        if self.phase == "stem":
            return self._stem_goes_on(index)
        if self.phase == "option":
            return self._ahead(index, starts_item_part) or self._next_number_follows(index)
        if self.phase == "explanation":
            return self._explanation_goes_on(index)
        return False

    def _starts_with_mark(self, line: str) -> bool:
        if self._opening_mark[0] == self.index:  # asked twice for a line, before any change
            return self._opening_mark[1]
        mark = self._next_mark(line, 0, None)
        opens = mark is not None and mark.start == 0
        self._opening_mark = (self.index, opens)
        return opens

    def _stem_goes_on(self, index: int) -> bool:
        assert self.draft is not None
        return self._item_marks_soon(index, MAX_STEM_CHARS - len(self.draft.stem_text()))

    def _item_marks_soon(self, index: int, room: int) -> bool:
        """Options or a key on this line or the next few, before anything new opens."""
        for offset, ahead in enumerate(self._following(index, LOOKAHEAD_LINES)):
            room -= len(ahead)
            if room < 0 or offset and self._opens_something(ahead):
                return False
            if has_item_marks(ahead):
                return True
        return False

    def _explanation_goes_on(self, index: int) -> bool:
        following = self._following(index + 1, LOOKAHEAD_LINES)
        for ahead in following:
            if is_title_like(ahead):
                return False
            if self._opens_something(ahead):
                return True
        return len(following) < LOOKAHEAD_LINES  # the file ends: the last explanation goes on

    def _ahead(self, index: int, belongs: Callable[[str], bool]) -> bool:
        for ahead in self._following(index + 1, LOOKAHEAD_LINES):
            if self._opens_something(ahead):
                return False
            if belongs(ahead):
                return True
        return False

    def _opens_something(self, line: str) -> bool:
        """A bank title, header, field or numbered line: a new block, not a continuation."""
        if is_title_like(line) or starts_with_number(line):
            return True
        header = find_header(line, 0)
        return (header is not None and header.start == 0) or match_field(line, 0) is not None

    # ------------------------------------------------------------ marks within a line

    def _scan_marks(self, line_number: int, line: str, pos: int, after: str | None) -> None:
        while True:
            mark = self._next_mark(line, pos, after)
            text = line[pos : mark.start if mark else len(line)]
            separated = text[-1:] in ".．;；,， "
            if separated and mark is not None and mark.kind == "option" and self.phase == "option":
                text = _OPTION_SEPARATOR.sub("", text)  # "A.应急措施. B.救援预案"
            self._add_text(line_number, text)
            if mark is None:
                return
            self._take(mark, line_number)
            pos, after = mark.end, mark.kind

    def _next_mark(self, line: str, pos: int, after: str | None) -> Mark | None:
        marks = [find_header(line, pos), self._question_mark(line, pos, after)]
        if pos == 0 or after is not None:  # a field opens a line or follows a mark
            marks.append(match_field(line, pos))
        if self.draft is not None:
            marks.extend(self._item_marks(line, pos))
        found = [mark for mark in marks if mark is not None]
        return min(found, key=lambda m: (m.start, _PRIORITY.get(m.kind, 9)), default=None)

    def _item_marks(self, line: str, pos: int) -> list[Mark | None]:
        assert self.draft is not None
        marks: list[Mark | None] = [find_bracket_field(line, pos)]
        if self.phase != "explanation" or not self.draft.answer_seen:
            marks.append(find_answer(line, pos))
        if self.phase != "explanation":
            marks.append(find_explanation(line, pos))
        if self.phase == "stem":
            marks.append(self._first_option(line, pos))
        elif self.phase == "option":
            marks.append(self._next_option(line, pos))
        return marks

    def _first_option(self, line: str, pos: int) -> Mark | None:
        if pos == 0 and (mark := option_at_line_start(line)) is not None:
            return mark
        candidates = options_lettered(line, pos, "A")
        return next((m for m in candidates if self._opens_options(line, m)), None)

    def _opens_options(self, line: str, mark: Mark) -> bool:
        """An ``A`` inside a stem line opens the options only if B (or a key) comes after it:
        in ``10kV A、B两相短路时()`` it is the stem's own wording."""
        if not first_option_plausible(line, mark, self._next_nonempty_line()):
            return False
        if line[mark.start] in "(（" and any(
            line[later.start] in "(（" for later in options_lettered(line, mark.end, "A")
        ):
            return False  # "…（A）…。(A)甲" then "(B)乙": the first (A) is the stem's key
        if find_answer(line, mark.end) or first_option_after(line, mark.end, "A"):
            return True
        following = self._next_nonempty_line()
        opening = option_at_line_start(following)
        if opening is not None:
            return opening.value != "A"  # "B、…" goes on; a second "A、…" means this was no option
        return starts_item_part(following)  # "…()A、唯一选项" then "答案：A"

    def _next_option(self, line: str, pos: int) -> Mark | None:
        """The option after the last one: its own letter first, any later letter failing that
        (``A、减收C、增收…``, B missing); so ``C、D`` inside option A's text is not a mark."""
        if pos == 0 and (mark := option_at_line_start(line)) is not None:
            return mark  # on a line of its own any letter counts: "A, B, B" is reported later
        assert self.draft is not None and self.draft.options
        last = self.draft.options[-1][0]
        wanted = chr(ord(last) + 1)
        return first_option(line, pos, wanted) or first_option_after(line, pos, last)

    def _question_mark(self, line: str, pos: int, after: str | None) -> Mark | None:
        current = self.draft.number if self.draft is not None else self.last_number
        numbers = [current + 1]
        if self.restart_ok and (self.draft is None or not self.draft.is_solid):
            numbers.append(1)  # nothing kept since the header: "1." starts (again)
        for number in dict.fromkeys(numbers):
            for start, end in find_number(line, pos, number):
                if self._opens_question(line, start, end, pos, after):
                    return Mark("question", start, end, number)
        return self._skipped_number(line, pos, current) or self._excerpt_start(line, pos)

    def _excerpt_start(self, line: str, pos: int) -> Mark | None:
        """Right after a header or title, an excerpt may begin at any number ("86.…"), when
        options or a key follow; the report then names the numbers before it as missing."""
        if pos != 0 or not self.restart_ok or self.draft is not None:
            return None
        match = _OPENING_NUMBER.match(line)
        if match is None:
            return None  # "3.20～50mm…" opening a line after a header is question 3
        if not self._item_marks_soon(self.index, MAX_STEM_CHARS):
            return None
        return Mark("question", 0, match.end(), int(match.group("digits")))

    def _skipped_number(self, line: str, pos: int, current: int) -> Mark | None:
        """A source that skips a number (1, 2, 4) resumes at a line opening with a later number,
        if that line holds options or a key: otherwise one gap would lose the rest."""
        if pos != 0 or not current or not line[:1].isdigit():
            return None
        for number in range(current + 2, current + 2 + MAX_SKIPPED_NUMBERS):
            start, end = next(iter(find_number(line, 0, number)), (-1, -1))
            if start != 0:
                continue
            # No stem going on (or it is complete): "4.20～50mm" is question 4.
            between = self.phase != "stem" or self._stem_complete()
            if between or not line[end : end + 1].isdigit():
                found = self._item_marks_soon(self.index, MAX_STEM_CHARS)
                return Mark("question", 0, end, number) if found else None
        return None

    def _opens_question(self, line: str, start: int, end: int, pos: int, after: str | None) -> bool:
        following = line[end : end + 1]
        if start == pos and after in ("title", "header", "answer"):
            return True  # "1.10千伏…" right after a header: the 10 belongs to the stem
        if start == 0:
            # A line opening "2.5倍…" inside an unfinished stem is the stem going on.
            # A stem that is complete ("…。（√）") is not going on: "4.20～50mm" is question 4.
            return not (self.phase == "stem" and following.isdigit() and not self._stem_complete())
        if self.draft is None:
            return False  # between items only a line start (or a header) opens a question
        before = line[start - 1]
        if before in ".．" or following.isdigit():
            return False  # "3.14" and "2.5" are decimals
        if before.isdigit():
            return self.phase == "option"  # "D、1511.根据…": option text 15, question 11
        if self.phase in ("stem", "explanation"):
            # Inside running text a number opens a question only after a finished sentence.
            return _char_before(line, start) in _SENTENCE_END
        return True

    def _next_nonempty_line(self) -> str:
        for ahead in range(self.index + 1, len(self.lines)):
            if self.lines[ahead]:
                return self.lines[ahead]
        return ""

    # ------------------------------------------------------------ acting on marks

    def _take(self, mark: Mark, line_number: int) -> None:
        handler = getattr(self, f"_on_{mark.kind}")
        handler(mark, line_number)
        if self.draft is not None and mark.kind != "header":
            self.draft.lines.add(line_number)

    def _on_header(self, mark: Mark, line_number: int) -> None:
        text = self.lines[line_number - 1][mark.start : mark.end].strip()
        current = self.sections[-1] if self.sections else None
        if (
            current is not None
            and current.header
            and normalised(current.header) == normalised(text)
        ):
            # The same header again inside its section: a page header, not a new section.
            current.repeated_headers += 1
            self.used.setdefault(line_number, "page_header")
            return
        self._finish()
        self.used[line_number] = "structure"
        self.section, self.unsupported = mark.item_type, mark.unsupported_kind
        self.restart_ok, self.in_context = True, True
        self._open_section(line_number, text, mark.item_type)

    def _on_question(self, mark: Mark, line_number: int) -> None:
        self._finish()
        self._open_draft(int(mark.text), line_number)

    def _on_type(self, mark: Mark, line_number: int) -> None:
        if self.draft is None or self.draft.stem or self.draft.options:
            self._finish()
            self._open_draft(self.last_number + 1, line_number)
        assert self.draft is not None
        self.draft.declared, self.draft.has_fields = mark.item_type, True
        self.draft.unsupported = mark.unsupported_kind

    def _on_stem(self, mark: Mark, line_number: int) -> None:
        if self.draft is None or self.draft.stem or self.draft.options:
            self._finish()
            self._open_draft(self.last_number + 1, line_number)
        assert self.draft is not None
        self.draft.has_fields = True
        self.phase = "stem"

    def _on_option(self, mark: Mark, line_number: int) -> None:
        assert self.draft is not None
        self.draft.options.append((mark.text, []))
        self.phase = "option"

    def _on_answer(self, mark: Mark, line_number: int) -> None:
        assert self.draft is not None
        self.draft.answer_seen = True
        self.draft.key = self.draft.key if mark.value is None else mark.text
        self.phase = "answer" if mark.value is not None else "unread_key"

    def _on_explanation(self, mark: Mark, line_number: int) -> None:
        self.phase = "explanation"

    def _on_category(self, mark: Mark, line_number: int) -> None:
        if self.draft is not None:
            self.draft.category = mark.text or None

    def _on_difficulty(self, mark: Mark, line_number: int) -> None:
        if self.draft is not None:
            self.draft.difficulty = difficulty_of(mark.text)

    def _add_text(self, line_number: int, text: str) -> None:
        if not text.strip():
            return
        draft = self.draft
        if draft is None:
            self.in_context = False  # stray text: the next question must prove itself
        elif self.phase == "stem":
            draft.stem.append((line_number, text))
        elif self.phase == "option":
            draft.options[-1][1].append((line_number, text))
        elif self.phase == "explanation":
            draft.explanation.append((line_number, text))
        elif self.phase == "unread_key":
            if draft.key is None and draft.unreadable_key is None:
                draft.unreadable_key = text.strip()
            self.phase = "answer"
        # text after a key on its line ("答案：A。") belongs to nothing
        if draft is not None:
            draft.lines.add(line_number)

    # ------------------------------------------------------------ drafts

    def _open_draft(self, number: int, line_number: int) -> None:
        declared = self.section
        self.draft = Draft(number, line_number, self.source, self.level, declared, self.in_context)
        self.draft.unsupported = self.unsupported
        self.phase = "stem"

    def _finish(self) -> None:
        """Keep the draft as an item, or drop it as text that only looked like a question."""
        draft, self.draft, self.phase = self.draft, None, None
        if draft is None:
            return
        if draft.unsupported is not None:
            self._skip(draft, draft.unsupported)
            return
        judged_section = draft.declared is ItemType.JUDGE and bool(draft.stem)
        # Stray text between questions (a page footer the cleaner did not know) does not
        # unmake the next question when its number carries on the running count: kept, it is
        # reported (no answer, cut off) instead of vanishing from the report.
        continues = self.last_number > 0 and draft.number == self.last_number + 1
        keep = draft.is_solid or (
            (draft.in_context or continues) and (draft.looks_like_question or judged_section)
        )
        if not keep:
            self.in_context = False
            return
        self._account(draft)
        self.items.append(build_item(draft))
        self.last_number, self.restart_ok, self.in_context = draft.number, False, True

    def _skip(self, draft: Draft, kind: str) -> None:
        """A question of a type the bank cannot hold: reported, so that no one thinks it lost.

        The section header vouches for it, so it need not prove itself with options."""
        if not draft.stem:
            return
        self._account(draft)
        message = _(
            "第%(number)s题是%(kind)s，题库只收单选、多选和判断题，未导入",
            number=draft.number,
            kind=kind,
        )
        self.skipped.append(
            SkippedQuestion(draft.line, "unsupported_type", message, draft.number, kind)
        )
        self.last_number, self.restart_ok, self.in_context = draft.number, False, True

    def _account(self, draft: Draft) -> None:
        for line in draft.lines:
            self.used.setdefault(line, "question")
        section = self._section()
        section.numbers.append((draft.number, draft.line))
        section.answered += draft.answer_seen


def _char_before(line: str, start: int) -> str:
    """The last character before ``start`` that is not a space ("" at the line start)."""
    index = start - 1
    while index >= 0 and line[index].isspace():
        index -= 1
    return line[index] if index >= 0 else ""
