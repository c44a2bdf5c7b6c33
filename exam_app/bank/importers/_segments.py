"""The marks a question document is made of, found in one cleaned line of text.

Trainers' documents are scraped or pasted: a bank title, section headers (``一、单选题``), question
numbers, option letters, answers and explanations, often glued on one line. This module only
*finds* those marks; which of them count (is ``11.`` the next question, or the end of ``1511.``?)
is decided by ``_scanner``, which knows the running question number.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from exam_app.bank.parsed import ItemType

# ---------------------------------------------------------------- cleaning

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u3000\u2002\u2003\u2004\u2005\u2009\u202f\t"), " ")
# Full-width letters and digits (Ａ１) become ASCII so that one pattern finds both; full-width
# punctuation stays as written (the patterns accept both widths) so stems read as typed.
_WIDE_ALNUM = {
    code: code - 0xFEE0
    for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
}
# Document-sharing sites add disclaimers and page footers; they are never part of a question.
_ADVERT = re.compile(
    r"下载文档前请自行甄别|仅部分预览|如文档侵犯您的权益|文件素材和资料部分来自网络"
    r"|请预览后才下载|期待你的好评与关注|本文档由.{0,20}提供"
    r"|^[)）]\s*[。.]?$"
)


def clean_lines(text: str) -> list[str]:
    """The text's lines (``\\r\\n``, ``\\r`` or ``\\n``), each stripped, adverts blanked.

    Blanked lines stay in the list so that line numbers still match the file.
    """
    return clean_document(text)[0]


def clean_document(text: str) -> tuple[list[str], list[int]]:
    """``clean_lines`` and the 1-based numbers of the advert lines it blanked."""
    text = text.translate(_INVISIBLE).translate(_SPACES).translate(_WIDE_ALNUM)
    lines = [line.strip() for line in re.split(r"\r\n|\r|\n", text)]
    adverts = [n for n, line in enumerate(lines, 1) if line and _ADVERT.search(line)]
    for number in adverts:
        lines[number - 1] = ""
    return lines, adverts


# ---------------------------------------------------------------- bank titles and sections

_TITLE_WORDS = re.compile(r"试题|习题|题库|模拟|考试|练习|测试|真题|考题|试卷|题及答案|题目")
_NOT_IN_TITLE = re.compile(r"[。，,；;？?！!：:]|[(（]\s*[)）]")
_TITLE_CANNOT_START = re.compile(r"[\d第一二三四五六七八九十(（\-—•·]")
_LEVEL = re.compile(r"高级技师|技师|高级工|中级工|初级工")

_KINDS = {
    "单项选择题": ItemType.SINGLE,
    "单选题": ItemType.SINGLE,
    "多项选择题": ItemType.MULTIPLE,
    "多选题": ItemType.MULTIPLE,
    "判断题": ItemType.JUDGE,
    "是非题": ItemType.JUDGE,
    "不定项选择题": None,  # one or more keys: the key count decides
    "选择题": None,
}
#: Sections whose questions the bank cannot hold: reported as skipped, never silently dropped.
UNSUPPORTED_KINDS = (
    "填空题",
    "简答题",
    "问答题",
    "论述题",
    "计算题",
    "案例分析题",
    "识图题",
    "绘图题",
)
_KIND = "|".join(sorted([*_KINDS, *UNSUPPORTED_KINDS], key=len, reverse=True))
_NOTE = r"(?:\s*[(（][^()（）]{0,40}[)）])?\s*[:：]?"  # (共43题,每题1分,共43分)
_NUMBERED_HEADER = re.compile(
    rf"[一二三四五六七八九十]{{1,3}}\s*[、.．]\s*(?P<kind>{_KIND}){_NOTE}"
)
_BARE_HEADER = re.compile(rf"^[【\[]?(?P<kind>{_KIND})[】\]]?{_NOTE}\s*(?=$|\d)")
_FIRST_QUESTION = re.compile(r"(?<![\d.．])1\s*[.、．]")


@dataclass(frozen=True)
class Mark:
    """One mark found in a line: where it is and what it says."""

    kind: str  # header, question, option, answer, explanation, type, stem, category, difficulty
    start: int
    end: int
    value: str | int | ItemType | None = None

    @property
    def item_type(self) -> ItemType | None:
        """The type a header or 题型 field names (None: the key count decides)."""
        return self.value if isinstance(self.value, ItemType) else None

    @property
    def unsupported_kind(self) -> str | None:
        """``简答题`` when a header opens a section of questions the bank cannot hold."""
        return self.value if self.value in UNSUPPORTED_KINDS else None

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value)


def is_title_like(text: str) -> bool:
    """A bank title (``用电客户受理员-中级工考试题及答案``): short, no sentence punctuation."""
    text = text.strip()
    return (
        4 <= len(text) <= 60
        and _TITLE_WORDS.search(text) is not None
        and _NOT_IN_TITLE.search(text) is None
        and _TITLE_CANNOT_START.match(text) is None
        and find_header(text, 0) is None
        and _LINE_OPTION.match(text) is None  # "A、安全生产考试": an option, not a bank
    )


def title_end(line: str) -> int | None:
    """Where a bank title at the start of ``line`` ends: the whole line, or the part before a
    glued section header or first question (``…考试题及答案一、单选题(…)1.…``)."""
    if is_title_like(line):
        return len(line)
    cuts = []
    if (header := find_header(line, 0)) is not None:
        cuts.append(header.start)
    if (first := _FIRST_QUESTION.search(line)) is not None:
        cuts.append(first.start())
    cut = min(cuts, default=0)
    return cut if cut and is_title_like(line[:cut]) else None


def level_of(title: str) -> str | None:
    match = _LEVEL.search(title)
    return match.group() if match else None


def find_header(line: str, pos: int) -> Mark | None:
    """``一、单选题(共43题…)`` anywhere, or a bare ``单选题`` / ``【判断题】`` line."""
    index = _index(line)
    return index.bare_header if pos == 0 and index.bare_header else _first(index.headers, pos)


def _header_mark(match: re.Match[str]) -> Mark:
    kind = match.group("kind")
    return Mark("header", match.start(), match.end(), _KINDS.get(kind, kind))


# ---------------------------------------------------------------- learning-platform fields

_SCORE = r"\d+(?:\.\d+)?\s*分"
_FIELDS = (
    ("type", re.compile(rf"(?:【题型】|题型\s*[:：])\s*(?P<value>{_KIND}|单选|多选|判断)")),
    # A course system's prefix after the number: "1. (单选题, 1.0 分) (1分) …"
    (
        "type",
        re.compile(
            rf"\s*[(（]\s*(?P<value>{_KIND}|单选|多选|判断)\s*(?:[,，]\s*{_SCORE}\s*)?[)）]"
            rf"(?:\s*[(（]\s*{_SCORE}\s*[)）])?\s*"
        ),
    ),
    ("stem", re.compile(r"(?:【题干】|题干\s*[:：])(?P<value>)")),
    (
        "category",
        re.compile(r"(?:【(?:知识点|考点|分类|类别)】|(?:知识点|考点|分类|类别)\s*[:：])"),
    ),
    ("difficulty", re.compile(r"(?:【难度】|难度(?:系数)?\s*[:：])")),
)
_SHORT_KINDS = {"单选": ItemType.SINGLE, "多选": ItemType.MULTIPLE, "判断": ItemType.JUDGE}
_VALUE_TO_END = re.compile(r"\s*(?P<value>[^【]*)")
_BRACKET_FIELD = re.compile(r"【(?:难度|知识点|考点|分类|类别)】")


def match_field(line: str, pos: int) -> Mark | None:
    """A ``题型：`` / ``题干：`` / ``知识点：`` / ``难度：`` field starting exactly at ``pos``."""
    for kind, pattern in _FIELDS:
        match = pattern.match(line, pos)
        if match is None:
            continue
        if kind == "type":
            value = match.group("value")
            return Mark(kind, pos, match.end(), _KINDS.get(value, _SHORT_KINDS.get(value, value)))
        if kind == "stem":
            return Mark(kind, pos, match.end())
        rest = _VALUE_TO_END.match(line, match.end())
        assert rest is not None  # the pattern matches the empty string
        return Mark(kind, pos, rest.end(), rest.group("value").strip())
    return None


def find_bracket_field(line: str, pos: int) -> Mark | None:
    """``【难度】`` / ``【知识点】`` later in a line (``【答案】A【解析】…【难度】2``)."""
    return _first(_index(line).bracket_fields, pos)


# ---------------------------------------------------------------- answers and explanations

_ANSWER = re.compile(
    r"(?:正确答案|参考答案|标准答案|答案)\s*[:：]|【(?:正确答案|参考答案|标准答案|答案)】"
)
_JUDGE_WORD = r"正确|错误|对|错|√|×|✓|✔|✗|✘"
_LETTER_KEY = r"[A-HTF](?:\s*[,，、/]?\s*[A-H])*"
_LOWER_KEY = r"[a-h](?:\s*[,，、/]?\s*[a-h])*(?![A-Za-z])"  # "答案：abd", not "答案：see"
# "正确" is a key, but not the 正确 of a following "正确答案:" ("我的答案:正确答案:A").
_KEY = re.compile(
    rf"\s*[(（【\[]?\s*(?P<key>(?:{_JUDGE_WORD})(?!答案)|{_LETTER_KEY}|{_LOWER_KEY})\s*[)）】\]]?"
)
#: A key alone on its line, in brackets: ``（正确）``, ``(×)``, ``（B）`` (Word exports).
_BARE_KEY_LINE = re.compile(
    rf"[(（【\[]\s*(?P<key>{_JUDGE_WORD}|[A-H](?:\s*[,，、]?\s*[A-H]){{0,7}})\s*[)）】\]][。.]?"
)
_EXPLANATION = re.compile(
    r"(?:答案解析|试题解析|题目解析|解析)\s*[:：]|【(?:答案解析|试题解析|解析)】"
)


def count_answer_marks(line: str) -> int:
    """How many answer marks ``line`` holds (the report counts them apart from the scanner)."""
    return 1 if _BARE_KEY_LINE.fullmatch(line) else len(_ANSWER.findall(line))


def find_answer(line: str, pos: int) -> Mark | None:
    """``正确答案:A`` / ``参考答案：A,B,D`` / ``【答案】对``; value is the key as written."""
    return _first(_index(line).answers, pos)


def _answer_marks(line: str) -> list[Mark]:
    if bare := _BARE_KEY_LINE.fullmatch(line):
        return [Mark("answer", 0, len(line), bare.group("key"))]
    return [_answer_mark(line, m) for m in _ANSWER.finditer(line)]


def _answer_mark(line: str, match: re.Match[str]) -> Mark:
    key = _KEY.match(line, match.end())
    if key is None:
        return Mark("answer", match.start(), match.end(), None)
    return Mark("answer", match.start(), key.end(), key.group("key"))


def find_explanation(line: str, pos: int) -> Mark | None:
    return _first(_index(line).explanations, pos)


# ---------------------------------------------------------------- question numbers

_SEPARATOR = r"\s*[.、．]"
_NUMBER = re.compile(rf"(?P<digits>\d{{1,6}}){_SEPARATOR}")


def find_number(line: str, pos: int, number: int) -> list[tuple[int, int]]:
    """(start, end) of every ``<number>.`` / ``<number>、`` from ``pos``, also at the end of a
    longer run of digits (the ``11.`` of ``1511.``); the scanner picks the real one."""
    return [span for span in _index(line).numbers.get(number, ()) if span[0] >= pos]


def _number_spans(line: str) -> dict[int, list[tuple[int, int]]]:
    spans: dict[int, list[tuple[int, int]]] = {}
    for match in _NUMBER.finditer(line):
        digits = match.group("digits")
        for offset in range(len(digits)):
            start = match.start() + offset
            spans.setdefault(int(digits[offset:]), []).append((start, match.end()))
    return spans


def starts_with_number(line: str) -> bool:
    """The line opens with some ``12.`` / ``12、`` (not a decimal such as ``1.5``)."""
    return re.match(rf"\d{{1,4}}{_SEPARATOR}(?!\d)", line) is not None


# ---------------------------------------------------------------- option letters

OPTION_LETTERS = "ABCDEFGH"
_PLAIN = re.compile(r"(?P<letter>[A-H])\s*(?P<sep>[、.．:：)）])")
_PAREN = re.compile(r"[(（](?P<letter>[A-H])[)）]")
_PREFIXED = re.compile(r"选项\s*(?P<letter>[A-H])\s*[:：、.．]?")
_LINE_OPTION = re.compile(r"(?:选项\s*|[(（])?(?P<letter>[A-H])\s*(?:[)）]|[、.．:：])")


def option_at_line_start(line: str) -> Mark | None:
    """``A、…`` / ``(B)…`` / ``选项C：…`` opening a line: an option whatever its letter."""
    match = _LINE_OPTION.match(line)
    return Mark("option", 0, match.end(), match.group("letter")) if match else None


def options_lettered(line: str, pos: int, letter: str) -> list[Mark]:
    """Every ``letter`` option mark (``A、`` ``(A)`` ``选项A：``) from ``pos``, in order."""
    marks = _index(line).options.get(letter, [])
    return marks[bisect_left(marks, pos, key=_start) :]


def first_option(line: str, pos: int, letter: str) -> Mark | None:
    return _first(_index(line).options.get(letter, []), pos)


def first_option_after(line: str, pos: int, letter: str) -> Mark | None:
    """The first option mark from ``pos`` whose letter comes after ``letter``."""
    later = (first_option(line, pos, other) for other in OPTION_LETTERS if other > letter)
    return min((mark for mark in later if mark), key=_start, default=None)


def _option_marks(line: str) -> dict[str, list[Mark]]:
    marks: dict[str, list[Mark]] = {}
    for pattern in (_PLAIN, _PAREN, _PREFIXED):
        for match in pattern.finditer(line):
            if pattern is _PLAIN and not _plain_option_plausible(line, match):
                continue
            mark = Mark("option", match.start(), match.end(), match.group("letter"))
            marks.setdefault(mark.text, []).append(mark)
    return {letter: sorted(found, key=_start) for letter, found in marks.items()}


def _plain_option_plausible(line: str, match: re.Match[str]) -> bool:
    before = line[match.start() - 1] if match.start() else ""
    if match.group("sep") in ".．" and before.isascii() and before.isalpha():
        return False  # "OFF." or "U.S." is a word, not an option
    if before in ("(", "（"):
        return False  # the "A)" of "(A)": a paren mark or a key in brackets, found as such
    return not (before == "选" and line[match.start() - 2 : match.start()] == "选项")


def first_option_plausible(line: str, mark: Mark, next_line: str = "") -> bool:
    """Is this ``A`` mark, in the middle of a stem line, really where the options begin?
    (``next_line``: the line after, where a ``(B)`` may go on.)"""
    before = line[mark.start - 1] if mark.start else ""
    if before.isascii() and before.isalnum():
        return False  # "5A、10A" is a current, "IEC A.1" a clause
    rest = line[mark.end :].lstrip()
    if not rest or _PLAIN.match(rest):
        return False  # "A、B、C三相": letters listed in the stem, no option text
    if line[mark.start] in "(（":
        # "(A)…(B)…", or "(B)…" on the next line; not a key "(A)。"
        return _PAREN.search(line, mark.end) is not None or _PAREN.match(next_line) is not None
    return True


def has_item_marks(line: str) -> bool:
    """Does the line hold options, an answer or a judgement key (so a stem before it goes on)?"""
    if find_answer(line, 0) or find_explanation(line, 0) or option_at_line_start(line):
        return True
    if JUDGE_BRACKET.search(line):
        return True
    return any(first_option_plausible(line, mark) for mark in options_lettered(line, 0, "A"))


def starts_item_part(line: str) -> bool:
    """The line opens with an option, an answer or an explanation."""
    if option_at_line_start(line) is not None:
        return True
    marks = (find_answer(line, 0), find_explanation(line, 0), find_bracket_field(line, 0))
    return any(mark is not None and mark.start == 0 for mark in marks)


# ---------------------------------------------------------------- blanks and keys in stems

BLANK = re.compile(r"[(（]\s*[)）]")
JUDGE_BRACKET = re.compile(r"[(（]\s*(?:√|×|✓|✔|✗|✘|对|错)\s*[)）]")
BRACKET_KEY = re.compile(
    r"(?P<open>[(（])\s*(?P<key>[A-H](?:\s*[,，、]?\s*[A-H]){0,7}"
    rf"|{_JUDGE_WORD})\s*(?P<close>[)）])"
)


# ---------------------------------------------------------------- the marks of a line, found once


class _LineIndex:
    """Every mark of one line, found in one pass per kind.

    The scanner asks "the next mark from here" once per mark; on a line holding a whole bank
    (thousands of glued questions) searching the rest of the line each time would be quadratic.
    """

    def __init__(self, line: str) -> None:
        self.headers = [_header_mark(m) for m in _NUMBERED_HEADER.finditer(line)]
        bare = _BARE_HEADER.match(line)
        self.bare_header = _header_mark(bare) if bare else None
        self.answers = _answer_marks(line)
        self.explanations = [
            Mark("explanation", m.start(), m.end()) for m in _EXPLANATION.finditer(line)
        ]
        fields = (match_field(line, m.start()) for m in _BRACKET_FIELD.finditer(line))
        self.bracket_fields = [mark for mark in fields if mark is not None]
        self.options = _option_marks(line)
        self.numbers = _number_spans(line)


@lru_cache(maxsize=16)
def _index(line: str) -> _LineIndex:
    return _LineIndex(line)


def _start(mark: Mark) -> int:
    return mark.start


def _first(marks: list[Mark], pos: int) -> Mark | None:
    """The first of ``marks`` (sorted by start) that starts at or after ``pos``."""
    index = bisect_left(marks, pos, key=_start)
    return marks[index] if index < len(marks) else None
