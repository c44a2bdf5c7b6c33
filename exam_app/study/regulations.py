"""Regulations as study material: the plain-text files in ``question_bank/regulations/``.

One file holds one regulation (format: ``question_bank/regulations/README.md``)::

    # 中国南方电网有限责任公司客户服务管理办法
    简称: 客户服务管理办法
    编号: Q/CSG…            (optional)
    来源: 种子文档 …
    备注: …                 (optional, repeatable: for maintainers, what the source lacks)
    说明: …                 (optional, repeatable: for readers, shown above the text)

    ## 2 职责分工            (a heading; ### for a heading one level down)
    > paragraph             (more text of the entry above: a heading's body, a clause's paragraph)
    2.1 南方电网公司市场交易部是……
    2.1.1 制定公司……

Everything here is pure: text in, frozen values out. Mistakes raise ``RegulationError`` naming
the file and line. A clause is cited as ``<简称> §<number>`` (``客户服务管理办法 §2.4.7``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from exam_app.bank.parsed import normalize_text
from exam_app.errors import DomainError

_CN = "〇零一二三四五六七八九十百"
#: One level of a clause number: 第八条 / 第一章, 三, (二), 12.
_PART = rf"(?:第[{_CN}]+[章节条]|[{_CN}]+|\([{_CN}]+\)|\d+)"
_NUMBER = rf"{_PART}(?:\.{_PART})*"
_CLAUSE_LINE = re.compile(rf"({_NUMBER}) (\S.*)")
_HEADING_LINE = re.compile(rf"(#{{2,3}}) ({_NUMBER}) (\S.*)")
_TITLE_LINE = re.compile(r"# (\S.*)")
_FIELD_LINE = re.compile(r"([^\s:：]+)\s*[:：]\s*(.*)")
_PARAGRAPH_LINE = re.compile(r"> ?(.*)")
_PARTS = re.compile(_PART)
_REF = re.compile(rf"(\S.*?)\s*§\s*({_NUMBER})")

_REPEATABLE = frozenset({"备注", "说明"})
_FIELDS = {
    "简称": "short_title",
    "编号": "code",
    "来源": "source",
    "备注": "notes",
    "说明": "reader_notes",
}
_REQUIRED_FIELDS = ("简称", "来源")


class RegulationError(DomainError):
    """A regulation file that does not follow the format; ``filename`` and ``line`` say where."""

    def __init__(self, filename: str, line: int, message: str) -> None:
        super().__init__(f"{filename}:{line}: {message}")
        self.filename = filename
        self.line = line
        self.reason = message


@dataclass(frozen=True)
class Clause:
    """One numbered entry: a heading (``## 2 职责分工``) or a clause (``2.4.7 负责……``)."""

    number: str  #: as the document numbers it, canonical spelling: 2.4.7, 第八条.(一), 三.(一).1
    anchor: str  #: URL fragment, unique in its document: c-2-4-7, c-第八条-一
    heading: str | None  #: the heading's words for a ``##``/``###`` entry, else None
    text: str  #: the clause's words (a heading's body paragraphs), paragraphs joined by "\n"
    depth: int  #: 1 for top-level entries
    parent_number: str | None  #: the enclosing entry, None at the top
    line: int  #: 1-based line in the file

    @property
    def is_heading(self) -> bool:
        return self.heading is not None

    @property
    def full_text(self) -> str:
        """Heading and text together, as search sees it."""
        return "\n".join(part for part in (self.heading, self.text) if part)


@dataclass(frozen=True)
class Regulation:
    title: str
    short_title: str  #: 简称: unique across files; the first half of a citation
    code: str | None  #: Q/CSG number, when the document has one
    source: str
    clauses: tuple[Clause, ...]
    notes: tuple[str, ...] = ()  #: 备注 lines: what the source lacks or gets wrong (maintainers')
    reader_notes: tuple[str, ...] = ()  #: 说明 lines: the same told to a reader, shown on the page
    filename: str = ""

    def clause(self, number: str) -> Clause | None:
        return next((c for c in self.clauses if c.number == number), None)

    def children(self, number: str | None) -> tuple[Clause, ...]:
        return tuple(c for c in self.clauses if c.parent_number == number)

    def citation(self, clause: Clause) -> str:
        return f"{self.short_title} §{clause.number}"


# ---------------------------------------------------------------- parsing


@dataclass
class _Draft:
    number: str
    heading: str | None
    paragraphs: list[str]
    depth: int
    parent: str | None
    line: int


@dataclass
class _State:
    filename: str
    title: str | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    drafts: list[_Draft] = field(default_factory=list)
    path: list[_Draft] = field(default_factory=list)  #: from the top entry to the last one
    lines: dict[str, int] = field(default_factory=dict)  #: number -> line it was given on

    def error(self, line: int, message: str) -> RegulationError:
        return RegulationError(self.filename, line, message)


def parse_regulation(text: str, filename: str) -> Regulation:
    """Read one regulation file; raises ``RegulationError`` at the first mistake."""
    state = _State(filename)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line:
            _read_line(state, line, number)
    return _finish(state, len(text.splitlines()) or 1)


def _read_line(state: _State, line: str, number: int) -> None:
    if state.title is None:
        match = _TITLE_LINE.fullmatch(line)
        if match is None:
            raise state.error(number, _("第一行应为“# 标题”"))
        state.title = match.group(1).strip()
    elif not state.drafts and _read_field(state, line, number):
        return
    elif match := _HEADING_LINE.fullmatch(line):
        _add_entry(state, match.group(2), match.group(3).strip(), number, marks=match.group(1))
    elif match := _PARAGRAPH_LINE.fullmatch(line):
        _add_paragraph(state, match.group(1).strip(), number)
    elif match := _CLAUSE_LINE.fullmatch(line):
        _add_entry(state, match.group(1), match.group(2).strip(), number, marks=None)
    else:
        raise state.error(
            number, _("无法识别的行（条款行应为“条款号 空格 正文”）：%(line)s", line=_shorten(line))
        )


def _read_field(state: _State, line: str, number: int) -> bool:
    """A ``简称: …`` line of the header; False when the line is no field (a clause or heading)."""
    match = _FIELD_LINE.fullmatch(line)
    if match is None or line.startswith("#") or _CLAUSE_LINE.fullmatch(line):
        return False
    key, value = match.group(1), match.group(2).strip()
    if key not in _FIELDS:
        known = "、".join(_FIELDS)
        raise state.error(number, _("未知的字段“%(key)s”（可用：%(known)s）", key=key, known=known))
    if key in state.fields and key not in _REPEATABLE:
        raise state.error(number, _("字段“%(key)s”出现了不止一次", key=key))
    if not value:
        raise state.error(number, _("字段“%(key)s”为空", key=key))
    state.fields.setdefault(key, []).append(value)
    return True


def _add_entry(state: _State, number: str, words: str, line: int, marks: str | None) -> None:
    if number in state.lines:
        raise state.error(
            line,
            _(
                "条款号“%(number)s”重复（第%(first)s行已有）",
                number=number,
                first=state.lines[number],
            ),
        )
    parent = _place(state, number, heading=marks is not None, line=line)
    depth = len(state.path) + 1
    if marks is not None and len(marks) - 1 != depth:
        raise state.error(
            line,
            _(
                "标题“%(number)s”是第%(depth)s级，应写作“%(marks)s”",
                number=number,
                depth=depth,
                marks="#" * (depth + 1),
            ),
        )
    heading, paragraphs = (words, []) if marks is not None else (None, [words])
    draft = _Draft(number, heading, paragraphs, depth, parent, line)
    state.drafts.append(draft)
    state.path.append(draft)
    state.lines[number] = line


def _place(state: _State, number: str, heading: bool, line: int) -> str | None:
    """Trim the open path to the new entry's parent and return the parent's number."""
    parent = _number_parent(number)
    if parent is not None:
        while state.path and state.path[-1].number != parent:
            state.path.pop()
        if not state.path:
            raise state.error(
                line,
                _(
                    "条款“%(number)s”的上级条款“%(parent)s”不存在或不在它前面",
                    number=number,
                    parent=parent,
                ),
            )
        return parent
    if heading:
        state.path.clear()
        return None
    while state.path and state.path[-1].heading is None:
        state.path.pop()
    return state.path[-1].number if state.path else None


def _add_paragraph(state: _State, words: str, line: int) -> None:
    if not state.drafts:
        raise state.error(line, _("“>”段落前面没有标题或条款"))
    if not words:
        raise state.error(line, _("“>”段落为空"))
    state.drafts[-1].paragraphs.append(words)


def _finish(state: _State, last_line: int) -> Regulation:
    if state.title is None:
        raise state.error(1, _("文件是空的，第一行应为“# 标题”"))
    for key in _REQUIRED_FIELDS:
        if key not in state.fields:
            raise state.error(_header_end(state), _("缺少字段“%(key)s”", key=key))
    if not state.drafts:
        raise state.error(last_line, _("没有任何条款"))
    clauses = tuple(_clause(draft) for draft in state.drafts)
    _check_anchors(state, clauses)
    values = {_FIELDS[key]: values for key, values in state.fields.items()}
    return Regulation(
        title=state.title,
        short_title=values["short_title"][0],
        code=values["code"][0] if "code" in values else None,
        source=values["source"][0],
        clauses=clauses,
        notes=tuple(values.get("notes", ())),
        reader_notes=tuple(values.get("reader_notes", ())),
        filename=state.filename,
    )


def _header_end(state: _State) -> int:
    return state.drafts[0].line if state.drafts else 1 + sum(map(len, state.fields.values()))


def _clause(draft: _Draft) -> Clause:
    return Clause(
        number=draft.number,
        anchor=clause_anchor(draft.number),
        heading=draft.heading,
        text="\n".join(draft.paragraphs),
        depth=draft.depth,
        parent_number=draft.parent,
        line=draft.line,
    )


def _check_anchors(state: _State, clauses: Sequence[Clause]) -> None:
    seen: dict[str, Clause] = {}
    for clause in clauses:
        other = seen.setdefault(clause.anchor, clause)
        if other is not clause:
            raise state.error(
                clause.line,
                _(
                    "条款“%(number)s”与“%(other)s”的锚点“%(anchor)s”相同",
                    number=clause.number,
                    other=other.number,
                    anchor=clause.anchor,
                ),
            )


def _number_parent(number: str) -> str | None:
    head, dot, _last = number.rpartition(".")
    return head if dot else None


def _shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[:width] + "…"


def clause_anchor(number: str) -> str:
    """``2.4.7`` -> ``c-2-4-7``; ``第八条.(一)`` -> ``c-第八条-一``: no dots, no brackets."""
    return "c-" + "-".join(part.strip("()") for part in _PARTS.findall(number))


# ---------------------------------------------------------------- citations, folders, search


def parse_clause_ref(ref: str) -> tuple[str, str] | None:
    """``客户服务管理办法 §2.4.7`` -> ``("客户服务管理办法", "2.4.7")``; None if it is no citation.

    Full-width digits, brackets and dots (``§２．４``, ``§第八条．（一）``) are read as half-width.
    """
    match = _REF.fullmatch(unicodedata.normalize("NFKC", ref).strip())
    if match is None:
        return None
    return match.group(1), match.group(2)


def resolve_clause_ref(
    regulations: Iterable[Regulation], ref: str
) -> tuple[Regulation, Clause] | None:
    """The regulation and clause a citation names, or None when it names nothing."""
    parsed = parse_clause_ref(ref)
    if parsed is None:
        return None
    short_title, number = parsed
    for regulation in regulations:
        if regulation.short_title == short_title:
            clause = regulation.clause(number)
            return (regulation, clause) if clause is not None else None
    return None


def load_regulations(folder: Path) -> list[Regulation]:
    """Every ``*.txt`` in the folder, by file name; 简称 must be unique across the files."""
    regulations: list[Regulation] = []
    owners: dict[str, str] = {}
    for path in sorted(folder.glob("*.txt")):
        text = _read_text(path)
        regulation = parse_regulation(text, path.name)
        owner = owners.setdefault(regulation.short_title, path.name)
        if owner != path.name:
            raise RegulationError(
                path.name,
                _field_line(text, "简称"),
                _("简称“%(short)s”已被 %(other)s 使用", short=regulation.short_title, other=owner),
            )
        regulations.append(regulation)
    return regulations


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise RegulationError(path.name, line, _("文件不是 UTF-8 编码")) from exc


def _field_line(text: str, key: str) -> int:
    lines = text.splitlines()
    return next((n for n, line in enumerate(lines, start=1) if line.startswith(key)), 1)


def search_clauses(
    regulations: Iterable[Regulation], query: str
) -> list[tuple[Regulation, Clause]]:
    """Clauses containing every word of the query, width, punctuation and spacing folded."""
    terms = [normalize_text(term) for term in query.split()]
    terms = [term for term in terms if term]
    if not terms:
        return []
    return [
        (regulation, clause)
        for regulation in regulations
        for clause in regulation.clauses
        if all(term in normalize_text(clause.full_text) for term in terms)
    ]
