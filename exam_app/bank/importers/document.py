"""Trainers' exam documents (.txt, .docx) -> ``ParsedItem`` values.

The documents are what trainers find on document-sharing sites: question-bank excerpts
(``用电客户受理员-中级工考试题及答案``) between regulations that are not questions, with questions,
options and answers glued on one line (``…D、用户正确答案:A2.用钳形万用表…``) and excerpts that
stop in the middle of a question. ``_segments`` finds the marks in a line, ``_scanner`` decides
which of them open questions, ``_drafts`` builds each item, and ``bank.validation`` reports what
is wrong with it. Banks extracted from PDF, Word or course systems carry page furniture (running
headers, page counters, the candidate's own answer) that ``_noise`` takes out first; and
``_accounting`` reports where every line went, so nothing is dropped without a word. Nothing
here invents an answer.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from flask_babel import gettext as _

from exam_app.bank.importers._accounting import build_report
from exam_app.bank.importers._docx_numbering import ListNumbers
from exam_app.bank.importers._noise import remove_noise
from exam_app.bank.importers._scanner import Scanner
from exam_app.bank.importers._segments import clean_document
from exam_app.bank.parsed import ParseResult
from exam_app.bank.validation import validate_items
from exam_app.core import textfiles, upload_limits

_ENCODINGS = ("UTF-8", "UTF-16", "GB18030")
#: A list paragraph whose text already starts with its number gets no second one.
_TYPED_NUMBER = re.compile(r"\s*(?:\d{1,5}|[一二三四五六七八九十]{1,3})\s*[.、．]")


class DocumentError(Exception):
    """The file cannot be read at all; ``message`` says why, in the trainer's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_document_text(text: str, filename: str) -> ParseResult:
    """Read the questions in ``text`` (the content of ``filename``), validated, with the
    report of where every line went (``ParseResult.report``)."""
    cleaned, adverts = clean_document(text)
    lines, noise = remove_noise(cleaned)
    noise.lines.update(dict.fromkeys(adverts, "advert"))
    scanner = Scanner(lines)
    items = validate_items(scanner.run())
    result = ParseResult(filename=filename, items=items, skipped=scanner.skipped)
    result.report = build_report(lines, noise, scanner, items, scanner.skipped)
    if not items and not scanner.skipped:
        result.file_problems.append(_("文件“%(name)s”中没有找到题目", name=filename))
    return result


def parse_docx(data: bytes, filename: str) -> ParseResult:
    """Read a Word (.docx) document: its paragraphs and table cells, in order, one per line."""
    return parse_document_text(docx_text(data, filename), filename)


def docx_text(data: bytes, filename: str) -> str:
    not_a_document = _("文件“%(name)s”不是有效的 Word 文档（.docx）", name=filename)
    try:
        # Before python-docx sees a byte: it holds every element of the document in memory.
        upload_limits.check_docx(data, filename)
    except upload_limits.UploadRefused as exc:
        raise DocumentError(exc.message) from exc
    except upload_limits.NotAZip as exc:
        raise DocumentError(not_a_document) from exc
    try:
        document = Document(io.BytesIO(data))
    except Exception as exc:  # no document part, broken XML: all unreadable
        raise DocumentError(not_a_document) from exc
    return "\n".join(_block_lines(document, ListNumbers(document)))


def _block_lines(block: DocxDocument | _Cell, numbers: ListNumbers) -> list[str]:
    """Paragraph texts of the body or of a table cell, tables included, in document order,
    each list paragraph with the number Word draws in front of it (not part of its text).

    python-docx renders a manual line break as a line feed: it starts a new line, as in Word.
    """
    lines: list[str] = []
    for part in block.iter_inner_content():
        if isinstance(part, Paragraph):
            prefix = numbers.prefix(part)  # counted even when the text repeats it
            text = part.text if _TYPED_NUMBER.match(part.text) else prefix + part.text
            lines.extend(text.split("\n"))
        else:
            lines.extend(_table_lines(part, numbers))
    return lines


def _table_lines(table: Table, numbers: ListNumbers) -> list[str]:
    lines: list[str] = []
    seen: set[object] = set()  # a merged cell is returned again for every grid position
    for row in table.rows:
        for cell in row.cells:
            if cell._tc not in seen:
                seen.add(cell._tc)
                lines.extend(_block_lines(cell, numbers))
    return lines


def decode_text(data: bytes, filename: str) -> str:
    """The text of a .txt file: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK."""
    try:
        return textfiles.decode_text(data)
    except textfiles.UnknownEncoding:
        pass
    raise DocumentError(
        _(
            "文件“%(name)s”不是可读的文本文件（已尝试 %(encodings)s 编码）",
            name=filename,
            encodings="、".join(_ENCODINGS),
        )
    )
