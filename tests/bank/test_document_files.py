"""Reading the files themselves: .docx paragraphs and tables, .txt encodings."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from exam_app.bank.importers.document import (
    DocumentError,
    decode_text,
    docx_text,
    parse_document_text,
    parse_docx,
)

BANK = (
    "用电客户受理员-初级工练习题\n"
    "一、单选题(共2题)\n"
    "1.热线是（ ）。\n"
    "A、95598\n"
    "B、12345\n"
    "正确答案:A\n"
    "2.资料有（ ）。A、甲B、乙C、丙答案：C\n"
    "三、判断题\n"
    "1.客户可以报修。（√）"
)


def _save(document: docx.document.Document, tmp_path: Path) -> bytes:
    path = tmp_path / "bank.docx"
    document.save(str(path))
    return path.read_bytes()


def _dicts(items: list) -> list[dict[str, object]]:
    return [item.as_dict() for item in items]


def test_a_docx_reads_like_the_same_text(tmp_path: Path) -> None:
    document = docx.Document()
    for line in BANK.split("\n"):
        document.add_paragraph(line)
    result = parse_docx(_save(document, tmp_path), "bank.docx")
    assert result.filename == "bank.docx"
    assert len(result.items) == 3
    assert _dicts(result.items) == _dicts(parse_document_text(BANK, "bank.txt").items)


def test_docx_line_breaks_and_tables_become_lines(tmp_path: Path) -> None:
    document = docx.Document()
    title, rest = BANK.split("\n", 1)
    document.add_paragraph(title)
    paragraph = document.add_paragraph("一、单选题(共2题)")
    paragraph.add_run().add_break()  # a manual line break inside one paragraph
    paragraph.add_run("1.热线是（ ）。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "A、95598", "B、12345"
    merged = table.cell(1, 0).merge(table.cell(1, 1))  # one cell spanning the row: read once
    merged.text = "正确答案:A"
    for line in rest.split("\n")[5:]:
        document.add_paragraph(line)
    data = _save(document, tmp_path)
    assert docx_text(data, "bank.docx").split("\n") == BANK.split("\n")
    assert _dicts(parse_docx(data, "bank.docx").items) == _dicts(
        parse_document_text(BANK, "bank.txt").items
    )


@pytest.mark.parametrize("data", [b"not a zip", b"PK\x03\x04broken", b""])
def test_a_file_that_is_no_docx_is_refused(data: bytes) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_docx(data, "bank.docx")
    assert caught.value.message == "文件“bank.docx”不是有效的 Word 文档（.docx）"


@pytest.mark.parametrize(
    "data",
    [
        BANK.encode("utf-8"),
        b"\xef\xbb\xbf" + BANK.encode("utf-8"),  # Notepad's "UTF-8 with BOM"
        BANK.encode("utf-16"),  # with its BOM
        b"\xfe\xff" + BANK.encode("utf-16-be"),
        BANK.encode("gbk"),  # Notepad's "ANSI" on Chinese Windows
        BANK.encode("gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "gbk", "gb18030"],
)
def test_text_encodings(data: bytes) -> None:
    assert decode_text(data, "bank.txt") == BANK


@pytest.mark.parametrize(
    "data",
    [b"\x80\x81\xff\xfe\x00", b"\xff\xff\xff", b"PK\x03\x04\x14\x00\x06\x00", b"\xd6\xd0\x00\x01"],
    ids=["invalid bytes", "no encoding", "zip", "control characters"],
)
def test_bytes_that_are_no_text_are_refused(data: bytes) -> None:
    with pytest.raises(DocumentError) as caught:
        decode_text(data, "bank.txt")
    message = caught.value.message
    assert message.startswith("文件“bank.txt”不是可读的文本文件")
    assert all(encoding in message for encoding in ("UTF-8", "UTF-16", "GB18030"))


def test_gbk_text_parses_like_utf8() -> None:
    from_gbk = parse_document_text(decode_text(BANK.encode("gbk"), "a.txt"), "a.txt").items
    assert _dicts(from_gbk) == _dicts(parse_document_text(BANK, "a.txt").items)


def test_word_list_numbers_are_read_as_question_numbers(tmp_path: Path) -> None:
    """Word's automatic numbering is not in the paragraphs' text; it is the question number."""
    document = docx.Document()
    document.add_paragraph("一、单选题")
    for stem, options, key in [("热线是（ ）。", ("95598", "12345"), "A"),
                               ("电费应按（ ）交纳。", ("月", "年"), "A")]:  # fmt: skip
        document.add_paragraph(stem, style="List Number")
        for label, text in zip("AB", options, strict=True):
            document.add_paragraph(f"{label}、{text}")
        document.add_paragraph(f"答案：{key}")
    data = _save(document, tmp_path)
    assert docx_text(data, "bank.docx").split("\n")[1] == "1.热线是（ ）。"
    result = parse_docx(data, "bank.docx")
    assert [(i.number, i.stem, "".join(i.answer)) for i in result.items] == [
        (1, "热线是（ ）。", "A"),
        (2, "电费应按（ ）交纳。", "A"),
    ]
    assert result.report is not None and result.report.clean
