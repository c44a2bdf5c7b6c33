"""Which reader a question file needs (bank.importers.detect.detect_format)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exam_app.bank.importers.detect import detect_format

DATA = Path(__file__).parent / "data" / "moodle"

GIFT_TITLE = "::热线::南方电网统一客户服务热线是（ ）。{=95598 ~12345}\n"
GIFT_BLOCK = "南方电网统一客户服务热线是（ ）。{\n\t=95598\n\t~12345\n}\n"
GIFT_WEIGHTS = "资料有（ ）。{~%50%身份证 ~%50%房产证 ~%-100%营业执照}\n"
GIFT_TRUE_FALSE = "客户可以报修。{T}\n\n客户可以拒绝报修。{FALSE#不可以}\n"
GIFT_CATEGORY = "$CATEGORY: 客户服务\n\n客户可以报修。{TRUE}\n"
AIKEN = "南方电网统一客户服务热线是（ ）。\nA. 95598\nB. 12345\nANSWER: A\n"
AIKEN_PARENS = "热线是（ ）。\nA) 95598\nB) 12345\n\nANSWER: B\n"
AIKEN_FULL_WIDTH = "热线是（ ）。\nA．95598\nB．12345\nANSWER：A\n"
DOCUMENT = (
    "用电客户受理员-初级工练习题\n一、单选题\n1.热线是（ ）。\nA、95598\nB、12345\n正确答案:A\n"
)
DOCUMENT_BRACES = "1.集合{1,2}中有（ ）个元素。\nA、1\nB、2\n答案：B\n"
DOCUMENT_ANSWER_WORD = "1.热线是（ ）。A、95598 B、12345\nANSWER: A 写在题目同一行不算\n"


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("题库.gift", b"", "gift"),
        ("TIKU.GIFT", AIKEN.encode(), "gift"),  # the ending decides, not the content
        ("题库.aiken", b"", "aiken"),
        ("题库.xml", b"<quiz/>", "moodle-xml"),
        ("moodle.XML", b"", "moodle-xml"),
        ("题库.docx", b"PK\x03\x04", "document"),
        ("题库.xlsx", b"PK\x03\x04", "spreadsheet"),
        ("题库.csv", "题型,题干\n".encode(), "spreadsheet"),
        ("题库.doc", b"\xd0\xcf\x11\xe0", None),
        ("题库.xls", b"", None),
        ("题库.pdf", b"%PDF", None),
        ("题库", GIFT_TITLE.encode(), None),
        ("题库.gift.bak", GIFT_TITLE.encode(), None),
    ],
)
def test_by_ending(filename, data, expected):
    assert detect_format(data, filename) == expected


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (GIFT_TITLE, "utf-8", "gift"),
        (GIFT_BLOCK, "utf-8", "gift"),
        (GIFT_WEIGHTS, "utf-8", "gift"),
        (GIFT_TRUE_FALSE, "utf-8", "gift"),
        (GIFT_CATEGORY, "utf-8", "gift"),
        (GIFT_TITLE, "utf-8-sig", "gift"),
        (GIFT_TITLE, "gb18030", "gift"),  # the GIFT reader then says it must be UTF-8
        (AIKEN, "utf-8", "aiken"),
        (AIKEN_PARENS, "utf-8", "aiken"),
        (AIKEN_FULL_WIDTH, "utf-8", "aiken"),
        (AIKEN, "utf-16", "aiken"),
        (AIKEN, "gb18030", "aiken"),
        (DOCUMENT, "utf-8", "document"),
        (DOCUMENT, "gb18030", "document"),
        (DOCUMENT, "utf-16", "document"),
        (DOCUMENT_BRACES, "utf-8", "document"),
        (DOCUMENT_ANSWER_WORD, "utf-8", "document"),
        ("", "utf-8", "document"),
        # both kinds of marks: the kind with more of them wins
        (AIKEN + "\n" + AIKEN + "\n" + GIFT_BLOCK, "utf-8", "aiken"),
        (GIFT_BLOCK + "\n" + GIFT_TITLE + "\n" + AIKEN, "utf-8", "gift"),
    ],
)
def test_txt_by_content(text, encoding, expected):
    assert detect_format(text.encode(encoding), "题库.txt") == expected


def test_undecodable_txt_is_left_to_the_document_reader():
    assert detect_format(b"\x81\x30\xff\xfe\x00\x81", "题库.TXT") == "document"


@pytest.mark.parametrize(
    ("sample", "expected"),
    [("sample.gift", "gift"), ("sample_aiken.txt", "aiken"), ("sample.xml", "moodle-xml")],
)
def test_sample_files_renamed_txt(sample, expected):
    data = (DATA / sample).read_bytes()
    assert detect_format(data, sample) == expected
    if expected != "moodle-xml":
        assert detect_format(data, "renamed.txt") == expected
