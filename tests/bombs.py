"""Hostile uploads, built small at test time: zip bombs, sheets naming their last cell far away,
documents of a million paragraphs. Each builder writes in 1 MB chunks, never holding what the
file inflates to."""

from __future__ import annotations

import io
import struct
import zipfile

MiB = 1024 * 1024

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="题库" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(sheet_xml: bytes | str) -> bytes:
    """A minimal .xlsx whose one sheet (named 题库) is ``sheet_xml``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELATIONSHIPS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELATIONSHIPS)
        archive.writestr(SHEET, sheet_xml)
    return buffer.getvalue()


def sheet_naming(last: str = "XFD1048576", dimension: str | None = None) -> bytes:
    """A 1.6 KB workbook: a header cell at A1 and one more cell at ``last``; its dimension
    says ``A1:<last>`` unless given. calamine allocates rows x columns up to ``last``."""
    row = int("".join(c for c in last if c.isdigit()))
    body = (
        f'<dimension ref="{dimension or "A1:" + last}"/><sheetData>'
        f'<row r="1">{_text_cell("A1", "题型")}</row>'
        f'<row r="{row}">{_text_cell(last, "x")}</row></sheetData></worksheet>'
    )
    return workbook(SHEET_START + body.encode())


def deflate_bomb(
    member: str = SHEET,
    inflated: int = 60 * MiB,
    head: bytes = SHEET_START + b"<sheetData>",
    tail: bytes = b"</sheetData></worksheet>",
    base: bytes | None = None,
) -> bytes:
    """A zip where ``member`` is ``head``, ``inflated`` bytes of spaces (well-formed XML, so a
    reader believes it), then ``tail``; deflate shrinks that about 1000 times. The other members
    are those of ``base`` (default: the minimal workbook)."""
    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(base or workbook(SHEET_START + b"</worksheet>")))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != member:
                archive.writestr(info.filename, source.read(info))
        with archive.open(member, "w") as out:
            out.write(head)
            spaces = b" " * MiB
            for _ in range(inflated // MiB):
                out.write(spaces)
            out.write(tail)
    return buffer.getvalue()


def understated(bomb: bytes, member: str, claimed: int = 1000) -> bytes:
    """``bomb`` with ``member``'s inflated size written as ``claimed`` in its local header and
    in the central directory, as a bomb that lies about itself would."""
    data = bytearray(bomb)
    info = zipfile.ZipFile(io.BytesIO(bomb)).getinfo(member)
    struct.pack_into("<L", data, info.header_offset + 22, claimed)
    name, entry = member.encode(), -1
    while data[entry + 46 : entry + 46 + len(name)] != name:  # its central directory entry
        entry = data.index(b"PK\x01\x02", entry + 1)
    struct.pack_into("<L", data, entry + 24, claimed)
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(member).file_size == claimed
    return bytes(data)


def many_members(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for n in range(count):
            archive.writestr(f"part{n}.xml", b"")
    return buffer.getvalue()


def word_document(paragraphs: int = 0, padding: int = 0) -> bytes:
    """A real .docx (python-docx's template) with one question, then ``paragraphs`` empty
    paragraphs and ``padding`` bytes of spaces in its body: a document bomb when large."""
    from docx import Document  # python-docx

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("1.供电企业应在（ ）内答复。")
    document.add_paragraph("A、3天B、5天C、7天D、10天")
    document.add_paragraph("正确答案:B")
    document.save(buffer)
    plain = buffer.getvalue()
    if not paragraphs and not padding:
        return plain
    xml = zipfile.ZipFile(io.BytesIO(plain)).read("word/document.xml")
    head, tail = xml.split(b"<w:sectPr", 1)
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(plain))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, source.read(info))
        with archive.open("word/document.xml", "w") as part:
            part.write(head)
            for start in range(0, paragraphs, 100_000):
                part.write(b"<w:p/>" * min(100_000, paragraphs - start))
            for _ in range(padding // MiB):
                part.write(b" " * MiB)
            part.write(b"<w:sectPr" + tail)
    return out.getvalue()
