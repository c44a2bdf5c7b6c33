"""Writing items out, in every format the bank reads back (export → import round-trips)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from exam_app.bank.importers.aiken import aiken_problem, export_aiken
from exam_app.bank.importers.gift import export_gift
from exam_app.bank.importers.moodle_xml import export_moodle_xml
from exam_app.bank.importers.spreadsheet import export_spreadsheet

Rows = Iterable[Mapping[str, Any]]

#: ending -> (writer, content type)
EXPORTERS: dict[str, tuple[Callable[[list[Mapping[str, Any]]], bytes], str]] = {
    "xlsx": (
        lambda rows: export_spreadsheet(rows, "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "csv": (lambda rows: export_spreadsheet(rows, "csv"), "text/csv; charset=utf-8"),
    "gift": (export_gift, "text/plain; charset=utf-8"),
    "xml": (export_moodle_xml, "application/xml; charset=utf-8"),
    # Aiken holds single-choice items only; the others are left out, not forced in.
    "aiken": (
        lambda rows: export_aiken([r for r in rows if aiken_problem(r) is None]),
        "text/plain; charset=utf-8",
    ),
}


def export_items(rows: Rows, ending: str) -> tuple[bytes, str]:
    """The file body and its content type; KeyError for an unknown ending."""
    writer, content_type = EXPORTERS[ending]
    return writer(list(rows)), content_type
