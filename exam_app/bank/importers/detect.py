"""Which reader a question file needs: by its ending, and for ``.txt`` by what it holds.

``detect_format`` answers "gift", "aiken", "moodle-xml", "document" (a trainer's exam document,
``.txt`` or ``.docx``), "spreadsheet" (``.xlsx``, ``.csv``) or None (an ending we do not read).
A ``.txt`` file is GIFT when it holds GIFT answer blocks (``{=…~…}``, ``{T}``, ``{~%50%…}``),
``::name::`` titles or ``$CATEGORY:`` lines; Aiken when its ``ANSWER: X`` lines follow option lines
(``A. …``/``A) …``); otherwise it is read as an exam document. When both kinds of marks occur,
the kind with more of them wins (GIFT on a tie).
"""

from __future__ import annotations

import re
from pathlib import PurePath

from exam_app.bank.importers.aiken import ANSWER_LINE, OPTION_LINE
from exam_app.core import textfiles

_BY_ENDING = {
    ".gift": "gift",
    ".aiken": "aiken",
    ".xml": "moodle-xml",
    ".docx": "document",
    ".xlsx": "spreadsheet",
    ".csv": "spreadsheet",
}
_GIFT_BLOCK = re.compile(r"(?<!\\)\{([^{}]*?)(?<!\\)\}", re.DOTALL)
_GIFT_LINE = re.compile(r"^[ \t]*(?:::.+?::|\$CATEGORY:)", re.MULTILINE)
_TRUE_FALSE = frozenset({"T", "F", "TRUE", "FALSE"})


def detect_format(data: bytes, filename: str) -> str | None:
    """The kind of question file ``data`` (named ``filename``) is, or None when we read none."""
    ending = PurePath(filename).suffix.lower()
    if ending == ".txt":
        return _text_format(data)
    return _BY_ENDING.get(ending)


def _text_format(data: bytes) -> str:
    text = _decode(data)
    if text is None:  # the document reader explains what is wrong with the encoding
        return "document"
    gift, aiken = _gift_marks(text), _aiken_marks(text)
    if gift and gift >= aiken:
        return "gift"
    return "aiken" if aiken else "document"


def _decode(data: bytes) -> str | None:
    try:
        return textfiles.decode_text(data)
    except textfiles.UnknownEncoding:
        return None


def _gift_marks(text: str) -> int:
    blocks = 0
    for match in _GIFT_BLOCK.finditer(text):
        inside = match[1].strip()
        if inside[:1] in ("=", "~") or inside.split("#", 1)[0].strip() in _TRUE_FALSE:
            blocks += 1
    return blocks + len(_GIFT_LINE.findall(text))


def _aiken_marks(text: str) -> int:
    """``ANSWER:`` lines whose nearest non-blank line above is an option line."""
    marks, previous = 0, ""
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        if ANSWER_LINE.fullmatch(line) and OPTION_LINE.fullmatch(previous):
            marks += 1
        previous = line
    return marks
