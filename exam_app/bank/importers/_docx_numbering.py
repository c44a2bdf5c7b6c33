"""The numbers Word draws in front of list paragraphs, which are not in the paragraph's text.

A bank typed in Word with automatic numbering ("1." in front of each stem, "一、" in front of
each section) keeps those numbers in ``numbering.xml``, not in the text python-docx returns: read
as text alone, every stem loses its number and the scanner finds no question. This module
counts list paragraphs as Word does (per list, per level; a level restarts below a higher one)
and renders the decimal and Chinese-counting formats (``%1.``, ``%1、``, ``一、``). Other formats
(bullets, circled numbers) give no prefix: the text is read as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.text.paragraph import Paragraph

_DIGITS = "零一二三四五六七八九"
_FORMATS = frozenset({"decimal", "decimalZero", "chineseCounting", "chineseCountingThousand"})


@dataclass(frozen=True)
class _Level:
    start: int
    fmt: str
    text: str  # "%1." ; "%1、" ; "%1.%2"


class ListNumbers:
    """Hands out each list paragraph's number, in document order."""

    def __init__(self, document: DocxDocument) -> None:
        self._levels: dict[str, dict[int, _Level]] = {}
        self._counters: dict[str, list[int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):  # no numbering part: no lists
            return
        abstract = {
            node.get(qn("w:abstractNumId")): _levels(node)
            for node in numbering.iterchildren(qn("w:abstractNum"))
        }
        for num in numbering.iterchildren(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is not None:
                self._levels[num.get(qn("w:numId")) or ""] = abstract.get(ref.get(qn("w:val")), {})

    def prefix(self, paragraph: Paragraph) -> str:
        """The number Word shows before ``paragraph`` ("" when it is no numbered list item)."""
        found = _num_pr(paragraph)
        if found is None:
            return ""
        num_id, level = found
        levels = self._levels.get(num_id)
        if not levels or level not in levels:
            return ""
        counters = self._counters.setdefault(num_id, [0] * 9)
        if counters[level] == 0:
            counters[level] = levels[level].start - 1
        counters[level] += 1
        for deeper in range(level + 1, 9):
            counters[deeper] = 0
        return _render(levels, level, counters)


def _levels(abstract: BaseOxmlElement) -> dict[int, _Level]:
    levels: dict[int, _Level] = {}
    for lvl in abstract.iterchildren(qn("w:lvl")):
        start, fmt, text = (
            lvl.find(qn("w:start")),
            lvl.find(qn("w:numFmt")),
            lvl.find(qn("w:lvlText")),
        )
        levels[int(lvl.get(qn("w:ilvl")) or 0)] = _Level(
            int(start.get(qn("w:val"))) if start is not None else 1,
            fmt.get(qn("w:val")) if fmt is not None else "decimal",
            text.get(qn("w:val")) if text is not None else "",
        )
    return levels


def _num_pr(paragraph: Paragraph) -> tuple[str, int] | None:
    """(numId, level) from the paragraph's own properties, else from its style's."""
    sources = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        sources.append(style.element.pPr)
        style = style.base_style
    for ppr in sources:
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        num_id = num_pr.find(qn("w:numId")) if num_pr is not None else None
        if num_pr is None or num_id is None:
            continue
        ilvl = num_pr.find(qn("w:ilvl"))
        value, level = (
            num_id.get(qn("w:val")) or "0",
            ilvl.get(qn("w:val")) if ilvl is not None else 0,
        )
        return None if value == "0" else (value, int(level or 0))  # numId 0: numbering off
    return None


def _render(levels: dict[int, _Level], level: int, counters: list[int]) -> str:
    if levels[level].fmt not in _FORMATS:
        return ""
    text = levels[level].text
    for index in range(level + 1):
        fmt = levels[index].fmt if index in levels else "decimal"
        text = text.replace(f"%{index + 1}", _number(counters[index], fmt))
    return text


def _number(value: int, fmt: str) -> str:
    if not fmt.startswith("chinese") or not 0 < value < 100:
        return str(value)
    tens, ones = divmod(value, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")
