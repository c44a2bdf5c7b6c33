"""Lines and fragments of a document that belong to no question, found before the scanner runs.

Banks extracted from PDF, Word or a course system carry text of the *page* or the *system*, not
of the bank: a running header or footer (the bank's title on every page, falling between a stem
and its options), page counters (``18/473``, ``- 12 -``, a bare increasing page number), score
lines (``0.0分``), the candidate's own answer (``我的答案:B``) and Word's auto-numbering left in
front of a stem (``2、3、…、397、下列…``). Left in place they end questions early, reset the
numbering or become keys. Each is recognised by what makes it page furniture in *any* file - a
line whose normalised text repeats many times, a counter pattern, an increasing run - never by
matching one bank's title. Noise lines are blanked (line numbers keep matching the file) and
counted by kind for the report; fragments are cut out of their line and counted too.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from exam_app.bank.importers._segments import (
    find_answer,
    find_explanation,
    find_header,
    match_field,
    option_at_line_start,
    starts_with_number,
)

#: A line whose normalised text occurs this often (and is no item part) is a running header.
REPEATS_FOR_HEADER = 3
#: Bare page numbers count as such only when there are this many, in increasing order.
PAGE_NUMBERS_NEEDED = 3

_COUNTER_LINE = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|[-—–]\s*\d+\s*[-—–]|\d+\s*/\s*\d+"
    r"|page\s*\d+(?:\s*(?:of|/)\s*\d+)?|共\s*\d+\s*页\s*第\s*\d+\s*页)$",
    re.IGNORECASE,
)
#: OCR glues the page counter to the page's first words: ``18/473单选题``.
_COUNTER_PREFIX = re.compile(r"^(?P<page>\d{1,4})\s*/\s*(?P<pages>\d{1,4})(?=[\u4e00-\u9fff【\[])")
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
_SCORE_LINE = re.compile(
    r"^(?:(?:本题)?得分\s*[:：]?\s*)?\d+(?:\.\d+)?\s*分$|^(?:本题)?得分\s*[:：]\s*\d*(?:\.\d+)?\s*分?$"
)
_TRUE_FALSE = r"(?:正确|错误)(?!答案)"
_OWN_ANSWER = re.compile(
    r"(?:我的答案|你的答案|您的答案|考生答案|学生答案|作答)\s*[:：]\s*"
    rf"(?:{_TRUE_FALSE}|[A-Ha-h对错√×✓✗,，、 ])*"
)
_AUTO_NUMBERS = re.compile(r"^(?:\d{1,5}\s*[、.．]\s*(?:(?:…+|\.{3,}|⋯+)\s*[、.．]?\s*)?){3,}")
_DISPLACED_STOP = re.compile(r"^(?P<number>\d{1,5})\s*(?P<open>[(（])\s*[.．]\s*")
_DIGITS = re.compile(r"\d+")
_BLANKISH = re.compile(r"[(（]\s*[)）]|[(（]\s*[A-H√×对错]{1,4}\s*[)）]")


@dataclass
class Noise:
    """What was taken out: ``lines`` maps a 1-based line number to its kind (whole lines),
    ``fragments`` lists (line number, kind) of pieces cut out of a line that stays."""

    lines: dict[int, str] = field(default_factory=dict)
    fragments: list[tuple[int, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = Counter(self.lines.values())
        counts.update(kind for _line, kind in self.fragments)
        return dict(sorted(counts.items()))


def remove_noise(lines: list[str]) -> tuple[list[str], Noise]:
    """``lines`` (as ``clean_lines`` made them), page and system furniture blanked or cut out."""
    noise = Noise()
    lines = [_repair(index + 1, line, noise) for index, line in enumerate(lines)]
    _blank_counters(lines, noise)
    for index, line in enumerate(lines):
        if line and _SCORE_LINE.match(line):
            _blank(lines, index, "score_line", noise)
    _blank_running_headers(lines, noise)
    return lines, noise


def _repair(number: int, line: str, noise: Noise) -> str:
    if not line:
        return line
    if (match := _COUNTER_PREFIX.match(line)) and int(match["page"]) <= int(match["pages"]):
        noise.fragments.append((number, "page_counter"))
        line = line[match.end() :].lstrip()
    if _OWN_ANSWER.search(line):
        stripped = _OWN_ANSWER.sub("", line).strip()
        if stripped:
            noise.fragments.append((number, "own_answer"))
            line = stripped
        else:
            noise.lines[number] = "own_answer"
            return ""
    if (auto := _AUTO_NUMBERS.match(line)) and _increasing(auto.group()):
        last = _DIGITS.findall(auto.group())[-1]
        noise.fragments.append((number, "auto_numbering"))
        line = f"{last}、{line[auto.end() :]}"
    if match := _DISPLACED_STOP.match(line):  # "87（. ）的…": the stop of "87." slipped in
        rest = line[match.end() :]
        line = f"{match['number']}.{match['open']}{' ' if rest[:1] in ')）' else ''}{rest}"
    return line


def _increasing(prefix: str) -> bool:
    numbers = [int(n) for n in _DIGITS.findall(prefix)]
    return all(a < b for a, b in zip(numbers, numbers[1:], strict=False))


def _blank(lines: list[str], index: int, kind: str, noise: Noise) -> None:
    lines[index] = ""
    noise.lines[index + 1] = kind


def _blank_counters(lines: list[str], noise: Noise) -> None:
    for index, line in enumerate(lines):
        if line and _COUNTER_LINE.match(line):
            _blank(lines, index, "page_counter", noise)
    bare = [index for index, line in enumerate(lines) if _BARE_NUMBER.match(line)]
    values = [int(lines[index]) for index in bare]
    if len(bare) >= PAGE_NUMBERS_NEEDED and values == sorted(set(values)):
        for index in bare:
            _blank(lines, index, "page_counter", noise)


def normalised(line: str) -> str:
    """The text by which repeated lines are compared: no spaces, every number the same."""
    return _DIGITS.sub("#", re.sub(r"\s+", "", line))


def _blank_running_headers(lines: list[str], noise: Noise) -> None:
    """A line repeated ``REPEATS_FOR_HEADER`` times that is no part of an item is a page header.

    Its first occurrence stays when no question has begun yet: it is the bank's title there
    (the scanner takes it as such); every later occurrence is blanked.
    """
    counts = Counter(normalised(line) for line in lines if line)
    repeated = {
        text for text, count in counts.items() if count >= REPEATS_FOR_HEADER and len(text) >= 2
    }
    if not repeated:
        return
    first_question = next(
        (index for index, line in enumerate(lines) if starts_with_number(line)), len(lines)
    )
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if not line:
            continue
        text = normalised(line)
        if text not in repeated or _not_furniture(line):
            continue
        if text not in seen and index < first_question:
            seen.add(text)
            continue
        seen.add(text)
        _blank(lines, index, "page_header", noise)


def _not_furniture(line: str) -> bool:
    """Lines that repeat because many questions share them (``A、正确``, ``答案：A``, a
    section header, a wrapped ``的是（ ）。``): never page furniture."""
    if starts_with_number(line) or option_at_line_start(line) is not None:
        return True
    if find_answer(line, 0) or find_explanation(line, 0) or match_field(line, 0):
        return True
    if (header := find_header(line, 0)) is not None and header.start == 0:
        return True
    if line.endswith(("。", "；", ";", "？", "?", "！", "!")):
        return True  # a sentence (a clause quoted again and again), not a page title
    return _BLANKISH.search(line) is not None or line in _KEY_WORDS


_KEY_WORDS = frozenset(
    {"正确", "错误", "对", "错", "√", "×", "(正确)", "（正确）", "(错误)", "（错误）"}
)
