"""Writing items out, in every format the bank reads back (export → import round-trips).

A format may not hold every item: GIFT and Moodle XML need a key that reads back the same
(an imported item still waiting for its answer has none), Aiken holds single choice only.
Such items are left out and listed, each with its id and the reason, never a crash: an
``Export`` says how many items were written and which were not (``report()`` is the text the
CLI prints and the web download carries). The spreadsheet holds every item.

Options not lettered A, B, C … (A, C, D) keep their letters in every format, so the re-import
shows the same warning: Aiken writes them, GIFT and Moodle XML carry them in a ``labels:`` tag.
Moodle itself numbers answers by position, so such items are written with a note in the report
(``Export.notes``): Moodle shows them lettered A, B, C, and reads an Aiken ``ANSWER:`` letter by
position.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from exam_app.bank.importers._moodle_common import export_item, export_problem, labels_tag
from exam_app.bank.importers.aiken import aiken_problem, export_aiken
from exam_app.bank.importers.gift import export_gift
from exam_app.bank.importers.moodle_xml import export_moodle_xml
from exam_app.bank.importers.spreadsheet import export_spreadsheet
from exam_app.bank.parsed import ItemType

Rows = Iterable[Mapping[str, Any]]
Writer = Callable[[list[Mapping[str, Any]]], bytes]
#: Why the ``position``-th row cannot be written in a format, or None.
Check = Callable[[Mapping[str, Any], int], "str | None"]

ZIP = "application/zip"


def _any_known_type(row: Mapping[str, Any], position: int) -> str | None:
    try:
        ItemType(str(row.get("type")))
    except ValueError:
        return _(
            "第%(number)s题的题型“%(type)s”未知，无法导出", number=position, type=row.get("type")
        )
    return None


def _moodle_check(row: Mapping[str, Any], position: int) -> str | None:
    return _any_known_type(row, position) or export_problem(export_item(row, position))


def _aiken_check(row: Mapping[str, Any], position: int) -> str | None:
    return _any_known_type(row, position) or aiken_problem(row, position)


def _letters_note(row: Mapping[str, Any], position: int) -> str | None:
    """What Moodle makes of options not lettered A, B, C … (the item keeps its own letters)."""
    labels = labels_tag(export_item(row, position))
    if labels is None:
        return None
    return _(
        "第%(number)s题的选项字母（%(labels)s）不是 A、B、C…：已按原字母导出，"
        "Moodle 按位置重新编号",
        number=position,
        labels="、".join(labels.removeprefix("labels:").split(",")),
    )


def _aiken_letters_note(row: Mapping[str, Any], position: int) -> str | None:
    note = _letters_note(row, position)
    if note is None:
        return None
    return note + _("，并按位置读取 ANSWER 的字母，在 Moodle 中导入前请先改正选项字母")


@dataclass(frozen=True)
class Format:
    name: str  #: as a trainer knows it
    writer: Writer
    content_type: str
    check: Check
    #: What to tell about a row that is written (None: nothing)
    note: Check | None = None


#: ending -> format
EXPORTERS: dict[str, Format] = {
    "xlsx": Format(
        "Excel",
        lambda rows: export_spreadsheet(rows, "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _any_known_type,
    ),
    "csv": Format(
        "CSV",
        lambda rows: export_spreadsheet(rows, "csv"),
        "text/csv; charset=utf-8",
        _any_known_type,
    ),
    "gift": Format("GIFT", export_gift, "text/plain; charset=utf-8", _moodle_check, _letters_note),
    "xml": Format(
        "Moodle XML",
        export_moodle_xml,
        "application/xml; charset=utf-8",
        _moodle_check,
        _letters_note,
    ),
    "aiken": Format(
        "Aiken", export_aiken, "text/plain; charset=utf-8", _aiken_check, _aiken_letters_note
    ),
}


@dataclass(frozen=True)
class LeftOut:
    """An item the format cannot hold."""

    item_id: int | None  #: the bank's id (None for rows that carry none)
    reason: str


@dataclass(frozen=True)
class Export:
    ending: str
    body: bytes  #: the file, holding the written items only
    content_type: str
    written: int
    left_out: tuple[LeftOut, ...]
    #: items written, with something the trainer should know (id and what)
    notes: tuple[LeftOut, ...] = ()

    @property
    def total(self) -> int:
        return self.written + len(self.left_out)

    def report(self) -> str:
        """What was written and what was not, for a trainer to read."""
        name = EXPORTERS[self.ending].name
        lines = [
            _(
                "题库导出（%(format)s）：共 %(total)d 题，"
                "已导出 %(written)d 题，未导出 %(left)d 题。",
                format=name,
                total=self.total,
                written=self.written,
                left=len(self.left_out),
            )
        ]
        if self.left_out:
            lines.append(
                _("以下试题无法以 %(format)s 格式导出（可在题库中按编号打开修改）：", format=name)
            )
            lines += [
                f"  #{o.item_id if o.item_id is not None else '-'}  {o.reason}"
                for o in self.left_out
            ]
        if self.notes:
            lines.append(_("以下试题已导出，但请注意："))
            lines += [
                f"  #{o.item_id if o.item_id is not None else '-'}  {o.reason}" for o in self.notes
            ]
        return "\n".join(lines) + "\n"

    def download(self, filename: str) -> tuple[bytes, str, str]:
        """Body, content type and file name of the web download: the file itself when every item
        was written as it is, else a zip of the file and ``export_report.txt`` (the report, so
        that a trainer cannot miss what is missing, or what to mind)."""
        if not self.left_out and not self.notes:
            return self.body, self.content_type, filename
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(filename, self.body)
            archive.writestr(REPORT_NAME, "\ufeff" + self.report().replace("\n", "\r\n"))
        return buffer.getvalue(), ZIP, f"{filename}.zip"


REPORT_NAME = "export_report.txt"  #: ASCII, which every unzip tool shows the same


def export_items(rows: Rows, ending: str) -> Export:
    """The rows (``ParsedItem.as_dict()``-shaped, with the bank's ``id``) the format can hold,
    written, and the others listed; KeyError for an unknown ending."""
    fmt = EXPORTERS[ending]
    kept: list[Mapping[str, Any]] = []
    left_out: list[LeftOut] = []
    notes: list[LeftOut] = []
    for position, row in enumerate(rows, start=1):
        reason = fmt.check(row, position)
        if reason:
            left_out.append(LeftOut(row.get("id"), reason))
            continue
        kept.append(row)
        note = fmt.note(row, position) if fmt.note else None
        if note:
            notes.append(LeftOut(row.get("id"), note))
    body = fmt.writer(kept)
    return Export(ending, body, fmt.content_type, len(kept), tuple(left_out), tuple(notes))
