"""Bounds on uploaded files, checked before any reader opens them: zip, sheet and table bombs.

An .xlsx or .docx is a zip of XML parts, and the readers believe what the parts say: calamine
allocates the whole rectangle up to the last cell a sheet names (1.6 KB naming ``XFD1048576``
asked for 512 GB), openpyxl pads every row to the declared width, python-docx builds a tree of
every element (a 0.8 MB deflate bomb took 5 GB). So, before a reader sees the bytes:

- **the zip** (``ZipLimits``): at most ``members`` members, stored or deflated only, and at most
  ``total_bytes`` once inflated. Declared sizes are not trusted: every member is inflated here
  from its raw data, in chunks, with a running count, and the count stops the inflation;
- **a workbook** (``SheetLimits``): while the parts inflate they are scanned for what the sheets
  declare (``<dimension ref>``) and use (the ``r`` of rows and cells; a cell without one counts
  by position): at most ``rows`` rows, ``columns`` columns and ``cells`` cells, where cells is
  the rectangle rows x columns a dense reader allocates (and the number of cell elements);
- **a document** (``DocumentLimits``): XML elements and paragraphs, counted the same way;
- **a CSV** (``bounded_rows``): rows, columns and cells, counted as the rows are read.

Every part is scanned whatever its name: a reader finds its sheets through the package's
relationships, so a sheet may be called anything. The scan is a few regular expressions over
the inflated bytes (about 0.1 s for a 10,000-row item sheet).

A refusal raises ``UploadRefused``, whose message names the file and the limit. Bytes that are
no zip raise ``NotAZip``: the caller says the file is not a workbook or document, as it would.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar
from xml.etree import ElementTree

from flask_babel import gettext as _

R = TypeVar("R", bound=Sized)

MiB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    members: int = 1_000
    total_bytes: int = 50 * MiB  #: all members together, inflated


@dataclass(frozen=True)
class SheetLimits:
    rows: int = 100_000
    columns: int = 100
    #: the rectangle rows x columns up to the last row and column used (what calamine and
    #: openpyxl allocate), and the number of cells written
    cells: int = 2_000_000


@dataclass(frozen=True)
class DocumentLimits:
    #: python-docx holds every element in memory (about 250 bytes each with its text) and takes
    #: about 15 µs per paragraph: these bound a document at ~250 MB and a few seconds.
    elements: int = 1_000_000
    paragraphs: int = 100_000


ZIP_LIMITS = ZipLimits()
SHEET_LIMITS = SheetLimits()
DOCUMENT_LIMITS = DocumentLimits()


class UploadRefused(ValueError):
    """The file is over a limit; ``message`` says which, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAZip(ValueError):
    """The bytes are no zip archive (so no .xlsx or .docx either)."""


# ---------------------------------------------------------------- the zip

_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader: 30 bytes
_LOCAL_SIGNATURE = b"PK\x03\x04"


