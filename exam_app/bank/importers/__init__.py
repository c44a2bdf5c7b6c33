"""Importers: files -> ParsedItem values. ``read_file`` picks the reader by the file's ending."""

from __future__ import annotations

from pathlib import PurePath

from flask_babel import gettext as _

from exam_app.bank.importers.document import (
    DocumentError,
    decode_text,
    parse_document_text,
    parse_docx,
)
from exam_app.bank.importers.spreadsheet import parse_spreadsheet
from exam_app.bank.parsed import ParseResult
from exam_app.bank.validation import validate_items

#: Endings we read, for upload forms and messages.
SUPPORTED = ("txt", "docx", "xlsx", "csv")


def read_file(data: bytes, filename: str) -> ParseResult:
    """Parse and validate a question file; unreadable files come back with ``file_problems``."""
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    try:
        if suffix == "txt":
            return parse_document_text(decode_text(data, filename), filename)
        if suffix == "docx":
            return parse_docx(data, filename)
        if suffix in ("xlsx", "csv"):
            result = parse_spreadsheet(data, filename)
            result.items = validate_items(result.items)
            return result
    except DocumentError as exc:
        return ParseResult(filename=filename, file_problems=[exc.message])
    if suffix == "doc":
        message = _(
            "“%(name)s”是旧版 Word 文档（.doc），请在 Word 中另存为 .docx 后再导入。", name=filename
        )
    else:
        message = _(
            "不支持的文件类型“%(name)s”；可导入 %(kinds)s。",
            name=filename,
            kinds="、".join("." + s for s in SUPPORTED),
        )
    return ParseResult(filename=filename, file_problems=[message])
