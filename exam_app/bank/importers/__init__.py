"""Importers: files -> ParsedItem values. ``read_file`` picks the reader for a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from flask_babel import gettext as _

from exam_app.bank.importers.aiken import parse_aiken
from exam_app.bank.importers.detect import detect_format
from exam_app.bank.importers.document import (
    DocumentError,
    decode_text,
    parse_document_text,
    parse_docx,
)
from exam_app.bank.importers.gift import parse_gift
from exam_app.bank.importers.moodle_xml import parse_moodle_xml
from exam_app.bank.importers.spreadsheet import parse_spreadsheet
from exam_app.bank.parsed import ParseResult
from exam_app.bank.validation import validate_items

#: Endings we read, for upload forms and messages.
SUPPORTED = ("txt", "docx", "xlsx", "csv", "gift", "aiken", "xml")
#: Formats a user may name explicitly (``flask bank import --format``).
FORMATS = ("document", "spreadsheet", "gift", "aiken", "moodle-xml")

_MOODLE: dict[str, Callable[[bytes, str], ParseResult]] = {
    "gift": parse_gift,
    "aiken": parse_aiken,
    "moodle-xml": parse_moodle_xml,
}


def read_file(data: bytes, filename: str, fmt: str | None = None) -> ParseResult:
    """Parse and validate a question file; unreadable files come back with ``file_problems``.

    ``fmt`` names the format; by default it is detected from the ending and, for .txt, the
    content (GIFT and Aiken files are plain text too).
    """
    kind = fmt or detect_format(data, filename)
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    try:
        if kind in _MOODLE:
            return _MOODLE[kind](data, filename)
        if kind == "document":
            if suffix == "docx":
                return parse_docx(data, filename)
            return parse_document_text(decode_text(data, filename), filename)
        if kind == "spreadsheet":
            result = parse_spreadsheet(data, filename)
            result.items = validate_items(result.items)
            return result
    except DocumentError as exc:
        return ParseResult(filename=filename, file_problems=[exc.message])
    if suffix == "doc":
        message = _(
            "“%(name)s”是旧版 Word 文档（.doc），请在 Word 中另存为 .docx 后再导入。",
            name=filename,
        )
    else:
        message = _(
            "不支持的文件类型“%(name)s”；可导入 %(kinds)s。",
            name=filename,
            kinds="、".join("." + s for s in SUPPORTED),
        )
    return ParseResult(filename=filename, file_problems=[message])