def _open_zip(data: bytes, filename: str, limits: ZipLimits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, or a struct/offset error of a broken directory
        raise NotAZip(str(exc) or "not a zip file") from exc
    count = len(archive.infolist())
    if count > limits.members:
        raise UploadRefused(
            _(
                "文件“%(name)s”内含 %(count)s 个压缩成员，超过上限 %(limit)s 个，未读取。",
                name=filename,
                count=f"{count:,}",
                limit=f"{limits.members:,}",
            )
        )
    for info in archive.infolist():
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadRefused(
                _(
                    "文件“%(name)s”使用了不支持的压缩方式，请用 Excel 或 Word 重新保存后再导入。",
                    name=filename,
                )
            )
    return archive


def _raw_member(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """The member's compressed bytes, found through its local header (as every reader does)."""
    try:
        header = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    except struct.error:
        return memoryview(b"")
    if header[0] != _LOCAL_SIGNATURE:
        return memoryview(b"")  # a reader refuses the member too ("bad magic number")
    start = info.header_offset + _LOCAL_HEADER.size + header[-2] + header[-1]
    return memoryview(data)[start : start + info.compress_size]


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's content in chunks of at most 64 KB, inflated here from its raw data, so
    that a declared size cannot hide what it inflates to. A corrupt stream ends early: a reader
    stops at the same byte (inflating is deterministic), having produced no more than this."""
    raw = _raw_member(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        for start in range(0, len(raw), _CHUNK):
            yield bytes(raw[start : start + _CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for start in range(0, len(raw), _CHUNK):
            pending: bytes | memoryview = raw[start : start + _CHUNK]
            while pending:
                out = inflater.decompress(pending, _CHUNK)  # never more than _CHUNK at once
                if out:
                    yield out
                if inflater.eof:
                    return
                pending = inflater.unconsumed_tail
        while not inflater.eof:
            out = inflater.decompress(b"", _CHUNK)
            if not out:
                return
            yield out
    except zlib.error:
        return


def _regions(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks re-cut so that no tag is ever split between two regions: a tag still open at
    the end of a chunk (a ``<`` with no ``>`` after it) is carried, whole, into the next region,
    however long it is (a reference hidden after 1 MB of attributes is still seen). Text may be
    split; it never holds a raw ``<``. Linear in the bytes, whatever their shape."""
    pending: list[bytes] = []  # an unfinished tag, in pieces
    for chunk in chunks:
        start = chunk.rfind(b"<")
        if start < 0:  # no tag starts here: the pending one goes on, or ends in this chunk
            if pending and b">" not in chunk:
                pending.append(chunk)
            else:
                yield b"".join(pending) + chunk
                pending = []
            continue
        head, last = chunk[:start], chunk[start:]
        if pending:  # a new "<": the pending tag ended in ``head`` (or the XML is broken)
            head = b"".join(pending) + head
            pending = []
        if b">" in last:
            yield head + last
        else:
            if head:
                yield head
            pending = [last]
    if pending:
        yield b"".join(pending)


class _Scanner:
    """Reads the parts of one zip as they inflate; ``feed`` raises ``UploadRefused``."""

    def start(self, part: str) -> None:
        pass

    def feed(self, region: bytes) -> None:
        pass

    def finish(self) -> None:
        pass


def _scan_zip(data: bytes, filename: str, limits: ZipLimits, scanner: _Scanner) -> zipfile.ZipFile:
    archive = _open_zip(data, filename, limits)
    total = 0
    for info in archive.infolist():
        scanner.start(info.filename)
        for region in _regions(_counted(_inflate(data, info), total, filename, limits)):
            total += len(region)
            scanner.feed(region)
        scanner.finish()
    return archive


def _counted(
    chunks: Iterator[bytes], before: int, filename: str, limits: ZipLimits
) -> Iterator[bytes]:
    total = before
    for chunk in chunks:
        total += len(chunk)
        if total > limits.total_bytes:
            raise UploadRefused(
                _(
                    "文件“%(name)s”解压后超过 %(limit)s MB 的上限，未读取"
                    "（文件可能已损坏，或是压缩炸弹）。",
                    name=filename,
                    limit=f"{limits.total_bytes / MiB:g}",
                )
            )
        yield chunk


def check_zip(data: bytes, filename: str, limits: ZipLimits = ZIP_LIMITS) -> None:
    """Refuse a zip with too many members, or more than ``limits.total_bytes`` inflated.

    :raises UploadRefused: over a limit
    :raises NotAZip: when ``data`` is no zip archive
    """
    _scan_zip(data, filename, limits, _Scanner())


# ---------------------------------------------------------------- workbooks

_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"  # any namespace prefix (x:c as well as c)
_SIZE_NAMES = rb"""(c|row|dimension)(?=[\s/>])(?:[^>]*?\s(?:r|ref)\s*=\s*["']([^"']*)["'])?"""
#: Start tags of cells, rows and the dimension, with their reference (``r``, or ``ref``). Most
#: files write these without a prefix, which the first expression finds about 3x faster.
_SIZE_TAG = re.compile(rb"<" + _SIZE_NAMES)
_SIZE_TAG_PREFIXED = re.compile(rb"<" + _PREFIX + _SIZE_NAMES)
_PREFIXED_NAME = re.compile(rb":(?:c|row|dimension)[\s/>]")
_FORMULA_TAG = re.compile(rb"<" + _PREFIX + rb"f[\s/>]")
#: What a formula cell is read from: its start and end, the formula, and the value.
_CELL_PART = re.compile(rb"<(/?)" + _PREFIX + rb"(c|f|v)(?=[\s/>])([^>]*)>")
_TYPE = re.compile(rb"""\st\s*=\s*["']([^"']*)["']""")
_CELL_REFERENCE = re.compile(rb"\$?([A-Za-z]*)\$?(\d*)")
_DIGITS = b"0123456789"
_HUGE = 10**12  # what a reference too long to be real counts as


@cache
def _column_number(letters: bytes) -> int:
    """1 for ``A``, 16,384 for ``XFD``; -1 for what is no column."""
    if not letters.isalpha():
        return -1 if letters else 0
    if len(letters) > 4:
        return _HUGE
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _cell_position(reference: bytes) -> tuple[int, int]:
    """(row, column) of ``B12``-like text, 0 for a part it lacks."""
    letters = reference.rstrip(_DIGITS)
    column = _column_number(letters)
    if column < 0:  # "$B$12", spaces, or no reference at all: the careful way
        match = _CELL_REFERENCE.match(reference.strip())
        letters = match.group(1) if match else b""
        digits = match.group(2) if match else b""
        column = max(_column_number(letters), 0)
    else:
        digits = reference[len(letters) :]
    if len(digits) > 10:
        return _HUGE, column
    return int(digits or 0), column


@dataclass
class SheetStats:
    """What one part of a workbook declares and uses."""

    part: str
    sheet: str | None = None  #: the name the workbook gives it, when it is a sheet
    declared_rows: int = 0
    declared_columns: int = 0
    rows: int = 0  #: the last row used
    columns: int = 0  #: the last column used
    cells: int = 0  #: cell elements written
    has_formulas: bool = False
    #: (row, column) of formula cells saved without a calculated value (at most 1,000)
    formulas_without_value: list[tuple[int, int]] = field(default_factory=list)


class _SheetScanner(_Scanner):
    """Sizes from start tags only, which a region never splits: one ``findall`` per region."""

    def __init__(self, filename: str, limits: SheetLimits) -> None:
        self.filename, self.limits = filename, limits
        self.stats: dict[str, SheetStats] = {}

    def start(self, part: str) -> None:
        self.part = SheetStats(part)
        self.row = self.column = 0

    def feed(self, region: bytes) -> None:
        stats = self.part
        tags = _SIZE_TAG_PREFIXED if _PREFIXED_NAME.search(region) else _SIZE_TAG
        for name, reference in tags.findall(region):
            if name == b"c":
                stats.cells += 1
                if reference:
                    row, self.column = _cell_position(reference)
                    if row > stats.rows:
                        stats.rows = row
                else:  # a cell without a reference is the one after the last
                    self.column += 1
                if self.column > stats.columns:
                    stats.columns = self.column
            elif name == b"row":
                self.row = _cell_position(reference)[0] if reference else self.row + 1
                self.column = 0
                if self.row > stats.rows:
                    stats.rows = self.row
            else:
                for corner in reference.split(b":"):
                    row, column = _cell_position(corner)
                    stats.declared_rows = max(stats.declared_rows, row)
                    stats.declared_columns = max(stats.declared_columns, column)
        if not stats.has_formulas and (b"<f" in region or b":f" in region):
            stats.has_formulas = _FORMULA_TAG.search(region) is not None
        self._check(stats)

    def finish(self) -> None:
        if self.part.cells or self.part.rows or self.part.declared_rows:
            self.stats[self.part.part] = self.part

    def _check(self, stats: SheetStats) -> None:
        limits, name = self.limits, self.filename
        rows = max(stats.rows, stats.declared_rows)
        columns = max(stats.columns, stats.declared_columns)
        if rows > limits.rows:
            raise UploadRefused(
                _(
                    "文件“%(name)s”的工作表用到第 %(count)s 行，超过上限 %(limit)s 行，未读取。",
                    name=name,
                    count=_number(rows),
                    limit=f"{limits.rows:,}",
                )
            )
        if columns > limits.columns:
            raise UploadRefused(
                _(
                    "文件“%(name)s”的工作表用到第 %(count)s 列，超过上限 %(limit)s 列，未读取。",
                    name=name,
                    count=_number(columns),
                    limit=f"{limits.columns:,}",
                )
            )
        cells = max(rows * columns, stats.cells)
        if cells > limits.cells:
            raise UploadRefused(
                _(
                    "文件“%(name)s”的工作表有 %(count)s 个单元格（行数×列数），超过上限 "
                    "%(limit)s 个，未读取。",
                    name=name,
                    count=_number(cells),
                    limit=f"{limits.cells:,}",
                )
            )


def _number(value: int) -> str:
    return f"{value:,}" if value < _HUGE else "∞"


def _formulas_without_value(regions: Iterable[bytes], limit: int = 1000) -> list[tuple[int, int]]:
    """(row, column) of each formula cell with no calculated value: no ``<v>``, or an empty one
    that is no text result (``t="str"`` with ``<v></v>`` is a formula giving "")."""
    found: list[tuple[int, int]] = []
    row = column = cell_row = 0
    in_cell = formula = value_seen = value_text = False
    cell_type = b""
    value_from: int | None = None  # where the text of an open <v> starts in this region

    def end_cell() -> None:
        calculated = value_text or (value_seen and cell_type == b"str")
        if in_cell and formula and not calculated and len(found) < limit:
            found.append((cell_row, column))

    for region in regions:
        if value_from is not None:
            value_from = 0
        for match in _CELL_PART.finditer(region):
            closing, name, attributes = match.groups()
            if closing:
                if name == b"v" and value_from is not None:
                    value_text = value_text or bool(region[value_from : match.start()].strip())
                    value_from = None
                elif name == b"c":
                    end_cell()
                    in_cell = False
                continue
            if name == b"c":
                reference = _attribute_r(attributes)
                if reference is None:
                    column, cell_row = column + 1, row
                else:
                    cell_row, column = _cell_position(reference)
                    cell_row = cell_row or row
                in_cell, formula, value_seen, value_text = True, False, False, False
                type_match = _TYPE.search(attributes)
                cell_type = type_match.group(1) if type_match else b""
                if attributes.endswith(b"/"):
                    in_cell = False
            elif name == b"f":
                formula = True
            elif in_cell:  # <v>
                value_seen = True
                value_from = None if attributes.endswith(b"/") else match.end()
        if value_from is not None:  # the <v> closes in a later region
            value_text = value_text or bool(region[value_from:].strip())
        row = max(row, cell_row)
    return found


_R = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")


def _attribute_r(attributes: bytes) -> bytes | None:
    match = _R.search(attributes)
    return match.group(1) if match else None


@dataclass
class WorkbookReport:
    """What ``check_xlsx`` found: each sheet's size and formulas, by part and by sheet name."""

    parts: dict[str, SheetStats] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetStats | None:
        return next((s for s in self.parts.values() if s.sheet == name), None)


def check_xlsx(
    data: bytes,
    filename: str,
    limits: SheetLimits = SHEET_LIMITS,
    zip_limits: ZipLimits = ZIP_LIMITS,
) -> WorkbookReport:
    """Refuse a workbook over a zip or sheet limit; else say what its sheets hold.

    :raises UploadRefused: over a limit
    :raises NotAZip: when ``data`` is no zip archive
    """
    scanner = _SheetScanner(filename, limits)
    archive = _scan_zip(data, filename, zip_limits, scanner)
    for part, sheet in _sheet_names(archive).items():
        if part in scanner.stats:
            scanner.stats[part].sheet = sheet
    for stats in scanner.stats.values():
        if stats.has_formulas:  # a second, closer look (inflating again costs little)
            regions = _regions(_inflate(data, archive.getinfo(stats.part)))
            stats.formulas_without_value = _formulas_without_value(regions)
    return WorkbookReport(scanner.stats)


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name -> sheet name, through the package's relationships (empty when unreadable).

    Called only once every part has passed the limits, so reading them is safe."""
    try:
        book = next(
            t for _id, kind, t in _relationships(archive, "") if kind.endswith("/officeDocument")
        )
        targets = {rid: target for rid, _kind, target in _relationships(archive, book)}
        root = ElementTree.fromstring(archive.read(book))
    except Exception:  # no workbook part, broken XML: the reader will say so
        return {}
    names = {}
    for element in root.iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            if rid in targets:
                names[targets[rid]] = element.get("name", "")
    return names


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _relationships(archive: zipfile.ZipFile, source: str) -> list[tuple[str, str, str]]:
    """(id, type, part) of each relationship of the part ``source`` ("" for the package)."""
    folder, name = posixpath.split(source)
    root = ElementTree.fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
    found = []
    for element in root.iter():
        if _local(element.tag) == "Relationship":
            target = element.get("Target", "")
            part = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            found.append((element.get("Id", ""), element.get("Type", ""), part))
    return found


# ---------------------------------------------------------------- documents

_PARAGRAPH = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?p[\s/>]")


class _DocumentScanner(_Scanner):
    def __init__(self, filename: str, limits: DocumentLimits) -> None:
        self.filename, self.limits = filename, limits
        self.elements = self.paragraphs = 0

    def feed(self, region: bytes) -> None:
        # Start tags: every "<" but those of end tags, declarations, comments and CDATA.
        count = region.count
        self.elements += count(b"<") - count(b"</") - count(b"<?") - count(b"<!")
        self.paragraphs += len(_PARAGRAPH.findall(region))
        if self.elements > self.limits.elements:
            raise UploadRefused(
                _(
                    "文件“%(name)s”的内容过于庞大（超过 %(limit)s 个 XML 元素），未读取；"
                    "请拆分为较小的文件后再导入。",
                    name=self.filename,
                    limit=f"{self.limits.elements:,}",
                )
            )
        if self.paragraphs > self.limits.paragraphs:
            raise UploadRefused(
                _(
                    "文件“%(name)s”超过 %(limit)s 个段落的上限，未读取；"
                    "请拆分为较小的文件后再导入。",
                    name=self.filename,
                    limit=f"{self.limits.paragraphs:,}",
                )
            )


def check_docx(
    data: bytes,
    filename: str,
    limits: DocumentLimits = DOCUMENT_LIMITS,
    zip_limits: ZipLimits = ZIP_LIMITS,
) -> None:
    """Refuse a Word document over a zip or document limit.

    :raises UploadRefused: over a limit
    :raises NotAZip: when ``data`` is no zip archive
    """
    _scan_zip(data, filename, zip_limits, _DocumentScanner(filename, limits))


# ---------------------------------------------------------------- CSV


def bounded_rows(
    rows: Iterable[R], filename: str, limits: SheetLimits = SHEET_LIMITS
) -> Iterator[R]:
    """``rows`` (a CSV's, as ``csv.reader`` gives them), refused with ``UploadRefused`` at the
    first row over a sheet limit: a file of a million empty lines costs nothing to refuse."""
    width = 0
    for count, row in enumerate(rows, start=1):
        width = max(width, len(row))
        if count > limits.rows:
            raise UploadRefused(
                _(
                    "文件“%(name)s”超过 %(limit)s 行的上限，未读取。",
                    name=filename,
                    limit=f"{limits.rows:,}",
                )
            )
        if width > limits.columns:
            raise UploadRefused(
                _(
                    "文件“%(name)s”的第 %(row)s 行有 %(count)s 列，超过上限 %(limit)s 列，未读取。",
                    name=filename,
                    row=count,
                    count=f"{width:,}",
                    limit=f"{limits.columns:,}",
                )
            )
        if count * width > limits.cells:
            raise UploadRefused(
                _(
                    "文件“%(name)s”超过 %(limit)s 个单元格（行数×列数）的上限，未读取。",
                    name=filename,
                    limit=f"{limits.cells:,}",
                )
            )
        yield row
