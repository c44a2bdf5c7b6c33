"""The Moodle formats read the encodings ``core.textfiles`` reads, and refuse the rest by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from exam_app.bank.importers import read_file
from exam_app.bank.importers.aiken import parse_aiken
from exam_app.bank.importers.gift import parse_gift
from exam_app.bank.importers.moodle_xml import parse_moodle_xml

DATA = Path(__file__).parent / "data"
STEM = "供电企业应答复客户的“投诉”（ ）。"
FILES = {
    "aiken": (parse_aiken, f"{STEM}\nA. 甲\nB. 乙\nANSWER: B\n"),
    "gift": (parse_gift, f"::题一::{STEM}{{~甲 =乙}}\n"),
    "xml": (
        parse_moodle_xml,
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n<question type="multichoice">'
        f'<name><text>题一</text></name><questiontext format="plain_text"><text>{STEM}</text>'
        '</questiontext><single>true</single><answer fraction="0"><text>甲</text></answer>'
        '<answer fraction="100"><text>乙</text></answer></question>\n</quiz>\n',
    ),
}
READ = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "gb18030": lambda text: text.encode("gb18030"),
    "gbk": lambda text: text.encode("gbk"),
    "utf-16 LE with BOM": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    "utf-16 BE with BOM": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "windows line ends": lambda text: text.replace("\n", "\r\n").encode("gb18030"),
}
REFUSED = {
    "utf-16 without BOM": lambda text: text.encode("utf-16-le"),
    "big5": lambda text: text.encode("big5", errors="replace"),
    "cp1252": lambda text: "Café crème brûlée\n".encode("cp1252") + text.encode("utf-8"),
}


@pytest.mark.parametrize("fmt", FILES)
@pytest.mark.parametrize("encoding", READ)
def test_each_encoding_read(fmt: str, encoding: str) -> None:
    parse, text = FILES[fmt]
    result = parse(READ[encoding](text), f"题库.{fmt}")
    assert result.file_problems == [] and result.skipped == []
    [item] = result.items
    assert (item.stem, [o.text for o in item.options], item.answer) == (STEM, ["甲", "乙"], ("B",))
    assert item.problems == ()


@pytest.mark.parametrize("fmt", FILES)
@pytest.mark.parametrize("encoding", REFUSED)
def test_other_encodings_are_refused_saying_what_is_read(fmt: str, encoding: str) -> None:
    parse, text = FILES[fmt]
    result = parse(REFUSED[encoding](text), f"题库.{fmt}")
    assert result.items == []
    [message] = result.file_problems
    assert "题库." in message and "编码无法识别" in message
    assert all(name in message for name in ("UTF-8", "GB18030", "UTF-16"))


def test_a_gb18030_aiken_file_with_windows_line_ends() -> None:
    result = read_file((DATA / "aiken_gb18030.txt").read_bytes(), "aiken_gb18030.txt")
    [item] = result.items
    assert (item.stem, item.answer, item.line) == ("热线是（ ）。", ("A",), 1)
