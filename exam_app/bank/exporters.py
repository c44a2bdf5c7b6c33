"""Writing items out, in every format the bank reads back (export → import round-trips).

A format may not hold every item: GIFT and Moodle XML need a key that reads back the same
(an imported item still waiting for its answer has none), Aiken holds single choice only.
Such items are left out and listed, each with its id and the reason, never a crash: an
``Export`` says how many items were written and which were not (``report()`` is the text the
CLI prints and the web download carries). The spreadsheet holds every item.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from exam_app.bank.importers._moodle_common import export_item, export_problem
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


@dataclass(frozen=True)
class Format:
    name: str  #: as a trainer knows it
    writer: Writer
    content_type: str
    check: Check


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
    "gift": Format("GIFT", export_gift, "text/plain; charset=utf-8", _moodle_check),
    "xml": Format("Moodle XML", export_moodle_xml, "application/xml; charset=utf-8", _moodle_check),
    "aiken": Format("Aiken", export_aiken, "text/plain; charset=utf-8", _aiken_check),
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
        return "\n".join(lines) + "\n"

    def download(self, filename: str) -> tuple[bytes, str, str]:
        """Body, content type and file name of the web download: the file itself when every item
        was written, else a zip of the file and ``export_report.txt`` (the report, so that a
        trainer cannot miss what is missing)."""
        if not self.left_out:
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
    for position, row in enumerate(rows, start=1):
        reason = fmt.check(row, position)
        if reason:
            left_out.append(LeftOut(row.get("id"), reason))
        else:
            kept.append(row)
    return Export(ending, fmt.writer(kept), fmt.content_type, len(kept), tuple(left_out))
